/* backends: sqlite */
/*
 * The driver contract, through the driver table: the registry, the SQLite
 * driver's URLs, statements, types, errors and transactions, the dialects,
 * and the fake driver the core's unit tests build on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"
#include "conn.h"
#include "dialect.h"
#include "sqlite/sqlite_driver.h"
#include "fake_driver.h"

static const folio_driver *const D = &folio_sqlite_driver;
static char g_dir[PATH_MAX];

#define assert_contains(hay, needle)                                                    \
	do {                                                                            \
		const char *h__ = (hay);                                                \
		if (!h__ || !strstr(h__, (needle)))                                     \
			fail_msg("'%s' does not contain '%s'", h__ ? h__ : "(null)",    \
				 (needle));                                             \
	} while (0)

/*
 * Helpers
 */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/folio-test-driver-XXXXXX");
	if (!mkdtemp(g_dir))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* "<tmpdir>/<name>", in a rotating static buffer (a few live at once). */
static const char *tmp_path(const char *name)
{
	static char bufs[4][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", g_dir, name);
	return b;
}

static const char *url_of(const char *fmt, const char *arg)
{
	static char bufs[4][PATH_MAX + 128];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), fmt, arg);
	return b;
}

static folio_conn *open_url(const folio_driver *drv, const char *url, int busy_ms)
{
	folio_connect_options o = { .busy_timeout_ms = busy_ms };
	folio_conn *c = NULL;

	assert_ok(drv->connect(&c, url, &o));
	assert_non_null(c);
	return c;
}

/* The single integer a query returns. */
static int64_t query_int(const folio_driver *drv, folio_conn *c, const char *sql)
{
	folio_stmt *st = NULL;
	int64_t v;

	assert_ok(drv->prepare(&st, c, sql));
	assert_folio(FOLIO_ROW, drv->step(st));
	v = drv->column_int64(st, 0);
	assert_folio(FOLIO_DONE, drv->step(st));
	drv->finalize(st);
	return v;
}

/* Steps a one-parameter INSERT with an integer; returns the step's code. */
static int insert_int(const folio_driver *drv, folio_conn *c, const char *sql, int64_t v)
{
	folio_stmt *st = NULL;
	int rc;

	assert_ok(drv->prepare(&st, c, sql));
	assert_ok(drv->bind_int64(st, 1, v));
	rc = drv->step(st);
	drv->finalize(st);
	return rc;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/*
 * The registry
 */

static void test_find_builtin(void **state)
{
	(void)state;
	assert_ptr_equal(folio_driver__find("sqlite::memory:"), D);
	assert_ptr_equal(folio_driver__find("sqlite:./x.db"), D);
	assert_ptr_equal(folio_driver__find("SQLite:/abs/x.db"), D); /* schemes ignore case */
	assert_int_equal(D->version, FOLIO_DRIVER_VERSION);
	assert_string_equal(D->name, "sqlite");
	assert_string_equal(D->scheme, "sqlite");
	assert_null(D->ping);
}

static void test_find_unknown(void **state)
{
	(void)state;
	folio_error_clear();
	assert_null(folio_driver__find("nosuch://host/db"));
	assert_int_equal(folio_error_code(), FOLIO_EINVALID);
	assert_contains(folio_error_last(), "no driver for URL scheme 'nosuch'");
	assert_contains(folio_error_last(), "known: sqlite");

	folio_error_clear();
	assert_null(folio_driver__find("just-a-path.db"));
	assert_int_equal(folio_error_code(), FOLIO_EINVALID);
	assert_contains(folio_error_last(), "just-a-path.db");

	folio_error_clear();
	assert_null(folio_driver__find(":memory:"));
	assert_int_equal(folio_error_code(), FOLIO_EINVALID);

	/* A scheme is the text before the first ':', never a prefix of it. */
	assert_null(folio_driver__find("sqlit:x.db"));
	assert_null(folio_driver__find("sqlite3:x.db"));
}

static folio_driver pg_stand_in;

static void test_find_postgres_alias(void **state)
{
	const folio_driver *pg;

	(void)state;
	pg = folio_driver__find("postgresql://localhost/db");
	if (!pg) {
		/* No PostgreSQL driver built in yet: a stand-in proves the alias. */
		pg_stand_in = folio_sqlite_driver;
		pg_stand_in.name = "pg-stand-in";
		pg_stand_in.scheme = "postgresql";
		assert_ok(folio_driver_register(&pg_stand_in));
		pg = &pg_stand_in;
	}
	assert_ptr_equal(folio_driver__find("postgresql://localhost/db"), pg);
	assert_ptr_equal(folio_driver__find("postgres://localhost/db"), pg);
	assert_ptr_equal(folio_driver__find("POSTGRES://localhost/db"), pg);
	/* "postgres" is the same scheme: it cannot be taken by another driver. */
	static folio_driver other;
	other = folio_sqlite_driver;
	other.name = "other-pg";
	other.scheme = "postgres";
	assert_folio(FOLIO_EEXISTS, folio_driver_register(&other));
}

static folio_driver dup_sqlite, ok_driver, bad_v0, bad_v2, bad_method, bad_name, bad_scheme;

static void test_register_errors(void **state)
{
	(void)state;

	dup_sqlite = folio_sqlite_driver;
	dup_sqlite.name = "another-sqlite";
	assert_folio(FOLIO_EEXISTS, folio_driver_register(&dup_sqlite));
	assert_contains(folio_error_last(), "'sqlite'");
	dup_sqlite.scheme = "SQLITE";
	assert_folio(FOLIO_EEXISTS, folio_driver_register(&dup_sqlite));
	assert_folio(FOLIO_EEXISTS, folio_driver_register(&folio_sqlite_driver));

	bad_v0 = folio_sqlite_driver;
	bad_v0.scheme = "badv0";
	bad_v0.version = 0;
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_v0));
	assert_contains(folio_error_last(), "version 0");

	bad_v2 = folio_sqlite_driver;
	bad_v2.scheme = "badv2";
	bad_v2.version = FOLIO_DRIVER_VERSION + 1;
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_v2));

	bad_method = folio_sqlite_driver;
	bad_method.scheme = "nostep";
	bad_method.step = NULL;
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_method));
	assert_contains(folio_error_last(), "method");

	bad_name = folio_sqlite_driver;
	bad_name.scheme = "noname";
	bad_name.name = NULL;
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_name));

	bad_scheme = folio_sqlite_driver;
	bad_scheme.scheme = "a:b";
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_scheme));
	bad_scheme.scheme = "";
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_scheme));
	bad_scheme.scheme = NULL;
	assert_folio(FOLIO_EINVALID, folio_driver_register(&bad_scheme));

	/* None of the refused ones became findable. */
	assert_null(folio_driver__find("badv0:x"));
	assert_null(folio_driver__find("badv2:x"));
	assert_null(folio_driver__find("nostep:x"));
	assert_null(folio_driver__find("noname:x"));

	/* ping is the one optional method. */
	ok_driver = folio_sqlite_driver;
	ok_driver.name = "copy";
	ok_driver.scheme = "copy-of-sqlite";
	ok_driver.ping = NULL;
	assert_ok(folio_driver_register(&ok_driver));
	assert_ptr_equal(folio_driver__find("copy-of-sqlite:x.db"), &ok_driver);
	assert_folio(FOLIO_EEXISTS, folio_driver_register(&ok_driver));
	folio_error_clear();
	assert_null(folio_driver__find("nosuch:x"));
	assert_contains(folio_error_last(), "copy-of-sqlite");
}

