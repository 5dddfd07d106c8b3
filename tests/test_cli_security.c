/* backends: all */
/*
 * The folio command's security, as a user sees it: user, group and
 * server-acl commands, --user logins with the password from
 * --password-file or FOLIO_PASSWORD, --config, and what errors say.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testenv.h"

#define SECRET "s3cret-Never-Shown"

static char *url;
static char *out;
static char *err;
static char last[8192];

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
	/* Whatever happens, the password is never shown. */
	if (strstr(out, SECRET) || strstr(err, SECRET))
		fail_msg("folio %s: the password was shown: %s %s", last, out, err);
	return status;
}

#define assert_run(want, ...)                                                                      \
	do {                                                                                       \
		int st__ = run(__VA_ARGS__);                                                       \
		if (st__ != (want))                                                                \
			fail_msg("folio %s: exit %d, want %d; stdout: %s; stderr: %s", last, st__, \
				 (int)(want), out, err);                                           \
	} while (0)

#define assert_err(want)                                                                           \
	do {                                                                                       \
		if (strcmp(err, (want)) != 0)                                                      \
			fail_msg("folio %s: stderr is '%s', want '%s'", last, err, (want));        \
	} while (0)

/* One line "folio: CMD: ...\n" holding `needle`. */
static void assert_error_line(const char *cmd, const char *needle)
{
	char prefix[64];
	size_t len = strlen(err);

	snprintf(prefix, sizeof(prefix), "folio: %s: ", cmd);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || len == 0 || err[len - 1] != '\n' ||
	    strchr(err, '\n') != err + len - 1 || !strstr(err, needle))
		fail_msg("folio %s: stderr is not one line '%s...%s': %s", last, prefix, needle,
			 err);
}

