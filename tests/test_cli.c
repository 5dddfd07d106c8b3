/* backends: all */
/* The folio command, as a user sees it: outputs, exit statuses, error lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "testenv.h"

static char *url;      /* the fresh server of the current test */
static char *out;      /* stdout of the last run */
static char *err;      /* stderr of the last run */
static char last[8192]; /* the arguments of the last run, for failure messages */

/* Runs `folio ARGS` against `server` with `in` on stdin; returns the exit status. */
static int run_at(const char *server, const char *in, const char *fmt, va_list ap)
{
	int status;

	free(out);
	free(err);
	out = NULL;
	err = NULL;
	vsnprintf(last, sizeof(last), fmt, ap);
	status = folio_test_run(server, last, in, &out, &err);
	if (out == NULL)
		out = strdup("");
	if (err == NULL)
		err = strdup("");
	assert_non_null(out);
	assert_non_null(err);
	return status;
}

static int run(const char *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const char *in, const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = run_at(url, in, fmt, ap);
	va_end(ap);
	return status;
}

/* The same with FOLIO_SERVER left as the test process has it. */
static int run_env(const char *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run_env(const char *in, const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = run_at(NULL, in, fmt, ap);
	va_end(ap);
	return status;
}

#define assert_run(want, ...)                                                              \
	do {                                                                               \
		int st__ = run(__VA_ARGS__);                                               \
		if (st__ != (want))                                                        \
			fail_msg("folio %s: exit %d, want %d; stdout: %s; stderr: %s", last, \
				 st__, (int)(want), out, err);                             \
	} while (0)

#define assert_contains(hay, needle)                                                       \
	do {                                                                               \
		if (strstr((hay), (needle)) == NULL)                                       \
			fail_msg("folio %s: '%s' not in: %s", last, (needle), (hay));      \
	} while (0)

#define assert_not_contains(hay, needle)                                                   \
	do {                                                                               \
		if (strstr((hay), (needle)) != NULL)                                       \
			fail_msg("folio %s: '%s' unexpectedly in: %s", last, (needle), (hay)); \
	} while (0)

/* An error is one line: "folio: CMD: ...\n". */
static void assert_error_line(const char *cmd)
{
	char prefix[64];
	size_t len = strlen(err);

	snprintf(prefix, sizeof(prefix), "folio: %s: ", cmd);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("folio %s: stderr does not start with '%s': %s", last, prefix, err);
	if (len == 0 || err[len - 1] != '\n' || strchr(err, '\n') != err + len - 1)
		fail_msg("folio %s: stderr is not one line: %s", last, err);
	/* Something after the prefix. */
	assert_true(len > strlen(prefix) + 1);
}

/* The text in single quotes for the shell; from a ring of buffers. */
static const char *sq(const char *s)
{
	static char ring[4][4096];
	static int next;
	char *buf = ring[next++ % 4];
	size_t n = 0;

	buf[n++] = '\'';
	for (; *s != '\0'; s++) {
		assert_true(n + 5 < sizeof(ring[0]));
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

/*
 * Makes the built-in user `name` (password "pw-NAME") and leaves its password
 * in FOLIO_PASSWORD, for commands run with --user NAME; unset it after.
 */
static void login_as(const char *name)
{
	char pw[128];
	int st;

	snprintf(pw, sizeof(pw), "pw-%s", name);
	assert_int_equal(setenv("FOLIO_PASSWORD", pw, 1), 0);
	st = run(NULL, "user add %s", name);
	if (st != 0)
		fail_msg("folio %s: exit %d; stderr: %s", last, st, err);
}

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	if (o == NULL)
		fail_msg("folio %s: not JSON: %s", last, text);
	return o;
}

/* The string at `key` of object `o`, or NULL. */
static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Whether `line` (without its newline) is one of the lines of `text`. */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (len == n && strncmp(p, line, n) == 0)
			return 1;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

static char *write_file(const char *name, const char *content)
{
	const char *dir = folio_test_tmpdir();
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *f;

	assert_non_null(path);
	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
	assert_int_equal(fclose(f), 0);
	return path;
}

/* put and return the new rev (malloc'ed). */
static char *put(const char *unid, const char *json)
{
	json_object *o;
	char *rev;

	assert_run(0, json, "put crm customers %s", unid);
	o = parse(out);
	assert_string_equal(jstr(o, "_unid"), unid);
	assert_non_null(jstr(o, "_rev"));
	rev = strdup(jstr(o, "_rev"));
	assert_non_null(rev);
	json_object_put(o);
	return rev;
}

/* get: the document as a new JSON object. */
static json_object *get(const char *unid)
{
	assert_run(0, NULL, "get crm customers %s", unid);
	return parse(out);
}

static int setup(void **state)
{
	url = strdup(folio_test_url());
	assert_non_null(url);
	assert_run(0, NULL, "db create crm");
	assert_run(0, NULL, "store create crm customers");
	return 0;
}

static int setup_empty(void **state)
{
	url = strdup(folio_test_url());
	assert_non_null(url);
	return 0;
}

static int teardown(void **state)
{
	free(url);
	free(out);
	free(err);
	url = NULL;
	out = NULL;
	err = NULL;
	return 0;
}

static void test_help(void **state)
{
	static const char *const cmds[] = { "db",	"store",  "put",    "get",    "rm",
					     "ls",	"import", "export", "changes" };
	char want[64];
	size_t i;

	assert_run(0, NULL, "--help");
	assert_contains(out, "usage: folio");
	assert_string_equal(err, "");
	assert_run(0, NULL, "help");
	assert_contains(out, "usage: folio");
	assert_contains(out, "import");
	assert_run(0, NULL, "--version");
	snprintf(want, sizeof(want), "%s\n", folio_version());
	assert_string_equal(out, want);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "usage: folio %s", cmds[i]);
		assert_run(0, NULL, "%s --help", cmds[i]);
		assert_contains(out, want);
		assert_string_equal(err, "");
		assert_run(0, NULL, "help %s", cmds[i]);
		assert_contains(out, want);
		assert_run(0, NULL, "%s -h", cmds[i]);
		assert_contains(out, want);
	}
	assert_run(0, NULL, "db create --help");
	assert_contains(out, "usage: folio db");
	assert_run(0, NULL, "put crm customers --help");
	assert_contains(out, "usage: folio put");

	/* Usage errors: exit 2, one line on stderr, nothing on stdout. */
	assert_run(2, NULL, " ");
	assert_contains(err, "usage: folio");
	assert_run(2, NULL, "frobnicate");
	assert_string_equal(err, "folio: unknown command 'frobnicate' (see 'folio --help')\n");
	assert_string_equal(out, "");
	assert_run(2, NULL, "--bogus db list");
	assert_contains(err, "unknown option '--bogus'");
	assert_run(2, NULL, "help frobnicate");
	assert_contains(err, "unknown command 'frobnicate'");
	assert_run(2, NULL, "get crm customers x --bogus");
	assert_error_line("get");
	assert_contains(err, "unknown option '--bogus'");
	assert_run(2, NULL, "get crm customers");
	assert_error_line("get");
	assert_contains(err, "missing UNID");
	assert_run(2, NULL, "get crm customers a b");
	assert_contains(err, "unexpected argument 'b'");
	assert_run(2, NULL, "db");
	assert_error_line("db");
	assert_run(2, NULL, "db explode x");
	assert_contains(err, "unknown subcommand 'explode'");
	assert_run(2, NULL, "db create");
	assert_contains(err, "missing DB");
	assert_run(2, NULL, "store create crm");
	assert_contains(err, "missing STORE");
	assert_run(2, NULL, "store list crm --fts");
	assert_run(2, NULL, "rm crm customers x --rev");
	assert_contains(err, "needs a value");
	assert_run(2, NULL, "changes crm --since abc");
	assert_contains(err, "--since");
	assert_run(2, NULL, "changes crm --limit 0");
	assert_run(2, NULL, "import crm customers");
	assert_contains(err, "missing FILE");
	assert_run(2, NULL, "--server");
}

