/*
 * The ODBC driver: unixODBC behind the folio driver table.
 *
 * One environment handle for the process (ODBC 3, made once). One
 * folio_conn is one SQLHDBC, used by one thread at a time (the pool's
 * contract). A folio_stmt is an SQLHSTMT prepared once with SQLPrepare; each
 * step after a reset binds the parameters again and runs SQLExecute, then
 * SQLFetch gives the rows. Every column of a fetched row is read at once
 * with SQLGetData into the statement's own buffers, so that the column
 * accessors can come in any order and any number of times.
 *
 * ODBC keeps the diagnostics of a failed call only until the next call on
 * the same handle: every failure is turned into the folio error right away.
 */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sql.h>
#include <sqlext.h>

#include "odbc_driver.h"

/* Room for the SQL quoted in an error line; the rest is cut. */
#define SQL_SNIPPET_MAX 160
/* One diagnostic message; longer ones are cut. */
#define DIAG_MSG_MAX 512
/* Text longer than this is bound as SQL_LONGVARCHAR: some drivers cap VARCHAR at 4000/8000. */
#define VARCHAR_BIND_MAX 4000
/* The first buffer of a text or binary column; it grows to the longest value read. */
#define COLUMN_BUF_MIN 256
/* The largest single value read from a column (folio's documents are far smaller). */
#define COLUMN_VALUE_MAX ((size_t)1 << 30)
/* Put in front of SQLite's INSERT/UPDATE/DELETE ... RETURNING (see od_prepare). */
#define RETURNING_PREFIX "WITH folio_returning AS (SELECT 1) "
/* A connection string kept for error lines. */
#define CONNSTR_MAX 4096

typedef enum dialect_id { D_POSTGRESQL, D_MARIADB, D_SQLITE, D_DB2 } dialect_id;

/* Bulk INSERTs kept prepared per connection (PostgreSQL varies their shape). */
#define BULK_KEPT 4

/* A table's columns and their types, as PostgreSQL writes them (format_type). */
typedef struct coltypes {
	char *table; /* NULL: none read yet */
	int failed;  /* the catalog could not tell: no casts, no constants */
	int n;
	char **name;
	char **type;
} coltypes;

static const char *const dialect_names[] = { "postgresql", "mariadb", "sqlite", "db2" };

struct folio_conn {
	SQLHDBC dbc;
	SQLHSTMT xs;  /* for exec(), allocated on first use */
	char *where;  /* the connection string with passwords hidden, for error lines */
	dialect_id dialect;
	int connected;
	int in_txn;        /* begin() succeeded, commit()/rollback() not yet */
	int autocommit_off;
	int no_dead_attr; /* the driver has no SQL_ATTR_CONNECTION_DEAD */
	int64_t changes;
	SQLHSTMT bulk_h;  /* the bulk path's INSERT in use: one of the kept ones (bulk_prepare) */
	const char *bulk_sql;
	SQLHSTMT bulk_hs[BULK_KEPT]; /* the bulk INSERTs prepared, found by their key */
	char *bulk_keys[BULK_KEPT];
	char *bulk_sqls[BULK_KEPT];
	unsigned long bulk_used[BULK_KEPT];
	unsigned long bulk_clock;
	int bulk_arrays;  /* parameter arrays: 1 taken, 0 not (a row at a time), -1 not known yet */
	coltypes types;   /* PostgreSQL: the column types of the last table of a bulk insert */
};

/* A parameter's value, kept until SQLExecute reads it. */
typedef struct param {
	SQLSMALLINT ctype; /* 0: never bound, sent as NULL */
	SQLSMALLINT sqltype;
	SQLULEN size;
	SQLLEN buflen;
	SQLLEN ind;
	int64_t i;
	double d;
	const void *p;
} param;

/* A column of the current row. */
typedef struct column {
	SQLSMALLINT ctype;  /* read as SQL_C_SBIGINT, _DOUBLE, _CHAR or _BINARY */
	folio_coltype kind; /* reported when the value is not NULL */
	int null;
	int64_t i;
	double d;
	char *buf;   /* text or bytes, NUL-terminated; a number's text on demand */
	size_t len;
	size_t cap;
} column;

enum stmt_state { ST_READY, ST_ROWS, ST_DONE };

struct folio_stmt {
	folio_conn *conn;
	SQLHSTMT h;
	char *sql;
	int writes; /* INSERT, UPDATE, DELETE...: sets changes() */
	int drain;  /* fetch every row before closing the cursor (SQLite, see od_reset) */
	int nparams;
	param *params;
	int ncols; /* -1 until the first execution that gave a result */
	column *cols;
	enum stmt_state state;
	int64_t rows;
};

/*
 * Diagnostics
 */

typedef struct diag {
	char state[6];
	SQLINTEGER native;
	char msg[DIAG_MSG_MAX];
} diag;

/* Removes trailing blanks and line ends, and turns inner line ends into spaces. */
static void tidy(char *s)
{
	size_t n = strlen(s);
	size_t i;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			s[i] = ' ';
	}
}

/*
 * Reads the diagnostic records of `h` (now: the next call on the handle
 * loses them). Keeps the first record that is not a warning (01xxx), or the
 * first record.
 */
static void read_diag(diag *d, SQLSMALLINT type, SQLHANDLE h)
{
	SQLCHAR state[6];
	SQLCHAR msg[DIAG_MSG_MAX];
	SQLINTEGER native;
	SQLSMALLINT len;
	SQLSMALLINT i;
	int have = 0;

	memset(d, 0, sizeof(*d));
	for (i = 1; h != SQL_NULL_HANDLE && i <= 16; i++) {
		SQLRETURN r = SQLGetDiagRec(type, h, i, state, &native, msg, sizeof(msg), &len);

		if (r != SQL_SUCCESS && r != SQL_SUCCESS_WITH_INFO)
			break;
		if (have && strncmp((char *)state, "01", 2) == 0)
			continue;
		memcpy(d->state, state, sizeof(d->state));
		d->state[5] = '\0';
		d->native = native;
		snprintf(d->msg, sizeof(d->msg), "%s", (char *)msg);
		have = 1;
		if (strncmp(d->state, "01", 2) != 0)
			break;
	}
	if (!have) {
		memcpy(d->state, "HY000", 6);
		snprintf(d->msg, sizeof(d->msg), "the ODBC driver gave no diagnostic");
	}
	tidy(d->msg);
}

static int state_is(const diag *d, const char *s)
{
	return strcmp(d->state, s) == 0;
}

static int state_class(const diag *d, const char *cls)
{
	return strncmp(d->state, cls, 2) == 0;
}

/* 1 when the message holds `needle`, in any case. */
static int msg_has(const diag *d, const char *needle)
{
	size_t n = strlen(needle);
	const char *p;

	for (p = d->msg; *p; p++) {
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The folio code for a diagnostic. Native codes are the engine's own:
 * MariaDB's error numbers, SQLite's result codes (as the SQLite ODBC driver
 * passes them).
 */
static int code_of(const folio_conn *c, const diag *d)
{
	long n = (long)d->native;
	int maria = c && c->dialect == D_MARIADB;
	int lite = c && c->dialect == D_SQLITE;

	if (state_is(d, "23505") || (maria && (n == 1062 || n == 1586)) ||
	    (lite && state_class(d, "23") && msg_has(d, "unique")) ||
	    (lite && (n == 19 || n == 2067 || n == 1555) && msg_has(d, "unique constraint")))
		return FOLIO_EEXISTS;
	if (state_is(d, "40001") || state_is(d, "40P01") || (maria && n == 1213))
		return FOLIO_EDEADLOCK;
	if (state_is(d, "HYT00") || state_is(d, "HYT01") || state_is(d, "55P03") ||
	    (maria && n == 1205) || (lite && (n == 5 || n == 6)))
		return FOLIO_EBUSY;
	if (state_class(d, "08") || state_is(d, "57P01") || state_is(d, "57P02") ||
	    state_is(d, "57P03") || (maria && (n == 2006 || n == 2013)))
		return FOLIO_EIO;
	if (state_is(d, "53100") || (maria && (n == 1021 || n == 1114)) || (lite && n == 13))
		return FOLIO_EFULL;
	if (state_is(d, "25006") || (maria && (n == 1290 || n == 1792)) || (lite && n == 8))
		return FOLIO_EREADONLY;
	if (state_class(d, "28") || (maria && n == 1045))
		return FOLIO_EACCESS;
	if (state_is(d, "HY001"))
		return FOLIO_ENOMEM;
	if (state_class(d, "22"))
		return FOLIO_EINVALID;
	return FOLIO_ERROR;
}

/* Copies the start of `sql` onto one line, cut with "..." when long. */
static void snippet(char *out, size_t size, const char *sql)
{
	size_t i;

	for (i = 0; sql[i] && i + 1 < size; i++) {
		char c = sql[i];
		out[i] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
	}
	out[i] = '\0';
	if (sql[i] && size > 4)
		memcpy(out + size - 4, "...", 4);
}

/*
 * 1 when the driver says the link to the server is gone. psqlodbc reports a
 * connection the server closed as HY000 and only tells through this
 * attribute (a local check in psqlodbc; a ping in MariaDB's driver).
 */
static int conn_dead(folio_conn *c)
{
	SQLUINTEGER dead = SQL_CD_FALSE;
	SQLRETURN r;
	diag d;

	if (c->no_dead_attr)
		return 0;
	r = SQLGetConnectAttr(c->dbc, SQL_ATTR_CONNECTION_DEAD, &dead, SQL_IS_UINTEGER, NULL);
	if (!SQL_SUCCEEDED(r)) {
		read_diag(&d, SQL_HANDLE_DBC, c->dbc);
		if (state_class(&d, "08"))
			return 1;
		/* Not supported by this driver: do not ask again. */
		c->no_dead_attr = 1;
		return 0;
	}
	return dead == SQL_CD_TRUE;
}

/*
 * Sets the thread's error from the diagnostics of `h` after a failed call,
 * naming the start of `sql` when given, and returns the folio code.
 */
static int fail(folio_conn *c, SQLSMALLINT type, SQLHANDLE h, const char *sql)
{
	char snip[SQL_SNIPPET_MAX];
	char native[32] = "";
	diag d;
	int code;

	read_diag(&d, type, h);
	code = code_of(c, &d);
	if (code == FOLIO_ERROR && c && c->connected && conn_dead(c))
		code = FOLIO_EIO;
	/* psqlodbc's native codes are its own, not PostgreSQL's: the SQLSTATE says it all. */
	if (d.native != 0 && !(c && c->dialect == D_POSTGRESQL))
		snprintf(native, sizeof(native), ", native %ld", (long)d.native);
	if (!sql)
		return folio_error_set(code, "odbc: %s (SQLSTATE %s%s)", d.msg, d.state, native);
	snippet(snip, sizeof(snip), sql);
	return folio_error_set(code, "odbc: %s (SQLSTATE %s%s) in: %s", d.msg, d.state, native,
			       snip);
}

static int oom(void)
{
	return folio_error_set(FOLIO_ENOMEM, "out of memory");
}

/*
 * SQL text
 */

/* Skips a quoted run starting at p (the opening quote); returns the byte after it. */
static const char *skip_quoted(const char *p, int backslash)
{
	char q = *p++;

	while (*p) {
		if (backslash && *p == '\\' && p[1]) {
			p += 2;
			continue;
		}
		if (*p == q) {
			if (p[1] == q) { /* a doubled quote stands for itself */
				p += 2;
				continue;
			}
			return p + 1;
		}
		p++;
	}
	return p;
}

/*
 * Skips the string, quoted identifier or comment starting at p; returns p
 * when none starts there. MariaDB also escapes quotes with a backslash.
 */
static const char *skip_span(const char *p, int backslash)
{
	if (*p == '\'')
		return skip_quoted(p, backslash);
	if (*p == '"' || *p == '`')
		return skip_quoted(p, 0);
	if (p[0] == '-' && p[1] == '-')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		const char *end = strstr(p + 2, "*/");
		return end ? end + 2 : p + strlen(p);
	}
	return p;
}

/*
 * Counts the `?` placeholders outside strings, quoted identifiers and
 * comments (SQLNumParams is missing from some drivers, and others only know
 * after a round trip).
 */
static int count_params(const char *sql, int backslash)
{
	const char *p = sql;
	int n = 0;

	while (*p) {
		const char *q = skip_span(p, backslash);

		if (q != p) {
			p = q;
			continue;
		}
		if (*p == '?')
			n++;
		p++;
	}
	return n;
}

static int is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* 1 when the keyword `word` appears in `sql` outside strings and comments. */
static int has_keyword(const char *sql, const char *word, int backslash)
{
	size_t n = strlen(word);
	const char *p = sql;

	while (*p) {
		const char *q = skip_span(p, backslash);

		if (q != p) {
			p = q;
			continue;
		}
		if ((p == sql || !is_word_char(p[-1])) && strncasecmp(p, word, n) == 0 &&
		    !is_word_char(p[n]))
			return 1;
		p++;
	}
	return 0;
}

/* 1 when the statement changes rows (its row count is changes()). */
static int is_write(const char *sql)
{
	static const char *const verbs[] = { "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE" };
	const char *p = sql;
	size_t i;

	while (*p && (isspace((unsigned char)*p) || *p == '('))
		p++;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		size_t n = strlen(verbs[i]);

		if (strncasecmp(p, verbs[i], n) == 0 && !is_word_char(p[n]))
			return 1;
	}
	return 0;
}

