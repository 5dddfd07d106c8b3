/* Test helpers: the backend matrix, temporary directories, running the folio command. */
#ifndef FOLIO_TESTENV_H
#define FOLIO_TESTENV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "folio/folio.h"

/* The backend of this run: $FOLIO_TEST_BACKEND, "sqlite" when unset. */
const char *folio_test_backend(void);

/*
 * A server URL for a fresh, empty database on this run's backend: on
 * sqlite a new file in a new temporary directory (removed at exit). On the
 * networked backends (issue 3) a fresh schema/database. Borrowed, valid
 * until the next call.
 */
const char *folio_test_url(void);

/* A new temporary directory (removed with its content at exit). Borrowed. */
const char *folio_test_tmpdir(void);

/* Opens a Server on a fresh URL and a Session for `user`; asserts success. */
void folio_test_open(folio_server **srv, folio_session **ses, const char *user);

/* Asserts rc == expected, printing folio_error_last() when it is not. */
#define assert_folio(expected, rc)                                                        \
	do {                                                                              \
		int rc__ = (rc);                                                          \
		if (rc__ != (expected))                                                   \
			fail_msg("%s: got %d (%s), want %d; error: %s", #rc, rc__,        \
				 folio_error_name(rc__), (int)(expected), folio_error_last()); \
	} while (0)
#define assert_ok(rc) assert_folio(0, rc)

/*
 * Runs the folio command (the built binary) with `args` (a shell-quoted
 * string appended to the binary's path), feeding `stdin_text` (may be NULL)
 * and capturing stdout and stderr into malloc'ed strings (may be NULL if not
 * wanted). Returns the exit status (or -1). Environment: FOLIO_SERVER is set
 * to `url` when url is non-NULL.
 */
int folio_test_run(const char *url, const char *args, const char *stdin_text, char **out,
		   char **err);

/* Reads a whole file into a malloc'ed NUL-terminated string (asserts). */
char *folio_test_slurp(const char *path);

#endif
