/*
 * Documents: the body (kept as the stored text until someone needs it
 * parsed), the metadata, and the write path shared by saves and batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "json.h"
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
	if (p && !(doc->arena && p >= doc->arena && p < doc->arena + doc->arena_len))
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
 * reads this one column instead of nine.
 */
#define META_SEP '\x01'
enum { M_REV, M_CDATE, M_CUSER, M_MDATE, M_MUSER, M_PARENT, M_SYNC, M_REPLICA, M_REVS, M_N };

char *folio_doc__pack_meta(const folio_wres *r, const char *parent, const char *syncmaster,
			   const char *replica)
{
	const char *v[M_N] = {r->rev,	 r->cdate,   r->cuser, r->mdate, r->muser,
			      parent,	 syncmaster, replica,  r->revs};
	folio_buf b;

	folio_buf__init(&b, 0);
	for (int i = 0; i < M_N; i++) {
		char sep = META_SEP;
		if ((i && folio_buf__add(&b, &sep, 1) < 0) ||
		    (v[i] && folio_buf__adds(&b, v[i]) < 0)) {
			folio_buf__free(&b);
			return NULL;
		}
	}
	return folio_buf__take(&b);
}

/* Copies the row's body and packed metadata into one allocation (a load is the hot path). */
static int take_row(folio_doc *doc, folio_q *q)
{
	char **dst[M_N] = {&doc->rev,	&doc->cdate,	  &doc->cuser,	 &doc->mdate, &doc->muser,
			   &doc->parent, &doc->syncmaster, &doc->replica, &doc->revs};
	size_t tlen = 0, mlen = 0;
	const char *text = folio_q__col_text(q, 2, &tlen);
	const char *meta = folio_q__col_text(q, 3, &mlen);
	char *p;
	int i = 0;

	if (!text || !meta)
		return folio_error_set(FOLIO_ERROR, "document %s has no body or metadata", doc->unid);
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
	*dst[i++] = p;
	for (; *p && i < M_N; p++)
		if (*p == META_SEP) {
			*p = 0;
			*dst[i++] = p + 1;
		}
	for (int k = 0; k < M_N; k++)
		if (*dst[k] && !**dst[k])
			*dst[k] = NULL; /* an empty part: not set */
	return 0;
}

int folio_doc_load(folio_doc **out, folio_store *st, const char *unid)
{
	folio_doc *doc;
	folio_cx *cx = NULL;
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
	rc = folio_q__prep(&q, cx, st->sql->doc_load);
	if (rc < 0)
		goto out;
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__text(&q, 2, unid);
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

static int set_str(folio_doc *doc, char **dst, json_object *v)
{
	char *s = folio__strdup(json_object_get_string(v));
	if (!s)
		return FOLIO_ENOMEM;
	folio_doc__sfree(doc, *dst);
	*dst = s;
	return 0;
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

/* Keys removed from the body because the metadata holds them. */
static const char *const meta_keys[] = {"_unid", "_rev", "_revisions", "_parentid", "_syncmaster",
					"_cdate", "_cuser", "_mdate", "_muser", "_seq",
					"_attachments", "_conflict", "_replica", "_data", NULL};

static int is_meta_key(const char *k)
{
	for (int i = 0; meta_keys[i]; i++)
		if (strcmp(k, meta_keys[i]) == 0)
			return 1;
	return 0;
}

int folio_doc__set_wire(folio_doc *doc, json_object *root, int keep_meta)
{
	json_object *v, *data = NULL;
	int rc = 0, other = 0;

	if (json_object_is_type(root, json_type_array)) {
		json_object_put(doc->body);
		doc->body = json_object_get(root);
		body_changed(doc);
		return 0;
	}
	if (!json_object_is_type(root, json_type_object))
		return folio_error_set(FOLIO_EINVALID, "a document is a JSON object or array");

	json_object_object_foreach(root, key, val)
	{
		if (key[0] != '_') {
			other = 1;
			continue;
		}
		if (strcmp(key, "_readers") == 0 || strcmp(key, "_editors") == 0) {
			rc = string_array(val, key, 256);
		} else if (strcmp(key, "_tags") == 0) {
			rc = string_array(val, key, 256);
		} else if (!is_meta_key(key)) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "unknown system field '%.40s' (root fields starting "
					     "with '_' are reserved)",
					     key);
		}
		if (rc < 0)
			return rc;
	}
	if (json_object_object_get_ex(root, "_unid", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    strcmp(json_object_get_string(v), doc->unid) != 0)
			return folio_error_set(FOLIO_EINVALID,
					       "_unid '%.40s' does not match the document's UNID %s",
					       json_object_get_string(v), doc->unid);
	}
	if (json_object_object_get_ex(root, "_rev", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !folio_rev__valid(json_object_get_string(v)))
			return folio_error_set(FOLIO_EINVALID, "_rev '%.60s' is not a revision",
					       json_object_get_string(v));
		rc = set_str(doc, keep_meta ? &doc->rev : &doc->expect_rev, v);
		if (rc < 0)
			return rc;
	}
	if (keep_meta && json_object_object_get_ex(root, "_revisions", &v)) {
		size_t n;
		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) == 0)
			return folio_error_set(FOLIO_EINVALID, "_revisions must be an array of revisions");
		for (size_t i = 0; i < n; i++)
			if (!folio_rev__valid(json_object_get_string(json_object_array_get_idx(v, i))))
				return folio_error_set(FOLIO_EINVALID,
						       "_revisions[%zu] is not a revision", i);
		folio_doc__sfree(doc, doc->revs);
		doc->revs = folio__strdup(folio_json__text(v, NULL));
		if (!doc->revs)
			return FOLIO_ENOMEM;
	}
	if (json_object_object_get_ex(root, "_parentid", &v)) {
		const char *ps = json_object_is_type(v, json_type_null) ? NULL
										: json_object_get_string(v);
		rc = folio_doc_set_parent(doc, ps && *ps ? ps : NULL);
		if (rc < 0)
			return rc;
	}
	if (json_object_object_get_ex(root, "_syncmaster", &v)) {
		const char *ss = json_object_is_type(v, json_type_null) ? NULL
										: json_object_get_string(v);
		rc = folio_doc_set_syncmaster(doc, ss && *ss ? ss : NULL);
		if (rc < 0)
			return rc;
	}
	if (keep_meta) {
		static const char *const dates[] = {"_cdate", "_mdate"};
		static const char *const users[] = {"_cuser", "_muser"};
		char **dd[] = {&doc->cdate, &doc->mdate}, **uu[] = {&doc->cuser, &doc->muser};
		for (int i = 0; i < 2; i++) {
			if (json_object_object_get_ex(root, dates[i], &v)) {
				if (!folio_time__valid(json_object_get_string(v)))
					return folio_error_set(FOLIO_EINVALID,
							       "%s is not an ISO 8601 UTC date "
							       "with milliseconds",
							       dates[i]);
				rc = set_str(doc, dd[i], v);
			}
			if (rc == 0 && json_object_object_get_ex(root, users[i], &v) &&
			    json_object_is_type(v, json_type_string))
				rc = set_str(doc, uu[i], v);
			if (rc < 0)
				return rc;
		}
	}
	if (json_object_object_get_ex(root, "_data", &v)) {
		if (other || !json_object_is_type(v, json_type_array))
			return folio_error_set(FOLIO_EINVALID,
					       "_data holds an array document and stands alone");
		data = v;
	}

	json_object_put(doc->body);
	if (data) {
		doc->body = json_object_get(data);
	} else {
		/* The body: everything but the metadata keys. */
		const char *drop[32];
		int nd = 0;
		json_object_object_foreach(root, k2, v2)
		{
			(void)v2;
			if (k2[0] == '_' && is_meta_key(k2) && nd < 32)
				drop[nd++] = k2;
		}
		for (int i = 0; i < nd; i++)
			json_object_object_del(root, drop[i]);
		doc->body = json_object_get(root);
	}
	body_changed(doc);
	return 0;
}

