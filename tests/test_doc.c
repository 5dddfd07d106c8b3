/* backends: all */
/*
 * Documents through the public API (include/folio/doc.h): UNIDs, save and
 * load, metadata, revisions and optimistic concurrency, deletion stubs, the
 * body as JSON, the wire form, limits, system fields, paths, parent and sync
 * master. Every assertion is something a user of the API can observe.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "testenv.h"

#define DB "crm"

typedef struct fx {
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	char *replica;
} fx;

/*
 * Helpers
 */

static int open_fx(fx *f, const folio_server_options *opts)
{
	memset(f, 0, sizeof(*f));
	assert_ok(folio_server_open(&f->srv, folio_test_url(), opts));
	assert_ok(folio_session_open(&f->ses, f->srv, "alice", NULL));
	assert_ok(folio_db_create(f->ses, DB));
	assert_ok(folio_store_open(&f->st, f->ses, DB, "_default"));
	assert_ok(folio_db_replica_id(&f->replica, f->ses, DB));
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	open_fx(f, NULL);
	*state = f;
	return 0;
}

static void close_fx(fx *f)
{
	folio_store_free(f->st);
	folio_session_free(f->ses);
	folio_server_close(f->srv);
	free(f->replica);
}

static int teardown(void **state)
{
	fx *f = *state;
	close_fx(f);
	free(f);
	return 0;
}

/* Parses JSON text with json-c; fails the test on bad JSON. */
static json_object *parse(const char *text)
{
	json_object *o;

	assert_non_null(text);
	o = json_tokener_parse(text);
	if (!o && strcmp(text, "null") != 0)
		fail_msg("not JSON: %s", text);
	return o;
}

#define assert_json_eq(a, b) assert_json_eq_(a, b, __FILE__, __LINE__)
static void assert_json_eq_(const char *a, const char *b, const char *file, int line)
{
	json_object *ja = parse(a), *jb = parse(b);
	int eq = json_object_equal(ja, jb);

	json_object_put(ja);
	json_object_put(jb);
	if (!eq)
		fail_msg("%s:%d: JSON differs:\n  %s\n  %s", file, line, a, b);
}

/* The body of a document as JSON text (the caller frees it). */
static char *body_of(const folio_doc *d)
{
	char *s = NULL;
	assert_ok(folio_doc_get_json(&s, d));
	assert_non_null(s);
	return s;
}

#define assert_body(d, expected)                                                         \
	do {                                                                             \
		char *b__ = body_of(d);                                                  \
		assert_json_eq(b__, expected);                                           \
		free(b__);                                                               \
	} while (0)

/* Saves a new document `unid` with `json` as its body; returns the save's code. */
static int put(folio_store *st, const char *unid, const char *json, unsigned flags)
{
	folio_doc *d;
	int rc;

	assert_ok(folio_doc_new(&d, st, unid));
	assert_ok(folio_doc_set_json(d, json));
	rc = folio_doc_save(d, flags);
	folio_doc_free(d);
	return rc;
}

/* The current rev of a live document (strdup'ed), failing if there is none. */
static char *rev_of(folio_store *st, const char *unid)
{
	folio_doc *d;
	char *r;

	assert_ok(folio_doc_load(&d, st, unid));
	r = strdup(folio_doc_rev(d));
	folio_doc_free(d);
	return r;
}

/* "N-<32 hex digits>" with N == gen (gen 0: any N >= 1). */
static int rev_ok(const char *rev, int gen)
{
	char *end;
	long n;
	size_t i;

	if (!rev)
		return 0;
	n = strtol(rev, &end, 10);
	if (end == rev || *end != '-' || n < 1 || (gen && n != gen))
		return 0;
	end++;
	for (i = 0; end[i]; i++)
		if (!isxdigit((unsigned char)end[i]))
			return 0;
	return i == 32;
}

#define assert_rev(rev, gen)                                                             \
	do {                                                                             \
		const char *r__ = (rev);                                                 \
		if (!rev_ok(r__, (gen)))                                                 \
			fail_msg("rev '%s' is not %d-<32 hex>", r__ ? r__ : "(null)",   \
				 (gen));                                                 \
	} while (0)

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
static int iso_ms(const char *s)
{
	const char *pat = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	if (!s || strlen(s) != strlen(pat))
		return 0;
	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return 0;
	}
	return 1;
}

#define assert_iso(s)                                                                    \
	do {                                                                             \
		const char *s__ = (s);                                                   \
		if (!iso_ms(s__))                                                        \
			fail_msg("'%s' is not ISO 8601 UTC with ms", s__ ? s__ : "(null)"); \
	} while (0)

/* The changes feed of DB since 0, collected. */
typedef struct feed {
	int n;
	struct {
		int64_t seq;
		char store[80];
		char unid[140];
		char rev[80];
		int deleted;
	} c[64];
} feed;

static int feed_cb(const folio_change *c, void *payload)
{
	feed *fd = payload;
	if (fd->n >= 64)
		return 0;
	fd->c[fd->n].seq = c->seq;
	snprintf(fd->c[fd->n].store, sizeof(fd->c[0].store), "%s", c->store ? c->store : "");
	snprintf(fd->c[fd->n].unid, sizeof(fd->c[0].unid), "%s", c->unid ? c->unid : "");
	snprintf(fd->c[fd->n].rev, sizeof(fd->c[0].rev), "%s", c->rev ? c->rev : "");
	fd->c[fd->n].deleted = c->deleted;
	fd->n++;
	return 0;
}

static void read_feed(feed *fd, folio_session *ses)
{
	memset(fd, 0, sizeof(*fd));
	assert_ok(folio_changes(ses, DB, 0, 0, feed_cb, fd, NULL));
}

/* The index of `unid`'s entry in the feed, or -1. */
static int feed_find(const feed *fd, const char *unid)
{
	for (int i = 0; i < fd->n; i++)
		if (strcmp(fd->c[i].unid, unid) == 0)
			return i;
	return -1;
}

static json_object *root_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *root_str(json_object *o, const char *key)
{
	json_object *v = root_get(o, key);
	if (!v)
		fail_msg("no key %s", key);
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

/*
 * UNIDs and new documents
 */

static void test_new_given_unid(void **state)
{
	fx *f = *state;
	folio_doc *d = NULL;

	assert_ok(folio_doc_new(&d, f->st, "doc-1"));
	assert_non_null(d);
	assert_string_equal(folio_doc_unid(d), "doc-1");
	assert_null(folio_doc_rev(d));
	assert_null(folio_doc_cdate(d));
	assert_null(folio_doc_cuser(d));
	assert_null(folio_doc_mdate(d));
	assert_null(folio_doc_muser(d));
	assert_null(folio_doc_replica(d));
	assert_null(folio_doc_parent(d));
	assert_null(folio_doc_syncmaster(d));
	assert_int_equal(folio_doc_seq(d), 0);
	assert_int_equal(folio_doc_is_new(d), 1);
	assert_ptr_equal(folio_doc_store(d), f->st);
	assert_body(d, "{}");
	folio_doc_free(d);

	/* Longest valid UNID (128) and every allowed character. */
	char u128[129];
	memset(u128, 'a', 128);
	u128[128] = 0;
	assert_ok(folio_doc_new(&d, f->st, u128));
	assert_string_equal(folio_doc_unid(d), u128);
	folio_doc_free(d);
	assert_ok(folio_doc_new(&d, f->st, "0aZ._~-9"));
	assert_string_equal(folio_doc_unid(d), "0aZ._~-9");
	assert_int_equal(folio_unid_valid("0aZ._~-9"), 1);
	folio_doc_free(d);

	folio_doc_free(NULL); /* a no-op */
}

static int crockford(char c)
{
	return strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) != NULL && c != 0;
}

