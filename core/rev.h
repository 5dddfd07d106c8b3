/* Internal: revisions ("N-hash") and the ancestry list. */
#ifndef FOLIO_CORE_REV_H
#define FOLIO_CORE_REV_H

#include <stddef.h>

/* "N-" + 32 hex digits; N up to 10 digits. */
#define FOLIO_REV_MAX 48
/* How many ancestors a document keeps (its own rev first). */
#define FOLIO_REV_HISTORY 20

/*
 * The next revision after `prev` (NULL for a first save; a stub's rev when a
 * deleted UNID is saved again): N = prev's N + 1, hash = 128 bits of
 * BLAKE2b over prev, the deleted flag and the body. Deterministic: the same
 * inputs give the same rev on every replica.
 */
void folio_rev__next(char out[FOLIO_REV_MAX], const char *prev, const char *body, size_t len,
		     int deleted);

/* N of a revision, or -1 when `rev` is not of the form N-hex. */
long folio_rev__gen(const char *rev);

/* 1 when `rev` is well formed. */
int folio_rev__valid(const char *rev);

#endif
