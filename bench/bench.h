/*
 * folio_bench, internal: what the parts of the benchmark share. The
 * generator (bench_gen.c), the hand-written baselines (baseline_sqlite.c,
 * baseline_pg.c) and the run with its report (bench_core.c).
 */
#ifndef FOLIO_BENCH_H
#define FOLIO_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------- the generator */

/* A fixed-seed xorshift64 generator: every run sees the same numbers. */
typedef struct rng {
	uint64_t s;
} rng;

unsigned rng_below(rng *r, unsigned n);

typedef struct gen_doc {
	char unid[16];
	const char *city;
	int age;
	char name[48];
	char *json;
	size_t len;
} gen_doc;

/*
 * The n documents of the workload (docs/performance.md), the bytes of JSON
 * they add up to in *total. Exits on a lack of memory; free with gen_free().
 */
gen_doc *gen_all(unsigned n, size_t *total);
void gen_free(gen_doc *docs, unsigned n);

/* ------------------------------------------------------------ options */

typedef struct bench_opts {
	unsigned docs;
	unsigned loads;
	unsigned repeat;
	const char *dir;    /* NULL: a fresh temporary directory */
	const char *server; /* a postgresql:// URL: run on that server; NULL: SQLite */
	const char *odbc;   /* an odbc: URL to the same server: folio through ODBC too */
	int strict;         /* exit 3 when a target is missed */
	int only;           /* 0 both; 'f' folio only; 'b' baseline only (for profilers) */
	int one_thread;     /* folio's batches without their writer thread */
} bench_opts;

/* ---------------------------------------------------------- baselines */

/* Import variants a baseline may offer (PostgreSQL: COPY and a pipeline). */
#define BASELINE_VARIANTS_MAX 2

/*
 * One baseline per engine: the same work as folio, written by hand against
 * the engine's own client library, the way an application without folio
 * would do it.
 */
typedef struct baseline {
	const char *engine;      /* "sqlite", "postgresql" */
	const char *description; /* one line for the report */
	/*
	 * 1 when folio and the baseline share the engine's cache (a server):
	 * then each side loads right after its own import, so that neither
	 * loads from a cache the other has just filled with its own rows.
	 */
	int shared_cache;
	/* Import variants: their names for the report (one: NULL, none shown). */
	int n_variants;
	const char *variant_names[BASELINE_VARIANTS_MAX];
	/*
	 * Makes a new, empty table (not timed); connects or opens on the first
	 * call, with *ctx NULL.
	 */
	int (*reset)(void **ctx, const char *dir, const bench_opts *o);
	/* Imports every document in one transaction, the way `variant` says (timed). */
	int (*import)(void *ctx, const gen_doc *docs, unsigned n, int variant);
	/* Loads the documents of `order` by id; adds the bytes read to *bytes. */
	int (*load)(void *ctx, const gen_doc *docs, const unsigned *order, unsigned n,
		    size_t *bytes);
	/*
	 * Optional: brings the engine to a quiet state before each timed phase
	 * of either side (not timed), so that neither pays for the other's
	 * writes.
	 */
	void (*settle)(void *ctx);
	/* Removes what the baseline made on a server and disconnects; NULL is a no-op. */
	void (*close)(void *ctx);
} baseline;

extern const baseline baseline_sqlite;
extern const baseline baseline_pg;

/* ------------------------------------------------------------- helpers */

/* Formats a path into a `size` buffer; -1 (and a message) when it does not fit. */
int path_fmt(char *out, size_t size, const char *fmt, const char *a, const char *b)
	__attribute__((format(printf, 3, 0)));

/* Monotonic seconds (the benchmarks' timer). */
double bench_now(void);

/* A decimal option value in [min, 100000000] into *out: 0, or -1 when it is not one. */
int bench_parse_uint(const char *s, unsigned *out, unsigned min);

/* Prints "PROG: folio: WHAT: <folio_error_last()> (<code name>)" and returns -1. */
int bench_fail(const char *prog, const char *what, int rc);

/* Removes an SQLite database file and its -wal, -shm and -journal files. */
void remove_db_files(const char *path);

#endif
