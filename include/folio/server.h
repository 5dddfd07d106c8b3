/* folio: the Server, a pool of connections to one RDBMS. */
#ifndef FOLIO_SERVER_H
#define FOLIO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_server folio_server;

/*
 * Options for folio_server_open(). Zero means "the default" for every field,
 * so `folio_server_options o = {0};` is a valid set of options.
 */
typedef struct folio_server_options {
	int version;              /* FOLIO_SERVER_OPTIONS_VERSION, or 0 */
	int pool_size;            /* connections at most; default 8 (1 for sqlite::memory:) */
	int acquire_timeout_ms;   /* wait this long for a free connection; default 30000 */
	int busy_timeout_ms;      /* engine lock wait; default 10000 */
	size_t max_doc_size;      /* bytes of JSON per document; default 16 MiB */
	int max_depth;            /* JSON nesting depth; default 64 */
} folio_server_options;

#define FOLIO_SERVER_OPTIONS_VERSION 1
#define FOLIO_DEFAULT_MAX_DOC_SIZE ((size_t)16 * 1024 * 1024)
#define FOLIO_DEFAULT_MAX_DEPTH 64

/*
 * Opens a Server for a URL: "sqlite:PATH" or "sqlite::memory:" (later
 * "postgresql://..." and "odbc:..."). Connects once to check the URL, creates
 * the server catalog on an empty database and migrates an older layout
 * forward. `opts` may be NULL.
 *
 * Returns 0 and a Server in *out (free it with folio_server_close()), or
 * FOLIO_EINVALID for a URL no driver takes, or the driver's error. The error
 * detail never contains a password.
 */
int folio_server_open(folio_server **out, const char *url, const folio_server_options *opts);

/*
 * Closes every pooled connection and frees the Server. Every Session of the
 * Server must be freed first. NULL is a no-op.
 */
void folio_server_close(folio_server *srv);

/* The URL the Server was opened with, the password removed. Borrowed. */
const char *folio_server_url(const folio_server *srv);

/* The dialect in use: "sqlite", "postgresql", "mariadb" or "db2". Borrowed. */
const char *folio_server_dialect(const folio_server *srv);

/* The relational layout version of the server catalog. */
int folio_server_schema_version(const folio_server *srv);

/* The layout version this build of folio writes. */
#define FOLIO_SCHEMA_VERSION 2

#ifdef __cplusplus
}
#endif
#endif
