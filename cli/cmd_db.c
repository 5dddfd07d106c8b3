/* The folio command: db create, list, drop. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
	"usage: folio db create DB\n"
	"       folio db list\n"
	"       folio db drop DB\n"
	"\n"
	"create  creates a database with its stores _default, _local, _comments, _design\n"
	"list    prints the databases, one name a line\n"
	"drop    drops a database and every document in it\n"
	"\n"
	"Database names match [a-z][a-z0-9_]{0,29} and are not \"folio\".\n";

static int list(folio_cli *cli)
{
	folio_strlist *names = NULL;
	size_t i;
	int rc;

	rc = folio_db_list(&names, cli->ses);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	for (i = 0; i < names->count; i++) {
		rc = folio_cli__println(cli, names->items[i], strlen(names->items[i]));
		if (rc != 0)
			break;
	}
	folio_strlist_free(names);
	return rc;
}

int folio_cli__cmd_db(folio_cli *cli, int argc, char **argv)
{
	char *pos[2];
	int npos;
	int want;
	int rc;

	rc = folio_cli__args(cli, argc, argv, NULL, pos, 2, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: create, list or drop");

	if (strcmp(pos[0], "create") == 0) {
		cli->cmd = "db create";
		want = 2;
	} else if (strcmp(pos[0], "list") == 0) {
		cli->cmd = "db list";
		want = 1;
	} else if (strcmp(pos[0], "drop") == 0) {
		cli->cmd = "db drop";
		want = 2;
	} else {
		return folio_cli__usagef(cli, "unknown subcommand '%s'", pos[0]);
	}
	if (npos < want)
		return folio_cli__usagef(cli, "missing DB");
	if (npos > want)
		return folio_cli__usagef(cli, "unexpected argument '%s'", pos[want]);

	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	if (want == 1)
		return list(cli);
	if (strcmp(pos[0], "create") == 0)
		rc = folio_db_create(cli->ses, pos[1]);
	else
		rc = folio_db_drop(cli->ses, pos[1]);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	return 0;
}
