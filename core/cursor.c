/*
 * Cursors: a query, an order and a page over one store, run as one SELECT
 * (qsql.c writes its WHERE clause). Rows stream: the native SQLite driver
 * steps one statement; drivers that read a whole result at once (libpq,
 * ODBC) are read a page at a time (LIMIT/OFFSET), so memory stays flat.
 * Rows the SQL cannot decide exactly are checked again by the evaluator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "json.h"
#include "qsql.h"
#include "acl.h"
#include "folio/query.h"

#define PAGE 2000

typedef struct row {
	int64_t docid, seq;
	int rk; /* the row needs the evaluator (column 5, when the cursor has a guard) */
	char *json, *meta, *unid;
	size_t jlen, mlen;
} row;

typedef struct rows {
	row *v;
	size_t n, i;
} rows;

/* One level of a hierarchy: the children of the row above it, read at once. */
typedef struct level {
	rows r;
} level;

struct folio_cursor {
	folio_store *st;
	int own_store;
	folio_qnode *where;
	json_object *params;
	folio_qorder *order;
	int n_order;
	int64_t skip, limit;
	json_object *rstart, *rend;
	int rstart_excl, rend_excl, has_range;
	char *parent;
	int depth;
	char **tags;
	int n_tags, tags_all;
	char *fts;
	json_object *extract; /* name -> path */
	json_object *agg;

	/* the run */
	int started, done;
	folio_cx *cx;
	folio_qsql head, order_sql; /* SELECT ... WHERE ..., and ORDER BY ... */
	folio_qsql sec;             /* the read condition of the Session (" AND ...") */
	int recheck, recheck_all, stream;
	int guarded;   /* column 5 says which rows need the evaluator */
	int meta_body; /* the query names system fields: evaluate the document with them */
	int64_t sql_skip, sql_limit, mem_skip, mem_limit;
	folio_q q;
	int q_open;
	rows page;
	int64_t fetched; /* rows read from the engine (paged mode) */
	int64_t last_docid; /* of the last row read (keyset paging) */
	int page_last;
	int64_t passed, emitted; /* rows that matched; rows handed out (top level) */
	level *levels;
	int n_levels;
	char *out;
	folio_buf outbuf; /* the current row's JSON, reused from row to row */
	char unid[FOLIO_UNID_MAX + 1];
	int indent;
	json_object *agg_rows;
	size_t agg_idx;
};

static void row_free(row *r)
{
	free(r->json); /* one allocation: json, meta and unid */
	memset(r, 0, sizeof(*r));
}

static void rows_clear(rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		row_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int row_take(row *r, folio_q *q, int guarded)
{
	size_t ul = 0;
	const char *t = folio_q__col_text(q, 2, &r->jlen);
	const char *m = folio_q__col_text(q, 3, &r->mlen);
	const char *u = folio_q__col_text(q, 4, &ul);

	r->docid = folio_q__col_int(q, 0);
	r->seq = folio_q__col_int(q, 1);
	r->rk = guarded ? (int)folio_q__col_int(q, 5) : 1;
	if (!t || !m || !u)
		return folio_error_set(FOLIO_ERROR, "a document row without body or metadata");
	r->json = malloc(r->jlen + r->mlen + ul + 3);
	if (!r->json) {
		row_free(r);
		return folio_error__oom();
	}
	r->meta = r->json + r->jlen + 1;
	r->unid = r->meta + r->mlen + 1;
	memcpy(r->json, t, r->jlen);
	r->json[r->jlen] = 0;
	memcpy(r->meta, m, r->mlen);
	r->meta[r->mlen] = 0;
	memcpy(r->unid, u, ul);
	r->unid[ul] = 0;
	return 0;
}

static int rows_push(rows *r, folio_q *q, int guarded)
{
	row *v = realloc(r->v, sizeof(*v) * (r->n + 1));
	if (!v)
		return folio_error__oom();
	r->v = v;
	memset(&v[r->n], 0, sizeof(*v));
	if (row_take(&v[r->n], q, guarded) < 0)
		return FOLIO_ENOMEM;
	r->n++;
	return 0;
}

int folio_cursor_open(folio_cursor **out, folio_store *st)
{
	folio_cursor *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return folio_error__oom();
	c->st = st;
	c->limit = -1;
	folio_qsql__init(&c->head);
	folio_qsql__init(&c->order_sql);
	folio_qsql__init(&c->sec);
	folio_buf__init(&c->outbuf, 0);
	*out = c;
	return 0;
}

static void run_close(folio_cursor *c)
{
	if (c->q_open) {
		folio_q__done(&c->q);
		c->q_open = 0;
	}
	rows_clear(&c->page);
	for (int i = 0; i < c->n_levels; i++)
		rows_clear(&c->levels[i].r);
	free(c->levels);
	c->levels = NULL;
	c->n_levels = 0;
	if (c->cx) {
		folio_session__rdone(c->st->ses, c->cx);
		c->cx = NULL;
	}
}

void folio_cursor_free(folio_cursor *c)
{
	if (!c)
		return;
	run_close(c);
	folio_qnode__free(c->where);
	json_object_put(c->params);
	for (int i = 0; i < c->n_order; i++)
		free(c->order[i].path);
	free(c->order);
	json_object_put(c->rstart);
	json_object_put(c->rend);
	free(c->parent);
	for (int i = 0; i < c->n_tags; i++)
		free(c->tags[i]);
	free(c->tags);
	free(c->fts);
	json_object_put(c->extract);
	json_object_put(c->agg);
	folio_qsql__free(&c->head);
	folio_qsql__free(&c->order_sql);
	folio_qsql__free(&c->sec);
	free(c->out);
	folio_buf__free(&c->outbuf);
	json_object_put(c->agg_rows);
	if (c->own_store)
		folio_store_free(c->st);
	free(c);
}

static int not_started(folio_cursor *c)
{
	if (c->started)
		return folio_error_set(FOLIO_EINVALID, "the cursor has started: set it up before reading");
	return 0;
}

int folio_cursor_query(folio_cursor *c, const char *selector_json)
{
	folio_qnode *n = NULL;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (!selector_json)
		selector_json = "{}";
	rc = folio_qparse__json(&n, selector_json, strlen(selector_json));
	if (rc < 0)
		return rc;
	folio_qnode__free(c->where);
	c->where = n;
	return 0;
}

static int parse_obj(json_object **out, const char *text, const char *what)
{
	json_object *o = NULL;
	int rc = folio_json__parse(&o, text, strlen(text), FOLIO_Q_MAX_TEXT, FOLIO_Q_MAX_DEPTH);
	if (rc < 0)
		return folio_error__wrap("%s", what);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return folio_error_set(FOLIO_EINVALID, "%s: not a JSON object", what);
	}
	*out = o;
	return 0;
}

