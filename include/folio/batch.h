/* folio: batches, many documents saved in one transaction. */
#ifndef FOLIO_BATCH_H
#define FOLIO_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include "folio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_batch folio_batch;

enum {
	/*
	 * Import: the system fields of each document are kept as given
	 * (`_rev`, `_revisions`, `_cdate`, `_cuser`, `_mdate`, `_muser`), so an
	 * export read back by an import gives the same documents. Without it a
	 * put is a save with new metadata.
	 */
	FOLIO_BATCH_KEEP_META = 1u << 0,
	/* A document whose UNID exists already is an error (FOLIO_EEXISTS). */
	FOLIO_BATCH_CHECK_CONFLICT = 1u << 1,
	/*
	 * No writer thread: everything on the caller's thread. By default, on
	 * a machine with more than one core, full chunks of new documents are
	 * written by a thread of the batch while the caller's thread validates
	 * the next ones.
	 */
	FOLIO_BATCH_ONE_THREAD = 1u << 2
};

/*
 * Opens a batch on `st`: a write transaction (joined to the Session's open
 * transaction, if any) that folio_batch_commit() ends. A Session has at
 * most one batch open; other calls on the Session while it is open are
 * allowed (they wait for the batch's writer thread, if it is writing).
 * Returns 0, FOLIO_EBUSY, FOLIO_EINVALID (a batch is open on the Session
 * already), FOLIO_ENOTFOUND (the store was dropped).
 */
int folio_batch_open(folio_batch **out, folio_store *st, unsigned flags);

/*
 * Saves one document given as wire JSON (system fields at the root; `_unid`
 * honoured, generated when absent). On failure the error names the problem
 * and the batch is spoiled: every later put and the commit fail, and
 * nothing of the batch is ever visible. A failure of the database while
 * writing a chunk of earlier documents in the background is reported by
 * the next put or by the commit.
 * Returns 0, FOLIO_EINVALID, FOLIO_ETOOBIG, FOLIO_EEXISTS, FOLIO_ECONFLICT.
 */
int folio_batch_put(folio_batch *b, const char *json, size_t len);

/* Documents put so far. */
uint64_t folio_batch_count(const folio_batch *b);

/*
 * Commits the batch. Returns 0, or an error after which nothing of the batch
 * is visible.
 */
int folio_batch_commit(folio_batch *b);

/* Frees a batch; an uncommitted batch is rolled back. NULL is a no-op. */
void folio_batch_free(folio_batch *b);

#ifdef __cplusplus
}
#endif
#endif
