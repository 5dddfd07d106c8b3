/* backends: all */
/*
 * Batches (include/folio/batch.h): many documents in one transaction, all
 * or nothing; UNIDs given or generated; imports that keep the metadata;
 * conflicts; batches inside a Session's transaction; the bulk path (COPY on
 * PostgreSQL, parameter arrays or multi-row VALUES on ODBC, and the fake
 * driver's "fakebulk:" on SQLite): taken UNIDs, escaping, chunk
 * boundaries, seq order, a failure in the middle.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "testenv.h"
#include "fake_driver.h"
#include "internal.h"

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
	assert_ok(folio_doc_set_json(d, "{\"v\":1,\"_tags\":[\"a\"],\"_readers\":[\"alice\",\"bob\",\"carol\"]}"));
	assert_ok(folio_doc_set_parent(d, "p0"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_session_open(&bob, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&bst, bob, DB, "_default"));
	for (int i = 2; i <= 4; i++) {
		char json[96];
		snprintf(json, sizeof(json),
			 "{\"v\":%d,\"_tags\":[\"a\"],\"_readers\":[\"alice\",\"bob\",\"carol\"]}", i);
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
	assert_ok(folio_store_create(f->ses, "bak", "plain", NULL));
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

/*
 * The bulk path
 */

/* Whether batches of this store take the bulk path (asserted per backend below). */
static int bulk_used(folio_store *st)
{
	folio_cx *cx;
	int ok;

	assert_ok(folio_pool__acquire(&cx, st->ses->srv));
	ok = folio_doc__bulk_ok(st, cx);
	folio_pool__release(st->ses->srv, cx);
	return ok;
}

/* One text column of a document's row, read with SQL (the slots); malloc'ed, NULL for NULL. */
static char *row_text(folio_store *st, const char *col, const char *unid)
{
	char sql[160];
	folio_cx *cx;
	folio_q q;
	char *out = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s_doc WHERE storeid = ? AND unid = ?", col,
		 st->db);
	assert_ok(folio_pool__acquire(&cx, st->ses->srv));
	assert_ok(folio_q__prep(&q, cx, sql));
	assert_ok(folio_q__int(&q, 1, st->storeid));
	assert_ok(folio_q__text(&q, 2, unid));
	rc = folio_q__step(&q);
	assert_int_equal(rc, FOLIO_ROW);
	if (!folio_q__is_null(&q, 0)) {
		size_t len = 0;
		const char *t = folio_q__col_text(&q, 0, &len);
		out = strndup(t, len);
	}
	folio_q__done(&q);
	folio_pool__release(st->ses->srv, cx);
	return out;
}

static void test_bulk_path_taken(void **state)
{
	fx *f = *state;
	const char *be = folio_test_backend();

	/* Every backend has a bulk path (native SQLite: a prepared single-row INSERT). */
	(void)be;
	assert_int_equal(bulk_used(f->st), 1);
}

typedef struct feed {
	int n;
	int64_t last;
	int out_of_order;
	char (*unids)[32];
	int64_t *seqs;
	int cap;
} feed;

static int on_change(const folio_change *c, void *payload)
{
	feed *fd = payload;

	if (c->seq <= fd->last)
		fd->out_of_order++;
	fd->last = c->seq;
	if (fd->n < fd->cap) {
		snprintf(fd->unids[fd->n], sizeof(fd->unids[0]), "%s", c->unid);
		fd->seqs[fd->n] = c->seq;
	}
	fd->n++;
	return 0;
}

/* Reads the whole changes feed of DB, in pages. */
static void read_feed(folio_session *ses, feed *fd, int cap)
{
	int64_t since = 0;

	memset(fd, 0, sizeof(*fd));
	fd->cap = cap;
	fd->unids = calloc((size_t)cap, sizeof(*fd->unids));
	fd->seqs = calloc((size_t)cap, sizeof(*fd->seqs));
	assert_non_null(fd->unids);
	assert_non_null(fd->seqs);
	for (;;) {
		int before = fd->n;
		assert_ok(folio_changes(ses, DB, since, 250, on_change, fd, &since));
		if (fd->n == before)
			break;
	}
}