/* Runs last: it fills the registry. */
static void test_register_full(void **state)
{
	static folio_driver many[20];
	static char schemes[20][16];
	int i;
	int rc = 0;

	(void)state;
	for (i = 0; i < 20; i++) {
		many[i] = folio_sqlite_driver;
		snprintf(schemes[i], sizeof(schemes[i]), "full%d", i);
		many[i].scheme = schemes[i];
		rc = folio_driver_register(&many[i]);
		if (rc < 0)
			break;
	}
	assert_true(i < 16); /* some slots were taken by earlier tests */
	assert_folio(FOLIO_ETOOBIG, rc);
	assert_contains(folio_error_last(), "too many drivers");
	/* The built-in driver and those registered are still found. */
	assert_ptr_equal(folio_driver__find("sqlite::memory:"), D);
	assert_ptr_equal(folio_driver__find("full0:x"), &many[0]);
	assert_null(folio_driver__find(url_of("full%s:x", "19")));
}

/*
 * URLs
 */

static void test_url_memory(void **state)
{
	folio_conn *a;
	folio_conn *b;

	(void)state;
	a = open_url(D, "sqlite::memory:", 0);
	b = open_url(D, "sqlite::memory:", 0);
	assert_string_equal(D->dialect(a), "sqlite");
	assert_non_null(folio_dialect__find(D->dialect(a)));
	assert_ok(D->exec(a, "CREATE TABLE t(x); INSERT INTO t VALUES (42)"));
	assert_int_equal(query_int(D, a, "SELECT x FROM t"), 42);
	/* Each in-memory connection is its own database. */
	assert_folio(FOLIO_ERROR, D->exec(b, "SELECT x FROM t"));
	assert_contains(folio_error_last(), "no such table");
	/* No file appeared. */
	assert_false(exists(":memory:"));
	D->disconnect(a);
	D->disconnect(b);
}

static void test_url_relative(void **state)
{
	char cwd[PATH_MAX];
	folio_conn *c;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(mkdir(tmp_path("rel"), 0700), 0);
	assert_int_equal(chdir(g_dir), 0);
	c = open_url(D, "sqlite:rel/r.db", 0);
	assert_ok(D->exec(c, "CREATE TABLE t(x)"));
	D->disconnect(c);
	c = open_url(D, "sqlite:./plain.db", 0);
	D->disconnect(c);
	assert_int_equal(chdir(cwd), 0);
	assert_true(exists(tmp_path("rel/r.db")));
	assert_true(exists(tmp_path("plain.db")));
}