/*
 * Connection strings
 */

/* The end of the value starting at v: a {braced} value may hold ';' ("}}" is a '}'). */
static const char *value_end(const char *v)
{
	if (*v == '{') {
		const char *p = v + 1;

		while (*p) {
			if (*p == '}') {
				if (p[1] == '}') {
					p += 2;
					continue;
				}
				p++;
				break;
			}
			p++;
		}
		return p + strcspn(p, ";");
	}
	return v + strcspn(v, ";");
}

/* 1 when the key [k, k + n) names `name`, blanks around it ignored, any case. */
static int key_is(const char *k, size_t n, const char *name)
{
	size_t len = strlen(name);

	while (n > 0 && isspace((unsigned char)*k)) {
		k++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)k[n - 1]))
		n--;
	return n == len && strncasecmp(k, name, len) == 0;
}

/*
 * Finds the value of key `name` in a connection string: returns its start
 * and sets *len, or NULL.
 */
static const char *find_key(const char *cs, const char *name, size_t *len)
{
	const char *p = cs;

	while (*p) {
		size_t klen = strcspn(p, "=;");
		const char *v;
		const char *end;

		if (p[klen] != '=') {
			p += klen;
			if (*p == ';')
				p++;
			continue;
		}
		v = p + klen + 1;
		end = value_end(v);
		if (key_is(p, klen, name)) {
			*len = (size_t)(end - v);
			return v;
		}
		p = *end == ';' ? end + 1 : end;
	}
	return NULL;
}

/* A copy of a connection string with the values of PWD and PASSWORD as "***". */
static char *hide_passwords(const char *cs)
{
	size_t n = strlen(cs);
	size_t cap = n * 4 + 16;
	char *out = malloc(cap);
	const char *p = cs;
	size_t o = 0;

	if (!out)
		return NULL;
	while (*p) {
		size_t klen = strcspn(p, "=;");
		const char *v;
		const char *end;

		if (p[klen] != '=') {
			klen += p[klen] == ';';
			memcpy(out + o, p, klen);
			o += klen;
			p += klen;
			continue;
		}
		v = p + klen + 1;
		end = value_end(v);
		memcpy(out + o, p, klen + 1);
		o += klen + 1;
		if (key_is(p, klen, "PWD") || key_is(p, klen, "PASSWORD")) {
			memcpy(out + o, "***", 3);
			o += 3;
		} else {
			memcpy(out + o, v, (size_t)(end - v));
			o += (size_t)(end - v);
		}
		p = end;
		if (*p == ';')
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/*
 * The environment, made once for the process.
 */

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static SQLHENV env = SQL_NULL_HENV;
static char env_error[DIAG_MSG_MAX + 128];

static void env_init(void)
{
	SQLHENV h = SQL_NULL_HENV;
	SQLRETURN r;
	diag d;

	r = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &h);
	if (!SQL_SUCCEEDED(r)) {
		snprintf(env_error, sizeof(env_error),
			 "odbc: cannot allocate an ODBC environment handle (SQLRETURN %d)", (int)r);
		return;
	}
	r = SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	if (!SQL_SUCCEEDED(r)) {
		read_diag(&d, SQL_HANDLE_ENV, h);
		snprintf(env_error, sizeof(env_error), "odbc: cannot ask for ODBC 3: %s (SQLSTATE %s)",
			 d.msg, d.state);
		SQLFreeHandle(SQL_HANDLE_ENV, h);
		return;
	}
	env = h;
}

/*
 * Dialects, from the DBMS the driver reports
 */

typedef struct dbms_rule {
	const char *prefix; /* SQL_DBMS_NAME starts with it, any case */
	dialect_id dialect;
	int major, minor, patch; /* the oldest version that has what folio needs */
	const char *needs;
} dbms_rule;

static const dbms_rule dbms_rules[] = {
	{ "PostgreSQL", D_POSTGRESQL, 9, 5, 0, "INSERT ... ON CONFLICT" },
	{ "MariaDB", D_MARIADB, 10, 2, 2, "3072-byte index keys" },
	{ "MySQL", D_MARIADB, 8, 0, 0, "3072-byte index keys" },
	{ "SQLite", D_SQLITE, 3, 35, 0, "RETURNING" },
	{ "DB2", D_DB2, 11, 1, 0, "OFFSET ... ROWS FETCH FIRST" },
};

/* Reads "major.minor.patch" from the first digit on; missing parts are 0. */
static void parse_version(const char *s, int v[3])
{
	int i;

	v[0] = v[1] = v[2] = 0;
	while (*s && !isdigit((unsigned char)*s))
		s++;
	for (i = 0; i < 3 && isdigit((unsigned char)*s); i++) {
		v[i] = (int)strtol(s, (char **)&s, 10);
		if (*s != '.')
			break;
		s++;
	}
}

static int get_info(folio_conn *c, SQLUSMALLINT what, char *buf, SQLSMALLINT size)
{
	SQLSMALLINT len = 0;
	SQLRETURN r = SQLGetInfo(c->dbc, what, buf, size, &len);

	if (!SQL_SUCCEEDED(r))
		return fail(c, SQL_HANDLE_DBC, c->dbc, NULL);
	return 0;
}

static int detect_dialect(folio_conn *c)
{
	char name[128] = "";
	char ver[128] = "";
	const char *v = ver;
	const dbms_rule *rule = NULL;
	int have[3];
	size_t i;
	int rc;

	rc = get_info(c, SQL_DBMS_NAME, name, sizeof(name));
	if (rc == 0)
		rc = get_info(c, SQL_DBMS_VER, ver, sizeof(ver));
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(dbms_rules) / sizeof(dbms_rules[0]); i++) {
		if (strncasecmp(name, dbms_rules[i].prefix, strlen(dbms_rules[i].prefix)) == 0) {
			rule = &dbms_rules[i];
			break;
		}
	}
	/* A MariaDB server seen through a MySQL driver says "5.5.5-10.11.6-MariaDB". */
	if (rule && rule->dialect == D_MARIADB && strstr(ver, "MariaDB")) {
		rule = &dbms_rules[1];
		if (strncmp(ver, "5.5.5-", 6) == 0)
			v = ver + 6;
	}
	if (!rule)
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: DBMS '%s' is not supported (folio speaks PostgreSQL, "
				       "MariaDB, MySQL, SQLite and DB2)",
				       name);
	parse_version(v, have);
	if (have[0] < rule->major ||
	    (have[0] == rule->major &&
	     (have[1] < rule->minor || (have[1] == rule->minor && have[2] < rule->patch))))
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: %s %s is too old: folio needs %s %d.%d.%d or later "
				       "(for %s)",
				       name, ver, rule->prefix, rule->major, rule->minor, rule->patch,
				       rule->needs);
	c->dialect = rule->dialect;
	return 0;
}

/*
 * Statements without parameters or results
 */

