/* backends: none */
/*
 * Unit tests of the in-memory query evaluator (core/qeval.c), the reference
 * the SQL compiler is checked against: a table of (document, tree, expected)
 * rows per operator, parameters and operand errors, folio_qcompare's order,
 * limits on hostile input, and identities between operators over a pool of
 * documents and operands.
 *
 * Rows marked "MongoDB:" follow MongoDB's matcher source (path.cpp,
 * expression_leaf.cpp, expression_array.cpp) where its documentation is
 * silent; rows marked "folio:" are this project's choices (see qeval.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#include "query.h"
#include "util.h"

/* Building trees */

/* JSON text to an operand; "null" is the null operand. */
static json_object *val(const char *json)
{
	json_object *v;

	if (strcmp(json, "null") == 0)
		return folio_qnull();
	v = json_tokener_parse(json);
	if (!v)
		fail_msg("bad JSON in a test: %s", json);
	return v;
}

static folio_qnode *cmp_ci(const char *path, folio_qop op, int ci, const char *json)
{
	folio_qnode *n = folio_qnode__new(FOLIO_Q_CMP, 0);

	assert_non_null(n);
	n->op = op;
	n->ci = ci;
	n->path = strdup(path);
	if (json)
		n->value = val(json);
	return n;
}

static folio_qnode *cmp(const char *path, folio_qop op, const char *json)
{
	return cmp_ci(path, op, 0, json);
}

static folio_qnode *cmpi(const char *path, folio_qop op, const char *json)
{
	return cmp_ci(path, op, 1, json);
}

/* A condition whose operand is the parameter `name`. */
static folio_qnode *par(const char *path, folio_qop op, const char *name)
{
	folio_qnode *n = cmp_ci(path, op, 0, NULL);

	n->param = strdup(name);
	return n;
}

/* kind with the kids up to a NULL. */
static folio_qnode *node(folio_qkind kind, ...)
{
	folio_qnode *n = folio_qnode__new(kind, 0);
	folio_qnode *kid;
	va_list ap;

	assert_non_null(n);
	va_start(ap, kind);
	while ((kid = va_arg(ap, folio_qnode *)) != NULL)
		assert_int_equal(folio_qnode__add(n, kid), 0);
	va_end(ap);
	return n;
}

#define AND(...) node(FOLIO_Q_AND, __VA_ARGS__, NULL)
#define OR(...) node(FOLIO_Q_OR, __VA_ARGS__, NULL)
#define NOR(...) node(FOLIO_Q_NOR, __VA_ARGS__, NULL)
#define NOT(k) node(FOLIO_Q_NOT, (k), NULL)
#define TRUE_() node(FOLIO_Q_TRUE, NULL)

static folio_qnode *elem(const char *path, folio_qnode *kid)
{
	folio_qnode *n = cmp(path, FOLIO_QOP_ELEMMATCH, NULL);

	assert_int_equal(folio_qnode__add(n, kid), 0);
	return n;
}

#define EQ FOLIO_QOP_EQ
#define NE FOLIO_QOP_NE
#define GT FOLIO_QOP_GT
#define GTE FOLIO_QOP_GTE
#define LT FOLIO_QOP_LT
#define LTE FOLIO_QOP_LTE
#define IN FOLIO_QOP_IN
#define NIN FOLIO_QOP_NIN
#define EXISTS FOLIO_QOP_EXISTS
#define TYPE FOLIO_QOP_TYPE
#define SIZE FOLIO_QOP_SIZE
#define ALL FOLIO_QOP_ALL
#define ELEMMATCH FOLIO_QOP_ELEMMATCH
#define LIKE FOLIO_QOP_LIKE
#define SW FOLIO_QOP_STARTSWITH
#define CONTAINS FOLIO_QOP_CONTAINS

/* The table */

static int n_rows;
static int n_failed;

/* One row: evaluates `q` (freed here) on the document `doc` with `params` (JSON or NULL). */
static void row_p(int line, const char *doc, folio_qnode *q, const char *params, int want)
{
	json_object *d = json_tokener_parse(doc);
	json_object *p = params ? json_tokener_parse(params) : NULL;
	int got;

	if (!d)
		fail_msg("line %d: bad document JSON %s", line, doc);
	got = folio_qeval(q, d, p);
	n_rows++;
	if (got != want) {
		char *dump = folio_qnode__dump(q);

		print_error("line %d: %s on %s: got %d, want %d (%s)\n", line, dump, doc, got, want,
			    got < 0 ? folio_error_last() : "");
		free(dump);
		n_failed++;
	}
	folio_qnode__free(q);
	json_object_put(d);
	json_object_put(p);
}

#define T(doc, q, want) row_p(__LINE__, (doc), (q), NULL, (want))
#define TP(doc, q, params, want) row_p(__LINE__, (doc), (q), (params), (want))

static void table_done(void)
{
	int failed = n_failed;

	n_failed = 0;
	if (failed)
		fail_msg("%d of %d rows failed", failed, n_rows);
}

/* $eq, $ne, and how paths reach values */

static void test_eq(void **state)
{
	(void)state;
	T("{\"a\":1}", cmp("a", EQ, "1"), 1);
	T("{\"a\":1}", cmp("a", EQ, "1.0"), 1);
	T("{\"a\":1.5}", cmp("a", EQ, "1"), 0);
	T("{\"a\":\"1\"}", cmp("a", EQ, "1"), 0);
	T("{\"a\":true}", cmp("a", EQ, "1"), 0);
	T("{\"a\":0}", cmp("a", EQ, "false"), 0);
	T("{\"a\":\"x\"}", cmp("a", EQ, "\"x\""), 1);
	T("{\"a\":\"x\"}", cmp("a", EQ, "\"X\""), 0);
	T("{\"a\":\"x\"}", cmp("a", EQ, "\"x \""), 0);
	T("{}", cmp("a", EQ, "1"), 0);
	T("{\"a\":false}", cmp("a", EQ, "false"), 1);
	/* null: a null value or a missing field */
	T("{\"a\":null}", cmp("a", EQ, "null"), 1);
	T("{}", cmp("a", EQ, "null"), 1);
	T("{\"a\":0}", cmp("a", EQ, "null"), 0);
	T("{\"a\":\"\"}", cmp("a", EQ, "null"), 0);
	T("{\"a\":null}", cmp("a", EQ, "0"), 0);
	/* folio: objects are equal in any key order */
	T("{\"a\":{\"b\":1,\"c\":2}}", cmp("a", EQ, "{\"c\":2,\"b\":1}"), 1);
	T("{\"a\":{\"b\":1}}", cmp("a", EQ, "{\"b\":1,\"c\":2}"), 0);
	T("{\"a\":{\"b\":1,\"c\":2}}", cmp("a", EQ, "{\"b\":1}"), 0);
	T("{\"a\":{\"b\":1.0}}", cmp("a", EQ, "{\"b\":1}"), 1);
	T("{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}", cmp("a", EQ, "{\"b\":{\"c\":[1,{\"d\":null}]}}"),
	  1);
	T("{\"a\":{\"b\":null}}", cmp("a", EQ, "{}"), 0);
	T("{\"a\":{}}", cmp("a", EQ, "{}"), 1);
	/* arrays: the array itself, in order, or one of its elements */
	T("{\"a\":[1,2]}", cmp("a", EQ, "[1,2]"), 1);
	T("{\"a\":[1,2]}", cmp("a", EQ, "[2,1]"), 0);
	T("{\"a\":[1,2]}", cmp("a", EQ, "[1]"), 0);
	T("{\"a\":[1,2]}", cmp("a", EQ, "2"), 1);
	T("{\"a\":[1,2]}", cmp("a", EQ, "3"), 0);
	T("{\"tags\":[\"x\",\"y\"]}", cmp("tags", EQ, "\"x\""), 1);
	T("{\"tags\":[\"x\",\"y\"]}", cmp("tags", EQ, "[\"x\",\"y\"]"), 1);
	T("{\"a\":[[1,2],3]}", cmp("a", EQ, "[1,2]"), 1);
	T("{\"a\":[[1,2],3]}", cmp("a", EQ, "1"), 0); /* one level of elements only */
	T("{\"a\":[]}", cmp("a", EQ, "[]"), 1);
	T("{\"a\":[]}", cmp("a", EQ, "null"), 0);
	T("{\"a\":[null]}", cmp("a", EQ, "null"), 1);
	T("{\"a\":[{\"b\":1}]}", cmp("a", EQ, "{\"b\":1}"), 1);
	/* nested objects */
	T("{\"a\":{\"b\":{\"c\":5}}}", cmp("a.b.c", EQ, "5"), 1);
	T("{\"a\":{\"b\":{\"c\":5}}}", cmp("a.b", EQ, "{\"c\":5}"), 1);
	T("{\"a\":{\"b\":5}}", cmp("a.b.c", EQ, "null"), 1); /* a scalar with path left: missing */
	T("{\"a\":{\"b\":null}}", cmp("a.b.c", EQ, "null"), 1);
	T("{\"a\":5}", cmp("a.b", EQ, "5"), 0);
	T("{\"a\":{\"b\":[1,2]}}", cmp("a.b", EQ, "1"), 1);
	T("{\"a.b\":1}", cmp("a.b", EQ, "1"), 0); /* a key with a dot cannot be reached */
	T("{\"\":{\"x\":1}}", cmp(".x", EQ, "1"), 1); /* an empty segment is the key "" */
	table_done();
}

