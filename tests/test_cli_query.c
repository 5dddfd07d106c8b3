/* backends: all */
/* The folio command's queries, as a user sees them: find, sql, store field. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "testenv.h"

static char *url;       /* the fresh server of the current test */
static char *out;       /* stdout of the last run */
static char *err;       /* stderr of the last run */
static char last[8192]; /* the arguments of the last run, for failure messages */

/* Runs `folio ARGS` against the test's server with `in` on stdin; returns the exit status. */
static int run(const char *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(const char *in, const char *fmt, ...)
{
	va_list ap;
	int status;

	free(out);
	free(err);
	out = NULL;
	err = NULL;
	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	status = folio_test_run(url, last, in, &out, &err);
	if (out == NULL)
		out = strdup("");
	if (err == NULL)
		err = strdup("");
	assert_non_null(out);
	assert_non_null(err);
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

#define assert_out(want)                                                                   \
	do {                                                                               \
		if (strcmp(out, (want)) != 0)                                              \
			fail_msg("folio %s: stdout is:\n%s\nwant:\n%s", last, out, (want)); \
	} while (0)

/* An error is one line: "folio: CMD: ...\n", and nothing on stdout. */
static void assert_error_line(const char *cmd)
{
	char prefix[64];
	size_t len = strlen(err);

	snprintf(prefix, sizeof(prefix), "folio: %s: ", cmd);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("folio %s: stderr does not start with '%s': %s", last, prefix, err);
	if (len == 0 || err[len - 1] != '\n' || strchr(err, '\n') != err + len - 1)
		fail_msg("folio %s: stderr is not one line: %s", last, err);
	assert_true(len > strlen(prefix) + 1);
	if (out[0] != '\0')
		fail_msg("folio %s: output on stdout: %s", last, out);
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

/* The integer at `key` of object `o`; asserts that there is one. */
static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		fail_msg("folio %s: no integer \"%s\" in %s", last, key,
			 json_object_to_json_string(o));
	return json_object_get_int64(v);
}

/* The lines of the output, parsed (each must be one JSON object); `n` of at most max. */
static size_t rows(json_object **v, size_t max)
{
	const char *p = out;
	size_t n = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		char *line;

		if (nl == NULL)
			fail_msg("folio %s: output does not end in a newline: %s", last, out);
		assert_true(n < max);
		line = strndup(p, (size_t)(nl - p));
		assert_non_null(line);
		v[n] = parse(line);
		if (!json_object_is_type(v[n], json_type_object))
			fail_msg("folio %s: not a JSON object: %s", last, line);
		free(line);
		n++;
		p = nl + 1;
	}
	return n;
}

static void rows_free(json_object **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(v[i]);
}

/* The _unid of each output line, joined with spaces: "a c e". */
static const char *unids(void)
{
	static char buf[1024];
	json_object *v[64];
	size_t n = rows(v, 64);
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *u = jstr(v[i], "_unid");

		if (u == NULL)
			fail_msg("folio %s: a line without _unid: %s", last, out);
		if (i > 0)
			strcat(buf, " ");
		assert_true(strlen(buf) + strlen(u) + 2 < sizeof(buf));
		strcat(buf, u);
	}
	rows_free(v, n);
	return buf;
}

#define assert_unids(want)                                                                 \
	do {                                                                               \
		const char *got__ = unids();                                               \
		if (strcmp(got__, (want)) != 0)                                            \
			fail_msg("folio %s: rows '%s', want '%s'; stdout: %s", last, got__, \
				 (want), out);                                             \
	} while (0)

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

/* Loads JSON Lines into crm/STORE with folio import. */
static void import(const char *store, const char *lines, const char *count)
{
	char *path = write_file("docs.jsonl", lines);

	assert_run(0, NULL, "import crm %s %s", store, sq(path));
	assert_out(count);
	free(path);
}

/*
 * Five people; c is a child of a, e a child of c. In insertion order
 * a b c d e; by age b d (25) a (31) c (40) e (52).
 */
