/*
 * folio_bench: folio against a hand-written baseline on the same engine, in
 * the same run, on the same documents, and the ratio of the two.
 *
 * Workload (docs/performance.md): N generated documents of about 500 bytes
 * (bench_gen.c), each with three fields a user would index ("city", "age",
 * "name") and filler.
 *   import: folio_batch_open/put/commit into a new store that extracts the
 *           three fields, against one transaction into a table with the three
 *           columns indexed.
 *   load:   random (fixed-seed) loads by UNID that hand the JSON text to the
 *           caller, against a prepared SELECT by primary key.
 *
 * The engine is SQLite in a work directory (baseline_sqlite.c), or with
 * --server the PostgreSQL server of a postgresql:// URL (baseline_pg.c).
 * With --odbc as well, folio runs its phases a second time through ODBC to
 * the same server, measured against folio through libpq.
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

#include "folio/folio.h"

#include "bench.h"

#define TARGET_IMPORT 1.5
#define TARGET_LOAD 1.3
#define TARGET_ODBC 2.0 /* folio through ODBC / folio through libpq, each phase */

#define BENCH_DB "bench"
#define BENCH_DB_ODBC "bench_odbc"
#define BENCH_STORE "docs"
#define BENCH_FIELDS                                                                     \
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"        \
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"},"                       \
	"{\"name\":\"name\",\"path\":\"name\",\"type\":\"string\"}]}"

/* Room for a URL with its password hidden, in the report. */
#define URL_SHOWN_MAX 512

/* ---------------------------------------------------------------- time */


/* ------------------------------------------------------------- helpers */

int path_fmt(char *out, size_t size, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(out, size, fmt, a, b);

	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "folio_bench: path too long: %s\n", a);
		return -1;
	}
	return 0;
}

void remove_db_files(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (path_fmt(p, sizeof(p), "%s%s", path, suffix[i]) == 0)
			unlink(p);
	}
}

/*
 * The URL for the report, passwords shown as ***: the user:password@ of a
 * postgresql:// URL, and the values of password= (libpq) and PWD= (ODBC).
 */
