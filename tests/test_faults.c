/* backends: fake */
/*
 * Failures in the middle of writes, through the fake driver (SQLite
 * underneath, every call counted, one call failed on demand): a save, a
 * delete, a batch or a Session transaction that fails part-way leaves
 * nothing half-written, and the pool recovers. Also: statements are
 * prepared once per connection, and bad input is refused before any SQL.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "testenv.h"
#include "fake_driver.h"

#define DB "crm"

/* Documents with mirrored rows: readers, editors, tags, an extracted field. */
#define FIELDS_OPTS                                                                       \
	"{\"fields\":[{\"name\":\"city\",\"path\":\"address.city\",\"type\":\"string\"},"  \
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"}]}"
#define BODY(v)                                                                           \
	"{\"v\":" #v ",\"age\":4" #v ",\"address\":{\"city\":\"Lyon\"},"                   \
	"\"_readers\":[\"alice\",\"bob\"],\"_editors\":[\"alice\"],\"_tags\":[\"a\",\"b\"]}"

typedef struct fx {
	char url[600];
	folio_server *srv;
	folio_session *ses;
	folio_store *st; /* "people": with extracted fields */
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	folio_server_options o = {0};

	assert_non_null(f);
	assert_ok(folio_fake_register());
	folio_fake_reset();
	snprintf(f->url, sizeof(f->url), "fake:%s/x.db", folio_test_tmpdir());
	o.pool_size = 2;
	o.busy_timeout_ms = 2000;
	assert_ok(folio_server_open(&f->srv, f->url, &o));
	assert_ok(folio_session_open(&f->ses, f->srv, "alice", NULL));
	assert_ok(folio_db_create(f->ses, DB));
	assert_ok(folio_store_create(f->ses, DB, "people", FIELDS_OPTS));
	assert_ok(folio_store_open(&f->st, f->ses, DB, "people"));
	folio_fake_reset();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	folio_fake_reset();
	folio_store_free(f->st);
	folio_session_free(f->ses);
	folio_server_close(f->srv);
	free(f);
	return 0;
}

static long faults(void)
{
	return folio_fake_counts()->faults;
}

static int64_t count(folio_store *st)
{
	int64_t n = -1;
	assert_ok(folio_store_count(&n, st));
	return n;
}

static int exists(folio_store *st, const char *unid)
{
	folio_doc *d = NULL;
	int rc = folio_doc_load(&d, st, unid);
	folio_doc_free(d);
	if (rc == 0)
		return 1;
	assert_folio(FOLIO_ENOTFOUND, rc);
	return 0;
}

static int save_new(folio_store *st, const char *unid, const char *json)
{
	folio_doc *d;
	int rc;
	assert_ok(folio_doc_new(&d, st, unid));
	assert_ok(folio_doc_set_json(d, json));
	rc = folio_doc_save(d, 0);
	folio_doc_free(d);
	return rc;
}

/* The whole changes feed of DB as one string: "seq store unid rev deleted;..." */
typedef struct snap {
	char *s;
	size_t len, cap;
} snap;

static int snap_cb(const folio_change *c, void *payload)
{
	snap *sn = payload;
	char line[512];
	int n = snprintf(line, sizeof(line), "%lld %s %s %s %d;", (long long)c->seq, c->store,
			 c->unid, c->rev, c->deleted);
	if (sn->len + (size_t)n + 1 > sn->cap) {
		sn->cap = (sn->cap + (size_t)n + 1) * 2;
		sn->s = realloc(sn->s, sn->cap);
		assert_non_null(sn->s);
	}
	memcpy(sn->s + sn->len, line, (size_t)n + 1);
	sn->len += (size_t)n;
	return 0;
}

static char *feed(folio_session *ses)
{
	snap sn = {0};
	int64_t since = 0, last;

	sn.s = strdup("");
	sn.cap = 1;
	for (;;) {
		assert_ok(folio_changes(ses, DB, since, 0, snap_cb, &sn, &last));
		if (last == since)
			break;
		since = last;
	}
	return sn.s;
}