static void test_url_absolute(void **state)
{
	folio_conn *c;

	(void)state;
	assert_true(g_dir[0] == '/');
	c = open_url(D, url_of("sqlite:%s", tmp_path("abs.db")), 0);
	assert_ok(D->exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES (7)"));
	D->disconnect(c);
	assert_true(exists(tmp_path("abs.db")));

	/* sqlite:///abs/path names the same file. */
	c = open_url(D, url_of("sqlite://%s", tmp_path("abs.db")), 0);
	assert_int_equal(query_int(D, c, "SELECT x FROM t"), 7);
	D->disconnect(c);
}

static void test_url_missing_dir(void **state)
{
	folio_conn *c = (folio_conn *)state; /* anything non-NULL */
	const char *dir = tmp_path("no/such/dir");

	assert_folio(FOLIO_EIO, D->connect(&c, url_of("sqlite:%s/x.db", dir), NULL));
	assert_null(c);
	assert_contains(folio_error_last(), dir);
	assert_contains(folio_error_last(), "does not exist");
	/* Nothing was created on the way. */
	assert_false(exists(tmp_path("no")));

	/* Read-only and no-create modes do not create a missing file either. */
	assert_folio(FOLIO_EIO, D->connect(&c, url_of("sqlite:%s?mode=ro", tmp_path("none.db")),
					   NULL));
	assert_contains(folio_error_last(), "none.db");
	assert_folio(FOLIO_EIO, D->connect(&c, url_of("sqlite:%s?mode=rw", tmp_path("none.db")),
					   NULL));
	assert_false(exists(tmp_path("none.db")));

	/* A directory is not a database file. */
	assert_folio(FOLIO_EIO, D->connect(&c, url_of("sqlite:%s", g_dir), NULL));
	assert_contains(folio_error_last(), "is a directory");
}

static void test_url_invalid(void **state)
{
	folio_conn *c = NULL;

	(void)state;
	assert_folio(FOLIO_EINVALID, D->connect(&c, "sqlite:", NULL));
	assert_null(c);
	assert_folio(FOLIO_EINVALID, D->connect(&c, "sqlite:?mode=ro", NULL));
	assert_folio(FOLIO_EINVALID,
		     D->connect(&c, url_of("sqlite:%s?mode=bogus", tmp_path("b.db")), NULL));
	assert_contains(folio_error_last(), "mode=bogus");
	assert_folio(FOLIO_EINVALID,
		     D->connect(&c, url_of("sqlite:%s?cache=shared", tmp_path("b.db")), NULL));
	assert_folio(FOLIO_EINVALID, D->connect(&c, "sqlite://somehost/x.db", NULL));
	assert_contains(folio_error_last(), "somehost");
	assert_false(exists(tmp_path("b.db")));
}

static void test_not_a_database(void **state)
{
	char junk[4096];
	folio_conn *c = NULL;
	FILE *f;

	(void)state;
	memset(junk, 'x', sizeof(junk));
	f = fopen(tmp_path("junk.db"), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
	assert_folio(FOLIO_EIO, D->connect(&c, url_of("sqlite:%s", tmp_path("junk.db")), NULL));
	assert_null(c);
	assert_contains(folio_error_last(), "SQLITE_NOTADB");
	assert_contains(folio_error_last(), "junk.db");
	assert_folio(FOLIO_EIO,
		     D->connect(&c, url_of("sqlite:%s?mode=ro", tmp_path("junk.db")), NULL));
	assert_contains(folio_error_last(), "SQLITE_NOTADB");
}

/*
 * Statements
 */

static void test_exec(void **state)
{
	folio_conn *c = open_url(D, "sqlite::memory:", 0);

	(void)state;
	assert_ok(D->exec(c, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2)"));
	assert_int_equal(query_int(D, c, "SELECT sum(x) FROM t"), 3);
	/* A statement that returns rows runs; the rows are dropped. */
	assert_ok(D->exec(c, "SELECT * FROM t"));

	assert_folio(FOLIO_ERROR, D->exec(c, "CREATE TABLEE u(x)"));
	assert_contains(folio_error_last(), "sqlite: ");
	assert_contains(folio_error_last(), "syntax error");
	assert_contains(folio_error_last(), "(SQLITE_ERROR)");
	assert_contains(folio_error_last(), "CREATE TABLEE u(x)");
	D->disconnect(c);
}

static void test_bind_and_columns(void **state)
{
	static const char blob[] = { 'a', 0, 'b', 0, 0, (char)0xff };
	char reused[16];
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = NULL;
	const char *txt;
	const void *bl;
	size_t len = 99;

	(void)state;
	assert_ok(D->exec(c, "CREATE TABLE t(id INTEGER PRIMARY KEY, i, d, s, b, n, "
			     "es, eb, part, nul)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO t(i, d, s, b, n, es, eb, part, nul) "
				     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
	assert_ok(D->bind_int64(st, 1, INT64_MIN));
	assert_ok(D->bind_double(st, 2, -1.5e300));
	/* The bound buffer stays valid until the step (the contract), and is read then. */
	strcpy(reused, "héllo");
	assert_ok(D->bind_text(st, 3, reused, strlen(reused)));
	assert_ok(D->bind_blob(st, 4, blob, sizeof(blob)));
	assert_ok(D->bind_null(st, 5));
	assert_ok(D->bind_text(st, 6, "", 0));
	assert_ok(D->bind_blob(st, 7, NULL, 0));
	assert_ok(D->bind_text(st, 8, "hello world", 5)); /* only the first 5 bytes */
	assert_ok(D->bind_text(st, 9, "a\0b", 3));        /* an embedded NUL is kept */
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);

	assert_ok(D->prepare(&st, c, "SELECT i, d, s, b, n, es, eb, part, nul, 0.25, "
				     "9223372036854775807 FROM t"));
	assert_int_equal(D->column_count(st), 11);
	assert_folio(FOLIO_ROW, D->step(st));

	assert_int_equal(D->column_type(st, 0), FOLIO_COL_INT);
	assert_true(D->column_int64(st, 0) == INT64_MIN);

	assert_int_equal(D->column_type(st, 1), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(st, 1) == -1.5e300);

	assert_int_equal(D->column_type(st, 2), FOLIO_COL_TEXT);
	txt = D->column_text(st, 2, &len);
	assert_int_equal(len, strlen("héllo"));
	assert_memory_equal(txt, "héllo", len);
	assert_int_equal(txt[len], '\0'); /* text comes NUL-terminated */

	assert_int_equal(D->column_type(st, 3), FOLIO_COL_BLOB);
	bl = D->column_blob(st, 3, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(bl, blob, sizeof(blob));

	assert_int_equal(D->column_type(st, 4), FOLIO_COL_NULL);
	len = 99;
	assert_null(D->column_text(st, 4, &len));
	assert_int_equal(len, 0);
	len = 99;
	assert_null(D->column_blob(st, 4, &len));
	assert_int_equal(len, 0);

	/* Empty is not NULL, for text and for blobs. */
	assert_int_equal(D->column_type(st, 5), FOLIO_COL_TEXT);
	txt = D->column_text(st, 5, &len);
	assert_non_null(txt);
	assert_int_equal(len, 0);
	assert_int_equal(D->column_type(st, 6), FOLIO_COL_BLOB);
	len = 99;
	bl = D->column_blob(st, 6, &len);
	assert_non_null(bl);
	assert_int_equal(len, 0);

	txt = D->column_text(st, 7, &len);
	assert_int_equal(len, 5);
	assert_string_equal(txt, "hello");

	txt = D->column_text(st, 8, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(txt, "a\0b", 3);

	assert_int_equal(D->column_type(st, 9), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(st, 9) == 0.25);
	assert_true(D->column_int64(st, 10) == INT64_MAX);
	/* A NULL length pointer is allowed. */
	assert_string_equal(D->column_text(st, 7, NULL), "hello");

	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	D->disconnect(c);
}

static void test_big_blob(void **state)
{
	const size_t n = 1u << 20;
	unsigned char *in = malloc(n);
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = NULL;
	const void *out;
	size_t len = 0;
	size_t i;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < n; i++)
		in[i] = (unsigned char)(i * 7 + (i >> 8));
	assert_ok(D->exec(c, "CREATE TABLE t(b BLOB)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO t VALUES (?)"));
	assert_ok(D->bind_blob(st, 1, in, n));
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	assert_ok(D->prepare(&st, c, "SELECT b FROM t"));
	assert_folio(FOLIO_ROW, D->step(st));
	out = D->column_blob(st, 0, &len);
	assert_int_equal(len, n);
	assert_memory_equal(out, in, n);
	D->finalize(st);
	D->disconnect(c);
	free(in);
}

static void test_reset_clears_bindings(void **state)
{
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = NULL;
	int64_t v;

	(void)state;
	assert_ok(D->prepare(&st, c, "SELECT ?1"));
	assert_ok(D->bind_int64(st, 1, 5));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 5);
	assert_ok(D->reset(st));
	/* Run again without binding: the old value is gone. */
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_type(st, 0), FOLIO_COL_NULL);
	D->finalize(st);

	/* One statement, run many times with new values. */
	assert_ok(D->exec(c, "CREATE TABLE t(x)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO t VALUES (?)"));
	for (v = 1; v <= 3; v++) {
		assert_ok(D->bind_int64(st, 1, v));
		assert_folio(FOLIO_DONE, D->step(st));
		assert_ok(D->reset(st));
	}
	D->finalize(st);
	assert_int_equal(query_int(D, c, "SELECT sum(x) FROM t"), 6);
	/* Reset before any step is fine too. */
	assert_ok(D->prepare(&st, c, "SELECT 1"));
	assert_ok(D->reset(st));
	D->finalize(st);
	D->disconnect(c);
}

static void test_changes(void **state)
{
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = NULL;

	(void)state;
	assert_ok(D->exec(c, "CREATE TABLE t(x)"));
	assert_ok(D->exec(c, "INSERT INTO t VALUES (1), (2), (3)"));
	assert_int_equal(D->changes(c), 3);
	assert_ok(D->prepare(&st, c, "UPDATE t SET x = x + 10 WHERE x >= ?"));
	assert_ok(D->bind_int64(st, 1, 2));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 2);
	assert_ok(D->reset(st));
	assert_ok(D->bind_int64(st, 1, 1000));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 0);
	D->finalize(st);
	assert_ok(D->exec(c, "DELETE FROM t"));
	assert_int_equal(D->changes(c), 3);
	D->disconnect(c);
}

static void test_constraint_errors(void **state)
{
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = NULL;

	(void)state;
	assert_ok(D->exec(c, "CREATE TABLE u(k TEXT UNIQUE, v NOT NULL); "
			     "CREATE TABLE p(id INTEGER PRIMARY KEY)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO u VALUES (?, 1)"));
	assert_ok(D->bind_text(st, 1, "a", 1));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_ok(D->reset(st));
	assert_ok(D->bind_text(st, 1, "a", 1));
	assert_folio(FOLIO_EEXISTS, D->step(st));
	assert_string_equal(folio_error_last(),
			    "sqlite: UNIQUE constraint failed: u.k (SQLITE_CONSTRAINT_UNIQUE) "
			    "in: INSERT INTO u VALUES (?, 1)");
	/* After the failure, reset keeps the detail and the statement runs again. */
	assert_ok(D->reset(st));
	assert_int_equal(folio_error_code(), FOLIO_EEXISTS);
	assert_contains(folio_error_last(), "SQLITE_CONSTRAINT_UNIQUE");
	assert_ok(D->bind_text(st, 1, "b", 1));
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);

	assert_folio(FOLIO_DONE, insert_int(D, c, "INSERT INTO p VALUES (?)", 1));
	assert_folio(FOLIO_EEXISTS, insert_int(D, c, "INSERT INTO p VALUES (?)", 1));
	assert_contains(folio_error_last(), "(SQLITE_CONSTRAINT_PRIMARYKEY)");

	/* Other constraints are not "exists". */
	assert_folio(FOLIO_ERROR, D->exec(c, "INSERT INTO u VALUES ('c', NULL)"));
	assert_contains(folio_error_last(), "(SQLITE_CONSTRAINT_NOTNULL)");
	assert_int_equal(query_int(D, c, "SELECT count(*) FROM u"), 2);
	D->disconnect(c);
}

