/*
 * folio_bench: the PostgreSQL baseline. Raw libpq on the server folio runs
 * on, the way an application that already has its values would write it:
 * one table with the three fields as columns and an index on each, filled in
 * one transaction, either by COPY FROM STDIN (text format) or by a prepared
 * INSERT sent in pipeline mode (libpq 14 and later); loads are a prepared
 * SELECT by primary key, one round trip each. The table is dropped at the
 * end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "bench.h"

#define TABLE "bench_baseline_docs"

/* COPY data goes to libpq in chunks of about this many bytes. */
#define COPY_CHUNK (256 * 1024)

/* In pipeline mode, the socket is flushed and results read every this many INSERTs. */
#define PIPE_PUMP_EVERY 64

enum { V_COPY = 0, V_PIPELINE = 1 };

typedef struct pg_ctx {
	PGconn *pg;
	int no_checkpoint; /* CHECKPOINT was refused once: not asked again */
} pg_ctx;

/* A libpq message without its "ERROR:  " label; print its first line only. */
static const char *unlabel(const char *msg)
{
	return strncmp(msg, "ERROR:  ", 8) == 0 ? msg + 8 : msg;
}

static int pg_fail(pg_ctx *c, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";

	if (msg[0] == '\0')
		msg = c && c->pg ? PQerrorMessage(c->pg) : "out of memory";
	msg = unlabel(msg);
	fprintf(stderr, "folio_bench: baseline postgresql: %s: %.*s\n", what,
		(int)strcspn(msg, "\n"), msg);
	return -1;
}

/* Runs SQL without parameters or rows. */
static int pg_run(pg_ctx *c, const char *sql, const char *what)
{
	PGresult *res = PQexec(c->pg, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(c, res, what);
	PQclear(res);
	return rc;
}

static void pg_close(void *vctx)
{
	pg_ctx *c = vctx;

	if (c == NULL)
		return;
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
		pg_run(c, "DROP TABLE IF EXISTS " TABLE, "drop the table");
	PQfinish(c->pg);
	free(c);
}

/* Connects as folio's driver does: the URL as given, the encoding UTF8. */
static int pg_connect(pg_ctx *c, const char *url)
{
	const char *const keys[] = { "fallback_application_name", "dbname", "client_encoding",
				     NULL };
	const char *const values[] = { "folio_bench", url, "UTF8", NULL };

	c->pg = PQconnectdbParams(keys, values, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)
		return pg_fail(c, NULL, "connect");
	/* No NOTICE for the DROP TABLE IF EXISTS of the first reset. */
	return pg_run(c, "SET client_min_messages = warning", "connect");
}

static int pg_reset(void **out, const char *dir, const bench_opts *o)
{
	static const char *const ddl =
		"DEALLOCATE ALL;"
		"DROP TABLE IF EXISTS " TABLE ";"
		"CREATE TABLE " TABLE "(id TEXT PRIMARY KEY, json TEXT NOT NULL, city TEXT, "
		"age DOUBLE PRECISION, name TEXT);"
		"CREATE INDEX " TABLE "_city ON " TABLE "(city);"
		"CREATE INDEX " TABLE "_age ON " TABLE "(age);"
		"CREATE INDEX " TABLE "_name ON " TABLE "(name);";
	pg_ctx *c = *out;

	(void)dir;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return pg_fail(NULL, NULL, "reset");
		*out = c;
		if (pg_connect(c, o->server) != 0)
			return -1;
	}
	return pg_run(c, ddl, "create the table");
}

/*
 * A checkpoint before each timed phase, so that no phase pays for the pages
 * an earlier one left dirty. Needs superuser or pg_checkpoint; without
 * either the run goes on, noisier.
 */
