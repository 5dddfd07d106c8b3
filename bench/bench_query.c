/*
 * folio_qbench: folio's queries against the same queries written by hand in
 * SQL on the same engine, in one run, on the same documents, and the ratio
 * of the two (docs/performance.md, "Queries").
 *
 *   q1           city = X AND age > Y, whole documents (about 1% of the store)
 *   q2 top20     city = X ORDER BY age DESC, name LIMIT 20
 *   q2 page k=K  ORDER BY name LIMIT 20 OFFSET K, K = 0, 1% and 10% of the store
 *   q3 fts       full-text search for three words of the notes, best rank first
 *
 * folio: a store that extracts city, age and name, and a store created with
 * "fts": true holding the first documents, both filled with folio_batch_*;
 * each query is a cursor read to the end. Baseline: what a DBA would write
 * for the same data on the engine: one table of JSON documents with an
 * expression index on each of the three fields, the engine's own full-text
 * index, prepared statements. Each query runs --runs times with parameters
 * from a fixed-seed generator, the same sequence for both sides, and both
 * must return the same UNIDs in the same order (the run stops otherwise).
 * Importing is not what is measured: its times are shown for information.
 *
 * The SQL each side runs and the engine's plan for it go to stderr before
 * the timed runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "folio/folio.h"

#include "bench.h"

#define TARGET_QUERY 1.3
#define TARGET_FTS 1.5

#define QB_DB "qbench"        /* the folio database (tables qbench_doc, ...) */
#define QB_STORE "docs"       /* extracts city, age, name */
#define QB_FTS_STORE "ftsdocs" /* "fts": true */
#define QB_FIELDS                                                                        \
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"        \
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"},"                       \
	"{\"name\":\"name\",\"path\":\"name\",\"type\":\"string\"}]}"

#define PAGE_SIZE 20 /* q2's page */
#define FOLIO_PAGE 500 /* what folio's cursor reads per SELECT on a server (core/cursor.c) */
#define FTS_WORDS 3    /* words per full-text query, all required */
#define FTS_TEXT_MAX 4096
#define MAX_CITIES 256
#define URL_SHOWN_MAX 512

/* The words of the documents' notes (and tags), as bench_gen.c draws them. */
static const char *const note_words[48] = {
	"account", "active", "annual", "billing", "budget", "call", "client", "contract",
	"customer", "delivery", "discount", "email", "export", "invoice", "issue", "lead",
	"meeting", "network", "offer", "order", "partner", "payment", "phone", "plan",
	"premium", "price", "product", "project", "quote", "region", "renewal", "report",
	"request", "review", "sales", "service", "shipping", "signed", "status", "support",
	"survey", "team", "ticket", "trial", "update", "vendor", "visit", "warranty",
};

/* ------------------------------------------------------------- queries */

enum { K_Q1, K_TOP, K_PAGE0, K_PAGE1, K_PAGE2, K_FTS, K_N };

static const struct {
	const char *name;
	double target;
	unsigned offset_per_mille; /* q2 pages: OFFSET = docs * this / 1000 */
} kinds[K_N] = {
	{ "q1 city+age", TARGET_QUERY, 0 },  { "q2 top20 city", TARGET_QUERY, 0 },
	{ "q2 page k=0", TARGET_QUERY, 0 },  { "q2 page k=1%", TARGET_QUERY, 10 },
	{ "q2 page k=10%", TARGET_QUERY, 100 }, { "q3 fts", TARGET_FTS, 0 },
};

/* One run's parameters. */
typedef struct qparam {
	const char *city;
	int age;
	int64_t offset;
	char words[64];
} qparam;

/* What one run returned: rows, a hash of their UNIDs in order, bytes of JSON. */
typedef struct qres {
	unsigned rows;
	uint64_t hash;
	size_t bytes;
} qres;

/* The UNIDs of one run, in order, to show where two answers differ. */
typedef struct unids {
	char (*v)[24];
	size_t n, cap;
} unids;

static void qres_add(qres *r, unids *col, const char *unid, size_t len, size_t bytes)
{
	uint64_t h = r->hash ? r->hash : 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)unid[i];
		h *= 0x100000001b3ull;
	}
	h ^= '\n';
	h *= 0x100000001b3ull;
	r->hash = h;
	r->rows++;
	r->bytes += bytes;
	if (col == NULL)
		return;
	if (col->n == col->cap) {
		size_t cap = col->cap ? 2 * col->cap : 256;
		char(*v)[24] = realloc(col->v, cap * sizeof(*v));

		if (v == NULL)
			return; /* the diagnosis is shorter, the check stands */
		col->v = v;
		col->cap = cap;
	}
	snprintf(col->v[col->n++], sizeof(col->v[0]), "%.*s", (int)len, unid);
}

/* ---------------------------------------------------------------- time */


/* ------------------------------------------------------------ options */

typedef struct qopts {
	unsigned docs;
	unsigned fts_docs;
	unsigned runs;
	unsigned repeat;
	const char *dir;    /* NULL: a fresh temporary directory */
	const char *server; /* a postgresql:// URL, or NULL: SQLite */
	int strict;
	int only;    /* 0 both, 'f' folio, 'b' baseline */
	int analyze; /* SQLite: ANALYZE both databases after the imports */
	unsigned kinds; /* bit k: run query kind k (default all) */
} qopts;

static void usage(FILE *to)
{
	fprintf(to,
		"usage: folio_qbench [--docs N] [--fts-docs N] [--runs R] [--repeat P]\n"
		"                    [--dir DIR] [--server URL] [--only folio|baseline]\n"
		"                    [--query Q] [--analyze] [--strict]\n"
		"  --docs N      documents in the store (default 100000)\n"
		"  --fts-docs N  documents in the full-text store, the first N (default 20000)\n"
		"  --runs R      runs of each query, each with its own parameters (default 200)\n"
		"  --repeat P    time every query's R runs P times, keep the best (default 2)\n"
		"  --dir DIR     work in DIR (its folio.db and baseline.db are replaced, kept);\n"
		"                default: a fresh temporary directory, removed afterwards\n"
		"  --server URL  run on a PostgreSQL server (postgresql://...) instead of SQLite:\n"
		"                folio in a database \"" QB_DB "\", the baseline in tables\n"
		"                qbase_docs and qbase_fts, all dropped at the end\n"
		"  --only WHICH  run folio or baseline only (to profile one; no ratios, no check)\n"
		"  --strict      exit 3 when a target is missed\n"
		"  --query Q     run only Q: q1, top, page or fts (repeatable; default all)\n"
		"  --analyze     SQLite: run ANALYZE on both databases after the imports (on\n"
		"                PostgreSQL both sides are always VACUUM ANALYZEd)\n"
		"The SQL of both sides and the engine's plans go to stderr. Exit status: 0; 1 on\n"
		"an error; 2 on a usage error; 3 with --strict when a target is missed; 4 when\n"
		"the two sides returned different rows.\n");
}


