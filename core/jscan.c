/*
 * Validating and navigating JSON text in place.
 *
 * The validator is one non-recursive pass: an explicit depth counter, a bit
 * per open container (object or array) and tight loops over string bytes,
 * eight at a time where the machine allows. It only answers "valid or not"
 * fast; it does not try to say why.
 *
 * The why is the error path's business, and there the contract is to say
 * exactly what folio_json__parse() says: json-c's error and position, unless
 * json.c's pre-scan finds a problem first. So on failure the text is walked
 * again by a slow, faithful model of json-c 0.16's strict tokener (states
 * only, no objects) and by a copy of json.c's scan(), combined the way
 * folio_json__parse() combines them. Errors are rare; their cost does not
 * matter.
 *
 * Navigation (get, each, count, key_eq) trusts the text: it was validated.
 */
#define _GNU_SOURCE /* strtod_l */
#include <assert.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "json.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define JSCAN_SWAR 1
#else
#define JSCAN_SWAR 0
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* JSON's four white space bytes. */
static inline int is_ws(unsigned char c)
{
	return c <= ' ' && ((UINT64_C(1) << c) & ((UINT64_C(1) << ' ') | (UINT64_C(1) << '\t') |
						 (UINT64_C(1) << '\n') | (UINT64_C(1) << '\r')));
}

static inline int is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 6;
}