static void test_prepare_errors(void **state)
{
	folio_conn *c = open_url(D, "sqlite::memory:", 0);
	folio_stmt *st = (folio_stmt *)state; /* anything non-NULL */

	assert_folio(FOLIO_ERROR, D->prepare(&st, c, "SELEC 1"));
	assert_null(st);
	assert_contains(folio_error_last(), "syntax error");
	assert_contains(folio_error_last(), "in: SELEC 1");

	assert_folio(FOLIO_ERROR, D->prepare(&st, c, "SELECT * FROM missing"));
	assert_contains(folio_error_last(), "no such table: missing");

	/* One statement at a time: the rest would be silently dropped. */
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "SELECT 1; SELECT 2"));
	assert_null(st);
	assert_contains(folio_error_last(), "more than one statement");
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, ""));
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "  -- nothing"));

	/* A trailing ';', blank or comment is one statement still. */
	assert_ok(D->prepare(&st, c, "SELECT 1;"));
	D->finalize(st);
	assert_ok(D->prepare(&st, c, "SELECT 1; -- the end\n"));
	assert_folio(FOLIO_ROW, D->step(st));

	/* Binding out of range. */
	assert_ok(D->reset(st));
	assert_folio(FOLIO_ERROR, D->bind_int64(st, 2, 1));
	assert_contains(folio_error_last(), "SQLITE_RANGE");
	D->finalize(st);
	D->disconnect(c);
}

