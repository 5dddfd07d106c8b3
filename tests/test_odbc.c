/* backends: odbc */
/*
 * The ODBC driver through the driver table (as test_driver.c does for
 * SQLite), once per ODBC backend of the run:
 *
 *   sqlite      always: sqliteodbc, driver FolioSQLite3 when $ODBCSYSINI is
 *               set (the matrix registers it), else the system's SQLite3
 *   postgresql  psqlodbc (FolioPostgreSQL) when $FOLIO_TEST_PG is set
 *               (postgresql://USER:PASSWORD@HOST:PORT)
 *   mariadb     MariaDB Connector/ODBC (FolioMariaDB) when
 *               $FOLIO_TEST_MARIADB_HOST/_PORT/_USER/_PASSWORD are set
 *
 * CTest names the backends of the run in $FOLIO_TEST_ODBC_BACKENDS
 * ("odbc-sqlite,odbc-pg,odbc-mariadb"); a backend named there that is not
 * configured or does not answer fails, it is never skipped. Run by hand
 * without it: SQLite, and the servers the environment names. Each server
 * backend works in a database of its own (folio_odbc_<pid>), dropped at
 * the end.
 * $FOLIO_TEST_ODBC_{SQLITE,PG,MARIADB}_DRIVER name other ODBC drivers.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testenv.h"
#include "odbc/odbc_driver.h"

static const folio_driver *const D = &folio_odbc_driver;

#define BIG_TEXT (100 * 1024)
#define BIG_BLOB (64 * 1024)

typedef enum kind { BE_SQLITE, BE_PG, BE_MARIADB } kind;

typedef struct backend {
	kind kind;
	const char *dialect;   /* what the driver must report */
	char url[2048];        /* the scratch database */
	char admin[2048];      /* where the scratch database is made and dropped */
	char wrong_pw[2048];   /* the server with a wrong password ("" for SQLite) */
	char refused[2048];    /* the server's driver on a port nobody listens on */
	char db[64];           /* the scratch database's name */
	char *password;        /* the real one, never to appear in a message */
	folio_conn *c;         /* open on url during the group */
} backend;

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

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static void exec_ok(folio_conn *c, const char *sql)
{
	int rc = D->exec(c, sql);

	if (rc != 0)
		fail_msg("exec %s: %d %s", sql, rc, folio_error_last());
}

static folio_stmt *prep(folio_conn *c, const char *sql)
{
	folio_stmt *s = NULL;
	int rc = D->prepare(&s, c, sql);

	if (rc != 0)
		fail_msg("prepare %s: %d %s", sql, rc, folio_error_last());
	return s;
}

/* Runs a one-value query; returns the value as int64. */
static int64_t scalar(folio_conn *c, const char *sql)
{
	folio_stmt *s = prep(c, sql);
	int64_t v;

	assert_folio(FOLIO_ROW, D->step(s));
	v = D->column_int64(s, 0);
	assert_folio(FOLIO_DONE, D->step(s));
	D->finalize(s);
	return v;
}

static folio_conn *connect_ok(const char *url, const folio_connect_options *opts)
{
	folio_conn *c = NULL;
	int rc = D->connect(&c, url, opts);

	if (rc != 0)
		fail_msg("connect %s: %d %s", url, rc, folio_error_last());
	return c;
}

/* The types of the scratch tables, per DBMS. */
static const char *t_int(const backend *b)
{
	return b->kind == BE_SQLITE ? "INTEGER" : "BIGINT";
}

static const char *t_table_opts(const backend *b)
{
	/* A database made with the server's own charset must still hold any UTF-8. */
	return b->kind == BE_MARIADB ? " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin" : "";
}

static void create_table(backend *b, const char *name, const char *cols)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", name);
	exec_ok(b->c, sql);
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (%s)%s", name, cols, t_table_opts(b));
	exec_ok(b->c, sql);
}

static void make_kv(backend *b)
{
	char cols[256];

	snprintf(cols, sizeof(cols), "k %s NOT NULL PRIMARY KEY, v %s", t_int(b), t_int(b));
	create_table(b, "kv", cols);
}

/*
 * Backends
 */

