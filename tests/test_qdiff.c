/* backends: all */
/*
 * The differential test of the query path: for a generated corpus (nested
 * objects, arrays, missing fields, nulls, mixed types) and hundreds of
 * generated queries, the documents a cursor returns (SQL, with the in-memory
 * recheck where the SQL is not exact) are exactly the documents the
 * in-memory evaluator accepts, on every backend. Three stores: one without
 * extracted fields (everything by the JSON functions), one whose extracted
 * fields only ever hold values of their type (the slot and _fld rows serve
 * exactly), and one with extracted fields over the chaotic corpus (marked
 * irregular, so the JSON path serves them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "testenv.h"
#include "query.h"

#define DB "qdiff"
#define N_DOCS 240
#define N_QUERIES 700

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static int pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static const char *const words[] = {"Paris", "paris", "Lyon", "Nice", "Ni*ce", "a_b", "a%b",
				    "",      "x",     "O'Brien", "Zürich", "zürich", "-- ;"};

static json_object *scalar(int regular_type)
{
	/* regular_type: 0 any; 1 string; 2 number; 3 boolean */
	int k = regular_type ? regular_type : 1 + pick(5);
	switch (k) {
	case 1:
		return json_object_new_string(words[pick(sizeof(words) / sizeof(words[0]))]);
	case 2:
		switch (pick(4)) {
		case 0:
			return json_object_new_int64(pick(7) - 2);
		case 1:
			return json_object_new_double((pick(9) - 3) / 2.0);
		case 2:
			return json_object_new_int64(pick(100));
		default:
			return json_object_new_int64(pick(3) * 10);
		}
	case 3:
		return json_object_new_boolean(pick(2));
	default:
		return NULL; /* JSON null */
	}
}

static json_object *value(int depth)
{
	int k = pick(depth > 1 ? 6 : 9);
	if (k < 6)
		return scalar(0);
	if (k < 8) {
		json_object *a = json_object_new_array();
		int n = pick(4);
		for (int i = 0; i < n; i++)
			json_object_array_add(a, value(depth + 1));
		return a;
	}
	{
		json_object *o = json_object_new_object();
		if (pick(3))
			json_object_object_add(o, "b", value(depth + 1));
		if (pick(2))
			json_object_object_add(o, "c", value(depth + 1));
		return o;
	}
}

/* A chaotic document: any key may be missing, null, any type. */
static json_object *chaotic_doc(void)
{
	static const char *const keys[] = {"city", "age", "tags", "flag", "a", "name"};
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (pick(5))
			json_object_object_add(o, keys[i], value(0));
	return o;
}

/* A regular document: each extracted field missing or of its type. */
static json_object *regular_doc(void)
{
	json_object *o = json_object_new_object();
	if (pick(6))
		json_object_object_add(o, "city", scalar(1));
	if (pick(6))
		json_object_object_add(o, "age", scalar(2));
	if (pick(6))
		json_object_object_add(o, "flag", scalar(3));
	if (pick(5)) {
		if (pick(4)) {
			json_object *a = json_object_new_array();
			int n = pick(4);
			for (int i = 0; i < n; i++)
				json_object_array_add(a, scalar(1));
			json_object_object_add(o, "tags", a);
		} else {
			json_object_object_add(o, "tags", scalar(1));
		}
	}
	if (pick(4)) {
		json_object *a = json_object_new_object();
		json_object_object_add(a, "b", scalar(2));
		json_object_object_add(o, "a", a);
	}
	if (pick(2))
		json_object_object_add(o, "name", value(0));
	return o;
}

static const char *const paths[] = {"city", "age", "tags", "flag", "a", "a.b", "a.c", "name",
				    "a.b.c", "tags.0", "missing"};


/* ---- generated queries, as JSON text ---- */

