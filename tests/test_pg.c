/* backends: pg */
/*
 * The PostgreSQL driver (drivers/pg) through the driver table, and the
 * public API on a postgresql:// URL.
 *
 * Needs a server: $FOLIO_TEST_PG (the matrix's, scripts/matrix/start.sh:
 * the test makes a database there through tests/support/testenv.c), or
 * $FOLIO_TEST_PG_URL, a libpq URI of a database in which the test may
 * create a schema. The tests work in a schema of their own, dropped at the
 * end. Every test is skipped when neither is set. Optional:
 *   FOLIO_TEST_PG_PW_URL   a URI with the right password of a role that must
 *                          give one (default: the server URL, when it has a
 *                          password): the test also tries a wrong password
 *   FOLIO_TEST_PG_RESTART  a shell command that restarts the server and
 *                          returns once it accepts connections again
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"
#include "conn.h"
#include "pg/pg_driver.h"

static const folio_driver *const D = &folio_pg_driver;
static const char *g_base;  /* the server URL (a database), NULL to skip */
static char g_base_buf[2048];
static char g_schema[64];   /* this run's schema */

#define assert_contains(hay, needle)                                                    \
	do {                                                                            \
		const char *h__ = (hay);                                                \
		if (!h__ || !strstr(h__, (needle)))                                     \
			fail_msg("'%s' does not contain '%s'", h__ ? h__ : "(null)",    \
				 (needle));                                             \
	} while (0)

#define assert_lacks(hay, needle)                                                       \
	do {                                                                            \
		const char *h__ = (hay);                                                \
		if (h__ && strstr(h__, (needle)))                                       \
			fail_msg("'%s' contains '%s'", h__, (needle));                  \
	} while (0)

/*
 * Helpers
 */

static void need_pg(void)
{
	if (!g_base)
		fail_msg("no PostgreSQL server (FOLIO_TEST_PG)");
}

/* `base` with one more query parameter, in a rotating static buffer. */
static const char *with_param(const char *base, const char *param)
{
	static char bufs[8][2048];
	static int next;
	char *b = bufs[next++ % 8];
	int n = snprintf(b, sizeof(bufs[0]), "%s%s%s", base, strchr(base, '?') ? "&" : "?",
			 param);

	if (n < 0 || (size_t)n >= sizeof(bufs[0]))
		fail_msg("URL too long: %s", base);
	return b;
}

/* The base URL working in this run's schema, with more server settings ("-cX%3DY"). */
static const char *url_in_schema(const char *more)
{
	char opt[512];

	snprintf(opt, sizeof(opt), "options=-csearch_path%%3D%s%s%s", g_schema,
		 more ? "%20" : "", more ? more : "");
	return with_param(g_base, opt);
}

static folio_conn *open_url(const char *url, int busy_ms)
{
	folio_connect_options o = { .busy_timeout_ms = busy_ms };
	folio_conn *c = NULL;

	assert_ok(D->connect(&c, url, &o));
	assert_non_null(c);
	return c;
}

static folio_conn *open_pg(int busy_ms)
{
	return open_url(url_in_schema(NULL), busy_ms);
}

static int64_t query_int(folio_conn *c, const char *sql)
{
	folio_stmt *st = NULL;
	int64_t v;

	assert_ok(D->prepare(&st, c, sql));
	assert_folio(FOLIO_ROW, D->step(st));
	v = D->column_int64(st, 0);
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	return v;
}

/* The single text a query returns, copied into a static buffer. */
static const char *query_text(folio_conn *c, const char *sql)
{
	static char buf[1024];
	folio_stmt *st = NULL;
	const char *v;

	assert_ok(D->prepare(&st, c, sql));
	assert_folio(FOLIO_ROW, D->step(st));
	v = D->column_text(st, 0, NULL);
	snprintf(buf, sizeof(buf), "%s", v ? v : "(null)");
	D->finalize(st);
	return buf;
}

static int insert_int(folio_conn *c, const char *sql, int64_t v)
{
	folio_stmt *st = NULL;
	int rc;

	assert_ok(D->prepare(&st, c, sql));
	assert_ok(D->bind_int64(st, 1, v));
	rc = D->step(st);
	D->finalize(st);
	return rc;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Waits until backend `pid` is gone (pg_terminate_backend only signals it). */
static void wait_gone(folio_conn *watcher, const char *where)
{
	char sql[512];
	int i;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE %s", where);
	for (i = 0; i < 500; i++) {
		if (query_int(watcher, sql) == 0)
			return;
		usleep(10000);
	}
	fail_msg("backends still there after 5 s: %s", where);
}

static int group_setup(void **state)
{
	folio_conn *c = NULL;
	folio_connect_options o = { 0 };
	char sql[128];
	int rc;

	(void)state;
	g_base = getenv("FOLIO_TEST_PG_URL");
	if (!g_base || !*g_base) {
		const char *matrix = getenv("FOLIO_TEST_PG");

		g_base = NULL;
		if (!matrix || !*matrix) {
			/* A backend that was asked for and is not there fails: never a skip. */
			fprintf(stderr, "test_pg: neither FOLIO_TEST_PG nor FOLIO_TEST_PG_URL "
					"is set: start the servers with scripts/matrix/start.sh\n");
			return -1;
		}
		setenv("FOLIO_TEST_BACKEND", "pg", 1);
		snprintf(g_base_buf, sizeof(g_base_buf), "%s", folio_test_url());
		g_base = g_base_buf;
	}
	rc = folio_driver_register(&folio_pg_driver);
	if (rc < 0 && rc != FOLIO_EEXISTS) {
		fprintf(stderr, "register: %s\n", folio_error_last());
		return -1;
	}
	snprintf(g_schema, sizeof(g_schema), "folio_test_pg_%ld_%ld", (long)getpid(),
		 (long)time(NULL));
	if (D->connect(&c, g_base, &o) < 0) {
		fprintf(stderr, "test_pg: %s\n", folio_error_last());
		return -1;
	}
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", g_schema);
	rc = D->exec(c, sql);
	if (rc < 0)
		fprintf(stderr, "test_pg: %s\n", folio_error_last());
	D->disconnect(c);
	return rc < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	folio_conn *c = NULL;
	folio_connect_options o = { 0 };
	char sql[128];

	(void)state;
	if (!g_base || getenv("FOLIO_TEST_KEEP"))
		return 0;
	if (D->connect(&c, g_base, &o) < 0)
		return 0;
	snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", g_schema);
	D->exec(c, sql);
	D->disconnect(c);
	return 0;
}

/*
 * URLs and connecting
 */

static void test_redact(void **state)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h:5432/db", "postgresql://u:***@h:5432/db" },
		{ "postgres://u:p@ss:w@h/db", "postgres://u:***@h/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgresql://h:5432/db?password=secret&sslmode=disable",
		  "postgresql://h:5432/db?password=***&sslmode=disable" },
		{ "postgresql://u:a@h/db?password=b", "postgresql://u:***@h/db?password=***" },
		{ "postgresql:///db?host=/tmp", "postgresql:///db?host=/tmp" },
		{ "host=h password='se cret' user=u", "host=h password=*** user=u" },
		{ "postgresql://h/db?application_name=password", "postgresql://h/db?"
								 "application_name=password" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = folio_pg__redact(cases[i][0]);

		assert_non_null(r);
		assert_string_equal(r, cases[i][1]);
		free(r);
	}
}