static void feed_free(feed *fd)
{
	free(fd->unids);
	free(fd->seqs);
}

/* The position of unid in the feed, or -1. */
static int feed_find(const feed *fd, const char *unid)
{
	for (int i = 0; i < fd->n && i < fd->cap; i++)
		if (strcmp(fd->unids[i], unid) == 0)
			return i;
	return -1;
}

/*
 * A batch over more than one chunk into a store that has some of its UNIDs
 * already, with a UNID twice in one chunk and once more in a later chunk:
 * every document is there once; the taken ones are updated (rev 2-, the
 * new body), as one at a time would; the feed lists each once, in order.
 */
static void test_bulk_mixed_taken(void **state)
{
	fx *f = *state;
	enum { N = 1200 };
	folio_batch *b;
	char json[128], unid[32];
	feed fd;
	int64_t seq0;

	for (int i = 0; i < N; i += 7) {
		snprintf(unid, sizeof(unid), "m%04d", i);
		assert_ok(save(f->st, unid, "{\"old\":true}"));
	}
	seq0 = last_seq(f->ses);
	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < N; i++) {
		int n = snprintf(json, sizeof(json), "{\"_unid\":\"m%04d\",\"i\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, (size_t)n));
		if (i == 20) /* again in the same chunk */
			assert_ok(put_s(b, "{\"_unid\":\"m0003\",\"i\":\"again\"}"));
		if (i == 900) /* again, chunks later */
			assert_ok(put_s(b, "{\"_unid\":\"m0010\",\"i\":\"later\"}"));
	}
	assert_ok(folio_batch_commit(b));
	assert_int_equal(folio_batch_count(b), N + 2);
	folio_batch_free(b);

	assert_int_equal(count(f->st), N);
	for (int i = 0; i < N; i++) {
		char *r;
		snprintf(unid, sizeof(unid), "m%04d", i);
		r = rev_of(f->st, unid);
		if (i % 7 == 0 || i == 3 || i == 10)
			assert_true(strncmp(r, "2-", 2) == 0);
		else if (strncmp(r, "1-", 2) != 0)
			fail_msg("%s: rev %s, want 1-", unid, r);
		free(r);
	}
	assert_body(f->st, "m0000", "{\"i\":0}");
	assert_body(f->st, "m0003", "{\"i\":\"again\"}");
	assert_body(f->st, "m0010", "{\"i\":\"later\"}");
	assert_body(f->st, "m0007", "{\"i\":7}");
	assert_body(f->st, "m1199", "{\"i\":1199}");

	/* The feed: each document once, in seq order, each seq of this batch above the old ones. */
	read_feed(f->ses, &fd, N + 10);
	assert_int_equal(fd.n, N);
	assert_int_equal(fd.out_of_order, 0);
	assert_true(fd.last <= last_seq(f->ses));
	for (int i = 0; i < N; i++) {
		int at;
		snprintf(unid, sizeof(unid), "m%04d", i);
		at = feed_find(&fd, unid);
		assert_true(at >= 0);
		assert_true(fd.seqs[at] > seq0);
	}
	/* New documents keep the order they were put in. */
	assert_true(feed_find(&fd, "m0001") < feed_find(&fd, "m0002"));
	assert_true(feed_find(&fd, "m0600") < feed_find(&fd, "m1100"));
	feed_free(&fd);

	/* With CHECK_CONFLICT a taken UNID in a bulk chunk fails the batch, and nothing stays. */
	assert_ok(folio_batch_open(&b, f->st, FOLIO_BATCH_CHECK_CONFLICT));
	for (int i = 0; i < 600; i++) {
		snprintf(json, sizeof(json), "{\"_unid\":\"c%04d\"}", i);
		assert_ok(put_s(b, json));
	}
	{
		int rc = put_s(b, "{\"_unid\":\"m0500\",\"i\":-1}");
		int rc2 = folio_batch_commit(b);
		assert_folio(FOLIO_EEXISTS, rc < 0 ? rc : rc2);
		assert_true(rc2 < 0);
	}
	folio_batch_free(b);
	assert_int_equal(count(f->st), N);
	assert_body(f->st, "m0500", "{\"i\":500}");
}

