/*
 * folio_secbench: the cost of document-level security (issue 5,
 * docs/performance.md, "Security"). "A user in 20 groups and 5 roles
 * querying 100,000 documents of which 30% carry _readers: the same query as
 * an unrestricted user at most 1.5 times slower, measured in the same run."
 *
 * One store, three Sessions over the same documents, in one run:
 *   admin  the server administrator: no read condition at all;
 *   boss   a trusted user named in every _readers: the SQL carries the
 *          read condition, but every document is visible;
 *   u      a trusted user in 20 groups (10 direct, 10 through nesting) with
 *          the roles [r1]..[r5] from its ACL entry (reader): the condition
 *          hides the restricted documents that name none of its names.
 * 30% of the documents carry "_readers": 1 to 3 names drawn from a pool of
 * 60 (18 of them u's: 12 of its groups, its 5 roles, itself), plus "boss";
 * u reads about half of them.
 *
 *   q1     {"city": X, "age": {"$gt": Y}}, whole documents, read to the end
 *   q2     city = X ORDER BY age DESC, name LIMIT 20
 *   q3     folio_cursor_count over the whole store
 *   q4     folio_doc_load of 2000 random UNIDs (not found: hidden)
 *
 * Each query runs --runs times with the same fixed-seed parameters for the
 * three Sessions; the ratio u/boss is the target (u/admin is shown too).
 * The SQL of u's q1 and the engine's plan for it are printed before the
 * timed runs.
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

#define TARGET_SECURITY 1.5

#define SB_DB "secbench"
#define SB_STORE "docs"
#define SB_FIELDS                                                                        \
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"        \
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"},"                       \
	"{\"name\":\"name\",\"path\":\"name\",\"type\":\"string\"}]}"

#define RESTRICTED_PERCENT 30
#define LOADS_PER_RUN 2000 /* q4 */
#define PAGE_SIZE 20       /* q2 */
#define FOLIO_PAGE 500     /* what folio's cursor reads per SELECT (core/cursor.c) */
#define MAX_CITIES 256
#define POOL_N 60
#define URL_SHOWN_MAX 512

/* ------------------------------------------------------ who is who */

enum { U_ADMIN, U_BOSS, U_U, U_N };
static const char *const user_names[U_N] = { "admin", "boss", "u" };

enum { K_Q1, K_TOP, K_COUNT, K_LOAD, K_N };
static const char *const kind_names[K_N] = { "q1 city+age", "q2 top20 city", "q3 count all",
					     "q4 load 2000" };

/*
 * The names _readers draw from: the first 18 are u's (12 of its groups, its
 * 5 roles, itself), the other 42 are not (other groups, roles not given to
 * u, other users). Filled by pool_init().
 */
static char pool[POOL_N][8];
#define POOL_OF_U 18

static void pool_init(void)
{
	int n = 0;

	for (int i = 1; i <= 12; i++)
		snprintf(pool[n++], sizeof(pool[0]), "g%02d", i);
	for (int i = 1; i <= 5; i++)
		snprintf(pool[n++], sizeof(pool[0]), "[r%d]", i);
	snprintf(pool[n++], sizeof(pool[0]), "u");
	for (int i = 1; i <= 30; i++)
		snprintf(pool[n++], sizeof(pool[0]), "h%02d", i);
	for (int i = 6; i <= 10; i++)
		snprintf(pool[n++], sizeof(pool[0]), "[r%d]", i);
	for (int i = 1; i <= 7; i++)
		snprintf(pool[n++], sizeof(pool[0]), "v%02d", i);
}

/* ------------------------------------------------------------ options */

typedef struct sopts {
	unsigned docs;
	unsigned runs;
	unsigned repeat;
	const char *dir;
	const char *server;
	int strict;
} sopts;

