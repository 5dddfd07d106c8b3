/*
 * folio_bench: the SQLite baseline. libsqlite3 with the pragmas folio's
 * SQLite driver sets on its connections (drivers/sqlite/), so the two differ
 * only by folio's layer: one transaction, one prepared INSERT, a prepared
 * SELECT by primary key.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"

/*
 * SQLite: libsqlite3 with the pragmas folio's SQLite driver sets on its
 * connections (drivers/sqlite/), so the two differ only by folio's layer.
 */
typedef struct sq_ctx {
	sqlite3 *db;
	char path[PATH_MAX];
} sq_ctx;

static int sq_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "folio_bench: baseline sqlite: %s: %s\n", what,
		db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static void sq_close(void *vctx)
{
	sq_ctx *c = vctx;

	if (c == NULL)
		return;
	sqlite3_close(c->db);
	free(c);
}

static int sq_reset(void **out, const char *dir, const bench_opts *o)
{
	static const char *const ddl =
		"PRAGMA page_size=8192;"
		"PRAGMA journal_mode=WAL;"
		"PRAGMA synchronous=NORMAL;"
		"PRAGMA cache_size=-8192;"
		"CREATE TABLE docs(id TEXT PRIMARY KEY, json TEXT NOT NULL, city TEXT, age REAL, "
		"name TEXT);"
		"CREATE INDEX docs_city ON docs(city);"
		"CREATE INDEX docs_age ON docs(age);"
		"CREATE INDEX docs_name ON docs(name);";
	sq_ctx *c = *out;

	(void)o;
	if (c != NULL) {
		sqlite3_close(c->db);
		c->db = NULL;
	} else {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return sq_fail(NULL, "reset");
		*out = c;
		if (path_fmt(c->path, sizeof(c->path), "%s/%s", dir, "baseline.db") != 0)
			return -1;
	}
	remove_db_files(c->path);
	if (sqlite3_open(c->path, &c->db) != SQLITE_OK)
		return sq_fail(c->db, "open");
	sqlite3_busy_timeout(c->db, 10000);
	if (sqlite3_exec(c->db, ddl, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(c->db, "create the table");
	return 0;
}

static int sq_import(void *vctx, const gen_doc *docs, unsigned n, int variant)
{
	sq_ctx *c = vctx;
	sqlite3_stmt *ins = NULL;
	int rc = -1;

	(void)variant;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(c->db, "begin");
	if (sqlite3_prepare_v2(c->db,
			       "INSERT INTO docs(id, json, city, age, name) VALUES (?,?,?,?,?)", -1,
			       &ins, NULL) != SQLITE_OK) {
		sq_fail(c->db, "prepare the insert");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		/* The generator hands the three values over: no JSON parse here. */
		sqlite3_bind_text(ins, 1, docs[i].unid, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, docs[i].json, (int)docs[i].len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, docs[i].city, -1, SQLITE_STATIC);
		sqlite3_bind_double(ins, 4, (double)docs[i].age);
		sqlite3_bind_text(ins, 5, docs[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sq_fail(c->db, "insert");
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(c->db, "commit");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	if (rc != 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int sq_load(void *vctx, const gen_doc *docs, const unsigned *order, unsigned n,
		   size_t *bytes)
{
	sq_ctx *c = vctx;
	sqlite3_stmt *sel = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(c->db, "SELECT json FROM docs WHERE id=?", -1, &sel, NULL) !=
	    SQLITE_OK)
		return sq_fail(c->db, "prepare the select");
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *text;
		int len;
		char *copy;

		sqlite3_bind_text(sel, 1, docs[order[i]].unid, -1, SQLITE_STATIC);
		if (sqlite3_step(sel) != SQLITE_ROW) {
			sq_fail(c->db, "select");
			goto out;
		}
		text = sqlite3_column_text(sel, 0);
		len = sqlite3_column_bytes(sel, 0);
		/* The user gets a copy of the text, as folio_doc_get_json() gives one. */
		copy = malloc((size_t)len + 1);
		if (copy == NULL || text == NULL) {
			free(copy);
			sq_fail(NULL, "select");
			goto out;
		}
		memcpy(copy, text, (size_t)len + 1);
		*bytes += (size_t)len;
		free(copy);
		sqlite3_reset(sel);
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	return rc;
}

const baseline baseline_sqlite = {
	.engine = "sqlite",
	.description = "raw libsqlite3, page_size=8192, journal_mode=WAL, synchronous=NORMAL, cache_size=-8192 "
		       "(as folio), one transaction, one prepared INSERT, indexes on city, age, "
		       "name; the generator hands it city/age/name directly (no JSON parse)",
	.n_variants = 1,
	.reset = sq_reset,
	.import = sq_import,
	.load = sq_load,
	.close = sq_close,
};

