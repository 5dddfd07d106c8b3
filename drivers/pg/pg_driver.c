/*
 * The native PostgreSQL driver: libpq behind the folio driver table.
 *
 * One folio_conn is one PGconn, used by one thread at a time (the pool's
 * contract). A folio_stmt is a server-side prepared statement, prepared once
 * and run many times: a run is one PQexecPrepared round trip whose result
 * (a bounded page: folio's queries carry LIMIT) is then walked row by row.
 */
#define _GNU_SOURCE /* POLLRDHUP */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libpq-fe.h>

#include "pg_driver.h"
#include "pg_internal.h"

/* Room for the SQL quoted in an error line; the rest is cut. */
#define SQL_SNIPPET_MAX 160

/* Finalized statements are deallocated on the server this many at a time. */
#define DISCARD_BATCH 32

/* A parameter's text buffer larger than this is freed on reset, not kept. */
#define KEEP_BUF_MAX (1u << 20)

/* The protocol counts parameters in 16 bits. */
#define MAX_PARAMS 65535

/* Type OIDs (catalog/pg_type_d.h is a server header). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

typedef struct param {
	char num[32]; /* an integer or a double, as text */
	char *buf;    /* a text, NUL-terminated (libpq reads text parameters as C strings) */
	size_t cap;
} param;

/* A bytea value decoded for the current row. */
typedef struct colbuf {
	unsigned char *p;
	size_t len;
	size_t cap;
	unsigned long gen; /* the run and row it was decoded for */
	int row;
} colbuf;

enum stmt_state { ST_READY, ST_ROWS, ST_DONE };

struct folio_stmt {
	folio_conn *conn;
	char name[32];
	char *sql; /* as the caller wrote it, for error lines */
	int n_params;
	const char **values;
	int *lengths;
	int *formats;
	param *params;
	enum stmt_state state;
	PGresult *res;
	int row;
	int n_rows;
	int n_cols; /* -1 until known */
	unsigned long gen;
	colbuf *cols;
	int n_colbufs;
};

/*
 * Errors
 */

typedef struct state_code {
	const char *state; /* a SQLSTATE, or a two-character class */
	int code;
} state_code;

/* Exact codes first, then classes. */
static const state_code state_codes[] = {
	{ "23505", FOLIO_EEXISTS },
	{ "40001", FOLIO_EDEADLOCK }, /* serialization_failure */
	{ "40P01", FOLIO_EDEADLOCK }, /* deadlock_detected */
	{ "55P03", FOLIO_EBUSY },     /* lock_not_available: lock_timeout */
	{ "55006", FOLIO_EBUSY },     /* object_in_use */
	{ "57014", FOLIO_EBUSY },     /* query_canceled: statement_timeout */
	{ "53300", FOLIO_EBUSY },     /* too_many_connections */
	{ "53100", FOLIO_EFULL },     /* disk_full */
	{ "53200", FOLIO_ENOMEM },    /* out_of_memory */
	{ "54000", FOLIO_ETOOBIG },   /* program_limit_exceeded */
	{ "54001", FOLIO_ETOOBIG },   /* statement_too_complex */
	{ "22001", FOLIO_ETOOBIG },   /* string_data_right_truncation */
	{ "25006", FOLIO_EREADONLY }, /* read_only_sql_transaction */
	{ "42501", FOLIO_EACCESS },   /* insufficient_privilege */
	{ "3D000", FOLIO_ENOTFOUND }, /* invalid_catalog_name: no such database */
	{ "57P01", FOLIO_EIO },       /* admin_shutdown */
	{ "57P02", FOLIO_EIO },       /* crash_shutdown */
	{ "57P03", FOLIO_EIO },       /* cannot_connect_now */
	{ "XX001", FOLIO_EIO },       /* data_corrupted */
	{ "XX002", FOLIO_EIO },       /* index_corrupted */
	{ "08", FOLIO_EIO },
	{ "58", FOLIO_EIO },
	{ "28", FOLIO_EACCESS },
	{ "22", FOLIO_EINVALID },
	{ "42", FOLIO_EINVALID },
};

static int code_of_state(const char *state)
{
	size_t i;

	if (!state || strlen(state) != 5)
		return FOLIO_ERROR;
	for (i = 0; i < sizeof(state_codes) / sizeof(state_codes[0]); i++) {
		const char *s = state_codes[i].state;

		if (strncmp(s, state, strlen(s)) == 0)
			return state_codes[i].code;
	}
	return FOLIO_ERROR;
}

/*
 * Copies the first `n` bytes of `s` (or up to its NUL) onto one line of at
 * most size - 1 bytes, cut with "..." when longer.
 */