static void usage(FILE *to)
{
	fprintf(to,
		"usage: folio_secbench [--docs N] [--runs R] [--repeat P] [--dir DIR]\n"
		"                      [--server URL] [--strict]\n"
		"  --docs N      documents in the store, 30%% with _readers (default 100000)\n"
		"  --runs R      runs of each query, each with its own parameters (default 100)\n"
		"  --repeat P    time every query's R runs P times, keep the best (default 2)\n"
		"  --dir DIR     SQLite: work in DIR (its folio.db is replaced, kept);\n"
		"                default: a fresh temporary directory, removed afterwards\n"
		"  --server URL  PostgreSQL (postgresql://...) instead of SQLite: folio in a\n"
		"                database \"" SB_DB "\", dropped at the end\n"
		"  --strict      exit 3 when u/boss misses the target\n"
		"Exit status: 0; 1 on an error; 2 on a usage error; 3 with --strict when the\n"
		"target is missed; 4 when a Session saw rows it should not, or missed some.\n");
}


static int parse_opts(sopts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "docs", required_argument, NULL, 'd' },
		{ "runs", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'D' },
		{ "server", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->docs = 100000;
	o->runs = 100;
	o->repeat = 2;
	for (;;) {
		c = getopt_long(argc, argv, "h", longopts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'd':
			if (bench_parse_uint(optarg, &o->docs, 10) != 0)
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
	if (o->server != NULL && strncmp(o->server, "sqlite:", 7) == 0)
		o->server = NULL;
	if (o->server != NULL && strncasecmp(o->server, "postgresql://", 13) != 0 &&
	    strncasecmp(o->server, "postgres://", 11) != 0) {
		fprintf(stderr, "folio_secbench: --server takes a postgresql:// URL\n");
		return -1;
	}
	return 0;
bad:
	usage(stderr);
	return -1;
}

/* ------------------------------------------------------------- helpers */



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

static void remove_db(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---------------------------------------------------------- documents */

/*
 * Gives 30% of the documents "_readers" (1..3 names of the pool, and boss),
 * inserted after the opening brace; readable[i] tells whether u may read
 * document i. Returns the number u may read, or -1 out of memory.
 */
static long add_readers(gen_doc *docs, unsigned n, unsigned char *readable, unsigned *restricted)
{
	rng r = { 0xD1B54A32D192ED03ull };
	long visible = 0;

	*restricted = 0;
	for (unsigned i = 0; i < n; i++) {
		char head[128];
		size_t hl = 0;
		unsigned k, pick[3];
		char *json;

		readable[i] = 1;
		if (rng_below(&r, 100) >= RESTRICTED_PERCENT) {
			visible++;
			continue;
		}
		(*restricted)++;
		readable[i] = 0;
		k = 1 + rng_below(&r, 3);
		hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "{\"_readers\":[");
		for (unsigned j = 0; j < k; j++) {
			int again;

			do {
				pick[j] = rng_below(&r, POOL_N);
				again = 0;
				for (unsigned m = 0; m < j; m++)
					again |= pick[m] == pick[j];
			} while (again);
			if (pick[j] < POOL_OF_U)
				readable[i] = 1;
			hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "\"%s\",",
					       pool[pick[j]]);
		}
		hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "\"boss\"],");
		json = malloc(docs[i].len + hl); /* the '{' is replaced, the NUL kept */
		if (json == NULL)
			return -1;
		memcpy(json, head, hl);
		memcpy(json + hl, docs[i].json + 1, docs[i].len); /* with its NUL */
		free(docs[i].json);
		docs[i].json = json;
		docs[i].len = docs[i].len - 1 + hl;
		visible += readable[i];
	}
	return visible;
}

/* ---------------------------------------------------------- the server */

typedef struct sb_ctx {
	char url[PATH_MAX + 16];
	char fpath[PATH_MAX];
	folio_server *srv;
	folio_session *ses[U_N];
	folio_store *st[U_N];
	int made_db;
} sb_ctx;

