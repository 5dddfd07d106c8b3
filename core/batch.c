/*
 * Batches: many documents saved in one transaction through the same write
 * path as folio_doc_save(), with the statements prepared once. The fast
 * path for imports: JSON validated in place (no DOM), and into a store
 * without deletion stubs a plain insert first, with a look-up only when the
 * UNID turns out to be taken.
 *
 * New documents are written a chunk at a time. Where the driver has a bulk
 * path (COPY on PostgreSQL, parameter arrays on ODBC, one prepared
 * single-row INSERT on SQLite: folio_doc__bulk_ok), a chunk is up to
 * FOLIO_DOC__BULK documents written by one bulk insert
 * (folio_doc__write_bulk); elsewhere FOLIO_DOC__CHUNK with one multi-row
 * INSERT (folio_doc__write_many). Anything else (an update, a `_rev`, a
 * UNID found taken) first writes the chunk, then goes alone, so documents
 * are written in the order they were put.
 *
 * On a machine with more than one core, a full chunk is written by a
 * writer thread while the caller's thread validates and prepares the next
 * ones (a ring of NCHUNKS chunks: one filling, the others queued, in
 * flight or written and waiting to be freed). Only the writer uses the
 * batch's connection while a chunk is in flight; every other use (a
 * document that goes alone, the commit, any other call on the Session:
 * folio_batch__drain) first waits for it. A failure of the writer spoils
 * the batch and is reported by the next put or the commit.
 * FOLIO_BATCH_ONE_THREAD keeps all on the caller's thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

/* New documents waiting for one insert. */
typedef struct chunk {
	folio_doc **doc;
	folio_wprep **prep;
	int *done;
	int n;
	size_t bytes;    /* their JSON text */
	folio_rows rows; /* on the bulk path, their rows, captured as they are put */
	int state;       /* CHUNK_FREE, CHUNK_QUEUED or CHUNK_WRITTEN; under mu */
} chunk;

/*
 * A chunk is filled by the caller (CHUNK_FREE), handed to the writer
 * (CHUNK_QUEUED), and given back written (CHUNK_WRITTEN) for the caller to
 * free. More than two chunks let the two threads run at their own pace:
 * one chunk slower than the others to write or to fill (a B-tree split, a
 * page-cache spill, fresh memory) no longer stops the other thread.
 */
enum { CHUNK_FREE, CHUNK_QUEUED, CHUNK_WRITTEN };
#define NCHUNKS 4

struct folio_batch {
	folio_store *st;
	chunk ch[NCHUNKS]; /* a ring: ch[fill] is being filled, ch[wnext] written */
	int fill;
	int chunk;         /* FOLIO_DOC__BULK on the bulk path, else FOLIO_DOC__CHUNK */
	int bulk;          /* the chunks go by folio_doc__write_bulk */
	folio_bulk bulkst; /* the bulk path's state (doc_write.c) */
	folio_cx *cx;
	unsigned flags;
	unsigned wflags; /* flags of folio_doc__write */
	uint64_t count;
	int open;     /* the write unit is open */
	int spoiled;  /* a put failed: the batch can only be rolled back */
	int code;
	char msg[512];

	/* The writer thread; under mu. */
	int threaded;
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int queued; /* chunks handed to the writer and not yet written */
	int wnext;  /* the next chunk the writer takes */
	int stop;
	int wcode; /* the writer's failure */
	char wmsg[512];
};

static int stubs_absent(folio_store *st, folio_cx *cx, int *absent)
{
	int db2 = strncmp(st->dialect->limit_clause, "OFFSET", 6) == 0;
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->stub_any);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	rc = rc ? rc : folio_q__int(&q, 2, db2 ? 0 : 1);
	rc = rc ? rc : folio_q__int(&q, 3, db2 ? 1 : 0);
	rc = rc ? rc : folio_q__step(&q);
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	*absent = rc == FOLIO_DONE;
	return 0;
}

static void drop_chunk(chunk *c)
{
	for (int i = 0; i < c->n; i++) {
		folio_doc__prep_free(c->prep[i]);
		folio_doc_free(c->doc[i]);
	}
	c->n = 0;
	c->bytes = 0;
}

static int chunk_alloc(chunk *c, int n)
{
	c->doc = calloc((size_t)n, sizeof(*c->doc));
	c->prep = calloc((size_t)n, sizeof(*c->prep));
	c->done = calloc((size_t)n, sizeof(*c->done));
	return c->doc && c->prep && c->done ? 0 : folio_error__oom();
}

static void batch_free_arrays(folio_batch *b)
{
	folio_doc__bulk_free(&b->bulkst);
	for (int i = 0; i < NCHUNKS; i++) {
		drop_chunk(&b->ch[i]);
		free(b->ch[i].doc);
		free(b->ch[i].prep);
		free(b->ch[i].done);
		folio_doc__rows_free(&b->ch[i].rows);
	}
}