static const char people[] =
	"{\"_unid\":\"a\",\"name\":\"Ann\",\"age\":31,\"city\":\"Lyon\",\"scores\":[95,70],"
	"\"_tags\":[\"red\",\"blue\"],\"address\":{\"zip\":\"69001\"}}\n"
	"{\"_unid\":\"b\",\"name\":\"Bob\",\"age\":25,\"city\":\"Paris\",\"scores\":[60],"
	"\"_tags\":[\"red\"]}\n"
	"{\"_unid\":\"c\",\"name\":\"Cid\",\"age\":40,\"city\":\"Lyon\",\"scores\":[91],"
	"\"_parentid\":\"a\"}\n"
	"{\"_unid\":\"d\",\"name\":\"Dee\",\"age\":25,\"city\":\"Nice\"}\n"
	"{\"_unid\":\"e\",\"name\":\"Eve\",\"age\":52,\"city\":\"Lyon\",\"_parentid\":\"c\"}\n";

static int setup(void **state)
{
	(void)state;
	url = strdup(folio_test_url());
	assert_non_null(url);
	assert_run(0, NULL, "db create crm");
	assert_run(0, NULL, "store create crm people");
	import("people", people, "5\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
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
	(void)state;
	assert_run(0, NULL, "--help");
	assert_contains(out, "find DB STORE");
	assert_contains(out, "sql DB");
	assert_contains(out, "store field");
	assert_run(0, NULL, "find --help");
	assert_contains(out, "usage: folio find");
	assert_contains(out, "--order");
	assert_contains(out, "--depth");
	assert_contains(out, "_level");
	assert_true(err[0] == '\0');
	assert_run(0, NULL, "help find");
	assert_contains(out, "usage: folio find");
	assert_run(0, NULL, "sql -h");
	assert_contains(out, "usage: folio sql");
	assert_run(0, NULL, "help sql");
	assert_contains(out, "usage: folio sql");
	assert_run(0, NULL, "store --help");
	assert_contains(out, "folio store field add DB STORE NAME");
	assert_contains(out, "--multiple");
	assert_run(0, NULL, "store field add crm people x --help");
	assert_contains(out, "usage: folio store");

	/* Usage errors: exit 2, one line. */
	assert_run(2, NULL, "find crm");
	assert_error_line("find");
	assert_contains(err, "missing STORE");
	assert_run(2, NULL, "find crm people {} extra");
	assert_contains(err, "unexpected argument 'extra'");
	assert_run(2, NULL, "find crm people --limit -1");
	assert_error_line("find");
	assert_contains(err, "--limit");
	assert_run(2, NULL, "find crm people --skip x");
	assert_contains(err, "--skip");
	assert_run(2, NULL, "find crm people --depth 65");
	assert_contains(err, "--depth");
	assert_run(2, NULL, "find crm people --count --explain");
	assert_error_line("find");
	assert_run(2, NULL, "find crm people --all-tags");
	assert_contains(err, "--tag");
	assert_run(2, NULL, "find crm people --tag red,,blue");
	assert_contains(err, "--tag");
	assert_run(2, NULL, "find crm people --bogus");
	assert_contains(err, "unknown option '--bogus'");
	assert_run(2, NULL, "sql crm");
	assert_error_line("sql");
	assert_contains(err, "missing QUERY");
	assert_run(2, NULL, "sql crm 'SELECT * FROM people' --order age");
	assert_contains(err, "unknown option '--order'");
	assert_run(2, NULL, "store field");
	assert_error_line("store field");
	assert_run(2, NULL, "store field add crm people");
	assert_error_line("store field add");
	assert_contains(err, "missing NAME");
	assert_run(2, NULL, "store field list crm people extra");
	assert_contains(err, "unexpected argument 'extra'");
	assert_run(2, NULL, "store field rm crm people city --type number");
	assert_error_line("store field rm");
	assert_run(2, NULL, "store field add crm people city --type text");
	assert_error_line("store field add");
	assert_contains(err, "--type");
	assert_run(2, NULL, "store field grow crm people");
	assert_contains(err, "unknown field subcommand 'grow'");
	assert_run(2, NULL, "store create crm other --multiple");
	assert_error_line("store create");
}

static void test_find(void **state)
{
	json_object *v[8];
	size_t n;

	(void)state;
	/* No query: every document, in insertion order, with its system fields. */
	assert_run(0, NULL, "find crm people");
	assert_true(err[0] == '\0');
	n = rows(v, 8);
	assert_int_equal(n, 5);
	assert_string_equal(jstr(v[0], "_unid"), "a");
	assert_string_equal(jstr(v[0], "name"), "Ann");
	assert_non_null(jstr(v[0], "_rev"));
	assert_non_null(jstr(v[0], "_cdate"));
	assert_non_null(jstr(v[0], "_muser"));
	assert_string_equal(jstr(v[2], "_parentid"), "a");
	rows_free(v, n);
	assert_run(0, NULL, "find crm people {}");
	assert_unids("a b c d e");

	assert_run(0, NULL, "find crm people %s", sq("{\"city\":\"Lyon\"}"));
	assert_unids("a c e");
	assert_run(0, NULL, "find crm people %s", sq("{\"city\":\"Lyon\",\"age\":{\"$lt\":50}}"));
	assert_unids("a c");
	assert_run(0, NULL, "find crm people %s", sq("{\"$or\":[{\"city\":\"Nice\"},{\"age\":52}]}"));
	assert_unids("d e");
	assert_run(0, NULL, "find crm people %s", sq("{\"scores\":{\"$gt\":90}}"));
	assert_unids("a c");
	assert_run(0, NULL, "find crm people %s", sq("{\"address.zip\":\"69001\"}"));
	assert_unids("a");
	assert_run(0, NULL, "find crm people %s", sq("{\"city\":\"Rome\"}"));
	assert_out("");
	assert_run(0, NULL, "find crm people %s --params %s",
		   sq("{\"age\":{\"$gte\":\"$$min\"}}"), sq("{\"min\":40}"));
	assert_unids("c e");

	/* --order, --limit, --skip. */
	assert_run(0, NULL, "find crm people --order %s", sq("age desc,name"));
	assert_unids("e c a b d");
	assert_run(0, NULL, "find crm people --order %s", sq("age, name desc"));
	assert_unids("d b a c e");
	assert_run(0, NULL, "find crm people --order=-age --limit 2");
	assert_unids("e c");
	assert_run(0, NULL, "find crm people --order -age --limit 2 --skip 1");
	assert_unids("c a");
	assert_run(0, NULL, "find crm people --skip 3");
	assert_unids("d e");
	assert_run(0, NULL, "find crm people --limit 0");
	assert_out("");
	assert_run(0, NULL, "find crm people %s --order name --skip 1",
		   sq("{\"city\":\"Lyon\"}"));
	assert_unids("c e");

	/* --count: just the number. */
	assert_run(0, NULL, "find crm people --count");
	assert_out("5\n");
	assert_run(0, NULL, "find crm people %s --count", sq("{\"city\":\"Lyon\"}"));
	assert_out("3\n");
	assert_run(0, NULL, "find crm people --count --limit 2");
	assert_out("2\n");
	assert_run(0, NULL, "find crm people --count --skip 4");
	assert_out("1\n");
	assert_run(0, NULL, "find crm people %s --count", sq("{\"city\":\"Rome\"}"));
	assert_out("0\n");
}

static void test_extract(void **state)
{
	json_object *v[8];
	json_object *x;
	size_t n;

	(void)state;
	assert_run(0, NULL, "find crm people --extract name,age --order name --limit 2");
	assert_out("{\"_unid\":\"a\",\"name\":\"Ann\",\"age\":31}\n"
		   "{\"_unid\":\"b\",\"name\":\"Bob\",\"age\":25}\n");

	assert_run(0, NULL, "find crm people %s --extract %s", sq("{\"name\":{\"$in\":[\"Ann\",\"Bob\"]}}"),
		   sq("{\"who\":\"name\",\"zip\":\"address.zip\"}"));
	n = rows(v, 8);
	assert_int_equal(n, 2);
	assert_int_equal(json_object_object_length(v[0]), 3);
	assert_string_equal(jstr(v[0], "_unid"), "a");
	assert_string_equal(jstr(v[0], "who"), "Ann");
	assert_string_equal(jstr(v[0], "zip"), "69001");
	/* A missing value is null. */
	assert_string_equal(jstr(v[1], "who"), "Bob");
	assert_true(json_object_object_get_ex(v[1], "zip", &x));
	assert_null(x);
	rows_free(v, n);

	assert_run(1, NULL, "find crm people --extract %s", sq("{\"who\":1}"));
	assert_error_line("find");
	assert_contains(err, "extract");

	/* Aggregates: one row per group, in key order. */
	assert_run(0, NULL, "find crm people --aggregate %s",
		   sq("{\"key\":\"city\",\"n\":{\"$count\":1},\"total\":{\"$sum\":\"age\"}}"));
	n = rows(v, 8);
	assert_int_equal(n, 3);
	assert_string_equal(jstr(v[0], "key"), "Lyon");
	assert_int_equal(jint(v[0], "n"), 3);
	assert_int_equal(jint(v[0], "total"), 123);
	assert_string_equal(jstr(v[1], "key"), "Nice");
	assert_string_equal(jstr(v[2], "key"), "Paris");
	assert_int_equal(jint(v[2], "n"), 1);
	rows_free(v, n);
	assert_run(0, NULL, "find crm people %s --aggregate %s", sq("{\"age\":25}"),
		   sq("{\"n\":{\"$count\":1}}"));
	assert_out("{\"n\":2}\n");
	assert_run(2, NULL, "find crm people --aggregate '{}' --extract name");
	assert_error_line("find");
}

static void test_explain(void **state)
{
	json_object *o;
	json_object *v;

	(void)state;
	assert_run(0, NULL, "find crm people %s --explain --order name",
		   sq("{\"city\":\"Lyon\",\"age\":{\"$gt\":30}}"));
	assert_true(err[0] == '\0');
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out)); /* one line */
	o = parse(out);
	assert_non_null(jstr(o, "sql"));
	assert_contains(jstr(o, "sql"), "SELECT");
	/* Values are parameters, never SQL text. */
	assert_true(strstr(jstr(o, "sql"), "Lyon") == NULL);
	assert_true(json_object_object_get_ex(o, "params", &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_contains(json_object_to_json_string(v), "Lyon");
	assert_true(json_object_object_get_ex(o, "recheck", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	json_object_put(o);

	assert_run(0, NULL, "sql crm %s --explain", sq("SELECT * FROM people WHERE age > 30"));
	o = parse(out);
	assert_contains(jstr(o, "sql"), "SELECT");
	json_object_put(o);
}

static void test_sql(void **state)
{
	(void)state;
	assert_run(0, NULL, "sql crm %s",
		   sq("SELECT name, age AS years FROM people WHERE city = 'Lyon' AND age < 50 "
		      "ORDER BY age DESC LIMIT 1"));
	assert_out("{\"_unid\":\"c\",\"name\":\"Cid\",\"years\":40}\n");
	assert_true(err[0] == '\0');
	assert_run(0, NULL, "sql crm %s", sq("SELECT * FROM people ORDER BY name LIMIT 2 OFFSET 1"));
	assert_unids("b c");
	assert_run(0, NULL, "sql crm %s", sq("SELECT * FROM people WHERE city = 'Lyon'"));
	assert_unids("a c e");
	assert_run(0, NULL, "sql crm %s", sq("select * from people where age >= 31 order by age desc"));
	assert_unids("e c a");
	assert_run(0, NULL, "sql crm %s --count", sq("SELECT * FROM people WHERE age = 25"));
	assert_out("2\n");
	assert_run(0, NULL, "sql crm %s --params %s",
		   sq("SELECT * FROM people WHERE age > :min ORDER BY age"), sq("{\"min\":31}"));
	assert_unids("c e");

	/* Faults: one line, naming the offset for the query text. */
	assert_run(1, NULL, "sql crm %s", sq("SELECT * FROM people WHERE age >"));
	assert_error_line("sql");
	assert_contains(err, "offset");
	assert_run(1, NULL, "sql crm %s", sq("SELECT * FROM nosuch"));
	assert_error_line("sql");
	assert_contains(err, "nosuch");
	assert_run(1, NULL, "sql nosuch %s", sq("SELECT * FROM people"));
	assert_error_line("sql");
}

static void test_errors(void **state)
{
	(void)state;
	/* A malformed selector: the offset of the fault. */
	assert_run(1, NULL, "find crm people %s", sq("{\"age\":{\"$gt\":}}"));
	assert_error_line("find");
	assert_contains(err, "offset 14");
	assert_run(1, NULL, "find crm people %s", sq("{\"age\":{\"$near\":1}}"));
	assert_error_line("find");
	assert_contains(err, "offset");
	assert_contains(err, "$near");
	assert_run(1, NULL, "find crm people %s", sq("[1]"));
	assert_error_line("find");
	assert_run(1, NULL, "find crm people --order %s", sq("age sideways"));
	assert_error_line("find");
	assert_contains(err, "sideways");
	assert_run(1, NULL, "find crm people {} --params %s", sq("[1]"));
	assert_error_line("find");
	assert_run(1, NULL, "find crm people --parent %s", sq("not a unid!"));
	assert_error_line("find");
	assert_run(1, NULL, "find crm nosuch");
	assert_error_line("find");
	assert_run(1, NULL, "find nosuch people");
	assert_error_line("find");
}

static void test_hierarchy_tags(void **state)
{
	json_object *v[8];
	size_t n;

	(void)state;
	assert_run(0, NULL, "find crm people --parent a");
	assert_unids("c");
	assert_run(0, NULL, "find crm people --parent c");
	assert_unids("e");
	assert_run(0, NULL, "find crm people --parent b");
	assert_out("");

	/* --depth: each match followed by its children, each row with its "_level". */
	assert_run(0, NULL, "find crm people %s --depth 2", sq("{\"name\":\"Ann\"}"));
	n = rows(v, 8);
	assert_int_equal(n, 3);
	assert_string_equal(jstr(v[0], "_unid"), "a");
	assert_int_equal(jint(v[0], "_level"), 0);
	assert_string_equal(jstr(v[0], "name"), "Ann");
	assert_string_equal(jstr(v[1], "_unid"), "c");
	assert_int_equal(jint(v[1], "_level"), 1);
	assert_string_equal(jstr(v[1], "name"), "Cid");
	assert_string_equal(jstr(v[2], "_unid"), "e");
	assert_int_equal(jint(v[2], "_level"), 2);
	rows_free(v, n);
	assert_run(0, NULL, "find crm people %s --depth 1", sq("{\"name\":\"Ann\"}"));
	assert_unids("a c");
	assert_run(0, NULL, "find crm people %s --depth 0", sq("{\"name\":\"Bob\"}"));
	n = rows(v, 8);
	assert_int_equal(n, 1);
	assert_int_equal(jint(v[0], "_level"), 0);
	rows_free(v, n);
	/* Without --depth, no "_level". */
	assert_run(0, NULL, "find crm people %s", sq("{\"name\":\"Bob\"}"));
	n = rows(v, 8);
	assert_false(json_object_object_get_ex(v[0], "_level", NULL));
	rows_free(v, n);

	/* --tag: any of them, or all with --all-tags. */
	assert_run(0, NULL, "find crm people --tag red");
	assert_unids("a b");
	assert_run(0, NULL, "find crm people --tag blue");
	assert_unids("a");
	assert_run(0, NULL, "find crm people --tag blue,red");
	assert_unids("a b");
	assert_run(0, NULL, "find crm people --tag blue,red --all-tags");
	assert_unids("a");
	assert_run(0, NULL, "find crm people --tag green");
	assert_out("");
	assert_run(0, NULL, "find crm people --tag red --count");
	assert_out("2\n");
}

/* The "sql" of find --explain for `query`, malloc'ed. */
static char *explain_sql(const char *query)
{
	json_object *o;
	char *sql;

	assert_run(0, NULL, "find crm people %s --explain", sq(query));
	o = parse(out);
	assert_non_null(jstr(o, "sql"));
	sql = strdup(jstr(o, "sql"));
	assert_non_null(sql);
	json_object_put(o);
	return sql;
}

static void test_fields(void **state)
{
	static const char lyon[] = "{\"city\":\"Lyon\"}";
	json_object *v[8];
	char *before;
	char *with;
	char *after;
	size_t n;

	(void)state;
	assert_run(0, NULL, "store field list crm people");
	assert_out("");
	before = explain_sql(lyon);

	assert_run(0, NULL, "store field add crm people city");
	assert_out("");
	assert_true(err[0] == '\0'); /* no progress: stderr is not a terminal */
	assert_run(0, NULL, "store field list crm people");
	n = rows(v, 8);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(v[0], "name"), "city");
	assert_string_equal(jstr(v[0], "path"), "city");
	assert_string_equal(jstr(v[0], "type"), "string");
	rows_free(v, n);

	/* The query now reads the field's index, and finds the same documents. */
	with = explain_sql(lyon);
	if (strcmp(with, before) == 0)
		fail_msg("the field changed nothing in the SQL: %s", with);
	assert_run(0, NULL, "find crm people %s", sq(lyon));
	assert_unids("a c e");
	assert_run(0, NULL, "find crm people %s --order -city,name",
		   sq("{\"city\":{\"$in\":[\"Lyon\",\"Paris\"]}}"));
	assert_unids("b a c e");
	/* Documents written after the field was added are indexed too. */
	import("people", "{\"_unid\":\"f\",\"name\":\"Fay\",\"age\":33,\"city\":\"Lyon\"}\n", "1\n");
	assert_run(0, NULL, "find crm people %s", sq(lyon));
	assert_unids("a c e f");

	/* A field of another name, path and type; multiple values. */
	assert_run(0, NULL, "store field add crm people score scores --type number --multiple");
	assert_run(0, NULL, "store field list crm people");
	n = rows(v, 8);
	assert_int_equal(n, 2);
	assert_string_equal(jstr(v[1], "name"), "score");
	assert_string_equal(jstr(v[1], "path"), "scores");
	assert_string_equal(jstr(v[1], "type"), "number");
	assert_true(json_object_get_boolean(json_object_object_get(v[1], "multiple")));
	rows_free(v, n);
	assert_run(0, NULL, "find crm people %s", sq("{\"scores\":{\"$gt\":90}}"));
	assert_unids("a c");
	assert_run(0, NULL, "find crm people %s --count", sq("{\"scores\":60}"));
	assert_out("1\n");

	/* Adding a field of the same name replaces it. */
	assert_run(0, NULL, "store field add crm people city city --type string");
	assert_run(0, NULL, "store field list crm people");
	n = rows(v, 8);
	assert_int_equal(n, 2);
	rows_free(v, n);

	assert_run(0, NULL, "store field rm crm people city");
	assert_out("");
	assert_true(err[0] == '\0');
	assert_run(0, NULL, "store field list crm people");
	n = rows(v, 8);
	assert_int_equal(n, 1);
	assert_string_equal(jstr(v[0], "name"), "score");
	rows_free(v, n);
	after = explain_sql(lyon);
	assert_string_equal(after, before);
	assert_run(0, NULL, "find crm people %s", sq(lyon));
	assert_unids("a c e f");

	/* Faults. */
	assert_run(1, NULL, "store field rm crm people city");
	assert_error_line("store field rm");
	assert_contains(err, "city");
	assert_run(1, NULL, "store field add crm people %s", sq("bad name"));
	assert_error_line("store field add");
	assert_run(1, NULL, "store field add crm people zip %s", sq("address..zip"));
	assert_error_line("store field add");
	assert_run(1, NULL, "store field add crm nosuch city");
	assert_error_line("store field add");
	assert_run(1, NULL, "store field list nosuch people");
	assert_error_line("store field list");
	assert_run(0, NULL, "store field list crm people");
	assert_int_equal(rows(v, 8), 1);
	rows_free(v, 1);
	free(before);
	free(with);
	free(after);
}

static void test_fts(void **state)
{
	(void)state;
	/* Words of four letters or more: MariaDB's FULLTEXT ignores shorter ones. */
	assert_run(0, NULL, "store create crm notes --fts");
	import("notes",
	       "{\"_unid\":\"n1\",\"text\":\"quick brown foxes jumping\"}\n"
	       "{\"_unid\":\"n2\",\"text\":\"lazy sleeping dogs\"}\n"
	       "{\"_unid\":\"n3\",\"text\":\"brown dogs barking loudly\",\"kind\":\"loud\"}\n",
	       "3\n");
	assert_run(0, NULL, "find crm notes --ft brown --order _unid");
	assert_unids("n1 n3");
	assert_true(err[0] == '\0');
	assert_run(0, NULL, "find crm notes --ft brown --count");
	assert_out("2\n");
	assert_run(0, NULL, "find crm notes --ft %s", sq("brown dogs"));
	assert_unids("n3");
	assert_run(0, NULL, "find crm notes --ft SLEEPING");
	assert_unids("n2");
	assert_run(0, NULL, "find crm notes --ft dogs --order _unid --extract text");
	assert_out("{\"_unid\":\"n2\",\"text\":\"lazy sleeping dogs\"}\n"
		   "{\"_unid\":\"n3\",\"text\":\"brown dogs barking loudly\"}\n");
	assert_run(0, NULL, "find crm notes %s --ft dogs", sq("{\"kind\":\"loud\"}"));
	assert_unids("n3");
	assert_run(0, NULL, "find crm notes --ft elephants");
	assert_out("");

	/* Only on a store created with --fts. */
	assert_run(1, NULL, "find crm people --ft brown");
	assert_error_line("find");
	assert_contains(err, "full-text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hierarchy_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
