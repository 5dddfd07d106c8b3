/*
 * The SQL-like spelling of a query:
 *
 *   SELECT [* | path [AS name], ...] FROM store [WHERE cond]
 *     [ORDER BY path [ASC|DESC], ...] [LIMIT n] [OFFSET m]
 *
 * to the same tree as the JSON selector (qparse.c). Keywords are in any case;
 * names are as written. A recursive-descent parser over a lexer that reads
 * one token ahead, with every error naming the byte offset of the token at
 * fault.
 *
 * Conditions: NOT binds tighter than AND, AND than OR; parentheses group.
 *   path = v, <> v, != v, < v, <= v, > v, >= v   (or the value first: 5 < age)
 *   path [NOT] IN (v, ...)      path [NOT] IN ?       (a whole array as parameter)
 *   path [NOT] LIKE 'pat' [ESCAPE 'c']               ('%' any run, '_' one character)
 *   path IS [NOT] NULL          (MongoDB's meaning: missing or null)
 * Values: 'strings' ('' for a quote), numbers (integers are int64, others
 * double; past either range is an error), TRUE, FALSE, NULL, and parameters:
 * ? (positional, named "1", "2", ... in order) or :name (not digits only, so
 * that it is never one of the ?).
 *
 * Paths: a name, then .name or .digits with no space around the dots. A name
 * is a word of letters, digits, '_' and non-ASCII bytes that is not a keyword,
 * or "double quoted" ("" for a quote; a quoted name cannot hold '.': a path
 * has no way to say it). The keywords are reserved as the first name of a path
 * (quote them: "order").
 *
 * What the text form adds to the tree's shapes: "path IN (..., ?, ...)" with a
 * parameter among the values becomes an OR of EQ (NOT IN an AND of NE), the
 * same condition; "path NOT LIKE p" is NOT (LIKE). "path LIKE ?" binds a
 * pattern of the tree's form ('*', '?', '', see FOLIO_QOP_LIKE), not SQL's:
 * only a literal pattern is converted. The text must be UTF-8 without NUL
 * bytes; no comments, no ';'.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "folio/store.h"
#include "jscan.h"
#include "json.h"
#include "qparse.h"
#include "query.h"
#include "util.h"

enum tok_type {
	T_END,    /* the end of the text */
	T_WORD,   /* a name or a keyword */
	T_QUOTED, /* "a quoted name" */
	T_STRING, /* 'a string' */
	T_NUMBER,
	T_QPARAM, /* ? */
	T_NPARAM, /* :name */
	T_PUNCT   /* , ( ) * = <> != < <= > >= */
};

typedef struct tok {
	enum tok_type type;
	size_t pos; /* text[pos..pos+len) */
	size_t len;
} tok;

/* The parse in progress. */
typedef struct tp {
	const char *text;
	size_t len;
	size_t pos;   /* where the next token starts (or white space before it) */
	tok cur;      /* the token at pos, when peeked */
	int peeked;
	folio_query *q;
	int n_params; /* positional and named */
	int depth;    /* NOT and parentheses */
} tp;

static const char *const keywords[] = {"SELECT", "FROM",   "WHERE", "ORDER", "BY",   "ASC",
				       "DESC",   "LIMIT",  "OFFSET", "AND",  "OR",   "NOT",
				       "IN",     "LIKE",   "ESCAPE", "IS",   "NULL", "TRUE",
				       "FALSE",  "AS"};

