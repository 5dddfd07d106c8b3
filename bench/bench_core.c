/*
 * folio_bench: folio against a hand-written baseline on the same engine, in
 * the same run, on the same documents, and the ratio of the two.
 *
 * Workload (docs/performance.md): N generated documents of about 500 bytes
 * (a fixed-seed xorshift generator, so every run sees the same bytes), each
 * with three fields a user would index ("city", "age", "name") and filler.
 *   import: folio_batch_open/put/commit into a new store that extracts the
 *           three fields, against one transaction of one prepared INSERT into
 *           a table with the three columns indexed.
 *   load:   random (fixed-seed) loads by UNID that hand the JSON text to the
 *           caller, against a prepared SELECT by primary key.
 *
 * A baseline is a small table of functions per engine (struct baseline), so
 * the PostgreSQL one can be added beside the SQLite one; --server URL is
 * reserved for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "folio/folio.h"

#define TARGET_IMPORT 1.5
#define TARGET_LOAD 1.3

#define BENCH_DB "bench"
#define BENCH_STORE "docs"
#define BENCH_FIELDS                                                                     \
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"        \
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"},"                       \
	"{\"name\":\"name\",\"path\":\"name\",\"type\":\"string\"}]}"

/* ---------------------------------------------------------------- time */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------- the generator */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	/* xorshift64 (Marsaglia); the seed is never 0. */
	uint64_t x = r->s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