static char *body_of(folio_store *st, const char *unid)
{
	folio_doc *d;
	char *b;
	assert_ok(folio_doc_load(&d, st, unid));
	assert_ok(folio_doc_get_json(&b, d));
	folio_doc_free(d);
	return b;
}

/* Asserts that a write failed because of the injected fault (and it was used). */
#define assert_injected(rc, faults_before)                                                \
	do {                                                                              \
		int r__ = (rc);                                                           \
		if (folio_fake_counts()->faults != (faults_before) + 1)                   \
			fail_msg("the injected fault was not reached (rc %d)", r__);      \
		if (r__ >= 0)                                                             \
			fail_msg("%s succeeded despite an injected failure", #rc);        \
	} while (0)

/*
 * A failed commit
 */

static void test_commit_fault_on_save(void **state)
{
	fx *f = *state;
	folio_doc *d;
	char *before, *after;
	long f0;

	before = feed(f->ses);
	folio_fake_fail_after("commit", 1, FOLIO_EIO);
	f0 = faults();
	assert_ok(folio_doc_new(&d, f->st, "c1"));
	assert_ok(folio_doc_set_json(d, BODY(1)));
	assert_folio(FOLIO_EIO, folio_doc_save(d, 0));
	assert_int_equal(faults(), f0 + 1);
	assert_true(strlen(folio_error_last()) > 0);
	/* The handle was not saved. */
	assert_int_equal(folio_doc_is_new(d), 1);
	assert_null(folio_doc_rev(d));

	assert_int_equal(exists(f->st, "c1"), 0);
	assert_int_equal(count(f->st), 0);
	after = feed(f->ses);
	assert_string_equal(after, before);
	free(after);

	/* The pool recovered: the next save works and is durable. */
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_true(strncmp(folio_doc_rev(d), "1-", 2) == 0);
	folio_doc_free(d);
	assert_int_equal(exists(f->st, "c1"), 1);
	assert_int_equal(count(f->st), 1);

	/* A failed commit of an update: the stored document and the handle keep rev 1. */
	char *rev1, *body1;
	assert_ok(folio_doc_load(&d, f->st, "c1"));
	rev1 = strdup(folio_doc_rev(d));
	body1 = body_of(f->st, "c1");
	assert_ok(folio_doc_set_json(d, BODY(2)));
	folio_fake_fail_after("commit", 1, FOLIO_EIO);
	f0 = faults();
	assert_folio(FOLIO_EIO, folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_int_equal(faults(), f0 + 1);
	assert_string_equal(folio_doc_rev(d), rev1);
	{
		folio_doc *l;
		char *b = body_of(f->st, "c1");
		assert_string_equal(b, body1);
		free(b);
		assert_ok(folio_doc_load(&l, f->st, "c1"));
		assert_string_equal(folio_doc_rev(l), rev1);
		folio_doc_free(l);
	}
	/* Retried, it is a plain update from rev 1. */
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_true(strncmp(folio_doc_rev(d), "2-", 2) == 0);
	folio_doc_free(d);

	free(rev1);
	free(body1);
	free(before);
}

static void test_begin_fault_on_save(void **state)
{
	fx *f = *state;
	long f0 = faults();

	folio_fake_fail_after("begin", 1, FOLIO_EIO);
	assert_folio(FOLIO_EIO, save_new(f->st, "b1", BODY(1)));
	assert_int_equal(faults(), f0 + 1);
	assert_int_equal(exists(f->st, "b1"), 0);
	assert_ok(save_new(f->st, "b1", BODY(1)));
	assert_int_equal(exists(f->st, "b1"), 1);
}

/*
 * A failure in the middle of a write, at every step
 */

static void test_step_fault_third_step(void **state)
{
	fx *f = *state;
	char *before, *after;
	long f0;
	int rc;

	assert_ok(save_new(f->st, "other", BODY(0)));
	before = feed(f->ses);
	f0 = faults();
	folio_fake_fail_after("step", 3, FOLIO_EIO);
	rc = save_new(f->st, "half", BODY(1));
	assert_injected(rc, f0);
	folio_fake_reset();

	assert_int_equal(exists(f->st, "half"), 0);
	assert_int_equal(count(f->st), 1);
	after = feed(f->ses);
	assert_string_equal(after, before);
	free(after);
	free(before);

	assert_ok(save_new(f->st, "half", BODY(1)));
	assert_int_equal(exists(f->st, "half"), 1);
	assert_int_equal(count(f->st), 2);
}

/* Calls of `method` in one save of a new document shaped like BODY. */
static long calls_of_new_save(fx *f, const char *method)
{
	long n;
	folio_fake_reset();
	assert_ok(save_new(f->st, "probe-new", BODY(9)));
	n = strcmp(method, "step") == 0 ? folio_fake_counts()->step : folio_fake_counts()->bind;
	assert_ok(folio_doc_delete(f->st, "probe-new", NULL, FOLIO_DELETE_ERASE));
	folio_fake_reset();
	return n;
}

static void sweep_new_save(fx *f, const char *method)
{
	long total = calls_of_new_save(f, method);

	assert_true(total >= 3);
	print_message("a new save: %ld calls of %s, each failed in turn\n", total, method);
	for (int n = 1; n <= total; n++) {
		char unid[32], *before, *after;
		long f0;
		int rc;
		int64_t n0 = count(f->st);

		snprintf(unid, sizeof(unid), "%s-%d", method, n);
		before = feed(f->ses);
		f0 = faults();
		folio_fake_fail_after(method, n, FOLIO_EIO);
		rc = save_new(f->st, unid, BODY(1));
		if (faults() != f0 + 1)
			fail_msg("%s %d of %ld: the fault was not reached (rc %d)", method, n,
				 total, rc);
		if (rc >= 0)
			fail_msg("%s %d of %ld failed, yet the save returned 0", method, n,
				 total);
		folio_fake_reset();

		if (exists(f->st, unid))
			fail_msg("%s %d of %ld failed: the document was saved anyway", method,
				 n, total);
		assert_int_equal(count(f->st), n0);
		after = feed(f->ses);
		if (strcmp(before, after) != 0)
			fail_msg("%s %d of %ld failed: the feed changed:\n  %s\n  %s", method,
				 n, total, before, after);
		free(before);
		free(after);

		/* Recovered: the same save works now. */
		rc = save_new(f->st, unid, BODY(1));
		if (rc != 0)
			fail_msg("%s %d of %ld: the save after the fault failed: %s", method, n,
				 total, folio_error_last());
		assert_int_equal(count(f->st), n0 + 1);
	}
}

static void test_step_fault_sweep_new(void **state)
{
	sweep_new_save(*state, "step");
}

static void test_bind_fault_sweep_new(void **state)
{
	sweep_new_save(*state, "bind");
}

static void test_step_fault_sweep_update(void **state)
{
	fx *f = *state;
	folio_doc *d;
	char *rev1, *body1;
	int64_t seq1;
	long total;

	assert_ok(save_new(f->st, "u", BODY(1)));
	assert_ok(folio_doc_load(&d, f->st, "u"));
	rev1 = strdup(folio_doc_rev(d));
	seq1 = folio_doc_seq(d);
	folio_doc_free(d);
	body1 = body_of(f->st, "u");

	/* Steps in one update, measured on another document of the same shape. */
	assert_ok(save_new(f->st, "probe", BODY(1)));
	assert_ok(folio_doc_load(&d, f->st, "probe"));
	assert_ok(folio_doc_set_json(d, BODY(2)));
	folio_fake_reset();
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	total = folio_fake_counts()->step;
	folio_doc_free(d);
	assert_true(total >= 3);
	print_message("an update: %ld steps, each failed in turn\n", total);

	for (int n = 1; n <= total; n++) {
		char *before = feed(f->ses), *after, *b;
		long f0 = faults();
		int rc;

		assert_ok(folio_doc_load(&d, f->st, "u"));
		assert_ok(folio_doc_set_json(d, BODY(2)));
		folio_fake_fail_after("step", n, FOLIO_EIO);
		rc = folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT);
		folio_doc_free(d);
		if (faults() != f0 + 1 || rc >= 0)
			fail_msg("update, step %d of %ld: rc %d, faults %ld", n, total, rc,
				 faults() - f0);
		folio_fake_reset();

		assert_ok(folio_doc_load(&d, f->st, "u"));
		assert_string_equal(folio_doc_rev(d), rev1);
		assert_int_equal(folio_doc_seq(d), seq1);
		folio_doc_free(d);
		b = body_of(f->st, "u");
		assert_string_equal(b, body1);
		free(b);
		after = feed(f->ses);
		if (strcmp(before, after) != 0)
			fail_msg("update, step %d failed: the feed changed", n);
		free(before);
		free(after);
	}

	/* And the update goes through once nothing fails. */
	assert_ok(folio_doc_load(&d, f->st, "u"));
	assert_ok(folio_doc_set_json(d, BODY(2)));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_true(strncmp(folio_doc_rev(d), "2-", 2) == 0);
	folio_doc_free(d);
	free(rev1);
	free(body1);
}

static void test_step_fault_sweep_delete(void **state)
{
	fx *f = *state;
	long total;

	assert_ok(save_new(f->st, "probe", BODY(1)));
	folio_fake_reset();
	assert_ok(folio_doc_delete(f->st, "probe", NULL, 0));
	total = folio_fake_counts()->step;
	assert_true(total >= 2);
	print_message("a delete: %ld steps, each failed in turn\n", total);

	assert_ok(save_new(f->st, "del", BODY(1)));
	for (int n = 1; n <= total; n++) {
		char *before = feed(f->ses), *after;
		long f0 = faults();
		int rc;

		folio_fake_fail_after("step", n, FOLIO_EIO);
		rc = folio_doc_delete(f->st, "del", NULL, 0);
		if (faults() != f0 + 1 || rc >= 0)
			fail_msg("delete, step %d of %ld: rc %d", n, total, rc);
		folio_fake_reset();
		assert_int_equal(exists(f->st, "del"), 1);
		after = feed(f->ses);
		if (strcmp(before, after) != 0)
			fail_msg("delete, step %d failed: the feed changed:\n  %s\n  %s", n,
				 before, after);
		free(before);
		free(after);
	}
	assert_ok(folio_doc_delete(f->st, "del", NULL, 0));
	assert_int_equal(exists(f->st, "del"), 0);
}

/*
 * Batches
 */

static int put_s(folio_batch *b, const char *json)
{
	return folio_batch_put(b, json, strlen(json));
}

static void test_batch_step_fault(void **state)
{
	fx *f = *state;
	folio_batch *b;
	char *before, *after;
	long f0;
	int rc;

	before = feed(f->ses);
	assert_ok(folio_batch_open(&b, f->st, 0));
	f0 = faults();
	/* A step in the middle of the batch fails: that put fails, and so does the commit. */
	folio_fake_fail_after("step", 9, FOLIO_EIO);
	rc = put_s(b, "{\"_unid\":\"b1\",\"age\":1}");
	if (rc == 0)
		rc = put_s(b, "{\"_unid\":\"b2\",\"age\":2}");
	if (rc == 0)
		rc = put_s(b, "{\"_unid\":\"b3\",\"age\":3}");
	if (rc == 0)
		rc = put_s(b, "{\"_unid\":\"b4\",\"age\":4,\"_tags\":[\"x\"],"
			      "\"address\":{\"city\":\"Y\"}}");
	if (rc == 0)
		rc = put_s(b, "{\"_unid\":\"b5\"}");
	{
		int crc = folio_batch_commit(b);
		if (rc == 0)
			rc = crc;
		assert_true(crc < 0);
	}
	assert_injected(rc, f0);
	folio_fake_reset();
	folio_batch_free(b);

	assert_int_equal(count(f->st), 0);
	assert_int_equal(exists(f->st, "b1"), 0);
	after = feed(f->ses);
	assert_string_equal(after, before);
	free(after);
	free(before);

	/* Recovered. */
	assert_ok(folio_batch_open(&b, f->st, 0));
	assert_ok(put_s(b, "{\"_unid\":\"b1\"}"));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 1);
}

