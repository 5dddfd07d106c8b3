/*
 * The native SQLite driver: libsqlite3 behind the folio driver table.
 *
 * One folio_conn is one sqlite3 handle, used by one thread at a time (the
 * pool's contract), so it is opened SQLITE_OPEN_NOMUTEX. The statements that
 * run transactions are prepared once per connection and kept.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "sqlite_driver.h"

#if SQLITE_VERSION_NUMBER < 3037000
#error "folio needs SQLite 3.37 or later (sqlite3_changes64)"
#endif

/* Room for the SQL quoted in an error line; the rest is cut. */
#define SQL_SNIPPET_MAX 160

/* Page cache per connection: 8 MiB (a negative cache_size counts KiB). */
#define CACHE_SIZE_PRAGMA "PRAGMA cache_size=-8192"
/* Page size of a new database file (set before its first table). */
#define PAGE_SIZE_PRAGMA "PRAGMA page_size=8192"

enum tx_stmt { TX_BEGIN, TX_BEGIN_WRITE, TX_COMMIT, TX_ROLLBACK, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = {
	"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"
};

struct folio_conn {
	sqlite3 *db;
	char *path; /* as opened, for error lines */
	int readonly;
	sqlite3_stmt *tx[TX_COUNT];
	/* the last bulk_insert's INSERTs (one row, BULK_ROWS rows), kept for the next */
	sqlite3_stmt *bulk, *bulk_multi;
	char bulk_key[1024]; /* the table and columns they insert into (bulk_key()) */
};

struct folio_stmt {
	sqlite3_stmt *st;
	folio_conn *conn;
};

/* Options from the URL's query part. */
typedef struct url_opts {
	int flags; /* SQLITE_OPEN_READONLY, _READWRITE, _READWRITE|_CREATE */
} url_opts;

/*
 * Error mapping
 */

typedef struct code_name {
	int code;
	const char *name;
} code_name;

#define CODE(x) { x, #x }
static const code_name code_names[] = {
	CODE(SQLITE_ERROR),
	CODE(SQLITE_INTERNAL),
	CODE(SQLITE_PERM),
	CODE(SQLITE_ABORT),
	CODE(SQLITE_BUSY),
	CODE(SQLITE_LOCKED),
	CODE(SQLITE_NOMEM),
	CODE(SQLITE_READONLY),
	CODE(SQLITE_INTERRUPT),
	CODE(SQLITE_IOERR),
	CODE(SQLITE_CORRUPT),
	CODE(SQLITE_NOTFOUND),
	CODE(SQLITE_FULL),
	CODE(SQLITE_CANTOPEN),
	CODE(SQLITE_PROTOCOL),
	CODE(SQLITE_EMPTY),
	CODE(SQLITE_SCHEMA),
	CODE(SQLITE_TOOBIG),
	CODE(SQLITE_CONSTRAINT),
	CODE(SQLITE_MISMATCH),
	CODE(SQLITE_MISUSE),
	CODE(SQLITE_NOLFS),
	CODE(SQLITE_AUTH),
	CODE(SQLITE_FORMAT),
	CODE(SQLITE_RANGE),
	CODE(SQLITE_NOTADB),
	CODE(SQLITE_NOTICE),
	CODE(SQLITE_WARNING),
	CODE(SQLITE_ERROR_MISSING_COLLSEQ),
	CODE(SQLITE_ERROR_RETRY),
	CODE(SQLITE_ERROR_SNAPSHOT),
	CODE(SQLITE_IOERR_READ),
	CODE(SQLITE_IOERR_SHORT_READ),
	CODE(SQLITE_IOERR_WRITE),
	CODE(SQLITE_IOERR_FSYNC),
	CODE(SQLITE_IOERR_DIR_FSYNC),
	CODE(SQLITE_IOERR_TRUNCATE),
	CODE(SQLITE_IOERR_FSTAT),
	CODE(SQLITE_IOERR_UNLOCK),
	CODE(SQLITE_IOERR_RDLOCK),
	CODE(SQLITE_IOERR_DELETE),
	CODE(SQLITE_IOERR_BLOCKED),
	CODE(SQLITE_IOERR_NOMEM),
	CODE(SQLITE_IOERR_ACCESS),
	CODE(SQLITE_IOERR_CHECKRESERVEDLOCK),
	CODE(SQLITE_IOERR_LOCK),
	CODE(SQLITE_IOERR_CLOSE),
	CODE(SQLITE_IOERR_DIR_CLOSE),
	CODE(SQLITE_IOERR_SHMOPEN),
	CODE(SQLITE_IOERR_SHMSIZE),
	CODE(SQLITE_IOERR_SHMLOCK),
	CODE(SQLITE_IOERR_SHMMAP),
	CODE(SQLITE_IOERR_SEEK),
	CODE(SQLITE_IOERR_DELETE_NOENT),
	CODE(SQLITE_IOERR_MMAP),
	CODE(SQLITE_IOERR_GETTEMPPATH),
	CODE(SQLITE_IOERR_CONVPATH),
	CODE(SQLITE_IOERR_VNODE),
	CODE(SQLITE_IOERR_AUTH),
	CODE(SQLITE_IOERR_BEGIN_ATOMIC),
	CODE(SQLITE_IOERR_COMMIT_ATOMIC),
	CODE(SQLITE_IOERR_ROLLBACK_ATOMIC),
	CODE(SQLITE_IOERR_DATA),
	CODE(SQLITE_IOERR_CORRUPTFS),
	CODE(SQLITE_LOCKED_SHAREDCACHE),
	CODE(SQLITE_LOCKED_VTAB),
	CODE(SQLITE_BUSY_RECOVERY),
	CODE(SQLITE_BUSY_SNAPSHOT),
	CODE(SQLITE_BUSY_TIMEOUT),
	CODE(SQLITE_CANTOPEN_NOTEMPDIR),
	CODE(SQLITE_CANTOPEN_ISDIR),
	CODE(SQLITE_CANTOPEN_FULLPATH),
	CODE(SQLITE_CANTOPEN_CONVPATH),
	CODE(SQLITE_CANTOPEN_SYMLINK),
	CODE(SQLITE_CORRUPT_VTAB),
	CODE(SQLITE_CORRUPT_SEQUENCE),
	CODE(SQLITE_CORRUPT_INDEX),
	CODE(SQLITE_READONLY_RECOVERY),
	CODE(SQLITE_READONLY_CANTLOCK),
	CODE(SQLITE_READONLY_ROLLBACK),
	CODE(SQLITE_READONLY_DBMOVED),
	CODE(SQLITE_READONLY_CANTINIT),
	CODE(SQLITE_READONLY_DIRECTORY),
	CODE(SQLITE_ABORT_ROLLBACK),
	CODE(SQLITE_CONSTRAINT_CHECK),
	CODE(SQLITE_CONSTRAINT_COMMITHOOK),
	CODE(SQLITE_CONSTRAINT_FOREIGNKEY),
	CODE(SQLITE_CONSTRAINT_FUNCTION),
	CODE(SQLITE_CONSTRAINT_NOTNULL),
	CODE(SQLITE_CONSTRAINT_PRIMARYKEY),
	CODE(SQLITE_CONSTRAINT_TRIGGER),
	CODE(SQLITE_CONSTRAINT_UNIQUE),
	CODE(SQLITE_CONSTRAINT_VTAB),
	CODE(SQLITE_CONSTRAINT_ROWID),
	CODE(SQLITE_CONSTRAINT_PINNED),
	CODE(SQLITE_CONSTRAINT_DATATYPE),
};
#undef CODE

/* The C name of an (extended) result code; "SQLITE_ERROR" style, never NULL. */
static const char *code_name_of(int rc, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
		if (code_names[i].code == rc)
			return code_names[i].name;
	}
	/* An extended code newer than this table: the primary name and the number. */
	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
		if (code_names[i].code == (rc & 0xff)) {
			snprintf(buf, size, "%s/%d", code_names[i].name, rc);
			return buf;
		}
	}
	snprintf(buf, size, "SQLITE %d", rc);
	return buf;
}