int folio_doc_set_json(folio_doc *doc, const char *json)
{
	json_object *root = NULL;
	int rc;

	if (!json)
		return folio_error_set(FOLIO_EINVALID, "no JSON given");
	rc = folio_json__parse(&root, json, strlen(json), limits(doc)->max_doc_size,
			       limits(doc)->max_depth);
	if (rc < 0)
		return rc;
	rc = folio_doc__set_wire(doc, root, 0);
	json_object_put(root);
	return rc;
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

int folio_doc_to_json(char **out, const folio_doc *cdoc, unsigned flags)
{
	folio_doc *doc = (folio_doc *)cdoc;
	folio_buf b;
	const char *t = "{}";
	size_t len = 2;
	int rc = 0, first = 1, is_object;

	*out = NULL;
	if (flags & FOLIO_JSON_NO_META)
		return folio_doc_get_json(out, doc);
	if (doc->text || doc->body)
		t = folio_doc__text(doc, &len);
	is_object = t[0] == '{';
	folio_buf__init(&b, 0);
	rc = folio_buf__add(&b, "{", 1);
	if (rc == 0)
		rc = add_field(&b, &first, "_unid", doc->unid);
	if (rc == 0)
		rc = add_field(&b, &first, "_rev", doc->rev);
	if (rc == 0)
		rc = add_field(&b, &first, "_parentid", doc->parent);
	if (rc == 0)
		rc = add_field(&b, &first, "_syncmaster", doc->syncmaster);
	if (rc == 0)
		rc = add_field(&b, &first, "_cdate", doc->cdate);
	if (rc == 0)
		rc = add_field(&b, &first, "_cuser", doc->cuser);
	if (rc == 0)
		rc = add_field(&b, &first, "_mdate", doc->mdate);
	if (rc == 0)
		rc = add_field(&b, &first, "_muser", doc->muser);
	if (rc == 0 && (flags & FOLIO_JSON_REVISIONS) && doc->revs) {
		rc = folio_buf__addf(&b, ",\"_revisions\":%s,\"_seq\":%lld", doc->revs,
				     (long long)doc->seq);
	}
	if (rc == 0) {
		if (is_object) {
			/* Splice the body's members in after the system fields. */
			const char *inner = t + 1;
			size_t ilen = len - 1;
			while (ilen && (*inner == ' ' || *inner == '\n' || *inner == '\t' ||
					*inner == '\r'))
				inner++, ilen--;
			if (*inner != '}')
				rc = folio_buf__add(&b, ",", 1);
			if (rc == 0)
				rc = folio_buf__add(&b, inner, ilen);
		} else {
			rc = folio_buf__adds(&b, ",\"_data\":");
			if (rc == 0)
				rc = folio_buf__add(&b, t, len);
			if (rc == 0)
				rc = folio_buf__add(&b, "}", 1);
		}
	}
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
