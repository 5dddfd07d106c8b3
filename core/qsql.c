/*
 * Compiling a query tree to SQL (see qsql.h for the contract: a superset of
 * the evaluator's answer, exact where recheck stays 0).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qsql.h"
#include "layout.h"

#define FOLIO_STR_(x) #x
#define FOLIO_STR(x) FOLIO_STR_(x)

enum { DIA_OTHER, DIA_SQLITE, DIA_PG, DIA_MARIADB };

typedef struct frag {
	folio_buf sql;
	json_object *args;
} frag;

typedef struct qc {
	folio_store *st;
	int dia;
	uint64_t irregular;
	json_object *params;
	folio_qsql *out;
} qc;

static int dialect_of(const folio_dialect *d)
{
	if (!strcmp(d->name, "sqlite"))
		return DIA_SQLITE;
	if (!strcmp(d->name, "postgresql"))
		return DIA_PG;
	if (!strcmp(d->name, "mariadb"))
		return DIA_MARIADB;
	return DIA_OTHER;
}

void folio_qsql__init(folio_qsql *out)
{
	folio_buf__init(&out->sql, 0);
	out->args = json_object_new_array();
	out->recheck = 0;
	out->recheck_all = 0;
	folio_buf__init(&out->guard, 0);
	out->guard_args = json_object_new_array();
}

void folio_qsql__free(folio_qsql *out)
{
	folio_buf__free(&out->sql);
	json_object_put(out->args);
	out->args = NULL;
	folio_buf__free(&out->guard);
	json_object_put(out->guard_args);
	out->guard_args = NULL;
}

static void frag_init(frag *f)
{
	folio_buf__init(&f->sql, 0);
	f->args = json_object_new_array();
}

static void frag_free(frag *f)
{
	folio_buf__free(&f->sql);
	json_object_put(f->args);
}

/* An argument: a new reference to v (a JSON null as SQL NULL). */
static int arg(frag *f, json_object *v)
{
	if (!f->args)
		return folio_error__oom();
	if (json_object_array_add(f->args, folio_qis_null(v) ? NULL : json_object_get(v)) < 0)
		return folio_error__oom();
	return 0;
}

static int arg_str(frag *f, const char *s)
{
	json_object *v = json_object_new_string(s);
	int rc;
	if (!v)
		return folio_error__oom();
	rc = arg(f, v);
	json_object_put(v);
	return rc;
}

static int arg_int(frag *f, int64_t i)
{
	json_object *v = json_object_new_int64(i);
	int rc;
	if (!v)
		return folio_error__oom();
	rc = arg(f, v);
	json_object_put(v);
	return rc;
}

/* Moves a fragment's text and arguments to the end of another. */
static int frag_cat(frag *dst, frag *src)
{
	int rc = folio_buf__add(&dst->sql, src->sql.data ? src->sql.data : "", src->sql.len);
	for (size_t i = 0; rc == 0 && i < json_object_array_length(src->args); i++)
		rc = arg(dst, json_object_array_get_idx(src->args, i));
	return rc;
}

/* ---- values ---- */

enum { VT_NULL, VT_BOOL, VT_NUM, VT_STR, VT_OBJ, VT_ARR };

static int vtype(json_object *v)
{
	if (folio_qis_null(v))
		return VT_NULL;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return VT_BOOL;
	case json_type_int:
	case json_type_double:
		return VT_NUM;
	case json_type_string:
		return VT_STR;
	case json_type_object:
		return VT_OBJ;
	case json_type_array:
		return VT_ARR;
	default:
		return VT_NULL;
	}
}

/* $exists's operand: true, or a non-zero number. */
static int truthy(json_object *v)
{
	if (folio_qis_null(v))
		return 0;
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
		return json_object_get_double(v) != 0;
	return json_object_get_boolean(v);
}

/* The value type a field's slot or rows hold. */
static int field_vtype(const folio_field *f)
{
	switch (f->type) {
	case FOLIO_FT_NUMBER:
		return VT_NUM;
	case FOLIO_FT_BOOLEAN:
		return VT_BOOL;
	default:
		return VT_STR;
	}
}

/* ---- paths ---- */

static int is_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * The first `nseg` segments of `path` as the dialect's JSON path argument,
 * or NULL (no error) when the dialect cannot say it exactly: a numeric
 * segment (an index or a key, depending on the value), a quote or a
 * backslash in a key.
 */
static char *jpath_n(int dia, const char *path, int nseg)
{
	folio_buf b;
	const char *p = path;
	int k = 0;

	if (dia == DIA_OTHER || !*path)
		return NULL;
	folio_buf__init(&b, 0);
	folio_buf__adds(&b, dia == DIA_PG ? "{" : "$");
	while (k < nseg) {
		const char *e = strchr(p, '.');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (is_digits(p, n) || memchr(p, '"', n) || memchr(p, '\\', n) ||
		    (dia == DIA_PG && (memchr(p, '{', n) || memchr(p, '}', n) || memchr(p, ',', n)))) {
			folio_buf__free(&b);
			return NULL;
		}
		if (dia == DIA_PG)
			folio_buf__addf(&b, "%s\"%.*s\"", k ? "," : "", (int)n, p);
		else
			folio_buf__addf(&b, ".\"%.*s\"", (int)n, p);
		k++;
		if (!e)
			break;
		p = e + 1;
	}
	if (dia == DIA_PG)
		folio_buf__adds(&b, "}");
	return folio_buf__take(&b);
}

static int n_segments(const char *path)
{
	int n = 1;
	for (const char *p = path; *p; p++)
		n += *p == '.';
	return n;
}

char *folio_qsql__jpath(const folio_dialect *d, const char *path)
{
	return jpath_n(dialect_of(d), path, n_segments(path));
}

