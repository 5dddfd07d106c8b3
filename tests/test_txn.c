/* backends: all */
/*
 * Session transactions (include/folio/session.h): begin/commit/rollback,
 * nesting with savepoints, isolation from a second Session on the same
 * Server, the depth, freeing a Session with a transaction open, and a failed
 * save that must not spoil the transaction around it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testenv.h"

#define DB "crm"

typedef struct fx {
	folio_server *srv;
	folio_session *ses; /* alice: the writer */
	folio_store *st;
	folio_session *ses2; /* bob: another Session on the same Server */
	folio_store *st2;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	folio_test_open(&f->srv, &f->ses, "alice");
	assert_ok(folio_db_create(f->ses, DB));
	assert_ok(folio_store_open(&f->st, f->ses, DB, "_default"));
	assert_ok(folio_session_open(&f->ses2, f->srv, "bob", NULL));
	assert_ok(folio_store_open(&f->st2, f->ses2, DB, "_default"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	folio_store_free(f->st2);
	folio_session_free(f->ses2);
	folio_store_free(f->st);
	folio_session_free(f->ses);
	folio_server_close(f->srv);
	free(f);
	return 0;
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

/* 1 if `unid` loads from `st`, 0 if it is not found; fails on any other error. */
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

static int64_t count(folio_store *st)
{
	int64_t n = -1;
	assert_ok(folio_store_count(&n, st));
	return n;
}

static int count_cb(const folio_change *c, void *payload)
{
	(void)c;
	(*(int *)payload)++;
	return 0;
}

static int feed_len(folio_session *ses)
{
	int n = 0;
	assert_ok(folio_changes(ses, DB, 0, 0, count_cb, &n, NULL));
	return n;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Tests
 */

static void test_commit_visible_together(void **state)
{
	fx *f = *state;
	double t0;
	int64_t last2 = -1;

	assert_ok(save(f->st, "old", "{\"v\":1}"));

	assert_ok(folio_session_begin(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	assert_ok(save(f->st, "a", "{\"n\":1}"));
	assert_ok(save(f->st, "b", "{\"n\":2}"));
	assert_ok(save(f->st, "c", "{\"n\":3}"));
	assert_ok(save(f->st, "old", "{\"v\":2}"));

	/* The writer sees its own work. */
	assert_int_equal(exists(f->st, "a"), 1);
	assert_int_equal(count(f->st), 4);

	/*
	 * Another Session reads the old state while the transaction is open, and
	 * without waiting for the writer (no lock wait, no FOLIO_EBUSY).
	 */
	t0 = now_s();
	assert_int_equal(exists(f->st2, "a"), 0);
	assert_int_equal(exists(f->st2, "b"), 0);
	assert_int_equal(exists(f->st2, "c"), 0);
	assert_int_equal(count(f->st2), 1);
	assert_int_equal(feed_len(f->ses2), 1);
	{
		folio_doc *d;
		char *b;
		assert_ok(folio_doc_load(&d, f->st2, "old"));
		assert_true(strncmp(folio_doc_rev(d), "1-", 2) == 0);
		assert_ok(folio_doc_get_json(&b, d));
		assert_non_null(strstr(b, "1"));
		assert_null(strstr(b, "2"));
		free(b);
		folio_doc_free(d);
	}
	assert_ok(folio_db_last_seq(&last2, f->ses2, DB));
	assert_true(now_s() - t0 < 5.0);

	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);

	assert_int_equal(exists(f->st2, "a"), 1);
	assert_int_equal(exists(f->st2, "b"), 1);
	assert_int_equal(exists(f->st2, "c"), 1);
	assert_int_equal(count(f->st2), 4);
	assert_int_equal(feed_len(f->ses2), 4);
	{
		folio_doc *d;
		int64_t last;
		assert_ok(folio_doc_load(&d, f->st2, "old"));
		assert_true(strncmp(folio_doc_rev(d), "2-", 2) == 0);
		folio_doc_free(d);
		assert_ok(folio_db_last_seq(&last, f->ses2, DB));
		assert_true(last > last2);
	}
}

static void test_rollback_undoes_all(void **state)
{
	fx *f = *state;
	int64_t seq0, seq1;

	assert_ok(save(f->st, "x", "{\"v\":1}"));
	assert_ok(save(f->st, "y", "{\"v\":1}"));
	assert_ok(folio_db_last_seq(&seq0, f->ses, DB));

	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "a", "{}"));
	assert_ok(save(f->st, "b", "{}"));
	assert_ok(save(f->st, "y", "{\"v\":2}"));
	assert_ok(folio_doc_delete(f->st, "x", NULL, 0));
	assert_int_equal(exists(f->st, "x"), 0);
	assert_ok(folio_session_rollback(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);

	assert_int_equal(exists(f->st, "a"), 0);
	assert_int_equal(exists(f->st, "b"), 0);
	assert_int_equal(exists(f->st, "x"), 1);
	assert_int_equal(count(f->st), 2);
	assert_int_equal(count(f->st2), 2);
	{
		folio_doc *d;
		assert_ok(folio_doc_load(&d, f->st2, "y"));
		assert_true(strncmp(folio_doc_rev(d), "1-", 2) == 0);
		folio_doc_free(d);
	}
	assert_int_equal(feed_len(f->ses), 2);
	assert_ok(folio_db_last_seq(&seq1, f->ses, DB));
	assert_int_equal(seq1, seq0);

	/* Writes work after the rollback, in and out of a transaction. */
	assert_ok(save(f->st, "after", "{}"));
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "after2", "{}"));
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(exists(f->st2, "after"), 1);
	assert_int_equal(exists(f->st2, "after2"), 1);
}

static void test_nesting(void **state)
{
	fx *f = *state;

	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "A", "{}"));
	assert_ok(folio_session_begin(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 2);
	assert_ok(save(f->st, "B", "{}"));
	assert_int_equal(exists(f->st, "B"), 1);
	assert_ok(folio_session_rollback(f->ses)); /* the inner one */
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	assert_int_equal(exists(f->st, "B"), 0);
	assert_int_equal(exists(f->st, "A"), 1);
	assert_ok(save(f->st, "C", "{}"));
	assert_int_equal(exists(f->st2, "A"), 0);
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);

	assert_int_equal(exists(f->st2, "A"), 1);
	assert_int_equal(exists(f->st2, "B"), 0);
	assert_int_equal(exists(f->st2, "C"), 1);
	assert_int_equal(count(f->st2), 2);
}