static void pg_settle(void *vctx)
{
	pg_ctx *c = vctx;
	PGresult *res;

	if (c == NULL || c->no_checkpoint)
		return;
	res = PQexec(c->pg, "CHECKPOINT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *msg = unlabel(PQresultErrorMessage(res));

		printf("NOTE: CHECKPOINT before each phase refused (%.*s): a phase may pay for "
		       "the writes of the one before\n",
		       (int)strcspn(msg, "\n"), msg);
		c->no_checkpoint = 1;
	}
	PQclear(res);
}

/* ---------------------------------------------------------------- COPY */

typedef struct copybuf {
	char *p;
	size_t len, cap;
} copybuf;

/* Makes room for `more` bytes; the cap is what one document row can need. */
static int copy_room(copybuf *b, size_t more)
{
	char *p;
	size_t cap;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->len + more > 2 * b->cap ? b->len + more : 2 * b->cap;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/*
 * Appends `s` escaped for COPY's text format: backslash, and the delimiter
 * (tab) and line ends it would otherwise mistake. Room for twice the length
 * is there already.
 */
static void copy_text(copybuf *b, const char *s, size_t len)
{
	char *o = b->p + b->len;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		switch (ch) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			*o++ = ch;
		}
	}
	b->len = (size_t)(o - b->p);
}

static int copy_flush(pg_ctx *c, copybuf *b)
{
	if (b->len == 0)
		return 0;
	if (PQputCopyData(c->pg, b->p, (int)b->len) != 1)
		return pg_fail(c, NULL, "COPY data");
	b->len = 0;
	return 0;
}

static int import_copy(pg_ctx *c, const gen_doc *docs, unsigned n)
{
	copybuf b = { NULL, 0, 0 };
	PGresult *res = NULL;
	int rc = -1, in_copy = 0;

	if (copy_room(&b, COPY_CHUNK) != 0) {
		pg_fail(c, NULL, "out of memory");
		goto out;
	}
	if (pg_run(c, "BEGIN", "begin") != 0)
		goto out;
	res = PQexec(c->pg, "COPY " TABLE "(id, json, city, age, name) FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pg_fail(c, res, "COPY");
		goto out;
	}
	PQclear(res);
	res = NULL;
	in_copy = 1;
	for (unsigned i = 0; i < n; i++) {
		const gen_doc *d = &docs[i];
		size_t ul = strlen(d->unid), cl = strlen(d->city), nl = strlen(d->name);
		/* Every byte may double; four tabs, the age, the line end. */
		size_t worst = 2 * (ul + d->len + cl + nl) + 4 + 16 + 1;

		if (b.len + worst > b.cap && copy_flush(c, &b) != 0)
			goto out;
		if (copy_room(&b, worst) != 0) {
			pg_fail(c, NULL, "out of memory");
			goto out;
		}
		/* The generator hands the three values over: no JSON parse here. */
		copy_text(&b, d->unid, ul);
		b.p[b.len++] = '\t';
		copy_text(&b, d->json, d->len);
		b.p[b.len++] = '\t';
		copy_text(&b, d->city, cl);
		b.len += (size_t)snprintf(b.p + b.len, b.cap - b.len, "\t%d\t", d->age);
		copy_text(&b, d->name, nl);
		b.p[b.len++] = '\n';
	}
	if (copy_flush(c, &b) != 0)
		goto out;
	in_copy = 0;
	if (PQputCopyEnd(c->pg, NULL) != 1) {
		pg_fail(c, NULL, "end of COPY");
		goto out;
	}
	res = PQgetResult(c->pg);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(c, res, "COPY");
		goto out;
	}
	PQclear(res);
	res = PQgetResult(c->pg); /* NULL: the COPY is over */
	if (pg_run(c, "COMMIT", "commit") != 0)
		goto out;
	rc = 0;
out:
	if (in_copy) {
		PQputCopyEnd(c->pg, "folio_bench gave up");
		PQclear(res);
		res = PQgetResult(c->pg);
	}
	/* Whatever is left of the COPY's results. */
	while (res != NULL) {
		PQclear(res);
		res = PQgetResult(c->pg);
	}
	if (rc != 0 && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		pg_run(c, "ROLLBACK", "rollback");
	free(b.p);
	return rc;
}