/* The JSON value at jp (PostgreSQL: jsonb; others: the engine's SQL value). */
static int j_value(frag *f, int dia, const char *jp)
{
	switch (dia) {
	case DIA_SQLITE:
		folio_buf__adds(&f->sql, "json_extract(d.json, ?)");
		break;
	case DIA_PG:
		folio_buf__adds(&f->sql, "(d.json::jsonb #> ?::text[])");
		break;
	default:
		folio_buf__adds(&f->sql, "JSON_EXTRACT(d.json, ?)");
		break;
	}
	return arg_str(f, jp);
}

/* The value's type name as the dialect spells it. */
static int j_type(frag *f, int dia, const char *jp)
{
	int rc;
	switch (dia) {
	case DIA_SQLITE:
		folio_buf__adds(&f->sql, "json_type(d.json, ?)");
		return arg_str(f, jp);
	case DIA_PG:
		folio_buf__adds(&f->sql, "jsonb_typeof");
		break;
	default:
		folio_buf__adds(&f->sql, "JSON_TYPE");
		break;
	}
	folio_buf__adds(&f->sql, "(");
	rc = j_value(f, dia, jp);
	folio_buf__adds(&f->sql, ")");
	return rc;
}

/* The SQL type names of a JSON value type, as an IN list body ("'integer','real'"). */
static const char *type_names(int dia, int vt)
{
	static const char *const sqlite[] = {"'null'", "'true','false'", "'integer','real'",
					     "'text'", "'object'", "'array'"};
	static const char *const pg[] = {"'null'", "'boolean'", "'number'",
					 "'string'", "'object'", "'array'"};
	static const char *const maria[] = {"'NULL'", "'BOOLEAN'", "'INTEGER','DOUBLE','UNSIGNED INTEGER','DECIMAL'",
					    "'STRING'", "'OBJECT'", "'ARRAY'"};
	return dia == DIA_SQLITE ? sqlite[vt] : dia == DIA_PG ? pg[vt] : maria[vt];
}

static int j_type_is(frag *f, int dia, const char *jp, int vt)
{
	int rc = j_type(f, dia, jp);
	folio_buf__addf(&f->sql, " IN (%s)", type_names(dia, vt));
	return rc;
}

/* A scalar of the JSON text as a comparable SQL value: strings bytewise, numbers numerically. */
static int j_scalar(frag *f, int dia, const char *jp, int vt)
{
	int rc;
	if (dia == DIA_SQLITE)
		return j_value(f, dia, jp);
	if (dia == DIA_PG) {
		if (vt == VT_STR) {
			folio_buf__adds(&f->sql, "((d.json::jsonb #>> ?::text[]) COLLATE \"C\")");
			return arg_str(f, jp);
		}
		return j_value(f, dia, jp); /* jsonb compares numbers and booleans */
	}
	if (vt == VT_NUM) {
		folio_buf__adds(&f->sql, "CAST(JSON_EXTRACT(d.json, ?) AS DOUBLE)");
		return arg_str(f, jp);
	}
	folio_buf__adds(&f->sql, "(JSON_UNQUOTE(JSON_EXTRACT(d.json, ?)) COLLATE utf8mb4_bin)");
	rc = arg_str(f, jp);
	return rc;
}

/* A placeholder for a scalar compared with j_scalar (PostgreSQL compares jsonb numbers). */
static int j_placeholder(frag *f, int dia, json_object *v, int vt)
{
	if (dia == DIA_PG && (vt == VT_NUM || vt == VT_BOOL)) {
		folio_buf__adds(&f->sql, "?::jsonb");
		return arg_str(f, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	}
	if (dia == DIA_MARIADB && vt == VT_BOOL) {
		folio_buf__adds(&f->sql, "?");
		return arg_str(f, json_object_get_boolean(v) ? "true" : "false");
	}
	folio_buf__adds(&f->sql, "?");
	if (dia == DIA_SQLITE && vt == VT_BOOL)
		return arg_int(f, json_object_get_boolean(v));
	return arg(f, v);
}

/* ---- patterns ---- */

/* The evaluator's pattern (qeval.c: '*' '?' wildcards, '\' escapes) as GLOB or LIKE. */
static int pattern(folio_buf *b, const char *p, size_t n, int like, int prefix_star,
		   int suffix_star, int literal)
{
	const char *any = like ? "%" : "*", *one = like ? "_" : "?";
	int rc = prefix_star ? folio_buf__adds(b, any) : 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char c = p[i];
		int lit = literal;
		if (!literal && c == '\\' && i + 1 < n) {
			c = p[++i];
			lit = 1;
		}
		if (!lit && c == '*')
			rc = folio_buf__adds(b, any);
		else if (!lit && c == '?')
			rc = folio_buf__adds(b, one);
		else if (like && (c == '%' || c == '_' || c == '\\'))
			rc = folio_buf__addf(b, "\\%c", c);
		else if (!like && (c == '*' || c == '?' || c == '['))
			rc = folio_buf__addf(b, "[%c]", c);
		else
			rc = folio_buf__add(b, &c, 1);
	}
	if (rc == 0 && suffix_star)
		rc = folio_buf__adds(b, any);
	return rc;
}

/*
 * A LIKE-family condition on the SQL expression already in f (a string):
 * appends the operator and the pattern. *exact: 0 when the engine folds case
 * beyond ASCII (a superset).
 */