static void test_url_errors(void **state)
{
	folio_connect_options o = { 0 };
	folio_conn *c = (folio_conn *)state; /* anything non-NULL */
	char url[2048];
	const char *pw_url = getenv("FOLIO_TEST_PG_PW_URL");

	need_pg();
	if (!pw_url || !*pw_url) {
		const char *auth = strstr(g_base, "://");
		const char *at = auth ? strchr(auth, '@') : NULL;
		const char *colon = auth ? strchr(auth + 3, ':') : NULL;

		pw_url = at && colon && colon < at ? g_base : NULL;
	}
	/* Malformed: libpq cannot parse it; nothing is sent anywhere. */
	assert_folio(FOLIO_EINVALID, D->connect(&c, "postgresql://u:pw1@[::1/db", &o));
	assert_null(c);
	assert_contains(folio_error_last(), "postgresql: not a valid URL: postgresql://u:***@");
	assert_lacks(folio_error_last(), "pw1");
	assert_folio(FOLIO_EINVALID, D->connect(&c, "postgresql://h/db?no_such_option=1", &o));
	assert_contains(folio_error_last(), "no_such_option");
	assert_folio(FOLIO_EINVALID,
		     D->connect(&c, "postgresql://u:pw2@127.0.0.1:notaport/db", &o));
	assert_contains(folio_error_last(), "notaport");
	assert_lacks(folio_error_last(), "pw2");
	/* libpq quotes the URL it cannot parse: the password is cut out, percent-encoded or not. */
	assert_folio(FOLIO_EINVALID, D->connect(&c, "postgresql://u:p%40ss3@[::1/db", &o));
	assert_contains(folio_error_last(), "u:***@");
	assert_lacks(folio_error_last(), "ss3");
	assert_folio(FOLIO_EINVALID, D->connect(&c, "postgresql://[::1/db?password=pw4", &o));
	assert_lacks(folio_error_last(), "pw4");

	/* Refused: nothing listens on port 1. */
	assert_folio(FOLIO_EIO, D->connect(&c, "postgresql://u:topsecret@127.0.0.1:1/db", &o));
	assert_null(c);
	assert_contains(folio_error_last(),
			"postgresql: cannot connect to postgresql://u:***@127.0.0.1:1/db: ");
	assert_contains(folio_error_last(), "refused");
	assert_lacks(folio_error_last(), "topsecret");
	assert_null(strchr(folio_error_last(), '\n'));

	/* A role that does not exist, whatever pg_hba.conf asks of it. */
	snprintf(url, sizeof(url), "%s", with_param(g_base, "user=folio_no_such_role"));
	snprintf(url, sizeof(url), "%s", with_param(url, "password=n0tmypassword"));
	assert_folio(FOLIO_EACCESS, D->connect(&c, url, &o));
	assert_contains(folio_error_last(), "postgresql: cannot connect to ");
	assert_contains(folio_error_last(), "folio_no_such_role");
	assert_lacks(folio_error_last(), "n0tmypassword");

	/* A database that does not exist. */
	c = open_url(g_base, 0);
	D->disconnect(c);
	snprintf(url, sizeof(url), "%s", with_param(g_base, "dbname=folio_no_such_db"));
	assert_folio(FOLIO_ENOTFOUND, D->connect(&c, url, &o));
	assert_contains(folio_error_last(), "folio_no_such_db");

	/* The "postgres" spelling of the scheme is the same. */
	if (strncmp(g_base, "postgresql://", 13) == 0) {
		snprintf(url, sizeof(url), "postgres://%s", g_base + 13);
		c = open_url(url, 0);
		D->disconnect(c);
	}

	/* A wrong password, where the server asks for one. */
	if (pw_url) {
		const char *scheme_end = strstr(pw_url, "://");
		const char *at = scheme_end ? strchr(scheme_end, '@') : NULL;
		const char *colon = scheme_end ? strchr(scheme_end + 3, ':') : NULL;
		char right[256];

		assert_non_null(at);
		assert_true(colon && colon < at);
		snprintf(right, sizeof(right), "%.*s", (int)(at - colon - 1), colon + 1);
		c = open_url(pw_url, 0);
		D->disconnect(c);
		snprintf(url, sizeof(url), "%.*sWr0ngPassw0rd%s", (int)(colon + 1 - pw_url),
			 pw_url, at);
		assert_folio(FOLIO_EACCESS, D->connect(&c, url, &o));
		assert_null(c);
		assert_contains(folio_error_last(), "password authentication failed");
		assert_contains(folio_error_last(), ":***@");
		assert_lacks(folio_error_last(), "Wr0ngPassw0rd");
		assert_lacks(folio_error_last(), right);
	}
}

static void test_session_settings(void **state)
{
	folio_conn *c;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_string_equal(query_text(c, "SHOW lock_timeout"), "10s");
	assert_string_equal(query_text(c, "SHOW client_encoding"), "UTF8");
	assert_string_equal(query_text(c, "SHOW standard_conforming_strings"), "on");
	assert_string_equal(query_text(c, "SHOW bytea_output"), "hex");
	assert_string_equal(query_text(c, "SHOW application_name"), "folio");
	assert_string_equal(query_text(c, "SHOW search_path"), g_schema);
	assert_true(query_int(c, "SELECT current_setting('server_version_num')::int") >= 120000);
	assert_string_equal(D->dialect(c), "postgresql");
	D->disconnect(c);

	c = open_pg(50);
	assert_string_equal(query_text(c, "SHOW lock_timeout"), "50ms");
	D->disconnect(c);
	c = open_pg(-1);
	assert_string_equal(query_text(c, "SHOW lock_timeout"), "1ms");
	D->disconnect(c);
	/* The URL's own settings win over folio's defaults. */
	c = open_url(with_param(url_in_schema(NULL), "application_name=mine"), 0);
	assert_string_equal(query_text(c, "SHOW application_name"), "mine");
	D->disconnect(c);
}

/*
 * Statements
 */

static void check_rewrite(const char *in, const char *want, int want_n)
{
	char *out = NULL;
	int n = -1;
	int has = 0;

	assert_ok(folio_pg__rewrite(&out, &n, &has, in));
	assert_string_equal(out, want);
	assert_int_equal(n, want_n);
	assert_int_equal(has, 1);
	free(out);
}

static void test_rewrite(void **state)
{
	char *out = NULL;
	int n = 0;
	int has = 1;
	char big[64 * 3 + 32];
	char want[64 * 5 + 32];
	int i;

	(void)state;
	check_rewrite("SELECT 1", "SELECT 1", 0);
	check_rewrite("SELECT ?, ?,?", "SELECT $1, $2,$3", 3);
	check_rewrite("SELECT '?', 'it''s ?', ?", "SELECT '?', 'it''s ?', $1", 1);
	check_rewrite("SELECT \"a?\" , \"b\"\"?\" FROM t WHERE x = ?",
		      "SELECT \"a?\" , \"b\"\"?\" FROM t WHERE x = $1", 1);
	check_rewrite("SELECT E'\\'?', e'\\\\', ?", "SELECT E'\\'?', e'\\\\', $1", 1);
	/* Without E, a backslash is an ordinary character (standard_conforming_strings). */
	check_rewrite("SELECT '\\', ?", "SELECT '\\', $1", 1);
	check_rewrite("SELECT $$?$$, $a$ ? $b$ ? $a$, ?", "SELECT $$?$$, $a$ ? $b$ ? $a$, $1", 1);
	check_rewrite("SELECT x$y, ?", "SELECT x$y, $1", 1);
	check_rewrite("SELECT ? -- what? \n, ?", "SELECT $1 -- what? \n, $2", 2);
	check_rewrite("SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1", 1);
	check_rewrite("INSERT INTO t VALUES (?, ?) RETURNING id",
		      "INSERT INTO t VALUES ($1, $2) RETURNING id", 2);
	/* Many parameters: two-digit numbers and more. */
	big[0] = '\0';
	strcpy(want, "");
	for (i = 1; i <= 64; i++) {
		char w[8];

		strcat(big, i > 1 ? ",?" : "?");
		snprintf(w, sizeof(w), "%s$%d", i > 1 ? "," : "", i);
		strcat(want, w);
	}
	check_rewrite(big, want, 64);

	/* Nothing but blanks, comments and ';'. */
	assert_ok(folio_pg__rewrite(&out, &n, &has, " ; -- x ?\n /* ? */ "));
	assert_int_equal(has, 0);
	assert_int_equal(n, 0);
	free(out);
}