static int folio_code_of(int rc)
{
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return FOLIO_EEXISTS;
	if (rc == SQLITE_IOERR_NOMEM)
		return FOLIO_ENOMEM;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FOLIO_EBUSY;
	case SQLITE_FULL:
		return FOLIO_EFULL;
	case SQLITE_READONLY:
		return FOLIO_EREADONLY;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return FOLIO_EIO;
	case SQLITE_NOMEM:
		return FOLIO_ENOMEM;
	case SQLITE_TOOBIG:
		return FOLIO_ETOOBIG;
	default:
		return FOLIO_ERROR;
	}
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
 * Sets the thread's error from `rc` and the handle's message (or `msg`),
 * followed by `label` and the start of `arg` ("in: SQL", "opening PATH")
 * when given, and returns the folio code.
 */
static int fail(sqlite3 *db, int rc, const char *msg, const char *label, const char *arg)
{
	char namebuf[48];
	char snip[SQL_SNIPPET_MAX];
	const char *name = code_name_of(rc, namebuf, sizeof(namebuf));

	if (!msg)
		msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	snip[0] = '\0';
	if (label && arg)
		snippet(snip, sizeof(snip), arg);
	else
		label = "";
	return folio_error_set(folio_code_of(rc), "sqlite: %s (%s)%s%s", msg, name, label, snip);
}

