/*
 * The write path: save, delete, and the mirrored rows (readers, editors,
 * tags, extracted fields). Every step runs inside one write unit, so a
 * document is saved whole or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "acl.h"
#include "json.h"
#include "jscan.h"
#include "layout.h"
#include "rev.h"

/* The live row of a UNID, if any. */
typedef struct current {
	int found;
	int64_t docid;
	char *rev, *revs, *cdate, *cuser;
} current;

static void current_free(current *c)
{
	free(c->rev);
	free(c->revs);
	free(c->cdate);
	free(c->cuser);
	memset(c, 0, sizeof(*c));
}

static int col_dup(char **dst, folio_q *q, int col)
{
	const char *s = folio_q__col_text(q, col, NULL);
	*dst = s ? folio__strdup(s) : NULL;
	return (s && !*dst) ? FOLIO_ENOMEM : 0;
}

static int find_current(current *c, folio_store *st, folio_cx *cx, const char *unid)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->doc_find);

	memset(c, 0, sizeof(*c));
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__text(&q, 2, unid);
	if (rc == 0)
		rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		c->found = 1;
		/* The rev is the first part of the packed metadata, the ancestry the last. */
		const char *meta = folio_q__col_text(&q, 1, NULL);
		const char *sep = meta ? strchr(meta, '\x01') : NULL;
		const char *revs = meta ? strrchr(meta, '\x01') : NULL;
		c->docid = folio_q__col_int(&q, 0);
		if (!sep || !revs) {
			rc = folio_error_set(FOLIO_ERROR, "document %s has no metadata", unid);
		} else {
			c->rev = strndup(meta, (size_t)(sep - meta));
			rc = c->rev ? folio_doc__meta_revs(&c->revs, c->rev, revs + 1)
				    : folio_error__oom();
		}
		rc = rc ? rc : col_dup(&c->cdate, &q, 2);
		rc = rc ? rc : col_dup(&c->cuser, &q, 3);
	}
	folio_q__done(&q);
	return rc < 0 ? rc : 0;
}

/* A deletion stub of the UNID: its rev and ancestry carry on when the UNID comes back. */
static int take_stub(current *c, folio_store *st, folio_cx *cx, const char *unid)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->stub_find), found = 0;

	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__text(&q, 2, unid);
	if (rc == 0)
		rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		found = 1;
		rc = col_dup(&c->rev, &q, 0);
		rc = rc ? rc : col_dup(&c->revs, &q, 1);
	}
	folio_q__done(&q);
	if (rc < 0 || !found)
		return rc < 0 ? rc : 0;
	rc = folio_q__prep(&q, cx, st->sql->stub_delete);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__text(&q, 2, unid);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
	return rc;
}

/* ["rev", ...prev's first FOLIO_REV_HISTORY - 1]. Revisions hold no ',' or '"'. */
static char *push_rev(const char *rev, const char *prev_revs)
{
	size_t rl = strlen(rev), pl = prev_revs ? strlen(prev_revs) : 0;
	const char *p = prev_revs ? strchr(prev_revs, '"') : NULL;
	char *out = malloc(rl + pl + 6), *o = out;
	int n = 1;

	if (!out)
		return NULL;
	*o++ = '[';
	*o++ = '"';
	memcpy(o, rev, rl);
	o += rl;
	*o++ = '"';
	while (p && n < FOLIO_REV_HISTORY) {
		const char *end = strchr(p + 1, '"');
		if (!end)
			break;
		*o++ = ',';
		memcpy(o, p, (size_t)(end - p + 1));
		o += end - p + 1;
		n++;
		p = strchr(end + 1, '"');
	}
	*o++ = ']';
	*o = 0;
	return out;
}

static int run_docid(folio_cx *cx, const char *sql, int64_t docid)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, docid);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
	return rc;
}

/*
 * The root members of the body, found in one pass so that the look-ups of
 * readers, editors, tags and every extracted field do not each scan the
 * text from the start.
 */
#define RI_FIELDS 16

typedef struct rootidx {
	const folio_jspan *root;
	folio_jspan *keys, *vals;
	size_t n, alloc;
	uint64_t esc; /* bit i: key i (of the first 64) holds an escape */
	folio_jspan small_k[32], small_v[32];
	/*
	 * The store's first RI_FIELDS fields, looked up once (rootidx_fields,
	 * on the caller's thread in a batch): value, found, irregular.
	 */
	int nf;
	unsigned fgen; /* the store's fields_gen they were looked up for */
	folio_jspan fv[RI_FIELDS];
	unsigned char ffound[RI_FIELDS], fodd[RI_FIELDS];
} rootidx;

static int index_member(size_t i, const folio_jspan *key, const folio_jspan *v, void *payload)
{
	rootidx *x = payload;
	(void)i;
	if (x->n == x->alloc) {
		size_t n = x->alloc * 2;
		folio_jspan *k = malloc(n * sizeof(*k)), *vv = malloc(n * sizeof(*vv));
		if (!k || !vv) {
			free(k);
			free(vv);
			return folio_error__oom();
		}
		memcpy(k, x->keys, x->n * sizeof(*k));
		memcpy(vv, x->vals, x->n * sizeof(*vv));
		if (x->keys != x->small_k) {
			free(x->keys);
			free(x->vals);
		}
		x->keys = k;
		x->vals = vv;
		x->alloc = n;
	}
	if (x->n < 64 && memchr(key->p, '\\', key->len))
		x->esc |= (uint64_t)1 << x->n;
	x->keys[x->n] = *key;
	x->vals[x->n++] = *v;
	return 0;
}

static int rootidx_build(rootidx *x, const folio_jspan *root)
{
	x->root = root;
	x->keys = x->small_k;
	x->vals = x->small_v;
	x->n = 0;
	x->esc = 0;
	x->nf = 0;
	x->alloc = 32;
	if (root->type != FOLIO_JT_OBJECT)
		return 0;
	return folio_jscan__each(root, index_member, x);
}

static void rootidx_free(rootidx *x)
{
	if (x->keys != x->small_k) {
		free(x->keys);
		free(x->vals);
	}
}

/* The value at a dotted path: the first segment from the index, the rest by a scan. */
static int rootidx_get(folio_jspan *out, const rootidx *x, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t seg = dot ? (size_t)(dot - path) : strlen(path);

	if (x->root->type != FOLIO_JT_OBJECT)
		return folio_jscan__get(out, x->root, path);
	/* The last duplicate wins. */
	for (size_t i = x->n; i-- > 0;) {
		/* A key of another length matches only through an escape. */
		if (x->keys[i].len != seg + 2 &&
		    (i < 64 ? !(x->esc >> i & 1) : !memchr(x->keys[i].p, '\\', x->keys[i].len)))
			continue;
		if (!folio_jscan__key_eq(&x->keys[i], path, seg))
			continue;
		if (!dot) {
			*out = x->vals[i];
			return 1;
		}
		return folio_jscan__get(out, &x->vals[i], dot + 1);
	}
	return 0;
}

/* Decodes a string span: points at the text itself when it holds no escape. */
static int span_text(const folio_jspan *v, folio_buf *scratch, const char **p, size_t *len)
{
	int rc;

	if (!memchr(v->p + 1, '\\', v->len - 2)) {
		*p = v->p + 1;
		*len = v->len - 2;
		return 0;
	}
	folio_buf__reset(scratch);
	rc = folio_jscan__string(scratch, v);
	*p = scratch->data ? scratch->data : "";
	*len = scratch->len;
	return rc;
}

typedef struct names_ctx {
	folio_q *q;
	int64_t docid;
	const char *kind;
	folio_buf scratch;
} names_ctx;

static int insert_name(size_t i, const folio_jspan *key, const folio_jspan *v, void *payload)
{
	names_ctx *c = payload;
	const char *p;
	size_t len;
	int n = 1, rc;

	(void)i;
	(void)key;
	if (v->type != FOLIO_JT_STRING)
		return 0;
	rc = span_text(v, &c->scratch, &p, &len);
	rc = rc ? rc : folio_q__int(c->q, n++, c->docid);
	if (rc == 0 && c->kind)
		rc = folio_q__text(c->q, n++, c->kind);
	rc = rc ? rc : folio_q__textn(c->q, n, p, len);
	rc = rc ? rc : folio_q__run(c->q);
	if (rc == 0)
		rc = c->q->drv->reset(c->q->st);
	return rc;
}

static int insert_names(folio_cx *cx, folio_store *st, int64_t docid, const rootidx *root,
			const char *key, const char *kind)
{
	names_ctx c = {NULL, docid, kind, {0}};
	folio_jspan arr;
	folio_q q;
	int rc;

	if (!rootidx_get(&arr, root, key) || arr.type != FOLIO_JT_ARRAY ||
	    folio_jscan__count(&arr) == 0)
		return 0;
	rc = folio_q__prep(&q, cx, kind ? st->sql->sec_insert : st->sql->tag_insert);
	if (rc < 0)
		return rc;
	c.q = &q;
	folio_buf__init(&c.scratch, 0);
	rc = folio_jscan__each(&arr, insert_name, &c);
	folio_buf__free(&c.scratch);
	folio_q__done(&q);
	return rc;
}