static void test_placeholders_on_server(void **state)
{
	folio_conn *c;
	folio_stmt *st = NULL;
	const char *v;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->prepare(&st, c,
			     "SELECT ? || '?' || \"q?\" || $$?$$ || $t$'?'$t$ || E'\\'?' || ? "
			     "/* ? */ FROM (SELECT 'x' AS \"q?\") AS s -- ?"));
	assert_ok(D->bind_text(st, 1, "a", 1));
	assert_ok(D->bind_text(st, 2, "b", 1));
	assert_folio(FOLIO_ROW, D->step(st));
	v = D->column_text(st, 0, NULL);
	assert_string_equal(v, "a?x?'?''?b");
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	D->disconnect(c);
}

static void test_bind_and_columns(void **state)
{
	static const char blob[] = { 'a', 0, 'b', 0, 0, (char)0xff, '\\', 'x' };
	char reused[16];
	folio_conn *c;
	folio_stmt *st = NULL;
	const char *txt;
	const void *bl;
	size_t len = 99;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE types (id BIGSERIAL PRIMARY KEY, i BIGINT, "
			     "d DOUBLE PRECISION, s TEXT, b BYTEA, n BIGINT, es TEXT, eb BYTEA, "
			     "part VARCHAR(256), imin BIGINT, dinf DOUBLE PRECISION, "
			     "dninf DOUBLE PRECISION, dnan DOUBLE PRECISION, j JSONB, tiny DOUBLE "
			     "PRECISION)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO types (i, d, s, b, n, es, eb, part, imin, "
				     "dinf, dninf, dnan, j, tiny) "
				     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
	assert_ok(D->bind_int64(st, 1, INT64_MAX));
	assert_ok(D->bind_double(st, 2, -1.5e300));
	/* The bound buffer may change after the bind: libpq copies at execute, we at bind. */
	strcpy(reused, "héllo");
	assert_ok(D->bind_text(st, 3, reused, strlen(reused)));
	assert_ok(D->bind_blob(st, 4, blob, sizeof(blob)));
	assert_ok(D->bind_null(st, 5));
	assert_ok(D->bind_text(st, 6, "", 0));
	assert_ok(D->bind_blob(st, 7, NULL, 0));
	assert_ok(D->bind_text(st, 8, "hello world", 5)); /* only the first 5 bytes */
	assert_ok(D->bind_int64(st, 9, INT64_MIN));
	assert_ok(D->bind_double(st, 10, INFINITY));
	assert_ok(D->bind_double(st, 11, -INFINITY));
	assert_ok(D->bind_double(st, 12, NAN));
	assert_ok(D->bind_text(st, 13, "{\"a\": [1, 2]}xyz", 13));
	assert_ok(D->bind_double(st, 14, 0.1));
	/* A text cannot hold NUL on PostgreSQL: refused at the bind, not cut silently. */
	assert_folio(FOLIO_EINVALID, D->bind_text(st, 6, "a\0b", 3));
	assert_contains(folio_error_last(), "NUL");
	assert_ok(D->bind_text(st, 6, "", 0));
	/* Out of range. */
	assert_folio(FOLIO_EINVALID, D->bind_int64(st, 15, 1));
	assert_folio(FOLIO_EINVALID, D->bind_int64(st, 0, 1));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 1);
	D->finalize(st);

	assert_ok(D->prepare(&st, c, "SELECT i, d, s, b, n, es, eb, part, imin, dinf, dninf, "
				     "dnan, j, tiny, 0.25::float8, 2.5::numeric, true, 7::int2, "
				     "count(*) OVER () FROM types"));
	/* Known before the first step too (the server describes the statement). */
	assert_int_equal(D->column_count(st), 19);
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_count(st), 19);

	assert_int_equal(D->column_type(st, 0), FOLIO_COL_INT);
	assert_true(D->column_int64(st, 0) == INT64_MAX);
	assert_int_equal(D->column_type(st, 1), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(st, 1) == -1.5e300);

	assert_int_equal(D->column_type(st, 2), FOLIO_COL_TEXT);
	txt = D->column_text(st, 2, &len);
	assert_int_equal(len, strlen("héllo"));
	assert_memory_equal(txt, "héllo", len);
	assert_int_equal(txt[len], '\0');

	assert_int_equal(D->column_type(st, 3), FOLIO_COL_BLOB);
	bl = D->column_blob(st, 3, &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(bl, blob, sizeof(blob));
	/* Read twice: the same bytes. */
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
	assert_true(D->column_int64(st, 4) == 0);

	/* Empty is not NULL, for text and for blobs. */
	assert_int_equal(D->column_type(st, 5), FOLIO_COL_TEXT);
	len = 99;
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
	assert_true(D->column_int64(st, 8) == INT64_MIN);
	assert_true(isinf(D->column_double(st, 9)) && D->column_double(st, 9) > 0);
	assert_true(isinf(D->column_double(st, 10)) && D->column_double(st, 10) < 0);
	assert_true(isnan(D->column_double(st, 11)));
	assert_int_equal(D->column_type(st, 12), FOLIO_COL_TEXT);
	assert_string_equal(D->column_text(st, 12, NULL), "{\"a\": [1, 2]}");
	assert_true(D->column_double(st, 13) == 0.1); /* %.17g: exact round trip */

	assert_int_equal(D->column_type(st, 14), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(st, 14) == 0.25);
	assert_int_equal(D->column_type(st, 15), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(st, 15) == 2.5);
	assert_true(D->column_int64(st, 15) == 2);
	assert_int_equal(D->column_type(st, 16), FOLIO_COL_INT);
	assert_true(D->column_int64(st, 16) == 1);
	assert_int_equal(D->column_type(st, 17), FOLIO_COL_INT);
	assert_true(D->column_int64(st, 17) == 7);
	assert_true(D->column_int64(st, 18) == 1);
	/* A NULL length pointer is allowed. */
	assert_string_equal(D->column_text(st, 7, NULL), "hello");
	/* Out of range columns read as NULL. */
	assert_int_equal(D->column_type(st, 19), FOLIO_COL_NULL);
	assert_null(D->column_text(st, 19, NULL));

	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	D->disconnect(c);
}