static unsigned rng_below(rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static const char *const cities[100] = {
	"Amsterdam", "Athens", "Auckland", "Austin", "Baltimore", "Bangkok", "Barcelona",
	"Basel", "Beijing", "Belfast", "Bergen", "Berlin", "Bern", "Bilbao", "Bologna",
	"Bordeaux", "Boston", "Bratislava", "Brisbane", "Brno", "Brussels", "Bucharest",
	"Budapest", "Cairo", "Calgary", "Cardiff", "Chicago", "Cologne", "Copenhagen",
	"Cork", "Dallas", "Delft", "Denver", "Dijon", "Dresden", "Dublin", "Dundee",
	"Edinburgh", "Florence", "Frankfurt", "Geneva", "Genoa", "Ghent", "Glasgow",
	"Gothenburg", "Graz", "Hamburg", "Hanover", "Helsinki", "Houston", "Innsbruck",
	"Istanbul", "Kyoto", "Lausanne", "Leeds", "Leipzig", "Lille", "Lisbon", "Ljubljana",
	"London", "Lyon", "Madrid", "Malmo", "Manchester", "Marseille", "Melbourne",
	"Milan", "Montpellier", "Montreal", "Munich", "Nantes", "Naples", "Nice", "Oslo",
	"Ottawa", "Oxford", "Palermo", "Paris", "Porto", "Prague", "Quebec", "Reykjavik",
	"Riga", "Rome", "Rotterdam", "Salzburg", "Seattle", "Seville", "Sofia",
	"Stockholm", "Strasbourg", "Sydney", "Tallinn", "Tokyo", "Toronto", "Toulouse",
	"Turin", "Utrecht", "Valencia", "Vienna",
};

static const char *const first_names[32] = {
	"Ada", "Alan", "Alice", "Anna", "Bruno", "Carla", "Chloe", "David", "Elena", "Emil",
	"Eva", "Felix", "Grace", "Hugo", "Ines", "Ivan", "Jana", "Jonas", "Julia", "Karl",
	"Laura", "Leo", "Lucia", "Marc", "Maria", "Nina", "Oscar", "Paula", "Pierre", "Rosa",
	"Sven", "Zoe",
};

static const char *const last_names[32] = {
	"Almeida", "Bauer", "Bernard", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia",
	"Hansen", "Horvat", "Jansen", "Kowalski", "Lambert", "Larsen", "Lopez", "Martin",
	"Meyer", "Moreau", "Muller", "Nagy", "Novak", "Olsen", "Peeters", "Petit", "Rossi",
	"Schmidt", "Silva", "Smith", "Weber", "Wagner", "Wolf", "Young",
};

static const char *const words[48] = {
	"account", "active", "annual", "billing", "budget", "call", "client", "contract",
	"customer", "delivery", "discount", "email", "export", "invoice", "issue", "lead",
	"meeting", "network", "offer", "order", "partner", "payment", "phone", "plan",
	"premium", "price", "product", "project", "quote", "region", "renewal", "report",
	"request", "review", "sales", "service", "shipping", "signed", "status", "support",
	"survey", "team", "ticket", "trial", "update", "vendor", "visit", "warranty",
};

static const char *const streets[8] = {
	"Main Street", "Station Road", "Church Lane", "High Street",
	"Park Avenue", "Mill Road",    "Rue de la Paix", "Hauptstrasse",
};

typedef struct gen_doc {
	char unid[16];
	const char *city;
	int age;
	char name[48];
	char *json;
	size_t len;
} gen_doc;

/* Appends to a fixed buffer; the generator's sizes are known to fit. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		fprintf(stderr, "folio_bench: generator buffer too small\n");
		exit(1);
	}
	b->len += (size_t)n;
}

/*
 * Document i: {"_unid":"doc000001","city":...,"age":...,"name":...,
 * "email":...,"active":...,"address":{...},"tags":[...],"scores":[...],
 * "notes":"..."}; the notes are cut so the whole is about 500 bytes.
 */
static int gen_one(gen_doc *d, rng *r, unsigned i)
{
	char buf[1024];
	sbuf b = { buf, 0, sizeof(buf) };
	const char *first = first_names[rng_below(r, 32)];
	const char *last = last_names[rng_below(r, 32)];
	unsigned ntags = 2 + rng_below(r, 3);
	size_t want = 470 + rng_below(r, 61); /* 470..530 bytes */

	snprintf(d->unid, sizeof(d->unid), "doc%06u", i + 1);
	d->city = cities[rng_below(r, 100)];
	d->age = 18 + (int)rng_below(r, 73);
	snprintf(d->name, sizeof(d->name), "%s %s", first, last);

	sb_printf(&b, "{\"_unid\":\"%s\",\"city\":\"%s\",\"age\":%d,\"name\":\"%s\",", d->unid,
		  d->city, d->age, d->name);
	sb_printf(&b, "\"email\":\"%c%s.%u@example.com\",\"active\":%s,", first[0] | 0x20, last,
		  i + 1, rng_below(r, 2) ? "true" : "false");
	sb_printf(&b,
		  "\"address\":{\"street\":\"%u %s\",\"zip\":\"%05u\",\"country\":\"%c%c\","
		  "\"geo\":{\"lat\":%.4f,\"lng\":%.4f}},",
		  1 + rng_below(r, 200), streets[rng_below(r, 8)], rng_below(r, 100000),
		  'A' + (int)rng_below(r, 26), 'A' + (int)rng_below(r, 26),
		  (double)rng_below(r, 1800000) / 10000.0 - 90.0,
		  (double)rng_below(r, 3600000) / 10000.0 - 180.0);
	sb_printf(&b, "\"tags\":[");
	for (unsigned t = 0; t < ntags; t++)
		sb_printf(&b, "%s\"%s\"", t ? "," : "", words[rng_below(r, 48)]);
	sb_printf(&b, "],\"scores\":[%u,%u,%u,%u],\"notes\":\"", rng_below(r, 100),
		  rng_below(r, 100), rng_below(r, 100), rng_below(r, 100));
	/* Words until the document reaches its size (2 bytes for "}). */
	while (b.len + 2 < want) {
		const char *w = words[rng_below(r, 48)];
		size_t wl = strlen(w);

		if (b.len + 2 + wl + 1 > want)
			break;
		sb_printf(&b, "%s%s", buf[b.len - 1] == '"' ? "" : " ", w);
	}
	sb_printf(&b, "\"}");

	d->json = malloc(b.len + 1);
	if (d->json == NULL)
		return -1;
	memcpy(d->json, buf, b.len + 1);
	d->len = b.len;
	return 0;
}

static gen_doc *gen_all(unsigned n, size_t *total)
{
	rng r = { 0x9E3779B97F4A7C15ull };
	gen_doc *docs = calloc(n ? n : 1, sizeof(*docs));

	*total = 0;
	if (docs == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (gen_one(&docs[i], &r, i) != 0) {
			fprintf(stderr, "folio_bench: out of memory\n");
			exit(1);
		}
		*total += docs[i].len;
	}
	return docs;
}

/* Formats a path into a PATH_MAX buffer; -1 when it does not fit. */
static int path_fmt(char *out, size_t size, const char *fmt, const char *a, const char *b)
	__attribute__((format(printf, 3, 0)));

static int path_fmt(char *out, size_t size, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(out, size, fmt, a, b);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "folio_bench: path too long: %s\n", a);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ options */

typedef struct bench_opts {
	unsigned docs;
	unsigned loads;
	unsigned repeat;
	const char *dir;    /* NULL: a fresh temporary directory */
	const char *server; /* reserved: a server URL for the PostgreSQL run */
	int strict;         /* exit 3 when a target is missed */
	int only;           /* 0 both; 'f' folio only; 'b' baseline only (for profilers) */
} bench_opts;

/* ---------------------------------------------------------- baselines */

/*
 * One baseline per engine: the same work as folio, written by hand against
 * the engine's own client library, the way an application without folio
 * would do it.
 */
typedef struct baseline {
	const char *engine;      /* "sqlite" */
	const char *description; /* one line for the report */
	/* Makes a new, empty schema (not timed). */
	int (*reset)(void **ctx, const char *dir, const bench_opts *o);
	/* Imports every document in one transaction (timed by the caller). */
	int (*import)(void *ctx, const gen_doc *docs, unsigned n);
	/* Loads the documents of `order` by id; adds the bytes read to *bytes. */
	int (*load)(void *ctx, const gen_doc *docs, const unsigned *order, unsigned n,
		    size_t *bytes);
	void (*close)(void *ctx);
} baseline;

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

static void remove_db_files(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (path_fmt(p, sizeof(p), "%s%s", path, suffix[i]) == 0)
			unlink(p);
	}
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

static int sq_import(void *vctx, const gen_doc *docs, unsigned n)
{
	sq_ctx *c = vctx;
	sqlite3_stmt *ins = NULL;
	int rc = -1;

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

static const baseline baseline_sqlite = {
	"sqlite",
	"raw libsqlite3, journal_mode=WAL, synchronous=NORMAL, cache_size=-8192 (as folio), one "
	"transaction, one prepared "
	"INSERT, indexes on city, age, name; the generator hands it city/age/name directly "
	"(no JSON parse)",
	sq_reset,
	sq_import,
	sq_load,
	sq_close,
};

/* The baselines by engine; PostgreSQL (libpq, COPY) goes here. */
static const baseline *const baselines[] = { &baseline_sqlite };

static const baseline *baseline_find(const char *engine)
{
	for (size_t i = 0; i < sizeof(baselines) / sizeof(baselines[0]); i++)
		if (strcmp(baselines[i]->engine, engine) == 0)
			return baselines[i];
	return NULL;
}

/* -------------------------------------------------------------- folio */

typedef struct folio_ctx {
	char url[PATH_MAX + 16];
	char path[PATH_MAX];
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	int fields; /* 1 when the store extracts the three fields */
} folio_ctx;

static int ffail(const char *what, int rc)
{
	fprintf(stderr, "folio_bench: folio: %s: %s (%s)\n", what, folio_error_last(),
		folio_error_name(rc));
	return -1;
}

static void folio_ctx_close(folio_ctx *f)
{
	folio_store_free(f->st);
	f->st = NULL;
	folio_session_free(f->ses);
	f->ses = NULL;
	folio_server_close(f->srv);
	f->srv = NULL;
}

/* A new, empty database and store (not timed). */
static int folio_reset(folio_ctx *f, const char *dir, int *warned)
{
	int rc;

	folio_ctx_close(f);
	if (path_fmt(f->path, sizeof(f->path), "%s/%s", dir, "folio.db") != 0 ||
	    path_fmt(f->url, sizeof(f->url), "%s%s", "sqlite:", f->path) != 0)
		return -1;
	remove_db_files(f->path);
	rc = folio_server_open(&f->srv, f->url, NULL);
	if (rc != 0)
		return ffail("folio_server_open", rc);
	rc = folio_session_open(&f->ses, f->srv, "bench", NULL);
	if (rc != 0)
		return ffail("folio_session_open", rc);
	rc = folio_db_create(f->ses, BENCH_DB);
	if (rc != 0)
		return ffail("folio_db_create", rc);
	rc = folio_store_create(f->ses, BENCH_DB, BENCH_STORE, BENCH_FIELDS);
	f->fields = rc == 0;
	if (rc != 0) {
		if (!*warned)
			printf("WARNING: folio_store_create rejected the fields option (%s: %s); "
			       "folio runs WITHOUT extracted fields, the baseline still indexes "
			       "three columns\n",
			       folio_error_name(rc), folio_error_last());
		*warned = 1;
		rc = folio_store_create(f->ses, BENCH_DB, BENCH_STORE, NULL);
		if (rc != 0)
			return ffail("folio_store_create", rc);
	}
	rc = folio_store_open(&f->st, f->ses, BENCH_DB, BENCH_STORE);
	if (rc != 0)
		return ffail("folio_store_open", rc);
	return 0;
}

static int folio_import(folio_ctx *f, const gen_doc *docs, unsigned n)
{
	folio_batch *b = NULL;
	int rc;

	rc = folio_batch_open(&b, f->st, 0);
	if (rc != 0)
		return ffail("folio_batch_open", rc);
	for (unsigned i = 0; i < n; i++) {
		rc = folio_batch_put(b, docs[i].json, docs[i].len);
		if (rc != 0) {
			ffail("folio_batch_put", rc);
			goto out;
		}
	}
	rc = folio_batch_commit(b);
	if (rc != 0)
		ffail("folio_batch_commit", rc);
out:
	folio_batch_free(b);
	return rc == 0 ? 0 : -1;
}

static int folio_load(folio_ctx *f, const gen_doc *docs, const unsigned *order, unsigned n,
		      size_t *bytes)
{
	for (unsigned i = 0; i < n; i++) {
		folio_doc *doc = NULL;
		char *json = NULL;
		int rc;

		rc = folio_doc_load(&doc, f->st, docs[order[i]].unid);
		if (rc != 0)
			return ffail("folio_doc_load", rc);
		rc = folio_doc_get_json(&json, doc);
		if (rc != 0) {
			folio_doc_free(doc);
			return ffail("folio_doc_get_json", rc);
		}
		*bytes += strlen(json);
		free(json);
		folio_doc_free(doc);
	}
	return 0;
}

/* ------------------------------------------------------- temp dir, run */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: folio_bench [--docs N] [--loads N] [--repeat R] [--dir DIR] [--strict]\n"
		"                   [--only folio|baseline]\n"
		"  --docs N     documents to import (default 100000)\n"
		"  --loads N    loads by UNID (default 10000)\n"
		"  --repeat R   run each phase R times, report the best (default 1)\n"
		"  --dir DIR    work in DIR (its folio.db and baseline.db are replaced);\n"
		"               default: a fresh temporary directory, removed afterwards\n"
		"  --server URL reserved for the PostgreSQL run (not supported yet)\n"
		"  --strict     exit 3 when a target is missed\n"
		"  --only WHICH run only folio or only the baseline (to profile one;\n"
		"               no ratios)\n");
}