static void test_inner_commit_is_not_visible(void **state)
{
	fx *f = *state;

	/* An inner commit makes nothing visible to others... */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "in", "{}"));
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	assert_int_equal(exists(f->st, "in"), 1);
	assert_int_equal(exists(f->st2, "in"), 0);
	/* ...and the outer rollback undoes it. */
	assert_ok(folio_session_rollback(f->ses));
	assert_int_equal(exists(f->st, "in"), 0);
	assert_int_equal(exists(f->st2, "in"), 0);

	/* Three levels, the middle one rolled back with the innermost inside it. */
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "L1", "{}"));
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "L2", "{}"));
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "L3", "{}"));
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 2);
	assert_ok(folio_session_rollback(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(exists(f->st2, "L1"), 1);
	assert_int_equal(exists(f->st2, "L2"), 0);
	assert_int_equal(exists(f->st2, "L3"), 0);
}

static void test_no_transaction(void **state)
{
	fx *f = *state;

	assert_int_equal(folio_session_txn_depth(f->ses), 0);
	assert_folio(FOLIO_EINVALID, folio_session_commit(f->ses));
	assert_folio(FOLIO_EINVALID, folio_session_rollback(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);

	assert_ok(folio_session_begin(f->ses));
	assert_ok(folio_session_commit(f->ses));
	assert_folio(FOLIO_EINVALID, folio_session_commit(f->ses));
	assert_folio(FOLIO_EINVALID, folio_session_rollback(f->ses));

	assert_ok(folio_session_begin(f->ses));
	assert_ok(folio_session_rollback(f->ses));
	assert_folio(FOLIO_EINVALID, folio_session_rollback(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);

	/* Still usable. */
	assert_ok(save(f->st, "ok", "{}"));
	assert_int_equal(exists(f->st2, "ok"), 1);
}

static void test_depth(void **state)
{
	fx *f = *state;

	assert_int_equal(folio_session_txn_depth(f->ses), 0);
	for (int i = 1; i <= 5; i++) {
		assert_ok(folio_session_begin(f->ses));
		assert_int_equal(folio_session_txn_depth(f->ses), i);
	}
	assert_int_equal(folio_session_txn_depth(f->ses2), 0);
	for (int i = 4; i >= 0; i--) {
		if (i % 2)
			assert_ok(folio_session_commit(f->ses));
		else
			assert_ok(folio_session_rollback(f->ses));
		assert_int_equal(folio_session_txn_depth(f->ses), i);
	}
	/* A failing write call does not change the depth. */
	assert_ok(folio_session_begin(f->ses));
	{
		folio_doc *d;
		assert_int_equal(folio_doc_load(&d, f->st, "nope"), FOLIO_ENOTFOUND);
		assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "nope", NULL, 0));
	}
	assert_int_equal(folio_session_txn_depth(f->ses), 1);
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(folio_session_txn_depth(f->ses), 0);
}

static void test_free_rolls_back(void **state)
{
	fx *f = *state;
	folio_session *tmp;
	folio_store *tst;
	double t0;

	assert_ok(folio_session_open(&tmp, f->srv, "carol", NULL));
	assert_ok(folio_store_open(&tst, tmp, DB, "_default"));
	assert_ok(folio_session_begin(tmp));
	assert_ok(save(tst, "orphan", "{}"));
	assert_ok(folio_session_begin(tmp));
	assert_ok(save(tst, "orphan2", "{}"));
	folio_store_free(tst);
	folio_session_free(tmp);

	assert_int_equal(exists(f->st2, "orphan"), 0);
	assert_int_equal(exists(f->st2, "orphan2"), 0);
	/* The write lock went with it: another Session writes at once. */
	t0 = now_s();
	assert_ok(save(f->st2, "next", "{}"));
	assert_true(now_s() - t0 < 5.0);
	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "next2", "{}"));
	assert_ok(folio_session_commit(f->ses));
	assert_int_equal(count(f->st2), 2);
}

