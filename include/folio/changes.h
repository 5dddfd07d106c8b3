/* folio: the changes feed of a database. */
#ifndef FOLIO_CHANGES_H
#define FOLIO_CHANGES_H

#include <stdint.h>
#include "folio/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One change: the newest state of one document. Borrowed for the callback. */
typedef struct folio_change {
	int64_t seq;
	const char *store;
	const char *unid;
	const char *rev;
	const char *mdate;
	int deleted; /* 1 for a deletion stub */
} folio_change;

/*
 * Reads the changes of database `db` with a seq above `since`, in seq order,
 * at most `limit` of them (limit <= 0: 1000), calling `cb` for each until it
 * returns non-zero (then that value is returned). Each document appears once,
 * at the seq of its latest change. *last_seq (may be NULL) is set to the seq
 * of the last change passed to cb, or to `since` when none: pass it as the
 * next `since` to read the next page.
 *
 * The feed never skips: once a change with seq S has been read, every change
 * committed later has a seq above S (see docs/architecture.md).
 * Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_changes(folio_session *ses, const char *db, int64_t since, int limit,
		  int (*cb)(const folio_change *change, void *payload), void *payload,
		  int64_t *last_seq);

#ifdef __cplusplus
}
#endif
#endif
