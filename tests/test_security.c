/* backends: all */
/*
 * The security model as users see it: a matrix of users at every ACL level
 * (directly, through a group, a nested group, a role, anonymous, "*")
 * against documents with every kind of _readers/_editors entry, checked
 * through every read path (load, query, count, aggregate, full text, tags,
 * children, the changes feed, store counts and UNID lists) and every write
 * path; and an attacker's attempts (forged UNIDs, queries on _readers,
 * counts and aggregates as oracles, ranks, change-feed positions, editing
 * _readers without the right, projections).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "testenv.h"

#define DB "sec"
#define PW "pw-Secret-123"

static folio_server *srv;
static folio_session *admin;

static const char *const all_docs[] = {"open",	 "r_rea", "r_grp", "r_nest", "r_role",
				       "r_star", "r_none", "e_aut", "re_aut", NULL};

static void put(folio_store *st, const char *unid, const char *json)
{
	folio_doc *d;
	assert_ok(folio_doc_new(&d, st, unid));
	assert_ok(folio_doc_set_json(d, json));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
}

static int group_setup(void **state)
{
	folio_store *st;
	(void)state;
	assert_ok(folio_server_open(&srv, folio_test_url(), NULL));
	assert_ok(folio_session_open_admin(&admin, srv));
	assert_ok(folio_db_create(admin, DB));
	assert_ok(folio_store_create(admin, DB, "docs", "{\"fts\":true}"));

	static const char *const users[] = {"u_mgr", "u_des", "u_edi", "u_aut", "u_aut2", "u_rea",
					    "u_dep", "u_none", "u_g", "u_n", "u_r", "u_star", NULL};
	for (int i = 0; users[i]; i++)
		assert_ok(folio_user_add(admin, users[i], PW));
	assert_ok(folio_group_add(admin, "g_dir", "u_g"));
	assert_ok(folio_group_add(admin, "g_inner", "u_n"));
	assert_ok(folio_group_add(admin, "g_outer", "g_inner"));
	assert_ok(folio_role_add(admin, DB, "[R1]"));

	assert_ok(folio_acl_set(admin, DB, "u_mgr", FOLIO_ACL_MANAGER, 3, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_des", FOLIO_ACL_DESIGNER, 3, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_edi", FOLIO_ACL_EDITOR, 3, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_aut", FOLIO_ACL_AUTHOR, 3, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_aut2", FOLIO_ACL_AUTHOR, FOLIO_ACL_CREATE, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_rea", FOLIO_ACL_READER, 0, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_dep", FOLIO_ACL_DEPOSITOR, FOLIO_ACL_CREATE, NULL));
	assert_ok(folio_acl_set(admin, DB, "u_none", FOLIO_ACL_NOACCESS, 0, NULL));
	assert_ok(folio_acl_set(admin, DB, "g_dir", FOLIO_ACL_EDITOR, 3, NULL));
	assert_ok(folio_acl_set(admin, DB, "g_outer", FOLIO_ACL_READER, 0, NULL));
	/* u_r gets its level from its role's entry */
	assert_ok(folio_acl_set(admin, DB, "u_r", FOLIO_ACL_DEPOSITOR, 0, "[R1]"));
	assert_ok(folio_acl_set(admin, DB, "[R1]", FOLIO_ACL_READER, 0, NULL));
	assert_ok(folio_acl_set(admin, DB, "*", FOLIO_ACL_READER, 0, NULL));
	assert_ok(folio_acl_set(admin, DB, "anonymous", FOLIO_ACL_READER, 0, NULL));

	assert_ok(folio_store_open(&st, admin, DB, "docs"));
	put(st, "open", "{\"t\":\"secretword open\",\"_tags\":[\"t\"],\"n\":1}");
	put(st, "r_rea", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"u_rea\"],\"n\":2}");
	put(st, "r_grp", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"g_dir\"],\"n\":3}");
	put(st, "r_nest", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"g_outer\"],\"n\":4}");
	put(st, "r_role", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"[R1]\"],\"n\":5}");
	put(st, "r_star", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"*\"],\"n\":6}");
	put(st, "r_none",
	    "{\"t\":\"secretword hiddenword hiddenword\",\"_tags\":[\"t\",\"hidden\"],"
	    "\"_readers\":[\"zed\"],\"salary\":99999,\"n\":7}");
	put(st, "e_aut", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_editors\":[\"u_aut\"],\"n\":8}");
	put(st, "re_aut",
	    "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"u_rea\"],\"_editors\":[\"u_aut\"],\"n\":9}");
	folio_store_free(st);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	folio_session_free(admin);
	folio_server_close(srv);
	return 0;
}