static int fail(const tp *t, int code, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(const tp *t, int code, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)t;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return folio_error_set(code, "query: at offset %zu: %s", pos, msg);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_word_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

static int is_word_char(char c)
{
	return is_word_start(c) || is_digit(c);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The length of the well-formed UTF-8 character at s (left bytes), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned long v;
	unsigned long min;
	size_t n;
	size_t i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		v = s[0] & 0x1F;
		min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		v = s[0] & 0x0F;
		min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return n;
}

/* The token's text for a message. */
static const char *shown(char *buf, size_t size, const tp *t, const tok *k)
{
	if (k->type == T_END)
		return "the end of the text";
	folio_qparse__show(buf, size, t->text + k->pos, k->len);
	return buf;
}

/* Lexer */

/* The end of the quoted token that starts at i (its closing quote + 1), 0 when unterminated. */
static size_t quoted_end(const char *s, size_t len, size_t i)
{
	char q = s[i];

	for (i++; i < len; i++) {
		if (s[i] != q)
			continue;
		if (i + 1 < len && s[i + 1] == q) {
			i++;
			continue;
		}
		return i + 1;
	}
	return 0;
}

/* A number from i: [-] digits [. digits] [e [+-] digits], with a digit somewhere before e. */
static int lex_number(tp *t, tok *out, size_t i)
{
	const char *s = t->text;
	size_t len = t->len;
	size_t j = i;
	size_t digits = 0;

	if (s[j] == '-')
		j++;
	for (; j < len && is_digit(s[j]); j++)
		digits++;
	if (j < len && s[j] == '.') {
		for (j++; j < len && is_digit(s[j]); j++)
			digits++;
	}
	if (digits > 0 && j < len && (s[j] == 'e' || s[j] == 'E')) {
		size_t k = j + 1;

		if (k < len && (s[k] == '+' || s[k] == '-'))
			k++;
		if (k >= len || !is_digit(s[k]))
			return fail(t, FOLIO_EINVALID, i, "bad number");
		for (j = k; j < len && is_digit(s[j]); j++)
			;
	}
	if (digits == 0 || (j < len && (is_word_char(s[j]) || s[j] == '.')))
		return fail(t, FOLIO_EINVALID, i, "bad number");
	out->type = T_NUMBER;
	out->len = j - i;
	return 0;
}

static int lex(tp *t, tok *out)
{
	static const char *const two[] = {"<>", "!=", "<=", ">="};
	const char *s = t->text;
	size_t len = t->len;
	size_t i = t->pos;
	size_t j;
	size_t k;
	char c;
	char buf[16];

	while (i < len && is_space(s[i]))
		i++;
	out->pos = i;
	out->len = 0;
	if (i == len) {
		out->type = T_END;
		return 0;
	}
	c = s[i];
	if (is_word_start(c)) {
		for (j = i + 1; j < len && is_word_char(s[j]); j++)
			;
		out->type = T_WORD;
		out->len = j - i;
		return 0;
	}
	if (c == '"' || c == '\'') {
		j = quoted_end(s, len, i);
		if (j == 0)
			return fail(t, FOLIO_EINVALID, i, c == '"' ? "unterminated quoted name"
								: "unterminated string");
		out->type = c == '"' ? T_QUOTED : T_STRING;
		out->len = j - i;
		return 0;
	}
	if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(s[i + 1])) ||
	    (c == '-' && i + 1 < len &&
	     (is_digit(s[i + 1]) || (s[i + 1] == '.' && i + 2 < len && is_digit(s[i + 2])))))
		return lex_number(t, out, i);
	if (c == '?') {
		out->type = T_QPARAM;
		out->len = 1;
		return 0;
	}
	if (c == ':') {
		for (j = i + 1; j < len && is_word_char(s[j]); j++)
			;
		if (!folio_qparse__param_valid(s + i + 1, j - i - 1))
			return fail(t, FOLIO_EINVALID, i,
				    "bad parameter name (':' then 1 to %d letters, digits or '_')",
				    FOLIO_Q_PARAM_NAME_MAX);
		/* "1", "2", ... are the names of the ? parameters: ":2" would be one of them */
		for (k = i + 1; k < j && is_digit(s[k]); k++)
			;
		if (k == j)
			return fail(t, FOLIO_EINVALID, i,
				    "a parameter name of digits only is a positional one's "
				    "(write ?)");
		out->type = T_NPARAM;
		out->len = j - i;
		return 0;
	}
	for (j = 0; j < sizeof(two) / sizeof(two[0]); j++) {
		if (i + 1 < len && s[i] == two[j][0] && s[i + 1] == two[j][1]) {
			out->type = T_PUNCT;
			out->len = 2;
			return 0;
		}
	}
	if (strchr(",()*=<>", c) != NULL) {
		out->type = T_PUNCT;
		out->len = 1;
		return 0;
	}
	folio_qparse__show(buf, sizeof(buf), s + i, 1);
	return fail(t, FOLIO_EINVALID, i, "unexpected '%s'", buf);
}

static int peek(tp *t, tok **out)
{
	int rc;

	if (!t->peeked) {
		rc = lex(t, &t->cur);
		if (rc < 0)
			return rc;
		t->peeked = 1;
	}
	*out = &t->cur;
	return 0;
}

/* Moves past the peeked token. */
static void take(tp *t)
{
	assert(t->peeked);
	t->pos = t->cur.pos + t->cur.len;
	t->peeked = 0;
}

static int is_kw(const tp *t, const tok *k, const char *kw)
{
	return k->type == T_WORD && k->len == strlen(kw) &&
	       strncasecmp(t->text + k->pos, kw, k->len) == 0;
}

static int is_punct(const tp *t, const tok *k, const char *p)
{
	return k->type == T_PUNCT && k->len == strlen(p) &&
	       memcmp(t->text + k->pos, p, k->len) == 0;
}

static int is_reserved(const tp *t, const tok *k)
{
	size_t i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (is_kw(t, k, keywords[i]))
			return 1;
	}
	return 0;
}

/* 1 and past it when the next token is keyword kw, else 0; or an error. */
static int accept_kw(tp *t, const char *kw)
{
	tok *k;
	int rc = peek(t, &k);

	if (rc < 0)
		return rc;
	if (!is_kw(t, k, kw))
		return 0;
	take(t);
	return 1;
}

static int accept_punct(tp *t, const char *p)
{
	tok *k;
	int rc = peek(t, &k);

	if (rc < 0)
		return rc;
	if (!is_punct(t, k, p))
		return 0;
	take(t);
	return 1;
}

static int expect_kw(tp *t, const char *kw)
{
	tok *k;
	int rc = accept_kw(t, kw);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	return fail(t, FOLIO_EINVALID, k->pos, "expected %s", kw);
}

/* The content of a quoted token (quotes doubled inside) into out. */
static int unquote(folio_buf *out, const char *s, size_t len)
{
	size_t i;
	int rc = 0;

	assert(len >= 2);
	for (i = 1; i + 1 < len && rc == 0; i++) {
		rc = folio_buf__add(out, s + i, 1);
		if (s[i] == s[0])
			i++; /* the doubled quote */
	}
	return rc;
}

/* Names and paths */

/* A quoted name as a path segment into b: not empty, no '.'. */
static int quoted_segment(tp *t, folio_buf *b, size_t pos, size_t len)
{
	size_t start = b->len;
	int rc;

	if (len == 2)
		return fail(t, FOLIO_EINVALID, pos, "empty quoted name");
	rc = unquote(b, t->text + pos, len);
	if (rc < 0)
		return rc;
	if (memchr(b->data + start, '.', b->len - start) != NULL)
		return fail(t, FOLIO_EINVALID, pos, "a quoted name in a path cannot hold '.'");
	return 0;
}

