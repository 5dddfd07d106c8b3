/*
 * Internal: compiling a query tree to the WHERE clause of a SELECT over
 * <db>_doc d, in the store's dialect.
 *
 * The contract: the SQL selects a superset of the documents the in-memory
 * evaluator (qeval.c) accepts. Where it is exactly that set, recheck is 0;
 * otherwise the cursor runs the evaluator on every row the SQL returns.
 *
 * - An extracted field is served by its slot column (single-valued fields) or
 *   its rows in <db>_fld (multiple), exactly, while no document of the store
 *   is "irregular" for it: a value of another type, a null, an array where a
 *   single value was declared, an array on the way to the value, a string too
 *   long for a slot, an integer a double cannot hold. doc_write.c marks such a
 *   document with a row (field, pos = -1) in <db>_fld; a field with marks goes
 *   by the JSON path below.
 * - Any other path runs on the JSON text with the dialect's JSON functions
 *   (SQLite json_type/json_extract, PostgreSQL jsonb operators, MariaDB
 *   JSON_TYPE/JSON_EXTRACT): a predicate P exact for documents with no array
 *   along the path, OR a guard G true when there is one (those rows are
 *   rechecked). Negation is pushed down to the leaves (De Morgan), so every
 *   leaf knows its polarity: NOT leaf is (G OR NOT P).
 * - What a dialect cannot express becomes TRUE and is rechecked.
 */
#ifndef FOLIO_CORE_QSQL_H
#define FOLIO_CORE_QSQL_H

#include "internal.h"
#include "query.h"

typedef struct folio_qsql {
	folio_buf sql;      /* the condition text, "?" placeholders */
	json_object *args;  /* the values of the placeholders, in order (a JSON array) */
	int recheck;        /* 1: rows must pass folio_qeval() too */
	/*
	 * Which rows: every row when recheck_all is set (a predicate that is a
	 * superset everywhere); otherwise only those where `guard` (an OR of the
	 * leaves' guards, its values in guard_args) is true.
	 */
	int recheck_all;
	folio_buf guard;
	json_object *guard_args;
} folio_qsql;

void folio_qsql__init(folio_qsql *out);
void folio_qsql__free(folio_qsql *out);

/* Bit i set: field i of the store has irregular documents (one query). */
int folio_qsql__irregular(uint64_t *out, folio_store *st, folio_cx *cx);

/* Appends the condition for tree `n` to out->sql and its values to out->args. */
int folio_qsql__where(folio_qsql *out, folio_store *st, uint64_t irregular,
		      const folio_qnode *n, json_object *params);

/*
 * An ORDER BY key (suffix: " DESC", " NULLS FIRST"... appended to each of its
 * expressions; "" for none) or, with suffix NULL, the left side of a range
 * condition on the key (hint: the bound, whose type picks the comparison
 * where the engine needs one): a metadata column, a slot, or the dialect's
 * JSON extraction (values for "?" go to out->args). *exact: 1 when the engine
 * orders it as the evaluator would.
 */
int folio_qsql__key(folio_qsql *out, folio_store *st, const char *path, const char *suffix,
		    json_object *hint, int *exact);

/* Binds a JSON array of values to q from parameter `first` on. */
int folio_qsql__bind(folio_q *q, int first, json_object *args);

/* The dialect's JSON path argument for a dotted path, or NULL when it cannot say it. */
char *folio_qsql__jpath(const folio_dialect *d, const char *path);

#endif
