/* Internal helpers shared by every module: errors, strings, growable buffers, time. */
#ifndef FOLIO_CORE_UTIL_H
#define FOLIO_CORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "folio/errors.h"
#include "folio/sys/driver.h"

/* error.c: the thread-local error; folio_error_set() is in sys/driver.h. */
int folio_error__oom(void); /* sets "out of memory", returns FOLIO_ENOMEM */
/* Prefixes the current detail with "context: " and returns the current code. */
int folio_error__wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard cap (curl's dynbuf). Always NUL-terminated. */
typedef struct folio_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* 0: no cap */
} folio_buf;

void folio_buf__init(folio_buf *b, size_t cap);
void folio_buf__free(folio_buf *b);
void folio_buf__reset(folio_buf *b); /* len = 0, keeps memory */
/* Each returns 0, FOLIO_ENOMEM, or FOLIO_ETOOBIG when the cap would be passed. */
int folio_buf__add(folio_buf *b, const void *data, size_t len);
/* Makes room for `more` bytes now, so that adds up to that size do not reallocate. */
int folio_buf__reserve(folio_buf *b, size_t more);
int folio_buf__adds(folio_buf *b, const char *s);
int folio_buf__addf(folio_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data over (caller frees); the buffer is left empty. */
char *folio_buf__take(folio_buf *b);

char *folio__strdup(const char *s); /* NULL in, NULL out; sets ENOMEM on failure */

/* How often a write call retries after FOLIO_EDEADLOCK, and the wait before attempt n + 1. */
#define FOLIO__RETRIES 3
void folio__backoff(int attempt);

/* time.c: the current time, ISO 8601 UTC with milliseconds: "2026-11-22T23:14:00.123Z". */
#define FOLIO_DATE_LEN 24
void folio_time__now(char out[FOLIO_DATE_LEN + 1]);
/* 1 if `s` is such a date (exactly that shape), else 0. */
int folio_time__valid(const char *s);

/* names.c: strict identifier checks, done before any SQL. */
/* 1..128 bytes of valid UTF-8, no control characters, no leading or trailing space */
int folio_name__user_valid(const char *name);

#endif
