/* The folio command: global options and dispatch to the commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

struct command {
	const char *name;
	int (*run)(folio_cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
	{ "db", folio_cli__cmd_db },
	{ "store", folio_cli__cmd_store },
	{ "put", folio_cli__cmd_put },
	{ "get", folio_cli__cmd_get },
	{ "rm", folio_cli__cmd_rm },
	{ "ls", folio_cli__cmd_ls },
	{ "import", folio_cli__cmd_import },
	{ "export", folio_cli__cmd_export },
	{ "changes", folio_cli__cmd_changes },
	{ "find", folio_cli__cmd_find },
	{ "sql", folio_cli__cmd_sql },
	{ "user", folio_cli__cmd_user },
	{ "group", folio_cli__cmd_group },
	{ "server-acl", folio_cli__cmd_server_acl },
	{ "acl", folio_cli__cmd_acl },
	{ "role", folio_cli__cmd_role },
};

static const char usage[] =
	"usage: folio [--server URL] [--user NAME [--password-file FILE]] [--config FILE]\n"
	"             COMMAND [ARGS...]\n"
	"\n"
	"Commands:\n"
	"  db create|list|drop [DB]           create, list or drop databases\n"
	"  store create|list|drop DB [STORE]  create, list or drop stores\n"
	"  store field add|list|rm DB STORE   manage a store's extracted fields\n"
	"  put DB STORE [UNID]                save the JSON document read on stdin\n"
	"  get DB STORE UNID                  print a document as JSON\n"
	"  rm DB STORE UNID                   delete a document\n"
	"  ls DB STORE                        list the UNIDs of a store\n"
	"  import DB STORE FILE               load a JSON Lines file (- for stdin)\n"
	"  export DB STORE                    write a store as JSON Lines\n"
	"  changes DB                         print the changes feed\n"
	"  find DB STORE [QUERY]              print the documents matching a JSON query\n"
	"  sql DB QUERY                       the same with \"SELECT ... FROM STORE ...\"\n"
	"  user add|passwd|disable|rm|list    manage the built-in users\n"
	"  group add|rm|members|list          manage the built-in groups\n"
	"  server-acl set|rm|show             who may create databases, who administers\n"
	"  acl show|set|rm DB ...             a database's ACL (levels, flags, roles)\n"
	"  role add|rm|list DB [ROLE]         a database's roles\n"
	"  help [COMMAND]                     show help\n"
	"\n"
	"Global options (before the command):\n"
	"  --server URL   the server; default $FOLIO_SERVER, else " FOLIO_CLI_DEFAULT_URL "\n"
	"  --user NAME    log in as NAME (built-in or LDAP user); without --user, the\n"
	"                 command acts as the server administrator, as whoever holds\n"
	"                 the server URL can\n"
	"  --password-file FILE  the password of --user: the first line of FILE;\n"
	"                 default $FOLIO_PASSWORD, else asked on the terminal\n"
	"                 (there is no option that takes a password itself)\n"
	"  --config FILE  the security configuration (JSON): {\"directory\": {\"order\":\n"
	"                 [\"builtin\", \"ldap\"], \"cache_ttl\": SECONDS, \"ldap\": {...}}};\n"
	"                 default $FOLIO_CONFIG\n"
	"  --version      print the version\n"
	"  --help         print this help\n"
	"\n"
	"Run 'folio COMMAND --help' for the options of a command.\n";

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static int global_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int global_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("folio: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'folio --help')\n", stderr);
	return FOLIO_CLI_USAGE;
}

/* Matches "--name VALUE" and "--name=VALUE"; 1 when matched (*i moved past it), -1 on error. */
static int global_value(const char **out, const char *name, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*out = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		global_usage_error("option '%s' needs a value", name);
		return -1;
	}
	*out = argv[++*i];
	return 1;
}

/* "folio help [COMMAND]" */
static int help(folio_cli *cli, int argc, char **argv)
{
	const struct command *c;
	char *hargv[3];

	if (argc == 1) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 2)
		return global_usage_error("help: unexpected argument '%s'", argv[2]);
	c = find_command(argv[1]);
	if (c == NULL)
		return global_usage_error("unknown command '%s'", argv[1]);
	hargv[0] = argv[1];
	hargv[1] = "--help";
	hargv[2] = NULL;
	cli->cmd = c->name;
	return c->run(cli, 2, hargv);
}

int main(int argc, char **argv)
{
	folio_cli cli;
	const struct command *c;
	int i;
	int rc;

	memset(&cli, 0, sizeof(cli));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (arg[0] != '-')
			break;
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			return fflush(stdout) == 0 ? 0 : FOLIO_CLI_FAIL;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("%s\n", folio_version());
			return fflush(stdout) == 0 ? 0 : FOLIO_CLI_FAIL;
		}
		if (strncmp(arg, "--password", 10) == 0 &&
		    (arg[10] == '\0' || arg[10] == '=')) {
			/* Never echoed: what follows it may be the password. */
			return global_usage_error(
				"there is no --password option: a password on the command line "
				"is seen by everyone; use --password-file FILE or FOLIO_PASSWORD");
		}
		rc = global_value(&cli.server_url, "--server", argc, argv, &i);
		if (rc == 0)
			rc = global_value(&cli.user, "--user", argc, argv, &i);
		if (rc == 0)
			rc = global_value(&cli.password_file, "--password-file", argc, argv, &i);
		if (rc == 0)
			rc = global_value(&cli.config_file, "--config", argc, argv, &i);
		if (rc < 0)
			return FOLIO_CLI_USAGE;
		if (rc == 0)
			return global_usage_error("unknown option '%.*s'", (int)strcspn(arg, "="),
						  arg);
	}
	if (cli.password_file != NULL && cli.user == NULL)
		return global_usage_error("--password-file is the password of --user: give --user");
	if (i >= argc) {
		fputs(usage, stderr);
		return FOLIO_CLI_USAGE;
	}

	if (strcmp(argv[i], "help") == 0) {
		cli.cmd = "help";
		rc = help(&cli, argc - i, argv + i);
		goto out;
	}
	c = find_command(argv[i]);
	if (c == NULL)
		return global_usage_error("unknown command '%s'", argv[i]);
	cli.cmd = c->name;
	rc = c->run(&cli, argc - i, argv + i);
out:
	folio_cli__close(&cli);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == 0)
			rc = folio_cli__errorf(&cli, "cannot write to stdout: %s", strerror(errno));
	}
	return rc;
}