static int od_exec(folio_conn *c, const char *sql)
{
	SQLRETURN r;
	SQLLEN n = -1;
	SQLSMALLINT ncols = 0;
	int code = 0;

	if (!c->xs) {
		r = SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &c->xs);
		if (!SQL_SUCCEEDED(r)) {
			c->xs = SQL_NULL_HSTMT;
			return fail(c, SQL_HANDLE_DBC, c->dbc, sql);
		}
	}
	r = SQLExecDirect(c->xs, (SQLCHAR *)sql, SQL_NTS);
	if (r == SQL_NO_DATA) {
		if (is_write(sql))
			c->changes = 0;
	} else if (!SQL_SUCCEEDED(r)) {
		code = fail(c, SQL_HANDLE_STMT, c->xs, sql);
	} else if (is_write(sql) && SQL_SUCCEEDED(SQLRowCount(c->xs, &n))) {
		c->changes = n < 0 ? 0 : (int64_t)n;
	}
	/* Discards any result (a PRAGMA's row); on SQLite to its end (see od_reset). */
	if (code == 0 && c->dialect == D_SQLITE && SQL_SUCCEEDED(SQLNumResultCols(c->xs, &ncols)) &&
	    ncols > 0) {
		while (SQL_SUCCEEDED(SQLFetch(c->xs)))
			continue;
	}
	SQLFreeStmt(c->xs, SQL_CLOSE);
	return code;
}

/*
 * Connections
 */

static void coltypes_clear(coltypes *t)
{
	for (int i = 0; i < t->n; i++) {
		free(t->name[i]);
		free(t->type[i]);
	}
	free(t->name);
	free(t->type);
	free(t->table);
	memset(t, 0, sizeof(*t));
}

static void close_conn(folio_conn *c)
{
	if (!c)
		return;
	if (c->connected) {
		if (c->autocommit_off)
			SQLEndTran(SQL_HANDLE_DBC, c->dbc, SQL_ROLLBACK);
		else if (c->in_txn)
			od_exec(c, "ROLLBACK");
		if (c->xs)
			SQLFreeHandle(SQL_HANDLE_STMT, c->xs);
		for (int i = 0; i < BULK_KEPT; i++)
			if (c->bulk_hs[i])
				SQLFreeHandle(SQL_HANDLE_STMT, c->bulk_hs[i]);
		SQLDisconnect(c->dbc);
	}
	if (c->dbc)
		SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
	free(c->where);
	for (int i = 0; i < BULK_KEPT; i++) {
		free(c->bulk_keys[i]);
		free(c->bulk_sqls[i]);
	}
	coltypes_clear(&c->types);
	free(c);
}

/* What goes between a connection string and a key appended to it. */
static const char *sep(const char *cs)
{
	size_t n = strlen(cs);

	return n > 0 && cs[n - 1] == ';' ? "" : ";";
}

/* The lock wait asked for: 0 means the default, < 0 no wait (-1 here). */
static int busy_ms(const folio_connect_options *opts)
{
	if (!opts || opts->busy_timeout_ms == 0)
		return FOLIO_ODBC_BUSY_TIMEOUT_MS;
	return opts->busy_timeout_ms < 0 ? -1 : opts->busy_timeout_ms;
}

/*
 * MariaDB counts an UPDATE that matched a row but left it as it was as no
 * change, unless the client asks for found rows (Connector/ODBC OPTION bit
 * 2) at the handshake. folio's changes() means rows matched, as SQLite and
 * PostgreSQL count. Appends the bit to `out`'s copy of `cs`.
 */