static int parse_uint(const char *s, unsigned *out, unsigned min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > 100000000ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_opts(bench_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "docs", required_argument, NULL, 'd' },
		{ "loads", required_argument, NULL, 'l' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "dir", required_argument, NULL, 'D' },
		{ "server", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->docs = 100000;
	o->loads = 10000;
	o->repeat = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_uint(optarg, &o->docs, 1) != 0)
				goto bad;
			break;
		case 'l':
			if (parse_uint(optarg, &o->loads, 0) != 0)
				goto bad;
			break;
		case 'r':
			if (parse_uint(optarg, &o->repeat, 1) != 0)
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
	return 0;
bad:
	usage(stderr);
	return -1;
}

typedef struct phase_result {
	const char *name;
	double target;
	double folio_s;
	double base_s;
	unsigned ops;
} phase_result;

static int report(const phase_result *p, size_t np, const bench_opts *o, const baseline *bl,
		  size_t avg_len, int fields)
{
	int missed = 0;

	printf("\nfolio_bench %s: %u documents (%zu bytes on average), %u loads, best of %u, "
	       "engine %s\n",
	       folio_version(), o->docs, avg_len, o->loads, o->repeat, bl->engine);
	if (o->only != 'b')
		printf("folio:    folio_batch_* into a store %s\n",
		       fields ? "that extracts city, age, name"
			      : "WITHOUT extracted fields (rejected)");
	if (o->only != 'f')
		printf("baseline: %s\n", bl->description);
	if (o->only != 0) {
		printf("\n%-8s %10s %8s\n", "phase", "seconds", "docs/s");
		for (size_t i = 0; i < np; i++) {
			double t = o->only == 'f' ? p[i].folio_s : p[i].base_s;

			if (p[i].ops > 0)
				printf("%-8s %10.3f %8.0f\n", p[i].name, t, t > 0 ? p[i].ops / t : 0);
		}
		printf("\n(--only %s: no ratios)\n", o->only == 'f' ? "folio" : "baseline");
		return 0;
	}
	printf("\n%-8s %10s %11s %7s %7s %6s %13s %16s\n", "phase", "folio s", "baseline s",
	       "ratio", "target", "result", "folio docs/s", "baseline docs/s");
	for (size_t i = 0; i < np; i++) {
		double ratio = p[i].base_s > 0 ? p[i].folio_s / p[i].base_s : 0;
		int pass = ratio <= p[i].target;

		if (p[i].ops == 0)
			continue;
		missed += !pass;
		printf("%-8s %10.3f %11.3f %7.2f %7.2f %6s %13.0f %16.0f\n", p[i].name, p[i].folio_s,
		       p[i].base_s, ratio, p[i].target, pass ? "PASS" : "FAIL",
		       p[i].folio_s > 0 ? p[i].ops / p[i].folio_s : 0,
		       p[i].base_s > 0 ? p[i].ops / p[i].base_s : 0);
	}
	printf("\nratio = folio seconds / baseline seconds; a phase passes when ratio <= target\n");
	return missed;
}

