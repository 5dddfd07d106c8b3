/*
 * Internal: validating and navigating JSON text in place, without a DOM.
 *
 * The write path keeps a document as its JSON text. folio_jscan__validate()
 * checks that text once (strict RFC 8259, the same acceptance, codes and
 * messages as folio_json__parse()); the other functions then work on spans
 * of that validated text and never check it again.
 */
#ifndef FOLIO_CORE_JSCAN_H
#define FOLIO_CORE_JSCAN_H

#include <stddef.h>

#include "util.h"

typedef enum folio_jtype {
	FOLIO_JT_NULL = 1,
	FOLIO_JT_FALSE,
	FOLIO_JT_TRUE,
	FOLIO_JT_NUMBER,
	FOLIO_JT_STRING,
	FOLIO_JT_OBJECT,
	FOLIO_JT_ARRAY
} folio_jtype;

/* A value in a text: p..p+len is the value's exact text (a string span includes its quotes). */
typedef struct folio_jspan {
	const char *p;
	size_t len;
	folio_jtype type;
} folio_jspan;

/*
 * Validates text[0..len) as exactly one strict JSON value (RFC 8259; leading/trailing white
 * space allowed), with the same acceptance, error codes and messages as folio_json__parse()
 * (same limits: FOLIO_ETOOBIG when len > max_size or nesting passes max_depth containers).
 * On success *root spans the value (white space trimmed). When root is an object and
 * member_cb is non-NULL, calls member_cb(key, value, payload) for each member of the ROOT
 * object in text order (key is the key's string span, quotes included); a non-zero return
 * stops the scan and is returned. The members are reported as the scan passes them: when
 * the text turns out to be invalid further on, member_cb has already seen the members
 * before the error.
 *
 * One difference from folio_json__parse(), on purpose: UTF-8 is checked strictly (RFC 3629),
 * so overlong forms, encoded surrogates and code points past U+10FFFF are rejected
 * (FOLIO_EINVALID, "invalid UTF-8"), where json-c lets them through.
 */
int folio_jscan__validate(folio_jspan *root, const char *text, size_t len, size_t max_size,
			  int max_depth,
			  int (*member_cb)(const folio_jspan *key, const folio_jspan *value,
					   void *payload),
			  void *payload);

/* The following work on spans of text that was validated already (no re-validation). */

/*
 * 1 when the string span `key` (quotes included, escapes allowed) decodes to exactly
 * name[0..name_len).
 */
int folio_jscan__key_eq(const folio_jspan *key, const char *name, size_t name_len);

/*
 * Finds the value at a dotted path ("a.b.0": a segment of digits indexes an array, and in
 * an object names a key) under `from` (an object or array span). Returns 1 and *out when
 * found, 0 when not (missing key, index out of range, scalar in the way, a bad path). For
 * duplicate keys the LAST one wins (as in json-c and PostgreSQL jsonb).
 */
int folio_jscan__get(folio_jspan *out, const folio_jspan *from, const char *path);

/*
 * Iterates an object's members or an array's elements (key NULL for arrays), in order;
 * a non-zero return of cb stops and is returned.
 */
int folio_jscan__each(const folio_jspan *container,
		      int (*cb)(size_t index, const folio_jspan *key, const folio_jspan *value,
				void *payload),
		      void *payload);

/*
 * Decodes a string span into UTF-8 (escapes, \u surrogate pairs) appended to out. A lone
 * surrogate escape becomes U+FFFD, as json-c does. Returns 0, or the folio_buf error
 * (FOLIO_ENOMEM, FOLIO_ETOOBIG at the buffer's cap).
 */
int folio_jscan__string(folio_buf *out, const folio_jspan *s);

/* A number span as a double (strtod semantics on the span, whatever the locale). */
double folio_jscan__number(const folio_jspan *s);

/* Number of elements of an array span / members of an object span. */
size_t folio_jscan__count(const folio_jspan *container);

#endif
