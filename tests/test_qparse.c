/* backends: none */
/*
 * Unit tests of the two query parsers: the JSON selector (core/qparse.c) and
 * the SQL-like text (core/qtext.c). Each operator against the tree's dump,
 * the two spellings against each other, every error with its offset, and
 * hostile input.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#include "qparse.h"
#include "query.h"
#include "util.h"

/* Helpers */

static char *json_dump(const char *sel, size_t len)
{
	folio_qnode *n = NULL;
	char *d;
	int rc;

	rc = folio_qparse__json(&n, sel, len);
	if (rc != 0)
		fail_msg("%s: got %d (%s)", sel, rc, folio_error_last());
	assert_non_null(n);
	d = folio_qnode__dump(n);
	folio_qnode__free(n);
	assert_non_null(d);
	return d;
}

/* The selector parses to `want` (the dump), from its text and from json-c's object. */
static void json_is(const char *sel, const char *want)
{
	json_object *obj;
	folio_qnode *n = NULL;
	char *d = json_dump(sel, strlen(sel));

	if (strcmp(d, want) != 0)
		fail_msg("%s\n  got  %s\n  want %s", sel, d, want);
	free(d);

	obj = json_tokener_parse(sel);
	assert_non_null(obj);
	assert_ok(folio_qparse__obj(&n, obj));
	json_object_put(obj);
	d = folio_qnode__dump(n);
	folio_qnode__free(n);
	if (strcmp(d, want) != 0)
		fail_msg("%s (json-c object)\n  got  %s\n  want %s", sel, d, want);
	free(d);
}

static void json_err_len(const char *sel, size_t len, int code, const char *msg)
{
	folio_qnode *n = (folio_qnode *)&n; /* must come back NULL */
	int rc = folio_qparse__json(&n, sel, len);

	if (rc != code)
		fail_msg("%.200s: got %d (%s), want %d", sel, rc, rc ? folio_error_last() : "",
			 code);
	assert_null(n);
	if (msg != NULL && strcmp(folio_error_last(), msg) != 0)
		fail_msg("%.200s\n  got  %s\n  want %s", sel, folio_error_last(), msg);
}

static void json_err(const char *sel, int code, const char *msg)
{
	json_err_len(sel, strlen(sel), code, msg);
}

static folio_query *text_parse(const char *text)
{
	folio_query *q = NULL;
	int rc = folio_qparse__text(&q, text, strlen(text));

	if (rc != 0)
		fail_msg("%s: got %d (%s)", text, rc, folio_error_last());
	assert_non_null(q);
	assert_non_null(q->where);
	return q;
}

/* The WHERE of "SELECT * FROM s WHERE <where>" dumped. */
static char *where_dump(const char *where)
{
	folio_query *q;
	char text[4096];
	char *d;

	snprintf(text, sizeof(text), "SELECT * FROM s WHERE %s", where);
	q = text_parse(text);
	d = folio_qnode__dump(q->where);
	folio_query__free(q);
	return d;
}

static void where_is(const char *where, const char *want)
{
	char *d = where_dump(where);

	if (strcmp(d, want) != 0)
		fail_msg("%s\n  got  %s\n  want %s", where, d, want);
	free(d);
}

static void text_err_len(const char *text, size_t len, int code, const char *msg)
{
	folio_query *q = (folio_query *)&q;
	int rc = folio_qparse__text(&q, text, len);

	if (rc != code)
		fail_msg("%.200s: got %d (%s), want %d", text, rc, rc ? folio_error_last() : "",
			 code);
	assert_null(q);
	if (msg != NULL && strcmp(folio_error_last(), msg) != 0)
		fail_msg("%.200s\n  got  %s\n  want %s", text, folio_error_last(), msg);
}

static void text_err(const char *text, int code, const char *msg)
{
	text_err_len(text, strlen(text), code, msg);
}

/* Both spellings give one tree. */
static void same(const char *sel, const char *where)
{
	char *a = json_dump(sel, strlen(sel));
	char *b = where_dump(where);

	if (strcmp(a, b) != 0)
		fail_msg("%s\n  vs %s\n  json %s\n  text %s", sel, where, a, b);
	free(a);
	free(b);
}

/* JSON selector: operators */

static void test_json_equality(void **state)
{
	(void)state;
	json_is("{}", "(TRUE)");
	json_is(" { } ", "(TRUE)");
	json_is("{\"city\": \"Paris\"}", "(CMP EQ city \"Paris\")");
	json_is("{\"a\": 1, \"b\": 2}", "(AND (CMP EQ a 1) (CMP EQ b 2))");
	json_is("{\"a\": null}", "(CMP EQ a null)");
	json_is("{\"a\": true}", "(CMP EQ a true)");
	json_is("{\"a\": false}", "(CMP EQ a false)");
	json_is("{\"a\": -7}", "(CMP EQ a -7)");
	json_is("{\"a\": 1.5}", "(CMP EQ a 1.5)");
	json_is("{\"a\": 0.1}", "(CMP EQ a 0.1)");
	json_is("{\"a\": 1e3}", "(CMP EQ a 1000.0)");
	json_is("{\"a\": 1.0}", "(CMP EQ a 1.0)");
	json_is("{\"a\": -0.0}", "(CMP EQ a -0.0)");
	json_is("{\"a\": 9223372036854775807}", "(CMP EQ a 9223372036854775807)");
	json_is("{\"a\": -9223372036854775808}", "(CMP EQ a -9223372036854775808)");
	/* a value that is an object without '$' keys, or an array: equality */
	json_is("{\"a\": {\"b\": 1, \"c\": [null]}}", "(CMP EQ a {\"b\":1,\"c\":[null]})");
	json_is("{\"a\": {}}", "(CMP EQ a {})");
	json_is("{\"a\": [1, \"x\", {\"y\": null}]}", "(CMP EQ a [1,\"x\",{\"y\":null}])");
	/* '$' deeper inside an equality operand is a literal */
	json_is("{\"a\": {\"b\": {\"$gt\": 1}}}", "(CMP EQ a {\"b\":{\"$gt\":1}})");
	json_is("{\"a.b.0\": 1}", "(CMP EQ a.b.0 1)");
	json_is("{\"_unid\": \"x\"}", "(CMP EQ _unid \"x\")");
	/* inside an operand, the last of duplicate keys wins, as in documents */
	json_is("{\"a\": {\"b\": 1, \"b\": 2}}", "(CMP EQ a {\"b\":2})");
}

static void test_json_comparisons(void **state)
{
	(void)state;
	json_is("{\"a\": {\"$eq\": 5}}", "(CMP EQ a 5)");
	json_is("{\"a\": {\"$eq\": {\"$gt\": 1}}}", "(CMP EQ a {\"$gt\":1})");
	json_is("{\"a\": {\"$eq\": null}}", "(CMP EQ a null)");
	json_is("{\"a\": {\"$ne\": \"x\"}}", "(CMP NE a \"x\")");
	json_is("{\"a\": {\"$gt\": 5}}", "(CMP GT a 5)");
	json_is("{\"a\": {\"$gte\": 5}}", "(CMP GTE a 5)");
	json_is("{\"a\": {\"$lt\": [1]}}", "(CMP LT a [1])");
	json_is("{\"a\": {\"$lte\": \"m\"}}", "(CMP LTE a \"m\")");
	json_is("{\"a\": {\"$gt\": 5, \"$lt\": 9}}", "(AND (CMP GT a 5) (CMP LT a 9))");
	json_is("{\"a\": {\"$gt\": 5, \"$lt\": 9}, \"b\": 1}",
		"(AND (CMP GT a 5) (CMP LT a 9) (CMP EQ b 1))");
	json_is("{\"a\": {\"$in\": [1, \"x\", null]}}", "(CMP IN a [1,\"x\",null])");
	json_is("{\"a\": {\"$in\": []}}", "(CMP IN a [])");
	json_is("{\"a\": {\"$nin\": [1]}}", "(CMP NIN a [1])");
	json_is("{\"a\": {\"$all\": [\"x\", \"y\"]}}", "(CMP ALL a [\"x\",\"y\"])");
	json_is("{\"a\": {\"$exists\": true}}", "(CMP EXISTS a true)");
	json_is("{\"a\": {\"$exists\": false}}", "(CMP EXISTS a false)");
	json_is("{\"a\": {\"$exists\": 1}}", "(CMP EXISTS a true)");
	json_is("{\"a\": {\"$exists\": 0}}", "(CMP EXISTS a false)");
	json_is("{\"a\": {\"$exists\": 1.0}}", "(CMP EXISTS a true)");
	json_is("{\"a\": {\"$type\": \"string\"}}", "(CMP TYPE a \"string\")");
	json_is("{\"a\": {\"$type\": \"int\"}}", "(CMP TYPE a \"number\")");
	json_is("{\"a\": {\"$type\": \"decimal\"}}", "(CMP TYPE a \"number\")");
	json_is("{\"a\": {\"$type\": [\"bool\", \"null\", \"long\", \"double\"]}}",
		"(CMP TYPE a [\"boolean\",\"null\",\"number\",\"number\"])");
	json_is("{\"a\": {\"$type\": [\"object\", \"array\"]}}",
		"(CMP TYPE a [\"object\",\"array\"])");
	json_is("{\"a\": {\"$size\": 3}}", "(CMP SIZE a 3)");
	json_is("{\"a\": {\"$size\": 0}}", "(CMP SIZE a 0)");
	json_is("{\"a\": {\"$size\": 3.0}}", "(CMP SIZE a 3)");
}