/* A dotted path (see the top of the file) into *out; *pos is where it starts. */
static int path(tp *t, char **out, size_t *pos)
{
	const char *s = t->text;
	folio_buf b;
	char buf[80];
	tok *k;
	size_t j;
	int rc;

	*out = NULL;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	*pos = k->pos;
	if (k->type == T_WORD && is_reserved(t, k))
		return fail(t, FOLIO_EINVALID, k->pos,
			    "expected a path, found the keyword '%s' (quote a name that is one)",
			    shown(buf, sizeof(buf), t, k));
	if (k->type != T_WORD && k->type != T_QUOTED)
		return fail(t, FOLIO_EINVALID, k->pos, "expected a path");
	folio_buf__init(&b, 0);
	if (k->type == T_QUOTED)
		rc = quoted_segment(t, &b, k->pos, k->len);
	else
		rc = folio_buf__add(&b, s + k->pos, k->len);
	take(t);
	while (rc == 0 && t->pos < t->len && s[t->pos] == '.') {
		if (b.len > FOLIO_JSON_PATH_MAX)
			break;
		rc = folio_buf__add(&b, ".", 1);
		t->pos++;
		if (rc == 0 && t->pos < t->len && s[t->pos] == '"') {
			j = quoted_end(s, t->len, t->pos);
			if (j == 0) {
				rc = fail(t, FOLIO_EINVALID, t->pos, "unterminated quoted name");
				break;
			}
			rc = quoted_segment(t, &b, t->pos, j - t->pos);
			t->pos = j;
			continue;
		}
		for (j = t->pos; j < t->len && is_word_char(s[j]); j++)
			;
		if (rc == 0 && j == t->pos)
			rc = fail(t, FOLIO_EINVALID, t->pos, "expected a name after '.'");
		if (rc == 0)
			rc = folio_buf__add(&b, s + t->pos, j - t->pos);
		t->pos = j;
	}
	if (rc == 0 && b.len > FOLIO_JSON_PATH_MAX)
		rc = fail(t, FOLIO_EINVALID, *pos, "path longer than %d bytes",
			  FOLIO_JSON_PATH_MAX);
	if (rc == 0 && !folio_json__path_valid(b.data))
		rc = fail(t, FOLIO_EINVALID, *pos, "bad path");
	if (rc < 0) {
		folio_buf__free(&b);
		return rc;
	}
	*out = folio_buf__take(&b);
	return 0;
}

/* A name after AS, or a store: a word that is no keyword, or a quoted name (not empty). */
static int name(tp *t, char **out, size_t *pos, const char *what)
{
	folio_buf b;
	char buf[80];
	tok *k;
	int rc;

	*out = NULL;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	*pos = k->pos;
	if (k->type == T_WORD && is_reserved(t, k))
		return fail(t, FOLIO_EINVALID, k->pos,
			    "expected %s, found the keyword '%s' (quote a name that is one)", what,
			    shown(buf, sizeof(buf), t, k));
	if (k->type != T_WORD && k->type != T_QUOTED)
		return fail(t, FOLIO_EINVALID, k->pos, "expected %s", what);
	if (k->type == T_QUOTED && k->len == 2)
		return fail(t, FOLIO_EINVALID, k->pos, "empty quoted name");
	folio_buf__init(&b, 0);
	if (k->type == T_QUOTED)
		rc = unquote(&b, t->text + k->pos, k->len);
	else
		rc = folio_buf__add(&b, t->text + k->pos, k->len);
	take(t);
	if (rc < 0) {
		folio_buf__free(&b);
		return rc;
	}
	*out = folio_buf__take(&b);
	return 0;
}

/* Values */

static void value_free(json_object *v)
{
	if (v != NULL && v != folio_qnull())
		json_object_put(v);
}

static int number_value(tp *t, const tok *k, json_object **out)
{
	const char *s = t->text + k->pos;
	size_t len = k->len;
	size_t i = 0;
	folio_jspan span;
	folio_buf b;
	double d;
	int rc = 0;

	*out = NULL;
	if (memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL &&
	    memchr(s, 'E', len) == NULL) {
		int neg = s[0] == '-';
		uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
		uint64_t u = 0;

		for (i = neg ? 1 : 0; i < len; i++) {
			unsigned digit = (unsigned)(s[i] - '0');

			if (u > (limit - digit) / 10)
				return fail(t, FOLIO_EINVALID, k->pos,
					    "integer out of range (past 64 bits)");
			u = u * 10 + digit;
		}
		if (neg)
			*out = json_object_new_int64(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN
									 : -(int64_t)u);
		else
			*out = json_object_new_int64((int64_t)u);
		return *out != NULL ? 0 : folio_error__oom();
	}

	/* As JSON's number grammar (no leading zeros, digits around '.'), read without locale. */
	folio_buf__init(&b, 0);
	if (s[i] == '-')
		rc = folio_buf__add(&b, s + i++, 1);
	while (i + 1 < len && s[i] == '0' && is_digit(s[i + 1]))
		i++;
	if (rc == 0 && !is_digit(s[i]))
		rc = folio_buf__add(&b, "0", 1);
	for (; rc == 0 && i < len && is_digit(s[i]); i++)
		rc = folio_buf__add(&b, s + i, 1);
	if (rc == 0 && i < len && s[i] == '.') {
		i++;
		if (i < len && is_digit(s[i]))
			rc = folio_buf__add(&b, ".", 1);
		for (; rc == 0 && i < len && is_digit(s[i]); i++)
			rc = folio_buf__add(&b, s + i, 1);
	}
	if (rc == 0 && i < len)
		rc = folio_buf__add(&b, s + i, len - i); /* the exponent */
	if (rc == 0) {
		span.p = b.data;
		span.len = b.len;
		span.type = FOLIO_JT_NUMBER;
		d = folio_jscan__number(&span);
		if (!isfinite(d))
			rc = fail(t, FOLIO_EINVALID, k->pos, "number out of range");
		else
			*out = folio_qparse__double(d);
		if (rc == 0 && *out == NULL)
			rc = FOLIO_ENOMEM;
	}
	folio_buf__free(&b);
	return rc;
}

