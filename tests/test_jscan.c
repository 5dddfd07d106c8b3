/* backends: none */
/*
 * Unit tests of the in-place JSON scanner (core/jscan.c): validation against
 * folio_json__parse() (same verdicts, codes and messages), navigation,
 * string decoding, and a differential run over generated and mutated
 * documents.
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testenv.h"

#include "jscan.h"
#include "json.h"
#include "util.h"

#define MAX_SIZE (1024 * 1024)
#define MAX_DEPTH 64

/* Helpers */

/* 1 when s[0..len) is valid UTF-8 by RFC 3629 (no overlongs, surrogates, > U+10FFFF). */
static int strict_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	size_t n;
	unsigned long cp;
	size_t k;

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

/*
 * json-c 0.16 mangles a surrogate pair whose code point's low 16 bits fall in
 * 0xD800..0xDFFF (U+1D800..U+1DFFF, U+2D800.., ...): it stores U+FFFD. The
 * scanner decodes those pairs right; comparisons with json-c skip them.
 */
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

struct verdict {
	int rc;
	char msg[1024];
};

static void run_parse(struct verdict *v, const char *text, size_t len, size_t max_size,
		      int max_depth)
{
	json_object *obj = NULL;

	folio_error_clear();
	v->rc = folio_json__parse(&obj, text, len, max_size, max_depth);
	snprintf(v->msg, sizeof(v->msg), "%s", v->rc != 0 ? folio_error_last() : "");
	json_object_put(obj);
}

static void run_scan(struct verdict *v, folio_jspan *root, const char *text, size_t len,
		     size_t max_size, int max_depth)
{
	folio_jspan ignored;

	folio_error_clear();
	v->rc = folio_jscan__validate(root != NULL ? root : &ignored, text, len, max_size,
				      max_depth, NULL, NULL);
	snprintf(v->msg, sizeof(v->msg), "%s", v->rc != 0 ? folio_error_last() : "");
}

/* Both must say the same of text[0..len): same code, same message. Returns the code. */
static int same_verdict_n(const char *text, size_t len, size_t max_size, int max_depth)
{
	struct verdict a;
	struct verdict b;

	run_parse(&a, text, len, max_size, max_depth);
	run_scan(&b, NULL, text, len, max_size, max_depth);
	if (a.rc != b.rc || strcmp(a.msg, b.msg) != 0)
		fail_msg("input \"%.*s\" (%zu bytes): json_parse %d \"%s\", jscan %d \"%s\"",
			 (int)(len > 200 ? 200 : len), text, len, a.rc, a.msg, b.rc, b.msg);
	return b.rc;
}

static int same_verdict(const char *text)
{
	return same_verdict_n(text, strlen(text), MAX_SIZE, MAX_DEPTH);
}

/* Validates a text that must be valid; returns its root. */
static folio_jspan valid_root(const char *text)
{
	folio_jspan root;
	int rc;

	rc = folio_jscan__validate(&root, text, strlen(text), MAX_SIZE, MAX_DEPTH, NULL, NULL);
	if (rc != 0)
		fail_msg("\"%s\": %d %s", text, rc, folio_error_last());
	return root;
}

static char *decode(const folio_jspan *s)
{
	folio_buf b;

	folio_buf__init(&b, 0);
	assert_int_equal(folio_jscan__string(&b, s), 0);
	if (b.data == NULL)
		return strdup("");
	return folio_buf__take(&b);
}

/* Validation: what is accepted */

static void test_valid_values(void **state)
{
	static const struct {
		const char *text;
		const char *span;
		folio_jtype type;
	} cases[] = {
		{"null", "null", FOLIO_JT_NULL},
		{" true ", "true", FOLIO_JT_TRUE},
		{"\n\tfalse\r\n", "false", FOLIO_JT_FALSE},
		{"0", "0", FOLIO_JT_NUMBER},
		{"-0", "-0", FOLIO_JT_NUMBER},
		{"123", "123", FOLIO_JT_NUMBER},
		{"-1.5e+10", "-1.5e+10", FOLIO_JT_NUMBER},
		{"1E-7", "1E-7", FOLIO_JT_NUMBER},
		{"0.000", "0.000", FOLIO_JT_NUMBER},
		{"123456789012345678901234567890", "123456789012345678901234567890",
		 FOLIO_JT_NUMBER},
		{"1e999", "1e999", FOLIO_JT_NUMBER},
		{"\"\"", "\"\"", FOLIO_JT_STRING},
		{"\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
		 FOLIO_JT_STRING},
		{"\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"",
		 "\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"",
		 FOLIO_JT_STRING},
		{"\"\\ud800 lone\"", "\"\\ud800 lone\"", FOLIO_JT_STRING},
		{"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"",
		 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"",
		 FOLIO_JT_STRING},
		{"\"\x7f\"", "\"\x7f\"", FOLIO_JT_STRING},
		{"{}", "{}", FOLIO_JT_OBJECT},
		{" { } ", "{ }", FOLIO_JT_OBJECT},
		{"[]", "[]", FOLIO_JT_ARRAY},
		{"[ 1 , \"a\" , null , true , false , {} , [] ]",
		 "[ 1 , \"a\" , null , true , false , {} , [] ]", FOLIO_JT_ARRAY},
		{"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"\":\"\",\"a\":2}",
		 "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"\":\"\",\"a\":2}", FOLIO_JT_OBJECT},
		{"{\"k\\u0000\":\"v\\u0000\"}", "{\"k\\u0000\":\"v\\u0000\"}", FOLIO_JT_OBJECT},
		{"[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
		 "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
		 FOLIO_JT_ARRAY},
	};
	folio_jspan root;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(same_verdict(cases[i].text), 0);
		root = valid_root(cases[i].text);
		assert_int_equal(root.len, strlen(cases[i].span));
		assert_memory_equal(root.p, cases[i].span, root.len);
		assert_int_equal(root.type, cases[i].type);
	}
}

/* Validation: what is refused, said the way folio_json__parse() says it */