static void test_paths_through_arrays(void **state)
{
	(void)state;
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", cmp("a.b", EQ, "2"), 1);
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", cmp("a.b", EQ, "3"), 0);
	T("{\"a\":[{\"b\":1},{\"c\":2}]}", cmp("a.b", EQ, "null"), 1); /* an element without b */
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", cmp("a.b", EQ, "null"), 0);
	/* MongoDB: scalar elements reach nothing, not even a missing value */
	T("{\"a\":[1,2]}", cmp("a.b", EQ, "null"), 0);
	T("{\"a\":[1,2]}", cmp("a.b", EXISTS, "false"), 1);
	T("{\"a\":[1,2]}", cmp("a.b", NE, "null"), 1);
	T("{\"a\":[]}", cmp("a.b", EQ, "null"), 0);
	T("{\"a\":[1,{\"c\":1}]}", cmp("a.b", EQ, "null"), 1);
	T("{\"a\":[{\"b\":[1,2]}]}", cmp("a.b", EQ, "2"), 1); /* a leaf array inside an element */
	T("{\"a\":[{\"b\":[1,2]}]}", cmp("a.b", EQ, "[1,2]"), 1);
	T("{\"a\":[{\"b\":[[1,2]]}]}", cmp("a.b", EQ, "1"), 0);
	/* arrays of arrays are not opened by a key segment */
	T("{\"a\":[[{\"b\":1}]]}", cmp("a.b", EQ, "1"), 0);
	T("{\"a\":[[{\"b\":1}]]}", cmp("a.b", EQ, "null"), 0);
	T("{\"a\":[[{\"b\":1}]]}", cmp("a.0.b", EQ, "1"), 1);
	T("{\"a\":[{\"b\":{\"c\":[{\"d\":7}]}}]}", cmp("a.b.c.d", EQ, "7"), 1);
	T("{\"a\":[{\"b\":[{\"c\":1},{\"c\":2}]}]}", cmp("a.b.c", EQ, "2"), 1);
	T("{\"a\":[{\"b\":[[{\"c\":1}]]}]}", cmp("a.b.c", EQ, "1"), 0);
	T("{\"a\":[{\"b\":[{\"c\":[5,6]}]}]}", cmp("a.b.c", EQ, "6"), 1);
	T("{\"a\":{\"b\":[{\"c\":1},{\"c\":3}]}}", cmp("a.b.c", GT, "2"), 1);
	table_done();
}

static void test_positional(void **state)
{
	(void)state;
	T("{\"latlng\":[48.8,2.3]}", cmp("latlng.0", EQ, "48.8"), 1);
	T("{\"latlng\":[48.8,2.3]}", cmp("latlng.1", GT, "2"), 1);
	T("{\"latlng\":[48.8,2.3]}", cmp("latlng.1", GT, "48"), 0);
	T("{\"latlng\":[48.8,2.3]}", cmp("latlng.2", EXISTS, "true"), 0);
	/* MongoDB: an index past the end reaches nothing, so not even null matches */
	T("{\"latlng\":[48.8,2.3]}", cmp("latlng.2", EQ, "null"), 0);
	T("{\"a\":[5,[2,4],3]}", cmp("a.1", EQ, "[2,4]"), 1);
	/* MongoDB (path_test.cpp ArrayIndex2): an array reached by index is not expanded */
	T("{\"a\":[5,[2,4],3]}", cmp("a.1", EQ, "2"), 0);
	T("{\"a\":[5,[2,4],3]}", cmp("a.1", TYPE, "\"number\""), 0);
	T("{\"a\":[5,[2,4],3]}", cmp("a.1", TYPE, "\"array\""), 1);
	/* MongoDB: the segment is also a key of the elements that are objects */
	T("{\"a\":[5,{\"1\":4},3]}", cmp("a.1", EQ, "4"), 1);
	T("{\"a\":[5,{\"1\":4},3]}", cmp("a.1", EQ, "{\"1\":4}"), 1);
	T("{\"a\":[{\"0\":\"k\"},\"x\"]}", cmp("a.0", EQ, "\"k\""), 1);
	T("{\"a\":[{\"0\":\"k\"},\"x\"]}", cmp("a.0", EQ, "\"x\""), 0);
	T("{\"a\":[{\"0\":\"k\"},\"x\"]}", cmp("a.1", EQ, "\"x\""), 1);
	T("{\"a\":[5,{\"b\":4},3]}", cmp("a.1.b", EQ, "4"), 1);
	T("{\"a\":[5,[{\"b\":4}],3]}", cmp("a.1.b", EQ, "4"), 1);
	T("{\"a\":[{\"b\":4},5]}", cmp("a.1.b", EQ, "4"), 0);
	T("{\"a\":{\"0\":[1,2]}}", cmp("a.0", EQ, "1"), 1); /* a key "0": the leaf is expanded */
	T("{\"a\":[10,20]}", cmp("a.01", EQ, "20"), 0);    /* not a canonical index */
	T("{\"a\":{\"01\":20}}", cmp("a.01", EQ, "20"), 1);
	T("{\"a\":[{\"b\":[2,3]},{\"b\":[4,5]}]}", cmp("a.0.b", EQ, "3"), 1);
	T("{\"a\":[{\"b\":[2,3]},{\"b\":[4,5]}]}", cmp("a.0.b", EQ, "4"), 0);
	T("{\"a\":[[1,2],[3,4]]}", cmp("a.1.0", EQ, "3"), 1);
	T("{\"a\":[[1,2],[3,4]]}", cmp("a.1.0", EQ, "1"), 0);
	T("{\"a\":[1,2,3]}", cmp("a.0", IN, "[1]"), 1);
	T("{\"a\":[1,2,3]}", cmp("a.99999999999", EQ, "null"), 0);
	table_done();
}