static void test_db(void **state)
{
	assert_run(0, NULL, "db list");
	assert_string_equal(out, "");
	assert_run(0, NULL, "db create crm");
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_run(0, NULL, "db list");
	assert_string_equal(out, "crm\n");

	assert_run(1, NULL, "db create crm");
	assert_error_line("db create");
	assert_run(1, NULL, "db create Bad-Name");
	assert_error_line("db create");
	assert_run(1, NULL, "db create folio");
	assert_error_line("db create");

	assert_run(0, NULL, "db create second");
	assert_run(0, NULL, "db list");
	assert_string_equal(out, "crm\nsecond\n");
	assert_run(0, NULL, "db drop second");
	assert_string_equal(out, "");
	assert_run(0, NULL, "db list");
	assert_string_equal(out, "crm\n");
	assert_run(1, NULL, "db drop second");
	assert_error_line("db drop");
	assert_run(1, NULL, "db drop Bad-Name");
	assert_error_line("db drop");
}

/* The options a store was created with, read through the library. */
static json_object *store_options(const char *db, const char *name)
{
	folio_server *srv = NULL;
	folio_session *ses = NULL;
	folio_store *st = NULL;
	json_object *o;

	assert_ok(folio_server_open(&srv, url, NULL));
	assert_ok(folio_session_open(&ses, srv, "test", NULL));
	assert_ok(folio_store_open(&st, ses, db, name));
	o = parse(folio_store_options(st));
	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
	return o;
}

