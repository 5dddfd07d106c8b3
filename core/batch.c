/*
 * Batches: many documents saved in one transaction through the same write
 * path as folio_doc_save(), with the statements prepared once. The fast
 * path for imports.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct folio_batch {
	folio_store *st;
	folio_cx *cx;
	unsigned flags;
	uint64_t count;
	int open;    /* the write unit is open */
	int no_stubs; /* the store had no deletion stubs: new UNIDs need no look-up */
	int spoiled; /* a put failed: the batch can only be rolled back */
	int code;
	char msg[512];
};

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
	folio_batch *b = calloc(1, sizeof(*b));
	int rc;

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
		rc = stubs_absent(st, b);
	if (rc < 0) {
		folio_session__wend(st->ses, rc);
		free(b);
		return rc;
	}
	b->open = 1;
	*out = b;
	return 0;
}

static int spoiled(folio_batch *b)
{
	return folio_error_set(b->code, "the batch failed earlier: %s", b->msg);
}

int folio_batch_put(folio_batch *b, const char *json, size_t len)
{
	folio_doc doc;
	folio_wres r;
	int rc;

	if (b->spoiled)
		return spoiled(b);
	if (!b->open)
		return folio_error_set(FOLIO_EINVALID, "the batch is committed already");
	rc = folio_doc__init(&doc, b->st, NULL);
	if (rc < 0)
		goto out;
	doc.adopt_unid = 1;
	doc.keep_meta = (b->flags & FOLIO_BATCH_KEEP_META) != 0;
	rc = folio_doc__set_text(&doc, json, len, doc.keep_meta);
	if (rc < 0)
		goto out;
	rc = folio_doc__write(&doc, b->cx,
			      ((b->flags & FOLIO_BATCH_CHECK_CONFLICT) ? FOLIO_SAVE_CHECK_CONFLICT : 0) |
				      (b->no_stubs ? FOLIO_WRITE__TRY_INSERT : 0),
			      &r);
	if (rc == 0) {
		folio_doc__wres_free(&r);
		b->count++;
	}
out:
	folio_doc__clear(&doc);
	if (rc < 0) {
		b->spoiled = 1;
		b->code = rc;
		strncpy(b->msg, folio_error_last(), sizeof(b->msg) - 1);
	}
	return rc;
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
	if (b->spoiled) {
		rc = spoiled(b);
		folio_session__wend(b->st->ses, rc);
		return rc;
	}
	return folio_session__wend(b->st->ses, 0);
}

void folio_batch_free(folio_batch *b)
{
	if (!b)
		return;
	if (b->open)
		folio_session__wend(b->st->ses, FOLIO_ERROR);
	free(b);
}