static void one_line_n(char *out, size_t size, const char *s, size_t n)
{
	size_t i;
	size_t o = 0;
	int blank = 0;

	for (i = 0; i < n && s[i] && o + 1 < size; i++) {
		char c = s[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		/* Runs of blanks (libpq indents its second lines) become one. */
		if (c == ' ' && (blank || o == 0))
			continue;
		blank = c == ' ';
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (i < n && s[i] && size > 4 && o + 1 >= size)
		memcpy(out + size - 4, "...", 4);
}

static void one_line(char *out, size_t size, const char *s)
{
	one_line_n(out, size, s, SIZE_MAX);
}

/* The first line of a libpq message, without its "ERROR:  " or "FATAL:  " label. */
static void first_line(char *out, size_t size, const char *msg)
{
	if (!msg || !*msg)
		msg = "unknown error";
	if (strncmp(msg, "ERROR:  ", 8) == 0 || strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	one_line_n(out, size, msg, strcspn(msg, "\n"));
}

/*
 * Sets the thread's error from a failed result (or the connection's message
 * when there is no result) and returns the folio code. `sql`, when given,
 * is quoted after " in: ".
 */
static int fail_res(folio_conn *c, const PGresult *res, const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[MSG_MAX];
	char snip[SQL_SNIPPET_MAX];
	char tag[32];
	int code;

	if (primary)
		one_line(msg, sizeof(msg), primary);
	else if (res && PQresultErrorMessage(res)[0])
		first_line(msg, sizeof(msg), PQresultErrorMessage(res));
	else
		first_line(msg, sizeof(msg), PQerrorMessage(c->pg));
	code = code_of_state(state);
	/* A message from libpq itself (no SQLSTATE) on a dead link: the link is gone. */
	if (PQstatus(c->pg) != CONNECTION_OK && (!state || code == FOLIO_ERROR))
		code = FOLIO_EIO;
	if (!res && code == FOLIO_ERROR && PQstatus(c->pg) == CONNECTION_OK)
		code = FOLIO_ENOMEM; /* libpq returns no result only when out of memory */
	tag[0] = '\0';
	if (state)
		snprintf(tag, sizeof(tag), " (SQLSTATE %s)", state);
	else if (code == FOLIO_EIO)
		snprintf(tag, sizeof(tag), " (connection lost)");
	snip[0] = '\0';
	if (sql)
		one_line(snip, sizeof(snip), sql);
	return folio_error_set(code, "postgresql: %s%s%s%s", msg, tag, sql ? " in: " : "",
			       snip);
}

int folio_pg__fail(folio_conn *c, const PGresult *res, const char *sql)
{
	return fail_res(c, res, sql);
}

static int oom(void)
{
	return folio_error_set(FOLIO_ENOMEM, "out of memory");
}

/*
 * URLs
 */

/* The value of a hexadecimal digit, or -1. */
static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Skips the value of a key=value pair at `p` (quoted or not); returns where it ends. */
static const char *skip_value(const char *p)
{
	if (*p == '\'') {
		for (p++; *p && *p != '\''; p++) {
			if (*p == '\\' && p[1])
				p++;
		}
		return *p ? p + 1 : p;
	}
	while (*p && *p != '&' && *p != ' ' && *p != '\t' && *p != '\n')
		p++;
	return p;
}

char *folio_pg__redact(const char *url)
{
	size_t n = strlen(url);
	char *out = malloc(2 * n + 16);
	const char *p = url;
	const char *q;
	size_t o = 0;

	if (!out)
		return NULL;
	/* scheme://user:password@host: the password is after the first ':' of userinfo. */
	q = strstr(url, "://");
	if (q) {
		const char *auth = q + 3;
		size_t alen = strcspn(auth, "/?");
		const char *at = NULL;
		const char *colon;
		size_t i;

		for (i = 0; i < alen; i++) {
			if (auth[i] == '@')
				at = auth + i;
		}
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			memcpy(out, url, (size_t)(colon + 1 - url));
			o = (size_t)(colon + 1 - url);
			memcpy(out + o, "***", 3);
			o += 3;
			p = at;
		}
	}
	/* password=... in the query part or in a key=value connection string. */
	while (*p) {
		int boundary = p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ' ||
			       p[-1] == '\t';

		if (boundary && strncasecmp(p, "password", 8) == 0) {
			const char *v = p + 8;

			while (*v == ' ')
				v++;
			if (*v == '=') {
				v++;
				while (*v == ' ')
					v++;
				memcpy(out + o, p, (size_t)(v - p));
				o += (size_t)(v - p);
				memcpy(out + o, "***", 3);
				o += 3;
				p = skip_value(v);
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* A password found in a URL. */
typedef struct secret {
	const char *p;
	size_t len;
} secret;

#define MAX_SECRETS 16

/*
 * Notes the password at [p, end), as written and percent-decoded (the
 * decoded copy goes to `*dec`, which advances). Returns the new count.
 */
static size_t add_secret(secret *s, size_t n, const char *p, const char *end, char **dec)
{
	size_t len = (size_t)(end - p);
	char *d = *dec;
	size_t i;
	size_t o = 0;

	if (end <= p || n + 2 > MAX_SECRETS)
		return n;
	s[n].p = p;
	s[n++].len = len;
	for (i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len && hexval((unsigned char)p[i + 1]) >= 0 &&
		    hexval((unsigned char)p[i + 2]) >= 0) {
			d[o++] = (char)(hexval((unsigned char)p[i + 1]) << 4 |
					hexval((unsigned char)p[i + 2]));
			i += 2;
		} else {
			d[o++] = p[i];
		}
	}
	if (o != len) {
		s[n].p = d;
		s[n++].len = o;
		*dec = d + o;
	}
	return n;
}

/*
 * Copies libpq's message `msg` into `out`, every password of `url` in it
 * replaced by "***": libpq quotes a URL it cannot parse, password and all.
 */
static void scrub(char *out, size_t size, const char *msg, const char *url)
{
	secret secrets[MAX_SECRETS];
	char *decoded = malloc(strlen(url) + 1);
	char *dec = decoded;
	const char *q = strstr(url, "://");
	const char *p;
	size_t n = 0;
	size_t o = 0;
	size_t i;

	if (!decoded) {
		snprintf(out, size, "(message withheld: out of memory)");
		return;
	}
	if (q) {
		const char *auth = q + 3;
		size_t alen = strcspn(auth, "/?");
		const char *at = NULL;
		const char *colon;

		for (i = 0; i < alen; i++) {
			if (auth[i] == '@')
				at = auth + i;
		}
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon)
			n = add_secret(secrets, n, colon + 1, at, &dec);
	}
	for (p = url; (p = strstr(p, "password")) != NULL; p += 8) {
		const char *v = p + 8;
		const char *end;

		while (*v == ' ')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ')
			v++;
		end = skip_value(v);
		if (*v == '\'') {
			v++;
			if (end > v && end[-1] == '\'')
				end--;
		}
		n = add_secret(secrets, n, v, end, &dec);
	}
	while (*msg && o + 1 < size) {
		size_t hit = 0;

		for (i = 0; i < n && !hit; i++) {
			if (strncmp(msg, secrets[i].p, secrets[i].len) == 0)
				hit = secrets[i].len;
		}
		if (hit) {
			if (o + 4 > size)
				break;
			memcpy(out + o, "***", 3);
			o += 3;
			msg += hit;
			continue;
		}
		out[o++] = *msg++;
	}
	out[o] = '\0';
	free(decoded);
}

/* 1 when `hay` contains `needle`, ignoring case. */
static int has_text(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	}
	return 0;
}

/* The folio code for a failed connect, from libpq's message (no SQLSTATE is kept). */
static int connect_code(const char *msg)
{
	if (has_text(msg, "password authentication failed") ||
	    has_text(msg, "authentication failed") || has_text(msg, "no password supplied") ||
	    has_text(msg, "no pg_hba.conf entry") || has_text(msg, "pg_hba.conf rejects") ||
	    (has_text(msg, "role \"") && has_text(msg, "does not exist")) ||
	    has_text(msg, "permission denied") || has_text(msg, "not permitted to log in") ||
	    has_text(msg, "password is required"))
		return FOLIO_EACCESS;
	if (has_text(msg, "database \"") && has_text(msg, "does not exist"))
		return FOLIO_ENOTFOUND;
	if (has_text(msg, "too many clients") || has_text(msg, "too many connections"))
		return FOLIO_EBUSY;
	if (has_text(msg, "invalid ") || has_text(msg, "unrecognized") ||
	    has_text(msg, "missing \"=\""))
		return FOLIO_EINVALID;
	return FOLIO_EIO;
}

/*
 * The line of libpq's connect message worth showing: the server's (FATAL)
 * when there is one, else the first. libpq writes a line per host it tried.
 */
static void connect_line(char *out, size_t size, const char *msg)
{
	const char *fatal = strstr(msg, "FATAL:  ");
	const char *line;

	if (fatal) {
		line = fatal;
		while (line > msg && line[-1] != '\n')
			line--;
		msg = line;
	}
	first_line(out, size, msg);
}

/*
 * Connections
 */

/*
 * NOTICEs and WARNINGs (IF NOT EXISTS, no transaction in progress) are not
 * errors and are dropped. A FATAL that arrives while the connection is idle
 * (a terminated backend, a shutdown) comes this way too: it is kept to say
 * why the link went.
 */
static void on_notice(void *arg, const char *message)
{
	folio_conn *c = arg;

	if (strncmp(message, "FATAL:", 6) == 0)
		first_line(c->goodbye, sizeof(c->goodbye), message);
}

static void conn_unref(folio_conn *c)
{
	if (!c || --c->refs > 0)
		return;
	if (c->pg)
		PQfinish(c->pg);
	free(c->where);
	free(c->discard);
	free(c->copy_sql);
	free(c->copy_buf);
	free(c->types_key);
	free(c->copy_oids);
	free(c);
}

/* Sends the pending DEALLOCATEs; failures are ignored (the names are unique). */
static void discard_flush(folio_conn *c)
{
	PGresult *res;

	if (c->discard_n == 0)
		return;
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK &&
	    PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
		res = PQexec(c->pg, c->discard);
		PQclear(res);
	}
	c->discard_len = 0;
	c->discard_n = 0;
	if (c->discard)
		c->discard[0] = '\0';
}

static int run_setup(folio_conn *c, int busy_ms)
{
	char sql[160];
	PGresult *res;
	int ms = busy_ms;
	int code = 0;

	if (ms == 0)
		ms = FOLIO_PG_LOCK_TIMEOUT_MS;
	else if (ms < 0)
		ms = 1; /* lock_timeout 0 would mean no limit at all */
	snprintf(sql, sizeof(sql),
		 "SET standard_conforming_strings = on; SET bytea_output = hex; "
		 "SET lock_timeout = %d",
		 ms);
	res = PQexec(c->pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		code = fail_res(c, res, sql);
	PQclear(res);
	return code;
}

static int pg_connect(folio_conn **out, const char *url, const folio_connect_options *opts)
{
	/* Defaults before dbname (the URL may override them), the encoding after (it may not). */
	const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname",
				     "client_encoding", NULL };
	const char *const values[] = { FOLIO_PG_CONNECT_TIMEOUT_S, "folio", url, "UTF8", NULL };
	folio_conn *c = NULL;
	PQconninfoOption *parsed;
	char *err = NULL;
	char clean[2 * MSG_MAX];
	char msg[MSG_MAX];
	int version;
	int code;

	assert(out && url);
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return oom();
	c->refs = 1;
	c->where = folio_pg__redact(url);
	if (!c->where) {
		code = oom();
		goto out;
	}
	parsed = PQconninfoParse(url, &err);
	if (!parsed) {
		scrub(clean, sizeof(clean), err ? err : "out of memory", url);
		first_line(msg, sizeof(msg), clean);
		code = folio_error_set(err ? FOLIO_EINVALID : FOLIO_ENOMEM,
				       "postgresql: not a valid URL: %s: %s", c->where, msg);
		PQfreemem(err);
		goto out;
	}
	PQconninfoFree(parsed);

	c->pg = PQconnectdbParams(keys, values, 1);
	if (!c->pg) {
		code = oom();
		goto out;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		scrub(clean, sizeof(clean), PQerrorMessage(c->pg), url);
		connect_line(msg, sizeof(msg), clean);
		code = folio_error_set(connect_code(clean), "postgresql: cannot connect to %s: %s",
				       c->where, msg);
		goto out;
	}
	PQsetNoticeProcessor(c->pg, on_notice, c);
	version = PQserverVersion(c->pg);
	if (version < FOLIO_PG_MIN_VERSION) {
		char v[16];

		/* 120000 and later count 12, 13, ...; before, 90600 was 9.6. */
		if (version >= 100000)
			snprintf(v, sizeof(v), "%d", version / 10000);
		else
			snprintf(v, sizeof(v), "%d.%d", version / 10000, version / 100 % 100);
		code = folio_error_set(FOLIO_EINVALID,
				       "postgresql: PostgreSQL %s is too old: folio needs 12 or "
				       "later (%s)",
				       v, c->where);
		goto out;
	}
	code = run_setup(c, opts ? opts->busy_timeout_ms : 0);
	if (code < 0)
		goto out;
	*out = c;
	c = NULL;
	code = 0;
out:
	conn_unref(c);
	return code;
}

static void pg_disconnect(folio_conn *conn)
{
	if (!conn)
		return;
	/* Close the link now; statements still held keep the struct until finalized. */
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn_unref(conn);
}

static const char *pg_dialect(folio_conn *conn)
{
	return "postgresql";
}

/* Counts the rows an INSERT, UPDATE, DELETE or MERGE changed; other commands leave it. */
static void note_changes(folio_conn *c, PGresult *res)
{
	const char *tag = PQcmdStatus(res);
	const char *n;

	if (strncmp(tag, "INSERT ", 7) != 0 && strncmp(tag, "UPDATE ", 7) != 0 &&
	    strncmp(tag, "DELETE ", 7) != 0 && strncmp(tag, "MERGE ", 6) != 0)
		return;
	n = PQcmdTuples(res);
	c->changes = n && *n ? strtoll(n, NULL, 10) : 0;
}

/* The connection is gone: nothing can be sent. */
int folio_pg__closed(const char *what)
{
	return folio_error_set(FOLIO_EIO, "postgresql: the connection is closed (%s)", what);
}

static int fail_closed(const char *what)
{
	return folio_pg__closed(what);
}

static int pg_exec(folio_conn *conn, const char *sql)
{
	PGresult *res;
	int code;

	if (!conn->pg)
		return fail_closed(sql);
	/* A rollback (to a savepoint) undoes a pending COPY whatever its answer. */
	code = folio_pg__copy_settle(conn, strncasecmp(sql, "ROLLBACK", 8) != 0);
	if (code < 0)
		return code;
	res = PQexec(conn->pg, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		note_changes(conn, res);
		break;
	case PGRES_EMPTY_QUERY:
		break;
	default:
		code = fail_res(conn, res, sql);
		break;
	}
	PQclear(res);
	return code;
}

/*
 * Statements
 */

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/*
 * The length of a dollar-quote tag ("$$", "$tag$") at `p`, or 0 when `p`
 * does not start one. `prev` is the character before `p`.
 */
static size_t dollar_tag(const char *p, char prev)
{
	size_t n = 1;

	if (is_ident(prev))
		return 0; /* a '$' inside an identifier */
	if (p[1] >= '0' && p[1] <= '9')
		return 0; /* a positional parameter */
	while (p[n] && p[n] != '$') {
		if (!is_ident(p[n]))
			return 0;
		n++;
	}
	return p[n] == '$' ? n + 1 : 0;
}

int folio_pg__rewrite(char **out, int *n_params, int *has_statement, const char *sql)
{
	size_t len = strlen(sql);
	size_t count = 0;
	size_t i = 0;
	size_t o = 0;
	char prev = ' ';
	char *buf;

	*out = NULL;
	*n_params = 0;
	*has_statement = 0;
	for (i = 0; i < len; i++) {
		if (sql[i] == '?')
			count++;
	}
	/* "$65535" for "?": six more bytes each at most. */
	buf = malloc(len + 6 * count + 1);
	if (!buf)
		return oom();
	count = 0;
	i = 0;
	while (i < len) {
		char c = sql[i];
		size_t start = i;

		if (c == '\'') {
			/* E'...' takes backslash escapes; '' is a quote in any string. */
			int esc = (prev == 'E' || prev == 'e') &&
				  (i < 2 || !is_ident(sql[i - 2]));

			for (i++; i < len; i++) {
				if (esc && sql[i] == '\\' && i + 1 < len) {
					i++;
				} else if (sql[i] == '\'') {
					if (sql[i + 1] == '\'')
						i++;
					else
						break;
				}
			}
			i = i < len ? i + 1 : len;
			*has_statement = 1;
		} else if (c == '"') {
			for (i++; i < len; i++) {
				if (sql[i] == '"') {
					if (sql[i + 1] == '"')
						i++;
					else
						break;
				}
			}
			i = i < len ? i + 1 : len;
			*has_statement = 1;
		} else if (c == '-' && sql[i + 1] == '-') {
			i += strcspn(sql + i, "\n");
		} else if (c == '/' && sql[i + 1] == '*') {
			/* Block comments nest in PostgreSQL. */
			int depth = 1;

			for (i += 2; i < len && depth > 0; i++) {
				if (sql[i] == '/' && sql[i + 1] == '*') {
					depth++;
					i++;
				} else if (sql[i] == '*' && sql[i + 1] == '/') {
					depth--;
					i++;
				}
			}
		} else if (c == '$' && dollar_tag(sql + i, prev) > 0) {
			size_t tag = dollar_tag(sql + i, prev);
			const char *end = NULL;
			const char *p = sql + i + tag;

			while ((p = strchr(p, '$')) != NULL) {
				if (strncmp(p, sql + i, tag) == 0) {
					end = p;
					break;
				}
				p++;
			}
			i = end ? (size_t)(end - sql) + tag : len;
			*has_statement = 1;
		} else if (c == '?') {
			count++;
			o += (size_t)snprintf(buf + o, 8, "$%zu", count);
			prev = '0';
			i++;
			*has_statement = 1;
			continue;
		} else {
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ';')
				*has_statement = 1;
			i++;
		}
		memcpy(buf + o, sql + start, i - start);
		o += i - start;
		prev = sql[i - 1];
		if (prev == '/' && i - start > 1)
			prev = ' '; /* after a comment */
	}
	buf[o] = '\0';
	if (count > MAX_PARAMS) {
		free(buf);
		return folio_error_set(FOLIO_ETOOBIG,
				       "postgresql: %zu parameters in one statement (at most %d)",
				       count, MAX_PARAMS);
	}
	*out = buf;
	*n_params = (int)count;
	return 0;
}

static void free_stmt(folio_stmt *s)
{
	int i;

	if (!s)
		return;
	PQclear(s->res);
	for (i = 0; i < s->n_params; i++)
		free(s->params[i].buf);
	for (i = 0; i < s->n_colbufs; i++)
		free(s->cols[i].p);
	free(s->cols);
	free(s->params);
	free(s->values);
	free(s->lengths);
	free(s->formats);
	free(s->sql);
	free(s);
}

static int pg_prepare(folio_stmt **out, folio_conn *conn, const char *sql)
{
	folio_stmt *s = NULL;
	PGresult *res = NULL;
	char *text = NULL;
	char snip[SQL_SNIPPET_MAX];
	int n = 0;
	int has_statement = 0;
	int code;

	*out = NULL;
	if (!conn->pg)
		return fail_closed(sql);
	code = folio_pg__copy_settle(conn, 1);
	if (code < 0)
		return code;
	code = folio_pg__rewrite(&text, &n, &has_statement, sql);
	if (code < 0)
		goto out;
	if (!has_statement) {
		one_line(snip, sizeof(snip), sql);
		code = folio_error_set(FOLIO_EINVALID, "postgresql: no statement in: '%s'", snip);
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		code = oom();
		goto out;
	}
	s->n_cols = -1;
	s->n_params = n;
	s->sql = strdup(sql);
	if (n > 0) {
		s->values = calloc((size_t)n, sizeof(*s->values));
		s->lengths = calloc((size_t)n, sizeof(*s->lengths));
		s->formats = calloc((size_t)n, sizeof(*s->formats));
		s->params = calloc((size_t)n, sizeof(*s->params));
	}
	if (!s->sql || (n > 0 && (!s->values || !s->lengths || !s->formats || !s->params))) {
		code = oom();
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "s%llu", ++conn->next_name);
	/* No parameter types: the server infers each from where it is used. */
	res = PQprepare(conn->pg, s->name, text, n, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		code = fail_res(conn, res, sql);
		goto out;
	}
	s->conn = conn;
	conn->refs++;
	*out = s;
	s = NULL;
	code = 0;
out:
	PQclear(res);
	free(text);
	free_stmt(s);
	return code;
}

static void pg_finalize(folio_stmt *stmt)
{
	folio_conn *c;
	size_t need;

	if (!stmt)
		return;
	c = stmt->conn;
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
		/* DEALLOCATE costs a round trip: they are sent in batches. */
		need = c->discard_len + strlen(stmt->name) + 16;
		if (need > c->discard_cap) {
			size_t cap = need * 2;
			char *p = realloc(c->discard, cap);

			if (p) {
				c->discard = p;
				c->discard_cap = cap;
			}
		}
		if (need <= c->discard_cap) {
			c->discard_len += (size_t)snprintf(c->discard + c->discard_len,
							   c->discard_cap - c->discard_len,
							   "DEALLOCATE %s;", stmt->name);
			c->discard_n++;
		}
		/* Outside a transaction only: a failure cannot spoil one there. */
		if (c->discard_n >= DISCARD_BATCH)
			discard_flush(c);
	}
	free_stmt(stmt);
	conn_unref(c);
}

