/* backends: all */
/* The changes feed: order, paging, stubs, and no skipped change under concurrent writers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testenv.h"

typedef struct seen {
	int n;
	int64_t seqs[4096];
	char unids[4096][32];
	char revs[4096][48];
	int deleted[4096];
	char stores[4096][16];
} seen;

static int record(const folio_change *c, void *payload)
{
	seen *s = payload;
	if (s->n >= 4096)
		return -1;
	s->seqs[s->n] = c->seq;
	snprintf(s->unids[s->n], 32, "%s", c->unid);
	snprintf(s->revs[s->n], 48, "%s", c->rev);
	snprintf(s->stores[s->n], 16, "%s", c->store);
	s->deleted[s->n] = c->deleted;
	assert_non_null(c->mdate);
	s->n++;
	return 0;
}

static void save(folio_store *st, const char *unid, const char *json)
{
	folio_doc *doc;
	if (folio_doc_load(&doc, st, unid) < 0)
		assert_ok(folio_doc_new(&doc, st, unid));
	assert_ok(folio_doc_set_json(doc, json));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
}

static void test_feed_order_and_stubs(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *a, *b;
	seen *s = calloc(1, sizeof(*s));
	int64_t last = -1, dbseq;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_create(ses, "crm"));
	assert_ok(folio_store_create(ses, "crm", "people", NULL));
	assert_ok(folio_store_open(&a, ses, "crm", "people"));
	assert_ok(folio_store_open(&b, ses, "crm", "_default"));

	assert_ok(folio_changes(ses, "crm", 0, 0, record, s, &last));
	assert_int_equal(s->n, 0);
	assert_int_equal(last, 0);

	save(a, "p1", "{\"n\":1}");
	save(a, "p2", "{\"n\":2}");
	save(b, "d1", "{\"n\":3}");
	save(a, "p1", "{\"n\":4}"); /* p1 moves to the end */
	assert_ok(folio_doc_delete(a, "p2", NULL, 0));

	assert_ok(folio_changes(ses, "crm", 0, 0, record, s, &last));
	assert_int_equal(s->n, 3);
	assert_string_equal(s->unids[0], "d1");
	assert_string_equal(s->stores[0], "_default");
	assert_string_equal(s->unids[1], "p1");
	assert_string_equal(s->stores[1], "people");
	assert_int_equal(strncmp(s->revs[1], "2-", 2), 0);
	assert_string_equal(s->unids[2], "p2");
	assert_int_equal(s->deleted[2], 1);
	assert_int_equal(strncmp(s->revs[2], "2-", 2), 0);
	assert_true(s->seqs[0] < s->seqs[1] && s->seqs[1] < s->seqs[2]);
	assert_int_equal(last, s->seqs[2]);
	assert_ok(folio_db_last_seq(&dbseq, ses, "crm"));
	assert_int_equal(dbseq, last);

	/* Since the middle: only what came after. */
	s->n = 0;
	assert_ok(folio_changes(ses, "crm", s->seqs[0] + 0, 0, record, s, NULL));
	s->n = 0;
	assert_ok(folio_changes(ses, "crm", last, 0, record, s, &last));
	assert_int_equal(s->n, 0);

	/* The deleted UNID comes back: the stub goes, the document is live again. */
	save(a, "p2", "{\"n\":5}");
	s->n = 0;
	assert_ok(folio_changes(ses, "crm", 0, 0, record, s, NULL));
	assert_int_equal(s->n, 3);
	assert_string_equal(s->unids[2], "p2");
	assert_int_equal(s->deleted[2], 0);
	assert_int_equal(strncmp(s->revs[2], "3-", 2), 0);

	/* An erased document leaves the feed. */
	assert_ok(folio_doc_delete(a, "p2", NULL, FOLIO_DELETE_ERASE));
	s->n = 0;
	assert_ok(folio_changes(ses, "crm", 0, 0, record, s, NULL));
	assert_int_equal(s->n, 2);

	assert_folio(FOLIO_ENOTFOUND, folio_changes(ses, "nodb", 0, 0, record, s, NULL));
	assert_folio(FOLIO_EINVALID, folio_changes(ses, "Bad;", 0, 0, record, s, NULL));
	folio_store_free(a);
	folio_store_free(b);
	folio_session_free(ses);
	folio_server_close(srv);
	free(s);
}