int folio_cursor_params(folio_cursor *c, const char *params_json)
{
	json_object *o = NULL;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	rc = parse_obj(&o, params_json ? params_json : "{}", "query parameters");
	if (rc < 0)
		return rc;
	json_object_put(c->params);
	c->params = o;
	return 0;
}

static int valid_key(const char *k)
{
	return folio_json__path_valid(k);
}

int folio_cursor_order(folio_cursor *c, const char *spec)
{
	folio_qorder *ord = NULL;
	int n = 0, rc = not_started(c);
	char *copy, *save = NULL;

	if (rc < 0)
		return rc;
	copy = folio__strdup(spec ? spec : "");
	if (!copy)
		return FOLIO_ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e, *sp;
		int desc = 0;
		folio_qorder *g;
		while (*tok == ' ' || *tok == '\t')
			tok++;
		e = tok + strlen(tok);
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (*tok == '-' || *tok == '+') {
			desc = *tok == '-';
			tok++;
		}
		sp = strpbrk(tok, " \t");
		if (sp) {
			char *dir = sp;
			*sp = 0;
			while (*dir == 0 || *dir == ' ' || *dir == '\t')
				dir++;
			if (!strcasecmp(dir, "desc"))
				desc = 1;
			else if (strcasecmp(dir, "asc")) {
				rc = folio_error_set(FOLIO_EINVALID, "order: '%s' is not asc or desc", dir);
				break;
			}
		}
		if (!valid_key(tok)) {
			rc = folio_error_set(FOLIO_EINVALID, "order: '%s' is not a path", tok);
			break;
		}
		g = realloc(ord, sizeof(*ord) * (size_t)(n + 1));
		if (!g) {
			rc = folio_error__oom();
			break;
		}
		ord = g;
		ord[n].desc = desc;
		ord[n].path = folio__strdup(tok);
		if (!ord[n++].path) {
			rc = FOLIO_ENOMEM;
			break;
		}
	}
	free(copy);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			free(ord[i].path);
		free(ord);
		return rc;
	}
	for (int i = 0; i < c->n_order; i++)
		free(c->order[i].path);
	free(c->order);
	c->order = ord;
	c->n_order = n;
	return 0;
}

int folio_cursor_skip(folio_cursor *c, int64_t n)
{
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (n < 0)
		return folio_error_set(FOLIO_EINVALID, "skip: %lld is negative", (long long)n);
	c->skip = n;
	return 0;
}

int folio_cursor_limit(folio_cursor *c, int64_t n)
{
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (n < -1)
		return folio_error_set(FOLIO_EINVALID, "limit: %lld is negative", (long long)n);
	c->limit = n;
	return 0;
}

static int parse_value(json_object **out, const char *text, const char *what)
{
	int rc;
	*out = NULL;
	if (!text)
		return 0;
	rc = folio_json__parse(out, text, strlen(text), FOLIO_Q_MAX_TEXT, FOLIO_Q_MAX_DEPTH);
	if (rc < 0)
		return folio_error__wrap("%s", what);
	if (*out && json_object_get_type(*out) != json_type_string &&
	    json_object_get_type(*out) != json_type_int &&
	    json_object_get_type(*out) != json_type_double &&
	    json_object_get_type(*out) != json_type_boolean) {
		json_object_put(*out);
		*out = NULL;
		return folio_error_set(FOLIO_EINVALID, "%s: a range key is a string, number or boolean", what);
	}
	if (!*out)
		return folio_error_set(FOLIO_EINVALID, "%s: a range key is a string, number or boolean", what);
	return 0;
}

int folio_cursor_range(folio_cursor *c, const char *start_json, int start_excl,
		       const char *end_json, int end_excl)
{
	json_object *s = NULL, *e = NULL;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	rc = parse_value(&s, start_json, "range start");
	if (rc == 0)
		rc = parse_value(&e, end_json, "range end");
	if (rc < 0) {
		json_object_put(s);
		return rc;
	}
	json_object_put(c->rstart);
	json_object_put(c->rend);
	c->rstart = s;
	c->rend = e;
	c->rstart_excl = start_excl;
	c->rend_excl = end_excl;
	c->has_range = s || e;
	return 0;
}

int folio_cursor_parent(folio_cursor *c, const char *unid)
{
	int rc = not_started(c);
	char *p;
	if (rc < 0)
		return rc;
	if (unid && !folio_unid_valid(unid))
		return folio_error_set(FOLIO_EINVALID, "parent: '%s' is not a UNID", unid);
	p = unid ? folio__strdup(unid) : NULL;
	if (unid && !p)
		return FOLIO_ENOMEM;
	free(c->parent);
	c->parent = p;
	return 0;
}

int folio_cursor_hierarchy(folio_cursor *c, int depth)
{
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (depth < 0 || depth > 64)
		return folio_error_set(FOLIO_EINVALID, "hierarchy: depth %d is not 0..64", depth);
	c->depth = depth;
	return 0;
}

int folio_cursor_tags(folio_cursor *c, const char *const *tags, int n, int all)
{
	char **t;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (n < 0 || n > 64)
		return folio_error_set(FOLIO_EINVALID, "tags: %d tags (at most 64)", n);
	t = calloc((size_t)n + 1, sizeof(*t));
	if (!t)
		return folio_error__oom();
	for (int i = 0; i < n; i++) {
		if (!tags[i] || !*tags[i] || strlen(tags[i]) > 255) {
			rc = folio_error_set(FOLIO_EINVALID, "tags: an empty or over-long tag");
		} else if (!(t[i] = folio__strdup(tags[i]))) {
			rc = FOLIO_ENOMEM;
		}
		if (rc < 0) {
			for (int k = 0; k < i; k++)
				free(t[k]);
			free(t);
			return rc;
		}
	}
	for (int i = 0; i < c->n_tags; i++)
		free(c->tags[i]);
	free(c->tags);
	c->tags = t;
	c->n_tags = n;
	c->tags_all = all;
	return 0;
}

