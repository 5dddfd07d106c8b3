/*
 * Parsing JSON with limits, and dotted paths.
 *
 * json-c's tokener, even in strict mode, lets a few non-JSON forms through
 * (single-quoted keys, NaN and Infinity, "1." and "-01", raw control
 * characters in strings). A document that reaches the database must be JSON
 * every engine accepts, so a light scan of the text rejects those too, and
 * also measures the nesting exactly (json-c counts a scalar as a level).
 * The first problem in the text is the one reported, with its position.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "util.h"

/* What scan() found wrong, at a byte offset. */
enum scan_problem {
	SCAN_OK = 0,
	SCAN_DEPTH,
	SCAN_QUOTE,
	SCAN_LITERAL,
	SCAN_NUMBER,
	SCAN_CONTROL,
	SCAN_TRAILING
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 when s[0..len) is a JSON number, exactly (RFC 8259, section 6). */
static int number_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0') {
		i++;
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && is_digit(s[i]))
			i++;
	} else {
		return 0;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !is_digit(s[i]))
			return 0;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return 0;
		while (i < len && is_digit(s[i]))
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

/*
 * Looks over s[0..len) for what json-c lets through, for nesting deeper than
 * max_depth and for text after the value. Returns the first problem and its
 * offset in *pos. Where the text is not JSON in ways json-c rejects itself,
 * the scan may see nonsense; the caller only trusts it up to json-c's error.
 */
static enum scan_problem scan(const char *s, size_t len, int max_depth, size_t *pos)
{
	size_t i = 0;
	size_t j;
	long depth = 0;
	int done = 0;
	char c;