/* Splits postgresql://USER:PASSWORD@HOST:PORT[/...]; the parts go into static buffers. */
static int parse_pg_url(const char *url, char **user, char **pw, char **host, char **port)
{
	static char buf[1024];
	char *p, *at, *colon, *slash;

	if (strncmp(url, "postgresql://", 13) == 0)
		url += 13;
	else if (strncmp(url, "postgres://", 11) == 0)
		url += 11;
	else
		return -1;
	snprintf(buf, sizeof(buf), "%s", url);
	at = strrchr(buf, '@');
	if (!at)
		return -1;
	*at = '\0';
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	*user = buf;
	*pw = colon + 1;
	p = at + 1;
	slash = strchr(p, '/');
	if (slash)
		*slash = '\0';
	colon = strchr(p, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	*host = p;
	*port = colon + 1;
	return 0;
}

static void setup_sqlite(backend *b)
{
	const char *drv = env_or("FOLIO_TEST_ODBC_SQLITE_DRIVER",
				 getenv("ODBCSYSINI") ? "FolioSQLite3" : "SQLite3");

	b->kind = BE_SQLITE;
	b->dialect = "sqlite";
	/* StepAPI=1: rows one at a time (the setting that needs the driver's care). */
	snprintf(b->url, sizeof(b->url), "odbc:DRIVER={%s};Database=%s/odbc.db;StepAPI=1;BigInt=1",
		 drv, folio_test_tmpdir());
	b->wrong_pw[0] = '\0';
	b->refused[0] = '\0';
	b->password = NULL;
}

static void setup_pg(backend *b)
{
	const char *drv = env_or("FOLIO_TEST_ODBC_PG_DRIVER", "FolioPostgreSQL");
	char *user = NULL, *pw = NULL, *host = NULL, *port = NULL;
	char sql[160];
	folio_conn *admin;

	if (parse_pg_url(getenv("FOLIO_TEST_PG"), &user, &pw, &host, &port) < 0)
		fail_msg("$FOLIO_TEST_PG must be postgresql://USER:PASSWORD@HOST:PORT");
	b->kind = BE_PG;
	b->dialect = "postgresql";
	b->password = strdup(pw);
	snprintf(b->db, sizeof(b->db), "folio_odbc_%ld", (long)getpid());
	snprintf(b->admin, sizeof(b->admin),
		 "odbc:DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=postgres;UID=%s;PWD=%s", drv, host,
		 port, user, pw);
	snprintf(b->url, sizeof(b->url),
		 "odbc:DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD=%s", drv, host, port,
		 b->db, user, pw);
	snprintf(b->wrong_pw, sizeof(b->wrong_pw),
		 "odbc:DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD=Wr0ng_%s", drv, host,
		 port, b->db, user, pw);
	snprintf(b->refused, sizeof(b->refused),
		 "odbc:DRIVER={%s};SERVER=127.0.0.1;PORT=1;DATABASE=x;UID=%s;PWD=x", drv, user);
	admin = connect_ok(b->admin, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->db);
	exec_ok(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", b->db);
	exec_ok(admin, sql);
	D->disconnect(admin);
}

static void setup_mariadb(backend *b)
{
	const char *drv = env_or("FOLIO_TEST_ODBC_MARIADB_DRIVER", "FolioMariaDB");
	const char *host = getenv("FOLIO_TEST_MARIADB_HOST");
	const char *port = getenv("FOLIO_TEST_MARIADB_PORT");
	const char *user = getenv("FOLIO_TEST_MARIADB_USER");
	const char *pw = getenv("FOLIO_TEST_MARIADB_PASSWORD");
	char sql[200];
	folio_conn *admin;

	if (!port || !user || !pw)
		fail_msg("$FOLIO_TEST_MARIADB_HOST is set: _PORT, _USER and _PASSWORD must be too");
	b->kind = BE_MARIADB;
	b->dialect = "mariadb";
	b->password = strdup(pw);
	snprintf(b->db, sizeof(b->db), "folio_odbc_%ld", (long)getpid());
	/*
	 * No OPTION=2 and no CHARSET: the driver must ask for found rows
	 * itself, and UTF-8 must survive the connection's defaults.
	 */
	snprintf(b->admin, sizeof(b->admin), "odbc:DRIVER={%s};SERVER=%s;PORT=%s;UID=%s;PWD=%s",
		 drv, host, port, user, pw);
	snprintf(b->url, sizeof(b->url),
		 "odbc:DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD=%s", drv, host, port,
		 b->db, user, pw);
	snprintf(b->wrong_pw, sizeof(b->wrong_pw),
		 "odbc:DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD=Wr0ng_%s", drv, host,
		 port, b->db, user, pw);
	snprintf(b->refused, sizeof(b->refused),
		 "odbc:DRIVER={%s};SERVER=127.0.0.1;PORT=1;UID=%s;PWD=x", drv, user);
	admin = connect_ok(b->admin, NULL);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", b->db);
	exec_ok(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		 b->db);
	exec_ok(admin, sql);
	D->disconnect(admin);
}

static backend g_sqlite, g_pg, g_mariadb;

static int group_setup_for(void **state, backend *b)
{
	int rc = folio_driver_register(D);

	if (rc != 0 && rc != FOLIO_EEXISTS)
		fail_msg("folio_driver_register: %s", folio_error_last());
	if (b == &g_sqlite)
		setup_sqlite(b);
	else if (b == &g_pg)
		setup_pg(b);
	else
		setup_mariadb(b);
	b->c = connect_ok(b->url, NULL);
	*state = b;
	return 0;
}

static int setup_group_sqlite(void **state)
{
	return group_setup_for(state, &g_sqlite);
}

static int setup_group_pg(void **state)
{
	return group_setup_for(state, &g_pg);
}

static int setup_group_mariadb(void **state)
{
	return group_setup_for(state, &g_mariadb);
}

static int group_teardown(void **state)
{
	backend *b = *state;
	folio_conn *admin = NULL;
	char sql[160];

	if (!b)
		return 0;
	D->disconnect(b->c);
	b->c = NULL;
	free(b->password);
	b->password = NULL;
	if (b->kind != BE_SQLITE && b->db[0] && D->connect(&admin, b->admin, NULL) == 0) {
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s%s", b->db,
			 b->kind == BE_PG ? " WITH (FORCE)" : "");
		D->exec(admin, sql);
		D->disconnect(admin);
	}
	return 0;
}

/*
 * Each test on a fresh connection: one that failed half-way leaves no open
 * statement, transaction or lock to the next.
 */
static int fresh_conn(void **state)
{
	backend *b = *state;

	D->disconnect(b->c);
	b->c = connect_ok(b->url, NULL);
	return 0;
}

/*
 * Connecting
 */

static void test_connect_errors(void **state)
{
	backend *b = *state;
	folio_conn *c = NULL;

	/* A driver that is not installed: named in the message, passwords hidden. */
	assert_folio(FOLIO_EINVALID,
		     D->connect(&c, "odbc:DRIVER={FolioNoSuchDriver};DATABASE=x;PWD=Sekr1t;x=1",
				NULL));
	assert_null(c);
	assert_contains(folio_error_last(), "odbc: cannot connect to ");
	assert_contains(folio_error_last(), "FolioNoSuchDriver");
	assert_contains(folio_error_last(), "PWD=***");
	assert_lacks(folio_error_last(), "Sekr1t");

	assert_folio(FOLIO_EINVALID, D->connect(&c, "odbc:DSN=folio_no_such_dsn;Password={a;b}",
						NULL));
	assert_contains(folio_error_last(), "IM002");
	assert_contains(folio_error_last(), "Password=***");
	assert_lacks(folio_error_last(), "a;b");

	assert_folio(FOLIO_EINVALID, D->connect(&c, "odbc:", NULL));
	assert_contains(folio_error_last(), "no connection string");

	if (b->kind == BE_SQLITE)
		return;
	/* A wrong password: FOLIO_EACCESS, and neither password in the message. */
	assert_folio(FOLIO_EACCESS, D->connect(&c, b->wrong_pw, NULL));
	assert_null(c);
	assert_contains(folio_error_last(), "PWD=***");
	assert_lacks(folio_error_last(), b->password);
	/* Nobody listening: the link, FOLIO_EIO. */
	assert_folio(FOLIO_EIO, D->connect(&c, b->refused, NULL));
	assert_null(c);
}

static void test_dialect(void **state)
{
	backend *b = *state;

	assert_string_equal(D->dialect(b->c), b->dialect);
	assert_string_equal(D->name, "odbc");
	assert_string_equal(D->scheme, "odbc");
	assert_int_equal(D->ping(b->c), 0);
	assert_null(D->last_insert_id);
}

/*
 * Values
 */

static char *big_text(void)
{
	/* 1-, 2-, 3- and 4-byte characters, so that every cut lands in the middle of one. */
	static const char unit[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
	size_t ul = sizeof(unit) - 1;
	char *t = malloc(BIG_TEXT + 1);
	size_t i;

	assert_non_null(t);
	for (i = 0; i + ul <= BIG_TEXT; i += ul)
		memcpy(t + i, unit, ul);
	memset(t + i, 'z', BIG_TEXT - i);
	t[BIG_TEXT] = '\0';
	return t;
}

static void check_text(folio_stmt *s, int col, const char *want, size_t want_len)
{
	size_t len = 12345;
	const char *v = D->column_text(s, col, &len);

	assert_int_equal(D->column_type(s, col), FOLIO_COL_TEXT);
	assert_non_null(v);
	assert_int_equal(len, want_len);
	assert_memory_equal(v, want, want_len);
	assert_int_equal(v[len], '\0');
}

static void test_types(void **state)
{
	static const char utf8[] = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e \xe4\xb8\xad\xe6\x96\x87";
	backend *b = *state;
	const char *t_dbl = b->kind == BE_SQLITE ? "REAL"
			    : b->kind == BE_PG  ? "DOUBLE PRECISION"
						: "DOUBLE";
	const char *t_txt = b->kind == BE_MARIADB ? "LONGTEXT" : "TEXT";
	const char *t_blob = b->kind == BE_SQLITE ? "BLOB" : b->kind == BE_PG ? "BYTEA" : "LONGBLOB";
	unsigned char bytes[BIG_BLOB];
	char *text = big_text();
	char cols[512];
	folio_stmt *ins, *sel;
	size_t len;
	int i;

	for (i = 0; i < BIG_BLOB; i++)
		bytes[i] = (unsigned char)(i * 7);
	bytes[0] = 0;
	bytes[1] = 0;
	snprintf(cols, sizeof(cols), "id %s NOT NULL PRIMARY KEY, i %s, d %s, s %s, b %s", t_int(b),
		 t_int(b), t_dbl, t_txt, t_blob);
	create_table(b, "vals", cols);

	ins = prep(b->c, "INSERT INTO vals (id, i, d, s, b) VALUES (?, ?, ?, ?, ?)");
	/* 1: the extremes and UTF-8 with 4-byte characters. */
	assert_ok(D->bind_int64(ins, 1, 1));
	assert_ok(D->bind_int64(ins, 2, INT64_MIN));
	assert_ok(D->bind_double(ins, 3, 0.1));
	assert_ok(D->bind_text(ins, 4, utf8, strlen(utf8)));
	assert_ok(D->bind_blob(ins, 5, "\0a\0", 3));
	assert_folio(FOLIO_DONE, D->step(ins));
	assert_ok(D->reset(ins));
	/* 2: the other extremes; empty text and blob are values, not NULL. */
	assert_ok(D->bind_int64(ins, 1, 2));
	assert_ok(D->bind_int64(ins, 2, INT64_MAX));
	assert_ok(D->bind_double(ins, 3, -1.5e300));
	assert_ok(D->bind_text(ins, 4, "", 0));
	assert_ok(D->bind_blob(ins, 5, "", 0));
	assert_folio(FOLIO_DONE, D->step(ins));
	assert_ok(D->reset(ins));
	/* 3: NULL everywhere, bound and not bound at all. */
	assert_ok(D->bind_int64(ins, 1, 3));
	assert_ok(D->bind_null(ins, 2));
	assert_ok(D->bind_null(ins, 3));
	assert_ok(D->bind_null(ins, 4));
	assert_folio(FOLIO_DONE, D->step(ins));
	assert_ok(D->reset(ins));
	/* 4: long values, read in parts. */
	assert_ok(D->bind_int64(ins, 1, 4));
	assert_ok(D->bind_int64(ins, 2, 0));
	assert_ok(D->bind_double(ins, 3, 3.141592653589793));
	assert_ok(D->bind_text(ins, 4, text, BIG_TEXT));
	assert_ok(D->bind_blob(ins, 5, bytes, BIG_BLOB));
	assert_folio(FOLIO_DONE, D->step(ins));
	D->finalize(ins);

	sel = prep(b->c, "SELECT id, i, d, s, b FROM vals ORDER BY id");
	assert_int_equal(D->column_count(sel), 0);

	assert_folio(FOLIO_ROW, D->step(sel));
	assert_int_equal(D->column_count(sel), 5);
	/* Any order, any number of times. */
	check_text(sel, 3, utf8, strlen(utf8));
	assert_int_equal(D->column_type(sel, 4), FOLIO_COL_BLOB);
	assert_memory_equal(D->column_blob(sel, 4, &len), "\0a\0", 3);
	assert_int_equal(len, 3);
	assert_int_equal(D->column_type(sel, 1), FOLIO_COL_INT);
	assert_true(D->column_int64(sel, 1) == INT64_MIN);
	assert_int_equal(D->column_type(sel, 2), FOLIO_COL_DOUBLE);
	assert_true(D->column_double(sel, 2) == 0.1);
	assert_int_equal(D->column_int64(sel, 0), 1);
	check_text(sel, 3, utf8, strlen(utf8));
	/* A number asked for as text is written out. */
	assert_string_equal(D->column_text(sel, 1, &len), "-9223372036854775808");
	assert_int_equal(len, 20);

	assert_folio(FOLIO_ROW, D->step(sel));
	assert_true(D->column_int64(sel, 1) == INT64_MAX);
	assert_true(D->column_double(sel, 2) == -1.5e300);
	check_text(sel, 3, "", 0);
	assert_int_equal(D->column_type(sel, 4), FOLIO_COL_BLOB);
	assert_non_null(D->column_blob(sel, 4, &len));
	assert_int_equal(len, 0);

	assert_folio(FOLIO_ROW, D->step(sel));
	for (i = 1; i <= 4; i++) {
		len = 99;
		assert_int_equal(D->column_type(sel, i), FOLIO_COL_NULL);
		assert_null(D->column_text(sel, i, &len));
		assert_int_equal(len, 0);
	}
	assert_null(D->column_blob(sel, 4, &len));
	assert_int_equal(D->column_int64(sel, 1), 0);
	assert_true(D->column_double(sel, 2) == 0.0);

	assert_folio(FOLIO_ROW, D->step(sel));
	check_text(sel, 3, text, BIG_TEXT);
	assert_int_equal(D->column_type(sel, 4), FOLIO_COL_BLOB);
	assert_memory_equal(D->column_blob(sel, 4, &len), bytes, BIG_BLOB);
	assert_int_equal(len, BIG_BLOB);
	if (b->kind == BE_SQLITE) {
		/*
		 * sqliteodbc hands REAL values over as SQLite's text, 15
		 * significant digits: what an application sees through it.
		 */
		assert_true(D->column_double(sel, 2) == 3.14159265358979);
	} else {
		assert_true(D->column_double(sel, 2) == 3.141592653589793);
	}

	assert_folio(FOLIO_DONE, D->step(sel));
	assert_folio(FOLIO_DONE, D->step(sel));
	D->finalize(sel);

	/* Values bound to expressions come back as the engine computes them. */
	sel = prep(b->c, "SELECT COUNT(*), SUM(i), 'x' FROM vals WHERE id >= ?");
	assert_ok(D->bind_int64(sel, 1, 3));
	assert_folio(FOLIO_ROW, D->step(sel));
	assert_int_equal(D->column_int64(sel, 0), 2);
	assert_int_equal(D->column_int64(sel, 1), 0);
	assert_string_equal(D->column_text(sel, 2, NULL), "x");
	assert_folio(FOLIO_DONE, D->step(sel));
	D->finalize(sel);
	free(text);
}

static void test_params_counted_outside_quotes(void **state)
{
	backend *b = *state;
	const char *q = b->kind == BE_MARIADB ? "`" : "\"";
	char sql[256];
	folio_stmt *s;

	/*
	 * '?' in a string, a quoted name and comments is no placeholder. (The
	 * SQLite ODBC driver counts the '?' in comments itself and refuses the
	 * statement; folio's SQL has no comments.)
	 */
	snprintf(sql, sizeof(sql), "SELECT '?''?', ? AS %sa?%s %s FROM kv WHERE k = ? OR k = 1",
		 q, q, b->kind == BE_SQLITE ? "" : "-- ?\n /* ? */");
	make_kv(b);
	s = prep(b->c, sql);
	assert_ok(D->bind_text(s, 1, "p", 1));
	assert_ok(D->bind_int64(s, 2, 7));
	assert_folio(FOLIO_EINVALID, D->bind_int64(s, 3, 1));
	assert_contains(folio_error_last(), "no parameter 3 (the statement has 2)");
	assert_folio(FOLIO_EINVALID, D->bind_null(s, 0));
	assert_folio(FOLIO_DONE, D->step(s));
	D->finalize(s);
}

/*
 * Statements
 */

static void test_statement_reuse(void **state)
{
	backend *b = *state;
	folio_stmt *ins, *sel, *all;
	int64_t sum = 0;
	int i, n;

	make_kv(b);
	ins = prep(b->c, "INSERT INTO kv (k, v) VALUES (?, ?)");
	sel = prep(b->c, "SELECT v FROM kv WHERE k = ?");
	assert_ok(D->begin(b->c, 1));
	for (i = 0; i < 1000; i++) {
		assert_ok(D->bind_int64(ins, 1, i));
		assert_ok(D->bind_int64(ins, 2, (int64_t)i * 3));
		assert_folio(FOLIO_DONE, D->step(ins));
		assert_int_equal(D->changes(b->c), 1);
		assert_ok(D->reset(ins));
		/* Read back at once, stopping after the row (the statement is reset unread). */
		assert_ok(D->bind_int64(sel, 1, i));
		assert_folio(FOLIO_ROW, D->step(sel));
		assert_int_equal(D->column_int64(sel, 0), (int64_t)i * 3);
		assert_ok(D->reset(sel));
	}
	assert_ok(D->commit(b->c));
	D->finalize(ins);
	D->finalize(sel);

	/* A statement without parameters, cut short and run again, starts over. */
	all = prep(b->c, "SELECT k, v FROM kv ORDER BY k");
	for (i = 0; i < 3; i++) {
		assert_folio(FOLIO_ROW, D->step(all));
		assert_int_equal(D->column_int64(all, 0), 0);
		assert_folio(FOLIO_ROW, D->step(all));
		assert_int_equal(D->column_int64(all, 0), 1);
		assert_ok(D->reset(all));
	}
	n = 0;
	while (D->step(all) == FOLIO_ROW) {
		sum += D->column_int64(all, 1);
		n++;
	}
	assert_int_equal(n, 1000);
	assert_true(sum == 3 * (999 * 1000 / 2));
	D->finalize(all);
	/* What the reads left open does not hold a snapshot or a lock. */
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 1000);
}

static void test_nested_reads(void **state)
{
	backend *b = *state;
	folio_stmt *outer, *inner;
	int n = 0;

	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 10)");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 20)");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (3, 30)");
	outer = prep(b->c, "SELECT k FROM kv ORDER BY k");
	inner = prep(b->c, "SELECT v FROM kv WHERE k = ?");
	while (D->step(outer) == FOLIO_ROW) {
		int64_t k = D->column_int64(outer, 0);

		assert_ok(D->bind_int64(inner, 1, k));
		assert_folio(FOLIO_ROW, D->step(inner));
		assert_int_equal(D->column_int64(inner, 0), k * 10);
		assert_ok(D->reset(inner));
		n++;
	}
	assert_int_equal(n, 3);
	D->finalize(outer);
	D->finalize(inner);
}