static void test_json_strings(void **state)
{
	(void)state;
	json_is("{\"a\": {\"$like\": \"x*y?\"}}", "(CMP LIKE a \"x*y?\")");
	json_is("{\"a\": {\"$like\": \"x\\\\*\\\\?\\\\\\\\\"}}",
		"(CMP LIKE a \"x\\\\*\\\\?\\\\\\\\\")");
	json_is("{\"a\": {\"$startsWith\": \"ab\"}}", "(CMP STARTSWITH a \"ab\")");
	json_is("{\"a\": {\"$contains\": \"b\"}}", "(CMP CONTAINS a \"b\")");
	json_is("{\"a\": {\"$eq_i\": \"X\"}}", "(CMP EQ_I a \"X\")");
	json_is("{\"a\": {\"$ne_i\": \"X\"}}", "(CMP NE_I a \"X\")");
	json_is("{\"a\": {\"$in_i\": [\"X\"]}}", "(CMP IN_I a [\"X\"])");
	json_is("{\"a\": {\"$nin_i\": [\"X\"]}}", "(CMP NIN_I a [\"X\"])");
	json_is("{\"a\": {\"$like_i\": \"X*\"}}", "(CMP LIKE_I a \"X*\")");
	json_is("{\"a\": {\"$startsWith_i\": \"X\"}}", "(CMP STARTSWITH_I a \"X\")");
	json_is("{\"a\": {\"$contains_i\": \"X\"}}", "(CMP CONTAINS_I a \"X\")");
}

static void test_json_logical(void **state)
{
	(void)state;
	json_is("{\"$and\": [{\"a\": 1}, {\"b\": 2}]}", "(AND (CMP EQ a 1) (CMP EQ b 2))");
	json_is("{\"$or\": [{\"a\": 1}, {\"b\": 2}]}", "(OR (CMP EQ a 1) (CMP EQ b 2))");
	json_is("{\"$nor\": [{\"a\": 1}, {\"b\": 2}]}", "(NOR (CMP EQ a 1) (CMP EQ b 2))");
	json_is("{\"$nor\": [{\"a\": 1}]}", "(NOR (CMP EQ a 1))");
	/* one kid: the kid itself; nested ANDs and ORs are flat */
	json_is("{\"$or\": [{\"a\": 1}]}", "(CMP EQ a 1)");
	json_is("{\"$and\": [{}]}", "(TRUE)");
	json_is("{\"a\": 1, \"$and\": [{\"b\": 2}, {\"c\": 3}]}",
		"(AND (CMP EQ a 1) (CMP EQ b 2) (CMP EQ c 3))");
	json_is("{\"$or\": [{\"$or\": [{\"a\": 1}, {\"b\": 2}]}, {\"c\": 3}]}",
		"(OR (CMP EQ a 1) (CMP EQ b 2) (CMP EQ c 3))");
	json_is("{\"$or\": [{\"a\": 1, \"b\": 2}, {\"c\": 3}]}",
		"(OR (AND (CMP EQ a 1) (CMP EQ b 2)) (CMP EQ c 3))");
	json_is("{\"$not\": {\"a\": 1}}", "(NOT (CMP EQ a 1))");
	json_is("{\"$not\": {}}", "(NOT (TRUE))");
	json_is("{\"$not\": {\"a\": 1, \"b\": 2}}", "(NOT (AND (CMP EQ a 1) (CMP EQ b 2)))");
	json_is("{\"a\": {\"$not\": {\"$gt\": 5}}}", "(NOT (CMP GT a 5))");
	json_is("{\"a\": {\"$not\": {\"$gt\": 5, \"$lt\": 9}}}",
		"(NOT (AND (CMP GT a 5) (CMP LT a 9)))");
	json_is("{\"a\": {\"$gt\": 1, \"$not\": {\"$eq\": 3}}}",
		"(AND (CMP GT a 1) (NOT (CMP EQ a 3)))");
}

static void test_json_elem_match(void **state)
{
	(void)state;
	/* operators: on the element itself, path "" */
	json_is("{\"results\": {\"$elemMatch\": {\"$gte\": 80, \"$lt\": 85}}}",
		"(CMP ELEMMATCH results  (AND (CMP GTE  80) (CMP LT  85)))");
	json_is("{\"a\": {\"$elemMatch\": {\"$not\": {\"$eq\": 1}}}}",
		"(CMP ELEMMATCH a  (NOT (CMP EQ  1)))");
	json_is("{\"a\": {\"$elemMatch\": {\"$elemMatch\": {\"$gt\": 1}}}}",
		"(CMP ELEMMATCH a  (CMP ELEMMATCH   (CMP GT  1)))");
	/* a selector: paths relative to the element */
	json_is("{\"r\": {\"$elemMatch\": {\"product\": \"x\", \"score\": {\"$gt\": 8}}}}",
		"(CMP ELEMMATCH r  (AND (CMP EQ product \"x\") (CMP GT score 8)))");
	json_is("{\"r\": {\"$elemMatch\": {\"$or\": [{\"a\": 1}, {\"b\": 2}]}}}",
		"(CMP ELEMMATCH r  (OR (CMP EQ a 1) (CMP EQ b 2)))");
	json_is("{\"r\": {\"$elemMatch\": {}}}", "(CMP ELEMMATCH r  (TRUE))");
	json_is("{\"r\": {\"$elemMatch\": {\"a\": 1}, \"$size\": 2}}",
		"(AND (CMP ELEMMATCH r  (CMP EQ a 1)) (CMP SIZE r 2))");
}

static void test_json_params(void **state)
{
	folio_qnode *n = NULL;

	(void)state;
	json_is("{\"a\": \"$$x\"}", "(CMP EQ a $$x)");
	json_is("{\"a\": \"$$1\"}", "(CMP EQ a $$1)");
	json_is("{\"a\": {\"$gt\": \"$$min_age\"}}", "(CMP GT a $$min_age)");
	json_is("{\"a\": {\"$in\": \"$$list\"}}", "(CMP IN a $$list)");
	json_is("{\"a\": {\"$exists\": \"$$e\"}}", "(CMP EXISTS a $$e)");
	json_is("{\"a\": {\"$like\": \"$$p\"}}", "(CMP LIKE a $$p)");
	json_is("{\"a\": {\"$size\": \"$$n\"}}", "(CMP SIZE a $$n)");
	/* a whole operand only: inside an array or object it is a literal string */
	json_is("{\"a\": {\"$in\": [\"$$x\"]}}", "(CMP IN a [\"$$x\"])");
	json_is("{\"a\": {\"b\": \"$$x\"}}", "(CMP EQ a {\"b\":\"$$x\"})");
	/* one '$' is no parameter */
	json_is("{\"a\": \"$x\"}", "(CMP EQ a \"$x\")");

	assert_ok(folio_qparse__json(&n, "{\"a\": \"$$x\"}", 12));
	assert_int_equal(n->kind, FOLIO_Q_CMP);
	assert_string_equal(n->param, "x");
	assert_null(n->value);
	assert_int_equal(n->pos, 1);
	folio_qnode__free(n);
}

