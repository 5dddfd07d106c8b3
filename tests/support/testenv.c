/*
 * Test helpers: the backend matrix, temporary directories, running the folio command.
 *
 * The networked backends read the servers from the environment that
 * scripts/matrix/start.sh writes (DIR/env); a missing variable fails the
 * test, it never skips it. Each folio_test_url() call makes a new database
 * folio_t_<pid>_<n> on the server, dropped again when the process exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sql.h>
#include <sqlext.h>
#include "testenv.h"

#define MAX_TMP 256

static char *tmpdirs[MAX_TMP];
static int n_tmp;
static pthread_mutex_t tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t tmp_owner;
static char url_buf[4096];
static int url_counter;

/*
 * Connection-string options of the ODBC backends: what an application needs
 * from these drivers for folio to behave as on the native drivers (each one
 * checked against the Debian 12 drivers).
 *
 * psqlodbc 13.02 (FolioPostgreSQL):
 *   UseServerSidePrepare=1  SQLPrepare/SQLExecute use the extended protocol:
 *                           values travel as parameters ($1, $2); with 0 the
 *                           driver pastes them into the SQL text. (The default,
 *                           stated so a site's odbcinst.ini cannot change it.)
 *   BoolsAsChar=0           boolean columns are SQL_BIT, not VARCHAR(5) "1"/"0".
 *   ByteaAsLongVarBinary=1  bytea is SQL_LONGVARBINARY (binary data); the default.
 *   LFConversion=0          no LF -> CR LF rewriting of text; the Unix default.
 *   Not UseDeclareFetch=1: it would stream results (without it the driver
 *   reads a whole result into memory at execute), but it pastes the values
 *   of a SELECT into the text of its DECLARE CURSOR and costs a round trip.
 * MariaDB Connector/ODBC 3.1 (FolioMariaDB):
 *   CHARSET=utf8mb4         the connection speaks UTF-8 with 4-byte characters;
 *                           folio binds text as SQL_C_CHAR in UTF-8.
 *   OPTION=2                FOUND_ROWS: SQLRowCount after an UPDATE counts the
 *                           rows matched, not only those whose values changed
 *                           (an UPDATE writing the same values counts 1, as on
 *                           PostgreSQL and SQLite, not 0).
 * sqliteodbc 0.9998 (FolioSQLite3):
 *   StepAPI=1               rows are stepped one by one; without it the driver
 *                           reads the whole result into memory at execute.
 *   BigInt=1                INTEGER columns are SQL_BIGINT (64-bit), not SQL_INTEGER.
 *   The journal mode and busy timeout are left to folio's ODBC driver (it puts
 *   SQLite in WAL mode and sets the lock wait itself).
 */
#define PSQLODBC_OPTIONS \
	"UseServerSidePrepare=1;BoolsAsChar=0;ByteaAsLongVarBinary=1;LFConversion=0"
#define MARIADB_OPTIONS "CHARSET=utf8mb4;OPTION=2"
#define SQLITEODBC_OPTIONS "StepAPI=1;BigInt=1"

/* The databases this process made on the servers, dropped at exit. */
enum made_on { ON_PG, ON_MARIADB };
struct made_db {
	enum made_on on;
	char name[64];
};

static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t db_owner;
static struct made_db *made;
static int n_made, cap_made;
static int db_counter;
static PGconn *pg_admin;
static SQLHENV my_env = SQL_NULL_HENV;
static SQLHDBC my_dbc = SQL_NULL_HDBC;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	/* A forked child that exits must not remove its parent's directories. */
	if (getenv("FOLIO_TEST_KEEP") || getpid() != tmp_owner)
		return;
	for (int i = 0; i < n_tmp; i++) {
		nftw(tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(tmpdirs[i]);
	}
	n_tmp = 0;
}

const char *folio_test_backend(void)
{
	const char *b = getenv("FOLIO_TEST_BACKEND");
	return b && *b ? b : "sqlite";
}