static int like_cond(frag *f, int dia, const folio_qnode *n, json_object *v, int *exact)
{
	folio_buf pat;
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	int op = n->op, rc, like = n->ci || dia != DIA_SQLITE;
	json_object *pv;

	*exact = 1;
	folio_buf__init(&pat, 0);
	rc = pattern(&pat, s, len, like, op == FOLIO_QOP_CONTAINS, op != FOLIO_QOP_LIKE,
		     op != FOLIO_QOP_LIKE);
	if (rc < 0)
		goto out;
	if (dia == DIA_SQLITE)
		folio_buf__adds(&f->sql, n->ci ? " LIKE ? ESCAPE '\\'" : " GLOB ?");
	else if (dia == DIA_PG)
		folio_buf__adds(&f->sql, n->ci ? " ILIKE ? ESCAPE '\\'" : " LIKE ? ESCAPE '\\'");
	else if (n->ci)
		/* MariaDB's escape is '\' already; a case-blind collation folds more than ASCII */
		folio_buf__adds(&f->sql, " COLLATE utf8mb4_general_ci LIKE ?");
	else
		folio_buf__adds(&f->sql, " LIKE ?");
	if (n->ci && dia != DIA_SQLITE)
		*exact = 0;
	pv = json_object_new_string_len(pat.data ? pat.data : "", (int)pat.len);
	rc = pv ? arg(f, pv) : folio_error__oom();
	json_object_put(pv);
out:
	folio_buf__free(&pat);
	return rc;
}

/* ---- leaves ---- */

/*
 * A leaf, before its polarity is applied: constant, or a predicate P (exact,
 * or a superset when p_exact is 0) with an optional guard G that flags rows
 * the SQL cannot decide (they are rechecked).
 */
typedef struct leaf {
	int konst; /* 0: P/G below; 1: TRUE; 2: FALSE; 3: TRUE, inexact (rechecked) */
	frag p, g;
	int has_g;
	int p_exact;
} leaf;

enum { L_EXPR = 0, L_TRUE = 1, L_FALSE = 2, L_UNKNOWN = 3 };

/* Adds a leaf's guard to the rows that need the evaluator. */
static int add_guard(qc *c, frag *g)
{
	frag dst = {c->out->guard, c->out->guard_args};
	int rc;
	if (c->out->guard.len)
		folio_buf__adds(&dst.sql, " OR ");
	rc = frag_cat(&dst, g);
	c->out->guard = dst.sql;
	return rc;
}

static int emit_leaf(qc *c, frag *out, leaf *l, int neg)
{
	int rc = 0;
	if (l->konst) {
		if (l->konst == L_UNKNOWN) {
			c->out->recheck = c->out->recheck_all = 1;
			return folio_buf__adds(&out->sql, "1=1");
		}
		return folio_buf__adds(&out->sql, (l->konst == L_TRUE) != neg ? "1=1" : "1=0");
	}
	if (l->has_g || !l->p_exact)
		c->out->recheck = 1;
	if (!l->p_exact)
		c->out->recheck_all = 1;
	else if (l->has_g && (rc = add_guard(c, &l->g)) < 0)
		return rc;
	if (neg && !l->p_exact)
		return folio_buf__adds(&out->sql, "1=1");
	folio_buf__adds(&out->sql, "(");
	if (l->has_g) {
		rc = frag_cat(out, &l->g);
		folio_buf__adds(&out->sql, " OR ");
	}
	folio_buf__adds(&out->sql, "(");
	rc = rc ? rc : frag_cat(out, &l->p);
	folio_buf__adds(&out->sql, neg ? ") IS NOT TRUE)" : "))");
	return rc;
}

/* Whether `path` is the path of an extracted field: its index, or -1. */
static int field_of(const folio_store *st, const char *path)
{
	for (int i = 0; i < st->n_fields; i++)
		if (!strcmp(st->fields[i].path, path))
			return i;
	return -1;
}

static int equal_cond(frag *f, int dia, const char *expr, json_object *v, int vt, int ci)
{
	if (ci && vt == VT_STR) {
		if (dia == DIA_SQLITE)
			folio_buf__addf(&f->sql, "%s = ? COLLATE NOCASE", expr);
		else
			folio_buf__addf(&f->sql, "LOWER(%s) = LOWER(?)", expr);
		return arg(f, v);
	}
	folio_buf__addf(&f->sql, "%s = ?", expr);
	if (vt == VT_BOOL)
		return arg_int(f, json_object_get_boolean(v));
	return arg(f, v);
}

static const char *cmp_sym(int op)
{
	switch (op) {
	case FOLIO_QOP_GT:
		return ">";
	case FOLIO_QOP_GTE:
		return ">=";
	case FOLIO_QOP_LT:
		return "<";
	case FOLIO_QOP_LTE:
		return "<=";
	default:
		return "=";
	}
}

/*
 * A condition on one SQL value of the field's type (a slot column, or x.vX of
 * an _fld row) that is exact when the field is regular: writes it to l->p and
 * returns 0, or sets l->konst. Returns 1 when it cannot (the JSON path must do).
 * `null_is_missing`: a NULL value means the path is absent (slots); for _fld
 * rows a NULL never occurs.
 */