static void test_returning(void **state)
{
	backend *b = *state;
	folio_stmt *s;

	if (b->kind == BE_MARIADB)
		return; /* the mariadb dialect does not use RETURNING */
	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 10)");
	/* In a transaction that must commit after the statement (SQLite: in progress). */
	assert_ok(D->begin(b->c, 1));
	s = prep(b->c, "UPDATE kv SET v = v + 1 WHERE k = ? RETURNING v");
	assert_ok(D->bind_int64(s, 1, 1));
	assert_folio(FOLIO_ROW, D->step(s));
	assert_int_equal(D->column_int64(s, 0), 11);
	assert_ok(D->reset(s));
	D->finalize(s);
	s = prep(b->c, "INSERT INTO kv (k, v) VALUES (?, 5) RETURNING k, v");
	assert_ok(D->bind_int64(s, 1, 2));
	assert_folio(FOLIO_ROW, D->step(s));
	assert_int_equal(D->column_int64(s, 0), 2);
	assert_int_equal(D->column_int64(s, 1), 5);
	assert_folio(FOLIO_DONE, D->step(s));
	assert_int_equal(D->changes(b->c), 1);
	D->finalize(s);
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(b->c, "SELECT SUM(v) FROM kv"), 16);
}

/*
 * Errors
 */