static void test_failed_save_keeps_transaction(void **state)
{
	fx *f = *state;
	folio_doc *h1, *h2, *d;
	char *b;

	assert_ok(save(f->st, "x", "{\"v\":0}"));

	assert_ok(folio_session_begin(f->ses));
	assert_ok(save(f->st, "before", "{}"));
	assert_ok(folio_doc_load(&h1, f->st, "x"));
	assert_ok(folio_doc_load(&h2, f->st, "x"));
	assert_ok(folio_doc_set_json(h1, "{\"v\":1}"));
	assert_ok(folio_doc_save(h1, FOLIO_SAVE_CHECK_CONFLICT));
	assert_ok(folio_doc_set_json(h2, "{\"v\":2}"));
	assert_folio(FOLIO_ECONFLICT, folio_doc_save(h2, FOLIO_SAVE_CHECK_CONFLICT));
	assert_int_equal(folio_session_txn_depth(f->ses), 1);

	/* Other failures too: a taken UNID, a missing document. */
	{
		folio_doc *n;
		assert_ok(folio_doc_new(&n, f->st, "before"));
		assert_folio(FOLIO_EEXISTS, folio_doc_save(n, FOLIO_SAVE_CHECK_CONFLICT));
		folio_doc_free(n);
		assert_folio(FOLIO_ENOTFOUND, folio_doc_delete(f->st, "ghost", NULL, 0));
	}
	assert_int_equal(folio_session_txn_depth(f->ses), 1);

	assert_ok(save(f->st, "y", "{}"));
	assert_ok(folio_session_commit(f->ses));

	assert_int_equal(exists(f->st2, "before"), 1);
	assert_int_equal(exists(f->st2, "y"), 1);
	assert_ok(folio_doc_load(&d, f->st2, "x"));
	assert_true(strncmp(folio_doc_rev(d), "2-", 2) == 0);
	assert_ok(folio_doc_get_json(&b, d));
	assert_non_null(strstr(b, "1"));
	assert_null(strstr(b, "2"));
	free(b);
	folio_doc_free(d);
	folio_doc_free(h1);
	folio_doc_free(h2);
}

static void test_two_sessions_take_turns(void **state)
{
	fx *f = *state;

	/* Transactions of two Sessions one after the other. */
	for (int i = 0; i < 5; i++) {
		char u[16];
		snprintf(u, sizeof(u), "a%d", i);
		assert_ok(folio_session_begin(f->ses));
		assert_ok(save(f->st, u, "{}"));
		assert_ok(folio_session_commit(f->ses));
		snprintf(u, sizeof(u), "b%d", i);
		assert_ok(folio_session_begin(f->ses2));
		assert_ok(save(f->st2, u, "{}"));
		assert_ok(folio_session_commit(f->ses2));
	}
	assert_int_equal(count(f->st), 10);
	assert_int_equal(count(f->st2), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_visible_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_undoes_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_commit_is_not_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_save_keeps_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_sessions_take_turns, setup, teardown),
	};
	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