static int count_param(tp *t, size_t pos)
{
	if (++t->n_params > FOLIO_Q_MAX_PARAMS)
		return fail(t, FOLIO_ETOOBIG, pos, "more than %d parameters", FOLIO_Q_MAX_PARAMS);
	return 0;
}

/* 1 when the token is a value: a literal or a parameter. */
static int is_value(const tp *t, const tok *k)
{
	return k->type == T_STRING || k->type == T_NUMBER || k->type == T_QPARAM ||
	       k->type == T_NPARAM || is_kw(t, k, "TRUE") || is_kw(t, k, "FALSE") ||
	       is_kw(t, k, "NULL");
}

/*
 * A value at the next token: 1 and *v (folio_qnull() for NULL) or *param; 0
 * when the token is no value (nothing taken); or an error.
 */
static int value(tp *t, json_object **v, char **param, size_t *pos)
{
	folio_buf b;
	char buf[32];
	tok *k;
	int rc;

	*v = NULL;
	*param = NULL;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	*pos = k->pos;
	switch (k->type) {
	case T_STRING:
		folio_buf__init(&b, 0);
		rc = unquote(&b, t->text + k->pos, k->len);
		if (rc == 0) {
			*v = json_object_new_string_len(b.data != NULL ? b.data : "", (int)b.len);
			if (*v == NULL)
				rc = folio_error__oom();
		}
		folio_buf__free(&b);
		break;
	case T_NUMBER:
		rc = number_value(t, k, v);
		break;
	case T_QPARAM:
		rc = count_param(t, k->pos);
		if (rc == 0) {
			snprintf(buf, sizeof(buf), "%d", ++t->q->n_positional);
			*param = folio__strdup(buf);
			rc = *param != NULL ? 0 : FOLIO_ENOMEM;
		}
		break;
	case T_NPARAM:
		rc = count_param(t, k->pos);
		if (rc == 0) {
			*param = malloc(k->len);
			if (*param == NULL)
				return folio_error__oom();
			memcpy(*param, t->text + k->pos + 1, k->len - 1);
			(*param)[k->len - 1] = '\0';
		}
		break;
	case T_WORD:
		if (is_kw(t, k, "TRUE") || is_kw(t, k, "FALSE")) {
			*v = json_object_new_boolean(is_kw(t, k, "TRUE"));
			rc = *v != NULL ? 0 : folio_error__oom();
		} else if (is_kw(t, k, "NULL")) {
			*v = folio_qnull();
		} else if (is_kw(t, k, "NaN") || is_kw(t, k, "Infinity") || is_kw(t, k, "Inf")) {
			return fail(t, FOLIO_EINVALID, k->pos,
				    "NaN and Infinity are not values here");
		} else {
			return 0;
		}
		break;
	default:
		return 0;
	}
	if (rc < 0)
		return rc;
	take(t);
	return 1;
}

/* Conditions */

/* A CMP node; takes path, v and param, even on failure. */
static int cmp_node(folio_qnode **out, folio_qop op, char *p, size_t pos, json_object *v,
		    char *param)
{
	folio_qnode *n = folio_qnode__new(FOLIO_Q_CMP, (int)pos);

	if (n == NULL) {
		free(p);
		value_free(v);
		free(param);
		return FOLIO_ENOMEM;
	}
	n->op = op;
	n->path = p;
	n->value = v;
	n->param = param;
	*out = n;
	return 0;
}

/* NOT of sub (taken, even on failure). */
static int not_node(folio_qnode **out, folio_qnode *sub, size_t pos)
{
	folio_qnode *n = folio_qnode__new(FOLIO_Q_NOT, (int)pos);
	int rc;

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

/* The comparison operator of a token, 0 when it is none; flipped when the value came first. */
static folio_qop cmp_op(const tp *t, const tok *k, int flip)
{
	if (is_punct(t, k, "="))
		return FOLIO_QOP_EQ;
	if (is_punct(t, k, "<>") || is_punct(t, k, "!="))
		return FOLIO_QOP_NE;
	if (is_punct(t, k, "<"))
		return flip ? FOLIO_QOP_GT : FOLIO_QOP_LT;
	if (is_punct(t, k, "<="))
		return flip ? FOLIO_QOP_GTE : FOLIO_QOP_LTE;
	if (is_punct(t, k, ">"))
		return flip ? FOLIO_QOP_LT : FOLIO_QOP_GT;
	if (is_punct(t, k, ">="))
		return flip ? FOLIO_QOP_LTE : FOLIO_QOP_GTE;
	return 0;
}

struct item {
	json_object *v;
	char *param;
	size_t pos;
};

static void items_free(struct item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		value_free(items[i].v);
		free(items[i].param);
	}
	free(items);
}