/*
 * Transactions
 */

static void test_transaction_visibility(void **state)
{
	const char *url = url_of("sqlite:%s", tmp_path("tx.db"));
	folio_conn *a = open_url(D, url, 0);
	folio_conn *b = open_url(D, url, 0);

	(void)state;
	assert_ok(D->exec(a, "CREATE TABLE t(x)"));

	assert_ok(D->begin(a, 1));
	assert_folio(FOLIO_DONE, insert_int(D, a, "INSERT INTO t VALUES (?)", 1));
	assert_int_equal(query_int(D, a, "SELECT count(*) FROM t"), 1);
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 0);
	assert_ok(D->commit(a));
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 1);

	/* A rolled-back write is seen by nobody, not even the writer. */
	assert_ok(D->begin(a, 0));
	assert_folio(FOLIO_DONE, insert_int(D, a, "INSERT INTO t VALUES (?)", 2));
	assert_ok(D->rollback(a));
	assert_int_equal(query_int(D, a, "SELECT count(*) FROM t"), 1);
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 1);

	/* A reader's transaction keeps its snapshot while a writer commits. */
	assert_ok(D->begin(b, 0));
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 1);
	assert_folio(FOLIO_DONE, insert_int(D, a, "INSERT INTO t VALUES (?)", 3));
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 1);
	assert_ok(D->commit(b));
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 2);

	/* Rolling back with nothing open is harmless (cleanup paths do it). */
	assert_ok(D->rollback(a));
	/* Committing with nothing open is a caller's slip, and is reported. */
	assert_true(D->commit(a) < 0);
	assert_contains(folio_error_last(), "no transaction");
	/* Transactions do not nest. */
	assert_ok(D->begin(a, 1));
	assert_true(D->begin(a, 1) < 0);
	assert_ok(D->rollback(a));

	D->disconnect(a);
	D->disconnect(b);
}