static unsigned hex_val(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Bytes that end a run of plain string bytes: '"', '\\', controls and non-ASCII. */
static const unsigned char str_stop[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

#if JSCAN_SWAR
/* A high bit in each byte of v that is '"', '\\', < 0x20 or >= 0x80 (exact up to the first). */
static inline uint64_t stop_bytes(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"');
	uint64_t b = v ^ (ONES * '\\');
	uint64_t t = (v - ONES * 0x20) | (q - ONES) | (b - ONES);

	return (t & ~v & HIGHS) | (v & HIGHS);
}

/* A high bit in each byte of v that is '"' or '\\' (exact up to the first). */
static inline uint64_t quote_bytes(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"');
	uint64_t b = v ^ (ONES * '\\');

	return (((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}
#endif

/* Length of the strict (RFC 3629) UTF-8 sequence at p, 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	size_t n = (size_t)(end - p);
	unsigned c = p[0];
	unsigned lo = 0x80;
	unsigned hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		return p[1] >= lo && p[1] <= hi ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		return p[1] >= lo && p[1] <= hi ? 4 : 0;
	}
	return 0;
}

/* The validator. */

enum fast_result { FAST_OK = 0, FAST_BAD, FAST_CB, FAST_NOMEM };

struct fast {
	const unsigned char *err; /* where the scan gave up */
	int bad_utf8;             /* ... on a sequence that is not strict UTF-8 */
	int cb_rc;
};

/*
 * p is just past a string's opening quote. Returns the byte after its
 * closing quote, or NULL (f->err set) when the string is not valid.
 */
static inline __attribute__((always_inline)) const unsigned char *
scan_string(const unsigned char *p, const unsigned char *end, struct fast *f)
{
	size_t n;
	unsigned char c;

	for (;;) {
#if JSCAN_SWAR
		for (;;) {
			uint64_t v;
			uint64_t m;

			if (end - p < 8) {
				while (p < end && !str_stop[*p])
					p++;
				break;
			}
			memcpy(&v, p, 8);
			m = stop_bytes(v);
			if (m != 0) {
				p += __builtin_ctzll(m) >> 3;
				break;
			}
			p += 8;
		}
#else
		while (p < end && !str_stop[*p])
			p++;
#endif
		if (p == end)
			goto bad;
		c = *p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (end - p < 2)
				goto bad;
			switch (p[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				continue;
			case 'u':
				if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) ||
				    !is_hex(p[4]) || !is_hex(p[5]))
					goto bad;
				p += 6;
				continue;
			default:
				goto bad;
			}
		}
		if (c < 0x20)
			goto bad;
		n = utf8_seq(p, end);
		if (n == 0) {
			f->bad_utf8 = 1;
			goto bad;
		}
		p += n;
	}
bad:
	f->err = p;
	return NULL;
}

/* Grows the container bit stack to hold `need` bits. */
static int grow_bits(uint64_t **bits, size_t *nwords, uint64_t *local, size_t need)
{
	size_t words = *nwords * 2;
	uint64_t *nb;

	while (words * 64 < need)
		words *= 2;
	if (*bits == local) {
		nb = malloc(words * sizeof(uint64_t));
		if (nb != NULL)
			memcpy(nb, local, *nwords * sizeof(uint64_t));
	} else {
		nb = realloc(*bits, words * sizeof(uint64_t));
	}
	if (nb == NULL)
		return -1;
	*bits = nb;
	*nwords = words;
	return 0;
}

#define LOCAL_WORDS 64 /* 4096 levels before the bit stack is allocated */

#define SKIP_WS()                          \
	do {                               \
		while (p < end && is_ws(*p)) \
			p++;               \
	} while (0)

static folio_jtype type_of(unsigned char c)
{
	switch (c) {
	case '"':
		return FOLIO_JT_STRING;
	case '{':
		return FOLIO_JT_OBJECT;
	case '[':
		return FOLIO_JT_ARRAY;
	case 't':
		return FOLIO_JT_TRUE;
	case 'f':
		return FOLIO_JT_FALSE;
	case 'n':
		return FOLIO_JT_NULL;
	default:
		return FOLIO_JT_NUMBER;
	}
}

/*
 * The fast pass over text[0..len). On FAST_OK *root spans the value. The
 * members of a root object go to cb as they are passed.
 */
static enum fast_result fast_validate(folio_jspan *root, const unsigned char *text, size_t len,
				      long max_depth,
				      int (*cb)(const folio_jspan *, const folio_jspan *, void *),
				      void *payload, struct fast *f)
{
	const unsigned char *p = text;
	const unsigned char *end = text + len;
	const unsigned char *vstart = NULL;
	const unsigned char *kstart = NULL;
	const unsigned char *kend = NULL;
	const unsigned char *rstart;
	uint64_t local[LOCAL_WORDS];
	uint64_t *bits = local;
	size_t nwords = LOCAL_WORDS;
	long depth = 0;
	long track = cb != NULL ? 1 : -1; /* the depth of root members, when reported */
	int in_obj = 0;
	enum fast_result res = FAST_BAD;
	unsigned char c;

	SKIP_WS();
	rstart = p;

value:
	SKIP_WS();
	if (p == end)
		goto bad;
	if (depth == track)
		vstart = p;
	c = *p;
	switch (c) {
	case '"':
		p = scan_string(p + 1, end, f);
		if (p == NULL)
			goto out;
		goto after_value;
	case '{':
	case '[':
		if (depth >= max_depth)
			goto bad;
		if ((size_t)depth >= nwords * 64 &&
		    grow_bits(&bits, &nwords, local, (size_t)depth + 1) != 0) {
			res = FAST_NOMEM;
			goto out;
		}
		if (in_obj)
			bits[depth >> 6] |= UINT64_C(1) << (depth & 63);
		else
			bits[depth >> 6] &= ~(UINT64_C(1) << (depth & 63));
		depth++;
		in_obj = c == '{';
		p++;
		SKIP_WS();
		if (p < end && *p == (in_obj ? '}' : ']')) {
			p++;
			goto close;
		}
		if (in_obj)
			goto key;
		goto value;
	case 't':
		if (end - p < 4 || memcmp(p, "true", 4) != 0)
			goto bad;
		p += 4;
		goto after_value;
	case 'f':
		if (end - p < 5 || memcmp(p, "false", 5) != 0)
			goto bad;
		p += 5;
		goto after_value;
	case 'n':
		if (end - p < 4 || memcmp(p, "null", 4) != 0)
			goto bad;
		p += 4;
		goto after_value;
	default:
		break;
	}
	/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (c == '-') {
		p++;
		if (p == end)
			goto bad;
		c = *p;
	}
	if (c == '0') {
		p++;
	} else if (c >= '1' && c <= '9') {
		p++;
		while (p < end && is_digit(*p))
			p++;
	} else {
		goto bad;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || !is_digit(*p))
			goto bad;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p | 0x20) == 'e') {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			goto bad;
		while (p < end && is_digit(*p))
			p++;
	}

after_value:
	if (depth == track && in_obj) {
		folio_jspan k = {(const char *)kstart, (size_t)(kend - kstart), FOLIO_JT_STRING};
		folio_jspan v = {(const char *)vstart, (size_t)(p - vstart), type_of(*vstart)};

		f->cb_rc = cb(&k, &v, payload);
		if (f->cb_rc != 0) {
			res = FAST_CB;
			goto out;
		}
	}
	if (depth == 0)
		goto done;
	SKIP_WS();
	if (p == end)
		goto bad;
	c = *p;
	if (c == ',') {
		p++;
		if (in_obj)
			goto key;
		goto value;
	}
	if (c != (in_obj ? '}' : ']'))
		goto bad;
	p++;

close:
	depth--;
	in_obj = (int)((bits[depth >> 6] >> (depth & 63)) & 1);
	goto after_value;

key:
	SKIP_WS();
	if (p == end || *p != '"')
		goto bad;
	if (depth == track)
		kstart = p;
	p = scan_string(p + 1, end, f);
	if (p == NULL)
		goto out;
	if (depth == track)
		kend = p;
	SKIP_WS();
	if (p == end || *p != ':')
		goto bad;
	p++;
	goto value;

done:
	if (root != NULL) {
		root->p = (const char *)rstart;
		root->len = (size_t)(p - rstart);
		root->type = type_of(*rstart);
	}
	SKIP_WS();
	if (p != end)
		goto bad;
	res = FAST_OK;
	goto out;

bad:
	f->err = p;
	res = FAST_BAD;
out:
	if (bits != local)
		free(bits);
	return res;
}

/*
 * The error path, part 1: a copy of json.c's scan() and its messages (they
 * are file-local there), which folio_json__parse() lets win over json-c's
 * own error when it finds its problem first.
 */

enum scan_problem {
	SCAN_OK = 0,
	SCAN_DEPTH,
	SCAN_QUOTE,
	SCAN_LITERAL,
	SCAN_NUMBER,
	SCAN_CONTROL,
	SCAN_TRAILING
};

static int sc_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int sc_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int sc_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int number_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0') {
		i++;
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && sc_digit(s[i]))
			i++;
	} else {
		return 0;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !sc_digit(s[i]))
			return 0;
		while (i < len && sc_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !sc_digit(s[i]))
			return 0;
		while (i < len && sc_digit(s[i]))
			i++;
	}
	return i == len;
}

