/*
 * Internal: the query AST. Both spellings of a query, the JSON selector
 * (MongoDB's syntax, qparse.c) and the SQL-like text form (qtext.c), parse to
 * this one tree; the SQL compiler (qsql.c) and the in-memory evaluator
 * (qeval.c) both read it.
 *
 * Values are json-c objects. JSON null is a json-c object here too: it is
 * held as the singleton returned by folio_qnull() so that "no value" (NULL)
 * and "the value null" never mix.
 */
#ifndef FOLIO_CORE_QUERY_H
#define FOLIO_CORE_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Limits: a selector or text longer, or deeper, is FOLIO_ETOOBIG. */
#define FOLIO_Q_MAX_TEXT (256 * 1024)
#define FOLIO_Q_MAX_DEPTH 64
#define FOLIO_Q_MAX_PARAMS 256

typedef enum folio_qkind {
	FOLIO_Q_TRUE = 1, /* matches every document (an empty selector {}) */
	FOLIO_Q_AND,      /* kids: all match */
	FOLIO_Q_OR,       /* kids: any matches */
	FOLIO_Q_NOR,      /* kids: none matches */
	FOLIO_Q_NOT,      /* kids[0] does not match ($not on a field, NOT in text) */
	FOLIO_Q_CMP       /* a condition on `path` */
} folio_qkind;

typedef enum folio_qop {
	FOLIO_QOP_EQ = 1,
	FOLIO_QOP_NE,
	FOLIO_QOP_GT,
	FOLIO_QOP_GTE,
	FOLIO_QOP_LT,
	FOLIO_QOP_LTE,
	FOLIO_QOP_IN,        /* operand: a JSON array */
	FOLIO_QOP_NIN,       /* operand: a JSON array */
	FOLIO_QOP_EXISTS,    /* operand: boolean */
	FOLIO_QOP_TYPE,      /* operand: a type name string ("string", "number", "boolean",
			      * "object", "array", "null") or an array of them */
	FOLIO_QOP_SIZE,      /* operand: a non-negative integer */
	FOLIO_QOP_ALL,       /* operand: a JSON array */
	FOLIO_QOP_ELEMMATCH, /* kids[0]: the condition an element must meet; inside it,
			      * paths are relative to the element and "" is the element */
	FOLIO_QOP_LIKE,      /* operand: a string pattern, '*' any run, '?' one character;
			      * '\' makes the next '*', '?' or '\' literal ("a\*b" is the
			      * three characters a*b) and may stand before nothing else (the
			      * parsers refuse such a pattern, a trailing '\' too). The text
			      * form's LIKE turns '%' '_' into '*' '?' and escapes the
			      * pattern's own '*' '?' '\'. A parameter's value is a pattern
			      * of this form, in both spellings. */
	FOLIO_QOP_STARTSWITH, /* operand: string */
	FOLIO_QOP_CONTAINS   /* operand: string (a substring of a string value) */
} folio_qop;

typedef struct folio_qnode folio_qnode;
struct folio_qnode {
	folio_qkind kind;
	folio_qop op;      /* FOLIO_Q_CMP */
	int ci;            /* the _i variants: case-insensitive ($eq_i, $like_i, ...,
			    * ci is allowed with EQ NE IN NIN LIKE STARTSWITH CONTAINS) */
	char *path;        /* FOLIO_Q_CMP: dotted path ("" only inside $elemMatch) */
	json_object *value; /* FOLIO_Q_CMP: the operand (owned), NULL when `param` is set */
	char *param;       /* a parameter's name: "$$name" -> "name", ":name" -> "name",
			    * the n-th positional "?" -> "1", "2", ... (1-based) */
	folio_qnode **kids;
	int n_kids;
	int pos;           /* 0-based byte offset in the source, for errors */
};

/* One ORDER BY key: a dotted path into the document, or a metadata name
 * (_unid _cdate _mdate _cuser _muser _seq _parentid). */
typedef struct folio_qorder {
	char *path;
	int desc;
} folio_qorder;

/* A whole query: the text form fills all of it; a JSON selector only `where`. */
typedef struct folio_query {
	char *store;        /* FROM store, or NULL */
	int star;           /* SELECT * (or no field list) */
	char **fields;      /* SELECT a, b.c: projection paths */
	char **aliases;     /* per field: "x" for "b.c AS x", else NULL */
	int n_fields;
	folio_qnode *where; /* never NULL after a parse: FOLIO_Q_TRUE for no WHERE */
	folio_qorder *order;
	int n_order;
	int64_t limit;      /* -1: none */
	int64_t offset;     /* 0: none */
	int n_positional;   /* how many "?" the text holds */
} folio_query;

/* The JSON null as an operand (a static object; never put/get it). */
json_object *folio_qnull(void);
int folio_qis_null(const json_object *v);

folio_qnode *folio_qnode__new(folio_qkind kind, int pos);
int folio_qnode__add(folio_qnode *parent, folio_qnode *kid); /* takes kid, even on failure */
void folio_qnode__free(folio_qnode *n);
void folio_query__free(folio_query *q);

/*
 * qparse.c: a MongoDB-style selector (JSON text) to a tree. Errors:
 * FOLIO_EINVALID with a one-line detail naming the byte offset ("query: at
 * offset 12: unknown operator '$foo'"), FOLIO_ETOOBIG past the limits.
 */
int folio_qparse__json(folio_qnode **out, const char *text, size_t len);
/* The same from an already-parsed selector (positions are then 0). */
int folio_qparse__obj(folio_qnode **out, json_object *sel);

/*
 * qtext.c: the SQL-like form, "SELECT [fields|*] FROM store [WHERE cond]
 * [ORDER BY path [ASC|DESC], ...] [LIMIT n] [OFFSET m]", keywords in any
 * case. Errors as above ("query: at offset 31: unterminated string").
 */
int folio_qparse__text(folio_query **out, const char *text, size_t len);

/*
 * qeval.c: the in-memory evaluator with MongoDB's semantics, the reference
 * the SQL compiler must agree with. doc: the document body (a json-c
 * object). params: a JSON object of parameter values by name ("1", "2"...
 * for positional ones), or NULL. Returns 1 (match), 0 (no match), or
 * FOLIO_EINVALID when a parameter is missing.
 */
int folio_qeval(const folio_qnode *n, json_object *doc, json_object *params);

/* The operand of a CMP node: its value, or its parameter's; NULL with an error set when
 * the parameter is missing. */
json_object *folio_qvalue(const folio_qnode *n, json_object *params);

/* MongoDB's cross-type order: null < numbers < strings < objects < arrays < booleans.
 * Returns <0, 0, >0. Used by the evaluator and by in-memory sorts. */
int folio_qcompare(json_object *a, json_object *b);

/* A debugging form of a tree ("(AND (CMP EQ city \"Paris\") ...)"); caller frees. */
char *folio_qnode__dump(const folio_qnode *n);

#endif
