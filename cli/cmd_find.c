/* The folio command: find and sql, queries over a store printed as JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char find_usage[] =
	"usage: folio find DB STORE [QUERY] [OPTIONS]\n"
	"\n"
	"Prints the documents of the store that match QUERY, a MongoDB-style JSON\n"
	"selector (default {}: every document), as JSON Lines: one document a line,\n"
	"its system fields (_unid, _rev, _cdate, ...) at the root. For example\n"
	"  folio find crm customers '{\"city\":\"Lyon\",\"age\":{\"$gte\":30}}' --order -age\n"
	"\n"
	"  --order SPEC      sort keys, comma-separated: a dotted path or _unid, _cdate,\n"
	"                    _mdate, _cuser, _muser, _seq, _parentid, then \" asc\" or\n"
	"                    \" desc\" (or a leading '-'): \"age desc,name\", \"-age\".\n"
	"                    Default: insertion order (rank order with --ft)\n"
	"  --limit N         print at most N rows\n"
	"  --skip N          leave out the first N rows\n"
	"  --count           print only the number of rows\n"
	"  --extract SPEC    print chosen values instead of the documents: a JSON object\n"
	"                    {\"name\":\"path\",...} or a comma-separated list of paths;\n"
	"                    \"_unid\" is always included, a missing value is null\n"
	"  --ft TEXT         full-text search (store created with --fts): every word\n"
	"                    of TEXT must occur\n"
	"  --params JSON     values of the query's parameters ($$name), a JSON object\n"
	"  --parent UNID     only the children of document UNID\n"
	"  --depth N         follow each row with its children, depth first, to N\n"
	"                    levels (0 to 64); every row gets a member \"_level\" (0 for\n"
	"                    a matching document, 1 for its children, ...)\n"
	"  --tag TAGS        only documents tagged with any of TAGS (comma-separated)\n"
	"  --all-tags        ... with every one of TAGS instead\n"
	"  --aggregate JSON  one row per group instead of the documents, e.g.\n"
	"                    {\"key\":\"city\",\"n\":{\"$count\":1},\"avg\":{\"$avg\":\"age\"}};\n"
	"                    also $sum, $min, $max\n"
	"  --explain         print the SQL the query runs, as JSON {\"sql\":...,\n"
	"                    \"params\":[...],\"recheck\":...}, instead of the rows\n"
	"\n"
	"An invalid query fails with one line naming the offset of the fault.\n";

static const char sql_usage[] =
	"usage: folio sql DB QUERY [--params JSON] [--count] [--explain]\n"
	"\n"
	"Runs a query in the SQL-like form and prints the rows as JSON Lines, as\n"
	"'folio find' does:\n"
	"  SELECT * | path [AS name], ... FROM STORE [WHERE condition]\n"
	"         [ORDER BY path [ASC|DESC], ...] [LIMIT n] [OFFSET m]\n"
	"For example\n"
	"  folio sql crm \"SELECT name, city FROM customers WHERE age >= 30 ORDER BY name\"\n"
	"\n"
	"  --params JSON  values of the query's parameters (:name, or ? as \"1\", \"2\",\n"
	"                 ...), a JSON object\n"
	"  --count        print only the number of rows\n"
	"  --explain      print the SQL the query runs, as JSON, instead of the rows\n";

/* How the rows of a cursor are printed. */
struct output {
	int count;   /* only their number */
	int explain; /* the explain JSON instead */
	int levels;  /* each row with "_level" */
};

