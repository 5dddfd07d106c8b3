/*
 * The JSON spelling of a query: a MongoDB-style selector to a folio_qnode tree.
 *
 * The text is checked once by jscan (the one judge of what is JSON, depth
 * limit included), then walked span by span, so that every error names the
 * byte offset of the key or value at fault. A selector that is already a
 * json-c object (folio_qparse__obj) takes the same walk; a `qval` hides which
 * of the two a value is. Offsets are then 0, and messages leave them out.
 *
 * Operands are rebuilt as json-c objects here rather than by json-c's
 * tokener, so that an integer past 64 bits or a number past a double's range
 * is an error, not a saturated value or an infinity. Duplicate keys in a
 * selector or an operator object are an error (which one would win is up to
 * whoever reads the JSON next); inside an operand value the last one wins,
 * as it does in documents.
 *
 * Parameters: an operand that is a whole string "$$name" is the parameter
 * `name`. Inside an array ($in: ["$$x"]) or an object the string is a
 * literal; that is also the way to match a string that starts with "$$".
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "json.h"
#include "qparse.h"
#include "query.h"
#include "util.h"

/* What an operator takes. */
enum operand {
	OPND_ANY,     /* any value */
	OPND_ARRAY,   /* $in $nin $all */
	OPND_BOOL,    /* $exists: true, false, 0, 1 */
	OPND_TYPE,    /* $type: a type name or an array of them */
	OPND_SIZE,    /* $size: a non-negative integer */
	OPND_STRING,  /* $startsWith $contains */
	OPND_LIKE,    /* $like: a pattern */
	OPND_ELEM,    /* $elemMatch: operators on the element, or a selector */
	OPND_NOT,     /* $not on a field: operators */
	OPND_LOGICAL  /* $and $or $nor: only at the top of a selector */
};

static const struct opdef {
	const char *name;
	folio_qop op;
	int ci;
	enum operand kind;
} ops[] = {
	{"$eq", FOLIO_QOP_EQ, 0, OPND_ANY},
	{"$ne", FOLIO_QOP_NE, 0, OPND_ANY},
	{"$gt", FOLIO_QOP_GT, 0, OPND_ANY},
	{"$gte", FOLIO_QOP_GTE, 0, OPND_ANY},
	{"$lt", FOLIO_QOP_LT, 0, OPND_ANY},
	{"$lte", FOLIO_QOP_LTE, 0, OPND_ANY},
	{"$in", FOLIO_QOP_IN, 0, OPND_ARRAY},
	{"$nin", FOLIO_QOP_NIN, 0, OPND_ARRAY},
	{"$exists", FOLIO_QOP_EXISTS, 0, OPND_BOOL},
	{"$type", FOLIO_QOP_TYPE, 0, OPND_TYPE},
	{"$size", FOLIO_QOP_SIZE, 0, OPND_SIZE},
	{"$all", FOLIO_QOP_ALL, 0, OPND_ARRAY},
	{"$elemMatch", FOLIO_QOP_ELEMMATCH, 0, OPND_ELEM},
	{"$like", FOLIO_QOP_LIKE, 0, OPND_LIKE},
	{"$startsWith", FOLIO_QOP_STARTSWITH, 0, OPND_STRING},
	{"$contains", FOLIO_QOP_CONTAINS, 0, OPND_STRING},
	{"$eq_i", FOLIO_QOP_EQ, 1, OPND_ANY},
	{"$ne_i", FOLIO_QOP_NE, 1, OPND_ANY},
	{"$in_i", FOLIO_QOP_IN, 1, OPND_ARRAY},
	{"$nin_i", FOLIO_QOP_NIN, 1, OPND_ARRAY},
	{"$like_i", FOLIO_QOP_LIKE, 1, OPND_LIKE},
	{"$startsWith_i", FOLIO_QOP_STARTSWITH, 1, OPND_STRING},
	{"$contains_i", FOLIO_QOP_CONTAINS, 1, OPND_STRING},
	{"$not", 0, 0, OPND_NOT},
	{"$and", 0, 0, OPND_LOGICAL},
	{"$or", 0, 0, OPND_LOGICAL},
	{"$nor", 0, 0, OPND_LOGICAL},
};

/* $type names, MongoDB's aliases included, and the name the tree holds. */
static const struct {
	const char *name;
	const char *canonical;
} type_names[] = {
	{"null", "null"},     {"boolean", "boolean"}, {"bool", "boolean"}, {"number", "number"},
	{"int", "number"},    {"long", "number"},     {"double", "number"}, {"decimal", "number"},
	{"string", "string"}, {"object", "object"},   {"array", "array"},
};

/* The parse in progress. */
typedef struct qp {
	const char *text; /* the selector's text; NULL for a json-c selector */
	int n_params;
} qp;

/* A value of the selector: a span of the text, or a json-c object. */
typedef struct qval {
	folio_jtype type;
	folio_jspan span; /* text */
	json_object *obj; /* json-c (NULL is JSON null) */
	int pos;          /* byte offset in the text, 0 for json-c */
} qval;

/* Called for each member of an object (key non-NULL) or element of an array. */
typedef int (*member_fn)(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			 void *payload);

