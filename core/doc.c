/*
 * Documents: the body (kept as the stored text until someone needs it
 * parsed), the metadata, and the write path shared by saves and batches.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "acl.h"
#include "json.h"
#include "jscan.h"
#include "rev.h"

/* ---- the handle ---------------------------------------------------------------------- */

int folio_doc__init(folio_doc *doc, folio_store *st, const char *unid)
{
	memset(doc, 0, sizeof(*doc));
	doc->st = st;
	doc->is_new = 1;
	if (unid) {
		if (!folio_unid_valid(unid))
			return folio_error_set(FOLIO_EINVALID,
					       "invalid UNID '%.40s': use 1 to 128 of A-Z, a-z, 0-9, "
					       ". _ ~ -, starting with a letter or digit",
					       unid);
		snprintf(doc->unid, sizeof(doc->unid), "%s", unid);
	} else {
		folio_unid_generate(doc->unid);
	}
	return 0;
}

void folio_doc__sfree(folio_doc *doc, char *p)
{
	if (p && !(doc->arena && p >= doc->arena && p < doc->arena + doc->arena_len) &&
	    !(p >= doc->implied && p < doc->implied + sizeof(doc->implied)))
		free(p);
}

void folio_doc__clear(folio_doc *doc)
{
	folio_doc__sfree(doc, doc->text);
	json_object_put(doc->body);
	folio_doc__sfree(doc, doc->rev);
	folio_doc__sfree(doc, doc->revs);
	folio_doc__sfree(doc, doc->expect_rev);
	folio_doc__sfree(doc, doc->cdate);
	folio_doc__sfree(doc, doc->cuser);
	folio_doc__sfree(doc, doc->mdate);
	folio_doc__sfree(doc, doc->muser);
	folio_doc__sfree(doc, doc->replica);
	folio_doc__sfree(doc, doc->parent);
	folio_doc__sfree(doc, doc->syncmaster);
	free(doc->arena);
	memset(doc, 0, sizeof(*doc));
}