static void test_ne(void **state)
{
	(void)state;
	T("{\"a\":1}", cmp("a", NE, "1"), 0);
	T("{\"a\":2}", cmp("a", NE, "1"), 1);
	T("{\"a\":1.0}", cmp("a", NE, "1"), 0);
	T("{}", cmp("a", NE, "1"), 1);
	T("{\"a\":[1,2]}", cmp("a", NE, "1"), 0);
	T("{\"a\":[2,3]}", cmp("a", NE, "1"), 1);
	T("{\"a\":null}", cmp("a", NE, "null"), 0);
	T("{}", cmp("a", NE, "null"), 0);
	T("{\"a\":0}", cmp("a", NE, "null"), 1);
	T("{\"a\":[{\"b\":1},{\"c\":1}]}", cmp("a.b", NE, "null"), 0);
	T("{\"a\":{\"x\":1,\"y\":2}}", cmp("a", NE, "{\"y\":2,\"x\":1}"), 0);
	table_done();
}

static void test_range(void **state)
{
	(void)state;
	T("{\"a\":5}", cmp("a", GT, "4"), 1);
	T("{\"a\":5}", cmp("a", GT, "5"), 0);
	T("{\"a\":5}", cmp("a", GTE, "5"), 1);
	T("{\"a\":5}", cmp("a", LT, "5.5"), 1);
	T("{\"a\":5}", cmp("a", LTE, "4.9"), 0);
	T("{\"a\":5}", cmp("a", LTE, "5.0"), 1);
	/* never across type brackets */
	T("{\"a\":\"5\"}", cmp("a", GT, "4"), 0);
	T("{\"a\":\"5\"}", cmp("a", LT, "4"), 0);
	T("{\"a\":5}", cmp("a", LT, "\"a\""), 0);
	T("{\"a\":true}", cmp("a", GT, "0"), 0);
	T("{\"a\":{}}", cmp("a", GT, "1"), 0);
	/* strings by bytes */
	T("{\"a\":\"b\"}", cmp("a", GT, "\"a\""), 1);
	T("{\"a\":\"ab\"}", cmp("a", GT, "\"a\""), 1);
	T("{\"a\":\"a\"}", cmp("a", LT, "\"ab\""), 1);
	T("{\"a\":\"B\"}", cmp("a", GT, "\"a\""), 0);
	T("{\"a\":\"\\u00e9\"}", cmp("a", GT, "\"z\""), 1);
	T("{\"a\":\"\"}", cmp("a", GTE, "\"\""), 1);
	/* booleans: false < true */
	T("{\"a\":true}", cmp("a", GT, "false"), 1);
	T("{\"a\":false}", cmp("a", GT, "true"), 0);
	T("{\"a\":false}", cmp("a", LTE, "false"), 1);
	/* null: $gte/$lte match null and missing; $gt/$lt nothing */
	T("{\"a\":null}", cmp("a", GTE, "null"), 1);
	T("{}", cmp("a", GTE, "null"), 1);
	T("{}", cmp("a", LTE, "null"), 1);
	T("{\"a\":null}", cmp("a", GT, "null"), 0);
	T("{\"a\":null}", cmp("a", LT, "null"), 0);
	T("{}", cmp("a", LT, "null"), 0);
	T("{\"a\":1}", cmp("a", GTE, "null"), 0);
	T("{}", cmp("a", GT, "0"), 0);
	T("{}", cmp("a", LT, "0"), 0);
	T("{\"a\":null}", cmp("a", LT, "0"), 0);
	/* arrays: any element, or the array against an array operand */
	T("{\"a\":[1,10]}", cmp("a", GT, "5"), 1);
	T("{\"a\":[1,10]}", cmp("a", LT, "5"), 1);
	T("{\"a\":[1,10]}", cmp("a", GT, "20"), 0);
	T("{\"a\":[1,10]}", AND(cmp("a", GT, "5"), cmp("a", LT, "5")), 1);
	T("{\"a\":[2]}", cmp("a", GT, "[1]"), 1);
	T("{\"a\":[1,2]}", cmp("a", LT, "[1,3]"), 1);
	T("{\"a\":[1,2]}", cmp("a", GT, "[1]"), 1);
	T("{\"a\":[]}", cmp("a", LT, "[1]"), 1);
	T("{\"a\":[[3]]}", cmp("a", GT, "[2]"), 1); /* the element [3] */
	/* objects: as sorted key/value lists */
	T("{\"a\":{\"x\":2}}", cmp("a", GT, "{\"x\":1}"), 1);
	T("{\"a\":{\"x\":1}}", cmp("a", GT, "{\"y\":0}"), 0);
	T("{\"a\":{\"y\":0,\"x\":1}}", cmp("a", GT, "{\"x\":1}"), 1);
	T("{\"a\":{\"y\":0,\"x\":1}}", cmp("a", LTE, "{\"x\":1,\"y\":0}"), 1);
	table_done();
}

static void test_numbers(void **state)
{
	json_object *d;
	folio_qnode *q;

	(void)state;
	/* int64 against double: exactly, past 2^53 */
	T("{\"a\":9007199254740993}", cmp("a", EQ, "9007199254740992.0"), 0);
	T("{\"a\":9007199254740993}", cmp("a", GT, "9007199254740992.0"), 1);
	T("{\"a\":9007199254740992}", cmp("a", EQ, "9007199254740992.0"), 1);
	T("{\"a\":9007199254740992.0}", cmp("a", LT, "9007199254740993"), 1);
	T("{\"a\":9223372036854775807}", cmp("a", LT, "9223372036854775808.0"), 1);
	T("{\"a\":9223372036854775807}", cmp("a", EQ, "9223372036854775808.0"), 0);
	T("{\"a\":-9223372036854775808}", cmp("a", EQ, "-9223372036854775808.0"), 1);
	T("{\"a\":-9223372036854775807}", cmp("a", GT, "-9223372036854775808.0"), 1);
	/* uint64 (json-c keeps integers up to 2^64 - 1 exact) */
	T("{\"a\":18446744073709551615}", cmp("a", GT, "9223372036854775807"), 1);
	T("{\"a\":18446744073709551615}", cmp("a", LT, "18446744073709551616.0"), 1);
	T("{\"a\":18446744073709551615}", cmp("a", GT, "18446744073709549568.0"), 1);
	T("{\"a\":9223372036854775808}", cmp("a", EQ, "9223372036854775808.0"), 1);
	T("{\"a\":9223372036854775808}", cmp("a", GT, "-1"), 1);
	T("{\"a\":-0.0}", cmp("a", EQ, "0"), 1);
	T("{\"a\":1e300}", cmp("a", GT, "9223372036854775807"), 1);
	T("{\"a\":-1e300}", cmp("a", LT, "-9223372036854775808"), 1);
	T("{\"a\":2.5}", cmp("a", GT, "2"), 1);
	T("{\"a\":2.5}", cmp("a", LT, "3"), 1);
	T("{\"a\":-2.5}", cmp("a", LT, "-2"), 1);
	T("{\"a\":-2.5}", cmp("a", GT, "-3"), 1);
	T("{\"a\":1e2}", cmp("a", EQ, "100"), 1);
	/* NaN (json-c reads it): equal to NaN, no order with $gt/$lt */
	T("{\"a\":NaN}", cmp("a", GT, "0"), 0);
	T("{\"a\":NaN}", cmp("a", LT, "0"), 0);
	T("{\"a\":NaN}", cmp("a", NE, "0"), 1);
	T("{\"a\":1}", cmp("a", GT, "NaN"), 0);
	T("{\"a\":1}", cmp("a", LTE, "NaN"), 0);
	T("{\"a\":NaN}", cmp("a", EQ, "NaN"), 1);
	T("{\"a\":NaN}", cmp("a", GTE, "NaN"), 1);
	T("{\"a\":NaN}", cmp("a", LT, "NaN"), 0);

	/* A NaN built in memory, as json-c prints it. */
	d = json_object_new_object();
	json_object_object_add(d, "a", json_object_new_double(NAN));
	q = cmp("a", LTE, "1");
	assert_int_equal(folio_qeval(q, d, NULL), 0);
	folio_qnode__free(q);
	json_object_put(d);
	table_done();
}