static void test_rejections_same_as_json_parse(void **state)
{
	static const char *const cases[] = {
		"", "   ", "\n", "[", "{", "]", "}", "[1", "[1,", "{\"a\"", "{\"a\":", "{\"a\":1",
		"{\"a\":1,", "\"abc", "\"a\\", "\"\\u12", "\"\\ud800\\u", "tru", "nul", "fals",
		"[1,]", "[,1]", "{,}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{1:2}",
		"{a:1}", "[1 2]", "[1:2]", "{\"a\",1}", "1 2", "[] []", "{}x", "\"a\" \"b\"",
		"'a'", "['a']", "{'a':1}", "{\"a\":'b'}", "NaN", "[NaN]", "Infinity", "-Infinity",
		"[-Infinity]", "[-Inf]", "inf", "nan", "NULL", "True", "[tRue]", "nullx", "[nulx]",
		"[truex]", "[true false]", "undefined", "1.", "[1.]", "-.5", ".5", "[.5]", "-01",
		"01", "[00]", "[01]", "+1", "[+1]", "1e", "1e+", "1.5e", "[1e5e]", "[1.2.3]",
		"[1-2]", "[1+2]", "[-]", "-", "[--1]", "0x10", "[1x]", "\"a\tb\"", "\"a\nb\"",
		"[\"\x01\"]", "{\"a\x1f\":1}", "\"\\x\"", "\"\\U0041\"", "\"\\u00g0\"", "\"\\'\"",
		"[\"a\\\"]", "\"\xff\"", "\"\xc3\"", "\"\xc3(\"", "\"\xe2\x82\"", "\xc3\xa9",
		"[\xc3\xa9]", "[1 \xc3]", "[1,\x80]", "{\"a\":1}\xc3\xa9", "\xef\xbb\xbf{}",
		"{\"\xc3\":1}", "[1,\f2]", "[1,\v2]", "\f1", "1\f", "[1]\r\n\t x", "/* c */ 1",
		"[1 // c\n]", "[1]]", "[[1]", "{\"a\":{\"b\":1}", "{\"a\":[1}", "[{]", "[}", "{]",
		"\"a\":1", "\"\\ud800\\uzzzz\"", "[\"\\u\"]", "{\"a\":1,,\"b\":2}", "[1,,2]",
		"[\n1,\n2,\n]", "{\n  \"a\": tru\n}", "{\"\xc3\xa9\": x}", "[\"\xc3\xa9\", x]",
		"\"\xe2\x82\xac\" x", "\t\t\"\xf0\x9f\x98\x80\"\xf0\x9f\x98\x80",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_not_equal(same_verdict(cases[i]), 0);
}

static void test_rejection_messages(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{"", FOLIO_EINVALID, "malformed JSON: empty input"},
		{" \n ", FOLIO_EINVALID, "malformed JSON: empty input"},
		{"{\"a\":1,}", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 8: unexpected character"},
		{"{\"a\" 1}", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 6: object property name separator ':' expected"},
		{"[1 2]", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 4: array value separator ',' expected"},
		{"[1", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 3: unexpected end of data"},
		{"{'a':1}", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 2: strings must be in double quotes"},
		{"[NaN]", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 2: unknown literal (only true, false and null "
		 "are JSON)"},
		{"[1.]", FOLIO_EINVALID, "malformed JSON at line 1, column 2: invalid number"},
		{"-01", FOLIO_EINVALID, "malformed JSON at line 1, column 1: invalid number"},
		{"\"\xc3\xa9\ta\"", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 3: control character in a string (escape it)"},
		{"{\n  \"\xc3\xa9\": 1 ]\n}", FOLIO_EINVALID,
		 "malformed JSON at line 2, column 10: object value separator ',' expected"},
		{"{\n  \"\xc3\xa9\": 1 x\n}", FOLIO_EINVALID,
		 "malformed JSON at line 2, column 10: unknown literal (only true, false and null "
		 "are JSON)"},
		{"[1:2]", FOLIO_EINVALID, "malformed JSON at line 1, column 3: number expected"},
		{"\"\xff\"", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 2: invalid utf-8 string"},
		{"[1] 2", FOLIO_EINVALID,
		 "malformed JSON at line 1, column 5: unexpected text after the JSON value"},
		{"[[[1]]]", FOLIO_ETOOBIG, "JSON nested deeper than 2 levels at line 1, column 3"},
	};
	struct verdict v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		int depth = cases[i].rc == FOLIO_ETOOBIG ? 2 : MAX_DEPTH;

		run_scan(&v, NULL, t, strlen(t), MAX_SIZE, depth);
		assert_int_equal(v.rc, cases[i].rc);
		assert_string_equal(v.msg, cases[i].msg);
		assert_int_equal(same_verdict_n(t, strlen(t), MAX_SIZE, depth), cases[i].rc);
	}
}

static void test_limits(void **state)
{
	static const char nul_in[] = "{\"a\":1}\0";
	static const char nul_str[] = "[\"a\0b\"]";
	static const char nul_only[] = "\0";
	char deep[300];
	int i;
	struct verdict v;

	/* size */
	run_scan(&v, NULL, "[1,2,3]", 7, 6, MAX_DEPTH);
	assert_int_equal(v.rc, FOLIO_ETOOBIG);
	assert_string_equal(v.msg, "document is 7 bytes, over the limit of 6 bytes");
	assert_int_equal(same_verdict_n("[1,2,3]", 7, 6, MAX_DEPTH), FOLIO_ETOOBIG);
	assert_int_equal(same_verdict_n("[1,2,3]", 7, 7, MAX_DEPTH), 0);

	/* depth: containers count, scalars do not */
	for (i = 0; i < 100; i++) {
		deep[i] = '[';
		deep[200 - i - 1 + 1] = ']';
	}
	deep[100] = '1';
	deep[201] = '\0';
	assert_int_equal(same_verdict_n(deep, 201, MAX_SIZE, 100), 0);
	assert_int_equal(same_verdict_n(deep, 201, MAX_SIZE, 99), FOLIO_ETOOBIG);
	assert_int_equal(same_verdict_n(deep, 201, MAX_SIZE, 0), FOLIO_ETOOBIG);
	assert_int_equal(same_verdict_n("1", 1, MAX_SIZE, 0), 0);
	assert_int_equal(same_verdict_n("{\"a\":{}}", 8, MAX_SIZE, 1), FOLIO_ETOOBIG);
	assert_int_equal(same_verdict_n("{\"a\":[]}", 8, MAX_SIZE, 2), 0);
	assert_int_equal(same_verdict_n("[[]", 3, MAX_SIZE, 1), FOLIO_ETOOBIG);
	/* deeper than the scanner's built-in bit stack */
	{
		size_t n = 10000;
		char *big = malloc(2 * n + 2);

		assert_non_null(big);
		memset(big, '[', n);
		memset(big + n, ']', n);
		big[2 * n] = '\0';
		assert_int_equal(same_verdict_n(big, 2 * n, MAX_SIZE, 10000), 0);
		assert_int_equal(same_verdict_n(big, 2 * n, MAX_SIZE, 9999), FOLIO_ETOOBIG);
		big[2 * n - 1] = '}';
		assert_int_equal(same_verdict_n(big, 2 * n, MAX_SIZE, 10000), FOLIO_EINVALID);
		free(big);
	}

	/* NUL bytes */
	run_scan(&v, NULL, nul_in, sizeof(nul_in) - 1, MAX_SIZE, MAX_DEPTH);
	assert_int_equal(v.rc, FOLIO_EINVALID);
	assert_string_equal(v.msg, "malformed JSON: NUL byte at line 1, column 8");
	assert_int_equal(same_verdict_n(nul_in, sizeof(nul_in) - 1, MAX_SIZE, MAX_DEPTH),
			 FOLIO_EINVALID);
	assert_int_equal(same_verdict_n(nul_str, sizeof(nul_str) - 1, MAX_SIZE, MAX_DEPTH),
			 FOLIO_EINVALID);
	assert_int_equal(same_verdict_n(nul_only, 1, MAX_SIZE, MAX_DEPTH), FOLIO_EINVALID);
	assert_int_equal(same_verdict_n("[1", 3, MAX_SIZE, MAX_DEPTH), FOLIO_EINVALID);
	assert_int_equal(same_verdict_n(" 1 \0 ", 5, MAX_SIZE, MAX_DEPTH), FOLIO_EINVALID);
}

/* Where json-c is lax about UTF-8, the scanner is strict, on purpose. */
static void test_strict_utf8(void **state)
{
	static const char *const cases[] = {
		"\"\xc0\x80\"",         /* overlong NUL */
		"\"\xc1\xbf\"",         /* overlong */
		"\"\xe0\x80\xaf\"",     /* overlong '/' */
		"\"\xed\xa0\x80\"",     /* encoded surrogate */
		"\"\xed\xbf\xbf\"",     /* encoded surrogate */
		"\"\xf0\x80\x80\xaf\"", /* overlong */
		"\"\xf4\x90\x80\x80\"", /* past U+10FFFF */
		"\"\xf5\x80\x80\x80\"", /* past U+10FFFF */
		"{\"a\":[\"ok\",\"\xf7\xbf\xbf\xbf\"]}",
	};
	struct verdict a;
	struct verdict b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_parse(&a, cases[i], strlen(cases[i]), MAX_SIZE, MAX_DEPTH);
		run_scan(&b, NULL, cases[i], strlen(cases[i]), MAX_SIZE, MAX_DEPTH);
		assert_int_equal(a.rc, FOLIO_EINVALID); /* json-c is lax; folio_json__parse is not */
		assert_int_equal(b.rc, FOLIO_EINVALID);
		assert_non_null(strstr(b.msg, ": invalid UTF-8"));
	}
	run_scan(&b, NULL, "[\"ab\xed\xa0\x80\"]", 9, MAX_SIZE, MAX_DEPTH);
	assert_string_equal(b.msg, "malformed JSON at line 1, column 5: invalid UTF-8");
}

/* Root members reported while validating */

struct members {
	char keys[16][32];
	char vals[16][64];
	folio_jtype types[16];
	int n;
	int stop_at;
};

static int collect_member(const folio_jspan *key, const folio_jspan *value, void *payload)
{
	struct members *m = payload;

	assert_true(m->n < 16);
	snprintf(m->keys[m->n], sizeof(m->keys[0]), "%.*s", (int)key->len, key->p);
	snprintf(m->vals[m->n], sizeof(m->vals[0]), "%.*s", (int)value->len, value->p);
	m->types[m->n] = value->type;
	m->n++;
	return m->n == m->stop_at ? 42 : 0;
}

static void test_member_callback(void **state)
{
	const char *doc = " { \"a\" : 1 , \"b\\n\":{\"x\":[1,{\"y\":2}]},\"c\":[\"}\"], "
			  "\"d\":\"s\",\"e\":null,\"f\":-1.5e3 } ";
	struct members m;
	folio_jspan root;

	memset(&m, 0, sizeof(m));
	assert_int_equal(folio_jscan__validate(&root, doc, strlen(doc), MAX_SIZE, MAX_DEPTH,
					       collect_member, &m),
			 0);
	assert_int_equal(m.n, 6);
	assert_string_equal(m.keys[0], "\"a\"");
	assert_string_equal(m.vals[0], "1");
	assert_int_equal(m.types[0], FOLIO_JT_NUMBER);
	assert_string_equal(m.keys[1], "\"b\\n\"");
	assert_string_equal(m.vals[1], "{\"x\":[1,{\"y\":2}]}");
	assert_int_equal(m.types[1], FOLIO_JT_OBJECT);
	assert_string_equal(m.keys[2], "\"c\"");
	assert_string_equal(m.vals[2], "[\"}\"]");
	assert_int_equal(m.types[2], FOLIO_JT_ARRAY);
	assert_string_equal(m.vals[3], "\"s\"");
	assert_int_equal(m.types[3], FOLIO_JT_STRING);
	assert_int_equal(m.types[4], FOLIO_JT_NULL);
	assert_string_equal(m.vals[5], "-1.5e3");
	assert_int_equal(root.type, FOLIO_JT_OBJECT);
	assert_int_equal(root.p[root.len - 1], '}');

	/* a non-zero return stops the scan and is returned */
	memset(&m, 0, sizeof(m));
	m.stop_at = 2;
	assert_int_equal(folio_jscan__validate(&root, doc, strlen(doc), MAX_SIZE, MAX_DEPTH,
					       collect_member, &m),
			 42);
	assert_int_equal(m.n, 2);

	/* not called for a root array, nor for nested objects */
	memset(&m, 0, sizeof(m));
	assert_int_equal(folio_jscan__validate(&root, "[{\"a\":1}]", 9, MAX_SIZE, MAX_DEPTH,
					       collect_member, &m),
			 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(folio_jscan__validate(&root, "{}", 2, MAX_SIZE, MAX_DEPTH,
					       collect_member, &m),
			 0);
	assert_int_equal(m.n, 0);
}

/* Navigation */

static void test_key_eq(void **state)
{
	folio_jspan root = valid_root("[\"abc\", \"a\\u0062c\", \"a\\\"b\", \"\\u00e9t\\u00e9\", "
				      "\"\\ud83d\\ude00\", \"a\\\\b\", \"\", \"a\\u0000b\", "
				      "\"\\/\\b\\f\\n\\r\\t\", \"\\ud800\"]");
	folio_jspan s;

	assert_int_equal(folio_jscan__get(&s, &root, "0"), 1);
	assert_true(folio_jscan__key_eq(&s, "abc", 3));
	assert_false(folio_jscan__key_eq(&s, "ab", 2));
	assert_false(folio_jscan__key_eq(&s, "abcd", 4));
	assert_false(folio_jscan__key_eq(&s, "abd", 3));
	assert_int_equal(folio_jscan__get(&s, &root, "1"), 1);
	assert_true(folio_jscan__key_eq(&s, "abc", 3));
	assert_false(folio_jscan__key_eq(&s, "a\\u0062c", 8));
	assert_false(folio_jscan__key_eq(&s, "abcd", 4));
	assert_false(folio_jscan__key_eq(&s, "ab", 2));
	assert_int_equal(folio_jscan__get(&s, &root, "2"), 1);
	assert_true(folio_jscan__key_eq(&s, "a\"b", 3));
	assert_false(folio_jscan__key_eq(&s, "a\\\"b", 4));
	assert_int_equal(folio_jscan__get(&s, &root, "3"), 1);
	assert_true(folio_jscan__key_eq(&s, "\xc3\xa9t\xc3\xa9", 5));
	assert_int_equal(folio_jscan__get(&s, &root, "4"), 1);
	assert_true(folio_jscan__key_eq(&s, "\xf0\x9f\x98\x80", 4));
	assert_int_equal(folio_jscan__get(&s, &root, "5"), 1);
	assert_true(folio_jscan__key_eq(&s, "a\\b", 3));
	assert_int_equal(folio_jscan__get(&s, &root, "6"), 1);
	assert_true(folio_jscan__key_eq(&s, "", 0));
	assert_false(folio_jscan__key_eq(&s, "a", 1));
	assert_int_equal(folio_jscan__get(&s, &root, "7"), 1);
	assert_true(folio_jscan__key_eq(&s, "a\0b", 3));
	assert_false(folio_jscan__key_eq(&s, "a", 1));
	assert_int_equal(folio_jscan__get(&s, &root, "8"), 1);
	assert_true(folio_jscan__key_eq(&s, "/\b\f\n\r\t", 6));
	assert_int_equal(folio_jscan__get(&s, &root, "9"), 1);
	assert_true(folio_jscan__key_eq(&s, "\xef\xbf\xbd", 3));
}

static void assert_get(const folio_jspan *root, const char *path, const char *want)
{
	folio_jspan v;

	if (want == NULL) {
		if (folio_jscan__get(&v, root, path) != 0)
			fail_msg("path %s: found \"%.*s\", want nothing", path, (int)v.len, v.p);
		return;
	}
	if (folio_jscan__get(&v, root, path) != 1)
		fail_msg("path %s: not found, want %s", path, want);
	if (v.len != strlen(want) || memcmp(v.p, want, v.len) != 0)
		fail_msg("path %s: found \"%.*s\", want %s", path, (int)v.len, v.p, want);
}

static void test_get(void **state)
{
	folio_jspan root = valid_root(
		"{ \"a\" : { \"b\" : [ 10 , { \"c\" : \"x\" } , [ 7 , 8 ] ] } ,"
		" \"0\" : \"zero\" , \"12\" : { \"3\" : true } , \"d\" : 1 , \"d\" : [2] ,"
		" \"e\\u0078\" : \"esc\" , \"s\" : \"a.b\" , \"n\" : null , \"a.b\" : 5,"
		" \"br\" : \"]}[{\\\"\" , \"last\" : -0.5e-3 }");
	folio_jspan arr = valid_root("[ \"a\" , [ 1 , 2 ] , { \"k\" : [ true ] } ]");
	folio_jspan scalar = valid_root("\"str\"");
	folio_jspan v;

	assert_get(&root, "a.b.0", "10");
	assert_get(&root, "a.b.1.c", "\"x\"");
	assert_get(&root, "a.b.2", "[ 7 , 8 ]");
	assert_get(&root, "a.b.2.1", "8");
	assert_get(&root, "a.b", "[ 10 , { \"c\" : \"x\" } , [ 7 , 8 ] ]");
	assert_get(&root, "0", "\"zero\"");   /* digits name a key in an object */
	assert_get(&root, "12.3", "true");
	assert_get(&root, "d", "[2]");        /* duplicates: the last one wins */
	assert_get(&root, "d.0", "2");
	assert_get(&root, "ex", "\"esc\"");   /* escaped key */
	assert_get(&root, "n", "null");
	assert_get(&root, "br", "\"]}[{\\\"\"");
	assert_get(&root, "last", "-0.5e-3");
	assert_get(&root, "a.b.01", "{ \"c\" : \"x\" }"); /* as folio_json__path_get */

	assert_get(&root, "a.b.3", NULL);      /* out of range */
	assert_get(&root, "a.b.99999999999999999999999", NULL);
	assert_get(&root, "a.b.x", NULL);      /* not an index */
	assert_get(&root, "a.b.0.c", NULL);    /* scalar in the way */
	assert_get(&root, "n.x", NULL);
	assert_get(&root, "s.0", NULL);
	assert_get(&root, "missing", NULL);
	assert_get(&root, "a.c", NULL);
	assert_get(&root, "a.b", "[ 10 , { \"c\" : \"x\" } , [ 7 , 8 ] ]");
	assert_get(&root, "a.b.", NULL);       /* bad paths */
	assert_get(&root, ".a", NULL);
	assert_get(&root, "a..b", NULL);
	assert_get(&root, "", NULL);
	assert_int_equal(folio_jscan__get(&v, &root, NULL), 0);
	assert_get(&root, "a.b.-1", NULL);
	assert_get(&root, "e\\u0078", NULL);   /* keys are matched decoded */

	assert_get(&arr, "0", "\"a\"");
	assert_get(&arr, "1.1", "2");
	assert_get(&arr, "2.k.0", "true");
	assert_get(&arr, "3", NULL);
	assert_get(&arr, "k", NULL);
	assert_get(&scalar, "0", NULL);
}

static void test_string_decode(void **state)
{
	static const struct {
		const char *json;
		const char *want;
		size_t want_len;
	} cases[] = {
		{"\"\"", "", 0},
		{"\"plain text\"", "plain text", 10},
		{"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
		{"\"\\u0041\\u00e9\\u20ac\\uFFFF\"", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf", 9},
		{"\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5},
		{"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4},
		{"\"a\\u0000b\"", "a\0b", 3},
		{"\"\\ud800\"", "\xef\xbf\xbd", 3},             /* lone high */
		{"\"\\udc00x\"", "\xef\xbf\xbdx", 4},           /* lone low */
		{"\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A", 4},  /* high, then no low */
		{"\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80", 7},
		{"\"\\ud800\\n\"", "\xef\xbf\xbd\n", 4},
		{"\"caf\xc3\xa9 \\u263a \xf0\x9f\x98\x80\"",
		 "caf\xc3\xa9 \xe2\x98\xba \xf0\x9f\x98\x80", 14},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		folio_jspan s = valid_root(cases[i].json);
		folio_buf b;
		json_object *obj = NULL;

		folio_buf__init(&b, 0);
		assert_int_equal(folio_jscan__string(&b, &s), 0);
		assert_int_equal(b.len, cases[i].want_len);
		if (b.len > 0)
			assert_memory_equal(b.data, cases[i].want, b.len);
		/* and json-c decodes it the same */
		assert_int_equal(folio_json__parse(&obj, cases[i].json, strlen(cases[i].json),
						   MAX_SIZE, MAX_DEPTH),
				 0);
		assert_int_equal((size_t)json_object_get_string_len(obj), b.len);
		if (b.len > 0)
			assert_memory_equal(json_object_get_string(obj), b.data, b.len);
		json_object_put(obj);
		folio_buf__free(&b);
	}
	/* appends, and honours the buffer's cap */
	{
		folio_jspan s = valid_root("\"abcdef\"");
		folio_buf b;

		folio_buf__init(&b, 8);
		assert_int_equal(folio_jscan__string(&b, &s), 0);
		assert_int_equal(b.len, 6);
		assert_int_equal(folio_jscan__string(&b, &s), FOLIO_ETOOBIG);
		assert_int_equal(b.len, 6);
		folio_buf__free(&b);
	}
}

static void test_number(void **state)
{
	static const struct {
		const char *json;
		double want;
	} cases[] = {
		{"0", 0.0}, {"-0", -0.0}, {"42", 42.0}, {"-17", -17.0}, {"1.5", 1.5},
		{"-2.25e2", -225.0}, {"1E3", 1000.0}, {"1e-2", 0.01}, {"1e+2", 100.0},
		{"123456789012345678901234567890", 123456789012345678901234567890.0},
		{"0.1000000000000000055511151231257827021181583404541015625000000000000", 0.1},
	};
	size_t i;
	folio_jspan s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = valid_root(cases[i].json);
		assert_int_equal(s.type, FOLIO_JT_NUMBER);
		assert_true(folio_jscan__number(&s) == cases[i].want);
	}
	s = valid_root("-0");
	assert_true(signbit(folio_jscan__number(&s)));
	s = valid_root("1e999");
	assert_true(isinf(folio_jscan__number(&s)));
	/* a span inside a larger text stops at its end */
	{
		folio_jspan root = valid_root("[12,34]");

		assert_int_equal(folio_jscan__get(&s, &root, "0"), 1);
		assert_true(folio_jscan__number(&s) == 12.0);
	}
}

struct each_log {
	char line[16][64];
	int n;
	int stop_at;
};

static int log_each(size_t index, const folio_jspan *key, const folio_jspan *value,
		    void *payload)
{
	struct each_log *l = payload;

	assert_int_equal(index, (size_t)l->n);
	snprintf(l->line[l->n], sizeof(l->line[0]), "%.*s=%.*s/%d", key ? (int)key->len : 1,
		 key ? key->p : "-", (int)value->len, value->p, (int)value->type);
	l->n++;
	return l->n == l->stop_at ? 7 : 0;
}

static void test_count_each(void **state)
{
	folio_jspan obj = valid_root("{ \"a\" : [1, {\"x\": \"]\"}] , \"b\":\"}\",\"c\" :{ } }");
	folio_jspan arr = valid_root("[ 1 ,\"two\",[3,[4]] , {\"5\":5},true,false,null ]");
	folio_jspan empty_obj = valid_root("{ }");
	folio_jspan empty_arr = valid_root("[\n]");
	folio_jspan scalar = valid_root("3");
	struct each_log l;

	assert_int_equal(folio_jscan__count(&obj), 3);
	assert_int_equal(folio_jscan__count(&arr), 7);
	assert_int_equal(folio_jscan__count(&empty_obj), 0);
	assert_int_equal(folio_jscan__count(&empty_arr), 0);
	assert_int_equal(folio_jscan__count(&scalar), 0);

	memset(&l, 0, sizeof(l));
	assert_int_equal(folio_jscan__each(&obj, log_each, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.line[0], "\"a\"=[1, {\"x\": \"]\"}]/7");
	assert_string_equal(l.line[1], "\"b\"=\"}\"/5");
	assert_string_equal(l.line[2], "\"c\"={ }/6");

	memset(&l, 0, sizeof(l));
	assert_int_equal(folio_jscan__each(&arr, log_each, &l), 0);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.line[0], "-=1/4");
	assert_string_equal(l.line[1], "-=\"two\"/5");
	assert_string_equal(l.line[2], "-=[3,[4]]/7");
	assert_string_equal(l.line[3], "-={\"5\":5}/6");
	assert_string_equal(l.line[4], "-=true/3");
	assert_string_equal(l.line[5], "-=false/2");
	assert_string_equal(l.line[6], "-=null/1");

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(folio_jscan__each(&arr, log_each, &l), 7);
	assert_int_equal(l.n, 2);

	memset(&l, 0, sizeof(l));
	assert_int_equal(folio_jscan__each(&empty_obj, log_each, &l), 0);
	assert_int_equal(folio_jscan__each(&scalar, log_each, &l), 0);
	assert_int_equal(l.n, 0);
}

/* Differential: generated documents and their mutations, against folio_json__parse() */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned)(rnd(r) % n);
}

static void add(folio_buf *b, const char *s)
{
	assert_int_equal(folio_buf__adds(b, s), 0);
}

static void addc(folio_buf *b, char c)
{
	assert_int_equal(folio_buf__add(b, &c, 1), 0);
}

static void add_utf8(folio_buf *b, unsigned long cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	assert_int_equal(folio_buf__add(b, tmp, n), 0);
}

static void gen_ws(folio_buf *b, struct rng *r)
{
	static const char ws[] = " \n\t\r";
	unsigned n;

	if (pick(r, 10) < 7)
		return;
	for (n = 1 + pick(r, 3); n > 0; n--)
		addc(b, ws[pick(r, 4)]);
}

static void gen_string(folio_buf *b, struct rng *r, int key)
{
	static const char *const names[] = {"a",	    "b",       "0", "12",	  "id",
					    "name",	    "k\\u0041", "\\u0061", "x.y", "",
					    "\xc3\xa9"};
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 _-.,:;{}[]'/!?#";
	static const char *const escapes[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f",
					      "\\n", "\\r", "\\t"};
	unsigned n;
	unsigned long cp;
	char hex[32];

	addc(b, '"');
	if (key && pick(r, 3) == 0) {
		add(b, names[pick(r, sizeof(names) / sizeof(names[0]))]);
		addc(b, '"');
		return;
	}
	for (n = pick(r, key ? 6 : 14); n > 0; n--) {
		switch (pick(r, 12)) {
		case 0:
			add(b, escapes[pick(r, 8)]);
			break;
		case 1:
			cp = 1 + pick(r, 0xd7ff);
			snprintf(hex, sizeof(hex), pick(r, 2) ? "\\u%04lx" : "\\u%04lX", cp);
			add(b, hex);
			break;
		case 2:
			cp = 0x10000 + pick(r, 0x100000);
			if (key && (cp & 0xf800) == 0xd800)
				cp -= 0x800; /* json-c would mangle it (json_c_mangles) */
			snprintf(hex, sizeof(hex), "\\u%04lx\\u%04lx",
				 0xd800 + ((cp - 0x10000) >> 10),
				 0xdc00 + ((cp - 0x10000) & 0x3ff));
			add(b, hex);
			break;
		case 3:
			if (pick(r, 4) == 0) { /* lone surrogates, as json-c takes them */
				/* (in keys high halves only: a pair json-c mangles is unlikely) */
				snprintf(hex, sizeof(hex), "\\u%04x",
					 0xd800 + pick(r, key ? 0x400 : 0x800));
				add(b, hex);
			} else if (!key && pick(r, 8) == 0) {
				add(b, "\\u0000");
			} else {
				add_utf8(b, 0x80 + pick(r, 0x780));
			}
			break;
		case 4:
			cp = 0x800 + pick(r, 0xf800);
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0x4e2d;
			add_utf8(b, cp);
			break;
		case 5:
			add_utf8(b, 0x10000 + pick(r, 0x100000));
			break;
		default:
			addc(b, plain[pick(r, sizeof(plain) - 1)]);
			break;
		}
	}
	addc(b, '"');
}

static void gen_number(folio_buf *b, struct rng *r)
{
	char tmp[64];
	unsigned n;

	if (pick(r, 3) == 0)
		addc(b, '-');
	switch (pick(r, 6)) {
	case 0:
		addc(b, '0');
		break;
	case 1:
		for (n = 1 + pick(r, 25); n > 0; n--)
			addc(b, (char)((n == 1 ? '1' : '0') + pick(r, n == 1 ? 9 : 10)));
		break;
	default:
		snprintf(tmp, sizeof(tmp), "%u", pick(r, 100000));
		add(b, tmp);
		break;
	}
	if (pick(r, 3) == 0) {
		addc(b, '.');
		for (n = 1 + pick(r, 8); n > 0; n--)
			addc(b, (char)('0' + pick(r, 10)));
	}
	if (pick(r, 4) == 0) {
		addc(b, pick(r, 2) ? 'e' : 'E');
		if (pick(r, 2))
			addc(b, pick(r, 2) ? '+' : '-');
		snprintf(tmp, sizeof(tmp), "%u", pick(r, pick(r, 10) == 0 ? 1000 : 30));
		add(b, tmp);
	}
}

static void gen_value(folio_buf *b, struct rng *r, int depth)
{
	static const char *const literals[] = {"true", "false", "null"};
	unsigned kind = pick(r, depth > 5 ? 6 : 9);
	unsigned n;
	unsigned i;

	gen_ws(b, r);
	switch (kind) {
	case 0:
	case 1:
	case 2:
		gen_string(b, r, 0);
		break;
	case 3:
	case 4:
		gen_number(b, r);
		break;
	case 5:
		add(b, literals[pick(r, 3)]);
		break;
	case 6:
	case 7:
		addc(b, '{');
		gen_ws(b, r);
		n = pick(r, 7);
		for (i = 0; i < n; i++) {
			if (i > 0)
				addc(b, ',');
			gen_ws(b, r);
			gen_string(b, r, 1);
			gen_ws(b, r);
			addc(b, ':');
			gen_value(b, r, depth + 1);
		}
		addc(b, '}');
		break;
	default:
		addc(b, '[');
		gen_ws(b, r);
		n = pick(r, 7);
		for (i = 0; i < n; i++) {
			if (i > 0)
				addc(b, ',');
			gen_value(b, r, depth + 1);
		}
		addc(b, ']');
		break;
	}
	gen_ws(b, r);
}

/* A document: mostly an object of a few hundred bytes, sometimes anything. */
static void gen_root(folio_buf *b, struct rng *r)
{
	unsigned n;
	unsigned i;

	switch (pick(r, 20)) {
	case 0:
	case 1:
	case 2:
		gen_value(b, r, 0);
		break;
	case 3:
		gen_value(b, r, 5);
		break;
	case 4:
		gen_value(b, r, 0);
		gen_value(b, r, 0); /* two values: an error */
		break;
	default:
		gen_ws(b, r);
		addc(b, '{');
		n = 2 + pick(r, 12);
		for (i = 0; i < n; i++) {
			if (i > 0)
				addc(b, ',');
			gen_ws(b, r);
			gen_string(b, r, 1);
			gen_ws(b, r);
			addc(b, ':');
			gen_value(b, r, 1);
		}
		addc(b, '}');
		gen_ws(b, r);
		break;
	}
}

static char mutation_byte(struct rng *r)
{
	static const char some[] = "{}[]:,\"\\ 0123456789-+.eEtrufalsnINa'\t\n\r\f\v/x";
	static const unsigned char high[] = {0x00, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed,
					     0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x01, 0x1f};

	switch (pick(r, 4)) {
	case 0:
		return (char)high[pick(r, sizeof(high))];
	case 1:
		return (char)pick(r, 256);
	default:
		return some[pick(r, sizeof(some) - 1)];
	}
}

/* Mutates t[0..*len) in place (room for one more byte). */
static void mutate(char *t, size_t *len, struct rng *r)
{
	size_t at;

	if (*len == 0) {
		t[0] = mutation_byte(r);
		*len = 1;
		return;
	}
	at = pick(r, (unsigned)*len);
	switch (pick(r, 4)) {
	case 0:
		t[at] = mutation_byte(r);
		break;
	case 1:
		memmove(t + at + 1, t + at, *len - at);
		t[at] = mutation_byte(r);
		(*len)++;
		break;
	case 2:
		memmove(t + at, t + at + 1, *len - at - 1);
		(*len)--;
		break;
	default:
		*len = at;
		break;
	}
}

struct keylist {
	folio_jspan *keys;
	size_t n;
	size_t alloc;
};

static int collect_key(const folio_jspan *key, const folio_jspan *value, void *payload)
{
	struct keylist *l = payload;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->keys = realloc(l->keys, l->alloc * sizeof(*l->keys));
		assert_non_null(l->keys);
	}
	l->keys[l->n++] = *key;
	assert_int_equal(key->type, FOLIO_JT_STRING);
	assert_true(value->len > 0);
	return 0;
}

struct diff_stats {
	unsigned long inputs;
	unsigned long accepted;
	unsigned long rejected;
	unsigned long lax_utf8;
	unsigned long paths;
};

/* The scanner's view of the value at span equals json-c's jo. */
static void compare_value(const folio_jspan *span, json_object *jo, const char *what)
{
	double d;

	switch (json_object_get_type(jo)) {
	case json_type_null:
		assert_int_equal(span->type, FOLIO_JT_NULL);
		break;
	case json_type_boolean:
		assert_int_equal(span->type,
				 json_object_get_boolean(jo) ? FOLIO_JT_TRUE : FOLIO_JT_FALSE);
		break;
	case json_type_int:
		assert_int_equal(span->type, FOLIO_JT_NUMBER);
		d = folio_jscan__number(span);
		if (fabs(d) < 9.2e18 && (double)json_object_get_int64(jo) != d)
			fail_msg("%s: number %.*s is %.17g, json-c %lld", what, (int)span->len,
				 span->p, d, (long long)json_object_get_int64(jo));
		break;
	case json_type_double:
		assert_int_equal(span->type, FOLIO_JT_NUMBER);
		d = folio_jscan__number(span);
		if (d != json_object_get_double(jo))
			fail_msg("%s: number %.*s is %.17g, json-c %.17g", what, (int)span->len,
				 span->p, d, json_object_get_double(jo));
		break;
	case json_type_string:
		assert_int_equal(span->type, FOLIO_JT_STRING);
		if (json_c_mangles(span->p, span->len))
			break;
		{
			folio_buf b;

			folio_buf__init(&b, 0);
			assert_int_equal(folio_jscan__string(&b, span), 0);
			if (b.len != (size_t)json_object_get_string_len(jo) ||
			    (b.len > 0 && memcmp(b.data, json_object_get_string(jo), b.len) != 0))
				fail_msg("%s: string %.*s decodes differently from json-c", what,
					 (int)span->len, span->p);
			folio_buf__free(&b);
		}
		break;
	case json_type_object:
		assert_int_equal(span->type, FOLIO_JT_OBJECT);
		assert_true(folio_jscan__count(span) >= (size_t)json_object_object_length(jo));
		break;
	case json_type_array:
		assert_int_equal(span->type, FOLIO_JT_ARRAY);
		assert_int_equal(folio_jscan__count(span), json_object_array_length(jo));
		break;
	}
}

/* Every value under jo, found by path under root, equals json-c's. */
static void compare_paths(const folio_jspan *root, json_object *jo, char *path, size_t plen,
			  struct diff_stats *st)
{
	folio_jspan v;
	size_t i;
	size_t n;
	size_t klen;
	char idx[32];

	if (json_object_is_type(jo, json_type_object)) {
		json_object_object_foreach(jo, key, child)
		{
			klen = strlen(key);
			if (klen == 0 || strchr(key, '.') != NULL || plen + klen + 2 > 1024)
				continue;
			n = plen;
			if (n > 0)
				path[n++] = '.';
			memcpy(path + n, key, klen + 1);
			if (folio_jscan__get(&v, root, path) != 1) {
				/* a key json-c mangled (json_c_mangles) holds U+FFFD */
				if (strstr(key, "\xef\xbf\xbd") != NULL) {
					path[plen] = '\0';
					continue;
				}
				fail_msg("path %s: not found", path);
			}
			st->paths++;
			compare_value(&v, child, path);
			compare_paths(root, child, path, n + klen, st);
			path[plen] = '\0';
		}
	} else if (json_object_is_type(jo, json_type_array)) {
		for (i = 0; i < json_object_array_length(jo); i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			klen = strlen(idx);
			if (plen + klen + 2 > 1024)
				break;
			n = plen;
			if (n > 0)
				path[n++] = '.';
			memcpy(path + n, idx, klen + 1);
			if (folio_jscan__get(&v, root, path) != 1)
				fail_msg("path %s: not found", path);
			st->paths++;
			compare_value(&v, json_object_array_get_idx(jo, i), path);
			compare_paths(root, json_object_array_get_idx(jo, i), path, n + klen, st);
			path[plen] = '\0';
		}
		snprintf(idx, sizeof(idx), "%s%zu", plen > 0 ? "." : "",
			 json_object_array_length(jo));
		if (plen + strlen(idx) < 1024) {
			memcpy(path + plen, idx, strlen(idx) + 1);
			assert_int_equal(folio_jscan__get(&v, root, path), 0);
			path[plen] = '\0';
		}
	}
}

static void differential_one(const char *text, size_t len, size_t max_size, int max_depth,
			     struct diff_stats *st)
{
	json_object *obj = NULL;
	folio_jspan root;
	struct keylist kl = {NULL, 0, 0};
	char msg_a[1024];
	int a;
	int b;

	st->inputs++;
	folio_error_clear();
	a = folio_json__parse(&obj, text, len, max_size, max_depth);
	snprintf(msg_a, sizeof(msg_a), "%s", a != 0 ? folio_error_last() : "");
	folio_error_clear();
	b = folio_jscan__validate(&root, text, len, max_size, max_depth, collect_key, &kl);

	if (a == 0 && b != 0 && !strict_utf8(text, len)) {
		/* json-c's lax UTF-8: the one difference, on purpose */
		assert_int_equal(b, FOLIO_EINVALID);
		assert_non_null(strstr(folio_error_last(), ": invalid UTF-8"));
		st->lax_utf8++;
		goto out;
	}
	if (a != b || (a != 0 && strcmp(msg_a, folio_error_last()) != 0))
		fail_msg("input \"%.*s\" (%zu bytes, depth %d): json_parse %d \"%s\", jscan %d "
			 "\"%s\"",
			 (int)(len > 300 ? 300 : len), text, len, max_depth, a, msg_a, b,
			 b != 0 ? folio_error_last() : "");
	if (a != 0) {
		st->rejected++;
		goto out;
	}
	st->accepted++;

	/* The root's type and, for an object, its keys in json-c's order. */
	compare_value(&root, obj, "root");
	if (root.type == FOLIO_JT_OBJECT) {
		size_t i;
		size_t j;
		size_t uniq = 0;
		char **names = calloc(kl.n + 1, sizeof(char *));

		assert_non_null(names);
		assert_int_equal(folio_jscan__count(&root), kl.n);
		for (i = 0; i < kl.n; i++) {
			if (json_c_mangles(kl.keys[i].p, kl.keys[i].len))
				break;
		}
		for (i = i < kl.n ? kl.n : 0; i < kl.n; i++) {
			char *k = decode(&kl.keys[i]);

			for (j = 0; j < uniq && strcmp(names[j], k) != 0; j++)
				;
			if (j < uniq) {
				free(k);
				continue;
			}
			names[uniq++] = k;
		}
		j = 0;
		if (uniq > 0 || kl.n == 0) {
			json_object_object_foreach(obj, key, child)
			{
				(void)child;
				assert_true(j < uniq);
				if (strcmp(names[j], key) != 0)
					fail_msg("root key %zu: jscan \"%s\", json-c \"%s\"", j,
						 names[j], key);
				j++;
			}
		}
		if (uniq > 0 || kl.n == 0)
			assert_int_equal(j, uniq);
		for (i = 0; i < uniq; i++)
			free(names[i]);
		free(names);
	} else {
		assert_int_equal(kl.n, 0);
	}
	/* json-c cuts keys at "\u0000": the paths would not match */
	if (memmem(text, len, "u0000", 5) == NULL) {
		char path[1100] = "";

		compare_paths(&root, obj, path, 0, st);
	}

out:
	free(kl.keys);
	json_object_put(obj);
}

static void test_differential(void **state)
{
	struct rng r = {UINT64_C(0x9e3779b97f4a7c15)};
	struct diff_stats st;
	folio_buf b;
	const char *seed = getenv("FOLIO_JSCAN_SEED");
	const char *count = getenv("FOLIO_JSCAN_DOCS");
	unsigned long docs = count != NULL ? strtoul(count, NULL, 10) : 20000;
	unsigned long i;
	unsigned m;
	char *t;
	size_t len;

	if (seed != NULL)
		r.s = strtoull(seed, NULL, 0) | 1;
	memset(&st, 0, sizeof(st));
	folio_buf__init(&b, 0);
	for (i = 0; i < docs; i++) {
		int depth = pick(&r, 8) == 0 ? (int)pick(&r, 6) : MAX_DEPTH;
		size_t max_size = pick(&r, 50) == 0 ? pick(&r, 200) : MAX_SIZE;

		folio_buf__reset(&b);
		gen_root(&b, &r);
		differential_one(b.data, b.len, max_size, depth, &st);

		t = malloc(b.len + 8);
		assert_non_null(t);
		for (m = 0; m < 3; m++) {
			unsigned k;

			memcpy(t, b.data, b.len);
			len = b.len;
			for (k = 1 + (pick(&r, 4) == 0); k > 0; k--)
				mutate(t, &len, &r);
			differential_one(t, len, max_size, depth, &st);
		}
		free(t);
	}
	folio_buf__free(&b);
	print_message("differential: %lu inputs, %lu accepted by both, %lu refused by both with "
		      "the same message, %lu refused only for strict UTF-8; %lu paths compared\n",
		      st.inputs, st.accepted, st.rejected, st.lax_utf8, st.paths);
	assert_true(st.accepted > docs / 4);
	assert_true(st.rejected > docs / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_rejections_same_as_json_parse),
		cmocka_unit_test(test_rejection_messages),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_strict_utf8),
		cmocka_unit_test(test_member_callback),
		cmocka_unit_test(test_key_eq),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_string_decode),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_count_each),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
