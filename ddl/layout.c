/*
 * The relational layout, version 1. Darwino's mapping is the model: a fixed
 * set of tables per database, stores as a column, documents keyed by an
 * integer docid. See docs/architecture.md for what each table holds.
 */
#include <stdio.h>
#include <string.h>
#include "layout.h"
#include "util.h"

const char *const folio_layout__tables[] = {"meta", "store", "doc", "fld", "sec", "tag", "soc",
					    "att", "fts", "stub", "rep", NULL};

typedef struct ddl_ctx {
	const folio_dialect *d;
	const char *db;
	int (*cb)(const char *sql, void *payload);
	void *payload;
} ddl_ctx;

static int emit(ddl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int emit(ddl_ctx *c, const char *fmt, ...)
{
	char sql[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return folio_error_set(FOLIO_ERROR, "DDL statement too long");
	return c->cb(sql, c->payload);
}

/* CREATE INDEX, with a WHERE clause where the dialect has partial indexes. */
static int mkindex(ddl_ctx *c, int unique, const char *name, const char *table, const char *cols,
		 const char *where)
{
	int partial = where && c->d->has_partial_index;
	return emit(c, "CREATE %sINDEX %s_%s ON %s_%s (%s)%s%s", unique ? "UNIQUE " : "", c->db,
		    name, c->db, table, cols, partial ? " WHERE " : "", partial ? where : "");
}

int folio_layout__db_ddl(const folio_dialect *d, const char *db,
			 int (*cb)(const char *sql, void *payload), void *payload)
{
	ddl_ctx c = {d, db, cb, payload};
	const char *I = d->t_int, *K = d->t_key, *T = d->t_text;
	int rc;

#define TRY(x)                  \
	do {                    \
		rc = (x);       \
		if (rc < 0)     \
			return rc; \
	} while (0)

	/* One row: the change counter, the replica id, the layout version. */
	TRY(emit(&c,
		 "CREATE TABLE %s_meta (id %s NOT NULL PRIMARY KEY, seq %s NOT NULL, "
		 "replica %s NOT NULL, version %s NOT NULL, cdate %s NOT NULL)",
		 db, I, I, K, I, K));
	/* Store ids are never reused, so a stale handle of a dropped store matches nothing. */
	TRY(emit(&c, "CREATE TABLE %s_store (storeid %s, name %s NOT NULL, options %s NOT NULL)",
		 db, d->t_id_once, K, T));
	TRY(mkindex(&c, 1, "store_name", "store", "name", NULL));
	/*
	 * Slots: single-valued extracted fields live in the document's own row
	 * (t1..t8 for strings and dates, n1..n8 for numbers and booleans), as a
	 * DBA would add indexed columns; a slot's index is made when a store
	 * first uses it (folio_layout__slot_index). Other fields go to _fld.
	 */
	{
		char slots[2048] = "";
		size_t o = 0;
		for (int i = 1; i <= 2 * FOLIO_SLOTS && o < sizeof(slots); i++)
			o += (size_t)snprintf(slots + o, sizeof(slots) - o, ", %c%d %s",
					      i <= FOLIO_SLOTS ? 't' : 'n',
					      i <= FOLIO_SLOTS ? i : i - FOLIO_SLOTS,
					      i <= FOLIO_SLOTS ? K : d->t_double);
		if (o >= sizeof(slots))
			return folio_error_set(FOLIO_ERROR, "DDL statement too long");
		TRY(emit(&c,
			 "CREATE TABLE %s_doc (docid %s, storeid %s NOT NULL, unid %s NOT NULL, "
			 "json %s NOT NULL, parent %s, syncmaster %s, cdate %s NOT NULL, cuser %s, "
			 "mdate %s NOT NULL, muser %s, seq %s NOT NULL, meta %s NOT NULL%s)",
			 db, d->t_id, I, K, d->t_json, K, K, K, K, K, K, I, T, slots));
	}
	TRY(mkindex(&c, 1, "doc_unid", "doc", "storeid, unid", NULL));
	TRY(mkindex(&c, 0, "doc_seq", "doc", "seq", NULL));
	TRY(mkindex(&c, 0, "doc_parent", "doc", "parent", "parent IS NOT NULL"));
	TRY(mkindex(&c, 0, "doc_syncmaster", "doc", "syncmaster", "syncmaster IS NOT NULL"));
	/* Extracted fields: one row per value (pos numbers the values of an array). */
	TRY(emit(&c,
		 "CREATE TABLE %s_fld (docid %s NOT NULL, storeid %s NOT NULL, field %s NOT NULL, "
		 "pos %s NOT NULL, vtext %s, vnum %s, vbool %s, vdate %s)",
		 db, I, I, K, I, K, d->t_double, I, K));
	TRY(mkindex(&c, 0, "fld_doc", "fld", "docid", NULL));
	TRY(mkindex(&c, 0, "fld_text", "fld", "storeid, field, vtext", "vtext IS NOT NULL"));
	TRY(mkindex(&c, 0, "fld_num", "fld", "storeid, field, vnum", "vnum IS NOT NULL"));
	TRY(mkindex(&c, 0, "fld_date", "fld", "storeid, field, vdate", "vdate IS NOT NULL"));
	/* Readers and editors: kind 'R' or 'E'. */
	TRY(emit(&c, "CREATE TABLE %s_sec (docid %s NOT NULL, kind %s NOT NULL, name %s NOT NULL)",
		 db, I, K, K));
	TRY(mkindex(&c, 0, "sec_doc", "sec", "docid", NULL));
	TRY(mkindex(&c, 0, "sec_name", "sec", "name, kind", NULL));
	TRY(emit(&c, "CREATE TABLE %s_tag (docid %s NOT NULL, tag %s NOT NULL)", db, I, K));
	TRY(mkindex(&c, 0, "tag_doc", "tag", "docid", NULL));
	TRY(mkindex(&c, 0, "tag_tag", "tag", "tag", NULL));
	/* Social data per (document, user). */
	TRY(emit(&c,
		 "CREATE TABLE %s_soc (docid %s NOT NULL, username %s NOT NULL, rating %s, "
		 "vote %s, shared %s, readmark %s, mdate %s)",
		 db, I, K, d->t_double, I, I, I, K));
	TRY(mkindex(&c, 1, "soc_key", "soc", "docid, username", NULL));
	TRY(emit(&c,
		 "CREATE TABLE %s_att (docid %s NOT NULL, name %s NOT NULL, mime %s, "
		 "length %s NOT NULL, digest %s NOT NULL, content %s, extref %s)",
		 db, I, K, K, I, K, d->t_blob, T));
	TRY(mkindex(&c, 1, "att_key", "att", "docid, name", NULL));
	TRY(emit(&c, "CREATE TABLE %s_fts (docid %s NOT NULL PRIMARY KEY, content %s)", db, I,
		 T));
	/* Deletion stubs: what the changes feed and replication need of a deleted document. */
	TRY(emit(&c,
		 "CREATE TABLE %s_stub (storeid %s NOT NULL, unid %s NOT NULL, rev %s NOT NULL, "
		 "revs %s NOT NULL, seq %s NOT NULL, mdate %s NOT NULL, muser %s, replica %s NOT NULL)",
		 db, I, K, K, T, I, K, K, K));
	TRY(mkindex(&c, 1, "stub_unid", "stub", "storeid, unid", NULL));
	TRY(mkindex(&c, 0, "stub_seq", "stub", "seq", NULL));
	/* Replication checkpoints per peer. */
	TRY(emit(&c,
		 "CREATE TABLE %s_rep (peer %s NOT NULL PRIMARY KEY, direction %s NOT NULL, "
		 "seq %s NOT NULL, mdate %s NOT NULL)",
		 db, K, K, I, K));
#undef TRY
	return 0;
}

int folio_layout__slot_name(char out[4], int slot)
{
	if (slot < 1 || slot > 2 * FOLIO_SLOTS)
		return folio_error_set(FOLIO_EINVALID, "no slot %d", slot);
	snprintf(out, 4, "%c%d", slot <= FOLIO_SLOTS ? 't' : 'n',
		 slot <= FOLIO_SLOTS ? slot : slot - FOLIO_SLOTS);
	return 0;
}

int folio_layout__slot_index(folio_cx *cx, const char *db, int slot)
{
	const folio_dialect *d = folio_cx__dialect(cx);
	char name[4], sql[256];
	int rc = folio_layout__slot_name(name, slot);

	if (rc < 0)
		return rc;
	snprintf(sql, sizeof(sql), "CREATE INDEX %s%s_doc_%s ON %s_doc (storeid, %s)%s%s IS NOT NULL",
		 d->has_if_not_exists ? "IF NOT EXISTS " : "", db, name, db, name,
		 d->has_partial_index ? " WHERE " : "", d->has_partial_index ? name : "");
	if (!d->has_partial_index)
		sql[strlen(sql) - strlen(" IS NOT NULL")] = 0;
	return folio_cx__exec(cx, sql);
}

static int exec_cb(const char *sql, void *payload)
{
	return folio_cx__exec(payload, sql);
}

int folio_layout__db_create(folio_cx *cx, const char *db)
{
	int rc = folio_layout__db_ddl(folio_cx__dialect(cx), db, exec_cb, cx);
	folio_cx__forget(cx);
	return rc;
}

int folio_layout__db_drop(folio_cx *cx, const char *db)
{
	char sql[128];
	int n = 0, rc = 0;

	while (folio_layout__tables[n])
		n++;
	/* Statements prepared on these tables must go before the tables do. */
	folio_cx__forget(cx);
	for (int i = n - 1; i >= 0; i--) {
		snprintf(sql, sizeof(sql), "DROP TABLE %s%s_%s",
			 folio_cx__dialect(cx)->has_if_not_exists ? "IF EXISTS " : "", db,
			 folio_layout__tables[i]);
		rc = folio_cx__exec(cx, sql);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Version 1: the catalog of databases and the layout version. */
static int server_v1(folio_cx *cx)
{
	const folio_dialect *d = folio_cx__dialect(cx);
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql), "CREATE TABLE folio_schema (version %s NOT NULL)", d->t_int);
	rc = folio_cx__exec(cx, sql);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE folio_catalog (name %s NOT NULL PRIMARY KEY, replica %s NOT NULL, "
		 "cdate %s NOT NULL, options %s NOT NULL)",
		 d->t_key, d->t_key, d->t_key, d->t_text);
	rc = folio_cx__exec(cx, sql);
	if (rc < 0)
		return rc;
	return folio_cx__exec(cx, "INSERT INTO folio_schema (version) VALUES (0)");
}

/* Forward migrations: entry i takes the layout from version i to i + 1. */
static int (*const migrations[])(folio_cx *cx) = {server_v1};

static int read_version(folio_cx *cx, int *version)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, "SELECT version FROM folio_schema");
	if (rc < 0)
		return rc;
	rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		*version = (int)folio_q__col_int(&q, 0);
		rc = 0;
	} else if (rc == FOLIO_DONE) {
		rc = folio_error_set(FOLIO_EINVALID, "folio_schema holds no version row");
	}
	folio_q__done(&q);
	return rc;
}

