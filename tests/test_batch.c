/* backends: all */
/*
 * Batches (include/folio/batch.h): many documents in one transaction, all
 * or nothing; UNIDs given or generated; imports that keep the metadata;
 * conflicts; batches inside a Session's transaction.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "testenv.h"

#define DB "crm"

typedef struct fx {
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	folio_test_open(&f->srv, &f->ses, "alice");
	assert_ok(folio_db_create(f->ses, DB));
	assert_ok(folio_store_open(&f->st, f->ses, DB, "_default"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	folio_store_free(f->st);
	folio_session_free(f->ses);
	folio_server_close(f->srv);
	free(f);
	return 0;
}

static int64_t count(folio_store *st)
{
	int64_t n = -1;
	assert_ok(folio_store_count(&n, st));
	return n;
}

static int put_s(folio_batch *b, const char *json)
{
	return folio_batch_put(b, json, strlen(json));
}

static int save(folio_store *st, const char *unid, const char *json)
{
	folio_doc *d;
	int rc;
	assert_ok(folio_doc_new(&d, st, unid));
	assert_ok(folio_doc_set_json(d, json));
	rc = folio_doc_save(d, 0);
	folio_doc_free(d);
	return rc;
}

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	if (!o)
		fail_msg("not JSON: %s", text);
	return o;
}

static void assert_body(folio_store *st, const char *unid, const char *want)
{
	folio_doc *d;
	char *b;
	json_object *x, *y;

	assert_ok(folio_doc_load(&d, st, unid));
	assert_ok(folio_doc_get_json(&b, d));
	x = parse(b);
	y = parse(want);
	if (!json_object_equal(x, y))
		fail_msg("%s: body %s, want %s", unid, b, want);
	json_object_put(x);
	json_object_put(y);
	free(b);
	folio_doc_free(d);
}

static char *rev_of(folio_store *st, const char *unid)
{
	folio_doc *d;
	char *r;
	assert_ok(folio_doc_load(&d, st, unid));
	r = strdup(folio_doc_rev(d));
	folio_doc_free(d);
	return r;
}

typedef struct unids {
	int n;
	char u[16][140];
} unids;

static int collect(const char *unid, void *payload)
{
	unids *u = payload;
	if (u->n < 16)
		snprintf(u->u[u->n], sizeof(u->u[0]), "%s", unid);
	u->n++;
	return 0;
}

static int64_t last_seq(folio_session *ses)
{
	int64_t s = -1;
	assert_ok(folio_db_last_seq(&s, ses, DB));
	return s;
}

/*
 * Tests
 */

static void test_batch_1000(void **state)
{
	fx *f = *state;
	folio_batch *b = NULL;
	folio_doc *d;
	char json[128];

	assert_ok(save(f->st, "before", "{\"pre\":true}"));
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_non_null(b);
	assert_int_equal(folio_batch_count(b), 0);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(json, sizeof(json), "{\"_unid\":\"d%04d\",\"n\":%d,\"s\":\"v%d\"}",
				 i, i, i);
		assert_ok(folio_batch_put(b, json, (size_t)n));
		assert_int_equal(folio_batch_count(b), (uint64_t)i + 1);
	}
	assert_ok(folio_batch_commit(b));
	assert_int_equal(folio_batch_count(b), 1000);
	folio_batch_free(b);

	assert_int_equal(count(f->st), 1001);
	assert_body(f->st, "d0000", "{\"n\":0,\"s\":\"v0\"}");
	assert_body(f->st, "d0500", "{\"n\":500,\"s\":\"v500\"}");
	assert_body(f->st, "d0999", "{\"n\":999,\"s\":\"v999\"}");
	assert_ok(folio_doc_load(&d, f->st, "d0500"));
	assert_string_equal(folio_doc_cuser(d), "alice");
	assert_string_equal(folio_doc_muser(d), "alice");
	assert_true(strncmp(folio_doc_rev(d), "1-", 2) == 0);
	assert_true(folio_doc_seq(d) > 0);
	folio_doc_free(d);

	/* Every document got its own seq. */
	assert_true(last_seq(f->ses) >= 1001);

	/* An empty batch commits too. */
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 1001);
	folio_batch_free(NULL);
}