static void test_begin_immediate_busy(void **state)
{
	const char *url = url_of("sqlite:%s", tmp_path("busy.db"));
	folio_conn *a = open_url(D, url, 50);
	folio_conn *b = open_url(D, url, 50);
	folio_conn *now = open_url(D, url, -1); /* no wait at all */
	struct timespec t0;
	double ms;

	(void)state;
	assert_ok(D->exec(a, "CREATE TABLE t(x)"));
	assert_ok(D->begin(a, 1));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_folio(FOLIO_EBUSY, D->begin(b, 1));
	ms = elapsed_ms(&t0);
	assert_contains(folio_error_last(), "SQLITE_BUSY");
	assert_true(ms >= 40.0);  /* it waited for the busy timeout, */
	assert_true(ms < 5000.0); /* and not for the default one */
	assert_folio(FOLIO_EBUSY, D->begin(now, 1));

	/* A read transaction starts, reads, and cannot write. */
	assert_ok(D->begin(b, 0));
	assert_int_equal(query_int(D, b, "SELECT count(*) FROM t"), 0);
	assert_folio(FOLIO_EBUSY, insert_int(D, b, "INSERT INTO t VALUES (?)", 1));
	assert_ok(D->rollback(b));

	assert_ok(D->commit(a));
	assert_ok(D->begin(b, 1));
	assert_folio(FOLIO_DONE, insert_int(D, b, "INSERT INTO t VALUES (?)", 1));
	assert_ok(D->commit(b));
	assert_int_equal(query_int(D, a, "SELECT count(*) FROM t"), 1);

	D->disconnect(a);
	D->disconnect(b);
	D->disconnect(now);
}

static void make_db(const char *path)
{
	folio_conn *c = open_url(D, url_of("sqlite:%s", path), 0);

	assert_ok(D->exec(c, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)"));
	D->disconnect(c);
}

static void check_read_only(folio_conn *c)
{
	assert_int_equal(query_int(D, c, "SELECT sum(x) FROM t"), 3);
	assert_folio(FOLIO_EREADONLY, insert_int(D, c, "INSERT INTO t VALUES (?)", 3));
	assert_contains(folio_error_last(), "SQLITE_READONLY");
	assert_folio(FOLIO_EREADONLY, D->exec(c, "CREATE TABLE u(y)"));
	assert_ok(D->begin(c, 0));
	assert_int_equal(query_int(D, c, "SELECT count(*) FROM t"), 2);
	assert_ok(D->rollback(c));
	assert_int_equal(query_int(D, c, "SELECT sum(x) FROM t"), 3);
}

static void test_read_only(void **state)
{
	const char *path = tmp_path("ro.db");
	folio_conn *c;

	(void)state;
	make_db(path);
	c = open_url(D, url_of("sqlite:%s?mode=ro", path), 0);
	check_read_only(c);
	D->disconnect(c);

	/*
	 * A file without write permission opens read-only. Root writes through
	 * permission bits, so as root only the ?mode=ro path above is tested.
	 */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0444), 0);
		c = open_url(D, url_of("sqlite:%s", path), 0);
		check_read_only(c);
		D->disconnect(c);
		assert_int_equal(chmod(path, 0644), 0);
	}

	/* The file is as it was. */
	c = open_url(D, url_of("sqlite:%s?mode=rw", path), 0);
	assert_int_equal(query_int(D, c, "SELECT count(*) FROM t"), 2);
	D->disconnect(c);
}

/*
 * Dialects
 */

static void test_dialects(void **state)
{
	const folio_dialect *d;

	(void)state;
	d = folio_dialect__find("sqlite");
	assert_non_null(d);
	assert_string_equal(d->name, "sqlite");
	assert_string_equal(d->t_id, "INTEGER PRIMARY KEY");
	assert_string_equal(d->t_json, "TEXT");
	assert_string_equal(d->quote, "\"");
	assert_string_equal(d->insert_ignore_prefix, "INSERT OR IGNORE INTO");
	assert_string_equal(d->on_conflict_nothing, " ON CONFLICT DO NOTHING");
	assert_true(d->has_returning && d->has_partial_index && d->has_if_not_exists);

	d = folio_dialect__find("postgresql");
	assert_non_null(d);
	assert_string_equal(d->t_id, "BIGSERIAL PRIMARY KEY");
	assert_string_equal(d->t_json, "TEXT");
	assert_string_equal(d->t_blob, "BYTEA");
	assert_null(d->insert_ignore_prefix);
	assert_string_equal(d->on_conflict_nothing, " ON CONFLICT DO NOTHING");

	d = folio_dialect__find("mariadb");
	assert_non_null(d);
	assert_string_equal(d->quote, "`");
	assert_string_equal(d->t_blob, "LONGBLOB");
	assert_string_equal(d->insert_ignore_prefix, "INSERT IGNORE INTO");
	assert_false(d->has_returning || d->has_partial_index);

	d = folio_dialect__find("db2");
	assert_non_null(d);
	assert_string_equal(d->limit_clause, "OFFSET ? ROWS FETCH FIRST ? ROWS ONLY");
	assert_string_equal(d->t_text, "CLOB");
	assert_false(d->has_if_not_exists || d->has_returning || d->has_partial_index);
	assert_null(d->insert_ignore_prefix);
	assert_null(d->on_conflict_nothing);

	assert_null(folio_dialect__find("oracle"));
	assert_null(folio_dialect__find("SQLITE"));
	assert_null(folio_dialect__find(NULL));

	/* The SQLite dialect's types are SQL this driver takes. */
	{
		folio_conn *c = open_url(D, "sqlite::memory:", 0);
		char sql[512];

		d = folio_dialect__find("sqlite");
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE IF NOT EXISTS %st%s "
			 "(id %s, i %s, f %s, k %s, s %s, j %s, b %s)",
			 d->quote, d->quote, d->t_id, d->t_int, d->t_double, d->t_key,
			 d->t_text, d->t_json, d->t_blob);
		assert_ok(D->exec(c, sql));
		snprintf(sql, sizeof(sql), "%s t(k) VALUES ('a')", d->insert_ignore_prefix);
		assert_ok(D->exec(c, sql));
		D->disconnect(c);
	}
}