static void test_json_positions(void **state)
{
	folio_qnode *n = NULL;

	(void)state;
	assert_ok(folio_qparse__json(&n, "{\"a\": 1, \"b\": {\"$gt\": 2}}", 25));
	assert_int_equal(n->kind, FOLIO_Q_AND);
	assert_int_equal(n->pos, 0);
	assert_int_equal(n->kids[0]->pos, 1);  /* "a" */
	assert_int_equal(n->kids[1]->pos, 15); /* "$gt" */
	assert_true(folio_qis_null(NULL));
	folio_qnode__free(n);
	/* null is the folio_qnull() object, never NULL */
	assert_ok(folio_qparse__json(&n, "{\"a\": null}", 11));
	assert_ptr_equal(n->value, folio_qnull());
	folio_qnode__free(n);
}

/* JSON selector: errors */

static void test_json_errors(void **state)
{
	(void)state;
	json_err("[1]", FOLIO_EINVALID, "query: at offset 0: a selector must be a JSON object");
	json_err("  null", FOLIO_EINVALID, "query: at offset 2: a selector must be a JSON object");
	json_err("{\"a\": {\"$foo\": 1}}", FOLIO_EINVALID,
		 "query: at offset 7: unknown operator '$foo'");
	json_err("{\"$foo\": 1}", FOLIO_EINVALID, "query: at offset 1: unknown operator '$foo'");
	json_err("{\"$where\": \"1\"}", FOLIO_EINVALID,
		 "query: at offset 1: unknown operator '$where'");
	json_err("{\"$gt\": 1}", FOLIO_EINVALID,
		 "query: at offset 1: operator '$gt' must follow a field name");
	json_err("{\"a\": {\"$gt\": 1, \"b\": 2}}", FOLIO_EINVALID,
		 "query: at offset 17: field name 'b' mixed with operators");
	json_err("{\"a\": {\"b\": 2, \"$gt\": 1}}", FOLIO_EINVALID,
		 "query: at offset 15: operator '$gt' mixed with field names");
	json_err("{\"a\": {\"$or\": [{\"b\": 1}]}}", FOLIO_EINVALID,
		 "query: at offset 7: '$or' cannot be used on a field (only on selectors)");
	json_err("{\"a\": {\"$in\": 5}}", FOLIO_EINVALID,
		 "query: at offset 14: '$in' needs an array");
	json_err("{\"a\": {\"$nin_i\": {}}}", FOLIO_EINVALID,
		 "query: at offset 17: '$nin_i' needs an array");
	json_err("{\"a\": {\"$all\": null}}", FOLIO_EINVALID,
		 "query: at offset 15: '$all' needs an array");
	json_err("{\"a\": {\"$exists\": \"yes\"}}", FOLIO_EINVALID,
		 "query: at offset 18: '$exists' needs true or false");
	json_err("{\"a\": {\"$exists\": 2}}", FOLIO_EINVALID,
		 "query: at offset 18: '$exists' needs true or false");
	json_err("{\"a\": {\"$size\": -1}}", FOLIO_EINVALID,
		 "query: at offset 16: '$size' needs a non-negative integer");
	json_err("{\"a\": {\"$size\": 1.5}}", FOLIO_EINVALID,
		 "query: at offset 16: '$size' needs a non-negative integer");
	json_err("{\"a\": {\"$size\": \"1\"}}", FOLIO_EINVALID,
		 "query: at offset 16: '$size' needs a non-negative integer");
	json_err("{\"a\": {\"$type\": \"foo\"}}", FOLIO_EINVALID,
		 "query: at offset 16: unknown type name 'foo' (null, boolean, number, string, "
		 "object, array)");
	json_err("{\"a\": {\"$type\": [\"string\", \"Number\"]}}", FOLIO_EINVALID,
		 "query: at offset 27: unknown type name 'Number' (null, boolean, number, string, "
		 "object, array)");
	json_err("{\"a\": {\"$type\": []}}", FOLIO_EINVALID,
		 "query: at offset 16: '$type' needs a type name or an array of them");
	json_err("{\"a\": {\"$type\": [2]}}", FOLIO_EINVALID,
		 "query: at offset 17: '$type' needs type names (strings)");
	json_err("{\"a\": {\"$like\": 5}}", FOLIO_EINVALID,
		 "query: at offset 16: '$like' needs a string");
	json_err("{\"a\": {\"$startsWith\": [\"x\"]}}", FOLIO_EINVALID,
		 "query: at offset 22: '$startsWith' needs a string");
	json_err("{\"a\": {\"$contains_i\": null}}", FOLIO_EINVALID,
		 "query: at offset 22: '$contains_i' needs a string");
	json_err("{\"a\": {\"$like\": \"a\\\\b\"}}", FOLIO_EINVALID,
		 "query: at offset 16: bad pattern for '$like': a '\\' must be followed by '*', "
		 "'?' or '\\'");
	json_err("{\"a\": {\"$like_i\": \"ab\\\\\"}}", FOLIO_EINVALID,
		 "query: at offset 18: bad pattern for '$like_i': a '\\' must be followed by '*', "
		 "'?' or '\\'");
	json_err("{\"$and\": []}", FOLIO_EINVALID,
		 "query: at offset 9: '$and' needs a non-empty array of selectors");
	json_err("{\"$or\": {\"a\": 1}}", FOLIO_EINVALID,
		 "query: at offset 8: '$or' needs a non-empty array of selectors");
	json_err("{\"$nor\": [{\"a\": 1}, 2]}", FOLIO_EINVALID,
		 "query: at offset 20: '$nor' needs selectors (JSON objects)");
	json_err("{\"$not\": [{\"a\": 1}]}", FOLIO_EINVALID,
		 "query: at offset 9: '$not' needs a selector (a JSON object)");
	json_err("{\"a\": {\"$not\": 5}}", FOLIO_EINVALID,
		 "query: at offset 15: '$not' needs an object of operators, as in {\"$not\": "
		 "{\"$gt\": 5}}");
	json_err("{\"a\": {\"$not\": {\"b\": 1}}}", FOLIO_EINVALID,
		 "query: at offset 15: '$not' needs an object of operators, as in {\"$not\": "
		 "{\"$gt\": 5}}");
	json_err("{\"a\": {\"$not\": {}}}", FOLIO_EINVALID, NULL);
	json_err("{\"a\": {\"$elemMatch\": [1]}}", FOLIO_EINVALID,
		 "query: at offset 21: '$elemMatch' needs an object");
	json_err("{\"a\": {\"$elemMatch\": {\"$gt\": 1, \"b\": 2}}}", FOLIO_EINVALID,
		 "query: at offset 22: operator '$gt' must follow a field name");
	json_err("{\"a\": {\"$elemMatch\": {\"$gt\": {\"$foo\": 1}, \"$bar\": 2}}}",
		 FOLIO_EINVALID, "query: at offset 42: unknown operator '$bar'");
}