static void test_unid_given_or_generated(void **state)
{
	fx *f = *state;
	folio_batch *b;
	unids u = {0};
	const char *gen;

	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"given\",\"x\":1}"));
	assert_ok(put_s(b, "{\"x\":2}"));
	/* len counts: the bytes after it are not read. */
	{
		const char *j = "{\"_unid\":\"short\",\"x\":3}GARBAGE";
		assert_ok(folio_batch_put(b, j, strlen(j) - strlen("GARBAGE")));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);

	assert_int_equal(count(f->st), 3);
	assert_ok(folio_store_foreach_unid(f->st, collect, &u));
	assert_int_equal(u.n, 3);
	/* UNID order: the ULID (digits first) sorts before "given". */
	gen = NULL;
	for (int i = 0; i < 3; i++)
		if (strcmp(u.u[i], "given") != 0 && strcmp(u.u[i], "short") != 0)
			gen = u.u[i];
	assert_non_null(gen);
	assert_int_equal(strlen(gen), 26);
	assert_int_equal(folio_unid_valid(gen), 1);
	assert_body(f->st, "given", "{\"x\":1}");
	assert_body(f->st, "short", "{\"x\":3}");
	assert_body(f->st, gen, "{\"x\":2}");
}

static void test_bad_document_spoils_batch(void **state)
{
	fx *f = *state;
	folio_batch *b;
	folio_doc *d;
	const char *bad[] = {"{\"_unid\":\"m\",\"a\":", "{\"_foo\":1}", "{\"_unid\":\"bad unid\"}",
			     "42", "{\"_readers\":[1]}"};
	int64_t seq0;

	assert_ok(save(f->st, "pre", "{}"));
	seq0 = last_seq(f->ses);

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char json[64];
		int rc;

		assert_ok(folio_batch_open(&b, f->st, 0));
		for (int i = 0; i < 5; i++) {
			snprintf(json, sizeof(json), "{\"_unid\":\"ok%d\",\"i\":%d}", i, i);
			assert_ok(put_s(b, json));
		}
		rc = put_s(b, bad[k]);
		if (rc != FOLIO_EINVALID)
			fail_msg("put('%s') gave %d (%s), want FOLIO_EINVALID: %s", bad[k], rc,
				 folio_error_name(rc), folio_error_last());
		assert_true(strlen(folio_error_last()) > 0);
		/* Spoiled: later puts and the commit fail. */
		assert_true(put_s(b, "{\"_unid\":\"later\",\"i\":9}") < 0);
		assert_true(folio_batch_commit(b) < 0);
		folio_batch_free(b);

		assert_int_equal(count(f->st), 1);
		assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "ok0"));
		assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "ok4"));
		assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "later"));
		assert_int_equal(last_seq(f->ses), seq0);
	}

	/* The store still takes a batch afterwards. */
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"ok0\"}"));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 2);
}

static void test_too_big_spoils_batch(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_batch *b;
	folio_server_options o = {0};
	char big[1200];
	int64_t n;
	(void)state;

	o.max_doc_size = 1000;
	assert_ok(folio_server_open(&srv, folio_test_url(), &o));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, DB));
	assert_ok(folio_store_open(&st, ses, DB, "_default"));

	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"s\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	assert_ok(folio_batch_open(&b, st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"small\"}"));
	assert_folio(FOLIO_ETOOBIG, put_s(b, big));
	assert_true(folio_batch_commit(b) < 0);
	folio_batch_free(b);
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 0);

	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_free_rolls_back(void **state)
{
	fx *f = *state;
	folio_batch *b;
	folio_doc *d;
	int64_t seq0 = last_seq(f->ses);

	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 10; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"_unid\":\"f%d\"}", i);
		assert_ok(put_s(b, json));
	}
	assert_int_equal(folio_batch_count(b), 10);
	folio_batch_free(b);

	assert_int_equal(count(f->st), 0);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "f0"));
	assert_int_equal(last_seq(f->ses), seq0);

	/* The connection went back clean: writes work. */
	assert_ok(save(f->st, "f0", "{\"again\":1}"));
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"f1\"}"));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 2);
}

