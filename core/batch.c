/*
 * Batches: many documents saved in one transaction through the same write
 * path as folio_doc_save(), with the statements prepared once. The fast
 * path for imports: JSON validated in place (no DOM), and into a store
 * without deletion stubs a plain insert first, with a look-up only when the
 * UNID turns out to be taken.
 *
 * New documents are written a chunk at a time. Where the driver has a bulk
 * path (COPY on PostgreSQL, parameter arrays on ODBC: folio_doc__bulk_ok),
 * a chunk is up to FOLIO_DOC__BULK documents written by one bulk insert
 * (folio_doc__write_bulk), whose answer the engine may give while the next
 * chunk is being prepared here; elsewhere (SQLite) FOLIO_DOC__CHUNK with one
 * multi-row INSERT (folio_doc__write_many): a quarter of SQLite's work per
 * row. Anything else (an update, a `_rev`, a UNID found taken) first
 * flushes the chunk, then goes alone, so documents are written in the order
 * they were put.
 *
 * (A two-thread pipeline, validating on the caller's thread while a writer
 * thread ran the SQL, was measured and dropped: on two cores it made a
 * 100,000-document import slower, 2.37 against 1.95 times the baseline.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct folio_batch {
	folio_store *st;
	folio_doc **pend_doc; /* new documents waiting for their chunk's insert */
	folio_wprep **pend_prep;
	int *done;
	int n_pend;
	int chunk;         /* FOLIO_DOC__BULK on the bulk path, else FOLIO_DOC__CHUNK */
	int bulk;          /* the chunks go by folio_doc__write_bulk */
	size_t pend_bytes; /* JSON text of the pending documents */
	folio_bulk bulkst; /* the bulk path's state (doc_write.c) */
	folio_cx *cx;
	unsigned flags;
	unsigned wflags; /* flags of folio_doc__write */
	uint64_t count;
	int open;     /* the write unit is open */
	int spoiled;  /* a put failed: the batch can only be rolled back */
	int code;
	char msg[512];
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

static void batch_free_arrays(folio_batch *b)
{
	folio_doc__bulk_free(&b->bulkst);
	free(b->pend_doc);
	free(b->pend_prep);
	free(b->done);
}

int folio_batch_open(folio_batch **out, folio_store *st, unsigned flags)
{
	folio_batch *b = calloc(1, sizeof(*b));
	int rc, no_stubs = 0;

	*out = NULL;
	if (!b)
		return folio_error__oom();
	b->st = st;
	b->flags = flags;
	rc = folio_session__wbegin(st->ses, &b->cx);
	if (rc < 0) {
		free(b);
		return rc;
	}
	rc = folio_store__check(st, b->cx);
	if (rc == 0)
		rc = stubs_absent(st, b->cx, &no_stubs);
	if (rc < 0) {
		folio_session__wend(st->ses, rc);
		free(b);
		return rc;
	}
	b->wflags = ((flags & FOLIO_BATCH_CHECK_CONFLICT) ? FOLIO_SAVE_CHECK_CONFLICT : 0) |
		    (no_stubs ? FOLIO_WRITE__TRY_INSERT : 0);
	b->bulk = folio_doc__bulk_ok(st, b->cx);
	b->chunk = b->bulk ? FOLIO_DOC__BULK : FOLIO_DOC__CHUNK;
	b->pend_doc = calloc((size_t)b->chunk, sizeof(*b->pend_doc));
	b->pend_prep = calloc((size_t)b->chunk, sizeof(*b->pend_prep));
	b->done = calloc((size_t)b->chunk, sizeof(*b->done));
	if (!b->pend_doc || !b->pend_prep || !b->done) {
		rc = folio_session__wend(st->ses, folio_error__oom());
		batch_free_arrays(b);
		free(b);
		return rc;
	}
	b->open = 1;
	*out = b;
	return 0;
}

static int spoiled_error(folio_batch *b)
{
	return folio_error_set(b->code, "the batch failed earlier: %s", b->msg);
}

static void drop_pending(folio_batch *b)
{
	for (int i = 0; i < b->n_pend; i++) {
		folio_doc__prep_free(b->pend_prep[i]);
		folio_doc_free(b->pend_doc[i]);
	}
	b->n_pend = 0;
	b->pend_bytes = 0;
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

/* Writes the pending chunk: one insert for all, then one at a time what it left. */
static int flush(folio_batch *b)
{
	int *done = b->done, rc;

	if (b->n_pend == 0)
		return 0;
	if (b->bulk)
		rc = folio_doc__write_bulk(b->pend_doc, b->pend_prep, b->n_pend, b->cx, done,
					   &b->bulkst);
	else
		rc = folio_doc__write_many(b->pend_doc, b->pend_prep, b->n_pend, b->cx, done);
	for (int i = 0; rc == 0 && i < b->n_pend; i++)
		if (!done[i])
			rc = write_one(b, b->pend_doc[i], b->pend_prep[i]);
	drop_pending(b);
	return rc;
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

static int spoil(folio_batch *b, int rc)
{
	b->spoiled = 1;
	b->code = rc;
	snprintf(b->msg, sizeof(b->msg), "%s", folio_error_last());
	drop_pending(b);
	return rc;
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
		b->pend_doc[b->n_pend] = doc;
		b->pend_prep[b->n_pend++] = prep;
		b->pend_bytes += len;
		b->count++;
		if (b->n_pend == b->chunk || b->pend_bytes >= FOLIO_DOC__BULK_BYTES)
			rc = flush(b);
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

int folio_batch_commit(folio_batch *b)
{
	int rc;

	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	b->open = 0;
	if (!b->spoiled) {
		rc = flush(b);
		if (rc < 0)
			spoil(b, rc);
	}
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
	drop_pending(b);
	if (b->open) {
		settle(b); /* its failure changes nothing: all is rolled back */
		folio_session__wend(b->st->ses, FOLIO_ERROR);
	}
	batch_free_arrays(b);
	free(b);
}
