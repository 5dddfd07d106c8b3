/* The folio command: a database's ACL (acl) and roles (role). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char acl_usage[] =
	"usage: folio acl show DB\n"
	"       folio acl set DB NAME LEVEL [--create] [--delete] [--roles R1,R2]\n"
	"       folio acl rm DB NAME\n"
	"\n"
	"show  prints the ACL of DB as JSON: {\"entries\": {NAME: {\"level\":...,\n"
	"      \"create\":bool, \"delete\":bool, \"roles\":[...]}}, \"roles\": [...]}\n"
	"set   sets NAME's entry: NAME is a user, a group, a [role], anonymous, or *\n"
	"      (any logged-in or trusted user); LEVEL is one of noaccess, depositor,\n"
	"      reader, author, editor, designer, manager\n"
	"rm    removes NAME's entry\n"
	"\n"
	"  --create      may create documents (depositors and authors need it)\n"
	"  --delete      may delete the documents it may edit (authors and editors need it)\n"
	"  --roles LIST  roles this entry gives, defined with 'folio role add'\n"
	"\n"
	"Only a manager of DB changes its ACL (docs/security.md).\n";

static const char role_usage[] =
	"usage: folio role add DB [ROLE]\n"
	"       folio role rm DB [ROLE]\n"
	"       folio role list DB\n"
	"\n"
	"Roles are written in brackets, [Sales]; ACL entries give them. Only a\n"
	"manager of DB changes its roles.\n";

static int show(folio_cli *cli, const char *db)
{
	char *json = NULL;
	int rc = folio_acl_get(&json, cli->ses, db);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	rc = folio_cli__println(cli, json, strlen(json));
	free(json);
	return rc;
}

int folio_cli__cmd_acl(folio_cli *cli, int argc, char **argv)
{
	const char *roles = NULL;
	int create = 0, del = 0, level, rc, npos;
	const folio_cli_opt opts[] = {
		{ "--create", NULL, &create },
		{ "--delete", NULL, &del },
		{ "--roles", &roles, NULL },
		{ NULL, NULL, NULL },
	};
	char *pos[5];

	rc = folio_cli__args(cli, argc, argv, opts, pos, 5, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(acl_usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: show, set or rm");
	if (!strcmp(pos[0], "show")) {
		cli->cmd = "acl show";
		if (npos != 2)
			return folio_cli__usagef(cli, npos < 2 ? "missing DB" : "unexpected argument '%s'",
						 npos < 2 ? "" : pos[2]);
		rc = folio_cli__open(cli);
		return rc ? rc : show(cli, pos[1]);
	}
	if (!strcmp(pos[0], "set")) {
		cli->cmd = "acl set";
		if (npos != 4)
			return folio_cli__usagef(cli, "expected DB NAME LEVEL");
		level = folio_acl_level_parse(pos[3]);
		if (level < 0)
			return folio_cli__usagef(cli, "unknown level '%s'", pos[3]);
		rc = folio_cli__open(cli);
		if (rc != 0)
			return rc;
		rc = folio_acl_set(cli->ses, pos[1], pos[2], level,
				   (create ? FOLIO_ACL_CREATE : 0) | (del ? FOLIO_ACL_DELETE : 0), roles);
		return rc ? folio_cli__fail(cli, rc) : 0;
	}
	if (!strcmp(pos[0], "rm")) {
		cli->cmd = "acl rm";
		if (npos != 3)
			return folio_cli__usagef(cli, "expected DB NAME");
		rc = folio_cli__open(cli);
		if (rc != 0)
			return rc;
		rc = folio_acl_remove(cli->ses, pos[1], pos[2]);
		return rc ? folio_cli__fail(cli, rc) : 0;
	}
	return folio_cli__usagef(cli, "unknown subcommand '%s'", pos[0]);
}

int folio_cli__cmd_role(folio_cli *cli, int argc, char **argv)
{
	const folio_cli_opt opts[] = { { NULL, NULL, NULL } };
	char *pos[4];
	int rc, npos;

	rc = folio_cli__args(cli, argc, argv, opts, pos, 4, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(role_usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: add, rm or list");
	if (!strcmp(pos[0], "list")) {
		json_object *o, *r = NULL;
		char *json = NULL;
		cli->cmd = "role list";
		if (npos != 2)
			return folio_cli__usagef(cli, "expected DB");
		rc = folio_cli__open(cli);
		if (rc != 0)
			return rc;
		rc = folio_acl_get(&json, cli->ses, pos[1]);
		if (rc != 0)
			return folio_cli__fail(cli, rc);
		o = json_tokener_parse(json);
		free(json);
		json_object_object_get_ex(o, "roles", &r);
		for (size_t i = 0; rc == 0 && r && i < json_object_array_length(r); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(r, i));
			rc = folio_cli__println(cli, s, strlen(s));
		}
		json_object_put(o);
		return rc;
	}
	if (!strcmp(pos[0], "add") || !strcmp(pos[0], "rm")) {
		int add = !strcmp(pos[0], "add");
		cli->cmd = add ? "role add" : "role rm";
		if (npos != 3)
			return folio_cli__usagef(cli, "expected DB ROLE");
		rc = folio_cli__open(cli);
		if (rc != 0)
			return rc;
		rc = add ? folio_role_add(cli->ses, pos[1], pos[2])
			 : folio_role_remove(cli->ses, pos[1], pos[2]);
		return rc ? folio_cli__fail(cli, rc) : 0;
	}
	return folio_cli__usagef(cli, "unknown subcommand '%s'", pos[0]);
}
