/* The thread-local error: the code and one line of detail of the last failure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define FOLIO_ERROR_MSG_MAX 1024

struct folio_error_state {
	int code;
	char msg[FOLIO_ERROR_MSG_MAX];
};

static _Thread_local struct folio_error_state error_state;

/*
 * Keeps the detail on one line, and when vsnprintf cut it short, backs off
 * to a UTF-8 character boundary so the message stays valid text.
 */
static void tidy(char *msg, int wanted)
{
	size_t len = strlen(msg);
	size_t i;

	if (wanted >= 0 && (size_t)wanted > len) {
		size_t lead = len;
		size_t need = 1;
		unsigned char c;

		while (lead > 0 && ((unsigned char)msg[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0) {
			lead--;
			c = (unsigned char)msg[lead];
			if (c >= 0xF0)
				need = 4;
			else if (c >= 0xE0)
				need = 3;
			else if (c >= 0xC0)
				need = 2;
			if (len - lead < need)
				len = lead; /* the last character was cut in the middle */
		}
		msg[len] = '\0';
	}
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	}
}

const char *folio_error_last(void)
{
	return error_state.msg;
}

int folio_error_code(void)
{
	return error_state.code;
}

void folio_error_clear(void)
{
	error_state.code = 0;
	error_state.msg[0] = '\0';
}

const char *folio_error_name(int code)
{
	switch (code) {
	case FOLIO_OK:
		return "FOLIO_OK";
	case FOLIO_ERROR:
		return "FOLIO_ERROR";
	case FOLIO_ENOMEM:
		return "FOLIO_ENOMEM";
	case FOLIO_ENOTFOUND:
		return "FOLIO_ENOTFOUND";
	case FOLIO_EEXISTS:
		return "FOLIO_EEXISTS";
	case FOLIO_ECONFLICT:
		return "FOLIO_ECONFLICT";
	case FOLIO_EACCESS:
		return "FOLIO_EACCESS";
	case FOLIO_EINVALID:
		return "FOLIO_EINVALID";
	case FOLIO_ETOOBIG:
		return "FOLIO_ETOOBIG";
	case FOLIO_EBUSY:
		return "FOLIO_EBUSY";
	case FOLIO_EIO:
		return "FOLIO_EIO";
	case FOLIO_EFULL:
		return "FOLIO_EFULL";
	case FOLIO_EREADONLY:
		return "FOLIO_EREADONLY";
	case FOLIO_EDEADLOCK:
		return "FOLIO_EDEADLOCK";
	default:
		return "unknown error";
	}
}

int folio_error_set(int code, const char *fmt, ...)
{
	/* Formatted aside first: an argument may be folio_error_last() itself. */
	char tmp[FOLIO_ERROR_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	tidy(tmp, n);
	memcpy(error_state.msg, tmp, strlen(tmp) + 1);
	error_state.code = code;
	return code;
}

int folio_error__oom(void)
{
	/* No formatting, no allocation: this must work when memory is gone. */
	error_state.code = FOLIO_ENOMEM;
	memcpy(error_state.msg, "out of memory", sizeof("out of memory"));
	return FOLIO_ENOMEM;
}

int folio_error__wrap(const char *fmt, ...)
{
	char ctx[FOLIO_ERROR_MSG_MAX];
	char tmp[FOLIO_ERROR_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (n < 0)
		ctx[0] = '\0';
	tidy(ctx, n);

	/* Wrapping with nothing failed is a caller's slip; never report success. */
	if (error_state.code == 0)
		error_state.code = FOLIO_ERROR;
	if (error_state.msg[0] == '\0')
		n = snprintf(tmp, sizeof(tmp), "%s", ctx);
	else
		n = snprintf(tmp, sizeof(tmp), "%s: %s", ctx, error_state.msg);
	if (n < 0)
		tmp[0] = '\0';
	tidy(tmp, n);
	memcpy(error_state.msg, tmp, strlen(tmp) + 1);
	return error_state.code;
}