static int parse_opts(qopts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "docs", required_argument, NULL, 'd' },
		{ "fts-docs", required_argument, NULL, 'F' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'D' },
		{ "server", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'o' },
		{ "analyze", no_argument, NULL, 'A' },
		{ "query", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->docs = 100000;
	o->fts_docs = 20000;
	o->runs = 200;
	o->repeat = 2;
	for (;;) {
		c = getopt_long(argc, argv, "h", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'd':
			if (bench_parse_uint(optarg, &o->docs, 1) != 0)
				goto bad;
			break;
		case 'F':
			if (bench_parse_uint(optarg, &o->fts_docs, 1) != 0)
				goto bad;
			break;
		case 'r':
			if (bench_parse_uint(optarg, &o->runs, 1) != 0)
				goto bad;
			break;
		case 'p':
			if (bench_parse_uint(optarg, &o->repeat, 1) != 0)
				goto bad;
			break;
		case 'D':
			o->dir = optarg;
			break;
		case 's':
			o->server = optarg;
			break;
		case 'S':
			o->strict = 1;
			break;
		case 'A':
			o->analyze = 1;
			break;
		case 'q':
			if (strcmp(optarg, "q1") == 0)
				o->kinds |= 1u << K_Q1;
			else if (strcmp(optarg, "top") == 0)
				o->kinds |= 1u << K_TOP;
			else if (strcmp(optarg, "page") == 0)
				o->kinds |= 1u << K_PAGE0 | 1u << K_PAGE1 | 1u << K_PAGE2;
			else if (strcmp(optarg, "fts") == 0)
				o->kinds |= 1u << K_FTS;
			else
				goto bad;
			break;
		case 'o':
			if (strcmp(optarg, "folio") == 0)
				o->only = 'f';
			else if (strcmp(optarg, "baseline") == 0)
				o->only = 'b';
			else
				goto bad;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc)
		goto bad;
	if (o->kinds == 0)
		o->kinds = (1u << K_N) - 1;
	if (o->server != NULL && strncmp(o->server, "sqlite:", 7) == 0)
		o->server = NULL;
	if (o->server != NULL && strncasecmp(o->server, "postgresql://", 13) != 0 &&
	    strncasecmp(o->server, "postgres://", 11) != 0) {
		fprintf(stderr, "folio_qbench: --server takes a postgresql:// URL\n");
		return -1;
	}
	if (o->fts_docs > o->docs)
		o->fts_docs = o->docs;
	return 0;
bad:
	usage(stderr);
	return -1;
}

/* ------------------------------------------------------------- helpers */

static int qb_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "folio_qbench: path too long: %s\n", dir);
		return -1;
	}
	return 0;
}