static void sb_close(sb_ctx *f)
{
	for (int u = 0; u < U_N; u++) {
		folio_store_free(f->st[u]);
		f->st[u] = NULL;
	}
	for (int u = U_N - 1; u >= 0; u--) {
		if (u == U_ADMIN && f->made_db && f->ses[u] != NULL) {
			int rc = folio_db_drop(f->ses[u], SB_DB);

			if (rc != 0)
				bench_fail("folio_secbench", "folio_db_drop", rc);
			f->made_db = 0;
		}
		folio_session_free(f->ses[u]);
		f->ses[u] = NULL;
	}
	folio_server_close(f->srv);
	f->srv = NULL;
}

/* The directory outlives a database on a server: an earlier run's entries are fine. */
#define TRY_ADD(what, call)                                                              \
	do {                                                                             \
		int rc_ = (call);                                                        \
		if (rc_ != 0 && rc_ != FOLIO_EEXISTS)                                    \
			return bench_fail("folio_secbench", what, rc_);                                         \
	} while (0)

#define TRY(what, call)                                                                  \
	do {                                                                             \
		int rc_ = (call);                                                        \
		if (rc_ != 0)                                                            \
			return bench_fail("folio_secbench", what, rc_);                                         \
	} while (0)

/*
 * The directory: u directly in g01..g10, and g11..g20 each holding one of
 * those (nested), so u's Session has 20 groups; boss; the other names of
 * the pool as users v01..v07 in groups h01..h30.
 */
static int make_directory(folio_session *a)
{
	char g[8], m[8];

	TRY_ADD("folio_user_add u", folio_user_add(a, "u", "secbench-u"));
	TRY_ADD("folio_user_add boss", folio_user_add(a, "boss", "secbench-boss"));
	for (int i = 1; i <= 10; i++) {
		snprintf(g, sizeof(g), "g%02d", i);
		TRY_ADD("folio_group_add", folio_group_add(a, g, "u"));
	}
	for (int i = 11; i <= 20; i++) {
		snprintf(g, sizeof(g), "g%02d", i);
		snprintf(m, sizeof(m), "g%02d", i - 10);
		TRY_ADD("folio_group_add (nested)", folio_group_add(a, g, m));
	}
	for (int i = 1; i <= 7; i++) {
		snprintf(m, sizeof(m), "v%02d", i);
		TRY_ADD("folio_user_add", folio_user_add(a, m, "secbench-v"));
	}
	for (int i = 1; i <= 30; i++) {
		snprintf(g, sizeof(g), "h%02d", i);
		snprintf(m, sizeof(m), "v%02d", 1 + (i - 1) % 7);
		TRY_ADD("folio_group_add", folio_group_add(a, g, m));
	}
	return 0;
}

static int make_acl(folio_session *a)
{
	char role[8];

	for (int i = 1; i <= 10; i++) {
		snprintf(role, sizeof(role), "[r%d]", i);
		TRY("folio_role_add", folio_role_add(a, SB_DB, role));
	}
	TRY("folio_acl_set u", folio_acl_set(a, SB_DB, "u", FOLIO_ACL_READER, 0,
					     "[r1],[r2],[r3],[r4],[r5]"));
	/* a new database gives "*" editor, which would outrank u's reader entry */
	TRY("folio_acl_set *", folio_acl_set(a, SB_DB, "*", FOLIO_ACL_READER, 0, NULL));
	TRY("folio_acl_set boss", folio_acl_set(a, SB_DB, "boss", FOLIO_ACL_READER, 0, NULL));
	return 0;
}

static int fill(folio_store *st, const gen_doc *docs, unsigned n)
{
	folio_batch *b = NULL;
	int rc;

	rc = folio_batch_open(&b, st, 0);
	if (rc != 0)
		return bench_fail("folio_secbench", "folio_batch_open", rc);
	for (unsigned i = 0; i < n; i++) {
		rc = folio_batch_put(b, docs[i].json, docs[i].len);
		if (rc != 0) {
			bench_fail("folio_secbench", "folio_batch_put", rc);
			goto out;
		}
	}
	rc = folio_batch_commit(b);
	if (rc != 0)
		bench_fail("folio_secbench", "folio_batch_commit", rc);
out:
	folio_batch_free(b);
	return rc == 0 ? 0 : -1;
}

