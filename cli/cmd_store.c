/* The folio command: store create, list, drop. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
	"usage: folio store create DB STORE [--options JSON] [--fts]\n"
	"       folio store list DB\n"
	"       folio store drop DB STORE\n"
	"\n"
	"create  creates a store in database DB\n"
	"list    prints the stores of DB, one name a line\n"
	"drop    drops a store and every document in it (no deletion stubs)\n"
	"\n"
	"Options of create:\n"
	"  --options JSON  the store's options, a JSON object: \"label\", \"fts\",\n"
	"                  \"replicate\", \"fields\"\n"
	"  --fts           mark the store for full-text search ({\"fts\":true})\n"
	"\n"
	"Store names match [A-Za-z][A-Za-z0-9_-]{0,63}.\n";

static int list(folio_cli *cli, const char *db)
{
	folio_strlist *names = NULL;
	size_t i;
	int rc;

	rc = folio_store_list(&names, cli->ses, db);
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

/* --options with "fts": true added, as a JSON text that stays valid as long as *obj. */
static int with_fts(const folio_cli *cli, json_object **obj, const char *options,
		    const char **out)
{
	char err[256];
	int rc;

	if (options == NULL) {
		*obj = json_object_new_object();
		if (*obj == NULL)
			return folio_cli__errorf(cli, "out of memory");
	} else {
		rc = folio_cli__json_parse(obj, options, strlen(options), err, sizeof(err));
		if (rc != 0)
			return folio_cli__errorf(cli, "--options: %s", err);
		if (!json_object_is_type(*obj, json_type_object))
			return folio_cli__errorf(cli, "--options: not a JSON object");
	}
	if (folio_cli__json_add(*obj, "fts", json_object_new_boolean(1)) != 0)
		return folio_cli__errorf(cli, "out of memory");
	*out = folio_cli__json_line(*obj);
	if (*out == NULL)
		return folio_cli__errorf(cli, "out of memory");
	return 0;
}

static int create(folio_cli *cli, const char *db, const char *name, const char *options,
		  int fts)
{
	json_object *obj = NULL;
	int rc;

	if (fts) {
		rc = with_fts(cli, &obj, options, &options);
		if (rc != 0)
			goto out;
	}
	rc = folio_store_create(cli->ses, db, name, options);
	if (rc != 0)
		rc = folio_cli__fail(cli, rc);
out:
	json_object_put(obj);
	return rc;
}

int folio_cli__cmd_store(folio_cli *cli, int argc, char **argv)
{
	const char *options = NULL;
	int fts = 0;
	const folio_cli_opt opts[] = {
		{ "--options", &options, NULL },
		{ "--fts", NULL, &fts },
		{ NULL, NULL, NULL },
	};
	char *pos[3];
	int npos;
	int want;
	int rc;

	rc = folio_cli__args(cli, argc, argv, opts, pos, 3, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: create, list or drop");

	if (strcmp(pos[0], "create") == 0) {
		cli->cmd = "store create";
		want = 3;
	} else if (strcmp(pos[0], "list") == 0) {
		cli->cmd = "store list";
		want = 2;
	} else if (strcmp(pos[0], "drop") == 0) {
		cli->cmd = "store drop";
		want = 3;
	} else {
		return folio_cli__usagef(cli, "unknown subcommand '%s'", pos[0]);
	}
	if (npos < 2)
		return folio_cli__usagef(cli, "missing DB");
	if (npos < want)
		return folio_cli__usagef(cli, "missing STORE");
	if (npos > want)
		return folio_cli__usagef(cli, "unexpected argument '%s'", pos[want]);
	if ((options != NULL || fts) && strcmp(pos[0], "create") != 0)
		return folio_cli__usagef(cli, "--options and --fts are for store create");

	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	if (want == 2)
		return list(cli, pos[1]);
	if (strcmp(pos[0], "create") == 0)
		return create(cli, pos[1], pos[2], options, fts);
	rc = folio_store_drop(cli->ses, pos[1], pos[2]);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	return 0;
}