static void test_batch_commit_fault(void **state)
{
	fx *f = *state;
	folio_batch *b;
	char *before, *after;
	long f0;

	assert_ok(save_new(f->st, "pre", "{}"));
	before = feed(f->ses);
	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 10; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"_unid\":\"c%d\",\"age\":%d}", i, i);
		assert_ok(put_s(b, json));
	}
	assert_ok(put_s(b, "{\"_unid\":\"pre\",\"age\":99}"));
	f0 = faults();
	folio_fake_fail_after("commit", 1, FOLIO_EIO);
	assert_folio(FOLIO_EIO, folio_batch_commit(b));
	assert_int_equal(faults(), f0 + 1);
	folio_batch_free(b);

	assert_int_equal(count(f->st), 1);
	assert_int_equal(exists(f->st, "c0"), 0);
	assert_int_equal(exists(f->st, "c9"), 0);
	{
		char *body = body_of(f->st, "pre");
		assert_null(strstr(body, "99"));
		free(body);
	}
	after = feed(f->ses);
	assert_string_equal(after, before);
	free(after);
	free(before);

	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 10; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"_unid\":\"c%d\",\"age\":%d}", i, i);
		assert_ok(put_s(b, json));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	assert_int_equal(count(f->st), 11);
}

/* Every step of a three-document batch, failed in turn. */
static void test_batch_step_sweep(void **state)
{
	fx *f = *state;
	const char *docs[] = {"{\"_unid\":\"s1\",\"age\":1,\"_readers\":[\"alice\"]}",
			      "{\"_unid\":\"s2\",\"address\":{\"city\":\"Z\"},\"_tags\":[\"t\"]}",
			      "{\"_unid\":\"s3\"}"};
	folio_batch *b;
	long total;

	folio_fake_reset();
	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 3; i++)
		assert_ok(put_s(b, docs[i]));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	total = folio_fake_counts()->step;
	for (int i = 0; i < 3; i++) {
		char u[4] = {'s', (char)('1' + i), 0};
		assert_ok(folio_doc_delete(f->st, u, NULL, FOLIO_DELETE_ERASE));
	}
	assert_true(total >= 3);
	print_message("a batch of 3: %ld steps, each failed in turn\n", total);

	for (int n = 1; n <= total; n++) {
		char *before = feed(f->ses), *after;
		long f0 = faults();
		int rc = 0;

		folio_fake_fail_after("step", n, FOLIO_EIO);
		rc = folio_batch_open(&b, f->st, 0);
		if (rc == 0) {
			for (int i = 0; i < 3; i++) {
				int r = put_s(b, docs[i]);
				if (r < 0 && rc == 0)
					rc = r;
			}
			int rcc = folio_batch_commit(b);
			if (rc == 0 && rcc == 0)
				fail_msg("batch, step %d of %ld failed, yet the commit returned 0",
					 n, total);
			if (rc < 0 && rcc == 0)
				fail_msg("batch, step %d: a put failed, yet the commit returned 0",
					 n);
			folio_batch_free(b);
		}
		if (faults() != f0 + 1)
			fail_msg("batch, step %d of %ld: the fault was not reached", n, total);
		folio_fake_reset();
		assert_int_equal(count(f->st), 0);
		after = feed(f->ses);
		if (strcmp(before, after) != 0)
			fail_msg("batch, step %d failed: the feed changed", n);
		free(before);
		free(after);
	}
}