/* "(v, ...)" after IN: the values (at least one). */
static int in_items(tp *t, struct item **out, size_t *n_out)
{
	struct item *items = NULL;
	struct item *grown;
	size_t n = 0;
	size_t alloc = 0;
	tok *k = NULL;
	int rc;

	for (;;) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			grown = realloc(items, alloc * sizeof(*items));
			if (grown == NULL) {
				rc = folio_error__oom();
				goto fail;
			}
			items = grown;
		}
		rc = value(t, &items[n].v, &items[n].param, &items[n].pos);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			peek(t, &k);
			rc = fail(t, FOLIO_EINVALID, k->pos, "expected a value");
			goto fail;
		}
		n++;
		rc = accept_punct(t, ",");
		if (rc < 0)
			goto fail;
		if (rc == 1)
			continue;
		rc = accept_punct(t, ")");
		if (rc < 0)
			goto fail;
		if (rc == 1)
			break;
		peek(t, &k);
		rc = fail(t, FOLIO_EINVALID, k->pos, "expected ',' or ')'");
		goto fail;
	}
	*out = items;
	*n_out = n;
	return 0;
fail:
	items_free(items, n);
	return rc;
}

/* After "path [NOT] IN": a list, or a parameter for the whole array. Takes p. */
static int in_cond(tp *t, folio_qnode **out, char *p, size_t pos, int negated)
{
	folio_qop op = negated ? FOLIO_QOP_NIN : FOLIO_QOP_IN;
	struct item *items = NULL;
	folio_qnode *node = NULL;
	folio_qnode *kid;
	json_object *arr = NULL;
	json_object *v;
	char *param;
	char *copy;
	size_t vpos;
	size_t n = 0;
	size_t i;
	int params = 0;
	tok *k;
	int rc;

	rc = peek(t, &k);
	if (rc < 0)
		goto out;
	if (k->type == T_QPARAM || k->type == T_NPARAM) {
		rc = value(t, &v, &param, &vpos);
		if (rc < 0)
			goto out;
		rc = cmp_node(out, op, p, pos, NULL, param);
		p = NULL;
		goto out;
	}
	if (!is_punct(t, k, "(")) {
		rc = fail(t, FOLIO_EINVALID, k->pos, "expected '(' after IN");
		goto out;
	}
	take(t);
	rc = in_items(t, &items, &n);
	if (rc < 0)
		goto out;
	for (i = 0; i < n; i++)
		params += items[i].param != NULL;

	if (params == 0) {
		arr = json_object_new_array();
		if (arr == NULL) {
			rc = folio_error__oom();
			goto out;
		}
		for (i = 0; i < n; i++) {
			v = items[i].v == folio_qnull() ? NULL : items[i].v;
			if (json_object_array_add(arr, v) != 0) {
				rc = folio_error__oom();
				goto out;
			}
			items[i].v = NULL;
		}
		rc = cmp_node(out, op, p, pos, arr, NULL);
		arr = NULL;
		p = NULL;
		goto out;
	}

	/* a parameter among the values: one comparison each */
	node = folio_qnode__new(negated ? FOLIO_Q_AND : FOLIO_Q_OR, (int)pos);
	if (node == NULL) {
		rc = FOLIO_ENOMEM;
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		copy = folio__strdup(p);
		if (copy == NULL) {
			rc = FOLIO_ENOMEM;
			break;
		}
		rc = cmp_node(&kid, negated ? FOLIO_QOP_NE : FOLIO_QOP_EQ, copy, items[i].pos,
			      items[i].v, items[i].param);
		items[i].v = NULL;
		items[i].param = NULL;
		if (rc == 0)
			rc = folio_qnode__add(node, kid);
	}
	if (rc == 0) {
		*out = folio_qparse__unwrap(node);
		node = NULL;
	}
out:
	json_object_put(arr);
	items_free(items, n);
	folio_qnode__free(node);
	free(p);
	return rc;
}

/*
 * A SQL LIKE pattern to the tree's: '%' -> '*', '_' -> '?', and a '*', '?'
 * or '\' of the pattern is escaped with '\'. esc (esc_len bytes, 0 for none)
 * makes the character after it literal: '%', '_' or esc itself.
 */
static int like_pattern(tp *t, folio_buf *out, const char *s, size_t len, const char *esc,
			size_t esc_len, size_t pos)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		if (esc_len > 0 && len - i >= esc_len && memcmp(s + i, esc, esc_len) == 0) {
			i += esc_len;
			if (i < len && (s[i] == '%' || s[i] == '_')) {
				rc = folio_buf__add(out, s + i, 1);
				i++;
				continue;
			}
			if (i < len && len - i >= esc_len && memcmp(s + i, esc, esc_len) == 0) {
				if (esc_len == 1 && strchr("*?\\", esc[0]) != NULL)
					rc = folio_buf__add(out, "\\", 1);
				if (rc == 0)
					rc = folio_buf__add(out, esc, esc_len);
				i += esc_len;
				continue;
			}
			return fail(t, FOLIO_EINVALID, pos,
				    "bad LIKE pattern: the escape character must be followed by "
				    "'%%', '_' or itself");
		}
		switch (s[i]) {
		case '%':
			rc = folio_buf__add(out, "*", 1);
			break;
		case '_':
			rc = folio_buf__add(out, "?", 1);
			break;
		case '*':
		case '?':
		case '\\':
			rc = folio_buf__add(out, "\\", 1);
			if (rc == 0)
				rc = folio_buf__add(out, s + i, 1);
			break;
		default:
			rc = folio_buf__add(out, s + i, 1);
			break;
		}
		i++;
	}
	return rc;
}