static int typed_cond(qc *c, leaf *l, const char *expr, const char *expr_ord, int ft,
		      const folio_qnode *n, json_object *v, int slot)
{
	int vt = vtype(v), rc = 0;
	frag *f = &l->p;

	switch (n->op) {
	case FOLIO_QOP_EQ:
	case FOLIO_QOP_NE:
		/* NE is handled by the caller as NOT EQ */
		if (vt == VT_NULL) {
			if (!slot)
				return 1;
			folio_buf__addf(&f->sql, "%s IS NULL", expr);
			return 0;
		}
		if (vt != ft) {
			l->konst = (vt == VT_OBJ || vt == VT_ARR) && !slot ? L_UNKNOWN : L_FALSE;
			if (l->konst == L_UNKNOWN)
				return 1;
			return 0;
		}
		if (n->ci && vt == VT_STR && c->dia != DIA_SQLITE)
			l->p_exact = 0;
		return equal_cond(f, c->dia, expr, v, vt, n->ci);
	case FOLIO_QOP_GT:
	case FOLIO_QOP_GTE:
	case FOLIO_QOP_LT:
	case FOLIO_QOP_LTE:
		if (vt == VT_NULL) {
			if (n->op == FOLIO_QOP_GT || n->op == FOLIO_QOP_LT) {
				l->konst = L_FALSE;
				return 0;
			}
			if (!slot)
				return 1;
			folio_buf__addf(&f->sql, "%s IS NULL", expr);
			return 0;
		}
		if (vt != ft) {
			if (vt == VT_OBJ || vt == VT_ARR)
				return 1;
			l->konst = L_FALSE;
			return 0;
		}
		folio_buf__addf(&f->sql, "%s %s ?", vt == VT_STR ? expr_ord : expr, cmp_sym(n->op));
		if (vt == VT_BOOL)
			return arg_int(f, json_object_get_boolean(v));
		return arg(f, v);
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN: {
		size_t len = json_object_array_length(v);
		int any = 0, has_null = 0;
		for (size_t i = 0; i < len; i++) {
			int et = vtype(json_object_array_get_idx(v, i));
			if (et == VT_NULL)
				has_null = 1;
			else if (et == VT_OBJ || et == VT_ARR)
				return 1;
		}
		if (has_null && !slot)
			return 1;
		folio_buf__adds(&f->sql, "(");
		for (size_t i = 0; rc == 0 && i < len; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (vtype(e) != ft)
				continue;
			if (any++)
				folio_buf__adds(&f->sql, " OR ");
			if (n->ci && ft == VT_STR && c->dia != DIA_SQLITE)
				l->p_exact = 0;
			rc = equal_cond(f, c->dia, expr, e, ft, n->ci);
		}
		if (has_null)
			folio_buf__addf(&f->sql, "%s%s IS NULL", any++ ? " OR " : "", expr);
		folio_buf__adds(&f->sql, ")");
		if (!any) {
			folio_buf__reset(&f->sql);
			l->konst = L_FALSE;
		}
		return rc;
	}
	case FOLIO_QOP_LIKE:
	case FOLIO_QOP_STARTSWITH:
	case FOLIO_QOP_CONTAINS: {
		int exact;
		if (ft != VT_STR) {
			l->konst = L_FALSE;
			return 0;
		}
		if (vt != VT_STR)
			return 1;
		folio_buf__adds(&f->sql, expr_ord);
		rc = like_cond(f, c->dia, n, v, &exact);
		if (!exact)
			l->p_exact = 0;
		return rc;
	}
	default:
		return 1;
	}
}

