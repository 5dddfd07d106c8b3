/* folio: stores, the buckets of documents inside a database. */
#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

#include <stdint.h>
#include "folio/database.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_store folio_store;

/*
 * Store names match ^[A-Za-z][A-Za-z0-9_-]{0,63}$, or are one of the
 * predefined stores "_default", "_local", "_comments", "_design".
 * Returns 1 for a valid name, 0 otherwise.
 */
int folio_store_name_valid(const char *name);

/*
 * Creates a store. `options_json` may be NULL, or a JSON object with these
 * keys, all optional:
 *   "label":   a free text (string)
 *   "fts":     true to mark the store for full-text search (boolean)
 *   "replicate": false to keep the store out of replication (boolean)
 *   "fields":  extracted fields, an array of
 *              {"name": NAME, "path": "a.b.c", "type": "string"|"number"|
 *               "boolean"|"date", "multiple": false}
 * Unknown keys are an error. Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND (no
 * such database), FOLIO_EEXISTS.
 */
int folio_store_create(folio_session *ses, const char *db, const char *name,
		       const char *options_json);

/*
 * Drops a store and every document in it (no stubs are left: the documents
 * are erased). The predefined stores cannot be dropped (FOLIO_EINVALID).
 * Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_store_drop(folio_session *ses, const char *db, const char *name);

/* Lists the stores of a database in name order. */
int folio_store_list(folio_strlist **out, folio_session *ses, const char *db);

/*
 * Opens a store for reading and writing documents. The handle borrows the
 * Session: free it before the Session. Returns 0, FOLIO_EINVALID,
 * FOLIO_ENOTFOUND.
 */
int folio_store_open(folio_store **out, folio_session *ses, const char *db, const char *name);

/* Frees a store handle. NULL is a no-op. */
void folio_store_free(folio_store *st);

/* The store's options as a JSON object text; borrowed from the handle. */
const char *folio_store_options(const folio_store *st);

/*
 * Replaces the store's options (same format as folio_store_create()).
 * Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_store_set_options(folio_store *st, const char *options_json);

/*
 * Progress of a long operation: `done` of `total` items so far (total may be
 * 0 when unknown). Called now and then, from the calling thread.
 */
typedef void (*folio_progress_fn)(int64_t done, int64_t total, void *payload);

/*
 * The same, calling `progress` while it reindexes: when the fields or the
 * full-text flag change, every document of the store is indexed again (its
 * extracted values and words), in the same transaction as the change.
 */
int folio_store_set_options_progress(folio_store *st, const char *options_json,
				     folio_progress_fn progress, void *payload);

/*
 * Adds an extracted field, or replaces the one of the same name:
 * {"name": N, "path": "a.b", "type": "string"|"number"|"boolean"|"date",
 * "multiple": false}. Reindexes the store. Returns 0, FOLIO_EINVALID.
 */
int folio_store_field_add(folio_store *st, const char *field_json, folio_progress_fn progress,
			  void *payload);

/* Removes an extracted field and reindexes. Returns 0, FOLIO_ENOTFOUND. */
int folio_store_field_remove(folio_store *st, const char *name, folio_progress_fn progress,
			     void *payload);

const char *folio_store_name(const folio_store *st);     /* borrowed */
const char *folio_store_db_name(const folio_store *st);  /* borrowed */
folio_session *folio_store_session(const folio_store *st);

/* The number of (live) documents in the store into *out. */
int folio_store_count(int64_t *out, folio_store *st);

/*
 * Calls `cb` with the UNID of every live document of the store, in UNID
 * order, until it returns non-zero (which is then returned).
 */
int folio_store_foreach_unid(folio_store *st, int (*cb)(const char *unid, void *payload),
			     void *payload);

#ifdef __cplusplus
}
#endif
#endif
