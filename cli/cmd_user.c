/* The folio command: the built-in directory (user, group) and the server ACL (server-acl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char user_usage[] =
	"usage: folio user add NAME [--password-file FILE]\n"
	"       folio user passwd NAME [--password-file FILE]\n"
	"       folio user disable NAME [--enable]\n"
	"       folio user rm NAME\n"
	"       folio user list\n"
	"\n"
	"add      adds a built-in user\n"
	"passwd   sets a user's password (a logged-in user may set their own without\n"
	"         the old one; anything else is for the administrator)\n"
	"disable  refuses the user's logins and Sessions (--enable lets them in again)\n"
	"rm       removes the user, and its group memberships and server rights\n"
	"list     prints the built-in users, one name a line\n"
	"\n"
	"The new password is the first line of --password-file FILE, else\n"
	"$FOLIO_PASSWORD (unless the --user login took it), else a line of stdin, or\n"
	"asked twice when stdin is a terminal. It is never an argument.\n"
	"\n"
	"Names are 1 to 128 bytes of UTF-8 without control characters or spaces at\n"
	"either end; \"*\", \"anonymous\" and names starting with '[' are reserved.\n"
	"These commands are for the server administrator (no --user) or a user the\n"
	"server ACL gives \"admin\".\n";

static const char group_usage[] =
	"usage: folio group add GROUP MEMBER\n"
	"       folio group rm GROUP [MEMBER]\n"
	"       folio group members GROUP\n"
	"       folio group list\n"
	"\n"
	"add      makes MEMBER (a user or a group) a member of GROUP; a group exists\n"
	"         while it has members, and may hold groups, but not itself at any depth\n"
	"rm       removes MEMBER from GROUP, or the whole group (and its own\n"
	"         memberships and server rights)\n"
	"members  prints the direct members of GROUP, one a line\n"
	"list     prints the groups, one a line\n"
	"\n"
	"These commands are for the server administrator (no --user) or a user the\n"
	"server ACL gives \"admin\".\n";

static const char acl_usage[] =
	"usage: folio server-acl set NAME RIGHTS\n"
	"       folio server-acl rm NAME\n"
	"       folio server-acl show\n"
	"\n"
	"set   gives NAME (a user, a group, or * for any authenticated user) RIGHTS:\n"
	"      create (may create databases) or admin (administers the directory and\n"
	"      the server ACL, and may create databases)\n"
	"rm    removes NAME's entry\n"
	"show  prints the server ACL as a JSON object {\"NAME\": \"RIGHTS\", ...}\n"
	"\n"
	"These commands are for the server administrator (no --user) or a user the\n"
	"server ACL gives \"admin\".\n";

/* A subcommand: its name, and how many positional arguments it takes (with itself). */
typedef struct sub {
	const char *name;
	const char *cmd;
	int min, max;
} sub;

/* Finds the subcommand: 0 and *which, or FOLIO_CLI_USAGE after printing the error. */
static int pick(const folio_cli *cli, const sub *subs, int n, char **pos, int npos, int *which,
		const char *missing)
{
	*which = -1;
	if (npos == 0)
		return folio_cli__usagef(cli, "missing subcommand: %s", missing);
	for (int i = 0; i < n; i++)
		if (!strcmp(pos[0], subs[i].name))
			*which = i;
	if (*which < 0)
		return folio_cli__usagef(cli, "unknown subcommand '%s'", pos[0]);
	return 0;
}

static int check_count(folio_cli *cli, const sub *s, int npos, char **pos, const char *what)
{
	cli->cmd = s->cmd;
	if (npos < s->min)
		return folio_cli__usagef(cli, "missing %s", what);
	if (npos > s->max)
		return folio_cli__usagef(cli, "unexpected argument '%s'", pos[s->max]);
	return 0;
}

static int print_list(folio_cli *cli, folio_strlist *l)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < l->count; i++)
		rc = folio_cli__println(cli, l->items[i], strlen(l->items[i]));
	folio_strlist_free(l);
	return rc;
}

/* user add / passwd: the new password, then the call. */
static int set_password(folio_cli *cli, const char *name, const char *file, int add)
{
	folio_cli_pwsrc src = {NULL, file, !cli->login_used_env, 1, 1};
	char who[160];
	char *pw = NULL;
	int rc;

	snprintf(who, sizeof(who), "user %.128s", name);
	src.who = who;
	rc = folio_cli__password(&pw, cli, &src);
	if (rc != 0)
		return rc;
	rc = add ? folio_user_add(cli->ses, name, pw) : folio_user_passwd(cli->ses, name, pw);
	folio_cli__password_free(pw);
	return rc != 0 ? folio_cli__fail(cli, rc) : 0;
}