static void test_big_blob(void **state)
{
	const size_t n = 1u << 20;
	unsigned char *in;
	folio_conn *c;
	folio_stmt *st = NULL;
	const void *out;
	size_t len = 0;
	size_t i;

	(void)state;
	need_pg();
	in = malloc(n);
	assert_non_null(in);
	c = open_pg(0);
	for (i = 0; i < n; i++)
		in[i] = (unsigned char)(i * 7 + (i >> 8));
	assert_ok(D->exec(c, "CREATE TABLE bigblob (b BYTEA)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO bigblob VALUES (?)"));
	assert_ok(D->bind_blob(st, 1, in, n));
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
	assert_ok(D->prepare(&st, c, "SELECT b, length(b) FROM bigblob"));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_true(D->column_int64(st, 1) == (int64_t)n);
	out = D->column_blob(st, 0, &len);
	assert_int_equal(len, n);
	assert_memory_equal(out, in, n);
	D->finalize(st);
	D->disconnect(c);
	free(in);
}

static void test_reset_clears_bindings(void **state)
{
	folio_conn *c;
	folio_stmt *st = NULL;
	int64_t v;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->prepare(&st, c, "SELECT ?::bigint"));
	assert_ok(D->bind_int64(st, 1, 5));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 5);
	/* Binding with rows pending is a slip. */
	assert_folio(FOLIO_EINVALID, D->bind_int64(st, 1, 6));
	assert_ok(D->reset(st));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_type(st, 0), FOLIO_COL_NULL);
	assert_ok(D->reset(st));
	/* A step after DONE runs the statement again, as on SQLite. */
	assert_ok(D->bind_int64(st, 1, 8));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 8);
	D->finalize(st);

	assert_ok(D->exec(c, "CREATE TABLE resets (x BIGINT)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO resets VALUES (?)"));
	for (v = 1; v <= 3; v++) {
		assert_ok(D->bind_int64(st, 1, v));
		assert_folio(FOLIO_DONE, D->step(st));
		assert_ok(D->reset(st));
	}
	D->finalize(st);
	assert_int_equal(query_int(c, "SELECT sum(x) FROM resets"), 6);
	assert_ok(D->prepare(&st, c, "SELECT 1"));
	assert_ok(D->reset(st));
	D->finalize(st);
	D->disconnect(c);
}

/* Statements of this session whose text contains `like`. */
static int64_t prepared_count(folio_conn *c, const char *like)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%%s%%' "
		 "AND statement NOT LIKE '%%pg_prepared_statements%%'",
		 like);
	return query_int(c, sql);
}

static void test_reuse_prepared(void **state)
{
	folio_connect_options o = { 0 };
	folio_conn *c;
	folio_stmt *st = NULL;
	folio_cx *cx = NULL;
	folio_q q;
	int i;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE reuse (x BIGINT, s TEXT)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO reuse VALUES (?, ?)"));
	for (i = 0; i < 1000; i++) {
		char s[32];

		snprintf(s, sizeof(s), "row %d", i);
		assert_ok(D->bind_int64(st, 1, i));
		assert_ok(D->bind_text(st, 2, s, strlen(s)));
		assert_folio(FOLIO_DONE, D->step(st));
		assert_ok(D->reset(st));
	}
	assert_int_equal(prepared_count(c, "INSERT INTO reuse"), 1);
	D->finalize(st);
	assert_int_equal(query_int(c, "SELECT count(*) FROM reuse"), 1000);
	assert_int_equal(query_int(c, "SELECT sum(x) FROM reuse"), 999 * 1000 / 2);
	D->disconnect(c);

	/* Through the core's statement cache: prepared once per connection, whatever the calls. */
	assert_ok(folio_cx__open(&cx, D, url_in_schema(NULL), &o));
	for (i = 0; i < 1000; i++) {
		assert_ok(folio_q__prep(&q, cx, "SELECT x FROM reuse WHERE x = ?"));
		assert_ok(folio_q__int(&q, 1, i));
		assert_folio(FOLIO_ROW, folio_q__step(&q));
		assert_int_equal(folio_q__col_int(&q, 0), i);
		folio_q__done(&q);
	}
	assert_ok(folio_q__prep(&q, cx, "SELECT count(*) FROM pg_prepared_statements "
					"WHERE statement LIKE '%FROM reuse WHERE%' "
					"AND statement NOT LIKE '%pg_prepared_statements%'"));
	assert_folio(FOLIO_ROW, folio_q__step(&q));
	assert_int_equal(folio_q__col_int(&q, 0), 1);
	folio_q__done(&q);
	folio_cx__close(cx);
}

static void test_finalize_deallocates(void **state)
{
	folio_conn *c;
	folio_stmt *st[80];
	char sql[64];
	int i;

	(void)state;
	need_pg();
	c = open_pg(0);
	for (i = 0; i < 80; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d AS dealloc_me", i);
		assert_ok(D->prepare(&st[i], c, sql));
	}
	assert_int_equal(prepared_count(c, "dealloc_me"), 80);
	for (i = 0; i < 80; i++)
		D->finalize(st[i]);
	/* They go in batches: at most one batch is still waiting. */
	assert_true(prepared_count(c, "dealloc_me") < 32);

	/* A statement may outlive its connection (finalized after the disconnect). */
	assert_ok(D->prepare(&st[0], c, "SELECT 1"));
	D->disconnect(c);
	assert_true(D->step(st[0]) == FOLIO_EIO);
	D->finalize(st[0]);
}

static void test_changes(void **state)
{
	folio_conn *c;
	folio_stmt *st = NULL;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE ch (x BIGINT)"));
	assert_ok(D->exec(c, "INSERT INTO ch VALUES (1), (2), (3)"));
	assert_int_equal(D->changes(c), 3);
	assert_ok(D->prepare(&st, c, "UPDATE ch SET x = x + 10 WHERE x >= ?"));
	assert_ok(D->bind_int64(st, 1, 2));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 2);
	assert_ok(D->reset(st));
	assert_ok(D->bind_int64(st, 1, 1000));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 0);
	D->finalize(st);
	/* A SELECT leaves the count of the last change alone. */
	assert_ok(D->exec(c, "DELETE FROM ch WHERE x > 10"));
	assert_int_equal(D->changes(c), 2);
	assert_int_equal(query_int(c, "SELECT count(*) FROM ch"), 1);
	assert_int_equal(D->changes(c), 2);
	/* RETURNING: the rows changed, with a row per change. */
	assert_ok(D->prepare(&st, c, "UPDATE ch SET x = x + ? RETURNING x"));
	assert_ok(D->bind_int64(st, 1, 5));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 6);
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 1);
	D->finalize(st);
	/* ON CONFLICT DO NOTHING that did nothing: no row, no change. */
	assert_ok(D->exec(c, "CREATE UNIQUE INDEX ch_x ON ch (x)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO ch VALUES (?) ON CONFLICT DO NOTHING "
				     "RETURNING x"));
	assert_ok(D->bind_int64(st, 1, 6));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_int_equal(D->changes(c), 0);
	assert_ok(D->reset(st));
	assert_ok(D->bind_int64(st, 1, 7));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->changes(c), 1);
	D->finalize(st);
	D->disconnect(c);
}