int folio_cursor_ftsearch(folio_cursor *c, const char *text)
{
	int rc = not_started(c);
	char *t;
	if (rc < 0)
		return rc;
	if (text && !c->st->fts)
		return folio_error_set(FOLIO_EINVALID,
				       "store %s is not marked for full-text search (\"fts\": true)",
				       c->st->name);
	if (text && strlen(text) > 4096)
		return folio_error_set(FOLIO_ETOOBIG, "full-text query longer than 4096 bytes");
	t = text ? folio__strdup(text) : NULL;
	if (text && !t)
		return FOLIO_ENOMEM;
	free(c->fts);
	c->fts = t;
	return 0;
}

int folio_cursor_extract(folio_cursor *c, const char *spec)
{
	json_object *o = NULL;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	if (!spec) {
		json_object_put(c->extract);
		c->extract = NULL;
		return 0;
	}
	while (*spec == ' ')
		spec++;
	if (*spec == '{') {
		rc = parse_obj(&o, spec, "extract");
		if (rc < 0)
			return rc;
	} else {
		char *copy = folio__strdup(spec), *save = NULL;
		if (!copy)
			return FOLIO_ENOMEM;
		o = json_object_new_object();
		for (char *tok = strtok_r(copy, ",", &save); o && tok; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			for (char *e = tok + strlen(tok); e > tok && e[-1] == ' ';)
				*--e = 0;
			json_object_object_add(o, tok, json_object_new_string(tok));
		}
		free(copy);
		if (!o)
			return folio_error__oom();
	}
	json_object_object_foreach(o, k, v)
	{
		if (!json_object_is_type(v, json_type_string) ||
		    !folio_json__path_valid(json_object_get_string(v))) {
			rc = folio_error_set(FOLIO_EINVALID, "extract: '%s' needs a path", k);
			json_object_put(o);
			return rc;
		}
	}
	json_object_put(c->extract);
	c->extract = o;
	return 0;
}

static const char *const agg_ops[] = {"$count", "$sum", "$avg", "$min", "$max"};

int folio_cursor_aggregate(folio_cursor *c, const char *spec)
{
	json_object *o = NULL;
	int rc = not_started(c);
	if (rc < 0)
		return rc;
	rc = parse_obj(&o, spec ? spec : "{}", "aggregate");
	if (rc < 0)
		return rc;
	json_object_object_foreach(o, k, v)
	{
		if (!strcmp(k, "key")) {
			int ok = json_object_is_type(v, json_type_string) &&
				 folio_json__path_valid(json_object_get_string(v));
			if (json_object_is_type(v, json_type_array)) {
				ok = json_object_array_length(v) > 0;
				for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
					json_object *e = json_object_array_get_idx(v, i);
					ok = json_object_is_type(e, json_type_string) &&
					     folio_json__path_valid(json_object_get_string(e));
				}
			}
			if (!ok) {
				json_object_put(o);
				return folio_error_set(FOLIO_EINVALID, "aggregate: \"key\" is a path or a list of paths");
			}
			continue;
		}
		{
			int ok = json_object_is_type(v, json_type_object) &&
				 json_object_object_length(v) == 1, known = 0;
			if (ok) {
				json_object_object_foreach(v, op, arg)
				{
					for (size_t i = 0; i < 5; i++)
						known |= !strcmp(op, agg_ops[i]);
					if (known && strcmp(op, "$count"))
						ok = json_object_is_type(arg, json_type_string) &&
						     folio_json__path_valid(json_object_get_string(arg));
				}
			}
			if (!ok || !known) {
				rc = folio_error_set(FOLIO_EINVALID,
						     "aggregate: \"%s\" must be {\"$count\": 1} or "
						     "{\"$sum|$avg|$min|$max\": \"path\"}",
						     k);
				json_object_put(o);
				return rc;
			}
		}
	}
	json_object_put(c->agg);
	c->agg = o;
	return 0;
}

/* ---- building the SQL ---- */

