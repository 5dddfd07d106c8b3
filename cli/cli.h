/* The folio command: what its command files share. Internal to cli/. */
#ifndef FOLIO_CLI_H
#define FOLIO_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "folio/folio.h"

/* Exit statuses: success, a failure, a usage error. */
enum { FOLIO_CLI_OK = 0, FOLIO_CLI_FAIL = 1, FOLIO_CLI_USAGE = 2 };

/* Used when neither --server nor FOLIO_SERVER gives a URL. */
#define FOLIO_CLI_DEFAULT_DIR "./folio-data"
#define FOLIO_CLI_DEFAULT_URL "sqlite:" FOLIO_CLI_DEFAULT_DIR "/folio.db"

/*
 * The most bytes one document may take on input (stdin for put, one line for
 * import): the library's document limit plus slack for system fields and
 * white space that the limit does not count. Bigger input is refused before
 * it is all read.
 */
#define FOLIO_CLI_MAX_INPUT (FOLIO_DEFAULT_MAX_DOC_SIZE + (size_t)1024 * 1024)

/* One run of the command: the global options, and the Server and Session once open. */
typedef struct folio_cli {
	const char *server_url;    /* --server, or NULL */
	const char *user;          /* --user, or NULL: the server administrator */
	const char *password_file; /* --password-file: the --user's password, or NULL */
	const char *config_file;   /* --config, or NULL ($FOLIO_CONFIG) */
	const char *cmd;           /* the command as error lines name it: "put", "db create" */
	int login_used_env;        /* the login's password came from $FOLIO_PASSWORD */
	folio_server *srv;
	folio_session *ses;
} folio_cli;

/*
 * The commands. argv[0] is the command's name; argv[argc] is NULL. Each
 * returns an exit status and has printed the error line when it is not 0.
 */