const char *folio_test_tmpdir(void)
{
	char tmpl[] = "/tmp/folio-test-XXXXXX";
	const char *base = getenv("TMPDIR");
	char path[512];
	char *d;

	snprintf(path, sizeof(path), "%s/folio-test-XXXXXX", base && *base ? base : "/tmp");
	(void)tmpl;
	d = mkdtemp(path);
	if (!d)
		fail_msg("mkdtemp: %s", strerror(errno));
	pthread_mutex_lock(&tmp_mu);
	if (n_tmp == 0 && tmp_owner == 0) {
		tmp_owner = getpid();
		atexit(cleanup);
	}
	if (n_tmp >= MAX_TMP)
		fail_msg("too many temporary directories");
	tmpdirs[n_tmp] = strdup(d);
	d = tmpdirs[n_tmp++];
	pthread_mutex_unlock(&tmp_mu);
	return d;
}

/* The value of environment variable `name`; fails the test when it is unset or empty. */
static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("test backend '%s' needs $%s: start the servers with "
			 "scripts/matrix/start.sh DIR and source DIR/env "
			 "(or use scripts/matrix/run.sh)",
			 folio_test_backend(), name);
	return v;
}

/* Formats into a static buffer; fails the test when the text does not fit. */
static const char *fmt_url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt_url(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(url_buf, sizeof(url_buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(url_buf))
		fail_msg("test URL too long");
	return url_buf;
}

/* $FOLIO_TEST_PG without a trailing '/'. */
static void pg_base(char *out, size_t cap)
{
	const char *base = need_env("FOLIO_TEST_PG");
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	if (len + 1 > cap)
		fail_msg("$FOLIO_TEST_PG too long");
	memcpy(out, base, len);
	out[len] = 0;
}

/* One line of ODBC diagnostics of `h` into `buf` (the first record). */
static const char *odbc_diag(SQLSMALLINT type, SQLHANDLE h, char *buf, size_t cap,
			     SQLINTEGER *native)
{
	SQLCHAR state[6] = "", msg[512] = "";
	SQLSMALLINT len = 0;
	SQLINTEGER nat = 0;

	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, state, &nat, msg, sizeof(msg), &len)))
		snprintf(buf, cap, "(no diagnostics)");
	else
		snprintf(buf, cap, "[%s] %s", (const char *)state, (const char *)msg);
	if (native)
		*native = nat;
	return buf;
}

/* Called with db_mu held: notes a database to drop at exit. */
static int remember(enum made_on on, const char *name)
{
	if (n_made == cap_made) {
		int cap = cap_made ? cap_made * 2 : 16;
		struct made_db *m = realloc(made, (size_t)cap * sizeof(*m));

		if (!m)
			return -1;
		made = m;
		cap_made = cap;
	}
	made[n_made].on = on;
	snprintf(made[n_made].name, sizeof(made[n_made].name), "%s", name);
	n_made++;
	return 0;
}

/* Runs one statement on the PostgreSQL admin connection; returns the SQLSTATE on error. */
static int pg_admin_exec(const char *sql, char *state, size_t cap, char *err, size_t errcap)
{
	PGresult *res = PQexec(pg_admin, sql);
	int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok) {
		const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

		snprintf(state, cap, "%s", st ? st : "");
		snprintf(err, errcap, "%s", PQerrorMessage(pg_admin));
	}
	PQclear(res);
	return ok ? 0 : -1;
}

/* Runs one statement on the MariaDB admin connection; returns the native error on failure. */
static int my_admin_exec(const char *sql, SQLINTEGER *native, char *err, size_t errcap)
{
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLRETURN rc;

	*native = 0;
	rc = SQLAllocHandle(SQL_HANDLE_STMT, my_dbc, &st);
	if (!SQL_SUCCEEDED(rc)) {
		odbc_diag(SQL_HANDLE_DBC, my_dbc, err, errcap, native);
		return -1;
	}
	rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA)
		odbc_diag(SQL_HANDLE_STMT, st, err, errcap, native);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA ? 0 : -1;
}