static int fail_db(sqlite3 *db, int rc)
{
	return fail(db, rc, NULL, NULL, NULL);
}

/*
 * URLs
 */

static int parse_options(url_opts *o, const char *q)
{
	const char *p = q;

	o->flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	while (*p) {
		size_t n = strcspn(p, "&");

		if (n == 7 && strncmp(p, "mode=ro", 7) == 0)
			o->flags = SQLITE_OPEN_READONLY;
		else if (n == 7 && strncmp(p, "mode=rw", 7) == 0)
			o->flags = SQLITE_OPEN_READWRITE;
		else if (n == 8 && strncmp(p, "mode=rwc", 8) == 0)
			o->flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		else if (n > 0)
			return folio_error_set(FOLIO_EINVALID,
					       "sqlite: unknown URL option '%.*s' (known: "
					       "mode=ro, mode=rw, mode=rwc)",
					       (int)(n > 64 ? 64 : n), p);
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* Splits "sqlite:PATH?opts" into a malloc'ed path and the options. */
static int parse_url(char **path, url_opts *o, const char *url)
{
	const char *colon = strchr(url, ':');
	const char *p;
	const char *q;
	size_t len;
	int rc;

	*path = NULL;
	if (!colon)
		return folio_error_set(FOLIO_EINVALID, "sqlite: not a URL: '%s'", url);
	p = colon + 1;
	if (strncmp(p, "//", 2) == 0) {
		/* sqlite:///abs/path: an empty authority, then an absolute path. */
		p += 2;
		if (*p != '/')
			return folio_error_set(FOLIO_EINVALID,
					       "sqlite: a host in a URL is not supported: '%s' "
					       "(use sqlite:PATH or sqlite:///ABSOLUTE/PATH)",
					       url);
	}
	q = strchr(p, '?');
	len = q ? (size_t)(q - p) : strlen(p);
	if (len == 0)
		return folio_error_set(FOLIO_EINVALID, "sqlite: no path in URL '%s'", url);
	rc = parse_options(o, q ? q + 1 : "");
	if (rc < 0)
		return rc;
	*path = malloc(len + 1);
	if (!*path)
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	memcpy(*path, p, len);
	(*path)[len] = '\0';
	return 0;
}

/*
 * Explains a failed open in the user's terms: which directory is missing,
 * or what the system said about the file.
 */
static int fail_open(sqlite3 *db, int rc, const char *path)
{
	char *dir = NULL;
	char *slash;
	struct stat sb;
	int code;

	if ((rc & 0xff) == SQLITE_CANTOPEN && stat(path, &sb) != 0 && errno == ENOENT) {
		dir = strdup(path);
		slash = dir ? strrchr(dir, '/') : NULL;
		if (slash) {
			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
			if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
				code = folio_error_set(
					FOLIO_EIO,
					"sqlite: cannot open '%s': the directory '%s' does not "
					"exist (SQLITE_CANTOPEN)",
					path, dir);
				goto out;
			}
		}
	}
	if ((rc & 0xff) == SQLITE_CANTOPEN && db && sqlite3_system_errno(db) != 0) {
		char name[48];
		code = folio_error_set(FOLIO_EIO, "sqlite: cannot open '%s': %s (%s)", path,
				       strerror(sqlite3_system_errno(db)),
				       code_name_of(rc, name, sizeof(name)));
		goto out;
	}
	code = fail(db, rc, NULL, " opening ", path);
out:
	free(dir);
	return code;
}

static int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Connections
 */

static void close_conn(folio_conn *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < TX_COUNT; i++)
		sqlite3_finalize(c->tx[i]);
	sqlite3_finalize(c->bulk);
	sqlite3_finalize(c->bulk_multi);
	/* _v2: statements the caller still holds keep the handle alive until finalized. */
	sqlite3_close_v2(c->db);
	free(c->path);
	free(c);
}