/* Whether a value has the field's type (another type gives no row and a NULL slot). */
static int fits(const folio_field *f, const folio_jspan *v)
{
	switch (f->type) {
	case FOLIO_FT_STRING:
	case FOLIO_FT_DATE:
		return v->type == FOLIO_JT_STRING;
	case FOLIO_FT_NUMBER:
		return v->type == FOLIO_JT_NUMBER;
	case FOLIO_FT_BOOLEAN:
		return v->type == FOLIO_JT_TRUE || v->type == FOLIO_JT_FALSE;
	}
	return 0;
}

/* Binds one extracted value at parameter p (NULL when it does not fit). */
static int bind_value(folio_q *q, int p, const folio_field *f, const folio_jspan *v,
		      folio_buf *scratch)
{
	const char *t;
	size_t len;
	int rc;

	if (!v || !fits(f, v) || (v->type == FOLIO_JT_STRING && v->len > FOLIO_SLOT_TEXT_MAX))
		return folio_q__null(q, p);
	switch (f->type) {
	case FOLIO_FT_NUMBER:
		return folio_q__double(q, p, folio_jscan__number(v));
	case FOLIO_FT_BOOLEAN:
		return folio_q__double(q, p, v->type == FOLIO_JT_TRUE ? 1 : 0);
	default:
		rc = span_text(v, scratch, &t, &len);
		return rc ? rc : folio_q__textn(q, p, t, len);
	}
}

typedef struct fld_ctx {
	folio_q *q;
	const folio_field *f;
	int64_t docid, storeid;
	folio_buf scratch;
} fld_ctx;

/* One row of _fld: the value goes in the column of the field's type. */
/* What insert_value is given as the key of a value that is not in an array. */
static const folio_jspan fld_scalar_key;
#define FLD_SCALAR_KEY (&fld_scalar_key)

static int insert_value(size_t pos, const folio_jspan *key, const folio_jspan *v, void *payload)
{
	fld_ctx *c = payload;
	const folio_field *f = c->f;
	int col = f->type == FOLIO_FT_STRING ? 5
		  : f->type == FOLIO_FT_NUMBER ? 6
		  : f->type == FOLIO_FT_BOOLEAN ? 7
						: 8;
	int rc;

	(void)key;
	if (!fits(f, v))
		return 0;
	rc = folio_q__int(c->q, 1, c->docid);
	rc = rc ? rc : folio_q__int(c->q, 2, c->storeid);
	rc = rc ? rc : folio_q__text(c->q, 3, f->name);
	/* an element's index; FOLIO_FLD_SCALAR for a value that is not in an array */
	rc = rc ? rc : folio_q__int(c->q, 4, key == FLD_SCALAR_KEY ? FOLIO_FLD_SCALAR : (int64_t)pos);
	for (int k = 5; rc == 0 && k <= 8; k++)
		rc = k == col ? (f->type == FOLIO_FT_BOOLEAN
					 ? folio_q__int(c->q, k, v->type == FOLIO_JT_TRUE)
					 : bind_value(c->q, k, f, v, &c->scratch))
			      : folio_q__null(c->q, k);
	rc = rc ? rc : folio_q__run(c->q);
	if (rc == 0)
		rc = c->q->drv->reset(c->q->st);
	return rc;
}

/* An integer literal a double cannot hold exactly (more than 15 digits). */
static int big_integer(const folio_jspan *v)
{
	size_t digits = 0;
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->p[i];
		if (ch == '.' || ch == 'e' || ch == 'E')
			return 0;
		digits += ch >= '0' && ch <= '9';
	}
	return digits > 15;
}

static int element_irregular(size_t pos, const folio_jspan *key, const folio_jspan *v,
			     void *payload)
{
	const folio_field *f = payload;
	(void)pos;
	(void)key;
	return !fits(f, v) || (v->type == FOLIO_JT_NUMBER && big_integer(v));
}

/*
 * Whether a document is irregular for a field (see core/qsql.h): the SQL of
 * a query then cannot trust the slot or the rows, and goes by the JSON text.
 * Irregular: an array on the way to the value; a value of another type or a
 * null; an array in a single-valued field; an element of another type in a
 * multiple one; a string too long for a slot; an integer a double cannot hold.
 */
static int irregular(const folio_field *f, const rootidx *root, const folio_jspan *v, int found)
{
	const char *dot = strchr(f->path, '.');
	if (dot) {
		char pre[FOLIO_JSON_PATH_MAX + 1];
		size_t n = strlen(f->path);
		if (n > FOLIO_JSON_PATH_MAX)
			return 1;
		memcpy(pre, f->path, n + 1);
		for (char *p = pre + (dot - f->path); p; p = strchr(p + 1, '.')) {
			folio_jspan a;
			*p = 0;
			if (rootidx_get(&a, root, pre) && a.type == FOLIO_JT_ARRAY)
				return 1;
			*p = '.';
		}
	}
	if (!found)
		return 0;
	if (f->multiple && v->type == FOLIO_JT_ARRAY)
		return folio_jscan__each(v, element_irregular, (void *)f) != 0;
	if (!fits(f, v))
		return 1;
	if (v->type == FOLIO_JT_NUMBER)
		return big_integer(v);
	return !f->multiple && v->type == FOLIO_JT_STRING && v->len > FOLIO_SLOT_TEXT_MAX;
}

/* Field i of the store: found (1) or not, its value, whether the document is irregular for it. */
static int field_get(folio_jspan *v, int *odd, const folio_store *st, const rootidx *root, int i)
{
	int found;

	if (i < root->nf && root->fgen == st->fields_gen) {
		*v = root->fv[i];
		*odd = root->fodd[i];
		return root->ffound[i];
	}
	found = root->root->type == FOLIO_JT_OBJECT && rootidx_get(v, root, st->fields[i].path);
	*odd = irregular(&st->fields[i], root, v, found);
	return found;
}

/* Looks up the store's fields once, for field_get(). */
static void rootidx_fields(rootidx *root, const folio_store *st)
{
	int n = st->n_fields < RI_FIELDS ? st->n_fields : RI_FIELDS, odd;

	root->nf = 0;
	for (int i = 0; i < n; i++) {
		root->ffound[i] = (unsigned char)field_get(&root->fv[i], &odd, st, root, i);
		root->fodd[i] = (unsigned char)odd;
	}
	root->fgen = st->fields_gen;
	root->nf = n;
}

/* The mark of an irregular document: a row with pos -1 and no value. */
static int insert_mark(fld_ctx *c)
{
	int rc = folio_q__int(c->q, 1, c->docid);
	rc = rc ? rc : folio_q__int(c->q, 2, c->storeid);
	rc = rc ? rc : folio_q__text(c->q, 3, c->f->name);
	rc = rc ? rc : folio_q__int(c->q, 4, FOLIO_FLD_MARK);
	for (int k = 5; rc == 0 && k <= 8; k++)
		rc = folio_q__null(c->q, k);
	rc = rc ? rc : folio_q__run(c->q);
	if (rc == 0)
		rc = c->q->drv->reset(c->q->st);
	return rc;
}

/*
 * Extracted fields without a slot: a row per value, a row per element of an
 * array; and for every field, the mark of an irregular document.
 */
static int insert_fields(folio_cx *cx, folio_store *st, int64_t docid, const rootidx *root)
{
	fld_ctx c = {NULL, NULL, docid, st->storeid, {0}};
	folio_q q;
	int rc = 0;

	folio_buf__init(&c.scratch, 0);
	for (int i = 0; rc == 0 && i < st->n_fields; i++) {
		folio_jspan v;
		int odd, found = field_get(&v, &odd, st, root, i);
		if (st->fields[i].slot ? !odd : !found && !odd)
			continue;
		if (!c.q) {
			rc = folio_q__prep(&q, cx, st->sql->fld_insert);
			if (rc < 0)
				break;
			c.q = &q;
		}
		c.f = &st->fields[i];
		if (odd)
			rc = insert_mark(&c);
		if (rc < 0 || st->fields[i].slot || !found)
			continue;
		if (v.type == FOLIO_JT_ARRAY)
			rc = folio_jscan__each(&v, insert_value, &c);
		else
			rc = insert_value(0, FLD_SCALAR_KEY, &v, &c);
	}
	if (c.q)
		folio_q__done(&q);
	folio_buf__free(&c.scratch);
	return rc;
}

static int n_slots(const folio_store *st)
{
	int n = 0;
	for (int i = 0; i < st->n_fields; i++)
		n += st->fields[i].slot != 0;
	return n;
}

/*
 * Binds the store's slot columns from `first` on, in field order: the value
 * at the field's path when it has the field's type, else NULL. scratch holds
 * decoded strings until the statement has run (one buffer per slot).
 */
