/*
 * folio: the driver interface, for people who write drivers.
 *
 * A driver is a versioned table of function pointers (the shape of SQLite's
 * VFS and libgit2's ODB backends). Fields are only ever appended; a driver
 * sets `version` to the FOLIO_DRIVER_VERSION it was written for, and the
 * core reads the fields of a later version only from drivers that say so
 * (a table written for version 1 ends at last_insert_id). Methods marked
 * optional may be NULL and the core checks before calling them.
 *
 * Versions: 1, the first; 2 added bulk_insert and bulk_wait.
 *
 * SQL reaching a driver is written by folio's dialects with `?` placeholders
 * numbered from 1 in order; a driver whose engine wants another spelling
 * ($1 for libpq) rewrites them. Every value is bound; no value is ever part
 * of the SQL text.
 *
 * Errors: a method returns 0 (or FOLIO_ROW for step), or a negative
 * FOLIO_E* code after calling folio_error_set() with one line that names the
 * engine's code (SQLSTATE where there is one) and its message. Map a unique
 * violation to FOLIO_EEXISTS, a lock timeout to FOLIO_EBUSY, a deadlock or a
 * serialization failure (the engine rolled back) to FOLIO_EDEADLOCK, a full disk to
 * FOLIO_EFULL, a read-only database to FOLIO_EREADONLY, a lost connection
 * to FOLIO_EIO.
 */
#ifndef FOLIO_SYS_DRIVER_H
#define FOLIO_SYS_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include "folio/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FOLIO_DRIVER_VERSION 2

/* step() results */
#define FOLIO_ROW 1
#define FOLIO_DONE 0

typedef enum folio_coltype {
	FOLIO_COL_NULL = 0,
	FOLIO_COL_INT = 1,
	FOLIO_COL_DOUBLE = 2,
	FOLIO_COL_TEXT = 3,
	FOLIO_COL_BLOB = 4
} folio_coltype;

/*
 * A value of a row given to bulk_insert: `type` says which member holds it.
 * FOLIO_COL_NULL has none; FOLIO_COL_BLOB is not taken.
 */
typedef struct folio_value {
	folio_coltype type;
	int64_t i;      /* FOLIO_COL_INT */
	double d;       /* FOLIO_COL_DOUBLE */
	const char *p;  /* FOLIO_COL_TEXT: UTF-8, no NUL byte, `len` bytes */
	size_t len;
} folio_value;

/* A connection and a prepared statement, defined by each driver. */
typedef struct folio_conn folio_conn;
typedef struct folio_stmt folio_stmt;

/* What the core tells a driver when it connects. */
typedef struct folio_connect_options {
	int busy_timeout_ms; /* engine lock wait: 0 the default (10 s), < 0 no wait */
} folio_connect_options;