static void test_duplicate_key(void **state)
{
	backend *b = *state;
	folio_stmt *s;

	make_kv(b);
	s = prep(b->c, "INSERT INTO kv (k, v) VALUES (?, ?)");
	assert_ok(D->bind_int64(s, 1, 42));
	assert_ok(D->bind_int64(s, 2, 1));
	assert_folio(FOLIO_DONE, D->step(s));
	assert_ok(D->reset(s));
	assert_ok(D->bind_int64(s, 1, 42));
	assert_ok(D->bind_int64(s, 2, 2));
	assert_folio(FOLIO_EEXISTS, D->step(s));
	assert_contains(folio_error_last(), "odbc: ");
	assert_contains(folio_error_last(), "(SQLSTATE ");
	assert_contains(folio_error_last(), " in: INSERT INTO kv (k, v) VALUES (?, ?)");
	if (b->kind == BE_PG)
		assert_contains(folio_error_last(), "SQLSTATE 23505");
	if (b->kind == BE_MARIADB)
		assert_contains(folio_error_last(), "native 1062");
	/* The statement is usable again after a reset. */
	assert_ok(D->reset(s));
	assert_ok(D->bind_int64(s, 1, 43));
	assert_ok(D->bind_int64(s, 2, 2));
	assert_folio(FOLIO_DONE, D->step(s));
	D->finalize(s);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 2);
}