/*
 * Into an empty store (the bulk path then asks the store nothing): a UNID
 * put again, in the same chunk and chunks later, is still an update.
 */
static void test_bulk_fresh_store_repeats(void **state)
{
	fx *f = *state;
	enum { N = 1100 };
	folio_batch *b;
	char json[128];

	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < N; i++) {
		int n;
		if (i == 20)
			n = snprintf(json, sizeof(json), "{\"_unid\":\"r0019\",\"i\":\"twice\"}");
		else if (i == 900)
			n = snprintf(json, sizeof(json), "{\"_unid\":\"r0010\",\"i\":\"later\"}");
		else
			n = snprintf(json, sizeof(json), "{\"_unid\":\"r%04d\",\"i\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, (size_t)n));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), N - 2);
	assert_body(f->st, "r0019", "{\"i\":\"twice\"}");
	assert_body(f->st, "r0010", "{\"i\":\"later\"}");
	assert_body(f->st, "r1099", "{\"i\":1099}");
	{
		char *r = rev_of(f->st, "r0010");
		assert_true(strncmp(r, "2-", 2) == 0);
		free(r);
	}
}

/*
 * Values COPY's text format escapes (tab, newline, carriage return,
 * backslash), quotes and non-ASCII text, in bodies and in slot columns,
 * come back as they went in.
 */
static void test_bulk_escaping(void **state)
{
	fx *f = *state;
	folio_store *st;
	folio_batch *b;
	/* JSON escapes in the text; the slot holds what they decode to. */
	static const char *const bodies[] = {
		"{\"_unid\":\"e0\",\"city\":\"tab\\there\",\"age\":1,\"raw\":\"a\\\\b\"}",
		"{\"_unid\":\"e1\",\"city\":\"new\\nline\\r\\ncr\",\"age\":2.5}",
		"{\"_unid\":\"e2\",\"city\":\"back\\\\slash \\\"quoted\\\"\",\"age\":-3}",
		"{\"_unid\":\"e3\",\"city\":\"Z\u00fcrich \u65e5\u672c \U0001F600\",\"age\":1e300}",
		"{\"_unid\":\"e4\",\"city\":\"\\\\N\",\"age\":0}",
		"{\"_unid\":\"e5\",\"city\":\"\\\\.\",\"name\":\"\\t\\\\t\\n\"}",
		"{\"_unid\":\"e6\",\"note\":\"\\u0009 \\u005c \\\\u0041\",\"age\":null}",
	};
	static const char *const slot[] = {
		"tab\there", "new\nline\r\ncr", "back\\slash \"quoted\"",
		"Z\u00fcrich \u65e5\u672c \U0001F600", "\\N", "\\.", NULL,
	};
	const int n = (int)(sizeof(bodies) / sizeof(bodies[0]));

	assert_ok(folio_store_create(f->ses, DB, "esc",
				     "{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":"
				     "\"string\"},{\"name\":\"age\",\"path\":\"age\",\"type\":"
				     "\"number\"},{\"name\":\"name\",\"path\":\"name\",\"type\":"
				     "\"string\"}]}"));
	assert_ok(folio_store_open(&st, f->ses, DB, "esc"));
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; i < n; i++)
		assert_ok(put_s(b, bodies[i]));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(st), n);

	for (int i = 0; i < n; i++) {
		json_object *want = parse(bodies[i]);
		char unid[8], *got, *t;
		folio_doc *d;
		json_object_object_del(want, "_unid");
		snprintf(unid, sizeof(unid), "e%d", i);
		assert_ok(folio_doc_load(&d, st, unid));
		assert_ok(folio_doc_get_json(&got, d));
		{
			json_object *g = parse(got);
			if (!json_object_equal(g, want))
				fail_msg("%s: body %s, want %s", unid, got,
					 json_object_to_json_string(want));
			json_object_put(g);
		}
		/* The stored text is the put text less _unid, byte for byte. */
		assert_non_null(strstr(bodies[i], got + 1));
		free(got);
		folio_doc_free(d);
		json_object_put(want);

		t = row_text(st, "t1", unid);
		if (slot[i] && (!t || strcmp(t, slot[i]) != 0))
			fail_msg("%s: slot t1 is '%s', want '%s'", unid, t ? t : "(null)", slot[i]);
		if (!slot[i] && t)
			fail_msg("%s: slot t1 is '%s', want NULL", unid, t);
		free(t);
	}
	{
		char *t = row_text(st, "t2", "e5");
		assert_non_null(t);
		assert_string_equal(t, "\t\\t\n");
		free(t);
		t = row_text(st, "n1", "e1");
		assert_non_null(t);
		assert_true(strtod(t, NULL) == 2.5);
		free(t);
		t = row_text(st, "n1", "e3");
		assert_non_null(t);
		assert_true(strtod(t, NULL) == 1e300);
		free(t);
		t = row_text(st, "n1", "e6");
		assert_null(t);
	}
	folio_store_free(st);
}