/* After "path [NOT] LIKE": a pattern [ESCAPE 'c'], or a parameter. Takes p. */
static int like_cond(tp *t, folio_qnode **out, char *p, size_t pos, size_t not_pos, int negated)
{
	folio_buf pat;
	folio_buf esc;
	json_object *v = NULL;
	folio_qnode *n = NULL;
	char *param = NULL;
	size_t vpos;
	size_t pat_pos;
	tok *k;
	int rc;

	folio_buf__init(&pat, 0);
	folio_buf__init(&esc, 0);
	rc = peek(t, &k);
	if (rc < 0)
		goto out;
	if (k->type == T_QPARAM || k->type == T_NPARAM) {
		/* the bound value is a pattern of the tree's form ('*', '?', '\') */
		rc = value(t, &v, &param, &vpos);
		if (rc < 0)
			goto out;
		rc = cmp_node(&n, FOLIO_QOP_LIKE, p, pos, NULL, param);
		p = NULL;
		goto done;
	}
	if (k->type != T_STRING) {
		rc = fail(t, FOLIO_EINVALID, k->pos, "expected a pattern (a string) after LIKE");
		goto out;
	}
	pat_pos = k->pos;
	rc = unquote(&pat, t->text + k->pos, k->len);
	if (rc < 0)
		goto out;
	take(t);
	rc = accept_kw(t, "ESCAPE");
	if (rc < 0)
		goto out;
	if (rc == 1) {
		rc = peek(t, &k);
		if (rc < 0)
			goto out;
		if (k->type != T_STRING) {
			rc = fail(t, FOLIO_EINVALID, k->pos, "expected a string after ESCAPE");
			goto out;
		}
		rc = unquote(&esc, t->text + k->pos, k->len);
		if (rc < 0)
			goto out;
		if (esc.len == 0 || utf8_len((const unsigned char *)esc.data, esc.len) != esc.len) {
			rc = fail(t, FOLIO_EINVALID, k->pos, "ESCAPE needs one character");
			goto out;
		}
		take(t);
	}
	{
		folio_buf conv;

		folio_buf__init(&conv, 0);
		rc = like_pattern(t, &conv, pat.data != NULL ? pat.data : "", pat.len, esc.data,
				  esc.len, pat_pos);
		if (rc == 0) {
			v = json_object_new_string_len(conv.data != NULL ? conv.data : "",
						       (int)conv.len);
			if (v == NULL)
				rc = folio_error__oom();
		}
		folio_buf__free(&conv);
		if (rc < 0)
			goto out;
	}
	rc = cmp_node(&n, FOLIO_QOP_LIKE, p, pos, v, NULL);
	p = NULL;
	v = NULL;
done:
	if (rc == 0 && negated) {
		rc = not_node(out, n, not_pos);
		n = NULL;
	} else if (rc == 0) {
		*out = n;
		n = NULL;
	}
out:
	folio_qnode__free(n);
	value_free(v);
	free(p);
	folio_buf__free(&pat);
	folio_buf__free(&esc);
	return rc;
}

/* A comparison that starts with a path. */
static int path_cond(tp *t, folio_qnode **out)
{
	json_object *v = NULL;
	char *param = NULL;
	char *p = NULL;
	size_t pos;
	size_t vpos;
	size_t not_pos;
	folio_qop op;
	tok *k;
	int rc;

	rc = path(t, &p, &pos);
	if (rc < 0)
		return rc;
	rc = peek(t, &k);
	if (rc < 0)
		goto fail;
	op = cmp_op(t, k, 0);
	if (op != 0) {
		take(t);
		rc = value(t, &v, &param, &vpos);
		if (rc == 0) {
			peek(t, &k);
			rc = fail(t, FOLIO_EINVALID, k->pos, "expected a value");
		}
		if (rc < 0)
			goto fail;
		return cmp_node(out, op, p, pos, v, param);
	}
	if (is_kw(t, k, "IS")) {
		take(t);
		rc = accept_kw(t, "NOT");
		if (rc < 0)
			goto fail;
		op = rc == 1 ? FOLIO_QOP_NE : FOLIO_QOP_EQ;
		rc = expect_kw(t, "NULL");
		if (rc < 0)
			goto fail;
		return cmp_node(out, op, p, pos, folio_qnull(), NULL);
	}
	not_pos = k->pos;
	rc = accept_kw(t, "NOT");
	if (rc < 0)
		goto fail;
	if (rc == 1 || is_kw(t, k, "IN") || is_kw(t, k, "LIKE")) {
		int negated = rc == 1;

		rc = peek(t, &k);
		if (rc < 0)
			goto fail;
		if (is_kw(t, k, "IN")) {
			take(t);
			return in_cond(t, out, p, pos, negated);
		}
		if (is_kw(t, k, "LIKE")) {
			take(t);
			return like_cond(t, out, p, pos, not_pos, negated);
		}
		rc = fail(t, FOLIO_EINVALID, k->pos, "expected IN or LIKE after NOT");
		goto fail;
	}
	rc = fail(t, FOLIO_EINVALID, k->pos, "expected a comparison operator");
fail:
	free(p);
	return rc;
}