static void clear_result(folio_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->n_rows = 0;
}

static int pg_reset(folio_stmt *stmt)
{
	int i;

	clear_result(stmt);
	stmt->state = ST_READY;
	for (i = 0; i < stmt->n_params; i++) {
		param *p = &stmt->params[i];

		stmt->values[i] = NULL;
		stmt->lengths[i] = 0;
		stmt->formats[i] = 0;
		if (p->cap > KEEP_BUF_MAX) {
			free(p->buf);
			p->buf = NULL;
			p->cap = 0;
		}
	}
	return 0;
}

/* Checks a parameter number and readies the statement for new values. */
static int bind_at(folio_stmt *s, int idx)
{
	if (idx < 1 || idx > s->n_params)
		return folio_error_set(FOLIO_EINVALID,
				       "postgresql: no parameter %d (the statement has %d) in: %.80s",
				       idx, s->n_params, s->sql);
	if (s->state == ST_ROWS)
		return folio_error_set(FOLIO_EINVALID,
				       "postgresql: bind while rows are pending (reset first) in: "
				       "%.80s",
				       s->sql);
	if (s->state == ST_DONE)
		s->state = ST_READY;
	return 0;
}

static int pg_bind_null(folio_stmt *stmt, int idx)
{
	int code = bind_at(stmt, idx);

	if (code < 0)
		return code;
	stmt->values[idx - 1] = NULL;
	stmt->lengths[idx - 1] = 0;
	stmt->formats[idx - 1] = 0;
	return 0;
}

