/*
 * seq assignment. Every database has one counter row (<db>_meta). The first
 * write of a transaction to a database increments it, which takes the row's
 * write lock (SQLite: the database write lock, taken by BEGIN IMMEDIATE
 * already; PostgreSQL, MariaDB, DB2: the row lock) until commit. Later
 * writes of the same transaction count on in memory, and the counter is
 * written back before commit. So writers to one database commit in seq
 * order: once a reader has seen seq S, nothing can later commit a seq below
 * S, and the changes feed never skips.
 */
#include <stdio.h>
#include <string.h>
#include "internal.h"

int folio_seq__next(int64_t *out, folio_session *ses, folio_cx *cx, const char *db)
{
	folio_seqcache *c = &ses->seq;
	const folio_dialect *d = folio_cx__dialect(cx);
	char sql[160];
	folio_q q;
	int rc;

	if (c->valid && strcmp(c->db, db) == 0) {
		*out = ++c->next;
		return 0;
	}
	/* Another database in this transaction: write the first one's counter back. */
	rc = folio_seq__flush(ses, cx);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof(sql), "UPDATE %s_meta SET seq = seq + 1 WHERE id = 1%s", db,
		 d->has_returning ? " RETURNING seq" : "");
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__step(&q);
	if (d->has_returning) {
		if (rc == FOLIO_ROW) {
			*out = folio_q__col_int(&q, 0);
			rc = 0;
		} else if (rc == FOLIO_DONE) {
			rc = folio_error_set(FOLIO_ERROR, "database %s has no counter row", db);
		}
	}
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	if (!d->has_returning) {
		snprintf(sql, sizeof(sql), "SELECT seq FROM %s_meta WHERE id = 1", db);
		rc = folio_q__prep(&q, cx, sql);
		if (rc < 0)
			return rc;
		rc = folio_q__step(&q);
		if (rc == FOLIO_ROW) {
			*out = folio_q__col_int(&q, 0);
			rc = 0;
		} else if (rc == FOLIO_DONE) {
			rc = folio_error_set(FOLIO_ERROR, "database %s has no counter row", db);
		}
		folio_q__done(&q);
		if (rc < 0)
			return rc;
	}
	snprintf(c->db, sizeof(c->db), "%s", db);
	c->next = c->written = *out;
	c->depth = ses->depth;
	c->valid = 1;
	return 0;
}

int folio_seq__flush(folio_session *ses, folio_cx *cx)
{
	folio_seqcache *c = &ses->seq;
	char sql[128];
	folio_q q;
	int rc;

	if (!c->valid)
		return 0;
	if (c->next > c->written) {
		snprintf(sql, sizeof(sql), "UPDATE %s_meta SET seq = ? WHERE id = 1", c->db);
		rc = folio_q__prep(&q, cx, sql);
		if (rc < 0)
			return rc;
		rc = folio_q__int(&q, 1, c->next);
		if (rc == 0)
			rc = folio_q__run(&q);
		folio_q__done(&q);
		if (rc < 0)
			return rc;
	}
	c->valid = 0;
	return 0;
}
