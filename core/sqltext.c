/*
 * The SQL texts of the document paths for one database, built once when a
 * store is opened (the connection's statement cache then prepares each once).
 * Table names come from a database name that passed folio_db_name_valid().
 */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "layout.h"

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

/* A load reads the packed metadata (see folio_doc__pack_meta) instead of nine columns. */
#define DOC_COLS "docid, seq, json, meta"

int folio_sql__build(folio_sql **out, const folio_dialect *d, int last_id, const char *db,
		     const folio_field *fields, int n_fields)
{
	folio_sql *s = calloc(1, sizeof(*s));
	char cols[256] = "", marks[128] = "", sets[384] = "";
	size_t oc = 0, om = 0, os = 0;
	int rc = 0;

	*out = NULL;
	if (!s)
		return folio_error__oom();
	/* The store's slot columns, in field order (doc_write.c binds them in that order). */
	for (int i = 0; i < n_fields; i++) {
		char name[4];
		if (!fields[i].slot || folio_layout__slot_name(name, fields[i].slot) < 0)
			continue;
		oc += (size_t)snprintf(cols + oc, sizeof(cols) - oc, ", %s", name);
		om += (size_t)snprintf(marks + om, sizeof(marks) - om, ", ?");
		os += (size_t)snprintf(sets + os, sizeof(sets) - os, ", %s = ?", name);
	}
	s->doc_load = fmt(&rc, "SELECT " DOC_COLS " FROM %s_doc d WHERE storeid = ? AND unid = ?",
			  db);
	s->doc_find = fmt(&rc,
			  "SELECT docid, meta, cdate, cuser FROM %s_doc "
			  "WHERE storeid = ? AND unid = ?",
			  db);
	/* With RETURNING where the driver cannot tell the generated key itself. */
	s->doc_insert = fmt(&rc,
			    "INSERT INTO %s_doc (storeid, unid, json, parent, syncmaster, cdate, "
			    "cuser, mdate, muser, seq, meta%s) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?%s)%s",
			    db, cols, marks, d->has_returning && !last_id ? " RETURNING docid" : "");
	if (d->on_conflict_nothing && (d->has_returning || last_id))
		s->doc_try_insert =
			fmt(&rc,
			    "INSERT INTO %s_doc (storeid, unid, json, parent, syncmaster, cdate, "
			    "cuser, mdate, muser, seq, meta%s) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?%s)%s%s",
			    db, cols, marks, d->on_conflict_nothing,
			    last_id ? "" : " RETURNING docid");
	s->doc_update = fmt(&rc,
			    "UPDATE %s_doc SET json = ?, parent = ?, syncmaster = ?, cdate = ?, "
			    "cuser = ?, mdate = ?, muser = ?, seq = ?, meta = ?%s WHERE docid = ?",
			    db, sets);
	s->last_docid = fmt(&rc, "SELECT docid FROM %s_doc WHERE storeid = ? AND unid = ?", db);
	s->doc_delete = fmt(&rc, "DELETE FROM %s_doc WHERE docid = ?", db);
	s->stub_find = fmt(&rc, "SELECT rev, revs FROM %s_stub WHERE storeid = ? AND unid = ?", db);
	s->stub_delete = fmt(&rc, "DELETE FROM %s_stub WHERE storeid = ? AND unid = ?", db);
	s->stub_insert = fmt(&rc,
			     "INSERT INTO %s_stub (storeid, unid, rev, revs, seq, mdate, muser, "
			     "replica, readers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
	s->fts_insert = fmt(&rc, "INSERT INTO %s_fts (docid, content) VALUES (?, %s)", db,
			    strcmp(d->name, "postgresql") == 0 ? "to_tsvector('simple', ?)" : "?");
	/* the read condition of the Session goes at the end (security/acl.c) */
	s->count = fmt(&rc, "SELECT COUNT(*) FROM %s_doc d WHERE storeid = ?", db);
	s->unids = fmt(&rc, "SELECT unid FROM %s_doc d WHERE storeid = ?", db);
	s->stub_any = fmt(&rc, "SELECT 1 FROM %s_stub WHERE storeid = ? %s", db, d->limit_clause);
	s->store_check = fmt(&rc, "SELECT 1 FROM %s_store WHERE storeid = ?", db);
	s->meta_replica = fmt(&rc, "SELECT replica, version FROM %s_meta WHERE id = 1", db);
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