static void test_store(void **state)
{
	json_object *o;
	json_object *v;

	assert_run(0, NULL, "db create crm");
	assert_run(0, NULL, "store create crm customers");
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_run(0, NULL, "store list crm");
	assert_int_equal(count_lines(out), 5);
	assert_true(has_line(out, "customers"));
	assert_true(has_line(out, "_default"));
	assert_true(has_line(out, "_local"));
	assert_true(has_line(out, "_comments"));
	assert_true(has_line(out, "_design"));

	assert_run(1, NULL, "store create crm customers");
	assert_error_line("store create");
	assert_run(1, NULL, "store create crm %s", sq("bad name!"));
	assert_error_line("store create");
	assert_run(1, NULL, "store create nosuch things");
	assert_error_line("store create");
	assert_run(1, NULL, "store list nosuch");
	assert_error_line("store list");

	assert_run(0, NULL, "store create crm notes --fts");
	o = store_options("crm", "notes");
	assert_true(json_object_object_get_ex(o, "fts", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);

	assert_run(0, NULL, "store create crm tagged --options %s --fts", sq("{\"label\":\"T\"}"));
	o = store_options("crm", "tagged");
	assert_string_equal(jstr(o, "label"), "T");
	assert_true(json_object_object_get_ex(o, "fts", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);

	assert_run(0, NULL, "store create crm labelled --options=%s", sq("{\"label\":\"L\"}"));
	o = store_options("crm", "labelled");
	assert_string_equal(jstr(o, "label"), "L");
	json_object_put(o);

	assert_run(1, NULL, "store create crm bad --options %s", sq("{\"nope\":1}"));
	assert_error_line("store create");
	assert_run(1, NULL, "store create crm bad --options %s --fts", sq("{\"label\":"));
	assert_error_line("store create");
	assert_contains(err, "malformed JSON");
	assert_run(1, NULL, "store create crm bad --options '[1]' --fts");
	assert_error_line("store create");
	assert_run(0, NULL, "store list crm");
	assert_false(has_line(out, "bad"));

	assert_run(0, NULL, "store drop crm notes");
	assert_string_equal(out, "");
	assert_run(0, NULL, "store list crm");
	assert_false(has_line(out, "notes"));
	assert_true(has_line(out, "tagged"));
	assert_run(1, NULL, "store drop crm notes");
	assert_error_line("store drop");
	assert_run(1, NULL, "store drop crm _default");
	assert_error_line("store drop");
}

static void test_put_get(void **state)
{
	json_object *o;
	char *rev1;
	char *rev2;
	char *rev3;
	char unid[64];

	rev1 = put("a1", "{\"name\":\"ACME\",\"city\":\"Lyon\"}");
	assert_true(strncmp(rev1, "1-", 2) == 0);
	assert_string_equal(err, "");
	/* The output is exactly {"_unid":...,"_rev":...} on one line. */
	o = parse(out);
	assert_int_equal(json_object_object_length(o), 2);
	json_object_put(o);
	assert_int_equal(count_lines(out), 1);

	o = get("a1");
	assert_int_equal(count_lines(out), 1);
	assert_string_equal(jstr(o, "name"), "ACME");
	assert_string_equal(jstr(o, "city"), "Lyon");
	assert_string_equal(jstr(o, "_unid"), "a1");
	assert_string_equal(jstr(o, "_rev"), rev1);
	assert_non_null(jstr(o, "_cdate"));
	assert_non_null(jstr(o, "_cuser"));
	assert_non_null(jstr(o, "_mdate"));
	assert_non_null(jstr(o, "_muser"));
	json_object_put(o);

	assert_run(0, NULL, "get crm customers a1 --pretty");
	assert_true(count_lines(out) > 3);
	assert_contains(out, "\"name\"");
	assert_true(out[strlen(out) - 1] == '\n');
	o = parse(out);
	assert_string_equal(jstr(o, "_rev"), rev1);
	json_object_put(o);

	/* --user logs in, and is recorded as the creator. */
	login_as("alice");
	assert_run(0, "{\"x\":1}", "--user alice put crm customers a2");
	unsetenv("FOLIO_PASSWORD");
	o = get("a2");
	assert_string_equal(jstr(o, "_cuser"), "alice");
	assert_string_equal(jstr(o, "_muser"), "alice");
	json_object_put(o);

	/* A generated ULID. */
	assert_run(0, "{\"x\":2}", "put crm customers");
	o = parse(out);
	assert_non_null(jstr(o, "_unid"));
	assert_int_equal(strlen(jstr(o, "_unid")), 26);
	snprintf(unid, sizeof(unid), "%s", jstr(o, "_unid"));
	json_object_put(o);
	o = get(unid);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "x")), 2);
	json_object_put(o);

	/* _unid in the input; a different one on the command line is an error. */
	assert_run(0, "{\"_unid\":\"b7\",\"x\":3}", "put crm customers");
	o = parse(out);
	assert_string_equal(jstr(o, "_unid"), "b7");
	json_object_put(o);
	assert_run(0, "{\"_unid\":\"b7\",\"x\":4}", "put crm customers b7");
	assert_run(1, "{\"_unid\":\"b7\",\"x\":5}", "put crm customers b8");
	assert_error_line("put");
	assert_run(1, NULL, "get crm customers b8");
	o = get("b7");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "x")), 4);
	json_object_put(o);

	/* Update with the current _rev. */
	{
		char in[256];

		snprintf(in, sizeof(in), "{\"_rev\":\"%s\",\"name\":\"ACME 2\"}", rev1);
		rev2 = put("a1", in);
		assert_true(strncmp(rev2, "2-", 2) == 0);

		/* The same _rev again is stale: a conflict, the document unchanged. */
		snprintf(in, sizeof(in), "{\"_rev\":\"%s\",\"name\":\"stale\"}", rev1);
		assert_true(run(in, "put crm customers a1") != 0);
		assert_error_line("put");
		assert_contains(err, "conflict");
		assert_string_equal(out, "");
	}
	o = get("a1");
	assert_string_equal(jstr(o, "name"), "ACME 2");
	assert_string_equal(jstr(o, "_rev"), rev2);
	assert_null(jstr(o, "city"));
	json_object_put(o);

	/* Without _rev: overwrite. */
	rev3 = put("a1", "{\"name\":\"ACME 3\"}");
	assert_true(strncmp(rev3, "3-", 2) == 0);

	/* Malformed JSON: the line and column. */
	assert_true(run("{\n  \"name\": \"x\",\n  oops\n}", "put crm customers m1") != 0);
	assert_error_line("put");
	assert_contains(err, "line 3");
	assert_contains(err, "column");
	assert_run(1, NULL, "get crm customers m1");
	assert_true(run("{\"a\":1} trailing", "put crm customers m1") != 0);
	assert_error_line("put");
	assert_true(run("", "put crm customers m1") != 0);
	assert_error_line("put");
	assert_true(run("{\"_bogus\":1}", "put crm customers m1") != 0);
	assert_error_line("put");
	assert_true(run("{\"x\":1}", "put crm customers %s", sq("bad unid!")) != 0);
	assert_error_line("put");

	/* Missing things. */
	assert_run(1, NULL, "get crm customers nosuch");
	assert_error_line("get");
	assert_string_equal(out, "");
	assert_run(1, NULL, "get crm nosuch a1");
	assert_error_line("get");
	assert_run(1, NULL, "get nosuch customers a1");
	assert_error_line("get");
	assert_run(1, "{}", "put nosuch customers a1");
	assert_error_line("put");

	free(rev1);
	free(rev2);
	free(rev3);
}