/* ------------------------------------------------------------ pipeline */

#ifdef LIBPQ_HAS_PIPELINING

/* Where a pipeline stands: commands sent, their results read, the first error. */
typedef struct pipe_state {
	unsigned long sent;   /* commands queued (BEGIN, the INSERTs, COMMIT) */
	unsigned long got;    /* commands whose results are read to the end */
	int synced;           /* the sync is queued: the last result to read */
	int sync_seen;
	char err[400];        /* the first error, "" for none */
} pipe_state;

/* Reads the results that have arrived, without waiting. */
static int pipe_read(pg_ctx *c, pipe_state *ps)
{
	if (!PQconsumeInput(c->pg))
		return pg_fail(c, NULL, "read the pipeline's results");
	while (!PQisBusy(c->pg)) {
		PGresult *res;
		ExecStatusType st;

		if (ps->got == ps->sent && (!ps->synced || ps->sync_seen))
			break;
		res = PQgetResult(c->pg);
		if (res == NULL) {
			ps->got++; /* one command's results are over */
			continue;
		}
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			ps->sync_seen = 1;
		} else if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED &&
			   ps->err[0] == '\0') {
			const char *msg = unlabel(PQresultErrorMessage(res));

			snprintf(ps->err, sizeof(ps->err), "%.*s", (int)strcspn(msg, "\n"), msg);
		}
		PQclear(res);
	}
	return 0;
}

/*
 * Sends what libpq holds and reads what has come back, waiting on the
 * socket while there is something to send, and with `all` until every
 * result up to the sync is read. Reading while sending is what keeps the
 * two sides from blocking on each other's full buffers.
 */
static int pipe_pump(pg_ctx *c, pipe_state *ps, int all)
{
	for (;;) {
		struct pollfd pfd;
		int f = PQflush(c->pg);

		if (f < 0)
			return pg_fail(c, NULL, "send the pipeline");
		if (pipe_read(c, ps) != 0)
			return -1;
		if (f == 0 && (!all || ps->sync_seen))
			return 0;
		pfd.fd = PQsocket(c->pg);
		pfd.events = POLLIN | (f == 1 ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "folio_bench: baseline postgresql: poll: %s\n",
				strerror(errno));
			return -1;
		}
	}
}