static void add_found_rows(char *out, size_t size, const char *cs, int *changed)
{
	const char *v = NULL;
	size_t vlen = 0;
	unsigned long opt;
	char num[32];

	v = find_key(cs, "OPTION", &vlen);
	if (!v)
		v = find_key(cs, "OPTIONS", &vlen);
	if (!v) {
		snprintf(out, size, "%s%sOPTION=2", cs, sep(cs));
		*changed = 1;
		return;
	}
	snprintf(num, sizeof(num), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
	opt = strtoul(num, NULL, 10);
	if (opt & 2) {
		snprintf(out, size, "%s", cs);
		return;
	}
	snprintf(out, size, "%.*s%lu%s", (int)(v - cs), cs, opt | 2, v + vlen);
	*changed = 1;
}

/* Whether the connection is PostgreSQL's own ODBC driver (psqlodbcw.so, psqlodbca.so). */
static int is_psqlodbc(const folio_conn *c)
{
	SQLCHAR name[128] = "";
	SQLSMALLINT len = 0;

	if (c->dialect != D_POSTGRESQL ||
	    !SQL_SUCCEEDED(SQLGetInfo(c->dbc, SQL_DRIVER_NAME, name, sizeof(name), &len)))
		return 0;
	return strncasecmp((const char *)name, "psqlodbc", 8) == 0;
}

/*
 * The connection string again, with what folio needs from this DBMS's
 * driver when the string does not say it; NULL when it needs nothing.
 *   MariaDB: found rows (add_found_rows).
 *   SQLite: the SQLite ODBC driver retries a locked database for its own
 *   Timeout (100 s unless given), whatever PRAGMA busy_timeout says; the
 *   connect options' wait goes there (Timeout=0 would wait for ever).
 *   Measured with sqliteodbc 0.9998: a statement waits twice the Timeout.
 *   PostgreSQL through psqlODBC: by default the driver wraps every statement
 *   of a transaction in a savepoint of its own, to roll back only that
 *   statement when it fails. folio's transactions on PostgreSQL are those
 *   of libpq, where a failed statement fails the transaction (until a
 *   rollback to folio's own savepoint, or of the whole): Protocol=7.4-0
 *   ("nothing rolled back by the driver") gives the same here, without a
 *   savepoint per statement (6% of an import, measured).
 * A string that names these itself is taken as it is.
 */
static char *amended(const folio_conn *c, const char *cs, int ms, int *code)
{
	size_t size = strlen(cs) + 64;
	size_t len;
	char *out;
	int changed = 0;

	*code = 0;
	if (c->dialect != D_MARIADB && c->dialect != D_SQLITE && !is_psqlodbc(c))
		return NULL;
	out = malloc(size);
	if (!out) {
		*code = oom();
		return NULL;
	}
	if (c->dialect == D_POSTGRESQL) {
		if (!find_key(cs, "Protocol", &len)) {
			snprintf(out, size, "%s%sProtocol=7.4-0", cs, sep(cs));
			changed = 1;
		}
	} else if (c->dialect == D_MARIADB) {
		add_found_rows(out, size, cs, &changed);
	} else if (!find_key(cs, "Timeout", &len)) {
		/* It waits the Timeout twice (its handler, then a retry): half of it. */
		snprintf(out, size, "%s%sTimeout=%d", cs, sep(cs), ms < 2 ? 1 : ms / 2);
		changed = 1;
	}
	if (!changed) {
		free(out);
		return NULL;
	}
	return out;
}

static int driver_connect(folio_conn *c, const char *cs)
{
	SQLCHAR done[1024];
	SQLSMALLINT done_len = 0;
	SQLRETURN r;
	diag d;
	int code;

	r = SQLAllocHandle(SQL_HANDLE_DBC, env, &c->dbc);
	if (!SQL_SUCCEEDED(r)) {
		c->dbc = SQL_NULL_HDBC;
		read_diag(&d, SQL_HANDLE_ENV, env);
		return folio_error_set(FOLIO_ERROR, "odbc: cannot connect to %s: [%s] %s", c->where,
				       d.state, d.msg);
	}
	r = SQLDriverConnect(c->dbc, NULL, (SQLCHAR *)cs, SQL_NTS, done, sizeof(done), &done_len,
			     SQL_DRIVER_NOPROMPT);
	if (SQL_SUCCEEDED(r)) {
		c->connected = 1;
		return 0;
	}
	read_diag(&d, SQL_HANDLE_DBC, c->dbc);
	/* unixODBC reports a driver it cannot load as 01000 "Can't open lib". */
	if (state_is(&d, "IM002") || state_is(&d, "IM003") || msg_has(&d, "Can't open lib"))
		code = FOLIO_EINVALID;
	else if (state_class(&d, "28") || msg_has(&d, "password authentication failed") ||
		 msg_has(&d, "Access denied for user"))
		code = FOLIO_EACCESS;
	else if (state_class(&d, "08") || d.native == 2002 || d.native == 2003 ||
		 d.native == 2005)
		code = FOLIO_EIO; /* MariaDB: no socket, no answer, unknown host (HY000) */
	else
		code = FOLIO_ERROR;
	return folio_error_set(code, "odbc: cannot connect to %s: [%s] %s", c->where, d.state,
			       d.msg);
}

/* Session settings: the lock wait (SQLite's: see amended), SQLite's journal. */
static int configure(folio_conn *c, const char *cs, int ms)
{
	size_t len;
	char sql[96];

	switch (c->dialect) {
	case D_POSTGRESQL:
		/* lock_timeout 0 waits for ever: "no wait" is the shortest wait. */
		snprintf(sql, sizeof(sql), "SET lock_timeout = %d", ms < 0 ? 1 : ms);
		break;
	case D_MARIADB:
		snprintf(sql, sizeof(sql), "SET SESSION innodb_lock_wait_timeout = %d",
			 ms < 0 ? 1 : (ms + 999) / 1000);
		break;
	case D_SQLITE:
		/* An in-memory database answers "memory", and that is fine. */
		if (find_key(cs, "JournalMode", &len))
			return 0;
		snprintf(sql, sizeof(sql), "PRAGMA journal_mode=WAL");
		break;
	case D_DB2:
		/*
		 * DB2 for Linux, UNIX and Windows has the register; DB2 for z/OS
		 * takes its lock wait from the subsystem. Best effort: a
		 * connection without it keeps the server's wait.
		 */
		if (ms < 0)
			snprintf(sql, sizeof(sql), "SET CURRENT LOCK TIMEOUT NOT WAIT");
		else
			snprintf(sql, sizeof(sql), "SET CURRENT LOCK TIMEOUT %d", (ms + 999) / 1000);
		if (od_exec(c, sql) < 0)
			folio_error_clear();
		return 0;
	}
	return od_exec(c, sql);
}

static int od_connect(folio_conn **out, const char *url, const folio_connect_options *opts)
{
	const char *colon = strchr(url, ':');
	const char *cs = colon ? colon + 1 : "";
	char *again = NULL;
	folio_conn *c = NULL;
	int code;

	assert(out && url);
	*out = NULL;
	if (!*cs)
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: no connection string in '%.64s' (expected "
				       "odbc:DSN=name;UID=user;PWD=secret or odbc:DRIVER={...};...)",
				       url);
	if (strlen(cs) > CONNSTR_MAX)
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: the connection string is over %d bytes", CONNSTR_MAX);
	pthread_once(&env_once, env_init);
	if (!env)
		return folio_error_set(FOLIO_ERROR, "%s", env_error);
	c = calloc(1, sizeof(*c));
	if (!c)
		return oom();
	c->bulk_arrays = -1;
	c->where = hide_passwords(cs);
	if (!c->where) {
		code = oom();
		goto out;
	}
	code = driver_connect(c, cs);
	if (code < 0)
		goto out;
	code = detect_dialect(c);
	if (code < 0)
		goto out;
	again = amended(c, cs, busy_ms(opts), &code);
	if (code < 0)
		goto out;
	if (again) {
		/* Chosen when the driver connects: connect once more with them. */
		SQLDisconnect(c->dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
		c->dbc = SQL_NULL_HDBC;
		c->connected = 0;
		code = driver_connect(c, again);
		if (code < 0)
			goto out;
	}
	code = configure(c, cs, busy_ms(opts));
	if (code < 0)
		goto out;
	*out = c;
	c = NULL;
out:
	free(again);
	close_conn(c);
	return code;
}

static void od_disconnect(folio_conn *conn)
{
	close_conn(conn);
}

static const char *od_dialect(folio_conn *conn)
{
	return dialect_names[conn->dialect];
}

/*
 * Prepared statements
 */

static int od_prepare(folio_stmt **out, folio_conn *conn, const char *sql)
{
	folio_stmt *s = NULL;
	char *text = NULL;
	SQLRETURN r;
	int code;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return oom();
	s->conn = conn;
	s->ncols = -1;
	s->writes = is_write(sql);
	s->drain = conn->dialect == D_SQLITE;
	s->nparams = count_params(sql, conn->dialect == D_MARIADB);
	s->sql = strdup(sql);
	s->params = calloc((size_t)(s->nparams > 0 ? s->nparams : 1), sizeof(*s->params));
	if (!s->sql || !s->params) {
		code = oom();
		goto out;
	}
	r = SQLAllocHandle(SQL_HANDLE_STMT, conn->dbc, &s->h);
	if (!SQL_SUCCEEDED(r)) {
		s->h = SQL_NULL_HSTMT;
		code = fail(conn, SQL_HANDLE_DBC, conn->dbc, sql);
		goto out;
	}
	if (conn->dialect == D_SQLITE && s->writes && has_keyword(sql, "RETURNING", 0)) {
		/*
		 * The SQLite ODBC driver returns rows only for statements that
		 * start with SELECT, PRAGMA or WITH, and runs INSERT ... RETURNING
		 * as a statement without a result. A common table expression in
		 * front makes it a query to the driver and changes nothing for
		 * SQLite. Error lines still quote the statement as given.
		 */
		size_t n = strlen(RETURNING_PREFIX) + strlen(sql) + 1;

		text = malloc(n);
		if (!text) {
			code = oom();
			goto out;
		}
		snprintf(text, n, "%s%s", RETURNING_PREFIX, sql);
	}
	r = SQLPrepare(s->h, (SQLCHAR *)(text ? text : sql), SQL_NTS);
	if (!SQL_SUCCEEDED(r)) {
		code = fail(conn, SQL_HANDLE_STMT, s->h, sql);
		goto out;
	}
	*out = s;
	s = NULL;
	code = 0;
out:
	free(text);
	if (s) {
		if (s->h)
			SQLFreeHandle(SQL_HANDLE_STMT, s->h);
		free(s->params);
		free(s->sql);
		free(s);
	}
	return code;
}

static void free_columns(folio_stmt *s)
{
	int i;

	for (i = 0; s->cols && i < s->ncols; i++)
		free(s->cols[i].buf);
	free(s->cols);
	s->cols = NULL;
	s->ncols = -1;
}

static void od_finalize(folio_stmt *stmt)
{
	if (!stmt)
		return;
	if (stmt->h)
		SQLFreeHandle(SQL_HANDLE_STMT, stmt->h);
	free_columns(stmt);
	free(stmt->params);
	free(stmt->sql);
	free(stmt);
}

static int od_reset(folio_stmt *stmt)
{
	/*
	 * Closing a cursor that a failed step left behind can fail again on
	 * a lost connection; that was reported by the step already, so the
	 * detail is not overwritten here.
	 *
	 * The SQLite ODBC driver (with StepAPI=1, which streams rows) does not
	 * reset SQLite's statement when its cursor is closed before the last
	 * row: the statement stays running, so the connection keeps reading an
	 * old snapshot, a RETURNING statement keeps COMMIT from running ("SQL
	 * statements in progress"), and the next run of a statement without
	 * parameters finds no rows. Its rows are fetched to the end instead.
	 */
	if (stmt->drain && stmt->state == ST_ROWS) {
		while (SQL_SUCCEEDED(SQLFetch(stmt->h)))
			continue;
	}
	SQLFreeStmt(stmt->h, SQL_CLOSE);
	SQLFreeStmt(stmt->h, SQL_RESET_PARAMS);
	memset(stmt->params, 0, sizeof(*stmt->params) * (size_t)stmt->nparams);
	stmt->state = ST_READY;
	stmt->rows = 0;
	return 0;
}

/*
 * Parameters
 */

static param *param_at(folio_stmt *s, int idx, int *code)
{
	char snip[SQL_SNIPPET_MAX];

	if (idx < 1 || idx > s->nparams) {
		snippet(snip, sizeof(snip), s->sql);
		*code = folio_error_set(FOLIO_EINVALID,
					"odbc: no parameter %d (the statement has %d) in: %s", idx,
					s->nparams, snip);
		return NULL;
	}
	/* Binding again after the statement ran starts a new execution. */
	if (s->state != ST_READY)
		od_reset(s);
	*code = 0;
	return &s->params[idx - 1];
}

static int od_bind_null(folio_stmt *stmt, int idx)
{
	int code;
	param *p = param_at(stmt, idx, &code);

	if (!p)
		return code;
	p->ctype = SQL_C_CHAR;
	p->sqltype = SQL_VARCHAR;
	p->size = 1;
	p->buflen = 0;
	p->ind = SQL_NULL_DATA;
	p->p = NULL;
	return 0;
}

static int od_bind_int64(folio_stmt *stmt, int idx, int64_t v)
{
	int code;
	param *p = param_at(stmt, idx, &code);

	if (!p)
		return code;
	p->ctype = SQL_C_SBIGINT;
	p->sqltype = SQL_BIGINT;
	p->size = 19;
	p->i = v;
	p->p = &p->i;
	p->buflen = sizeof(p->i);
	p->ind = 0;
	return 0;
}

static int od_bind_double(folio_stmt *stmt, int idx, double v)
{
	int code;
	param *p = param_at(stmt, idx, &code);

	if (!p)
		return code;
	p->ctype = SQL_C_DOUBLE;
	p->sqltype = SQL_DOUBLE;
	p->size = 15;
	p->d = v;
	p->p = &p->d;
	p->buflen = sizeof(p->d);
	p->ind = 0;
	return 0;
}

static int od_bind_text(folio_stmt *stmt, int idx, const char *v, size_t len)
{
	int code;
	param *p = param_at(stmt, idx, &code);

	assert(v || len == 0);
	if (!p)
		return code;
	/* The caller keeps the buffer until the statement is stepped or reset (driver.h). */
	p->ctype = SQL_C_CHAR;
	p->sqltype = len > VARCHAR_BIND_MAX ? SQL_LONGVARCHAR : SQL_VARCHAR;
	p->size = len > 0 ? (SQLULEN)len : 1;
	p->p = v ? v : "";
	p->buflen = (SQLLEN)len;
	p->ind = (SQLLEN)len;
	return 0;
}

static int od_bind_blob(folio_stmt *stmt, int idx, const void *v, size_t len)
{
	int code;
	param *p = param_at(stmt, idx, &code);

	assert(v || len == 0);
	if (!p)
		return code;
	p->ctype = SQL_C_BINARY;
	p->sqltype = SQL_LONGVARBINARY;
	p->size = len > 0 ? (SQLULEN)len : 1;
	p->p = v ? v : "";
	p->buflen = (SQLLEN)len;
	p->ind = (SQLLEN)len;
	return 0;
}

/*
 * Running and fetching
 */

static int bind_all(folio_stmt *s)
{
	int i;

	for (i = 0; i < s->nparams; i++) {
		param *p = &s->params[i];
		SQLRETURN r;

		if (p->ctype == 0) {
			/* Never bound: NULL, as SQLite takes it. */
			p->ctype = SQL_C_CHAR;
			p->sqltype = SQL_VARCHAR;
			p->size = 1;
			p->ind = SQL_NULL_DATA;
		}
		r = SQLBindParameter(s->h, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, p->ctype,
				     p->sqltype, p->size, 0, (SQLPOINTER)p->p, p->buflen, &p->ind);
		if (!SQL_SUCCEEDED(r))
			return fail(s->conn, SQL_HANDLE_STMT, s->h, s->sql);
	}
	return 0;
}

/* How a column of this SQL type is read, and what it reports. */
static void column_kind(column *c, SQLSMALLINT type, SQLULEN size, SQLSMALLINT digits)
{
	switch (type) {
	case SQL_BIT:
	case SQL_TINYINT:
	case SQL_SMALLINT:
	case SQL_INTEGER:
	case SQL_BIGINT:
		c->ctype = SQL_C_SBIGINT;
		c->kind = FOLIO_COL_INT;
		break;
	case SQL_REAL:
	case SQL_FLOAT:
	case SQL_DOUBLE:
		c->ctype = SQL_C_DOUBLE;
		c->kind = FOLIO_COL_DOUBLE;
		break;
	case SQL_DECIMAL:
	case SQL_NUMERIC:
		/* As text: exact both ways, whatever the precision (a SUM, a COUNT on MariaDB). */
		c->ctype = SQL_C_CHAR;
		c->kind = digits == 0 && size <= 18 ? FOLIO_COL_INT : FOLIO_COL_DOUBLE;
		break;
	case SQL_BINARY:
	case SQL_VARBINARY:
	case SQL_LONGVARBINARY:
		c->ctype = SQL_C_BINARY;
		c->kind = FOLIO_COL_BLOB;
		break;
	default:
		c->ctype = SQL_C_CHAR;
		c->kind = FOLIO_COL_TEXT;
		break;
	}
}

static int describe(folio_stmt *s)
{
	SQLSMALLINT n = 0;
	SQLRETURN r;
	int i;

	r = SQLNumResultCols(s->h, &n);
	if (!SQL_SUCCEEDED(r))
		return fail(s->conn, SQL_HANDLE_STMT, s->h, s->sql);
	if (n > 0) {
		s->cols = calloc((size_t)n, sizeof(*s->cols));
		if (!s->cols)
			return oom();
	}
	for (i = 0; i < n; i++) {
		SQLCHAR name[8];
		SQLSMALLINT name_len, type, digits, nullable;
		SQLULEN size;

		r = SQLDescribeCol(s->h, (SQLUSMALLINT)(i + 1), name, sizeof(name), &name_len, &type,
				   &size, &digits, &nullable);
		if (!SQL_SUCCEEDED(r)) {
			int code = fail(s->conn, SQL_HANDLE_STMT, s->h, s->sql);
			free(s->cols);
			s->cols = NULL;
			return code;
		}
		column_kind(&s->cols[i], type, size, digits);
	}
	s->ncols = n;
	return 0;
}

static int grow(column *c, size_t need)
{
	char *p;

	if (need <= c->cap)
		return 0;
	if (need < COLUMN_BUF_MIN)
		need = COLUMN_BUF_MIN;
	p = realloc(c->buf, need);
	if (!p)
		return oom();
	c->buf = p;
	c->cap = need;
	return 0;
}

/*
 * Reads a text or binary value, in parts when it is longer than the
 * buffer: each SQLGetData call gives the next part and the length that was
 * left before it (or SQL_NO_TOTAL).
 */
static int read_long(folio_stmt *s, column *c, int i)
{
	int text = c->ctype == SQL_C_CHAR;
	size_t term = text ? 1 : 0;
	int code;

	c->len = 0;
	code = grow(c, COLUMN_BUF_MIN);
	if (code < 0)
		return code;
	for (;;) {
		size_t avail = c->cap - c->len;
		size_t got;
		size_t need;
		SQLLEN ind = 0;
		SQLRETURN r = SQLGetData(s->h, (SQLUSMALLINT)(i + 1), c->ctype, c->buf + c->len,
					 (SQLLEN)avail, &ind);

		if (r == SQL_NO_DATA)
			break; /* every part was read */
		if (!SQL_SUCCEEDED(r))
			return fail(s->conn, SQL_HANDLE_STMT, s->h, s->sql);
		if (ind == SQL_NULL_DATA) {
			c->null = 1;
			c->len = 0;
			break;
		}
		if (ind != SQL_NO_TOTAL && ind >= 0 && (size_t)ind + term <= avail) {
			c->len += (size_t)ind; /* the rest fitted */
			break;
		}
		if (r == SQL_SUCCESS && ind == SQL_NO_TOTAL) {
			c->len += text ? strnlen(c->buf + c->len, avail) : avail;
			break;
		}
		/* Cut (01004): the buffer is full, less the terminator for text. */
		got = avail - term;
		/* A driver that converts may stop short of a whole character. */
		if (text)
			got = strnlen(c->buf + c->len, got);
		c->len += got;
		if (ind == SQL_NO_TOTAL || ind < 0 || (size_t)ind <= got)
			need = c->cap * 2;
		else
			need = c->len + ((size_t)ind - got) + term + 1;
		if (need > COLUMN_VALUE_MAX + term + 1) {
			char snip[SQL_SNIPPET_MAX];

			snippet(snip, sizeof(snip), s->sql);
			return folio_error_set(FOLIO_ETOOBIG,
					       "odbc: column %d holds more than %zu bytes in: %s",
					       i + 1, COLUMN_VALUE_MAX, snip);
		}
		code = grow(c, need);
		if (code < 0)
			return code;
	}
	code = grow(c, c->len + 1);
	if (code < 0)
		return code;
	c->buf[c->len] = '\0';
	return 0;
}

static int read_row(folio_stmt *s)
{
	int i;

	for (i = 0; i < s->ncols; i++) {
		column *c = &s->cols[i];
		SQLRETURN r;
		SQLLEN ind = 0;
		int code;

		c->null = 0;
		c->len = 0;
		switch (c->ctype) {
		case SQL_C_SBIGINT:
			r = SQLGetData(s->h, (SQLUSMALLINT)(i + 1), SQL_C_SBIGINT, &c->i, sizeof(c->i),
				       &ind);
			break;
		case SQL_C_DOUBLE:
			r = SQLGetData(s->h, (SQLUSMALLINT)(i + 1), SQL_C_DOUBLE, &c->d, sizeof(c->d),
				       &ind);
			break;
		default:
			code = read_long(s, c, i);
			if (code < 0)
				return code;
			continue;
		}
		if (!SQL_SUCCEEDED(r))
			return fail(s->conn, SQL_HANDLE_STMT, s->h, s->sql);
		c->null = ind == SQL_NULL_DATA;
	}
	return 0;
}

/* Binds and runs; leaves the statement ST_ROWS or ST_DONE. */
static int execute(folio_stmt *s)
{
	folio_conn *c = s->conn;
	SQLRETURN r;
	SQLLEN n = -1;
	int code;

	code = bind_all(s);
	if (code < 0)
		return code;
	r = SQLExecute(s->h);
	if (r == SQL_NO_DATA) {
		/* An UPDATE or DELETE that matched nothing. */
		if (s->writes)
			c->changes = 0;
		s->state = ST_DONE;
		return 0;
	}
	if (!SQL_SUCCEEDED(r))
		return fail(c, SQL_HANDLE_STMT, s->h, s->sql);
	if (s->ncols < 0) {
		code = describe(s);
		if (code < 0)
			return code;
	}
	if (s->ncols > 0) {
		s->state = ST_ROWS;
		s->rows = 0;
		return 0;
	}
	if (s->writes && SQL_SUCCEEDED(SQLRowCount(s->h, &n)))
		c->changes = n < 0 ? 0 : (int64_t)n;
	s->state = ST_DONE;
	return 0;
}

static int od_step(folio_stmt *stmt)
{
	SQLRETURN r;
	int code;

	if (stmt->state == ST_DONE)
		return FOLIO_DONE;
	if (stmt->state == ST_READY) {
		code = execute(stmt);
		if (code < 0) {
			stmt->state = ST_DONE;
			return code;
		}
		if (stmt->state == ST_DONE)
			return FOLIO_DONE;
	}
	r = SQLFetch(stmt->h);
	if (r == SQL_NO_DATA) {
		/* INSERT ... RETURNING: one row per row written. */
		if (stmt->writes)
			stmt->conn->changes = stmt->rows;
		SQLFreeStmt(stmt->h, SQL_CLOSE);
		stmt->state = ST_DONE;
		return FOLIO_DONE;
	}
	if (!SQL_SUCCEEDED(r)) {
		stmt->state = ST_DONE;
		return fail(stmt->conn, SQL_HANDLE_STMT, stmt->h, stmt->sql);
	}
	stmt->rows++;
	code = read_row(stmt);
	if (code < 0) {
		stmt->state = ST_DONE;
		return code;
	}
	return FOLIO_ROW;
}

/*
 * Columns
 */

static column *col_at(folio_stmt *s, int col)
{
	assert(s->state == ST_ROWS && col >= 0 && col < s->ncols);
	return &s->cols[col];
}

static int od_column_count(folio_stmt *stmt)
{
	return stmt->ncols > 0 ? stmt->ncols : 0;
}

static folio_coltype od_column_type(folio_stmt *stmt, int col)
{
	column *c = col_at(stmt, col);

	return c->null ? FOLIO_COL_NULL : c->kind;
}

static int64_t od_column_int64(folio_stmt *stmt, int col)
{
	column *c = col_at(stmt, col);
	char *end;
	long long v;

	if (c->null)
		return 0;
	if (c->ctype == SQL_C_SBIGINT)
		return c->i;
	if (c->ctype == SQL_C_DOUBLE)
		return (int64_t)c->d;
	v = strtoll(c->buf, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E')
		return (int64_t)strtod(c->buf, NULL);
	return (int64_t)v;
}

static double od_column_double(folio_stmt *stmt, int col)
{
	column *c = col_at(stmt, col);

	if (c->null)
		return 0.0;
	if (c->ctype == SQL_C_SBIGINT)
		return (double)c->i;
	if (c->ctype == SQL_C_DOUBLE)
		return c->d;
	return strtod(c->buf, NULL);
}

/* The value as bytes: a number is written out as text first (SQLite does the same). */
static const char *col_bytes(folio_stmt *stmt, int col, size_t *len)
{
	column *c = col_at(stmt, col);
	int n;

	if (len)
		*len = 0;
	if (c->null)
		return NULL;
	if (c->ctype == SQL_C_SBIGINT || c->ctype == SQL_C_DOUBLE) {
		if (grow(c, 32) < 0)
			return NULL;
		if (c->ctype == SQL_C_SBIGINT)
			n = snprintf(c->buf, c->cap, "%" PRId64, c->i);
		else
			n = snprintf(c->buf, c->cap, "%.17g", c->d);
		c->len = n > 0 ? (size_t)n : 0;
	}
	if (len)
		*len = c->len;
	return c->buf;
}

static const char *od_column_text(folio_stmt *stmt, int col, size_t *len)
{
	return col_bytes(stmt, col, len);
}

static const void *od_column_blob(folio_stmt *stmt, int col, size_t *len)
{
	return col_bytes(stmt, col, len);
}

static int64_t od_changes(folio_conn *conn)
{
	return conn->changes;
}

/*
 * Transactions
 */

static int set_autocommit(folio_conn *c, int on, const char *what)
{
	SQLRETURN r = SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
					(SQLPOINTER)(uintptr_t)(on ? SQL_AUTOCOMMIT_ON
								   : SQL_AUTOCOMMIT_OFF),
					SQL_IS_UINTEGER);

	if (!SQL_SUCCEEDED(r))
		return fail(c, SQL_HANDLE_DBC, c->dbc, what);
	c->autocommit_off = !on;
	return 0;
}

static int od_begin(folio_conn *conn, int write)
{
	int code;

	/* Column types are read again in each transaction: a table may have been made anew. */
	coltypes_clear(&conn->types);
	if (conn->dialect == D_SQLITE)
		code = od_exec(conn, write ? "BEGIN IMMEDIATE" : "BEGIN");
	else
		code = set_autocommit(conn, 0, "BEGIN (autocommit off)");
	if (code == 0)
		conn->in_txn = 1;
	return code;
}

static int end_tran(folio_conn *c, SQLSMALLINT how)
{
	const char *what = how == SQL_COMMIT ? "COMMIT" : "ROLLBACK";
	SQLRETURN r;
	int code = 0;
	int rc;

	if (c->dialect == D_SQLITE) {
		code = od_exec(c, what);
		/* SQLite ends a transaction by itself after some errors (a full disk). */
		if (code < 0 && how == SQL_ROLLBACK &&
		    strstr(folio_error_last(), "no transaction is active"))
			code = 0;
		if (code == 0 || how == SQL_ROLLBACK)
			c->in_txn = 0;
		return code;
	}
	r = SQLEndTran(SQL_HANDLE_DBC, c->dbc, how);
	if (!SQL_SUCCEEDED(r)) {
		code = fail(c, SQL_HANDLE_DBC, c->dbc, what);
		/* A failed commit leaves the transaction for the caller's rollback. */
		if (how == SQL_COMMIT)
			return code;
	}
	rc = set_autocommit(c, 1, "autocommit on");
	if (code == 0)
		code = rc;
	c->in_txn = 0;
	return code;
}

static int od_commit(folio_conn *conn)
{
	return end_tran(conn, SQL_COMMIT);
}

static int od_rollback(folio_conn *conn)
{
	if (!conn->in_txn && !conn->autocommit_off)
		return 0;
	return end_tran(conn, SQL_ROLLBACK);
}

/*
 * Bulk inserts: one INSERT ... VALUES (?, ...) prepared once per connection
 * and run with column-wise parameter arrays (SQL_ATTR_PARAMSET_SIZE), many
 * rows per SQLExecute (MariaDB Connector/ODBC sends them in one bulk
 * command). A text column's array holds every row's value at the width of
 * the longest, so rows go in groups that keep the arrays under
 * BULK_BYTES_MAX. A driver that does not take arrays (it refuses the
 * attribute or changes its value) gets the same statement a row at a time.
 *
 * psqlODBC takes arrays, but runs them as batches of 100 INSERTs with the
 * values pasted into the text, each parsed and planned by the server (a
 * 100,000-document import: 5.4 s, against 4.1 s for prepared 16-row
 * INSERTs and 1.8 s for COPY through libpq). On PostgreSQL the rows go
 * instead as one prepared INSERT of up to BULK_PG_ROWS rows of VALUES (at
 * most BULK_PG_PARAMS parameters), the parameters bound to the caller's
 * values where they are. A column NULL in every row of the statement is
 * left out (the driver interface allows it), and a column with the same
 * value in every row (a batch's store, user, often its date) is sent once
 * (bulk_sql_fixed, with the column types read from the catalog once per
 * table and transaction): fewer parameters to bind, convert, send and
 * evaluate, which is what psqlODBC spends its time on while the server
 * waits (an import of 100,000 documents: 1.62 to 1.64 s with 12
 * parameters a row, 1.31 to 1.54 s with 9). The parameters are bound last
 * first: psqlODBC grows its array of bindings to the highest number bound
 * so far, so binding them in order grew it once per parameter (a third of
 * the time the writer spent outside SQLExecute).
 */

/* The most rows, and the most bytes of parameter arrays, of one SQLExecute. */
#define BULK_ROWS_MAX 1024
#define BULK_BYTES_MAX ((size_t)8 << 20)
#define BULK_PG_ROWS 512
#define BULK_PG_PARAMS 8192

/* The arrays of one column of a group of rows. */
typedef struct bulk_col {
	folio_coltype type; /* of its values, FOLIO_COL_NULL when all are NULL */
	size_t width;       /* a text's element size: the longest value and its NUL */
	void *data;
	SQLLEN *ind;
} bulk_col;

static void bulk_cols_free(bulk_col *bc, int n_cols)
{
	for (int k = 0; bc && k < n_cols; k++) {
		free(bc[k].data);
		free(bc[k].ind);
	}
	free(bc);
}

/*
 * The bulk statements: BULK_KEPT kept prepared per connection, each found
 * by a key that names its shape (the SQL itself where that is short), so
 * that a statement of thousands of parameters is written only once.
 * bulk_use makes the one of `key` the one in use (c->bulk_h), if it is
 * kept: 1, else 0.
 */
static int bulk_use(folio_conn *c, const char *key)
{
	for (int i = 0; i < BULK_KEPT; i++)
		if (c->bulk_keys[i] && strcmp(c->bulk_keys[i], key) == 0) {
			c->bulk_used[i] = ++c->bulk_clock;
			c->bulk_h = c->bulk_hs[i];
			c->bulk_sql = c->bulk_sqls[i];
			return 1;
		}
	return 0;
}

/* Prepares `sql` under `key` in place of the least recently used, and uses it. */
static int bulk_prepare(folio_conn *c, const char *key, const char *sql)
{
	SQLRETURN r;
	int k = 0, code;

	for (int i = 1; i < BULK_KEPT; i++)
		if (c->bulk_used[i] < c->bulk_used[k])
			k = i;
	if (c->bulk_hs[k])
		SQLFreeHandle(SQL_HANDLE_STMT, c->bulk_hs[k]);
	free(c->bulk_keys[k]);
	free(c->bulk_sqls[k]);
	c->bulk_hs[k] = SQL_NULL_HSTMT;
	c->bulk_used[k] = 0;
	c->bulk_h = SQL_NULL_HSTMT;
	c->bulk_keys[k] = strdup(key);
	c->bulk_sql = c->bulk_sqls[k] = strdup(sql);
	if (!c->bulk_keys[k] || !c->bulk_sqls[k]) {
		code = oom();
		goto failed;
	}
	r = SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &c->bulk_hs[k]);
	if (!SQL_SUCCEEDED(r)) {
		c->bulk_hs[k] = SQL_NULL_HSTMT;
		code = fail(c, SQL_HANDLE_DBC, c->dbc, sql);
		goto failed;
	}
	r = SQLPrepare(c->bulk_hs[k], (SQLCHAR *)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(r)) {
		code = fail(c, SQL_HANDLE_STMT, c->bulk_hs[k], sql);
		SQLFreeHandle(SQL_HANDLE_STMT, c->bulk_hs[k]);
		c->bulk_hs[k] = SQL_NULL_HSTMT;
		goto failed;
	}
	c->bulk_used[k] = ++c->bulk_clock;
	c->bulk_h = c->bulk_hs[k];
	return 0;
failed:
	free(c->bulk_keys[k]);
	free(c->bulk_sqls[k]);
	c->bulk_keys[k] = c->bulk_sqls[k] = NULL;
	c->bulk_sql = NULL;
	return code;
}

/* Whether the driver takes parameter arrays: asked once per connection. */
static int bulk_arrays(folio_conn *c)
{
	SQLULEN got = 0;
	SQLRETURN r;

	if (c->bulk_arrays >= 0)
		return c->bulk_arrays;
	c->bulk_arrays = 0;
	r = SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(uintptr_t)2, 0);
	if (r == SQL_SUCCESS &&
	    SQL_SUCCEEDED(SQLGetStmtAttr(c->bulk_h, SQL_ATTR_PARAMSET_SIZE, &got, 0, NULL)) &&
	    got == 2)
		c->bulk_arrays = 1;
	SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)(uintptr_t)1, 0);
	return c->bulk_arrays;
}