static void test_new_generated_ulid(void **state)
{
	fx *f = *state;
	char prev[27] = "";

	for (int i = 0; i < 200; i++) {
		folio_doc *d;
		const char *u;

		assert_ok(folio_doc_new(&d, f->st, NULL));
		u = folio_doc_unid(d);
		assert_non_null(u);
		assert_int_equal(strlen(u), 26);
		for (int k = 0; k < 26; k++)
			if (!crockford(u[k]))
				fail_msg("'%s' is not Crockford base 32", u);
		/* The first character encodes at most 7 (48-bit time). */
		assert_true(u[0] >= '0' && u[0] <= '7');
		assert_int_equal(folio_unid_valid(u), 1);
		if (i > 0 && strcmp(prev, u) >= 0)
			fail_msg("ULIDs do not increase: '%s' then '%s'", prev, u);
		snprintf(prev, sizeof(prev), "%s", u);
		assert_int_equal(folio_doc_is_new(d), 1);
		folio_doc_free(d);
	}

	/* folio_unid_generate() directly, and across a millisecond. */
	char a[27], b[27];
	folio_unid_generate(a);
	usleep(2000);
	folio_unid_generate(b);
	assert_int_equal(strlen(a), 26);
	assert_true(strcmp(a, b) < 0);
	assert_true(strcmp(prev, a) < 0);

	/* A generated UNID saves and loads back. */
	folio_doc *d, *l;
	assert_ok(folio_doc_new(&d, f->st, NULL));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_ok(folio_doc_load(&l, f->st, folio_doc_unid(d)));
	assert_string_equal(folio_doc_unid(l), folio_doc_unid(d));
	folio_doc_free(l);
	folio_doc_free(d);
}

static void test_invalid_unids(void **state)
{
	fx *f = *state;
	char u129[130];
	const char *bad[] = {"", "a b", "a/b", "a\"b", "a'b", "a;b", "caf\xc3\xa9", "a\tb",
			     "a:b", ".abc", "-abc", "_abc", "~abc", "a%b", u129};
	folio_doc *d;
	int64_t n = -1;

	memset(u129, 'a', 129);
	u129[129] = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *u = bad[i];

		if (folio_unid_valid(u) != 0)
			fail_msg("folio_unid_valid('%s') is not 0", u);
		d = (folio_doc *)0x1;
		assert_folio(FOLIO_EINVALID, folio_doc_new(&d, f->st, u));
		assert_null(d);
		assert_int_equal(folio_error_code(), FOLIO_EINVALID);
		assert_true(strlen(folio_error_last()) > 0);
		d = (folio_doc *)0x1;
		assert_folio(FOLIO_EINVALID, folio_doc_load(&d, f->st, u));
		assert_null(d);
		assert_folio(FOLIO_EINVALID, folio_doc_delete(f->st, u, NULL, 0));
	}
	/* Nothing was written. */
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 0);
}

/*
 * Save and load
 */

static void test_save_create_and_load(void **state)
{
	fx *f = *state;
	const char *body = "{\"name\":\"ACME\",\"city\":\"Lyon\",\"n\":3,\"tags\":[1,2]}";
	folio_doc *d, *l;

	assert_ok(folio_doc_new(&d, f->st, "acme"));
	assert_ok(folio_doc_set_json(d, body));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));

	assert_int_equal(folio_doc_is_new(d), 0);
	assert_rev(folio_doc_rev(d), 1);
	assert_true(folio_doc_seq(d) > 0);
	assert_iso(folio_doc_cdate(d));
	assert_iso(folio_doc_mdate(d));
	assert_string_equal(folio_doc_cdate(d), folio_doc_mdate(d));
	assert_string_equal(folio_doc_cuser(d), "alice");
	assert_string_equal(folio_doc_muser(d), "alice");
	assert_non_null(folio_doc_replica(d));
	assert_string_equal(folio_doc_replica(d), f->replica);
	assert_body(d, body);

	assert_ok(folio_doc_load(&l, f->st, "acme"));
	assert_int_equal(folio_doc_is_new(l), 0);
	assert_string_equal(folio_doc_unid(l), "acme");
	assert_string_equal(folio_doc_rev(l), folio_doc_rev(d));
	assert_int_equal(folio_doc_seq(l), folio_doc_seq(d));
	assert_string_equal(folio_doc_cdate(l), folio_doc_cdate(d));
	assert_string_equal(folio_doc_mdate(l), folio_doc_mdate(d));
	assert_string_equal(folio_doc_cuser(l), "alice");
	assert_string_equal(folio_doc_muser(l), "alice");
	assert_non_null(folio_doc_replica(l));
	assert_string_equal(folio_doc_replica(l), f->replica);
	assert_null(folio_doc_parent(l));
	assert_null(folio_doc_syncmaster(l));
	assert_ptr_equal(folio_doc_store(l), f->st);
	assert_body(l, body);

	/* The database's last seq is the save's. */
	int64_t last = 0;
	assert_ok(folio_db_last_seq(&last, f->ses, DB));
	assert_int_equal(last, folio_doc_seq(d));

	int64_t n = 0;
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 1);
	folio_doc_free(l);
	folio_doc_free(d);

	/* A missing document. */
	l = (folio_doc *)0x1;
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, f->st, "nobody"));
	assert_null(l);
}