static void test_in_nin_all(void **state)
{
	(void)state;
	T("{\"a\":2}", cmp("a", IN, "[1,2]"), 1);
	T("{\"a\":2.0}", cmp("a", IN, "[1,2]"), 1);
	T("{\"a\":3}", cmp("a", IN, "[1,2]"), 0);
	T("{\"a\":[3,2]}", cmp("a", IN, "[1,2]"), 1);
	T("{}", cmp("a", IN, "[1,null]"), 1);
	T("{}", cmp("a", IN, "[1]"), 0);
	T("{\"a\":null}", cmp("a", IN, "[null]"), 1);
	T("{\"a\":1}", cmp("a", IN, "[]"), 0);
	T("{}", cmp("a", IN, "[]"), 0);
	T("{\"a\":[1,2]}", cmp("a", IN, "[[1,2]]"), 1);
	T("{\"a\":[1,2]}", cmp("a", IN, "[[2,1]]"), 0);
	T("{\"a\":{\"b\":1}}", cmp("a", IN, "[{\"b\":1},2]"), 1);
	T("{\"a\":\"X\"}", cmpi("a", IN, "[\"x\"]"), 1);
	T("{\"a\":\"X\"}", cmp("a", IN, "[\"x\"]"), 0);
	T("{\"a\":[{\"b\":1},{\"b\":5}]}", cmp("a.b", IN, "[5,6]"), 1);
	T("{\"a\":1}", cmp("a", NIN, "[1,2]"), 0);
	T("{\"a\":3}", cmp("a", NIN, "[1,2]"), 1);
	T("{}", cmp("a", NIN, "[1,2]"), 1);
	T("{}", cmp("a", NIN, "[null]"), 0);
	T("{\"a\":[3,4]}", cmp("a", NIN, "[1,2]"), 1);
	T("{\"a\":[3,1]}", cmp("a", NIN, "[1,2]"), 0);
	T("{\"a\":\"X\"}", cmpi("a", NIN, "[\"x\"]"), 0);
	T("{\"a\":1}", cmp("a", NIN, "[]"), 1);
	/* $all: $and of $eq */
	T("{\"a\":[1,2,3]}", cmp("a", ALL, "[1,3]"), 1);
	T("{\"a\":[1,2,3]}", cmp("a", ALL, "[3,1,1]"), 1);
	T("{\"a\":[1,2,3]}", cmp("a", ALL, "[1,4]"), 0);
	T("{\"a\":[1,2]}", cmp("a", ALL, "[]"), 0);
	T("{}", cmp("a", ALL, "[]"), 0);
	T("{\"a\":1}", cmp("a", ALL, "[1]"), 1); /* MongoDB: a scalar equal to the one value */
	T("{\"a\":1}", cmp("a", ALL, "[1,2]"), 0);
	T("{\"a\":[[1,2],3]}", cmp("a", ALL, "[[1,2]]"), 1);
	T("{\"a\":[1,2]}", cmp("a", ALL, "[[1,2]]"), 1);
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", cmp("a.b", ALL, "[1,2]"), 1);
	T("{}", cmp("a", ALL, "[null]"), 1);
	T("{\"a\":[\"x\"]}", cmp("a", ALL, "[\"X\"]"), 0);
	table_done();
}

static void test_exists_type_size(void **state)
{
	(void)state;
	T("{\"a\":1}", cmp("a", EXISTS, "true"), 1);
	T("{\"a\":null}", cmp("a", EXISTS, "true"), 1);
	T("{}", cmp("a", EXISTS, "true"), 0);
	T("{}", cmp("a", EXISTS, "false"), 1);
	T("{\"a\":null}", cmp("a", EXISTS, "false"), 0);
	T("{\"a\":[]}", cmp("a", EXISTS, "true"), 1);
	T("{\"a\":[{\"b\":1},{\"c\":1}]}", cmp("a.b", EXISTS, "true"), 1);
	T("{\"a\":[{\"b\":1},{\"c\":1}]}", cmp("a.b", EXISTS, "false"), 0);
	T("{\"a\":[{\"c\":1}]}", cmp("a.b", EXISTS, "true"), 0);
	T("{\"a\":{\"b\":1}}", cmp("a.b.c", EXISTS, "true"), 0);

	T("{\"a\":1}", cmp("a", TYPE, "\"number\""), 1);
	T("{\"a\":1.5}", cmp("a", TYPE, "\"number\""), 1);
	T("{\"a\":\"1\"}", cmp("a", TYPE, "\"number\""), 0);
	T("{\"a\":\"s\"}", cmp("a", TYPE, "\"string\""), 1);
	T("{\"a\":true}", cmp("a", TYPE, "\"boolean\""), 1);
	T("{\"a\":{}}", cmp("a", TYPE, "\"object\""), 1);
	T("{\"a\":[]}", cmp("a", TYPE, "\"array\""), 1);
	T("{\"a\":[1]}", cmp("a", TYPE, "\"number\""), 1);
	T("{\"a\":[1]}", cmp("a", TYPE, "\"array\""), 1);
	T("{\"a\":[[1]]}", cmp("a", TYPE, "\"array\""), 1);
	T("{\"a\":1}", cmp("a", TYPE, "\"array\""), 0);
	T("{\"a\":null}", cmp("a", TYPE, "\"null\""), 1);
	T("{}", cmp("a", TYPE, "\"null\""), 0);
	T("{\"a\":[\"x\",1]}", cmp("a", TYPE, "[\"boolean\",\"string\"]"), 1);
	T("{\"a\":[1]}", cmp("a", TYPE, "[\"boolean\",\"string\"]"), 0);
	T("{\"a\":1}", cmp("a", TYPE, "[]"), 0);
	T("{\"a\":[]}", cmp("a", TYPE, "\"number\""), 0);

	T("{\"a\":[1,2]}", cmp("a", SIZE, "2"), 1);
	T("{\"a\":[1,2]}", cmp("a", SIZE, "1"), 0);
	T("{\"a\":[]}", cmp("a", SIZE, "0"), 1);
	T("{}", cmp("a", SIZE, "0"), 0);
	T("{\"a\":\"ab\"}", cmp("a", SIZE, "2"), 0);
	T("{\"a\":{\"0\":1}}", cmp("a", SIZE, "1"), 0);
	T("{\"a\":[[1,2]]}", cmp("a", SIZE, "2"), 0); /* the array itself only */
	T("{\"a\":[[1,2]]}", cmp("a", SIZE, "1"), 1);
	T("{\"a\":[{\"b\":[1,2]},{\"b\":[1]}]}", cmp("a.b", SIZE, "1"), 1);
	T("{\"a\":[1,2]}", cmp("a", SIZE, "2.0"), 1);
	T("{\"a\":[1,2]}", NOT(cmp("a", SIZE, "2")), 0);
	table_done();
}