/* The change line of `unid` in `changes` output (a new object), or NULL. */
static json_object *change_of(const char *text, const char *unid)
{
	const char *p = text;
	json_object *found = NULL;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char *line;
		json_object *o;

		assert_non_null(nl);
		line = strndup(p, (size_t)(nl - p));
		assert_non_null(line);
		o = parse(line);
		free(line);
		if (jstr(o, "unid") != NULL && strcmp(jstr(o, "unid"), unid) == 0) {
			assert_null(found); /* once per document */
			found = o;
		} else {
			json_object_put(o);
		}
		p = nl + 1;
	}
	return found;
}

static void test_rm(void **state)
{
	json_object *o;
	json_object *v;
	char *rev;
	char *revb;

	rev = put("a", "{\"x\":1}");
	revb = put("b", "{\"x\":2}");
	assert_run(0, NULL, "rm crm customers a");
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_run(1, NULL, "get crm customers a");
	assert_error_line("get");
	assert_run(0, NULL, "ls crm customers");
	assert_string_equal(out, "b\n");
	assert_run(0, NULL, "changes crm");
	o = change_of(out, "a");
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "deleted", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);
	o = change_of(out, "b");
	assert_non_null(o);
	assert_false(json_object_get_boolean(json_object_object_get(o, "deleted")));
	json_object_put(o);
	assert_run(1, NULL, "rm crm customers a");
	assert_error_line("rm");

	/* --rev: stale is a conflict, current deletes. */
	assert_true(run(NULL, "rm crm customers b --rev %s", rev) != 0);
	assert_error_line("rm");
	assert_contains(err, "conflict");
	o = get("b");
	json_object_put(o);
	assert_run(0, NULL, "rm crm customers b --rev %s", revb);
	assert_run(1, NULL, "get crm customers b");

	/* --erase: no stub, so not in the feed. */
	free(put("c", "{\"x\":3}"));
	assert_run(0, NULL, "rm --erase crm customers c");
	assert_run(1, NULL, "get crm customers c");
	assert_run(0, NULL, "changes crm");
	assert_null(change_of(out, "c"));
	assert_run(1, NULL, "rm crm nosuch a");
	assert_error_line("rm");
	free(rev);
	free(revb);
}