/* What each user may read, by hand (not computed by the code under test). */
static const struct {
	const char *user; /* NULL: anonymous */
	const char *sees;
} matrix[] = {
	{"u_mgr", "e_aut open r_star"},
	{"u_des", "e_aut open r_star"},
	{"u_edi", "e_aut open r_star"},
	{"u_aut", "e_aut open r_star re_aut"},
	{"u_aut2", "e_aut open r_star"},
	{"u_rea", "e_aut open r_rea r_star re_aut"},
	{"u_g", "e_aut open r_grp r_star"},
	{"u_n", "e_aut open r_nest r_star"},
	{"u_r", "e_aut open r_role r_star"},
	{"u_star", "e_aut open r_star"},
	{"nobody_known", "e_aut open r_star"},
	{NULL, "e_aut open r_star"},
	/* u_dep and u_none have lower entries of their own, but "*" gives reader: the highest
	 * matching entry wins. The levels below reader are tested in `low_levels`. */
	{"u_dep", "e_aut open r_star"},
	{"u_none", "e_aut open r_star"},
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, space-separated. */
static void sorted(char *out, size_t size, char **v, int n)
{
	size_t o = 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	out[0] = 0;
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", v[i]);
}

static void cursor_unids(char *out, size_t size, folio_store *st, const char *query,
			 const char *ft, int tag)
{
	folio_cursor *c;
	const char *row;
	char *v[32];
	int n = 0, rc;
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_query(c, query));
	if (ft)
		assert_ok(folio_cursor_ftsearch(c, ft));
	if (tag) {
		const char *t[] = {"t"};
		assert_ok(folio_cursor_tags(c, t, 1, 0));
	}
	while ((rc = folio_cursor_next(c, &row)) == 1) {
		assert_true(n < 32);
		v[n++] = strdup(folio_cursor_unid(c));
	}
	assert_ok(rc);
	folio_cursor_free(c);
	sorted(out, size, v, n);
	for (int i = 0; i < n; i++)
		free(v[i]);
}

typedef struct feed {
	char *v[64];
	int n;
} feed;

static int on_change(const folio_change *ch, void *payload)
{
	feed *f = payload;
	if (f->n < 64)
		f->v[f->n++] = strdup(ch->unid);
	return 0;
}

static int on_unid(const char *unid, void *payload)
{
	feed *f = payload;
	if (f->n < 64)
		f->v[f->n++] = strdup(unid);
	return 0;
}

static int count_words(const char *s)
{
	int n = *s ? 1 : 0;
	for (; *s; s++)
		n += *s == ' ';
	return n;
}