/*
 * bulk_insert: parameter arrays (MariaDB, SQLite), rows of VALUES
 * (PostgreSQL); more rows than one group takes; NULLs, escapes, non-ASCII,
 * a long text among short ones; a duplicate key fails the call.
 */
static void test_bulk_insert(void **state)
{
	backend *b = *state;
	enum { N = 1300 };
	const char *cols[] = { "i", "d", "t" };
	static const char odd[] = "tab\tnl\ncr\rbs\\ '\"q\" \xc3\xa9\xe6\x97\xa5 %_?";
	folio_value *rows = calloc(N * 3, sizeof(*rows));
	char *long_text = malloc(6001), cols_sql[256];
	folio_stmt *s;
	size_t len = 0;
	const char *t;

	assert_non_null(rows);
	assert_non_null(long_text);
	assert_non_null(D->bulk_insert);
	memset(long_text, 'x', 6000);
	long_text[6000] = 0;
	snprintf(cols_sql, sizeof(cols_sql), "i %s PRIMARY KEY, d %s, t %s", t_int(b),
		 b->kind == BE_SQLITE ? "REAL" : b->kind == BE_PG ? "DOUBLE PRECISION" : "DOUBLE",
		 b->kind == BE_MARIADB ? "LONGTEXT" : "TEXT");
	create_table(b, "bulk", cols_sql);
	for (int r = 0; r < N; r++) {
		folio_value *v = &rows[r * 3];
		v[0].type = FOLIO_COL_INT;
		v[0].i = r == 7 ? INT64_MAX - 1 : r;
		v[1].type = r % 5 == 0 ? FOLIO_COL_NULL : FOLIO_COL_DOUBLE;
		v[1].d = r + 0.25;
		v[2].type = r % 7 == 3 ? FOLIO_COL_NULL : FOLIO_COL_TEXT;
		v[2].p = r == 502 ? long_text : r % 2 ? odd : "";
		v[2].len = strlen(v[2].p);
	}
	assert_ok(D->begin(b->c, 1));
	assert_ok(D->bulk_insert(b->c, "bulk", cols, 3, rows, N));
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk"), N);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk WHERE d IS NULL"), (N + 4) / 5);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk WHERE t IS NULL"), (N + 3) / 7);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk WHERE i = 9223372036854775806"),
			 1);

	s = prep(b->c, "SELECT d, t FROM bulk WHERE i = ?");
	assert_ok(D->bind_int64(s, 1, 11));
	assert_folio(FOLIO_ROW, D->step(s));
	assert_true(D->column_double(s, 0) == 11.25);
	t = D->column_text(s, 1, &len);
	assert_int_equal(len, sizeof(odd) - 1);
	assert_memory_equal(t, odd, sizeof(odd) - 1);
	assert_folio(FOLIO_DONE, D->step(s));
	assert_ok(D->reset(s));
	assert_ok(D->bind_int64(s, 1, 502));
	assert_folio(FOLIO_ROW, D->step(s));
	t = D->column_text(s, 1, &len);
	assert_int_equal(len, 6000);
	assert_int_equal(t[5999], 'x');
	assert_folio(FOLIO_DONE, D->step(s));
	assert_ok(D->reset(s));
	assert_ok(D->bind_int64(s, 1, 20));
	assert_folio(FOLIO_ROW, D->step(s));
	assert_int_equal(D->column_type(s, 0), FOLIO_COL_NULL);
	t = D->column_text(s, 1, &len);
	assert_non_null(t);
	assert_int_equal(len, 0);
	assert_folio(FOLIO_DONE, D->step(s));
	D->finalize(s);

	/* Columns NULL in every row of a call (PostgreSQL leaves them out of the INSERT). */
	for (int r = 0; r < 4; r++) {
		folio_value *v = &rows[r * 3];
		v[0].type = FOLIO_COL_INT;
		v[0].i = 2 * N + r;
		v[1].type = FOLIO_COL_NULL;
		v[2].type = FOLIO_COL_NULL;
	}
	assert_ok(D->begin(b->c, 1));
	assert_ok(D->bulk_insert(b->c, "bulk", cols, 3, rows, 4));
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk WHERE i BETWEEN 2600 AND 2603 "
				      "AND d IS NULL AND t IS NULL"),
			 4);
	exec_ok(b->c, "DELETE FROM bulk WHERE i BETWEEN 2600 AND 2603");
	for (int r = 0; r < 4; r++) {
		folio_value *v = &rows[r * 3];
		v[0].i = r == 7 ? INT64_MAX - 1 : r;
		v[1].type = r % 5 == 0 ? FOLIO_COL_NULL : FOLIO_COL_DOUBLE;
		v[2].type = r % 7 == 3 ? FOLIO_COL_NULL : FOLIO_COL_TEXT;
	}

	/* A key that is taken: the call fails with FOLIO_EEXISTS; the rollback leaves none. */
	rows[2 * 3].i = N + 5;
	assert_ok(D->begin(b->c, 1));
	assert_folio(FOLIO_EEXISTS, D->bulk_insert(b->c, "bulk", cols, 3, rows + 2 * 3, 3));
	assert_ok(D->rollback(b->c));
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulk"), N);
	free(rows);
	free(long_text);
}

/*
 * bulk_insert with columns that hold one value in every row of a call
 * (PostgreSQL sends those once, cast to the column's type): a JSON column
 * stays an object, a number stays a number, a value too long for its
 * column still fails (a cast must not cut it), and calls of other shapes
 * in the same transaction each get their own statement.
 */