/* n documents in one batch into a new store: all there, each with its own seq, in order. */
static void bulk_n(fx *f, int n)
{
	char name[16], json[96], unid[48];
	folio_store *st;
	folio_batch *b;
	feed fd;
	int64_t seq0 = last_seq(f->ses);

	snprintf(name, sizeof(name), "n%d", n);
	assert_ok(folio_store_create(f->ses, DB, name, NULL));
	assert_ok(folio_store_open(&st, f->ses, DB, name));
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; i < n; i++) {
		int len = snprintf(json, sizeof(json), "{\"_unid\":\"%s_%04d\",\"i\":%d}", name,
				   i, i);
		assert_ok(folio_batch_put(b, json, (size_t)len));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(st), n);
	snprintf(unid, sizeof(unid), "%s_%04d", name, n - 1);
	snprintf(json, sizeof(json), "{\"i\":%d}", n - 1);
	assert_body(st, unid, json);
	snprintf(unid, sizeof(unid), "%s_0000", name);
	assert_body(st, unid, "{\"i\":0}");

	read_feed(f->ses, &fd, 4096);
	assert_true(fd.n <= fd.cap);
	{
		int mine = 0, prev = -1;
		for (int i = 0; i < fd.n; i++) {
			int k;
			if (fd.seqs[i] <= seq0)
				continue;
			assert_int_equal(sscanf(fd.unids[i] + strlen(name) + 1, "%d", &k), 1);
			/* In put order: the seqs follow the order the documents came in. */
			assert_true(k == prev + 1);
			prev = k;
			mine++;
		}
		assert_int_equal(mine, n);
		assert_int_equal(fd.out_of_order, 0);
	}
	feed_free(&fd);
	folio_store_free(st);
}

/* Around both chunk sizes: 16 (SQLite's multi-row INSERT) and 512 (the bulk path). */
static void test_bulk_chunk_boundaries(void **state)
{
	fx *f = *state;
	const int ns[] = {1, 15, 16, 17, 511, 512, 513, 1025};

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		bulk_n(f, ns[i]);
}

/*
 * A value the engine refuses in the middle of a chunk (a NUL character in
 * a slot: PostgreSQL cannot store it) fails the batch whole: nothing of it
 * is there, the seq counter is as before. Engines that store it keep all.
 */