/* Server, administrator, directory, database, ACL, store, documents, Sessions. */
static int setup(sb_ctx *f, const sopts *o, const char *dir, const gen_doc *docs)
{
	folio_session *a;
	int rc;

	if (o->server != NULL) {
		snprintf(f->url, sizeof(f->url), "%s", o->server);
	} else {
		int n = snprintf(f->fpath, sizeof(f->fpath), "%s/folio.db", dir);

		if (n < 0 || (size_t)n >= sizeof(f->fpath)) {
			fprintf(stderr, "folio_secbench: path too long: %s\n", dir);
			return -1;
		}
		remove_db(f->fpath);
		snprintf(f->url, sizeof(f->url), "sqlite:%s", f->fpath);
	}
	TRY("folio_server_open", folio_server_open(&f->srv, f->url, NULL));
	TRY("folio_session_open_admin", folio_session_open_admin(&f->ses[U_ADMIN], f->srv));
	a = f->ses[U_ADMIN];
	if (o->server != NULL) {
		rc = folio_db_exists(a, SB_DB);
		if (rc < 0)
			return bench_fail("folio_secbench", "folio_db_exists", rc);
		if (rc == 1) {
			printf("folio_secbench: dropping the database %s left by an earlier run\n",
			       SB_DB);
			TRY("folio_db_drop", folio_db_drop(a, SB_DB));
		}
	}
	TRY("folio_db_create", folio_db_create(a, SB_DB));
	f->made_db = o->server != NULL;
	if (make_directory(a) != 0 || make_acl(a) != 0)
		return -1;
	TRY("folio_store_create", folio_store_create(a, SB_DB, SB_STORE, SB_FIELDS));
	TRY("folio_store_open", folio_store_open(&f->st[U_ADMIN], a, SB_DB, SB_STORE));
	if (fill(f->st[U_ADMIN], docs, o->docs) != 0)
		return -1;
	TRY("folio_session_open boss", folio_session_open(&f->ses[U_BOSS], f->srv, "boss", NULL));
	TRY("folio_session_open u", folio_session_open(&f->ses[U_U], f->srv, "u", NULL));
	TRY("folio_store_open boss", folio_store_open(&f->st[U_BOSS], f->ses[U_BOSS], SB_DB,
						      SB_STORE));
	TRY("folio_store_open u", folio_store_open(&f->st[U_U], f->ses[U_U], SB_DB, SB_STORE));
	return 0;
}

/* ------------------------------------------------------------- queries */

typedef struct qparam {
	const char *city;
	int age;
	unsigned seed; /* q4: the run's UNIDs */
} qparam;

static int cursor_setup(folio_cursor **out, folio_store *st, int kind, const qparam *p)
{
	folio_cursor *c = NULL;
	char sel[256];
	int rc;

	*out = NULL;
	rc = folio_cursor_open(&c, st);
	if (rc != 0)
		return bench_fail("folio_secbench", "folio_cursor_open", rc);
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
	default:
		rc = folio_cursor_query(c, "{}");
		break;
	}
	if (rc != 0) {
		folio_cursor_free(c);
		return bench_fail("folio_secbench", "setting up the cursor", rc);
	}
	*out = c;
	return 0;
}