static void test_errors(void **state)
{
	folio_conn *c;
	folio_stmt *st = (folio_stmt *)state;

	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE u (k TEXT UNIQUE, v BIGINT NOT NULL)"));
	assert_ok(D->prepare(&st, c, "INSERT INTO u VALUES (?, 1)"));
	assert_ok(D->bind_text(st, 1, "a", 1));
	assert_folio(FOLIO_DONE, D->step(st));
	assert_ok(D->reset(st));
	assert_ok(D->bind_text(st, 1, "a", 1));
	assert_folio(FOLIO_EEXISTS, D->step(st));
	assert_string_equal(folio_error_last(),
			    "postgresql: duplicate key value violates unique constraint "
			    "\"u_k_key\" (SQLSTATE 23505) in: INSERT INTO u VALUES (?, 1)");
	/* After the failure, reset keeps the detail and the statement runs again. */
	assert_ok(D->reset(st));
	assert_int_equal(folio_error_code(), FOLIO_EEXISTS);
	assert_ok(D->bind_text(st, 1, "b", 1));
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);

	/* Other constraints are not "exists". */
	assert_folio(FOLIO_ERROR, D->exec(c, "INSERT INTO u VALUES ('c', NULL)"));
	assert_contains(folio_error_last(), "(SQLSTATE 23502) in: INSERT INTO u VALUES ('c'");
	assert_int_equal(query_int(c, "SELECT count(*) FROM u"), 2);

	/* Bad input. */
	assert_folio(FOLIO_EINVALID, insert_int(c, "SELECT 1 / ?::int", 0));
	assert_contains(folio_error_last(), "division by zero (SQLSTATE 22012)");
	assert_ok(D->prepare(&st, c, "SELECT ?::bigint"));
	assert_ok(D->bind_text(st, 1, "12x", 3));
	assert_folio(FOLIO_EINVALID, D->step(st));
	assert_contains(folio_error_last(), "(SQLSTATE 22P02)");
	D->finalize(st);
	assert_ok(D->prepare(&st, c, "SELECT ?::text"));
	assert_ok(D->bind_text(st, 1, "\xff\xfe", 2));
	assert_folio(FOLIO_EINVALID, D->step(st));
	assert_contains(folio_error_last(), "(SQLSTATE 22021)");
	D->finalize(st);

	/* Prepare errors: no statement comes back. */
	st = (folio_stmt *)state;
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "SELEC 1"));
	assert_null(st);
	assert_contains(folio_error_last(), "syntax error");
	assert_contains(folio_error_last(), "(SQLSTATE 42601) in: SELEC 1");
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "SELECT * FROM missing"));
	assert_contains(folio_error_last(), "relation \"missing\" does not exist (SQLSTATE 42P01)");
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "SELECT 1; SELECT 2"));
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, ""));
	assert_contains(folio_error_last(), "no statement");
	assert_folio(FOLIO_EINVALID, D->prepare(&st, c, "  -- nothing"));
	assert_ok(D->prepare(&st, c, "SELECT 1;"));
	D->finalize(st);
	assert_ok(D->prepare(&st, c, "SELECT 1; -- the end\n"));
	assert_folio(FOLIO_ROW, D->step(st));
	D->finalize(st);
	/* A long statement is cut in the message, on one line. */
	assert_folio(FOLIO_EINVALID,
		     D->exec(c, "SELECT\n nosuchcolumn, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
				"13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, "
				"29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44"));
	assert_contains(folio_error_last(), "(SQLSTATE 42703) in: SELECT nosuchcolumn, 1,");
	assert_contains(folio_error_last(), "...");
	assert_null(strchr(folio_error_last(), '\n'));
	D->disconnect(c);
}

static void test_read_only(void **state)
{
	folio_conn *c;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE ro (x BIGINT); INSERT INTO ro VALUES (1)"));
	D->disconnect(c);
	c = open_url(url_in_schema("-cdefault_transaction_read_only%3Don"), 0);
	assert_int_equal(query_int(c, "SELECT sum(x) FROM ro"), 1);
	assert_folio(FOLIO_EREADONLY, insert_int(c, "INSERT INTO ro VALUES (?)", 2));
	assert_contains(folio_error_last(), "(SQLSTATE 25006)");
	assert_folio(FOLIO_EREADONLY, D->exec(c, "CREATE TABLE ro2 (y BIGINT)"));
	D->disconnect(c);
}

/*
 * Transactions
 */

static void test_transaction_visibility(void **state)
{
	folio_conn *a;
	folio_conn *b;
	folio_stmt *st = NULL;

	(void)state;
	need_pg();
	a = open_pg(0);
	b = open_pg(0);
	assert_ok(D->exec(a, "CREATE TABLE vis (x BIGINT)"));

	assert_ok(D->begin(a, 1));
	assert_folio(FOLIO_DONE, insert_int(a, "INSERT INTO vis VALUES (?)", 1));
	assert_int_equal(query_int(a, "SELECT count(*) FROM vis"), 1);
	assert_int_equal(query_int(b, "SELECT count(*) FROM vis"), 0);
	assert_ok(D->commit(a));
	assert_int_equal(query_int(b, "SELECT count(*) FROM vis"), 1);

	/* A rolled-back write is seen by nobody, not even the writer. */
	assert_ok(D->begin(a, 0));
	assert_folio(FOLIO_DONE, insert_int(a, "INSERT INTO vis VALUES (?)", 2));
	assert_ok(D->rollback(a));
	assert_int_equal(query_int(a, "SELECT count(*) FROM vis"), 1);
	assert_int_equal(query_int(b, "SELECT count(*) FROM vis"), 1);

	/* Rolling back with nothing open is harmless (cleanup paths do it). */
	assert_ok(D->rollback(a));
	/* Committing with nothing open is a caller's slip, and is reported. */
	assert_true(D->commit(a) < 0);
	assert_contains(folio_error_last(), "no transaction");
	/* Transactions do not nest. */
	assert_ok(D->begin(a, 1));
	assert_true(D->begin(a, 1) < 0);
	assert_ok(D->rollback(a));

	/* A failed statement spoils the transaction: COMMIT says so and rolls back. */
	assert_ok(D->begin(a, 1));
	assert_folio(FOLIO_DONE, insert_int(a, "INSERT INTO vis VALUES (?)", 3));
	assert_folio(FOLIO_EINVALID, D->exec(a, "SELECT nosuchcolumn FROM vis"));
	assert_folio(FOLIO_ERROR, D->prepare(&st, a, "INSERT INTO vis VALUES (4)"));
	assert_contains(folio_error_last(), "(SQLSTATE 25P02)");
	assert_folio(FOLIO_ERROR, D->commit(a));
	assert_contains(folio_error_last(), "rolled back");
	assert_int_equal(query_int(b, "SELECT count(*) FROM vis"), 1);
	assert_ok(D->rollback(a));

	D->disconnect(a);
	D->disconnect(b);
}

static void test_savepoints(void **state)
{
	folio_conn *c;

	(void)state;
	need_pg();
	c = open_pg(0);
	assert_ok(D->exec(c, "CREATE TABLE sp (x BIGINT PRIMARY KEY)"));
	assert_ok(D->begin(c, 1));
	assert_folio(FOLIO_DONE, insert_int(c, "INSERT INTO sp VALUES (?)", 1));
	assert_ok(D->exec(c, "SAVEPOINT s2"));
	assert_folio(FOLIO_DONE, insert_int(c, "INSERT INTO sp VALUES (?)", 2));
	assert_ok(D->exec(c, "ROLLBACK TO SAVEPOINT s2"));
	assert_ok(D->exec(c, "RELEASE SAVEPOINT s2"));
	/* A failure inside a savepoint: rolling back to it makes the transaction usable. */
	assert_ok(D->exec(c, "SAVEPOINT s2"));
	assert_folio(FOLIO_DONE, insert_int(c, "INSERT INTO sp VALUES (?)", 3));
	assert_folio(FOLIO_EEXISTS, insert_int(c, "INSERT INTO sp VALUES (?)", 1));
	assert_ok(D->exec(c, "ROLLBACK TO SAVEPOINT s2"));
	assert_ok(D->exec(c, "RELEASE SAVEPOINT s2"));
	assert_ok(D->exec(c, "SAVEPOINT s2"));
	assert_folio(FOLIO_DONE, insert_int(c, "INSERT INTO sp VALUES (?)", 4));
	assert_ok(D->exec(c, "RELEASE SAVEPOINT s2"));
	assert_ok(D->commit(c));
	assert_int_equal(query_int(c, "SELECT sum(x) FROM sp"), 5);
	D->disconnect(c);
}