static void read_matrix(void **state)
{
	(void)state;
	for (size_t m = 0; m < sizeof(matrix) / sizeof(matrix[0]); m++) {
		const char *who = matrix[m].user ? matrix[m].user : "anonymous";
		folio_session *ses;
		folio_store *st = NULL;
		char got[512];
		int rc;

		assert_ok(folio_session_open(&ses, srv, matrix[m].user, NULL));
		rc = folio_store_open(&st, ses, DB, "docs");
		assert_ok(rc);

		/* load: each document is there or "not found", like one that does not exist */
		{
			char *v[16];
			int n = 0;
			for (int i = 0; all_docs[i]; i++) {
				folio_doc *d = NULL;
				rc = folio_doc_load(&d, st, all_docs[i]);
				if (rc == 0) {
					v[n++] = strdup(all_docs[i]);
					folio_doc_free(d);
				} else {
					assert_folio(FOLIO_ENOTFOUND, rc);
					assert_null(strstr(folio_error_last(), "reader"));
				}
			}
			sorted(got, sizeof(got), v, n);
			for (int i = 0; i < n; i++)
				free(v[i]);
			if (strcmp(got, matrix[m].sees))
				fail_msg("%s load: got [%s], want [%s]", who, got, matrix[m].sees);
		}
		/* query, full text, tags */
		cursor_unids(got, sizeof(got), st, "{}", NULL, 0);
		if (strcmp(got, matrix[m].sees))
			fail_msg("%s query: got [%s], want [%s]", who, got, matrix[m].sees);
		cursor_unids(got, sizeof(got), st, "{}", "secretword", 0);
		if (strcmp(got, matrix[m].sees))
			fail_msg("%s full text: got [%s], want [%s]", who, got, matrix[m].sees);
		cursor_unids(got, sizeof(got), st, "{}", NULL, 1);
		if (strcmp(got, matrix[m].sees))
			fail_msg("%s tags: got [%s], want [%s]", who, got, matrix[m].sees);
		/* counts */
		{
			int64_t n = -1;
			folio_cursor *c;
			const char *row;
			char want[64];
			assert_ok(folio_store_count(&n, st));
			assert_int_equal(n, count_words(matrix[m].sees));
			assert_ok(folio_cursor_open(&c, st));
			assert_ok(folio_cursor_count(c, &n));
			assert_int_equal(n, count_words(matrix[m].sees));
			folio_cursor_free(c);
			assert_ok(folio_cursor_open(&c, st));
			assert_ok(folio_cursor_aggregate(c, "{\"n\":{\"$count\":1},\"s\":{\"$sum\":\"n\"}}"));
			assert_int_equal(folio_cursor_next(c, &row), 1);
			snprintf(want, sizeof(want), "\"n\":%d", count_words(matrix[m].sees));
			assert_non_null(strstr(row, want));
			folio_cursor_free(c);
		}
		/* UNID lists (export) and the changes feed */
		{
			feed f = {{0}, 0};
			assert_ok(folio_store_foreach_unid(st, on_unid, &f));
			sorted(got, sizeof(got), f.v, f.n);
			for (int i = 0; i < f.n; i++)
				free(f.v[i]);
			if (strcmp(got, matrix[m].sees))
				fail_msg("%s unids: got [%s], want [%s]", who, got, matrix[m].sees);
			f.n = 0;
			assert_ok(folio_changes(ses, DB, 0, 100, on_change, &f, NULL));
			sorted(got, sizeof(got), f.v, f.n);
			for (int i = 0; i < f.n; i++)
				free(f.v[i]);
			if (strcmp(got, matrix[m].sees))
				fail_msg("%s changes: got [%s], want [%s]", who, got, matrix[m].sees);
		}
		folio_store_free(st);
		folio_session_free(ses);
	}
}

static int save_as(const char *user, const char *unid, const char *json)
{
	folio_session *ses;
	folio_store *st;
	folio_doc *d = NULL;
	int rc;
	assert_ok(folio_session_open(&ses, srv, user, NULL));
	rc = folio_store_open(&st, ses, DB, "docs");
	if (rc == 0) {
		rc = folio_doc_load(&d, st, unid);
		if (rc == FOLIO_ENOTFOUND) {
			folio_error_clear();
			rc = folio_doc_new(&d, st, unid);
		}
		if (rc == 0)
			rc = folio_doc_set_json(d, json);
		if (rc == 0)
			rc = folio_doc_save(d, 0);
		folio_doc_free(d);
		folio_store_free(st);
	}
	folio_session_free(ses);
	return rc;
}

static int delete_as(const char *user, const char *unid)
{
	folio_session *ses;
	folio_store *st;
	int rc;
	assert_ok(folio_session_open(&ses, srv, user, NULL));
	rc = folio_store_open(&st, ses, DB, "docs");
	if (rc == 0) {
		rc = folio_doc_delete(st, unid, NULL, 0);
		folio_store_free(st);
	}
	folio_session_free(ses);
	return rc;
}

