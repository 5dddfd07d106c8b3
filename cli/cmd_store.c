/* The folio command: store create, list, drop, and the fields of a store. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const char usage[] =
	"usage: folio store create DB STORE [--options JSON] [--fts]\n"
	"       folio store list DB\n"
	"       folio store drop DB STORE\n"
	"       folio store field add DB STORE NAME [PATH] [--type TYPE] [--multiple]\n"
	"       folio store field list DB STORE\n"
	"       folio store field rm DB STORE NAME\n"
	"\n"
	"create      creates a store in database DB\n"
	"list        prints the stores of DB, one name a line\n"
	"drop        drops a store and every document in it (no deletion stubs)\n"
	"field add   adds an extracted field NAME, the value at dotted path PATH\n"
	"            (default NAME) of each document, or replaces the field of that\n"
	"            name; queries on PATH then use its index\n"
	"field list  prints the store's fields, one JSON object a line\n"
	"field rm    removes a field\n"
	"Adding or removing a field reindexes every document of the store (a progress\n"
	"line shows on a terminal).\n"
	"\n"
	"Options of create:\n"
	"  --options JSON  the store's options, a JSON object: \"label\", \"fts\",\n"
	"                  \"replicate\", \"fields\"\n"
	"  --fts           mark the store for full-text search ({\"fts\":true})\n"
	"\n"
	"Options of field add:\n"
	"  --type TYPE     string (the default), number, boolean or date\n"
	"  --multiple      the path may hold an array: each of its values is indexed\n"
	"\n"
	"Store names match [A-Za-z][A-Za-z0-9_-]{0,63}; field names\n"
	"[A-Za-z][A-Za-z0-9_]{0,63}.\n";

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

/* Draws the reindexing of field add and rm on the progress line. */
static void reindex_progress(int64_t done, int64_t total, void *payload)
{
	folio_cli_progress *p = payload;

	p->total = total > 0 ? (uint64_t)total : 0;
	folio_cli__progress_update(p, done > 0 ? (uint64_t)done : 0);
}

static int field_add(folio_cli *cli, folio_store *st, const char *name, const char *path,
		     const char *type, int multiple)
{
	json_object *o = json_object_new_object();
	folio_cli_progress prog;
	const char *text;
	int rc;

	if (o == NULL || folio_cli__json_add_string(o, "name", name) != 0 ||
	    (path != NULL && folio_cli__json_add_string(o, "path", path) != 0) ||
	    (type != NULL && folio_cli__json_add_string(o, "type", type) != 0) ||
	    (multiple && folio_cli__json_add(o, "multiple", json_object_new_boolean(1)) != 0)) {
		json_object_put(o);
		return folio_cli__errorf(cli, "out of memory");
	}
	text = folio_cli__json_line(o);
	if (text == NULL) {
		json_object_put(o);
		return folio_cli__errorf(cli, "out of memory");
	}
	folio_cli__progress_start(&prog, "reindex", 0, 0);
	rc = folio_store_field_add(st, text, reindex_progress, &prog);
	folio_cli__progress_end(&prog);
	json_object_put(o);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	return 0;
}

static int field_rm(folio_cli *cli, folio_store *st, const char *name)
{
	folio_cli_progress prog;
	int rc;

	folio_cli__progress_start(&prog, "reindex", 0, 0);
	rc = folio_store_field_remove(st, name, reindex_progress, &prog);
	folio_cli__progress_end(&prog);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	return 0;
}

/* Prints the "fields" of the store's options, one a line. */
static int field_list(folio_cli *cli, folio_store *st)
{
	const char *options = folio_store_options(st);
	json_object *o = NULL;
	json_object *fields;
	char err[256];
	size_t i;
	int rc;

	rc = folio_cli__json_parse(&o, options, strlen(options), err, sizeof(err));
	if (rc != 0)
		return folio_cli__errorf(cli, "the store's options: %s", err);
	if (!json_object_object_get_ex(o, "fields", &fields) ||
	    !json_object_is_type(fields, json_type_array)) {
		json_object_put(o);
		return 0;
	}
	for (i = 0; i < json_object_array_length(fields); i++) {
		const char *text = folio_cli__json_line(json_object_array_get_idx(fields, i));

		if (text == NULL) {
			rc = folio_cli__errorf(cli, "out of memory");
			break;
		}
		rc = folio_cli__println(cli, text, strlen(text));
		if (rc != 0)
			break;
	}
	json_object_put(o);
	return rc;
}

static int valid_type(const char *type)
{
	static const char *const types[] = { "string", "number", "boolean", "date" };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i]) == 0)
			return 1;
	}
	return 0;
}

/* "store field add|list|rm": pos[0] is "field"; npos counts every positional argument. */
static int field(folio_cli *cli, char **pos, int npos, const char *type, int multiple)
{
	static const char *const names[] = { "DB", "STORE", "NAME" };
	folio_store *st = NULL;
	int need;
	int max;
	int rc;

	if (npos < 2)
		return folio_cli__usagef(cli, "missing field subcommand: add, list or rm");
	if (strcmp(pos[1], "add") == 0) {
		cli->cmd = "store field add";
		need = 5;
		max = 6;
	} else if (strcmp(pos[1], "list") == 0) {
		cli->cmd = "store field list";
		need = 4;
		max = 4;
	} else if (strcmp(pos[1], "rm") == 0) {
		cli->cmd = "store field rm";
		need = 5;
		max = 5;
	} else {
		return folio_cli__usagef(cli, "unknown field subcommand '%s'", pos[1]);
	}
	if (npos < need)
		return folio_cli__usagef(cli, "missing %s", names[npos - 2]);
	if (npos > max)
		return folio_cli__usagef(cli, "unexpected argument '%s'", pos[max]);
	if ((type != NULL || multiple) && max != 6)
		return folio_cli__usagef(cli, "--type and --multiple are for store field add");
	if (type != NULL && !valid_type(type))
		return folio_cli__usagef(cli, "invalid value for --type: '%s'", type);

	rc = folio_cli__open_store(cli, &st, pos[2], pos[3]);
	if (rc != 0)
		return rc;
	if (max == 6)
		rc = field_add(cli, st, pos[4], npos > 5 ? pos[5] : NULL, type, multiple);
	else if (max == 5)
		rc = field_rm(cli, st, pos[4]);
	else
		rc = field_list(cli, st);
	folio_store_free(st);
	return rc;
}

int folio_cli__cmd_store(folio_cli *cli, int argc, char **argv)
{
	const char *options = NULL;
	const char *type = NULL;
	int fts = 0;
	int multiple = 0;
	const folio_cli_opt opts[] = {
		{ "--options", &options, NULL },
		{ "--fts", NULL, &fts },
		{ "--type", &type, NULL },
		{ "--multiple", NULL, &multiple },
		{ NULL, NULL, NULL },
	};
	char *pos[7];
	int npos;
	int want;
	int rc;

	rc = folio_cli__args(cli, argc, argv, opts, pos, 7, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: create, list, drop or field");

	if (strcmp(pos[0], "field") == 0) {
		cli->cmd = "store field";
		if (options != NULL || fts)
			return folio_cli__usagef(cli, "--options and --fts are for store create");
		return field(cli, pos, npos, type, multiple);
	}
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
	if (type != NULL || multiple)
		return folio_cli__usagef(cli, "--type and --multiple are for store field add");

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