static void test_ls(void **state)
{
	assert_run(0, NULL, "ls crm customers");
	assert_string_equal(out, "");
	free(put("c", "{}"));
	free(put("a", "{}"));
	free(put("b", "[1,2]"));
	assert_run(0, NULL, "ls crm customers");
	assert_string_equal(out, "a\nb\nc\n");
	assert_string_equal(err, "");
	assert_run(1, NULL, "ls crm nosuch");
	assert_error_line("ls");
	assert_run(1, NULL, "ls nosuch customers");
	assert_error_line("ls");
}

static void test_import(void **state)
{
	json_object *o;
	char *path;

	path = write_file("good.jsonl", "{\"_unid\":\"i1\",\"n\":1}\n"
					"\n"
					"{\"n\":2}\n"
					"   \n"
					"{\"_unid\":\"i3\",\"n\":3}");
	assert_run(0, NULL, "import crm customers %s", sq(path));
	assert_string_equal(out, "3\n");
	assert_string_equal(err, ""); /* no progress: stderr is not a terminal */
	free(path);
	assert_run(0, NULL, "ls crm customers");
	assert_int_equal(count_lines(out), 3);
	assert_true(has_line(out, "i1"));
	assert_true(has_line(out, "i3"));
	o = get("i3");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "n")), 3);
	assert_non_null(jstr(o, "_rev"));
	json_object_put(o);

	/* A bad line: its number, and nothing imported. */
	assert_run(0, NULL, "store create crm other");
	path = write_file("bad.jsonl", "{\"_unid\":\"j1\"}\n"
				       "\n"
				       "{\"n\":\n"
				       "{\"_unid\":\"j4\"}\n");
	assert_run(1, NULL, "import crm other %s", sq(path));
	assert_error_line("import");
	assert_contains(err, "folio: import: line 3: ");
	assert_string_equal(out, "");
	free(path);
	assert_run(0, NULL, "ls crm other");
	assert_string_equal(out, "");

	path = write_file("bad2.jsonl", "{\"_unid\":\"j1\"}\n{\"_bogus\":true}\n");
	assert_run(1, NULL, "import crm other %s", sq(path));
	assert_contains(err, "folio: import: line 2: ");
	free(path);
	assert_run(0, NULL, "ls crm other");
	assert_string_equal(out, "");

	/* stdin. */
	assert_run(0, "{\"_unid\":\"s1\"}\r\n{\"_unid\":\"s2\"}\n", "import crm other -");
	assert_string_equal(out, "2\n");
	assert_run(0, NULL, "ls crm other");
	assert_string_equal(out, "s1\ns2\n");

	/* An empty file imports nothing. */
	path = write_file("empty.jsonl", "");
	assert_run(0, NULL, "import crm other %s", sq(path));
	assert_string_equal(out, "0\n");
	free(path);

	assert_run(1, NULL, "import crm other /nonexistent/file.jsonl");
	assert_error_line("import");
	assert_contains(err, "/nonexistent/file.jsonl");
	assert_run(1, "{}\n", "import crm nosuch -");
	assert_error_line("import");
}

