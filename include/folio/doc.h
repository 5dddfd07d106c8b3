/* folio: documents. */
#ifndef FOLIO_DOC_H
#define FOLIO_DOC_H

#include <stdint.h>
#include "folio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_doc folio_doc;

/*
 * UNIDs match ^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$. Generated UNIDs are ULIDs:
 * 26 characters, Crockford base 32, sorting by creation time.
 */
#define FOLIO_UNID_MAX 128
int folio_unid_valid(const char *unid);

/* Writes a new ULID and its terminating NUL into buf (27 bytes). */
void folio_unid_generate(char buf[27]);

/*
 * A new, unsaved document in `st`, with the UNID `unid`, or a generated ULID
 * when `unid` is NULL. Its body is the empty object.
 * Returns 0, FOLIO_EINVALID (bad UNID).
 */
int folio_doc_new(folio_doc **out, folio_store *st, const char *unid);

/*
 * Loads the live document `unid` of `st`.
 * Returns 0, FOLIO_EINVALID (bad UNID), FOLIO_ENOTFOUND (no such document,
 * or only its deletion stub).
 */
int folio_doc_load(folio_doc **out, folio_store *st, const char *unid);

/* Frees a document handle (unsaved changes are dropped). NULL is a no-op. */
void folio_doc_free(folio_doc *doc);

/* Save flags. */
enum {
	/*
	 * Optimistic concurrency: a loaded document saves only if its rev is
	 * still the current one, and a new document only if its UNID is free
	 * (a deletion stub does not count). Without it the save is last writer
	 * wins: a new document over an existing UNID updates it. A `_rev` given
	 * through folio_doc_set_json() is always checked.
	 */
	FOLIO_SAVE_CHECK_CONFLICT = 1u << 0
};

/*
 * Saves the document, in one transaction (or in the Session's open one):
 * body, metadata (cdate/cuser on creation, mdate/muser, a new seq, rev
 * N-hash with its ancestry), the parent and sync master, and the mirrored
 * readers, editors, tags and extracted fields. Saved whole or not at all.
 * Returns 0, FOLIO_ECONFLICT (stale rev; nothing changed), FOLIO_EEXISTS
 * (new document, UNID taken, with FOLIO_SAVE_CHECK_CONFLICT), FOLIO_ETOOBIG,
 * or the engine's error (FOLIO_EFULL, FOLIO_EREADONLY, FOLIO_EBUSY, ...).
 */
int folio_doc_save(folio_doc *doc, unsigned flags);

/* Delete flags. */
enum {
	FOLIO_DELETE_ERASE = 1u << 0 /* leave no stub: the change is not in the feed */
};

/*
 * Deletes the document `unid` of `st`. By default a deletion stub (UNID, rev,
 * seq) is left for the changes feed and replication; FOLIO_DELETE_ERASE
 * leaves nothing. With `rev` non-NULL, deletes only if `rev` is current.
 * Returns 0, FOLIO_ENOTFOUND, FOLIO_ECONFLICT, FOLIO_EINVALID.
 */
int folio_doc_delete(folio_store *st, const char *unid, const char *rev, unsigned flags);

/* Metadata, borrowed from the handle. NULL where not set (a new document). */
const char *folio_doc_unid(const folio_doc *doc);
const char *folio_doc_rev(const folio_doc *doc);
const char *folio_doc_cdate(const folio_doc *doc);
const char *folio_doc_cuser(const folio_doc *doc);
const char *folio_doc_mdate(const folio_doc *doc);
const char *folio_doc_muser(const folio_doc *doc);
const char *folio_doc_replica(const folio_doc *doc); /* replica id of the last writer */
const char *folio_doc_parent(const folio_doc *doc);  /* "unid" or "unid:store" */
const char *folio_doc_syncmaster(const folio_doc *doc);
int64_t folio_doc_seq(const folio_doc *doc);         /* 0 for a new document */
int folio_doc_is_new(const folio_doc *doc);          /* 1 until saved once */
folio_store *folio_doc_store(const folio_doc *doc);

/*
 * The document's body as JSON text into *out (the caller frees it with
 * free()). The body holds the user's data and `_readers`, `_editors` and
 * `_tags` when set; the other system fields live in the metadata.
 */
int folio_doc_get_json(char **out, const folio_doc *doc);

/*
 * Replaces the body with a JSON object or array. System fields at the root:
 * `_unid` must equal the document's UNID; `_rev` makes the next save an
 * update-if-current; `_parentid` and `_syncmaster` set those; `_readers`,
 * `_editors` (arrays of strings) and `_tags` (array of strings) are kept in
 * the body; `_cdate`, `_cuser`, `_mdate`, `_muser`, `_seq`, `_revisions`,
 * `_attachments`, `_conflict` are read-only and ignored. Any other root key
 * starting with `_` is an error.
 * Returns 0, FOLIO_EINVALID (malformed JSON: the detail names the line and
 * column; a bad system field), FOLIO_ETOOBIG (size or depth limit).
 */
int folio_doc_set_json(folio_doc *doc, const char *json);

/* Output flags for folio_doc_to_json(). */
enum {
	FOLIO_JSON_PRETTY = 1u << 0,    /* indent */
	FOLIO_JSON_REVISIONS = 1u << 1, /* add `_revisions`, the ancestry, newest first */
	FOLIO_JSON_NO_META = 1u << 2,   /* the body only, like folio_doc_get_json() */
	FOLIO_JSON_SEQ = 1u << 3        /* add `_seq`, the document's place in this replica's feed */
};

/*
 * The document on the wire: its body with the system fields at the root
 * (`_unid`, `_rev`, `_parentid` and `_syncmaster` where set, `_cdate`,
 * `_cuser`, `_mdate`, `_muser`), then the body's own members. A document
 * whose body is an array travels as {"_unid":..., ..., "_data":[...]}.
 * The caller frees *out with free().
 */
int folio_doc_to_json(char **out, const folio_doc *doc, unsigned flags);

/*
 * Dotted paths: "a.b.c", array positions as numbers ("latlng.0").
 * get writes the JSON text of the value into *out (freed with free()) and
 * returns 0, FOLIO_ENOTFOUND (nothing there), FOLIO_EINVALID (bad path).
 * set parses `json_value` and stores it at the path, creating objects on the
 * way (an array position may be at most the array's length: it appends).
 * remove deletes the value at the path (FOLIO_ENOTFOUND if none).
 */
int folio_doc_get_path(char **out, const folio_doc *doc, const char *path);
int folio_doc_set_path(folio_doc *doc, const char *path, const char *json_value);
int folio_doc_remove_path(folio_doc *doc, const char *path);

/*
 * Sets the parent: "unid" (same store) or "unid:store", or NULL for none;
 * and the sync master, same format. Return 0 or FOLIO_EINVALID.
 */
int folio_doc_set_parent(folio_doc *doc, const char *parent);
int folio_doc_set_syncmaster(folio_doc *doc, const char *syncmaster);

#ifdef __cplusplus
}
#endif
#endif