/* How many rows from `first` go in one SQLExecute: at most `max`, arrays under the cap. */
static size_t bulk_group(const folio_value *rows, int n_cols, size_t first, size_t n_rows,
			 size_t max, size_t *widths)
{
	size_t count = 0;

	for (int k = 0; k < n_cols; k++)
		widths[k] = 1;
	while (first + count < n_rows && count < max) {
		const folio_value *row = rows + (first + count) * (size_t)n_cols;
		size_t per_row = 0;

		for (int k = 0; k < n_cols; k++) {
			size_t w = widths[k];
			if (row[k].type == FOLIO_COL_TEXT && row[k].len + 1 > w)
				w = row[k].len + 1;
			per_row += w;
		}
		/* The first row always goes, however long. */
		if (count > 0 && (count + 1) * per_row > BULK_BYTES_MAX)
			break;
		for (int k = 0; k < n_cols; k++)
			if (row[k].type == FOLIO_COL_TEXT && row[k].len + 1 > widths[k])
				widths[k] = row[k].len + 1;
		count++;
	}
	return count;
}

/* Fills and binds the arrays of column k for rows [first, first + count). */
static int bulk_bind(folio_conn *c, bulk_col *bc, int k, const char *col,
		     const folio_value *rows, int n_cols, size_t first, size_t count, size_t width)
{
	SQLSMALLINT ctype = SQL_C_CHAR, sqltype = SQL_VARCHAR;
	SQLULEN size = 1;
	SQLLEN buflen = 1;
	size_t elem = 1;
	SQLRETURN r;

	bc->type = FOLIO_COL_NULL;
	for (size_t i = 0; i < count; i++) {
		const folio_value *v = &rows[(first + i) * (size_t)n_cols + (size_t)k];
		if (v->type == FOLIO_COL_NULL)
			continue;
		if (bc->type != FOLIO_COL_NULL && v->type != bc->type)
			return folio_error_set(FOLIO_EINVALID,
					       "odbc: bulk insert: column %s holds values of "
					       "two types",
					       col);
		bc->type = v->type;
	}
	switch (bc->type) {
	case FOLIO_COL_INT:
		ctype = SQL_C_SBIGINT;
		sqltype = SQL_BIGINT;
		size = 19;
		elem = sizeof(int64_t);
		buflen = (SQLLEN)elem;
		break;
	case FOLIO_COL_DOUBLE:
		ctype = SQL_C_DOUBLE;
		sqltype = SQL_DOUBLE;
		size = 15;
		elem = sizeof(double);
		buflen = (SQLLEN)elem;
		break;
	case FOLIO_COL_TEXT:
		elem = width;
		buflen = (SQLLEN)width;
		size = width > 1 ? (SQLULEN)(width - 1) : 1;
		sqltype = width - 1 > VARCHAR_BIND_MAX ? SQL_LONGVARCHAR : SQL_VARCHAR;
		break;
	case FOLIO_COL_NULL:
		break;
	default:
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: bulk insert takes no value of type %d (column %s)",
				       (int)bc->type, col);
	}
	bc->width = elem;
	bc->data = malloc(count * elem);
	bc->ind = malloc(count * sizeof(SQLLEN));
	if (!bc->data || !bc->ind)
		return oom();
	for (size_t i = 0; i < count; i++) {
		const folio_value *v = &rows[(first + i) * (size_t)n_cols + (size_t)k];
		char *slot = (char *)bc->data + i * elem;

		if (v->type == FOLIO_COL_NULL) {
			bc->ind[i] = SQL_NULL_DATA;
			continue;
		}
		if (bc->type == FOLIO_COL_INT) {
			memcpy(slot, &v->i, sizeof(v->i));
			bc->ind[i] = 0;
		} else if (bc->type == FOLIO_COL_DOUBLE) {
			memcpy(slot, &v->d, sizeof(v->d));
			bc->ind[i] = 0;
		} else {
			if (v->len)
				memcpy(slot, v->p, v->len);
			slot[v->len] = 0;
			bc->ind[i] = (SQLLEN)v->len;
		}
	}
	r = SQLBindParameter(c->bulk_h, (SQLUSMALLINT)(k + 1), SQL_PARAM_INPUT, ctype, sqltype,
			     size, 0, bc->data, buflen, bc->ind);
	if (!SQL_SUCCEEDED(r))
		return fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
	return 0;
}