static void test_export_import(void **state)
{
	char *first;
	char *path;
	char *rev;
	char in[256];
	const char *p;
	json_object *o;

	rev = put("e1", "{\"name\":\"one\",\"n\":[1,2,{\"k\":\"v\"}]}");
	snprintf(in, sizeof(in), "{\"_rev\":\"%s\",\"name\":\"one b\"}", rev);
	free(rev);
	rev = put("e1", in);
	free(rev);
	free(put("e2", "{\"name\":\"two \\u00e9 \\\"q\\\" \\n line\",\"_tags\":[\"t\"]}"));
	free(put("e3", "{\"name\":\"three\"}"));
	login_as("bob");
	assert_run(0, "{\"_parentid\":\"e2\",\"child\":true}", "--user bob put crm customers e4");
	unsetenv("FOLIO_PASSWORD");
	assert_run(0, NULL, "rm crm customers e3");

	assert_run(0, NULL, "export crm customers");
	assert_string_equal(err, "");
	assert_int_equal(count_lines(out), 3);
	first = strdup(out);
	assert_non_null(first);
	assert_null(strstr(first, "\"e3\""));
	/* Its place in this database's feed is no part of a document that travels. */
	assert_null(strstr(first, "\"_seq\""));
	/* Every line a document with its metadata. */
	for (p = first; *p != '\0'; p = strchr(p, '\n') + 1) {
		char *line = strndup(p, (size_t)(strchr(p, '\n') - p));

		assert_non_null(line);
		o = parse(line);
		free(line);
		assert_non_null(jstr(o, "_unid"));
		assert_non_null(jstr(o, "_rev"));
		assert_non_null(jstr(o, "_cdate"));
		assert_non_null(jstr(o, "_cuser"));
		assert_non_null(jstr(o, "_mdate"));
		assert_non_null(jstr(o, "_muser"));
		assert_true(json_object_object_get_ex(o, "_revisions", NULL));
		if (strcmp(jstr(o, "_unid"), "e1") == 0)
			assert_true(strncmp(jstr(o, "_rev"), "2-", 2) == 0);
		if (strcmp(jstr(o, "_unid"), "e4") == 0) {
			assert_string_equal(jstr(o, "_parentid"), "e2");
			assert_string_equal(jstr(o, "_cuser"), "bob");
		}
		json_object_put(o);
	}

	/* Into an empty store, then out again: the same lines. */
	path = write_file("export.jsonl", first);
	assert_run(0, NULL, "store create crm copy");
	login_as("carol");
	assert_run(0, NULL, "--user carol import crm copy %s", sq(path));
	unsetenv("FOLIO_PASSWORD");
	assert_string_equal(out, "3\n");
	assert_run(0, NULL, "export crm copy");
	assert_string_equal(out, first);
	assert_run(0, NULL, "get crm copy e4");
	o = parse(out);
	assert_string_equal(jstr(o, "_cuser"), "bob");
	assert_string_equal(jstr(o, "_parentid"), "e2");
	json_object_put(o);

	/* Through a pipe too. */
	assert_run(0, NULL, "store create crm copy2");
	assert_run(0, first, "import crm copy2 -");
	assert_string_equal(out, "3\n");
	assert_run(0, NULL, "export crm copy2");
	assert_string_equal(out, first);

	assert_run(0, NULL, "store create crm empty");
	assert_run(0, NULL, "export crm empty");
	assert_string_equal(out, "");
	assert_run(1, NULL, "export crm nosuch");
	assert_error_line("export");
	free(path);
	free(first);
}