int folio_cli__cmd_user(folio_cli *cli, int argc, char **argv)
{
	static const sub subs[] = {
		{"add", "user add", 2, 2},         {"passwd", "user passwd", 2, 2},
		{"disable", "user disable", 2, 2}, {"rm", "user rm", 2, 2},
		{"list", "user list", 1, 1},
	};
	const char *file = NULL;
	int enable = 0;
	folio_cli_opt opts[] = {
		{"--password-file", &file, NULL},
		{"--enable", NULL, &enable},
		{NULL, NULL, NULL},
	};
	folio_strlist *l = NULL;
	char *pos[3];
	int npos, which, rc;

	rc = folio_cli__args(cli, argc, argv, opts, pos, 3, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(user_usage, stdout);
		return 0;
	}
	if (rc == 0)
		rc = pick(cli, subs, 5, pos, npos, &which, "add, passwd, disable, rm or list");
	if (rc == 0)
		rc = check_count(cli, &subs[which], npos, pos, "NAME");
	if (rc != 0)
		return rc;
	if (file != NULL && which > 1)
		return folio_cli__usagef(cli, "--password-file is for add and passwd");
	if (enable && which != 2)
		return folio_cli__usagef(cli, "--enable is for disable");
	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	switch (which) {
	case 0:
	case 1:
		return set_password(cli, pos[1], file, which == 0);
	case 2:
		rc = folio_user_disable(cli->ses, pos[1], !enable);
		break;
	case 3:
		rc = folio_user_remove(cli->ses, pos[1]);
		break;
	default:
		rc = folio_user_list(&l, cli->ses);
		if (rc == 0)
			return print_list(cli, l);
	}
	return rc != 0 ? folio_cli__fail(cli, rc) : 0;
}

int folio_cli__cmd_group(folio_cli *cli, int argc, char **argv)
{
	static const sub subs[] = {
		{"add", "group add", 3, 3},
		{"rm", "group rm", 2, 3},
		{"members", "group members", 2, 2},
		{"list", "group list", 1, 1},
	};
	static const char *const missing[] = {"GROUP and MEMBER", "GROUP", "GROUP", ""};
	folio_strlist *l = NULL;
	char *pos[4];
	int npos, which, rc;

	rc = folio_cli__args(cli, argc, argv, NULL, pos, 4, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(group_usage, stdout);
		return 0;
	}
	if (rc == 0)
		rc = pick(cli, subs, 4, pos, npos, &which, "add, rm, members or list");
	if (rc == 0)
		rc = check_count(cli, &subs[which], npos, pos, missing[which]);
	if (rc == 0)
		rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	switch (which) {
	case 0:
		rc = folio_group_add(cli->ses, pos[1], pos[2]);
		break;
	case 1:
		rc = folio_group_remove(cli->ses, pos[1], npos > 2 ? pos[2] : NULL);
		break;
	case 2:
		rc = folio_group_members(&l, cli->ses, pos[1]);
		if (rc == 0)
			return print_list(cli, l);
		break;
	default:
		rc = folio_group_list(&l, cli->ses);
		if (rc == 0)
			return print_list(cli, l);
	}
	return rc != 0 ? folio_cli__fail(cli, rc) : 0;
}

int folio_cli__cmd_server_acl(folio_cli *cli, int argc, char **argv)
{
	static const sub subs[] = {
		{"set", "server-acl set", 3, 3},
		{"rm", "server-acl rm", 2, 2},
		{"show", "server-acl show", 1, 1},
	};
	static const char *const missing[] = {"NAME and RIGHTS", "NAME", ""};
	char *pos[4], *text = NULL;
	int npos, which, rc;

	rc = folio_cli__args(cli, argc, argv, NULL, pos, 4, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(acl_usage, stdout);
		return 0;
	}
	if (rc == 0)
		rc = pick(cli, subs, 3, pos, npos, &which, "set, rm or show");
	if (rc == 0)
		rc = check_count(cli, &subs[which], npos, pos, missing[which]);
	if (rc == 0 && which == 0 && pos[2][0] == '\0')
		rc = folio_cli__usagef(cli, "empty RIGHTS: use 'server-acl rm NAME'");
	if (rc == 0)
		rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	switch (which) {
	case 0:
		rc = folio_server_acl_set(cli->ses, pos[1], pos[2]);
		break;
	case 1:
		rc = folio_server_acl_set(cli->ses, pos[1], NULL);
		break;
	default:
		rc = folio_server_acl_get(&text, cli->ses);
		if (rc == 0) {
			rc = folio_cli__println(cli, text, strlen(text));
			free(text);
			return rc;
		}
	}
	return rc != 0 ? folio_cli__fail(cli, rc) : 0;
}