/* Runs the statement for rows [first, first + count) with arrays of that many. */
static int bulk_run(folio_conn *c, const char *const *cols, int n_cols,
		    const folio_value *rows, size_t first, size_t count, const size_t *widths)
{
	bulk_col *bc = calloc((size_t)n_cols, sizeof(*bc));
	SQLUSMALLINT *status = calloc(count, sizeof(*status));
	SQLULEN processed = 0;
	SQLRETURN r;
	int code = 0;

	if (!bc || !status) {
		code = oom();
		goto out;
	}
	SQLFreeStmt(c->bulk_h, SQL_RESET_PARAMS);
	for (int k = 0; code == 0 && k < n_cols; k++)
		code = bulk_bind(c, &bc[k], k, cols[k], rows, n_cols, first, count, widths[k]);
	if (code < 0)
		goto out;
	if (c->bulk_arrays) {
		r = SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAM_BIND_TYPE,
				   (SQLPOINTER)(uintptr_t)SQL_PARAM_BIND_BY_COLUMN, 0);
		if (SQL_SUCCEEDED(r))
			r = SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAMSET_SIZE,
					   (SQLPOINTER)(uintptr_t)count, 0);
		if (SQL_SUCCEEDED(r))
			r = SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
		if (SQL_SUCCEEDED(r))
			r = SQLSetStmtAttr(c->bulk_h, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0);
		if (!SQL_SUCCEEDED(r)) {
			code = fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
			goto out;
		}
	}
	r = SQLExecute(c->bulk_h);
	if (!SQL_SUCCEEDED(r)) {
		code = fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
		goto out;
	}
	if (c->bulk_arrays) {
		/* With info: some rows may have failed; each row's status says. */
		for (size_t i = 0; i < count; i++) {
			if (status[i] == SQL_PARAM_ERROR) {
				code = fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
				goto out;
			}
		}
		if (processed != count) {
			char snip[SQL_SNIPPET_MAX];

			snippet(snip, sizeof(snip), c->bulk_sql);
			code = folio_error_set(FOLIO_ERROR,
					       "odbc: the driver ran %lu of %zu rows of a "
					       "parameter array in: %s",
					       (unsigned long)processed, count, snip);
		}
	}