/* The changes of store "customers" in the output, in order: their seqs. */
static size_t customer_changes(int64_t *seqs, size_t max)
{
	const char *p = out;
	size_t n = 0;
	int64_t prev = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char *line;
		json_object *o;
		json_object *v;

		assert_non_null(nl);
		line = strndup(p, (size_t)(nl - p));
		assert_non_null(line);
		o = parse(line);
		free(line);
		assert_true(json_object_object_get_ex(o, "seq", &v));
		assert_true(json_object_get_int64(v) > prev);
		prev = json_object_get_int64(v);
		assert_non_null(jstr(o, "store"));
		assert_non_null(jstr(o, "unid"));
		assert_non_null(jstr(o, "rev"));
		assert_true(json_object_object_get_ex(o, "deleted", &v));
		if (strcmp(jstr(o, "store"), "customers") == 0) {
			if (n < max)
				seqs[n] = prev;
			n++;
		}
		json_object_put(o);
		p = nl + 1;
	}
	return n;
}

static void test_changes(void **state)
{
	int64_t seqs[8];
	json_object *o;
	char *rev;
	char *lines;
	size_t n;
	int i;

	free(put("x1", "{}"));
	rev = put("x2", "{}");
	free(put("x3", "{}"));
	assert_run(0, NULL, "changes crm");
	assert_string_equal(err, "");
	assert_int_equal(customer_changes(seqs, 8), 3);
	o = change_of(out, "x2");
	assert_non_null(o);
	assert_string_equal(jstr(o, "rev"), rev);
	assert_string_equal(jstr(o, "store"), "customers");
	json_object_put(o);
	free(rev);

	assert_run(0, NULL, "changes crm --since %lld", (long long)seqs[0]);
	assert_int_equal(customer_changes(seqs + 3, 5), 2);
	assert_null(change_of(out, "x1"));
	assert_non_null(o = change_of(out, "x3"));
	json_object_put(o);
	assert_run(0, NULL, "changes crm --since=%lld", (long long)seqs[2]);
	assert_string_equal(out, "");
	assert_run(0, NULL, "changes crm --since %lld --limit 1", (long long)seqs[0]);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(o = change_of(out, "x2"));
	json_object_put(o);

	/* More than one page of the feed. */
	lines = malloc(1200 * 32);
	assert_non_null(lines);
	lines[0] = '\0';
	for (i = 0; i < 1200; i++)
		sprintf(lines + strlen(lines), "{\"_unid\":\"p%04d\",\"i\":%d}\n", i, i);
	assert_run(0, lines, "import crm customers -");
	assert_string_equal(out, "1200\n");
	free(lines);
	assert_run(0, NULL, "changes crm");
	n = customer_changes(seqs, 0);
	assert_int_equal(n, 1203);
	assert_run(0, NULL, "changes crm --limit 1050");
	assert_int_equal(count_lines(out), 1050);
	assert_run(0, NULL, "changes crm --since %lld --limit 2000", (long long)seqs[0]);
	assert_int_equal(customer_changes(seqs, 0), 1202);

	assert_run(1, NULL, "changes nosuch");
	assert_error_line("changes");
}