static int fail(const qp *p, int code, int pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const qp *p, int code, int pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->text != NULL)
		return folio_error_set(code, "query: at offset %d: %s", pos, msg);
	return folio_error_set(code, "query: %s", msg);
}

/* Shared with qtext.c (qparse.h). */

int folio_qparse__param_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > FOLIO_Q_PARAM_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

int folio_qparse__join(folio_qnode *parent, folio_qnode *kid)
{
	int rc = 0;
	int i;

	if (kid == NULL || kid->kind != parent->kind ||
	    (kid->kind != FOLIO_Q_AND && kid->kind != FOLIO_Q_OR))
		return folio_qnode__add(parent, kid);
	for (i = 0; i < kid->n_kids && rc == 0; i++) {
		folio_qnode *k = kid->kids[i];

		kid->kids[i] = NULL;
		rc = folio_qnode__add(parent, k);
	}
	folio_qnode__free(kid); /* what was not moved goes with it */
	return rc;
}

folio_qnode *folio_qparse__unwrap(folio_qnode *n)
{
	folio_qnode *k;

	if (n == NULL || (n->kind != FOLIO_Q_AND && n->kind != FOLIO_Q_OR))
		return n;
	if (n->n_kids == 0 && n->kind == FOLIO_Q_AND) {
		n->kind = FOLIO_Q_TRUE;
		return n;
	}
	if (n->n_kids != 1)
		return n;
	k = n->kids[0];
	n->n_kids = 0;
	folio_qnode__free(n);
	return k;
}

json_object *folio_qparse__double(double d)
{
	char s[40];
	folio_jspan span;
	json_object *o;
	size_t n = 0;
	size_t i;
	int prec;

	assert(isfinite(d));
	for (prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s) - 2, "%.*g", prec, d);
		n = strlen(s);
		/* whatever the locale's decimal point, JSON's is '.' */
		for (i = 0; i < n; i++) {
			if ((s[i] < '0' || s[i] > '9') && strchr("-+e", s[i]) == NULL)
				s[i] = '.';
		}
		span.p = s;
		span.len = n;
		span.type = FOLIO_JT_NUMBER;
		if (folio_jscan__number(&span) == d)
			break;
	}
	if (strchr(s, '.') == NULL && strchr(s, 'e') == NULL)
		memcpy(s + n, ".0", 3);
	o = json_object_new_double_s(d, s);
	if (o == NULL)
		folio_error__oom();
	return o;
}

int folio_qparse__like_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 == len || (s[i + 1] != '*' && s[i + 1] != '?' && s[i + 1] != '\\'))
			return 0;
		i++;
	}
	return 1;
}

/* The length of s[0..len) without the UTF-8 character cut short at its end, if any. */
static size_t utf8_cut(const char *s, size_t len)
{
	size_t lead = len;
	size_t need;
	unsigned char c;

	while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return len;
	c = (unsigned char)s[lead - 1];
	if (c < 0xC0)
		return len;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	return len - (lead - 1) < need ? lead - 1 : len;
}