/* Writes one row, with "_level" as its first member when asked. */
static int print_row(const folio_cli *cli, folio_cursor *c, const char *json, int levels)
{
	const char *rest;

	if (!levels || json[0] != '{')
		return folio_cli__println(cli, json, strlen(json));
	rest = json + 1;
	while (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r')
		rest++;
	if (printf("{\"_level\":%d%s", folio_cursor_indent(c), *rest == '}' ? "" : ",") < 0)
		return folio_cli__errorf(cli, "cannot write to stdout");
	return folio_cli__println(cli, rest, strlen(rest));
}

/* Runs a cursor that is set up and prints what `o` asks for. */
static int emit(const folio_cli *cli, folio_cursor *c, const struct output *o)
{
	const char *json;
	char *text = NULL;
	char num[32];
	int64_t n = 0;
	int rc;

	if (o->explain) {
		rc = folio_cursor_explain(c, &text);
		if (rc != 0)
			return folio_cli__fail(cli, rc);
		rc = folio_cli__println(cli, text, strlen(text));
		free(text);
		return rc;
	}
	if (o->count) {
		rc = folio_cursor_count(c, &n);
		if (rc != 0)
			return folio_cli__fail(cli, rc);
		snprintf(num, sizeof(num), "%lld", (long long)n);
		return folio_cli__println(cli, num, strlen(num));
	}
	for (;;) {
		rc = folio_cursor_next(c, &json);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return folio_cli__fail(cli, rc);
		rc = print_row(cli, c, json, o->levels);
		if (rc != 0)
			return rc;
	}
}

/* The comma-separated tags of --tag, in a copy of the text (*buf) cut at the commas. */
static int split_tags(const folio_cli *cli, const char *text, char **buf, const char ***tags,
		      int *n)
{
	size_t count = 1;
	const char *p;
	char *s;
	size_t i = 0;

	*buf = NULL;
	*tags = NULL;
	*n = 0;
	for (p = text; *p != '\0'; p++)
		count += *p == ',';
	*buf = strdup(text);
	*tags = calloc(count, sizeof(**tags));
	if (*buf == NULL || *tags == NULL)
		return folio_cli__errorf(cli, "out of memory");
	s = *buf;
	for (;;) {
		char *comma = strchr(s, ',');

		if (comma != NULL)
			*comma = '\0';
		if (*s == '\0')
			return folio_cli__usagef(cli, "invalid value for --tag: '%s'", text);
		(*tags)[i++] = s;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	*n = (int)i;
	return 0;
}

/* The options of find. */
struct find_opts {
	const char *order;
	const char *limit;
	const char *skip;
	const char *extract;
	const char *ft;
	const char *params;
	const char *parent;
	const char *depth;
	const char *tag;
	const char *aggregate;
	int count;
	int explain;
	int all_tags;
};

/* Checks the options that go together; 0 or FOLIO_CLI_USAGE. */
static int find_check(const folio_cli *cli, const struct find_opts *f)
{
	if (f->count && f->explain)
		return folio_cli__usagef(cli, "--count and --explain cannot be used together");
	if (f->all_tags && f->tag == NULL)
		return folio_cli__usagef(cli, "--all-tags needs --tag");
	if (f->aggregate != NULL && f->extract != NULL)
		return folio_cli__usagef(cli, "--aggregate and --extract cannot be used together");
	if (f->aggregate != NULL && f->depth != NULL)
		return folio_cli__usagef(cli, "--aggregate and --depth cannot be used together");
	return 0;
}

/* Gives the cursor what the options ask; 0 or an exit status after printing the error. */
static int find_setup(const folio_cli *cli, folio_cursor *c, const char *query,
		      const struct find_opts *f, int64_t limit, int64_t skip, int64_t depth,
		      const char *const *tags, int ntags)
{
	int rc;

	rc = folio_cursor_query(c, query);
	if (rc == 0 && f->params != NULL)
		rc = folio_cursor_params(c, f->params);
	if (rc == 0 && f->order != NULL)
		rc = folio_cursor_order(c, f->order);
	if (rc == 0 && skip > 0)
		rc = folio_cursor_skip(c, skip);
	if (rc == 0 && limit >= 0)
		rc = folio_cursor_limit(c, limit);
	if (rc == 0 && f->parent != NULL)
		rc = folio_cursor_parent(c, f->parent);
	if (rc == 0 && depth > 0)
		rc = folio_cursor_hierarchy(c, (int)depth);
	if (rc == 0 && ntags > 0)
		rc = folio_cursor_tags(c, tags, ntags, f->all_tags);
	if (rc == 0 && f->ft != NULL)
		rc = folio_cursor_ftsearch(c, f->ft);
	if (rc == 0 && f->extract != NULL)
		rc = folio_cursor_extract(c, f->extract);
	if (rc == 0 && f->aggregate != NULL)
		rc = folio_cursor_aggregate(c, f->aggregate);
	if (rc != 0)
		return folio_cli__fail(cli, rc);
	return 0;
}

int folio_cli__cmd_find(folio_cli *cli, int argc, char **argv)
{
	struct find_opts f;
	const folio_cli_opt opts[] = {
		{ "--order", &f.order, NULL },
		{ "--limit", &f.limit, NULL },
		{ "--skip", &f.skip, NULL },
		{ "--count", NULL, &f.count },
		{ "--extract", &f.extract, NULL },
		{ "--ft", &f.ft, NULL },
		{ "--explain", NULL, &f.explain },
		{ "--params", &f.params, NULL },
		{ "--parent", &f.parent, NULL },
		{ "--depth", &f.depth, NULL },
		{ "--tag", &f.tag, NULL },
		{ "--all-tags", NULL, &f.all_tags },
		{ "--aggregate", &f.aggregate, NULL },
		{ NULL, NULL, NULL },
	};
	static const char *const names[] = { "DB", "STORE" };
	char *pos[3];
	int npos;
	int64_t limit = -1;
	int64_t skip = 0;
	int64_t depth = 0;
	char *tagbuf = NULL;
	const char **tags = NULL;
	int ntags = 0;
	folio_store *st = NULL;
	folio_cursor *c = NULL;
	struct output o;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = folio_cli__args(cli, argc, argv, opts, pos, 3, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(find_usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos < 2)
		return folio_cli__usagef(cli, "missing %s", names[npos]);
	if (f.limit != NULL) {
		rc = folio_cli__int64(&limit, cli, "--limit", f.limit, 0, INT64_MAX);
		if (rc != 0)
			return rc;
	}
	if (f.skip != NULL) {
		rc = folio_cli__int64(&skip, cli, "--skip", f.skip, 0, INT64_MAX);
		if (rc != 0)
			return rc;
	}
	if (f.depth != NULL) {
		rc = folio_cli__int64(&depth, cli, "--depth", f.depth, 0, 64);
		if (rc != 0)
			return rc;
	}
	rc = find_check(cli, &f);
	if (rc != 0)
		return rc;
	if (f.tag != NULL) {
		rc = split_tags(cli, f.tag, &tagbuf, &tags, &ntags);
		if (rc != 0)
			goto out;
	}

	rc = folio_cli__open_store(cli, &st, pos[0], pos[1]);
	if (rc != 0)
		goto out;
	rc = folio_cursor_open(&c, st);
	if (rc != 0) {
		c = NULL;
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	rc = find_setup(cli, c, npos > 2 ? pos[2] : NULL, &f, limit, skip, depth, tags, ntags);
	if (rc != 0)
		goto out;
	o.count = f.count;
	o.explain = f.explain;
	o.levels = f.depth != NULL;
	rc = emit(cli, c, &o);
out:
	folio_cursor_free(c);
	folio_store_free(st);
	free(tags);
	free(tagbuf);
	return rc;
}

int folio_cli__cmd_sql(folio_cli *cli, int argc, char **argv)
{
	const char *params = NULL;
	struct output o;
	const folio_cli_opt opts[] = {
		{ "--params", &params, NULL },
		{ "--count", NULL, &o.count },
		{ "--explain", NULL, &o.explain },
		{ NULL, NULL, NULL },
	};
	char *pos[2];
	int npos;
	folio_cursor *c = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = folio_cli__args(cli, argc, argv, opts, pos, 2, &npos);
	if (rc == FOLIO_CLI_ARGS_HELP) {
		fputs(sql_usage, stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (npos < 1)
		return folio_cli__usagef(cli, "missing DB");
	if (npos < 2)
		return folio_cli__usagef(cli, "missing QUERY");
	if (o.count && o.explain)
		return folio_cli__usagef(cli, "--count and --explain cannot be used together");

	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	rc = folio_cursor_open_sql(&c, cli->ses, pos[0], pos[1]);
	if (rc != 0) {
		c = NULL;
		rc = folio_cli__fail(cli, rc);
		goto out;
	}
	if (params != NULL) {
		rc = folio_cursor_params(c, params);
		if (rc != 0) {
			rc = folio_cli__fail(cli, rc);
			goto out;
		}
	}
	rc = emit(cli, c, &o);
out:
	folio_cursor_free(c);
	return rc;
}