static int literal_ok(const char *s, size_t len)
{
	return (len == 4 && memcmp(s, "true", 4) == 0) ||
	       (len == 5 && memcmp(s, "false", 5) == 0) ||
	       (len == 4 && memcmp(s, "null", 4) == 0);
}

static enum scan_problem scan(const char *s, size_t len, int max_depth, size_t *pos)
{
	size_t i = 0;
	size_t j;
	long depth = 0;
	int done = 0;
	char c;

	while (i < len) {
		c = s[i];
		if (sc_ws(c)) {
			i++;
			continue;
		}
		*pos = i;
		if (done)
			return SCAN_TRAILING;
		if (c == '"') {
			i++;
			while (i < len && s[i] != '"') {
				if ((unsigned char)s[i] < 0x20) {
					*pos = i;
					return SCAN_CONTROL;
				}
				i += s[i] == '\\' ? 2 : 1;
			}
			i++;
			done = depth == 0;
		} else if (c == '[' || c == '{') {
			depth++;
			if (depth > max_depth)
				return SCAN_DEPTH;
			i++;
		} else if (c == ']' || c == '}') {
			if (depth > 0)
				depth--;
			done = depth == 0;
			i++;
		} else if (c == '\'') {
			return SCAN_QUOTE;
		} else if (c == '-' || sc_digit(c)) {
			j = i;
			while (j < len && (sc_digit(s[j]) || s[j] == '-' || s[j] == '+' ||
					   s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
					   sc_alpha(s[j])))
				j++;
			if (!number_ok(s + i, j - i))
				return SCAN_NUMBER;
			i = j;
			done = depth == 0;
		} else if (sc_alpha(c)) {
			j = i;
			while (j < len && (sc_alpha(s[j]) || sc_digit(s[j])))
				j++;
			if (!literal_ok(s + i, j - i))
				return SCAN_LITERAL;
			i = j;
			done = depth == 0;
		} else {
			i++;
		}
	}
	return SCAN_OK;
}

/* 1-based line and column (in characters) of byte offset `off`. */
static void position(const char *text, size_t off, unsigned long *line, unsigned long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int scan_error(const char *text, enum scan_problem what, size_t off, int max_depth)
{
	unsigned long line;
	unsigned long col;
	const char *why;

	position(text, off, &line, &col);
	switch (what) {
	case SCAN_DEPTH:
		return folio_error_set(FOLIO_ETOOBIG,
				       "JSON nested deeper than %d levels at line %lu, column %lu",
				       max_depth, line, col);
	case SCAN_QUOTE:
		why = "strings must be in double quotes";
		break;
	case SCAN_LITERAL:
		why = "unknown literal (only true, false and null are JSON)";
		break;
	case SCAN_NUMBER:
		why = "invalid number";
		break;
	case SCAN_CONTROL:
		why = "control character in a string (escape it)";
		break;
	case SCAN_TRAILING:
		why = "unexpected text after the JSON value";
		break;
	default:
		why = "unexpected character";
		break;
	}
	return folio_error_set(FOLIO_EINVALID, "malformed JSON at line %lu, column %lu: %s", line,
			       col, why);
}

/*
 * The error path, part 2: json-c 0.16's tokener in strict mode with UTF-8
 * checks, reduced to its states. Names and numbers follow json-c's so the
 * two can be read side by side.
 */

enum tk_err {
	TK_SUCCESS,
	TK_CONTINUE,
	TK_DEPTH,
	TK_EOF,
	TK_UNEXPECTED,
	TK_NULL,
	TK_BOOLEAN,
	TK_NUMBER,
	TK_ARRAY,
	TK_KEY_NAME,
	TK_KEY_SEP,
	TK_VALUE_SEP,
	TK_STRING,
	TK_COMMENT,
	TK_UTF8
};

static const char *const tk_desc[] = {"success",
				      "continue",
				      "nesting too deep",
				      "unexpected end of data",
				      "unexpected character",
				      "null expected",
				      "boolean expected",
				      "number expected",
				      "array value separator ',' expected",
				      "quoted object property name expected",
				      "object property name separator ':' expected",
				      "object value separator ',' expected",
				      "invalid string sequence",
				      "expected comment",
				      "invalid utf-8 string"};

enum tk_state {
	TS_EATWS,
	TS_START,
	TS_FINISH,
	TS_NULL,
	TS_STRING,
	TS_STRING_ESCAPE,
	TS_ESCAPE_UNICODE,
	TS_BOOLEAN,
	TS_NUMBER,
	TS_ARRAY,
	TS_ARRAY_ADD,
	TS_ARRAY_SEP,
	TS_FIELD_START,
	TS_FIELD,
	TS_FIELD_END,
	TS_VALUE,
	TS_VALUE_ADD,
	TS_OBJECT_SEP,
	TS_ARRAY_AFTER_SEP,
	TS_FIELD_START_AFTER_SEP,
	TS_INF
};

struct tk {
	unsigned char *state; /* per level */
	unsigned char *saved; /* per level */
	size_t levels;
	long depth;
	long max_depth;
	int st_pos;
	int is_double;
	unsigned char quote;
	char lit[8];         /* the first characters of a literal (json-c's printbuf) */
	const char *num;     /* the number being read (json-c's printbuf) ... */
	size_t num_len;      /* ... and its length */
};

/* json-c's json_tokener_validate_utf8(): the lax check, one byte at a time. */
static int tk_utf8(unsigned char c, unsigned *nbytes)
{
	if (*nbytes == 0) {
		if (c >= 0x80) {
			if ((c & 0xe0) == 0xc0)
				*nbytes = 1;
			else if ((c & 0xf0) == 0xe0)
				*nbytes = 2;
			else if ((c & 0xf8) == 0xf0)
				*nbytes = 3;
			else
				return 0;
		}
	} else {
		if ((c & 0xc0) != 0x80)
			return 0;
		(*nbytes)--;
	}
	return 1;
}

/* Whether json-c makes a number of the text it gathered (int64, uint64 or strtod to the end). */
static int tk_number_ok(const struct tk *t)
{
	const char *s = t->num;
	size_t n = t->num_len;
	size_t i = 0;
	size_t digits = 0;

	if (n == 0)
		return 0;
	if (!t->is_double) {
		if (s[0] == '-')
			return n > 1 && sc_digit(s[1]);
		/* strict mode: no leading zero before a non-zero integer */
		if (s[0] == '0') {
			for (i = 1; i < n && sc_digit(s[i]); i++) {
				if (s[i] != '0')
					return 0;
			}
		}
		return 1;
	}
	/* strtod must take all of it: [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)? */
	if (s[i] == '-' || s[i] == '+')
		i++;
	while (i < n && sc_digit(s[i])) {
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && sc_digit(s[i])) {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t save = i;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i < n && sc_digit(s[i])) {
			while (i < n && sc_digit(s[i]))
				i++;
		} else {
			i = save;
		}
	}
	return i == n;
}