	while (i < len) {
		c = s[i];
		if (is_ws(c)) {
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
		} else if (c == '-' || is_digit(c)) {
			j = i;
			while (j < len && (is_digit(s[j]) || s[j] == '-' || s[j] == '+' ||
					   s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
					   is_alpha(s[j])))
				j++;
			if (!number_ok(s + i, j - i))
				return SCAN_NUMBER;
			i = j;
			done = depth == 0;
		} else if (is_alpha(c)) {
			j = i;
			while (j < len && (is_alpha(s[j]) || is_digit(s[j])))
				j++;
			if (!literal_ok(s + i, j - i))
				return SCAN_LITERAL;
			i = j;
			done = depth == 0;
		} else {
			i++; /* ',' ':' or something json-c reports itself */
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

int folio_json__parse(json_object **out, const char *text, size_t len, size_t max_size,
		      int max_depth)
{
	struct json_tokener *tok = NULL;
	json_object *obj = NULL;
	enum json_tokener_error jerr;
	enum scan_problem what;
	const char *nul;
	size_t plen;
	size_t end;
	size_t spos = 0;
	size_t i;
	unsigned long line;
	unsigned long col;
	int rc = 0;

	assert(out != NULL);
	assert(text != NULL || len == 0);
	assert(max_depth >= 0);
	*out = NULL;

	if (len > max_size)
		return folio_error_set(FOLIO_ETOOBIG,
				       "document is %zu bytes, over the limit of %zu bytes", len,
				       max_size);
	if (len >= INT_MAX)
		return folio_error_set(FOLIO_ETOOBIG,
				       "document is %zu bytes, over the limit of %d bytes", len,
				       INT_MAX - 1);

	/* json-c takes a NUL for the end of the input: parse up to it, then complain. */
	nul = len > 0 ? memchr(text, '\0', len) : NULL;
	plen = nul != NULL ? (size_t)(nul - text) : len;
	for (i = 0; i < plen && is_ws(text[i]); i++)
		;
	if (i == plen && nul == NULL)
		return folio_error_set(FOLIO_EINVALID, "malformed JSON: empty input");

	/* json-c counts the scalars inside the deepest containers as a level. */
	tok = json_tokener_new_ex(max_depth < INT_MAX - 1 ? max_depth + 1 : INT_MAX);
	if (tok == NULL)
		return folio_error__oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

	obj = json_tokener_parse_ex(tok, text, (int)plen);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		if (nul != NULL) {
			end = plen; /* the value runs into the NUL */
		} else {
			/* A number or literal at the very end needs a terminator. */
			obj = json_tokener_parse_ex(tok, "", 1);
			jerr = json_tokener_get_error(tok);
			end = plen;
		}
	}

	if (jerr == json_tokener_continue && nul == NULL)
		jerr = json_tokener_error_parse_eof; /* not expected after the final "" */
	/* Past here obj may be NULL with success: the text was JSON's null. */
	if (jerr != json_tokener_success && jerr != json_tokener_continue) {
		/* json-c's error at `end`; a problem the scan sees first wins. */
		what = scan(text, end < plen ? end + 1 : plen, max_depth, &spos);
		if (what != SCAN_OK && spos <= end) {
			rc = scan_error(text, what, spos, max_depth);
			goto out;
		}
		position(text, end, &line, &col);
		if (jerr == json_tokener_error_depth) {
			rc = scan_error(text, SCAN_DEPTH, end, max_depth);
			goto out;
		}
		rc = folio_error_set(FOLIO_EINVALID, "malformed JSON at line %lu, column %lu: %s",
				     line, col, json_tokener_error_desc(jerr));
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
		if (!is_ws(text[i])) {
			rc = scan_error(text, SCAN_TRAILING, i, max_depth);
			goto out;
		}
	}

	*out = obj;
	obj = NULL;

out:
	json_object_put(obj);
	json_tokener_free(tok);
	return rc;
}

/* Paths. */

static int path_ok(const char *path)
{
	size_t len;
	size_t i;

	if (path == NULL)
		return 0;
	len = strlen(path);
	if (len == 0 || len > FOLIO_JSON_PATH_MAX)
		return 0;
	if (path[0] == '.' || path[len - 1] == '.')
		return 0;
	for (i = 1; i < len; i++) {
		if (path[i] == '.' && path[i - 1] == '.')
			return 0;
	}
	return 1;
}

int folio_json__path_valid(const char *path)
{
	return path_ok(path);
}

/*
 * Copies the segment at *p into seg (NUL-terminated) and moves *p past it
 * and its dot. Returns 1 when it was the last segment. The path is valid.
 */
static int next_segment(const char **p, char seg[FOLIO_JSON_PATH_MAX + 1])
{
	const char *dot = strchr(*p, '.');
	size_t n = dot != NULL ? (size_t)(dot - *p) : strlen(*p);

	memcpy(seg, *p, n);
	seg[n] = '\0';
	*p += n;
	if (dot == NULL)
		return 1;
	(*p)++;
	return 0;
}

/* 1 and the index when seg is all digits; SIZE_MAX stands for "too large". */
static int segment_index(const char *seg, size_t *idx)
{
	size_t v = 0;
	size_t i;

	for (i = 0; seg[i] != '\0'; i++) {
		if (!is_digit(seg[i]))
			return 0;
		if (v > (SIZE_MAX - 10) / 10)
			v = SIZE_MAX - 1;
		else
			v = v * 10 + (size_t)(seg[i] - '0');
	}
	if (i == 0)
		return 0;
	*idx = v;
	return 1;
}

/* Looks seg up in a container. 1 when present (*child may be NULL: JSON null). */
static int child_of(json_object *cur, const char *seg, json_object **child)
{
	size_t idx;

	*child = NULL;
	if (json_object_is_type(cur, json_type_object))
		return json_object_object_get_ex(cur, seg, child) ? 1 : 0;
	if (json_object_is_type(cur, json_type_array)) {
		if (!segment_index(seg, &idx) || idx >= json_object_array_length(cur))
			return 0;
		*child = json_object_array_get_idx(cur, idx);
		return 1;
	}
	return 0;
}

static int is_container(json_object *o)
{
	return json_object_is_type(o, json_type_object) || json_object_is_type(o, json_type_array);
}

/* "a string", "an array", for messages. */
static const char *type_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a double";
	case json_type_int:
		return "an int";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a value";
}

json_object *folio_json__path_get(json_object *root, const char *path)
{
	char seg[FOLIO_JSON_PATH_MAX + 1];
	const char *p = path;
	json_object *cur = root;
	int last = 0;

	if (!path_ok(path))
		return NULL;
	while (!last) {
		last = next_segment(&p, seg);
		if (!child_of(cur, seg, &cur))
			return NULL;
	}
	return cur;
}

int folio_json__path_exists(json_object *root, const char *path)
{
	char seg[FOLIO_JSON_PATH_MAX + 1];
	const char *p = path;
	json_object *cur = root;
	int last = 0;

	if (!path_ok(path))
		return 0;
	while (!last) {
		last = next_segment(&p, seg);
		if (!child_of(cur, seg, &cur))
			return 0;
	}
	return 1;
}

int folio_json__path_set(json_object *root, const char *path, json_object *value)
{
	char seg[FOLIO_JSON_PATH_MAX + 1];
	const char *p = path;
	json_object *cur = root;
	json_object *child;
	size_t idx;
	size_t alen;
	int last = 0;
	int rc = 0;

	if (!path_ok(path)) {
		rc = folio_error_set(FOLIO_EINVALID, "bad path \"%.100s\"", path ? path : "(null)");
		goto out;
	}
	while (!last) {
		/* The prefix of path that names cur, for messages. */
		int plen = p == path ? 0 : (int)(p - path - 1);

		last = next_segment(&p, seg);
		if (!is_container(cur) && plen == 0) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "cannot set \"%.100s\": the root is %s, not an object",
					     path, type_name(cur));
			goto out;
		}
		if (!is_container(cur)) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "cannot set \"%.100s\": \"%.*s\" is %s, not an object",
					     path, plen > 100 ? 100 : plen, path, type_name(cur));
			goto out;
		}

		if (json_object_is_type(cur, json_type_object)) {
			if (last) {
				if (json_object_object_add(cur, seg, value) != 0) {
					rc = folio_error__oom();
					goto out;
				}
				value = NULL;
				break;
			}
			if (json_object_object_get_ex(cur, seg, &child)) {
				cur = child;
				continue;
			}
			child = json_object_new_object();
			if (child == NULL) {
				rc = folio_error__oom();
				goto out;
			}
			if (json_object_object_add(cur, seg, child) != 0) {
				json_object_put(child);
				rc = folio_error__oom();
				goto out;
			}
			cur = child;
			continue;
		}

		/* An array: the segment must be an index up to its length. */
		alen = json_object_array_length(cur);
		if (!segment_index(seg, &idx)) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "cannot set \"%.100s\": \"%.100s\" is not an "
					     "array index",
					     path, seg);
			goto out;
		}
		if (idx > alen) {
			rc = folio_error_set(FOLIO_EINVALID,
					     "cannot set \"%.100s\": index %zu is past the "
					     "end of an array of %zu",
					     path, idx, alen);
			goto out;
		}
		if (idx < alen && !last) {
			cur = json_object_array_get_idx(cur, idx);
			continue;
		}
		child = last ? value : json_object_new_object();
		if (!last && child == NULL) {
			rc = folio_error__oom();
			goto out;
		}
		if (last)
			value = NULL;
		if (idx < alen)
			rc = json_object_array_put_idx(cur, idx, child);
		else
			rc = json_object_array_add(cur, child);
		if (rc != 0) {
			json_object_put(child);
			rc = folio_error__oom();
			goto out;
		}
		cur = child;
	}