/* The words of a full-text query, in the engine's syntax: every word required. */
static int fts_terms(folio_buf *b, const char *text, const char *dia)
{
	const unsigned char *p = (const unsigned char *)text;
	int n = 0;
	while (*p) {
		const unsigned char *s;
		while (*p && !(*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			p++;
		s = p;
		while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			p++;
		if (p == s)
			break;
		if (!strcmp(dia, "sqlite"))
			folio_buf__addf(b, "%s\"%.*s\"", n ? " " : "", (int)(p - s), s);
		else if (!strcmp(dia, "mariadb"))
			folio_buf__addf(b, "%s+%.*s", n ? " " : "", (int)(p - s), s);
		else
			folio_buf__addf(b, "%s%.*s", n ? " " : "", (int)(p - s), s);
		n++;
	}
	if (!n)
		return folio_error_set(FOLIO_EINVALID, "full-text query has no words");
	return 0;
}

static int add_arg_str(folio_qsql *q, const char *s)
{
	json_object *v = json_object_new_string(s);
	if (!v || json_object_array_add(q->args, v) < 0) {
		json_object_put(v);
		return folio_error__oom();
	}
	return 0;
}

static int add_arg(folio_qsql *q, json_object *v)
{
	if (json_object_array_add(q->args, json_object_get(v)) < 0)
		return folio_error__oom();
	return 0;
}

/* Whether a tree has a condition on a system field (a path starting with '_'). */
static int names_meta(const folio_qnode *n)
{
	if (n->kind == FOLIO_Q_CMP && n->path && n->path[0] == '_')
		return 1;
	for (int i = 0; i < n->n_kids; i++)
		if (n->kind != FOLIO_Q_CMP && names_meta(n->kids[i]))
			return 1;
	return 0;
}

static int build(folio_cursor *c)
{
	folio_store *st = c->st;
	const char *dia = st->dialect->name;
	folio_qsql *h = &c->head, *o = &c->order_sql, w;
	uint64_t irregular = 0;
	int rc = 0;

	memset(&w, 0, sizeof(w));

	if (!c->where) {
		rc = folio_qparse__json(&c->where, "{}", 2);
		if (rc < 0)
			return rc;
	}
	rc = folio_qsql__irregular(&irregular, st, c->cx);
	if (rc < 0)
		return rc;
	/* the condition first: its guard, if any, is a column of the SELECT */
	folio_qsql__init(&w);
	rc = folio_qsql__where(&w, st, irregular, c->where, c->params);
	if (rc < 0)
		goto out;
	c->recheck = w.recheck;
	c->recheck_all = w.recheck_all;
	c->meta_body = names_meta(c->where);
	folio_buf__adds(&h->sql, "SELECT d.docid, d.seq, d.json, d.meta, d.unid");
	if (w.recheck && !w.recheck_all && w.guard.len) {
		/* column 5: whether the row needs the evaluator */
		folio_buf__adds(&h->sql, ", CASE WHEN ");
		folio_buf__add(&h->sql, w.guard.data, w.guard.len);
		folio_buf__adds(&h->sql, " THEN 1 ELSE 0 END");
		for (size_t i = 0; rc == 0 && i < json_object_array_length(w.guard_args); i++)
			rc = add_arg(h, json_object_array_get_idx(w.guard_args, i));
		c->guarded = 1;
	}
	folio_buf__addf(&h->sql, " FROM %s_doc d", st->db);
	if (c->fts) {
		folio_buf terms;
		folio_buf__init(&terms, 0);
		rc = fts_terms(&terms, c->fts, dia);
		if (rc == 0 && !strcmp(dia, "sqlite"))
			folio_buf__addf(&h->sql,
					" JOIN (SELECT rowid AS fid, rank AS frank FROM %s_ftsx WHERE %s_ftsx "
					"MATCH ?) f ON f.fid = d.docid",
					st->db, st->db);
		else if (rc == 0 && !strcmp(dia, "postgresql"))
			folio_buf__addf(&h->sql,
					" JOIN %s_fts f ON f.docid = d.docid AND f.content @@ "
					"plainto_tsquery('simple', ?)",
					st->db);
		else if (rc == 0 && !strcmp(dia, "mariadb"))
			folio_buf__addf(&h->sql,
					" JOIN %s_fts f ON f.docid = d.docid AND MATCH(f.content) "
					"AGAINST (? IN BOOLEAN MODE)",
					st->db);
		else if (rc == 0)
			rc = folio_error_set(FOLIO_EINVALID, "full-text search is not available on %s", dia);
		if (rc == 0)
			rc = add_arg_str(h, terms.data);
		if (rc == 0 && !c->n_order) {
			if (!strcmp(dia, "sqlite")) {
				folio_buf__adds(&o->sql, "f.frank, ");
			} else if (!strcmp(dia, "postgresql")) {
				folio_buf__adds(&o->sql, "ts_rank(f.content, plainto_tsquery('simple', ?)) DESC, ");
				rc = add_arg_str(o, terms.data);
			} else {
				folio_buf__adds(&o->sql, "MATCH(f.content) AGAINST (? IN BOOLEAN MODE) DESC, ");
				rc = add_arg_str(o, terms.data);
			}
		}
		folio_buf__free(&terms);
		if (rc < 0)
			goto out;
	}
	folio_buf__adds(&h->sql, " WHERE d.storeid = ");
	folio_buf__addf(&h->sql, "%lld AND ", (long long)st->storeid);
	folio_buf__add(&h->sql, w.sql.data, w.sql.len);
	for (size_t i = 0; rc == 0 && i < json_object_array_length(w.args); i++)
		rc = add_arg(h, json_object_array_get_idx(w.args, i));
	/* what the Session may read (security/acl.c): here and for children */
	rc = rc ? rc : folio_acl__read_sql(&c->sec, st->ses, c->cx, st->db, "d");
	if (rc == 0 && c->sec.sql.len) {
		folio_buf__add(&h->sql, c->sec.sql.data, c->sec.sql.len);
		for (size_t i = 0; rc == 0 && i < json_object_array_length(c->sec.args); i++)
			rc = add_arg(h, json_object_array_get_idx(c->sec.args, i));
	}
	if (rc < 0)
		goto out;
	if (c->parent) {
		char ref[FOLIO_UNID_MAX + 80];
		snprintf(ref, sizeof(ref), "%s:%s", c->parent, st->name);
		folio_buf__adds(&h->sql, " AND d.parent IN (?, ?)");
		rc = add_arg_str(h, c->parent);
		rc = rc ? rc : add_arg_str(h, ref);
	}
	for (int i = 0; rc == 0 && i < c->n_tags; i++) {
		if (i == 0 || c->tags_all)
			folio_buf__addf(&h->sql,
					" AND EXISTS (SELECT 1 FROM %s_tag g WHERE g.docid = d.docid AND g.tag IN (?",
					st->db);
		else
			folio_buf__adds(&h->sql, ", ?");
		rc = add_arg_str(h, c->tags[i]);
		if (c->tags_all || i == c->n_tags - 1)
			folio_buf__adds(&h->sql, "))");
	}
	if (rc == 0 && c->has_range) {
		int exact, desc;
		if (!c->n_order) {
			rc = folio_error_set(FOLIO_EINVALID, "a key range needs an order");
			goto out;
		}
		desc = c->order[0].desc;
		for (int end = 0; rc == 0 && end < 2; end++) {
			json_object *v = end ? c->rend : c->rstart;
			int excl = end ? c->rend_excl : c->rstart_excl;
			/* ascending: start <= key <= end; descending: the other way */
			int greater = (end == 0) != desc;
			if (!v)
				continue;
			folio_buf__adds(&h->sql, " AND ");
			rc = folio_qsql__key(h, st, c->order[0].path, NULL, v, &exact);
			folio_buf__addf(&h->sql, " %s ?", greater ? (excl ? ">" : ">=") : (excl ? "<" : "<="));
			rc = rc ? rc : add_arg(h, v);
		}
	}
	/* ORDER BY */
	for (int i = 0; rc == 0 && i < c->n_order; i++) {
		int exact;
		/* missing values first going up, last going down, on every engine */
		int nulls = !strcmp(dia, "postgresql") || !strcmp(dia, "db2");
		const char *sfx = c->order[i].desc ? (nulls ? " DESC NULLS LAST" : " DESC")
						   : (nulls ? " NULLS FIRST" : "");
		rc = folio_qsql__key(o, st, c->order[i].path, sfx, NULL, &exact);
		folio_buf__adds(&o->sql, ", ");
	}
	folio_buf__adds(&o->sql, "d.docid");
	if (rc < 0)
		goto out;
	c->stream = !strcmp(st->ses->srv->drv->name, "sqlite");
	if (c->recheck || c->agg) {
		c->sql_skip = 0;
		c->sql_limit = -1;
		c->mem_skip = c->agg ? 0 : c->skip;
		c->mem_limit = c->agg ? -1 : c->limit;
	} else {
		c->sql_skip = c->skip;
		c->sql_limit = c->limit;
		c->mem_skip = 0;
		c->mem_limit = -1;
	}
out:
	folio_qsql__free(&w);
	return rc;
}

static int start_run(folio_cursor *c)
{
	int rc;
	if (c->started)
		return 0;
	c->started = 1;
	rc = folio_session__rcx(c->st->ses, &c->cx);
	if (rc < 0) {
		c->cx = NULL;
		return rc;
	}
	rc = folio_store__check(c->st, c->cx);
	return rc ? rc : build(c);
}

/* The full SELECT with its ORDER BY and a page clause. */
/*
 * Pages after the first, in insertion order: "after the last docid read"
 * (keyset) instead of an OFFSET the engine would have to walk again.
 */
static int keyset(const folio_cursor *c)
{
	return c->n_order == 0 && !c->fts && c->fetched > 0;
}

static int select_text(folio_cursor *c, folio_buf *b, int paged)
{
	folio_buf__init(b, 0);
	folio_buf__add(b, c->head.sql.data, c->head.sql.len);
	if (paged && keyset(c))
		folio_buf__adds(b, " AND d.docid > ?");
	folio_buf__adds(b, " ORDER BY ");
	folio_buf__add(b, c->order_sql.sql.data, c->order_sql.sql.len);
	if (paged) {
		folio_buf__adds(b, " ");
		folio_buf__adds(b, c->st->dialect->limit_clause);
	}
	return b->data ? 0 : folio_error__oom();
}

static int bind_page(folio_cursor *c, folio_q *q, int64_t limit, int64_t offset)
{
	int h = (int)json_object_array_length(c->head.args), k = keyset(c);
	int n = h + k + (int)json_object_array_length(c->order_sql.args);
	int db2 = strncmp(c->st->dialect->limit_clause, "OFFSET", 6) == 0;
	int rc = folio_qsql__bind(q, 1, c->head.args);
	if (k) {
		rc = rc ? rc : folio_q__int(q, h + 1, c->last_docid);
		offset = 0;
	}
	rc = rc ? rc : folio_qsql__bind(q, 1 + h + k, c->order_sql.args);
	if (limit < 0)
		limit = INT64_MAX;
	rc = rc ? rc : folio_q__int(q, n + 1, db2 ? offset : limit);
	rc = rc ? rc : folio_q__int(q, n + 2, db2 ? limit : offset);
	return rc;
}

/* The next row of the engine's answer: 1, 0 at the end, or an error. */
static int fetch(folio_cursor *c, row **out)
{
	int rc;
	if (c->stream) {
		if (!c->q_open) {
			folio_buf sql;
			int paged = c->sql_skip > 0 || c->sql_limit >= 0;
			rc = select_text(c, &sql, paged);
			rc = rc ? rc : folio_q__prep(&c->q, c->cx, sql.data);
			folio_buf__free(&sql);
			if (rc < 0)
				return rc;
			c->q_open = 1;
			if (paged)
				rc = bind_page(c, &c->q, c->sql_limit, c->sql_skip);
			else
{
				rc = folio_qsql__bind(&c->q, 1, c->head.args);
				rc = rc ? rc : folio_qsql__bind(&c->q, 1 + (int)json_object_array_length(c->head.args),
							       c->order_sql.args);
			}
			if (rc < 0)
				return rc;
		}
		rows_clear(&c->page);
		rc = folio_q__step(&c->q);
		if (rc == FOLIO_DONE)
			return 0;
		if (rc != FOLIO_ROW)
			return rc < 0 ? rc : FOLIO_ERROR;
		rc = rows_push(&c->page, &c->q, c->guarded);
		if (rc < 0)
			return rc;
		*out = &c->page.v[0];
		return 1;
	}
	if (c->page.i < c->page.n) {
		*out = &c->page.v[c->page.i++];
		return 1;
	}
	if (c->page_last)
		return 0;
	{
		folio_buf sql;
		folio_q q;
		int64_t want = PAGE;
		if (c->sql_limit >= 0 && c->sql_limit - c->fetched < want)
			want = c->sql_limit - c->fetched;
		rows_clear(&c->page);
		if (want <= 0) {
			c->page_last = 1;
			return 0;
		}
		rc = select_text(c, &sql, 1);
		rc = rc ? rc : folio_q__prep(&q, c->cx, sql.data);
		folio_buf__free(&sql);
		if (rc < 0)
			return rc;
		rc = bind_page(c, &q, want, c->sql_skip + c->fetched);
		while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW)
			rc = rows_push(&c->page, &q, c->guarded);
		folio_q__done(&q);
		if (rc != FOLIO_DONE)
			return rc < 0 ? rc : FOLIO_ERROR;
		c->fetched += (int64_t)c->page.n;
		if (c->page.n)
			c->last_docid = c->page.v[c->page.n - 1].docid;
		if ((int64_t)c->page.n < want)
			c->page_last = 1;
		if (c->page.n == 0)
			return 0;
		*out = &c->page.v[c->page.i++];
		return 1;
	}
}

/* Whether a row passes the evaluator (when the SQL was not exact). */
static int passes(folio_cursor *c, row *r)
{
	json_object *body = NULL;
	int rc;
	if (!c->recheck || (!c->recheck_all && !r->rk))
		return 1;
	if (c->meta_body) {
		/* the document as the user sees it, system fields at the root */
		folio_doc *doc = NULL;
		char *text = NULL;
		rc = folio_doc__from_row(&doc, c->st, r->unid, r->docid, r->seq, r->json, r->jlen,
					 r->meta, r->mlen);
		rc = rc ? rc : folio_doc_to_json(&text, doc, FOLIO_JSON_SEQ);
		rc = rc ? rc : folio_json__parse(&body, text, strlen(text), (size_t)-1 / 2, 1000);
		free(text);
		folio_doc_free(doc);
	} else {
		rc = folio_json__parse(&body, r->json, r->jlen, (size_t)-1 / 2, 1000);
	}
	if (rc < 0)
		return rc;
	rc = folio_qeval(c->where, body, c->params);
	json_object_put(body);
	return rc;
}

static json_object *meta_value(folio_doc *doc, const char *path)
{
	const char *v = NULL;
	if (!strcmp(path, "_unid"))
		v = folio_doc_unid(doc);
	else if (!strcmp(path, "_rev"))
		v = folio_doc_rev(doc);
	else if (!strcmp(path, "_cdate"))
		v = folio_doc_cdate(doc);
	else if (!strcmp(path, "_mdate"))
		v = folio_doc_mdate(doc);
	else if (!strcmp(path, "_cuser"))
		v = folio_doc_cuser(doc);
	else if (!strcmp(path, "_muser"))
		v = folio_doc_muser(doc);
	else if (!strcmp(path, "_parentid"))
		v = folio_doc_parent(doc);
	else if (!strcmp(path, "_seq"))
		return json_object_new_int64(folio_doc_seq(doc));
	else
		return NULL;
	return v ? json_object_new_string(v) : NULL;
}

/* The output of one document row, into c->outbuf: the document, or its projection. */
static int render(folio_cursor *c, row *r)
{
	folio_doc doc;
	int rc = 0;

	snprintf(c->unid, sizeof(c->unid), "%s", r->unid);
	folio_buf__reset(&c->outbuf);
	if (!c->extract) {
		/* the row's own strings, split in place: no copy (the row is not read again) */
		char *meta = r->meta;
		folio_doc__view(&doc, c->st, r->unid, r->docid, r->seq, r->json, meta);
		rc = folio_doc__json_into(&c->outbuf, &doc, 0);

	} else {
		json_object *o = json_object_new_object(), *body = NULL;
		folio_doc *full = NULL;
		rc = o ? folio_json__parse(&body, r->json, r->jlen, (size_t)-1 / 2, 1000)
		       : folio_error__oom();
		rc = rc ? rc : folio_doc__from_row(&full, c->st, r->unid, r->docid, r->seq, r->json,
						   r->jlen, r->meta, r->mlen);
		if (rc == 0)
			json_object_object_add(o, "_unid", json_object_new_string(r->unid));
		if (rc == 0) {
			json_object_object_foreach(c->extract, k, pv)
			{
				const char *path = json_object_get_string(pv);
				json_object *v = path[0] == '_' ? meta_value(full, path) : NULL;
				if (!v)
					v = json_object_get(folio_json__path_get(body, path));
				json_object_object_add(o, k, v);
			}
			rc = folio_buf__adds(&c->outbuf,
					     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		}
		folio_doc_free(full);
		json_object_put(body);
		json_object_put(o);
	}
	return rc;
}

/* Reads the children of `unid` into a new level. */
static int push_children(folio_cursor *c, const char *unid)
{
	folio_buf sql;
	folio_q q;
	level *lv;
	char ref[FOLIO_UNID_MAX + 80];
	int rc;

	lv = realloc(c->levels, sizeof(*lv) * (size_t)(c->n_levels + 1));
	if (!lv)
		return folio_error__oom();
	c->levels = lv;
	lv = &c->levels[c->n_levels];
	memset(lv, 0, sizeof(*lv));
	folio_buf__init(&sql, 0);
	folio_buf__addf(&sql,
			"SELECT d.docid, d.seq, d.json, d.meta, d.unid FROM %s_doc d WHERE d.storeid = "
			"%lld AND d.parent IN (?, ?)",
			c->st->db, (long long)c->st->storeid);
	if (c->sec.sql.len)
		folio_buf__add(&sql, c->sec.sql.data, c->sec.sql.len);
	folio_buf__adds(&sql, " ORDER BY ");
	if (c->fts)
		/* the rank belongs to the search: children go in insertion order */
		folio_buf__adds(&sql, "d.docid");
	else
		folio_buf__add(&sql, c->order_sql.sql.data, c->order_sql.sql.len);
	rc = sql.data ? folio_q__prep(&q, c->cx, sql.data) : folio_error__oom();
	folio_buf__free(&sql);
	if (rc < 0)
		return rc;
	snprintf(ref, sizeof(ref), "%s:%s", unid, c->st->name);
	rc = folio_q__text(&q, 1, unid);
	rc = rc ? rc : folio_q__text(&q, 2, ref);
	rc = rc ? rc : folio_qsql__bind(&q, 3, c->sec.args);
	if (!c->fts)
		rc = rc ? rc : folio_qsql__bind(&q, 3 + (int)json_object_array_length(c->sec.args),
						c->order_sql.args);
	while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW)
		rc = rows_push(&lv->r, &q, 0);
	folio_q__done(&q);
	if (rc != FOLIO_DONE) {
		rows_clear(&lv->r);
		return rc < 0 ? rc : FOLIO_ERROR;
	}
	c->n_levels++;
	return 0;
}

/* ---- aggregates ---- */

static json_object *key_of(folio_cursor *c, json_object *body)
{
	json_object *k = NULL;
	json_object_object_get_ex(c->agg, "key", &k);
	if (!k)
		return NULL;
	if (json_object_is_type(k, json_type_string))
		return json_object_get(folio_json__path_get(body, json_object_get_string(k)));
	{
		json_object *a = json_object_new_array();
		for (size_t i = 0; a && i < json_object_array_length(k); i++)
			json_object_array_add(a, json_object_get(folio_json__path_get(
						     body, json_object_get_string(json_object_array_get_idx(k, i)))));
		return a;
	}
}

static int is_num(json_object *v)
{
	return v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
}

/* Folds one document into its group: state per output name {n, sum, cnt, min, max}. */
static int agg_add(folio_cursor *c, json_object *groups, json_object *body)
{
	json_object *key = key_of(c, body), *g;
	const char *kt = key ? json_object_to_json_string_ext(key, JSON_C_TO_STRING_PLAIN) : "null";

	if (!json_object_object_get_ex(groups, kt, &g)) {
		g = json_object_new_object();
		if (!g) {
			json_object_put(key);
			return folio_error__oom();
		}
		json_object_object_add(g, "\x01key", key ? json_object_get(key) : NULL);
		json_object_object_add(groups, kt, g);
		if (json_object_object_length(groups) > 1000000) {
			json_object_put(key);
			return folio_error_set(FOLIO_ETOOBIG, "aggregate: more than 1000000 groups");
		}
	}
	json_object_put(key);
	json_object_object_foreach(c->agg, name, spec)
	{
		json_object *st, *v = NULL;
		if (!strcmp(name, "key"))
			continue;
		if (!json_object_object_get_ex(g, name, &st)) {
			st = json_object_new_array(); /* [count, sum, n, min, max] */
			json_object_array_add(st, json_object_new_int64(0));
			json_object_array_add(st, json_object_new_double(0));
			json_object_array_add(st, json_object_new_int64(0));
			json_object_array_add(st, NULL);
			json_object_array_add(st, NULL);
			json_object_object_add(g, name, st);
		}
		json_object_object_foreach(spec, op, arg)
		{
			if (strcmp(op, "$count"))
				v = folio_json__path_get(body, json_object_get_string(arg));
			json_object_array_put_idx(st, 0, json_object_new_int64(
				json_object_get_int64(json_object_array_get_idx(st, 0)) + 1));
			if (is_num(v)) {
				json_object_array_put_idx(st, 1, json_object_new_double(
					json_object_get_double(json_object_array_get_idx(st, 1)) +
					json_object_get_double(v)));
				json_object_array_put_idx(st, 2, json_object_new_int64(
					json_object_get_int64(json_object_array_get_idx(st, 2)) + 1));
			}
			if (v) {
				json_object *mn = json_object_array_get_idx(st, 3);
				json_object *mx = json_object_array_get_idx(st, 4);
				if (!mn || folio_qcompare(v, mn) < 0)
					json_object_array_put_idx(st, 3, json_object_get(v));
				if (!mx || folio_qcompare(v, mx) > 0)
					json_object_array_put_idx(st, 4, json_object_get(v));
			}
		}
	}
	return 0;
}

static int cmp_groups(const void *a, const void *b)
{
	json_object *ka = NULL, *kb = NULL;
	json_object_object_get_ex(*(json_object *const *)a, "key", &ka);
	json_object_object_get_ex(*(json_object *const *)b, "key", &kb);
	return folio_qcompare(ka ? ka : folio_qnull(), kb ? kb : folio_qnull());
}

static int agg_finish(folio_cursor *c, json_object *groups)
{
	json_object *out = json_object_new_array();
	if (!out)
		return folio_error__oom();
	json_object_object_foreach(groups, kt, g)
	{
		json_object *r = json_object_new_object(), *kv = NULL;
		(void)kt;
		json_object_object_get_ex(g, "\x01key", &kv);
		if (json_object_object_get_ex(c->agg, "key", NULL))
			json_object_object_add(r, "key", json_object_get(kv));
		json_object_object_foreach(c->agg, name, spec)
		{
			json_object *st = NULL, *v = NULL;
			if (!strcmp(name, "key"))
				continue;
			json_object_object_get_ex(g, name, &st);
			json_object_object_foreach(spec, op, arg)
			{
				(void)arg;
				int64_t n = json_object_get_int64(json_object_array_get_idx(st, 2));
				double sum = json_object_get_double(json_object_array_get_idx(st, 1));
				if (!strcmp(op, "$count"))
					v = json_object_new_int64(json_object_get_int64(json_object_array_get_idx(st, 0)));
				else if (!strcmp(op, "$sum"))
					v = sum == (double)(int64_t)sum && sum < 9e15 && sum > -9e15
						    ? json_object_new_int64((int64_t)sum)
						    : json_object_new_double(sum);
				else if (!strcmp(op, "$avg"))
					v = n ? json_object_new_double(sum / (double)n) : NULL;
				else if (!strcmp(op, "$min"))
					v = json_object_get(json_object_array_get_idx(st, 3));
				else
					v = json_object_get(json_object_array_get_idx(st, 4));
			}
			json_object_object_add(r, name, v);
		}
		json_object_array_add(out, r);
	}
	if (json_object_object_get_ex(c->agg, "key", NULL))
		json_object_array_sort(out, cmp_groups);
	c->agg_rows = out;
	c->agg_idx = (size_t)c->skip;
	return 0;
}

static int run_aggregate(folio_cursor *c)
{
	json_object *groups = json_object_new_object();
	row *r;
	int rc;

	if (!groups)
		return folio_error__oom();
	while ((rc = fetch(c, &r)) == 1) {
		json_object *body = NULL;
		rc = folio_json__parse(&body, r->json, r->jlen, (size_t)-1 / 2, 1000);
		if (rc == 0 && c->recheck)
			rc = folio_qeval(c->where, body, c->params);
		else if (rc == 0)
			rc = 1;
		if (rc == 1)
			rc = agg_add(c, groups, body);
		json_object_put(body);
		if (rc < 0)
			break;
	}
	if (rc == 0 && !json_object_object_get_ex(c->agg, "key", NULL) &&
	    json_object_object_length(groups) == 0) {
		/* one group for everything, even when nothing matched */
		json_object *empty = json_object_new_object();
		rc = agg_add(c, groups, empty);
		json_object_object_foreach(groups, k, g)
		{
			(void)k;
			json_object_object_foreach(g, name, st)
			{
				if (name[0] != '\x01')
					json_object_array_put_idx(st, 0, json_object_new_int64(0));
			}
		}
		json_object_put(empty);
	}
	if (rc == 0)
		rc = agg_finish(c, groups);
	json_object_put(groups);
	return rc;
}

int folio_cursor_next(folio_cursor *c, const char **json)
{
	row *r;
	int rc;

	*json = NULL;
	if (c->done)
		return 0;
	rc = start_run(c);
	if (rc < 0)
		return rc;
	if (c->agg) {
		if (!c->agg_rows) {
			rc = run_aggregate(c);
			if (rc < 0)
				return rc;
		}
		if (c->agg_idx >= json_object_array_length(c->agg_rows) ||
		    (c->limit >= 0 && (int64_t)c->agg_idx >= c->skip + c->limit)) {
			c->done = 1;
			return 0;
		}
		free(c->out);
		c->out = folio__strdup(json_object_to_json_string_ext(
			json_object_array_get_idx(c->agg_rows, c->agg_idx++), JSON_C_TO_STRING_PLAIN));
		if (!c->out)
			return FOLIO_ENOMEM;
		*json = c->out;
		return 1;
	}
	/* a hierarchy: the children of the last row first */
	while (c->n_levels > 0) {
		level *lv = &c->levels[c->n_levels - 1];
		if (lv->r.i < lv->r.n) {
			row *ch = &lv->r.v[lv->r.i++];
			rc = render(c, ch);
			if (rc < 0)
				return rc;
			c->indent = c->n_levels;
			if (c->n_levels < c->depth) {
				rc = push_children(c, ch->unid);
				if (rc < 0)
					return rc;
			}
			*json = c->outbuf.data;
			return 1;
		}
		rows_clear(&lv->r);
		c->n_levels--;
	}
	for (;;) {
		if (c->mem_limit >= 0 && c->emitted >= c->mem_limit)
			break;
		rc = fetch(c, &r);
		if (rc <= 0) {
			if (rc == 0)
				break;
			return rc;
		}
		rc = passes(c, r);
		if (rc < 0)
			return rc;
		if (!rc)
			continue;
		if (c->passed++ < c->mem_skip)
			continue;
		c->emitted++;
		rc = render(c, r);
		if (rc < 0)
			return rc;
		c->indent = 0;
		if (c->depth > 0) {
			rc = push_children(c, r->unid);
			if (rc < 0)
				return rc;
		}
		*json = c->outbuf.data;
		return 1;
	}
	c->done = 1;
	run_close(c);
	return 0;
}

const char *folio_cursor_unid(const folio_cursor *c)
{
	return c->unid;
}

int folio_cursor_indent(const folio_cursor *c)
{
	return c->indent;
}

int folio_cursor_count(folio_cursor *c, int64_t *out)
{
	int rc;
	*out = 0;
	if (c->started)
		return folio_error_set(FOLIO_EINVALID, "the cursor has started: count before reading");
	rc = start_run(c);
	if (rc < 0)
		return rc;
	if (!c->recheck && !c->depth && !c->agg) {
		folio_buf sql;
		folio_q q;
		const char *from = strstr(c->head.sql.data, " FROM ");
		folio_buf__init(&sql, 0);
		folio_buf__adds(&sql, "SELECT COUNT(*)");
		folio_buf__adds(&sql, from);
		rc = sql.data ? folio_q__prep(&q, c->cx, sql.data) : folio_error__oom();
		folio_buf__free(&sql);
		if (rc < 0)
			return rc;
		rc = folio_qsql__bind(&q, 1, c->head.args);
		if (rc == 0)
			rc = folio_q__step(&q);
		if (rc == FOLIO_ROW) {
			int64_t n = folio_q__col_int(&q, 0) - c->skip;
			if (n < 0)
				n = 0;
			if (c->limit >= 0 && n > c->limit)
				n = c->limit;
			*out = n;
			rc = 0;
		} else if (rc >= 0) {
			rc = folio_error_set(FOLIO_ERROR, "COUNT returned no row");
		}
		folio_q__done(&q);
		c->done = 1;
		run_close(c);
		return rc;
	}
	{
		const char *json;
		int64_t n = 0;
		while ((rc = folio_cursor_next(c, &json)) == 1)
			n++;
		if (rc == 0)
			*out = n;
		return rc;
	}
}

int folio_cursor_explain(folio_cursor *c, char **out)
{
	json_object *o, *params;
	folio_buf sql;
	char *tree;
	int rc;

	*out = NULL;
	if (c->started && !c->head.sql.data)
		return folio_error_set(FOLIO_EINVALID, "the cursor failed to start");
	rc = start_run(c);
	if (rc < 0)
		return rc;
	rc = select_text(c, &sql, c->sql_skip > 0 || c->sql_limit >= 0 || !c->stream);
	if (rc < 0)
		return rc;
	o = json_object_new_object();
	params = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(c->head.args); i++)
		json_object_array_add(params, json_object_get(json_object_array_get_idx(c->head.args, i)));
	for (size_t i = 0; i < json_object_array_length(c->order_sql.args); i++)
		json_object_array_add(params, json_object_get(json_object_array_get_idx(c->order_sql.args, i)));
	json_object_object_add(o, "sql", json_object_new_string(sql.data));
	json_object_object_add(o, "params", params);
	json_object_object_add(o, "recheck", json_object_new_boolean(c->recheck));
	json_object_object_add(o, "paged", json_object_new_boolean(!c->stream));
	tree = folio_qnode__dump(c->where);
	json_object_object_add(o, "tree", json_object_new_string(tree ? tree : ""));
	free(tree);
	*out = folio__strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	folio_buf__free(&sql);
	c->done = 1;
	run_close(c);
	return *out ? 0 : FOLIO_ENOMEM;
}