/*
 * One json_tokener_parse_ex() call over str[0..len): returns json-c's error
 * and the parse end in *endp.
 */
static enum tk_err tk_run(struct tk *t, const char *str, size_t len, size_t *endp)
{
	static const char number_chars[] = "0123456789.+-eE";
	size_t off = 0;
	unsigned nbytes = 0;
	unsigned char c = 1;
	enum tk_err err = TK_SUCCESS;

#define ST (t->state[t->depth])
#define SV (t->saved[t->depth])
#define PEEK()                                                                    \
	(off == len ? ((t->depth == 0 && ST == TS_EATWS && SV == TS_FINISH) ?     \
			       (err = TK_SUCCESS, 0) :                            \
			       (err = TK_CONTINUE, 0)) :                          \
		      (!tk_utf8((unsigned char)str[off], &nbytes) ?               \
			       (err = TK_UTF8, 0) :                               \
			       (c = (unsigned char)str[off], 1)))
#define ADVANCE() (off++, c)
#define FAIL(e)            \
	do {               \
		err = (e); \
		goto out;  \
	} while (0)

	while (PEEK()) {
redo:
		switch (ST) {
		case TS_EATWS:
			while (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				if (!ADVANCE() || !PEEK())
					goto out;
			}
			ST = SV;
			goto redo;

		case TS_START:
			switch (c) {
			case '{':
				ST = TS_EATWS;
				SV = TS_FIELD_START;
				break;
			case '[':
				ST = TS_EATWS;
				SV = TS_ARRAY;
				break;
			case 'I':
			case 'i':
				ST = TS_INF;
				t->num_len = 0;
				t->st_pos = 0;
				goto redo;
			case 'N':
			case 'n':
				ST = TS_NULL;
				t->st_pos = 0;
				goto redo;
			case '"':
				ST = TS_STRING;
				t->quote = c;
				break;
			case 'T':
			case 't':
			case 'F':
			case 'f':
				ST = TS_BOOLEAN;
				t->st_pos = 0;
				goto redo;
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
			case '8':
			case '9':
			case '-':
				ST = TS_NUMBER;
				t->num = str + off;
				t->num_len = 0;
				t->is_double = 0;
				goto redo;
			default: /* '\'' too, in strict mode */
				FAIL(TK_UNEXPECTED);
			}
			break;

		case TS_FINISH:
			if (t->depth == 0)
				goto out;
			t->depth--;
			goto redo;

		case TS_INF:
			while (t->st_pos < 8) {
				if (str[off] != "Infinity"[t->st_pos])
					FAIL(TK_UNEXPECTED);
				t->st_pos++;
				(void)ADVANCE();
				if (!PEEK())
					goto out;
			}
			SV = TS_FINISH;
			ST = TS_EATWS;
			goto redo;

		case TS_NULL: {
			int size = t->st_pos + 1 < 4 ? t->st_pos + 1 : 4;
			int size_nan = t->st_pos + 1 < 3 ? t->st_pos + 1 : 3;

			if (t->st_pos < (int)sizeof(t->lit))
				t->lit[t->st_pos] = (char)c;
			if (strncmp("null", t->lit, (size_t)size) == 0) {
				if (t->st_pos == 4) {
					SV = TS_FINISH;
					ST = TS_EATWS;
					goto redo;
				}
			} else if (strncmp("NaN", t->lit, (size_t)size_nan) == 0) {
				if (t->st_pos == 3) {
					SV = TS_FINISH;
					ST = TS_EATWS;
					goto redo;
				}
			} else {
				FAIL(TK_NULL);
			}
			t->st_pos++;
			break;
		}

		case TS_STRING:
			for (;;) {
				if (c == t->quote) {
					SV = TS_FINISH;
					ST = TS_EATWS;
					break;
				}
				if (c == '\\') {
					SV = TS_STRING;
					ST = TS_STRING_ESCAPE;
					break;
				}
				if (!ADVANCE() || !PEEK())
					goto out;
			}
			break;

		case TS_STRING_ESCAPE:
			switch (c) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'n':
			case 'r':
			case 't':
			case 'f':
				ST = SV;
				break;
			case 'u':
				t->st_pos = 0;
				ST = TS_ESCAPE_UNICODE;
				break;
			default:
				FAIL(TK_STRING);
			}
			break;

		case TS_ESCAPE_UNICODE:
			/*
			 * json-c reads a surrogate pair's second \u here too; that
			 * changes what it stores, not what it accepts nor where.
			 */
			for (;;) {
				if (c == 0 || !is_hex(c))
					FAIL(TK_STRING);
				if (++t->st_pos == 4) {
					ST = SV;
					break;
				}
				if (!ADVANCE() || !PEEK())
					goto out;
			}
			break;

		case TS_BOOLEAN: {
			int size1 = t->st_pos + 1 < 4 ? t->st_pos + 1 : 4;
			int size2 = t->st_pos + 1 < 5 ? t->st_pos + 1 : 5;

			if (t->st_pos < (int)sizeof(t->lit))
				t->lit[t->st_pos] = (char)c;
			if (strncmp("true", t->lit, (size_t)size1) == 0) {
				if (t->st_pos == 4) {
					SV = TS_FINISH;
					ST = TS_EATWS;
					goto redo;
				}
			} else if (strncmp("false", t->lit, (size_t)size2) == 0) {
				if (t->st_pos == 5) {
					SV = TS_FINISH;
					ST = TS_EATWS;
					goto redo;
				}
			} else {
				FAIL(TK_BOOLEAN);
			}
			t->st_pos++;
			break;
		}

		case TS_NUMBER: {
			size_t case_len = 0;
			size_t sign_at = 1;
			int is_exponent = 0;

			while (c != 0 && strchr(number_chars, c) != NULL) {
				++case_len;
				if (c == '.') {
					if (t->is_double)
						FAIL(TK_NUMBER);
					t->is_double = 1;
				}
				if (c == 'e' || c == 'E') {
					if (is_exponent)
						FAIL(TK_NUMBER);
					is_exponent = 1;
					t->is_double = 1;
					sign_at = case_len + 1;
				}
				if ((c == '-' || c == '+') && case_len != sign_at)
					FAIL(TK_NUMBER);
				if (!ADVANCE() || !PEEK()) {
					t->num_len += case_len;
					goto out;
				}
			}
			t->num_len += case_len;
			/* inside a container, only these may follow a number */
			if (t->depth > 0 && c != ',' && c != ']' && c != '}' && c != '/' &&
			    c != 'I' && c != 'i' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
				FAIL(TK_NUMBER);
			if (t->num_len > 0 && t->num[0] == '-' && case_len <= 1 &&
			    (c == 'i' || c == 'I')) {
				ST = TS_INF;
				t->st_pos = 0;
				goto redo;
			}
			if (!tk_number_ok(t))
				FAIL(TK_NUMBER);
			SV = TS_FINISH;
			ST = TS_EATWS;
			goto redo;
		}

		case TS_ARRAY_AFTER_SEP:
		case TS_ARRAY:
			if (c == ']') {
				if (ST == TS_ARRAY_AFTER_SEP)
					FAIL(TK_UNEXPECTED);
				SV = TS_FINISH;
				ST = TS_EATWS;
			} else {
				if (t->depth >= t->max_depth - 1)
					FAIL(TK_DEPTH);
				ST = TS_ARRAY_ADD;
				t->depth++;
				ST = TS_EATWS;
				SV = TS_START;
				goto redo;
			}
			break;

		case TS_ARRAY_ADD:
			SV = TS_ARRAY_SEP;
			ST = TS_EATWS;
			goto redo;

		case TS_ARRAY_SEP:
			if (c == ']') {
				SV = TS_FINISH;
				ST = TS_EATWS;
			} else if (c == ',') {
				SV = TS_ARRAY_AFTER_SEP;
				ST = TS_EATWS;
			} else {
				FAIL(TK_ARRAY);
			}
			break;

		case TS_FIELD_START:
		case TS_FIELD_START_AFTER_SEP:
			if (c == '}') {
				if (ST == TS_FIELD_START_AFTER_SEP)
					FAIL(TK_UNEXPECTED);
				SV = TS_FINISH;
				ST = TS_EATWS;
			} else if (c == '"' || c == '\'') {
				t->quote = c;
				ST = TS_FIELD;
			} else {
				FAIL(TK_KEY_NAME);
			}
			break;

		case TS_FIELD:
			for (;;) {
				if (c == t->quote) {
					SV = TS_FIELD_END;
					ST = TS_EATWS;
					break;
				}
				if (c == '\\') {
					SV = TS_FIELD;
					ST = TS_STRING_ESCAPE;
					break;
				}
				if (!ADVANCE() || !PEEK())
					goto out;
			}
			break;

		case TS_FIELD_END:
			if (c != ':')
				FAIL(TK_KEY_SEP);
			SV = TS_VALUE;
			ST = TS_EATWS;
			break;

		case TS_VALUE:
			if (t->depth >= t->max_depth - 1)
				FAIL(TK_DEPTH);
			ST = TS_VALUE_ADD;
			t->depth++;
			ST = TS_EATWS;
			SV = TS_START;
			goto redo;

		case TS_VALUE_ADD:
			SV = TS_OBJECT_SEP;
			ST = TS_EATWS;
			goto redo;

		case TS_OBJECT_SEP:
			if (c == '}') {
				SV = TS_FINISH;
				ST = TS_EATWS;
			} else if (c == ',') {
				SV = TS_FIELD_START_AFTER_SEP;
				ST = TS_EATWS;
			} else {
				FAIL(TK_VALUE_SEP);
			}
			break;
		}
		if (!ADVANCE())
			goto out;
	}

out:
	if (nbytes != 0)
		err = TK_UTF8;
	if (c != 0 && ST == TS_FINISH && t->depth == 0)
		err = TK_UNEXPECTED; /* text after the value */
	if (c == 0 && ST != TS_FINISH && SV != TS_FINISH)
		err = TK_EOF;
	*endp = off;
	return err;
#undef ST
#undef SV
#undef PEEK
#undef ADVANCE
#undef FAIL
}