static int bind_slots(folio_q *q, int first, folio_doc *doc, const rootidx *root,
		      folio_buf scratch[])
{
	folio_store *st = doc->st;
	int rc = 0, p = first, k = 0;

	for (int i = 0; rc == 0 && i < st->n_fields; i++) {
		folio_jspan v;
		int found, odd;
		if (!st->fields[i].slot)
			continue;
		found = field_get(&v, &odd, st, root, i);
		rc = bind_value(q, p++, &st->fields[i], found ? &v : NULL, &scratch[k++]);
	}
	return rc;
}

/* Full text: the words of every string of the body (system fields at the root left out). */
#define FTS_MAX (1024 * 1024)

typedef struct words {
	folio_buf text, scratch;
	int depth;
} words;

static int collect_words(size_t i, const folio_jspan *key, const folio_jspan *v, void *payload)
{
	words *w = payload;
	const char *p;
	size_t len;
	int rc = 0;

	(void)i;
	if (w->depth == 0 && key && key->len > 2 && key->p[1] == '_')
		return 0;
	if (v->type == FOLIO_JT_STRING) {
		rc = span_text(v, &w->scratch, &p, &len);
		if (rc == 0 && w->text.len + len + 1 <= FTS_MAX) {
			rc = folio_buf__add(&w->text, " ", w->text.len ? 1 : 0);
			rc = rc ? rc : folio_buf__add(&w->text, p, len);
		}
	} else if ((v->type == FOLIO_JT_OBJECT || v->type == FOLIO_JT_ARRAY) && w->depth < 64) {
		w->depth++;
		rc = folio_jscan__each(v, collect_words, w);
		w->depth--;
	}
	return rc;
}

static int insert_words(folio_cx *cx, folio_store *st, int64_t docid, const rootidx *root)
{
	words w = {{0}, {0}, 0};
	folio_q q;
	int rc;

	folio_buf__init(&w.text, 0);
	folio_buf__init(&w.scratch, 0);
	rc = folio_jscan__each(root->root, collect_words, &w);
	if (rc == 0 && w.text.len) {
		rc = folio_q__prep(&q, cx, st->sql->fts_insert);
		if (rc == 0) {
			rc = folio_q__int(&q, 1, docid);
			rc = rc ? rc : folio_q__textn(&q, 2, w.text.data, w.text.len);
			rc = rc ? rc : folio_q__run(&q);
			folio_q__done(&q);
		}
	}
	folio_buf__free(&w.text);
	folio_buf__free(&w.scratch);
	return rc;
}

/* The rows that mirror the body: readers/editors, tags, extracted fields, words. */
static int mirror(folio_doc *doc, folio_cx *cx, int64_t docid, int clear, const rootidx *root)
{
	folio_store *st = doc->st;
	int rc = 0;

	if (clear) {
		rc = run_docid(cx, st->sql->sec_clear, docid);
		rc = rc ? rc : run_docid(cx, st->sql->tag_clear, docid);
		if (st->n_fields)
			rc = rc ? rc : run_docid(cx, st->sql->fld_clear, docid);
		if (st->fts)
			rc = rc ? rc : run_docid(cx, st->sql->fts_clear, docid);
		if (rc < 0)
			return rc;
	}
	if (root->root->type != FOLIO_JT_OBJECT)
		return 0;
	rc = insert_names(cx, st, docid, root, "_readers", "R");
	rc = rc ? rc : insert_names(cx, st, docid, root, "_editors", "E");
	rc = rc ? rc : insert_names(cx, st, docid, root, "_tags", NULL);
	rc = rc ? rc : insert_fields(cx, st, docid, root);
	if (st->fts)
		rc = rc ? rc : insert_words(cx, st, docid, root);
	return rc;
}

void folio_doc__wres_free(folio_wres *r)
{
	free(r->rev);
	free(r->revs);
	free(r->cdate);
	free(r->cuser);
	free(r->mdate);
	free(r->muser);
	memset(r, 0, sizeof(*r));
}

void folio_doc__apply(folio_doc *doc, folio_wres *r)
{
	folio_doc__sfree(doc, doc->rev);
	folio_doc__sfree(doc, doc->revs);
	folio_doc__sfree(doc, doc->cdate);
	folio_doc__sfree(doc, doc->cuser);
	folio_doc__sfree(doc, doc->mdate);
	folio_doc__sfree(doc, doc->muser);
	folio_doc__sfree(doc, doc->expect_rev);
	doc->expect_rev = NULL;
	doc->rev = r->rev;
	doc->revs = r->revs;
	doc->cdate = r->cdate;
	doc->cuser = r->cuser;
	doc->mdate = r->mdate;
	doc->muser = r->muser;
	doc->docid = r->docid;
	doc->seq = r->seq;
	doc->is_new = 0;
	folio_doc__sfree(doc, doc->replica);
	doc->replica = folio__strdup(doc->st->replica);
	memset(r, 0, sizeof(*r));
}

static char *dup_or(const char *a, const char *b)
{
	return folio__strdup(a ? a : b);
}

/*
 * Binds the values of one document's insert (the columns of doc_insert)
 * from parameter `p` on: 11 columns, then the store's slots.
 */
/* Whether mdate is written as NULL ("equal to cdate"): layout 3 on (ddl/layout.h). */
static int same_date(const folio_store *st, const char *cdate, const char *mdate)
{
	return st->layout >= 3 && cdate && mdate && strcmp(cdate, mdate) == 0;
}

static int bind_insert(folio_q *q, int p, folio_doc *doc, const folio_wres *r, const char *meta,
		       const rootidx *root, folio_buf scratch[])
{
	folio_store *st = doc->st;
	int rc;

	rc = folio_q__int(q, p, st->storeid);
	rc = rc ? rc : folio_q__text(q, p + 1, doc->unid);
	rc = rc ? rc : folio_q__textn(q, p + 2, root->root->p, root->root->len);
	rc = rc ? rc : folio_q__text(q, p + 3, doc->parent);
	rc = rc ? rc : folio_q__text(q, p + 4, doc->syncmaster);
	rc = rc ? rc : folio_q__text(q, p + 5, r->cdate);
	rc = rc ? rc : folio_q__text(q, p + 6, r->cuser);
	/* NULL while it equals cdate (see the layout) */
	rc = rc ? rc : folio_q__text(q, p + 7, same_date(st, r->cdate, r->mdate) ? NULL : r->mdate);
	rc = rc ? rc : folio_q__text(q, p + 8, r->muser);
	rc = rc ? rc : folio_q__int(q, p + 9, r->seq);
	rc = rc ? rc : folio_q__text(q, p + 10, meta);
	rc = rc ? rc : bind_slots(q, p + 11, doc, root, scratch);
	return rc;
}

/* The new revision, dates, users and packed metadata of a save over `cur` (empty: none). */
static int compute_meta(folio_doc *doc, const current *curp, const folio_jspan *body,
			folio_wres *r, char **meta)
{
	folio_store *st = doc->st;
	folio_session *ses = st->ses;
	char rev[FOLIO_REV_MAX], now[FOLIO_DATE_LEN + 1];
	const current cur = *curp;
	int keep = doc->keep_meta;

	*meta = NULL;
	folio_time__now(now);
	if (keep && doc->rev) {
		r->rev = folio__strdup(doc->rev);
		r->revs = doc->revs ? folio__strdup(doc->revs) : push_rev(doc->rev, NULL);
	} else {
		folio_rev__next(rev, cur.rev, body->p, body->len, 0);
		r->rev = folio__strdup(rev);
		r->revs = push_rev(rev, cur.revs);
	}
	if (keep) {
		r->cdate = dup_or(doc->cdate, cur.cdate ? cur.cdate : now);
		r->cuser = dup_or(doc->cuser, cur.found ? cur.cuser : ses->user);
		r->mdate = dup_or(doc->mdate, now);
		r->muser = dup_or(doc->muser, ses->user);
	} else {
		r->cdate = dup_or(cur.found ? cur.cdate : NULL, now);
		r->cuser = dup_or(cur.found ? cur.cuser : NULL, ses->user);
		r->mdate = folio__strdup(now);
		r->muser = folio__strdup(ses->user);
	}
	if (r->rev && r->revs && r->cdate && r->mdate && r->muser)
		*meta = folio_doc__pack_meta(r, doc->parent, doc->syncmaster, st->replica, st->replica);
	if (!*meta) {
		folio_doc__wres_free(r);
		return folio_error__oom();
	}
	return 0;
}

/*
 * Writes the row with the metadata in *r and `meta`: an update of cur's row,
 * or an insert. With `try_insert` the insert does nothing when the UNID is
 * taken: then r->docid stays 0.
 */