static int bind_num(folio_stmt *stmt, int idx)
{
	param *p = &stmt->params[idx - 1];

	stmt->values[idx - 1] = p->num;
	stmt->lengths[idx - 1] = (int)strlen(p->num);
	stmt->formats[idx - 1] = 0;
	return 0;
}

static int pg_bind_int64(folio_stmt *stmt, int idx, int64_t v)
{
	int code = bind_at(stmt, idx);

	if (code < 0)
		return code;
	snprintf(stmt->params[idx - 1].num, sizeof(stmt->params[0].num), "%" PRId64, v);
	return bind_num(stmt, idx);
}

static int pg_bind_double(folio_stmt *stmt, int idx, double v)
{
	char *num;
	int code = bind_at(stmt, idx);

	if (code < 0)
		return code;
	num = stmt->params[idx - 1].num;
	if (isnan(v))
		strcpy(num, "NaN");
	else if (isinf(v))
		strcpy(num, v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(num, sizeof(stmt->params[0].num), "%.17g", v);
	return bind_num(stmt, idx);
}

static int pg_bind_text(folio_stmt *stmt, int idx, const char *v, size_t len)
{
	param *p;
	int code = bind_at(stmt, idx);

	assert(v || len == 0);
	if (code < 0)
		return code;
	if (len > INT_MAX - 1)
		return folio_error_set(FOLIO_ETOOBIG, "postgresql: text parameter %d is %zu bytes",
				       idx, len);
	if (len > 0 && memchr(v, '\0', len))
		return folio_error_set(FOLIO_EINVALID,
				       "postgresql: text parameter %d holds a NUL byte, which a "
				       "PostgreSQL text cannot store",
				       idx);
	/*
	 * libpq reads a text parameter up to its NUL, and the caller's text
	 * may be a slice of a longer one: it is copied (into a buffer kept for
	 * the next run of the statement).
	 */
	p = &stmt->params[idx - 1];
	if (len + 1 > p->cap) {
		size_t cap = len + 1 < 64 ? 64 : len + 1;
		char *b = malloc(cap);

		if (!b)
			return oom();
		free(p->buf);
		p->buf = b;
		p->cap = cap;
	}
	if (len > 0)
		memcpy(p->buf, v, len);
	p->buf[len] = '\0';
	stmt->values[idx - 1] = p->buf;
	stmt->lengths[idx - 1] = (int)len;
	stmt->formats[idx - 1] = 0;
	return 0;
}

static int pg_bind_blob(folio_stmt *stmt, int idx, const void *v, size_t len)
{
	int code = bind_at(stmt, idx);

	assert(v || len == 0);
	if (code < 0)
		return code;
	if (len > INT_MAX)
		return folio_error_set(FOLIO_ETOOBIG, "postgresql: blob parameter %d is %zu bytes",
				       idx, len);
	/* Binary: the bytes as they are, kept by pointer until the run (the contract). */
	stmt->values[idx - 1] = v ? v : "";
	stmt->lengths[idx - 1] = (int)len;
	stmt->formats[idx - 1] = 1;
	return 0;
}

static int run(folio_stmt *s)
{
	folio_conn *c = s->conn;
	int code;

	if (!c->pg)
		return fail_closed(s->sql);
	clear_result(s);
	code = folio_pg__copy_settle(c, 1);
	if (code < 0)
		return code;
	s->res = PQexecPrepared(c->pg, s->name, s->n_params, s->values, s->lengths, s->formats,
				0);
	switch (PQresultStatus(s->res)) {
	case PGRES_TUPLES_OK:
		note_changes(c, s->res);
		s->n_rows = PQntuples(s->res);
		s->n_cols = PQnfields(s->res);
		s->gen++;
		s->state = ST_ROWS;
		return 0;
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		note_changes(c, s->res);
		s->n_cols = 0;
		clear_result(s);
		s->state = ST_DONE;
		return FOLIO_DONE;
	default:
		code = fail_res(c, s->res, s->sql);
		clear_result(s);
		s->state = ST_READY;
		return code;
	}
}

static int pg_step(folio_stmt *stmt)
{
	int code;

	/* As sqlite3_step: a step after DONE runs the statement again. */
	if (stmt->state == ST_READY || stmt->state == ST_DONE) {
		code = run(stmt);
		if (code != 0)
			return code;
	}
	stmt->row++;
	if (stmt->row < stmt->n_rows)
		return FOLIO_ROW;
	clear_result(stmt);
	stmt->state = ST_DONE;
	return FOLIO_DONE;
}

static int pg_column_count(folio_stmt *stmt)
{
	PGresult *res;

	/* Before the first run: ask the server once what the statement returns. */
	if (stmt->n_cols < 0 && stmt->conn->pg && folio_pg__copy_settle(stmt->conn, 1) == 0) {
		res = PQdescribePrepared(stmt->conn->pg, stmt->name);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			stmt->n_cols = PQnfields(res);
		PQclear(res);
	}
	return stmt->n_cols < 0 ? 0 : stmt->n_cols;
}

/* 1 when `col` of the current row can be read. */
static int on_row(folio_stmt *s, int col)
{
	return s->res && s->row >= 0 && s->row < s->n_rows && col >= 0 && col < s->n_cols;
}

static folio_coltype pg_column_type(folio_stmt *stmt, int col)
{
	if (!on_row(stmt, col) || PQgetisnull(stmt->res, stmt->row, col))
		return FOLIO_COL_NULL;
	switch (PQftype(stmt->res, col)) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
	case OID_BOOL:
		return FOLIO_COL_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return FOLIO_COL_DOUBLE;
	case OID_BYTEA:
		return FOLIO_COL_BLOB;
	default:
		return FOLIO_COL_TEXT;
	}
}

