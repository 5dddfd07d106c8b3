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
					    "att", "fts", "stub", "rep", "acl", "role", NULL};

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
	 * mdate is NULL while it equals cdate (a document never updated): the
	 * row is smaller, and the SQL reads COALESCE(mdate, cdate).
	 *
	 * Slots: single-valued extracted fields live in the document's own row
	 * (t1..t8 for strings and dates, n1..n8 for numbers and booleans), as a
	 * DBA would add indexed columns; a slot's index is made when a store
	 * first uses it (folio_layout__slot_index). Other fields go to _fld.
	 */
	{
		char slots[2048] = "";
		size_t o = 0;
		/* Slots compare byte for byte everywhere, as the query evaluator does. */
		const char *slot_text = strcmp(d->name, "postgresql") == 0 ? "VARCHAR(256) COLLATE \"C\"" : K;
		for (int i = 1; i <= 2 * FOLIO_SLOTS && o < sizeof(slots); i++)
			o += (size_t)snprintf(slots + o, sizeof(slots) - o, ", %c%d %s",
					      i <= FOLIO_SLOTS ? 't' : 'n',
					      i <= FOLIO_SLOTS ? i : i - FOLIO_SLOTS,
					      i <= FOLIO_SLOTS ? slot_text : d->t_double);
		if (o >= sizeof(slots))
			return folio_error_set(FOLIO_ERROR, "DDL statement too long");
		TRY(emit(&c,
			 "CREATE TABLE %s_doc (docid %s, storeid %s NOT NULL, unid %s NOT NULL, "
			 "json %s NOT NULL, parent %s, syncmaster %s, cdate %s NOT NULL, cuser %s, "
			 "mdate %s, muser %s, seq %s NOT NULL, meta %s NOT NULL%s)",
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
	/* the marks of irregular documents (pos -1), read before every query */
	TRY(mkindex(&c, 0, "fld_mark", "fld", "storeid, pos, field", "pos = -1"));
	/* Readers and editors: kind 'R' or 'E'. */
	TRY(emit(&c, "CREATE TABLE %s_sec (docid %s NOT NULL, kind %s NOT NULL, name %s NOT NULL)",
		 db, I, K, K));
	TRY(mkindex(&c, 0, "sec_doc", "sec", "docid, kind, name", NULL));
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
	/*
	 * Full text: the words of a document's strings, in the engine's own
	 * full-text index (SQLite FTS5 keyed by rowid = docid, PostgreSQL a
	 * tsvector with a GIN index, MariaDB a FULLTEXT index).
	 */
	if (strcmp(d->name, "sqlite") == 0) {
		/* _fts holds the words; _ftsx indexes them (FTS5, external content). */
		TRY(emit(&c, "CREATE TABLE %s_fts (docid %s NOT NULL PRIMARY KEY, content %s)", db, I,
			 T));
		TRY(emit(&c,
			 "CREATE VIRTUAL TABLE %s_ftsx USING fts5(content, content='%s_fts', "
			 "content_rowid='docid', tokenize='unicode61')",
			 db, db));
		TRY(emit(&c,
			 "CREATE TRIGGER %s_fts_ai AFTER INSERT ON %s_fts BEGIN INSERT INTO %s_ftsx(rowid, "
			 "content) VALUES (new.docid, new.content); END",
			 db, db, db));
		TRY(emit(&c,
			 "CREATE TRIGGER %s_fts_ad AFTER DELETE ON %s_fts BEGIN INSERT INTO %s_ftsx(%s_ftsx, "
			 "rowid, content) VALUES ('delete', old.docid, old.content); END",
			 db, db, db, db));
	} else if (strcmp(d->name, "postgresql") == 0) {
		TRY(emit(&c, "CREATE TABLE %s_fts (docid %s NOT NULL PRIMARY KEY, content tsvector)", db, I));
		TRY(emit(&c, "CREATE INDEX %s_fts_content ON %s_fts USING GIN (content)", db, db));
	} else if (strcmp(d->name, "mariadb") == 0) {
		TRY(emit(&c, "CREATE TABLE %s_fts (docid %s NOT NULL PRIMARY KEY, content %s)", db, I, T));
		TRY(emit(&c, "CREATE FULLTEXT INDEX %s_fts_content ON %s_fts (content)", db, db));
	} else {
		TRY(emit(&c, "CREATE TABLE %s_fts (docid %s NOT NULL PRIMARY KEY, content %s)", db, I,
			 T));
	}
	/* Deletion stubs: what the changes feed and replication need of a deleted document. */
	TRY(emit(&c,
		 "CREATE TABLE %s_stub (storeid %s NOT NULL, unid %s NOT NULL, rev %s NOT NULL, "
		 "revs %s NOT NULL, seq %s NOT NULL, mdate %s NOT NULL, muser %s, replica %s NOT NULL, "
		 "readers %s)",
		 db, I, K, K, T, I, K, K, K, T));
	TRY(mkindex(&c, 1, "stub_unid", "stub", "storeid, unid", NULL));
	TRY(mkindex(&c, 0, "stub_seq", "stub", "seq", NULL));
	/*
	 * The database ACL: an entry per user, group, [role], "anonymous" or "*":
	 * its level (0 no access .. 6 manager), flags (1 create documents, 2
	 * delete documents) and the roles it gives (comma-separated).
	 */
	TRY(emit(&c,
		 "CREATE TABLE %s_acl (name %s NOT NULL PRIMARY KEY, level %s NOT NULL, "
		 "flags %s NOT NULL, roles %s NOT NULL)",
		 db, K, I, I, T));
	TRY(emit(&c, "CREATE TABLE %s_role (name %s NOT NULL PRIMARY KEY)", db, K));
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

static int exec_cb(const char *sql, void *payload)
{
	return folio_cx__exec(payload, sql);
}

/*
 * SQLite plans without statistics unless told, and then takes an index on
 * (storeid, a number) for as selective as one on (storeid, a string): it
 * would pick the wrong one. A new database gets the statistics of a large
 * store instead (the same for every database, as a DBA would set them), in
 * sqlite_stat1; ANALYZE on real data replaces them.
 */
static int sqlite_stat(folio_cx *cx, const char *db, const char *index, const char *stat)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO sqlite_stat1 (tbl, idx, stat) SELECT '%s_doc', '%s_%s', '%s' "
		 "WHERE NOT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE idx = '%s_%s')",
		 db, db, index, stat, db, index);
	return folio_cx__exec(cx, sql);
}

static int sqlite_stats(folio_cx *cx, const char *db)
{
	static const char *const stats[][2] = {{"doc_unid", "1000000 100000 1"},
					       {"doc_seq", "1000000 1"},
					       {"doc_parent", "1000000 5"},
					       {"doc_syncmaster", "1000000 5"}};
	char sql[256];
	int rc = folio_cx__exec(cx, "ANALYZE sqlite_schema");
	snprintf(sql, sizeof(sql),
		 "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('%s_doc', NULL, '1000000')", db);
	rc = rc ? rc : folio_cx__exec(cx, sql);
	for (size_t i = 0; rc == 0 && i < sizeof(stats) / sizeof(stats[0]); i++)
		rc = sqlite_stat(cx, db, stats[i][0], stats[i][1]);
	return rc ? rc : folio_cx__exec(cx, "ANALYZE sqlite_schema");
}

int folio_layout__slot_index(folio_cx *cx, const char *db, int slot)
{
	const folio_dialect *d = folio_cx__dialect(cx);
	char name[4], sql[256];
	int rc = folio_layout__slot_name(name, slot);

	if (rc < 0)
		return rc;
	/*
	 * The whole column, NULLs included, so that an ORDER BY on the slot reads
	 * the index in order (missing values sort first going up, on every engine).
	 */
	snprintf(sql, sizeof(sql), "CREATE INDEX %s%s_doc_%s ON %s_doc (storeid, %s%s)",
		 d->has_if_not_exists ? "IF NOT EXISTS " : "", db, name, db, name,
		 strcmp(d->name, "postgresql") == 0 ? " NULLS FIRST" : "");
	rc = folio_cx__exec(cx, sql);
	if (rc == 0 && strcmp(d->name, "sqlite") == 0) {
		char idx[8];
		snprintf(idx, sizeof(idx), "doc_%s", name);
		rc = sqlite_stat(cx, db, idx, "1000000 100000 10");
		rc = rc ? rc : folio_cx__exec(cx, "ANALYZE sqlite_schema");
	}
	return rc;
}

int folio_layout__db_create(folio_cx *cx, const char *db)
{
	int rc = folio_layout__db_ddl(folio_cx__dialect(cx), db, exec_cb, cx);
	if (rc == 0 && strcmp(folio_cx__dialect(cx)->name, "sqlite") == 0)
		rc = sqlite_stats(cx, db);
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
	if (strcmp(folio_cx__dialect(cx)->name, "sqlite") == 0) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s_ftsx", db);
		rc = folio_cx__exec(cx, sql);
		if (rc < 0)
			return rc;
	}
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

/*
 * Version 2: security at the server level. The built-in directory (users with
 * their argon2id password hashes; group membership, where a member is a user
 * or a group), and the server ACL (who may create databases, who administers).
 */
static int server_v2(folio_cx *cx)
{
	const folio_dialect *d = folio_cx__dialect(cx);
	const char *K = d->t_key, *I = d->t_int;
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql),
		 "CREATE TABLE folio_user (name %s NOT NULL PRIMARY KEY, hash %s NOT NULL, "
		 "disabled %s NOT NULL, mdate %s NOT NULL)",
		 K, K, I, K);
	rc = folio_cx__exec(cx, sql);
	if (rc == 0) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE folio_member (grp %s NOT NULL, member %s NOT NULL, "
			 "PRIMARY KEY (grp, member))",
			 K, K);
		rc = folio_cx__exec(cx, sql);
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "CREATE INDEX folio_member_member ON folio_member (member)");
		rc = folio_cx__exec(cx, sql);
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE folio_srvacl (name %s NOT NULL PRIMARY KEY, rights %s NOT NULL)", K,
			 K);
		rc = folio_cx__exec(cx, sql);
	}
	return rc;
}

/* Forward migrations: entry i takes the layout from version i to i + 1. */
static int (*const migrations[])(folio_cx *cx) = {server_v1, server_v2};

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