static void test_bulk_insert_fixed(void **state)
{
	backend *b = *state;
	enum { N = 300 };
	const char *cols[] = { "i", "j", "t", "d", "v" };
	static const char json[] = "{\"a\":[1,2],\"b\":\"x\"}";
	folio_value *rows = calloc(N * 5, sizeof(*rows));
	char cols_sql[256];

	assert_non_null(rows);
	snprintf(cols_sql, sizeof(cols_sql), "i %s PRIMARY KEY, j %s, t %s, d %s, v VARCHAR(8)",
		 t_int(b), b->kind == BE_PG ? "JSONB" : "TEXT",
		 b->kind == BE_MARIADB ? "LONGTEXT" : "TEXT",
		 b->kind == BE_SQLITE ? "REAL" : b->kind == BE_PG ? "DOUBLE PRECISION" : "DOUBLE");
	create_table(b, "bulkf", cols_sql);
	for (int r = 0; r < N; r++) {
		folio_value *v = &rows[r * 5];
		v[0].type = FOLIO_COL_INT;
		v[0].i = r;
		v[1].type = FOLIO_COL_TEXT;
		v[1].p = json;
		v[1].len = strlen(json);
		v[2].type = FOLIO_COL_TEXT;
		v[2].p = "same";
		v[2].len = 4;
		v[3].type = FOLIO_COL_DOUBLE;
		v[3].d = 2.5;
		v[4].type = FOLIO_COL_TEXT;
		v[4].p = "short";
		v[4].len = 5;
	}
	assert_ok(D->begin(b->c, 1));
	assert_ok(D->bulk_insert(b->c, "bulkf", cols, 5, rows, N));
	/* Another shape: t varies now, then the first shape again. */
	for (int r = 0; r < N; r++) {
		rows[r * 5].i = N + r;
		rows[r * 5 + 2].p = r % 2 ? "odd" : "even";
		rows[r * 5 + 2].len = strlen(rows[r * 5 + 2].p);
	}
	assert_ok(D->bulk_insert(b->c, "bulkf", cols, 5, rows, N));
	for (int r = 0; r < N; r++) {
		rows[r * 5].i = 2 * N + r;
		rows[r * 5 + 2].p = "same";
		rows[r * 5 + 2].len = 4;
	}
	assert_ok(D->bulk_insert(b->c, "bulkf", cols, 5, rows, N));
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf"), 3 * N);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf WHERE t = 'same' AND d = 2.5 "
				      "AND v = 'short'"),
			 2 * N);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf WHERE t = 'odd'"), N / 2);
	if (b->kind == BE_PG)
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf WHERE jsonb_typeof(j) = "
					      "'object' AND j->>'b' = 'x' AND j->'a'->>1 = '2'"),
				 3 * N);
	else
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf WHERE j = "
					      "'{\"a\":[1,2],\"b\":\"x\"}'"),
				 3 * N);
	if (b->kind == BE_PG) {
		/* Nine characters into VARCHAR(8), the same in every row: refused, not cut. */
		for (int r = 0; r < N; r++) {
			rows[r * 5].i = 3 * N + r;
			rows[r * 5 + 4].p = "123456789";
			rows[r * 5 + 4].len = 9;
		}
		assert_ok(D->begin(b->c, 1));
		assert_true(D->bulk_insert(b->c, "bulkf", cols, 5, rows, N) < 0);
		assert_contains(folio_error_last(), "22001");
		assert_ok(D->rollback(b->c));
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkf"), 3 * N);

		/* The table made anew with another type: the next transaction casts to it. */
		create_table(b, "bulkg", "i BIGINT PRIMARY KEY, j TEXT, t TEXT, d TEXT, v TEXT");
		for (int r = 0; r < N; r++)
			rows[r * 5].i = r;
		assert_ok(D->begin(b->c, 1));
		assert_ok(D->bulk_insert(b->c, "bulkg", cols, 5, rows, N));
		assert_ok(D->commit(b->c));
		create_table(b, "bulkg",
			     "i BIGINT PRIMARY KEY, j JSONB, t TEXT, d DOUBLE PRECISION, v TEXT");
		assert_ok(D->begin(b->c, 1));
		assert_ok(D->bulk_insert(b->c, "bulkg", cols, 5, rows, N));
		assert_ok(D->commit(b->c));
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM bulkg WHERE jsonb_typeof(j) = "
					      "'object' AND d = 2.5"),
				 N);
		exec_ok(b->c, "DROP TABLE bulkg");
	}
	free(rows);
}

static void test_diagnostics(void **state)
{
	backend *b = *state;
	char sql[400];
	folio_stmt *s = NULL;
	const char *msg;
	const char *st;
	int rc;

	/* A statement that cannot run: the SQLSTATE, and the start of the SQL on one line. */
	snprintf(sql, sizeof(sql), "SELEC oops FROM nowhere\nWHERE x = '%0200d'", 0);
	rc = D->prepare(&s, b->c, sql);
	if (rc == 0) {
		/* Drivers that prepare on the server only at execute (psqlodbc). */
		rc = D->step(s);
		D->finalize(s);
	}
	assert_true(rc < 0);
	msg = folio_error_last();
	assert_contains(msg, "odbc: ");
	st = strstr(msg, "(SQLSTATE ");
	assert_non_null(st);
	assert_true(strlen(st) > 15 && st[15] != ' ');
	assert_contains(msg, " in: SELEC oops FROM nowhere WHERE x = '000");
	assert_contains(msg, "...");
	assert_lacks(msg, "\n");

	/* exec reports the same way. */
	assert_true(D->exec(b->c, "DROP TABLE no_such_table_here") < 0);
	assert_contains(folio_error_last(), "(SQLSTATE ");
	assert_contains(folio_error_last(), " in: DROP TABLE no_such_table_here");

	/* A value the engine refuses (22xxx): FOLIO_EINVALID. */
	if (b->kind == BE_PG) {
		s = prep(b->c, "SELECT CAST(? AS INTEGER)");
		assert_ok(D->bind_text(s, 1, "twelve", 6));
		assert_folio(FOLIO_EINVALID, D->step(s));
		assert_contains(folio_error_last(), "SQLSTATE 22P02");
		D->finalize(s);
	} else if (b->kind == BE_MARIADB) {
		create_table(b, "short", "v VARCHAR(4)");
		s = prep(b->c, "INSERT INTO short (v) VALUES (?)");
		assert_ok(D->bind_text(s, 1, "far too long", 12));
		assert_folio(FOLIO_EINVALID, D->step(s));
		assert_contains(folio_error_last(), "SQLSTATE 22001");
		D->finalize(s);
	}
}

/*
 * Transactions
 */

static void test_transactions(void **state)
{
	backend *b = *state;
	folio_conn *other;

	make_kv(b);
	assert_ok(D->rollback(b->c)); /* nothing open: nothing to do */

	assert_ok(D->begin(b->c, 1));
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	assert_ok(D->rollback(b->c));
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 0);

	assert_ok(D->begin(b->c, 1));
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	/* Another connection does not see it before the commit. */
	other = connect_ok(b->url, NULL);
	assert_int_equal(scalar(other, "SELECT COUNT(*) FROM kv"), 0);
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(other, "SELECT COUNT(*) FROM kv"), 1);
	D->disconnect(other);

	/* Back in autocommit: a statement alone is kept. */
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 2)");
	other = connect_ok(b->url, NULL);
	assert_int_equal(scalar(other, "SELECT COUNT(*) FROM kv"), 2);
	D->disconnect(other);
}