/* One run of `kind` for store st: adds the rows it saw to *rows. */
static int run_one(folio_store *st, int kind, const qparam *p, unsigned n_docs,
		   unsigned long long *rows)
{
	folio_cursor *c = NULL;
	const char *json;
	int rc;

	if (kind == K_LOAD) {
		rng r = { 0x9E3779B97F4A7C15ull ^ ((uint64_t)p->seed * 0xBF58476D1CE4E5B9ull) };

		for (unsigned i = 0; i < LOADS_PER_RUN; i++) {
			char unid[16];
			folio_doc *d = NULL;

			snprintf(unid, sizeof(unid), "doc%06u", 1 + rng_below(&r, n_docs));
			rc = folio_doc_load(&d, st, unid);
			folio_doc_free(d);
			if (rc == 0)
				(*rows)++;
			else if (rc != FOLIO_ENOTFOUND)
				return bench_fail("folio_secbench", "folio_doc_load", rc);
		}
		return 0;
	}
	if (cursor_setup(&c, st, kind, p) != 0)
		return -1;
	if (kind == K_COUNT) {
		int64_t n = 0;

		rc = folio_cursor_count(c, &n);
		folio_cursor_free(c);
		if (rc != 0)
			return bench_fail("folio_secbench", "folio_cursor_count", rc);
		*rows += (unsigned long long)n;
		return 0;
	}
	for (;;) {
		rc = folio_cursor_next(c, &json);
		if (rc != 1)
			break;
		(*rows)++;
	}
	folio_cursor_free(c);
	if (rc != 0)
		return bench_fail("folio_secbench", "folio_cursor_next", rc);
	return 0;
}

/* The expected rows of a run of q1 or q2 for u and for the others. */
static void expect_rows(const gen_doc *docs, const unsigned char *readable, unsigned n, int kind,
			const qparam *p, unsigned long long *all, unsigned long long *of_u)
{
	unsigned a = 0, v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (strcmp(docs[i].city, p->city) != 0 || (kind == K_Q1 && docs[i].age <= p->age))
			continue;
		a++;
		v += readable[i];
	}
	if (kind == K_TOP) {
		a = a < PAGE_SIZE ? a : PAGE_SIZE;
		v = v < PAGE_SIZE ? v : PAGE_SIZE;
	}
	*all += a;
	*of_u += v;
}

static unsigned long long expect_loads(const unsigned char *readable, unsigned n, const qparam *p,
				       int of_u)
{
	rng r = { 0x9E3779B97F4A7C15ull ^ ((uint64_t)p->seed * 0xBF58476D1CE4E5B9ull) };
	unsigned long long found = 0;

	for (unsigned i = 0; i < LOADS_PER_RUN; i++) {
		unsigned k = rng_below(&r, n);

		found += of_u ? readable[k] : 1;
	}
	return found;
}

/* ------------------------------------------------------------- plans */

static void print_params(const char *const *vals, int n)
{
	if (n <= 0)
		return;
	printf("-- parameters:");
	for (int i = 0; i < n; i++)
		printf(" %s", vals[i]);
	printf("\n");
}