/* The JSON path leaf: P exact for documents without arrays on the path, G for the rest. */
static int json_leaf(qc *c, leaf *l, const folio_qnode *n, json_object *v)
{
	int dia = c->dia, nseg = n_segments(n->path), vt = vtype(v), rc = 0;
	char *jp = jpath_n(dia, n->path, nseg);
	frag *p = &l->p;

	if (!jp) {
		l->konst = L_UNKNOWN;
		return 0;
	}
	/* G: an array at any prefix of the path, the whole path included. */
	l->has_g = 1;
	folio_buf__adds(&l->g.sql, "(");
	for (int k = 1; rc == 0 && k <= nseg; k++) {
		char *pre = jpath_n(dia, n->path, k);
		if (!pre) {
			rc = folio_error__oom();
			break;
		}
		if (k > 1)
			folio_buf__adds(&l->g.sql, " OR ");
		rc = j_type_is(&l->g, dia, pre, VT_ARR);
		free(pre);
	}
	folio_buf__adds(&l->g.sql, ")");
	if (rc < 0)
		goto out;

	switch (n->op) {
	case FOLIO_QOP_EQ:
	case FOLIO_QOP_NE:
	case FOLIO_QOP_GT:
	case FOLIO_QOP_GTE:
	case FOLIO_QOP_LT:
	case FOLIO_QOP_LTE: {
		int eq = n->op == FOLIO_QOP_EQ || n->op == FOLIO_QOP_NE;
		if (vt == VT_NULL) {
			if (n->op == FOLIO_QOP_GT || n->op == FOLIO_QOP_LT) {
				folio_buf__adds(&p->sql, "1=0");
				break;
			}
			/* missing or null */
			folio_buf__adds(&p->sql, "(");
			rc = j_type(p, dia, jp);
			folio_buf__adds(&p->sql, " IS NULL OR ");
			rc = rc ? rc : j_type_is(p, dia, jp, VT_NULL);
			folio_buf__adds(&p->sql, ")");
			break;
		}
		if (vt == VT_OBJ || vt == VT_ARR) {
			l->konst = L_UNKNOWN;
			break;
		}
		folio_buf__adds(&p->sql, "(");
		rc = j_type_is(p, dia, jp, vt);
		folio_buf__adds(&p->sql, " AND ");
		if (vt == VT_BOOL && dia != DIA_PG) {
			/* compare (value = true) as 0/1 */
			folio_buf__adds(&p->sql, dia == DIA_SQLITE ? "(json_type(d.json, ?) = 'true')"
							  : "(JSON_EXTRACT(d.json, ?) = 'true')");
			rc = rc ? rc : arg_str(p, jp);
			folio_buf__addf(&p->sql, " %s ?", eq ? "=" : cmp_sym(n->op));
			rc = rc ? rc : arg_int(p, json_object_get_boolean(v));
		} else if (eq && n->ci && vt == VT_STR) {
			if (dia == DIA_SQLITE) {
				rc = rc ? rc : j_scalar(p, dia, jp, vt);
				folio_buf__adds(&p->sql, " = ? COLLATE NOCASE");
			} else {
				folio_buf__adds(&p->sql, "LOWER(");
				rc = rc ? rc : j_scalar(p, dia, jp, vt);
				folio_buf__adds(&p->sql, ") = LOWER(?)");
				l->p_exact = 0;
			}
			rc = rc ? rc : arg(p, v);
		} else {
			rc = rc ? rc : j_scalar(p, dia, jp, vt);
			folio_buf__addf(&p->sql, " %s ", eq ? "=" : cmp_sym(n->op));
			rc = rc ? rc : j_placeholder(p, dia, v, vt);
		}
		folio_buf__adds(&p->sql, ")");
		break;
	}
	case FOLIO_QOP_EXISTS:
		rc = j_type(p, dia, jp);
		folio_buf__adds(&p->sql, truthy(v) ? " IS NOT NULL" : " IS NULL");
		break;
	case FOLIO_QOP_TYPE: {
		/* names were checked by the parser; number/string/... */
		json_object *names = v;
		int many = json_object_get_type(v) == json_type_array;
		size_t cnt = many ? json_object_array_length(v) : 1;
		int any = 0;
		folio_buf__adds(&p->sql, "(");
		for (size_t i = 0; rc == 0 && i < cnt; i++) {
			const char *nm = json_object_get_string(many ? json_object_array_get_idx(names, i) : names);
			int t = !nm                           ? -1
				: !strcmp(nm, "null")         ? VT_NULL
				: !strcmp(nm, "bool") || !strcmp(nm, "boolean") ? VT_BOOL
				: !strcmp(nm, "string")       ? VT_STR
				: !strcmp(nm, "object")       ? VT_OBJ
				: !strcmp(nm, "array")        ? VT_ARR
							      : VT_NUM;
			if (t < 0 || t == VT_ARR)
				continue; /* arrays are under the guard */
			if (any++)
				folio_buf__adds(&p->sql, " OR ");
			rc = j_type_is(p, dia, jp, t);
		}
		if (!any)
			folio_buf__adds(&p->sql, "1=0");
		folio_buf__adds(&p->sql, ")");
		break;
	}
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN: {
		size_t len = json_object_array_length(v);
		folio_buf__adds(&p->sql, "(");
		if (len == 0)
			folio_buf__adds(&p->sql, "1=0");
		for (size_t i = 0; rc == 0 && i < len; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			folio_qnode eq = *n;
			leaf sub = {0};
			eq.op = FOLIO_QOP_EQ;
			eq.kids = NULL;
			eq.n_kids = 0;
			frag_init(&sub.p);
			frag_init(&sub.g);
			sub.p_exact = 1;
			rc = json_leaf(c, &sub, &eq, folio_qis_null(e) ? folio_qnull() : e);
			if (rc == 0 && sub.konst == L_UNKNOWN)
				l->konst = L_UNKNOWN;
			if (!sub.p_exact)
				l->p_exact = 0;
			if (i)
				folio_buf__adds(&p->sql, " OR ");
			if (rc == 0 && !sub.konst)
				rc = frag_cat(p, &sub.p);
			else if (rc == 0)
				folio_buf__adds(&p->sql, "1=0");
			frag_free(&sub.p);
			frag_free(&sub.g);
		}
		folio_buf__adds(&p->sql, ")");
		break;
	}
	case FOLIO_QOP_ALL: {
		size_t len = json_object_array_length(v);
		if (len == 0) {
			folio_buf__adds(&p->sql, "1=0");
			break;
		}
		folio_buf__adds(&p->sql, "(");
		for (size_t i = 0; rc == 0 && i < len; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			folio_qnode eq = *n;
			leaf sub = {0};
			eq.op = FOLIO_QOP_EQ;
			eq.ci = 0;
			frag_init(&sub.p);
			frag_init(&sub.g);
			sub.p_exact = 1;
			rc = json_leaf(c, &sub, &eq, folio_qis_null(e) ? folio_qnull() : e);
			if (rc == 0 && sub.konst == L_UNKNOWN)
				l->konst = L_UNKNOWN;
			if (i)
				folio_buf__adds(&p->sql, " AND ");
			if (rc == 0 && !sub.konst)
				rc = frag_cat(p, &sub.p);
			else if (rc == 0)
				folio_buf__adds(&p->sql, "1=0");
			frag_free(&sub.p);
			frag_free(&sub.g);
		}
		folio_buf__adds(&p->sql, ")");
		break;
	}
	case FOLIO_QOP_SIZE:
	case FOLIO_QOP_ELEMMATCH:
		/* only arrays match: all under the guard */
		folio_buf__adds(&p->sql, "1=0");
		break;
	case FOLIO_QOP_LIKE:
	case FOLIO_QOP_STARTSWITH:
	case FOLIO_QOP_CONTAINS: {
		int exact;
		if (vt != VT_STR) {
			l->konst = L_UNKNOWN;
			break;
		}
		folio_buf__adds(&p->sql, "(");
		rc = j_type_is(p, dia, jp, VT_STR);
		folio_buf__adds(&p->sql, " AND ");
		rc = rc ? rc : j_scalar(p, dia, jp, VT_STR);
		rc = rc ? rc : like_cond(p, dia, n, v, &exact);
		folio_buf__adds(&p->sql, ")");
		if (!exact)
			l->p_exact = 0;
		break;
	}
	default:
		l->konst = L_UNKNOWN;
		break;
	}
out:
	free(jp);
	return rc;
}

/* An _fld subquery around a condition on x.<col>. */
static int fld_exists(qc *c, frag *dst, const folio_field *f, frag *cond, int elements_only)
{
	int rc;
	folio_buf__addf(&dst->sql,
			"EXISTS (SELECT 1 FROM %s_fld x WHERE x.docid = d.docid AND x.field = ? AND "
			"x.pos %s AND ",
			c->st->db, elements_only ? ">= 0" : "<> " FOLIO_STR(FOLIO_FLD_MARK));
	rc = arg_str(dst, f->name);
	rc = rc ? rc : frag_cat(dst, cond);
	folio_buf__adds(&dst->sql, ")");
	return rc;
}

static const char *fld_col(const folio_field *f)
{
	return f->type == FOLIO_FT_STRING    ? "x.vtext"
	       : f->type == FOLIO_FT_NUMBER  ? "x.vnum"
	       : f->type == FOLIO_FT_BOOLEAN ? "x.vbool"
					     : "x.vdate";
}