static void url_shown(char *out, size_t size, const char *url)
{
	const char *p = url;
	const char *hidden = NULL; /* where the current hidden value ends */
	const char *at = NULL, *scheme_end = strstr(url, "://");
	size_t o = 0;

	if (scheme_end != NULL) {
		const char *auth = scheme_end + 3;
		size_t authlen = strcspn(auth, "/?");
		const char *colon;

		at = memchr(auth, '@', authlen);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon == NULL)
			at = NULL;
		else
			hidden = colon + 1; /* from here to `at` */
	}
	while (*p != '\0' && o + 4 < size) {
		if (at != NULL && p == hidden) {
			memcpy(out + o, "***", 3);
			o += 3;
			p = at;
			at = NULL;
			continue;
		}
		if ((p == url || p[-1] == ';' || p[-1] == '&' || p[-1] == '?' || p[-1] == ' ') &&
		    (strncasecmp(p, "password=", 9) == 0 || strncasecmp(p, "pwd=", 4) == 0)) {
			size_t k = (size_t)(strchr(p, '=') - p) + 1;

			if (o + k + 4 >= size)
				break;
			memcpy(out + o, p, k);
			o += k;
			memcpy(out + o, "***", 3);
			o += 3;
			p += k;
			p += strcspn(p, ";& ");
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

/* -------------------------------------------------------------- folio */

typedef struct folio_ctx {
	const char *server; /* a server URL, or NULL: an SQLite file in the work directory */
	const char *db;     /* the folio database the run makes (and drops on a server) */
	char url[PATH_MAX + 16];
	char path[PATH_MAX];
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	int fields;  /* 1 when the store extracts the three fields */
	int made_db; /* the database is on the server: drop it at the end */
} folio_ctx;


static void folio_ctx_close(folio_ctx *f)
{
	folio_store_free(f->st);
	f->st = NULL;
	if (f->made_db && f->ses != NULL) {
		int rc = folio_db_drop(f->ses, f->db);

		if (rc != 0)
			bench_fail("folio_bench", "folio_db_drop", rc);
		f->made_db = 0;
	}
	folio_session_free(f->ses);
	f->ses = NULL;
	folio_server_close(f->srv);
	f->srv = NULL;
}

/* Opens the Server and a Session on it. */
static int folio_open(folio_ctx *f)
{
	int rc;

	rc = folio_server_open(&f->srv, f->url, NULL);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_server_open", rc);
	/*
	 * The administrator: this benchmark measures the document layer; what a
	 * user's read condition adds is folio_secbench's measure (docs/performance.md).
	 */
	rc = folio_session_open_admin(&f->ses, f->srv);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_session_open_admin", rc);
	return 0;
}

/*
 * A new, empty database and store (not timed). On SQLite a new file; on a
 * server the database is dropped and made again (one left by an earlier,
 * interrupted run too: the name is the benchmark's).
 */
static int folio_reset(folio_ctx *f, const char *dir, int *warned)
{
	int rc;

	if (f->server == NULL) {
		folio_ctx_close(f);
		if (path_fmt(f->path, sizeof(f->path), "%s/%s", dir, "folio.db") != 0 ||
		    path_fmt(f->url, sizeof(f->url), "%s%s", "sqlite:", f->path) != 0)
			return -1;
		remove_db_files(f->path);
		if (folio_open(f) != 0)
			return -1;
	} else {
		folio_store_free(f->st);
		f->st = NULL;
		if (f->srv == NULL) {
			if (path_fmt(f->url, sizeof(f->url), "%s%s", f->server, "") != 0 ||
			    folio_open(f) != 0)
				return -1;
		}
		rc = folio_db_exists(f->ses, f->db);
		if (rc < 0)
			return bench_fail("folio_bench", "folio_db_exists", rc);
		if (rc == 1) {
			if (!f->made_db)
				printf("folio_bench: dropping the database %s left by an earlier "
				       "run\n",
				       f->db);
			rc = folio_db_drop(f->ses, f->db);
			if (rc != 0)
				return bench_fail("folio_bench", "folio_db_drop", rc);
		}
	}
	rc = folio_db_create(f->ses, f->db);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_db_create", rc);
	f->made_db = f->server != NULL;
	rc = folio_store_create(f->ses, f->db, BENCH_STORE, BENCH_FIELDS);
	f->fields = rc == 0;
	if (rc != 0) {
		if (!*warned)
			printf("WARNING: folio_store_create rejected the fields option (%s: %s); "
			       "folio runs WITHOUT extracted fields, the baseline still indexes "
			       "three columns\n",
			       folio_error_name(rc), folio_error_last());
		*warned = 1;
		rc = folio_store_create(f->ses, f->db, BENCH_STORE, NULL);
		if (rc != 0)
			return bench_fail("folio_bench", "folio_store_create", rc);
	}
	rc = folio_store_open(&f->st, f->ses, f->db, BENCH_STORE);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_store_open", rc);
	return 0;
}

/* The last folio import's folio_batch_commit, in seconds (shown in each run's line). */
static double last_commit_s;
/* --one-thread: FOLIO_BATCH_ONE_THREAD */
static unsigned batch_flags;

static int folio_import(folio_ctx *f, const gen_doc *docs, unsigned n)
{
	folio_batch *b = NULL;
	double t0;
	int rc;

	rc = folio_batch_open(&b, f->st, batch_flags);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_batch_open", rc);
	for (unsigned i = 0; i < n; i++) {
		rc = folio_batch_put(b, docs[i].json, docs[i].len);
		if (rc != 0) {
			bench_fail("folio_bench", "folio_batch_put", rc);
			goto out;
		}
	}
	t0 = bench_now();
	rc = folio_batch_commit(b);
	last_commit_s = bench_now() - t0;
	if (rc != 0)
		bench_fail("folio_bench", "folio_batch_commit", rc);
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
			return bench_fail("folio_bench", "folio_doc_load", rc);
		rc = folio_doc_get_json(&json, doc);
		if (rc != 0) {
			folio_doc_free(doc);
			return bench_fail("folio_bench", "folio_doc_get_json", rc);
		}
		*bytes += strlen(json);
		free(json);
		folio_doc_free(doc);
	}
	return 0;
}

/* folio_reset(), then the import timed into *secs. */
static int timed_import(folio_ctx *f, const char *dir, int *warned, const baseline *bl,
			void *bctx, const gen_doc *docs, unsigned n, double *secs)
{
	double t0;

	if (folio_reset(f, dir, warned) != 0)
		return -1;
	if (bl->settle != NULL)
		bl->settle(bctx);
	t0 = bench_now();
	if (folio_import(f, docs, n) != 0)
		return -1;
	*secs = bench_now() - t0;
	return 0;
}

/* The loads timed into *secs. */
static int timed_load(folio_ctx *f, const baseline *bl, void *bctx, const gen_doc *docs,
		      const unsigned *order, unsigned n, double *secs, size_t *bytes)
{
	double t0;

	if (bl->settle != NULL)
		bl->settle(bctx);
	t0 = bench_now();
	if (folio_load(f, docs, order, n, bytes) != 0)
		return -1;
	*secs = bench_now() - t0;
	return 0;
}

/*
 * Opens folio's ODBC Server, before any timing: 1 when it is there, 0 when
 * this build of folio has no driver for "odbc:" (said in a line, the run goes
 * on without it), -1 on any other failure.
 */
static int odbc_open(folio_ctx *f)
{
	int rc;

	if (path_fmt(f->url, sizeof(f->url), "%s%s", f->server, "") != 0)
		return -1;
	rc = folio_server_open(&f->srv, f->url, NULL);
	if (rc == FOLIO_EINVALID && strstr(folio_error_last(), "no driver for URL scheme")) {
		printf("ODBC: this build of folio has no driver registered for odbc: URLs "
		       "(%s); the ODBC phases are skipped\n",
		       folio_error_last());
		return 0;
	}
	if (rc != 0)
		return bench_fail("folio_bench", "folio_server_open (odbc)", rc);
	rc = folio_session_open_admin(&f->ses, f->srv);
	if (rc != 0)
		return bench_fail("folio_bench", "folio_session_open_admin (odbc)", rc);
	return 1;
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
		"                   [--only folio|baseline] [--one-thread] [--server URL [--odbc URL]]\n"
		"  --docs N     documents to import (default 100000)\n"
		"  --loads N    loads by UNID (default 10000)\n"
		"  --repeat R   run each phase R times, report the best (default 1)\n"
		"  --dir DIR    work in DIR (its folio.db and baseline.db are replaced);\n"
		"               default: a fresh temporary directory, removed afterwards\n"
		"  --server URL run on a PostgreSQL server (postgresql://...) instead of\n"
		"               SQLite: folio in a database \"" BENCH_DB "\", the baseline\n"
		"               in a table bench_baseline_docs, both dropped at the end\n"
		"  --odbc URL   with --server: run folio a second time through ODBC to the\n"
		"               same server (odbc:DRIVER=...;...) and compare it with\n"
		"               folio through libpq\n"
		"  --strict     exit 3 when a target is missed\n"
		"  --only WHICH run only folio or only the baseline (to profile one;\n"
		"               no ratios)\n"
		"  --one-thread folio's batches without their writer thread\n"
		"               (FOLIO_BATCH_ONE_THREAD), as the baseline\n");
}