static int write_row(folio_doc *doc, folio_cx *cx, folio_wres *r, const char *meta,
		     const current *curp, const rootidx *root, int try_insert)
{
	const char *text = root->root->p;
	size_t len = root->root->len;
	folio_buf scratch[2 * FOLIO_SLOTS];
	folio_store *st = doc->st;
	folio_session *ses = st->ses;
	const current cur = *curp;
	int rc;
	folio_q q;

	for (int i = 0; i < 2 * FOLIO_SLOTS; i++)
		folio_buf__init(&scratch[i], 0);
	rc = folio_seq__next(&r->seq, ses, cx, st->db);
	if (rc < 0)
		goto out;

	if (cur.found) {
		rc = folio_q__prep(&q, cx, st->sql->doc_update);
		if (rc < 0)
			goto out;
		rc = folio_q__textn(&q, 1, text, len);
		rc = rc ? rc : folio_q__text(&q, 2, doc->parent);
		rc = rc ? rc : folio_q__text(&q, 3, doc->syncmaster);
		rc = rc ? rc : folio_q__text(&q, 4, r->cdate);
		rc = rc ? rc : folio_q__text(&q, 5, r->cuser);
		rc = rc ? rc : folio_q__text(&q, 6, same_date(st, r->cdate, r->mdate) ? NULL : r->mdate);
		rc = rc ? rc : folio_q__text(&q, 7, r->muser);
		rc = rc ? rc : folio_q__int(&q, 8, r->seq);
		rc = rc ? rc : folio_q__text(&q, 9, meta);
		rc = rc ? rc : bind_slots(&q, 10, doc, root, scratch);
		rc = rc ? rc : folio_q__int(&q, 10 + n_slots(st), cur.docid);
		rc = rc ? rc : folio_q__run(&q);
		folio_q__done(&q);
		r->docid = cur.docid;
	} else {
		/* The generated docid: from the driver, from RETURNING, or read back. */
		int by_driver = st->last_id;
		int returning = !by_driver && folio_cx__dialect(cx)->has_returning;
		rc = folio_q__prep(&q, cx, try_insert ? st->sql->doc_try_insert : st->sql->doc_insert);
		if (rc < 0)
			goto out;
		rc = bind_insert(&q, 1, doc, r, meta, root, scratch);
		if (rc == 0 && returning) {
			rc = folio_q__step(&q);
			if (rc == FOLIO_ROW) {
				r->docid = folio_q__col_int(&q, 0);
				rc = folio_q__run(&q);
			} else if (rc == FOLIO_DONE) {
				rc = try_insert ? 0 /* the UNID is taken */
						: folio_error_set(FOLIO_ERROR, "INSERT returned no docid");
			}
		} else if (rc == 0) {
			rc = folio_q__run(&q);
			/* An insert-or-nothing that did nothing leaves r->docid 0. */
			if (rc == 0 && by_driver && (!try_insert || folio_cx__changes(cx) == 1))
				r->docid = folio_cx__last_id(cx);
		}
		folio_q__done(&q);
		if (rc == 0 && !returning && !by_driver) {
			rc = folio_q__prep(&q, cx, st->sql->last_docid);
			if (rc == 0) {
				rc = folio_q__int(&q, 1, st->storeid);
				rc = rc ? rc : folio_q__text(&q, 2, doc->unid);
				rc = rc ? rc : folio_q__step(&q);
				if (rc == FOLIO_ROW) {
					r->docid = folio_q__col_int(&q, 0);
					rc = 0;
				}
				folio_q__done(&q);
			}
		}
	}
out:
	for (int i = 0; i < 2 * FOLIO_SLOTS; i++)
		folio_buf__free(&scratch[i]);
	return rc;
}

/* What a write needs that does not touch the database (see folio_doc__prepare). */
struct folio_wprep {
	folio_jspan span;
	rootidx root;
	/* The metadata of a first save, computed ahead for the insert-first path. */
	folio_wres r;
	char *meta;
};

void folio_doc__prep_free(folio_wprep *p)
{
	if (!p)
		return;
	rootidx_free(&p->root);
	folio_doc__wres_free(&p->r);
	free(p->meta);
	free(p);
}

/* Whether a write may try a plain insert first (see folio_doc__write_prepared). */
static int insert_first(const folio_doc *doc, unsigned flags)
{
	return (flags & FOLIO_WRITE__TRY_INSERT) && !doc->expect_rev && doc->is_new &&
	       doc->st->sql->doc_try_insert;
}

int folio_doc__prepare(folio_wprep **out, folio_doc *doc, unsigned flags)
{
	folio_session *ses = doc->st->ses;
	folio_wprep *p;
	size_t len;
	int rc;

	*out = NULL;
	if (!doc->text) {
		/* The body was changed through its DOM: its text is written anew. */
		const char *t = folio_json__text(doc->body, &len);
		doc->text = malloc(len + 1);
		if (!doc->text)
			return folio_error__oom();
		memcpy(doc->text, t, len + 1);
	}
	len = strlen(doc->text);
	if (len > ses->srv->opts.max_doc_size)
		return folio_error_set(FOLIO_ETOOBIG, "document %s is %zu bytes, over the limit of %zu",
				       doc->unid, len, ses->srv->opts.max_doc_size);
	p = calloc(1, sizeof(*p));
	if (!p)
		return folio_error__oom();
	p->span.p = doc->text;
	p->span.len = len;
	p->span.type = doc->text[0] == '[' ? FOLIO_JT_ARRAY : FOLIO_JT_OBJECT;
	rc = rootidx_build(&p->root, &p->span);
	if (rc == 0 && insert_first(doc, flags)) {
		current none = {0};
		rc = compute_meta(doc, &none, &p->span, &p->r, &p->meta);
	}
	if (rc < 0) {
		folio_doc__prep_free(p);
		return rc;
	}
	p->root.root = &p->span; /* the index points at the span it was built on */
	rootidx_fields(&p->root, doc->st);
	*out = p;
	return 0;
}

/* Whether the Session may create documents (the error is not kept: callers fall back). */
static int may_create(folio_store *st, folio_cx *cx)
{
	if (folio_acl__check_create(st->ses, cx, st->db) == 0)
		return 1;
	folio_error_clear();
	return 0;
}

int folio_doc__write_prepared(folio_doc *doc, folio_cx *cx, unsigned flags, folio_wres *r,
			      folio_wprep *p)
{
	folio_store *st = doc->st;
	const char *expected;
	current cur = {0};
	char *meta = NULL;
	int rc, check, keep = doc->keep_meta;

	memset(r, 0, sizeof(*r));
	expected = doc->expect_rev ? doc->expect_rev : (doc->is_new ? NULL : doc->rev);
	check = (flags & FOLIO_SAVE_CHECK_CONFLICT) || doc->expect_rev;
	/*
	 * The import fast path: a new UNID in a store without stubs needs no
	 * look-up first. The insert does nothing if the UNID is taken after all,
	 * and then the ordinary path below runs.
	 */
	if (p->meta && insert_first(doc, flags) && may_create(st, cx)) {
		rc = write_row(doc, cx, &p->r, p->meta, &cur, &p->root, 1);
		if (rc == 0 && p->r.docid) {
			*r = p->r;
			memset(&p->r, 0, sizeof(p->r));
			goto mirror;
		}
		if (rc < 0)
			goto out;
	}
	rc = find_current(&cur, st, cx, doc->unid);
	if (rc < 0)
		goto out;
	/* the ACL before anything that would tell about the document (security/acl.c) */
	rc = cur.found ? folio_acl__check_update(st->ses, cx, st->db, cur.docid, 0, doc->unid)
		       : folio_acl__check_create(st->ses, cx, st->db);
	if (rc < 0)
		goto out;
	if (check && !keep) {
		if (cur.found && !expected) {
			rc = folio_error_set(FOLIO_EEXISTS, "document %s exists already in store %s",
					     doc->unid, st->name);
			goto out;
		}
		if (cur.found && strcmp(expected, cur.rev) != 0) {
			rc = folio_error_set(FOLIO_ECONFLICT,
					     "document %s was changed by another save: rev %s is not "
					     "the current %s",
					     doc->unid, expected, cur.rev);
			goto out;
		}
		if (!cur.found && expected) {
			rc = folio_error_set(FOLIO_ECONFLICT,
					     "document %s was deleted since rev %s", doc->unid,
					     expected);
			goto out;
		}
	} else if (check && keep && cur.found) {
		rc = folio_error_set(FOLIO_EEXISTS, "document %s exists already in store %s",
				     doc->unid, st->name);
		goto out;
	}
	if (!cur.found) {
		rc = take_stub(&cur, st, cx, doc->unid);
		if (rc < 0)
			goto out;
	}
	rc = compute_meta(doc, &cur, &p->span, r, &meta);
	if (rc == 0)
		rc = write_row(doc, cx, r, meta, &cur, &p->root, 0);
mirror:
	if (rc < 0)
		goto out;
	rc = mirror(doc, cx, r->docid, cur.found, &p->root);
out:
	if (rc < 0) {
		folio_error__wrap("saving %s", doc->unid);
		folio_doc__wres_free(r);
	}
	free(meta);
	current_free(&cur);
	return rc;
}

int folio_doc__write(folio_doc *doc, folio_cx *cx, unsigned flags, folio_wres *r)
{
	folio_wprep *p;
	int rc = folio_doc__prepare(&p, doc, flags);

	memset(r, 0, sizeof(*r));
	if (rc < 0)
		return rc;
	rc = folio_doc__write_prepared(doc, cx, flags, r, p);
	folio_doc__prep_free(p);
	return rc;
}