int folio_doc_new(folio_doc **out, folio_store *st, const char *unid)
{
	folio_doc *doc = malloc(sizeof(*doc));
	int rc;

	*out = NULL;
	if (!doc)
		return folio_error__oom();
	rc = folio_doc__init(doc, st, unid);
	if (rc == 0) {
		doc->text = folio__strdup("{}");
		if (!doc->text)
			rc = FOLIO_ENOMEM;
	}
	if (rc < 0) {
		folio_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

void folio_doc_free(folio_doc *doc)
{
	if (!doc)
		return;
	folio_doc__clear(doc);
	free(doc);
}

/*
 * The packed metadata: rev, cdate, cuser, mdate, muser, parent, syncmaster,
 * replica, revs, separated by \x01 (none of them can hold a control
 * character: names, dates, revisions and references are checked). A load
 * reads this one column instead of nine. What a load can tell by itself is
 * left out (an empty part): mdate and muser equal to cdate and cuser, the
 * database's own replica, an ancestry of the rev alone. \x02 stands for a
 * part that is not set where an empty one would mean "implied".
 */
#define META_SEP '\x01'
#define META_NONE "\x02"
enum { M_REV, M_CDATE, M_CUSER, M_MDATE, M_MUSER, M_PARENT, M_SYNC, M_REPLICA, M_REVS, M_N };

/* 1 when revs is the JSON array of `rev` alone. */
static int revs_of_rev_alone(const char *revs, const char *rev)
{
	size_t n = rev ? strlen(rev) : 0;
	return revs && n && revs[0] == '[' && revs[1] == '"' && strncmp(revs + 2, rev, n) == 0 &&
	       strcmp(revs + 2 + n, "\"]") == 0;
}

static int same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

char *folio_doc__pack_meta(const folio_wres *r, const char *parent, const char *syncmaster,
			   const char *replica, const char *own_replica)
{
	const char *v[M_N] = {r->rev,	 r->cdate,   r->cuser, r->mdate, r->muser,
			      parent,	 syncmaster, replica,  r->revs};
	size_t len[M_N], total = M_N;
	char *out, *p;

	if (same(v[M_MDATE], v[M_CDATE]))
		v[M_MDATE] = "";
	if (same(v[M_MUSER], v[M_CUSER]))
		v[M_MUSER] = "";
	else if (!v[M_MUSER] && v[M_CUSER])
		v[M_MUSER] = META_NONE;
	v[M_REPLICA] = same(replica, own_replica) ? "" : replica ? replica : META_NONE;
	v[M_REVS] = revs_of_rev_alone(r->revs, r->rev) ? "" : r->revs ? r->revs : META_NONE;
	for (int i = 0; i < M_N; i++) {
		len[i] = v[i] ? strlen(v[i]) : 0;
		total += len[i];
	}
	out = malloc(total);
	if (!out)
		return NULL;
	p = out;
	for (int i = 0; i < M_N; i++) {
		if (i)
			*p++ = META_SEP;
		memcpy(p, v[i] ? v[i] : "", len[i]);
		p += len[i];
	}
	*p = 0;
	return out;
}

/* The ancestry a packed metadata leaves out (an empty last part): the rev alone. */
static int implied_revs(char *buf, size_t size, const char *rev)
{
	int n = snprintf(buf, size, "[\"%s\"]", rev);
	return n > 0 && (size_t)n < size ? n : -1;
}

int folio_doc__meta_revs(char **out, const char *rev, const char *part)
{
	size_t size;

	*out = NULL;
	if (strcmp(part, META_NONE) == 0)
		return 0;
	if (*part) {
		*out = folio__strdup(part);
		return *out ? 0 : folio_error__oom();
	}
	if (!rev)
		return 0;
	size = strlen(rev) + 5;
	*out = malloc(size);
	if (!*out)
		return folio_error__oom();
	implied_revs(*out, size, rev);
	return 0;
}

/*
 * Points the metadata fields into packed metadata `p`, splitting it in
 * place, and fills in what it leaves out (into doc->implied).
 */
static void split_meta(folio_doc *doc, char *p)
{
	char **dst[M_N] = {&doc->rev,	&doc->cdate,	  &doc->cuser,	 &doc->mdate, &doc->muser,
			   &doc->parent, &doc->syncmaster, &doc->replica, &doc->revs};
	int i = 0, empty[M_N] = {0};
	size_t o = 0;

	*dst[i++] = p;
	for (; *p && i < M_N; p++)
		if (*p == META_SEP) {
			*p = 0;
			*dst[i++] = p + 1;
		}
	for (int k = 0; k < M_N; k++) {
		if (*dst[k] && !**dst[k]) {
			*dst[k] = NULL; /* an empty part: not set, or implied */
			empty[k] = 1;
		} else if (*dst[k] && strcmp(*dst[k], META_NONE) == 0) {
			*dst[k] = NULL;
		}
	}
	if (i < M_N)
		return; /* not packed by this code: taken as it is */
	if (empty[M_MDATE])
		doc->mdate = doc->cdate;
	if (empty[M_MUSER])
		doc->muser = doc->cuser;
	if (empty[M_REPLICA] && doc->st && doc->st->replica[0]) {
		int n = snprintf(doc->implied, sizeof(doc->implied), "%s", doc->st->replica);
		if (n > 0 && (size_t)n < sizeof(doc->implied)) {
			doc->replica = doc->implied;
			o = (size_t)n + 1;
		}
	}
	if (empty[M_REVS] && doc->rev &&
	    implied_revs(doc->implied + o, sizeof(doc->implied) - o, doc->rev) > 0)
		doc->revs = doc->implied + o;
}

/* Copies a body and its packed metadata into one allocation (a load is the hot path). */
static int fill_arena(folio_doc *doc, const char *text, size_t tlen, const char *meta,
		      size_t mlen)
{
	char *p;

	doc->arena = malloc(tlen + mlen + 2);
	if (!doc->arena)
		return folio_error__oom();
	doc->arena_len = tlen + mlen + 2;
	memcpy(doc->arena, text, tlen);
	doc->arena[tlen] = 0;
	doc->text = doc->arena;
	p = doc->arena + tlen + 1;
	memcpy(p, meta, mlen);
	p[mlen] = 0;
	split_meta(doc, p);
	return 0;
}

void folio_doc__view(folio_doc *doc, folio_store *st, const char *unid, int64_t docid,
		     int64_t seq, char *text, char *meta)
{
	memset(doc, 0, sizeof(*doc));
	doc->st = st;
	snprintf(doc->unid, sizeof(doc->unid), "%s", unid);
	doc->docid = docid;
	doc->seq = seq;
	doc->text = text;
	split_meta(doc, meta);
}

static int take_row(folio_doc *doc, folio_q *q)
{
	size_t tlen = 0, mlen = 0;
	const char *text = folio_q__col_text(q, 2, &tlen);
	const char *meta = folio_q__col_text(q, 3, &mlen);

	if (!text || !meta)
		return folio_error_set(FOLIO_ERROR, "document %s has no body or metadata", doc->unid);
	return fill_arena(doc, text, tlen, meta, mlen);
}

int folio_doc__from_row(folio_doc **out, folio_store *st, const char *unid, int64_t docid,
			int64_t seq, const char *text, size_t tlen, const char *meta, size_t mlen)
{
	folio_doc *doc = malloc(sizeof(*doc));
	int rc;

	*out = NULL;
	if (!doc)
		return folio_error__oom();
	rc = folio_doc__init(doc, st, unid);
	if (rc < 0) {
		free(doc);
		return rc;
	}
	doc->is_new = 0;
	doc->docid = docid;
	doc->seq = seq;
	rc = fill_arena(doc, text, tlen, meta, mlen);
	if (rc < 0) {
		folio_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int folio_doc_load(folio_doc **out, folio_store *st, const char *unid)
{
	folio_doc *doc;
	folio_cx *cx = NULL;
	folio_qsql sec;
	folio_q q;
	int rc;

	*out = NULL;
	doc = malloc(sizeof(*doc));
	if (!doc)
		return folio_error__oom();
	rc = folio_doc__init(doc, st, unid);
	if (rc < 0)
		goto out;
	rc = folio_session__rcx(st->ses, &cx);
	if (rc < 0)
		goto out;
	/* a document the Session may not read is not there (security/acl.c) */
	folio_qsql__init(&sec);
	rc = folio_acl__read_sql(&sec, st->ses, cx, st->db, "d");
	if (rc == 0 && sec.sql.len) {
		folio_buf sql;
		folio_buf__init(&sql, 0);
		folio_buf__adds(&sql, st->sql->doc_load);
		folio_buf__add(&sql, sec.sql.data, sec.sql.len);
		rc = sql.data ? folio_q__prep(&q, cx, sql.data) : folio_error__oom();
		folio_buf__free(&sql);
	} else if (rc == 0) {
		rc = folio_q__prep(&q, cx, st->sql->doc_load);
	}
	if (rc < 0) {
		folio_qsql__free(&sec);
		goto out;
	}
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__text(&q, 2, unid);
	if (rc == 0)
		rc = folio_qsql__bind(&q, 3, sec.args); /* sec's values live until the step is done */
	if (rc == 0)
		rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		doc->is_new = 0;
		doc->docid = folio_q__col_int(&q, 0);
		doc->seq = folio_q__col_int(&q, 1);
		rc = take_row(doc, &q);
	} else if (rc == FOLIO_DONE) {
		rc = folio_error_set(FOLIO_ENOTFOUND, "no document %s in store %s", unid, st->name);
	}
	folio_q__done(&q);
	folio_qsql__free(&sec);
out:
	folio_session__rdone(st->ses, cx);
	if (rc < 0) {
		folio_doc_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

const char *folio_doc_unid(const folio_doc *doc) { return doc->unid; }
const char *folio_doc_rev(const folio_doc *doc) { return doc->rev; }
const char *folio_doc_cdate(const folio_doc *doc) { return doc->cdate; }
const char *folio_doc_cuser(const folio_doc *doc) { return doc->cuser; }
const char *folio_doc_mdate(const folio_doc *doc) { return doc->mdate; }
const char *folio_doc_muser(const folio_doc *doc) { return doc->muser; }
const char *folio_doc_replica(const folio_doc *doc) { return doc->replica; }
const char *folio_doc_parent(const folio_doc *doc) { return doc->parent; }
const char *folio_doc_syncmaster(const folio_doc *doc) { return doc->syncmaster; }
int64_t folio_doc_seq(const folio_doc *doc) { return doc->seq; }
int folio_doc_is_new(const folio_doc *doc) { return doc->is_new; }
folio_store *folio_doc_store(const folio_doc *doc) { return doc->st; }

/* ---- the body ------------------------------------------------------------------------ */

static const folio_server_options *limits(const folio_doc *doc)
{
	return &doc->st->ses->srv->opts;
}

/* Makes sure doc->body holds the parsed body. */
int folio_doc__need_body(folio_doc *doc)
{
	if (doc->body)
		return 0;
	return folio_json__parse(&doc->body, doc->text ? doc->text : "{}",
				 doc->text ? strlen(doc->text) : 2, (size_t)-1,
				 limits(doc)->max_depth);
}

/* The body is about to change: the stored text no longer describes it. */
static void body_changed(folio_doc *doc)
{
	folio_doc__sfree(doc, doc->text);
	doc->text = NULL;
}

/* The body's text (borrowed: from doc->text or from the parsed body). */
const char *folio_doc__text(folio_doc *doc, size_t *len)
{
	if (doc->text) {
		*len = strlen(doc->text);
		return doc->text;
	}
	return folio_json__text(doc->body, len);
}

int folio_doc_get_json(char **out, const folio_doc *cdoc)
{
	folio_doc *doc = (folio_doc *)cdoc;
	size_t len;
	const char *t;

	*out = NULL;
	if (!doc->text && !doc->body)
		t = "{}", len = 2;
	else
		t = folio_doc__text(doc, &len);
	*out = malloc(len + 1);
	if (!*out)
		return folio_error__oom();
	memcpy(*out, t, len + 1);
	return 0;
}

static int ref_valid(const char *s)
{
	char buf[FOLIO_UNID_MAX + 80];
	const char *colon;

	if (!s || strlen(s) >= sizeof(buf))
		return 0;
	colon = strchr(s, ':');
	if (!colon)
		return folio_unid_valid(s);
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = 0;
	return folio_unid_valid(buf) && folio_store_name_valid(colon + 1);
}

static int set_ref(folio_doc *doc, char **dst, const char *what, const char *value)
{
	char *v = NULL;

	if (value) {
		if (!ref_valid(value))
			return folio_error_set(FOLIO_EINVALID,
					       "invalid %s '%.80s': expected UNID or UNID:store", what,
					       value);
		v = folio__strdup(value);
		if (!v)
			return FOLIO_ENOMEM;
	}
	folio_doc__sfree(doc, *dst);
	*dst = v;
	return 0;
}

int folio_doc_set_parent(folio_doc *doc, const char *parent)
{
	return set_ref(doc, &doc->parent, "_parentid", parent);
}

int folio_doc_set_syncmaster(folio_doc *doc, const char *syncmaster)
{
	return set_ref(doc, &doc->syncmaster, "_syncmaster", syncmaster);
}


static int string_array(json_object *v, const char *key, int max_len)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return folio_error_set(FOLIO_EINVALID, "%s must be an array of strings", key);
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0 || json_object_get_string_len(e) > max_len)
			return folio_error_set(FOLIO_EINVALID,
					       "%s[%zu] must be a string of 1 to %d bytes", key, i,
					       max_len);
	}
	return 0;
}

/* Root keys that are metadata: kept in columns, not in the stored body. */
static const char *const meta_keys[] = {"_unid", "_rev", "_revisions", "_parentid", "_syncmaster",
					"_cdate", "_cuser", "_mdate", "_muser", "_seq",
					"_attachments", "_conflict", "_replica", "_data", NULL};

/* A root member of the text being set. */
typedef struct member {
	folio_jspan key, val;
	const char *name; /* the decoded key when it starts with '_', else NULL */
} member;

typedef struct members {
	member *m;
	size_t n, alloc;
	folio_buf names; /* decoded system keys, NUL-separated */
	int has_system;
} members;

static int collect_member(const folio_jspan *key, const folio_jspan *val, void *payload)
{
	members *ms = payload;
	member *m;

	if (ms->n == ms->alloc) {
		size_t n = ms->alloc ? ms->alloc * 2 : 32;
		member *p = realloc(ms->m, n * sizeof(*p));
		if (!p)
			return folio_error__oom();
		ms->m = p;
		ms->alloc = n;
	}
	m = &ms->m[ms->n++];
	m->key = *key;
	m->val = *val;
	m->name = NULL;
	/* A key that starts with '_', written plainly or escaped. */
	if (key->len > 2 && (key->p[1] == '_' || key->p[1] == '\\')) {
		size_t at = ms->names.len;
		int rc = folio_jscan__string(&ms->names, key);
		if (rc == 0)
			rc = folio_buf__add(&ms->names, "", 1);
		if (rc < 0)
			return rc;
		if (ms->names.data[at] == '_') {
			m->name = (const char *)(uintptr_t)(at + 1); /* an offset until names stop growing */
			ms->has_system = 1;
		}
	}
	return 0;
}

static const member *find_member(const members *ms, const char *name)
{
	/* The last one wins, as for any duplicate key. */
	for (size_t i = ms->n; i-- > 0;)
		if (ms->m[i].name && strcmp(ms->m[i].name, name) == 0)
			return &ms->m[i];
	return NULL;
}

static int is_meta_key(const char *k)
{
	for (int i = 0; meta_keys[i]; i++)
		if (strcmp(k, meta_keys[i]) == 0)
			return 1;
	return 0;
}

/* A decoded string value, or an error naming the key. */
static int member_string(char **out, const member *m, int nullable)
{
	folio_buf b;
	int rc;

	*out = NULL;
	if (nullable && m->val.type == FOLIO_JT_NULL)
		return 0;
	if (m->val.type != FOLIO_JT_STRING)
		return folio_error_set(FOLIO_EINVALID, "%s must be a string", m->name);
	folio_buf__init(&b, 0);
	rc = folio_jscan__string(&b, &m->val);
	if (rc == 0 && b.len != strlen(b.data ? b.data : ""))
		rc = folio_error_set(FOLIO_EINVALID, "%s holds a NUL character", m->name);
	if (rc < 0) {
		folio_buf__free(&b);
		return rc;
	}
	*out = folio_buf__take(&b);
	return *out ? 0 : folio_error__oom();
}

typedef struct arr_check {
	const char *key;
	int max_len;
	int revs;
} arr_check;

static int check_element(size_t i, const folio_jspan *key, const folio_jspan *v, void *payload)
{
	arr_check *c = payload;
	(void)key;
	if (v->type != FOLIO_JT_STRING || v->len < 3 || v->len - 2 > (size_t)c->max_len)
		return folio_error_set(FOLIO_EINVALID, "%s[%zu] must be a string of 1 to %d bytes",
				       c->key, i, c->max_len);
	if (c->revs) {
		char rev[FOLIO_REV_MAX + 2];
		if (v->len - 2 >= sizeof(rev))
			return folio_error_set(FOLIO_EINVALID, "%s[%zu] is not a revision", c->key, i);
		memcpy(rev, v->p + 1, v->len - 2);
		rev[v->len - 2] = 0;
		if (!folio_rev__valid(rev))
			return folio_error_set(FOLIO_EINVALID, "%s[%zu] is not a revision", c->key, i);
	}
	return 0;
}

static int string_array_span(const folio_jspan *v, const char *key, int max_len, int revs)
{
	arr_check c = {key, max_len, revs};
	if (v->type != FOLIO_JT_ARRAY)
		return folio_error_set(FOLIO_EINVALID, "%s must be an array of strings", key);
	return folio_jscan__each(v, check_element, &c);
}

/* Appends a value's text without white space outside strings. */
static int add_compact(folio_buf *b, const char *p, size_t len)
{
	/* 1: white space, 2: a quote; everything else is copied as it is. */
	static const unsigned char cls[256] = {[' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1,
					       ['"'] = 2};
	const char *end = p + len, *run = p;
	int rc = 0;

	while (rc == 0) {
		while (p < end && !cls[(unsigned char)*p])
			p++;
		if (p == end)
			break;
		if (*p == '"') {
			/* To the closing quote: one not preceded by an odd number of backslashes. */
			for (p++;;) {
				const char *q = memchr(p, '"', (size_t)(end - p));
				size_t bs = 0;
				if (!q) {
					p = end;
					break;
				}
				while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
					bs++;
				p = q + 1;
				if (bs % 2 == 0)
					break;
			}
			continue;
		}
		rc = folio_buf__add(b, run, (size_t)(p - run));
		while (p < end && cls[(unsigned char)*p] == 1)
			p++;
		run = p;
	}
	if (rc == 0 && end > run)
		rc = folio_buf__add(b, run, (size_t)(end - run));
	return rc;
}

static int replace_str(folio_doc *doc, char **dst, char *v)
{
	folio_doc__sfree(doc, *dst);
	*dst = v;
	return 0;
}

/*
 * Sets the document from wire JSON text: validates it, applies the system
 * fields at the root (see folio_doc_set_json()), and keeps the rest,
 * without white space, as the body text. No DOM is built.
 */
int folio_doc__set_text(folio_doc *doc, const char *text, size_t len, int keep_meta)
{
	const folio_server_options *o = limits(doc);
	members ms = {0};
	folio_jspan root;
	const member *m;
	folio_buf body;
	char *str = NULL;
	int rc, other = 0;

	folio_buf__init(&ms.names, 0);
	folio_buf__init(&body, o->max_doc_size + 2);
	rc = folio_jscan__validate(&root, text, len, o->max_doc_size, o->max_depth, collect_member,
				   &ms);
	if (rc < 0)
		goto out;
	if (root.type == FOLIO_JT_ARRAY || (root.type == FOLIO_JT_OBJECT && !ms.has_system)) {
		/* Nothing to take out: the value itself, compacted. */
		rc = add_compact(&body, root.p, root.len);
		goto done;
	}
	if (root.type != FOLIO_JT_OBJECT) {
		rc = folio_error_set(FOLIO_EINVALID, "a document is a JSON object or array");
		goto out;
	}
	for (size_t i = 0; i < ms.n; i++)
		if (ms.m[i].name)
			ms.m[i].name = ms.names.data + (uintptr_t)ms.m[i].name - 1;

	for (size_t i = 0; i < ms.n && rc == 0; i++) {
		const member *x = &ms.m[i];
		if (!x->name) {
			other = 1;
		} else if (strcmp(x->name, "_readers") == 0 || strcmp(x->name, "_editors") == 0 ||
			   strcmp(x->name, "_tags") == 0) {
			rc = string_array_span(&x->val, x->name, 256, 0);
		} else if (!is_meta_key(x->name)) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "unknown system field '%.40s' (root fields starting "
					     "with '_' are reserved)",
					     x->name);
		}
	}
	if (rc < 0)
		goto out;
	if ((m = find_member(&ms, "_unid"))) {
		rc = member_string(&str, m, 0);
		if (rc == 0 && doc->adopt_unid) {
			/* A batch takes the document's UNID from its `_unid`. */
			if (!folio_unid_valid(str))
				rc = folio_error_set(FOLIO_EINVALID, "invalid _unid '%.40s'", str);
			else
				snprintf(doc->unid, sizeof(doc->unid), "%s", str);
		} else if (rc == 0 && strcmp(str, doc->unid) != 0) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "_unid '%.40s' does not match the document's UNID %s", str,
					     doc->unid);
		}
		free(str);
		str = NULL;
		if (rc < 0)
			goto out;
	}
	if ((m = find_member(&ms, "_rev"))) {
		rc = member_string(&str, m, 1);
		if (rc == 0 && str && !folio_rev__valid(str))
			rc = folio_error_set(FOLIO_EINVALID, "_rev '%.60s' is not a revision", str);
		if (rc < 0)
			goto out;
		if (str)
			replace_str(doc, keep_meta ? &doc->rev : &doc->expect_rev, str);
		str = NULL;
	}
	if (keep_meta && (m = find_member(&ms, "_revisions"))) {
		char *revs;
		if (m->val.type != FOLIO_JT_ARRAY || folio_jscan__count(&m->val) == 0) {
			rc = folio_error_set(FOLIO_EINVALID, "_revisions must be an array of revisions");
			goto out;
		}
		rc = string_array_span(&m->val, "_revisions", FOLIO_REV_MAX, 1);
		if (rc < 0)
			goto out;
		{
			folio_buf rb;
			folio_buf__init(&rb, 0);
			rc = add_compact(&rb, m->val.p, m->val.len);
			revs = rc == 0 ? folio_buf__take(&rb) : NULL;
			folio_buf__free(&rb);
			if (rc == 0 && !revs)
				rc = folio_error__oom();
		}
		if (rc < 0)
			goto out;
		replace_str(doc, &doc->revs, revs);
	}
	if ((m = find_member(&ms, "_parentid"))) {
		rc = member_string(&str, m, 1);
		if (rc == 0)
			rc = folio_doc_set_parent(doc, str && *str ? str : NULL);
		free(str);
		str = NULL;
		if (rc < 0)
			goto out;
	}
	if ((m = find_member(&ms, "_syncmaster"))) {
		rc = member_string(&str, m, 1);
		if (rc == 0)
			rc = folio_doc_set_syncmaster(doc, str && *str ? str : NULL);
		free(str);
		str = NULL;
		if (rc < 0)
			goto out;
	}
	if (keep_meta) {
		static const char *const dates[] = {"_cdate", "_mdate"};
		static const char *const users[] = {"_cuser", "_muser"};
		char **dd[] = {&doc->cdate, &doc->mdate}, **uu[] = {&doc->cuser, &doc->muser};
		for (int i = 0; i < 2; i++) {
			if ((m = find_member(&ms, dates[i]))) {
				rc = member_string(&str, m, 0);
				if (rc == 0 && !folio_time__valid(str))
					rc = folio_error_set(FOLIO_EINVALID,
							     "%s is not an ISO 8601 UTC date with "
							     "milliseconds",
							     dates[i]);
				if (rc < 0)
					goto out;
				replace_str(doc, dd[i], str);
				str = NULL;
			}
			if ((m = find_member(&ms, users[i])) && m->val.type == FOLIO_JT_STRING) {
				rc = member_string(&str, m, 0);
				if (rc == 0 && !folio_name__user_valid(str))
					rc = folio_error_set(FOLIO_EINVALID, "%s is not a valid user name",
							     users[i]);
				if (rc < 0)
					goto out;
				replace_str(doc, uu[i], str);
				str = NULL;
			}
		}
	}
	if ((m = find_member(&ms, "_data"))) {
		if (other || m->val.type != FOLIO_JT_ARRAY) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "_data holds an array document and stands alone");
			goto out;
		}
		rc = add_compact(&body, m->val.p, m->val.len);
		goto done;
	}
	/*
	 * The body: every member but the metadata, in order. Runs of members
	 * between metadata are copied whole (white space taken out).
	 */
	rc = folio_buf__reserve(&body, root.len);
	if (rc == 0)
		rc = folio_buf__add(&body, "{", 1);
	for (size_t i = 0, first = 1; rc == 0 && i < ms.n;) {
		size_t j = i;
		if (ms.m[i].name && is_meta_key(ms.m[i].name)) {
			i++;
			continue;
		}
		while (j + 1 < ms.n && !(ms.m[j + 1].name && is_meta_key(ms.m[j + 1].name)))
			j++;
		if (!first)
			rc = folio_buf__add(&body, ",", 1);
		first = 0;
		if (rc == 0)
			rc = add_compact(&body, ms.m[i].key.p,
					 (size_t)(ms.m[j].val.p + ms.m[j].val.len - ms.m[i].key.p));
		i = j + 1;
	}
	if (rc == 0)
		rc = folio_buf__add(&body, "}", 1);