static int is_pg_url(const char *url)
{
	return strncasecmp(url, "postgresql://", 13) == 0 ||
	       strncasecmp(url, "postgres://", 11) == 0;
}

static int parse_opts(bench_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "docs", required_argument, NULL, 'd' },
		{ "loads", required_argument, NULL, 'l' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "dir", required_argument, NULL, 'D' },
		{ "server", required_argument, NULL, 's' },
		{ "odbc", required_argument, NULL, 'O' },
		{ "strict", no_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'o' },
		{ "one-thread", no_argument, NULL, 'T' },
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
			if (bench_parse_uint(optarg, &o->docs, 1) != 0)
				goto bad;
			break;
		case 'l':
			if (bench_parse_uint(optarg, &o->loads, 0) != 0)
				goto bad;
			break;
		case 'r':
			if (bench_parse_uint(optarg, &o->repeat, 1) != 0)
				goto bad;
			break;
		case 'D':
			o->dir = optarg;
			break;
		case 's':
			o->server = optarg;
			break;
		case 'O':
			o->odbc = optarg;
			break;
		case 'S':
			o->strict = 1;
			break;
		case 'T':
			o->one_thread = 1;
			batch_flags = FOLIO_BATCH_ONE_THREAD;
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
	/* "sqlite:..." is the SQLite run in the work directory, as without --server. */
	if (o->server != NULL && strncmp(o->server, "sqlite:", 7) == 0)
		o->server = NULL;
	if (o->server != NULL && !is_pg_url(o->server)) {
		fprintf(stderr, "folio_bench: --server takes a postgresql:// URL (only PostgreSQL "
				"has a server baseline)\n");
		return -1;
	}
	if (o->odbc != NULL && (o->server == NULL || strncasecmp(o->odbc, "odbc:", 5) != 0)) {
		fprintf(stderr, "folio_bench: --odbc takes an odbc: URL, with --server "
				"postgresql://... to the same server\n");
		return -1;
	}
	return 0;
