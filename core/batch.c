/*
 * Batches: many documents saved in one transaction through the same write
 * path as folio_doc_save(), with the statements prepared once. The fast
 * path for imports.
 *
 * On a machine with more than one core a batch is a two-stage pipeline:
 * folio_batch_put() does the work that needs no database (validating and
 * compacting the JSON, the system fields, the body's index, the revision
 * and metadata of a new document) on the caller's thread, and a writer
 * thread runs the SQL on the batch's connection. A failure found by the
 * writer spoils the batch and is reported by the next put or the commit.
 * Other calls on the Session first wait until the writer has caught up
 * (folio_batch__drain), so the connection is never used by two threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#define QUEUE 256

typedef struct item {
	folio_doc *doc;
	folio_wprep *prep;
} item;

struct folio_batch {
	folio_store *st;
	folio_cx *cx;
	unsigned flags;
	unsigned wflags; /* flags of folio_doc__write */
	uint64_t count;
	int open;     /* the write unit is open */
	int no_stubs; /* the store had no deletion stubs: new UNIDs need no look-up */

	/* Shared with the writer thread, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv_space; /* room in the queue, or the writer idle */
	pthread_cond_t cv_work;  /* items to write, or stop */
	item queue[QUEUE];
	size_t head, n;
	int busy;    /* the writer is writing items it took */
	int writer_waits, caller_waits; /* who sleeps on cv_work, cv_space: wake only them */
	int stop;
	int spoiled; /* a put failed: the batch can only be rolled back */
	int code;
	char msg[512];

	int threaded;
	pthread_t writer;
};

static void item_free(item *it)
{
	folio_doc__prep_free(it->prep);
	folio_doc_free(it->doc);
}

/* Records the first failure (the calling thread's error detail). Under mu. */
static void spoil(folio_batch *b, int rc)
{
	if (b->spoiled)
		return;
	b->spoiled = 1;
	b->code = rc;
	snprintf(b->msg, sizeof(b->msg), "%s", folio_error_last());
}

static int spoiled_error(folio_batch *b)
{
	return folio_error_set(b->code, "the batch failed: %s", b->msg);
}

static int write_item(folio_batch *b, item *it)
{
	folio_wres r;
	int rc = folio_doc__write_prepared(it->doc, b->cx, b->wflags, &r, it->prep);
	if (rc == 0)
		folio_doc__wres_free(&r);
	return rc;
}

#define TAKE 64 /* items the writer takes from the queue at a time */

static void *writer_main(void *arg)
{
	folio_batch *b = arg;
	item took[TAKE];

	pthread_mutex_lock(&b->mu);
	for (;;) {
		size_t k = 0;
		int rc = 0, skip;
		while (b->n == 0 && !b->stop) {
			b->writer_waits = 1;
			pthread_cond_wait(&b->cv_work, &b->mu);
			b->writer_waits = 0;
		}
		if (b->n == 0)
			break;
		/* Several items per lock: the hand-over must cost less than the work. */
		while (b->n > 0 && k < TAKE) {
			took[k++] = b->queue[b->head];
			b->head = (b->head + 1) % QUEUE;
			b->n--;
		}
		b->busy = 1;
		skip = b->spoiled; /* after a failure the rest is only dropped */
		if (b->caller_waits)
			pthread_cond_broadcast(&b->cv_space);
		pthread_mutex_unlock(&b->mu);
		for (size_t i = 0; i < k; i++) {
			if (!skip && rc == 0)
				rc = write_item(b, &took[i]);
			item_free(&took[i]);
		}
		pthread_mutex_lock(&b->mu);
		if (rc < 0)
			spoil(b, rc);
		b->busy = 0;
		if (b->caller_waits)
			pthread_cond_broadcast(&b->cv_space);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

void folio_batch__drain(folio_batch *b)
{
	if (!b || !b->threaded)
		return;
	pthread_mutex_lock(&b->mu);
	while (b->n > 0 || b->busy) {
		if (b->writer_waits)
			pthread_cond_signal(&b->cv_work); /* fewer than a handful queued */
		b->caller_waits = 1;
		pthread_cond_wait(&b->cv_space, &b->mu);
	}
	b->caller_waits = 0;
	pthread_mutex_unlock(&b->mu);
}

/* Stops the writer after it has written what is queued. */
static void stop_writer(folio_batch *b)
{
	if (!b->threaded)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->cv_work);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->writer, NULL);
	b->threaded = 0;
}

static int stubs_absent(folio_store *st, folio_batch *b)
{
	int db2 = strncmp(st->dialect->limit_clause, "OFFSET", 6) == 0;
	folio_q q;
	int rc = folio_q__prep(&q, b->cx, st->sql->stub_any);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	rc = rc ? rc : folio_q__int(&q, 2, db2 ? 0 : 1);
	rc = rc ? rc : folio_q__int(&q, 3, db2 ? 1 : 0);
	rc = rc ? rc : folio_q__step(&q);
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	b->no_stubs = rc == FOLIO_DONE;
	return 0;
}