/*
 * A condition on a column that holds the value at the path exactly when it is
 * there and of type ft, NULL when the path is absent (a slot of a regular
 * field, a metadata column). col_ord: the column as strings order it
 * (byte for byte). Returns 0, or 1 when the JSON path must do.
 */
static int column_leaf(qc *c, leaf *l, const char *col, const char *col_ord, int ft,
		       const folio_qnode *n, json_object *v)
{
	int rc;
	switch (n->op) {
	case FOLIO_QOP_EXISTS:
		folio_buf__addf(&l->p.sql, "%s IS %sNULL", col, truthy(v) ? "NOT " : "");
		return 0;
	case FOLIO_QOP_TYPE: {
		int many = json_object_get_type(v) == json_type_array, hit = 0;
		size_t cnt = many ? json_object_array_length(v) : 1;
		for (size_t i = 0; i < cnt; i++) {
			const char *nm = json_object_get_string(
				many ? json_object_array_get_idx(v, i) : v);
			int t = !nm ? -1
				: !strcmp(nm, "string") ? VT_STR
				: !strcmp(nm, "bool") || !strcmp(nm, "boolean") ? VT_BOOL
				: !strcmp(nm, "null") || !strcmp(nm, "object") || !strcmp(nm, "array") ? -1
				: VT_NUM;
			hit |= t == ft;
		}
		if (hit)
			folio_buf__addf(&l->p.sql, "%s IS NOT NULL", col);
		else
			l->konst = L_FALSE;
		return 0;
	}
	case FOLIO_QOP_SIZE:
	case FOLIO_QOP_ELEMMATCH:
		l->konst = L_FALSE;
		return 0;
	case FOLIO_QOP_ALL: {
		size_t len = json_object_array_length(v);
		if (len == 0) {
			l->konst = L_FALSE;
			return 0;
		}
		folio_buf__adds(&l->p.sql, "(");
		for (size_t i = 0; i < len; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (vtype(e) != ft) {
				folio_buf__reset(&l->p.sql);
				json_object_put(l->p.args);
				l->p.args = json_object_new_array();
				l->konst = L_FALSE;
				return 0;
			}
			if (i)
				folio_buf__adds(&l->p.sql, " AND ");
			rc = equal_cond(&l->p, c->dia, col, e, ft, 0);
			if (rc < 0)
				return rc;
		}
		folio_buf__adds(&l->p.sql, ")");
		return 0;
	}
	default:
		return typed_cond(c, l, col, col_ord, ft, n, v, 1);
	}
}

static const struct {
	const char *name, *col;
	int type;
} meta_cols[] = {{"_unid", "d.unid", VT_STR},	  {"_cdate", "d.cdate", VT_STR},
		 {"_mdate", "COALESCE(d.mdate, d.cdate)", VT_STR},	  {"_cuser", "d.cuser", VT_STR},
		 {"_muser", "d.muser", VT_STR},	  {"_seq", "d.seq", VT_NUM},
		 {"_parentid", "d.parent", VT_STR}, {"_docid", "d.docid", VT_NUM}};

/* Whether a path starts with a system field that lives outside the body (doc.c's list). */
static int system_path(const char *path)
{
	static const char *const keys[] = {"_unid", "_rev", "_revisions", "_parentid", "_syncmaster",
					   "_cdate", "_cuser", "_mdate", "_muser", "_seq",
					   "_attachments", "_conflict", "_replica", "_data"};
	size_t n = strcspn(path, ".");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && !strncmp(path, keys[i], n))
			return 1;
	return 0;
}