/* Writes straight at a UNID (without loading it first): what a forger would do. */
static int forge(const char *user, const char *unid, const char *json)
{
	folio_session *ses;
	folio_store *st;
	folio_doc *d;
	int rc;
	assert_ok(folio_session_open(&ses, srv, user, NULL));
	assert_ok(folio_store_open(&st, ses, DB, "docs"));
	assert_ok(folio_doc_new(&d, st, unid));
	assert_ok(folio_doc_set_json(d, json));
	rc = folio_doc_save(d, 0);
	folio_doc_free(d);
	folio_store_free(st);
	folio_session_free(ses);
	return rc;
}

static void writes(void **state)
{
	(void)state;
	/* creating */
	assert_ok(save_as("u_edi", "w_edi", "{\"x\":1}"));
	assert_ok(save_as("u_aut", "w_aut", "{\"x\":1,\"_editors\":[\"u_aut\"]}"));
	assert_folio(FOLIO_EACCESS, save_as("u_rea", "w_rea", "{\"x\":1}"));
	assert_folio(FOLIO_EACCESS, save_as("u_star", "w_star", "{\"x\":1}"));
	assert_folio(FOLIO_EACCESS, save_as(NULL, "w_anon", "{\"x\":1}"));
	assert_folio(FOLIO_EACCESS, save_as("u_none", "w_none", "{\"x\":1}"));

	/* editing: an editor any document it may read; an author only where _editors names it */
	assert_ok(save_as("u_edi", "open", "{\"t\":\"secretword open\",\"_tags\":[\"t\"],\"n\":1,\"by\":\"edi\"}"));
	assert_ok(save_as("u_aut", "e_aut", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_editors\":[\"u_aut\"],\"n\":8,\"by\":\"aut\"}"));
	assert_folio(FOLIO_EACCESS, save_as("u_aut", "open", "{\"n\":1}"));
	assert_folio(FOLIO_EACCESS, save_as("u_aut2", "e_aut", "{\"n\":8}"));
	assert_folio(FOLIO_EACCESS, save_as("u_rea", "open", "{\"n\":1}"));
	/* an author in _editors of a document restricted to others may edit it; others not */
	assert_ok(save_as("u_aut", "re_aut", "{\"t\":\"secretword\",\"_tags\":[\"t\"],\"_readers\":[\"u_rea\"],\"_editors\":[\"u_aut\"],\"n\":9}"));
	assert_folio(FOLIO_EACCESS, save_as("u_rea", "re_aut", "{\"_readers\":[\"u_rea\"]}"));

	/* deleting: the delete flag */
	assert_ok(save_as("u_aut2", "w_aut2", "{\"x\":1,\"_editors\":[\"u_aut2\"]}"));
	assert_folio(FOLIO_EACCESS, delete_as("u_aut2", "w_aut2"));
	assert_ok(delete_as("u_aut", "w_aut"));
	assert_folio(FOLIO_EACCESS, delete_as("u_rea", "open"));
	assert_ok(delete_as("u_edi", "w_edi"));

	/* stores and the ACL */
	{
		folio_session *ses;
		assert_ok(folio_session_open(&ses, srv, "u_edi", NULL));
		assert_folio(FOLIO_EACCESS, folio_store_create(ses, DB, "mine", NULL));
		assert_folio(FOLIO_EACCESS, folio_acl_set(ses, DB, "u_edi", FOLIO_ACL_MANAGER, 3, NULL));
		folio_session_free(ses);
		assert_ok(folio_session_open(&ses, srv, "u_des", NULL));
		assert_ok(folio_store_create(ses, DB, "mine", NULL));
		assert_folio(FOLIO_EACCESS, folio_acl_set(ses, DB, "u_des", FOLIO_ACL_MANAGER, 3, NULL));
		assert_folio(FOLIO_EACCESS, folio_db_drop(ses, DB));
		folio_session_free(ses);
		assert_ok(folio_session_open(&ses, srv, "u_mgr", NULL));
		assert_ok(folio_acl_set(ses, DB, "u_star", FOLIO_ACL_AUTHOR, FOLIO_ACL_CREATE, NULL));
		/* the last manager cannot leave */
		assert_folio(FOLIO_EINVALID, folio_acl_set(ses, DB, "u_mgr", FOLIO_ACL_EDITOR, 3, NULL));
		folio_session_free(ses);
		assert_ok(save_as("u_star", "w_star2", "{\"x\":1,\"_editors\":[\"u_star\"]}"));
		assert_ok(folio_session_open(&ses, srv, "u_mgr", NULL));
		assert_ok(folio_acl_set(ses, DB, "u_star", FOLIO_ACL_READER, 0, NULL));
		folio_session_free(ses);
		/* a Session sees an ACL change made elsewhere once it opens again */
		assert_folio(FOLIO_EACCESS, save_as("u_star", "w_star3", "{\"x\":1}"));
	}
}