/*
 * What folio_json__parse() says of text[0..len) (len and max_depth within
 * its limits): 0 when it accepts the text, else its code with its detail
 * set.
 */
static int json_parse_verdict(const char *text, size_t len, int max_depth)
{
	struct tk t;
	enum tk_err err;
	enum scan_problem what;
	const char *nul;
	size_t plen;
	size_t end = 0;
	size_t ignored;
	size_t spos = 0;
	size_t i;
	unsigned long line;
	unsigned long col;
	int rc = 0;

	nul = len > 0 ? memchr(text, '\0', len) : NULL;
	plen = nul != NULL ? (size_t)(nul - text) : len;
	for (i = 0; i < plen && sc_ws(text[i]); i++)
		;
	if (i == plen && nul == NULL)
		return folio_error_set(FOLIO_EINVALID, "malformed JSON: empty input");

	memset(&t, 0, sizeof(t));
	t.max_depth = max_depth < INT_MAX - 1 ? (long)max_depth + 1 : INT_MAX;
	/* json-c never goes deeper than one level per byte, plus the final "" */
	t.levels = (size_t)t.max_depth < plen + 2 ? (size_t)t.max_depth : plen + 2;
	t.state = malloc(t.levels * 2);
	if (t.state == NULL)
		return folio_error__oom();
	t.saved = t.state + t.levels;
	t.state[0] = TS_EATWS;
	t.saved[0] = TS_START;

	err = tk_run(&t, text, plen, &end);
	if (err == TK_CONTINUE) {
		if (nul != NULL) {
			end = plen;
		} else {
			/* folio_json__parse() ends a number or literal with a final "" */
			err = tk_run(&t, "", 1, &ignored);
			end = plen;
		}
	}
	if (err == TK_CONTINUE && nul == NULL)
		err = TK_EOF;
	if (err != TK_SUCCESS && err != TK_CONTINUE) {
		what = scan(text, end < plen ? end + 1 : plen, max_depth, &spos);
		if (what != SCAN_OK && spos <= end) {
			rc = scan_error(text, what, spos, max_depth);
			goto out;
		}
		if (err == TK_DEPTH) {
			rc = scan_error(text, SCAN_DEPTH, end, max_depth);
			goto out;
		}
		position(text, end, &line, &col);
		rc = folio_error_set(FOLIO_EINVALID, "malformed JSON at line %lu, column %lu: %s",
				     line, col, tk_desc[err]);
		goto out;
	}

	what = scan(text, plen, max_depth, &spos);
	if (what != SCAN_OK) {
		rc = scan_error(text, what, spos, max_depth);
		goto out;
	}
	if (nul != NULL) {
		position(text, plen, &line, &col);
		rc = folio_error_set(FOLIO_EINVALID,
				     "malformed JSON: NUL byte at line %lu, column %lu", line, col);
		goto out;
	}
	for (i = end; i < plen; i++) {
		if (!sc_ws(text[i])) {
			rc = scan_error(text, SCAN_TRAILING, i, max_depth);
			goto out;
		}
	}

out:
	free(t.state);
	return rc;
}