out:
	SQLFreeStmt(c->bulk_h, SQL_CLOSE);
	bulk_cols_free(bc, n_cols);
	free(status);
	return code;
}

/* "INSERT INTO table (a, b) VALUES (?, ?), (?, ?)": n_groups rows of VALUES, malloc'ed. */
static char *bulk_sql(const char *table, const char *const *cols, int n_cols, size_t n_groups)
{
	size_t n = strlen(table) + 32 + n_groups * (4 + 3 * (size_t)n_cols);
	char *sql, *o;

	for (int k = 0; k < n_cols; k++)
		n += strlen(cols[k]) + 2;
	sql = malloc(n);
	if (!sql)
		return NULL;
	o = sql + sprintf(sql, "INSERT INTO %s (", table);
	for (int k = 0; k < n_cols; k++)
		o += sprintf(o, "%s%s", k ? ", " : "", cols[k]);
	o += sprintf(o, ") VALUES ");
	for (size_t g = 0; g < n_groups; g++) {
		o += sprintf(o, "%s(", g ? ", " : "");
		for (int k = 0; k < n_cols; k++)
			o += sprintf(o, "%s?", k ? ", " : "");
		*o++ = ')';
	}
	*o = 0;
	return sql;
}

/* Binds parameter `p` to a value where it is (it lives through the SQLExecute). */
static int bind_value_at(folio_conn *c, int p, const folio_value *v, SQLLEN *ind)
{
	SQLSMALLINT ctype = SQL_C_CHAR, sqltype = SQL_VARCHAR;
	SQLPOINTER data = NULL;
	SQLULEN size = 1;
	SQLLEN buflen = 0;
	SQLRETURN r;

	switch (v->type) {
	case FOLIO_COL_NULL:
		*ind = SQL_NULL_DATA;
		break;
	case FOLIO_COL_INT:
		ctype = SQL_C_SBIGINT;
		sqltype = SQL_BIGINT;
		size = 19;
		data = (SQLPOINTER)&v->i;
		buflen = sizeof(v->i);
		*ind = 0;
		break;
	case FOLIO_COL_DOUBLE:
		ctype = SQL_C_DOUBLE;
		sqltype = SQL_DOUBLE;
		size = 15;
		data = (SQLPOINTER)&v->d;
		buflen = sizeof(v->d);
		*ind = 0;
		break;
	case FOLIO_COL_TEXT:
		sqltype = v->len > VARCHAR_BIND_MAX ? SQL_LONGVARCHAR : SQL_VARCHAR;
		size = v->len > 0 ? (SQLULEN)v->len : 1;
		data = (SQLPOINTER)(v->p ? v->p : "");
		buflen = (SQLLEN)v->len;
		*ind = (SQLLEN)v->len;
		break;
	default:
		return folio_error_set(FOLIO_EINVALID,
				       "odbc: bulk insert takes no value of type %d", (int)v->type);
	}
	r = SQLBindParameter(c->bulk_h, (SQLUSMALLINT)p, SQL_PARAM_INPUT, ctype, sqltype, size, 0,
			     data, buflen, ind);
	if (!SQL_SUCCEEDED(r))
		return fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
	return 0;
}