static void test_json_error_paths_keys(void **state)
{
	static const char nul_key[] = "{\"a\\u0000b\": 1}";

	(void)state;
	json_err("{\"a\": 1, \"a\": 2}", FOLIO_EINVALID, "query: at offset 9: duplicate key 'a'");
	json_err("{\"b\": 1, \"a\": 1, \"b\": 2, \"a\": 3}", FOLIO_EINVALID,
		 "query: at offset 17: duplicate key 'b'");
	json_err("{\"a\": {\"$gt\": 1, \"$gt\": 2}}", FOLIO_EINVALID,
		 "query: at offset 17: duplicate key '$gt'");
	json_err("{\"$or\": [{\"x\": 1, \"x\": 1}]}", FOLIO_EINVALID,
		 "query: at offset 18: duplicate key 'x'");
	json_err("{\"\": 1}", FOLIO_EINVALID, "query: at offset 1: bad path ''");
	json_err("{\"a..b\": 1}", FOLIO_EINVALID, "query: at offset 1: bad path 'a..b'");
	json_err("{\".a\": 1}", FOLIO_EINVALID, "query: at offset 1: bad path '.a'");
	json_err("{\"a.\": 1}", FOLIO_EINVALID, "query: at offset 1: bad path 'a.'");
	json_err(nul_key, FOLIO_EINVALID, "query: at offset 1: a path cannot hold a NUL byte");
	json_err("{\"a\": {\"k\\u0000\": 1}}", FOLIO_EINVALID,
		 "query: at offset 7: a key cannot hold a NUL byte");
	/* a message shows a name on one line, whatever it holds */
	json_err("{\"a\\n'\\\"\": {\"$x\\ny\": 1}}", FOLIO_EINVALID,
		 "query: at offset 12: unknown operator '$x\\x0ay'");
	json_err("{\"a\": \"$$\"}", FOLIO_EINVALID,
		 "query: at offset 6: bad parameter name '$$' (1 to 64 letters, digits or '_')");
	json_err("{\"a\": \"$$x-y\"}", FOLIO_EINVALID,
		 "query: at offset 6: bad parameter name '$$x-y' (1 to 64 letters, digits or "
		 "'_')");
	json_err("{\"a\": {\"$eq\": \"$$x y\"}}", FOLIO_EINVALID,
		 "query: at offset 14: bad parameter name '$$x y' (1 to 64 letters, digits or "
		 "'_')");
}

static void test_json_malformed(void **state)
{
	static const char nul[] = "{\"a\": 1}\0";

	(void)state;
	json_err("", FOLIO_EINVALID, "query: at offset 0: malformed JSON: empty input");
	json_err("   ", FOLIO_EINVALID, "query: at offset 3: malformed JSON: empty input");
	json_err("{\"a\": 1,}", FOLIO_EINVALID, NULL);
	assert_non_null(strstr(folio_error_last(), "query: at offset 8: malformed JSON: "));
	json_err("{\"a\": 'x'}", FOLIO_EINVALID,
		 "query: at offset 6: malformed JSON: strings must be in double quotes");
	json_err("{\"a\": NaN}", FOLIO_EINVALID, NULL);
	assert_non_null(strstr(folio_error_last(), "query: at offset 6: malformed JSON: "));
	json_err("{\"a\": 1}\n{\"b\": 2}", FOLIO_EINVALID,
		 "query: at offset 9: malformed JSON: unexpected text after the JSON value");
	/* the offset counts bytes, where jscan counts characters */
	json_err("{\"\xc3\xa9\": 1 x}", FOLIO_EINVALID, NULL);
	assert_non_null(strstr(folio_error_last(), "query: at offset 9: malformed JSON: "));
	json_err_len(nul, sizeof(nul) - 1, FOLIO_EINVALID,
		     "query: at offset 8: malformed JSON: NUL byte");
	json_err("{\"a\": \"\xff\"}", FOLIO_EINVALID,
		 "query: at offset 7: malformed JSON: invalid utf-8 string");
}

static void test_json_numbers(void **state)
{
	(void)state;
	json_err("{\"a\": 9223372036854775808}", FOLIO_EINVALID,
		 "query: at offset 6: integer out of range (past 64 bits)");
	json_err("{\"a\": -9223372036854775809}", FOLIO_EINVALID,
		 "query: at offset 6: integer out of range (past 64 bits)");
	json_err("{\"a\": {\"$in\": [1, 99999999999999999999999]}}", FOLIO_EINVALID,
		 "query: at offset 18: integer out of range (past 64 bits)");
	json_err("{\"a\": 1e999}", FOLIO_EINVALID, "query: at offset 6: number out of range");
	json_err("{\"a\": {\"b\": -1e999}}", FOLIO_EINVALID,
		 "query: at offset 12: number out of range");
	/* underflow is a zero, not an error */
	json_is("{\"a\": 1e-400}", "(CMP EQ a 0.0)");
	json_is("{\"a\": 1e300}", "(CMP EQ a 1e+300)");
}

static void test_json_object_form(void **state)
{
	json_object *o;
	json_object *inner;
	folio_qnode *n = (folio_qnode *)&n;
	int i;

	(void)state;
	assert_int_equal(folio_qparse__obj(&n, NULL), FOLIO_EINVALID);
	assert_null(n);
	assert_string_equal(folio_error_last(), "query: a selector must be a JSON object");

	o = json_tokener_parse("{\"a\": {\"$foo\": 1}}");
	assert_int_equal(folio_qparse__obj(&n, o), FOLIO_EINVALID);
	assert_string_equal(folio_error_last(), "query: unknown operator '$foo'");
	json_object_put(o);

	/* what json-c holds past 64 bits, and non-finite doubles */
	o = json_object_new_object();
	json_object_object_add(o, "a", json_object_new_uint64(UINT64_MAX));
	assert_int_equal(folio_qparse__obj(&n, o), FOLIO_EINVALID);
	assert_string_equal(folio_error_last(), "query: integer out of range (past 64 bits)");
	json_object_object_add(o, "a", json_object_new_double(NAN));
	assert_int_equal(folio_qparse__obj(&n, o), FOLIO_EINVALID);
	assert_string_equal(folio_error_last(), "query: number out of range");
	json_object_object_add(o, "a", json_object_new_int64(INT64_MAX));
	assert_ok(folio_qparse__obj(&n, o));
	folio_qnode__free(n);
	json_object_put(o);

	/* depth: a json-c selector has the text's limit */
	o = json_object_new_object();
	json_object_object_add(o, "a", json_object_new_int(1));
	for (i = 0; i < 70; i++) {
		inner = json_object_new_object();
		json_object_object_add(inner, "$not", o);
		o = inner;
	}
	assert_int_equal(folio_qparse__obj(&n, o), FOLIO_ETOOBIG);
	assert_string_equal(folio_error_last(), "query: nested deeper than 64 levels");
	json_object_put(o);

	/* the operand is a copy: the selector can go first */
	o = json_tokener_parse("{\"a\": {\"$in\": [1, {\"b\": 2}]}}");
	assert_ok(folio_qparse__obj(&n, o));
	json_object_put(o);
	{
		char *d = folio_qnode__dump(n);

		assert_string_equal(d, "(CMP IN a [1,{\"b\":2}])");
		free(d);
	}
	folio_qnode__free(n);
}

/* Text form */

static void test_text_query(void **state)
{
	folio_query *q;

	(void)state;
	q = text_parse("SELECT * FROM s");
	assert_string_equal(q->store, "s");
	assert_int_equal(q->star, 1);
	assert_int_equal(q->n_fields, 0);
	assert_int_equal(q->where->kind, FOLIO_Q_TRUE);
	assert_int_equal(q->n_order, 0);
	assert_int_equal(q->limit, -1);
	assert_int_equal(q->offset, 0);
	assert_int_equal(q->n_positional, 0);
	folio_query__free(q);

	q = text_parse("select FROM _default");
	assert_string_equal(q->store, "_default");
	assert_int_equal(q->star, 1);
	folio_query__free(q);

	q = text_parse("  SeLeCt a, b.c AS x, \"odd key\".\"x y\" as \"Odd\", latlng.0 "
		       "FrOm orders-2024\n"
		       "  wHeRe a = 1 OrDeR bY a DESC, b.c, _mdate asc LIMIT 10 OFFSET 5  ");
	assert_string_equal(q->store, "orders-2024");
	assert_int_equal(q->star, 0);
	assert_int_equal(q->n_fields, 4);
	assert_string_equal(q->fields[0], "a");
	assert_null(q->aliases[0]);
	assert_string_equal(q->fields[1], "b.c");
	assert_string_equal(q->aliases[1], "x");
	assert_string_equal(q->fields[2], "odd key.x y");
	assert_string_equal(q->aliases[2], "Odd");
	assert_string_equal(q->fields[3], "latlng.0");
	assert_null(q->aliases[3]);
	assert_int_equal(q->n_order, 3);
	assert_string_equal(q->order[0].path, "a");
	assert_int_equal(q->order[0].desc, 1);
	assert_string_equal(q->order[1].path, "b.c");
	assert_int_equal(q->order[1].desc, 0);
	assert_string_equal(q->order[2].path, "_mdate");
	assert_int_equal(q->order[2].desc, 0);
	assert_int_equal(q->limit, 10);
	assert_int_equal(q->offset, 5);
	folio_query__free(q);

	q = text_parse("SELECT * FROM \"_comments\" OFFSET 3");
	assert_string_equal(q->store, "_comments");
	assert_int_equal(q->limit, -1);
	assert_int_equal(q->offset, 3);
	folio_query__free(q);

	q = text_parse("SELECT * FROM s LIMIT 0");
	assert_int_equal(q->limit, 0);
	folio_query__free(q);

	q = text_parse("SELECT * FROM s LIMIT 9223372036854775807");
	assert_int_equal(q->limit, INT64_MAX);
	folio_query__free(q);

	q = text_parse("SELECT * FROM s WHERE a = ? AND b IN (?, :name) AND c > ?");
	assert_int_equal(q->n_positional, 3);
	{
		char *d = folio_qnode__dump(q->where);

		assert_string_equal(d, "(AND (CMP EQ a $$1) (OR (CMP EQ b $$2) (CMP EQ b $$name)) "
				       "(CMP GT c $$3))");
		free(d);
	}
	folio_query__free(q);
}