static void test_keep_meta(void **state)
{
	fx *f = *state;
	folio_session *bob, *carol;
	folio_store *bst, *dst;
	folio_doc *d;
	folio_batch *b;
	char *exported, *imported;
	json_object *x, *y;

	/* A document with some history: created by alice, changed by bob. */
	assert_ok(folio_doc_new(&d, f->st, "hist"));
	assert_ok(folio_doc_set_json(d, "{\"v\":1,\"_tags\":[\"a\"],\"_readers\":[\"alice\"]}"));
	assert_ok(folio_doc_set_parent(d, "p0"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_session_open(&bob, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&bst, bob, DB, "_default"));
	for (int i = 2; i <= 4; i++) {
		char json[96];
		snprintf(json, sizeof(json),
			 "{\"v\":%d,\"_tags\":[\"a\"],\"_readers\":[\"alice\"]}", i);
		assert_ok(folio_doc_load(&d, bst, "hist"));
		assert_ok(folio_doc_set_json(d, json));
		assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
		folio_doc_free(d);
	}
	assert_ok(folio_doc_load(&d, f->st, "hist"));
	assert_ok(folio_doc_to_json(&exported, d, FOLIO_JSON_REVISIONS));
	folio_doc_free(d);

	/* Imported into another empty database by a third user. */
	assert_ok(folio_db_create(f->ses, "bak"));
	assert_ok(folio_session_open(&carol, f->srv, "carol", NULL));
	assert_ok(folio_store_open(&dst, carol, "bak", "_default"));
	assert_ok(folio_batch_open(&b, dst, FOLIO_BATCH_KEEP_META));
	assert_ok(put_s(b, exported));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);

	assert_ok(folio_doc_load(&d, dst, "hist"));
	assert_true(strncmp(folio_doc_rev(d), "4-", 2) == 0);
	assert_string_equal(folio_doc_cuser(d), "alice");
	assert_string_equal(folio_doc_muser(d), "bob");
	assert_string_equal(folio_doc_parent(d), "p0");
	assert_ok(folio_doc_to_json(&imported, d, FOLIO_JSON_REVISIONS));
	folio_doc_free(d);

	x = parse(exported);
	y = parse(imported);
	json_object_object_del(x, "_seq");
	json_object_object_del(y, "_seq");
	if (!json_object_equal(x, y))
		fail_msg("import differs from export:\n  %s\n  %s", exported, imported);
	json_object_put(x);
	json_object_put(y);

	/* And a plain save on the copy carries on from the kept rev. */
	assert_ok(folio_doc_load(&d, dst, "hist"));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_true(strncmp(folio_doc_rev(d), "5-", 2) == 0);
	assert_string_equal(folio_doc_cuser(d), "alice");
	assert_string_equal(folio_doc_muser(d), "carol");
	folio_doc_free(d);

	/* Without KEEP_META the same JSON gets new metadata. */
	folio_store *plain;
	assert_ok(folio_store_create(carol, "bak", "plain", NULL));
	assert_ok(folio_store_open(&plain, carol, "bak", "plain"));
	assert_ok(folio_batch_open(&b, plain, 0));
	/* the `_rev` of the export is for another store: take it out */
	x = parse(exported);
	json_object_object_del(x, "_rev");
	assert_ok(put_s(b, json_object_to_json_string(x)));
	json_object_put(x);
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_ok(folio_doc_load(&d, plain, "hist"));
	assert_true(strncmp(folio_doc_rev(d), "1-", 2) == 0);
	assert_string_equal(folio_doc_cuser(d), "carol");
	assert_string_equal(folio_doc_muser(d), "carol");
	folio_doc_free(d);

	folio_store_free(plain);
	free(exported);
	free(imported);
	folio_store_free(dst);
	folio_store_free(bst);
	folio_session_free(carol);
	folio_session_free(bob);
}

/*
 * A failure found while writing (a taken UNID, a stale `_rev`) fails the put
 * and spoils the batch: the commit fails with the same error.
 */