/*
 * At exit, drops the databases this process made (best effort: a failure
 * only leaves a database on a server that stop.sh throws away). FORCE ends
 * the connections a test left open. Not in a forked child.
 */
static void drop_databases(void)
{
	char sql[160], state[8], err[512];
	SQLINTEGER native;

	if (getpid() != db_owner)
		return;
	pthread_mutex_lock(&db_mu);
	for (int i = 0; i < n_made && !getenv("FOLIO_TEST_KEEP"); i++) {
		if (made[i].on == ON_PG && pg_admin) {
			snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
				 made[i].name);
			if (pg_admin_exec(sql, state, sizeof(state), err, sizeof(err)) < 0)
				fprintf(stderr, "testenv: %s: %s", sql, err);
		} else if (made[i].on == ON_MARIADB && my_dbc != SQL_NULL_HDBC) {
			snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS `%s`", made[i].name);
			if (my_admin_exec(sql, &native, err, sizeof(err)) < 0)
				fprintf(stderr, "testenv: %s: %s\n", sql, err);
		}
	}
	free(made);
	made = NULL;
	n_made = cap_made = 0;
	if (pg_admin)
		PQfinish(pg_admin);
	pg_admin = NULL;
	if (my_dbc != SQL_NULL_HDBC) {
		SQLDisconnect(my_dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, my_dbc);
	}
	my_dbc = SQL_NULL_HDBC;
	if (my_env != SQL_NULL_HENV)
		SQLFreeHandle(SQL_HANDLE_ENV, my_env);
	my_env = SQL_NULL_HENV;
	pthread_mutex_unlock(&db_mu);
}

/* Called with db_mu held: the next database name of this process. */
static void next_db_name(char *out, size_t cap)
{
	if (db_owner != getpid()) {
		/* First use, or a forked child: its parent's connections are not its own. */
		if (db_owner == 0)
			atexit(drop_databases);
		db_owner = getpid();
		pg_admin = NULL;
		my_env = SQL_NULL_HENV;
		my_dbc = SQL_NULL_HDBC;
		n_made = 0;
	}
	snprintf(out, cap, "folio_t_%ld_%d", (long)getpid(), db_counter++);
}

/*
 * A new, empty PostgreSQL database, through libpq on $FOLIO_TEST_PG/postgres.
 * A name left by a dead process with the same pid is dropped and made again.
 */
static void pg_create(char *name, size_t cap)
{
	char base[1024], sql[160], state[8], err[512];
	int rc;

	pg_base(base, sizeof(base));
	pthread_mutex_lock(&db_mu);
	next_db_name(name, cap);
	if (!pg_admin) {
		char admin[1100];

		snprintf(admin, sizeof(admin), "%s/postgres", base);
		pg_admin = PQconnectdb(admin);
		if (PQstatus(pg_admin) != CONNECTION_OK) {
			snprintf(err, sizeof(err), "%s", PQerrorMessage(pg_admin));
			PQfinish(pg_admin);
			pg_admin = NULL;
			pthread_mutex_unlock(&db_mu);
			fail_msg("cannot connect to PostgreSQL ($FOLIO_TEST_PG/postgres): %s", err);
		}
	}
	/*
	 * FILE_COPY copies template1's files (about 30 ms here); PostgreSQL 15's
	 * default, WAL_LOG, writes them through the WAL (about 45 ms).
	 */
	snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"%s", name,
		 PQserverVersion(pg_admin) >= 150000 ? " STRATEGY = FILE_COPY" : "");
	rc = pg_admin_exec(sql, state, sizeof(state), err, sizeof(err));
	if (rc < 0 && strcmp(state, "42P04") == 0) {
		char drop[160];

		snprintf(drop, sizeof(drop), "DROP DATABASE \"%s\" WITH (FORCE)", name);
		if (pg_admin_exec(drop, state, sizeof(state), err, sizeof(err)) == 0)
			rc = pg_admin_exec(sql, state, sizeof(state), err, sizeof(err));
	}
	if (rc == 0 && remember(ON_PG, name) < 0) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -1;
	}
	pthread_mutex_unlock(&db_mu);
	if (rc < 0)
		fail_msg("PostgreSQL: %s: %s", sql, err);
}