/* Whether column k holds the same value (not NULL) in every row of the group. */
static int column_fixed(const folio_value *rows, int n_cols, int k, size_t first, size_t count)
{
	const folio_value *a = &rows[first * (size_t)n_cols + (size_t)k];

	if (a->type == FOLIO_COL_NULL)
		return 0;
	for (size_t r = first + 1; r < first + count; r++) {
		const folio_value *b = &rows[r * (size_t)n_cols + (size_t)k];
		if (b->type != a->type)
			return 0;
		switch (a->type) {
		case FOLIO_COL_INT:
			if (b->i != a->i)
				return 0;
			break;
		case FOLIO_COL_DOUBLE:
			if (memcmp(&b->d, &a->d, sizeof(a->d)) != 0)
				return 0;
			break;
		case FOLIO_COL_TEXT:
			if (b->len != a->len || (a->len && memcmp(b->p, a->p, a->len) != 0))
				return 0;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/*
 * The PostgreSQL types of `table`'s columns named in `cols` into types[]
 * (format_type's spelling, without the modifier: "character varying", so
 * that the column's own length check still applies where a cast to
 * varchar(256) would cut the value), from the catalog once per table and
 * transaction: 1 when all are known, 0 when the catalog does not know one,
 * or an error (which fails the transaction).
 */
static int column_types(folio_conn *c, const char *table, const char *const *cols, int n_cols,
			const char **types)
{
	coltypes *t = &c->types;
	folio_stmt *s = NULL;
	int rc;

	if (!t->table || strcmp(t->table, table) != 0) {
		coltypes_clear(t);
		t->table = strdup(table);
		if (!t->table)
			return oom();
		t->failed = 1;
		rc = od_prepare(&s, c,
				"SELECT a.attname, pg_catalog.format_type(a.atttypid, NULL) "
				"FROM pg_catalog.pg_attribute a "
				"WHERE a.attrelid = CAST(? AS pg_catalog.regclass) "
				"AND a.attnum > 0 AND NOT a.attisdropped");
		rc = rc ? rc : od_bind_text(s, 1, table, strlen(table));
		while (rc == 0 && (rc = od_step(s)) == FOLIO_ROW) {
			size_t nlen = 0, tlen = 0;
			const char *name = od_column_text(s, 0, &nlen);
			const char *type = od_column_text(s, 1, &tlen);
			char **nn = realloc(t->name, (size_t)(t->n + 1) * sizeof(*nn));
			char **tt = nn ? realloc(t->type, (size_t)(t->n + 1) * sizeof(*tt)) : NULL;

			if (nn)
				t->name = nn;
			if (tt)
				t->type = tt;
			if (!nn || !tt || !name || !type) {
				rc = oom();
				break;
			}
			t->name[t->n] = strndup(name, nlen);
			t->type[t->n] = strndup(type, tlen);
			t->n++;
			rc = t->name[t->n - 1] && t->type[t->n - 1] ? 0 : oom();
		}
		od_finalize(s);
		if (rc < 0)
			return rc;
		t->failed = rc != FOLIO_DONE;
	}
	for (int k = 0; k < n_cols; k++) {
		types[k] = NULL;
		for (int i = 0; !t->failed && i < t->n && !types[k]; i++)
			if (strcmp(t->name[i], cols[k]) == 0)
				types[k] = t->type[i];
		if (!types[k])
			return 0;
	}
	return 1;
}

/*
 * The INSERT of `count` rows where the columns marked in fixed[] hold one
 * value in every row: those are sent once, after the VALUES,
 *   INSERT INTO t (a, b, c) SELECT * FROM (VALUES (CAST(? AS ta), CAST(?
 *   AS tb)), ...) AS v CROSS JOIN (SELECT CAST(? AS tc)) AS k
 * A VALUES under a SELECT no longer takes its types from the INSERT's
 * columns: every parameter is cast to its column's type (which costs
 * nothing at execution: the parameter takes the type).
 */
static char *bulk_sql_fixed(const char *table, const char *const *cols, const char *const *types,
			    const int *fixed, int n_cols, size_t count)
{
	size_t row = 4, head = strlen(table) + 64, tail = 64, n;
	char *sql, *o;

	for (int k = 0; k < n_cols; k++) {
		head += strlen(cols[k]) + 2;
		if (fixed[k])
			tail += strlen(types[k]) + 14;
		else
			row += strlen(types[k]) + 14;
	}
	n = head + count * row + tail;
	sql = malloc(n);
	if (!sql)
		return NULL;
	o = sql + sprintf(sql, "INSERT INTO %s (", table);
	for (int pass = 0, first = 1; pass < 2; pass++)
		for (int k = 0; k < n_cols; k++)
			if (fixed[k] == pass) {
				o += sprintf(o, "%s%s", first ? "" : ", ", cols[k]);
				first = 0;
			}
	o += sprintf(o, ") SELECT * FROM (VALUES ");
	for (size_t g = 0; g < count; g++) {
		o += sprintf(o, "%s(", g ? ", " : "");
		for (int k = 0, first = 1; k < n_cols; k++)
			if (!fixed[k]) {
				o += sprintf(o, "%sCAST(? AS %s)", first ? "" : ", ", types[k]);
				first = 0;
			}
		*o++ = ')';
	}
	o += sprintf(o, ") AS v CROSS JOIN (SELECT ");
	for (int k = 0, first = 1; k < n_cols; k++)
		if (fixed[k]) {
			o += sprintf(o, "%sCAST(? AS %s)", first ? "" : ", ", types[k]);
			first = 0;
		}
	o += sprintf(o, ") AS k");
	return sql;
}

/*
 * The key of a statement of bulk_values: its table, its number of rows,
 * its columns, and for a statement with constants (bulk_sql_fixed) which
 * are constant and every column's type: what makes its SQL.
 */
static int bulk_key(char *key, size_t size, const char *table, const char *const *cols,
		    const char *const *types, const int *fixed, int n_fixed, int n_cols,
		    size_t count)
{
	size_t o = (size_t)snprintf(key, size, "%s:%zu", table, count);

	for (int k = 0; k < n_cols && o < size; k++)
		o += (size_t)snprintf(key + o, size - o, ",%s%s%s%s", cols[k],
				      n_fixed && fixed[k] ? "*" : "", n_fixed ? " " : "",
				      n_fixed ? types[k] : "");
	if (o >= size)
		return folio_error_set(FOLIO_EINVALID, "odbc: bulk insert: too many columns");
	return 0;
}

/* The PostgreSQL way (see above): rows of VALUES, BULK_PG_ROWS at a time. */
static int bulk_values(folio_conn *c, const char *table, const char *const *cols, int n_cols,
		       const folio_value *rows, size_t n_rows)
{
	size_t per = BULK_PG_PARAMS / (size_t)n_cols, first = 0;
	SQLLEN *ind = NULL;
	int *keep = NULL, *fixed = NULL, *vary = NULL;
	const char **kept = NULL, **types = NULL;
	int code = 0;

	if (per > BULK_PG_ROWS)
		per = BULK_PG_ROWS;
	if (per == 0)
		per = 1;
	ind = malloc(per * (size_t)n_cols * sizeof(*ind));
	keep = malloc((size_t)n_cols * sizeof(*keep));
	fixed = malloc((size_t)n_cols * sizeof(*fixed));
	vary = malloc((size_t)n_cols * sizeof(*vary));
	kept = malloc((size_t)n_cols * sizeof(*kept));
	types = malloc((size_t)n_cols * sizeof(*types));
	if (!ind || !keep || !fixed || !vary || !kept || !types)
		code = oom();
	while (code == 0 && first < n_rows) {
		size_t count = n_rows - first < per ? n_rows - first : per;
		size_t n_vary;
		int n_keep = 0, n_fixed = 0;
		char *sql, key[2048];
		SQLRETURN r;

		for (int k = 0; k < n_cols; k++) {
			size_t i = first;
			while (i < first + count && rows[i * (size_t)n_cols + (size_t)k].type == FOLIO_COL_NULL)
				i++;
			if (i < first + count) {
				fixed[n_keep] = count > 1 && column_fixed(rows, n_cols, k, first, count);
				n_fixed += fixed[n_keep];
				keep[n_keep] = k;
				kept[n_keep++] = cols[k];
			}
		}
		if (n_keep == 0) { /* all NULL: the first column stays, for a valid INSERT */
			fixed[0] = 0;
			keep[0] = 0;
			kept[n_keep++] = cols[0];
		}
		if (n_fixed == n_keep)
			n_fixed = 0; /* the same row again and again: VALUES takes them all */
		if (n_fixed > 0) {
			code = column_types(c, table, kept, n_keep, types);
			if (code < 0)
				break;
			if (code == 0)
				n_fixed = 0; /* the catalog does not know them all: no casts */
			code = 0;
		}
		if (n_fixed == 0)
			memset(fixed, 0, (size_t)n_keep * sizeof(*fixed));
		n_vary = (size_t)(n_keep - n_fixed);
		code = bulk_key(key, sizeof(key), table, kept, types, fixed, n_fixed, n_keep, count);
		if (code == 0 && !bulk_use(c, key)) {
			sql = n_fixed ? bulk_sql_fixed(table, kept, types, fixed, n_keep, count)
				      : bulk_sql(table, kept, n_keep, count);
			code = sql ? bulk_prepare(c, key, sql) : oom();
			free(sql);
		}
		if (code == 0)
			SQLFreeStmt(c->bulk_h, SQL_RESET_PARAMS);
		/*
		 * Last first: the constants (after the VALUES, from the first
		 * row), then the VALUES, in the order bulk_sql_fixed writes them.
		 */
		for (int j = n_keep, p = (int)(count * n_vary + (size_t)n_fixed); code == 0 && j-- > 0;)
			if (fixed[j]) {
				code = bind_value_at(c, p, &rows[first * (size_t)n_cols + (size_t)keep[j]],
						     &ind[p - 1]);
				p--;
			}
		for (int j = 0, v = 0; j < n_keep; j++)
			if (!fixed[j])
				vary[v++] = keep[j]; /* the row's column of each VALUES column */
		for (size_t i = count * n_vary; code == 0 && i-- > 0;) {
			size_t row = first + i / n_vary;
			code = bind_value_at(c, (int)i + 1,
					     &rows[row * (size_t)n_cols + (size_t)vary[i % n_vary]], &ind[i]);
		}
		if (code == 0) {
			r = SQLExecute(c->bulk_h);
			if (!SQL_SUCCEEDED(r))
				code = fail(c, SQL_HANDLE_STMT, c->bulk_h, c->bulk_sql);
			SQLFreeStmt(c->bulk_h, SQL_CLOSE);
		}
		first += count;
	}
	free(ind);
	free(keep);
	free(fixed);
	free(vary);
	free(kept);
	free(types);
	return code;
}

static int od_bulk_insert(folio_conn *c, const char *table, const char *const *cols, int n_cols,
			  const folio_value *rows, size_t n_rows)
{
	size_t first = 0, max;
	size_t *widths = NULL;
	char *sql;
	int code;

	if (n_rows == 0 || n_cols <= 0)
		return 0;
	if (c->dialect == D_POSTGRESQL)
		return bulk_values(c, table, cols, n_cols, rows, n_rows);
	sql = bulk_sql(table, cols, n_cols, 1); /* short: its own key */
	widths = calloc((size_t)n_cols, sizeof(*widths));
	if (!sql || !widths) {
		free(sql);
		free(widths);
		return oom();
	}
	code = bulk_use(c, sql) ? 0 : bulk_prepare(c, sql, sql);
	free(sql);
	max = code == 0 && bulk_arrays(c) ? BULK_ROWS_MAX : 1;
	while (code == 0 && first < n_rows) {
		size_t count = bulk_group(rows, n_cols, first, n_rows, max, widths);

		code = bulk_run(c, cols, n_cols, rows, first, count, widths);
		first += count;
	}
	free(widths);
	return code;
}

static int od_ping(folio_conn *conn)
{
	if (conn_dead(conn))
		return folio_error_set(FOLIO_EIO, "odbc: the connection to %s is dead",
				       conn->where);
	return 0;
}

const folio_driver folio_odbc_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "odbc",
	.scheme = "odbc",
	.connect = od_connect,
	.disconnect = od_disconnect,
	.dialect = od_dialect,
	.exec = od_exec,
	.prepare = od_prepare,
	.finalize = od_finalize,
	.reset = od_reset,
	.bind_null = od_bind_null,
	.bind_int64 = od_bind_int64,
	.bind_double = od_bind_double,
	.bind_text = od_bind_text,
	.bind_blob = od_bind_blob,
	.step = od_step,
	.column_count = od_column_count,
	.column_type = od_column_type,
	.column_int64 = od_column_int64,
	.column_double = od_column_double,
	.column_text = od_column_text,
	.column_blob = od_column_blob,
	.changes = od_changes,
	.begin = od_begin,
	.commit = od_commit,
	.rollback = od_rollback,
	.ping = od_ping,
	.last_insert_id = NULL,
	.bulk_insert = od_bulk_insert,
	.bulk_wait = NULL,
};