static int put_then_commit(folio_batch *b, const char *json)
{
	int rc = put_s(b, json);
	int rc2 = folio_batch_commit(b);

	assert_true(rc2 < 0);
	if (rc < 0)
		assert_int_equal(rc2, rc);
	return rc < 0 ? rc : rc2;
}

static void test_check_conflict(void **state)
{
	fx *f = *state;
	folio_batch *b;
	char *rev1, json[160];

	assert_ok(save(f->st, "x", "{\"v\":1}"));
	rev1 = rev_of(f->st, "x");

	/* An existing UNID. */
	assert_ok(folio_batch_open(&b, f->st, FOLIO_BATCH_CHECK_CONFLICT));
	assert_ok(put_s(b, "{\"_unid\":\"new1\"}"));
	assert_folio(FOLIO_EEXISTS, put_then_commit(b, "{\"_unid\":\"x\",\"v\":2}"));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 1);
	assert_body(f->st, "x", "{\"v\":1}");
	{
		char *r = rev_of(f->st, "x");
		assert_string_equal(r, rev1);
		free(r);
	}

	/* The same UNID twice in one batch. */
	assert_ok(folio_batch_open(&b, f->st, FOLIO_BATCH_CHECK_CONFLICT));
	assert_ok(put_s(b, "{\"_unid\":\"twice\"}"));
	assert_folio(FOLIO_EEXISTS, put_then_commit(b, "{\"_unid\":\"twice\"}"));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 1);

	/* Without the flag: an update. */
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"x\",\"v\":3}"));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_body(f->st, "x", "{\"v\":3}");
	{
		char *r = rev_of(f->st, "x");
		assert_true(strncmp(r, "2-", 2) == 0);
		free(r);
	}

	/* A stale `_rev`: a conflict that spoils the batch. */
	snprintf(json, sizeof(json), "{\"_unid\":\"x\",\"_rev\":\"%s\",\"v\":4}", rev1);
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"new2\"}"));
	assert_folio(FOLIO_ECONFLICT, put_then_commit(b, json));
	folio_batch_free(b);
	assert_body(f->st, "x", "{\"v\":3}");
	assert_int_equal(count(f->st), 1);
	free(rev1);
}

static void test_batch_in_session_txn(void **state)
{
	fx *f = *state;
	folio_batch *b;
	folio_session *other;
	folio_store *ost;
	folio_doc *d;
	int64_t n;

	assert_ok(folio_session_open(&other, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&ost, other, DB, "_default"));

	/* Rolled back with the Session's transaction. */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "solo", "{}"));
	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 20; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"_unid\":\"t%02d\"}", i);
		assert_ok(put_s(b, json));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	/* Inside the transaction the batch is seen... */
	assert_ok(folio_doc_load(&d, f->st, "t05"));
	folio_doc_free(d);
	/* ...outside it is not, yet. */
	assert_ok(folio_store_count(&n, ost));
	assert_int_equal(n, 0);
	assert_ok(folio_session_rollback(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);
	assert_int_equal(count(f->st), 0);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "t05"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "solo"));

	/* Committed with it. */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"kept\"}"));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_ok(folio_store_count(&n, ost));
	assert_int_equal(n, 0);
	assert_ok(folio_session_commit(f->ses));
	assert_ok(folio_store_count(&n, ost));
	assert_int_equal(n, 1);

	/* A batch freed uncommitted inside a transaction leaves the transaction usable. */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"dropped\"}"));
	folio_batch_free(b);
	assert_ok(save(f->st, "after", "{}"));
	assert_ok(folio_session_commit(f->ses));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, f->st, "dropped"));
	assert_ok(folio_doc_load(&d, ost, "after"));
	folio_doc_free(d);

	folio_store_free(ost);
	folio_session_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_1000, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unid_given_or_generated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_document_spoils_batch, setup, teardown),
		cmocka_unit_test(test_too_big_spoils_batch),
		cmocka_unit_test_setup_teardown(test_free_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_in_session_txn, setup, teardown),
	};
	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