/* Writes one prepared document by the ordinary path. */
static int write_one(folio_batch *b, folio_doc *doc, folio_wprep *prep)
{
	folio_wres r;
	int rc = folio_doc__write_prepared(doc, b->cx, b->wflags, &r, prep);
	if (rc == 0)
		folio_doc__wres_free(&r);
	return rc;
}

/* Writes a chunk: one insert for all, then one at a time what it left. */
static int write_chunk(folio_batch *b, chunk *c)
{
	int rc;

	if (c->n == 0)
		return 0;
	if (b->bulk)
		rc = folio_doc__write_bulk(c->doc, c->prep, c->n, b->cx, c->done, &b->bulkst,
					   &c->rows);
	else
		rc = folio_doc__write_many(c->doc, c->prep, c->n, b->cx, c->done);
	for (int i = 0; rc == 0 && i < c->n; i++)
		if (!c->done[i])
			rc = write_one(b, c->doc[i], c->prep[i]);
	return rc;
}

static void *writer_main(void *arg)
{
	folio_batch *b = arg;

	pthread_setname_np(pthread_self(), "folio-batch");
	pthread_mutex_lock(&b->mu);
	for (;;) {
		int rc;
		chunk *c;
		while (!b->queued && !b->stop)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->queued)
			break;
		c = &b->ch[b->wnext];
		pthread_mutex_unlock(&b->mu);
		rc = b->wcode ? 0 : write_chunk(b, c);
		pthread_mutex_lock(&b->mu);
		if (rc < 0 && !b->wcode) {
			b->wcode = rc;
			snprintf(b->wmsg, sizeof(b->wmsg), "%s", folio_error_last());
		}
		c->state = CHUNK_WRITTEN;
		b->wnext = (b->wnext + 1) % NCHUNKS;
		b->queued--;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Waits until no chunk is in flight (the writer thread itself never waits). */
static void wait_writer(folio_batch *b)
{
	if (!b->threaded || pthread_equal(pthread_self(), b->writer))
		return;
	pthread_mutex_lock(&b->mu);
	while (b->queued)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

void folio_batch__drain(folio_batch *b)
{
	if (b)
		wait_writer(b);
}

static void stop_writer(folio_batch *b)
{
	if (!b->threaded)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->writer, NULL);
	b->threaded = 0;
}

static int spoiled_error(folio_batch *b)
{
	return folio_error_set(b->code, "the batch failed earlier: %s", b->msg);
}

static int spoil(folio_batch *b, int rc)
{
	if (!b->spoiled) {
		b->spoiled = 1;
		b->code = rc;
		snprintf(b->msg, sizeof(b->msg), "%s", folio_error_last());
	}
	drop_chunk(&b->ch[b->fill]);
	return rc;
}

/* Takes over the writer's failure, if any, as the caller's (spoiling the batch). */
static int writer_failed(folio_batch *b, int wcode)
{
	if (wcode && !b->spoiled) {
		folio_error_set(wcode, "%s", b->wmsg);
		spoil(b, wcode);
	}
	return b->spoiled ? spoiled_error(b) : 0;
}

/* Frees a chunk the writer gave back. */
static void reclaim(chunk *c)
{
	if (c->state == CHUNK_WRITTEN) {
		drop_chunk(c);
		c->state = CHUNK_FREE;
	}
}

/* Waits for every chunk in flight, frees them and takes over the writer's failure. */
static int settle_writer(folio_batch *b)
{
	if (!b->threaded)
		return 0;
	wait_writer(b);
	for (int i = 0; i < NCHUNKS; i++)
		reclaim(&b->ch[i]);
	return writer_failed(b, b->wcode);
}

/* Writes the chunk being filled on this thread, after the one in flight. */
static int flush(folio_batch *b)
{
	chunk *c = &b->ch[b->fill];
	int rc = settle_writer(b);

	if (rc < 0)
		return rc;
	rc = write_chunk(b, c);
	drop_chunk(c);
	return rc;
}

/*
 * Hands the full chunk to the writer thread (or writes it, without one),
 * then takes the next chunk of the ring to fill, waiting while it is still
 * in flight.
 */
static int flush_async(folio_batch *b)
{
	int next = (b->fill + 1) % NCHUNKS, wcode;

	if (!b->threaded && !(b->flags & FOLIO_BATCH_ONE_THREAD) &&
	    sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	    pthread_create(&b->writer, NULL, writer_main, b) == 0)
		b->threaded = 1;
	if (!b->threaded)
		return flush(b);
	pthread_mutex_lock(&b->mu);
	b->ch[b->fill].state = CHUNK_QUEUED;
	b->queued++;
	pthread_cond_signal(&b->cv);
	while (b->ch[next].state == CHUNK_QUEUED)
		pthread_cond_wait(&b->cv, &b->mu);
	wcode = b->wcode;
	pthread_mutex_unlock(&b->mu);
	reclaim(&b->ch[next]);
	b->fill = next;
	return writer_failed(b, wcode);
}

/*
 * Waits for the engine's answer to the last bulk insert: before the write
 * unit ends, so that a failure is the batch's (and a savepoint can still be
 * rolled back to).
 */
static int settle(folio_batch *b)
{
	return b->bulk ? folio_cx__bulk_wait(b->cx) : 0;
}

int folio_batch_open(folio_batch **out, folio_store *st, unsigned flags)
{
	folio_session *ses = st->ses;
	folio_batch *b;
	int rc, no_stubs = 0;

	*out = NULL;
	if (ses->batch)
		return folio_error_set(FOLIO_EINVALID, "the Session has a batch open already");
	b = calloc(1, sizeof(*b));
	if (!b)
		return folio_error__oom();
	b->st = st;
	b->flags = flags;
	rc = folio_session__wbegin(ses, &b->cx);
	if (rc < 0) {
		free(b);
		return rc;
	}
	rc = folio_store__check(st, b->cx);
	if (rc == 0)
		rc = stubs_absent(st, b->cx, &no_stubs);
	if (rc < 0) {
		folio_session__wend(ses, rc);
		free(b);
		return rc;
	}
	b->wflags = ((flags & FOLIO_BATCH_CHECK_CONFLICT) ? FOLIO_SAVE_CHECK_CONFLICT : 0) |
		    (no_stubs ? FOLIO_WRITE__TRY_INSERT : 0);
	b->bulk = folio_doc__bulk_ok(st, b->cx);
	b->chunk = b->bulk ? FOLIO_DOC__BULK : FOLIO_DOC__CHUNK;
	rc = 0;
	for (int i = 0; rc == 0 && i < NCHUNKS; i++)
		rc = chunk_alloc(&b->ch[i], b->chunk);
	if (rc < 0) {
		rc = folio_session__wend(ses, rc);
		batch_free_arrays(b);
		free(b);
		return rc;
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->open = 1;
	ses->batch = b;
	*out = b;
	return 0;
}

int folio_batch_put(folio_batch *b, const char *json, size_t len)
{
	folio_wprep *prep = NULL;
	folio_doc *doc;
	int rc;

	if (b->spoiled)
		return spoiled_error(b);
	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	/* The UNID comes from `_unid`, or is generated by set_text when there is none. */
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return spoil(b, folio_error__oom());
	doc->st = b->st;
	doc->is_new = 1;
	doc->adopt_unid = 1;
	doc->keep_meta = (b->flags & FOLIO_BATCH_KEEP_META) != 0;
	rc = folio_doc__set_text(doc, json, len, doc->keep_meta);
	if (rc == 0)
		rc = folio_doc__prepare(&prep, doc, b->wflags);
	if (rc == 0 && (b->bulk ? folio_doc__prep_bulk(doc, prep, b->wflags)
			      : folio_doc__prep_is_new(prep))) {
		chunk *c = &b->ch[b->fill];
		/* The row the bulk insert takes, bound here rather than by the writer. */
		if (b->bulk)
			rc = folio_doc__capture(&c->rows, c->n, doc, prep);
		if (rc < 0) {
			folio_doc__prep_free(prep);
			folio_doc_free(doc);
			return spoil(b, rc);
		}
		c->doc[c->n] = doc;
		c->prep[c->n++] = prep;
		c->bytes += len;
		b->count++;
		if (c->n == b->chunk || c->bytes >= FOLIO_DOC__BULK_BYTES)
			rc = flush_async(b);
		return rc < 0 ? spoil(b, rc) : 0;
	}
	if (rc == 0)
		rc = flush(b);
	if (rc == 0)
		rc = write_one(b, doc, prep);
	folio_doc__prep_free(prep);
	folio_doc_free(doc);
	if (rc < 0)
		return spoil(b, rc);
	b->count++;
	return 0;
}

uint64_t folio_batch_count(const folio_batch *b)
{
	return b->count;
}

/* Ends the writer thread and detaches the batch from its Session. */
static void close_batch(folio_batch *b)
{
	stop_writer(b);
	b->st->ses->batch = NULL;
	b->open = 0;
}

int folio_batch_commit(folio_batch *b)
{
	int rc;

	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	if (!b->spoiled) {
		rc = flush(b);
		if (rc < 0)
			spoil(b, rc);
	}
	settle_writer(b);
	close_batch(b);
	rc = settle(b);
	if (rc < 0 && !b->spoiled)
		spoil(b, rc);
	if (b->spoiled) {
		rc = spoiled_error(b);
		folio_session__wend(b->st->ses, rc);
		return rc;
	}
	return folio_session__wend(b->st->ses, 0);
}

void folio_batch_free(folio_batch *b)
{
	if (!b)
		return;
	if (b->open) {
		settle_writer(b);
		close_batch(b);
		settle(b); /* its failure changes nothing: all is rolled back */
		folio_session__wend(b->st->ses, FOLIO_ERROR);
	}
	batch_free_arrays(b);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
}