void folio_qparse__show(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0;
	size_t i;

	assert(size >= 16);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[8];
		size_t n = 1;

		if (c < 0x20 || c == 0x7f || c == '\'' || c == '"' || c == '\\') {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			n = 4;
		} else {
			tmp[0] = (char)c;
		}
		if (o + n + 4 > size) {
			o = utf8_cut(out, o);
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
}

/* Values: a span of the text or a json-c object, read the same way. */

static void qval_of_obj(qval *v, json_object *o)
{
	memset(v, 0, sizeof(*v));
	v->obj = o;
	switch (json_object_get_type(o)) {
	case json_type_null:
		v->type = FOLIO_JT_NULL;
		break;
	case json_type_boolean:
		v->type = json_object_get_boolean(o) ? FOLIO_JT_TRUE : FOLIO_JT_FALSE;
		break;
	case json_type_int:
	case json_type_double:
		v->type = FOLIO_JT_NUMBER;
		break;
	case json_type_string:
		v->type = FOLIO_JT_STRING;
		break;
	case json_type_object:
		v->type = FOLIO_JT_OBJECT;
		break;
	case json_type_array:
		v->type = FOLIO_JT_ARRAY;
		break;
	}
}

static void qval_of_span(const qp *p, qval *v, const folio_jspan *s)
{
	memset(v, 0, sizeof(*v));
	v->span = *s;
	v->type = s->type;
	v->pos = (int)(s->p - p->text);
}

struct each_ctx {
	qp *p;
	member_fn fn;
	void *payload;
	folio_buf key;
};

static int each_span(size_t index, const folio_jspan *key, const folio_jspan *value,
		     void *payload)
{
	struct each_ctx *c = payload;
	qval v;
	int rc;

	(void)index;
	qval_of_span(c->p, &v, value);
	if (key == NULL)
		return c->fn(c->p, NULL, 0, v.pos, &v, c->payload);
	folio_buf__reset(&c->key);
	rc = folio_jscan__string(&c->key, key);
	if (rc < 0)
		return rc;
	return c->fn(c->p, c->key.data != NULL ? c->key.data : "", c->key.len,
		     (int)(key->p - c->p->text), &v, c->payload);
}

/* Calls fn for each member or element of v (an object or an array); a non-zero return stops. */
static int qval_each(qp *p, const qval *v, member_fn fn, void *payload)
{
	struct each_ctx c;
	qval kv;
	size_t i;
	size_t n;
	int rc = 0;

	assert(v->type == FOLIO_JT_OBJECT || v->type == FOLIO_JT_ARRAY);
	if (p->text != NULL) {
		c.p = p;
		c.fn = fn;
		c.payload = payload;
		folio_buf__init(&c.key, 0);
		rc = folio_jscan__each(&v->span, each_span, &c);
		folio_buf__free(&c.key);
		return rc;
	}
	if (v->type == FOLIO_JT_OBJECT) {
		json_object_object_foreach(v->obj, k, val)
		{
			qval_of_obj(&kv, val);
			rc = fn(p, k, strlen(k), 0, &kv, payload);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	n = json_object_array_length(v->obj);
	for (i = 0; i < n && rc == 0; i++) {
		qval_of_obj(&kv, json_object_array_get_idx(v->obj, i));
		rc = fn(p, NULL, 0, 0, &kv, payload);
	}
	return rc;
}

/* Appends the decoded string v to out. */
static int qval_string(folio_buf *out, const qval *v)
{
	assert(v->type == FOLIO_JT_STRING);
	if (v->obj == NULL)
		return folio_jscan__string(out, &v->span);
	return folio_buf__add(out, json_object_get_string(v->obj),
			      (size_t)json_object_get_string_len(v->obj));
}

static size_t qval_count(const qval *v)
{
	if (v->obj == NULL)
		return folio_jscan__count(&v->span);
	if (v->type == FOLIO_JT_OBJECT)
		return (size_t)json_object_object_length(v->obj);
	return json_object_array_length(v->obj);
}

/* Containers nested past the limit; only a json-c selector can get here (jscan checks text). */
static int too_deep(const qp *p, int pos, int depth)
{
	if (depth <= FOLIO_Q_MAX_DEPTH)
		return 0;
	return fail(p, FOLIO_ETOOBIG, pos, "nested deeper than %d levels", FOLIO_Q_MAX_DEPTH);
}

/* Operand values */

static int number(qp *p, json_object **out, const qval *v)
{
	json_object *o = NULL;
	double d;

	if (v->obj != NULL && json_object_is_type(v->obj, json_type_int)) {
		int64_t i = json_object_get_int64(v->obj);

		/* json-c saturates what does not fit; a uint64 past INT64_MAX is out too */
		if (i == INT64_MAX && json_object_get_uint64(v->obj) > (uint64_t)INT64_MAX)
			return fail(p, FOLIO_EINVALID, v->pos,
				    "integer out of range (past 64 bits)");
		o = json_object_new_int64(i);
	} else if (v->obj != NULL) {
		d = json_object_get_double(v->obj);
		if (!isfinite(d))
			return fail(p, FOLIO_EINVALID, v->pos, "number out of range");
		o = folio_qparse__double(d);
	} else if (memchr(v->span.p, '.', v->span.len) == NULL &&
		   memchr(v->span.p, 'e', v->span.len) == NULL &&
		   memchr(v->span.p, 'E', v->span.len) == NULL) {
		/* an integer: int64, or an error */
		const char *s = v->span.p;
		size_t len = v->span.len;
		int neg = s[0] == '-';
		uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		uint64_t u = 0;
		size_t i;

		for (i = neg ? 1 : 0; i < len; i++) {
			unsigned digit = (unsigned)(s[i] - '0');

			if (u > (limit - digit) / 10)
				return fail(p, FOLIO_EINVALID, v->pos,
					    "integer out of range (past 64 bits)");
			u = u * 10 + digit;
		}
		if (neg)
			o = json_object_new_int64(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN
									: -(int64_t)u);
		else
			o = json_object_new_int64((int64_t)u);
	} else {
		d = folio_jscan__number(&v->span);
		if (!isfinite(d))
			return fail(p, FOLIO_EINVALID, v->pos, "number out of range");
		o = folio_qparse__double(d);
	}
	if (o == NULL)
		return folio_error__oom();
	*out = o;
	return 0;
}

struct build_ctx {
	json_object *container;
	int depth;
};

static int build_member(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			void *payload);

/*
 * The json-c value of v (NULL for JSON null), with the number checks. depth:
 * the containers v is in, v included when it is one.
 */
static int build(qp *p, json_object **out, const qval *v, int depth)
{
	struct build_ctx c;
	folio_buf s;
	int rc;

	*out = NULL;
	switch (v->type) {
	case FOLIO_JT_NULL:
		return 0;
	case FOLIO_JT_TRUE:
	case FOLIO_JT_FALSE:
		*out = json_object_new_boolean(v->type == FOLIO_JT_TRUE);
		return *out != NULL ? 0 : folio_error__oom();
	case FOLIO_JT_NUMBER:
		return number(p, out, v);
	case FOLIO_JT_STRING:
		folio_buf__init(&s, 0);
		rc = qval_string(&s, v);
		if (rc == 0) {
			*out = json_object_new_string_len(s.data != NULL ? s.data : "", (int)s.len);
			if (*out == NULL)
				rc = folio_error__oom();
		}
		folio_buf__free(&s);
		return rc;
	case FOLIO_JT_OBJECT:
	case FOLIO_JT_ARRAY:
		break;
	}
	rc = too_deep(p, v->pos, depth);
	if (rc < 0)
		return rc;
	if (v->type == FOLIO_JT_OBJECT)
		c.container = json_object_new_object();
	else
		c.container = json_object_new_array();
	c.depth = depth;
	if (c.container == NULL)
		return folio_error__oom();
	rc = qval_each(p, v, build_member, &c);
	if (rc < 0) {
		json_object_put(c.container);
		return rc;
	}
	*out = c.container;
	return 0;
}

static int build_member(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			void *payload)
{
	struct build_ctx *c = payload;
	json_object *val = NULL;
	int rc;

	if (key != NULL && strlen(key) != key_len)
		return fail(p, FOLIO_EINVALID, key_pos, "a key cannot hold a NUL byte");
	rc = build(p, &val, v, c->depth + 1);
	if (rc < 0)
		return rc;
	if (key == NULL)
		rc = json_object_array_add(c->container, val);
	else
		rc = json_object_object_add(c->container, key, val);
	if (rc != 0) {
		json_object_put(val);
		return folio_error__oom();
	}
	return 0;
}

/* The tree */

static const struct opdef eq_def = {"$eq", FOLIO_QOP_EQ, 0, OPND_ANY};

static const struct opdef *lookup(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].name) == len && memcmp(ops[i].name, key, len) == 0)
			return &ops[i];
	}
	return NULL;
}