static void attacker(void **state)
{
	folio_session *ses;
	folio_store *st;
	folio_cursor *c;
	const char *row;
	int64_t n;
	char got[256];
	(void)state;

	assert_ok(folio_session_open(&ses, srv, "u_star", NULL));
	assert_ok(folio_store_open(&st, ses, DB, "docs"));

	/* a forged UNID: not found, the same as one that does not exist */
	{
		folio_doc *d;
		char e1[256], e2[256];
		assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, st, "r_none"));
		snprintf(e1, sizeof(e1), "%s", folio_error_last());
		assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, st, "no_such"));
		snprintf(e2, sizeof(e2), "%s", folio_error_last());
		assert_null(strstr(e1, "zed"));
		/* the messages differ only by the UNID the caller gave */
		assert_int_equal(strlen(e1) - strlen("r_none"), strlen(e2) - strlen("no_such"));
	}
	/* queries on _readers, on hidden content, as oracles */
	cursor_unids(got, sizeof(got), st, "{\"_readers\":\"zed\"}", NULL, 0);
	assert_string_equal(got, "");
	cursor_unids(got, sizeof(got), st, "{\"salary\":{\"$gt\":0}}", NULL, 0);
	assert_string_equal(got, "");
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_query(c, "{\"salary\":99999}"));
	assert_ok(folio_cursor_count(c, &n));
	assert_int_equal(n, 0);
	folio_cursor_free(c);
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_aggregate(c, "{\"hi\":{\"$max\":\"salary\"},\"n\":{\"$count\":1}}"));
	assert_int_equal(folio_cursor_next(c, &row), 1);
	assert_null(strstr(row, "99999"));
	folio_cursor_free(c);
	/* a full-text rank or a word only a hidden document holds */
	cursor_unids(got, sizeof(got), st, "{}", "hiddenword", 0);
	assert_string_equal(got, "");
	/* a tag only a hidden document has */
	{
		const char *t[] = {"hidden"};
		assert_ok(folio_cursor_open(&c, st));
		assert_ok(folio_cursor_tags(c, t, 1, 0));
		assert_int_equal(folio_cursor_next(c, &row), 0);
		folio_cursor_free(c);
	}
	/* a projection asking for another document's fields */
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_query(c, "{\"n\":{\"$gte\":1}}"));
	assert_ok(folio_cursor_extract(c, "{\"s\":\"salary\",\"r\":\"_readers\"}"));
	while (folio_cursor_next(c, &row) == 1)
		assert_null(strstr(row, "99999"));
	folio_cursor_free(c);
	/* the SQL text never holds the names */
	{
		char *e = NULL;
		assert_ok(folio_cursor_open(&c, st));
		assert_ok(folio_cursor_explain(c, &e));
		assert_non_null(strstr(e, "_sec"));
		folio_cursor_free(c);
		free(e);
	}
	/* writing at a hidden UNID, or editing _readers without the right */
	assert_folio(FOLIO_ENOTFOUND, forge("u_star", "r_none", "{\"_readers\":[\"u_star\"]}"));
	assert_folio(FOLIO_ENOTFOUND, delete_as("u_star", "r_none"));
	assert_folio(FOLIO_EACCESS, forge("u_rea", "r_rea", "{\"_readers\":[\"u_rea\",\"u_star\"]}"));
	/* a deleted hidden document stays hidden in the changes feed */
	{
		folio_store *ast;
		feed f = {{0}, 0};
		int64_t last = 0;
		assert_ok(folio_store_open(&ast, admin, DB, "docs"));
		assert_ok(folio_doc_delete(ast, "r_none", NULL, 0));
		folio_store_free(ast);
		assert_ok(folio_changes(ses, DB, 0, 100, on_change, &f, &last));
		for (int i = 0; i < f.n; i++) {
			assert_string_not_equal(f.v[i], "r_none");
			free(f.v[i]);
		}
	}
	folio_store_free(st);
	folio_session_free(ses);

	/* the administrator sees everything */
	assert_ok(folio_store_open(&st, admin, DB, "docs"));
	assert_ok(folio_store_count(&n, st));
	assert_true(n >= 8);
	folio_store_free(st);
}