int folio_cursor_open_sql(folio_cursor **out, folio_session *ses, const char *db,
			  const char *text)
{
	folio_query *q = NULL;
	folio_store *st = NULL;
	folio_cursor *c = NULL;
	int rc;

	*out = NULL;
	rc = folio_qparse__text(&q, text, strlen(text));
	if (rc < 0)
		return rc;
	if (!q->store) {
		rc = folio_error_set(FOLIO_EINVALID, "query: no FROM store");
		goto out;
	}
	rc = folio_store_open(&st, ses, db, q->store);
	if (rc < 0)
		goto out;
	rc = folio_cursor_open(&c, st);
	if (rc < 0) {
		folio_store_free(st);
		goto out;
	}
	c->own_store = 1;
	c->where = q->where;
	q->where = NULL;
	if (q->n_order) {
		c->order = q->order;
		c->n_order = q->n_order;
		q->order = NULL;
		q->n_order = 0;
	}
	c->limit = q->limit;
	c->skip = q->offset;
	if (!q->star && q->n_fields > 0) {
		c->extract = json_object_new_object();
		for (int i = 0; c->extract && i < q->n_fields; i++)
			json_object_object_add(c->extract,
					       q->aliases && q->aliases[i] ? q->aliases[i] : q->fields[i],
					       json_object_new_string(q->fields[i]));
		if (!c->extract)
			rc = folio_error__oom();
	}
out:
	folio_query__free(q);
	if (rc < 0) {
		folio_cursor_free(c);
		return rc;
	}
	*out = c;
	return 0;
}