int folio_jscan__validate(folio_jspan *root, const char *text, size_t len, size_t max_size,
			  int max_depth,
			  int (*member_cb)(const folio_jspan *key, const folio_jspan *value,
					   void *payload),
			  void *payload)
{
	struct fast f = {NULL, 0, 0};
	enum fast_result res;
	unsigned long line;
	unsigned long col;
	int rc;

	assert(text != NULL || len == 0);
	assert(max_depth >= 0);

	if (len > max_size)
		return folio_error_set(FOLIO_ETOOBIG,
				       "document is %zu bytes, over the limit of %zu bytes", len,
				       max_size);
	if (len >= INT_MAX)
		return folio_error_set(FOLIO_ETOOBIG,
				       "document is %zu bytes, over the limit of %d bytes", len,
				       INT_MAX - 1);

	res = fast_validate(root, (const unsigned char *)text, len, max_depth, member_cb, payload,
			    &f);
	if (res == FAST_OK)
		return 0;
	if (res == FAST_CB)
		return f.cb_rc;
	if (res == FAST_NOMEM)
		return folio_error__oom();

	rc = json_parse_verdict(text, len, max_depth);
	if (rc != 0)
		return rc;
	/* json-c took it: only the strict UTF-8 check can have refused it. */
	position(text, (size_t)((const char *)f.err - text), &line, &col);
	return folio_error_set(FOLIO_EINVALID, "malformed JSON at line %lu, column %lu: %s", line,
			       col, f.bad_utf8 ? "invalid UTF-8" : "unexpected character");
}