/* A selector or operator object's keys, for the duplicate check. */
struct key_rec {
	char *key;
	size_t len;
	int pos;
};

struct keys {
	struct key_rec *recs;
	size_t n;
	size_t alloc;
};

static int collect_key(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
		       void *payload)
{
	struct keys *k = payload;
	struct key_rec *r;

	(void)p;
	(void)v;
	if (k->n == k->alloc) {
		size_t alloc = k->alloc ? k->alloc * 2 : 16;

		r = realloc(k->recs, alloc * sizeof(*r));
		if (r == NULL)
			return folio_error__oom();
		k->recs = r;
		k->alloc = alloc;
	}
	r = &k->recs[k->n];
	r->key = malloc(key_len + 1);
	if (r->key == NULL)
		return folio_error__oom();
	memcpy(r->key, key, key_len);
	r->key[key_len] = '\0';
	r->len = key_len;
	r->pos = key_pos;
	k->n++;
	return 0;
}

static int key_order(const void *a, const void *b)
{
	const struct key_rec *x = a;
	const struct key_rec *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Fails on the first key (in text order) that repeats an earlier one. Text only. */
static int no_duplicates(qp *p, const qval *v)
{
	struct keys k = {NULL, 0, 0};
	const struct key_rec *dup = NULL;
	char shown[80];
	size_t i;
	int rc;

	if (p->text == NULL || qval_count(v) < 2)
		return 0;
	rc = qval_each(p, v, collect_key, &k);
	if (rc == 0 && k.n > 1) {
		qsort(k.recs, k.n, sizeof(k.recs[0]), key_order);
		for (i = 1; i < k.n; i++) {
			if (k.recs[i - 1].len != k.recs[i].len ||
			    memcmp(k.recs[i - 1].key, k.recs[i].key, k.recs[i].len) != 0)
				continue;
			if (dup == NULL || k.recs[i].pos < dup->pos)
				dup = &k.recs[i];
		}
		if (dup != NULL) {
			folio_qparse__show(shown, sizeof(shown), dup->key, dup->len);
			rc = fail(p, FOLIO_EINVALID, dup->pos, "duplicate key '%s'", shown);
		}
	}
	for (i = 0; i < k.n; i++)
		free(k.recs[i].key);
	free(k.recs);
	return rc;
}

/* What kinds of keys an object holds. */
struct classes {
	int n_dollar;
	int n_plain;
	int n_logical; /* $and $or $nor */
	int first;     /* the first key: 1 '$', 0 plain, -1 none yet */
	int odd;       /* 1 when a key differs in kind from the first */
	int odd_pos;
	char odd_key[80];
};

static int classify_key(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			void *payload)
{
	struct classes *c = payload;
	int dollar = key_len > 0 && key[0] == '$';
	const struct opdef *def;

	(void)p;
	(void)v;
	if (c->first < 0) {
		c->first = dollar;
	} else if (dollar != c->first && !c->odd) {
		c->odd = 1;
		c->odd_pos = key_pos;
		folio_qparse__show(c->odd_key, sizeof(c->odd_key), key, key_len);
	}
	if (!dollar) {
		c->n_plain++;
		return 0;
	}
	c->n_dollar++;
	def = lookup(key, key_len);
	if (def != NULL && def->kind == OPND_LOGICAL)
		c->n_logical++;
	return 0;
}

static int classify(qp *p, const qval *v, struct classes *c)
{
	memset(c, 0, sizeof(*c));
	c->first = -1;
	return qval_each(p, v, classify_key, c);
}

static int selector(qp *p, folio_qnode **out, const qval *v, int parents);
static int operators(qp *p, folio_qnode **out, const char *path, const qval *v, int parents);

/* The parameter when v is a string "$$name": 1 and *out; 0 when v is not one. */
static int param_of(qp *p, char **out, const qval *v)
{
	char shown[80];
	folio_buf s;
	int rc = 0;

	*out = NULL;
	if (v->type != FOLIO_JT_STRING)
		return 0;
	folio_buf__init(&s, 0);
	rc = qval_string(&s, v);
	if (rc < 0 || s.len < 2 || memcmp(s.data, "$$", 2) != 0)
		goto out;
	if (!folio_qparse__param_valid(s.data + 2, s.len - 2)) {
		folio_qparse__show(shown, sizeof(shown), s.data, s.len);
		rc = fail(p, FOLIO_EINVALID, v->pos,
			  "bad parameter name '%s' (1 to %d letters, digits or '_')", shown,
			  FOLIO_Q_PARAM_NAME_MAX);
		goto out;
	}
	if (++p->n_params > FOLIO_Q_MAX_PARAMS) {
		rc = fail(p, FOLIO_ETOOBIG, v->pos, "more than %d parameters", FOLIO_Q_MAX_PARAMS);
		goto out;
	}
	*out = folio__strdup(s.data + 2);
	rc = *out != NULL ? 1 : FOLIO_ENOMEM;
out:
	folio_buf__free(&s);
	return rc;
}

/* $exists: true or false (0 and 1 too), held as a boolean. */
static int exists_operand(qp *p, json_object **out, const struct opdef *def, const qval *v)
{
	json_object *o = NULL;
	int truth = -1;
	int rc;

	if (v->type == FOLIO_JT_TRUE || v->type == FOLIO_JT_FALSE) {
		truth = v->type == FOLIO_JT_TRUE;
	} else if (v->type == FOLIO_JT_NUMBER) {
		rc = number(p, &o, v);
		if (rc < 0)
			return rc;
		if (json_object_is_type(o, json_type_int) && json_object_get_int64(o) == 0)
			truth = 0;
		else if (json_object_is_type(o, json_type_int) && json_object_get_int64(o) == 1)
			truth = 1;
		else if (json_object_get_double(o) == 0.0)
			truth = 0;
		else if (json_object_get_double(o) == 1.0)
			truth = 1;
		json_object_put(o);
	}
	if (truth < 0)
		return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs true or false", def->name);
	*out = json_object_new_boolean(truth);
	return *out != NULL ? 0 : folio_error__oom();
}

/* $size: a non-negative integer (a whole double too), held as an int64. */
static int size_operand(qp *p, json_object **out, const struct opdef *def, const qval *v)
{
	json_object *o = NULL;
	int rc;

	if (v->type == FOLIO_JT_NUMBER) {
		rc = number(p, &o, v);
		if (rc < 0)
			return rc;
		if (json_object_is_type(o, json_type_int) && json_object_get_int64(o) >= 0) {
			*out = o;
			return 0;
		}
		if (json_object_is_type(o, json_type_double)) {
			double d = json_object_get_double(o);

			json_object_put(o);
			if (d >= 0 && d <= 9007199254740992.0 && floor(d) == d) {
				*out = json_object_new_int64((int64_t)d);
				return *out != NULL ? 0 : folio_error__oom();
			}
		} else {
			json_object_put(o);
		}
	}
	return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs a non-negative integer", def->name);
}

/* The name $type keeps for a type name or alias, or NULL. */
static const char *type_name(qp *p, const qval *v, int *rc)
{
	const char *found = NULL;
	char shown[80];
	folio_buf s;
	size_t i;

	*rc = 0;
	if (v->type != FOLIO_JT_STRING)
		return NULL;
	folio_buf__init(&s, 0);
	*rc = qval_string(&s, v);
	for (i = 0; *rc == 0 && i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		const char *name = type_names[i].name;

		if (strlen(name) == s.len && memcmp(name, s.data, s.len) == 0)
			found = type_names[i].canonical;
	}
	if (*rc == 0 && found == NULL) {
		folio_qparse__show(shown, sizeof(shown), s.data != NULL ? s.data : "", s.len);
		*rc = fail(p, FOLIO_EINVALID, v->pos,
			   "unknown type name '%s' (null, boolean, number, string, object, array)",
			   shown);
	}
	folio_buf__free(&s);
	return found;
}

static int type_element(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			void *payload)
{
	json_object *arr = payload;
	json_object *s;
	const char *name;
	int rc;

	(void)key;
	(void)key_len;
	(void)key_pos;
	if (v->type != FOLIO_JT_STRING)
		return fail(p, FOLIO_EINVALID, v->pos, "'$type' needs type names (strings)");
	name = type_name(p, v, &rc);
	if (rc < 0)
		return rc;
	s = json_object_new_string(name);
	if (s == NULL || json_object_array_add(arr, s) != 0) {
		json_object_put(s);
		return folio_error__oom();
	}
	return 0;
}

/* $type: a type name or a non-empty array of them, held with the canonical names. */
static int type_operand(qp *p, json_object **out, const struct opdef *def, const qval *v)
{
	const char *name;
	int rc;

	if (v->type == FOLIO_JT_STRING) {
		name = type_name(p, v, &rc);
		if (rc < 0)
			return rc;
		*out = json_object_new_string(name);
		return *out != NULL ? 0 : folio_error__oom();
	}
	if (v->type != FOLIO_JT_ARRAY || qval_count(v) == 0)
		return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs a type name or an array of them",
			    def->name);
	*out = json_object_new_array();
	if (*out == NULL)
		return folio_error__oom();
	rc = qval_each(p, v, type_element, *out);
	if (rc < 0) {
		json_object_put(*out);
		*out = NULL;
	}
	return rc;
}