int folio_batch_open(folio_batch **out, folio_store *st, unsigned flags)
{
	folio_session *ses = st->ses;
	folio_batch *b;
	int rc;

	*out = NULL;
	if (ses->batch)
		return folio_error_set(FOLIO_EINVALID, "the Session has a batch open already");
	b = calloc(1, sizeof(*b));
	if (!b)
		return folio_error__oom();
	b->st = st;
	b->flags = flags;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv_space, NULL);
	pthread_cond_init(&b->cv_work, NULL);
	rc = folio_session__wbegin(ses, &b->cx);
	if (rc < 0)
		goto fail;
	rc = folio_store__check(st, b->cx);
	if (rc == 0)
		rc = stubs_absent(st, b);
	if (rc < 0) {
		folio_session__wend(ses, rc);
		goto fail;
	}
	b->wflags = ((flags & FOLIO_BATCH_CHECK_CONFLICT) ? FOLIO_SAVE_CHECK_CONFLICT : 0) |
		    (b->no_stubs ? FOLIO_WRITE__TRY_INSERT : 0);
	b->open = 1;
	/* One core: no one to hand the SQL to. */
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && !getenv("FOLIO_BATCH_NO_THREAD") &&
	    pthread_create(&b->writer, NULL, writer_main, b) == 0)
		b->threaded = 1;
	ses->batch = b;
	*out = b;
	return 0;
fail:
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv_space);
	pthread_cond_destroy(&b->cv_work);
	free(b);
	return rc;
}

int folio_batch_put(folio_batch *b, const char *json, size_t len)
{
	item it = {NULL, NULL};
	int rc;

	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	pthread_mutex_lock(&b->mu);
	rc = b->spoiled ? spoiled_error(b) : 0;
	pthread_mutex_unlock(&b->mu);
	if (rc < 0)
		return rc;

	/* The UNID comes from `_unid`, or is generated by set_text when there is none. */
	it.doc = calloc(1, sizeof(*it.doc));
	if (!it.doc) {
		rc = folio_error__oom();
		goto fail;
	}
	it.doc->st = b->st;
	it.doc->is_new = 1;
	it.doc->adopt_unid = 1;
	it.doc->keep_meta = (b->flags & FOLIO_BATCH_KEEP_META) != 0;
	rc = folio_doc__set_text(it.doc, json, len, it.doc->keep_meta);
	if (rc == 0)
		rc = folio_doc__prepare(&it.prep, it.doc, b->wflags);
	if (rc < 0)
		goto fail;
	if (!b->threaded) {
		rc = write_item(b, &it);
		item_free(&it);
		if (rc < 0) {
			pthread_mutex_lock(&b->mu);
			spoil(b, rc);
			pthread_mutex_unlock(&b->mu);
			return rc;
		}
		b->count++;
		return 0;
	}
	pthread_mutex_lock(&b->mu);
	while (b->n == QUEUE && !b->spoiled) {
		b->caller_waits = 1;
		pthread_cond_wait(&b->cv_space, &b->mu);
	}
	b->caller_waits = 0;
	if (b->spoiled) {
		rc = spoiled_error(b);
		pthread_mutex_unlock(&b->mu);
		item_free(&it);
		return rc;
	}
	b->queue[(b->head + b->n) % QUEUE] = it;
	b->n++;
	/* Wake the writer when it sleeps and a handful is ready (or the queue is full). */
	if (b->writer_waits && (b->n >= TAKE / 2 || b->n == QUEUE))
		pthread_cond_signal(&b->cv_work);
	pthread_mutex_unlock(&b->mu);
	b->count++;
	return 0;
fail:
	item_free(&it);
	pthread_mutex_lock(&b->mu);
	spoil(b, rc);
	pthread_mutex_unlock(&b->mu);
	return rc;
}

uint64_t folio_batch_count(const folio_batch *b)
{
	return b->count;
}

static void close_batch(folio_batch *b)
{
	stop_writer(b);
	/* What a spoiled writer left in the queue is dropped. */
	while (b->n > 0) {
		item_free(&b->queue[b->head]);
		b->head = (b->head + 1) % QUEUE;
		b->n--;
	}
	b->st->ses->batch = NULL;
	b->open = 0;
}

int folio_batch_commit(folio_batch *b)
{
	int rc;

	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	close_batch(b);
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
		close_batch(b);
		folio_session__wend(b->st->ses, FOLIO_ERROR);
	}
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv_space);
	pthread_cond_destroy(&b->cv_work);
	free(b);
}