static int server_init_once(folio_cx *cx, int *version)
{
	int v = 0, rc, target = (int)(sizeof(migrations) / sizeof(migrations[0]));
	int have_catalog;
	folio_q q;
	char sql[96];

	/* Read outside a transaction: on some engines a failed statement spoils one. */
	have_catalog = read_version(cx, &v) == 0;
	if (have_catalog && v == target) {
		*version = v;
		return 0;
	}
	folio_error_clear();
	rc = folio_cx__begin(cx, 1);
	if (rc < 0)
		return rc;
	if (have_catalog) {
		rc = read_version(cx, &v);
		if (rc < 0)
			goto out;
	}
	if (v > target) {
		rc = folio_error_set(FOLIO_EINVALID,
				     "the database holds folio layout version %d, newer than this "
				     "build's %d",
				     v, target);
		goto out;
	}
	for (rc = 0; v < target; v++) {
		rc = migrations[v](cx);
		if (rc < 0) {
			folio_error__wrap("migrating the layout to version %d", v + 1);
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "UPDATE folio_schema SET version = %d", v);
	rc = folio_q__prep(&q, cx, sql);
	if (rc == 0) {
		rc = folio_q__run(&q);
		folio_q__done(&q);
	}
out:
	if (rc < 0) {
		folio_cx__rollback(cx);
		return rc;
	}
	rc = folio_cx__commit(cx);
	if (rc == 0)
		*version = v;
	return rc;
}

int folio_layout__server_init(folio_cx *cx, int *version)
{
	/* Two processes may create the catalog at once: the loser sees it on a second look. */
	int rc = server_init_once(cx, version);
	if (rc < 0 && rc != FOLIO_EBUSY && rc != FOLIO_EIO)
		rc = server_init_once(cx, version);
	return rc;
}
