/* Internal: parsing JSON with limits, and dotted paths. */
#ifndef FOLIO_CORE_JSON_H
#define FOLIO_CORE_JSON_H

#include <json-c/json.h>
#include <stddef.h>

/*
 * Parses exactly one JSON value from text[0..len) (trailing white space is
 * allowed, anything else is an error). Fails with FOLIO_ETOOBIG when len >
 * max_size or the nesting passes max_depth, FOLIO_EINVALID for malformed
 * JSON with a detail naming the line and column ("malformed JSON at line 3,
 * column 14: unexpected character"). *out is a new reference (NULL for the
 * text `null`, which is how json-c holds JSON's null).
 */
int folio_json__parse(json_object **out, const char *text, size_t len, size_t max_size,
		      int max_depth);

/*
 * Dotted paths: "a.b.c"; a segment that is all digits indexes an array (and
 * names a key in an object). A path is 1..1024 chars, no empty segment.
 * Returns 1 when valid.
 */
#define FOLIO_JSON_PATH_MAX 1024
int folio_json__path_valid(const char *path);

/* The value at `path` (borrowed), or NULL when absent or the path is bad. */
json_object *folio_json__path_get(json_object *root, const char *path);

/* 1 when something (a JSON null included) is at `path`, else 0. */
int folio_json__path_exists(json_object *root, const char *path);

/*
 * Stores `value` at `path` (takes over the reference to value even on
 * failure), creating objects where keys are missing. An array index may be
 * at most the array's length (equal appends). Returns 0, FOLIO_EINVALID
 * (bad path, or a scalar in the way).
 */
int folio_json__path_set(json_object *root, const char *path, json_object *value);

/* Removes the value at `path`. Returns 0, FOLIO_ENOTFOUND, FOLIO_EINVALID. */
int folio_json__path_remove(json_object *root, const char *path);

/* Compact JSON text of `obj` (json-c's plain form, no spaces, '/' not escaped). Borrowed from obj. */
const char *folio_json__text(json_object *obj, size_t *len);

#endif