static int save_once(folio_doc *doc, unsigned flags)
{
	folio_session *ses = doc->st->ses;
	folio_wres r = {0};
	folio_cx *cx;
	int rc;

	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_store__check(doc->st, cx);
	if (rc == 0)
		rc = folio_doc__write(doc, cx, flags, &r);
	rc = folio_session__wend(ses, rc);
	if (rc == 0)
		folio_doc__apply(doc, &r);
	else
		folio_doc__wres_free(&r);
	return rc;
}

int folio_doc_save(folio_doc *doc, unsigned flags)
{
	int outer = doc->st->ses->depth == 0, rc;

	/* A deadlock victim outside the caller's transaction is tried again, a few times. */
	for (int attempt = 0;; attempt++) {
		rc = save_once(doc, flags);
		if (rc != FOLIO_EDEADLOCK || !outer || attempt == FOLIO__RETRIES)
			return rc;
		folio__backoff(attempt);
	}
}

/* Erases the rows keyed by docid in every table but the documents'. */
static int erase_children(folio_store *st, folio_cx *cx, int64_t docid)
{
	const char *sqls[] = {st->sql->sec_clear, st->sql->tag_clear, st->sql->fld_clear,
			      st->sql->soc_clear, st->sql->att_clear, st->sql->fts_clear,
			      st->sql->doc_delete};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(sqls) / sizeof(sqls[0]); i++)
		rc = run_docid(cx, sqls[i], docid);
	return rc;
}

static int delete_once(folio_store *st, const char *unid, const char *rev, unsigned flags);

int folio_doc_delete(folio_store *st, const char *unid, const char *rev, unsigned flags)
{
	int outer = st->ses->depth == 0, rc;

	for (int attempt = 0;; attempt++) {
		rc = delete_once(st, unid, rev, flags);
		if (rc != FOLIO_EDEADLOCK || !outer || attempt == FOLIO__RETRIES)
			return rc;
		folio__backoff(attempt);
	}
}

static int delete_once(folio_store *st, const char *unid, const char *rev, unsigned flags)
{
	folio_session *ses = st->ses;
	char next[FOLIO_REV_MAX], now[FOLIO_DATE_LEN + 1];
	current cur = {0};
	char *revs = NULL, *readers = NULL;
	int64_t seq;
	folio_cx *cx;
	folio_q q;
	int rc;

	if (!folio_unid_valid(unid))
		return folio_error_set(FOLIO_EINVALID, "invalid UNID '%.40s'", unid ? unid : "");
	if (rev && !folio_rev__valid(rev))
		return folio_error_set(FOLIO_EINVALID, "'%.60s' is not a revision", rev);
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = find_current(&cur, st, cx, unid);
	if (rc < 0)
		goto out;
	if (!cur.found) {
		rc = folio_error_set(FOLIO_ENOTFOUND, "no document %s in store %s", unid, st->name);
		goto out;
	}
	rc = folio_acl__check_update(ses, cx, st->db, cur.docid, 1, unid);
	/* the stub keeps the reader names, for the changes feed */
	rc = rc ? rc : folio_acl__stub_readers(&readers, cx, st->db, cur.docid);
	if (rc < 0)
		goto out;
	if (rev && strcmp(rev, cur.rev) != 0) {
		rc = folio_error_set(FOLIO_ECONFLICT,
				     "document %s was changed by another save: rev %s is not the "
				     "current %s",
				     unid, rev, cur.rev);
		goto out;
	}
	rc = erase_children(st, cx, cur.docid);
	if (rc < 0 || (flags & FOLIO_DELETE_ERASE))
		goto out;
	folio_rev__next(next, cur.rev, "", 0, 1);
	revs = push_rev(next, cur.revs);
	if (!revs) {
		rc = folio_error__oom();
		goto out;
	}
	rc = folio_seq__next(&seq, ses, cx, st->db);
	if (rc < 0)
		goto out;
	folio_time__now(now);
	rc = folio_q__prep(&q, cx, st->sql->stub_insert);
	if (rc < 0)
		goto out;
	rc = folio_q__int(&q, 1, st->storeid);
	rc = rc ? rc : folio_q__text(&q, 2, unid);
	rc = rc ? rc : folio_q__text(&q, 3, next);
	rc = rc ? rc : folio_q__text(&q, 4, revs);
	rc = rc ? rc : folio_q__int(&q, 5, seq);
	rc = rc ? rc : folio_q__text(&q, 6, now);
	rc = rc ? rc : folio_q__text(&q, 7, ses->user);
	rc = rc ? rc : folio_q__text(&q, 8, st->replica);
	rc = rc ? rc : folio_q__text(&q, 9, readers);
	rc = rc ? rc : folio_q__run(&q);
	folio_q__done(&q);
out:
	free(readers);
	free(revs);
	current_free(&cur);
	return folio_session__wend(ses, rc);
}

int folio_doc__prep_is_new(const folio_wprep *p)
{
	return p->meta != NULL;
}

/*
 * The SQL of a chunk of n inserts: the store's insert with n rows of
 * values; on PostgreSQL (RETURNING, no driver key) it does nothing for a
 * taken UNID and returns the unid and docid of what it inserted.
 */
static char *many_sql(const folio_store *st, int n, int returning)
{
	const char *one = st->sql->doc_insert;
	const char *values = strstr(one, "VALUES ");
	const char *row, *row_end;
	folio_buf b;
	int rc;

	if (!values)
		return NULL;
	row = values + 7;
	row_end = strchr(row, ')');
	if (!row_end)
		return NULL;
	folio_buf__init(&b, 0);
	rc = folio_buf__add(&b, one, (size_t)(row - one));
	for (int i = 0; rc == 0 && i < n; i++) {
		if (i)
			rc = folio_buf__add(&b, ", ", 2);
		if (rc == 0)
			rc = folio_buf__add(&b, row, (size_t)(row_end + 1 - row));
	}
	if (rc == 0 && returning)
		rc = folio_buf__addf(&b, "%s RETURNING unid, docid", st->dialect->on_conflict_nothing);
	if (rc < 0) {
		folio_buf__free(&b);
		return NULL;
	}
	return folio_buf__take(&b);
}

/* The docid of a live UNID of the store. */
static int read_docid(folio_cx *cx, folio_store *st, const char *unid, int64_t *docid)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->last_docid);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	rc = rc ? rc : folio_q__text(&q, 2, unid);
	rc = rc ? rc : folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		*docid = folio_q__col_int(&q, 0);
		rc = 0;
	} else if (rc == FOLIO_DONE) {
		rc = folio_error_set(FOLIO_ERROR, "document %s vanished after its insert", unid);
	}
	folio_q__done(&q);
	return rc;
}

/* 1 when `docid` is the row of `unid` in the store. */
static int docid_is(folio_cx *cx, folio_store *st, int64_t docid, const char *unid)
{
	int64_t found = 0;
	return read_docid(cx, st, unid, &found) == 0 && found == docid;
}

int folio_doc__write_many(folio_doc **docs, folio_wprep **preps, int n, folio_cx *cx,
			  int *done)
{
	folio_store *st = docs[0]->st;
	int returning = !st->last_id && st->dialect->has_returning && st->dialect->on_conflict_nothing;
	folio_buf *scratch = NULL;
	char *sql = NULL;
	const char *chunk_sql;
	int rc = 0, p = 1;
	folio_q q;

	for (int i = 0; i < n; i++)
		done[i] = 0;
	if (n < 2 || (!st->last_id && !returning))
		return 0; /* one at a time: the caller's per-document path */
	if (!may_create(st, cx))
		return 0; /* the per-document path says why, document by document */
	/* A full chunk's text is built once per store handle; a last, shorter one each time. */
	if (n == FOLIO_DOC__CHUNK) {
		if (!st->sql->doc_insert_chunk)
			st->sql->doc_insert_chunk = many_sql(st, n, returning);
		chunk_sql = st->sql->doc_insert_chunk;
	} else {
		sql = many_sql(st, n, returning);
		chunk_sql = sql;
	}
	scratch = calloc((size_t)n * 2 * FOLIO_SLOTS, sizeof(*scratch));
	if (!chunk_sql || !scratch) {
		rc = folio_error__oom();
		goto out;
	}
	for (int i = 0; rc == 0 && i < n; i++)
		rc = folio_seq__next(&preps[i]->r.seq, st->ses, cx, st->db);
	if (rc < 0)
		goto out;
	rc = folio_q__prep(&q, cx, chunk_sql);
	if (rc < 0)
		goto out;
	for (int i = 0; rc == 0 && i < n; i++) {
		rc = bind_insert(&q, p, docs[i], &preps[i]->r, preps[i]->meta, &preps[i]->root,
				 scratch + (size_t)i * 2 * FOLIO_SLOTS);
		p += 11 + n_slots(st);
	}
	if (rc == 0 && returning) {
		while ((rc = folio_q__step(&q)) == FOLIO_ROW) {
			const char *unid = folio_q__col_text(&q, 0, NULL);
			for (int i = 0; unid && i < n; i++)
				if (!done[i] && strcmp(docs[i]->unid, unid) == 0) {
					preps[i]->r.docid = folio_q__col_int(&q, 1);
					done[i] = 1;
					break;
				}
		}
		if (rc == FOLIO_DONE)
			rc = 0;
	} else if (rc == 0) {
		/* SQLite gives the rows of one INSERT consecutive rowids, in order. */
		rc = folio_q__run(&q);
		if (rc == 0) {
			int64_t last = folio_cx__last_id(cx);
			for (int i = 0; i < n; i++) {
				preps[i]->r.docid = last - (n - 1) + i;
				done[i] = 1;
			}
		} else if (rc == FOLIO_EEXISTS) {
			/* A taken UNID: the statement undid itself; one at a time then. */
			folio_error_clear();
			rc = 0;
		}
	}
	folio_q__done(&q);
	/*
	 * Consecutive rowids are SQLite's rule while the largest rowid is below
	 * 2^63 - 1; where it was not followed, read every docid back.
	 */
	if (rc == 0 && st->last_id && done[0] && !docid_is(cx, st, preps[0]->r.docid, docs[0]->unid))
		for (int i = 0; rc == 0 && i < n; i++)
			rc = read_docid(cx, st, docs[i]->unid, &preps[i]->r.docid);
	for (int i = 0; rc == 0 && i < n; i++)
		if (done[i])
			rc = mirror(docs[i], cx, preps[i]->r.docid, 0, &preps[i]->root);
out:
	if (scratch)
		for (int i = 0; i < n * 2 * FOLIO_SLOTS; i++)
			folio_buf__free(&scratch[i]);
	free(scratch);
	free(sql);
	return rc;
}