/* A new, empty MariaDB database, through unixODBC and the FolioMariaDB driver. */
static void mariadb_create(char *name, size_t cap)
{
	const char *host = need_env("FOLIO_TEST_MARIADB_HOST");
	const char *port = need_env("FOLIO_TEST_MARIADB_PORT");
	const char *user = need_env("FOLIO_TEST_MARIADB_USER");
	const char *pwd = need_env("FOLIO_TEST_MARIADB_PASSWORD");
	char sql[160], err[600];
	SQLINTEGER native = 0;
	int rc;

	need_env("ODBCSYSINI");
	pthread_mutex_lock(&db_mu);
	next_db_name(name, cap);
	if (my_dbc == SQL_NULL_HDBC) {
		char conn[1024];
		SQLRETURN r;

		snprintf(conn, sizeof(conn),
			 "DRIVER={FolioMariaDB};SERVER=%s;PORT=%s;UID=%s;PWD=%s;" MARIADB_OPTIONS,
			 host, port, user, pwd);
		if (my_env == SQL_NULL_HENV) {
			r = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &my_env);
			if (SQL_SUCCEEDED(r))
				r = SQLSetEnvAttr(my_env, SQL_ATTR_ODBC_VERSION,
						  (SQLPOINTER)SQL_OV_ODBC3, 0);
			if (!SQL_SUCCEEDED(r)) {
				pthread_mutex_unlock(&db_mu);
				fail_msg("unixODBC: cannot make an environment handle");
			}
		}
		if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, my_env, &my_dbc))) {
			my_dbc = SQL_NULL_HDBC;
			pthread_mutex_unlock(&db_mu);
			fail_msg("unixODBC: cannot make a connection handle");
		}
		r = SQLDriverConnect(my_dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL,
				     SQL_DRIVER_NOPROMPT);
		if (!SQL_SUCCEEDED(r)) {
			odbc_diag(SQL_HANDLE_DBC, my_dbc, err, sizeof(err), NULL);
			SQLFreeHandle(SQL_HANDLE_DBC, my_dbc);
			my_dbc = SQL_NULL_HDBC;
			pthread_mutex_unlock(&db_mu);
			fail_msg("cannot connect to MariaDB at %s:%s through ODBC driver "
				 "FolioMariaDB ($ODBCSYSINI/odbcinst.ini): %s",
				 host, port, err);
		}
		/* A DROP at exit must not wait a year for a test's open transaction. */
		my_admin_exec("SET SESSION lock_wait_timeout = 10", &native, err, sizeof(err));
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE `%s`", name);
	rc = my_admin_exec(sql, &native, err, sizeof(err));
	if (rc < 0 && native == 1007) { /* ER_DB_CREATE_EXISTS: a dead process's leftover */
		char drop[160];

		snprintf(drop, sizeof(drop), "DROP DATABASE `%s`", name);
		if (my_admin_exec(drop, &native, err, sizeof(err)) == 0)
			rc = my_admin_exec(sql, &native, err, sizeof(err));
	}
	if (rc == 0 && remember(ON_MARIADB, name) < 0) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -1;
	}
	pthread_mutex_unlock(&db_mu);
	if (rc < 0)
		fail_msg("MariaDB: %s: %s", sql, err);
}