/*
 * Session transactions
 */

static void test_session_commit_fault(void **state)
{
	fx *f = *state;
	folio_session *other;
	folio_store *ost;
	long f0;

	assert_ok(folio_session_open(&other, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&ost, other, DB, "people"));

	assert_ok(folio_session_begin(f->ses));
	assert_ok(save_new(f->st, "t1", BODY(1)));
	assert_ok(save_new(f->st, "t2", BODY(2)));
	f0 = faults();
	folio_fake_fail_after("commit", 1, FOLIO_EIO);
	assert_folio(FOLIO_EIO, folio_session_commit(f->ses));
	assert_int_equal(faults(), f0 + 1);
	/* The whole transaction was rolled back. */
	assert_int_equal(folio_session_txn_depth(f->ses), 0);
	assert_int_equal(exists(f->st, "t1"), 0);
	assert_int_equal(exists(ost, "t2"), 0);
	assert_int_equal(count(ost), 0);

	/* And the Session goes on. */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save_new(f->st, "t1", BODY(1)));
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(exists(ost, "t1"), 1);
	/* The other Session can write: no lock was left behind. */
	assert_ok(save_new(ost, "t3", BODY(3)));

	folio_store_free(ost);
	folio_session_free(other);
}

static void test_step_fault_inside_session_txn(void **state)
{
	fx *f = *state;
	long f0;
	int rc;

	assert_ok(folio_session_begin(f->ses));
	assert_ok(save_new(f->st, "A", BODY(1)));
	f0 = faults();
	folio_fake_fail_after("step", 3, FOLIO_EIO);
	rc = save_new(f->st, "B", BODY(2));
	assert_injected(rc, f0);
	folio_fake_reset();

	/* Either the transaction goes on without B, or commit says it was rolled back. */
	rc = folio_session_txn_depth(f->ses) > 0 ? folio_session_commit(f->ses) : -1;
	assert_int_equal(folio_session_txn_depth(f->ses), 0);
	assert_int_equal(exists(f->st, "B"), 0);
	assert_int_equal(exists(f->st, "A"), rc == 0 ? 1 : 0);
	assert_ok(save_new(f->st, "C", BODY(3)));
	assert_int_equal(exists(f->st, "C"), 1);
}