/* Depositor and no access, in a database whose "*" entry is "no access". */
static void low_levels(void **state)
{
	folio_session *ses;
	folio_store *st;
	folio_doc *d;
	folio_cursor *c;
	const char *row;
	int64_t n;
	feed f = {{0}, 0};
	(void)state;

	assert_ok(folio_db_create(admin, "low"));
	assert_ok(folio_acl_set(admin, "low", "*", FOLIO_ACL_NOACCESS, 0, NULL));
	assert_ok(folio_acl_set(admin, "low", "u_dep", FOLIO_ACL_DEPOSITOR, FOLIO_ACL_CREATE, NULL));
	assert_ok(folio_acl_set(admin, "low", "u_none", FOLIO_ACL_NOACCESS, 0, NULL));
	assert_ok(folio_store_open(&st, admin, "low", "_default"));
	put(st, "seen", "{\"x\":1}");
	folio_store_free(st);

	/* a depositor creates, then reads nothing, not even what it made */
	assert_ok(folio_session_open(&ses, srv, "u_dep", NULL));
	assert_ok(folio_store_open(&st, ses, "low", "_default"));
	assert_ok(folio_doc_new(&d, st, "mine"));
	assert_ok(folio_doc_set_json(d, "{\"x\":2}"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, st, "mine"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&d, st, "seen"));
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 0);
	assert_ok(folio_cursor_open(&c, st));
	assert_int_equal(folio_cursor_next(c, &row), 0);
	folio_cursor_free(c);
	assert_ok(folio_changes(ses, "low", 0, 100, on_change, &f, NULL));
	assert_int_equal(f.n, 0);
	/* nor change what exists */
	assert_ok(folio_doc_new(&d, st, "seen"));
	assert_ok(folio_doc_set_json(d, "{\"x\":3}"));
	assert_folio(FOLIO_ENOTFOUND, folio_doc_save(d, 0));
	folio_doc_free(d);
	folio_store_free(st);
	folio_session_free(ses);

	/* no access: not even the store; the database is not listed */
	static const char *const nobody[] = {"u_none", "u_star", NULL};
	for (int i = 0; nobody[i]; i++) {
		folio_strlist *l = NULL;
		assert_ok(folio_session_open(&ses, srv, nobody[i], NULL));
		assert_folio(FOLIO_EACCESS, folio_store_open(&st, ses, "low", "_default"));
		assert_ok(folio_db_list(&l, ses));
		for (size_t k = 0; k < l->count; k++)
			assert_string_not_equal(l->items[k], "low");
		folio_strlist_free(l);
		assert_folio(FOLIO_EACCESS, folio_changes(ses, "low", 0, 100, on_change, &f, NULL) == 0 && f.n == 0 ? FOLIO_EACCESS : -99);
		folio_session_free(ses);
	}
	assert_ok(folio_session_open(&ses, srv, NULL, NULL));
	assert_folio(FOLIO_EACCESS, folio_store_open(&st, ses, "low", "_default"));
	folio_session_free(ses);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_matrix),
		cmocka_unit_test(attacker),
		cmocka_unit_test(writes),
		cmocka_unit_test(low_levels),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