typedef struct sbuf {
	char *p;
	size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
	size_t l = strlen(s);
	if (b->n + l + 1 > b->cap) {
		b->cap = (b->n + l + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, l + 1);
	b->n += l;
}

static void put_json(sbuf *b, json_object *v)
{
	put(b, v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "null");
	json_object_put(v);
}

static void gen_operand_value(sbuf *b)
{
	int k = pick(10);
	if (k < 7)
		put_json(b, scalar(0));
	else if (k < 9)
		put_json(b, value(1));
	else
		put(b, "null");
}

static void gen_array(sbuf *b, int max)
{
	int n = pick(max + 1);
	put(b, "[");
	for (int i = 0; i < n; i++) {
		if (i)
			put(b, ",");
		gen_operand_value(b);
	}
	put(b, "]");
}

static void gen_cond(sbuf *b, int depth);

static void gen_ops(sbuf *b, int depth)
{
	static const char *const ops[] = {"$eq",	  "$ne",	 "$gt",	   "$gte",     "$lt",
					  "$lte",	  "$in",	 "$nin",   "$exists",  "$type",
					  "$size",	  "$all",	 "$elemMatch", "$not", "$like",
					  "$startsWith", "$contains", "$eq_i", "$like_i", "$in_i",
					  "$startsWith_i", "$contains_i", "$ne_i", "$nin_i"};
	const char *op = ops[pick(sizeof(ops) / sizeof(ops[0]))];
	put(b, "{\"");
	put(b, op);
	put(b, "\":");
	if (!strcmp(op, "$in") || !strcmp(op, "$nin") || !strcmp(op, "$all") ||
	    !strcmp(op, "$in_i") || !strcmp(op, "$nin_i")) {
		gen_array(b, 3);
	} else if (!strcmp(op, "$exists")) {
		put(b, pick(2) ? "true" : "false");
	} else if (!strcmp(op, "$type")) {
		static const char *const t[] = {"\"string\"", "\"number\"", "\"boolean\"", "\"null\"",
						"\"object\"", "\"array\"",  "[\"string\",\"null\"]"};
		put(b, t[pick(sizeof(t) / sizeof(t[0]))]);
	} else if (!strcmp(op, "$size")) {
		char n[8];
		snprintf(n, sizeof(n), "%d", pick(4));
		put(b, n);
	} else if (!strcmp(op, "$elemMatch")) {
		if (pick(2) || depth > 2) {
			/* operator form on the element */
			put(b, "{\"$gte\":");
			put_json(b, scalar(pick(2) ? 2 : 1));
			put(b, pick(2) ? ",\"$lt\":" : ",\"$ne\":");
			put_json(b, scalar(pick(2) ? 2 : 1));
			put(b, "}");
		} else {
			gen_cond(b, depth + 1);
		}
	} else if (!strcmp(op, "$not")) {
		gen_ops(b, depth + 1);
	} else if (!strncmp(op, "$like", 5) || !strncmp(op, "$startsWith", 11) ||
		   !strncmp(op, "$contains", 9)) {
		static const char *const pats[] = {"\"P*\"", "\"*is\"", "\"?aris\"", "\"Ni\\\\*ce\"",
						   "\"a_b\"", "\"a%b\"", "\"\"", "\"z*\"", "\"Z?rich\"",
						   "\"*\"", "\"O'\"", "\"--\""};
		put(b, pats[pick(sizeof(pats) / sizeof(pats[0]))]);
	} else {
		gen_operand_value(b);
	}
	put(b, "}");
}

/* A selector: {path: value}, {path: {ops}}, $and/$or/$nor lists. */
static void gen_cond(sbuf *b, int depth)
{
	int k = pick(depth > 2 ? 4 : 7);
	if (k < 2) {
		put(b, "{\"");
		put(b, paths[pick(sizeof(paths) / sizeof(paths[0]))]);
		put(b, "\":");
		gen_operand_value(b);
		put(b, "}");
	} else if (k < 4) {
		put(b, "{\"");
		put(b, paths[pick(sizeof(paths) / sizeof(paths[0]))]);
		put(b, "\":");
		gen_ops(b, depth);
		put(b, "}");
	} else {
		static const char *const lo[] = {"$and", "$or", "$nor"};
		int n = 1 + pick(3);
		put(b, "{\"");
		put(b, lo[k - 4]);
		put(b, "\":[");
		for (int i = 0; i < n; i++) {
			if (i)
				put(b, ",");
			gen_cond(b, depth + 1);
		}
		put(b, "]}");
	}
}

/* ---- the run ---- */

typedef struct corpus {
	json_object *docs[N_DOCS];
	char unids[N_DOCS][16];
} corpus;

static void load(folio_session *ses, const char *store, const char *options, corpus *c,
		 int regular)
{
	folio_store *st;
	folio_batch *bt;
	assert_ok(folio_store_create(ses, DB, store, options));
	assert_ok(folio_store_open(&st, ses, DB, store));
	assert_ok(folio_batch_open(&bt, st, 0));
	for (int i = 0; i < N_DOCS; i++) {
		json_object *d = regular ? regular_doc() : chaotic_doc();
		const char *t;
		snprintf(c->unids[i], sizeof(c->unids[i]), "d%04d", i);
		json_object_object_add(d, "_unid", json_object_new_string(c->unids[i]));
		t = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN);
		assert_ok(folio_batch_put(bt, t, strlen(t)));
		json_object_object_del(d, "_unid");
		c->docs[i] = d;
	}
	assert_ok(folio_batch_commit(bt));
	folio_batch_free(bt);
	folio_store_free(st);
}