static int64_t double_to_int64(double d)
{
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static int64_t pg_column_int64(folio_stmt *stmt, int col)
{
	const char *v;
	char *end;
	long long n;

	if (!on_row(stmt, col) || PQgetisnull(stmt->res, stmt->row, col))
		return 0;
	v = PQgetvalue(stmt->res, stmt->row, col);
	if (PQftype(stmt->res, col) == OID_BOOL)
		return v[0] == 't';
	errno = 0;
	n = strtoll(v, &end, 10);
	/* "2.5", "1e3", "Infinity", or out of range: read it as a double. */
	if (errno == ERANGE || *end == '.' || *end == 'e' || *end == 'E' || end == v)
		return double_to_int64(strtod(v, NULL));
	return (int64_t)n;
}

static double pg_column_double(folio_stmt *stmt, int col)
{
	const char *v;

	if (!on_row(stmt, col) || PQgetisnull(stmt->res, stmt->row, col))
		return 0.0;
	v = PQgetvalue(stmt->res, stmt->row, col);
	if (PQftype(stmt->res, col) == OID_BOOL)
		return v[0] == 't' ? 1.0 : 0.0;
	/* strtod reads "Infinity", "-Infinity" and "NaN" as PostgreSQL writes them. */
	return strtod(v, NULL);
}

/* Decodes a bytea of the current row into the column's buffer (NUL-terminated). */
static const colbuf *decode_bytea(folio_stmt *s, int col)
{
	const char *v = PQgetvalue(s->res, s->row, col);
	size_t vlen = (size_t)PQgetlength(s->res, s->row, col);
	unsigned char *raw = NULL;
	const unsigned char *src;
	colbuf *cb;
	size_t n;
	size_t i;

	if (col >= s->n_colbufs) {
		colbuf *p = realloc(s->cols, (size_t)s->n_cols * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + s->n_colbufs, 0, (size_t)(s->n_cols - s->n_colbufs) * sizeof(*p));
		s->cols = p;
		s->n_colbufs = s->n_cols;
	}
	cb = &s->cols[col];
	if (cb->p && cb->gen == s->gen && cb->row == s->row)
		return cb;
	if (vlen >= 2 && v[0] == '\\' && v[1] == 'x') {
		n = (vlen - 2) / 2;
		src = (const unsigned char *)v + 2;
	} else {
		/* The old escape format, should bytea_output have been changed. */
		raw = PQunescapeBytea((const unsigned char *)v, &n);
		if (!raw)
			return NULL;
		src = raw;
	}
	if (n + 1 > cb->cap) {
		size_t cap = n + 1 < 64 ? 64 : n + 1;
		unsigned char *p = malloc(cap);

		if (!p) {
			PQfreemem(raw);
			return NULL;
		}
		free(cb->p);
		cb->p = p;
		cb->cap = cap;
	}
	if (raw) {
		memcpy(cb->p, raw, n);
	} else {
		for (i = 0; i < n; i++)
			cb->p[i] = (unsigned char)(hexval(src[2 * i]) << 4 | hexval(src[2 * i + 1]));
	}
	cb->p[n] = '\0';
	cb->len = n;
	cb->gen = s->gen;
	cb->row = s->row;
	PQfreemem(raw);
	return cb;
}

/* The value of a column as bytes: a bytea decoded, anything else as the server wrote it. */
static const void *column_bytes(folio_stmt *stmt, int col, size_t *len)
{
	const colbuf *cb;

	if (len)
		*len = 0;
	if (!on_row(stmt, col) || PQgetisnull(stmt->res, stmt->row, col))
		return NULL;
	if (PQftype(stmt->res, col) == OID_BYTEA) {
		cb = decode_bytea(stmt, col);
		if (!cb) {
			oom();
			return NULL;
		}
		if (len)
			*len = cb->len;
		return cb->p;
	}
	if (len)
		*len = (size_t)PQgetlength(stmt->res, stmt->row, col);
	return PQgetvalue(stmt->res, stmt->row, col);
}

static const char *pg_column_text(folio_stmt *stmt, int col, size_t *len)
{
	return column_bytes(stmt, col, len);
}

static const void *pg_column_blob(folio_stmt *stmt, int col, size_t *len)
{
	return column_bytes(stmt, col, len);
}

static int64_t pg_changes(folio_conn *conn)
{
	return conn->changes;
}

/*
 * Transactions
 */

static int pg_begin(folio_conn *conn, int write)
{
	PGTransactionStatusType ts;
	int code;

	/* READ COMMITTED: folio serializes the writers of a database on its counter row. */
	if (!conn->pg)
		return fail_closed("BEGIN");
	code = folio_pg__copy_settle(conn, 1);
	if (code < 0)
		return code;
	ts = PQtransactionStatus(conn->pg);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		return folio_error_set(FOLIO_ERROR,
				       "postgresql: a transaction is open already (BEGIN)");
	return pg_exec(conn, "BEGIN");
}

static int pg_commit(folio_conn *conn)
{
	PGresult *res;
	int code = 0;

	if (!conn->pg)
		return fail_closed("COMMIT");
	/* The COPY's error is the commit's: the server would roll back anyway. */
	code = folio_pg__copy_settle(conn, 1);
	if (code < 0)
		return code;
	if (PQtransactionStatus(conn->pg) == PQTRANS_IDLE)
		return folio_error_set(FOLIO_ERROR, "postgresql: COMMIT with no transaction open");
	res = PQexec(conn->pg, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		code = fail_res(conn, res, "COMMIT");
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* The server answers COMMIT of a failed transaction by rolling it back. */
		code = folio_error_set(FOLIO_ERROR,
				       "postgresql: COMMIT rolled back: a statement of the "
				       "transaction had failed (SQLSTATE 25P02)");
	PQclear(res);
	return code;
}

static int pg_rollback(folio_conn *conn)
{
	PGTransactionStatusType ts;

	if (!conn->pg)
		return fail_closed("ROLLBACK");
	folio_pg__copy_settle(conn, 0);
	ts = PQtransactionStatus(conn->pg);
	if (ts == PQTRANS_IDLE)
		return 0; /* cleanup paths roll back whatever is open */
	if (ts == PQTRANS_UNKNOWN)
		return fail_res(conn, NULL, "ROLLBACK");
	return pg_exec(conn, "ROLLBACK");
}

/*
 * Liveness without a round trip: an idle connection whose socket is
 * readable has either a notice or the server's goodbye (a FATAL message,
 * then the end of the stream: a terminated backend, a restart). Reading
 * until nothing is left tells which.
 */
static int pg_ping(folio_conn *conn)
{
	struct pollfd pfd;
	char msg[MSG_MAX];
	int i;

	if (!conn->pg)
		return fail_closed("ping");
	if (PQstatus(conn->pg) != CONNECTION_OK)
		goto dead;
	if (PQtransactionStatus(conn->pg) == PQTRANS_ACTIVE)
		return 0; /* a command is running: it will tell */
	pfd.fd = PQsocket(conn->pg);
	if (pfd.fd < 0)
		goto dead;
	for (i = 0; i < 8; i++) {
		pfd.events = POLLIN;
#ifdef POLLRDHUP
		pfd.events |= POLLRDHUP;
#endif
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0)
			return 0; /* nothing to read (or EINTR): alive as far as one can tell */
		if (pfd.revents & POLLNVAL)
			goto dead;
		if (!PQconsumeInput(conn->pg) || PQstatus(conn->pg) != CONNECTION_OK)
			goto dead;
		/* PQisBusy parses what was read: a FATAL reaches on_notice(). */
		PQisBusy(conn->pg);
		/* A FATAL ends the session, whether or not the socket is closed yet. */
		if (conn->goodbye[0])
			goto dead;
		if (pfd.revents & (POLLHUP | POLLERR))
			goto dead;
#ifdef POLLRDHUP
		if (pfd.revents & POLLRDHUP)
			goto dead; /* the server never half-closes a live session */
#endif
	}
	return 0;
dead:
	if (conn->goodbye[0])
		snprintf(msg, sizeof(msg), "%s", conn->goodbye);
	else
		first_line(msg, sizeof(msg), PQerrorMessage(conn->pg));
	return folio_error_set(FOLIO_EIO, "postgresql: connection to %s lost: %s", conn->where,
			       msg);
}

const folio_driver folio_pg_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "pg",
	.scheme = "postgresql",
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.dialect = pg_dialect,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_null = pg_bind_null,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_type = pg_column_type,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.changes = pg_changes,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.ping = pg_ping,
	.last_insert_id = NULL,
	.bulk_insert = folio_pg__bulk_insert,
	.bulk_wait = folio_pg__bulk_wait,
};