static void test_lock_timeout(void **state)
{
	folio_conn *a;
	folio_conn *b;
	folio_conn *now;
	struct timespec t0;
	double ms;

	(void)state;
	need_pg();
	a = open_pg(50);
	b = open_pg(50);
	now = open_pg(-1);
	assert_ok(D->exec(a, "CREATE TABLE lk (id BIGINT PRIMARY KEY, seq BIGINT); "
			     "INSERT INTO lk VALUES (1, 0)"));
	/* a holds the counter row, as a writer between its first write and its commit. */
	assert_ok(D->begin(a, 1));
	assert_ok(D->exec(a, "UPDATE lk SET seq = seq + 1 WHERE id = 1"));

	assert_ok(D->begin(b, 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_folio(FOLIO_EBUSY, insert_int(b, "UPDATE lk SET seq = seq + ? WHERE id = 1", 1));
	ms = elapsed_ms(&t0);
	assert_contains(folio_error_last(), "(SQLSTATE 55P03)");
	assert_true(ms >= 40.0);  /* it waited for the lock timeout, */
	assert_true(ms < 5000.0); /* and not for the default one */
	assert_ok(D->rollback(b));
	assert_ok(D->begin(now, 1));
	assert_folio(FOLIO_EBUSY, insert_int(now, "UPDATE lk SET seq = seq + ? WHERE id = 1", 1));
	assert_ok(D->rollback(now));

	assert_ok(D->commit(a));
	assert_ok(D->begin(b, 1));
	assert_folio(FOLIO_DONE, insert_int(b, "UPDATE lk SET seq = seq + ? WHERE id = 1", 1));
	assert_ok(D->commit(b));
	assert_int_equal(query_int(a, "SELECT seq FROM lk"), 2);
	D->disconnect(a);
	D->disconnect(b);
	D->disconnect(now);
}

typedef struct deadlock_arg {
	folio_conn *c;
	int rc;
} deadlock_arg;

static void *deadlock_thread(void *p)
{
	deadlock_arg *a = p;
	folio_stmt *st = NULL;

	a->rc = D->prepare(&st, a->c, "UPDATE dl SET v = v + 1 WHERE id = 2");
	if (a->rc == 0) {
		a->rc = D->step(st);
		D->finalize(st);
	}
	if (a->rc < 0)
		D->rollback(a->c);
	else
		a->rc = D->commit(a->c);
	return NULL;
}

static void test_deadlock(void **state)
{
	deadlock_arg arg;
	folio_conn *b;
	pthread_t t;
	int rc;

	(void)state;
	need_pg();
	arg.c = open_pg(5000);
	b = open_pg(5000);
	assert_ok(D->exec(b, "CREATE TABLE dl (id BIGINT PRIMARY KEY, v BIGINT); "
			     "INSERT INTO dl VALUES (1, 0), (2, 0)"));
	assert_ok(D->begin(arg.c, 1));
	assert_ok(D->exec(arg.c, "UPDATE dl SET v = v + 1 WHERE id = 1"));
	assert_ok(D->begin(b, 1));
	assert_ok(D->exec(b, "UPDATE dl SET v = v + 1 WHERE id = 2"));
	assert_int_equal(pthread_create(&t, NULL, deadlock_thread, &arg), 0);
	usleep(200000); /* the thread waits for row 2 */
	rc = D->exec(b, "UPDATE dl SET v = v + 1 WHERE id = 1");
	if (rc < 0) {
		assert_folio(FOLIO_EDEADLOCK, rc);
		assert_contains(folio_error_last(), "(SQLSTATE 40P01)");
		D->rollback(b);
	} else {
		assert_ok(D->commit(b));
	}
	pthread_join(t, NULL);
	/* Exactly one of the two was chosen as the victim. */
	if (rc < 0)
		assert_true(arg.rc == 0 || arg.rc == FOLIO_DONE);
	else
		assert_int_equal(arg.rc, FOLIO_EDEADLOCK);
	assert_int_equal(query_int(b, "SELECT sum(v) FROM dl"), 2);
	D->disconnect(arg.c);
	D->disconnect(b);
}

/*
 * A connection that dies
 */

static void test_ping(void **state)
{
	folio_conn *a;
	folio_conn *b;
	int64_t pid;
	char sql[128];

	(void)state;
	need_pg();
	a = open_pg(0);
	b = open_pg(0);
	assert_ok(D->ping(a));
	pid = query_int(a, "SELECT pg_backend_pid()");
	assert_ok(D->ping(a));
	/* Inside a transaction, too. */
	assert_ok(D->begin(a, 0));
	assert_ok(D->ping(a));
	assert_ok(D->rollback(a));

	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%" PRId64 ")::int", pid);
	assert_int_equal(query_int(b, sql), 1);
	snprintf(sql, sizeof(sql), "pid = %" PRId64, pid);
	wait_gone(b, sql);
	assert_folio(FOLIO_EIO, D->ping(a));
	assert_contains(folio_error_last(), "lost");
	assert_folio(FOLIO_EIO, D->exec(a, "SELECT 1"));
	assert_folio(FOLIO_EIO, D->rollback(a));
	D->disconnect(a);
	assert_ok(D->ping(b));
	D->disconnect(b);
}

static void test_ping_statement_on_dead(void **state)
{
	folio_conn *a;
	folio_conn *b;
	folio_stmt *st = NULL;
	int64_t pid;
	char sql[128];

	(void)state;
	need_pg();
	a = open_pg(0);
	b = open_pg(0);
	pid = query_int(a, "SELECT pg_backend_pid()");
	assert_ok(D->prepare(&st, a, "SELECT ?::bigint"));
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%" PRId64 ")::int", pid);
	assert_int_equal(query_int(b, sql), 1);
	snprintf(sql, sizeof(sql), "pid = %" PRId64, pid);
	wait_gone(b, sql);
	/* No ping first: the statement finds out, and says the link is gone. */
	assert_ok(D->bind_int64(st, 1, 1));
	assert_folio(FOLIO_EIO, D->step(st));
	D->finalize(st); /* no DEALLOCATE on a dead link, and no failure */
	D->disconnect(a);
	D->disconnect(b);
}

/* A Server whose pooled connections are terminated under it reconnects by itself. */
static void test_server_reconnects(void **state)
{
	folio_server_options so = { .pool_size = 2 };
	const char *url;
	folio_server *srv;
	folio_session *ses;
	folio_strlist *l;
	folio_conn *w;

	(void)state;
	need_pg();
	url = with_param(url_in_schema(NULL), "application_name=folio_pool_test");
	w = open_pg(0);
	assert_ok(D->exec(w, "DROP TABLE IF EXISTS folio_catalog; "
			     "DROP TABLE IF EXISTS folio_schema; DROP TABLE IF EXISTS folio_srvacl; "
			     "DROP TABLE IF EXISTS folio_member; DROP TABLE IF EXISTS folio_user"));
	assert_ok(folio_server_open(&srv, url, &so));
	assert_string_equal(folio_server_dialect(srv), "postgresql");
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, "recon"));
	assert_ok(folio_db_list(&l, ses));
	folio_strlist_free(l);

	assert_true(query_int(w, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
				 "WHERE application_name = 'folio_pool_test'") >= 1);
	wait_gone(w, "application_name = 'folio_pool_test'");
	assert_ok(folio_db_list(&l, ses));
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0], "recon");
	folio_strlist_free(l);
	assert_ok(folio_db_drop(ses, "recon"));
	folio_session_free(ses);
	folio_server_close(srv);
	assert_ok(D->exec(w, "DROP TABLE folio_catalog; DROP TABLE folio_schema; DROP TABLE folio_srvacl; "
			     "DROP TABLE folio_member; DROP TABLE folio_user"));
	D->disconnect(w);
}