static int run_pragma(folio_conn *c, const char *sql)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail(c->db, sqlite3_extended_errcode(c->db), NULL, " opening ", c->path);
	return 0;
}

static int sq_connect(folio_conn **out, const char *url, const folio_connect_options *opts)
{
	folio_conn *c = NULL;
	url_opts o = { .flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE };
	int memory;
	int timeout = FOLIO_SQLITE_BUSY_TIMEOUT_MS;
	int rc;
	int code;

	assert(out && url);
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	code = parse_url(&c->path, &o, url);
	if (code < 0)
		goto out;
	memory = strcmp(c->path, ":memory:") == 0;
	if (!memory && is_dir(c->path)) {
		code = folio_error_set(FOLIO_EIO, "sqlite: cannot open '%s': it is a directory",
				       c->path);
		goto out;
	}

	rc = sqlite3_open_v2(c->path, &c->db, o.flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK && (o.flags & SQLITE_OPEN_READWRITE) && !memory &&
	    ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) &&
	    file_exists(c->path)) {
		/* A file we may read but not write: serve reads, refuse writes. */
		sqlite3_close_v2(c->db);
		c->db = NULL;
		rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				     NULL);
	}
	if (rc != SQLITE_OK) {
		if (c->db)
			rc = sqlite3_extended_errcode(c->db);
		code = fail_open(c->db, rc, c->path);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	c->readonly = sqlite3_db_readonly(c->db, "main") == 1;

	if (opts && opts->busy_timeout_ms != 0)
		timeout = opts->busy_timeout_ms < 0 ? 0 : opts->busy_timeout_ms;
	sqlite3_busy_timeout(c->db, timeout);

	/*
	 * The first pragma reads the file header, so a file that is not a
	 * database fails here rather than on the first query.
	 */
	if (!memory && !c->readonly) {
		/*
		 * 8 KiB pages for a new file (an existing one keeps its own): rows
		 * of documents are hundreds of bytes to kilobytes, and an import
		 * of 100,000 of them took a fifth less time than with 4 KiB.
		 */
		code = run_pragma(c, PAGE_SIZE_PRAGMA);
		if (code < 0)
			goto out;
		code = run_pragma(c, "PRAGMA journal_mode=WAL");
		if (code < 0)
			goto out;
	}
	code = run_pragma(c, "PRAGMA synchronous=NORMAL");
	if (code < 0)
		goto out;
	code = run_pragma(c, "PRAGMA foreign_keys=OFF");
	if (code < 0)
		goto out;
	code = run_pragma(c, CACHE_SIZE_PRAGMA);
	/*
	 * Statement journals (a multi-row INSERT inside a transaction keeps one
	 * to undo itself) and temporary tables stay in memory, not in files.
	 */
	if (code == SQLITE_OK)
		code = run_pragma(c, "PRAGMA temp_store=MEMORY");
	if (code < 0)
		goto out;
	if (!memory) {
		code = run_pragma(c, "SELECT count(*) FROM sqlite_schema");
		if (code < 0)
			goto out;
	}
	*out = c;
	c = NULL;
	code = 0;
out:
	close_conn(c);
	return code;
}

static void sq_disconnect(folio_conn *conn)
{
	close_conn(conn);
}

static const char *sq_dialect(folio_conn *conn)
{
	return "sqlite";
}