static void test_save_update(void **state)
{
	fx *f = *state;
	folio_session *bob;
	folio_store *bst;
	folio_doc *d, *b, *l;
	char *cdate, *mdate1;
	int64_t seq1;

	assert_ok(folio_doc_new(&d, f->st, "u1"));
	assert_ok(folio_doc_set_json(d, "{\"v\":1}"));
	assert_ok(folio_doc_save(d, 0));
	cdate = strdup(folio_doc_cdate(d));
	mdate1 = strdup(folio_doc_mdate(d));
	seq1 = folio_doc_seq(d);

	usleep(5000); /* dates have milliseconds: make the second one differ */
	assert_ok(folio_session_open(&bob, f->srv, "bob", NULL));
	assert_string_equal(folio_session_user(bob), "bob");
	assert_ok(folio_store_open(&bst, bob, DB, "_default"));
	assert_ok(folio_doc_load(&b, bst, "u1"));
	assert_ok(folio_doc_set_json(b, "{\"v\":2}"));
	assert_ok(folio_doc_save(b, FOLIO_SAVE_CHECK_CONFLICT));
	assert_rev(folio_doc_rev(b), 2);
	assert_string_equal(folio_doc_cdate(b), cdate);
	assert_string_equal(folio_doc_cuser(b), "alice");
	assert_string_equal(folio_doc_muser(b), "bob");
	assert_iso(folio_doc_mdate(b));
	assert_string_not_equal(folio_doc_mdate(b), mdate1);
	assert_true(strcmp(folio_doc_mdate(b), mdate1) > 0);
	assert_true(folio_doc_seq(b) > seq1);

	/* Seen the same way by alice. */
	assert_ok(folio_doc_load(&l, f->st, "u1"));
	assert_string_equal(folio_doc_rev(l), folio_doc_rev(b));
	assert_string_equal(folio_doc_cdate(l), cdate);
	assert_string_equal(folio_doc_cuser(l), "alice");
	assert_string_equal(folio_doc_mdate(l), folio_doc_mdate(b));
	assert_string_equal(folio_doc_muser(l), "bob");
	assert_int_equal(folio_doc_seq(l), folio_doc_seq(b));
	assert_body(l, "{\"v\":2}");
	folio_doc_free(l);

	/* The same handle saves again: rev 3, a higher seq. */
	int64_t seq2 = folio_doc_seq(b);
	assert_ok(folio_doc_set_path(b, "w", "true"));
	assert_ok(folio_doc_save(b, FOLIO_SAVE_CHECK_CONFLICT));
	assert_rev(folio_doc_rev(b), 3);
	assert_true(folio_doc_seq(b) > seq2);
	assert_ok(folio_doc_load(&l, f->st, "u1"));
	assert_body(l, "{\"v\":2,\"w\":true}");
	assert_string_equal(folio_doc_rev(l), folio_doc_rev(b));
	folio_doc_free(l);

	/* The revs of two different bodies differ after the generation too. */
	assert_string_not_equal(strchr(folio_doc_rev(b), '-'), strchr(folio_doc_rev(d), '-'));

	folio_doc_free(b);
	folio_doc_free(d);
	folio_store_free(bst);
	folio_session_free(bob);
	free(cdate);
	free(mdate1);
}

static void test_optimistic_concurrency(void **state)
{
	fx *f = *state;
	folio_doc *a, *b, *l;
	char *rev_a;
	int64_t seq_a;

	assert_ok(put(f->st, "oc", "{\"v\":0}", 0));
	assert_ok(folio_doc_load(&a, f->st, "oc"));
	assert_ok(folio_doc_load(&b, f->st, "oc"));
	assert_ok(folio_doc_set_json(a, "{\"v\":\"a\"}"));
	assert_ok(folio_doc_save(a, FOLIO_SAVE_CHECK_CONFLICT));
	rev_a = strdup(folio_doc_rev(a));
	seq_a = folio_doc_seq(a);

	assert_ok(folio_doc_set_json(b, "{\"v\":\"b\"}"));
	assert_folio(FOLIO_ECONFLICT, folio_doc_save(b, FOLIO_SAVE_CHECK_CONFLICT));
	assert_int_equal(folio_error_code(), FOLIO_ECONFLICT);

	/* Nothing changed in the store. */
	assert_ok(folio_doc_load(&l, f->st, "oc"));
	assert_body(l, "{\"v\":\"a\"}");
	assert_string_equal(folio_doc_rev(l), rev_a);
	assert_int_equal(folio_doc_seq(l), seq_a);
	folio_doc_free(l);
	int64_t last;
	assert_ok(folio_db_last_seq(&last, f->ses, DB));
	assert_int_equal(last, seq_a);

	/* Without the flag the last writer wins. */
	assert_ok(folio_doc_save(b, 0));
	assert_rev(folio_doc_rev(b), 3);
	assert_ok(folio_doc_load(&l, f->st, "oc"));
	assert_body(l, "{\"v\":\"b\"}");
	assert_string_equal(folio_doc_rev(l), folio_doc_rev(b));
	folio_doc_free(l);

	/* The stale handle `a` now conflicts too. */
	assert_ok(folio_doc_set_json(a, "{\"v\":\"a2\"}"));
	assert_folio(FOLIO_ECONFLICT, folio_doc_save(a, FOLIO_SAVE_CHECK_CONFLICT));

	free(rev_a);
	folio_doc_free(a);
	folio_doc_free(b);
}

static void test_new_over_existing(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char *rev1, *cdate;

	assert_ok(put(f->st, "taken", "{\"v\":1}", 0));
	assert_ok(folio_doc_load(&l, f->st, "taken"));
	rev1 = strdup(folio_doc_rev(l));
	cdate = strdup(folio_doc_cdate(l));
	folio_doc_free(l);

	assert_folio(FOLIO_EEXISTS, put(f->st, "taken", "{\"v\":2}", FOLIO_SAVE_CHECK_CONFLICT));
	assert_ok(folio_doc_load(&l, f->st, "taken"));
	assert_body(l, "{\"v\":1}");
	assert_string_equal(folio_doc_rev(l), rev1);
	folio_doc_free(l);

	/* Without the flag: an update. */
	usleep(2000);
	assert_ok(folio_doc_new(&d, f->st, "taken"));
	assert_ok(folio_doc_set_json(d, "{\"v\":3}"));
	assert_ok(folio_doc_save(d, 0));
	assert_rev(folio_doc_rev(d), 2);
	assert_string_equal(folio_doc_cdate(d), cdate);
	assert_ok(folio_doc_load(&l, f->st, "taken"));
	assert_body(l, "{\"v\":3}");
	assert_rev(folio_doc_rev(l), 2);
	assert_string_equal(folio_doc_cdate(l), cdate);
	folio_doc_free(l);
	folio_doc_free(d);

	int64_t n;
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 1);
	free(rev1);
	free(cdate);
}

static void test_rev_in_set_json(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char json[256], *rev1, *rev2;

	assert_ok(put(f->st, "r", "{\"v\":1}", 0));
	rev1 = rev_of(f->st, "r");

	/* The current rev: the save is an update. */
	snprintf(json, sizeof(json), "{\"_rev\":\"%s\",\"v\":2}", rev1);
	assert_ok(folio_doc_new(&d, f->st, "r"));
	assert_ok(folio_doc_set_json(d, json));
	assert_ok(folio_doc_save(d, 0));
	assert_rev(folio_doc_rev(d), 2);
	folio_doc_free(d);
	rev2 = rev_of(f->st, "r");

	/* A stale rev, with or without the flag: a conflict, nothing changes. */
	snprintf(json, sizeof(json), "{\"_rev\":\"%s\",\"v\":3}", rev1);
	for (int flags = 0; flags <= 1; flags++) {
		assert_ok(folio_doc_load(&d, f->st, "r"));
		assert_ok(folio_doc_set_json(d, json));
		assert_folio(FOLIO_ECONFLICT, folio_doc_save(d, (unsigned)flags));
		folio_doc_free(d);
		assert_ok(folio_doc_load(&l, f->st, "r"));
		assert_body(l, "{\"v\":2}");
		assert_string_equal(folio_doc_rev(l), rev2);
		folio_doc_free(l);
	}

	/* `_rev` is not part of the body. */
	snprintf(json, sizeof(json), "{\"_rev\":\"%s\",\"v\":4}", rev2);
	assert_ok(folio_doc_load(&d, f->st, "r"));
	assert_ok(folio_doc_set_json(d, json));
	assert_body(d, "{\"v\":4}");
	assert_ok(folio_doc_save(d, 0));
	assert_rev(folio_doc_rev(d), 3);
	folio_doc_free(d);

	/* A `_rev` for a document that does not exist cannot be current. */
	snprintf(json, sizeof(json), "{\"_rev\":\"%s\",\"v\":1}", rev1);
	assert_ok(folio_doc_new(&d, f->st, "never-saved"));
	assert_ok(folio_doc_set_json(d, json));
	assert_folio(FOLIO_ECONFLICT, folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, f->st, "never-saved"));

	free(rev1);
	free(rev2);
}

