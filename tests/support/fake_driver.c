/*
 * The fake driver: the SQLite driver underneath, every call counted, and
 * one-shot faults injected on demand. The connections and statements are
 * the SQLite driver's own, passed through untouched.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_driver.h"
#include "conn.h"
#include "sqlite/sqlite_driver.h"

#define INNER (&folio_sqlite_driver)

enum fault_method {
	F_CONNECT,
	F_EXEC,
	F_PREPARE,
	F_RESET,
	F_BIND,
	F_STEP,
	F_BEGIN,
	F_COMMIT,
	F_ROLLBACK,
	F_BULK,
	F_COUNT
};

static const char *const method_names[F_COUNT] = {
	"connect", "exec", "prepare", "reset", "bind", "step", "begin", "commit", "rollback", "bulk"
};

typedef struct fault {
	int countdown; /* 0: none pending */
	int code;
} fault;

static struct folio_fake_counts counts;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static fault faults[F_COUNT];
static atomic_int faults_pending; /* a fast path: no lock while nothing is armed */

static void count(_Atomic long *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* 0, or the injected code (error detail set) when this call is the chosen one. */
static int injected(enum fault_method m)
{
	int code = 0;

	if (atomic_load(&faults_pending) == 0)
		return 0;
	pthread_mutex_lock(&fault_lock);
	if (faults[m].countdown > 0 && --faults[m].countdown == 0) {
		code = faults[m].code;
		atomic_fetch_sub(&faults_pending, 1);
	}
	pthread_mutex_unlock(&fault_lock);
	if (code == 0)
		return 0;
	count(&counts.faults);
	return folio_error_set(code, "fake: injected failure of %s (%s)", method_names[m],
			       folio_error_name(code));
}

struct folio_fake_counts *folio_fake_counts(void)
{
	return &counts;
}

void folio_fake_reset(void)
{
	int i;

	pthread_mutex_lock(&fault_lock);
	for (i = 0; i < F_COUNT; i++)
		faults[i].countdown = 0;
	atomic_store(&faults_pending, 0);
	pthread_mutex_unlock(&fault_lock);

	atomic_store(&counts.connect, 0);
	atomic_store(&counts.disconnect, 0);
	atomic_store(&counts.dialect, 0);
	atomic_store(&counts.exec, 0);
	atomic_store(&counts.prepare, 0);
	atomic_store(&counts.finalize, 0);
	atomic_store(&counts.reset, 0);
	atomic_store(&counts.bind, 0);
	atomic_store(&counts.step, 0);
	atomic_store(&counts.column, 0);
	atomic_store(&counts.changes, 0);
	atomic_store(&counts.begin, 0);
	atomic_store(&counts.commit, 0);
	atomic_store(&counts.rollback, 0);
	atomic_store(&counts.bulk, 0);
	atomic_store(&counts.bulk_rows, 0);
	atomic_store(&counts.faults, 0);
}

void folio_fake_fail_after(const char *method, int n, int code)
{
	int m;

	assert(method && code < 0);
	for (m = 0; m < F_COUNT; m++) {
		if (strcmp(method_names[m], method) == 0)
			break;
	}
	if (m == F_COUNT) {
		/* A typo here would make a test that cannot fail: stop loudly. */
		fprintf(stderr, "folio_fake_fail_after: unknown method '%s'\n", method);
		abort();
	}
	pthread_mutex_lock(&fault_lock);
	if (faults[m].countdown == 0)
		atomic_fetch_add(&faults_pending, 1);
	faults[m].countdown = n < 1 ? 1 : n;
	faults[m].code = code;
	pthread_mutex_unlock(&fault_lock);
}

static int fk_connect(folio_conn **out, const char *url, const folio_connect_options *opts)
{
	const char *colon = strchr(url, ':');
	char *inner_url;
	size_t len;
	int rc;

	*out = NULL;
	count(&counts.connect);
	rc = injected(F_CONNECT);
	if (rc < 0)
		return rc;
	if (!colon)
		return folio_error_set(FOLIO_EINVALID, "fake: not a URL: '%s'", url);
	len = strlen(colon);
	inner_url = malloc(sizeof("sqlite") + len);
	if (!inner_url)
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	memcpy(inner_url, "sqlite", 6);
	memcpy(inner_url + 6, colon, len + 1);
	rc = INNER->connect(out, inner_url, opts);
	free(inner_url);
	return rc;
}

static void fk_disconnect(folio_conn *conn)
{
	count(&counts.disconnect);
	INNER->disconnect(conn);
}

static const char *fk_dialect(folio_conn *conn)
{
	count(&counts.dialect);
	return INNER->dialect(conn);
}

static int fk_exec(folio_conn *conn, const char *sql)
{
	int rc;

	count(&counts.exec);
	rc = injected(F_EXEC);
	return rc < 0 ? rc : INNER->exec(conn, sql);
}

static int fk_prepare(folio_stmt **out, folio_conn *conn, const char *sql)
{
	int rc;

	count(&counts.prepare);
	rc = injected(F_PREPARE);
	if (rc < 0) {
		*out = NULL;
		return rc;
	}
	return INNER->prepare(out, conn, sql);
}

static void fk_finalize(folio_stmt *stmt)
{
	count(&counts.finalize);
	INNER->finalize(stmt);
}

static int fk_reset(folio_stmt *stmt)
{
	int rc;

	count(&counts.reset);
	rc = injected(F_RESET);
	return rc < 0 ? rc : INNER->reset(stmt);
}

static int fk_bind_null(folio_stmt *stmt, int idx)
{
	int rc;

	count(&counts.bind);
	rc = injected(F_BIND);
	return rc < 0 ? rc : INNER->bind_null(stmt, idx);
}

static int fk_bind_int64(folio_stmt *stmt, int idx, int64_t v)
{
	int rc;

	count(&counts.bind);
	rc = injected(F_BIND);
	return rc < 0 ? rc : INNER->bind_int64(stmt, idx, v);
}

static int fk_bind_double(folio_stmt *stmt, int idx, double v)
{
	int rc;

	count(&counts.bind);
	rc = injected(F_BIND);
	return rc < 0 ? rc : INNER->bind_double(stmt, idx, v);
}

static int fk_bind_text(folio_stmt *stmt, int idx, const char *v, size_t len)
{
	int rc;

	count(&counts.bind);
	rc = injected(F_BIND);
	return rc < 0 ? rc : INNER->bind_text(stmt, idx, v, len);
}

static int fk_bind_blob(folio_stmt *stmt, int idx, const void *v, size_t len)
{
	int rc;

	count(&counts.bind);
	rc = injected(F_BIND);
	return rc < 0 ? rc : INNER->bind_blob(stmt, idx, v, len);
}

static int fk_step(folio_stmt *stmt)
{
	int rc;

	count(&counts.step);
	rc = injected(F_STEP);
	return rc < 0 ? rc : INNER->step(stmt);
}

static int fk_column_count(folio_stmt *stmt)
{
	count(&counts.column);
	return INNER->column_count(stmt);
}

static folio_coltype fk_column_type(folio_stmt *stmt, int col)
{
	count(&counts.column);
	return INNER->column_type(stmt, col);
}

static int64_t fk_column_int64(folio_stmt *stmt, int col)
{
	count(&counts.column);
	return INNER->column_int64(stmt, col);
}

static double fk_column_double(folio_stmt *stmt, int col)
{
	count(&counts.column);
	return INNER->column_double(stmt, col);
}

static const char *fk_column_text(folio_stmt *stmt, int col, size_t *len)
{
	count(&counts.column);
	return INNER->column_text(stmt, col, len);
}

static const void *fk_column_blob(folio_stmt *stmt, int col, size_t *len)
{
	count(&counts.column);
	return INNER->column_blob(stmt, col, len);
}

static int64_t fk_changes(folio_conn *conn)
{
	count(&counts.changes);
	return INNER->changes(conn);
}

static int fk_begin(folio_conn *conn, int write)
{
	int rc;

	count(&counts.begin);
	rc = injected(F_BEGIN);
	return rc < 0 ? rc : INNER->begin(conn, write);
}

static int fk_commit(folio_conn *conn)
{
	int rc;

	count(&counts.commit);
	rc = injected(F_COMMIT);
	return rc < 0 ? rc : INNER->commit(conn);
}

static int fk_rollback(folio_conn *conn)
{
	int rc;

	count(&counts.rollback);
	rc = injected(F_ROLLBACK);
	return rc < 0 ? rc : INNER->rollback(conn);
}

/* Writes rows [0, n) of a bulk insert with one prepared INSERT through SQLite. */
static int bulk_rows(folio_conn *conn, const char *table, const char *const *cols, int n_cols,
		     const folio_value *rows, size_t n)
{
	char sql[4096];
	size_t o;
	folio_stmt *st = NULL;
	int rc;

	o = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", table);
	for (int k = 0; k < n_cols && o < sizeof(sql); k++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s", k ? ", " : "", cols[k]);
	for (int k = 0; k < n_cols && o < sizeof(sql); k++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s?", k ? ", " : ") VALUES (");
	if (o + 2 >= sizeof(sql))
		return folio_error_set(FOLIO_ETOOBIG, "fake: bulk statement too long");
	strcpy(sql + o, ")");
	rc = INNER->prepare(&st, conn, sql);
	for (size_t r = 0; rc == 0 && r < n; r++) {
		for (int k = 0; rc == 0 && k < n_cols; k++) {
			const folio_value *v = &rows[r * (size_t)n_cols + (size_t)k];
			switch (v->type) {
			case FOLIO_COL_INT:
				rc = INNER->bind_int64(st, k + 1, v->i);
				break;
			case FOLIO_COL_DOUBLE:
				rc = INNER->bind_double(st, k + 1, v->d);
				break;
			case FOLIO_COL_TEXT:
				rc = INNER->bind_text(st, k + 1, v->p, v->len);
				break;
			default:
				rc = INNER->bind_null(st, k + 1);
				break;
			}
		}
		if (rc == 0)
			rc = INNER->step(st);
		if (rc == FOLIO_DONE)
			rc = INNER->reset(st);
		atomic_fetch_add(&counts.bulk_rows, rc == 0);
	}
	if (st)
		INNER->finalize(st);
	return rc;
}

static int fk_bulk_insert(folio_conn *conn, const char *table, const char *const *cols,
			  int n_cols, const folio_value *rows, size_t n_rows)
{
	int rc;

	count(&counts.bulk);
	rc = injected(F_BULK);
	if (rc < 0) {
		/* Cut short: half of the rows are in, as a failed bulk insert can leave them. */
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", folio_error_last());
		bulk_rows(conn, table, cols, n_cols, rows, n_rows / 2);
		return folio_error_set(rc, "%s", msg);
	}
	return bulk_rows(conn, table, cols, n_cols, rows, n_rows);
}

const folio_driver folio_fake_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "fake",
	.scheme = "fake",
	.connect = fk_connect,
	.disconnect = fk_disconnect,
	.dialect = fk_dialect,
	.exec = fk_exec,
	.prepare = fk_prepare,
	.finalize = fk_finalize,
	.reset = fk_reset,
	.bind_null = fk_bind_null,
	.bind_int64 = fk_bind_int64,
	.bind_double = fk_bind_double,
	.bind_text = fk_bind_text,
	.bind_blob = fk_bind_blob,
	.step = fk_step,
	.column_count = fk_column_count,
	.column_type = fk_column_type,
	.column_int64 = fk_column_int64,
	.column_double = fk_column_double,
	.column_text = fk_column_text,
	.column_blob = fk_column_blob,
	.changes = fk_changes,
	.begin = fk_begin,
	.commit = fk_commit,
	.rollback = fk_rollback,
	.ping = NULL,
};

const folio_driver folio_fake_bulk_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "fakebulk",
	.scheme = "fakebulk",
	.connect = fk_connect,
	.disconnect = fk_disconnect,
	.dialect = fk_dialect,
	.exec = fk_exec,
	.prepare = fk_prepare,
	.finalize = fk_finalize,
	.reset = fk_reset,
	.bind_null = fk_bind_null,
	.bind_int64 = fk_bind_int64,
	.bind_double = fk_bind_double,
	.bind_text = fk_bind_text,
	.bind_blob = fk_bind_blob,
	.step = fk_step,
	.column_count = fk_column_count,
	.column_type = fk_column_type,
	.column_int64 = fk_column_int64,
	.column_double = fk_column_double,
	.column_text = fk_column_text,
	.column_blob = fk_column_blob,
	.changes = fk_changes,
	.begin = fk_begin,
	.commit = fk_commit,
	.rollback = fk_rollback,
	.ping = NULL,
	.bulk_insert = fk_bulk_insert,
};

static int register_one(const folio_driver *d, const char *probe)
{
	int rc = folio_driver_register(d);

	if (rc == FOLIO_EEXISTS && folio_driver__find(probe) == d) {
		folio_error_clear();
		return 0;
	}
	return rc;
}

int folio_fake_register(void)
{
	int rc = register_one(&folio_fake_driver, "fake:");

	return rc ? rc : register_one(&folio_fake_bulk_driver, "fakebulk:");
}