static void test_server_restart(void **state)
{
	const char *cmd = getenv("FOLIO_TEST_PG_RESTART");
	folio_server_options so = { .pool_size = 2 };
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_doc *doc;
	folio_conn *a;
	folio_conn *b;
	char *json = NULL;

	(void)state;
	need_pg();
	if (!cmd || !*cmd)
		fail_msg("FOLIO_TEST_PG_RESTART is not set (scripts/matrix/start.sh sets it)");
	a = open_pg(0);
	assert_ok(D->exec(a, "DROP TABLE IF EXISTS folio_catalog; "
			     "DROP TABLE IF EXISTS folio_schema; DROP TABLE IF EXISTS folio_srvacl; "
			     "DROP TABLE IF EXISTS folio_member; DROP TABLE IF EXISTS folio_user"));
	assert_ok(folio_server_open(&srv, url_in_schema(NULL), &so));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, "rs"));
	assert_ok(folio_store_create(ses, "rs", "things", NULL));
	assert_ok(folio_store_open(&st, ses, "rs", "things"));
	assert_ok(folio_doc_new(&doc, st, "before"));
	assert_ok(folio_doc_set_json(doc, "{\"n\":1}"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);

	assert_int_equal(system(cmd), 0);

	/* A raw connection sees its link gone; a new one works. */
	assert_folio(FOLIO_EIO, D->ping(a));
	D->disconnect(a);
	b = open_pg(0);
	assert_int_equal(query_int(b, "SELECT 1"), 1);
	D->disconnect(b);

	/* The Server's idle connections died with the server: the next call reconnects. */
	assert_ok(folio_doc_new(&doc, st, "after"));
	assert_ok(folio_doc_set_json(doc, "{\"n\":2}"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
	assert_ok(folio_doc_load(&doc, st, "before"));
	assert_ok(folio_doc_get_json(&json, doc));
	assert_string_equal(json, "{\"n\":1}");
	free(json);
	folio_doc_free(doc);
	folio_store_free(st);
	assert_ok(folio_db_drop(ses, "rs"));
	folio_session_free(ses);
	folio_server_close(srv);
	b = open_pg(0);
	assert_ok(D->exec(b, "DROP TABLE folio_catalog; DROP TABLE folio_schema; DROP TABLE folio_srvacl; "
			     "DROP TABLE folio_member; DROP TABLE folio_user"));
	D->disconnect(b);
}

/*
 * The public API on a postgresql:// URL
 */

/*
 * bulk_insert: COPY, binary where every column type allows, text where one
 * does not; values the text format escapes; NULLs; rows of calls with
 * nothing between them in one COPY; the server's answer later.
 */
#define BULK_TEXT "tab\tnl\ncr\rbs\\ \"q\" \xc3\xa9\xe6\x97\xa5 \\N \\."
static const folio_value bulk_rows[] = {
	{ FOLIO_COL_INT, 1, 0, NULL, 0 }, { FOLIO_COL_DOUBLE, 0, 2.5, NULL, 0 },
	{ FOLIO_COL_TEXT, 0, 0, BULK_TEXT, sizeof(BULK_TEXT) - 1 },
	{ FOLIO_COL_INT, -9007199254740993LL, 0, NULL, 0 }, { FOLIO_COL_NULL, 0, 0, NULL, 0 },
	{ FOLIO_COL_TEXT, 0, 0, "", 0 },
	{ FOLIO_COL_INT, 3, 0, NULL, 0 }, { FOLIO_COL_DOUBLE, 0, -1e300, NULL, 0 },
	{ FOLIO_COL_NULL, 0, 0, NULL, 0 },
};

static void bulk_roundtrip(folio_conn *c, const char *table, const char *third_type)
{
	const char *cols[] = { "i", "d", "t" };
	char sql[256];
	folio_stmt *st = NULL;
	size_t len = 0;
	const char *t;

	snprintf(sql, sizeof(sql),
		 "CREATE TABLE %s (i BIGINT PRIMARY KEY, d DOUBLE PRECISION, t %s)", table,
		 third_type);
	assert_ok(D->exec(c, sql));
	assert_ok(D->begin(c, 1));
	/* Two calls, nothing between them: one COPY. */
	assert_ok(D->bulk_insert(c, table, cols, 3, bulk_rows, 2));
	assert_ok(D->bulk_insert(c, table, cols, 3, bulk_rows + 6, 1));
	assert_ok(D->bulk_wait(c));
	assert_ok(D->bulk_wait(c)); /* nothing pending: at once */
	assert_ok(D->commit(c));

	snprintf(sql, sizeof(sql), "SELECT i, d, t FROM %s ORDER BY i", table);
	assert_ok(D->prepare(&st, c, sql));
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), -9007199254740993LL);
	assert_int_equal(D->column_type(st, 1), FOLIO_COL_NULL);
	t = D->column_text(st, 2, &len);
	assert_non_null(t);
	assert_int_equal(len, 0);
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 1);
	assert_true(D->column_double(st, 1) == 2.5);
	t = D->column_text(st, 2, &len);
	assert_int_equal(len, sizeof(BULK_TEXT) - 1);
	assert_memory_equal(t, BULK_TEXT, sizeof(BULK_TEXT) - 1);
	assert_folio(FOLIO_ROW, D->step(st));
	assert_int_equal(D->column_int64(st, 0), 3);
	assert_true(D->column_double(st, 1) == -1e300);
	assert_int_equal(D->column_type(st, 2), FOLIO_COL_NULL);
	assert_folio(FOLIO_DONE, D->step(st));
	D->finalize(st);
}