/*
 * Delete
 */

static void test_delete_stub(void **state)
{
	fx *f = *state;
	folio_doc *l;
	feed fd;
	int i;
	int64_t n, last_before, last_after;

	assert_ok(put(f->st, "gone", "{\"v\":1}", 0));
	assert_ok(put(f->st, "stays", "{\"v\":1}", 0));
	assert_ok(folio_db_last_seq(&last_before, f->ses, DB));

	assert_ok(folio_doc_delete(f->st, "gone", NULL, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, f->st, "gone"));
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 1);
	assert_ok(folio_db_last_seq(&last_after, f->ses, DB));
	assert_true(last_after > last_before);

	read_feed(&fd, f->ses);
	assert_int_equal(fd.n, 2);
	i = feed_find(&fd, "gone");
	assert_true(i >= 0);
	assert_int_equal(fd.c[i].deleted, 1);
	assert_rev(fd.c[i].rev, 2);
	assert_string_equal(fd.c[i].store, "_default");
	assert_int_equal(fd.c[i].seq, last_after);
	i = feed_find(&fd, "stays");
	assert_true(i >= 0);
	assert_int_equal(fd.c[i].deleted, 0);
	/* The feed is in seq order. */
	assert_true(fd.c[0].seq < fd.c[1].seq);

	/* A second delete finds nothing. */
	assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "gone", NULL, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "never-there", NULL, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "gone", NULL, FOLIO_DELETE_ERASE));
}

static void test_delete_with_rev(void **state)
{
	fx *f = *state;
	folio_doc *l;
	char *rev1, *rev2;

	assert_ok(put(f->st, "d", "{\"v\":1}", 0));
	rev1 = rev_of(f->st, "d");
	assert_ok(put(f->st, "d", "{\"v\":2}", 0));
	rev2 = rev_of(f->st, "d");

	assert_folio(FOLIO_ECONFLICT, folio_doc_delete(f->st, "d", rev1, 0));
	assert_ok(folio_doc_load(&l, f->st, "d"));
	assert_string_equal(folio_doc_rev(l), rev2);
	assert_body(l, "{\"v\":2}");
	folio_doc_free(l);
	assert_folio(FOLIO_ECONFLICT, folio_doc_delete(f->st, "d", rev1, FOLIO_DELETE_ERASE));
	assert_ok(folio_doc_load(&l, f->st, "d"));
	folio_doc_free(l);

	/* Not a revision at all. */
	assert_folio(FOLIO_EINVALID, folio_doc_delete(f->st, "d", "not a rev", 0));

	assert_ok(folio_doc_delete(f->st, "d", rev2, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, f->st, "d"));
	free(rev1);
	free(rev2);
}

static void test_save_after_delete(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	feed fd;
	int i;

	assert_ok(put(f->st, "phoenix", "{\"life\":1}", 0));
	assert_ok(folio_doc_delete(f->st, "phoenix", NULL, 0));

	/* The stub does not make the UNID taken. */
	assert_ok(folio_doc_new(&d, f->st, "phoenix"));
	assert_ok(folio_doc_set_json(d, "{\"life\":2}"));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_rev(folio_doc_rev(d), 3);
	folio_doc_free(d);

	assert_ok(folio_doc_load(&l, f->st, "phoenix"));
	assert_rev(folio_doc_rev(l), 3);
	assert_body(l, "{\"life\":2}");
	folio_doc_free(l);

	/* The feed shows the live document once. */
	read_feed(&fd, f->ses);
	assert_int_equal(fd.n, 1);
	i = feed_find(&fd, "phoenix");
	assert_true(i >= 0);
	assert_int_equal(fd.c[i].deleted, 0);
	assert_rev(fd.c[i].rev, 3);

	/* Deleted again: rev 4 in the stub. */
	assert_ok(folio_doc_delete(f->st, "phoenix", NULL, 0));
	read_feed(&fd, f->ses);
	assert_int_equal(fd.n, 1);
	assert_int_equal(fd.c[0].deleted, 1);
	assert_rev(fd.c[0].rev, 4);
}

static void test_erase(void **state)
{
	fx *f = *state;
	folio_doc *l, *d;
	feed fd;

	assert_ok(put(f->st, "e", "{\"v\":1}", 0));
	assert_ok(put(f->st, "e", "{\"v\":2}", 0));
	assert_ok(folio_doc_delete(f->st, "e", NULL, FOLIO_DELETE_ERASE));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, f->st, "e"));
	read_feed(&fd, f->ses);
	assert_int_equal(fd.n, 0);
	assert_int_equal(feed_find(&fd, "e"), -1);

	/* Erasing a stub-less UNID leaves it free: a new save starts over at 1. */
	assert_ok(folio_doc_new(&d, f->st, "e"));
	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_rev(folio_doc_rev(d), 1);
	folio_doc_free(d);

	/* Erase after a delete stub was left: nothing to erase any more. */
	assert_ok(folio_doc_delete(f->st, "e", NULL, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "e", NULL, FOLIO_DELETE_ERASE));
}

/*
 * The body as JSON
 */

static void test_json_round_trip(void **state)
{
	fx *f = *state;
	const char *obj =
		"{\"s\":\"plain\",\"i\":42,\"neg\":-7,\"big\":9007199254740991,\"d\":3.25,"
		"\"e\":1.5e-10,\"t\":true,\"f\":false,\"z\":null,"
		"\"nested\":{\"a\":{\"b\":[1,[2,[3]],{\"c\":\"d\"}]}},"
		"\"empty_o\":{},\"empty_a\":[],"
		"\"uni\":\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80\","
		"\"uesc\":\"\\u00e9\\u65e5\\ud83d\\ude00\","
		"\"esc\":\"q\\\" b\\\\ s\\/ n\\n t\\t r\\r b\\b f\\f ctl\\u0001\","
		"\"k\\\"ey\":1,\"\xc3\xa9t\xc3\xa9\":\"summer\"}";
	const char *arr = "[1,\"two\",{\"three\":3},[4],null,true]";
	folio_doc *d, *l;
	char *v;

	assert_ok(folio_doc_new(&d, f->st, "obj"));
	assert_ok(folio_doc_set_json(d, obj));
	assert_body(d, obj);
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "obj"));
	assert_body(l, obj);

	/* Unicode arrives as the same characters, escaped or not. */
	assert_ok(folio_doc_get_path(&v, l, "uni"));
	{
		json_object *o = parse(v);
		assert_string_equal(json_object_get_string(o),
				    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
				    "\xf0\x9f\x98\x80");
		json_object_put(o);
	}
	free(v);
	assert_ok(folio_doc_get_path(&v, l, "uesc"));
	{
		json_object *o = parse(v);
		assert_string_equal(json_object_get_string(o),
				    "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
		json_object_put(o);
	}
	free(v);
	assert_ok(folio_doc_get_path(&v, l, "esc"));
	{
		json_object *o = parse(v);
		assert_string_equal(json_object_get_string(o),
				    "q\" b\\ s/ n\n t\t r\r b\b f\f ctl\x01");
		json_object_put(o);
	}
	free(v);
	assert_ok(folio_doc_get_path(&v, l, "big"));
	assert_string_equal(v, "9007199254740991");
	free(v);
	folio_doc_free(l);

	/* An array document. */
	assert_ok(folio_doc_new(&d, f->st, "arr"));
	assert_ok(folio_doc_set_json(d, arr));
	assert_body(d, arr);
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "arr"));
	assert_body(l, arr);
	assert_ok(folio_doc_get_path(&v, l, "2.three"));
	assert_string_equal(v, "3");
	free(v);
	folio_doc_free(l);

	/* Whitespace does not matter; the document replaces the whole body. */
	assert_ok(folio_doc_new(&d, f->st, "ws"));
	assert_ok(folio_doc_set_json(d, "{\"old\":1}"));
	assert_ok(folio_doc_set_json(d, " \n\t{ \"a\" :\r\n [ 1 , 2 ] }\n "));
	assert_body(d, "{\"a\":[1,2]}");
	folio_doc_free(d);
}