static void test_text_conditions(void **state)
{
	(void)state;
	where_is("a = 1", "(CMP EQ a 1)");
	where_is("a <> 'x'", "(CMP NE a \"x\")");
	where_is("a != 'x'", "(CMP NE a \"x\")");
	where_is("a < 1", "(CMP LT a 1)");
	where_is("a <= 1", "(CMP LTE a 1)");
	where_is("a > 1", "(CMP GT a 1)");
	where_is("a >= 1", "(CMP GTE a 1)");
	where_is("a>=1", "(CMP GTE a 1)");
	where_is("a = TRUE", "(CMP EQ a true)");
	where_is("a = false", "(CMP EQ a false)");
	where_is("a = NULL", "(CMP EQ a null)");
	where_is("a IS NULL", "(CMP EQ a null)");
	where_is("a is not null", "(CMP NE a null)");
	where_is("a IN (1, 'x', NULL)", "(CMP IN a [1,\"x\",null])");
	where_is("a NOT IN (1)", "(CMP NIN a [1])");
	where_is("a IN ?", "(CMP IN a $$1)");
	where_is("a NOT IN :list", "(CMP NIN a $$list)");
	where_is("a IN (?)", "(CMP EQ a $$1)");
	where_is("a NOT IN (1, ?)", "(AND (CMP NE a 1) (CMP NE a $$1))");
	where_is("a LIKE 'x%'", "(CMP LIKE a \"x*\")");
	where_is("a NOT LIKE '_y'", "(NOT (CMP LIKE a \"?y\"))");
	where_is("a LIKE ?", "(CMP LIKE a $$1)");
	/* the value first */
	where_is("5 < age", "(CMP GT age 5)");
	where_is("5 <= age", "(CMP GTE age 5)");
	where_is("5 > age", "(CMP LT age 5)");
	where_is("5 >= age", "(CMP LTE age 5)");
	where_is("'x' = a", "(CMP EQ a \"x\")");
	where_is("? <> a", "(CMP NE a $$1)");
	where_is("NULL = a", "(CMP EQ a null)");
	/* precedence: NOT, then AND, then OR */
	where_is("a = 1 AND b > 2", "(AND (CMP EQ a 1) (CMP GT b 2))");
	where_is("a = 1 OR b = 2 AND c = 3",
		 "(OR (CMP EQ a 1) (AND (CMP EQ b 2) (CMP EQ c 3)))");
	where_is("(a = 1 OR b = 2) AND c = 3",
		 "(AND (OR (CMP EQ a 1) (CMP EQ b 2)) (CMP EQ c 3))");
	where_is("NOT a = 1 AND b = 2", "(AND (NOT (CMP EQ a 1)) (CMP EQ b 2))");
	where_is("NOT (a = 1 AND b = 2)", "(NOT (AND (CMP EQ a 1) (CMP EQ b 2)))");
	where_is("NOT NOT a = 1", "(NOT (NOT (CMP EQ a 1)))");
	where_is("a = 1 AND (b = 2 AND c = 3)", "(AND (CMP EQ a 1) (CMP EQ b 2) (CMP EQ c 3))");
	where_is("((a = 1))", "(CMP EQ a 1)");
	where_is("a = 1 and b = 2 or c = 3 or d = 4",
		 "(OR (AND (CMP EQ a 1) (CMP EQ b 2)) (CMP EQ c 3) (CMP EQ d 4))");
	/* paths */
	where_is("latlng.0 < 0", "(CMP LT latlng.0 0)");
	where_is("a.b_c.D9 = 1", "(CMP EQ a.b_c.D9 1)");
	where_is("\"order\".\"a b\" = 1", "(CMP EQ order.a b 1)");
	where_is("\"say \"\"hi\"\"\" = 1", "(CMP EQ say \"hi\" 1)");
	where_is("caf\xc3\xa9 = 1", "(CMP EQ caf\xc3\xa9 1)");
	where_is("_unid = 'x'", "(CMP EQ _unid \"x\")");
	where_is("a.order = 1", "(CMP EQ a.order 1)");
}

static void test_text_literals(void **state)
{
	(void)state;
	where_is("a = 0", "(CMP EQ a 0)");
	where_is("a = -5", "(CMP EQ a -5)");
	where_is("a = 007", "(CMP EQ a 7)");
	where_is("a = 1.5", "(CMP EQ a 1.5)");
	where_is("a = .5", "(CMP EQ a 0.5)");
	where_is("a = -.5", "(CMP EQ a -0.5)");
	where_is("a = 5.", "(CMP EQ a 5.0)");
	where_is("a = 1e3", "(CMP EQ a 1000.0)");
	where_is("a = 1E-2", "(CMP EQ a 0.01)");
	where_is("a = 0.1", "(CMP EQ a 0.1)");
	where_is("a = 9223372036854775807", "(CMP EQ a 9223372036854775807)");
	where_is("a = -9223372036854775808", "(CMP EQ a -9223372036854775808)");
	where_is("a = 1e-400", "(CMP EQ a 0.0)");
	where_is("a = ''", "(CMP EQ a \"\")");
	where_is("a = 'it''s'", "(CMP EQ a \"it's\")");
	where_is("a = 'line\nbreak\\n'", "(CMP EQ a \"line\\nbreak\\\\n\")");
	where_is("a = '\xe2\x82\xac'", "(CMP EQ a \"\xe2\x82\xac\")");
}

static void test_text_like(void **state)
{
	(void)state;
	where_is("a LIKE 'a%b_c'", "(CMP LIKE a \"a*b?c\")");
	/* the tree's wildcards and escape in a SQL pattern are literal */
	where_is("a LIKE 'a*b?c\\d'", "(CMP LIKE a \"a\\\\*b\\\\?c\\\\\\\\d\")");
	where_is("a LIKE '' ", "(CMP LIKE a \"\")");
	/* ESCAPE */
	where_is("a LIKE '100!%' ESCAPE '!'", "(CMP LIKE a \"100%\")");
	where_is("a LIKE 'a!_b!!c%' ESCAPE '!'", "(CMP LIKE a \"a_b!c*\")");
	where_is("a LIKE 'a\\%' ESCAPE '\\'", "(CMP LIKE a \"a%\")");
	where_is("a LIKE 'a\\\\' ESCAPE '\\'", "(CMP LIKE a \"a\\\\\\\\\")");
	where_is("a LIKE 'a**%' ESCAPE '*'", "(CMP LIKE a \"a\\\\**\")");
	where_is("a LIKE 'x\xc2\xa7%' ESCAPE '\xc2\xa7'", "(CMP LIKE a \"x%\")");
	where_is("a NOT LIKE '%!%' ESCAPE '!'", "(NOT (CMP LIKE a \"*%\"))");
}

/* Text form: errors */