static int pipe_send(pg_ctx *c, pipe_state *ps, const char *sql)
{
	if (!PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
		return pg_fail(c, NULL, sql);
	ps->sent++;
	return 0;
}

static int import_pipeline(pg_ctx *c, const gen_doc *docs, unsigned n)
{
	pipe_state ps = { 0 };
	PGresult *res;
	int rc = -1, in_pipe = 0;

	res = PQprepare(c->pg, "bench_ins",
			"INSERT INTO " TABLE "(id, json, city, age, name) "
			"VALUES ($1,$2,$3,$4,$5)",
			5, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(c, res, "prepare the insert");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	if (!PQenterPipelineMode(c->pg) || PQsetnonblocking(c->pg, 1) != 0) {
		pg_fail(c, NULL, "pipeline mode");
		goto out;
	}
	in_pipe = 1;
	if (pipe_send(c, &ps, "BEGIN") != 0)
		goto out;
	for (unsigned i = 0; i < n && ps.err[0] == '\0'; i++) {
		char age[16];
		const char *values[5];

		/* The generator hands the three values over: no JSON parse here. */
		snprintf(age, sizeof(age), "%d", docs[i].age);
		values[0] = docs[i].unid;
		values[1] = docs[i].json;
		values[2] = docs[i].city;
		values[3] = age;
		values[4] = docs[i].name;
		if (!PQsendQueryPrepared(c->pg, "bench_ins", 5, values, NULL, NULL, 0)) {
			pg_fail(c, NULL, "insert");
			goto out;
		}
		ps.sent++;
		if (i % PIPE_PUMP_EVERY == PIPE_PUMP_EVERY - 1 && pipe_pump(c, &ps, 0) != 0)
			goto out;
	}
	if (pipe_send(c, &ps, "COMMIT") != 0)
		goto out;
	if (!PQpipelineSync(c->pg)) {
		pg_fail(c, NULL, "pipeline sync");
		goto out;
	}
	ps.synced = 1;
	if (pipe_pump(c, &ps, 1) != 0)
		goto out;
	if (ps.err[0] != '\0') {
		fprintf(stderr, "folio_bench: baseline postgresql: pipelined insert: %s\n", ps.err);
		goto out;
	}
	rc = 0;
out:
	if (in_pipe) {
		PQsetnonblocking(c->pg, 0);
		/* Fails while results are unread (after an error): the connection is done for. */
		if (!PQexitPipelineMode(c->pg) && rc == 0)
			rc = pg_fail(c, NULL, "leave pipeline mode");
	}
	if (rc != 0 && PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF &&
	    PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		pg_run(c, "ROLLBACK", "rollback");
	return rc;
}

#endif /* LIBPQ_HAS_PIPELINING */

static int pg_import(void *vctx, const gen_doc *docs, unsigned n, int variant)
{
	pg_ctx *c = vctx;

#ifdef LIBPQ_HAS_PIPELINING
	if (variant == V_PIPELINE)
		return import_pipeline(c, docs, n);
#endif
	(void)variant;
	return import_copy(c, docs, n);
}

/* ---------------------------------------------------------------- load */

static int pg_load(void *vctx, const gen_doc *docs, const unsigned *order, unsigned n,
		   size_t *bytes)
{
	pg_ctx *c = vctx;
	PGresult *res;
	int rc = -1, prepared = 0;

	res = PQprepare(c->pg, "bench_sel", "SELECT json FROM " TABLE " WHERE id=$1", 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(c, res, "prepare the select");
		goto out;
	}
	prepared = 1;
	for (unsigned i = 0; i < n; i++) {
		const char *id = docs[order[i]].unid;
		size_t len;
		char *copy;

		PQclear(res);
		res = PQexecPrepared(c->pg, "bench_sel", 1, &id, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			pg_fail(c, res, "select");
			goto out;
		}
		/* The user gets a copy of the text, as folio_doc_get_json() gives one. */
		len = (size_t)PQgetlength(res, 0, 0);
		copy = malloc(len + 1);
		if (copy == NULL) {
			pg_fail(c, NULL, "out of memory");
			goto out;
		}
		memcpy(copy, PQgetvalue(res, 0, 0), len + 1);
		*bytes += len;
		free(copy);
	}
	rc = 0;
out:
	PQclear(res);
	if (prepared && pg_run(c, "DEALLOCATE bench_sel", "deallocate the select") != 0)
		rc = -1;
	return rc;
}

const baseline baseline_pg = {
	.engine = "postgresql",
	.shared_cache = 1,
	.description = "raw libpq on the same server, table " TABLE "(id TEXT PRIMARY KEY, json "
		       "TEXT NOT NULL, city TEXT, age DOUBLE PRECISION, name TEXT), indexes on "
		       "city, age, name, one transaction; the generator hands it city/age/name "
		       "directly (no JSON parse); import: COPY FROM STDIN (text) or a prepared "
		       "INSERT in pipeline mode, the faster counts; load: a prepared SELECT by id",
#ifdef LIBPQ_HAS_PIPELINING
	.n_variants = 2,
	.variant_names = { "copy", "pipeline" },
#else
	.n_variants = 1,
	.variant_names = { "copy" },
#endif
	.reset = pg_reset,
	.import = pg_import,
	.load = pg_load,
	.settle = pg_settle,
	.close = pg_close,
};