out:
	json_object_put(value);
	return rc;
}

int folio_json__path_remove(json_object *root, const char *path)
{
	char seg[FOLIO_JSON_PATH_MAX + 1];
	const char *p = path;
	json_object *cur = root;
	size_t idx;
	int last = 0;

	if (!path_ok(path))
		return folio_error_set(FOLIO_EINVALID, "bad path \"%.100s\"",
				       path ? path : "(null)");
	for (;;) {
		last = next_segment(&p, seg);
		if (last)
			break;
		if (!child_of(cur, seg, &cur))
			goto notfound;
	}
	if (json_object_is_type(cur, json_type_object)) {
		if (!json_object_object_get_ex(cur, seg, NULL))
			goto notfound;
		json_object_object_del(cur, seg);
		return 0;
	}
	if (json_object_is_type(cur, json_type_array)) {
		if (!segment_index(seg, &idx) || idx >= json_object_array_length(cur))
			goto notfound;
		if (json_object_array_del_idx(cur, idx, 1) != 0)
			return folio_error_set(FOLIO_ERROR, "cannot remove \"%.100s\"", path);
		return 0;
	}

notfound:
	return folio_error_set(FOLIO_ENOTFOUND, "no value at \"%.100s\"", path);
}

const char *folio_json__text(json_object *obj, size_t *len)
{
	size_t n = 0;
	const char *s;

	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE,
					      &n);
	if (s == NULL) {
		folio_error__oom();
		n = 0;
	}
	if (len != NULL)
		*len = n;
	return s;
}