/* The file's path, from a ring of buffers (several stay valid at once). */
static const char *write_file(const char *name, const char *content)
{
	static char ring[8][1024];
	static int next;
	char *path = ring[next++ % 8];
	FILE *f;

	snprintf(path, sizeof(ring[0]), "%s/%s", folio_test_tmpdir(), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return path;
}

static void password(const char *pw)
{
	if (pw)
		assert_int_equal(setenv("FOLIO_PASSWORD", pw, 1), 0);
	else
		unsetenv("FOLIO_PASSWORD");
}

static int setup(void **state)
{
	url = strdup(folio_test_url());
	assert_non_null(url);
	unsetenv("FOLIO_PASSWORD");
	unsetenv("FOLIO_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	free(url);
	free(out);
	free(err);
	url = out = err = NULL;
	unsetenv("FOLIO_PASSWORD");
	unsetenv("FOLIO_CONFIG");
	return 0;
}

static void test_user_commands(void **state)
{
	const char *file;

	/* the password from FOLIO_PASSWORD, from stdin, from a file */
	password(SECRET);
	assert_run(0, NULL, "user add alice");
	assert_string_equal(out, "");
	assert_err("");
	password(NULL);
	assert_run(0, SECRET "-bob\n", "user add bob");
	file = write_file("carol.pw", SECRET "-carol\nignored second line\n");
	assert_run(0, NULL, "user add carol --password-file %s", file);
	assert_run(0, NULL, "user list");
	assert_string_equal(out, "alice\nbob\ncarol\n");

	password(SECRET);
	assert_run(0, NULL, "--user alice db list");
	password(SECRET "-bob");
	assert_run(0, NULL, "--user bob db list");
	password(SECRET "-carol");
	assert_run(0, NULL, "--user carol db list");
	password(NULL);

	/* errors: one line, exit 1 */
	password(SECRET);
	assert_run(1, NULL, "user add alice");
	assert_error_line("user add", "alice exists already");
	assert_run(1, NULL, "user add 'bad name '");
	assert_error_line("user add", "invalid user name");
	assert_run(1, NULL, "user rm nobody");
	assert_error_line("user rm", "no user nobody");
	password(NULL);
	assert_run(1, "", "user add dave");
	assert_error_line("user add", "no password on stdin");
	assert_run(1, NULL, "user add dave --password-file /nonexistent/pw");
	assert_error_line("user add", "/nonexistent/pw");
	assert_run(2, NULL, "user add");
	assert_run(2, NULL, "user frob x");
	assert_run(2, NULL, "user list x");
	assert_run(2, NULL, "user rm bob --password-file x");

	/* passwd, disable, enable, rm */
	assert_run(0, "new-" SECRET "\n", "user passwd alice");
	password(SECRET);
	assert_run(1, NULL, "--user alice db list");
	password("new-" SECRET);
	assert_run(0, NULL, "--user alice db list");
	assert_run(0, NULL, "user disable alice");
	assert_run(1, NULL, "--user alice db list");
	assert_err("folio: db list: invalid user name or password\n");
	assert_run(0, NULL, "user disable alice --enable");
	assert_run(0, NULL, "--user alice db list");
	assert_run(0, NULL, "user rm alice");
	assert_run(1, NULL, "--user alice db list");
	assert_err("folio: db list: invalid user name or password\n");
	assert_run(0, NULL, "user list");
	assert_string_equal(out, "bob\ncarol\n");
	assert_run(0, NULL, "help user");
	assert_true(strstr(out, "usage: folio user add") != NULL);
}

static void test_login(void **state)
{
	const char *good, *bad;

	password(SECRET);
	assert_run(0, NULL, "user add alice");
	assert_run(0, NULL, "db create crm");
	password(NULL);

	/* --user with the right password: the command runs as alice */
	good = write_file("good.pw", SECRET "\n");
	assert_run(0, NULL, "--user alice --password-file %s db list", good);
	assert_string_equal(out, "crm\n");
	assert_run(0, "{\"x\":1}", "--user alice --password-file %s put crm _default d1", good);
	assert_run(0, NULL, "get crm _default d1");
	assert_true(strstr(out, "\"_cuser\":\"alice\"") != NULL);
	password(SECRET);
	assert_run(0, NULL, "--user=alice db list");

	/* a wrong password and an unknown user: the same line, exit 1 */
	password("wrong");
	assert_run(1, NULL, "--user alice db list");
	assert_err("folio: db list: invalid user name or password\n");
	assert_string_equal(out, "");
	assert_run(1, NULL, "--user nobody db list");
	assert_err("folio: db list: invalid user name or password\n");
	password(NULL);
	bad = write_file("bad.pw", "wrong\n");
	assert_run(1, NULL, "--user alice --password-file %s get crm _default d1", bad);
	assert_err("folio: get: invalid user name or password\n");
	assert_string_equal(out, "");
	assert_run(1, NULL, "--user 'bad\tname' --password-file %s db list", good);
	assert_err("folio: db list: invalid user name or password\n");

	/* no password: a usage error (stdin is the command's, never the password's) */
	assert_run(2, SECRET "\n", "--user alice db list");
	assert_error_line("db list", "no password for --user alice");
	assert_run(1, NULL, "--user alice --password-file /nonexistent db list");
	assert_error_line("db list", "cannot open password file");
	assert_run(2, NULL, "--password-file %s db list", good);
	/* there is no option that takes a password, and its value is never echoed */
	assert_run(2, NULL, "--password=" SECRET " db list");
	assert_true(strstr(err, "no --password option") != NULL);
	assert_run(2, NULL, "--password " SECRET " db list");
	assert_run(2, NULL, "--passw=" SECRET " db list");

	/* without --user: the administrator */
	assert_run(0, "{\"x\":2}", "put crm _default d2");
	assert_run(0, NULL, "get crm _default d2");
	assert_true(strstr(out, "\"_cuser\":\"admin\"") != NULL);
	assert_run(0, NULL, "--help");
	assert_true(strstr(out, "without --user, the") != NULL);
	assert_true(strstr(out, "server administrator") != NULL);
}

static void test_groups(void **state)
{
	password(SECRET);
	assert_run(0, NULL, "user add alice");
	password(NULL);
	assert_run(0, NULL, "group add g1 alice");
	assert_run(0, NULL, "group add g2 g1");
	assert_run(0, NULL, "group add g2 bob");
	assert_run(0, NULL, "group list");
	assert_string_equal(out, "g1\ng2\n");
	assert_run(0, NULL, "group members g2");
	assert_string_equal(out, "bob\ng1\n");
	assert_run(1, NULL, "group add g1 g2");
	assert_error_line("group add", "cycle");
	assert_run(1, NULL, "group add g1 g1");
	assert_error_line("group add", "itself");
	assert_run(1, NULL, "group add alice g1");
	assert_error_line("group add", "alice is a user");
	assert_run(1, NULL, "group members nope");
	assert_error_line("group members", "no group nope");
	assert_run(2, NULL, "group add g1");
	assert_run(2, NULL, "group members");
	assert_run(0, NULL, "group rm g2 bob");
	assert_run(1, NULL, "group rm g2 bob");
	assert_error_line("group rm", "bob is not a member of g2");
	assert_run(0, NULL, "group rm g2");
	assert_run(0, NULL, "group list");
	assert_string_equal(out, "g1\n");
	assert_run(0, NULL, "group members g1");
	assert_string_equal(out, "alice\n");
}

/* Every command runs as --user, with the same enforcement. */
static void test_rights(void **state)
{
	password(SECRET);
	assert_run(0, NULL, "user add alice");
	assert_run(1, NULL, "--user alice user list");
	assert_error_line("user list", "alice may not list users");
	assert_run(1, "x\n", "--user alice user add bob");
	assert_error_line("user add", "may not");
	assert_run(1, NULL, "--user alice group add g alice");
	assert_error_line("group add", "may not");
	assert_run(1, NULL, "--user alice server-acl set alice admin");
	assert_error_line("server-acl set", "may not");
	assert_run(1, NULL, "--user alice server-acl show");

	/* her own password: the new one from stdin (FOLIO_PASSWORD was the login's) */
	assert_run(0, "second-" SECRET "\n", "--user alice user passwd alice");
	assert_run(1, NULL, "--user alice db list");
	password("second-" SECRET);
	assert_run(0, NULL, "--user alice db list");

	/* "admin" in the server ACL, through a group */
	assert_run(0, NULL, "group add admins alice");
	assert_run(0, NULL, "server-acl set admins admin");
	assert_run(0, NULL, "server-acl set '*' create");
	assert_run(0, NULL, "server-acl show");
	assert_string_equal(out, "{\"*\":\"create\",\"admins\":\"admin\"}\n");
	assert_run(0, NULL, "--user alice user list");
	assert_string_equal(out, "alice\n");
	assert_run(0, "bobs-" SECRET "\n", "--user alice user add bob");
	assert_run(0, NULL, "--user alice user list");
	assert_string_equal(out, "alice\nbob\n");
	assert_run(1, NULL, "server-acl set admins root");
	assert_error_line("server-acl set", "invalid server rights");
	assert_run(2, NULL, "server-acl set admins ''");
	assert_run(0, NULL, "server-acl rm admins");
	assert_run(1, NULL, "server-acl rm admins");
	assert_run(1, NULL, "--user alice user list");
}

static void test_config(void **state)
{
	const char *good, *bad, *ldap;

	password(SECRET);
	assert_run(0, NULL, "user add alice");
	good = write_file("good.json",
			  "{\"directory\": {\"order\": [\"builtin\"], \"cache_ttl\": 0}}\n");
	assert_run(0, NULL, "--config %s --user alice db list", good);
	assert_int_equal(setenv("FOLIO_CONFIG", good, 1), 0);
	assert_run(0, NULL, "--user alice db list");

	bad = write_file("bad.json", "{\"directory\": {\"order\": [\"x500\"]}}");
	assert_run(1, NULL, "--config %s --user alice db list", bad);
	assert_error_line("db list", "directory.order");
	assert_int_equal(setenv("FOLIO_CONFIG", bad, 1), 0);
	assert_run(1, NULL, "db list");
	assert_error_line("db list", "configuration");
	/* --config wins over FOLIO_CONFIG */
	assert_run(0, NULL, "--config %s db list", good);
	unsetenv("FOLIO_CONFIG");
	assert_run(1, NULL, "--config /nonexistent.json db list");
	assert_error_line("db list", "cannot open configuration /nonexistent.json");
	ldap = write_file("ldap.json", "{\"directory\": {\"order\": [\"ldap\"]}}");
	assert_run(1, NULL, "--config %s db list", ldap);
	assert_error_line("db list", "directory.ldap");
	assert_run(1, NULL, "--config %s db list", write_file("nojson.json", "{\"directory\":"));
	assert_error_line("db list", "not JSON");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