static void test_to_json(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char *w, *p, *nm, *b;
	json_object *o, *op;

	assert_ok(folio_doc_new(&d, f->st, "wire"));
	/* Before the first save: the UNID, no rev. */
	assert_ok(folio_doc_to_json(&w, d, 0));
	o = parse(w);
	assert_string_equal(root_str(o, "_unid"), "wire");
	assert_null(root_get(o, "_rev"));
	json_object_put(o);
	free(w);

	assert_ok(folio_doc_set_json(d, "{\"name\":\"x\",\"_tags\":[\"t1\"]}"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "wire"));

	assert_ok(folio_doc_to_json(&w, l, 0));
	o = parse(w);
	assert_string_equal(root_str(o, "_unid"), "wire");
	assert_string_equal(root_str(o, "_rev"), folio_doc_rev(l));
	assert_string_equal(root_str(o, "_cdate"), folio_doc_cdate(l));
	assert_string_equal(root_str(o, "_cuser"), "alice");
	assert_string_equal(root_str(o, "_mdate"), folio_doc_mdate(l));
	assert_string_equal(root_str(o, "_muser"), "alice");
	assert_string_equal(root_str(o, "name"), "x");
	assert_non_null(root_get(o, "_tags"));
	assert_null(root_get(o, "_parentid"));
	assert_null(root_get(o, "_syncmaster"));
	assert_null(root_get(o, "_revisions"));
	assert_null(root_get(o, "_seq"));

	/* Pretty: the same document, indented. */
	assert_ok(folio_doc_to_json(&p, l, FOLIO_JSON_PRETTY));
	assert_non_null(strchr(p, '\n'));
	op = parse(p);
	assert_true(json_object_equal(o, op));
	json_object_put(op);
	free(p);
	json_object_put(o);
	free(w);

	/* No meta: the body. */
	assert_ok(folio_doc_to_json(&nm, l, FOLIO_JSON_NO_META));
	b = body_of(l);
	assert_json_eq(nm, b);
	assert_json_eq(nm, "{\"name\":\"x\",\"_tags\":[\"t1\"]}");
	free(nm);
	free(b);

	/* The wire form read back by set_json gives the same body. */
	assert_ok(folio_doc_to_json(&w, l, FOLIO_JSON_REVISIONS));
	assert_ok(folio_doc_set_json(l, w));
	assert_body(l, "{\"name\":\"x\",\"_tags\":[\"t1\"]}");
	assert_ok(folio_doc_save(l, 0));
	assert_rev(folio_doc_rev(l), 2);
	free(w);
	folio_doc_free(l);

	/* Parent and sync master appear when set. */
	assert_ok(folio_doc_new(&d, f->st, "child"));
	assert_ok(folio_doc_set_parent(d, "wire"));
	assert_ok(folio_doc_set_syncmaster(d, "master:notes"));
	assert_ok(folio_doc_to_json(&w, d, 0));
	o = parse(w);
	assert_string_equal(root_str(o, "_parentid"), "wire");
	assert_string_equal(root_str(o, "_syncmaster"), "master:notes");
	json_object_put(o);
	free(w);
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "child"));
	assert_ok(folio_doc_to_json(&w, l, FOLIO_JSON_PRETTY | FOLIO_JSON_REVISIONS));
	o = parse(w);
	assert_string_equal(root_str(o, "_parentid"), "wire");
	assert_string_equal(root_str(o, "_syncmaster"), "master:notes");
	json_object_put(o);
	free(w);
	folio_doc_free(l);
}

static void test_to_json_revisions(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char *w, gen[16];
	json_object *o, *revs, *seq;

	assert_ok(folio_doc_new(&d, f->st, "hist"));
	for (int i = 1; i <= 25; i++) {
		char body[64];
		snprintf(body, sizeof(body), "{\"i\":%d}", i);
		assert_ok(folio_doc_set_json(d, body));
		assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
		assert_rev(folio_doc_rev(d), i);

		if (i == 3) {
			assert_ok(folio_doc_load(&l, f->st, "hist"));
			assert_ok(folio_doc_to_json(&w, l, FOLIO_JSON_REVISIONS));
			o = parse(w);
			revs = root_get(o, "_revisions");
			assert_non_null(revs);
			assert_true(json_object_is_type(revs, json_type_array));
			assert_int_equal(json_object_array_length(revs), 3);
			assert_string_equal(
				json_object_get_string(json_object_array_get_idx(revs, 0)),
				folio_doc_rev(l));
			for (int k = 0; k < 3; k++)
				assert_rev(json_object_get_string(
						   json_object_array_get_idx(revs, (size_t)k)),
					   3 - k);
			json_object_put(o);
			free(w);
			folio_doc_free(l);
		}
	}
	folio_doc_free(d);

	assert_ok(folio_doc_load(&l, f->st, "hist"));
	assert_ok(folio_doc_to_json(&w, l, FOLIO_JSON_REVISIONS));
	o = parse(w);
	revs = root_get(o, "_revisions");
	assert_non_null(revs);
	assert_true(json_object_is_type(revs, json_type_array));
	assert_int_equal(json_object_array_length(revs), 20);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(revs, 0)),
			    folio_doc_rev(l));
	for (int k = 0; k < 20; k++) {
		const char *r = json_object_get_string(json_object_array_get_idx(revs, (size_t)k));
		assert_rev(r, 25 - k);
		snprintf(gen, sizeof(gen), "%d-", 25 - k);
		assert_true(strncmp(r, gen, strlen(gen)) == 0);
	}
	assert_null(root_get(o, "_seq")); /* only with FOLIO_JSON_SEQ */
	assert_string_equal(root_str(o, "_rev"), folio_doc_rev(l));
	json_object_put(o);
	free(w);
	assert_ok(folio_doc_to_json(&w, l, FOLIO_JSON_SEQ));
	o = parse(w);
	seq = root_get(o, "_seq");
	assert_non_null(seq);
	assert_true(json_object_is_type(seq, json_type_int));
	assert_int_equal(json_object_get_int64(seq), folio_doc_seq(l));
	assert_null(root_get(o, "_revisions"));
	json_object_put(o);
	free(w);
	folio_doc_free(l);
}

/*
 * set_json errors and limits
 */

