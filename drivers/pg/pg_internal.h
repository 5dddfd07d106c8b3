/*
 * Internal to the PostgreSQL driver: the connection, shared by the driver
 * (pg_driver.c) and its bulk path (pg_copy.c).
 */
#ifndef FOLIO_DRIVERS_PG_INTERNAL_H
#define FOLIO_DRIVERS_PG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>
#include "folio/sys/driver.h"

/* Room for a libpq or server message in an error line. */
#define MSG_MAX 400

struct folio_conn {
	PGconn *pg;
	char *where;          /* the URL without its password, for error lines */
	unsigned long long next_name;
	int64_t changes;
	int refs;             /* 1 for the connection, 1 per statement */
	char *discard;        /* "DEALLOCATE s1;DEALLOCATE s2;" not sent yet */
	size_t discard_len;
	size_t discard_cap;
	int discard_n;
	char goodbye[MSG_MAX]; /* the server's last FATAL message, read as a notice */
	char *copy_sql;        /* a COPY whose answer is not read yet (pg_copy.c), or NULL */
	int copy_open;         /* that COPY still takes rows */
	char *copy_buf;        /* rows being escaped (pg_copy.c) */
	size_t copy_cap;
	int copy_sent_binary;  /* the open COPY is in the binary format */
	char *types_key;       /* the COPY whose column types are in copy_oids */
	unsigned *copy_oids;
	int copy_binary;       /* every one of them can be written in binary */
};

/*
 * Sets the thread's error from a failed result (or the connection's message
 * when there is no result), quoting `sql` when given; returns the folio code.
 */
int folio_pg__fail(folio_conn *c, const PGresult *res, const char *sql);
/* FOLIO_EIO: the connection was closed already. */
int folio_pg__closed(const char *what);

/* pg_copy.c: the driver's bulk_insert and bulk_wait (see sys/driver.h). */
int folio_pg__bulk_insert(folio_conn *c, const char *table, const char *const *cols,
			  int n_cols, const folio_value *rows, size_t n_rows);
int folio_pg__bulk_wait(folio_conn *c);
/*
 * Reads the answer to a COPY sent and not answered yet, if any: every call
 * that sends anything on the connection does that first. Returns 0, or with
 * `report` the COPY's error; without, the answer is dropped (a rollback).
 */
int folio_pg__copy_settle(folio_conn *c, int report);

#endif