/* A rollback that fails after a refused save: the first error is the one returned. */
static void test_rollback_fault_after_conflict(void **state)
{
	fx *f = *state;
	folio_session *other;
	folio_store *ost;
	folio_doc *h1, *h2;
	long f0;
	int rc;

	assert_ok(save_new(f->st, "x", BODY(1)));
	assert_ok(folio_doc_load(&h1, f->st, "x"));
	assert_ok(folio_doc_load(&h2, f->st, "x"));
	assert_ok(folio_doc_set_json(h1, BODY(2)));
	assert_ok(folio_doc_save(h1, FOLIO_SAVE_CHECK_CONFLICT));
	assert_ok(folio_doc_set_json(h2, BODY(3)));
	f0 = faults();
	folio_fake_fail_after("rollback", 1, FOLIO_EIO);
	rc = folio_doc_save(h2, FOLIO_SAVE_CHECK_CONFLICT);
	assert_folio(FOLIO_ECONFLICT, rc);
	assert_int_equal(faults(), f0 + 1);
	folio_fake_reset();

	/* No transaction was left open on a pooled connection: writes are seen by others. */
	assert_ok(folio_session_open(&other, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&ost, other, DB, "people"));
	for (int i = 0; i < 4; i++) {
		char u[8];
		snprintf(u, sizeof(u), "y%d", i);
		assert_ok(save_new(f->st, u, BODY(4)));
		assert_int_equal(exists(ost, u), 1);
	}
	assert_ok(save_new(ost, "z", BODY(5)));
	assert_int_equal(exists(f->st, "z"), 1);
	{
		folio_doc *l;
		assert_ok(folio_doc_load(&l, ost, "x"));
		assert_string_equal(folio_doc_rev(l), folio_doc_rev(h1));
		folio_doc_free(l);
	}
	folio_doc_free(h1);
	folio_doc_free(h2);
	folio_store_free(ost);
	folio_session_free(other);
}