static void test_text_errors(void **state)
{
	(void)state;
	text_err("", FOLIO_EINVALID, "query: at offset 0: expected SELECT");
	text_err("SELEC * FROM s", FOLIO_EINVALID, "query: at offset 0: expected SELECT");
	text_err("SELECT * s", FOLIO_EINVALID, "query: at offset 9: expected FROM");
	text_err("SELECT *, a FROM s", FOLIO_EINVALID, "query: at offset 8: expected FROM");
	text_err("SELECT a b FROM s", FOLIO_EINVALID, "query: at offset 9: expected FROM");
	text_err("SELECT a, FROM s", FOLIO_EINVALID,
		 "query: at offset 10: expected a path, found the keyword 'FROM' (quote a name "
		 "that is one)");
	text_err("SELECT a AS FROM s", FOLIO_EINVALID,
		 "query: at offset 12: expected a name after AS, found the keyword 'FROM' (quote a "
		 "name that is one)");
	text_err("SELECT a AS \"\" FROM s", FOLIO_EINVALID,
		 "query: at offset 12: empty quoted name");
	text_err("SELECT * FROM", FOLIO_EINVALID, "query: at offset 13: expected a store name");
	text_err("SELECT * FROM where", FOLIO_EINVALID,
		 "query: at offset 14: expected a store name, found the keyword 'where' (quote a "
		 "name that is one)");
	text_err("SELECT * FROM \"a b\"", FOLIO_EINVALID,
		 "query: at offset 14: bad store name 'a b'");
	text_err("SELECT * FROM _x", FOLIO_EINVALID, "query: at offset 14: bad store name '_x'");
	text_err("SELECT * FROM 5", FOLIO_EINVALID, "query: at offset 14: expected a store name");
	text_err("SELECT * FROM s WHERE", FOLIO_EINVALID,
		 "query: at offset 21: expected a condition");
	text_err("SELECT * FROM s WHERE a", FOLIO_EINVALID,
		 "query: at offset 23: expected a comparison operator");
	text_err("SELECT * FROM s WHERE a =", FOLIO_EINVALID,
		 "query: at offset 25: expected a value");
	text_err("SELECT * FROM s WHERE a = b", FOLIO_EINVALID,
		 "query: at offset 26: expected a value");
	text_err("SELECT * FROM s WHERE a == 1", FOLIO_EINVALID,
		 "query: at offset 25: expected a value");
	text_err("SELECT * FROM s WHERE 1 = 2", FOLIO_EINVALID,
		 "query: at offset 26: expected a path");
	text_err("SELECT * FROM s WHERE 1 IN (1)", FOLIO_EINVALID,
		 "query: at offset 24: expected a comparison operator");
	text_err("SELECT * FROM s WHERE order = 1", FOLIO_EINVALID,
		 "query: at offset 22: expected a condition, found the keyword 'order' (quote a "
		 "name that is one)");
	text_err("SELECT * FROM s WHERE a = 'x", FOLIO_EINVALID,
		 "query: at offset 26: unterminated string");
	text_err("SELECT * FROM s WHERE \"a = 1", FOLIO_EINVALID,
		 "query: at offset 22: unterminated quoted name");
	text_err("SELECT * FROM s WHERE a.\"b = 1", FOLIO_EINVALID,
		 "query: at offset 24: unterminated quoted name");
	text_err("SELECT * FROM s WHERE (a = 1", FOLIO_EINVALID,
		 "query: at offset 28: expected ')'");
	text_err("SELECT * FROM s WHERE a = 1)", FOLIO_EINVALID,
		 "query: at offset 27: unexpected ')'");
	text_err("SELECT * FROM s WHERE a IS 5", FOLIO_EINVALID,
		 "query: at offset 27: expected NULL");
	text_err("SELECT * FROM s WHERE a NOT = 5", FOLIO_EINVALID,
		 "query: at offset 28: expected IN or LIKE after NOT");
	text_err("SELECT * FROM s WHERE a IN 5", FOLIO_EINVALID,
		 "query: at offset 27: expected '(' after IN");
	text_err("SELECT * FROM s WHERE a IN ()", FOLIO_EINVALID,
		 "query: at offset 28: expected a value");
	text_err("SELECT * FROM s WHERE a IN (1 2)", FOLIO_EINVALID,
		 "query: at offset 30: expected ',' or ')'");
	text_err("SELECT * FROM s WHERE a IN (1,", FOLIO_EINVALID,
		 "query: at offset 30: expected a value");
	text_err("SELECT * FROM s WHERE a LIKE 5", FOLIO_EINVALID,
		 "query: at offset 29: expected a pattern (a string) after LIKE");
	text_err("SELECT * FROM s WHERE a LIKE 'x' ESCAPE 'ab'", FOLIO_EINVALID,
		 "query: at offset 40: ESCAPE needs one character");
	text_err("SELECT * FROM s WHERE a LIKE 'x' ESCAPE ''", FOLIO_EINVALID,
		 "query: at offset 40: ESCAPE needs one character");
	text_err("SELECT * FROM s WHERE a LIKE 'x' ESCAPE 1", FOLIO_EINVALID,
		 "query: at offset 40: expected a string after ESCAPE");
	text_err("SELECT * FROM s WHERE a LIKE 'x!y' ESCAPE '!'", FOLIO_EINVALID,
		 "query: at offset 29: bad LIKE pattern: the escape character must be followed by "
		 "'%', '_' or itself");
	text_err("SELECT * FROM s WHERE a LIKE 'x!' ESCAPE '!'", FOLIO_EINVALID,
		 "query: at offset 29: bad LIKE pattern: the escape character must be followed by "
		 "'%', '_' or itself");
	text_err("SELECT * FROM s WHERE a = NaN", FOLIO_EINVALID,
		 "query: at offset 26: NaN and Infinity are not values here");
	text_err("SELECT * FROM s WHERE a = -Infinity", FOLIO_EINVALID,
		 "query: at offset 26: unexpected '-'");
	text_err("SELECT * FROM s WHERE a.\"b.c\" = 1", FOLIO_EINVALID,
		 "query: at offset 24: a quoted name in a path cannot hold '.'");
	text_err("SELECT * FROM s WHERE \"\" = 1", FOLIO_EINVALID,
		 "query: at offset 22: empty quoted name");
	text_err("SELECT * FROM s WHERE a. = 1", FOLIO_EINVALID,
		 "query: at offset 24: expected a name after '.'");
	text_err("SELECT * FROM s WHERE a .b = 1", FOLIO_EINVALID,
		 "query: at offset 24: unexpected '.'");
	text_err("SELECT * FROM s WHERE a = :", FOLIO_EINVALID,
		 "query: at offset 26: bad parameter name (':' then 1 to 64 letters, digits or "
		 "'_')");
	text_err("SELECT * FROM s WHERE a = ? AND b = :2", FOLIO_EINVALID,
		 "query: at offset 36: a parameter name of digits only is a positional one's "
		 "(write ?)");
	text_err("SELECT * FROM s WHERE a = 1abc", FOLIO_EINVALID,
		 "query: at offset 26: bad number");
	text_err("SELECT * FROM s WHERE a = 1e", FOLIO_EINVALID, "query: at offset 26: bad number");
	text_err("SELECT * FROM s WHERE a = 1.2.3", FOLIO_EINVALID,
		 "query: at offset 26: bad number");
	text_err("SELECT * FROM s ORDER a", FOLIO_EINVALID, "query: at offset 22: expected BY");
	text_err("SELECT * FROM s ORDER BY", FOLIO_EINVALID,
		 "query: at offset 24: expected a path");
	text_err("SELECT * FROM s ORDER BY a,", FOLIO_EINVALID,
		 "query: at offset 27: expected a path");
	text_err("SELECT * FROM s LIMIT", FOLIO_EINVALID,
		 "query: at offset 21: LIMIT needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s LIMIT -1", FOLIO_EINVALID,
		 "query: at offset 22: LIMIT needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s LIMIT 1.5", FOLIO_EINVALID,
		 "query: at offset 22: LIMIT needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s LIMIT ?", FOLIO_EINVALID,
		 "query: at offset 22: LIMIT needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s LIMIT 9223372036854775808", FOLIO_EINVALID,
		 "query: at offset 22: LIMIT needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s OFFSET x", FOLIO_EINVALID,
		 "query: at offset 23: OFFSET needs a non-negative integer (at most 64 bits)");
	text_err("SELECT * FROM s OFFSET 1 LIMIT 2", FOLIO_EINVALID,
		 "query: at offset 25: unexpected 'LIMIT'");
	text_err("SELECT * FROM s WHERE a = 1 WHERE b = 2", FOLIO_EINVALID,
		 "query: at offset 28: unexpected 'WHERE'");
}