static void test_elemmatch(void **state)
{
	(void)state;
	/* value form: the element itself */
	T("{\"a\":[1,5,9]}", elem("a", AND(cmp("", GT, "4"), cmp("", LT, "6"))), 1);
	T("{\"a\":[1,9]}", elem("a", AND(cmp("", GT, "4"), cmp("", LT, "6"))), 0);
	T("{\"a\":[1,9]}", AND(cmp("a", GT, "4"), cmp("a", LT, "6")), 1);
	T("{\"a\":5}", elem("a", cmp("", GT, "4")), 0);
	T("{}", elem("a", cmp("", EQ, "null")), 0);
	T("{\"a\":[[5]]}", elem("a", cmp("", GT, "4")), 0); /* [5] is not expanded */
	T("{\"a\":[[5]]}", elem("a", cmp("", EQ, "[5]")), 1);
	T("{\"a\":[{\"b\":1}]}", elem("a", cmp("", EQ, "{\"b\":1}")), 1);
	T("{\"a\":[1,2]}", elem("a", NOT(cmp("", EQ, "1"))), 1);
	T("{\"a\":[1,1]}", elem("a", NOT(cmp("", EQ, "1"))), 0);
	T("{\"a\":[null]}", elem("a", cmp("", EQ, "null")), 1);
	T("{\"a\":[]}", elem("a", cmp("", EQ, "null")), 0);
	T("{\"a\":[\"abc\",\"xyz\"]}", elem("a", cmp("", LIKE, "\"x*\"")), 1);
	T("{\"a\":[[1,2],[3]]}", elem("a", elem("", cmp("", EQ, "3"))), 1);
	T("{\"a\":[[1,2],[3]]}", elem("a", elem("", cmp("", EQ, "4"))), 0);
	T("{\"a\":[[1,2],[3]]}", elem("a", cmp("", SIZE, "2")), 1);
	/* object form: fields of elements that are objects */
	T("{\"a\":[{\"b\":1,\"c\":2},{\"b\":2,\"c\":1}]}",
	  elem("a", AND(cmp("b", EQ, "1"), cmp("c", EQ, "1"))), 0);
	T("{\"a\":[{\"b\":1,\"c\":2},{\"b\":2,\"c\":1}]}",
	  AND(cmp("a.b", EQ, "1"), cmp("a.c", EQ, "1")), 1);
	T("{\"a\":[{\"b\":1,\"c\":1}]}", elem("a", AND(cmp("b", EQ, "1"), cmp("c", EQ, "1"))), 1);
	T("{\"a\":[1]}", elem("a", cmp("b", EXISTS, "false")), 0); /* MongoDB: objects only */
	T("{\"a\":[{}]}", elem("a", cmp("b", EXISTS, "false")), 1);
	/* folio: arrays are not objects here (MongoDB would read [[7]] as {"0": 7}) */
	T("{\"a\":[[7]]}", elem("a", cmp("0", EQ, "7")), 0);
	T("{\"a\":[1,{}]}", elem("a", TRUE_()), 1);
	T("{\"a\":[1,2]}", elem("a", TRUE_()), 0);
	T("{\"a\":[{\"b\":[1,2]}]}", elem("a", cmp("b", EQ, "2")), 1); /* inner paths expand */
	T("{\"a\":[{\"b\":[{\"c\":1}]}]}", elem("a", elem("b", cmp("c", EQ, "1"))), 1);
	T("{\"x\":{\"a\":[{\"b\":1}]}}", elem("x.a", cmp("b", EQ, "1")), 1);
	T("{\"a\":[{\"b\":[{\"c\":1}]},{\"b\":[{\"c\":2}]}]}", elem("a.b", cmp("c", EQ, "2")), 1);
	T("{\"a\":[{\"b\":{\"c\":1}}]}", elem("a", cmp("b.c", EQ, "1")), 1);
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", elem("a", OR(cmp("b", EQ, "3"), cmp("b", EQ, "2"))), 1);
	T("{\"a\":[{\"b\":1},{\"b\":2}]}", NOT(elem("a", cmp("b", EQ, "2"))), 0);
	/* mixed "" and a field: object form, "" is the object */
	T("{\"a\":[{\"b\":1},5]}", elem("a", AND(cmp("", TYPE, "\"object\""), cmp("b", EQ, "1"))), 1);
	T("{\"a\":[5]}", elem("a", AND(cmp("", EQ, "5"), cmp("b", EXISTS, "false"))), 0);
	table_done();
}