/*
 * The bulk path of batches: a chunk of new documents written by the
 * driver's bulk_insert (COPY on PostgreSQL, parameter arrays on ODBC). The
 * bulk path reports no generated key, so the chunk's docids are chosen
 * first (the dialect's key_next or key_last), and it takes no "or do
 * nothing", so a document whose UNID may be taken (by the store, or earlier
 * in the batch) is left out of it and goes one at a time by the ordinary
 * path afterwards, as from write_many.
 *
 * Nothing can take a UNID or a docid between the look-up and the insert:
 * every insert into <db>_doc happens after its writer's first seq, which
 * locks the database's counter row until commit (seq.c), and the chunk's
 * seqs are taken first. (On SQLite the database's write lock does the same.)
 *
 * Which UNIDs may be taken: when the store held no document at the batch's
 * first chunk (an import into a new store), only those the batch put
 * before, which it keeps in a Bloom filter (folio_bulk: a false "maybe"
 * only sends a document the slower way); otherwise the store is asked, in
 * groups of CHECK_GROUP UNIDs. (PostgreSQL plans `unid IN (...)` of a
 * longer list on a table without statistics, as a table filled in the same
 * transaction is, as a scan of the whole store: 66 ms for 512 UNIDs at
 * 100,000 documents, against 0.2 ms for 16.)
 */

#define CHECK_GROUP 16
/* Columns of a bulk row: the insert's (11 and the slots), the docid. */
#define BULK_COLS_MAX 48
/* The filter: 2^24 bits (2 MiB), 4 probes: 0.25% false "maybe" at SEEN_MAX UNIDs. */
#define SEEN_BITS ((uint64_t)1 << 24)
#define SEEN_PROBES 4
#define SEEN_MAX 1000000

enum { SEEN_UNKNOWN = 0, SEEN_FRESH, SEEN_CHECK };

void folio_doc__bulk_free(folio_bulk *b)
{
	for (size_t i = 0; i < b->n_scratch; i++)
		folio_buf__free(&b->scratch[i]);
	free(b->scratch);
	free(b->rows);
	free(b->seen);
	free(b->ids);
	memset(b, 0, sizeof(*b));
}

/*
 * Room for n rows of ncols values and per_row scratch buffers each, in
 * arrays that only grow (new buffers empty), kept from chunk to chunk.
 */
static int rows_grow(folio_value **rows, size_t *n_rows, folio_buf **scratch, size_t *n_scratch,
		     size_t n, size_t ncols, size_t per_row)
{
	if (*n_rows < n * ncols) {
		folio_value *r = realloc(*rows, n * ncols * sizeof(*r));
		if (!r)
			return folio_error__oom();
		*rows = r;
		*n_rows = n * ncols;
	}
	if (*n_scratch < n * per_row) {
		folio_buf *sc = realloc(*scratch, n * per_row * sizeof(*sc));
		if (!sc)
			return folio_error__oom();
		for (size_t i = *n_scratch; i < n * per_row; i++)
			folio_buf__init(&sc[i], 0);
		*scratch = sc;
		*n_scratch = n * per_row;
	}
	return 0;
}

static int bulk_room(folio_bulk *b, size_t n, size_t ncols, size_t per_row)
{
	return rows_grow(&b->rows, &b->n_rows, &b->scratch, &b->n_scratch, n, ncols, per_row);
}

static uint64_t unid_hash(const char *u)
{
	uint64_t h = 1469598103934665603ull;

	for (; *u; u++)
		h = (h ^ (unsigned char)*u) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* 0 when the batch has certainly not put `unid`; 1 when it may have. */
static int seen_maybe(const folio_bulk *s, const char *unid)
{
	uint64_t h = unid_hash(unid), step = (h >> 32) | 1;

	for (int k = 0; k < SEEN_PROBES; k++, h += step) {
		uint64_t bit = h & (SEEN_BITS - 1);
		if (!(s->seen[bit >> 3] & (1u << (bit & 7))))
			return 0;
	}
	return 1;
}

static void seen_add(folio_bulk *s, const char *unid)
{
	uint64_t h = unid_hash(unid), step = (h >> 32) | 1;

	for (int k = 0; k < SEEN_PROBES; k++, h += step) {
		uint64_t bit = h & (SEEN_BITS - 1);
		s->seen[bit >> 3] |= (unsigned char)(1u << (bit & 7));
	}
	s->n_seen++;
}

/* Whether the store has any document: read once, under the counter row's lock. */
static int store_empty(folio_cx *cx, folio_store *st, int *empty)
{
	char sql[128];
	folio_q q;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT MIN(unid) FROM %s_doc WHERE storeid = ?", st->db);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	rc = rc ? rc : folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		*empty = folio_q__is_null(&q, 0);
		rc = folio_q__run(&q);
	} else if (rc == FOLIO_DONE) {
		*empty = 1;
		rc = 0;
	}
	folio_q__done(&q);
	return rc;
}

int folio_doc__bulk_ok(const folio_store *st, const folio_cx *cx)
{
	const folio_dialect *d = folio_cx__dialect(cx);

	return folio_cx__has_bulk(cx) && (d->key_next || d->key_last);
}

int folio_doc__prep_bulk(const folio_doc *doc, const folio_wprep *p, unsigned flags)
{
	/*
	 * A new UNID into a store without stubs: what the insert-first path
	 * takes, also where the dialect has no insert-or-nothing (MariaDB),
	 * since the bulk path looks the UNIDs up itself.
	 */
	return p->meta != NULL ||
	       ((flags & FOLIO_WRITE__TRY_INSERT) && !doc->expect_rev && doc->is_new);
}

/* A chunk's UNIDs in order, to find a UNID's second appearance and the look-up's rows. */
typedef struct unid_ent {
	const char *unid;
	int i;
} unid_ent;

