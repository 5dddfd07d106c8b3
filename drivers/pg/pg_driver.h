/*
 * Internal: the native PostgreSQL driver (libpq), scheme "postgresql"
 * ("postgres" is the same), dialect "postgresql".
 *
 * URLs are libpq connection URIs, passed to libpq as they are:
 *   postgresql://USER:PASSWORD@HOST:PORT/DBNAME?KEY=VALUE&...
 *   postgresql:///DBNAME?host=/var/run/postgresql   (a Unix socket)
 * Any libpq parameter may be given (sslmode, connect_timeout, options, ...);
 * the environment (PGHOST, PGPASSWORD, ~/.pgpass) fills in what is missing.
 * connect_timeout defaults to 10 s and application_name to "folio";
 * client_encoding is always UTF8. Error lines name the URL with its
 * password replaced by "***".
 *
 * Each connection sets standard_conforming_strings on, bytea_output hex and
 * lock_timeout from folio_connect_options.busy_timeout_ms (0 or NULL
 * options: 10000 ms; negative: 1 ms, as close to "no wait" as PostgreSQL
 * goes). PostgreSQL 12 or later is required.
 *
 * Statements are server-side prepared statements named s1, s2, ... per
 * connection, with `?` rewritten to $1..$n outside string literals, quoted
 * identifiers, dollar-quoted strings and comments. Parameter types are left
 * for the server to infer; integers and doubles travel as text, texts as
 * text (a text cannot hold a NUL byte: binding one is FOLIO_EINVALID), blobs
 * in binary. Results come in text format, bytea decoded on demand.
 *
 * Errors carry the SQLSTATE: 23505 is FOLIO_EEXISTS; 55P03, 55006, 57014
 * and 53300 are FOLIO_EBUSY; 40001 and 40P01 FOLIO_EDEADLOCK; 53100
 * FOLIO_EFULL; 25006 FOLIO_EREADONLY; class 28 and 42501 FOLIO_EACCESS;
 * class 08, 57P01-57P03, 58 and a lost connection FOLIO_EIO; class 22 and
 * 42 FOLIO_EINVALID (22001, a value too long, FOLIO_ETOOBIG); 3D000 (no such
 * database) FOLIO_ENOTFOUND; the rest FOLIO_ERROR.
 */
#ifndef FOLIO_DRIVERS_PG_DRIVER_H
#define FOLIO_DRIVERS_PG_DRIVER_H

#include "folio/sys/driver.h"

#define FOLIO_PG_LOCK_TIMEOUT_MS 10000
#define FOLIO_PG_CONNECT_TIMEOUT_S "10"
#define FOLIO_PG_MIN_VERSION 120000

extern const folio_driver folio_pg_driver;

/*
 * Rewrites `?` placeholders to $1..$n (exposed for the tests). `*out` is
 * malloc'ed; `*n_params` the count; `*has_statement` 0 when the text holds
 * only blanks, comments and ';'. Returns 0, FOLIO_ENOMEM, or FOLIO_ETOOBIG
 * (more than 65535 placeholders, the protocol's limit).
 */
int folio_pg__rewrite(char **out, int *n_params, int *has_statement, const char *sql);

/* The URL with any password replaced by "***" (malloc'ed, NULL when out of memory). */
char *folio_pg__redact(const char *url);

#endif