static void sq_plan(const char *path, const char *sql, const char *const *vals, int n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char *eqp = NULL;
	int seen[64][2], nseen = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		printf("   (no plan: open %s: %s)\n", path, sqlite3_errmsg(db));
		goto out;
	}
	if (asprintf(&eqp, "EXPLAIN QUERY PLAN %s", sql) < 0) {
		eqp = NULL;
		goto out;
	}
	if (sqlite3_prepare_v2(db, eqp, -1, &s, NULL) != SQLITE_OK) {
		printf("   (no plan: %s)\n", sqlite3_errmsg(db));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char *end;
		long long v = strtoll(vals[i], &end, 10);

		if (*vals[i] != '\0' && *end == '\0')
			sqlite3_bind_int64(s, i + 1, v);
		else
			sqlite3_bind_text(s, i + 1, vals[i], -1, SQLITE_TRANSIENT);
	}
	printf("-- EXPLAIN QUERY PLAN:\n");
	while (sqlite3_step(s) == SQLITE_ROW) {
		int id = sqlite3_column_int(s, 0), parent = sqlite3_column_int(s, 1);
		int depth = 0;

		for (int i = 0; i < nseen; i++) {
			if (seen[i][0] == parent)
				depth = seen[i][1] + 1;
		}
		if (nseen < 64) {
			seen[nseen][0] = id;
			seen[nseen++][1] = depth;
		}
		printf("   %*s%s\n", 2 * depth, "", (const char *)sqlite3_column_text(s, 3));
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(eqp);
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

static void pq_plan(const char *url, const char *sql, const char *const *vals, int n)
{
	PGconn *pg = PQconnectdb(url);
	PGresult *res = NULL;
	char *d = NULL, *ex = NULL;

	if (PQstatus(pg) != CONNECTION_OK) {
		printf("   (no plan: %s)\n", PQerrorMessage(pg));
		goto out;
	}
	d = dollar_sql(sql);
	if (d == NULL || asprintf(&ex, "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) %s", d) < 0) {
		ex = NULL;
		goto out;
	}
	res = PQexecParams(pg, ex, n, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		printf("   (no plan: %s)\n", PQresultErrorMessage(res));
		goto out;
	}
	printf("-- EXPLAIN (ANALYZE, BUFFERS), custom plan:\n");
	for (int i = 0; i < PQntuples(res); i++)
		printf("   %s\n", PQgetvalue(res, i, 0));
out:
	PQclear(res);
	PQfinish(pg);
	free(d);
	free(ex);
}

/* folio_cursor_explain() of a run, then the engine's plan for that SQL. */
static void explain(sb_ctx *f, const sopts *o, int user, int kind, const qparam *p)
{
	folio_cursor *c;
	char *ex = NULL;
	json_object *obj = NULL, *sqlv, *params;
	const char *vals[64];
	char text[64][32];
	int n = 0, rc, marks = 0;
	const char *sql;

	if (cursor_setup(&c, f->st[user], kind, p) != 0)
		return;
	rc = folio_cursor_explain(c, &ex);
	folio_cursor_free(c);
	if (rc != 0) {
		bench_fail("folio_secbench", "folio_cursor_explain", rc);
		return;
	}
	printf("\n-- %s, %s: folio_cursor_explain:\n%s\n", kind_names[kind], user_names[user],
	       ex);
	obj = json_tokener_parse(ex);
	if (obj == NULL || !json_object_object_get_ex(obj, "sql", &sqlv) ||
	    !json_object_object_get_ex(obj, "params", &params))
		goto out;
	sql = json_object_get_string(sqlv);
	for (size_t i = 0; i < json_object_array_length(params) && n < 60; i++) {
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
		snprintf(text[n], sizeof(text[n]), "%d", kind == K_TOP ? PAGE_SIZE : FOLIO_PAGE);
		vals[n] = text[n];
		n++;
		snprintf(text[n], sizeof(text[n]), "0");
		vals[n] = text[n];
		n++;
	}
	print_params(vals, n);
	if (o->server != NULL)
		pq_plan(o->server, sql, vals, n);
	else
		sq_plan(f->fpath, sql, vals, n);
out:
	json_object_put(obj);
	free(ex);
}

/* PostgreSQL: VACUUM ANALYZE after the import, what autovacuum would do. */
static int pg_analyze(const char *url)
{
	PGconn *pg = PQconnectdb(url);
	PGresult *res;
	int rc = 0;

	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "folio_secbench: %s", PQerrorMessage(pg));
		PQfinish(pg);
		return -1;
	}
	res = PQexec(pg, "VACUUM ANALYZE");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "folio_secbench: VACUUM ANALYZE: %s", PQresultErrorMessage(res));
		rc = -1;
	}
	PQclear(res);
	PQfinish(pg);
	return rc;
}

/* ---------------------------------------------------------------- main */

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