static void test_text_numbers(void **state)
{
	(void)state;
	text_err("SELECT * FROM s WHERE a = 9223372036854775808", FOLIO_EINVALID,
		 "query: at offset 26: integer out of range (past 64 bits)");
	text_err("SELECT * FROM s WHERE a = -9223372036854775809", FOLIO_EINVALID,
		 "query: at offset 26: integer out of range (past 64 bits)");
	text_err("SELECT * FROM s WHERE a IN (1, 99999999999999999999999)", FOLIO_EINVALID,
		 "query: at offset 31: integer out of range (past 64 bits)");
	text_err("SELECT * FROM s WHERE a = 1e999", FOLIO_EINVALID,
		 "query: at offset 26: number out of range");
	text_err("SELECT * FROM s WHERE a = -1e99999999999999999999", FOLIO_EINVALID,
		 "query: at offset 26: number out of range");
}

/* Both spellings */

static void test_same_tree(void **state)
{
	(void)state;
	same("{\"a\": 1, \"b\": {\"$gt\": 2}}", "a = 1 AND b > 2");
	same("{\"$or\": [{\"a\": 1}, {\"b\": {\"$ne\": 2}}]}", "a = 1 OR b <> 2");
	same("{\"a\": {\"$in\": [1, 2]}}", "a IN (1, 2)");
	same("{\"a\": {\"$nin\": [\"x\", null]}}", "a NOT IN ('x', NULL)");
	same("{\"a\": {\"$like\": \"x*\"}}", "a LIKE 'x%'");
	same("{\"a\": {\"$like\": \"x\\\\*\"}}", "a LIKE 'x*'");
	same("{\"a\": {\"$not\": {\"$like\": \"x?\"}}}", "a NOT LIKE 'x_'");
	same("{\"a\": null}", "a IS NULL");
	same("{\"a\": {\"$ne\": null}}", "a IS NOT NULL");
	same("{\"$not\": {\"a\": 1}}", "NOT a = 1");
	same("{\"a\": {\"$not\": {\"$eq\": 1}}}", "NOT (a = 1)");
	same("{\"a\": {\"$gt\": 5}}", "5 < a");
	same("{\"a\": \"$$x\", \"b\": \"$$1\"}", "a = :x AND b = ?");
	same("{\"a\": {\"$gte\": 1, \"$lte\": 9}, \"$or\": [{\"b\": true}, {\"c\": false}]}",
	     "a >= 1 AND a <= 9 AND (b = TRUE OR c = FALSE)");
	same("{\"$and\": [{\"a\": 1}, {\"$and\": [{\"b\": 2}, {\"c\": 3}]}]}",
	     "(a = 1 AND b = 2) AND c = 3");
	same("{\"a\": 1.5, \"b\": 1e2, \"c\": -0.25}", "a = 1.5 AND b = 100.0 AND c = -.25");
	same("{\"latlng.0\": {\"$lt\": 0}}", "latlng.0 < 0");
	same("{\"a\": \"it's\"}", "a = 'it''s'");
	same("{\"a b.c\": 1}", "\"a b\".c = 1");
	same("{\"a\": {\"$in\": \"$$list\"}}", "a IN :list");
}

/* Hostile input */

static void test_hostile(void **state)
{
	folio_qnode *n = NULL;
	folio_query *q;
	static const char nul_value[] = "{\"a\": \"x\\u0000y\"}";
	static const char raw_nul[] = "SELECT * FROM s WHERE a = 'x\0y'";

	(void)state;
	/* SQL in values stays a value */
	json_is("{\"a\": \"x'; DROP TABLE s; --\"}", "(CMP EQ a \"x'; DROP TABLE s; --\")");
	where_is("a = 'x''; DROP TABLE s; --'", "(CMP EQ a \"x'; DROP TABLE s; --\")");
	where_is("a = '\"); DELETE FROM t; /*'", "(CMP EQ a \"\\\"); DELETE FROM t; \\/*\")");
	/* and out of a value it is an error, never a path or a value */
	text_err("SELECT * FROM s WHERE a = 'x'; DROP TABLE s", FOLIO_EINVALID,
		 "query: at offset 29: unexpected ';'");
	text_err("SELECT * FROM s WHERE a = 1 -- comment", FOLIO_EINVALID,
		 "query: at offset 28: unexpected '-'");
	text_err("SELECT * FROM s WHERE a = 1 /* c */", FOLIO_EINVALID,
		 "query: at offset 28: unexpected '/'");
	text_err("SELECT * FROM s; DROP TABLE s", FOLIO_EINVALID,
		 "query: at offset 15: unexpected ';'");
	text_err("SELECT * FROM s WHERE a = 1 OR 1=1", FOLIO_EINVALID,
		 "query: at offset 33: expected a path");
	text_err("SELECT * FROM s WHERE a = 'x' OR 'a'='a'", FOLIO_EINVALID,
		 "query: at offset 37: expected a path");
	text_err("SELECT * FROM s WHERE a = `x`", FOLIO_EINVALID,
		 "query: at offset 26: unexpected '`'");
	text_err("SELECT * FROM \"s\"\"; DROP\"", FOLIO_EINVALID,
		 "query: at offset 14: bad store name 's\\x22; DROP'");
	/* a key is a path exactly as written, quotes and all: drivers never splice it */
	json_is("{\"a'; DROP TABLE s; --\": 1}", "(CMP EQ a'; DROP TABLE s; -- 1)");

	/* NUL: a value in JSON (escaped), an error raw */
	assert_ok(folio_qparse__json(&n, nul_value, strlen(nul_value)));
	assert_int_equal(json_object_get_string_len(n->value), 3);
	assert_memory_equal(json_object_get_string(n->value), "x\0y", 3);
	assert_string_equal(n->path, "a");
	folio_qnode__free(n);
	text_err_len(raw_nul, sizeof(raw_nul) - 1, FOLIO_EINVALID, "query: at offset 28: NUL byte");
	text_err("SELECT * FROM s WHERE a = '\xc0\xaf'", FOLIO_EINVALID,
		 "query: at offset 27: invalid UTF-8");
	text_err("SELECT * FROM s WHERE a = '\xed\xa0\x80'", FOLIO_EINVALID,
		 "query: at offset 27: invalid UTF-8");
	text_err("SELECT * FROM s WHERE a = '\xe2\x82'", FOLIO_EINVALID,
		 "query: at offset 27: invalid UTF-8");

	/* a parameter lookalike inside a string is a string */
	q = text_parse("SELECT * FROM s WHERE a = '?' AND b = ':x' AND c = '$$y'");
	assert_int_equal(q->n_positional, 0);
	{
		char *d = folio_qnode__dump(q->where);

		assert_string_equal(d,
				    "(AND (CMP EQ a \"?\") (CMP EQ b \":x\") (CMP EQ c \"$$y\"))");
		free(d);
	}
	folio_query__free(q);
}

static char *repeat(const char *s, size_t times, const char *prefix, const char *suffix)
{
	size_t n = strlen(s);
	size_t pl = strlen(prefix);
	size_t sl = strlen(suffix);
	char *b = malloc(pl + n * times + sl + 1);
	size_t i;

	assert_non_null(b);
	memcpy(b, prefix, pl);
	for (i = 0; i < times; i++)
		memcpy(b + pl + i * n, s, n);
	memcpy(b + pl + n * times, suffix, sl + 1);
	return b;
}