bad:
	usage(stderr);
	return -1;
}

/* What a row of the report compares. */
enum row_kind {
	ROW_TARGET,  /* folio against the (best) baseline, with a target */
	ROW_VARIANT, /* folio against one import variant of the baseline, no target */
	ROW_ODBC     /* folio through ODBC against folio through libpq, with a target */
};

typedef struct phase_result {
	const char *name;
	double target;
	double folio_s;
	double base_s;
	unsigned ops;
	enum row_kind kind;
} phase_result;

/* Which seconds of a row --only shows; < 0: the row is not shown. */
static double only_seconds(const phase_result *p, int only)
{
	if (only == 'f')
		return p->kind == ROW_VARIANT ? -1 : p->folio_s;
	return p->kind == ROW_ODBC ? -1 : p->base_s;
}

static int report(const phase_result *p, size_t np, const bench_opts *o, const baseline *bl,
		  size_t avg_len, int fields, const char *where, const char *odbc_where)
{
	int missed = 0, w = 8, variants = 0, odbc = 0;

	for (size_t i = 0; i < np; i++) {
		if (p[i].ops > 0 && (int)strlen(p[i].name) > w)
			w = (int)strlen(p[i].name);
		variants |= p[i].ops > 0 && p[i].kind == ROW_VARIANT;
		odbc |= p[i].ops > 0 && p[i].kind == ROW_ODBC;
	}
	printf("\nfolio_bench %s: %u documents (%zu bytes on average), %u loads, best of %u, "
	       "engine %s\n",
	       folio_version(), o->docs, avg_len, o->loads, o->repeat, bl->engine);
	if (where != NULL)
		printf("server:   %s\n", where);
	if (o->only != 'b')
		printf("folio:    folio_batch_* into a store %s, %s\n",
		       fields ? "that extracts city, age, name"
			      : "WITHOUT extracted fields (rejected)",
		       o->one_thread ? "on the caller's thread only (--one-thread)"
				     : "with the batch's writer thread");
	if (o->only != 'f')
		printf("baseline: %s\n", bl->description);
	if (odbc_where != NULL)
		printf("odbc:     the folio phases again, through %s\n", odbc_where);
	if (o->only != 0) {
		printf("\n%-*s %10s %8s\n", w, "phase", "seconds", "docs/s");
		for (size_t i = 0; i < np; i++) {
			double t = only_seconds(&p[i], o->only);

			if (p[i].ops > 0 && t >= 0)
				printf("%-*s %10.3f %8.0f\n", w, p[i].name, t,
				       t > 0 ? p[i].ops / t : 0);
		}
		printf("\n(--only %s: no ratios)\n", o->only == 'f' ? "folio" : "baseline");
		return 0;
	}
	printf("\n%-*s %10s %11s %7s %7s %6s %13s %16s\n", w, "phase", "folio s", "baseline s",
	       "ratio", "target", "result", "folio docs/s", "baseline docs/s");
	for (size_t i = 0; i < np; i++) {
		double ratio = p[i].base_s > 0 ? p[i].folio_s / p[i].base_s : 0;
		int pass = ratio <= p[i].target;
		double fps = p[i].folio_s > 0 ? p[i].ops / p[i].folio_s : 0;
		double bps = p[i].base_s > 0 ? p[i].ops / p[i].base_s : 0;

		if (p[i].ops == 0)
			continue;
		if (p[i].kind == ROW_VARIANT) {
			printf("%-*s %10.3f %11.3f %7.2f %7s %6s %13.0f %16.0f\n", w, p[i].name,
			       p[i].folio_s, p[i].base_s, ratio, "-", "-", fps, bps);
			continue;
		}
		missed += !pass;
		printf("%-*s %10.3f %11.3f %7.2f %7.2f %6s %13.0f %16.0f\n", w, p[i].name,
		       p[i].folio_s, p[i].base_s, ratio, p[i].target, pass ? "PASS" : "FAIL", fps,
		       bps);
	}
	printf("\nratio = folio seconds / baseline seconds; a phase passes when ratio <= target\n");
	if (variants)
		printf("import: against the faster of the baseline's imports; import/%s, ...: "
		       "against each one (no target)\n",
		       bl->variant_names[0]);
	if (odbc)
		printf("odbc rows: folio through ODBC (folio s) against folio through libpq "
		       "(baseline s)\n");
	return missed;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	bench_opts o = { 0 };
	const baseline *bl;
	gen_doc *docs = NULL;
	unsigned *order = NULL;
	size_t total = 0;
	char tmpl[PATH_MAX];
	char where[URL_SHOWN_MAX], odbc_where[URL_SHOWN_MAX];
	const char *dir = NULL;
	int made_dir = 0, warned = 0, rc = 1, missed, use_odbc = 0;
	folio_ctx f = { 0 }, fo = { 0 };
	void *bctx = NULL;
	/* import, load, then one row per import variant, then the ODBC rows */
	phase_result ph[2 + BASELINE_VARIANTS_MAX + 2];
	size_t nph = 0, first_variant, first_odbc;
	char variant_names[BASELINE_VARIANTS_MAX][32];

	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	bl = o.server != NULL ? &baseline_pg : &baseline_sqlite;
	f.server = o.server;
	f.db = BENCH_DB;
	fo.server = o.odbc;
	fo.db = BENCH_DB_ODBC;

	ph[nph++] = (phase_result){ "import", TARGET_IMPORT, 1e300, 1e300, 0, ROW_TARGET };
	ph[nph++] = (phase_result){ "load", TARGET_LOAD, 1e300, 1e300, 0, ROW_TARGET };
	first_variant = nph;
	for (int v = 0; bl->n_variants > 1 && v < bl->n_variants; v++) {
		snprintf(variant_names[v], sizeof(variant_names[v]), "import/%s",
			 bl->variant_names[v]);
		ph[nph++] = (phase_result){ variant_names[v], 0, 1e300, 1e300, 0, ROW_VARIANT };
	}
	first_odbc = nph;
	ph[nph++] = (phase_result){ "odbc import", TARGET_ODBC, 1e300, 1e300, 0, ROW_ODBC };
	ph[nph++] = (phase_result){ "odbc load", TARGET_ODBC, 1e300, 1e300, 0, ROW_ODBC };

	if (o.server != NULL) {
		/* Nothing goes to disk here: the server keeps it all. */
		dir = "";
	} else if (o.dir != NULL) {
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
	if (o.server != NULL) {
		url_shown(where, sizeof(where), o.server);
		printf("folio_bench: %u documents, %zu bytes of JSON, on %s\n", o.docs, total,
		       where);
	} else {
		printf("folio_bench: %u documents, %zu bytes of JSON, in %s\n", o.docs, total, dir);
	}
	if (o.odbc != NULL && o.only != 'b') {
		url_shown(odbc_where, sizeof(odbc_where), o.odbc);
		use_odbc = odbc_open(&fo);
		if (use_odbc < 0)
			goto out;
	}
	fflush(stdout);

	for (unsigned rep = 0; rep < o.repeat; rep++) {
		size_t fbytes = 0, bbytes = 0, obytes = 0;
		double t0, fi = 0, bi[BASELINE_VARIANTS_MAX] = { 0 }, fl = 0, bl_s = 0;
		double oi = 0, ol = 0;

		/* On a server the baseline's connection settles the engine for both sides. */
		if (bl->settle != NULL && bl->reset(&bctx, dir, &o) != 0)
			goto out;

		/* import: a fresh store and a fresh table each time */
		if (o.only != 'b') {
			if (timed_import(&f, dir, &warned, bl, bctx, docs, o.docs, &fi) != 0)
				goto out;
			ph[0].folio_s = min_d(fi, ph[0].folio_s);
			if (bl->shared_cache && o.loads > 0 &&
			    timed_load(&f, bl, bctx, docs, order, o.loads, &fl, &fbytes) != 0)
				goto out;
		}
		for (int v = 0; o.only != 'f' && v < bl->n_variants; v++) {
			if (bl->reset(&bctx, dir, &o) != 0)
				goto out;
			if (bl->settle != NULL)
				bl->settle(bctx);
			t0 = bench_now();
			if (bl->import(bctx, docs, o.docs, v) != 0)
				goto out;
			bi[v] = bench_now() - t0;
			ph[0].base_s = min_d(bi[v], ph[0].base_s);
			if (bl->n_variants > 1) {
				ph[first_variant + v].base_s =
					min_d(bi[v], ph[first_variant + v].base_s);
				ph[first_variant + v].ops = o.docs;
			}
		}
		ph[0].ops = o.docs;

		/* load: the same order for both */
		if (!bl->shared_cache && o.loads > 0 && o.only != 'b' &&
		    timed_load(&f, bl, bctx, docs, order, o.loads, &fl, &fbytes) != 0)
			goto out;
		if (o.loads > 0 && o.only != 'f') {
			if (bl->settle != NULL)
				bl->settle(bctx);
			t0 = bench_now();
			if (bl->load(bctx, docs, order, o.loads, &bbytes) != 0)
				goto out;
			bl_s = bench_now() - t0;
			ph[1].base_s = min_d(bl_s, ph[1].base_s);
		}
		if (o.loads > 0 && o.only != 'b')
			ph[1].folio_s = min_d(fl, ph[1].folio_s);
		ph[1].ops = o.loads;

		/* folio again, through ODBC, against folio through libpq */
		if (use_odbc > 0) {
			if (timed_import(&fo, dir, &warned, bl, bctx, docs, o.docs, &oi) != 0)
				goto out;
			ph[first_odbc].folio_s = min_d(oi, ph[first_odbc].folio_s);
			ph[first_odbc].ops = o.docs;
			if (o.loads > 0 &&
			    timed_load(&fo, bl, bctx, docs, order, o.loads, &ol, &obytes) != 0)
				goto out;
			ph[first_odbc + 1].folio_s = min_d(ol, ph[first_odbc + 1].folio_s);
			ph[first_odbc + 1].ops = o.loads;
		}

		if (bl->n_variants > 1 && o.only != 'f')
			printf("run %u: import %.3f s / %.3f s %s, %.3f s %s, load %.3f s / %.3f s "
			       "(folio / baseline; %zu / %zu bytes loaded)",
			       rep + 1, fi, bi[0], bl->variant_names[0], bi[1],
			       bl->variant_names[1], fl, bl_s, fbytes, bbytes);
		else
			printf("run %u: import %.3f s / %.3f s, load %.3f s / %.3f s "
			       "(folio / baseline; %zu / %zu bytes loaded)",
			       rep + 1, fi, bi[0], fl, bl_s, fbytes, bbytes);
		if (use_odbc > 0)
			printf("; odbc: import %.3f s, load %.3f s (%zu bytes loaded)", oi, ol,
			       obytes);
		printf("; last folio commit %.3f s\n", last_commit_s);
		fflush(stdout);
	}
	/* The variants against folio's best import; ODBC against folio through libpq. */
	for (size_t v = first_variant; v < first_odbc; v++)
		ph[v].folio_s = ph[0].folio_s;
	ph[first_odbc].base_s = ph[0].folio_s;
	ph[first_odbc + 1].base_s = ph[1].folio_s;

	missed = report(ph, nph, &o, bl, total / o.docs, f.fields,
			o.server != NULL ? where : NULL,
			use_odbc > 0 ? odbc_where : NULL);
	rc = o.strict && missed ? 3 : 0;
out:
	folio_ctx_close(&f);
	folio_ctx_close(&fo);
	if (bctx != NULL)
		bl->close(bctx);
	gen_free(docs, o.docs);
	free(order);
	if (made_dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
