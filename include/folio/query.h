/*
 * folio: queries and cursors.
 *
 * A cursor reads the documents of one store that match a query, in an order,
 * a page at a time. Build it with the setters below, then either iterate
 * (folio_cursor_next), count (folio_cursor_count), or explain. The query is
 * compiled to parameterized SQL: values never reach SQL text. What SQL cannot
 * express exactly is checked again in memory on each row the SQL returns, so
 * the result is always exactly the documents the query selects (see
 * docs/query.md for the language).
 *
 * Results stream: rows are read from the engine a page at a time, so memory
 * stays flat however many rows match (aggregates hold one row per group).
 */
#ifndef FOLIO_QUERY_H
#define FOLIO_QUERY_H

#include <stdint.h>
#include "folio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_cursor folio_cursor;

/* A cursor over the documents of an open store (borrowed: free the cursor first). */
int folio_cursor_open(folio_cursor **out, folio_store *st);

/*
 * The SQL-like form: "SELECT [paths | *] FROM store [WHERE ...] [ORDER BY ...]
 * [LIMIT n] [OFFSET m]". Opens the named store of database `db` and sets the
 * query, projection, order, limit and skip from the text. The cursor owns the
 * store handle it opened.
 */
int folio_cursor_open_sql(folio_cursor **out, folio_session *ses, const char *db,
			  const char *text);

void folio_cursor_free(folio_cursor *c);

/*
 * A MongoDB-style selector (JSON text). NULL or "{}" selects every document.
 * FOLIO_EINVALID names the offset of the fault.
 */
int folio_cursor_query(folio_cursor *c, const char *selector_json);

/* Parameter values for $$name / :name / ? (as "1", "2", ...): a JSON object. */
int folio_cursor_params(folio_cursor *c, const char *params_json);

/*
 * The order: comma-separated keys, each a dotted path or one of _unid _cdate
 * _mdate _cuser _muser _seq _parentid, followed by " asc" or " desc" (or
 * prefixed with '-' for descending). Ties are broken by insertion order.
 * Default: insertion order (docid).
 */
int folio_cursor_order(folio_cursor *c, const char *spec);

int folio_cursor_skip(folio_cursor *c, int64_t n);
int folio_cursor_limit(folio_cursor *c, int64_t n); /* -1: no limit */

/*
 * A key range on the first order key: documents whose key is after `start`
 * and before `end` (JSON values; NULL for an open end), each end inclusive
 * unless its excl flag is set. Needs an order.
 */
int folio_cursor_range(folio_cursor *c, const char *start_json, int start_excl,
		       const char *end_json, int end_excl);

/* Only the documents whose _parentid is `unid` (in this store). */
int folio_cursor_parent(folio_cursor *c, const char *unid);

/*
 * Hierarchy: each matching document is followed by its children (documents
 * of the store whose _parentid names it), depth first, to `depth` levels
 * (0: none). folio_cursor_indent() tells a row's level. With a parent set,
 * the children of that parent are the top level.
 */
int folio_cursor_hierarchy(folio_cursor *c, int depth);

/* Only documents tagged with any (all = 0) or every (all = 1) of the tags. */
int folio_cursor_tags(folio_cursor *c, const char *const *tags, int n, int all);

/*
 * Full-text search on a store created with "fts": true: every word of
 * `text` must occur (whole words, case-insensitive). Without an order, the
 * rows come in rank order (best first).
 */
int folio_cursor_ftsearch(folio_cursor *c, const char *text);

/*
 * A projection: the rows become JSON objects of chosen values instead of the
 * documents. `spec` is a JSON object {"name": "dotted.path", ...} or a
 * comma-separated list of paths (each named after its path). A missing value
 * is null. "_unid" is always included.
 */
int folio_cursor_extract(folio_cursor *c, const char *spec);

/*
 * Aggregates: {"key": "city", "n": {"$count": 1}, "total": {"$sum": "age"},
 * "avg": {"$avg": "age"}, "lo": {"$min": "age"}, "hi": {"$max": "age"}}.
 * "key" is optional (one group for everything); it may be a path or a list
 * of paths. Each row is then one group, in key order: {"key": ..., "n": ...}.
 * $sum and $avg ignore non-numbers; $min and $max use the query order of
 * values; an empty group value is null.
 */
int folio_cursor_aggregate(folio_cursor *c, const char *spec);

/*
 * The next row: 1 and *json (borrowed until the next call), 0 at the end, or
 * an error. A document row is the document with its system fields at the
 * root (as folio_doc_to_json); a projection or aggregate row is its object.
 */
int folio_cursor_next(folio_cursor *c, const char **json);

/* The current row's UNID and level (0 for top level) in a hierarchy. */
const char *folio_cursor_unid(const folio_cursor *c);
int folio_cursor_indent(const folio_cursor *c);

/* How many documents the query selects (skip and limit applied). */
int folio_cursor_count(folio_cursor *c, int64_t *out);

/*
 * The SQL and parameters the cursor runs, and whether rows are checked again
 * in memory, as a JSON object {"sql": ..., "params": [...], "recheck": bool,
 * "tree": ...}. The caller frees *out.
 */
int folio_cursor_explain(folio_cursor *c, char **out);

#ifdef __cplusplus
}
#endif
#endif
