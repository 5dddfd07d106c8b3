/*
 * Test helper: the fake driver, scheme "fake". "fake:PATH" opens
 * "sqlite:PATH" with the real SQLite driver underneath and passes every call
 * through, counting calls per method and failing a chosen call on demand
 * (a dropped connection in the middle of a write, a full disk at commit).
 *
 *	folio_fake_register();
 *	folio_fake_reset();
 *	folio_fake_fail_after("commit", 1, FOLIO_EIO);
 *	... open a Server on "fake:/tmp/x.db", save a document: the save fails ...
 *	assert_int_equal(folio_fake_counts()->rollback, 1);
 */
/*
 * The same with a bulk path, scheme "fakebulk": bulk_insert (sys/driver.h)
 * writes the rows one prepared INSERT at a time through SQLite, so that the
 * core's bulk path runs on SQLite too; an injected failure of "bulk" writes
 * the first half of the rows and then fails, as a bulk insert cut short.
 */
#ifndef FOLIO_TEST_FAKE_DRIVER_H
#define FOLIO_TEST_FAKE_DRIVER_H

#include "folio/sys/driver.h"

/*
 * Calls per method since the last folio_fake_reset(), over every fake
 * connection of the process. Atomic: threads may count while a test reads.
 * (A struct tag, not a typedef: the name is also the function's.)
 */
struct folio_fake_counts {
	_Atomic long connect;
	_Atomic long disconnect;
	_Atomic long dialect;
	_Atomic long exec;
	_Atomic long prepare;
	_Atomic long finalize;
	_Atomic long reset;
	_Atomic long bind;   /* every bind_* method */
	_Atomic long step;
	_Atomic long column; /* every column_* method */
	_Atomic long changes;
	_Atomic long begin;
	_Atomic long commit;
	_Atomic long rollback;
	_Atomic long bulk;   /* bulk_insert calls (fakebulk) */
	_Atomic long bulk_rows;
	_Atomic long faults; /* injected failures returned */
};

extern const folio_driver folio_fake_driver;
extern const folio_driver folio_fake_bulk_driver;

/* Registers both fake drivers; a second call does nothing. Returns 0 or an error. */
int folio_fake_register(void);

/* The counters (borrowed, static). */
struct folio_fake_counts *folio_fake_counts(void);

/* Zeroes the counters and cancels every pending fault. */
void folio_fake_reset(void);

/*
 * Makes the n-th next call (n >= 1; 1 is the very next) of `method` fail
 * with `code`, once, without reaching SQLite: the call has no effect, as if
 * the connection dropped before it. `method` is one of "connect", "exec",
 * "prepare", "reset", "bind", "step", "begin", "commit", "rollback", "bulk"
 * (which writes half of its rows first); a
 * second call for the same method replaces the pending fault. The error
 * detail reads "fake: injected failure of METHOD".
 */
void folio_fake_fail_after(const char *method, int n, int code);

#endif
