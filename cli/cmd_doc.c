/* The folio command: put, get, rm and ls, one document at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char put_usage[] =
	"usage: folio put DB STORE [UNID]\n"
	"\n"
	"Saves the JSON document (an object or an array) read on stdin and prints\n"
	"{\"_unid\":...,\"_rev\":...}. The UNID is UNID, else the input's \"_unid\", else\n"
	"a new ULID; UNID and \"_unid\" must not differ. With a \"_rev\" in the input the\n"
	"save is an update of that revision and fails with a conflict when the\n"
	"document has changed since; without one the document is created or\n"
	"overwritten.\n";

static const char get_usage[] =
	"usage: folio get DB STORE UNID [--pretty]\n"
	"\n"
	"Prints the document as JSON on one line, system fields (_unid, _rev, _cdate,\n"
	"_cuser, _mdate, _muser, ...) at the root.\n"
	"\n"
	"  --pretty  indent the JSON\n";

static const char rm_usage[] =
	"usage: folio rm DB STORE UNID [--rev REV] [--erase]\n"
	"\n"
	"Deletes the document, leaving a deletion stub for the changes feed and\n"
	"replication.\n"
	"\n"
	"  --rev REV  delete only if REV is the current revision (else a conflict)\n"
	"  --erase    leave no stub: the deletion is not in the changes feed\n";

static const char ls_usage[] =
	"usage: folio ls DB STORE\n"
	"\n"
	"Prints the UNIDs of the live documents of the store, one a line, in order.\n";

/*
 * Parses the arguments: `need` positional ones named by `names`, and
 * `optional` more. Returns 0, FOLIO_CLI_ARGS_HELP after printing the usage,
 * or FOLIO_CLI_USAGE.
 */
static int parse(const folio_cli *cli, int argc, char **argv, const folio_cli_opt *opts,
		 const char *usage, char **pos, int need, int optional,
		 const char *const *names)
{
	int npos;
	int rc;

	rc = folio_cli__args(cli, argc, argv, opts, pos, need + optional, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP)
		fputs(usage, stdout);
	if (rc != 0)
		return rc;
	if (npos < need)
		return folio_cli__usagef(cli, "missing %s", names[npos]);
	while (npos < need + optional)
		pos[npos++] = NULL;
	return 0;
}

/* The exit status for a parse() result. */
static int parse_status(int rc)
{
	return rc == FOLIO_CLI_ARGS_HELP ? 0 : rc;
}

/* Prints {"_unid":...,"_rev":...} of a saved document. */
static int print_saved(const folio_cli *cli, const folio_doc *doc)
{
	json_object *o = json_object_new_object();
	const char *rev = folio_doc_rev(doc);
	const char *text;
	int rc = FOLIO_CLI_FAIL;

	if (o == NULL)
		return folio_cli__errorf(cli, "out of memory");
	if (folio_cli__json_add_string(o, "_unid", folio_doc_unid(doc)) != 0 ||
	    folio_cli__json_add_string(o, "_rev", rev) != 0) {
		folio_cli__errorf(cli, "out of memory");
		goto out;
	}
	text = folio_cli__json_line(o);
	if (text == NULL) {
		folio_cli__errorf(cli, "out of memory");
		goto out;
	}
	rc = folio_cli__println(cli, text, strlen(text));
out:
	json_object_put(o);
	return rc;
}

/*
 * The UNID to save under: the one on the command line, else the input's
 * "_unid", else NULL (generate one). Returns 0 or an exit status.
 */
