/* The folio command: reading input with a size cap, and parsing JSON with its position. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define CHUNK_SIZE ((size_t)64 * 1024)

/* Nesting deeper than this is refused here; the library enforces its own, lower, limit. */
#define PARSE_DEPTH 1024

int folio_cli__read_all(char **out, size_t *len, FILE *f, size_t max)
{
	char *buf = NULL;
	size_t used = 0;
	size_t alloc = 0;
	int rc = 0;

	*out = NULL;
	*len = 0;
	for (;;) {
		size_t want;
		size_t got;

		if (used == alloc) {
			size_t next = alloc == 0 ? CHUNK_SIZE : alloc * 2;
			char *p;

			/* One byte past max tells "exactly max" from "more than max". */
			if (next > max + 1)
				next = max + 1;
			if (next <= alloc) {
				rc = FOLIO_ETOOBIG;
				goto out;
			}
			p = realloc(buf, next + 1);
			if (p == NULL) {
				rc = FOLIO_ENOMEM;
				goto out;
			}
			buf = p;
			alloc = next;
		}
		want = alloc - used;
		got = fread(buf + used, 1, want, f);
		used += got;
		if (used > max) {
			rc = FOLIO_ETOOBIG;
			goto out;
		}
		if (got < want) {
			if (ferror(f)) {
				if (errno == 0)
					errno = EIO;
				rc = FOLIO_EIO;
				goto out;
			}
			break;
		}
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL) {
			rc = FOLIO_ENOMEM;
			goto out;
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	return rc;
}

int folio_cli__lines_init(folio_cli_lines *lr, FILE *f, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = f;
	lr->max = max;
	lr->chunk = malloc(CHUNK_SIZE);
	if (lr->chunk == NULL)
		return FOLIO_ENOMEM;
	lr->alloc = 256;
	lr->line = malloc(lr->alloc);
	if (lr->line == NULL) {
		free(lr->chunk);
		lr->chunk = NULL;
		return FOLIO_ENOMEM;
	}
	lr->line[0] = '\0';
	return 0;
}

void folio_cli__lines_free(folio_cli_lines *lr)
{
	free(lr->line);
	free(lr->chunk);
	lr->line = NULL;
	lr->chunk = NULL;
}

/* Appends n bytes to the current line, within the cap. */
static int line_add(folio_cli_lines *lr, const char *p, size_t n)
{
	if (n > lr->max - lr->len)
		return FOLIO_ETOOBIG;
	if (lr->len + n + 1 > lr->alloc) {
		size_t next = lr->alloc;
		char *q;

		while (next < lr->len + n + 1)
			next *= 2;
		if (next > lr->max + 1)
			next = lr->max + 1;
		q = realloc(lr->line, next);
		if (q == NULL)
			return FOLIO_ENOMEM;
		lr->line = q;
		lr->alloc = next;
	}
	memcpy(lr->line + lr->len, p, n);
	lr->len += n;
	lr->line[lr->len] = '\0';
	return 0;
}

int folio_cli__lines_next(folio_cli_lines *lr)
{
	int started = 0;
	int rc;

	lr->len = 0;
	lr->line[0] = '\0';
	lr->lineno++;
	for (;;) {
		const char *start;
		const char *nl;
		size_t n;

		if (lr->chunk_pos == lr->chunk_len) {
			if (lr->eof)
				break;
			lr->chunk_pos = 0;
			lr->chunk_len = fread(lr->chunk, 1, CHUNK_SIZE, lr->f);
			if (lr->chunk_len < CHUNK_SIZE) {
				if (ferror(lr->f)) {
					if (errno == 0)
						errno = EIO;
					return FOLIO_EIO;
				}
				lr->eof = 1;
			}
			continue;
		}
		started = 1;
		start = lr->chunk + lr->chunk_pos;
		n = lr->chunk_len - lr->chunk_pos;
		nl = memchr(start, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - start);
		rc = line_add(lr, start, n);
		if (rc != 0)
			return rc;
		lr->chunk_pos += n;
		lr->consumed += n;
		if (nl != NULL) {
			lr->chunk_pos++;
			lr->consumed++;
			break;
		}
	}
	if (!started) {
		lr->lineno--;
		return 0;
	}
	if (lr->len > 0 && lr->line[lr->len - 1] == '\r')
		lr->line[--lr->len] = '\0';
	return 1;
}

int folio_cli__blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	}
	return 1;
}

static void position(const char *text, size_t off, size_t *line, size_t *col)
{
	size_t i;
	size_t bol = 0;

	*line = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	}
	*col = off - bol + 1;
}

int folio_cli__json_parse(json_object **out, const char *text, size_t len, char *err,
			  size_t errsize)
{
	json_tokener *tok = NULL;
	json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t line;
	size_t col;
	size_t off;
	const char *nul;

	*out = NULL;
	nul = memchr(text, '\0', len);
	if (nul != NULL) {
		position(text, (size_t)(nul - text), &line, &col);
		snprintf(err, errsize, "malformed JSON at line %zu, column %zu: a NUL byte", line,
			 col);
		return FOLIO_EINVALID;
	}
	if (len > (size_t)INT32_MAX - 1) {
		snprintf(err, errsize, "input too big");
		return FOLIO_ETOOBIG;
	}
	tok = json_tokener_new_ex(PARSE_DEPTH);
	if (tok == NULL) {
		snprintf(err, errsize, "out of memory");
		return FOLIO_ENOMEM;
	}
	/* Strict: no trailing commas or other leniencies, nothing after the value. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL ends the input, so a trailing number is complete. */
	obj = json_tokener_parse_ex(tok, text, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	/* A NULL object with success is the JSON literal null. */
	if (jerr != json_tokener_success) {
		off = json_tokener_get_parse_end(tok);
		if (off > len)
			off = len;
		position(text, off, &line, &col);
		snprintf(err, errsize, "malformed JSON at line %zu, column %zu: %s", line, col,
			 json_tokener_error_desc(jerr));
		json_object_put(obj);
		json_tokener_free(tok);
		return FOLIO_EINVALID;
	}
	json_tokener_free(tok);
	*out = obj;
	return 0;
}

int folio_cli__json_add(json_object *obj, const char *key, json_object *value)
{
	if (value == NULL)
		return -1;
	if (json_object_object_add(obj, key, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

int folio_cli__json_add_string(json_object *obj, const char *key, const char *s)
{
	json_object *v = NULL;

	if (s != NULL) {
		v = json_object_new_string(s);
		if (v == NULL)
			return -1;
	}
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

const char *folio_cli__json_line(json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
}