done:
	if (rc < 0)
		goto out;
	if (doc->adopt_unid && !doc->unid[0])
		folio_unid_generate(doc->unid);
	json_object_put(doc->body);
	doc->body = NULL;
	folio_doc__sfree(doc, doc->text);
	doc->text = folio_buf__take(&body);
	if (!doc->text)
		rc = folio_error__oom();
out:
	free(str);
	free(ms.m);
	folio_buf__free(&ms.names);
	folio_buf__free(&body);
	return rc;
}

int folio_doc_set_json(folio_doc *doc, const char *json)
{
	if (!json)
		return folio_error_set(FOLIO_EINVALID, "no JSON given");
	return folio_doc__set_text(doc, json, strlen(json), 0);
}

/* ---- the wire form ------------------------------------------------------------------- */

static int add_escaped(folio_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = folio_buf__add(b, "\"", 1);
	const char *run = s;

	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = folio_buf__add(b, run, (size_t)(s - run));
		if (rc == 0) {
			char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
			if (c == '"' || c == '\\')
				e[1] = (char)c, e[2] = 0;
			rc = folio_buf__adds(b, e);
		}
		run = s + 1;
	}
	if (rc == 0)
		rc = folio_buf__add(b, run, (size_t)(s - run));
	if (rc == 0)
		rc = folio_buf__add(b, "\"", 1);
	return rc;
}