static void qb_remove_db(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

/* The URL for the report, a password in user:password@ shown as ***. */
static void url_shown(char *out, size_t size, const char *url)
{
	const char *auth = strstr(url, "://");
	const char *at, *colon;
	size_t authlen;

	snprintf(out, size, "%s", url);
	if (auth == NULL)
		return;
	auth += 3;
	authlen = strcspn(auth, "/?");
	at = memchr(auth, '@', authlen);
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon != NULL)
		snprintf(out, size, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

/*
 * The text folio's full-text index holds for a document (core/doc_write.c,
 * collect_words): its string values in document order, joined by spaces,
 * without those under a top-level key that starts with '_'. The baseline
 * indexes the same text, so both rank alike. The generator's JSON has no
 * escapes; a backslash is skipped over all the same.
 */
static void fts_text(char *out, size_t cap, const char *json)
{
	size_t o = 0;
	int depth = 0, skip = 0;

	out[0] = '\0';
	for (const char *p = json; *p; p++) {
		const char *s, *e, *after;

		if (*p == '{' || *p == '[') {
			depth++;
			continue;
		}
		if (*p == '}' || *p == ']') {
			depth--;
			continue;
		}
		if (*p != '"')
			continue;
		s = p + 1;
		for (e = s; *e && *e != '"'; e++) {
			if (*e == '\\' && e[1])
				e++;
		}
		after = *e ? e + 1 : e;
		while (*after == ' ')
			after++;
		if (*after == ':') {
			if (depth == 1)
				skip = *s == '_';
		} else if (!skip && o + (size_t)(e - s) + 2 < cap) {
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, s, (size_t)(e - s));
			o += (size_t)(e - s);
			out[o] = '\0';
		}
		p = *e ? e : e - 1;
	}
}

/* ------------------------------------------------------------ baselines */

/*
 * A baseline: the same queries written by hand against the engine's client
 * library. Its statements are prepared once, after the import.
 */
typedef struct qbase {
	const char *engine;
	const char *description;
	/* Makes the tables and fills them (not timed); connects first. */
	int (*import)(void **ctx, const qopts *o, const char *dir, const gen_doc *docs,
		      char *const *fts_texts);
	/* Brings the engine to a settled state after both imports (not timed). */
	int (*settle)(void *ctx);
	int (*prepare)(void *ctx);
	int (*run)(void *ctx, int kind, const qparam *p, qres *out, unids *col);
	/* Prints the SQL and the engine's plan of each query with these parameters. */
	void (*explain)(void *ctx, const qparam *p);
	/* Prints the engine's plan of folio's SQL (from folio_cursor_explain). */
	void (*explain_folio)(void *ctx, const char *label, const char *sql,
			      const char *const *vals, int n);
	void (*close)(void *ctx);
} qbase;

/* ---------------------------------------------------------- SQLite */

enum { SQ_Q1, SQ_TOP, SQ_PAGE, SQ_FTS, SQ_N };

/*
 * Ties are broken by insertion order, as folio breaks them (its docid): the
 * rowid here, which the expression indexes carry, so that the whole ORDER BY
 * is read from the index. With id, a column of the table, SQLite reads every
 * row up to the OFFSET from the table to sort the ties (several times slower
 * at OFFSET 1000 and more).
 */
static const char *const sq_sql[SQ_N] = {
	"SELECT id, json FROM docs WHERE json_extract(json, '$.city') = ?1 "
	"AND json_extract(json, '$.age') > ?2",
	"SELECT id, json FROM docs WHERE json_extract(json, '$.city') = ?1 "
	"ORDER BY json_extract(json, '$.age') DESC, json_extract(json, '$.name'), rowid "
	"LIMIT 20",
	"SELECT id, json FROM docs ORDER BY json_extract(json, '$.name'), rowid "
	"LIMIT 20 OFFSET ?1",
	"SELECT d.id, d.json FROM fdocs_fts f JOIN fdocs d ON d.rowid = f.rowid "
	"WHERE fdocs_fts MATCH ?1 ORDER BY f.rank, d.rowid",
};

typedef struct sq_ctx {
	sqlite3 *db;
	sqlite3 *fdb; /* folio.db, read only: the plans of folio's SQL */
	char path[PATH_MAX];
	char fpath[PATH_MAX];
	sqlite3_stmt *st[SQ_N];
	int analyze;
} sq_ctx;

static int sq_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "folio_qbench: baseline sqlite: %s: %s\n", what,
		db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static int sq_import(void **out, const qopts *o, const char *dir, const gen_doc *docs,
		     char *const *fts_texts)
{
	static const char *const ddl =
		"PRAGMA page_size=8192;"
		"PRAGMA journal_mode=WAL;"
		"PRAGMA synchronous=NORMAL;"
		"PRAGMA cache_size=-8192;"
		"CREATE TABLE docs(id TEXT PRIMARY KEY, json TEXT NOT NULL);"
		"CREATE INDEX docs_city ON docs(json_extract(json, '$.city'));"
		"CREATE INDEX docs_age ON docs(json_extract(json, '$.age'));"
		"CREATE INDEX docs_name ON docs(json_extract(json, '$.name'));"
		"CREATE TABLE fdocs(id TEXT PRIMARY KEY, json TEXT NOT NULL);"
		"CREATE VIRTUAL TABLE fdocs_fts USING fts5(content);";
	sq_ctx *c = calloc(1, sizeof(*c));
	sqlite3_stmt *ins = NULL, *fins = NULL, *tins = NULL;
	int rc = -1;

	*out = c;
	if (c == NULL)
		return sq_fail(NULL, "open");
	c->analyze = o->analyze;
	if (qb_path(c->path, sizeof(c->path), dir, "baseline.db") != 0 ||
	    qb_path(c->fpath, sizeof(c->fpath), dir, "folio.db") != 0)
		return -1;
	qb_remove_db(c->path);
	if (sqlite3_open(c->path, &c->db) != SQLITE_OK)
		return sq_fail(c->db, "open");
	sqlite3_busy_timeout(c->db, 10000);
	if (sqlite3_exec(c->db, ddl, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(c->db, "create the tables");
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(c->db, "begin");
	if (sqlite3_prepare_v2(c->db, "INSERT INTO docs(id, json) VALUES (?, ?)", -1, &ins,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "INSERT INTO fdocs(rowid, id, json) VALUES (?, ?, ?)", -1,
			       &fins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, "INSERT INTO fdocs_fts(rowid, content) VALUES (?, ?)", -1,
			       &tins, NULL) != SQLITE_OK) {
		sq_fail(c->db, "prepare the inserts");
		goto out;
	}
	for (unsigned i = 0; i < o->docs; i++) {
		sqlite3_bind_text(ins, 1, docs[i].unid, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, docs[i].json, (int)docs[i].len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			sq_fail(c->db, "insert");
			goto out;
		}
		sqlite3_reset(ins);
	}
	for (unsigned i = 0; i < o->fts_docs; i++) {
		sqlite3_bind_int64(fins, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(fins, 2, docs[i].unid, -1, SQLITE_STATIC);
		sqlite3_bind_text(fins, 3, docs[i].json, (int)docs[i].len, SQLITE_STATIC);
		sqlite3_bind_int64(tins, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(tins, 2, fts_texts[i], -1, SQLITE_STATIC);
		if (sqlite3_step(fins) != SQLITE_DONE || sqlite3_step(tins) != SQLITE_DONE) {
			sq_fail(c->db, "insert (full text)");
			goto out;
		}
		sqlite3_reset(fins);
		sqlite3_reset(tins);
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sq_fail(c->db, "commit");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(fins);
	sqlite3_finalize(tins);
	if (rc != 0)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * With --analyze, ANALYZE on both databases (folio's closed meanwhile, so
 * that its connections load the statistics when it opens it again).
 * Neither side runs it by itself.
 */
static int sq_settle(void *vctx)
{
	sq_ctx *c = vctx;
	sqlite3 *fdb = NULL;
	int rc = 0;

	if (!c->analyze)
		return 0;
	if (sqlite3_exec(c->db, "ANALYZE", NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(c->db, "ANALYZE");
	if (sqlite3_open_v2(c->fpath, &fdb, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(fdb, "ANALYZE", NULL, NULL, NULL) != SQLITE_OK)
		rc = sq_fail(fdb, "ANALYZE folio.db");
	sqlite3_close(fdb);
	return rc;
}

static int sq_prepare(void *vctx)
{
	sq_ctx *c = vctx;

	for (int i = 0; i < SQ_N; i++) {
		if (sqlite3_prepare_v2(c->db, sq_sql[i], -1, &c->st[i], NULL) != SQLITE_OK)
			return sq_fail(c->db, sq_sql[i]);
	}
	return 0;
}

static int sq_stmt_of(int kind)
{
	switch (kind) {
	case K_Q1:
		return SQ_Q1;
	case K_TOP:
		return SQ_TOP;
	case K_FTS:
		return SQ_FTS;
	default:
		return SQ_PAGE;
	}
}

/* Binds a run's parameters to the statement of its kind. */
static void sq_bind(sqlite3_stmt *s, int kind, const qparam *p)
{
	switch (kind) {
	case K_Q1:
		sqlite3_bind_text(s, 1, p->city, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 2, p->age);
		break;
	case K_TOP:
		sqlite3_bind_text(s, 1, p->city, -1, SQLITE_STATIC);
		break;
	case K_FTS:
		sqlite3_bind_text(s, 1, p->words, -1, SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_int64(s, 1, p->offset);
		break;
	}
}

static int sq_run(void *vctx, int kind, const qparam *p, qres *out, unids *col)
{
	sq_ctx *c = vctx;
	sqlite3_stmt *s = c->st[sq_stmt_of(kind)];
	int rc;

	sq_bind(s, kind, p);
	for (;;) {
		const unsigned char *id, *json;

		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		id = sqlite3_column_text(s, 0);
		json = sqlite3_column_text(s, 1);
		if (id == NULL || json == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		/* The caller reads the row's JSON text, as folio_cursor_next() hands it out. */
		qres_add(out, col, (const char *)id, (size_t)sqlite3_column_bytes(s, 0),
			 (size_t)sqlite3_column_bytes(s, 1));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_fail(c->db, "query");
	return 0;
}

/* EXPLAIN QUERY PLAN of `sql` on `db` with text/integer parameters; to stderr. */
static void sq_plan(sqlite3 *db, const char *label, const char *sql, const char *const *vals,
		    int n)
{
	char *eqp = NULL;
	sqlite3_stmt *s = NULL;
	int seen[64][2], nseen = 0;

	fprintf(stderr, "\n-- %s\n%s\n", label, sql);
	if (n > 0) {
		fprintf(stderr, "-- parameters:");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", vals[i]);
		fprintf(stderr, "\n");
	}
	if (asprintf(&eqp, "EXPLAIN QUERY PLAN %s", sql) < 0)
		return;
	if (sqlite3_prepare_v2(db, eqp, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "   (no plan: %s)\n", sqlite3_errmsg(db));
		free(eqp);
		return;
	}
	for (int i = 0; i < n; i++) {
		char *end;
		long long v = strtoll(vals[i], &end, 10);

		if (*vals[i] != '\0' && *end == '\0')
			sqlite3_bind_int64(s, i + 1, v);
		else
			sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_TRANSIENT);
	}
	fprintf(stderr, "-- EXPLAIN QUERY PLAN:\n");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int id = sqlite3_column_int(s, 0), parent = sqlite3_column_int(s, 1);
		int depth = 0;

		/* Rows come parent first: a row is one level below its parent. */
		for (int i = 0; i < nseen; i++) {
			if (seen[i][0] == parent)
				depth = seen[i][1] + 1;
		}
		if (nseen < 64) {
			seen[nseen][0] = id;
			seen[nseen++][1] = depth;
		}
		fprintf(stderr, "   %*s%s\n", 2 * depth, "",
			(const char *)sqlite3_column_text(s, 3));
	}
	sqlite3_finalize(s);
	free(eqp);
}

static void sq_explain(void *vctx, const qparam *p)
{
	sq_ctx *c = vctx;
	char age[16], off[24];
	const char *v[2];

	snprintf(age, sizeof(age), "%d", p[K_Q1].age);
	v[0] = p[K_Q1].city;
	v[1] = age;
	sq_plan(c->db, "baseline q1", sq_sql[SQ_Q1], v, 2);
	v[0] = p[K_TOP].city;
	sq_plan(c->db, "baseline q2 top20", sq_sql[SQ_TOP], v, 1);
	snprintf(off, sizeof(off), "%lld", (long long)p[K_PAGE1].offset);
	v[0] = off;
	sq_plan(c->db, "baseline q2 page", sq_sql[SQ_PAGE], v, 1);
	v[0] = p[K_FTS].words;
	sq_plan(c->db, "baseline q3 fts", sq_sql[SQ_FTS], v, 1);
}

static void sq_explain_folio(void *vctx, const char *label, const char *sql,
			     const char *const *vals, int n)
{
	sq_ctx *c = vctx;

	if (c->fdb == NULL &&
	    sqlite3_open_v2(c->fpath, &c->fdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "folio_qbench: open %s: %s\n", c->fpath, sqlite3_errmsg(c->fdb));
		sqlite3_close(c->fdb);
		c->fdb = NULL;
		return;
	}
	sq_plan(c->fdb, label, sql, vals, n);
}

static void sq_close(void *vctx)
{
	sq_ctx *c = vctx;

	if (c == NULL)
		return;
	for (int i = 0; i < SQ_N; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->fdb);
	sqlite3_close(c->db);
	free(c);
}

static const qbase qbase_sqlite = {
	.engine = "sqlite",
	.description =
		"raw libsqlite3, page_size=8192, journal_mode=WAL, synchronous=NORMAL, cache_size=-8192 (as "
		"folio); docs(id TEXT PRIMARY KEY, json TEXT NOT NULL) with an index on "
		"json_extract(json,'$.city'), '$.age', '$.name'; full text: fdocs(id, json) and "
		"an FTS5 table fdocs_fts(content) (unicode61, the text folio indexes), rowid = "
		"fdocs.rowid; prepared statements",
	.import = sq_import,
	.settle = sq_settle,
	.prepare = sq_prepare,
	.run = sq_run,
	.explain = sq_explain,
	.explain_folio = sq_explain_folio,
	.close = sq_close,
};

/* ------------------------------------------------------------ PostgreSQL */

enum { PQ_Q1, PQ_TOP, PQ_PAGE, PQ_FTS, PQ_N };

static const char *const pq_sql[PQ_N] = {
	"SELECT id, json FROM qbase_docs WHERE json->>'city' = $1 "
	"AND (json->>'age')::numeric > $2",
	"SELECT id, json FROM qbase_docs WHERE json->>'city' = $1 "
	"ORDER BY (json->>'age')::numeric DESC, json->>'name', id LIMIT 20",
	"SELECT id, json FROM qbase_docs ORDER BY json->>'name', id LIMIT 20 OFFSET $1",
	"SELECT id, json FROM qbase_fts WHERE tsv @@ plainto_tsquery('simple', $1) "
	"ORDER BY ts_rank(tsv, plainto_tsquery('simple', $1)) DESC, id",
};

static const char *const pq_names[PQ_N] = { "qb_q1", "qb_top", "qb_page", "qb_fts" };

typedef struct pq_ctx {
	PGconn *pg;
} pq_ctx;

static const char *unlabel(const char *msg)
{
	return strncmp(msg, "ERROR:  ", 8) == 0 ? msg + 8 : msg;
}

static int pq_fail(pq_ctx *c, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";

	if (msg[0] == '\0')
		msg = c && c->pg ? PQerrorMessage(c->pg) : "out of memory";
	msg = unlabel(msg);
	fprintf(stderr, "folio_qbench: baseline postgresql: %s: %.*s\n", what,
		(int)strcspn(msg, "\n"), msg);
	return -1;
}

static int pq_exec(pq_ctx *c, const char *sql, const char *what)
{
	PGresult *res = PQexec(c->pg, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pq_fail(c, res, what);
	PQclear(res);
	return rc;
}

/* COPY text format: backslash, tab, newline, carriage return escaped. */
static int copy_field(pq_ctx *c, char **buf, size_t *cap, const char *s, char end)
{
	size_t len = strlen(s), o = 0;

	if (2 * len + 2 > *cap) {
		char *p = realloc(*buf, 2 * len + 2);

		if (p == NULL)
			return pq_fail(c, NULL, "out of memory");
		*buf = p;
		*cap = 2 * len + 2;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
			(*buf)[o++] = '\\';
			ch = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\';
		}
		(*buf)[o++] = ch;
	}
	(*buf)[o++] = end;
	if (PQputCopyData(c->pg, *buf, (int)o) != 1)
		return pq_fail(c, NULL, "COPY data");
	return 0;
}

/* COPY `n` rows of `ncols` columns, each from `col(i, k)`. */
static int pq_copy(pq_ctx *c, const char *copy_sql, unsigned n, int ncols, const gen_doc *docs,
		   char *const *fts_texts)
{
	PGresult *res = PQexec(c->pg, copy_sql);
	char *buf = NULL;
	size_t cap = 0;
	int rc = -1;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pq_fail(c, res, copy_sql);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (unsigned i = 0; i < n; i++) {
		if (copy_field(c, &buf, &cap, docs[i].unid, '\t') != 0 ||
		    copy_field(c, &buf, &cap, docs[i].json, ncols == 2 ? '\n' : '\t') != 0 ||
		    (ncols == 3 && copy_field(c, &buf, &cap, fts_texts[i], '\n') != 0)) {
			PQputCopyEnd(c->pg, "folio_qbench gave up");
			goto out;
		}
	}
	if (PQputCopyEnd(c->pg, NULL) != 1) {
		pq_fail(c, NULL, "end of COPY");
		goto out;
	}
	rc = 0;
out:
	for (;;) {
		res = PQgetResult(c->pg);
		if (res == NULL)
			break;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
			rc = pq_fail(c, res, "COPY");
		PQclear(res);
	}
	free(buf);
	return rc;
}

static int pq_import(void **out, const qopts *o, const char *dir, const gen_doc *docs,
		     char *const *fts_texts)
{
	static const char *const ddl =
		"DROP TABLE IF EXISTS qbase_docs;"
		"DROP TABLE IF EXISTS qbase_fts;"
		"CREATE TABLE qbase_docs(id text PRIMARY KEY, json jsonb NOT NULL);"
		"CREATE INDEX qbase_docs_city ON qbase_docs((json->>'city'));"
		"CREATE INDEX qbase_docs_age ON qbase_docs(((json->>'age')::numeric));"
		"CREATE INDEX qbase_docs_name ON qbase_docs((json->>'name'));"
		"CREATE TABLE qbase_fts(id text PRIMARY KEY, json jsonb NOT NULL, "
		"tsv tsvector NOT NULL);"
		"CREATE INDEX qbase_fts_tsv ON qbase_fts USING GIN (tsv);";
	const char *const keys[] = { "fallback_application_name", "dbname", "client_encoding",
				     NULL };
	const char *const values[] = { "folio_qbench", o->server, "UTF8", NULL };
	pq_ctx *c = calloc(1, sizeof(*c));

	(void)dir;
	*out = c;
	if (c == NULL)
		return pq_fail(NULL, NULL, "connect");
	c->pg = PQconnectdbParams(keys, values, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)
		return pq_fail(c, NULL, "connect");
	if (pq_exec(c, "SET client_min_messages = warning", "connect") != 0 ||
	    pq_exec(c, ddl, "create the tables") != 0 || pq_exec(c, "BEGIN", "begin") != 0)
		return -1;
	if (pq_copy(c, "COPY qbase_docs(id, json) FROM STDIN", o->docs, 2, docs, NULL) != 0)
		goto fail;
	/* The search text is computed once, as a generated column would. */
	if (pq_exec(c, "CREATE TEMP TABLE qbase_stage(id text, json text, content text)",
		    "staging table") != 0 ||
	    pq_copy(c, "COPY qbase_stage(id, json, content) FROM STDIN", o->fts_docs, 3, docs,
		    fts_texts) != 0 ||
	    pq_exec(c,
		    "INSERT INTO qbase_fts(id, json, tsv) SELECT id, json::jsonb, "
		    "to_tsvector('simple', content) FROM qbase_stage ORDER BY id",
		    "fill the full-text table") != 0 ||
	    pq_exec(c, "DROP TABLE qbase_stage", "staging table") != 0)
		goto fail;
	return pq_exec(c, "COMMIT", "commit");
fail:
	pq_exec(c, "ROLLBACK", "rollback");
	return -1;
}

/*
 * VACUUM ANALYZE of the whole database (folio's tables and the baseline's),
 * as autovacuum would do some time after a bulk load: the planner has
 * statistics and the visibility map is set on both sides. Then a checkpoint.
 */
static int pq_settle(void *vctx)
{
	pq_ctx *c = vctx;

	if (pq_exec(c, "VACUUM ANALYZE", "VACUUM ANALYZE") != 0)
		return -1;
	if (pq_exec(c, "CHECKPOINT", "CHECKPOINT") != 0)
		fprintf(stderr, "NOTE: CHECKPOINT refused; the run goes on\n");
	return 0;
}

static int pq_prepare(void *vctx)
{
	pq_ctx *c = vctx;

	for (int i = 0; i < PQ_N; i++) {
		PGresult *res = PQprepare(c->pg, pq_names[i], pq_sql[i], 0, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

		if (!ok)
			pq_fail(c, res, pq_sql[i]);
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

/* The text values of a run's parameters; *n of them. */
static void pq_values(int kind, const qparam *p, char *age, char *off, const char **v, int *n)
{
	*n = 1;
	switch (kind) {
	case K_Q1:
		snprintf(age, 16, "%d", p->age);
		v[0] = p->city;
		v[1] = age;
		*n = 2;
		break;
	case K_TOP:
		v[0] = p->city;
		break;
	case K_FTS:
		v[0] = p->words;
		break;
	default:
		snprintf(off, 24, "%lld", (long long)p->offset);
		v[0] = off;
		break;
	}
}

static int pq_stmt_of(int kind)
{
	switch (kind) {
	case K_Q1:
		return PQ_Q1;
	case K_TOP:
		return PQ_TOP;
	case K_FTS:
		return PQ_FTS;
	default:
		return PQ_PAGE;
	}
}

static int pq_run(void *vctx, int kind, const qparam *p, qres *out, unids *col)
{
	pq_ctx *c = vctx;
	char age[16], off[24];
	const char *v[2];
	int n, rows;
	PGresult *res;

	pq_values(kind, p, age, off, v, &n);
	res = PQexecPrepared(c->pg, pq_names[pq_stmt_of(kind)], n, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pq_fail(c, res, "query");
		PQclear(res);
		return -1;
	}
	rows = PQntuples(res);
	/* The caller reads each row's JSON text, as folio_cursor_next() hands it out. */
	for (int i = 0; i < rows; i++)
		qres_add(out, col, PQgetvalue(res, i, 0), (size_t)PQgetlength(res, i, 0),
			 (size_t)PQgetlength(res, i, 1));
	PQclear(res);
	return 0;
}

/* Prints a one-column result (EXPLAIN's) to stderr, indented. */
static void pq_print(pq_ctx *c, PGresult *res)
{
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *msg = unlabel(PQresultErrorMessage(res));

		fprintf(stderr, "   (no plan: %.*s)\n", (int)strcspn(msg, "\n"), msg);
		return;
	}
	(void)c;
	for (int i = 0; i < PQntuples(res); i++)
		fprintf(stderr, "   %s\n", PQgetvalue(res, i, 0));
}

/*
 * EXPLAIN ANALYZE of `sql` ($n placeholders) with text parameters, twice:
 * the custom plan (the values known, as the first executions of a prepared
 * statement are planned) and the generic plan (what PostgreSQL switches a
 * prepared statement to after five executions when it does not cost more).
 */
static void pq_plan(pq_ctx *c, const char *label, const char *sql, const char *const *vals,
		    int n)
{
	char *ex = NULL, *gen = NULL;
	PGresult *res;
	size_t len;

	fprintf(stderr, "\n-- %s\n%s\n", label, sql);
	if (n > 0) {
		fprintf(stderr, "-- parameters:");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", vals[i]);
		fprintf(stderr, "\n");
	}
	if (asprintf(&ex, "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) %s", sql) < 0)
		return;
	res = PQexecParams(c->pg, ex, n, NULL, vals, NULL, NULL, 0);
	fprintf(stderr, "-- EXPLAIN ANALYZE, custom plan:\n");
	pq_print(c, res);
	PQclear(res);
	free(ex);

	/* The generic plan: EXPLAIN EXECUTE of the statement prepared without values. */
	if (pq_exec(c, "SET plan_cache_mode = force_generic_plan", "plan_cache_mode") != 0)
		return;
	res = PQprepare(c->pg, "qb_explain", sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pq_fail(c, res, "prepare for EXPLAIN");
		PQclear(res);
		goto out;
	}
	PQclear(res);
	len = 64;
	for (int i = 0; i < n; i++)
		len += 2 * strlen(vals[i]) + 8;
	gen = malloc(len);
	if (gen == NULL)
		goto out;
	snprintf(gen, len, "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE qb_explain");
	for (int i = 0; i < n; i++) {
		char *lit = PQescapeLiteral(c->pg, vals[i], strlen(vals[i]));

		if (lit == NULL)
			goto out;
		strcat(gen, i ? ", " : "(");
		strcat(gen, lit);
		PQfreemem(lit);
	}
	if (n > 0)
		strcat(gen, ")");
	res = PQexec(c->pg, gen);
	fprintf(stderr, "-- EXPLAIN ANALYZE, generic plan:\n");
	pq_print(c, res);
	PQclear(res);
out:
	free(gen);
	pq_exec(c, "DEALLOCATE qb_explain", "deallocate");
	pq_exec(c, "RESET plan_cache_mode", "plan_cache_mode");
}

static void pq_explain(void *vctx, const qparam *p)
{
	static const char *const labels[K_N] = {
		"baseline q1", "baseline q2 top20", NULL, "baseline q2 page", NULL,
		"baseline q3 fts",
	};
	pq_ctx *c = vctx;

	for (int k = 0; k < K_N; k++) {
		char age[16], off[24];
		const char *v[2];
		int n;

		if (labels[k] == NULL)
			continue;
		pq_values(k, &p[k], age, off, v, &n);
		pq_plan(c, labels[k], pq_sql[pq_stmt_of(k)], v, n);
	}
}

/* folio writes "?" placeholders (the driver numbers them): the same, numbered. */
static char *dollar_sql(const char *sql)
{
	size_t len = strlen(sql), o = 0;
	char *out = malloc(4 * len + 1);
	int n = 0;
	char quote = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			o += (size_t)sprintf(out + o, "$%d", ++n);
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

static void pq_explain_folio(void *vctx, const char *label, const char *sql,
			     const char *const *vals, int n)
{
	char *d = dollar_sql(sql);

	if (d == NULL)
		return;
	pq_plan(vctx, label, d, vals, n);
	free(d);
}

static void pq_close(void *vctx)
{
	pq_ctx *c = vctx;

	if (c == NULL)
		return;
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK) {
		PGresult *res = PQexec(c->pg,
				       "SELECT name, generic_plans, custom_plans "
				       "FROM pg_prepared_statements ORDER BY name");

		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
			fprintf(stderr, "\nbaseline prepared statements (generic / custom plans):");
			for (int i = 0; i < PQntuples(res); i++)
				fprintf(stderr, " %s %s/%s", PQgetvalue(res, i, 0),
					PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
			fprintf(stderr, "\n");
		}
		PQclear(res);
		pq_exec(c, "DROP TABLE IF EXISTS qbase_docs", "drop the table");
		pq_exec(c, "DROP TABLE IF EXISTS qbase_fts", "drop the table");
	}
	PQfinish(c->pg);
	free(c);
}

static const qbase qbase_pg = {
	.engine = "postgresql",
	.description =
		"raw libpq on the same server: qbase_docs(id text PRIMARY KEY, json jsonb NOT "
		"NULL) with expression indexes ((json->>'city')), (((json->>'age')::numeric)), "
		"((json->>'name')); full text: qbase_fts(id, json jsonb, tsv tsvector) with a "
		"GIN index, tsv = to_tsvector('simple', the text folio indexes); loaded by COPY "
		"in one transaction; prepared statements (PQprepare / PQexecPrepared)",
	.import = pq_import,
	.settle = pq_settle,
	.prepare = pq_prepare,
	.run = pq_run,
	.explain = pq_explain,
	.explain_folio = pq_explain_folio,
	.close = pq_close,
};

/* -------------------------------------------------------------- folio */

typedef struct fq_ctx {
	char url[PATH_MAX + 16];
	folio_server *srv;
	folio_session *ses;
	folio_store *st;  /* QB_STORE */
	folio_store *fts; /* QB_FTS_STORE */
	int made_db;
} fq_ctx;


static void fq_close(fq_ctx *f)
{
	folio_store_free(f->st);
	folio_store_free(f->fts);
	f->st = f->fts = NULL;
	if (f->made_db && f->ses != NULL) {
		int rc = folio_db_drop(f->ses, QB_DB);

		if (rc != 0)
			bench_fail("folio_qbench", "folio_db_drop", rc);
	}
	f->made_db = 0;
	folio_session_free(f->ses);
	f->ses = NULL;
	folio_server_close(f->srv);
	f->srv = NULL;
}

static int fq_fill(folio_store *st, const gen_doc *docs, unsigned n)
{
	folio_batch *b = NULL;
	int rc;

	rc = folio_batch_open(&b, st, 0);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_batch_open", rc);
	for (unsigned i = 0; i < n; i++) {
		rc = folio_batch_put(b, docs[i].json, docs[i].len);
		if (rc != 0) {
			bench_fail("folio_qbench", "folio_batch_put", rc);
			goto out;
		}
	}
	rc = folio_batch_commit(b);
	if (rc != 0)
		bench_fail("folio_qbench", "folio_batch_commit", rc);
out:
	folio_batch_free(b);
	return rc == 0 ? 0 : -1;
}

/* Opens the Server and a Session, and the two stores when `stores` is set. */
static int fq_connect(fq_ctx *f, int stores)
{
	int rc;

	rc = folio_server_open(&f->srv, f->url, NULL);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_server_open", rc);
	rc = folio_session_open_admin(&f->ses, f->srv);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_session_open", rc);
	if (!stores)
		return 0;
	rc = folio_store_open(&f->st, f->ses, QB_DB, QB_STORE);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_open", rc);
	rc = folio_store_open(&f->fts, f->ses, QB_DB, QB_FTS_STORE);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_open", rc);
	return 0;
}

/* A new database with the two stores, filled (not timed). */
static int fq_import(fq_ctx *f, const qopts *o, const char *dir, const gen_doc *docs)
{
	int rc;

	if (o->server != NULL) {
		snprintf(f->url, sizeof(f->url), "%s", o->server);
	} else {
		char path[PATH_MAX];

		if (qb_path(path, sizeof(path), dir, "folio.db") != 0)
			return -1;
		qb_remove_db(path);
		snprintf(f->url, sizeof(f->url), "sqlite:%s", path);
	}
	if (fq_connect(f, 0) != 0)
		return -1;
	if (o->server != NULL) {
		rc = folio_db_exists(f->ses, QB_DB);
		if (rc < 0)
			return bench_fail("folio_qbench", "folio_db_exists", rc);
		if (rc == 1) {
			printf("folio_qbench: dropping the database %s left by an earlier run\n",
			       QB_DB);
			rc = folio_db_drop(f->ses, QB_DB);
			if (rc != 0)
				return bench_fail("folio_qbench", "folio_db_drop", rc);
		}
	}
	rc = folio_db_create(f->ses, QB_DB);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_db_create", rc);
	f->made_db = o->server != NULL;
	rc = folio_store_create(f->ses, QB_DB, QB_STORE, QB_FIELDS);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_create (fields)", rc);
	rc = folio_store_create(f->ses, QB_DB, QB_FTS_STORE, "{\"fts\":true}");
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_create (fts)", rc);
	rc = folio_store_open(&f->st, f->ses, QB_DB, QB_STORE);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_open", rc);
	rc = folio_store_open(&f->fts, f->ses, QB_DB, QB_FTS_STORE);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_store_open", rc);
	if (fq_fill(f->st, docs, o->docs) != 0 || fq_fill(f->fts, docs, o->fts_docs) != 0)
		return -1;
	return 0;
}

/* Sets up a cursor for a run of `kind`: what a user of the API writes. */
static int fq_setup(folio_cursor **out, fq_ctx *f, int kind, const qparam *p)
{
	folio_cursor *c = NULL;
	char sel[256];
	int rc;

	*out = NULL;
	rc = folio_cursor_open(&c, kind == K_FTS ? f->fts : f->st);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_cursor_open", rc);
	switch (kind) {
	case K_Q1:
		snprintf(sel, sizeof(sel), "{\"city\":\"%s\",\"age\":{\"$gt\":%d}}", p->city,
			 p->age);
		rc = folio_cursor_query(c, sel);
		break;
	case K_TOP:
		snprintf(sel, sizeof(sel), "{\"city\":\"%s\"}", p->city);
		rc = folio_cursor_query(c, sel);
		if (rc == 0)
			rc = folio_cursor_order(c, "age desc, name");
		if (rc == 0)
			rc = folio_cursor_limit(c, PAGE_SIZE);
		break;
	case K_FTS:
		rc = folio_cursor_ftsearch(c, p->words);
		break;
	default:
		rc = folio_cursor_order(c, "name");
		if (rc == 0)
			rc = folio_cursor_skip(c, p->offset);
		if (rc == 0)
			rc = folio_cursor_limit(c, PAGE_SIZE);
		break;
	}
	if (rc != 0) {
		folio_cursor_free(c);
		return bench_fail("folio_qbench", "setting up the cursor", rc);
	}
	*out = c;
	return 0;
}

static int fq_run(fq_ctx *f, int kind, const qparam *p, qres *out, unids *col)
{
	folio_cursor *c;
	const char *json;
	int rc;

	if (fq_setup(&c, f, kind, p) != 0)
		return -1;
	for (;;) {
		const char *unid;

		rc = folio_cursor_next(c, &json);
		if (rc != 1)
			break;
		unid = folio_cursor_unid(c);
		qres_add(out, col, unid, strlen(unid), strlen(json));
	}
	folio_cursor_free(c);
	if (rc != 0)
		return bench_fail("folio_qbench", "folio_cursor_next", rc);
	return 0;
}

/*
 * Prints folio_cursor_explain() for a run, then has the baseline's engine
 * explain that SQL with those parameters and the first page folio binds (on
 * a server the cursor reads FOLIO_PAGE rows per SELECT).
 */
static void fq_explain(fq_ctx *f, const qbase *bl, void *bctx, int kind, const qparam *p,
		       const char *label)
{
	folio_cursor *c;
	char *ex = NULL;
	json_object *o = NULL, *sqlv, *params;
	const char *vals[32];
	char text[32][32];
	int n = 0, rc, marks = 0;
	const char *sql;

	if (fq_setup(&c, f, kind, p) != 0)
		return;
	rc = folio_cursor_explain(c, &ex);
	folio_cursor_free(c);
	if (rc != 0) {
		bench_fail("folio_qbench", "folio_cursor_explain", rc);
		return;
	}
	fprintf(stderr, "\n-- folio_cursor_explain, %s:\n%s\n", label, ex);
	o = json_tokener_parse(ex);
	if (o == NULL || !json_object_object_get_ex(o, "sql", &sqlv) ||
	    !json_object_object_get_ex(o, "params", &params))
		goto out;
	sql = json_object_get_string(sqlv);
	for (size_t i = 0; i < json_object_array_length(params) && n < 30; i++) {
		json_object *v = json_object_array_get_idx(params, i);

		if (json_object_is_type(v, json_type_string))
			vals[n] = json_object_get_string(v);
		else {
			snprintf(text[n], sizeof(text[n]), "%s",
				 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			vals[n] = text[n];
		}
		n++;
	}
	/* The page clause's LIMIT ? OFFSET ? are bound by the cursor, not listed. */
	for (const char *s = sql; *s; s++)
		marks += *s == '?';
	if (marks == n + 2) {
		int64_t limit = kind == K_Q1 || kind == K_FTS ? FOLIO_PAGE : PAGE_SIZE;

		snprintf(text[n], sizeof(text[n]), "%lld", (long long)limit);
		vals[n] = text[n];
		n++;
		snprintf(text[n], sizeof(text[n]), "%lld", (long long)p->offset);
		vals[n] = text[n];
		n++;
	}
	bl->explain_folio(bctx, label, sql, vals, n);
out:
	json_object_put(o);
	free(ex);
}

/* --------------------------------------------------------- parameters */

/* The 100 cities of the documents, in order of first appearance. */
static unsigned city_list(const char **out, const gen_doc *docs, unsigned n)
{
	unsigned nc = 0;

	for (unsigned i = 0; i < n && nc < MAX_CITIES; i++) {
		unsigned k;

		for (k = 0; k < nc; k++) {
			if (strcmp(out[k], docs[i].city) == 0)
				break;
		}
		if (k == nc)
			out[nc++] = docs[i].city;
	}
	return nc;
}

/* The parameters of every run of every kind, from fixed seeds. */
static void make_params(qparam *p[K_N], const qopts *o, const char *const *cities,
			unsigned ncities)
{
	for (int k = 0; k < K_N; k++) {
		rng r = { 0x2545F4914F6CDD1Dull + (uint64_t)k * 0x9E3779B97F4A7C15ull };

		for (unsigned i = 0; i < o->runs; i++) {
			qparam *q = &p[k][i];

			memset(q, 0, sizeof(*q));
			q->city = cities[rng_below(&r, ncities)];
			/* age > 20..30: with city, 0.8% to 1% of the store */
			q->age = 20 + (int)rng_below(&r, 11);
			q->offset = (int64_t)o->docs * kinds[k].offset_per_mille / 1000;
			if (k == K_FTS) {
				unsigned w[FTS_WORDS];
				size_t len = 0;

				for (int j = 0; j < FTS_WORDS; j++) {
					int again;

					do {
						w[j] = rng_below(&r, 48);
						again = 0;
						for (int m = 0; m < j; m++)
							again |= w[m] == w[j];
					} while (again);
					len += (size_t)snprintf(q->words + len,
								sizeof(q->words) - len, "%s%s",
								j ? " " : "", note_words[w[j]]);
				}
			}
		}
	}
}

static void print_param(FILE *to, int kind, const qparam *p)
{
	switch (kind) {
	case K_Q1:
		fprintf(to, "city = %s AND age > %d", p->city, p->age);
		break;
	case K_TOP:
		fprintf(to, "city = %s ORDER BY age DESC, name LIMIT 20", p->city);
		break;
	case K_FTS:
		fprintf(to, "full text \"%s\"", p->words);
		break;
	default:
		fprintf(to, "ORDER BY name LIMIT 20 OFFSET %lld", (long long)p->offset);
		break;
	}
}

/* ---------------------------------------------------------------- run */

typedef struct side_result {
	double best; /* seconds, the best pass */
	qres *res;   /* per run, the last pass */
	unsigned long long rows;
	size_t bytes;
} side_result;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The two sides' answers to run `i` of `kind`, again, and where they part. */
static void diagnose(fq_ctx *f, const qbase *bl, void *bctx, int kind, const qparam *p)
{
	unids a = { 0 }, b = { 0 };
	qres ra = { 0 }, rb = { 0 };
	size_t i;

	if (fq_run(f, kind, p, &ra, &a) != 0 || bl->run(bctx, kind, p, &rb, &b) != 0)
		goto out;
	for (i = 0; i < a.n && i < b.n; i++) {
		if (strcmp(a.v[i], b.v[i]) != 0)
			break;
	}
	fprintf(stderr, "  folio %zu rows, baseline %zu rows; ", a.n, b.n);
	if (i < a.n || i < b.n)
		fprintf(stderr, "first difference at row %zu: folio %s, baseline %s\n", i + 1,
			i < a.n ? a.v[i] : "(end)", i < b.n ? b.v[i] : "(end)");
	else
		fprintf(stderr, "the same rows this time\n");
out:
	free(a.v);
	free(b.v);
}

int main(int argc, char **argv)
{
	qopts o = { 0 };
	const qbase *bl;
	gen_doc *docs = NULL;
	char **fts_texts = NULL;
	qparam *params[K_N] = { 0 };
	side_result fs[K_N], bs[K_N];
	const char *cities[MAX_CITIES];
	unsigned ncities;
	size_t total = 0;
	char tmpl[PATH_MAX], where[URL_SHOWN_MAX];
	const char *dir = NULL;
	int made_dir = 0, rc = 1, missed = 0, mismatched = 0, oom = 0;
	fq_ctx f = { 0 };
	void *bctx = NULL;
	double t0, fimport = 0, bimport = 0;

	memset(fs, 0, sizeof(fs));
	memset(bs, 0, sizeof(bs));
	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	bl = o.server != NULL ? &qbase_pg : &qbase_sqlite;
	if (o.server != NULL) {
		dir = "";
	} else if (o.dir != NULL) {
		dir = o.dir;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "folio_qbench: mkdir %s: %s\n", dir, strerror(errno));
			return 1;
		}
	} else {
		const char *t = getenv("TMPDIR");

		if (qb_path(tmpl, sizeof(tmpl), t && *t ? t : "/tmp", "folio-qbench-XXXXXX") != 0)
			return 1;
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "folio_qbench: mkdtemp %s: %s\n", tmpl, strerror(errno));
			return 1;
		}
		dir = tmpl;
		made_dir = 1;
	}

	docs = gen_all(o.docs, &total);
	fts_texts = calloc(o.fts_docs, sizeof(*fts_texts));
	for (int k = 0; k < K_N; k++) {
		params[k] = calloc(o.runs, sizeof(*params[k]));
		fs[k].res = calloc(o.runs, sizeof(qres));
		bs[k].res = calloc(o.runs, sizeof(qres));
		if (params[k] == NULL || fs[k].res == NULL || bs[k].res == NULL)
			oom = 1;
	}
	if (oom || docs == NULL || fts_texts == NULL) {
		fprintf(stderr, "folio_qbench: out of memory\n");
		goto out;
	}
	for (unsigned i = 0; i < o.fts_docs; i++) {
		fts_texts[i] = malloc(FTS_TEXT_MAX);
		if (fts_texts[i] == NULL) {
			fprintf(stderr, "folio_qbench: out of memory\n");
			goto out;
		}
		fts_text(fts_texts[i], FTS_TEXT_MAX, docs[i].json);
	}
	ncities = city_list(cities, docs, o.docs);
	make_params(params, &o, cities, ncities);

	if (o.server != NULL) {
		url_shown(where, sizeof(where), o.server);
		printf("folio_qbench: %u documents (%u in the full-text store), %zu bytes of JSON, "
		       "on %s\n",
		       o.docs, o.fts_docs, total, where);
	} else {
		printf("folio_qbench: %u documents (%u in the full-text store), %zu bytes of JSON, "
		       "in %s\n",
		       o.docs, o.fts_docs, total, dir);
	}
	fflush(stdout);

	/* Import (not what is measured; timed for information). */
	t0 = bench_now();
	if (fq_import(&f, &o, dir, docs) != 0)
		goto out;
	fimport = bench_now() - t0;
	t0 = bench_now();
	if (bl->import(&bctx, &o, dir, docs, fts_texts) != 0)
		goto out;
	bimport = bench_now() - t0;
	if (o.server == NULL && o.analyze) {
		/* folio's connections load the statistics when they open the file */
		fq_close(&f);
		if (bl->settle(bctx) != 0 || fq_connect(&f, 1) != 0)
			goto out;
	} else if (bl->settle(bctx) != 0) {
		goto out;
	}
	if (bl->prepare(bctx) != 0)
		goto out;
	printf("import (not measured): folio %.2f s, baseline %.2f s\n", fimport, bimport);
	fflush(stdout);

	/* What each side runs, and the engine's plans (stderr). */
	{
		qparam ex[K_N];

		for (int k = 0; k < K_N; k++)
			ex[k] = params[k][0];
		fprintf(stderr, "==== plans (the first run's parameters) ====\n");
		/* The first page: how the cursor reads the next ones is its own business. */
		fq_explain(&f, bl, bctx, K_Q1, &ex[K_Q1], "folio q1");
		fq_explain(&f, bl, bctx, K_TOP, &ex[K_TOP], "folio q2 top20");
		fq_explain(&f, bl, bctx, K_PAGE1, &ex[K_PAGE1], "folio q2 page");
		fq_explain(&f, bl, bctx, K_FTS, &ex[K_FTS], "folio q3 fts");
		bl->explain(bctx, ex);
		fprintf(stderr, "==== end of plans ====\n");
	}

	for (int k = 0; k < K_N; k++) {
		fs[k].best = bs[k].best = 1e300;
		if (!(o.kinds & 1u << k))
			continue;
		for (unsigned pass = 0; pass < o.repeat; pass++) {
			double tf = 0, tb = 0;

			if (o.only != 'b') {
				memset(fs[k].res, 0, o.runs * sizeof(qres));
				t0 = bench_now();
				for (unsigned i = 0; i < o.runs; i++) {
					if (fq_run(&f, k, &params[k][i], &fs[k].res[i], NULL) != 0)
						goto out;
				}
				tf = bench_now() - t0;
				if (tf < fs[k].best)
					fs[k].best = tf;
			}
			if (o.only != 'f') {
				memset(bs[k].res, 0, o.runs * sizeof(qres));
				t0 = bench_now();
				for (unsigned i = 0; i < o.runs; i++) {
					qres *r = &bs[k].res[i];

					if (bl->run(bctx, k, &params[k][i], r, NULL) != 0)
						goto out;
				}
				tb = bench_now() - t0;
				if (tb < bs[k].best)
					bs[k].best = tb;
			}
			printf("%-14s pass %u: folio %.3f s, baseline %.3f s\n", kinds[k].name,
			       pass + 1, tf, tb);
			fflush(stdout);
		}
		for (unsigned i = 0; i < o.runs; i++) {
			fs[k].rows += fs[k].res[i].rows;
			fs[k].bytes += fs[k].res[i].bytes;
			bs[k].rows += bs[k].res[i].rows;
			bs[k].bytes += bs[k].res[i].bytes;
		}
		if (o.only != 0)
			continue;
		/* Both sides must have returned the same UNIDs in the same order. */
		for (unsigned i = 0; i < o.runs; i++) {
			const qres *a = &fs[k].res[i], *b = &bs[k].res[i];

			if (a->rows == b->rows && a->hash == b->hash)
				continue;
			fprintf(stderr,
				"MISMATCH: %s, run %u (", kinds[k].name, i + 1);
			print_param(stderr, k, &params[k][i]);
			fprintf(stderr, "): folio %u rows, baseline %u rows, not the same UNIDs "
					"in the same order\n",
				a->rows, b->rows);
			if (mismatched++ < 5)
				diagnose(&f, bl, bctx, k, &params[k][i]);
		}
	}

	printf("\nfolio_qbench %s: %u documents (%zu bytes on average), %u runs per query, "
	       "best of %u, engine %s\n",
	       folio_version(), o.docs, total / o.docs, o.runs, o.repeat, bl->engine);
	if (o.server != NULL)
		printf("server:   %s\n", where);
	printf("folio:    a store extracting city, age, name; a store with \"fts\": true "
	       "holding the first %u documents; folio_cursor_* read to the end\n",
	       o.fts_docs);
	printf("baseline: %s\n", bl->description);
	if (o.server != NULL)
		printf("stats:    VACUUM ANALYZE of the whole database after the imports\n");
	else
		printf("stats:    %s\n", o.analyze ? "ANALYZE on both databases after the imports"
						 : "no ANALYZE (neither side runs it by itself)");
	printf("\n%-14s %9s %11s %6s %6s %6s %10s %10s %8s %8s\n", "query", "folio s",
	       "baseline s", "ratio", "target", "result", "folio ms/q", "base ms/q", "rows/q",
	       "KB/q f/b");
	for (int k = 0; k < K_N; k++) {
		double fsec = o.only == 'b' ? 0 : fs[k].best;
		double bsec = o.only == 'f' ? 0 : bs[k].best;
		double ratio = bsec > 0 ? fsec / bsec : 0;
		int pass = ratio <= kinds[k].target;
		const side_result *any = o.only == 'b' ? &bs[k] : &fs[k];
		char kb[32];

		if (!(o.kinds & 1u << k))
			continue;

		snprintf(kb, sizeof(kb), "%.0f/%.0f",
			 (double)fs[k].bytes / o.runs / 1024.0,
			 (double)bs[k].bytes / o.runs / 1024.0);
		if (o.only != 0) {
			printf("%-14s %9.3f %11.3f %6s %6s %6s %10.3f %10.3f %8.0f %8s\n",
			       kinds[k].name, fsec, bsec, "-", "-", "-", 1000 * fsec / o.runs,
			       1000 * bsec / o.runs, (double)any->rows / o.runs, kb);
			continue;
		}
		missed += !pass;
		printf("%-14s %9.3f %11.3f %6.2f %6.2f %6s %10.3f %10.3f %8.0f %8s\n",
		       kinds[k].name, fsec, bsec, ratio, kinds[k].target, pass ? "PASS" : "FAIL",
		       1000 * fsec / o.runs, 1000 * bsec / o.runs, (double)any->rows / o.runs, kb);
	}
	if (o.only != 0)
		printf("\n(--only %s: no ratios, no check)\n",
		       o.only == 'f' ? "folio" : "baseline");
	else
		printf("\nratio = folio seconds / baseline seconds over the same runs; a query "
		       "passes when ratio <= target\n");
	if (mismatched) {
		printf("FAILED: %d runs returned different rows on the two sides (see stderr)\n",
		       mismatched);
		rc = 4;
		goto out;
	}
	if (o.only == 0)
		printf("check: every run returned the same UNIDs in the same order on both "
		       "sides\n");
	rc = o.strict && missed ? 3 : 0;
out:
	fq_close(&f);
	if (bctx != NULL)
		bl->close(bctx);
	for (int k = 0; k < K_N; k++) {
		free(params[k]);
		free(fs[k].res);
		free(bs[k].res);
	}
	for (unsigned i = 0; fts_texts != NULL && i < o.fts_docs; i++)
		free(fts_texts[i]);
	free(fts_texts);
	gen_free(docs, o.docs);
	if (made_dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