static void test_bulk_insert(void **state)
{
	folio_conn *c;
	const char *cols[] = { "i", "d", "t" };
	folio_value dup[3] = { { FOLIO_COL_INT, 1, 0, NULL, 0 },
			       { FOLIO_COL_NULL, 0, 0, NULL, 0 },
			       { FOLIO_COL_TEXT, 0, 0, "a\0b", 3 } };
	(void)state;

	need_pg();
	c = open_pg(0);
	assert_non_null(D->bulk_insert);
	assert_non_null(D->bulk_wait);
	bulk_roundtrip(c, "bulk_bin", "TEXT"); /* every column binary */
	bulk_roundtrip(c, "bulk_var", "VARCHAR(64)");
	/* A domain is not a type written in binary here: the COPY is in text. */
	assert_ok(D->exec(c, "CREATE DOMAIN bulk_dom AS TEXT CHECK (VALUE <> 'x')"));
	bulk_roundtrip(c, "bulk_txt", "bulk_dom");
	assert_ok(D->exec(c, "CREATE TABLE bulk_num (i BIGINT PRIMARY KEY, d NUMERIC, t TEXT)"));
	assert_ok(D->begin(c, 1));
	/* NUMERIC: not written in binary here, so the whole COPY is text. */
	assert_ok(D->bulk_insert(c, "bulk_num", cols, 3, bulk_rows, 3));
	assert_ok(D->commit(c));
	assert_string_equal(query_text(c, "SELECT d FROM bulk_num WHERE i = 1"), "2.5");
	assert_string_equal(query_text(c, "SELECT t FROM bulk_num WHERE i = -9007199254740993"),
			    "");

	/* A unique violation comes later: from bulk_wait (or the next call), as FOLIO_EEXISTS. */
	assert_ok(D->begin(c, 1));
	dup[2].type = FOLIO_COL_NULL;
	assert_ok(D->bulk_insert(c, "bulk_bin", cols, 3, dup, 1));
	assert_folio(FOLIO_EEXISTS, D->bulk_wait(c));
	assert_contains(folio_error_last(), "23505");
	assert_ok(D->rollback(c));
	/* ...or from commit, which then fails. */
	assert_ok(D->begin(c, 1));
	assert_ok(D->bulk_insert(c, "bulk_num", cols, 3, dup, 1));
	assert_folio(FOLIO_EEXISTS, D->commit(c));
	assert_ok(D->rollback(c));
	/* A rollback drops it: the connection goes on. */
	assert_ok(D->begin(c, 1));
	assert_ok(D->bulk_insert(c, "bulk_bin", cols, 3, dup, 1));
	assert_ok(D->rollback(c));
	assert_int_equal(query_int(c, "SELECT count(*) FROM bulk_bin"), 3);

	/* A NUL byte: refused before it is sent, in both formats. */
	dup[0].i = 7;
	dup[2].type = FOLIO_COL_TEXT;
	assert_ok(D->begin(c, 1));
	assert_folio(FOLIO_EINVALID, D->bulk_insert(c, "bulk_bin", cols, 3, dup, 1));
	assert_ok(D->rollback(c));
	assert_ok(D->begin(c, 1));
	assert_folio(FOLIO_EINVALID, D->bulk_insert(c, "bulk_num", cols, 3, dup, 1));
	assert_ok(D->rollback(c));
	/* No such table: the COPY's error at once. */
	assert_ok(D->begin(c, 1));
	assert_folio(FOLIO_EINVALID, D->bulk_insert(c, "bulk_none", cols, 3, dup, 1));
	assert_ok(D->rollback(c));
	assert_int_equal(query_int(c, "SELECT count(*) FROM bulk_bin WHERE i = 7"), 0);
	D->disconnect(c);
}

static void test_server_api(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_doc *doc;
	folio_conn *w;
	char *json = NULL;
	int64_t n = 0;
	int64_t seq = 0;

	(void)state;
	need_pg();
	w = open_pg(0);
	assert_ok(D->exec(w, "DROP TABLE IF EXISTS folio_catalog; "
			     "DROP TABLE IF EXISTS folio_schema; DROP TABLE IF EXISTS folio_srvacl; "
			     "DROP TABLE IF EXISTS folio_member; DROP TABLE IF EXISTS folio_user"));
	assert_ok(folio_server_open(&srv, url_in_schema(NULL), NULL));
	assert_string_equal(folio_server_dialect(srv), "postgresql");
	assert_int_equal(folio_server_schema_version(srv), FOLIO_SCHEMA_VERSION);
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, "crm"));
	assert_folio(FOLIO_EEXISTS, folio_db_create(ses, "crm"));
	assert_ok(folio_store_create(ses, "crm", "customers", NULL));
	assert_ok(folio_store_open(&st, ses, "crm", "customers"));

	assert_ok(folio_doc_new(&doc, st, "acme"));
	assert_ok(folio_doc_set_json(doc, "{\"name\":\"ACME\",\"city\":\"Lyon\",\"n\":[1,2]}"));
	assert_ok(folio_doc_save(doc, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(doc);
	assert_ok(folio_doc_new(&doc, st, "acme"));
	assert_ok(folio_doc_set_json(doc, "{}"));
	assert_folio(FOLIO_EEXISTS, folio_doc_save(doc, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(doc);

	assert_ok(folio_doc_load(&doc, st, "acme"));
	assert_ok(folio_doc_get_json(&json, doc));
	/* The body comes back as it was written (not as jsonb would print it). */
	assert_string_equal(json, "{\"name\":\"ACME\",\"city\":\"Lyon\",\"n\":[1,2]}");
	free(json);
	assert_string_equal(folio_doc_cuser(doc), "alice");
	folio_doc_free(doc);
	/* A NUL escape is valid JSON (jsonb would refuse it), and comes back as written. */
	assert_ok(folio_doc_new(&doc, st, "nul"));
	assert_ok(folio_doc_set_json(doc, "{\"s\":\"a\\u0000b\",\"z\":1,\"a\":2}"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
	assert_ok(folio_doc_load(&doc, st, "nul"));
	assert_ok(folio_doc_get_json(&json, doc));
	assert_string_equal(json, "{\"s\":\"a\\u0000b\",\"z\":1,\"a\":2}");
	free(json);
	folio_doc_free(doc);
	assert_ok(folio_doc_delete(st, "nul", NULL, 0));

	/* A transaction with a nested one rolled back. */
	assert_ok(folio_session_begin(ses));
	assert_ok(folio_doc_new(&doc, st, "kept"));
	assert_ok(folio_doc_set_json(doc, "{\"k\":1}"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
	assert_ok(folio_session_begin(ses));
	assert_ok(folio_doc_new(&doc, st, "undone"));
	assert_ok(folio_doc_set_json(doc, "{\"k\":2}"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
	assert_ok(folio_session_rollback(ses));
	/* A failed save inside the transaction does not spoil it. */
	assert_ok(folio_doc_new(&doc, st, "kept"));
	assert_ok(folio_doc_set_json(doc, "{}"));
	assert_folio(FOLIO_EEXISTS, folio_doc_save(doc, FOLIO_SAVE_CHECK_CONFLICT));
	folio_doc_free(doc);
	assert_ok(folio_session_commit(ses));

	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 2);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&doc, st, "undone"));
	assert_ok(folio_doc_delete(st, "kept", NULL, 0));
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 1);
	assert_ok(folio_db_last_seq(&seq, ses, "crm"));
	assert_true(seq >= 3);

	folio_store_free(st);
	assert_ok(folio_db_drop(ses, "crm"));
	folio_session_free(ses);
	folio_server_close(srv);
	assert_ok(D->exec(w, "DROP TABLE folio_catalog; DROP TABLE folio_schema; DROP TABLE folio_srvacl; "
			     "DROP TABLE folio_member; DROP TABLE folio_user"));
	D->disconnect(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_session_settings),
		cmocka_unit_test(test_placeholders_on_server),
		cmocka_unit_test(test_bind_and_columns),
		cmocka_unit_test(test_big_blob),
		cmocka_unit_test(test_reset_clears_bindings),
		cmocka_unit_test(test_reuse_prepared),
		cmocka_unit_test(test_finalize_deallocates),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_transaction_visibility),
		cmocka_unit_test(test_savepoints),
		cmocka_unit_test(test_lock_timeout),
		cmocka_unit_test(test_deadlock),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_ping_statement_on_dead),
		cmocka_unit_test(test_server_reconnects),
		cmocka_unit_test(test_bulk_insert),
		cmocka_unit_test(test_server_api),
		cmocka_unit_test(test_server_restart),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