static int add_field(folio_buf *b, int *first, const char *key, const char *value)
{
	int rc;
	if (!value)
		return 0;
	rc = folio_buf__adds(b, *first ? "\"" : ",\"");
	*first = 0;
	if (rc == 0)
		rc = folio_buf__adds(b, key);
	if (rc == 0)
		rc = folio_buf__adds(b, "\":");
	if (rc == 0)
		rc = add_escaped(b, value);
	return rc;
}

int folio_doc__json_into(folio_buf *out, const folio_doc *cdoc, unsigned flags)
{
	folio_doc *doc = (folio_doc *)cdoc;
	folio_buf *bp = out;
	const char *t = "{}";
	size_t len = 2;
	int rc = 0, first = 1, is_object;

	if (doc->text || doc->body)
		t = folio_doc__text(doc, &len);
	is_object = t[0] == '{';
	rc = folio_buf__reserve(bp, len + 320);
	rc = rc ? rc : folio_buf__add(bp, "{", 1);
	if (rc == 0)
		rc = add_field(bp, &first, "_unid", doc->unid);
	if (rc == 0)
		rc = add_field(bp, &first, "_rev", doc->rev);
	if (rc == 0)
		rc = add_field(bp, &first, "_parentid", doc->parent);
	if (rc == 0)
		rc = add_field(bp, &first, "_syncmaster", doc->syncmaster);
	if (rc == 0)
		rc = add_field(bp, &first, "_cdate", doc->cdate);
	if (rc == 0)
		rc = add_field(bp, &first, "_cuser", doc->cuser);
	if (rc == 0)
		rc = add_field(bp, &first, "_mdate", doc->mdate);
	if (rc == 0)
		rc = add_field(bp, &first, "_muser", doc->muser);
	if (rc == 0 && (flags & FOLIO_JSON_REVISIONS) && doc->revs)
		rc = folio_buf__addf(bp, ",\"_revisions\":%s", doc->revs);
	if (rc == 0 && (flags & FOLIO_JSON_SEQ) && doc->seq)
		rc = folio_buf__addf(bp, ",\"_seq\":%lld", (long long)doc->seq);
	if (rc == 0) {
		if (is_object) {
			/* Splice the body's members in after the system fields. */
			const char *inner = t + 1;
			size_t ilen = len - 1;
			while (ilen && (*inner == ' ' || *inner == '\n' || *inner == '\t' ||
					*inner == '\r'))
				inner++, ilen--;
			if (*inner != '}')
				rc = folio_buf__add(bp, ",", 1);
			if (rc == 0)
				rc = folio_buf__add(bp, inner, ilen);
		} else {
			rc = folio_buf__adds(bp, ",\"_data\":");
			if (rc == 0)
				rc = folio_buf__add(bp, t, len);
			if (rc == 0)
				rc = folio_buf__add(bp, "}", 1);
		}
	}
	return rc;
}