/*
 * Connecting
 */

static void test_connect_fault(void **state)
{
	folio_server *srv = NULL;
	char url[600];
	(void)state;

	assert_ok(folio_fake_register());
	snprintf(url, sizeof(url), "fake:%s/y.db", folio_test_tmpdir());
	folio_fake_reset();
	folio_fake_fail_after("connect", 1, FOLIO_EIO);
	assert_folio(FOLIO_EIO, folio_server_open(&srv, url, NULL));
	assert_int_equal(folio_fake_counts()->faults, 1);
	assert_int_equal(folio_error_code(), FOLIO_EIO);
	if (!strstr(folio_error_last(), "injected failure of connect"))
		fail_msg("the error does not say what failed: '%s'", folio_error_last());
	folio_fake_reset();

	/* The same URL opens once the fault is gone. */
	srv = NULL;
	assert_ok(folio_server_open(&srv, url, NULL));
	assert_non_null(srv);
	folio_server_close(srv);
}

/*
 * Statements are prepared once per connection; bad input costs no SQL
 */

static void test_prepare_once_per_connection(void **state)
{
	fx *f = *state;
	struct folio_fake_counts *c = folio_fake_counts();

	assert_ok(save_new(f->st, "p", BODY(1)));
	folio_fake_reset();
	for (int i = 0; i < 100; i++) {
		folio_doc *d;
		assert_ok(folio_doc_load(&d, f->st, "p"));
		folio_doc_free(d);
	}
	assert_true(c->step >= 100);
	assert_int_equal(c->disconnect, 0);
	/* Pool of 2: each connection prepares the load statement at most once. */
	if (c->prepare > 2)
		fail_msg("100 loads prepared %ld statements (pool of 2)", (long)c->prepare);
	long p100 = c->prepare;
	for (int i = 0; i < 100; i++) {
		folio_doc *d;
		assert_ok(folio_doc_load(&d, f->st, "p"));
		folio_doc_free(d);
	}
	if (c->prepare > 2)
		fail_msg("200 loads prepared %ld statements (pool of 2)", (long)c->prepare);
	(void)p100;
}