static void test_limits(void **state)
{
	char *s;
	char *msg;
	size_t i;

	(void)state;
	/* 100k-deep nesting */
	s = repeat("[", 100000, "", "");
	json_err(s, FOLIO_ETOOBIG, "query: at offset 64: nested deeper than 64 levels");
	free(s);
	s = repeat("{\"$not\":", 30000, "", "");
	json_err(s, FOLIO_ETOOBIG, "query: at offset 512: nested deeper than 64 levels");
	free(s);
	s = repeat("(", 100000, "SELECT * FROM s WHERE ", "");
	text_err(s, FOLIO_ETOOBIG, "query: at offset 86: nested deeper than 64 levels");
	free(s);
	s = repeat("NOT ", 60000, "SELECT * FROM s WHERE ", "a = 1");
	text_err(s, FOLIO_ETOOBIG, "query: at offset 278: nested deeper than 64 levels");
	free(s);
	/* 64 levels are fine */
	s = repeat("(", 63, "SELECT * FROM s WHERE ", "a = 1");
	{
		char *t = repeat(")", 63, s, "");
		folio_query *q = text_parse(t);

		folio_query__free(q);
		free(t);
	}
	free(s);

	/* size */
	s = repeat(" ", FOLIO_Q_MAX_TEXT - 2, "{", "}");
	free(json_dump(s, strlen(s)));
	free(s);
	s = repeat(" ", FOLIO_Q_MAX_TEXT - 1, "{", "}");
	json_err(s, FOLIO_ETOOBIG,
		 "query: the selector is 262145 bytes, over the limit of 262144 bytes");
	free(s);
	s = repeat(" ", FOLIO_Q_MAX_TEXT, "SELECT * FROM s", "");
	text_err(s, FOLIO_ETOOBIG,
		 "query: the text is 262159 bytes, over the limit of 262144 bytes");
	free(s);

	/* parameters: 256 at most */
	s = repeat("? = a AND ", FOLIO_Q_MAX_PARAMS - 1, "SELECT * FROM s WHERE ", "a = ?");
	{
		folio_query *q = text_parse(s);

		assert_int_equal(q->n_positional, FOLIO_Q_MAX_PARAMS);
		folio_query__free(q);
	}
	free(s);
	s = repeat("? = a AND ", FOLIO_Q_MAX_PARAMS, "SELECT * FROM s WHERE ", "a = ?");
	text_err(s, FOLIO_ETOOBIG, NULL);
	assert_non_null(strstr(folio_error_last(), ": more than 256 parameters"));
	free(s);
	/* inside an array they are strings, not parameters: no limit */
	s = repeat("\"$$p\",", 2 * FOLIO_Q_MAX_PARAMS, "{\"a\": {\"$in\": [", "\"$$p\"]}}");
	free(json_dump(s, strlen(s)));
	free(s);
	{
		folio_buf b;

		folio_buf__init(&b, 0);
		folio_buf__adds(&b, "{");
		for (i = 0; i <= FOLIO_Q_MAX_PARAMS; i++)
			folio_buf__addf(&b, "%s\"k%zu\": \"$$p\"", i ? ", " : "", i);
		folio_buf__adds(&b, "}");
		json_err(b.data, FOLIO_ETOOBIG, NULL);
		msg = strstr(folio_error_last(), ": more than 256 parameters");
		assert_non_null(msg);
		folio_buf__free(&b);
	}

	/* a long AND chain is flat, not deep */
	s = repeat("a = 1 AND ", 20000, "SELECT * FROM s WHERE ", "a = 1");
	{
		folio_query *q = text_parse(s);

		assert_int_equal(q->where->kind, FOLIO_Q_AND);
		assert_int_equal(q->where->n_kids, 20001);
		folio_query__free(q);
	}
	free(s);

	/* a path has at most 1024 bytes */
	s = repeat("x", 1025, "SELECT * FROM s WHERE ", " = 1");
	text_err(s, FOLIO_EINVALID, "query: at offset 22: path longer than 1024 bytes");
	free(s);
	s = repeat("x", 1025, "{\"", "\": 1}");
	json_err(s, FOLIO_EINVALID, NULL);
	assert_non_null(strstr(folio_error_last(), "query: at offset 1: bad path 'xxxx"));
	assert_true(strlen(folio_error_last()) < 200);
	free(s);
}

/* Every prefix of a valid query parses cleanly or fails cleanly (no leak, no crash). */
static void test_prefixes(void **state)
{
	static const char *const texts[] = {
		"SELECT a, b.c AS x, \"q\" FROM s WHERE (a = 1 OR NOT b IN (1, ?, 'x''y')) AND "
		"c LIKE 'p!%' ESCAPE '!' AND d IS NOT NULL AND 5 <= e.0 ORDER BY a DESC, b "
		"LIMIT 10 OFFSET 2",
	};
	static const char *const sels[] = {
		"{\"a\": {\"$gt\": 1, \"$in\": [1, \"$$x\"], \"$not\": {\"$size\": 2}}, \"$or\": "
		"[{\"b\": {\"$elemMatch\": {\"c\": {\"$type\": [\"int\"]}}}}, {\"d\": \"$$y\"}], "
		"\"e\": {\"$like_i\": \"x\\\\*\"}}",
	};
	size_t i;
	size_t len;
	int ok = 0;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		for (len = 0; len <= strlen(texts[i]); len++) {
			folio_query *q = NULL;
			int rc = folio_qparse__text(&q, texts[i], len);

			assert_true(rc == 0 || rc == FOLIO_EINVALID);
			assert_true((rc == 0) == (q != NULL));
			ok += rc == 0;
			if (rc != 0)
				assert_non_null(strstr(folio_error_last(), "query: at offset "));
			folio_query__free(q);
		}
	}
	for (i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		for (len = 0; len <= strlen(sels[i]); len++) {
			folio_qnode *n = NULL;
			int rc = folio_qparse__json(&n, sels[i], len);

			assert_true(rc == 0 || rc == FOLIO_EINVALID);
			assert_true((rc == 0) == (n != NULL));
			ok += rc == 0;
			if (rc != 0)
				assert_non_null(strstr(folio_error_last(), "query: at offset "));
			folio_qnode__free(n);
		}
	}
	assert_true(ok >= 3);
}

static void test_shared_helpers(void **state)
{
	char buf[16];
	char big[80];

	(void)state;
	assert_true(folio_qparse__like_valid("", 0));
	assert_true(folio_qparse__like_valid("a\\*\\?\\\\", 7));
	assert_false(folio_qparse__like_valid("a\\", 2));
	assert_false(folio_qparse__like_valid("a\\b", 3));
	assert_true(folio_qparse__param_valid("a_Z9", 4));
	assert_false(folio_qparse__param_valid("", 0));
	assert_false(folio_qparse__param_valid("a-b", 3));
	assert_false(folio_qparse__param_valid("a\0b", 3));
	assert_true(folio_qparse__param_valid(
		"0123456789012345678901234567890123456789012345678901234567890123", 64));
	assert_false(folio_qparse__param_valid(
		"01234567890123456789012345678901234567890123456789012345678901234", 65));
	folio_qparse__show(buf, sizeof(buf), "abc", 3);
	assert_string_equal(buf, "abc");
	folio_qparse__show(buf, sizeof(buf), "a\nb", 3);
	assert_string_equal(buf, "a\\x0ab");
	folio_qparse__show(buf, sizeof(buf), "0123456789abcdefghij", 20);
	assert_string_equal(buf, "0123456789ab...");
	/* never a cut UTF-8 character */
	folio_qparse__show(buf, sizeof(buf), "0123456789\xc3\xa9\xc3\xa9\xc3\xa9", 16);
	assert_string_equal(buf, "0123456789\xc3\xa9...");
	folio_qparse__show(buf, sizeof(buf), "0123456789a\xe2\x82\xac\xe2\x82\xac", 17);
	assert_string_equal(buf, "0123456789a...");
	folio_qparse__show(big, sizeof(big), "", 0);
	assert_string_equal(big, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_equality),
		cmocka_unit_test(test_json_comparisons),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_logical),
		cmocka_unit_test(test_json_elem_match),
		cmocka_unit_test(test_json_params),
		cmocka_unit_test(test_json_positions),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_error_paths_keys),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_object_form),
		cmocka_unit_test(test_text_query),
		cmocka_unit_test(test_text_conditions),
		cmocka_unit_test(test_text_literals),
		cmocka_unit_test(test_text_like),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_numbers),
		cmocka_unit_test(test_same_tree),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_shared_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