/* Sets n->param or n->value from the operand v of operator def. */
static int operand(qp *p, folio_qnode *n, const struct opdef *def, const qval *v, int parents)
{
	json_object *o = NULL;
	int rc;

	rc = param_of(p, &n->param, v);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	switch (def->kind) {
	case OPND_BOOL:
		return exists_operand(p, &n->value, def, v);
	case OPND_SIZE:
		return size_operand(p, &n->value, def, v);
	case OPND_TYPE:
		return type_operand(p, &n->value, def, v);
	case OPND_ARRAY:
		if (v->type != FOLIO_JT_ARRAY)
			return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs an array", def->name);
		break;
	case OPND_STRING:
	case OPND_LIKE:
		if (v->type != FOLIO_JT_STRING)
			return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs a string", def->name);
		break;
	default:
		break;
	}
	rc = build(p, &o, v, parents + 1);
	if (rc < 0)
		return rc;
	if (def->kind == OPND_LIKE &&
	    !folio_qparse__like_valid(json_object_get_string(o),
				      (size_t)json_object_get_string_len(o))) {
		json_object_put(o);
		return fail(p, FOLIO_EINVALID, v->pos,
			    "bad pattern for '%s': a '\\' must be followed by '*', '?' or '\\'",
			    def->name);
	}
	n->value = o != NULL ? o : folio_qnull();
	return 0;
}

