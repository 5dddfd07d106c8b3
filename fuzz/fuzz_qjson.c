/*
 * libFuzzer target for core/qparse.c, the JSON selector parser. On any bytes:
 *   - a parse fails cleanly (FOLIO_EINVALID or FOLIO_ETOOBIG, "query: ..."),
 *     and fails whenever jscan refuses the text as JSON, with jscan's code;
 *   - a tree that comes back holds query.h's invariants (qcheck.h);
 *   - the same selector read by json-c and given to folio_qparse__obj() is the
 *     same tree (json-c's few decoding slips aside, see json_c_mangles()).
 * Never a crash or a leak (AddressSanitizer, UndefinedBehaviorSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "json.h"
#include "qcheck.h"
#include "query.h"
#include "util.h"

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

/* json-c 0.16 stores U+FFFD for a surrogate pair whose code point ends in D800..DFFF. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	folio_qnode *n = NULL;
	folio_qnode *m = NULL;
	json_object *obj = NULL;
	folio_jspan root;
	char *d = NULL;
	char *e = NULL;
	int rc;
	int jrc;

	rc = folio_qparse__json(&n, text, size);
	if (rc != 0) {
		check_error(rc);
		CHECK(n == NULL);
	}
	jrc = folio_jscan__validate(&root, text, size, FOLIO_Q_MAX_TEXT, FOLIO_Q_MAX_DEPTH, NULL,
				    NULL);
	if (jrc != 0) {
		CHECK(rc == jrc);
		goto out;
	}
	if (rc != 0) {
		/* JSON, but no selector: an error that names its offset */
		CHECK(strncmp(folio_error_last(), "query: at offset ", 17) == 0);
		goto out;
	}

	check_tree(n, 0, 0, size);
	d = check_dump(n);

	/* the same selector as a json-c object */
	CHECK(folio_json__parse(&obj, text, size, FOLIO_Q_MAX_TEXT, FOLIO_Q_MAX_DEPTH) == 0);
	if (json_c_mangles(text, size))
		goto out;
	rc = folio_qparse__obj(&m, obj);
	if (rc != 0) {
		fprintf(stderr, "text: %s\nobject: %s\n", d, folio_error_last());
		abort();
	}
	check_tree(m, 0, 0, size);
	e = check_dump(m);
	if (strcmp(d, e) != 0) {
		fprintf(stderr, "text:   %s\nobject: %s\n", d, e);
		abort();
	}

out:
	free(d);
	free(e);
	folio_qnode__free(n);
	folio_qnode__free(m);
	json_object_put(obj);
	return 0;
}
