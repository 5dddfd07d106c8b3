/* The folio command: import and export, whole stores as JSON Lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"

static const char import_usage[] =
	"usage: folio import DB STORE FILE\n"
	"\n"
	"Loads a JSON Lines file (one document a line; blank lines are skipped; FILE\n"
	"\"-\" reads stdin) into the store in one transaction, and prints the number\n"
	"of documents imported. \"_unid\" is honoured, and the metadata of exported\n"
	"documents (_rev, _revisions, _cdate, _cuser, _mdate, _muser, ...) is kept.\n"
	"A bad line fails the import, naming the line, and nothing is imported.\n";

static const char export_usage[] =
	"usage: folio export DB STORE\n"
	"\n"
	"Writes the live documents of the store to stdout as JSON Lines, one document\n"
	"a line with its metadata (_unid, _rev, _revisions, _cdate, ...), in UNID\n"
	"order. \"folio import\" reads it back.\n";

static int parse(const folio_cli *cli, int argc, char **argv, const char *usage, char **pos,
		 int need)
{
	static const char *const names[] = { "DB", "STORE", "FILE" };
	int npos;
	int rc;

	rc = folio_cli__args(cli, argc, argv, NULL, pos, need, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(usage, stdout);
		return FOLIO_CLI_ARGS_HELP;
	}
	if (rc != 0)
		return rc;
	if (npos < need)
		return folio_cli__usagef(cli, "missing %s", names[npos]);
	return 0;
}

/* Puts every line of lr into the batch; 0, or an exit status after printing the error. */
static int import_lines(folio_cli *cli, folio_cli_lines *lr, folio_batch *b, const char *path,
			folio_cli_progress *prog, uint64_t *count)
{
	int rc;

	for (;;) {
		rc = folio_cli__lines_next(lr);
		if (rc == 0)
			return 0;
		if (rc < 0)
			folio_cli__progress_end(prog);
		if (rc == FOLIO_ETOOBIG)
			return folio_cli__errorf(cli, "line %llu: longer than %zu bytes",
						 (unsigned long long)lr->lineno, lr->max);
		if (rc == FOLIO_EIO)
			return folio_cli__errorf(cli, "cannot read %s: %s", path,
						 strerror(errno));
		if (rc < 0)
			return folio_cli__errorf(cli, "out of memory");
		if (!folio_cli__blank(lr->line, lr->len)) {
			rc = folio_batch_put(b, lr->line, lr->len);
			if (rc != 0) {
				folio_cli__progress_end(prog);
				return folio_cli__errorf(cli, "line %llu: %s",
							 (unsigned long long)lr->lineno,
							 folio_error_last());
			}
			(*count)++;
		}
		folio_cli__progress_update(prog, lr->consumed);
	}
}

int folio_cli__cmd_import(folio_cli *cli, int argc, char **argv)
{
	char *pos[3];
	const char *path;
	FILE *f = NULL;
	struct stat sb;
	uint64_t total = 0;
	uint64_t count = 0;
	folio_cli_lines lr;
	folio_cli_progress prog;
	folio_store *st = NULL;
	folio_batch *b = NULL;
	char num[32];
	int rc;

	memset(&lr, 0, sizeof(lr));
	memset(&prog, 0, sizeof(prog));
	rc = parse(cli, argc, argv, import_usage, pos, 3);
	if (rc != 0)
		return rc == FOLIO_CLI_ARGS_HELP ? 0 : rc;
	path = pos[2];

	if (strcmp(path, "-") == 0) {
		f = stdin;
		path = "stdin";
	} else {
		f = fopen(path, "rb");
		if (f == NULL)
			return folio_cli__errorf(cli, "cannot open %s: %s", path, strerror(errno));
	}
	/* A regular file (or stdin redirected from one) has a size to show progress against. */
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		total = (uint64_t)sb.st_size;
	if (folio_cli__lines_init(&lr, f, FOLIO_CLI_MAX_INPUT) != 0) {
		rc = folio_cli__errorf(cli, "out of memory");
		goto out;
	}

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_batch_open(&b, st, FOLIO_BATCH_KEEP_META);
	if (rc != 0) {
		b = NULL;
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	folio_cli__progress_start(&prog, "import", total, 1);
	rc = import_lines(cli, &lr, b, path, &prog, &count);
	if (rc != 0)
		goto out;
	rc = folio_batch_commit(b);
	folio_cli__progress_end(&prog);
	if (rc != 0) {
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)count);
	rc = folio_cli__println(cli, num, strlen(num));
out:
	folio_cli__progress_end(&prog);
	folio_batch_free(b);
	folio_store_free(st);
	folio_cli__lines_free(&lr);
	if (f != NULL && f != stdin)
		fclose(f);
	return rc;
}

/* The UNIDs of a store, listed before any document is loaded. */
struct unids {
	char **items;
	size_t count;
	size_t alloc;
};

static int add_unid(const char *unid, void *payload)
{
	struct unids *u = payload;
	char *copy;

	if (u->count == u->alloc) {
		size_t next = u->alloc == 0 ? 256 : u->alloc * 2;
		char **p = realloc(u->items, next * sizeof(*p));

		if (p == NULL)
			return FOLIO_ENOMEM;
		u->items = p;
		u->alloc = next;
	}
	copy = strdup(unid);
	if (copy == NULL)
		return FOLIO_ENOMEM;
	u->items[u->count++] = copy;
	return 0;
}

static void unids_free(struct unids *u)
{
	size_t i;

	for (i = 0; i < u->count; i++)
		free(u->items[i]);
	free(u->items);
}

/*
 * Writes one document as a line, with its ancestry (`_revisions`) so that an
 * import gives back the same document; a document deleted since it was
 * listed is skipped.
 */
static int export_one(const folio_cli *cli, folio_store *st, const char *unid)
{
	folio_doc *doc = NULL;
	char *json = NULL;
	int rc;

	rc = folio_doc_load(&doc, st, unid);
	if (rc == FOLIO_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = folio_doc_to_json(&json, doc, FOLIO_JSON_REVISIONS);
	if (rc != 0)
		rc = folio_cli__fail(cli, rc);
	else
		rc = folio_cli__println(cli, json, strlen(json));
	free(json);
	folio_doc_free(doc);
	return rc;
}

int folio_cli__cmd_export(folio_cli *cli, int argc, char **argv)
{
	char *pos[2];
	folio_store *st = NULL;
	struct unids u;
	int64_t total = 0;
	folio_cli_progress prog;
	size_t i;
	int rc;

	memset(&u, 0, sizeof(u));
	memset(&prog, 0, sizeof(prog));
	rc = parse(cli, argc, argv, export_usage, pos, 2);
	if (rc != 0)
		return rc == FOLIO_CLI_ARGS_HELP ? 0 : rc;

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_store_count(&total, st);
	if (rc != 0) {
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	/*
	 * List first, then load: a load inside the listing's callback would need
	 * a second statement (or connection) while the first is still stepping.
	 */
	rc = folio_store_foreach_unid(st, add_unid, &u);
	if (rc == FOLIO_ENOMEM) {
		rc = folio_cli__errorf(cli, "out of memory");
		goto out;
	}
	if (rc != 0) {
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	folio_cli__progress_start(&prog, "export", total > 0 ? (uint64_t)total : 0, 0);
	for (i = 0; i < u.count; i++) {
		rc = export_one(cli, st, u.items[i]);
		if (rc != 0)
			break;
		folio_cli__progress_update(&prog, i + 1);
	}
out:
	folio_cli__progress_end(&prog);
	unids_free(&u);
	folio_store_free(st);
	return rc;
}