static void test_strings(void **state)
{
	(void)state;
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"h*o\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"h?llo\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"h?lo\""), 0);
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"*\""), 1);
	T("{\"a\":\"\"}", cmp("a", LIKE, "\"*\""), 1);
	T("{\"a\":\"\"}", cmp("a", LIKE, "\"\""), 1);
	T("{\"a\":\"a\"}", cmp("a", LIKE, "\"\""), 0);
	T("{\"a\":\"\"}", cmp("a", LIKE, "\"?\""), 0);
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"hell\""), 0); /* the whole string */
	T("{\"a\":\"hello\"}", cmp("a", LIKE, "\"*ll*\""), 1);
	T("{\"a\":\"abc\"}", cmp("a", LIKE, "\"a**c\""), 1);
	T("{\"a\":\"abc\"}", cmp("a", LIKE, "\"*?\""), 1);
	T("{\"a\":\"mississippi\"}", cmp("a", LIKE, "\"m*iss*iss*ippi\""), 1);
	T("{\"a\":\"mississippi\"}", cmp("a", LIKE, "\"*sip*\""), 1);
	T("{\"a\":\"mississippi\"}", cmp("a", LIKE, "\"*sipx*\""), 0);
	T("{\"a\":\"mississippi\"}", cmp("a", LIKE, "\"*issip?i\""), 1);
	/* '?' is one UTF-8 character */
	T("{\"a\":\"h\\u00e9llo\"}", cmp("a", LIKE, "\"h?llo\""), 1);
	T("{\"a\":\"h\\u00e9llo\"}", cmp("a", LIKE, "\"h??llo\""), 0);
	T("{\"a\":\"\\u65e5\\u672c\\u8a9e\"}", cmp("a", LIKE, "\"???\""), 1);
	T("{\"a\":\"\\u65e5\\u672c\\u8a9e\"}", cmp("a", LIKE, "\"??\""), 0);
	T("{\"a\":\"\\u65e5\\u672c\\u8a9e\"}", cmp("a", LIKE, "\"*\\u672c?\""), 1);
	T("{\"a\":\"x\\ud83d\\ude00y\"}", cmp("a", LIKE, "\"x?y\""), 1); /* 4-byte character */
	/* escapes: \* \? \\ are literal; '\' before anything else is refused (query.h) */
	T("{\"a\":\"a*b\"}", cmp("a", LIKE, "\"a\\\\*b\""), 1);
	T("{\"a\":\"axb\"}", cmp("a", LIKE, "\"a\\\\*b\""), 0);
	T("{\"a\":\"a?b\"}", cmp("a", LIKE, "\"a\\\\?b\""), 1);
	T("{\"a\":\"axb\"}", cmp("a", LIKE, "\"a\\\\?b\""), 0);
	T("{\"a\":\"a\\\\b\"}", cmp("a", LIKE, "\"a\\\\\\\\b\""), 1);
	T("{\"a\":\"a\\\\b\"}", cmp("a", LIKE, "\"a\\\\b\""), FOLIO_EINVALID);
	T("{\"a\":\"ab\"}", cmp("a", LIKE, "\"a\\\\b\""), FOLIO_EINVALID);
	T("{\"a\":\"a\\\\\"}", cmp("a", LIKE, "\"a\\\\\""), FOLIO_EINVALID);
	TP("{\"a\":\"a\\\\\"}", par("a", LIKE, "p"), "{\"p\":\"a\\\\\"}", FOLIO_EINVALID);
	TP("{\"a\":\"a*\"}", par("a", LIKE, "p"), "{\"p\":\"a\\\\*\"}", 1);
	T("{\"a\":\"a\\\\b\"}", cmp("a", SW, "\"a\\\\\""), 1); /* no escapes here */
	T("{\"a\":\"a*b\"}", cmp("a", CONTAINS, "\"*\""), 1);
	T("{\"a\":\"a\\\\xyz\"}", cmp("a", LIKE, "\"a\\\\\\\\*\""), 1);
	/* case: ASCII folding only */
	T("{\"a\":\"HELLO\"}", cmpi("a", LIKE, "\"h*o\""), 1);
	T("{\"a\":\"HELLO\"}", cmp("a", LIKE, "\"h*o\""), 0);
	T("{\"a\":\"\\u00c9\"}", cmpi("a", LIKE, "\"\\u00e9\""), 0);
	T("{\"a\":\"\\u00c9t\\u00c9\"}", cmpi("a", LIKE, "\"\\u00c9T?\""), 1);
	/* non-strings never match; arrays by element */
	T("{\"a\":5}", cmp("a", LIKE, "\"5\""), 0);
	T("{\"a\":null}", cmp("a", LIKE, "\"*\""), 0);
	T("{}", cmp("a", LIKE, "\"*\""), 0);
	T("{\"a\":[\"x\",\"hello\"]}", cmp("a", LIKE, "\"h*\""), 1);
	T("{\"a\":[[\"hello\"]]}", cmp("a", LIKE, "\"h*\""), 0);
	T("{\"a\":5}", NOT(cmp("a", LIKE, "\"5\"")), 1);

	T("{\"a\":\"hello\"}", cmp("a", SW, "\"he\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", SW, "\"\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", SW, "\"he*\""), 0); /* no wildcards */
	T("{\"a\":\"he\"}", cmp("a", SW, "\"hello\""), 0);
	T("{\"a\":\"Hello\"}", cmp("a", SW, "\"he\""), 0);
	T("{\"a\":\"Hello\"}", cmpi("a", SW, "\"hE\""), 1);
	T("{\"a\":5}", cmp("a", SW, "\"5\""), 0);
	T("{\"a\":[\"no\",\"hex\"]}", cmp("a", SW, "\"he\""), 1);

	T("{\"a\":\"hello\"}", cmp("a", CONTAINS, "\"ell\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", CONTAINS, "\"\""), 1);
	T("{\"a\":\"hello\"}", cmp("a", CONTAINS, "\"xyz\""), 0);
	T("{\"a\":\"hello\"}", cmp("a", CONTAINS, "\"hello!\""), 0);
	T("{\"a\":\"hello\"}", cmp("a", CONTAINS, "\"l?o\""), 0);
	T("{\"a\":\"HELLO\"}", cmpi("a", CONTAINS, "\"ell\""), 1);
	T("{\"a\":\"HELLO\"}", cmp("a", CONTAINS, "\"ell\""), 0);
	T("{\"a\":{\"b\":\"hello\"}}", cmp("a", CONTAINS, "\"ell\""), 0);
	T("{\"a\":\"\\u65e5\\u672c\\u8a9e\"}", cmp("a", CONTAINS, "\"\\u672c\""), 1);
	T("{}", cmp("a", CONTAINS, "\"\""), 0);
	table_done();
}

static void test_ci(void **state)
{
	(void)state;
	T("{\"a\":\"Hello\"}", cmpi("a", EQ, "\"hELLO\""), 1);
	T("{\"a\":\"Hello\"}", cmp("a", EQ, "\"hELLO\""), 0);
	T("{\"a\":\"Hello\"}", cmpi("a", EQ, "\"hELL\""), 0);
	T("{\"a\":\"H\\u00e9llo\"}", cmpi("a", EQ, "\"H\\u00c9LLO\""), 0);
	T("{\"a\":\"H\\u00e9llo\"}", cmpi("a", EQ, "\"h\\u00e9LLO\""), 1);
	T("{\"a\":\"@[\"}", cmpi("a", EQ, "\"`{\""), 0); /* only letters fold */
	T("{\"a\":5}", cmpi("a", EQ, "5"), 1);
	T("{\"a\":[\"Hello\"]}", cmpi("a", EQ, "\"hello\""), 1);
	T("{\"a\":[\"Hello\"]}", cmpi("a", EQ, "[\"hello\"]"), 0); /* nested strings: exact */
	T("{\"a\":\"Hello\"}", cmpi("a", NE, "\"hello\""), 0);
	T("{\"a\":\"Help\"}", cmpi("a", NE, "\"hello\""), 1);
	T("{}", cmpi("a", NE, "\"x\""), 1);
	T("{}", cmpi("a", EQ, "null"), 1);
	T("{\"a\":\"B\"}", cmpi("a", IN, "[\"a\",\"b\"]"), 1);
	T("{\"a\":\"B\"}", cmpi("a", NIN, "[\"a\",\"b\"]"), 0);
	T("{\"a\":\"C\"}", cmpi("a", NIN, "[\"a\",\"b\"]"), 1);
	table_done();
}