/* Builds the leaf for a CMP node. */
static int build_leaf(qc *c, leaf *l, const folio_qnode *n)
{
	json_object *v = NULL;
	int fi, rc;

	if (n->op != FOLIO_QOP_ELEMMATCH) {
		v = folio_qvalue(n, c->params);
		if (!v)
			return folio_error_set(FOLIO_EINVALID, "query: no value for parameter $$%s",
					       n->param ? n->param : "?");
	}
	if (!n->path || !*n->path) {
		l->konst = L_UNKNOWN;
		return 0;
	}
	for (size_t i = 0; i < sizeof(meta_cols) / sizeof(meta_cols[0]); i++) {
		char ord[80];
		if (strcmp(n->path, meta_cols[i].name))
			continue;
		if (n->op == FOLIO_QOP_NE || n->op == FOLIO_QOP_NIN)
			return 2;
		snprintf(ord, sizeof(ord), c->dia == DIA_PG ? "(%s COLLATE \"C\")" : "%s", meta_cols[i].col);
		rc = column_leaf(c, l, meta_cols[i].col, ord, meta_cols[i].type, n, v);
		if (rc != 1)
			return rc;
		l->konst = L_UNKNOWN; /* an operator a column cannot answer: the evaluator does */
		return 0;
	}
	if (system_path(n->path)) {
		/* kept outside the body: the evaluator sees the document with them */
		l->konst = L_UNKNOWN;
		return 0;
	}
	fi = field_of(c->st, n->path);
	if (fi >= 0 && fi < 64 && !(c->irregular & ((uint64_t)1 << fi))) {
		const folio_field *f = &c->st->fields[fi];
		int ft = field_vtype(f);
		if (n->op == FOLIO_QOP_NE || n->op == FOLIO_QOP_NIN)
			return 2; /* the caller negates EQ / IN */
		if (f->slot) {
			char col[8] = "d.";
			folio_layout__slot_name(col + 2, f->slot);
			rc = column_leaf(c, l, col, col, ft, n, v);
			if (rc != 1)
				return rc;
		} else {
			/* multiple: rows in _fld; each value of the (top-level) array is a row */
			frag cond;
			frag_init(&cond);
			rc = 1;
			switch (n->op) {
			case FOLIO_QOP_EQ:
			case FOLIO_QOP_GT:
			case FOLIO_QOP_GTE:
			case FOLIO_QOP_LT:
			case FOLIO_QOP_LTE:
			case FOLIO_QOP_IN:
			case FOLIO_QOP_LIKE:
			case FOLIO_QOP_STARTSWITH:
			case FOLIO_QOP_CONTAINS: {
				leaf sub = {0};
				sub.p = cond;
				sub.p_exact = 1;
				rc = typed_cond(c, &sub, fld_col(f), fld_col(f), ft, n, v, 0);
				cond = sub.p;
				if (rc == 0 && sub.konst) {
					l->konst = sub.konst;
				} else if (rc == 0) {
					l->p_exact = sub.p_exact;
					rc = fld_exists(c, &l->p, f, &cond, 0);
				}
				break;
			}
			case FOLIO_QOP_ALL: {
				size_t len = json_object_array_length(v);
				int ok = len > 0;
				for (size_t i = 0; i < len; i++)
					ok &= vtype(json_object_array_get_idx(v, i)) == ft;
				if (!ok) {
					rc = 1;
					break;
				}
				folio_buf__adds(&l->p.sql, "(");
				rc = 0;
				for (size_t i = 0; rc == 0 && i < len; i++) {
					frag e;
					frag_init(&e);
					rc = equal_cond(&e, c->dia, fld_col(f), json_object_array_get_idx(v, i), ft, 0);
					if (i)
						folio_buf__adds(&l->p.sql, " AND ");
					rc = rc ? rc : fld_exists(c, &l->p, f, &e, 0);
					frag_free(&e);
				}
				folio_buf__adds(&l->p.sql, ")");
				break;
			}
			case FOLIO_QOP_ELEMMATCH: {
				/* the operator form on scalars: every condition on the same row */
				const folio_qnode *k = n->n_kids == 1 ? n->kids[0] : NULL;
				const folio_qnode *const *conds = k && k->kind == FOLIO_Q_AND ? (const folio_qnode *const *)k->kids : (const folio_qnode *const *)&n->kids[0];
				int nc = k && k->kind == FOLIO_Q_AND ? k->n_kids : 1;
				int ok = k != NULL;
				for (int i = 0; ok && i < nc; i++) {
					const folio_qnode *e = conds[i];
					ok = e->kind == FOLIO_Q_CMP && e->path && !*e->path && !e->ci &&
					     (e->op == FOLIO_QOP_EQ || e->op == FOLIO_QOP_GT ||
					      e->op == FOLIO_QOP_GTE || e->op == FOLIO_QOP_LT ||
					      e->op == FOLIO_QOP_LTE);
					if (ok) {
						json_object *ev = folio_qvalue(e, c->params);
						ok = ev && vtype(ev) == ft;
					}
				}
				if (!ok)
					break;
				rc = 0;
				folio_buf__adds(&cond.sql, "(");
				for (int i = 0; rc == 0 && i < nc; i++) {
					json_object *ev = folio_qvalue(conds[i], c->params);
					if (i)
						folio_buf__adds(&cond.sql, " AND ");
					folio_buf__addf(&cond.sql, "%s %s ?", fld_col(f), cmp_sym(conds[i]->op));
					rc = ft == VT_BOOL ? arg_int(&cond, json_object_get_boolean(ev)) : arg(&cond, ev);
				}
				folio_buf__adds(&cond.sql, ")");
				rc = rc ? rc : fld_exists(c, &l->p, f, &cond, 1);
				break;
			}
			default:
				break;
			}
			frag_free(&cond);
			if (rc != 1)
				return rc;
			/* start over on the JSON path */
			folio_buf__reset(&l->p.sql);
			json_object_put(l->p.args);
			l->p.args = json_object_new_array();
			l->konst = 0;
			l->p_exact = 1;
		}
	}
	return json_leaf(c, l, n, v);
}

static int compile(qc *c, frag *out, const folio_qnode *n, int neg, int depth);

static int compile_list(qc *c, frag *out, const folio_qnode *n, const char *join, int neg,
			int depth)
{
	int rc = 0;
	if (n->n_kids == 0)
		return folio_buf__adds(&out->sql, (strcmp(join, " AND ") == 0) ? "1=1" : "1=0");
	folio_buf__adds(&out->sql, "(");
	for (int i = 0; rc == 0 && i < n->n_kids; i++) {
		if (i)
			folio_buf__adds(&out->sql, join);
		rc = compile(c, out, n->kids[i], neg, depth + 1);
	}
	folio_buf__adds(&out->sql, ")");
	return rc;
}

static int compile(qc *c, frag *out, const folio_qnode *n, int neg, int depth)
{
	leaf l = {0};
	int rc;

	if (depth > FOLIO_Q_MAX_DEPTH * 2)
		return folio_error_set(FOLIO_ETOOBIG, "query: nested too deeply");
	switch (n->kind) {
	case FOLIO_Q_TRUE:
		return folio_buf__adds(&out->sql, neg ? "1=0" : "1=1");
	case FOLIO_Q_AND:
		return compile_list(c, out, n, neg ? " OR " : " AND ", neg, depth);
	case FOLIO_Q_OR:
		return compile_list(c, out, n, neg ? " AND " : " OR ", neg, depth);
	case FOLIO_Q_NOR:
		return compile_list(c, out, n, neg ? " OR " : " AND ", !neg, depth);
	case FOLIO_Q_NOT:
		if (n->n_kids != 1)
			return folio_error_set(FOLIO_EINVALID, "query: NOT needs one condition");
		return compile(c, out, n->kids[0], !neg, depth + 1);
	case FOLIO_Q_CMP:
		break;
	default:
		return folio_error_set(FOLIO_EINVALID, "query: unknown node");
	}
	frag_init(&l.p);
	frag_init(&l.g);
	l.p_exact = 1;
	rc = build_leaf(c, &l, n);
	if (rc == 2) {
		/* NE / NIN on a regular field: the negation of EQ / IN */
		folio_qnode m = *n;
		frag_free(&l.p);
		frag_free(&l.g);
		m.op = n->op == FOLIO_QOP_NE ? FOLIO_QOP_EQ : FOLIO_QOP_IN;
		m.kids = NULL;
		m.n_kids = 0;
		return compile(c, out, &m, !neg, depth + 1);
	}
	/* json_leaf built P for EQ / IN: NE / NIN is NOT P (the guard stays) */
	if (n->op == FOLIO_QOP_NE || n->op == FOLIO_QOP_NIN)
		neg = !neg;
	if (rc == 0)
		rc = emit_leaf(c, out, &l, neg);
	frag_free(&l.p);
	frag_free(&l.g);
	return rc;
}