/* Navigation over validated text. */

static const char *nav_ws(const char *p)
{
	while (is_ws((unsigned char)*p))
		p++;
	return p;
}

/* p at a string's opening quote; returns the byte after its closing quote. */
static const char *skip_string(const char *p, const char *end)
{
	p++;
	for (;;) {
#if JSCAN_SWAR
		while (end - p >= 8) {
			uint64_t v;
			uint64_t m;

			memcpy(&v, p, 8);
			m = quote_bytes(v);
			if (m != 0) {
				p += __builtin_ctzll(m) >> 3;
				break;
			}
			p += 8;
		}
#endif
		while (*p != '"' && *p != '\\')
			p++;
		if (*p == '"')
			return p + 1;
		p += 2;
	}
}

/* Byte classes for skipping a container: 1 quote, 2 opening, 3 closing bracket. */
static const unsigned char nest_class[256] = {
	['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3,
};

/* p at '{' or '['; returns the byte after the matching bracket. */
static const char *skip_container(const char *p, const char *end)
{
	long depth = 0;
	unsigned char k;

	for (;;) {
		k = nest_class[(unsigned char)*p];
		if (k == 0) {
			p++;
			continue;
		}
		if (k == 1) {
			p = skip_string(p, end);
			continue;
		}
		p++;
		if (k == 2)
			depth++;
		else if (--depth == 0)
			return p;
	}
}

/* p at a value; returns the byte after it. */
static const char *skip_value(const char *p, const char *end)
{
	switch (*p) {
	case '"':
		return skip_string(p, end);
	case '{':
	case '[':
		return skip_container(p, end);
	default:
		while (p < end && *p != ',' && *p != ']' && *p != '}' && !is_ws((unsigned char)*p))
			p++;
		return p;
	}
}

/* Walks the members or elements of a container span. */
struct iter {
	const char *p;   /* the next member, or the closing bracket */
	const char *end; /* the closing bracket */
	int obj;
	size_t index;
};

static int iter_init(struct iter *it, const folio_jspan *c)
{
	if (c == NULL || c->p == NULL || c->len < 2 ||
	    (c->type != FOLIO_JT_OBJECT && c->type != FOLIO_JT_ARRAY))
		return 0;
	it->obj = c->type == FOLIO_JT_OBJECT;
	it->end = c->p + c->len - 1;
	it->p = nav_ws(c->p + 1);
	it->index = 0;
	return 1;
}

/* 1 and the next member (key left alone for arrays), 0 at the end. */
static int iter_next(struct iter *it, folio_jspan *key, folio_jspan *val)
{
	const char *p = it->p;

	if (p >= it->end)
		return 0;
	if (it->obj) {
		key->p = p;
		p = skip_string(p, it->end);
		key->len = (size_t)(p - key->p);
		key->type = FOLIO_JT_STRING;
		p = nav_ws(p);
		p = nav_ws(p + 1); /* ':' */
	}
	val->p = p;
	val->type = type_of((unsigned char)*p);
	p = skip_value(p, it->end);
	val->len = (size_t)(p - val->p);
	p = nav_ws(p);
	if (*p == ',')
		p = nav_ws(p + 1);
	it->p = p;
	it->index++;
	return 1;
}

int folio_jscan__each(const folio_jspan *container,
		      int (*cb)(size_t index, const folio_jspan *key, const folio_jspan *value,
				void *payload),
		      void *payload)
{
	struct iter it;
	folio_jspan key;
	folio_jspan val;
	int rc;

	assert(cb != NULL);
	if (!iter_init(&it, container))
		return 0;
	while (iter_next(&it, &key, &val)) {
		rc = cb(it.index - 1, it.obj ? &key : NULL, &val, payload);
		if (rc != 0)
			return rc;
	}
	return 0;
}

size_t folio_jscan__count(const folio_jspan *container)
{
	struct iter it;
	folio_jspan key;
	folio_jspan val;

	if (!iter_init(&it, container))
		return 0;
	while (iter_next(&it, &key, &val))
		;
	return it.index;
}

/* Strings. */

static size_t put_utf8(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static unsigned long hex4(const char *p)
{
	return (hex_val((unsigned char)p[0]) << 12) | (hex_val((unsigned char)p[1]) << 8) |
	       (hex_val((unsigned char)p[2]) << 4) | hex_val((unsigned char)p[3]);
}

/*
 * Decodes the escape at *pp (a backslash) into out (up to 4 bytes) and moves
 * *pp past it. A surrogate that is not half of a pair becomes U+FFFD, the
 * way json-c stores it.
 */
static size_t decode_escape(const char **pp, const char *end, char *out)
{
	const char *p = *pp;
	unsigned long cp;
	unsigned long lo;

	*pp = p + 2;
	switch (p[1]) {
	case 'b':
		out[0] = '\b';
		return 1;
	case 'f':
		out[0] = '\f';
		return 1;
	case 'n':
		out[0] = '\n';
		return 1;
	case 'r':
		out[0] = '\r';
		return 1;
	case 't':
		out[0] = '\t';
		return 1;
	case 'u':
		break;
	default: /* '"', '\\', '/' */
		out[0] = p[1];
		return 1;
	}
	cp = hex4(p + 2);
	*pp = p + 6;
	if ((cp & 0xfc00) == 0xd800) {
		if (end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
			lo = hex4(p + 8);
			if ((lo & 0xfc00) == 0xdc00) {
				*pp = p + 12;
				cp = 0x10000 + ((cp & 0x3ff) << 10) + (lo & 0x3ff);
				return put_utf8(cp, out);
			}
		}
		cp = 0xfffd;
	} else if ((cp & 0xfc00) == 0xdc00) {
		cp = 0xfffd;
	}
	return put_utf8(cp, out);
}

int folio_jscan__string(folio_buf *out, const folio_jspan *s)
{
	const char *p;
	const char *end;
	const char *bs;
	char tmp[4];
	size_t n;
	int rc;

	assert(out != NULL && s != NULL && s->len >= 2);
	p = s->p + 1;
	end = s->p + s->len - 1;
	for (;;) {
		bs = memchr(p, '\\', (size_t)(end - p));
		if (bs == NULL)
			return folio_buf__add(out, p, (size_t)(end - p));
		if (bs > p) {
			rc = folio_buf__add(out, p, (size_t)(bs - p));
			if (rc != 0)
				return rc;
		}
		p = bs;
		n = decode_escape(&p, end, tmp);
		rc = folio_buf__add(out, tmp, n);
		if (rc != 0)
			return rc;
	}
}

int folio_jscan__key_eq(const folio_jspan *key, const char *name, size_t name_len)
{
	const char *p;
	const char *end;
	const char *bs;
	char tmp[4];
	size_t n;

	assert(key != NULL && key->len >= 2);
	p = key->p + 1;
	end = key->p + key->len - 1;
	bs = memchr(p, '\\', (size_t)(end - p));
	if (bs == NULL)
		return (size_t)(end - p) == name_len && memcmp(p, name, name_len) == 0;
	/* Escapes: compare piece by piece. */
	while (p < end) {
		if (bs == NULL)
			bs = end;
		n = (size_t)(bs - p);
		if (n > name_len || memcmp(p, name, n) != 0)
			return 0;
		name += n;
		name_len -= n;
		p = bs;
		if (p == end)
			break;
		n = decode_escape(&p, end, tmp);
		if (n > name_len || memcmp(tmp, name, n) != 0)
			return 0;
		name += n;
		name_len -= n;
		bs = memchr(p, '\\', (size_t)(end - p));
	}
	return name_len == 0;
}

/* Numbers. */

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double folio_jscan__number(const folio_jspan *s)
{
	char small[64];
	char *buf = small;
	double d;

	assert(s != NULL);
	if (s->len >= sizeof(small)) {
		buf = malloc(s->len + 1);
		if (buf == NULL)
			return 0.0;
	}
	memcpy(buf, s->p, s->len);
	buf[s->len] = '\0';
	pthread_once(&c_locale_once, make_c_locale);
	if (c_locale != (locale_t)0)
		d = strtod_l(buf, NULL, c_locale);
	else
		d = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return d;
}

/* Paths. */

/* Paths are checked by folio_json__path_valid (json.c): one rule for both. */

/* 1 and the index when seg[0..n) is all digits; SIZE_MAX - 1 stands for "too large". */
static int seg_index(const char *seg, size_t n, size_t *idx)
{
	size_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!sc_digit(seg[i]))
			return 0;
		if (v > (SIZE_MAX - 10) / 10)
			v = SIZE_MAX - 1;
		else
			v = v * 10 + (size_t)(seg[i] - '0');
	}
	*idx = v;
	return n > 0;
}