static void test_bulk_refused_value(void **state)
{
	fx *f = *state;
	folio_store *st;
	folio_batch *b;
	int64_t seq0, n;
	int rc = 0, rc2;
	char json[96];

	assert_ok(folio_store_create(f->ses, DB, "nul",
				     "{\"fields\":[{\"name\":\"s\",\"path\":\"s\","
				     "\"type\":\"string\"}]}"));
	assert_ok(folio_store_open(&st, f->ses, DB, "nul"));
	seq0 = last_seq(f->ses);
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; rc == 0 && i < 700; i++) {
		const char *fmt = i == 300 ? "{\"_unid\":\"z%04d\",\"s\":\"a\\u0000b\"}"
					   : "{\"_unid\":\"z%04d\",\"s\":\"v%d\"}";
		int len = snprintf(json, sizeof(json), fmt, i, i);
		rc = folio_batch_put(b, json, (size_t)len);
	}
	rc2 = folio_batch_commit(b);
	folio_batch_free(b);
	assert_ok(folio_store_count(&n, st));
	if (rc == 0 && rc2 == 0) {
		assert_int_equal(n, 700);
	} else {
		if (strcmp(folio_test_backend(), "pg") == 0)
			assert_folio(FOLIO_EINVALID, rc < 0 ? rc : rc2);
		assert_int_equal(n, 0);
		assert_int_equal(last_seq(f->ses), seq0);
	}
	/* Native PostgreSQL refuses it (as a single save does). */
	if (strcmp(folio_test_backend(), "pg") == 0)
		assert_int_equal(n, 0);
	folio_store_free(st);
}

/*
 * The bulk path through the fake driver (SQLite underneath): a bulk insert
 * that fails after writing half of its rows, in the second chunk of a
 * batch, leaves nothing of the batch; the same batch again is written whole.
 */
static void test_bulk_fault_fakebulk(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_batch *b;
	char url[600], json[96];
	int64_t n, seq0 = -1, seq1 = -1;
	int rc = 0, rc2;
	(void)state;

	assert_ok(folio_fake_register());
	snprintf(url, sizeof(url), "fakebulk:%s/bulk.db", folio_test_tmpdir());
	assert_ok(folio_server_open(&srv, url, NULL));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, DB));
	assert_ok(folio_store_open(&st, ses, DB, "_default"));
	assert_int_equal(bulk_used(st), 1);
	assert_ok(save(st, "pre", "{}"));
	assert_ok(folio_db_last_seq(&seq0, ses, DB));

	folio_fake_reset();
	folio_fake_fail_after("bulk", 2, FOLIO_EIO);
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; rc == 0 && i < 1300; i++) {
		int len = snprintf(json, sizeof(json), "{\"_unid\":\"k%04d\",\"i\":%d}", i, i);
		rc = folio_batch_put(b, json, (size_t)len);
	}
	rc2 = folio_batch_commit(b);
	folio_batch_free(b);
	assert_folio(FOLIO_EIO, rc < 0 ? rc : rc2);
	assert_true(rc2 < 0);
	assert_int_equal(folio_fake_counts()->faults, 1);
	assert_true(folio_fake_counts()->bulk_rows > 512); /* the first chunk and half the second */
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 1);
	assert_ok(folio_db_last_seq(&seq1, ses, DB));
	assert_int_equal(seq1, seq0);

	folio_fake_reset();
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; i < 1300; i++) {
		int len = snprintf(json, sizeof(json), "{\"_unid\":\"k%04d\",\"i\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, (size_t)len));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(folio_fake_counts()->bulk, 3);
	assert_int_equal(folio_fake_counts()->bulk_rows, 1300);
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 1301);
	assert_body(st, "k0777", "{\"i\":777}");

	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
}

/*
 * The writer thread: other calls on the Session while a batch is open wait
 * for the chunk in flight and see what the batch wrote; a second batch on
 * the Session is refused; with FOLIO_BATCH_ONE_THREAD the same documents
 * come out with the same seqs.
 */