static void test_prepare_saves_do_not_grow(void **state)
{
	fx *f = *state;
	struct folio_fake_counts *c = folio_fake_counts();
	folio_doc *d;
	long p10;

	assert_ok(folio_doc_new(&d, f->st, "w"));
	for (int i = 0; i < 5; i++) {
		assert_ok(folio_doc_set_json(d, i % 2 ? BODY(1) : BODY(2)));
		assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	}
	folio_fake_reset();
	for (int i = 0; i < 10; i++) {
		assert_ok(folio_doc_set_json(d, i % 2 ? BODY(1) : BODY(2)));
		assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	}
	p10 = c->prepare;
	folio_fake_reset();
	for (int i = 0; i < 100; i++) {
		assert_ok(folio_doc_set_json(d, i % 2 ? BODY(1) : BODY(2)));
		assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	}
	folio_doc_free(d);
	if (c->prepare > p10)
		fail_msg("100 saves prepared %ld statements, 10 saves %ld: prepares grow with "
			 "the number of saves",
			 (long)c->prepare, p10);
}

static void test_no_sql_for_bad_input(void **state)
{
	fx *f = *state;
	struct folio_fake_counts *c = folio_fake_counts();
	folio_doc *d;
	char deep[200];
	int i;

	for (i = 0; i < 65; i++)
		deep[i] = '[';
	for (; i < 130; i++)
		deep[i] = ']';
	deep[i] = 0;

	folio_fake_reset();
	assert_folio(FOLIO_EINVALID, folio_doc_new(&d, f->st, ".bad"));
	assert_folio(FOLIO_EINVALID, folio_doc_new(&d, f->st, ""));
	assert_folio(FOLIO_EINVALID, folio_doc_load(&d, f->st, "a b"));
	assert_folio(FOLIO_EINVALID, folio_doc_delete(f->st, "a/b", NULL, 0));
	assert_ok(folio_doc_new(&d, f->st, "fine"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"a\":"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_nope\":1}"));
	assert_folio(FOLIO_ETOOBIG, folio_doc_set_json(d, deep));
	assert_folio(FOLIO_EINVALID, folio_doc_set_parent(d, "bad parent"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_path(d, "a..b", "1"));
	folio_doc_free(d);
	assert_int_equal(c->prepare, 0);
	assert_int_equal(c->exec, 0);
	assert_int_equal(c->step, 0);
	assert_int_equal(c->begin, 0);
	assert_int_equal(c->connect, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_fault_on_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_fault_on_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_fault_third_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_fault_sweep_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_fault_sweep_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_fault_sweep_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_fault_sweep_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_step_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_commit_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_step_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_commit_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_fault_inside_session_txn, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback_fault_after_conflict, setup,
						teardown),
		cmocka_unit_test(test_connect_fault),
		cmocka_unit_test_setup_teardown(test_prepare_once_per_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_saves_do_not_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_sql_for_bad_input, setup, teardown),
	};
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
