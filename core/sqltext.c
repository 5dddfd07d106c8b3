/*
 * The SQL texts of the document paths for one database, built once when a
 * store is opened (the connection's statement cache then prepares each once).
 * Table names come from a database name that passed folio_db_name_valid().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

static char *fmt(int *rc, const char *f, ...) __attribute__((format(printf, 2, 3)));

static char *fmt(int *rc, const char *f, ...)
{
	char buf[1024];
	va_list ap;
	char *s;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	s = folio__strdup(buf);
	if (!s)
		*rc = FOLIO_ENOMEM;
	return s;
}

#define DOC_COLS                                                                         \
	"docid, json, parent, syncmaster, cdate, cuser, mdate, muser, seq, rev, revs, replica"

int folio_sql__build(folio_sql **out, const folio_dialect *d, const char *db)
{
	folio_sql *s = calloc(1, sizeof(*s));
	int rc = 0;

	*out = NULL;
	if (!s)
		return folio_error__oom();
	s->doc_load = fmt(&rc, "SELECT " DOC_COLS " FROM %s_doc WHERE storeid = ? AND unid = ?",
			  db);
	s->doc_find = fmt(&rc,
			  "SELECT docid, rev, revs, cdate, cuser FROM %s_doc "
			  "WHERE storeid = ? AND unid = ?",
			  db);
	s->doc_insert = fmt(&rc,
			    "INSERT INTO %s_doc (storeid, unid, json, parent, syncmaster, cdate, "
			    "cuser, mdate, muser, seq, rev, revs, replica, size) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)%s",
			    db, d->has_returning ? " RETURNING docid" : "");
	s->last_docid = fmt(&rc, "SELECT docid FROM %s_doc WHERE storeid = ? AND unid = ?", db);
	s->doc_update = fmt(&rc,
			    "UPDATE %s_doc SET json = ?, parent = ?, syncmaster = ?, cdate = ?, "
			    "cuser = ?, mdate = ?, muser = ?, seq = ?, rev = ?, revs = ?, "
			    "replica = ?, size = ? WHERE docid = ?",
			    db);
	s->doc_delete = fmt(&rc, "DELETE FROM %s_doc WHERE docid = ?", db);
	s->stub_find = fmt(&rc, "SELECT rev, revs FROM %s_stub WHERE storeid = ? AND unid = ?", db);
	s->stub_delete = fmt(&rc, "DELETE FROM %s_stub WHERE storeid = ? AND unid = ?", db);
	s->stub_insert = fmt(&rc,
			     "INSERT INTO %s_stub (storeid, unid, rev, revs, seq, mdate, muser, "
			     "replica) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			     db);
	s->sec_clear = fmt(&rc, "DELETE FROM %s_sec WHERE docid = ?", db);
	s->sec_insert = fmt(&rc, "INSERT INTO %s_sec (docid, kind, name) VALUES (?, ?, ?)", db);
	s->tag_clear = fmt(&rc, "DELETE FROM %s_tag WHERE docid = ?", db);
	s->tag_insert = fmt(&rc, "INSERT INTO %s_tag (docid, tag) VALUES (?, ?)", db);
	s->fld_clear = fmt(&rc, "DELETE FROM %s_fld WHERE docid = ?", db);
	s->fld_insert = fmt(&rc,
			    "INSERT INTO %s_fld (docid, storeid, field, pos, vtext, vnum, vbool, "
			    "vdate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			    db);
	s->soc_clear = fmt(&rc, "DELETE FROM %s_soc WHERE docid = ?", db);
	s->att_clear = fmt(&rc, "DELETE FROM %s_att WHERE docid = ?", db);
	s->fts_clear = fmt(&rc, "DELETE FROM %s_fts WHERE docid = ?", db);
	s->count = fmt(&rc, "SELECT COUNT(*) FROM %s_doc WHERE storeid = ?", db);
	s->unids = fmt(&rc, "SELECT unid FROM %s_doc WHERE storeid = ? ORDER BY unid", db);
	s->meta_replica = fmt(&rc, "SELECT replica FROM %s_meta WHERE id = 1", db);
	if (rc < 0) {
		folio_sql__free(s);
		return folio_error__oom();
	}
	*out = s;
	return 0;
}

void folio_sql__free(folio_sql *s)
{
	if (!s)
		return;
	char **p = (char **)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(char *); i++)
		free(p[i]);
	free(s);
}
