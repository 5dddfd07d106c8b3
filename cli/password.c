/*
 * The folio command: passwords. Never from the command line (a process
 * listing shows it to everyone): from a file, from $FOLIO_PASSWORD, from a
 * line of stdin, or typed at the terminal without echo. Buffers that held a
 * password are wiped before they are freed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "cli.h"

/* Room for the library's longest password, its line end, and one byte to tell it is longer. */
#define PW_BUF 4100

void folio_cli__password_free(char *pw)
{
	if (pw == NULL)
		return;
	explicit_bzero(pw, strlen(pw));
	free(pw);
}

/* The first line of buf (its line end removed) as a new string; wipes buf. */
static int take_line(char **out, const folio_cli *cli, char *buf, size_t len, const char *from)
{
	size_t n = strcspn(buf, "\r\n");
	int rc = 0;

	if (n == len && len >= PW_BUF - 1) {
		rc = folio_cli__errorf(cli, "the password from %s is too long", from);
		goto out;
	}
	*out = malloc(n + 1);
	if (*out == NULL) {
		rc = folio_cli__errorf(cli, "out of memory");
		goto out;
	}
	memcpy(*out, buf, n);
	(*out)[n] = '\0';
out:
	explicit_bzero(buf, PW_BUF);
	return rc;
}

static int from_file(char **out, const folio_cli *cli, const char *path)
{
	char buf[PW_BUF];
	size_t len;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return folio_cli__errorf(cli, "cannot open password file %s: %s", path,
					 strerror(errno));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	if (ferror(f)) {
		fclose(f);
		explicit_bzero(buf, sizeof(buf));
		return folio_cli__errorf(cli, "cannot read password file %s", path);
	}
	fclose(f);
	return take_line(out, cli, buf, len, path);
}

static int from_stream(char **out, const folio_cli *cli, FILE *f, const char *from)
{
	char buf[PW_BUF];

	if (fgets(buf, sizeof(buf), f) == NULL) {
		explicit_bzero(buf, sizeof(buf));
		return folio_cli__errorf(cli, "no password on %s", from);
	}
	return take_line(out, cli, buf, strlen(buf), from);
}

/* Asks on the terminal (stdin) with echo off. */
static int ask(char **out, const folio_cli *cli, const char *prompt)
{
	struct termios old, quiet;
	int rc;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return folio_cli__errorf(cli, "cannot read the terminal: %s", strerror(errno));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return folio_cli__errorf(cli, "cannot turn the terminal's echo off: %s",
					 strerror(errno));
	rc = from_stream(out, cli, stdin, "the terminal");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return rc;
}

int folio_cli__password(char **out, folio_cli *cli, const folio_cli_pwsrc *src)
{
	const char *env;
	char *again = NULL;
	char prompt[256];
	int rc;

	*out = NULL;
	if (src->file != NULL)
		return from_file(out, cli, src->file);
	env = src->use_env ? getenv("FOLIO_PASSWORD") : NULL;
	if (env != NULL && env[0] != '\0') {
		*out = strdup(env);
		if (*out == NULL)
			return folio_cli__errorf(cli, "out of memory");
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		if (src->use_stdin)
			return from_stream(out, cli, stdin, "stdin");
		folio_cli__errorf(cli,
				  "no password for %s: give --password-file FILE or set "
				  "FOLIO_PASSWORD",
				  src->who);
		return FOLIO_CLI_USAGE;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s: ", src->who);
	rc = ask(out, cli, prompt);
	if (rc != 0 || !src->confirm)
		return rc;
	snprintf(prompt, sizeof(prompt), "Again: ");
	rc = ask(&again, cli, prompt);
	if (rc == 0 && strcmp(*out, again) != 0)
		rc = folio_cli__errorf(cli, "the passwords differ");
	folio_cli__password_free(again);
	if (rc != 0) {
		folio_cli__password_free(*out);
		*out = NULL;
	}
	return rc;
}
