/* The folio command: changes, the changes feed of a database. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

#define PAGE 1000

static const char usage[] =
	"usage: folio changes DB [--since SEQ] [--limit N]\n"
	"\n"
	"Prints the changes of the database after seq SEQ (default 0), in seq order,\n"
	"one JSON line a change:\n"
	"  {\"seq\":N,\"store\":\"...\",\"unid\":\"...\",\"rev\":\"...\",\"deleted\":false}\n"
	"Each document appears once, at its latest change. Every change is read\n"
	"unless --limit is given.\n"
	"\n"
	"  --since SEQ  start after this seq\n"
	"  --limit N    print at most N changes\n";

struct feed {
	const folio_cli *cli;
	int64_t seen;
};

static int print_change(const folio_change *c, void *payload)
{
	struct feed *feed = payload;
	json_object *o = json_object_new_object();
	const char *text;
	int rc = FOLIO_CLI_FAIL;

	feed->seen++;
	if (o == NULL)
		return folio_cli__errorf(feed->cli, "out of memory");
	if (folio_cli__json_add(o, "seq", json_object_new_int64(c->seq)) != 0 ||
	    folio_cli__json_add_string(o, "store", c->store) != 0 ||
	    folio_cli__json_add_string(o, "unid", c->unid) != 0 ||
	    folio_cli__json_add_string(o, "rev", c->rev) != 0 ||
	    folio_cli__json_add(o, "deleted", json_object_new_boolean(c->deleted != 0)) != 0) {
		folio_cli__errorf(feed->cli, "out of memory");
		goto out;
	}
	text = folio_cli__json_line(o);
	if (text == NULL) {
		folio_cli__errorf(feed->cli, "out of memory");
		goto out;
	}
	rc = folio_cli__println(feed->cli, text, strlen(text));
out:
	json_object_put(o);
	return rc;
}

int folio_cli__cmd_changes(folio_cli *cli, int argc, char **argv)
{
	const char *since_arg = NULL;
	const char *limit_arg = NULL;
	const folio_cli_opt opts[] = {
		{ "--since", &since_arg, NULL },
		{ "--limit", &limit_arg, NULL },
		{ NULL, NULL, NULL },
	};
	char *pos[1];
	int npos;
	int64_t since = 0;
	int64_t remaining = -1; /* -1: every change */
	struct feed feed;
	int rc;

	rc = folio_cli__args(cli, argc, argv, opts, pos, 1, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos < 1)
		return folio_cli__usagef(cli, "missing DB");
	if (since_arg != NULL) {
		rc = folio_cli__int64(&since, cli, "--since", since_arg, 0, INT64_MAX);
		if (rc != 0)
			return rc;
	}
	if (limit_arg != NULL) {
		rc = folio_cli__int64(&remaining, cli, "--limit", limit_arg, 1, INT64_MAX);
		if (rc != 0)
			return rc;
	}

	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	feed.cli = cli;
	/*
	 * Page until a page comes back empty: a short page need not be the last
	 * one, as the feed may leave out what the user may not see.
	 */
	while (remaining != 0) {
		int page = PAGE;
		int64_t last = since;

		if (remaining > 0 && remaining < page)
			page = (int)remaining;
		feed.seen = 0;
		rc = folio_changes(cli->ses, pos[0], since, page, print_change, &feed, &last);
		if (rc < 0)
			return folio_cli__fail(cli, rc);
		if (rc > 0)
			return rc; /* print_change reported it */
		if (feed.seen == 0 || last <= since)
			break;
		if (remaining > 0)
			remaining -= feed.seen;
		since = last;
	}
	return 0;
}
