/* folio: Sessions and transactions. */
#ifndef FOLIO_SESSION_H
#define FOLIO_SESSION_H

#include "folio/server.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_session folio_session;

/*
 * Opens a Session on `srv` for the user `user` (NULL, "" or "anonymous" for
 * anonymous). The application vouches for the name (it authenticated the
 * user itself): a trusted Session, subject to the ACLs with the user's groups
 * from the directories, read on first use (folio/security.h has logins with
 * a password and the administrator's Session). The name is recorded as
 * cuser/muser. `reserved` must be NULL. A Session is used by one thread at a
 * time.
 *
 * Returns 0 and the Session in *out, or FOLIO_EINVALID for a bad user name.
 */
int folio_session_open(folio_session **out, folio_server *srv, const char *user,
		       const void *reserved);

/* Frees a Session; an open transaction is rolled back. NULL is a no-op. */
void folio_session_free(folio_session *ses);

/* The user name, "anonymous" for an anonymous Session. Borrowed. */
const char *folio_session_user(const folio_session *ses);

/* The Server of the Session. Borrowed. */
folio_server *folio_session_server(const folio_session *ses);

/*
 * Transactions. folio_session_begin() starts a transaction that every later
 * call of this Session joins, until the matching commit or rollback. Calls
 * nest: an inner begin opens a savepoint, its rollback undoes only the inner
 * work, and only the outermost commit makes anything visible to others.
 * Without a transaction, every write call is its own transaction.
 *
 * begin returns 0, or FOLIO_EBUSY when no connection could be had.
 * commit returns 0, or an error after which the whole (outermost)
 * transaction has been rolled back. rollback returns 0; it is an error
 * (FOLIO_EINVALID) to commit or roll back with no transaction open.
 */
int folio_session_begin(folio_session *ses);
int folio_session_commit(folio_session *ses);
int folio_session_rollback(folio_session *ses);

/* The nesting depth of the open transaction, 0 when none is open. */
int folio_session_txn_depth(const folio_session *ses);

#ifdef __cplusplus
}
#endif
#endif