static void test_set_json_malformed(void **state)
{
	fx *f = *state;
	folio_doc *d;
	const char *bad[] = {"", "   ", "{", "{\"a\":}", "{\"a\" 1}", "[1,2", "{} x", "{'a':1}",
			     "{\"a\":1,}x", "nul", "\"unterminated"};
	const char *not_container[] = {"42", "\"str\"", "null", "true", "-1.5"};

	assert_ok(folio_doc_new(&d, f->st, "bad"));
	assert_ok(folio_doc_set_json(d, "{\"keep\":1}"));

	/* The position of the error, 1-based: '@' is on line 3, column 8. */
	assert_folio(FOLIO_EINVALID,
		     folio_doc_set_json(d, "{\n  \"a\": 1,\n  \"b\": @,\n  \"c\": 3\n}"));
	assert_int_equal(folio_error_code(), FOLIO_EINVALID);
	if (!strstr(folio_error_last(), "line 3, column 8"))
		fail_msg("error detail '%s' does not name line 3, column 8", folio_error_last());

	/* One line: '@' is column 8. */
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"a\":1,@}"));
	if (!strstr(folio_error_last(), "line 1, column 8"))
		fail_msg("error detail '%s' does not name line 1, column 8", folio_error_last());

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = folio_doc_set_json(d, bad[i]);
		if (rc != FOLIO_EINVALID)
			fail_msg("set_json('%s') gave %d (%s), want FOLIO_EINVALID", bad[i], rc,
				 folio_error_name(rc));
	}
	for (size_t i = 0; i < sizeof(not_container) / sizeof(not_container[0]); i++) {
		int rc = folio_doc_set_json(d, not_container[i]);
		if (rc != FOLIO_EINVALID)
			fail_msg("set_json('%s') gave %d (%s), want FOLIO_EINVALID",
				 not_container[i], rc, folio_error_name(rc));
	}
	folio_doc_free(d);
}

/* '[' x n then ']' x n, or {"a": ... n levels. */
static char *nested(int n, int objects)
{
	char *s = malloc((size_t)n * 6 + 16), *p;
	assert_non_null(s);
	p = s;
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s", objects ? "{\"a\":" : "[");
	p += sprintf(p, "1");
	for (int i = 0; i < n; i++)
		*p++ = objects ? '}' : ']';
	*p = 0;
	return s;
}

static void test_set_json_depth(void **state)
{
	fx *f = *state;
	folio_doc *d;
	char *s;

	assert_ok(folio_doc_new(&d, f->st, "deep"));
	for (int objects = 0; objects <= 1; objects++) {
		s = nested(FOLIO_DEFAULT_MAX_DEPTH, objects);
		assert_ok(folio_doc_set_json(d, s));
		free(s);
		s = nested(FOLIO_DEFAULT_MAX_DEPTH + 1, objects);
		assert_folio(FOLIO_ETOOBIG, folio_doc_set_json(d, s));
		free(s);
		s = nested(1000, objects);
		assert_folio(FOLIO_ETOOBIG, folio_doc_set_json(d, s));
		free(s);
	}
	/* The last good body is the one saved. */
	assert_ok(folio_doc_set_json(d, "{\"ok\":true}"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
}

static void test_size_limit(void **state)
{
	fx small;
	folio_server_options o = {0};
	folio_doc *d, *l;
	char big[2100], fits[900], *v, *rev1;
	int rc;
	int64_t n;
	(void)state;

	o.max_doc_size = 1000;
	open_fx(&small, &o);

	/* 2000 bytes of JSON: refused by set_json. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"s\":\"", 6);
	memcpy(big + 2000 - 2, "\"}", 3);
	assert_int_equal(strlen(big), 2000);
	assert_ok(folio_doc_new(&d, small.st, "big"));
	assert_folio(FOLIO_ETOOBIG, folio_doc_set_json(d, big));
	folio_doc_free(d);

	/* 800 bytes: fine. */
	memset(fits, 'y', sizeof(fits));
	memcpy(fits, "{\"s\":\"", 6);
	memcpy(fits + 800 - 2, "\"}", 3);
	assert_ok(folio_doc_new(&d, small.st, "fits"));
	assert_ok(folio_doc_set_json(d, fits));
	assert_ok(folio_doc_save(d, 0));
	rev1 = strdup(folio_doc_rev(d));

	/* Grown past the limit by a path: the save fails and stores nothing. */
	v = malloc(600);
	assert_non_null(v);
	memset(v, 'z', 599);
	v[0] = '"';
	v[598] = '"';
	v[599] = 0;
	rc = folio_doc_set_path(d, "more", v);
	if (rc != FOLIO_ETOOBIG) {
		assert_ok(rc);
		assert_folio(FOLIO_ETOOBIG, folio_doc_save(d, 0));
	}
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, small.st, "fits"));
	assert_string_equal(folio_doc_rev(l), rev1);
	assert_body(l, fits);
	folio_doc_free(l);

	/* A new document grown past the limit: nothing at all. */
	assert_ok(folio_doc_new(&d, small.st, "grown"));
	assert_ok(folio_doc_set_json(d, fits));
	rc = folio_doc_set_path(d, "more", v);
	if (rc != FOLIO_ETOOBIG) {
		assert_ok(rc);
		assert_folio(FOLIO_ETOOBIG, folio_doc_save(d, 0));
	}
	folio_doc_free(d);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, small.st, "grown"));
	assert_ok(folio_store_count(&n, small.st));
	assert_int_equal(n, 1);

	free(v);
	free(rev1);
	close_fx(&small);
}

/*
 * System fields in set_json
 */