/* A comparison that starts with the value: "5 < age" is "age > 5". */
static int value_cond(tp *t, folio_qnode **out)
{
	json_object *v = NULL;
	char *param = NULL;
	char *p = NULL;
	size_t vpos;
	size_t pos;
	folio_qop op;
	tok *k;
	int rc;

	rc = value(t, &v, &param, &vpos);
	if (rc < 0)
		return rc;
	rc = peek(t, &k);
	if (rc < 0)
		goto fail;
	op = cmp_op(t, k, 1);
	if (op == 0) {
		rc = fail(t, FOLIO_EINVALID, k->pos, "expected a comparison operator");
		goto fail;
	}
	take(t);
	rc = path(t, &p, &pos);
	if (rc < 0)
		goto fail;
	return cmp_node(out, op, p, pos, v, param);
fail:
	value_free(v);
	free(param);
	return rc;
}

static int or_cond(tp *t, folio_qnode **out);

static int deeper(tp *t, size_t pos)
{
	if (++t->depth > FOLIO_Q_MAX_DEPTH)
		return fail(t, FOLIO_ETOOBIG, pos, "nested deeper than %d levels",
			    FOLIO_Q_MAX_DEPTH);
	return 0;
}

/* NOT cond, ( cond ), or a comparison. */
static int not_cond(tp *t, folio_qnode **out)
{
	folio_qnode *sub = NULL;
	char buf[80];
	size_t pos;
	tok *k;
	int rc;

	*out = NULL;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	pos = k->pos;
	if (is_kw(t, k, "NOT")) {
		rc = deeper(t, pos);
		if (rc < 0)
			return rc;
		take(t);
		rc = not_cond(t, &sub);
		t->depth--;
		if (rc < 0)
			return rc;
		return not_node(out, sub, pos);
	}
	if (is_punct(t, k, "(")) {
		rc = deeper(t, pos);
		if (rc < 0)
			return rc;
		take(t);
		rc = or_cond(t, &sub);
		t->depth--;
		if (rc == 0) {
			rc = accept_punct(t, ")");
			if (rc == 0) {
				peek(t, &k);
				rc = fail(t, FOLIO_EINVALID, k->pos, "expected ')'");
			}
		}
		if (rc < 0) {
			folio_qnode__free(sub);
			return rc;
		}
		*out = sub;
		return 0;
	}
	if (is_value(t, k))
		return value_cond(t, out);
	if (k->type == T_WORD && is_reserved(t, k))
		return fail(t, FOLIO_EINVALID, k->pos,
			    "expected a condition, found the keyword '%s' (quote a name that is "
			    "one)",
			    shown(buf, sizeof(buf), t, k));
	if (k->type == T_WORD || k->type == T_QUOTED)
		return path_cond(t, out);
	return fail(t, FOLIO_EINVALID, k->pos, "expected a condition");
}

/* kid {KW kid}, as one AND or OR node (or the kid alone). */
static int chain(tp *t, folio_qnode **out, const char *kw, folio_qkind kind,
		 int (*next)(tp *, folio_qnode **))
{
	folio_qnode *node = NULL;
	folio_qnode *kid = NULL;
	tok *k;
	int rc;

	*out = NULL;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	node = folio_qnode__new(kind, (int)k->pos);
	if (node == NULL)
		return FOLIO_ENOMEM;
	for (;;) {
		rc = next(t, &kid);
		if (rc == 0)
			rc = folio_qparse__join(node, kid);
		if (rc == 0)
			rc = accept_kw(t, kw);
		if (rc <= 0)
			break;
	}
	if (rc < 0) {
		folio_qnode__free(node);
		return rc;
	}
	*out = folio_qparse__unwrap(node);
	return 0;
}

static int and_cond(tp *t, folio_qnode **out)
{
	return chain(t, out, "AND", FOLIO_Q_AND, not_cond);
}

static int or_cond(tp *t, folio_qnode **out)
{
	return chain(t, out, "OR", FOLIO_Q_OR, and_cond);
}

/* The query */

static int add_field(folio_query *q, char *p, char *alias)
{
	char **fields;
	char **aliases;

	fields = realloc(q->fields, sizeof(*fields) * (size_t)(q->n_fields + 1));
	if (fields != NULL)
		q->fields = fields;
	aliases = fields != NULL ? realloc(q->aliases, sizeof(*aliases) * (size_t)(q->n_fields + 1))
				 : NULL;
	if (aliases != NULL)
		q->aliases = aliases;
	if (fields == NULL || aliases == NULL) {
		free(p);
		free(alias);
		return folio_error__oom();
	}
	q->fields[q->n_fields] = p;
	q->aliases[q->n_fields] = alias;
	q->n_fields++;
	return 0;
}

/* "*", nothing, or path [AS name], ... */
static int fields(tp *t)
{
	char *alias;
	char *p;
	size_t pos;
	tok *k;
	int rc;

	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	if (is_punct(t, k, "*") || is_kw(t, k, "FROM")) {
		if (k->type == T_PUNCT)
			take(t);
		t->q->star = 1;
		return 0;
	}
	do {
		alias = NULL;
		rc = path(t, &p, &pos);
		if (rc < 0)
			return rc;
		rc = accept_kw(t, "AS");
		if (rc == 1)
			rc = name(t, &alias, &pos, "a name after AS");
		if (rc < 0) {
			free(p);
			return rc;
		}
		rc = add_field(t->q, p, alias);
		if (rc == 0)
			rc = accept_punct(t, ",");
	} while (rc == 1);
	return rc;
}