int folio_doc_to_json(char **out, const folio_doc *doc, unsigned flags)
{
	folio_buf b;
	int rc;

	*out = NULL;
	if (flags & FOLIO_JSON_NO_META)
		return folio_doc_get_json(out, (folio_doc *)doc);
	folio_buf__init(&b, 0);
	rc = folio_doc__json_into(&b, doc, flags);
	if (rc < 0) {
		folio_buf__free(&b);
		return rc;
	}
	if (flags & FOLIO_JSON_PRETTY) {
		json_object *o = json_tokener_parse(b.data);
		folio_buf__free(&b);
		if (!o)
			return folio_error_set(FOLIO_ERROR, "cannot re-read the document's JSON");
		*out = folio__strdup(json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return *out ? 0 : FOLIO_ENOMEM;
	}
	*out = folio_buf__take(&b);
	return *out ? 0 : folio_error__oom();
}

/* ---- paths --------------------------------------------------------------------------- */

int folio_doc_get_path(char **out, const folio_doc *cdoc, const char *path)
{
	folio_doc *doc = (folio_doc *)cdoc;
	json_object *v;
	int rc;

	*out = NULL;
	if (!folio_json__path_valid(path))
		return folio_error_set(FOLIO_EINVALID, "invalid path '%.60s'", path ? path : "");
	rc = folio_doc__need_body(doc);
	if (rc < 0)
		return rc;
	v = folio_json__path_get(doc->body, path);
	if (!v) {
		/* json-c holds a JSON null as NULL: a path to an explicit null is found. */
		if (!folio_json__path_exists(doc->body, path))
			return folio_error_set(FOLIO_ENOTFOUND, "nothing at path %.60s", path);
		*out = folio__strdup("null");
		return *out ? 0 : FOLIO_ENOMEM;
	}
	*out = folio__strdup(folio_json__text(v, NULL));
	return *out ? 0 : FOLIO_ENOMEM;
}

int folio_doc_set_path(folio_doc *doc, const char *path, const char *json_value)
{
	json_object *v = NULL;
	int rc;

	if (!folio_json__path_valid(path))
		return folio_error_set(FOLIO_EINVALID, "invalid path '%.60s'", path ? path : "");
	if (!json_value)
		return folio_error_set(FOLIO_EINVALID, "no JSON value given");
	rc = folio_doc__need_body(doc);
	if (rc < 0)
		return rc;
	if (!json_object_is_type(doc->body, json_type_object) &&
	    !json_object_is_type(doc->body, json_type_array))
		return folio_error_set(FOLIO_EINVALID, "the document body is not a container");
	rc = folio_json__parse(&v, json_value, strlen(json_value), limits(doc)->max_doc_size,
			       limits(doc)->max_depth);
	if (rc < 0)
		return rc;
	if (path[0] == '_' && json_object_is_type(doc->body, json_type_object)) {
		/* A system field at the root goes through the same checks as set_json. */
		const char *dot = strchr(path, '.');
		if (!dot && (strcmp(path, "_readers") == 0 || strcmp(path, "_editors") == 0 ||
			     strcmp(path, "_tags") == 0)) {
			rc = string_array(v, path, 256);
		} else if (!dot && strcmp(path, "_parentid") == 0) {
			rc = folio_doc_set_parent(doc, json_object_get_string(v));
			json_object_put(v);
			return rc;
		} else if (!dot && strcmp(path, "_syncmaster") == 0) {
			rc = folio_doc_set_syncmaster(doc, json_object_get_string(v));
			json_object_put(v);
			return rc;
		} else {
			char key[64];
			size_t kl = dot ? (size_t)(dot - path) : strlen(path);
			snprintf(key, sizeof(key), "%.*s", (int)(kl < 60 ? kl : 60), path);
			if (strcmp(key, "_readers") && strcmp(key, "_editors") && strcmp(key, "_tags"))
				rc = folio_error_set(FOLIO_EINVALID,
						     "'%s' is a reserved system field", key);
		}
		if (rc < 0) {
			json_object_put(v);
			return rc;
		}
	}
	rc = folio_json__path_set(doc->body, path, v);
	if (rc == 0)
		body_changed(doc);
	return rc;
}

int folio_doc_remove_path(folio_doc *doc, const char *path)
{
	int rc;

	if (!folio_json__path_valid(path))
		return folio_error_set(FOLIO_EINVALID, "invalid path '%.60s'", path ? path : "");
	rc = folio_doc__need_body(doc);
	if (rc < 0)
		return rc;
	rc = folio_json__path_remove(doc->body, path);
	if (rc == 0)
		body_changed(doc);
	return rc;
}