static void test_system_fields(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char *b;
	json_object *o;

	assert_ok(folio_doc_new(&d, f->st, "sys"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_foo\":1}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"a\":1,\"_id\":\"x\"}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_unid\":\"other\"}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_unid\":42}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_readers\":[1]}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_readers\":[\"a\",2]}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_editors\":[null]}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_editors\":[[\"a\"]]}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_tags\":[true]}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_tags\":\"t\"}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_readers\":{\"a\":1}}"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_json(d, "{\"_parentid\":\"bad parent\"}"));

	/* `_` below the root is user data. */
	assert_ok(folio_doc_set_json(d, "{\"a\":{\"_foo\":1},\"b\":[{\"_x\":2}]}"));
	assert_body(d, "{\"a\":{\"_foo\":1},\"b\":[{\"_x\":2}]}");

	/* The matching UNID, the read-only fields, parent and sync master. */
	assert_ok(folio_doc_set_json(
		d, "{\"_unid\":\"sys\",\"_cdate\":\"1999-01-01T00:00:00.000Z\","
		   "\"_cuser\":\"mallory\","
		   "\"_mdate\":\"1999-01-01T00:00:00.000Z\",\"_muser\":\"mallory\",\"_seq\":99999,"
		   "\"_revisions\":[\"9-00000000000000000000000000000000\"],"
		   "\"_attachments\":{},\"_conflict\":true,"
		   "\"_parentid\":\"p1\",\"_syncmaster\":\"m1:notes\","
		   "\"_readers\":[\"alice\",\"[admin]\",\"*\"],\"_editors\":[\"bob\"],"
		   "\"_tags\":[\"red\",\"blue\"],\"v\":1}"));
	assert_string_equal(folio_doc_parent(d), "p1");
	assert_string_equal(folio_doc_syncmaster(d), "m1:notes");
	b = body_of(d);
	o = parse(b);
	free(b);
	assert_null(root_get(o, "_unid"));
	assert_null(root_get(o, "_cdate"));
	assert_null(root_get(o, "_cuser"));
	assert_null(root_get(o, "_mdate"));
	assert_null(root_get(o, "_muser"));
	assert_null(root_get(o, "_seq"));
	assert_null(root_get(o, "_revisions"));
	assert_null(root_get(o, "_attachments"));
	assert_null(root_get(o, "_conflict"));
	json_object_put(o);
	assert_body(d, "{\"_readers\":[\"alice\",\"[admin]\",\"*\"],\"_editors\":[\"bob\"],"
		       "\"_tags\":[\"red\",\"blue\"],\"v\":1}");

	assert_ok(folio_doc_save(d, FOLIO_SAVE_CHECK_CONFLICT));
	assert_rev(folio_doc_rev(d), 1);
	assert_string_equal(folio_doc_cuser(d), "alice");
	assert_string_equal(folio_doc_muser(d), "alice");
	assert_string_not_equal(folio_doc_cdate(d), "1999-01-01T00:00:00.000Z");
	assert_true(folio_doc_seq(d) != 99999);
	folio_doc_free(d);

	assert_ok(folio_doc_load(&l, f->st, "sys"));
	assert_body(l, "{\"_readers\":[\"alice\",\"[admin]\",\"*\"],\"_editors\":[\"bob\"],"
		       "\"_tags\":[\"red\",\"blue\"],\"v\":1}");
	assert_string_equal(folio_doc_parent(l), "p1");
	assert_string_equal(folio_doc_syncmaster(l), "m1:notes");
	assert_string_equal(folio_doc_cuser(l), "alice");
	folio_doc_free(l);

	/* Empty arrays are fine. */
	assert_ok(folio_doc_new(&d, f->st, "sys2"));
	assert_ok(folio_doc_set_json(d, "{\"_unid\":\"sys2\",\"_readers\":[],\"_tags\":[]}"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
}

/*
 * Paths
 */

static void test_paths(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	char *v;

	assert_ok(folio_doc_new(&d, f->st, "paths"));
	assert_ok(folio_doc_set_json(
		d, "{\"a\":{\"b\":1,\"s\":\"t\"},\"arr\":[10,20,{\"k\":\"v\"}],\"n\":null}"));

	assert_ok(folio_doc_get_path(&v, d, "a.b"));
	assert_string_equal(v, "1");
	free(v);
	assert_ok(folio_doc_get_path(&v, d, "a.s"));
	assert_string_equal(v, "\"t\"");
	free(v);
	assert_ok(folio_doc_get_path(&v, d, "arr.0"));
	assert_string_equal(v, "10");
	free(v);
	assert_ok(folio_doc_get_path(&v, d, "arr.2.k"));
	assert_string_equal(v, "\"v\"");
	free(v);
	assert_ok(folio_doc_get_path(&v, d, "a"));
	assert_json_eq(v, "{\"b\":1,\"s\":\"t\"}");
	free(v);
	assert_ok(folio_doc_get_path(&v, d, "n"));
	assert_string_equal(v, "null");
	free(v);

	v = (char *)0x1;
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "missing"));
	assert_null(v);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "a.c"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "a.b.c"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "arr.3"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "n.x"));
	assert_folio(FOLIO_EINVALID, folio_doc_get_path(&v, d, ""));
	assert_folio(FOLIO_EINVALID, folio_doc_get_path(&v, d, "a..b"));
	assert_folio(FOLIO_EINVALID, folio_doc_get_path(&v, d, ".a"));
	assert_folio(FOLIO_EINVALID, folio_doc_get_path(&v, d, "a."));

	/* set creates objects on the way. */
	assert_ok(folio_doc_set_path(d, "x.y.z", "true"));
	assert_ok(folio_doc_get_path(&v, d, "x"));
	assert_json_eq(v, "{\"y\":{\"z\":true}}");
	free(v);
	/* replaces */
	assert_ok(folio_doc_set_path(d, "a.b", "{\"deep\":[1]}"));
	assert_ok(folio_doc_get_path(&v, d, "a.b.deep.0"));
	assert_string_equal(v, "1");
	free(v);
	assert_ok(folio_doc_set_path(d, "arr.0", "11"));
	/* appends at index == length */
	assert_ok(folio_doc_set_path(d, "arr.3", "\"forty\""));
	assert_ok(folio_doc_get_path(&v, d, "arr"));
	assert_json_eq(v, "[11,20,{\"k\":\"v\"},\"forty\"]");
	free(v);
	/* beyond the length: an error, nothing changes */
	assert_true(folio_doc_set_path(d, "arr.9", "1") < 0);
	assert_true(folio_doc_set_path(d, "arr.5", "1") < 0);
	assert_ok(folio_doc_get_path(&v, d, "arr"));
	assert_json_eq(v, "[11,20,{\"k\":\"v\"},\"forty\"]");
	free(v);
	/* a bad value or path */
	assert_folio(FOLIO_EINVALID, folio_doc_set_path(d, "q", "{bad"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_path(d, "", "1"));
	assert_folio(FOLIO_EINVALID, folio_doc_set_path(d, "a..b", "1"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "q"));

	/* remove */
	assert_ok(folio_doc_remove_path(d, "a.s"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_get_path(&v, d, "a.s"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_remove_path(d, "a.s"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_remove_path(d, "nothing.here"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_remove_path(d, "arr.7"));
	assert_ok(folio_doc_remove_path(d, "arr.0"));
	assert_ok(folio_doc_get_path(&v, d, "arr"));
	assert_json_eq(v, "[20,{\"k\":\"v\"},\"forty\"]");
	free(v);
	assert_ok(folio_doc_remove_path(d, "n"));

	/* The changes are in the body, and survive a save. */
	const char *want = "{\"a\":{\"b\":{\"deep\":[1]}},\"arr\":[20,{\"k\":\"v\"},\"forty\"],"
			   "\"x\":{\"y\":{\"z\":true}}}";
	assert_body(d, want);
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "paths"));
	assert_body(l, want);
	assert_ok(folio_doc_get_path(&v, l, "x.y.z"));
	assert_string_equal(v, "true");
	free(v);

	/* A loaded document is changed by path, saved, reloaded. */
	assert_ok(folio_doc_set_path(l, "counter", "1"));
	assert_ok(folio_doc_save(l, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(l);
	assert_ok(folio_doc_load(&l, f->st, "paths"));
	assert_ok(folio_doc_get_path(&v, l, "counter"));
	assert_string_equal(v, "1");
	free(v);
	folio_doc_free(l);

	/* Paths into an array document. */
	assert_ok(folio_doc_new(&d, f->st, "patharr"));
	assert_ok(folio_doc_set_json(d, "[1,{\"a\":2}]"));
	assert_ok(folio_doc_get_path(&v, d, "1.a"));
	assert_string_equal(v, "2");
	free(v);
	assert_ok(folio_doc_set_path(d, "2", "3"));
	assert_body(d, "[1,{\"a\":2},3]");
	folio_doc_free(d);
}

/*
 * Parent and sync master
 */

static void test_parent_syncmaster(void **state)
{
	fx *f = *state;
	folio_doc *d, *l;
	const char *bad[] = {" ", "a b", "p1:", ":store", "p1:bad store", ".x", "p1:st:x",
			     "p1:_nope", "p1:9store"};

	assert_ok(folio_doc_new(&d, f->st, "kid"));
	assert_ok(folio_doc_set_parent(d, "p1"));
	assert_string_equal(folio_doc_parent(d), "p1");
	assert_ok(folio_doc_set_parent(d, "p1:notes"));
	assert_string_equal(folio_doc_parent(d), "p1:notes");
	assert_ok(folio_doc_set_parent(d, "p1:_comments"));
	assert_string_equal(folio_doc_parent(d), "p1:_comments");
	assert_ok(folio_doc_set_parent(d, NULL));
	assert_null(folio_doc_parent(d));
	assert_ok(folio_doc_set_syncmaster(d, "m1"));
	assert_string_equal(folio_doc_syncmaster(d), "m1");
	assert_ok(folio_doc_set_syncmaster(d, NULL));
	assert_null(folio_doc_syncmaster(d));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = folio_doc_set_parent(d, bad[i]);
		if (rc != FOLIO_EINVALID)
			fail_msg("set_parent('%s') gave %d, want FOLIO_EINVALID", bad[i], rc);
		rc = folio_doc_set_syncmaster(d, bad[i]);
		if (rc != FOLIO_EINVALID)
			fail_msg("set_syncmaster('%s') gave %d, want FOLIO_EINVALID", bad[i], rc);
	}

	/* Saved and loaded. */
	assert_ok(folio_doc_set_parent(d, "p1:notes"));
	assert_ok(folio_doc_set_syncmaster(d, "m1"));
	assert_ok(folio_doc_save(d, 0));
	assert_string_equal(folio_doc_parent(d), "p1:notes");
	folio_doc_free(d);
	assert_ok(folio_doc_load(&l, f->st, "kid"));
	assert_string_equal(folio_doc_parent(l), "p1:notes");
	assert_string_equal(folio_doc_syncmaster(l), "m1");

	/* Kept over an update that does not touch them... */
	assert_ok(folio_doc_set_json(l, "{\"v\":2}"));
	assert_ok(folio_doc_save(l, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(l);
	assert_ok(folio_doc_load(&l, f->st, "kid"));
	assert_string_equal(folio_doc_parent(l), "p1:notes");
	assert_string_equal(folio_doc_syncmaster(l), "m1");

	/* ...and cleared by NULL. */
	assert_ok(folio_doc_set_parent(l, NULL));
	assert_ok(folio_doc_set_syncmaster(l, NULL));
	assert_ok(folio_doc_save(l, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(l);
	assert_ok(folio_doc_load(&l, f->st, "kid"));
	assert_null(folio_doc_parent(l));
	assert_null(folio_doc_syncmaster(l));

	/* "" is neither a UNID nor "unid:store" (NULL is how to clear). */
	int rc_parent = folio_doc_set_parent(l, "");
	int rc_master = folio_doc_set_syncmaster(l, "");
	folio_doc_free(l);
	assert_folio(FOLIO_EINVALID, rc_parent);
	assert_folio(FOLIO_EINVALID, rc_master);
}

/*
 * Stores
 */

static void test_two_stores_same_unid(void **state)
{
	fx *f = *state;
	folio_store *notes;
	folio_doc *l;
	int64_t n;
	feed fd;

	assert_ok(folio_store_create(f->ses, DB, "notes", NULL));
	assert_ok(folio_store_open(&notes, f->ses, DB, "notes"));

	assert_ok(put(f->st, "same", "{\"where\":\"default\"}", FOLIO_SAVE_CHECK_CONFLICT));
	assert_ok(put(notes, "same", "{\"where\":\"notes\"}", FOLIO_SAVE_CHECK_CONFLICT));

	assert_ok(folio_doc_load(&l, f->st, "same"));
	assert_body(l, "{\"where\":\"default\"}");
	assert_rev(folio_doc_rev(l), 1);
	folio_doc_free(l);
	assert_ok(folio_doc_load(&l, notes, "same"));
	assert_body(l, "{\"where\":\"notes\"}");
	assert_rev(folio_doc_rev(l), 1);
	assert_ptr_equal(folio_doc_store(l), notes);
	folio_doc_free(l);

	read_feed(&fd, f->ses);
	assert_int_equal(fd.n, 2);
	assert_string_not_equal(fd.c[0].store, fd.c[1].store);

	/* Deleting one leaves the other. */
	assert_ok(folio_doc_delete(notes, "same", NULL, 0));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, notes, "same"));
	assert_ok(folio_doc_load(&l, f->st, "same"));
	assert_body(l, "{\"where\":\"default\"}");
	folio_doc_free(l);
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 1);
	assert_ok(folio_store_count(&n, notes));
	assert_int_equal(n, 0);
	folio_store_free(notes);
}

static void test_dropped_store(void **state)
{
	fx *f = *state;
	folio_store *tmp;
	folio_doc *d, *l;
	int rc, save_rc, delete_rc;
	int64_t n;

	assert_ok(folio_store_create(f->ses, DB, "tmp", NULL));
	assert_ok(folio_store_open(&tmp, f->ses, DB, "tmp"));
	assert_ok(put(tmp, "t1", "{\"v\":1}", 0));
	assert_ok(folio_store_drop(f->ses, DB, "tmp"));

	l = (folio_doc *)0x1;
	rc = folio_doc_load(&l, tmp, "t1");
	assert_true(rc < 0);
	assert_null(l);
	assert_true(strlen(folio_error_last()) > 0);

	/* Writing through the stale handle must fail, not write into a store that is gone. */
	assert_ok(folio_doc_new(&d, tmp, "t2"));
	assert_ok(folio_doc_set_json(d, "{\"v\":2}"));
	save_rc = folio_doc_save(d, 0);
	folio_doc_free(d);
	delete_rc = folio_doc_delete(tmp, "t1", NULL, 0);

	/* Nothing leaked into the other stores, and the database still works. */
	assert_ok(folio_store_count(&n, f->st));
	assert_int_equal(n, 0);
	assert_ok(put(f->st, "after", "{}", 0));
	folio_store_free(tmp);

	/* A store of the same name made again is empty. */
	assert_ok(folio_store_create(f->ses, DB, "tmp", NULL));
	assert_ok(folio_store_open(&tmp, f->ses, DB, "tmp"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&l, tmp, "t1"));
	rc = folio_doc_load(&l, tmp, "t2");
	folio_doc_free(l);
	assert_ok(folio_store_count(&n, tmp));
	folio_store_free(tmp);
	if (rc == 0)
		fail_msg("a document saved through a stale handle of the dropped store 'tmp' "
			 "shows up in the new store 'tmp' (count %lld)",
			 (long long)n);
	assert_folio(FOLIO_ENOTFOUND, rc);
	assert_int_equal(n, 0);

	if (save_rc == 0)
		fail_msg("folio_doc_save() through a handle of a dropped store returned 0");
	assert_true(delete_rc < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_given_unid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_generated_ulid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_unids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_create_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_optimistic_concurrency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_over_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rev_in_set_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_stub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_with_rev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_after_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_to_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_to_json_revisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_json_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_json_depth, setup, teardown),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test_setup_teardown(test_system_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_syncmaster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_stores_same_unid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_store, setup, teardown),
	};
	return cmocka_run_group_tests_name("doc", tests, NULL, NULL);
}