const char *folio_test_url(void)
{
	const char *be = folio_test_backend();
	char name[64];

	if (strcmp(be, "sqlite") == 0) {
		snprintf(url_buf, sizeof(url_buf), "sqlite:%s/folio-%d.db", folio_test_tmpdir(),
			 url_counter++);
		return url_buf;
	}
	if (strcmp(be, "pg") == 0) {
		char base[1024];

		pg_base(base, sizeof(base));
		pg_create(name, sizeof(name));
		return fmt_url("%s/%s", base, name);
	}
	if (strcmp(be, "odbc-pg") == 0) {
		char base[1024];
		PQconninfoOption *opts, *o;
		char *perr = NULL;
		const char *host = NULL, *port = NULL, *user = NULL, *pwd = NULL;

		need_env("ODBCSYSINI");
		pg_base(base, sizeof(base));
		opts = PQconninfoParse(base, &perr);
		if (!opts) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", perr ? perr : "out of memory");
			PQfreemem(perr);
			fail_msg("$FOLIO_TEST_PG: %s", msg);
		}
		for (o = opts; o->keyword; o++) {
			if (!o->val)
				continue;
			if (strcmp(o->keyword, "host") == 0)
				host = o->val;
			else if (strcmp(o->keyword, "port") == 0)
				port = o->val;
			else if (strcmp(o->keyword, "user") == 0)
				user = o->val;
			else if (strcmp(o->keyword, "password") == 0)
				pwd = o->val;
		}
		if (!host || !port || !user || !pwd) {
			PQconninfoFree(opts);
			fail_msg("$FOLIO_TEST_PG must name user, password, host and port "
				 "(postgresql://USER:PASSWORD@HOST:PORT)");
		}
		pg_create(name, sizeof(name));
		fmt_url("odbc:DRIVER={FolioPostgreSQL};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD=%s;"
			PSQLODBC_OPTIONS,
			host, port, name, user, pwd);
		PQconninfoFree(opts);
		return url_buf;
	}
	if (strcmp(be, "odbc-mariadb") == 0) {
		mariadb_create(name, sizeof(name));
		return fmt_url("odbc:DRIVER={FolioMariaDB};SERVER=%s;PORT=%s;DATABASE=%s;"
			       "UID=%s;PWD=%s;" MARIADB_OPTIONS,
			       getenv("FOLIO_TEST_MARIADB_HOST"), getenv("FOLIO_TEST_MARIADB_PORT"),
			       name, getenv("FOLIO_TEST_MARIADB_USER"),
			       getenv("FOLIO_TEST_MARIADB_PASSWORD"));
	}
	if (strcmp(be, "odbc-sqlite") == 0) {
		need_env("ODBCSYSINI");
		return fmt_url("odbc:DRIVER={FolioSQLite3};Database=%s/x.db;" SQLITEODBC_OPTIONS,
			       folio_test_tmpdir());
	}
	fail_msg("unknown test backend '%s' (FOLIO_TEST_BACKEND): one of sqlite, pg, odbc-pg, "
		 "odbc-mariadb, odbc-sqlite",
		 be);
	return NULL;
}

void folio_test_open(folio_server **srv, folio_session **ses, const char *user)
{
	assert_ok(folio_server_open(srv, folio_test_url(), NULL));
	assert_ok(folio_session_open(ses, *srv, user, NULL));
}

char *folio_test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

int folio_test_run(const char *url, const char *args, const char *stdin_text, char **out,
		   char **err)
{
	const char *dir = folio_test_tmpdir();
	char in_path[600], out_path[600], err_path[600], *cmd;
	FILE *f;
	int status;
	size_t cmdlen;

	snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	f = fopen(in_path, "wb");
	assert_non_null(f);
	if (stdin_text)
		fwrite(stdin_text, 1, strlen(stdin_text), f);
	fclose(f);
	cmdlen = strlen(args) + strlen(FOLIO_BIN) + (url ? strlen(url) : 0) + 2048;
	cmd = malloc(cmdlen);
	assert_non_null(cmd);
	if (url)
		snprintf(cmd, cmdlen, "FOLIO_SERVER='%s' '%s' %s <'%s' >'%s' 2>'%s'", url,
			 FOLIO_BIN, args, in_path, out_path, err_path);
	else
		snprintf(cmd, cmdlen, "'%s' %s <'%s' >'%s' 2>'%s'", FOLIO_BIN, args, in_path,
			 out_path, err_path);
	status = system(cmd);
	free(cmd);
	if (out)
		*out = folio_test_slurp(out_path);
	if (err)
		*err = folio_test_slurp(err_path);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