static void pipeline_run(fx *f, const char *store, unsigned flags, int64_t seqs[3])
{
	folio_store *st;
	folio_batch *b, *b2 = NULL;
	folio_doc *d;
	char json[96];
	int64_t n;

	assert_ok(folio_store_create(f->ses, DB, store, NULL));
	assert_ok(folio_store_open(&st, f->ses, DB, store));
	assert_ok(folio_batch_open(&b, st, flags));
	assert_folio(FOLIO_EINVALID, folio_batch_open(&b2, st, flags));
	assert_null(b2);
	for (int i = 0; i < 1500; i++) {
		int len = snprintf(json, sizeof(json), "{\"_unid\":\"p%04d\",\"i\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, (size_t)len));
		if (i == 1100) {
			/* Two chunks of 512 were full: both are written before this load reads. */
			assert_body(st, "p0700", "{\"i\":700}");
			assert_ok(folio_store_count(&n, st));
			assert_true(n >= 1024);
		}
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 1500);
	assert_body(st, "p1499", "{\"i\":1499}");
	for (int k = 0; k < 3; k++) {
		char unid[8];
		snprintf(unid, sizeof(unid), "p%04d", k * 700);
		assert_ok(folio_doc_load(&d, st, unid));
		seqs[k] = folio_doc_seq(d);
		folio_doc_free(d);
	}
	folio_store_free(st);
}

static void test_pipeline_session_calls(void **state)
{
	fx *f = *state;
	int64_t a[3], b[3];

	pipeline_run(f, "piped", 0, a);
	pipeline_run(f, "onethread", FOLIO_BATCH_ONE_THREAD, b);
	/* Each batch's seqs follow the order of its puts, 700 apart. */
	assert_int_equal(a[1] - a[0], 700);
	assert_int_equal(a[2] - a[1], 700);
	assert_int_equal(b[1] - b[0], 700);
	assert_int_equal(b[2] - b[1], 700);
	assert_true(b[0] > a[2]);
}

/* Runs one statement on a connection of the pool (outside any Session's transaction). */
static void raw_exec(folio_store *st, const char *sql)
{
	folio_cx *cx;
	assert_ok(folio_pool__acquire(&cx, st->ses->srv));
	assert_ok(folio_cx__exec(cx, sql));
	folio_pool__release(st->ses->srv, cx);
}

/*
 * Layout 3: a new document's mdate is NULL in its row (equal to cdate),
 * yet reads, queries and the changes feed see it. A database of layout 2
 * gets it written in full; one of a later layout is refused by name.
 */
/* Counts the changes of the feed (cmocka's callback payload is the counter). */
static int count_change(const folio_change *ch, void *payload)
{
	(void)ch;
	(*(int64_t *)payload)++;
	return 0;
}

/*
 * The child of test_killed_import: an import that never ends, on a Server
 * of its own. After KILL_AFTER documents (chunks written, one in flight, on
 * a machine with a writer thread) it tells the parent, and goes on until it
 * is killed. No cmocka here: any failure is the exit status.
 */
#define KILL_AFTER 3000
static void killed_import_child(const char *url, int ready)
{
	folio_server *srv = NULL;
	folio_session *ses = NULL;
	folio_store *st = NULL;
	folio_batch *b = NULL;
	char json[160];

	if (folio_server_open(&srv, url, NULL) < 0 ||
	    folio_session_open(&ses, srv, "alice", NULL) < 0 ||
	    folio_store_open(&st, ses, DB, "_default") < 0 || folio_batch_open(&b, st, 0) < 0)
		_exit(2);
	for (int i = 0;; i++) {
		int n = snprintf(json, sizeof(json),
				 "{\"_unid\":\"k%07d\",\"n\":%d,\"text\":\"a document of the "
				 "import that is killed\"}",
				 i, i);
		if (folio_batch_put(b, json, (size_t)n) < 0)
			_exit(3);
		if (i == KILL_AFTER && write(ready, "x", 1) != 1)
			_exit(4);
	}
}

/*
 * A process killed (SIGKILL) in the middle of an import, with thousands of
 * documents written in its transaction: afterwards nothing of it is
 * visible, neither in the store nor in the changes feed, and the store
 * takes the next import. SQLite rolls back from its WAL on the next open;
 * the servers roll back when the connection drops.
 */
static void test_killed_import(void **state)
{
	char *url = strdup(folio_test_url()); /* a database of its own, with its password */
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	int ready[2], status = 0;
	int64_t changes = 0;
	folio_batch *b;
	pid_t pid;
	char c;

	(void)state;
	assert_non_null(url);
	assert_ok(folio_server_open(&srv, url, NULL));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, DB));
	assert_ok(folio_store_open(&st, ses, DB, "_default"));
	assert_ok(save(st, "before", "{\"v\":1}"));
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		killed_import_child(url, ready[1]);
		_exit(5);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		fail_msg("the importing child ended before the kill (status %d)", status);
	}
	close(ready[0]);
	usleep(20 * 1000); /* the next chunk under way */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	assert_int_equal(count(st), 1);
	assert_ok(folio_changes(ses, DB, 0, 0, count_change, &changes, NULL));
	assert_int_equal(changes, 1);
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; i < 1500; i++) {
		char json[64];
		int n = snprintf(json, sizeof(json), "{\"_unid\":\"k%07d\",\"n\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, (size_t)n));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(st), 1501);
	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
	free(url);
}

static void test_layout_mdate(void **state)
{
	fx *f = *state;
	folio_store *st, *st2;
	folio_doc *d;
	char *m, *c;
	int64_t n = -1;

	assert_ok(folio_store_open(&st, f->ses, DB, "_default"));
	assert_ok(save(st, "lay3", "{\"x\":1}"));
	m = row_text(st, "mdate", "lay3");
	assert_null(m);
	assert_ok(folio_doc_load(&d, st, "lay3"));
	assert_non_null(folio_doc_mdate(d));
	assert_string_equal(folio_doc_mdate(d), folio_doc_cdate(d));
	folio_doc_free(d);
	{
		folio_cursor *cur;
		char q[160];
		assert_ok(folio_doc_load(&d, st, "lay3"));
		snprintf(q, sizeof(q), "{\"_mdate\":\"%s\"}", folio_doc_mdate(d));
		folio_doc_free(d);
		assert_ok(folio_cursor_open(&cur, st));
		assert_ok(folio_cursor_query(cur, q));
		assert_ok(folio_cursor_count(cur, &n));
		folio_cursor_free(cur);
		assert_int_equal(n, 1);
	}

	raw_exec(st, "UPDATE " DB "_meta SET version = 2");
	assert_ok(folio_store_open(&st2, f->ses, DB, "_default"));
	assert_ok(save(st2, "lay2", "{\"x\":2}"));
	m = row_text(st2, "mdate", "lay2");
	c = row_text(st2, "cdate", "lay2");
	assert_non_null(m);
	assert_string_equal(m, c);
	free(m);
	free(c);
	folio_store_free(st2);

	raw_exec(st, "UPDATE " DB "_meta SET version = 99");
	assert_folio(FOLIO_EINVALID, folio_store_open(&st2, f->ses, DB, "_default"));
	assert_non_null(strstr(folio_error_last(), "newer than this build"));
	raw_exec(st, "UPDATE " DB "_meta SET version = 3");
	folio_store_free(st);
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
		cmocka_unit_test_setup_teardown(test_bulk_path_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_mixed_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_fresh_store_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_chunk_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_refused_value, setup, teardown),
		cmocka_unit_test(test_bulk_fault_fakebulk),
		cmocka_unit_test_setup_teardown(test_pipeline_session_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_mdate, setup, teardown),
		cmocka_unit_test(test_killed_import),
	};
	return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
