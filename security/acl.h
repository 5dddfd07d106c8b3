/*
 * Internal: the database ACL and its enforcement. Every read path asks
 * folio_acl__read_sql() for the condition that hides documents the Session
 * may not read, and puts it in its own SQL; every write path asks
 * folio_acl__check_*() before it writes. Nothing else decides access.
 */
#ifndef FOLIO_SECURITY_ACL_H
#define FOLIO_SECURITY_ACL_H

#include "internal.h"
#include "qsql.h"

/*
 * The Session's access to database `db` (cached in the Session for the
 * directory cache's time to live). *out is borrowed from the Session.
 */
int folio_acl__access(folio_dbaccess **out, folio_session *ses, folio_cx *cx, const char *db);

/*
 * Appends " AND <condition>" to q: the rows of <db>_doc aliased `alias` the
 * Session may read (nothing at all below reader level; documents whose
 * _readers/_editors name the user, one of its groups or roles, or "*", or
 * that have no _readers). The values go to q->args. The server
 * administrator sees everything (nothing is appended).
 */
int folio_acl__read_sql(folio_qsql *q, folio_session *ses, folio_cx *cx, const char *db,
			const char *alias);

/*
 * Prepares head (a SELECT over <db>_doc aliased d, ending in its WHERE
 * conditions, with n_params placeholders the caller binds), the read
 * condition, then tail (ORDER BY...), and binds the condition's values after
 * the caller's. The values are kept in `sec` (initialized by the caller),
 * which must outlive the statement's use: free it after folio_q__done().
 * On failure nothing is left prepared.
 */
int folio_acl__prep(folio_q *q, folio_qsql *sec, folio_session *ses, folio_cx *cx,
		    const char *db, const char *head, const char *tail, int n_params);

/*
 * The same for deletion stubs (<db>_stub aliased `alias`): a stub keeps the
 * reader names of the document it replaced.
 */
int folio_acl__stub_sql(folio_qsql *q, folio_session *ses, folio_cx *cx, const char *db,
			const char *alias);

/* Level checks: FOLIO_EACCESS with a message naming the database, or 0. */
int folio_acl__need(folio_session *ses, folio_cx *cx, const char *db, int level,
		    const char *what);

/*
 * May the Session create a new document / change (or delete) the existing
 * document `docid`? Checks the level, the flags and, for authors, that the
 * document's _editors name the user. A document it may not read is
 * FOLIO_ENOTFOUND (its existence is not told).
 */
int folio_acl__check_create(folio_session *ses, folio_cx *cx, const char *db);
int folio_acl__check_update(folio_session *ses, folio_cx *cx, const char *db, int64_t docid,
			    int is_delete, const char *unid);

/* The reader names of a document, packed for its stub ("\x01a\x01b\x01"), or NULL. */
int folio_acl__stub_readers(char **out, folio_cx *cx, const char *db, int64_t docid);

/* Forgets the Session's cached access (after an ACL change). */
void folio_acl__forget(folio_session *ses, const char *db);

/* Writes the ACL of a new database: its creator as manager, "*" as editor. */
int folio_acl__init_db(folio_session *ses, folio_cx *cx, const char *db);

/* May the Session create databases (the server ACL)? */
int folio_acl__check_db_create(folio_session *ses, folio_cx *cx);

#endif
