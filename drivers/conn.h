/*
 * Internal: a pooled connection (a driver connection, its dialect and a
 * cache of prepared statements), and folio_q, a statement in use.
 * The core talks to drivers only through these wrappers.
 */
#ifndef FOLIO_DRIVERS_CONN_H
#define FOLIO_DRIVERS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include "folio/sys/driver.h"
#include "dialect.h"

typedef struct folio_cx folio_cx;

/* The driver for a URL's scheme, or NULL (error set). */
const folio_driver *folio_driver__find(const char *url);

int folio_cx__open(folio_cx **out, const folio_driver *drv, const char *url,
		   const folio_connect_options *opts);
void folio_cx__close(folio_cx *cx);
const folio_dialect *folio_cx__dialect(const folio_cx *cx);
int folio_cx__exec(folio_cx *cx, const char *sql);
int folio_cx__begin(folio_cx *cx, int write);
int folio_cx__commit(folio_cx *cx);
int folio_cx__rollback(folio_cx *cx);
int64_t folio_cx__changes(folio_cx *cx);
/* Drops every cached statement (after DDL that changes tables they use). */
void folio_cx__forget(folio_cx *cx);
/* 0 when the connection is known to be dead (the driver's ping, or a lost link). */
int folio_cx__alive(folio_cx *cx);
/* Whether the driver reports generated keys, and the last one (see sys/driver.h). */
int folio_cx__has_last_id(const folio_cx *cx);
int64_t folio_cx__last_id(folio_cx *cx);
/*
 * The bulk path (see bulk_insert in sys/driver.h): has_bulk is 1 when the
 * driver has one; bulk_wait returns at once (0) where it always waits.
 */
int folio_cx__has_bulk(const folio_cx *cx);
int folio_cx__bulk_insert(folio_cx *cx, const char *table, const char *const *cols, int n_cols,
			  const folio_value *rows, size_t n_rows);
int folio_cx__bulk_wait(folio_cx *cx);
/* 1 when the last error on this connection means it is gone. */
int folio_cx__broken(const folio_cx *cx);

/* A prepared statement from the connection's cache, ready to bind. */
typedef struct folio_q {
	folio_cx *cx;
	folio_stmt *st;
	const folio_driver *drv;
	int slot; /* the cache slot, -1 for a private statement */
} folio_q;

/* Prepares (or takes from the cache) `sql`. */
int folio_q__prep(folio_q *q, folio_cx *cx, const char *sql);
int folio_q__null(folio_q *q, int idx);
int folio_q__int(folio_q *q, int idx, int64_t v);
int folio_q__double(folio_q *q, int idx, double v);
int folio_q__text(folio_q *q, int idx, const char *v); /* NULL binds NULL */
int folio_q__textn(folio_q *q, int idx, const char *v, size_t len);
int folio_q__blob(folio_q *q, int idx, const void *v, size_t len);
/* FOLIO_ROW, FOLIO_DONE or an error. */
int folio_q__step(folio_q *q);
/* Steps to completion (expects no row). Returns 0 or an error. */
int folio_q__run(folio_q *q);
int folio_q__is_null(folio_q *q, int col);
int64_t folio_q__col_int(folio_q *q, int col);
double folio_q__col_double(folio_q *q, int col);
const char *folio_q__col_text(folio_q *q, int col, size_t *len); /* NULL for NULL */
const void *folio_q__col_blob(folio_q *q, int col, size_t *len);
/* Ends the use: resets the statement and gives it back to the cache. */
void folio_q__done(folio_q *q);

#endif