static void test_logic(void **state)
{
	(void)state;
	T("{\"a\":1,\"b\":2}", AND(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 1);
	T("{\"a\":1}", AND(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 0);
	T("{\"b\":2}", OR(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 1);
	T("{}", OR(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 0);
	T("{\"c\":1}", NOR(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 1);
	T("{\"a\":1}", NOR(cmp("a", EQ, "1"), cmp("b", EQ, "2")), 0);
	T("{\"a\":[3,7]}", NOT(cmp("a", GT, "5")), 0);
	T("{\"a\":3}", NOT(cmp("a", GT, "5")), 1);
	T("{}", NOT(cmp("a", GT, "5")), 1);
	T("{\"a\":\"x\"}", NOT(cmp("a", GT, "5")), 1);
	T("{}", TRUE_(), 1);
	T("{\"a\":1}", node(FOLIO_Q_AND, NULL), 1);
	T("{\"a\":1}", node(FOLIO_Q_OR, NULL), 0);
	T("{\"a\":1}", node(FOLIO_Q_NOR, NULL), 1);
	T("{\"a\":1,\"b\":[1,2]}",
	  OR(AND(cmp("a", EQ, "2"), cmp("b", SIZE, "2")), NOT(cmp("b", IN, "[3]"))), 1);
	T("{\"a\":1,\"b\":[1,3]}",
	  OR(AND(cmp("a", EQ, "2"), cmp("b", SIZE, "2")), NOT(cmp("b", IN, "[3]"))), 0);
	T("{\"a\":1}", NOT(NOT(cmp("a", EQ, "1"))), 1);
	table_done();
}

/* Parameters and operand errors */

static void test_params(void **state)
{
	folio_qnode *q;
	json_object *params;
	json_object *d;

	(void)state;
	TP("{\"a\":1}", par("a", EQ, "x"), "{\"x\":1}", 1);
	TP("{\"a\":2}", par("a", EQ, "x"), "{\"x\":1}", 0);
	TP("{}", par("a", EQ, "x"), "{\"x\":null}", 1);
	TP("{\"a\":0}", par("a", EQ, "x"), "{\"x\":null}", 0);
	TP("{\"a\":null}", par("a", NE, "x"), "{\"x\":null}", 0);
	TP("{\"a\":2}", par("a", IN, "list"), "{\"list\":[1,2]}", 1);
	TP("{\"a\":[\"p\",\"q\"]}", par("a", ALL, "1"), "{\"1\":[\"q\",\"p\"]}", 1);
	TP("{\"a\":\"hello\"}", par("a", LIKE, "2"), "{\"1\":0,\"2\":\"h*\"}", 1);
	TP("{\"a\":[{\"b\":3}]}", elem("a", par("b", GT, "n")), "{\"n\":2}", 1);
	TP("{\"a\":{\"b\":1}}", par("a", EQ, "o"), "{\"o\":{\"b\":1}}", 1);
	TP("{}", par("a", EXISTS, "e"), "{\"e\":false}", 1);

	/* missing parameters: FOLIO_EINVALID whatever the document, even where not reached */
	TP("{\"a\":1}", par("a", EQ, "y"), "{\"x\":1}", FOLIO_EINVALID);
	assert_string_equal(folio_error_last(), "query: no value for parameter $$y");
	TP("{\"a\":1}", par("a", EQ, "x"), NULL, FOLIO_EINVALID);
	TP("{\"a\":1}", par("a", EQ, "x"), "[1]", FOLIO_EINVALID);
	TP("{\"a\":1}", OR(cmp("a", EQ, "1"), par("b", EQ, "x")), "{}", FOLIO_EINVALID);
	TP("{\"a\":1}", elem("a", par("", EQ, "x")), "{}", FOLIO_EINVALID);
	/* operands of the wrong type */
	TP("{\"a\":1}", par("a", IN, "list"), "{\"list\":5}", FOLIO_EINVALID);
	TP("{\"a\":1}", par("a", IN, "list"), "{\"list\":null}", FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", NIN, "{}"), FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", ALL, "1"), FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", EXISTS, "1"), FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", TYPE, "\"integer\""), FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", TYPE, "[\"string\",1]"), FOLIO_EINVALID);
	T("{\"a\":1}", cmp("a", TYPE, "3"), FOLIO_EINVALID);
	T("{\"a\":[]}", cmp("a", SIZE, "-1"), FOLIO_EINVALID);
	T("{\"a\":[]}", cmp("a", SIZE, "1.5"), FOLIO_EINVALID);
	T("{\"a\":[]}", cmp("a", SIZE, "\"0\""), FOLIO_EINVALID);
	T("{\"a\":\"x\"}", cmp("a", LIKE, "5"), FOLIO_EINVALID);
	T("{\"a\":\"x\"}", cmp("a", SW, "null"), FOLIO_EINVALID);
	T("{\"a\":\"x\"}", cmp("a", CONTAINS, "[\"x\"]"), FOLIO_EINVALID);
	T("{\"a\":[]}", cmp("a", ELEMMATCH, NULL), FOLIO_EINVALID); /* no condition */
	table_done();

	/* folio_qvalue: the value, the parameter's, the null operand, or NULL with an error */
	q = par("a", EQ, "x");
	params = json_tokener_parse("{\"x\":[1],\"n\":null}");
	assert_ptr_equal(folio_qvalue(q, params), json_object_object_get(params, "x"));
	free(q->param);
	q->param = strdup("n");
	assert_ptr_equal(folio_qvalue(q, params), folio_qnull());
	free(q->param);
	q->param = strdup("zz");
	assert_null(folio_qvalue(q, params));
	assert_string_equal(folio_error_last(), "query: no value for parameter $$zz");
	folio_qnode__free(q);
	q = cmp("a", EQ, "7");
	assert_ptr_equal(folio_qvalue(q, NULL), q->value);
	folio_qnode__free(q);

	/* The parameters are read, not kept or changed. */
	d = json_tokener_parse("{\"a\":[1,2]}");
	q = par("a", IN, "x");
	assert_int_equal(folio_qeval(q, d, params), 1);
	assert_string_equal(json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN),
			    "{\"x\":[1],\"n\":null}");
	folio_qnode__free(q);
	json_object_put(d);
	json_object_put(params);
}

/* folio_qcompare */

static void test_compare_order(void **state)
{
	/* Ascending, each strictly above the one before. */
	static const char *order[] = {
		"null", "NaN", "-1e300", "-9223372036854775808", "-1.5", "-1", "0", "0.5", "1",
		"9007199254740992", "9007199254740993", "9223372036854775807",
		"9223372036854775808.0", "18446744073709551615", "1e300", "\"\"", "\"A\"",
		"\"Z\"", "\"a\"", "\"ab\"", "\"b\"", "\"\\u00e9\"", "{}", "{\"a\":null}",
		"{\"a\":1}", "{\"a\":1,\"b\":0}", "{\"a\":2}", "{\"b\":0}", "[]", "[null]", "[1]",
		"[1,2]", "[2]", "[\"a\"]", "[{}]", "[[]]", "[true]", "false", "true"};
	/* Equal pairs. */
	static const char *same[][2] = {
		{"1", "1.0"},
		{"-0.0", "0"},
		{"9007199254740992", "9007199254740992.0"},
		{"{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}"},
		{"[1.0,{\"x\":[2]}]", "[1,{\"x\":[2.0]}]"},
		{"\"x\"", "\"x\""},
		{"NaN", "NaN"},
	};
	const int n = (int)(sizeof(order) / sizeof(order[0]));
	json_object *v[sizeof(order) / sizeof(order[0])];

	(void)state;
	for (int i = 0; i < n; i++)
		v[i] = val(order[i]);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			int c = folio_qcompare(v[i], v[j]);
			int want = (i > j) - (i < j);

			if ((c > 0) - (c < 0) != want)
				fail_msg("qcompare(%s, %s) = %d, want sign %d", order[i], order[j], c,
					 want);
		}
	}
	for (int i = 0; i < n; i++)
		if (v[i] != folio_qnull())
			json_object_put(v[i]);

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		json_object *a = val(same[i][0]);
		json_object *b = val(same[i][1]);

		if (folio_qcompare(a, b) != 0 || folio_qcompare(b, a) != 0)
			fail_msg("qcompare(%s, %s) != 0", same[i][0], same[i][1]);
		json_object_put(a);
		json_object_put(b);
	}
	/* json-c's NULL (a null inside a document) and the null operand are one value */
	assert_int_equal(folio_qcompare(NULL, folio_qnull()), 0);
	assert_int_equal(folio_qcompare(folio_qnull(), NULL), 0);
}