int folio_cli__cmd_db(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_store(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_put(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_get(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_rm(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_ls(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_import(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_export(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_changes(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_acl(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_role(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_find(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_sql(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_user(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_group(folio_cli *cli, int argc, char **argv);
int folio_cli__cmd_server_acl(folio_cli *cli, int argc, char **argv);

/* connect.c */

/*
 * Opens the Server (URL from --server, else $FOLIO_SERVER, else the default,
 * whose directory is created when missing), configures its security from
 * --config or $FOLIO_CONFIG (a JSON file, see folio_server_configure), and
 * opens a Session: with --user, a login with the password from
 * --password-file or $FOLIO_PASSWORD (or typed at the terminal); without
 * it, the server administrator's (whoever holds the server URL can do what
 * it does). Returns 0, or FOLIO_CLI_FAIL (FOLIO_CLI_USAGE: no password)
 * after printing the error.
 */
int folio_cli__open(folio_cli *cli);

/*
 * Opens the Server and Session if need be, then store `name` of database `db`
 * into *st. Returns 0, or FOLIO_CLI_FAIL after printing the error.
 */
int folio_cli__open_store(folio_cli *cli, folio_store **st, const char *db, const char *name);

/* Frees the Session and closes the Server, if open. */
void folio_cli__close(folio_cli *cli);

/* args.c */

/* Prints "folio: CMD: <folio_error_last()>" and returns FOLIO_CLI_FAIL. */
int folio_cli__fail(const folio_cli *cli, int rc);

/* Prints "folio: CMD: <message>" and returns FOLIO_CLI_FAIL. */
int folio_cli__errorf(const folio_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "folio: CMD: <message> (see 'folio CMD --help')" and returns FOLIO_CLI_USAGE. */
int folio_cli__usagef(const folio_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A command's option: "--name VALUE" or "--name=VALUE" when value is set, else a flag. */
typedef struct folio_cli_opt {
	const char *name; /* with its dashes: "--rev"; NULL ends the table */
	const char **value;
	int *flag;
} folio_cli_opt;

enum { FOLIO_CLI_ARGS_HELP = 3 };

/*
 * Parses argv[1..argc): the options of `opts`, --help (or -h), "--" (what
 * follows is positional) and up to max_pos positional arguments into pos
 * (their count in *npos). Options and positional arguments may mix; "-" is
 * positional. Returns 0, FOLIO_CLI_ARGS_HELP when --help was given, or
 * FOLIO_CLI_USAGE after printing the error.
 */
int folio_cli__args(const folio_cli *cli, int argc, char **argv, const folio_cli_opt *opts,
		    char **pos, int max_pos, int *npos);

/*
 * Parses a decimal integer in [min, max] (the whole string). Returns 0 or
 * FOLIO_CLI_USAGE after printing "invalid value for OPTION".
 */
int folio_cli__int64(int64_t *out, const folio_cli *cli, const char *option, const char *s,
		     int64_t min, int64_t max);

/*
 * Writes `len` bytes and a newline to stdout. Returns 0, or FOLIO_CLI_FAIL
 * after printing the error.
 */
int folio_cli__println(const folio_cli *cli, const char *s, size_t len);

/* password.c */

/* Where a password comes from, in this order (the first that is given). */
typedef struct folio_cli_pwsrc {
	const char *who;  /* named in the prompt and errors: "user alice" */
	const char *file; /* a file whose first line it is, or NULL */
	int use_env;      /* $FOLIO_PASSWORD */
	int use_stdin;    /* a line of stdin when stdin is not a terminal */
	int confirm;      /* typed at the terminal: asked twice */
} folio_cli_pwsrc;

/*
 * Reads a password into *out (freed with folio_cli__password_free(), which
 * wipes it); typed at the terminal, without echo, when stdin is one and no
 * other source gave it. Returns 0, or FOLIO_CLI_FAIL or FOLIO_CLI_USAGE
 * after printing the error (which never holds the password).
 */
int folio_cli__password(char **out, folio_cli *cli, const folio_cli_pwsrc *src);
void folio_cli__password_free(char *pw);

/* input.c */

/*
 * Reads all of `f` into *out (NUL-terminated, freed with free()), at most
 * `max` bytes. Returns 0, FOLIO_ETOOBIG (more than max bytes), FOLIO_EIO
 * (errno set), FOLIO_ENOMEM.
 */
int folio_cli__read_all(char **out, size_t *len, FILE *f, size_t max);

/* Reads lines of at most `max` bytes each, counting lines and bytes. */
typedef struct folio_cli_lines {
	FILE *f;
	size_t max;
	char *line; /* the current line, NUL-terminated, without its newline */
	size_t len;
	size_t alloc;
	char *chunk; /* read-ahead */
	size_t chunk_pos;
	size_t chunk_len;
	uint64_t lineno;   /* of the current line, from 1 */
	uint64_t consumed; /* bytes read up to the end of the current line */
	int eof;
} folio_cli_lines;

/* Returns 0 or FOLIO_ENOMEM. */
int folio_cli__lines_init(folio_cli_lines *lr, FILE *f, size_t max);

/*
 * Reads the next line into lr->line (a final '\r' removed). Returns 1 for a
 * line, 0 at the end, FOLIO_ETOOBIG (the line is over max; lr->lineno names
 * it), FOLIO_EIO (errno set), FOLIO_ENOMEM.
 */
int folio_cli__lines_next(folio_cli_lines *lr);

void folio_cli__lines_free(folio_cli_lines *lr);

/* 1 when s[0..len) holds only white space (or nothing). */
int folio_cli__blank(const char *s, size_t len);

/*
 * Parses one JSON value from text[0..len) (text[len] must be NUL); trailing
 * white space is allowed. On failure writes "malformed JSON at line L, column
 * C: <what>" into err and returns FOLIO_EINVALID. *out is a new reference.
 */
int folio_cli__json_parse(json_object **out, const char *text, size_t len, char *err,
			  size_t errsize);

/*
 * Adds `value` under `key`, taking over its reference; a NULL value is an
 * allocation that failed. Returns 0, or -1 (value released).
 */
int folio_cli__json_add(json_object *obj, const char *key, json_object *value);

/* Adds a string, or JSON null when s is NULL. Returns 0 or -1 (out of memory). */
int folio_cli__json_add_string(json_object *obj, const char *key, const char *s);

/* JSON text of `obj` on one line, borrowed from obj. */
const char *folio_cli__json_line(json_object *obj);

/* progress.c */

/*
 * A progress line on stderr, drawn only when stderr is a terminal, at most
 * ten times a second, and only once the work has run for half a second.
 */
typedef struct folio_cli_progress {
	int enabled;
	const char *label;
	uint64_t total; /* 0 when unknown */
	int bytes;      /* the units are bytes, else documents */
	uint64_t done;
	double start;
	double last;
	int drawn;
} folio_cli_progress;

void folio_cli__progress_start(folio_cli_progress *p, const char *label, uint64_t total,
			       int bytes);
void folio_cli__progress_update(folio_cli_progress *p, uint64_t done);
/* Clears the line; call it before printing anything else on stderr. */
void folio_cli__progress_end(folio_cli_progress *p);

#endif