static int store(tp *t)
{
	char buf[80];
	char *s = NULL;
	size_t pos;
	int quoted;
	tok *k;
	int rc;

	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	quoted = k->type == T_QUOTED;
	rc = name(t, &s, &pos, "a store name");
	if (rc < 0)
		return rc;
	/* a store name may hold '-' (names.c): "FROM orders-2024" */
	while (!quoted && t->pos < t->len &&
	       (is_word_char(t->text[t->pos]) || t->text[t->pos] == '-'))
		t->pos++;
	if (!quoted) {
		free(s);
		s = malloc(t->pos - pos + 1);
		if (s == NULL)
			return folio_error__oom();
		memcpy(s, t->text + pos, t->pos - pos);
		s[t->pos - pos] = '\0';
	}
	if (!folio_store_name_valid(s)) {
		folio_qparse__show(buf, sizeof(buf), s, strlen(s));
		free(s);
		return fail(t, FOLIO_EINVALID, pos, "bad store name '%s'", buf);
	}
	t->q->store = s;
	return 0;
}

static int order(tp *t)
{
	folio_qorder *o;
	char *p;
	size_t pos;
	int rc;

	do {
		rc = path(t, &p, &pos);
		if (rc < 0)
			return rc;
		o = realloc(t->q->order, sizeof(*o) * (size_t)(t->q->n_order + 1));
		if (o == NULL) {
			free(p);
			return folio_error__oom();
		}
		t->q->order = o;
		o[t->q->n_order].path = p;
		o[t->q->n_order].desc = 0;
		t->q->n_order++;
		rc = accept_kw(t, "DESC");
		if (rc == 1)
			o[t->q->n_order - 1].desc = 1;
		else if (rc == 0)
			rc = accept_kw(t, "ASC");
		if (rc >= 0)
			rc = accept_punct(t, ",");
	} while (rc == 1);
	return rc;
}

/* The integer after LIMIT or OFFSET. */
static int count(tp *t, int64_t *out, const char *what)
{
	uint64_t u = 0;
	size_t i;
	tok *k;
	int rc;

	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	if (k->type != T_NUMBER || !is_digit(t->text[k->pos]))
		goto bad;
	for (i = 0; i < k->len; i++) {
		char c = t->text[k->pos + i];

		if (!is_digit(c) || u > ((uint64_t)INT64_MAX - (unsigned)(c - '0')) / 10)
			goto bad;
		u = u * 10 + (unsigned)(c - '0');
	}
	take(t);
	*out = (int64_t)u;
	return 0;
bad:
	return fail(t, FOLIO_EINVALID, k->pos, "%s needs a non-negative integer (at most 64 bits)",
		    what);
}

static int query(tp *t)
{
	char buf[80];
	tok *k;
	int rc;

	rc = expect_kw(t, "SELECT");
	if (rc == 0)
		rc = fields(t);
	if (rc == 0)
		rc = expect_kw(t, "FROM");
	if (rc == 0)
		rc = store(t);
	if (rc == 0)
		rc = accept_kw(t, "WHERE");
	if (rc == 1)
		rc = or_cond(t, &t->q->where);
	if (rc == 0 && t->q->where == NULL) {
		t->q->where = folio_qnode__new(FOLIO_Q_TRUE, 0);
		if (t->q->where == NULL)
			rc = FOLIO_ENOMEM;
	}
	if (rc == 0)
		rc = accept_kw(t, "ORDER");
	if (rc == 1) {
		rc = expect_kw(t, "BY");
		if (rc == 0)
			rc = order(t);
	}
	if (rc == 0)
		rc = accept_kw(t, "LIMIT");
	if (rc == 1)
		rc = count(t, &t->q->limit, "LIMIT");
	if (rc == 0)
		rc = accept_kw(t, "OFFSET");
	if (rc == 1)
		rc = count(t, &t->q->offset, "OFFSET");
	if (rc < 0)
		return rc;
	rc = peek(t, &k);
	if (rc < 0)
		return rc;
	if (k->type != T_END)
		return fail(t, FOLIO_EINVALID, k->pos, "unexpected '%s'",
			    shown(buf, sizeof(buf), t, k));
	return 0;
}

int folio_qparse__text(folio_query **out, const char *text, size_t len)
{
	tp t;
	size_t i;
	size_t n;
	int rc;

	assert(out != NULL);
	assert(text != NULL || len == 0);
	*out = NULL;
	if (text == NULL)
		text = "";
	memset(&t, 0, sizeof(t));
	t.text = text;
	t.len = len;
	if (len > FOLIO_Q_MAX_TEXT)
		return folio_error_set(FOLIO_ETOOBIG,
				       "query: the text is %zu bytes, over the limit of %d bytes",
				       len, FOLIO_Q_MAX_TEXT);
	for (i = 0; i < len; i += n) {
		if (text[i] == '\0')
			return fail(&t, FOLIO_EINVALID, i, "NUL byte");
		n = utf8_len((const unsigned char *)text + i, len - i);
		if (n == 0)
			return fail(&t, FOLIO_EINVALID, i, "invalid UTF-8");
	}
	t.q = calloc(1, sizeof(*t.q));
	if (t.q == NULL)
		return folio_error__oom();
	t.q->limit = -1;
	rc = query(&t);
	if (rc < 0) {
		folio_query__free(t.q);
		return rc;
	}
	*out = t.q;
	return 0;
}