static void test_feed_pages(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_batch *b;
	seen *s = calloc(1, sizeof(*s));
	int64_t since = 0;
	int pages = 0;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_create(ses, "crm"));
	assert_ok(folio_store_open(&st, ses, "crm", "_default"));
	assert_ok(folio_batch_open(&b, st, 0));
	for (int i = 0; i < 250; i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"_unid\":\"u%03d\",\"i\":%d}", i, i);
		assert_ok(folio_batch_put(b, json, strlen(json)));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	for (;;) {
		int before = s->n;
		assert_ok(folio_changes(ses, "crm", since, 100, record, s, &since));
		if (s->n == before)
			break;
		assert_true(s->n - before <= 100);
		pages++;
	}
	assert_int_equal(pages, 3);
	assert_int_equal(s->n, 250);
	for (int i = 0; i < 250; i++) {
		char unid[8];
		snprintf(unid, sizeof(unid), "u%03d", i);
		assert_string_equal(s->unids[i], unid);
		if (i)
			assert_true(s->seqs[i] > s->seqs[i - 1]);
	}
	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
	free(s);
}

/* Concurrent writers on their own Sessions (so their own connections), one reader. */
#define WRITERS 4
#define PER_WRITER 150

typedef struct shared {
	folio_server *srv;
	int writer;
	volatile int done;
} shared;

static void *writer(void *arg)
{
	shared *sh = arg;
	folio_session *ses;
	folio_store *st;
	int rc = 0;

	if (folio_session_open(&ses, sh->srv, "w", NULL) < 0)
		return (void *)1;
	if (folio_store_open(&st, ses, "crm", "_default") < 0)
		return (void *)2;
	for (int i = 0; i < PER_WRITER && rc == 0; i++) {
		char unid[32];
		folio_doc *doc;
		/* Every third write is a transaction of two documents. */
		int txn = i % 3 == 0 && i + 1 < PER_WRITER;
		if (txn)
			rc = folio_session_begin(ses);
		for (int k = 0; rc == 0 && k < (txn ? 2 : 1); k++) {
			snprintf(unid, sizeof(unid), "w%d-%d", sh->writer, i + k);
			rc = folio_doc_new(&doc, st, unid);
			if (rc == 0)
				rc = folio_doc_set_json(doc, "{\"x\":1}");
			if (rc == 0)
				rc = folio_doc_save(doc, FOLIO_SAVE_CHECK_CONFLICT);
			folio_doc_free(doc);
		}
		if (txn) {
			i++;
			if (rc == 0)
				rc = folio_session_commit(ses);
			else
				folio_session_rollback(ses);
		}
	}
	if (rc < 0)
		fprintf(stderr, "writer %d: %s\n", sh->writer, folio_error_last());
	folio_store_free(st);
	folio_session_free(ses);
	return rc < 0 ? (void *)3 : NULL;
}

typedef struct reader_state {
	int n;
	int64_t last;
	char (*unids)[32];
	int dup;
	int out_of_order;
} reader_state;

static int reader_cb(const folio_change *c, void *payload)
{
	reader_state *r = payload;
	if (c->seq <= r->last)
		r->out_of_order++;
	r->last = c->seq;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->unids[i], c->unid) == 0) {
			r->dup++;
			return 0;
		}
	snprintf(r->unids[r->n++], 32, "%s", c->unid);
	return 0;
}

static void test_no_skip_under_concurrent_writers(void **state)
{
	folio_server *srv;
	folio_session *ses;
	pthread_t th[WRITERS];
	shared sh[WRITERS];
	reader_state r = {0};
	int total = WRITERS * PER_WRITER, polls = 0;
	(void)state;
	folio_test_open(&srv, &ses, "reader");
	assert_ok(folio_db_create(ses, "crm"));
	r.unids = calloc((size_t)total + 16, 32);
	for (int i = 0; i < WRITERS; i++) {
		sh[i].srv = srv;
		sh[i].writer = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer, &sh[i]), 0);
	}
	/* Read while they write: every page starts where the last one ended. */
	while (r.n < total && polls < 200000) {
		int64_t since = r.last;
		assert_ok(folio_changes(ses, "crm", since, 50, reader_cb, &r, NULL));
		polls++;
	}
	for (int i = 0; i < WRITERS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	/* Catch up after the writers stopped. */
	for (int i = 0; i < 100 && r.n < total; i++)
		assert_ok(folio_changes(ses, "crm", r.last, 1000, reader_cb, &r, NULL));
	assert_int_equal(r.out_of_order, 0);
	assert_int_equal(r.dup, 0);
	assert_int_equal(r.n, total); /* nothing skipped */
	free(r.unids);
	folio_session_free(ses);
	folio_server_close(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_order_and_stubs),
		cmocka_unit_test(test_feed_pages),
		cmocka_unit_test(test_no_skip_under_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
