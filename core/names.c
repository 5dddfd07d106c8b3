/*
 * Strict name checks, done before any SQL runs. Hand-written, no regex: each
 * is the pattern in its header's comment, byte by byte. NULL is never valid.
 */
#include <string.h>

#include "folio/database.h"
#include "folio/doc.h"
#include "folio/store.h"
#include "util.h"

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_lower(c) || is_upper(c) || is_digit(c);
}

/*
 * The length of the UTF-8 character at s (at most `left` bytes), and its
 * code point in *cp; 0 when the bytes are not well-formed UTF-8 (overlong
 * forms, surrogates and values past U+10FFFF are not).
 */
static size_t utf8_char(const unsigned char *s, size_t left, unsigned long *cp)
{
	unsigned long v;
	unsigned long min;
	size_t n;
	size_t i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
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
	*cp = v;
	return n;
}

int folio_name__user_valid(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	unsigned long cp;
	size_t len;
	size_t i;
	size_t n;

	if (name == NULL)
		return 0;
	len = strlen(name);
	if (len == 0 || len > 128)
		return 0;
	if (name[0] == ' ' || name[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i += n) {
		n = utf8_char(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		/* C0 controls, DEL and C1 controls */
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return 0;
	}
	return 1;
}

/* ^[a-z][a-z0-9_]{0,29}$ and not "folio" */
int folio_db_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || !is_lower(name[0]))
		return 0;
	for (i = 1; name[i] != '\0'; i++) {
		if (i >= 30)
			return 0;
		if (!is_lower(name[i]) && !is_digit(name[i]) && name[i] != '_')
			return 0;
	}
	return strcmp(name, "folio") != 0;
}

/* ^[A-Za-z][A-Za-z0-9_-]{0,63}$, or a predefined store */
int folio_store_name_valid(const char *name)
{
	static const char *const predefined[] = {"_default", "_local", "_comments", "_design"};
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
		if (strcmp(name, predefined[i]) == 0)
			return 1;
	}
	if (!is_upper(name[0]) && !is_lower(name[0]))
		return 0;
	for (i = 1; name[i] != '\0'; i++) {
		if (i >= 64)
			return 0;
		if (!is_alnum(name[i]) && name[i] != '_' && name[i] != '-')
			return 0;
	}
	return 1;
}

/* ^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$ */
int folio_unid_valid(const char *unid)
{
	size_t i;
	char c;

	if (unid == NULL || !is_alnum(unid[0]))
		return 0;
	for (i = 1; unid[i] != '\0'; i++) {
		if (i >= FOLIO_UNID_MAX)
			return 0;
		c = unid[i];
		if (!is_alnum(c) && c != '.' && c != '_' && c != '~' && c != '-')
			return 0;
	}
	return 1;
}
