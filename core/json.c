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
#include "jscan.h"
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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int folio_json__parse(json_object **out, const char *text, size_t len, size_t max_size,
		      int max_depth)
{
	struct json_tokener *tok;
	folio_jspan root;
	json_object *obj;
	int rc;

	assert(out != NULL);
	assert(text != NULL || len == 0);
	assert(max_depth >= 0);
	*out = NULL;

	/* jscan is the one judge of what is JSON, and of the error's line and column. */
	rc = folio_jscan__validate(&root, text, len, max_size, max_depth, NULL, NULL);
	if (rc < 0)
		return rc;
	if (root.len >= INT_MAX)
		return folio_error_set(FOLIO_ETOOBIG, "document is %zu bytes, over the limit of %d bytes",
				       root.len, INT_MAX - 1);
	/* json-c counts the scalars inside the deepest containers as a level. */
	tok = json_tokener_new_ex(max_depth < INT_MAX - 1 ? max_depth + 1 : INT_MAX);
	if (tok == NULL)
		return folio_error__oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, root.p, (int)root.len);
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, "", 1); /* a number at the very end */
	if (json_tokener_get_error(tok) != json_tokener_success)
		rc = folio_error_set(FOLIO_EINVALID, "JSON the parser cannot take: %s",
				     json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	if (rc < 0) {
		json_object_put(obj);
		return rc;
	}
	*out = obj; /* NULL for the text null */
	return 0;
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