int folio_jscan__get(folio_jspan *out, const folio_jspan *from, const char *path)
{
	folio_jspan cur;
	folio_jspan found;
	folio_jspan key;
	folio_jspan val;
	struct iter it;
	const char *seg = path;
	const char *dot;
	size_t n;
	size_t idx;
	int hit;

	assert(out != NULL && from != NULL);
	if (!folio_json__path_valid(path))
		return 0;
	cur = *from;
	for (;;) {
		dot = strchr(seg, '.');
		n = dot != NULL ? (size_t)(dot - seg) : strlen(seg);
		if (!iter_init(&it, &cur))
			return 0;
		hit = 0;
		if (it.obj) {
			/* Every member: with duplicate keys the last one wins. */
			while (iter_next(&it, &key, &val)) {
				if (folio_jscan__key_eq(&key, seg, n)) {
					found = val;
					hit = 1;
				}
			}
		} else {
			if (!seg_index(seg, n, &idx))
				return 0;
			while (iter_next(&it, &key, &val)) {
				if (it.index - 1 == idx) {
					found = val;
					hit = 1;
					break;
				}
			}
		}
		if (!hit)
			return 0;
		cur = found;
		if (dot == NULL)
			break;
		seg = dot + 1;
	}
	*out = cur;
	return 1;
}