static int pick_unid(const folio_cli *cli, const char **unid, json_object *in)
{
	json_object *v = NULL;
	const char *given;

	if (!json_object_is_type(in, json_type_object) ||
	    !json_object_object_get_ex(in, "_unid", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return folio_cli__errorf(cli, "_unid in the input is not a string");
	given = json_object_get_string(v);
	if (*unid != NULL && strcmp(*unid, given) != 0)
		return folio_cli__errorf(cli, "UNID '%s' differs from _unid '%s' in the input",
					 *unid, given);
	*unid = given;
	return 0;
}

int folio_cli__cmd_put(folio_cli *cli, int argc, char **argv)
{
	static const char *const names[] = { "DB", "STORE" };
	char *pos[3];
	char *text = NULL;
	size_t len = 0;
	json_object *in = NULL;
	const char *unid;
	folio_store *st = NULL;
	folio_doc *doc = NULL;
	char err[256];
	int rc;

	rc = parse(cli, argc, argv, NULL, put_usage, pos, 2, 1, names);
	if (rc != 0)
		return parse_status(rc);
	unid = pos[2];

	rc = folio_cli__read_all(&text, &len, stdin, FOLIO_CLI_MAX_INPUT);
	if (rc == FOLIO_ETOOBIG) {
		rc = folio_cli__errorf(cli, "input too big: over %zu bytes", FOLIO_CLI_MAX_INPUT);
		goto out;
	}
	if (rc == FOLIO_EIO) {
		rc = folio_cli__errorf(cli, "cannot read stdin: %s", strerror(errno));
		goto out;
	}
	if (rc != 0) {
		rc = folio_cli__errorf(cli, "out of memory");
		goto out;
	}
	if (folio_cli__blank(text, len)) {
		rc = folio_cli__errorf(cli, "no document on stdin");
		goto out;
	}
	rc = folio_cli__json_parse(&in, text, len, err, sizeof(err));
	if (rc != 0) {
		rc = folio_cli__errorf(cli, "%s", err);
		goto out;
	}
	rc = pick_unid(cli, &unid, in);
	if (rc != 0)
		goto out;

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	if (unid == NULL) {
		rc = folio_doc_new(&doc, st, NULL);
	} else {
		rc = folio_doc_load(&doc, st, unid);
		if (rc == FOLIO_ENOTFOUND)
			rc = folio_doc_new(&doc, st, unid);
	}
	if (rc == 0)
		rc = folio_doc_set_json(doc, text);
	if (rc == 0)
		rc = folio_doc_save(doc, 0);
	if (rc != 0) {
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	rc = print_saved(cli, doc);
out:
	folio_doc_free(doc);
	folio_store_free(st);
	json_object_put(in);
	free(text);
	return rc;
}

int folio_cli__cmd_get(folio_cli *cli, int argc, char **argv)
{
	static const char *const names[] = { "DB", "STORE", "UNID" };
	int pretty = 0;
	const folio_cli_opt opts[] = {
		{ "--pretty", NULL, &pretty },
		{ NULL, NULL, NULL },
	};
	char *pos[3];
	folio_store *st = NULL;
	folio_doc *doc = NULL;
	char *json = NULL;
	size_t len;
	int rc;

	rc = parse(cli, argc, argv, opts, get_usage, pos, 3, 0, names);
	if (rc != 0)
		return parse_status(rc);

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_doc_load(&doc, st, pos[2]);
	if (rc == 0)
		rc = folio_doc_to_json(&json, doc, pretty ? FOLIO_JSON_PRETTY : 0);
	if (rc != 0) {
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	len = strlen(json);
	while (len > 0 && json[len - 1] == '\n')
		len--;
	rc = folio_cli__println(cli, json, len);
out:
	free(json);
	folio_doc_free(doc);
	folio_store_free(st);
	return rc;
}

int folio_cli__cmd_rm(folio_cli *cli, int argc, char **argv)
{
	static const char *const names[] = { "DB", "STORE", "UNID" };
	const char *rev = NULL;
	int erase = 0;
	const folio_cli_opt opts[] = {
		{ "--rev", &rev, NULL },
		{ "--erase", NULL, &erase },
		{ NULL, NULL, NULL },
	};
	char *pos[3];
	folio_store *st = NULL;
	int rc;

	rc = parse(cli, argc, argv, opts, rm_usage, pos, 3, 0, names);
	if (rc != 0)
		return parse_status(rc);

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_doc_delete(st, pos[2], rev, erase ? FOLIO_DELETE_ERASE : 0);
	if (rc != 0)
		rc = folio_cli__fail(cli, rc);
out:
	folio_store_free(st);
	return rc;
}

static int print_unid(const char *unid, void *payload)
{
	const folio_cli *cli = payload;

	return folio_cli__println(cli, unid, strlen(unid));
}

int folio_cli__cmd_ls(folio_cli *cli, int argc, char **argv)
{
	static const char *const names[] = { "DB", "STORE" };
	char *pos[2];
	folio_store *st = NULL;
	int rc;

	rc = parse(cli, argc, argv, NULL, ls_usage, pos, 2, 0, names);
	if (rc != 0)
		return parse_status(rc);

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_store_foreach_unid(st, print_unid, cli);
	/* FOLIO_CLI_FAIL from print_unid has been reported already. */
	if (rc < 0)
		rc = folio_cli__fail(cli, rc);
out:
	folio_store_free(st);
	return rc;
}
