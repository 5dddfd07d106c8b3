/*
 * libFuzzer target for core/jscan.c: folio_jscan__validate() must agree with
 * folio_json__parse() on every input (verdict, code and message), and on the
 * texts it accepts every navigation function must hold up and agree with
 * json-c's reading.
 *
 * The one difference allowed: the scanner refuses UTF-8 that is not RFC 3629
 * (overlong, surrogates, past U+10FFFF), which json-c lets through.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "json.h"
#include "util.h"

#define MAX_SIZE (1 << 20)

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

static int strict_utf8(const unsigned char *p, size_t len)
{
	size_t i = 0;
	size_t n;
	size_t k;
	unsigned long cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
		} else {
			return 0;
		}
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

/* json-c 0.16 stores U+FFFD for a pair whose code point ends in D800..DFFF. */
/* The four hex digits at s (not NUL-terminated). */
static int hex4(const char *s, unsigned long *out)
{
	int i;

	*out = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			*out = *out * 16 + (unsigned long)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*out = *out * 16 + (unsigned long)((c | 0x20) - 'a' + 10);
		else
			return 0;
	}
	return 1;
}

static int json_c_mangles(const char *s, size_t len)
{
	size_t i;
	unsigned long hi;
	unsigned long lo;

	for (i = 0; i + 12 <= len; i++) {
		if (s[i] != '\\' || s[i + 1] != 'u' || s[i + 6] != '\\' || s[i + 7] != 'u')
			continue;
		if (!hex4(s + i + 2, &hi) || !hex4(s + i + 8, &lo))
			continue;
		if ((hi & 0xfc00) == 0xd800 && (lo & 0xfc00) == 0xdc00 && (hi & 0x3e) == 0x36)
			return 1;
	}
	return 0;
}

struct walk {
	const folio_jspan *container;
	size_t count;
	int depth;
};

static void walk_value(const folio_jspan *v, int depth);

/* Each member or element: well-formed spans, findable again by key or index. */
static int walk_member(size_t index, const folio_jspan *key, const folio_jspan *value,
		       void *payload)
{
	struct walk *w = payload;
	folio_jspan found;
	folio_buf name;
	char idx[32];

	CHECK(index == w->count);
	w->count++;
	CHECK(value->len > 0);
	CHECK(value->p > w->container->p &&
	      value->p + value->len < w->container->p + w->container->len);
	if (key != NULL) {
		CHECK(key->type == FOLIO_JT_STRING && key->len >= 2 && key->p[0] == '"');
		folio_buf__init(&name, 0);
		CHECK(folio_jscan__string(&name, key) == 0);
		CHECK(folio_jscan__key_eq(key, name.data ? name.data : "", name.len));
		if (name.len > 0)
			CHECK(!folio_jscan__key_eq(key, name.data, name.len - 1));
		/* a plain key is found by get (maybe a later duplicate) */
		if (name.len > 0 && name.len <= 1024 && memchr(name.data, '.', name.len) == NULL &&
		    memchr(name.data, '\0', name.len) == NULL) {
			CHECK(folio_jscan__get(&found, w->container, name.data) == 1);
			CHECK(found.p >= value->p);
		}
		CHECK(folio_buf__add(&name, "x", 1) == 0);
		CHECK(!folio_jscan__key_eq(key, name.data, name.len));
		folio_buf__free(&name);
	} else {
		snprintf(idx, sizeof(idx), "%zu", index);
		CHECK(folio_jscan__get(&found, w->container, idx) == 1);
		CHECK(found.p == value->p && found.len == value->len && found.type == value->type);
	}
	walk_value(value, w->depth + 1);
	return 0;
}

static void walk_value(const folio_jspan *v, int depth)
{
	folio_buf b;
	struct walk w;
	folio_jspan found;
	char idx[32];

	switch (v->type) {
	case FOLIO_JT_STRING:
		folio_buf__init(&b, 0);
		CHECK(folio_jscan__string(&b, v) == 0);
		CHECK(b.len <= v->len);
		folio_buf__free(&b);
		break;
	case FOLIO_JT_NUMBER:
		(void)folio_jscan__number(v);
		break;
	case FOLIO_JT_OBJECT:
	case FOLIO_JT_ARRAY:
		if (depth > 40)
			break; /* keeps the walk linear enough */
		w.container = v;
		w.count = 0;
		w.depth = depth;
		CHECK(folio_jscan__each(v, walk_member, &w) == 0);
		CHECK(folio_jscan__count(v) == w.count);
		if (v->type == FOLIO_JT_ARRAY) {
			snprintf(idx, sizeof(idx), "%zu", w.count);
			CHECK(folio_jscan__get(&found, v, idx) == 0);
		}
		break;
	default:
		CHECK(v->len == (v->type == FOLIO_JT_FALSE ? 5u : 4u));
		break;
	}
}

static int count_member(const folio_jspan *key, const folio_jspan *value, void *payload)
{
	(*(size_t *)payload)++;
	CHECK(key->len >= 2 && value->len >= 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	json_object *obj = NULL;
	folio_jspan root;
	char msg[1024];
	size_t members = 0;
	int depth = 32;
	int a;
	int b;

	a = folio_json__parse(&obj, text, size, MAX_SIZE, depth);
	snprintf(msg, sizeof(msg), "%s", a != 0 ? folio_error_last() : "");
	b = folio_jscan__validate(&root, text, size, MAX_SIZE, depth, count_member, &members);

	if (a == 0 && b != 0) {
		CHECK(!strict_utf8(data, size));
		CHECK(b == FOLIO_EINVALID && strstr(folio_error_last(), ": invalid UTF-8") != NULL);
		goto out;
	}
	if (a != b || (a != 0 && strcmp(msg, folio_error_last()) != 0)) {
		fprintf(stderr, "json_parse %d \"%s\"\njscan %d \"%s\"\n", a, msg, b,
			b != 0 ? folio_error_last() : "");
		abort();
	}
	if (b != 0)
		goto out;

	CHECK(root.p >= text && root.p + root.len <= text + size && root.len > 0);
	switch (json_object_get_type(obj)) {
	case json_type_null:
		CHECK(root.type == FOLIO_JT_NULL);
		break;
	case json_type_boolean:
		CHECK(root.type == (json_object_get_boolean(obj) ? FOLIO_JT_TRUE : FOLIO_JT_FALSE));
		break;
	case json_type_double:
		CHECK(root.type == FOLIO_JT_NUMBER);
		CHECK(folio_jscan__number(&root) == json_object_get_double(obj));
		break;
	case json_type_int:
		CHECK(root.type == FOLIO_JT_NUMBER);
		break;
	case json_type_string:
		CHECK(root.type == FOLIO_JT_STRING);
		if (!json_c_mangles(root.p, root.len)) {
			folio_buf s;

			folio_buf__init(&s, 0);
			CHECK(folio_jscan__string(&s, &root) == 0);
			CHECK(s.len == (size_t)json_object_get_string_len(obj));
			CHECK(s.len == 0 || memcmp(s.data, json_object_get_string(obj), s.len) == 0);
			folio_buf__free(&s);
		}
		break;
	case json_type_object:
		CHECK(root.type == FOLIO_JT_OBJECT);
		CHECK(members == folio_jscan__count(&root));
		CHECK(members >= (size_t)json_object_object_length(obj));
		break;
	case json_type_array:
		CHECK(root.type == FOLIO_JT_ARRAY);
		CHECK(folio_jscan__count(&root) == json_object_array_length(obj));
		break;
	}
	walk_value(&root, 0);

out:
	json_object_put(obj);
	return 0;
}