/* Limits */

static json_object *nest(int depth, int arrays)
{
	json_object *v = json_object_new_int(1);

	for (int i = 0; i < depth; i++) {
		json_object *c = arrays ? json_object_new_array() : json_object_new_object();

		if (arrays)
			json_object_array_add(c, v);
		else
			json_object_object_add(c, "a", v);
		v = c;
	}
	return v;
}

/* json-c frees recursively; unwind a deep value by hand. */
static void put_deep(json_object *v)
{
	while (v) {
		json_object *kid = NULL;

		if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0) {
			kid = json_object_get(json_object_array_get_idx(v, 0));
		} else if (json_object_is_type(v, json_type_object)) {
			json_object_object_get_ex(v, "a", &kid);
			json_object_get(kid);
		}
		json_object_put(v);
		v = kid;
	}
}

static void test_limits(void **state)
{
	const int deep = 5000;
	json_object *da = nest(deep, 1);
	json_object *db = nest(deep, 1);
	json_object *doc = nest(deep, 0);
	folio_buf path;
	folio_qnode *q;

	(void)state;
	/* Deep values compare without running out of stack (equal past the limit). */
	assert_int_equal(folio_qcompare(da, db), 0);

	/* A path as deep as the document: reaches nothing past the limit, no crash. */
	folio_buf__init(&path, 0);
	for (int i = 0; i < deep; i++)
		assert_int_equal(folio_buf__adds(&path, i ? ".a" : "a"), 0);
	q = cmp(path.data, EQ, "1");
	assert_int_equal(folio_qeval(q, doc, NULL), 0);
	folio_qnode__free(q);
	q = cmp(path.data, EXISTS, "false");
	assert_int_equal(folio_qeval(q, doc, NULL), 1);
	folio_qnode__free(q);
	/* A shallow path still reaches into it. */
	q = cmp("a.a.a", TYPE, "\"object\"");
	assert_int_equal(folio_qeval(q, doc, NULL), 1);
	folio_qnode__free(q);
	/* And an array of arrays reached by index, with $elemMatch inside $elemMatch. */
	q = elem("", elem("", cmp("", TYPE, "\"array\"")));
	assert_int_equal(folio_qeval(q, da, NULL), 1);
	folio_qnode__free(q);
	folio_buf__free(&path);

	/* A tree nested too deeply is refused. */
	q = cmp("a", EQ, "1");
	for (int i = 0; i < 1000; i++)
		q = NOT(q);
	assert_int_equal(folio_qeval(q, doc, NULL), FOLIO_ETOOBIG);
	folio_qnode__free(q);
	/* One as deep as a parsed selector may be is fine. */
	q = cmp("a", EXISTS, "true");
	for (int i = 0; i < 2 * FOLIO_Q_MAX_DEPTH; i++)
		q = NOT(q);
	assert_int_equal(folio_qeval(q, doc, NULL), 1);
	folio_qnode__free(q);

	put_deep(da);
	put_deep(db);
	put_deep(doc);
}

/* Identities between operators, over a pool of documents, paths and operands */

static void test_identities(void **state)
{
	static const char *docs[] = {
		"{}", "{\"a\":null}", "{\"a\":1}", "{\"a\":1.0}", "{\"a\":\"x\"}", "{\"a\":\"X\"}",
		"{\"a\":true}", "{\"a\":[]}", "{\"a\":[1,\"x\",null]}", "{\"a\":[[1],2]}",
		"{\"a\":{\"b\":1}}", "{\"a\":{\"b\":[1,2]}}", "{\"a\":[{\"b\":1},{\"c\":2}]}",
		"{\"a\":[{\"b\":[\"x\",{\"c\":1}]},3]}", "{\"a\":[{\"0\":1},[1,2]]}",
		"{\"a\":{\"b\":{\"c\":null}}}", "{\"a\":[1,2],\"b\":\"xy\"}"};
	static const char *paths[] = {"a", "a.b", "a.0", "a.1", "a.b.c", "a.b.1", "b", "a.c"};
	static const char *operands[] = {"null", "1", "2", "1.0", "\"x\"", "\"X\"", "true",
					 "[]", "[1,2]", "[1]", "{\"b\":1}", "{}", "\"xy\""};
	int checked = 0;

	(void)state;
	for (size_t di = 0; di < sizeof(docs) / sizeof(docs[0]); di++) {
		json_object *d = json_tokener_parse(docs[di]);

		for (size_t pi = 0; pi < sizeof(paths) / sizeof(paths[0]); pi++) {
			const char *p = paths[pi];
			folio_qnode *q;
			int ex;
			int nex;

			q = cmp(p, EXISTS, "true");
			ex = folio_qeval(q, d, NULL);
			folio_qnode__free(q);
			q = cmp(p, EXISTS, "false");
			nex = folio_qeval(q, d, NULL);
			folio_qnode__free(q);
			assert_int_equal(ex, !nex);

			for (size_t oi = 0; oi < sizeof(operands) / sizeof(operands[0]); oi++) {
				const char *x = operands[oi];
				char list[64];
				int eq, ne, in, nin, all, eqi, gt, gte, gt_or_eq;

				snprintf(list, sizeof(list), "[%s]", x);
#define EV(var, tree)                                         \
	do {                                                  \
		folio_qnode *t__ = (tree);                    \
		(var) = folio_qeval(t__, d, NULL);            \
		folio_qnode__free(t__);                       \
		assert_true((var) == 0 || (var) == 1);        \
	} while (0)
				EV(eq, cmp(p, EQ, x));
				EV(ne, cmp(p, NE, x));
				EV(in, cmp(p, IN, list));
				EV(nin, cmp(p, NIN, list));
				EV(all, cmp(p, ALL, list));
				EV(eqi, cmpi(p, EQ, x));
				EV(gt, cmp(p, GT, x));
				EV(gte, cmp(p, GTE, x));
				EV(gt_or_eq, OR(cmp(p, GT, x), cmp(p, EQ, x)));
#undef EV
				if (ne != !eq || in != eq || nin != !in || all != eq ||
				    (eq && !eqi) || gte != gt_or_eq)
					fail_msg("%s on %s with %s: eq %d ne %d in %d nin %d all %d "
						 "eq_i %d gt %d gte %d",
						 p, docs[di], x, eq, ne, in, nin, all, eqi, gt, gte);
				/* Where no value exists, only null can be equal or in range. */
				if (!ex && strcmp(x, "null") != 0 && (eq || eqi || gt || gte))
					fail_msg("%s on %s: no value, yet %s matched", p, docs[di], x);
				checked++;
			}
		}
		json_object_put(d);
	}
	print_message("identities: %d (document, path, operand) triples\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eq),
		cmocka_unit_test(test_paths_through_arrays),
		cmocka_unit_test(test_positional),
		cmocka_unit_test(test_ne),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_in_nin_all),
		cmocka_unit_test(test_exists_type_size),
		cmocka_unit_test(test_elemmatch),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_ci),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_identities),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	print_message("qeval: %d table rows\n", n_rows);
	return rc;
}
