/*
 * The changes feed: live documents and deletion stubs above a seq, in seq
 * order, one statement (so one consistent snapshot) per page.
 */
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "acl.h"

int folio_changes(folio_session *ses, const char *db, int64_t since, int limit,
		  int (*cb)(const folio_change *change, void *payload), void *payload,
		  int64_t *last_seq)
{
	char rev[64];
	folio_qsql dsec, ssec;
	folio_cx *cx;
	folio_q q;
	int rc;

	if (last_seq)
		*last_seq = since;
	if (!folio_db_name_valid(db))
		return folio_error_set(FOLIO_EINVALID, "invalid database name '%.40s'",
				       db ? db : "(null)");
	if (limit <= 0)
		limit = 1000;
	folio_qsql__init(&dsec);
	folio_qsql__init(&ssec);
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0) {
		folio_qsql__free(&dsec);
		folio_qsql__free(&ssec);
		return rc;
	}
	rc = folio_catalog__exists(cx, db);
	if (rc == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no database %s", db);
	if (rc < 0)
		goto out;
	/* only what the Session may read, deleted documents included (security/acl.c) */
	rc = folio_acl__read_sql(&dsec, ses, cx, db, "d");
	rc = rc ? rc : folio_acl__stub_sql(&ssec, ses, cx, db, "t");
	if (rc < 0)
		goto out;
	{
		/* as long as the Session's names make it: no fixed buffer */
		folio_buf sql;
		folio_buf__init(&sql, 0);
		folio_buf__addf(&sql,
				"SELECT c.seq, s.name, c.unid, c.rev, c.mdate, c.deleted FROM ("
				"SELECT seq, storeid, unid, meta AS rev, COALESCE(mdate, cdate) AS mdate, "
				"0 AS deleted FROM %s_doc d "
				"WHERE seq > ?",
				db);
		if (dsec.sql.len)
			folio_buf__add(&sql, dsec.sql.data, dsec.sql.len);
		folio_buf__addf(&sql,
				" UNION ALL SELECT seq, storeid, unid, rev, mdate, 1 AS deleted FROM %s_stub t "
				"WHERE seq > ?",
				db);
		if (ssec.sql.len)
			folio_buf__add(&sql, ssec.sql.data, ssec.sql.len);
		folio_buf__addf(&sql, ") c JOIN %s_store s ON s.storeid = c.storeid ORDER BY c.seq %s", db,
				folio_cx__dialect(cx)->limit_clause);
		rc = sql.data ? folio_q__prep(&q, cx, sql.data) : folio_error__oom();
		folio_buf__free(&sql);
	}
	if (rc < 0)
		goto out;
	{
		int p = 1;
		rc = folio_q__int(&q, p++, since);
		rc = rc ? rc : folio_qsql__bind(&q, p, dsec.args);
		p += (int)json_object_array_length(dsec.args);
		rc = rc ? rc : folio_q__int(&q, p++, since);
		rc = rc ? rc : folio_qsql__bind(&q, p, ssec.args);
		p += (int)json_object_array_length(ssec.args);
		if (rc == 0) {
			/* "LIMIT ? OFFSET ?" and DB2's "OFFSET ? ROWS FETCH FIRST ? ROWS ONLY" */
			int db2 = strncmp(folio_cx__dialect(cx)->limit_clause, "OFFSET", 6) == 0;
			rc = folio_q__int(&q, p, db2 ? 0 : limit);
			rc = rc ? rc : folio_q__int(&q, p + 1, db2 ? limit : 0);
		}
	}
	while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
		folio_change c;
		c.seq = folio_q__col_int(&q, 0);
		c.store = folio_q__col_text(&q, 1, NULL);
		c.unid = folio_q__col_text(&q, 2, NULL);
		c.rev = folio_q__col_text(&q, 3, NULL);
		c.mdate = folio_q__col_text(&q, 4, NULL);
		c.deleted = (int)folio_q__col_int(&q, 5);
		if (!c.deleted && c.rev) {
			/* A live document's rev is the first part of its packed metadata. */
			const char *sep = strchr(c.rev, '\x01');
			size_t n = sep ? (size_t)(sep - c.rev) : strlen(c.rev);
			if (n >= sizeof(rev))
				n = sizeof(rev) - 1;
			memcpy(rev, c.rev, n);
			rev[n] = 0;
			c.rev = rev;
		}
		if (last_seq)
			*last_seq = c.seq;
		rc = cb(&c, payload);
	}
	if (rc == FOLIO_DONE)
		rc = 0;
	folio_q__done(&q);
out:
	folio_qsql__free(&dsec);
	folio_qsql__free(&ssec);
	folio_session__rdone(ses, cx);
	return rc;
}