static int run_queries(folio_session *ses, const char *store, corpus *c, int n_queries,
		       int *n_recheck)
{
	folio_store *st;
	int failures = 0;

	assert_ok(folio_store_open(&st, ses, DB, store));
	for (int q = 0; q < n_queries; q++) {
		sbuf b = {0};
		folio_qnode *tree = NULL;
		folio_cursor *cur;
		char want[N_DOCS] = {0}, got[N_DOCS] = {0};
		const char *row;
		int rc, mismatch = 0;
		char *explain = NULL;

		gen_cond(&b, 0);
		rc = folio_qparse__json(&tree, b.p, b.n);
		if (rc < 0) {
			/* generated selectors are valid by construction, except where an
			 * operand type is wrong for its operator (e.g. $like on a number) */
			free(b.p);
			continue;
		}
		for (int i = 0; i < N_DOCS; i++) {
			rc = folio_qeval(tree, c->docs[i], NULL);
			assert_true(rc == 0 || rc == 1);
			want[i] = (char)rc;
		}
		folio_qnode__free(tree);
		assert_ok(folio_cursor_open(&cur, st));
		assert_ok(folio_cursor_query(cur, b.p));
		while ((rc = folio_cursor_next(cur, &row)) == 1) {
			const char *u = folio_cursor_unid(cur);
			int i = atoi(u + 1);
			assert_true(i >= 0 && i < N_DOCS);
			assert_false(got[i]); /* never twice */
			got[i] = 1;
		}
		if (rc != 0)
			fail_msg("query %s on %s: %d %s", b.p, store, rc, folio_error_last());
		folio_cursor_free(cur);
		for (int i = 0; i < N_DOCS; i++)
			if (want[i] != got[i])
				mismatch = 1;
		assert_ok(folio_cursor_open(&cur, st));
		assert_ok(folio_cursor_query(cur, b.p));
		assert_ok(folio_cursor_explain(cur, &explain));
		folio_cursor_free(cur);
		if (strstr(explain, "\"recheck\":true"))
			(*n_recheck)++;
		if (mismatch) {
			failures++;
			fprintf(stderr, "MISMATCH on %s (%s): %s\n  %s\n", store, folio_test_backend(),
				b.p, explain);
			for (int i = 0; i < N_DOCS; i++)
				if (want[i] != got[i])
					fprintf(stderr, "  %s evaluator=%d sql=%d %s\n", c->unids[i], want[i],
						got[i],
						json_object_to_json_string_ext(c->docs[i], JSON_C_TO_STRING_PLAIN));
		}
		free(explain);
		free(b.p);
	}
	folio_store_free(st);
	return failures;
}

static void free_corpus(corpus *c)
{
	for (int i = 0; i < N_DOCS; i++)
		json_object_put(c->docs[i]);
}

static const char fields[] =
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"},"
	"{\"name\":\"flag\",\"path\":\"flag\",\"type\":\"boolean\"},"
	"{\"name\":\"ab\",\"path\":\"a.b\",\"type\":\"number\"},"
	"{\"name\":\"tags\",\"path\":\"tags\",\"type\":\"string\",\"multiple\":true}]}";

static void differential(void **state, const char *store, const char *options, int regular,
			 uint64_t seed)
{
	folio_server *srv;
	folio_session *ses;
	corpus c;
	int rechecked = 0, failures;
	(void)state;

	folio_test_open(&srv, &ses, "alice");
	folio_db_create(ses, DB);
	rng_state = seed;
	load(ses, store, options, &c, regular);
	failures = run_queries(ses, store, &c, N_QUERIES, &rechecked);
	fprintf(stderr, "%s on %s: %d queries, %d rechecked in memory, %d mismatches\n", store,
		folio_test_backend(), N_QUERIES, rechecked, failures);
	free_corpus(&c);
	folio_session_free(ses);
	folio_server_close(srv);
	assert_int_equal(failures, 0);
}

static void no_fields(void **state)
{
	differential(state, "plain", NULL, 0, 0x9e3779b97f4a7c15ull);
}

static void regular_fields(void **state)
{
	differential(state, "regular", fields, 1, 0xd1b54a32d192ed03ull);
}

static void irregular_fields(void **state)
{
	differential(state, "chaos", fields, 0, 0x94d049bb133111ebull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_fields),
		cmocka_unit_test(regular_fields),
		cmocka_unit_test(irregular_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