int main(int argc, char **argv)
{
	sopts o = { 0 };
	gen_doc *docs = NULL;
	unsigned char *readable = NULL;
	qparam *params[K_N] = { 0 };
	double best[K_N][U_N];
	unsigned long long rows[K_N][U_N], want[K_N][U_N];
	const char *cities[MAX_CITIES];
	unsigned ncities, restricted = 0;
	long visible;
	size_t total = 0;
	char tmpl[PATH_MAX], where[URL_SHOWN_MAX];
	const char *dir = NULL;
	int made_dir = 0, rc = 1, missed = 0, wrong = 0, oom = 0;
	sb_ctx f = { 0 };
	double t0, tsetup;

	if (parse_opts(&o, argc, argv) != 0)
		return 2;
	if (o.server != NULL) {
		dir = "";
	} else if (o.dir != NULL) {
		dir = o.dir;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "folio_secbench: mkdir %s: %s\n", dir, strerror(errno));
			return 1;
		}
	} else {
		const char *t = getenv("TMPDIR");

		int n = snprintf(tmpl, sizeof(tmpl), "%s/folio-secbench-XXXXXX",
				 t && *t ? t : "/tmp");

		if (n < 0 || (size_t)n >= sizeof(tmpl)) {
			fprintf(stderr, "folio_secbench: TMPDIR too long\n");
			return 1;
		}
		if (mkdtemp(tmpl) == NULL) {
			fprintf(stderr, "folio_secbench: mkdtemp %s: %s\n", tmpl, strerror(errno));
			return 1;
		}
		dir = tmpl;
		made_dir = 1;
	}

	pool_init();
	docs = gen_all(o.docs, &total);
	readable = calloc(o.docs, 1);
	for (int k = 0; k < K_N; k++) {
		params[k] = calloc(o.runs, sizeof(*params[k]));
		oom |= params[k] == NULL;
	}
	if (oom || docs == NULL || readable == NULL)
		goto oom;
	visible = add_readers(docs, o.docs, readable, &restricted);
	if (visible < 0)
		goto oom;
	total = 0;
	for (unsigned i = 0; i < o.docs; i++)
		total += docs[i].len;
	ncities = city_list(cities, docs, o.docs);
	for (int k = 0; k < K_N; k++) {
		rng r = { 0x2545F4914F6CDD1Dull + (uint64_t)k * 0x9E3779B97F4A7C15ull };

		for (unsigned i = 0; i < o.runs; i++) {
			params[k][i].city = cities[rng_below(&r, ncities)];
			params[k][i].age = 20 + (int)rng_below(&r, 11);
			params[k][i].seed = i + 1;
		}
	}
	memset(want, 0, sizeof(want));
	for (int k = 0; k < K_N; k++) {
		for (unsigned i = 0; i < o.runs; i++) {
			unsigned long long all = 0, of_u = 0;

			if (k == K_COUNT) {
				all = o.docs;
				of_u = (unsigned long long)visible;
			} else if (k == K_LOAD) {
				all = expect_loads(readable, o.docs, &params[k][i], 0);
				of_u = expect_loads(readable, o.docs, &params[k][i], 1);
			} else {
				expect_rows(docs, readable, o.docs, k, &params[k][i], &all, &of_u);
			}
			want[k][U_ADMIN] += all;
			want[k][U_BOSS] += all;
			want[k][U_U] += of_u;
		}
	}

	if (o.server != NULL) {
		url_shown(where, sizeof(where), o.server);
		printf("folio_secbench: %u documents, %u with _readers (u may read %ld of all), "
		       "%zu bytes of JSON, on %s\n",
		       o.docs, restricted, visible, total, where);
	} else {
		printf("folio_secbench: %u documents, %u with _readers (u may read %ld of all), "
		       "%zu bytes of JSON, in %s\n",
		       o.docs, restricted, visible, total, dir);
	}
	fflush(stdout);

	t0 = bench_now();
	if (setup(&f, &o, dir, docs) != 0)
		goto out;
	if (o.server != NULL && pg_analyze(o.server) != 0)
		goto out;
	tsetup = bench_now() - t0;
	{
		const char *const *g = folio_session_groups(f.ses[U_U]);
		int ng = 0;
		int level = -1;
		folio_strlist *roles = NULL;

		while (g != NULL && g[ng] != NULL)
			ng++;
		if (folio_acl_access(f.ses[U_U], SB_DB, &level, NULL, &roles) != 0) {
			bench_fail("folio_secbench", "folio_acl_access", -1);
			goto out;
		}
		printf("set-up (not measured): %.2f s; u: %d groups, %zu roles, level %s\n",
		       tsetup, ng, roles ? roles->count : 0, folio_acl_level_name(level));
		folio_strlist_free(roles);
	}

	printf("\n==== plans (the first run's parameters) ====\n");
	explain(&f, &o, U_U, K_Q1, &params[K_Q1][0]);
	explain(&f, &o, U_ADMIN, K_Q1, &params[K_Q1][0]);
	explain(&f, &o, U_U, K_COUNT, &params[K_COUNT][0]);
	printf("==== end of plans ====\n\n");
	fflush(stdout);

	for (int k = 0; k < K_N; k++) {
		for (int u = 0; u < U_N; u++)
			best[k][u] = 1e300;
		for (unsigned pass = 0; pass < o.repeat; pass++) {
			printf("%-14s pass %u:", kind_names[k], pass + 1);
			for (int u = 0; u < U_N; u++) {
				double t;

				rows[k][u] = 0;
				t0 = bench_now();
				for (unsigned i = 0; i < o.runs; i++) {
					if (run_one(f.st[u], k, &params[k][i], o.docs,
						    &rows[k][u]) != 0)
						goto out;
				}
				t = bench_now() - t0;
				if (t < best[k][u])
					best[k][u] = t;
				printf(" %s %.3f s", user_names[u], t);
			}
			printf("\n");
			fflush(stdout);
		}
		for (int u = 0; u < U_N; u++) {
			if (rows[k][u] == want[k][u])
				continue;
			fprintf(stderr, "WRONG ROWS: %s, %s saw %llu rows, expected %llu\n",
				kind_names[k], user_names[u], rows[k][u], want[k][u]);
			wrong++;
		}
	}

	printf("\nfolio_secbench %s: %u documents (%zu bytes on average), %u runs per query, "
	       "best of %u, engine %s\n",
	       folio_version(), o.docs, total / o.docs, o.runs, o.repeat,
	       o.server != NULL ? "postgresql" : "sqlite");
	printf("users:    admin = folio_session_open_admin (no read condition); boss = named in "
	       "every _readers (condition, all visible);\n"
	       "          u = 20 groups (10 nested), 5 roles, reader: may read %ld of %u "
	       "(%u with _readers, %ld of them)\n",
	       visible, o.docs, restricted, visible - (long)(o.docs - restricted));
	printf("\n%-14s %9s %9s %9s %7s %7s %6s %6s %9s %9s %9s\n", "query", "admin s", "boss s",
	       "u s", "u/admin", "u/boss", "target", "result", "rows/q a", "rows/q b",
	       "rows/q u");
	for (int k = 0; k < K_N; k++) {
		double ra = best[k][U_U] / best[k][U_ADMIN];
		double rb = best[k][U_U] / best[k][U_BOSS];
		int pass = rb <= TARGET_SECURITY;

		missed += !pass;
		printf("%-14s %9.3f %9.3f %9.3f %7.2f %7.2f %6.2f %6s %9.1f %9.1f %9.1f%s\n",
		       kind_names[k], best[k][U_ADMIN], best[k][U_BOSS], best[k][U_U], ra, rb,
		       TARGET_SECURITY, pass ? "PASS" : "FAIL", (double)rows[k][U_ADMIN] / o.runs,
		       (double)rows[k][U_BOSS] / o.runs, (double)rows[k][U_U] / o.runs,
		       ra <= TARGET_SECURITY ? "" : "  (u/admin over 1.5)");
	}
	printf("\nresult: u/boss <= %.1f (the same SQL condition, everything visible to boss); "
	       "u/admin for information\n",
	       TARGET_SECURITY);
	if (wrong) {
		printf("FAILED: %d query kinds returned other rows than expected (see stderr)\n",
		       wrong);
		rc = 4;
		goto out;
	}
	printf("check: every Session saw exactly the rows it may read\n");
	rc = o.strict && missed ? 3 : 0;
	goto out;
oom:
	fprintf(stderr, "folio_secbench: out of memory\n");
out:
	sb_close(&f);
	for (int k = 0; k < K_N; k++)
		free(params[k]);
	free(readable);
	gen_free(docs, o.docs);
	if (made_dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