static void test_savepoints(void **state)
{
	backend *b = *state;
	folio_stmt *s;

	make_kv(b);
	assert_ok(D->begin(b->c, 1));
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	exec_ok(b->c, "SAVEPOINT s2");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 2)");
	exec_ok(b->c, "ROLLBACK TO SAVEPOINT s2");
	exec_ok(b->c, "RELEASE SAVEPOINT s2");
	/* A failed statement inside a savepoint spoils only the savepoint. */
	exec_ok(b->c, "SAVEPOINT s2");
	s = prep(b->c, "INSERT INTO kv (k, v) VALUES (?, 9)");
	assert_ok(D->bind_int64(s, 1, 1));
	assert_folio(FOLIO_EEXISTS, D->step(s));
	D->finalize(s);
	exec_ok(b->c, "ROLLBACK TO SAVEPOINT s2");
	exec_ok(b->c, "RELEASE SAVEPOINT s2");
	exec_ok(b->c, "SAVEPOINT s2");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (3, 3)");
	exec_ok(b->c, "RELEASE SAVEPOINT s2");
	assert_ok(D->commit(b->c));
	assert_int_equal(scalar(b->c, "SELECT SUM(k) FROM kv"), 4);
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 2);
}

/*
 * A failed statement inside a transaction: on PostgreSQL it fails the
 * transaction until a rollback, as through libpq (folio asks psqlODBC for
 * no rollback of its own, Protocol=7.4-0, unless the connection string
 * names one: then that one is taken). MariaDB and SQLite fail the statement
 * only.
 */
static void test_failed_statement_in_txn(void **state)
{
	backend *b = *state;
	char url[2200];
	folio_conn *c;
	folio_stmt *s;

	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	assert_ok(D->begin(b->c, 1));
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 2)");
	s = prep(b->c, "INSERT INTO kv (k, v) VALUES (1, 9)");
	assert_folio(FOLIO_EEXISTS, D->step(s));
	D->finalize(s);
	if (b->kind == BE_PG) {
		assert_true(D->exec(b->c, "INSERT INTO kv (k, v) VALUES (3, 3)") < 0);
		assert_contains(folio_error_last(), "25P02");
		assert_ok(D->rollback(b->c));
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 1);
	} else {
		exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (3, 3)");
		assert_ok(D->commit(b->c));
		assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 3);
	}
	if (b->kind != BE_PG)
		return;
	/* The connection string's own choice: psqlODBC rolls back the statement alone. */
	snprintf(url, sizeof(url), "%s;Protocol=7.4-2", b->url);
	c = connect_ok(url, NULL);
	assert_ok(D->begin(c, 1));
	exec_ok(c, "INSERT INTO kv (k, v) VALUES (2, 2)");
	s = prep(c, "INSERT INTO kv (k, v) VALUES (1, 9)");
	assert_folio(FOLIO_EEXISTS, D->step(s));
	D->finalize(s);
	exec_ok(c, "INSERT INTO kv (k, v) VALUES (3, 3)");
	assert_ok(D->commit(c));
	assert_int_equal(scalar(c, "SELECT COUNT(*) FROM kv"), 3);
	D->disconnect(c);
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * A second writer waits for the first as long as the connect options say
 * (busy_timeout_ms), then gets FOLIO_EBUSY.
 */
static void write_lock_wait(backend *b, int wait_ms, double at_least, double at_most)
{
	folio_connect_options opts = { .busy_timeout_ms = wait_ms };
	folio_conn *other;
	double t0, took;
	int rc;

	other = connect_ok(b->url, &opts);
	assert_ok(D->begin(b->c, 1));
	exec_ok(b->c, "UPDATE kv SET v = v + 1 WHERE k = 1");
	t0 = seconds();
	if (b->kind == BE_SQLITE) {
		/* BEGIN IMMEDIATE reached SQLite: the second writer is stopped up front. */
		rc = D->begin(other, 1);
	} else {
		assert_ok(D->begin(other, 1));
		rc = D->exec(other, "UPDATE kv SET v = 100 WHERE k = 1");
	}
	took = seconds() - t0;
	assert_folio(FOLIO_EBUSY, rc);
	if (took < at_least || took > at_most)
		fail_msg("waited %.2f s for a lock, expected %.1f to %.1f s", took, at_least, at_most);
	assert_ok(D->rollback(other));
	assert_ok(D->commit(b->c));
	D->disconnect(other);
}

static void test_write_lock_wait(void **state)
{
	backend *b = *state;

	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 0)");
	/* No wait (MariaDB's shortest is a second). */
	write_lock_wait(b, -1, 0.0, b->kind == BE_MARIADB ? 2.5 : 0.9);
	/* 1.5 s (MariaDB counts whole seconds: 2). */
	write_lock_wait(b, 1500, 1.4, 4.0);
	assert_int_equal(scalar(b->c, "SELECT v FROM kv WHERE k = 1"), 2);
}

typedef struct crossing {
	folio_conn *c;
	int rc;
} crossing;

/* Updates row 2, and rolls back when this side was chosen to lose. */
static void *cross_update(void *payload)
{
	crossing *x = payload;

	x->rc = D->exec(x->c, "UPDATE kv SET v = v + 1 WHERE k = 2");
	if (x->rc < 0)
		D->rollback(x->c);
	return NULL;
}

static void test_deadlock(void **state)
{
	backend *b = *state;
	folio_conn *c1, *c2;
	crossing x;
	pthread_t t;
	int rc;

	if (b->kind == BE_SQLITE)
		return; /* one writer at a time: BEGIN IMMEDIATE */
	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 0)");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 0)");
	c1 = connect_ok(b->url, NULL);
	c2 = connect_ok(b->url, NULL);
	assert_ok(D->begin(c1, 1));
	assert_ok(D->begin(c2, 1));
	exec_ok(c1, "UPDATE kv SET v = v + 1 WHERE k = 1");
	exec_ok(c2, "UPDATE kv SET v = v + 1 WHERE k = 2");
	x.c = c1;
	x.rc = 1;
	assert_int_equal(pthread_create(&t, NULL, cross_update, &x), 0);
	usleep(300 * 1000); /* c1 now waits for c2's row */
	rc = D->exec(c2, "UPDATE kv SET v = v + 1 WHERE k = 1");
	if (rc < 0) {
		assert_folio(FOLIO_EDEADLOCK, rc);
		D->rollback(c2);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	/* The engine broke the cycle: one side lost, the other went on. */
	if (rc < 0) {
		assert_folio(0, x.rc);
		assert_ok(D->commit(c1));
	} else {
		assert_folio(FOLIO_EDEADLOCK, x.rc);
		assert_ok(D->commit(c2));
	}
	assert_int_equal(scalar(b->c, "SELECT SUM(v) FROM kv"), 2);
	D->disconnect(c1);
	D->disconnect(c2);
}