/* A CMP node: path, operator def, operand v. */
static int cmp(qp *p, folio_qnode **out, const struct opdef *def, const char *path, int pos,
	       const qval *v, int parents)
{
	folio_qnode *n;
	int rc;

	n = folio_qnode__new(FOLIO_Q_CMP, pos);
	if (n == NULL)
		return FOLIO_ENOMEM;
	n->op = def->op;
	n->ci = def->ci;
	n->path = folio__strdup(path);
	rc = n->path != NULL ? operand(p, n, def, v, parents) : FOLIO_ENOMEM;
	if (rc < 0) {
		folio_qnode__free(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* $elemMatch: operators on the element itself (path ""), or a selector on its fields. */
static int elem_match(qp *p, folio_qnode **out, const char *path, int pos, const qval *v,
		      int parents)
{
	struct classes c;
	folio_qnode *sub = NULL;
	folio_qnode *n;
	int rc;

	if (v->type != FOLIO_JT_OBJECT)
		return fail(p, FOLIO_EINVALID, v->pos, "'$elemMatch' needs an object");
	rc = classify(p, v, &c);
	if (rc < 0)
		return rc;
	if (c.n_dollar > 0 && c.n_plain == 0 && c.n_logical == 0)
		rc = operators(p, &sub, "", v, parents);
	else
		rc = selector(p, &sub, v, parents);
	if (rc < 0)
		return rc;
	n = folio_qnode__new(FOLIO_Q_CMP, pos);
	if (n == NULL) {
		folio_qnode__free(sub);
		return FOLIO_ENOMEM;
	}
	n->op = FOLIO_QOP_ELEMMATCH;
	n->path = folio__strdup(path);
	rc = n->path != NULL ? folio_qnode__add(n, sub) : FOLIO_ENOMEM;
	if (rc < 0) {
		if (n->path == NULL)
			folio_qnode__free(sub);
		folio_qnode__free(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* $not on a field: an object of operators, negated. */
static int field_not(qp *p, folio_qnode **out, const char *path, int pos, const qval *v,
		     int parents)
{
	struct classes c;
	folio_qnode *sub = NULL;
	folio_qnode *n;
	int rc;

	if (v->type != FOLIO_JT_OBJECT)
		goto bad;
	rc = classify(p, v, &c);
	if (rc < 0)
		return rc;
	if (c.n_dollar == 0 || c.n_plain > 0)
		goto bad;
	rc = operators(p, &sub, path, v, parents);
	if (rc < 0)
		return rc;
	n = folio_qnode__new(FOLIO_Q_NOT, pos);
	if (n == NULL) {
		folio_qnode__free(sub);
		return FOLIO_ENOMEM;
	}
	rc = folio_qnode__add(n, sub);
	if (rc < 0) {
		folio_qnode__free(n);
		return rc;
	}
	*out = n;
	return 0;
bad:
	return fail(p, FOLIO_EINVALID, v->pos,
		    "'$not' needs an object of operators, as in {\"$not\": {\"$gt\": 5}}");
}

struct ops_ctx {
	folio_qnode *and;
	const char *path;
	int parents;
};

static int op_member(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
		     void *payload)
{
	struct ops_ctx *c = payload;
	const struct opdef *def = lookup(key, key_len);
	folio_qnode *n = NULL;
	char shown[80];
	int rc;

	if (def == NULL) {
		folio_qparse__show(shown, sizeof(shown), key, key_len);
		if (key_len == 0 || key[0] != '$')
			return fail(p, FOLIO_EINVALID, key_pos,
				    "field name '%s' mixed with operators", shown);
		return fail(p, FOLIO_EINVALID, key_pos, "unknown operator '%s'", shown);
	}
	switch (def->kind) {
	case OPND_LOGICAL:
		return fail(p, FOLIO_EINVALID, key_pos,
			    "'%s' cannot be used on a field (only on selectors)", def->name);
	case OPND_NOT:
		rc = field_not(p, &n, c->path, key_pos, v, c->parents);
		break;
	case OPND_ELEM:
		rc = elem_match(p, &n, c->path, key_pos, v, c->parents);
		break;
	default:
		rc = cmp(p, &n, def, c->path, key_pos, v, c->parents);
		break;
	}
	if (rc < 0)
		return rc;
	return folio_qparse__join(c->and, n);
}

/* An operator object {"$gt": 1, "$lt": 9} on `path`: the AND of its conditions. */
static int operators(qp *p, folio_qnode **out, const char *path, const qval *v, int parents)
{
	struct ops_ctx c;
	int rc;

	assert(v->type == FOLIO_JT_OBJECT);
	rc = too_deep(p, v->pos, parents + 1);
	if (rc == 0)
		rc = no_duplicates(p, v);
	if (rc < 0)
		return rc;
	c.and = folio_qnode__new(FOLIO_Q_AND, v->pos);
	if (c.and == NULL)
		return FOLIO_ENOMEM;
	c.path = path;
	c.parents = parents + 1;
	rc = qval_each(p, v, op_member, &c);
	if (rc < 0) {
		folio_qnode__free(c.and);
		return rc;
	}
	*out = folio_qparse__unwrap(c.and);
	return 0;
}

/* A member of a selector that is not an operator: a path and its condition. */
static int field(qp *p, folio_qnode **out, const char *key, size_t key_len, int key_pos,
		 const qval *v, int parents)
{
	struct classes c;
	char shown[80];
	int rc;

	folio_qparse__show(shown, sizeof(shown), key, key_len);
	if (strlen(key) != key_len)
		return fail(p, FOLIO_EINVALID, key_pos, "a path cannot hold a NUL byte");
	if (!folio_json__path_valid(key))
		return fail(p, FOLIO_EINVALID, key_pos, "bad path '%s'", shown);
	if (v->type == FOLIO_JT_OBJECT) {
		rc = classify(p, v, &c);
		if (rc < 0)
			return rc;
		if (c.odd && c.first == 1)
			return fail(p, FOLIO_EINVALID, c.odd_pos,
				    "field name '%s' mixed with operators", c.odd_key);
		if (c.odd)
			return fail(p, FOLIO_EINVALID, c.odd_pos,
				    "operator '%s' mixed with field names", c.odd_key);
		if (c.n_dollar > 0)
			return operators(p, out, key, v, parents);
	}
	return cmp(p, out, &eq_def, key, key_pos, v, parents);
}

struct logical_ctx {
	folio_qnode *node;
	const char *name;
	int parents;
};

static int logical_element(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			   void *payload)
{
	struct logical_ctx *c = payload;
	folio_qnode *sub = NULL;
	int rc;

	(void)key;
	(void)key_len;
	(void)key_pos;
	if (v->type != FOLIO_JT_OBJECT)
		return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs selectors (JSON objects)",
			    c->name);
	rc = selector(p, &sub, v, c->parents);
	if (rc < 0)
		return rc;
	return folio_qparse__join(c->node, sub);
}

/* A selector member whose key starts with '$': $and $or $nor $not. */
static int logical(qp *p, folio_qnode **out, const char *key, size_t key_len, int key_pos,
		   const qval *v, int parents)
{
	const struct opdef *def = lookup(key, key_len);
	struct logical_ctx c;
	folio_qnode *sub = NULL;
	folio_qnode *n;
	char shown[80];
	int rc;

	if (def == NULL) {
		folio_qparse__show(shown, sizeof(shown), key, key_len);
		return fail(p, FOLIO_EINVALID, key_pos, "unknown operator '%s'", shown);
	}
	if (def->kind == OPND_NOT) {
		if (v->type != FOLIO_JT_OBJECT)
			return fail(p, FOLIO_EINVALID, v->pos,
				    "'$not' needs a selector (a JSON object)");
		rc = selector(p, &sub, v, parents);
		if (rc < 0)
			return rc;
		n = folio_qnode__new(FOLIO_Q_NOT, key_pos);
		if (n == NULL) {
			folio_qnode__free(sub);
			return FOLIO_ENOMEM;
		}
		rc = folio_qnode__add(n, sub);
		if (rc < 0) {
			folio_qnode__free(n);
			return rc;
		}
		*out = n;
		return 0;
	}
	if (def->kind != OPND_LOGICAL)
		return fail(p, FOLIO_EINVALID, key_pos, "operator '%s' must follow a field name",
			    def->name);
	if (v->type != FOLIO_JT_ARRAY || qval_count(v) == 0)
		return fail(p, FOLIO_EINVALID, v->pos, "'%s' needs a non-empty array of selectors",
			    def->name);
	rc = too_deep(p, v->pos, parents + 1);
	if (rc < 0)
		return rc;
	c.node = folio_qnode__new(strcmp(def->name, "$and") == 0  ? FOLIO_Q_AND
				  : strcmp(def->name, "$or") == 0 ? FOLIO_Q_OR
								  : FOLIO_Q_NOR,
				  key_pos);
	if (c.node == NULL)
		return FOLIO_ENOMEM;
	c.name = def->name;
	c.parents = parents + 1;
	rc = qval_each(p, v, logical_element, &c);
	if (rc < 0) {
		folio_qnode__free(c.node);
		return rc;
	}
	*out = folio_qparse__unwrap(c.node);
	return 0;
}

struct selector_ctx {
	folio_qnode *and;
	int parents;
};

static int selector_member(qp *p, const char *key, size_t key_len, int key_pos, const qval *v,
			   void *payload)
{
	struct selector_ctx *c = payload;
	folio_qnode *n = NULL;
	int rc;

	if (key_len > 0 && key[0] == '$')
		rc = logical(p, &n, key, key_len, key_pos, v, c->parents);
	else
		rc = field(p, &n, key, key_len, key_pos, v, c->parents);
	if (rc < 0)
		return rc;
	return folio_qparse__join(c->and, n);
}

/* A selector (v is an object): the AND of its members; {} is TRUE. */
static int selector(qp *p, folio_qnode **out, const qval *v, int parents)
{
	struct selector_ctx c;
	int rc;

	assert(v->type == FOLIO_JT_OBJECT);
	rc = too_deep(p, v->pos, parents + 1);
	if (rc == 0)
		rc = no_duplicates(p, v);
	if (rc < 0)
		return rc;
	c.and = folio_qnode__new(FOLIO_Q_AND, v->pos);
	if (c.and == NULL)
		return FOLIO_ENOMEM;
	c.parents = parents + 1;
	rc = qval_each(p, v, selector_member, &c);
	if (rc < 0) {
		folio_qnode__free(c.and);
		return rc;
	}
	*out = folio_qparse__unwrap(c.and);
	return 0;
}

/* Entry points */

/* The byte offset of jscan's line and column (1-based, the column in characters). */
static size_t offset_of(const char *text, size_t len, unsigned long line, unsigned long col)
{
	unsigned long l = 1;
	unsigned long c = 1;
	size_t i;

	for (i = 0; i < len; i++) {
		if (l == line && c == col && ((unsigned char)text[i] & 0xC0) != 0x80)
			return i;
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	return len;
}

/*
 * jscan names a place by line and column, as suits documents; a query names
 * byte offsets. Rewrites jscan's messages (their forms are json.h's) into
 * "query: at offset N: ..."; any other message is kept, after "query: ".
 */
static int json_error(const char *text, size_t len, int rc)
{
	char msg[1024];
	unsigned long line;
	unsigned long col;
	int depth;
	int n = 0;

	snprintf(msg, sizeof(msg), "%s", folio_error_last());
	if (sscanf(msg, "malformed JSON at line %lu, column %lu: %n", &line, &col, &n) == 2 &&
	    n > 0)
		return folio_error_set(rc, "query: at offset %zu: malformed JSON: %s",
				       offset_of(text, len, line, col), msg + n);
	if (sscanf(msg, "malformed JSON: NUL byte at line %lu, column %lu", &line, &col) == 2)
		return folio_error_set(rc, "query: at offset %zu: malformed JSON: NUL byte",
				       offset_of(text, len, line, col));
	if (sscanf(msg, "JSON nested deeper than %d levels at line %lu, column %lu", &depth, &line,
		   &col) == 3)
		return folio_error_set(rc, "query: at offset %zu: nested deeper than %d levels",
				       offset_of(text, len, line, col), depth);
	if (strcmp(msg, "malformed JSON: empty input") == 0)
		return folio_error_set(rc, "query: at offset %zu: malformed JSON: empty input",
				       len);
	return folio_error__wrap("query");
}

int folio_qparse__json(folio_qnode **out, const char *text, size_t len)
{
	folio_jspan root;
	qp p;
	qval v;
	int rc;

	assert(out != NULL);
	assert(text != NULL || len == 0);
	*out = NULL;
	if (text == NULL)
		text = "";
	if (len > FOLIO_Q_MAX_TEXT)
		return folio_error_set(FOLIO_ETOOBIG,
				       "query: the selector is %zu bytes, over the limit of "
				       "%d bytes",
				       len, FOLIO_Q_MAX_TEXT);
	rc = folio_jscan__validate(&root, text, len, FOLIO_Q_MAX_TEXT, FOLIO_Q_MAX_DEPTH, NULL,
				   NULL);
	if (rc < 0)
		return json_error(text, len, rc);
	p.text = text;
	p.n_params = 0;
	qval_of_span(&p, &v, &root);
	if (v.type != FOLIO_JT_OBJECT)
		return fail(&p, FOLIO_EINVALID, v.pos, "a selector must be a JSON object");
	return selector(&p, out, &v, 0);
}

int folio_qparse__obj(folio_qnode **out, json_object *sel)
{
	qp p = {NULL, 0};
	qval v;

	assert(out != NULL);
	*out = NULL;
	qval_of_obj(&v, sel);
	if (v.type != FOLIO_JT_OBJECT)
		return fail(&p, FOLIO_EINVALID, 0, "a selector must be a JSON object");
	return selector(&p, out, &v, 0);
}