static void test_server_precedence(void **state)
{
	char *other = strdup(folio_test_url());

	assert_non_null(other);
	assert_run(0, NULL, "db create one");
	/* --server wins over FOLIO_SERVER. */
	assert_run(0, NULL, "--server %s db list", sq(other));
	assert_string_equal(out, "");
	assert_run(0, NULL, "--server=%s db create two", sq(other));
	assert_run(0, NULL, "db list");
	assert_string_equal(out, "one\n");
	assert_run(0, NULL, "--server %s db list", sq(other));
	assert_string_equal(out, "two\n");
	assert_run(1, NULL, "--server nosuchscheme:x db list");
	assert_error_line("db list");
	free(other);
}

static void test_default_server(void **state)
{
	char cwd[4096];
	char *saved = NULL;
	const char *dir;
	char *missing;
	struct stat sb;
	size_t n;

	if (getenv("FOLIO_SERVER") != NULL) {
		saved = strdup(getenv("FOLIO_SERVER"));
		assert_non_null(saved);
	}
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(unsetenv("FOLIO_SERVER"), 0);

	/* Help touches no server: no directory appears. */
	dir = folio_test_tmpdir();
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(run_env(NULL, "db --help"), 0);
	assert_int_equal(stat("folio-data", &sb), -1);

	/* The default URL makes ./folio-data. */
	dir = folio_test_tmpdir();
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(run_env(NULL, "db create x"), 0);
	assert_int_equal(stat("folio-data", &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(stat("folio-data/folio.db", &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(run_env(NULL, "db list"), 0);
	assert_string_equal(out, "x\n");
	/* An empty FOLIO_SERVER counts as unset. */
	assert_int_equal(setenv("FOLIO_SERVER", "", 1), 0);
	assert_int_equal(run_env(NULL, "db list"), 0);
	assert_string_equal(out, "x\n");
	assert_int_equal(unsetenv("FOLIO_SERVER"), 0);

	/* Any other sqlite: path gets no directories made. */
	n = strlen(dir) + 64;
	missing = malloc(n);
	assert_non_null(missing);
	snprintf(missing, n, "sqlite:%s/missing/sub/f.db", dir);
	assert_int_not_equal(run_env(NULL, "--server %s db list", sq(missing)), 0);
	assert_error_line("db list");
	snprintf(missing, n, "%s/missing", dir);
	assert_int_equal(stat(missing, &sb), -1);
	free(missing);

	assert_int_equal(chdir(cwd), 0);
	if (saved != NULL)
		assert_int_equal(setenv("FOLIO_SERVER", saved, 1), 0);
	free(saved);
}

static void test_too_big(void **state)
{
	size_t size = FOLIO_DEFAULT_MAX_DOC_SIZE + (size_t)2 * 1024 * 1024;
	char *doc = malloc(size + 16);
	char *path;

	assert_non_null(doc);
	memcpy(doc, "{\"a\":\"", 6);
	memset(doc + 6, 'x', size);
	memcpy(doc + 6 + size, "\"}\n", 4);
	path = write_file("big.json", doc);

	assert_run(1, doc, "put crm customers big");
	assert_error_line("put");
	assert_contains(err, "too big");
	assert_run(1, NULL, "get crm customers big");
	assert_run(1, NULL, "import crm customers %s", sq(path));
	assert_error_line("import");
	assert_contains(err, "line 1: ");
	assert_run(1, doc, "import crm customers -");
	assert_contains(err, "line 1: ");
	free(doc);
	assert_run(0, NULL, "ls crm customers");
	assert_string_equal(out, "");
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_db, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_precedence, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_default_server, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
