/*
 * A growable byte buffer with a hard cap (curl's dynbuf), and strdup.
 *
 * `cap` bounds `len` (the NUL terminator is not counted). `data` stays NULL
 * until the first add; from then on it is always NUL-terminated. A failed
 * add leaves the buffer as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BUF_MIN_ALLOC 64

void folio_buf__init(folio_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void folio_buf__free(folio_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void folio_buf__reset(folio_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for `more` bytes after len, plus the NUL. */
static int grow(folio_buf *b, size_t more)
{
	size_t need;
	size_t size;
	char *p;

	if (more > SIZE_MAX - 1 - b->len)
		return folio_error_set(FOLIO_ETOOBIG, "buffer size overflows");
	if (b->cap != 0 && b->len + more > b->cap)
		return folio_error_set(FOLIO_ETOOBIG,
				       "buffer would grow to %zu bytes, over the limit of "
				       "%zu bytes",
				       b->len + more, b->cap);
	need = b->len + more + 1;
	if (need <= b->alloc)
		return 0;

	size = b->alloc < BUF_MIN_ALLOC ? BUF_MIN_ALLOC : b->alloc;
	while (size < need) {
		if (size > SIZE_MAX / 2) {
			size = need;
			break;
		}
		size *= 2;
	}
	/* Never hold much more than the cap allows. */
	if (b->cap != 0 && size > b->cap + 1)
		size = b->cap + 1;

	p = realloc(b->data, size);
	if (p == NULL)
		return folio_error__oom();
	if (b->data == NULL)
		p[0] = '\0';
	b->data = p;
	b->alloc = size;
	return 0;
}

int folio_buf__reserve(folio_buf *b, size_t more)
{
	return grow(b, more);
}

int folio_buf__add(folio_buf *b, const void *data, size_t len)
{
	int rc;

	rc = grow(b, len);
	if (rc < 0)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int folio_buf__adds(folio_buf *b, const char *s)
{
	return folio_buf__add(b, s, strlen(s));
}

int folio_buf__addf(folio_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	int rc;
	size_t room;

	/* First try in the room there is; most calls fit. */
	room = b->alloc > b->len ? b->alloc - b->len : 0;
	va_start(ap, fmt);
	if (room > 0)
		n = vsnprintf(b->data + b->len, room, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return folio_error_set(FOLIO_ERROR, "cannot format into a buffer");
	}
	if ((size_t)n < room && (b->cap == 0 || b->len + (size_t)n <= b->cap)) {
		b->len += (size_t)n;
		return 0;
	}
	if (b->data != NULL)
		b->data[b->len] = '\0'; /* undo a partial write */

	rc = grow(b, (size_t)n);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return folio_error_set(FOLIO_ERROR, "cannot format into a buffer");
	}
	b->len += (size_t)n;
	return 0;
}

char *folio_buf__take(folio_buf *b)
{
	char *p = b->data;

	if (p == NULL) {
		p = malloc(1);
		if (p == NULL) {
			folio_error__oom();
			return NULL;
		}
		p[0] = '\0';
	}
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

char *folio__strdup(const char *s)
{
	size_t len;
	char *p;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	p = malloc(len + 1);
	if (p == NULL) {
		folio_error__oom();
		return NULL;
	}
	memcpy(p, s, len + 1);
	return p;
}
