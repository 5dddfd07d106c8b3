/*
 * Sessions and transactions. A Session holds a connection only while a
 * transaction is open; otherwise each call borrows one from the pool.
 * Nested transactions are savepoints named by depth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int folio_session_open(folio_session **out, folio_server *srv, const char *user,
		       const void *reserved)
{
	folio_session *ses;

	*out = NULL;
	if (user && *user && !folio_name__user_valid(user))
		return folio_error_set(FOLIO_EINVALID, "invalid user name");
	ses = calloc(1, sizeof(*ses));
	if (!ses)
		return folio_error__oom();
	ses->srv = srv;
	ses->user = folio__strdup(user && *user ? user : "anonymous");
	/*
	 * The application vouches for the name. Its groups are read on first use
	 * (security/directory.c), so that opening a Session costs no query.
	 */
	ses->id.kind = strcmp(ses->user ? ses->user : "", "anonymous") != 0 ? FOLIO_IDENT_TRUSTED
									 : FOLIO_IDENT_ANONYMOUS;
	ses->id.user = folio__strdup(ses->user);
	if (!ses->user || !ses->id.user) {
		folio_session_free(ses);
		return FOLIO_ENOMEM;
	}
	*out = ses;
	return 0;
}

void folio_session_free(folio_session *ses)
{
	if (!ses)
		return;
	if (ses->txn_cx) {
		folio_cx__rollback(ses->txn_cx);
		folio_pool__release(ses->srv, ses->txn_cx);
	}
	for (int i = 0; i < ses->n_access; i++) {
		for (int j = 0; ses->access[i].names && ses->access[i].names[j]; j++)
			free(ses->access[i].names[j]);
		free(ses->access[i].names);
	}
	free(ses->access);
	folio_ident__free(&ses->id);
	free(ses->user);
	free(ses);
}

const char *folio_session_user(const folio_session *ses)
{
	return ses->user;
}

folio_server *folio_session_server(const folio_session *ses)
{
	return ses->srv;
}

int folio_session_txn_depth(const folio_session *ses)
{
	return ses->depth;
}

static int savepoint(folio_cx *cx, const char *verb, int depth)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "%s s%d", verb, depth);
	return folio_cx__exec(cx, sql);
}

int folio_session_begin(folio_session *ses)
{
	int rc;

	folio_batch__drain(ses->batch);
	if (ses->depth > 0) {
		rc = savepoint(ses->txn_cx, "SAVEPOINT", ses->depth + 1);
		if (rc == 0)
			ses->depth++;
		return rc;
	}
	rc = folio_pool__acquire(&ses->txn_cx, ses->srv);
	if (rc < 0)
		return rc;
	/* Write intent up front: an engine that upgrades a read lock later can deadlock. */
	rc = folio_cx__begin(ses->txn_cx, 1);
	if (rc < 0) {
		folio_pool__release(ses->srv, ses->txn_cx);
		ses->txn_cx = NULL;
		return rc;
	}
	memset(&ses->seq, 0, sizeof(ses->seq));
	ses->depth = 1;
	return 0;
}

static void end_outer(folio_session *ses)
{
	folio_pool__release(ses->srv, ses->txn_cx);
	ses->txn_cx = NULL;
	ses->depth = 0;
	memset(&ses->seq, 0, sizeof(ses->seq));
}

int folio_session_commit(folio_session *ses)
{
	int rc;

	folio_batch__drain(ses->batch);
	if (ses->depth == 0)
		return folio_error_set(FOLIO_EINVALID, "commit with no transaction open");
	if (ses->depth > 1) {
		rc = savepoint(ses->txn_cx, "RELEASE SAVEPOINT", ses->depth);
		if (rc == 0)
			ses->depth--;
		return rc;
	}
	rc = folio_seq__flush(ses, ses->txn_cx);
	if (rc == 0)
		rc = folio_cx__commit(ses->txn_cx);
	if (rc < 0) {
		int keep = folio_error_code();
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", folio_error_last());
		folio_cx__rollback(ses->txn_cx);
		folio_error_set(keep, "commit failed, transaction rolled back: %s", msg);
	}
	end_outer(ses);
	return rc;
}

int folio_session_rollback(folio_session *ses)
{
	int rc;

	folio_batch__drain(ses->batch);
	if (ses->depth == 0)
		return folio_error_set(FOLIO_EINVALID, "rollback with no transaction open");
	if (ses->depth > 1) {
		rc = savepoint(ses->txn_cx, "ROLLBACK TO SAVEPOINT", ses->depth);
		if (rc == 0)
			rc = savepoint(ses->txn_cx, "RELEASE SAVEPOINT", ses->depth);
		/* A counter row first locked inside the undone part is no longer locked. */
		if (ses->seq.valid && ses->seq.depth >= ses->depth)
			memset(&ses->seq, 0, sizeof(ses->seq));
		ses->depth--;
		return rc;
	}
	rc = folio_cx__rollback(ses->txn_cx);
	end_outer(ses);
	return rc;
}

int folio_session__wbegin(folio_session *ses, folio_cx **cx)
{
	int rc = folio_session_begin(ses);
	*cx = rc == 0 ? ses->txn_cx : NULL;
	return rc;
}

int folio_session__wend(folio_session *ses, int rc)
{
	if (rc < 0) {
		/* Keep the error that made us roll back. */
		int code = folio_error_code();
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", folio_error_last());
		folio_session_rollback(ses);
		folio_error_set(code ? code : rc, "%s", msg);
		return rc;
	}
	return folio_session_commit(ses);
}

int folio_session__rcx(folio_session *ses, folio_cx **cx)
{
	int rc;

	folio_batch__drain(ses->batch);
	if (ses->txn_cx) {
		*cx = ses->txn_cx;
		return 0;
	}
	/* Reads that nest (a callback that reads) share one connection. */
	if (!ses->read_cx) {
		rc = folio_pool__acquire(&ses->read_cx, ses->srv);
		if (rc < 0) {
			*cx = NULL;
			return rc;
		}
	}
	ses->read_refs++;
	*cx = ses->read_cx;
	return 0;
}

void folio_session__rdone(folio_session *ses, folio_cx *cx)
{
	if (!cx || cx == ses->txn_cx || cx != ses->read_cx)
		return;
	if (--ses->read_refs == 0) {
		folio_pool__release(ses->srv, ses->read_cx);
		ses->read_cx = NULL;
	}
}