/*
 * The fake driver
 */

static void test_fake_counts(void **state)
{
	struct folio_fake_counts *n = folio_fake_counts();
	const char *url = url_of("fake:%s", tmp_path("fake.db"));
	const folio_driver *F;
	folio_conn *c;
	folio_stmt *st = NULL;

	(void)state;
	assert_ok(folio_fake_register());
	assert_ok(folio_fake_register()); /* twice is fine */
	F = folio_driver__find(url);
	assert_ptr_equal(F, &folio_fake_driver);

	folio_fake_reset();
	assert_int_equal(n->connect, 0);
	c = open_url(F, url, 0);
	assert_int_equal(n->connect, 1);
	assert_string_equal(F->dialect(c), "sqlite");
	assert_ok(F->exec(c, "CREATE TABLE t(x)"));
	assert_int_equal(n->exec, 1);

	assert_ok(F->begin(c, 1));
	assert_ok(F->prepare(&st, c, "INSERT INTO t VALUES (?)"));
	assert_ok(F->bind_int64(st, 1, 1));
	assert_folio(FOLIO_DONE, F->step(st));
	assert_ok(F->reset(st));
	assert_ok(F->bind_text(st, 1, "two", 3));
	assert_folio(FOLIO_DONE, F->step(st));
	assert_int_equal(F->changes(c), 1);
	F->finalize(st);
	assert_ok(F->commit(c));
	assert_int_equal(n->begin, 1);
	assert_int_equal(n->prepare, 1);
	assert_int_equal(n->bind, 2);
	assert_int_equal(n->step, 2);
	assert_int_equal(n->reset, 1);
	assert_int_equal(n->changes, 1);
	assert_int_equal(n->finalize, 1);
	assert_int_equal(n->commit, 1);
	assert_int_equal(n->rollback, 0);
	assert_int_equal(n->faults, 0);

	/* It is the real file underneath. */
	{
		folio_conn *raw = open_url(D, url_of("sqlite:%s", tmp_path("fake.db")), 0);
		assert_int_equal(query_int(D, raw, "SELECT count(*) FROM t"), 2);
		D->disconnect(raw);
	}
	assert_int_equal(query_int(F, c, "SELECT count(*) FROM t"), 2);
	assert_int_equal(n->column, 1);

	F->disconnect(c);
	assert_int_equal(n->disconnect, 1);
	folio_fake_reset();
	assert_int_equal(n->connect + n->exec + n->step + n->disconnect, 0);
}

static void test_fake_fault_once(void **state)
{
	struct folio_fake_counts *n = folio_fake_counts();
	const folio_driver *F = &folio_fake_driver;
	folio_conn *c = NULL;
	folio_stmt *st = NULL;

	(void)state;
	assert_ok(folio_fake_register());
	folio_fake_reset();

	/* The second step from now fails, and only that one. */
	c = open_url(F, "fake::memory:", 0);
	folio_fake_fail_after("step", 2, FOLIO_EIO);
	assert_ok(F->prepare(&st, c, "SELECT 1"));
	assert_folio(FOLIO_ROW, F->step(st));
	assert_ok(F->reset(st));
	assert_folio(FOLIO_EIO, F->step(st));
	assert_contains(folio_error_last(), "injected failure of step");
	assert_ok(F->reset(st));
	assert_folio(FOLIO_ROW, F->step(st));
	assert_ok(F->reset(st));
	assert_folio(FOLIO_ROW, F->step(st));
	assert_int_equal(n->faults, 1);
	F->finalize(st);

	/* Each method fails on its own; another code passes through as given. */
	folio_fake_fail_after("prepare", 1, FOLIO_ENOMEM);
	assert_folio(FOLIO_ENOMEM, F->prepare(&st, c, "SELECT 1"));
	assert_null(st);
	assert_ok(F->prepare(&st, c, "SELECT 1"));
	F->finalize(st);
	folio_fake_fail_after("exec", 1, FOLIO_EFULL);
	assert_folio(FOLIO_EFULL, F->exec(c, "CREATE TABLE t(x)"));
	/* The failed call did not reach SQLite: the table is not there. */
	assert_folio(FOLIO_ERROR, F->exec(c, "SELECT * FROM t"));
	assert_ok(F->exec(c, "CREATE TABLE t(x)"));
	folio_fake_fail_after("begin", 1, FOLIO_EBUSY);
	assert_folio(FOLIO_EBUSY, F->begin(c, 1));
	assert_ok(F->begin(c, 1));
	assert_ok(F->rollback(c));
	folio_fake_fail_after("bind", 1, FOLIO_EIO);
	assert_ok(F->prepare(&st, c, "SELECT ?"));
	assert_folio(FOLIO_EIO, F->bind_double(st, 1, 1.0));
	assert_ok(F->bind_double(st, 1, 1.0));
	F->finalize(st);
	F->disconnect(c);

	folio_fake_fail_after("connect", 1, FOLIO_EIO);
	c = (folio_conn *)state;
	assert_folio(FOLIO_EIO, F->connect(&c, "fake::memory:", NULL));
	assert_null(c);
	c = open_url(F, "fake::memory:", 0);
	F->disconnect(c);
	assert_int_equal(n->faults, 6);

	/* reset cancels what is pending. */
	folio_fake_fail_after("connect", 1, FOLIO_EIO);
	folio_fake_reset();
	c = open_url(F, "fake::memory:", 0);
	F->disconnect(c);
	assert_int_equal(n->faults, 0);
}