int folio_qsql__where(folio_qsql *out, folio_store *st, uint64_t irregular,
		      const folio_qnode *n, json_object *params)
{
	qc c = {st, dialect_of(st->dialect), irregular, params, out};
	frag f;
	int rc;

	if (!out->args)
		return folio_error__oom();
	frag_init(&f);
	rc = compile(&c, &f, n, 0, 0);
	if (rc == 0)
		rc = frag_cat((frag *)out, &f);
	frag_free(&f);
	return rc;
}

int folio_qsql__irregular(uint64_t *out, folio_store *st, folio_cx *cx)
{
	char sql[256];
	folio_q q;
	int rc;

	*out = 0;
	if (st->n_fields == 0)
		return 0;
	snprintf(sql, sizeof(sql),
		 "SELECT DISTINCT field FROM %s_fld WHERE storeid = ? AND pos = %d", st->db,
		 FOLIO_FLD_MARK);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
		const char *name = folio_q__col_text(&q, 0, NULL);
		rc = 0;
		for (int i = 0; name && i < st->n_fields && i < 64; i++)
			if (!strcmp(st->fields[i].name, name))
				*out |= (uint64_t)1 << i;
	}
	folio_q__done(&q);
	return rc == FOLIO_DONE ? 0 : rc;
}


int folio_qsql__key(folio_qsql *out, folio_store *st, const char *path, const char *suffix,
		    json_object *hint, int *exact)
{
	int dia = dialect_of(st->dialect), fi;
	const char *sfx = suffix ? suffix : "";
	char *jp;
	frag f;
	int rc;

	*exact = 1;
	for (size_t i = 0; i < sizeof(meta_cols) / sizeof(meta_cols[0]); i++)
		if (!strcmp(path, meta_cols[i].name))
			return folio_buf__addf(&out->sql, "%s%s", meta_cols[i].col, sfx);
	fi = field_of(st, path);
	if (fi >= 0 && st->fields[fi].slot) {
		char col[8] = "d.";
		folio_layout__slot_name(col + 2, st->fields[fi].slot);
		return folio_buf__addf(&out->sql, "%s%s", col, sfx);
	}
	*exact = 0;
	jp = jpath_n(dia, path, n_segments(path));
	if (!jp)
		return folio_buf__addf(&out->sql, "NULL%s", sfx);
	frag_init(&f);
	if (dia == DIA_PG) {
		folio_buf__addf(&f.sql, "(d.json::jsonb #> ?::text[])%s", sfx);
		rc = arg_str(&f, jp);
	} else if (dia == DIA_MARIADB && suffix) {
		/* JSON_EXTRACT gives text: order by type, then numbers as numbers, then strings */
		folio_buf__addf(&f.sql,
				"CASE JSON_TYPE(JSON_EXTRACT(d.json, ?)) WHEN 'NULL' THEN 0 WHEN 'INTEGER' "
				"THEN 1 WHEN 'DOUBLE' THEN 1 WHEN 'UNSIGNED INTEGER' THEN 1 WHEN 'DECIMAL' "
				"THEN 1 WHEN 'STRING' THEN 2 WHEN 'OBJECT' THEN 3 WHEN 'ARRAY' THEN 4 "
				"WHEN 'BOOLEAN' THEN 5 END%s, ",
				sfx);
		rc = arg_str(&f, jp);
		rc = rc ? rc : j_scalar(&f, dia, jp, VT_NUM);
		folio_buf__addf(&f.sql, "%s, ", sfx);
		rc = rc ? rc : j_scalar(&f, dia, jp, VT_STR);
		folio_buf__adds(&f.sql, sfx);
	} else if (dia == DIA_MARIADB) {
		/* a range bound: compare as the bound's type */
		rc = j_scalar(&f, dia, jp, vtype(hint) == VT_NUM ? VT_NUM : VT_STR);
	} else {
		rc = j_value(&f, dia, jp);
		folio_buf__adds(&f.sql, sfx);
	}
	rc = rc ? rc : frag_cat((frag *)out, &f);
	frag_free(&f);
	free(jp);
	return rc;
}

int folio_qsql__bind(folio_q *q, int first, json_object *args)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(args); i++) {
		json_object *v = json_object_array_get_idx(args, i);
		int p = first + (int)i;
		switch (v ? json_object_get_type(v) : json_type_null) {
		case json_type_null:
			rc = folio_q__null(q, p);
			break;
		case json_type_boolean:
			rc = folio_q__int(q, p, json_object_get_boolean(v));
			break;
		case json_type_int:
			rc = folio_q__int(q, p, json_object_get_int64(v));
			break;
		case json_type_double:
			rc = folio_q__double(q, p, json_object_get_double(v));
			break;
		case json_type_string:
			rc = folio_q__textn(q, p, json_object_get_string(v),
					    (size_t)json_object_get_string_len(v));
			break;
		default:
			rc = folio_q__text(q, p, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			break;
		}
	}
	return rc;
}