typedef struct folio_driver {
	int version;        /* FOLIO_DRIVER_VERSION */
	const char *name;   /* "sqlite", "pg", "odbc", "fake" */
	const char *scheme; /* the URL scheme it takes, without ':' */

	/* Connects for `url` (the whole URL, scheme included). */
	int (*connect)(folio_conn **out, const char *url, const folio_connect_options *opts);
	void (*disconnect)(folio_conn *conn);

	/* The dialect for this connection: "sqlite", "postgresql", "mariadb", "db2". */
	const char *(*dialect)(folio_conn *conn);

	/* Runs SQL without parameters or results (DDL, pragmas). */
	int (*exec)(folio_conn *conn, const char *sql);

	int (*prepare)(folio_stmt **out, folio_conn *conn, const char *sql);
	void (*finalize)(folio_stmt *stmt);
	/* Makes a stepped statement ready to run again; bindings are cleared. */
	int (*reset)(folio_stmt *stmt);

	/*
	 * Parameters are numbered from 1. A bound text or blob stays valid and
	 * unchanged until the statement is stepped to FOLIO_DONE, reset or
	 * finalized: a driver may keep the pointer instead of copying.
	 */
	int (*bind_null)(folio_stmt *stmt, int idx);
	int (*bind_int64)(folio_stmt *stmt, int idx, int64_t v);
	int (*bind_double)(folio_stmt *stmt, int idx, double v);
	int (*bind_text)(folio_stmt *stmt, int idx, const char *v, size_t len);
	int (*bind_blob)(folio_stmt *stmt, int idx, const void *v, size_t len);

	/* Runs or advances: FOLIO_ROW with a row ready, FOLIO_DONE, or an error. */
	int (*step)(folio_stmt *stmt);

	/*
	 * Columns of the current row, numbered from 0. Pointers live until the
	 * next step/reset. column_text and column_blob return NULL for SQL NULL
	 * (and a non-NULL pointer for an empty value).
	 */
	int (*column_count)(folio_stmt *stmt);
	folio_coltype (*column_type)(folio_stmt *stmt, int col);
	int64_t (*column_int64)(folio_stmt *stmt, int col);
	double (*column_double)(folio_stmt *stmt, int col);
	const char *(*column_text)(folio_stmt *stmt, int col, size_t *len);
	const void *(*column_blob)(folio_stmt *stmt, int col, size_t *len);

	/* Rows changed by the last statement stepped to completion on `conn`. */
	int64_t (*changes)(folio_conn *conn);

	/* Transactions. `write` asks for the write lock up front where the engine has one. */
	int (*begin)(folio_conn *conn, int write);
	int (*commit)(folio_conn *conn);
	int (*rollback)(folio_conn *conn);

	/* Optional: 0 when the connection is usable. NULL: assumed usable. */
	int (*ping)(folio_conn *conn);

	/*
	 * Optional: the key the engine generated for the last row inserted on
	 * `conn` (sqlite3_last_insert_rowid). Where NULL, the core uses
	 * INSERT ... RETURNING or reads the key back.
	 */
	int64_t (*last_insert_id)(folio_conn *conn);

	/* ---- version 2 ---- */

	/*
	 * Optional: writes n_rows rows into `table` by the engine's bulk path
	 * (COPY on PostgreSQL, parameter arrays on ODBC), inside the open
	 * transaction. `cols` names the n_cols columns; `rows` holds n_rows *
	 * n_cols values, row after row, each column's values of one type or
	 * NULL. Table and column names are folio's own (checked names, no
	 * quoting needed). Values are read during the call only. No key is
	 * reported back: a caller that needs the keys gives them itself. A
	 * column that is NULL in every row may be left out of the INSERT, so
	 * it takes its DEFAULT: give NULL only to columns whose DEFAULT is NULL.
	 *
	 * Returns 0 when the rows are written or, where bulk_wait is not NULL,
	 * when they are handed to the engine: the engine's answer (a unique
	 * violation, FOLIO_EEXISTS, for one) then comes from bulk_wait, or from
	 * the next call on `conn` that reaches the engine (commit at the
	 * latest), so the caller can prepare the next rows meanwhile; that
	 * answer covers every bulk_insert since the last other call that
	 * reached the engine (PostgreSQL sends them as one COPY). rollback
	 * discards it. On an error some rows may be written and (PostgreSQL)
	 * the transaction may take no more statements: the caller rolls back,
	 * to a savepoint taken before those calls or the whole transaction.
	 *
	 * NULL where the engine has nothing faster than prepared statements in
	 * one transaction (SQLite).
	 */
	int (*bulk_insert)(folio_conn *conn, const char *table, const char *const *cols,
			   int n_cols, const folio_value *rows, size_t n_rows);
	/*
	 * Optional: waits for the engine's answer to the last bulk_insert on
	 * `conn`; 0, at once when there is none pending, or its error. NULL
	 * where bulk_insert always waits.
	 */
	int (*bulk_wait)(folio_conn *conn);
} folio_driver;

/*
 * Registers a driver for its URL scheme (thread-safe; call before opening
 * Servers). The table is kept by pointer: it must live as long as the
 * process. Built-in drivers are registered already. Returns 0,
 * FOLIO_EEXISTS (the scheme is taken), FOLIO_EINVALID (bad version or a
 * required method missing), FOLIO_ETOOBIG (16 drivers at most).
 */
int folio_driver_register(const folio_driver *drv);

/* Sets this thread's error detail; returns `code`. For drivers. */
int folio_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#ifdef __cplusplus
}
#endif
#endif