static int sq_exec(folio_conn *conn, const char *sql)
{
	char *msg = NULL;
	int rc;
	int code;

	rc = sqlite3_exec(conn->db, sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return 0;
	rc = sqlite3_extended_errcode(conn->db);
	code = fail(conn->db, rc, msg, " in: ", sql);
	sqlite3_free(msg);
	return code;
}

/* 1 when `tail` holds another statement (not only blanks, ';' or comments). */
static int has_more(sqlite3 *db, const char *tail)
{
	sqlite3_stmt *next = NULL;
	const char *p = tail;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';')
		p++;
	if (*p == '\0')
		return 0;
	if (sqlite3_prepare_v2(db, p, -1, &next, NULL) != SQLITE_OK)
		return 1;
	if (!next)
		return 0;
	sqlite3_finalize(next);
	return 1;
}

static int sq_prepare(folio_stmt **out, folio_conn *conn, const char *sql)
{
	folio_stmt *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int rc;
	int code;

	*out = NULL;
	rc = sqlite3_prepare_v3(conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
	if (rc != SQLITE_OK) {
		code = fail(conn->db, rc, NULL, " in: ", sql);
		goto out;
	}
	if (!st) {
		code = folio_error_set(FOLIO_EINVALID, "sqlite: no statement in: '%s'", sql);
		goto out;
	}
	if (tail && has_more(conn->db, tail)) {
		char snip[SQL_SNIPPET_MAX];
		snippet(snip, sizeof(snip), sql);
		code = folio_error_set(FOLIO_EINVALID,
				       "sqlite: more than one statement in: %s", snip);
		goto out;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		code = folio_error_set(FOLIO_ENOMEM, "out of memory");
		goto out;
	}
	s->st = st;
	s->conn = conn;
	st = NULL;
	*out = s;
	code = 0;
out:
	sqlite3_finalize(st);
	return code;
}

static void sq_finalize(folio_stmt *stmt)
{
	if (!stmt)
		return;
	sqlite3_finalize(stmt->st);
	free(stmt);
}

static int sq_reset(folio_stmt *stmt)
{
	/*
	 * sqlite3_reset() repeats the error of a failed step; that error was
	 * reported by step already, and the statement is reset all the same,
	 * so it is not reported twice (and the detail is not overwritten).
	 */
	sqlite3_reset(stmt->st);
	sqlite3_clear_bindings(stmt->st);
	return 0;
}

static int bound(folio_stmt *stmt, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	return fail_db(stmt->conn->db, rc);
}

static int sq_bind_null(folio_stmt *stmt, int idx)
{
	return bound(stmt, sqlite3_bind_null(stmt->st, idx));
}

static int sq_bind_int64(folio_stmt *stmt, int idx, int64_t v)
{
	return bound(stmt, sqlite3_bind_int64(stmt->st, idx, (sqlite3_int64)v));
}

static int sq_bind_double(folio_stmt *stmt, int idx, double v)
{
	return bound(stmt, sqlite3_bind_double(stmt->st, idx, v));
}

static int sq_bind_text(folio_stmt *stmt, int idx, const char *v, size_t len)
{
	assert(v || len == 0);
	/* A NULL pointer would bind SQL NULL; an empty text is still a text. */
	if (!v) {
		v = "";
		len = 0;
	}
	/* The caller keeps the buffer until the statement is stepped or reset (driver.h). */
	return bound(stmt, sqlite3_bind_text64(stmt->st, idx, v, (sqlite3_uint64)len,
					       SQLITE_STATIC, SQLITE_UTF8));
}

static int sq_bind_blob(folio_stmt *stmt, int idx, const void *v, size_t len)
{
	assert(v || len == 0);
	if (!v)
		return bound(stmt, sqlite3_bind_zeroblob(stmt->st, idx, 0));
	return bound(stmt, sqlite3_bind_blob64(stmt->st, idx, v, (sqlite3_uint64)len,
					       SQLITE_STATIC));
}

static int sq_step(folio_stmt *stmt)
{
	int rc = sqlite3_step(stmt->st);

	if (rc == SQLITE_ROW)
		return FOLIO_ROW;
	if (rc == SQLITE_DONE)
		return FOLIO_DONE;
	return fail(stmt->conn->db, rc, NULL, " in: ", sqlite3_sql(stmt->st));
}

static int sq_column_count(folio_stmt *stmt)
{
	return sqlite3_column_count(stmt->st);
}

static folio_coltype sq_column_type(folio_stmt *stmt, int col)
{
	switch (sqlite3_column_type(stmt->st, col)) {
	case SQLITE_INTEGER:
		return FOLIO_COL_INT;
	case SQLITE_FLOAT:
		return FOLIO_COL_DOUBLE;
	case SQLITE_TEXT:
		return FOLIO_COL_TEXT;
	case SQLITE_BLOB:
		return FOLIO_COL_BLOB;
	default:
		return FOLIO_COL_NULL;
	}
}

static int64_t sq_column_int64(folio_stmt *stmt, int col)
{
	return (int64_t)sqlite3_column_int64(stmt->st, col);
}

static double sq_column_double(folio_stmt *stmt, int col)
{
	return sqlite3_column_double(stmt->st, col);
}

static const char *sq_column_text(folio_stmt *stmt, int col, size_t *len)
{
	/* The pointer first, then the length (sqlite's documented order). */
	const char *v = (const char *)sqlite3_column_text(stmt->st, col);

	if (len)
		*len = v ? (size_t)sqlite3_column_bytes(stmt->st, col) : 0;
	return v;
}

static const void *sq_column_blob(folio_stmt *stmt, int col, size_t *len)
{
	const void *v = sqlite3_column_blob(stmt->st, col);
	size_t n = v ? (size_t)sqlite3_column_bytes(stmt->st, col) : 0;

	/* sqlite gives NULL for an empty blob; keep NULL for SQL NULL only. */
	if (!v && sqlite3_column_type(stmt->st, col) != SQLITE_NULL)
		v = "";
	if (len)
		*len = n;
	return v;
}

static int64_t sq_last_insert_id(folio_conn *conn)
{
	return sqlite3_last_insert_rowid(conn->db);
}

static int64_t sq_changes(folio_conn *conn)
{
	return (int64_t)sqlite3_changes64(conn->db);
}

/* Runs one of the kept transaction statements, preparing it the first time. */
static int run_tx(folio_conn *conn, enum tx_stmt which)
{
	sqlite3_stmt *st = conn->tx[which];
	int rc;

	if (!st) {
		rc = sqlite3_prepare_v3(conn->db, tx_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
					&st, NULL);
		if (rc != SQLITE_OK)
			return fail(conn->db, rc, NULL, " in: ", tx_sql[which]);
		conn->tx[which] = st;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(conn->db, rc, NULL, " in: ", tx_sql[which]);
	return 0;
}

static int sq_begin(folio_conn *conn, int write)
{
	return run_tx(conn, write ? TX_BEGIN_WRITE : TX_BEGIN);
}

static int sq_commit(folio_conn *conn)
{
	return run_tx(conn, TX_COMMIT);
}

/*
 * The bulk path: INSERT OR FAIL of BULK_ROWS rows of VALUES, prepared once
 * and run for each full group, and the single-row form for the rest. OR
 * FAIL, not the default ABORT: a statement that may abort after writing
 * some rows keeps a statement journal to undo them, which costs more than
 * the multi-row statement saves; with OR FAIL a refused row stops the
 * statement with the rows before it written, and the caller rolls back
 * (driver.h). The values are bound where they lie.
 */
#define BULK_ROWS 16

/* "table(col,col,...)": what the kept bulk statements were made for. */
static int bulk_key(char *out, size_t size, const char *table, const char *const *cols, int n_cols)
{
	size_t o = 0, n = strlen(table);

	if (n + 2 > size)
		return -1;
	memcpy(out, table, n);
	o = n;
	out[o++] = '(';
	for (int i = 0; i < n_cols; i++) {
		n = strlen(cols[i]);
		if (o + n + 2 > size)
			return -1;
		memcpy(out + o, cols[i], n);
		o += n;
		out[o++] = ',';
	}
	out[o] = 0;
	return 0;
}

/* The kept statement of one row or BULK_ROWS rows for the columns of conn->bulk_key. */
static int bulk_stmt(folio_conn *conn, int multi, const char *table, const char *const *cols,
		     int n_cols, sqlite3_stmt **out)
{
	sqlite3_stmt **slot = multi ? &conn->bulk_multi : &conn->bulk;
	int rows = multi ? BULK_ROWS : 1;
	size_t o, size;
	char *sql;
	int rc;

	if (*slot) {
		*out = *slot;
		return 0;
	}
	size = 256 + (size_t)n_cols * (40 + 3 * (size_t)rows);
	sql = malloc(size);
	if (!sql)
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	o = (size_t)snprintf(sql, size, "INSERT OR FAIL INTO %s (", table);
	for (int i = 0; i < n_cols && o < size; i++)
		o += (size_t)snprintf(sql + o, size - o, "%s%s", i ? ", " : "", cols[i]);
	for (int r = 0; r < rows && o < size; r++)
		for (int i = 0; i < n_cols && o < size; i++)
			o += (size_t)snprintf(sql + o, size - o, "%s",
					      i ? ", ?" : r ? "), (?" : ") VALUES (?");
	if (o + 2 > size) {
		free(sql);
		return folio_error_set(FOLIO_EINVALID, "sqlite: bulk insert into %s: too many columns",
				       table);
	}
	sql[o++] = ')';
	sql[o] = 0;
	rc = sqlite3_prepare_v3(conn->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
	if (rc != SQLITE_OK) {
		*slot = NULL;
		rc = fail(conn->db, rc, NULL, " in: ", sql);
		free(sql);
		return rc;
	}
	free(sql);
	*out = *slot;
	return 0;
}

/* Binds n values from parameter 1 on, as the driver's own bind functions do. */
static int bulk_bind(folio_conn *conn, sqlite3_stmt *st, const folio_value *v, size_t n)
{
	folio_stmt s = {st, conn};

	for (size_t i = 0; i < n; i++) {
		int p = (int)i + 1, rc;
		switch (v[i].type) {
		case FOLIO_COL_INT:
			rc = sq_bind_int64(&s, p, v[i].i);
			break;
		case FOLIO_COL_DOUBLE:
			rc = sq_bind_double(&s, p, v[i].d);
			break;
		case FOLIO_COL_TEXT:
			rc = sq_bind_text(&s, p, v[i].p, v[i].len);
			break;
		default:
			rc = sq_bind_null(&s, p);
			break;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sq_bulk_insert(folio_conn *conn, const char *table, const char *const *cols, int n_cols,
			  const folio_value *rows, size_t n_rows)
{
	char key[sizeof(conn->bulk_key)];
	size_t r = 0;

	if (bulk_key(key, sizeof(key), table, cols, n_cols) < 0)
		return folio_error_set(FOLIO_EINVALID, "sqlite: bulk insert into %s: too many columns",
				       table);
	if (strcmp(key, conn->bulk_key) != 0) {
		/* Other columns: both kept statements go. */
		sqlite3_finalize(conn->bulk);
		sqlite3_finalize(conn->bulk_multi);
		conn->bulk = conn->bulk_multi = NULL;
		memcpy(conn->bulk_key, key, sizeof(key));
	}
	while (r < n_rows) {
		int multi = n_rows - r >= BULK_ROWS;
		size_t k = multi ? BULK_ROWS : 1;
		sqlite3_stmt *st = NULL;
		int rc = bulk_stmt(conn, multi, table, cols, n_cols, &st);

		if (rc < 0)
			return rc;
		rc = bulk_bind(conn, st, rows + r * (size_t)n_cols, k * (size_t)n_cols);
		if (rc == 0 && sqlite3_step(st) != SQLITE_DONE)
			rc = fail(conn->db, sqlite3_extended_errcode(conn->db), NULL, " in: ",
				  sqlite3_sql(st));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc < 0)
			return rc;
		r += k;
	}
	return 0;
}

static int sq_rollback(folio_conn *conn)
{
	/*
	 * sqlite rolls back by itself after some errors (a full disk, an I/O
	 * error); a rollback in the caller's cleanup then has nothing to undo.
	 */
	if (sqlite3_get_autocommit(conn->db))
		return 0;
	return run_tx(conn, TX_ROLLBACK);
}

const folio_driver folio_sqlite_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "sqlite",
	.scheme = "sqlite",
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.dialect = sq_dialect,
	.exec = sq_exec,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.bind_null = sq_bind_null,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.step = sq_step,
	.column_count = sq_column_count,
	.column_type = sq_column_type,
	.column_int64 = sq_column_int64,
	.column_double = sq_column_double,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.changes = sq_changes,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.ping = NULL,
	.last_insert_id = sq_last_insert_id,
	.bulk_insert = sq_bulk_insert,
	.bulk_wait = NULL,
};