static void test_changes(void **state)
{
	backend *b = *state;
	folio_stmt *s;

	make_kv(b);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	assert_int_equal(D->changes(b->c), 1);
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (2, 1)");
	exec_ok(b->c, "INSERT INTO kv (k, v) VALUES (3, 2)");

	s = prep(b->c, "UPDATE kv SET v = ? WHERE v = ?");
	assert_ok(D->bind_int64(s, 1, 5));
	assert_ok(D->bind_int64(s, 2, 1));
	assert_folio(FOLIO_DONE, D->step(s));
	assert_int_equal(D->changes(b->c), 2);
	assert_ok(D->reset(s));
	/* Nothing matched (SQL_NO_DATA from SQLExecute). */
	assert_ok(D->bind_int64(s, 1, 5));
	assert_ok(D->bind_int64(s, 2, 99));
	assert_folio(FOLIO_DONE, D->step(s));
	assert_int_equal(D->changes(b->c), 0);
	assert_ok(D->reset(s));
	/* Matched, values unchanged: counted (MariaDB only with found rows). */
	assert_ok(D->bind_int64(s, 1, 2));
	assert_ok(D->bind_int64(s, 2, 2));
	assert_folio(FOLIO_DONE, D->step(s));
	assert_int_equal(D->changes(b->c), 1);
	D->finalize(s);

	/* A SELECT leaves the count of the last write alone. */
	assert_int_equal(scalar(b->c, "SELECT COUNT(*) FROM kv"), 3);
	assert_int_equal(D->changes(b->c), 1);

	s = prep(b->c, "DELETE FROM kv WHERE k >= ?");
	assert_ok(D->bind_int64(s, 1, 2));
	assert_folio(FOLIO_DONE, D->step(s));
	assert_int_equal(D->changes(b->c), 2);
	D->finalize(s);
	exec_ok(b->c, "DELETE FROM kv");
	assert_int_equal(D->changes(b->c), 1);
}

static void test_found_rows_given(void **state)
{
	backend *b = *state;
	char url[2200];
	folio_conn *c;

	if (b->kind != BE_MARIADB)
		return;
	/* OPTION with other bits and found rows already: taken as it is. */
	snprintf(url, sizeof(url), "%s;OPTION=3", b->url);
	c = connect_ok(url, NULL);
	make_kv(b);
	exec_ok(c, "INSERT INTO kv (k, v) VALUES (1, 1)");
	exec_ok(c, "UPDATE kv SET v = 1 WHERE k = 1");
	assert_int_equal(D->changes(c), 1);
	D->disconnect(c);
	/* OPTION without it: the bit is added. */
	snprintf(url, sizeof(url), "%s;OPTION=1", b->url);
	c = connect_ok(url, NULL);
	exec_ok(c, "UPDATE kv SET v = 1 WHERE k = 1");
	assert_int_equal(D->changes(c), 1);
	D->disconnect(c);
}

static void test_lost_connection(void **state)
{
	backend *b = *state;
	folio_conn *victim;
	folio_stmt *s;
	char sql[128];
	int64_t id;
	int rc;

	if (b->kind == BE_SQLITE)
		return;
	victim = connect_ok(b->url, NULL);
	id = scalar(victim, b->kind == BE_PG ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()");
	snprintf(sql, sizeof(sql),
		 b->kind == BE_PG ? "SELECT pg_terminate_backend(%lld)" : "KILL %lld", (long long)id);
	if (b->kind == BE_PG)
		assert_int_equal(scalar(b->c, sql), 1);
	else
		exec_ok(b->c, sql);
	usleep(100 * 1000);
	rc = D->prepare(&s, victim, "SELECT 1");
	if (rc == 0) {
		rc = D->step(s);
		D->finalize(s);
	}
	assert_folio(FOLIO_EIO, rc);
	assert_folio(FOLIO_EIO, D->ping(victim));
	D->disconnect(victim);
	assert_int_equal(D->ping(b->c), 0);
}

#define T(f) cmocka_unit_test_setup(f, fresh_conn)
#define BACKEND_TESTS \
	{ \
		T(test_connect_errors), \
		T(test_dialect), \
		T(test_types), \
		T(test_params_counted_outside_quotes), \
		T(test_statement_reuse), \
		T(test_nested_reads), \
		T(test_returning), \
		T(test_duplicate_key), \
		T(test_bulk_insert), \
		T(test_bulk_insert_fixed), \
		T(test_diagnostics), \
		T(test_transactions), \
		T(test_savepoints), \
		T(test_failed_statement_in_txn), \
		T(test_write_lock_wait), \
		T(test_deadlock), \
		T(test_changes), \
		T(test_found_rows_given), \
		T(test_lost_connection), \
	}

/* A backend this run should have and does not: a failing group, never a skip. */
static void test_backend_missing(void **state)
{
	fail_msg("%s", (const char *)*state);
}

static int run_missing(const char *group, const char *why)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_backend_missing, (void *)why),
	};

	return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}

/* 1 when `name` is in the comma-separated `list`. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = BACKEND_TESTS;
	const struct CMUnitTest pg_tests[] = BACKEND_TESTS;
	const struct CMUnitTest mariadb_tests[] = BACKEND_TESTS;
	/* The backends CTest names (tests/CMakeLists.txt); by hand: what the environment has. */
	const char *named = getenv("FOLIO_TEST_ODBC_BACKENDS");
	int sqlite = named ? listed(named, "odbc-sqlite") : 1;
	int pg = named ? listed(named, "odbc-pg") : set("FOLIO_TEST_PG");
	int mariadb = named ? listed(named, "odbc-mariadb") : set("FOLIO_TEST_MARIADB_HOST");
	int fails = 0;

	if (sqlite)
		fails += cmocka_run_group_tests_name("odbc-sqlite", sqlite_tests, setup_group_sqlite,
						     group_teardown);
	if (pg && set("FOLIO_TEST_PG"))
		fails += cmocka_run_group_tests_name("odbc-pg", pg_tests, setup_group_pg,
						     group_teardown);
	else if (pg)
		fails += run_missing("odbc-pg", "odbc-pg is named but $FOLIO_TEST_PG is not set");
	if (mariadb && set("FOLIO_TEST_MARIADB_HOST"))
		fails += cmocka_run_group_tests_name("odbc-mariadb", mariadb_tests,
						     setup_group_mariadb, group_teardown);
	else if (mariadb)
		fails += run_missing("odbc-mariadb",
				     "odbc-mariadb is named but $FOLIO_TEST_MARIADB_HOST is not set");
	return fails;
}