/* A connection lost in the middle of a write, then at commit: nothing lands. */
static void test_fake_fault_mid_write(void **state)
{
	const folio_driver *F = &folio_fake_driver;
	const char *path = tmp_path("midwrite.db");
	folio_conn *c;
	folio_conn *raw;

	(void)state;
	assert_ok(folio_fake_register());
	folio_fake_reset();
	c = open_url(F, url_of("fake:%s", path), 0);
	raw = open_url(D, url_of("sqlite:%s", path), 0);
	assert_ok(F->exec(c, "CREATE TABLE t(x)"));

	folio_fake_fail_after("step", 2, FOLIO_EIO);
	assert_ok(F->begin(c, 1));
	assert_folio(FOLIO_DONE, insert_int(F, c, "INSERT INTO t VALUES (?)", 1));
	assert_folio(FOLIO_EIO, insert_int(F, c, "INSERT INTO t VALUES (?)", 2));
	assert_ok(F->rollback(c));
	assert_int_equal(query_int(D, raw, "SELECT count(*) FROM t"), 0);

	folio_fake_fail_after("commit", 1, FOLIO_EIO);
	assert_ok(F->begin(c, 1));
	assert_folio(FOLIO_DONE, insert_int(F, c, "INSERT INTO t VALUES (?)", 1));
	assert_folio(FOLIO_EIO, F->commit(c));
	assert_int_equal(query_int(D, raw, "SELECT count(*) FROM t"), 0);
	/* Dropping the connection with the transaction open loses the write. */
	F->disconnect(c);
	assert_int_equal(query_int(D, raw, "SELECT count(*) FROM t"), 0);
	assert_int_equal(folio_fake_counts()->faults, 2);
	D->disconnect(raw);
}

#define THREADS 4
#define STEPS 2000

static void *stepper(void *arg)
{
	const folio_driver *F = &folio_fake_driver;
	folio_conn *c = NULL;
	folio_stmt *st = NULL;
	int i;
	int bad = 0;

	(void)arg;
	if (F->connect(&c, "fake::memory:", NULL) < 0)
		return (void *)1;
	if (F->prepare(&st, c, "SELECT 1") < 0)
		bad = 1;
	for (i = 0; !bad && i < STEPS; i++) {
		if (F->step(st) != FOLIO_ROW || F->reset(st) < 0)
			bad = 1;
	}
	F->finalize(st);
	F->disconnect(c);
	return bad ? (void *)1 : NULL;
}

static void test_fake_threads(void **state)
{
	pthread_t t[THREADS];
	void *res;
	int i;

	(void)state;
	assert_ok(folio_fake_register());
	folio_fake_reset();
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stepper, NULL), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	assert_int_equal(folio_fake_counts()->connect, THREADS);
	assert_int_equal(folio_fake_counts()->step, THREADS * STEPS);
	assert_int_equal(folio_fake_counts()->reset, THREADS * STEPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_builtin),
		cmocka_unit_test(test_find_unknown),
		cmocka_unit_test(test_find_postgres_alias),
		cmocka_unit_test(test_register_errors),
		cmocka_unit_test(test_url_memory),
		cmocka_unit_test(test_url_relative),
		cmocka_unit_test(test_url_absolute),
		cmocka_unit_test(test_url_missing_dir),
		cmocka_unit_test(test_url_invalid),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_bind_and_columns),
		cmocka_unit_test(test_big_blob),
		cmocka_unit_test(test_reset_clears_bindings),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_constraint_errors),
		cmocka_unit_test(test_prepare_errors),
		cmocka_unit_test(test_transaction_visibility),
		cmocka_unit_test(test_begin_immediate_busy),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_fake_counts),
		cmocka_unit_test(test_fake_fault_once),
		cmocka_unit_test(test_fake_fault_mid_write),
		cmocka_unit_test(test_fake_threads),
		cmocka_unit_test(test_register_full), /* last: fills the registry */
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