int main(int argc, char **argv)
{
	bench_opts o = { 0 };
	const baseline *bl;
	gen_doc *docs = NULL;
	unsigned *order = NULL;
	size_t total = 0;
	char tmpl[PATH_MAX];
	const char *dir;
	int made_dir = 0, warned = 0, rc = 1, missed;
	folio_ctx f = { 0 };
	void *bctx = NULL;
	phase_result ph[2] = {
		{ "import", TARGET_IMPORT, 1e300, 1e300, 0 },
		{ "load", TARGET_LOAD, 1e300, 1e300, 0 },
	};

	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	if (o.server != NULL && strncmp(o.server, "sqlite:", 7) != 0) {
		fprintf(stderr, "folio_bench: --server %s: only the SQLite run exists yet (the "
				"PostgreSQL baseline is to come)\n",
			o.server);
		return 2;
	}
	bl = baseline_find("sqlite");

	if (o.dir != NULL) {
		dir = o.dir;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "folio_bench: mkdir %s: %s\n", dir, strerror(errno));
			return 1;
		}
	} else {
		const char *t = getenv("TMPDIR");

		if (path_fmt(tmpl, sizeof(tmpl), "%s/%s", t && *t ? t : "/tmp",
			     "folio-bench-XXXXXX") != 0)
			return 1;
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "folio_bench: mkdtemp %s: %s\n", tmpl, strerror(errno));
			return 1;
		}
		dir = tmpl;
		made_dir = 1;
	}

	docs = gen_all(o.docs, &total);
	order = malloc((o.loads ? o.loads : 1) * sizeof(*order));
	if (docs == NULL || order == NULL) {
		fprintf(stderr, "folio_bench: out of memory\n");
		goto out;
	}
	{
		rng r = { 0xD1B54A32D192ED03ull };

		for (unsigned i = 0; i < o.loads; i++)
			order[i] = rng_below(&r, o.docs);
	}
	printf("folio_bench: %u documents, %zu bytes of JSON, in %s\n", o.docs, total, dir);
	fflush(stdout);

	for (unsigned rep = 0; rep < o.repeat; rep++) {
		size_t fbytes = 0, bbytes = 0;
		double t0, fi = 0, bi = 0, fl = 0, bl_s = 0;

		/* import: a fresh store and a fresh table each time */
		if (o.only != 'b') {
			if (folio_reset(&f, dir, &warned) != 0)
				goto out;
			t0 = now();
			if (folio_import(&f, docs, o.docs) != 0)
				goto out;
			fi = now() - t0;
			ph[0].folio_s = fi < ph[0].folio_s ? fi : ph[0].folio_s;
		}
		if (o.only != 'f') {
			if (bl->reset(&bctx, dir, &o) != 0)
				goto out;
			t0 = now();
			if (bl->import(bctx, docs, o.docs) != 0)
				goto out;
			bi = now() - t0;
			ph[0].base_s = bi < ph[0].base_s ? bi : ph[0].base_s;
		}
		ph[0].ops = o.docs;

		/* load: the same order for both */
		if (o.loads > 0 && o.only != 'b') {
			t0 = now();
			if (folio_load(&f, docs, order, o.loads, &fbytes) != 0)
				goto out;
			fl = now() - t0;
			ph[1].folio_s = fl < ph[1].folio_s ? fl : ph[1].folio_s;
		}
		if (o.loads > 0 && o.only != 'f') {
			t0 = now();
			if (bl->load(bctx, docs, order, o.loads, &bbytes) != 0)
				goto out;
			bl_s = now() - t0;
			ph[1].base_s = bl_s < ph[1].base_s ? bl_s : ph[1].base_s;
		}
		ph[1].ops = o.loads;
		printf("run %u: import %.3f s / %.3f s, load %.3f s / %.3f s "
		       "(folio / baseline; %zu / %zu bytes loaded)\n",
		       rep + 1, fi, bi, fl, bl_s, fbytes, bbytes);
		fflush(stdout);
	}

	missed = report(ph, 2, &o, bl, total / o.docs, f.fields);
	rc = o.strict && missed ? 3 : 0;
out:
	folio_ctx_close(&f);
	if (bctx != NULL)
		bl->close(bctx);
	if (docs != NULL)
		for (unsigned i = 0; i < o.docs; i++)
			free(docs[i].json);
	free(docs);
	free(order);
	if (made_dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