static int unid_ent_cmp(const void *a, const void *b)
{
	const unid_ent *x = a, *y = b;
	int c = strcmp(x->unid, y->unid);

	if (c)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The first entry of `unid` in the sorted entries, or NULL. */
static const unid_ent *unid_find(const unid_ent *ents, int n, const char *unid)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strcmp(ents[mid].unid, unid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(ents[lo].unid, unid) == 0 ? &ents[lo] : NULL;
}

/* Clears fresh[] for the UNIDs of docs[from, from + n) that the store has. */
static int check_group(folio_cx *cx, folio_store *st, folio_doc **docs, int from, int n,
		       const unid_ent *ents, int n_ents, int *fresh)
{
	char sql[160 + 3 * CHECK_GROUP];
	size_t o;
	folio_q q;
	int rc;

	o = (size_t)snprintf(sql, sizeof(sql),
			     "SELECT unid FROM %s_doc WHERE storeid = ? AND unid IN (?", st->db);
	for (int i = 1; i < n && o + 4 < sizeof(sql); i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", ?");
	snprintf(sql + o, sizeof(sql) - o, ")");
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	for (int i = 0; rc == 0 && i < n; i++)
		rc = folio_q__text(&q, i + 2, docs[from + i]->unid);
	while (rc == 0) {
		const char *unid;
		const unid_ent *e;
		rc = folio_q__step(&q);
		if (rc != FOLIO_ROW)
			break;
		rc = 0;
		unid = folio_q__col_text(&q, 0, NULL);
		e = unid ? unid_find(ents, n_ents, unid) : NULL;
		if (e)
			fresh[e->i] = 0; /* its later appearances are not fresh already */
	}
	folio_q__done(&q);
	return rc == FOLIO_DONE ? 0 : rc;
}

/*
 * fresh[i]: 1 when docs[i]'s UNID is certainly free, so that it can go by
 * the bulk insert; 0 for the others (taken, maybe taken, or the second
 * appearance of a UNID in the chunk).
 */
static int find_fresh(folio_cx *cx, folio_store *st, folio_doc **docs, int n,
		      folio_bulk *seen, unid_ent *ents, int *fresh)
{
	int rc = 0;

	for (int i = 0; i < n; i++)
		fresh[i] = 1;
	if (seen->state == SEEN_UNKNOWN) {
		int empty = 0;
		rc = store_empty(cx, st, &empty);
		if (rc < 0)
			return rc;
		seen->state = SEEN_CHECK;
		if (empty) {
			seen->seen = calloc(SEEN_BITS / 8, 1);
			/* Without the memory the store is asked. */
			if (seen->seen)
				seen->state = SEEN_FRESH;
		}
	}
	if (seen->state == SEEN_FRESH) {
		/*
		 * Every UNID of the chunk is the store's now, or will be by the
		 * ordinary path; a second appearance in the chunk is a "maybe".
		 */
		for (int i = 0; i < n; i++) {
			if (seen_maybe(seen, docs[i]->unid))
				fresh[i] = 0;
			seen_add(seen, docs[i]->unid);
		}
		if (seen->n_seen > SEEN_MAX) {
			/* Full: from the next chunk on, the store is asked. */
			free(seen->seen);
			seen->seen = NULL;
			seen->state = SEEN_CHECK;
		}
		return 0;
	}
	for (int i = 0; i < n; i++) {
		ents[i].unid = docs[i]->unid;
		ents[i].i = i;
	}
	qsort(ents, (size_t)n, sizeof(*ents), unid_ent_cmp);
	for (int j = 1; j < n; j++)
		if (strcmp(ents[j].unid, ents[j - 1].unid) == 0)
			fresh[ents[j].i] = 0;
	for (int from = 0; rc == 0 && from < n; from += CHECK_GROUP) {
		int group = n - from < CHECK_GROUP ? n - from : CHECK_GROUP;
		rc = check_group(cx, st, docs, from, group, ents, n, fresh);
	}
	return rc;
}

/*
 * Chooses k new docids for the documents table (see key_next and key_last
 * in dialect.h). A sequence hands out more than asked, twice as many each
 * time up to IDS_AHEAD_MAX, kept for the next chunks: a large import asks
 * once in a while. (What is left at the end is a gap in the sequence, as a
 * rollback leaves.) The largest key is read for each chunk: an insert by
 * the ordinary path in between takes the next key after it.
 */
#define IDS_AHEAD_MAX 65536

static int choose_docids(folio_cx *cx, folio_store *st, folio_bulk *bulk, int64_t *ids, int k)
{
	const folio_dialect *d = folio_cx__dialect(cx);
	char table[48], sql[256];
	int got = 0, rc;
	folio_q q;

	if (d->key_next && bulk->n_ids - bulk->at_ids < (size_t)k) {
		size_t want = bulk->next_ids > (size_t)k ? bulk->next_ids : (size_t)k;
		int64_t *pool = realloc(bulk->ids, want * sizeof(*pool));
		if (!pool)
			return folio_error__oom();
		bulk->ids = pool;
		bulk->n_ids = 0;
		bulk->at_ids = 0;
		bulk->next_ids = want * 2 > IDS_AHEAD_MAX ? IDS_AHEAD_MAX : want * 2;
		snprintf(table, sizeof(table), "%s_doc", st->db);
		snprintf(sql, sizeof(sql), d->key_range ? d->key_range : d->key_next, table, "docid");
		rc = folio_q__prep(&q, cx, sql);
		rc = rc ? rc : folio_q__int(&q, 1, (int64_t)want);
		if (rc == 0 && d->key_range) {
			/* One row: the last of `want` values reserved. */
			rc = folio_q__step(&q);
			if (rc == FOLIO_ROW && !folio_q__is_null(&q, 0)) {
				int64_t last = folio_q__col_int(&q, 0);
				for (size_t i = 0; i < want; i++)
					bulk->ids[i] = last - (int64_t)want + 1 + (int64_t)i;
				bulk->n_ids = want;
			}
			if (rc >= 0)
				rc = 0;
		}
		while (rc == 0 && !d->key_range) {
			rc = folio_q__step(&q);
			if (rc != FOLIO_ROW)
				break;
			rc = 0;
			if (bulk->n_ids < want)
				bulk->ids[bulk->n_ids++] = folio_q__col_int(&q, 0);
		}
		folio_q__done(&q);
		if (rc < 0)
			return rc;
		if (bulk->n_ids < (size_t)k)
			return folio_error_set(FOLIO_ERROR, "the key sequence of %s gave %zu of %d",
					       table, bulk->n_ids, k);
	}
	if (d->key_next) {
		memcpy(ids, bulk->ids + bulk->at_ids, (size_t)k * sizeof(*ids));
		bulk->at_ids += (size_t)k;
		return 0;
	}
	snprintf(table, sizeof(table), "%s_doc", st->db);
	snprintf(sql, sizeof(sql), d->key_last, table, "docid");
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	{
		int64_t last = 0;
		rc = folio_q__step(&q);
		if (rc == FOLIO_ROW && !folio_q__is_null(&q, 0))
			last = folio_q__col_int(&q, 0);
		if (rc == FOLIO_ROW)
			rc = folio_q__run(&q);
		for (; got < k; got++)
			ids[got] = last + 1 + got;
	}
	folio_q__done(&q);
	return rc < 0 ? rc : 0;
}

/*
 * A bulk row is what bind_insert() binds for the ordinary insert, caught by
 * a statement that only keeps its values (so the two cannot drift apart),
 * then the docid. Texts are the caller's, as a driver may keep them.
 */
typedef struct capture {
	folio_value *v;
	int n;
} capture;

static folio_value *cap_at(folio_stmt *stmt, int idx)
{
	capture *c = (capture *)stmt;

	if (idx < 1 || idx > c->n) {
		folio_error_set(FOLIO_ERROR, "bulk row: no column %d of %d", idx, c->n);
		return NULL;
	}
	memset(&c->v[idx - 1], 0, sizeof(c->v[0]));
	return &c->v[idx - 1];
}

static int cap_null(folio_stmt *stmt, int idx)
{
	folio_value *v = cap_at(stmt, idx);
	return v ? 0 : FOLIO_ERROR;
}

static int cap_int64(folio_stmt *stmt, int idx, int64_t i)
{
	folio_value *v = cap_at(stmt, idx);
	if (!v)
		return FOLIO_ERROR;
	v->type = FOLIO_COL_INT;
	v->i = i;
	return 0;
}

static int cap_double(folio_stmt *stmt, int idx, double d)
{
	folio_value *v = cap_at(stmt, idx);
	if (!v)
		return FOLIO_ERROR;
	v->type = FOLIO_COL_DOUBLE;
	v->d = d;
	return 0;
}

static int cap_text(folio_stmt *stmt, int idx, const char *p, size_t len)
{
	folio_value *v = cap_at(stmt, idx);
	if (!v)
		return FOLIO_ERROR;
	v->type = FOLIO_COL_TEXT;
	v->p = p ? p : "";
	v->len = len;
	return 0;
}

static int cap_blob(folio_stmt *stmt, int idx, const void *p, size_t len)
{
	(void)p;
	(void)len;
	return folio_error_set(FOLIO_ERROR, "bulk row: a blob in column %d", idx);
}

static const folio_driver capture_driver = {
	.version = FOLIO_DRIVER_VERSION,
	.name = "capture",
	.bind_null = cap_null,
	.bind_int64 = cap_int64,
	.bind_double = cap_double,
	.bind_text = cap_text,
	.bind_blob = cap_blob,
};

/* The columns of doc_insert (in its order), then docid: n names, or an error. */
static int bulk_columns(const folio_store *st, char *buf, size_t size, const char **cols,
			int max)
{
	const char *open = strchr(st->sql->doc_insert, '(');
	const char *close = open ? strchr(open, ')') : NULL;
	size_t len = close ? (size_t)(close - open - 1) : 0;
	int n = 0;

	if (!close || len + 1 > size)
		return folio_error_set(FOLIO_ERROR, "bulk insert: no column list in %.60s",
				       st->sql->doc_insert);
	memcpy(buf, open + 1, len);
	buf[len] = 0;
	for (char *p = buf; p && n < max - 1;) {
		char *comma = strchr(p, ',');
		while (*p == ' ')
			p++;
		if (comma)
			*comma = 0;
		cols[n++] = p;
		p = comma ? comma + 1 : NULL;
	}
	cols[n++] = "docid";
	return n;
}

void folio_doc__rows_free(folio_rows *br)
{
	for (size_t i = 0; i < br->n_scratch; i++)
		folio_buf__free(&br->scratch[i]);
	free(br->scratch);
	free(br->rows);
	memset(br, 0, sizeof(*br));
}

/* Room for row i of a chunk of FOLIO_DOC__BULK (or more) rows. */
static int rows_room(folio_rows *br, const folio_store *st, int i)
{
	size_t per_row = (size_t)(n_slots(st) ? n_slots(st) : 1), want = (size_t)i + 1;

	if (!br->ncols) {
		const char *cols[BULK_COLS_MAX];
		char names[512];
		int n = bulk_columns(st, names, sizeof(names), cols, BULK_COLS_MAX);
		if (n < 0)
			return n;
		br->ncols = n;
		br->per_row = per_row;
		br->gen = st->fields_gen;
	}
	if (want < FOLIO_DOC__BULK)
		want = FOLIO_DOC__BULK;
	if (br->cap < want) {
		size_t n_rows = br->cap * (size_t)br->ncols;
		int rc = rows_grow(&br->rows, &n_rows, &br->scratch, &br->n_scratch, want,
				   (size_t)br->ncols, per_row);
		if (rc < 0)
			return rc;
		br->cap = want;
	}
	return 0;
}

int folio_doc__capture(folio_rows *br, int i, folio_doc *doc, folio_wprep *p)
{
	folio_store *st = doc->st;
	int rc = 0;

	if (i == 0) {
		if (br->ncols && br->gen != st->fields_gen)
			folio_doc__rows_free(br); /* the store's fields changed */
		br->ok = 1;
	}
	if (!br->ok || (br->ncols && br->gen != st->fields_gen)) {
		br->ok = 0;
		return 0; /* write_bulk binds the chunk itself */
	}
	rc = rows_room(br, st, i);
	if (rc == 0 && !p->meta) {
		current none = {0};
		rc = compute_meta(doc, &none, &p->span, &p->r, &p->meta);
	}
	if (rc == 0) {
		capture cap = {br->rows + (size_t)i * (size_t)br->ncols, br->ncols};
		folio_q q = {NULL, (folio_stmt *)&cap, &capture_driver, -1};
		rc = bind_insert(&q, 1, doc, &p->r, p->meta, &p->root,
				 br->scratch + (size_t)i * br->per_row);
		rc = rc ? rc : folio_q__int(&q, br->ncols, 0); /* the docid: chosen by write_bulk */
	}
	if (rc < 0)
		br->ok = 0;
	return rc;
}

int folio_doc__write_bulk(folio_doc **docs, folio_wprep **preps, int n, folio_cx *cx, int *done,
			  folio_bulk *bulk, folio_rows *pre)
{
	folio_store *st = docs[0]->st;
	int ncols = 0, k = 0, rc = 0;
	const char *cols[BULK_COLS_MAX];
	char names[512], table[48];
	unid_ent *ents = calloc((size_t)n, sizeof(*ents));
	int *fresh = calloc((size_t)n, sizeof(*fresh));
	int64_t *ids = calloc((size_t)n, sizeof(*ids));
	size_t per_row = (size_t)(n_slots(st) ? n_slots(st) : 1);
	const folio_value *rows;

	for (int i = 0; i < n; i++)
		done[i] = 0;
	if (!ents || !fresh || !ids) {
		rc = folio_error__oom();
		goto out;
	}
	if (!may_create(st, cx))
		goto out; /* the per-document path says why, document by document */
	/* The metadata of a first save, where prepare did not compute it (see prep_bulk). */
	for (int i = 0; rc == 0 && i < n; i++) {
		current none = {0};
		if (!preps[i]->meta)
			rc = compute_meta(docs[i], &none, &preps[i]->span, &preps[i]->r,
					  &preps[i]->meta);
	}
	if (rc < 0)
		goto out;
	/* The seqs first: the counter row's lock keeps other writers out until commit. */
	for (int i = 0; rc == 0 && i < n; i++)
		rc = folio_seq__next(&preps[i]->r.seq, st->ses, cx, st->db);
	rc = rc ? rc : find_fresh(cx, st, docs, n, bulk, ents, fresh);
	if (rc < 0)
		goto out;
	for (int i = 0; i < n; i++)
		k += fresh[i];
	if (k == 0)
		goto out;
	rc = choose_docids(cx, st, bulk, ids, k);
	if (rc < 0)
		goto out;
	ncols = bulk_columns(st, names, sizeof(names), cols, BULK_COLS_MAX);
	if (ncols < 0) {
		rc = ncols;
		goto out;
	}
	if (pre && pre->ok && pre->ncols == ncols && pre->gen == st->fields_gen) {
		/*
		 * Captured ahead (folio_doc__capture): the fresh rows moved
		 * together, their seq and docid set.
		 */
		int seqcol = -1;
		for (int c = 0; c < ncols; c++)
			if (strcmp(cols[c], "seq") == 0)
				seqcol = c;
		if (seqcol < 0) {
			rc = folio_error_set(FOLIO_ERROR, "bulk insert: no seq column");
			goto out;
		}
		for (int i = 0, r = 0; i < n; i++) {
			folio_value *row = pre->rows + (size_t)r * (size_t)ncols;
			if (!fresh[i])
				continue;
			if (r != i)
				memmove(row, pre->rows + (size_t)i * (size_t)ncols,
					(size_t)ncols * sizeof(*row));
			row[seqcol].i = preps[i]->r.seq;
			row[ncols - 1].i = ids[r];
			r++;
		}
		rows = pre->rows;
	} else {
		rc = bulk_room(bulk, (size_t)k, (size_t)ncols, per_row);
		if (rc < 0)
			goto out;
		for (int i = 0, r = 0; rc == 0 && i < n; i++) {
			capture cap = {bulk->rows + (size_t)r * (size_t)ncols, ncols};
			folio_q q = {NULL, (folio_stmt *)&cap, &capture_driver, -1};
			if (!fresh[i])
				continue;
			/* bind_slots() takes a scratch buffer per slot of the store. */
			rc = bind_insert(&q, 1, docs[i], &preps[i]->r, preps[i]->meta,
					 &preps[i]->root, bulk->scratch + (size_t)r * per_row);
			rc = rc ? rc : folio_q__int(&q, ncols, ids[r]);
			r++;
		}
		if (rc < 0)
			goto out;
		rows = bulk->rows;
	}
	snprintf(table, sizeof(table), "%s_doc", st->db);
	rc = folio_cx__bulk_insert(cx, table, cols, ncols, rows, (size_t)k);
	if (rc < 0)
		goto out;
	for (int i = 0, r = 0; i < n; i++) {
		if (!fresh[i])
			continue;
		preps[i]->r.docid = ids[r++];
		done[i] = 1;
	}
	for (int i = 0; rc == 0 && i < n; i++)
		if (done[i])
			rc = mirror(docs[i], cx, preps[i]->r.docid, 0, &preps[i]->root);
out:
	if (rc < 0)
		folio_error__wrap("saving %d documents from %s on", n, docs[0]->unid);
	free(ids);
	free(fresh);
	free(ents);
	return rc;
}

/*
 * Reindexing a stored document after the store's fields or full-text flag
 * changed: its slots, its _fld rows and marks, its words. `update_slots` is
 * the store's "UPDATE <db>_doc SET <slots> WHERE docid = ?" (NULL: no slots).
 */
int folio_doc__reindex(folio_store *st, folio_cx *cx, int64_t docid, const char *text,
		       size_t len, const char *update_slots)
{
	folio_jspan span = {text, len, text[0] == '[' ? FOLIO_JT_ARRAY : FOLIO_JT_OBJECT};
	folio_buf scratch[FOLIO_SLOTS * 2];
	folio_doc doc;
	rootidx root;
	int rc;

	while (span.len && (span.p[0] == ' ' || span.p[0] == '\n' || span.p[0] == '\t' || span.p[0] == '\r'))
		span.p++, span.len--;
	if (span.len)
		span.type = span.p[0] == '{' ? FOLIO_JT_OBJECT : span.p[0] == '[' ? FOLIO_JT_ARRAY : FOLIO_JT_STRING;
	rc = rootidx_build(&root, &span);
	if (rc < 0)
		return rc;
	for (int i = 0; i < FOLIO_SLOTS * 2; i++)
		folio_buf__init(&scratch[i], 0);
	memset(&doc, 0, sizeof(doc));
	doc.st = st;
	if (update_slots) {
		folio_q q;
		rc = folio_q__prep(&q, cx, update_slots);
		if (rc == 0) {
			rc = bind_slots(&q, 1, &doc, &root, scratch);
			rc = rc ? rc : folio_q__int(&q, 1 + n_slots(st), docid);
			rc = rc ? rc : folio_q__run(&q);
			folio_q__done(&q);
		}
	}
	if (rc == 0)
		rc = run_docid(cx, st->sql->fld_clear, docid);
	if (rc == 0)
		rc = run_docid(cx, st->sql->fts_clear, docid);
	if (rc == 0 && root.root->type == FOLIO_JT_OBJECT) {
		rc = insert_fields(cx, st, docid, &root);
		if (st->fts)
			rc = rc ? rc : insert_words(cx, st, docid, &root);
	}
	for (int i = 0; i < FOLIO_SLOTS * 2; i++)
		folio_buf__free(&scratch[i]);
	rootidx_free(&root);
	return rc;
}
