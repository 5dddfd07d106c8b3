/* The folio command: command-line arguments, error lines and output. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int folio_cli__fail(const folio_cli *cli, int rc)
{
	const char *msg = folio_error_last();

	if (msg[0] == '\0')
		msg = folio_error_name(rc);
	/* A stale rev must say so, whatever detail the engine gave. */
	if (rc == FOLIO_ECONFLICT && strstr(msg, "conflict") == NULL)
		fprintf(stderr, "folio: %s: conflict: %s\n", cli->cmd, msg);
	else
		fprintf(stderr, "folio: %s: %s\n", cli->cmd, msg);
	return FOLIO_CLI_FAIL;
}

int folio_cli__errorf(const folio_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "folio: %s: ", cli->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return FOLIO_CLI_FAIL;
}

int folio_cli__usagef(const folio_cli *cli, const char *fmt, ...)
{
	va_list ap;
	size_t n = strcspn(cli->cmd, " ");

	fprintf(stderr, "folio: %s: ", cli->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* "db create" has its help under "folio db --help". */
	fprintf(stderr, " (see 'folio %.*s --help')\n", (int)n, cli->cmd);
	return FOLIO_CLI_USAGE;
}

static const folio_cli_opt *find_opt(const folio_cli_opt *opts, const char *arg, size_t n)
{
	const folio_cli_opt *o;

	if (opts == NULL)
		return NULL;
	for (o = opts; o->name != NULL; o++) {
		if (strlen(o->name) == n && strncmp(o->name, arg, n) == 0)
			return o;
	}
	return NULL;
}

int folio_cli__args(const folio_cli *cli, int argc, char **argv, const folio_cli_opt *opts,
		    char **pos, int max_pos, int *npos)
{
	int i;
	int only_pos = 0;

	*npos = 0;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const folio_cli_opt *o;
		const char *eq;
		size_t n;

		if (only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (*npos >= max_pos)
				return folio_cli__usagef(cli, "unexpected argument '%s'", arg);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return FOLIO_CLI_ARGS_HELP;

		eq = strchr(arg, '=');
		n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		o = find_opt(opts, arg, n);
		if (o == NULL)
			return folio_cli__usagef(cli, "unknown option '%.*s'", (int)n, arg);
		if (o->value == NULL) {
			if (eq != NULL)
				return folio_cli__usagef(cli, "option '%s' takes no value",
							 o->name);
			*o->flag = 1;
			continue;
		}
		if (eq != NULL) {
			*o->value = eq + 1;
			continue;
		}
		if (i + 1 >= argc)
			return folio_cli__usagef(cli, "option '%s' needs a value", o->name);
		*o->value = argv[++i];
	}
	return 0;
}

int folio_cli__int64(int64_t *out, const folio_cli *cli, const char *option, const char *s,
		     int64_t min, int64_t max)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return folio_cli__usagef(cli, "invalid value for %s: '%s'", option, s);
	*out = (int64_t)v;
	return 0;
}

int folio_cli__println(const folio_cli *cli, const char *s, size_t len)
{
	if (fwrite(s, 1, len, stdout) != len || putchar('\n') == EOF)
		return folio_cli__errorf(cli, "cannot write to stdout: %s", strerror(errno));
	return 0;
}
