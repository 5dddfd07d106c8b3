/* backends: all */
/*
 * The directory (include/folio/security.h, security/directory.c, users.c,
 * login.c, password.c): built-in users and groups, logins, the identity a
 * Session carries and how long it outlives a change, the server ACL's admin
 * right, the slow-down of repeated failures, and what a failure says.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "testenv.h"
#include "internal.h"
#include "directory.h"

#define SECRET "Tr0ub4dor&3-not-in-any-error"

typedef struct fx {
	char url[4096];
	folio_server *srv;
	folio_session *admin;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->url, sizeof(f->url), "%s", folio_test_url());
	assert_ok(folio_server_open(&f->srv, f->url, NULL));
	assert_ok(folio_session_open_admin(&f->admin, f->srv));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	folio_session_free(f->admin);
	folio_server_close(f->srv);
	free(f);
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The list's items joined by commas ("" for none). */
static const char *joined(folio_strlist *l)
{
	static char buf[1024];
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < l->count; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "", l->items[i]);
	folio_strlist_free(l);
	return buf;
}

static const char *groups_of(const folio_session *ses)
{
	static char buf[1024];
	const char *const *g = folio_session_groups(ses);
	size_t o = 0;
	buf[0] = 0;
	assert_non_null(g);
	for (int i = 0; g[i]; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "", g[i]);
	return buf;
}

static const char *users(fx *f)
{
	folio_strlist *l = NULL;
	assert_ok(folio_user_list(&l, f->admin));
	return joined(l);
}

/* Logs in; returns the code, the Session in *ses (NULL on failure). */
static int login(folio_session **ses, fx *f, const char *name, const char *pw)
{
	int rc = folio_session_login(ses, f->srv, name, pw);
	if (rc != 0)
		assert_null(*ses);
	return rc;
}

static void assert_login_ok(fx *f, const char *name, const char *pw)
{
	folio_session *s = NULL;
	assert_ok(login(&s, f, name, pw));
	assert_string_equal(folio_session_user(s), name);
	folio_session_free(s);
}

static void assert_login_refused(fx *f, const char *name, const char *pw)
{
	folio_session *s = NULL;
	assert_folio(FOLIO_EACCESS, login(&s, f, name, pw));
	assert_string_equal(folio_error_last(), "invalid user name or password");
}

static void configure_ttl(folio_server *srv, int ttl)
{
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "{\"directory\": {\"order\": [\"builtin\"], \"cache_ttl\": %d}}",
		 ttl);
	assert_ok(folio_server_configure(srv, cfg));
}

static void test_users(void **state)
{
	fx *f = *state;

	assert_string_equal(users(f), "");
	assert_ok(folio_user_add(f->admin, "bob", "pw-bob"));
	assert_ok(folio_user_add(f->admin, "alice", "pw-alice"));
	assert_ok(folio_user_add(f->admin, "Zoë Ünïcode", "pw-zoe"));
	/* byte order, the same on every engine */
	assert_string_equal(users(f), "Zoë Ünïcode,alice,bob");
	assert_folio(FOLIO_EEXISTS, folio_user_add(f->admin, "alice", "other"));
	assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, "carol", ""));
	assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, "carol", NULL));
	assert_login_ok(f, "Zoë Ünïcode", "pw-zoe");

	/* disable, enable */
	assert_ok(folio_user_disable(f->admin, "alice", 1));
	assert_login_refused(f, "alice", "pw-alice");
	assert_ok(folio_user_disable(f->admin, "alice", 1)); /* again: no change, no error */
	assert_ok(folio_user_disable(f->admin, "alice", 0));
	assert_login_ok(f, "alice", "pw-alice");
	assert_folio(FOLIO_ENOTFOUND, folio_user_disable(f->admin, "nobody", 1));

	/* passwd */
	assert_ok(folio_user_passwd(f->admin, "alice", "new-alice"));
	assert_login_refused(f, "alice", "pw-alice");
	assert_login_ok(f, "alice", "new-alice");
	assert_folio(FOLIO_ENOTFOUND, folio_user_passwd(f->admin, "nobody", "x"));

	/* remove */
	assert_ok(folio_user_remove(f->admin, "bob"));
	assert_string_equal(users(f), "Zoë Ünïcode,alice");
	assert_login_refused(f, "bob", "pw-bob");
	assert_folio(FOLIO_ENOTFOUND, folio_user_remove(f->admin, "bob"));
	/* made again: a new user, with the new password only */
	assert_ok(folio_user_add(f->admin, "bob", "pw-bob2"));
	assert_login_refused(f, "bob", "pw-bob");
	assert_login_ok(f, "bob", "pw-bob2");
}

/* The hash in the table is argon2id's encoded form, never the password. */
static void test_hash_format(void **state)
{
	fx *f = *state;
	folio_cx *cx;
	folio_q q;
	const char *h;

	assert_ok(folio_user_add(f->admin, "alice", SECRET));
	assert_ok(folio_pool__acquire(&cx, f->srv));
	assert_ok(folio_q__prep(&q, cx,
				"SELECT hash, disabled, mdate FROM folio_user WHERE name = ?"));
	assert_ok(folio_q__text(&q, 1, "alice"));
	assert_int_equal(folio_q__step(&q), FOLIO_ROW);
	h = folio_q__col_text(&q, 0, NULL);
	assert_non_null(h);
	assert_true(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
	assert_null(strstr(h, SECRET));
	assert_int_equal(folio_q__col_int(&q, 1), 0);
	assert_true(folio_time__valid(folio_q__col_text(&q, 2, NULL)));
	folio_q__done(&q);
	folio_pool__release(f->srv, cx);

	/* The dummy hash that unknown users are checked against costs what a real one does. */
	assert_true(sodium_init() >= 0);
	assert_int_equal(crypto_pwhash_str_needs_rehash(folio_pw__dummy_hash(),
							crypto_pwhash_OPSLIMIT_INTERACTIVE,
							crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
}

static double time_login(fx *f, const char *name, const char *pw)
{
	folio_session *s = NULL;
	double t0 = now();
	assert_folio(FOLIO_EACCESS, login(&s, f, name, pw));
	return now() - t0;
}

/* A wrong password and an unknown user: the same error, after about the same time. */
static void test_login_refusals_alike(void **state)
{
	fx *f = *state;
	folio_session *s = NULL;
	char wrong[1024], unknown[1024];
	double tw, tu;

	assert_ok(folio_user_add(f->admin, "alice", SECRET));
	assert_ok(login(&s, f, "alice", SECRET));
	assert_string_equal(folio_session_user(s), "alice");
	assert_int_equal(folio_session_is_admin(s), 0);
	folio_session_free(s);

	/* each name fails once: no slow-down yet */
	tw = time_login(f, "alice", "wrong");
	snprintf(wrong, sizeof(wrong), "%d %s", folio_error_code(), folio_error_last());
	tu = time_login(f, "nobody", "wrong");
	snprintf(unknown, sizeof(unknown), "%d %s", folio_error_code(), folio_error_last());
	assert_string_equal(wrong, unknown);
	assert_string_equal(folio_error_last(), "invalid user name or password");
	/* both pay for one argon2id verification (about 0.1 s), neither much more */
	print_message("wrong password %.3f s, unknown user %.3f s\n", tw, tu);
	assert_true(tw > 0.010);
	assert_true(tu > 0.010);
	assert_true(tw < 10 * tu && tu < 10 * tw);

	/* a disabled user, an invalid name, no password: the same answer */
	assert_ok(folio_user_disable(f->admin, "alice", 1));
	assert_login_refused(f, "alice", SECRET);
	assert_login_refused(f, "bad\nname", "x");
	assert_login_refused(f, "", "x");
	assert_login_refused(f, NULL, "x");
	assert_login_refused(f, "bob", NULL);
	assert_login_refused(f, "*", "x");
}

/*
 * Failures for a name slow down the next attempts for it, right password
 * included. (Only waits the library itself guarantees are asserted; the
 * hash's time depends on the machine's load.)
 */
static void test_slowdown(void **state)
{
	fx *f = *state;
	folio_session *s = NULL;
	double t0, slow;

	assert_ok(folio_user_add(f->admin, "alice", SECRET));
	assert_login_ok(f, "alice", SECRET);
	/* 0 + 0.1 + 0.2 s of waiting before the three answers */
	for (int i = 0; i < 3; i++)
		assert_login_refused(f, "alice", "guess");
	t0 = now();
	assert_ok(login(&s, f, "alice", SECRET)); /* waits 0.4 s first */
	slow = now() - t0;
	folio_session_free(s);
	print_message("after three failures: %.3f s\n", slow);
	assert_true(slow >= 0.39);
	/*
	 * The success forgot the failures: three more wait 0, 0.1 and 0.2 s and
	 * the next 0.4 s (without the reset, each would wait the 2 s cap).
	 */
	t0 = now();
	for (int i = 0; i < 3; i++)
		assert_login_refused(f, "alice", "guess");
	assert_login_refused(f, "alice", "guess");
	slow = now() - t0;
	print_message("four failures after a success: %.3f s\n", slow);
	assert_true(slow >= 0.69);
	assert_true(slow < 6.0);
	/* an unknown name is slowed down the same way */
	for (int i = 0; i < 3; i++)
		assert_login_refused(f, "nobody", "guess");
	t0 = now();
	assert_login_refused(f, "nobody", "guess");
	assert_true(now() - t0 >= 0.39);
}

static void test_nested_groups(void **state)
{
	fx *f = *state;
	folio_session *s = NULL, *t = NULL;
	folio_strlist *l = NULL;

	assert_ok(folio_user_add(f->admin, "a", "pw-a"));
	assert_ok(folio_group_add(f->admin, "g1", "a"));
	assert_ok(folio_group_add(f->admin, "g2", "g1"));
	assert_ok(folio_group_add(f->admin, "g3", "g2"));
	assert_ok(folio_group_add(f->admin, "other", "b"));
	assert_ok(login(&s, f, "a", "pw-a"));
	assert_string_equal(groups_of(s), "g1,g2,g3");
	/* a trusted Session: the same groups, read on first use */
	assert_ok(folio_session_open(&t, f->srv, "a", NULL));
	assert_string_equal(groups_of(t), "g1,g2,g3");
	folio_session_free(t);
	/* a name the directory does not know may still be a member */
	assert_ok(folio_session_open(&t, f->srv, "b", NULL));
	assert_string_equal(groups_of(t), "other");
	folio_session_free(t);
	/* anonymous and the administrator: no groups */
	assert_ok(folio_session_open(&t, f->srv, NULL, NULL));
	assert_string_equal(folio_session_user(t), "anonymous");
	assert_string_equal(groups_of(t), "");
	folio_session_free(t);
	assert_string_equal(groups_of(f->admin), "");
	assert_int_equal(folio_session_is_admin(f->admin), 1);
	assert_int_equal(folio_session_is_admin(s), 0);
	folio_session_free(s);

	assert_ok(folio_group_list(&l, f->admin));
	assert_string_equal(joined(l), "g1,g2,g3,other");
	assert_ok(folio_group_members(&l, f->admin, "g2"));
	assert_string_equal(joined(l), "g1");
	assert_folio(FOLIO_ENOTFOUND, folio_group_members(&l, f->admin, "nope"));
	assert_null(l);
	assert_folio(FOLIO_EEXISTS, folio_group_add(f->admin, "g1", "a"));
	/* a name is a user or a group */
	assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, "a", "b"));
	assert_folio(FOLIO_EEXISTS, folio_user_add(f->admin, "g1", "pw"));

	/* removing a member, then a whole group (and its own memberships) */
	assert_ok(folio_group_remove(f->admin, "g1", "a"));
	assert_folio(FOLIO_ENOTFOUND, folio_group_remove(f->admin, "g1", "a"));
	assert_ok(login(&s, f, "a", "pw-a"));
	assert_string_equal(groups_of(s), "");
	folio_session_free(s);
	assert_ok(folio_group_add(f->admin, "g1", "a"));
	assert_ok(folio_group_remove(f->admin, "g2", NULL));
	assert_folio(FOLIO_ENOTFOUND, folio_group_remove(f->admin, "g2", NULL));
	assert_ok(folio_group_list(&l, f->admin));
	assert_string_equal(joined(l), "g1,other");
	assert_ok(login(&s, f, "a", "pw-a"));
	assert_string_equal(groups_of(s), "g1");
	folio_session_free(s);

	/* a removed user leaves its groups: the name made again starts with none */
	assert_ok(folio_user_remove(f->admin, "a"));
	assert_ok(folio_user_add(f->admin, "a", "pw-a"));
	assert_ok(login(&s, f, "a", "pw-a"));
	assert_string_equal(groups_of(s), "");
	folio_session_free(s);
}

static void test_cycles(void **state)
{
	fx *f = *state;
	folio_session *s = NULL;
	folio_cx *cx;
	folio_q q;

	assert_ok(folio_user_add(f->admin, "a", "pw-a"));
	assert_ok(folio_group_add(f->admin, "g1", "a"));
	assert_ok(folio_group_add(f->admin, "g2", "g1"));
	assert_ok(folio_group_add(f->admin, "g3", "g2"));
	assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, "g1", "g1"));
	assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, "g1", "g3"));
	assert_non_null(strstr(folio_error_last(), "cycle"));
	assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, "g2", "g3"));

	/* A cycle written behind the API's back: expansion still ends. */
	assert_ok(folio_pool__acquire(&cx, f->srv));
	assert_ok(folio_q__prep(&q, cx,
				"INSERT INTO folio_member (grp, member) VALUES ('g1', 'g3')"));
	assert_ok(folio_q__run(&q));
	folio_q__done(&q);
	folio_pool__release(f->srv, cx);
	folio_dir__changed(f->srv);
	assert_ok(login(&s, f, "a", "pw-a"));
	assert_string_equal(groups_of(s), "g1,g2,g3");
	folio_session_free(s);
}

/* Nesting deeper than the bound is not followed (and does not fail). */
static void test_depth_bound(void **state)
{
	fx *f = *state;
	folio_session *s = NULL;
	char g[32], prev[32];
	const char *const *gs;
	int n = 0;

	assert_ok(folio_user_add(f->admin, "a", "pw-a"));
	snprintf(prev, sizeof(prev), "a");
	assert_ok(folio_session_begin(f->admin));
	for (int i = 0; i < FOLIO_DIR_DEPTH + 4; i++) {
		snprintf(g, sizeof(g), "g%02d", i);
		assert_ok(folio_group_add(f->admin, g, prev));
		snprintf(prev, sizeof(prev), "%s", g);
	}
	assert_ok(folio_session_commit(f->admin));
	assert_ok(login(&s, f, "a", "pw-a"));
	gs = folio_session_groups(s);
	while (gs[n])
		n++;
	assert_int_equal(n, FOLIO_DIR_DEPTH);
	folio_session_free(s);
}

/*
 * Sessions of a disabled or removed user: refused at once in this process,
 * after the TTL in others.
 */
static void test_revocation(void **state)
{
	fx *f = *state;
	folio_server *other = NULL;
	folio_session *s = NULL, *t = NULL, *oa = NULL;

	configure_ttl(f->srv, 1);
	assert_ok(folio_user_add(f->admin, "alice", "pw"));
	assert_ok(folio_group_add(f->admin, "staff", "alice"));
	assert_ok(login(&s, f, "alice", "pw"));
	assert_ok(folio_session_open(&t, f->srv, "alice", NULL));
	assert_string_equal(groups_of(s), "staff");
	assert_string_equal(groups_of(t), "staff");

	/* Another process (another Server on the same database) removes her. */
	assert_ok(folio_server_open(&other, f->url, NULL));
	assert_ok(folio_session_open_admin(&oa, other));
	assert_ok(folio_user_remove(oa, "alice"));
	/* within the TTL, the Sessions still know her groups */
	assert_string_equal(groups_of(s), "staff");
	sleep(1);
	usleep(200 * 1000);
	/* after it, they have none and may do nothing of their own */
	assert_folio(FOLIO_EACCESS, folio_user_passwd(s, "alice", "mine"));
	assert_string_equal(groups_of(s), "");
	assert_string_equal(groups_of(t), "");
	assert_folio(FOLIO_EACCESS, folio_user_passwd(t, "alice", "mine"));
	/* and stay so when the name comes back: it is someone else */
	assert_ok(folio_user_add(oa, "alice", "pw2"));
	assert_ok(folio_group_add(oa, "staff", "alice"));
	sleep(1);
	usleep(200 * 1000);
	assert_string_equal(groups_of(s), "");
	assert_folio(FOLIO_EACCESS, folio_user_passwd(s, "alice", "mine"));
	folio_session_free(s);
	folio_session_free(t);

	/* Disabled in this process: at once, whatever the TTL. */
	configure_ttl(f->srv, 3600);
	assert_ok(login(&s, f, "alice", "pw2"));
	assert_ok(folio_session_open(&t, f->srv, "alice", NULL));
	assert_string_equal(groups_of(t), "staff");
	assert_ok(folio_user_disable(f->admin, "alice", 1));
	assert_string_equal(groups_of(s), "");
	assert_string_equal(groups_of(t), "");
	assert_folio(FOLIO_EACCESS, folio_user_passwd(s, "alice", "mine"));
	folio_session_free(s);
	folio_session_free(t);
	/* a trusted Session for a disabled user has nothing from the start */
	assert_ok(folio_session_open(&t, f->srv, "alice", NULL));
	assert_string_equal(groups_of(t), "");
	assert_folio(FOLIO_EACCESS, folio_user_passwd(t, "alice", "mine"));
	folio_session_free(t);

	/* With a TTL of 0, another process's change is seen at the next use. */
	configure_ttl(f->srv, 0);
	assert_ok(folio_user_disable(f->admin, "alice", 0));
	assert_ok(folio_session_open(&t, f->srv, "alice", NULL));
	assert_string_equal(groups_of(t), "staff");
	assert_ok(folio_group_remove(oa, "staff", "alice"));
	assert_string_equal(groups_of(t), "");
	folio_session_free(t);

	folio_session_free(oa);
	folio_server_close(other);
}

/* The directory and the server ACL are the administrator's, or an "admin" user's. */
static void test_rights(void **state)
{
	fx *f = *state;
	folio_session *s = NULL, *t = NULL, *anon = NULL;
	folio_strlist *l = NULL;
	char *acl = NULL;

	assert_ok(folio_user_add(f->admin, "alice", "pw-alice"));
	assert_ok(folio_user_add(f->admin, "bob", "pw-bob"));
	assert_ok(login(&s, f, "alice", "pw-alice"));
	assert_ok(folio_session_open(&t, f->srv, "alice", NULL));
	assert_ok(folio_session_open(&anon, f->srv, NULL, NULL));
	folio_session *all[] = {s, t, anon};
	for (int i = 0; i < 3; i++) {
		folio_session *x = all[i];
		assert_folio(FOLIO_EACCESS, folio_user_add(x, "carol", "pw"));
		assert_folio(FOLIO_EACCESS, folio_user_passwd(x, "bob", "pw"));
		assert_folio(FOLIO_EACCESS, folio_user_disable(x, "bob", 1));
		assert_folio(FOLIO_EACCESS, folio_user_remove(x, "bob"));
		assert_folio(FOLIO_EACCESS, folio_user_list(&l, x));
		assert_null(l);
		assert_folio(FOLIO_EACCESS, folio_group_add(x, "g", "alice"));
		assert_folio(FOLIO_EACCESS, folio_group_remove(x, "g", NULL));
		assert_folio(FOLIO_EACCESS, folio_group_list(&l, x));
		assert_folio(FOLIO_EACCESS, folio_group_members(&l, x, "g"));
		assert_folio(FOLIO_EACCESS, folio_server_acl_set(x, "alice", "admin"));
		assert_folio(FOLIO_EACCESS, folio_server_acl_get(&acl, x));
		assert_null(acl);
	}
	/* her own password, without the old one */
	assert_ok(folio_user_passwd(s, "alice", "new-alice"));
	assert_login_ok(f, "alice", "new-alice");
	assert_folio(FOLIO_EINVALID, folio_user_passwd(anon, "anonymous", "x"));

	/* "create" is not "admin"; "admin" through a group is */
	assert_ok(folio_server_acl_set(f->admin, "alice", "create"));
	assert_folio(FOLIO_EACCESS, folio_user_list(&l, s));
	assert_ok(folio_group_add(f->admin, "admins", "alice"));
	assert_ok(folio_server_acl_set(f->admin, "admins", "admin"));
	assert_ok(folio_user_list(&l, s));
	assert_string_equal(joined(l), "alice,bob");
	assert_ok(folio_user_add(s, "carol", "pw-carol"));
	assert_ok(folio_user_passwd(t, "bob", "pw-bob2"));
	assert_ok(folio_server_acl_get(&acl, s));
	assert_string_equal(acl, "{\"admins\":\"admin\",\"alice\":\"create\"}");
	free(acl);
	/* anonymous never, even with "*" */
	assert_ok(folio_server_acl_set(f->admin, "*", "admin"));
	assert_folio(FOLIO_EACCESS, folio_user_list(&l, anon));
	assert_ok(folio_server_acl_set(f->admin, "*", NULL));
	/* out of the group: no longer (at once in this process) */
	assert_ok(folio_group_remove(f->admin, "admins", "alice"));
	assert_folio(FOLIO_EACCESS, folio_user_list(&l, s));
	assert_folio(FOLIO_EACCESS, folio_user_list(&l, t));
	folio_session_free(s);
	folio_session_free(t);
	folio_session_free(anon);
}

static void test_server_acl(void **state)
{
	fx *f = *state;
	char *acl = NULL;

	assert_ok(folio_server_acl_get(&acl, f->admin));
	assert_string_equal(acl, "{}");
	free(acl);
	assert_ok(folio_server_acl_set(f->admin, "*", "create"));
	assert_ok(folio_server_acl_set(f->admin, "ops", "admin"));
	assert_ok(folio_server_acl_set(f->admin, "ops", "create")); /* replaced */
	assert_ok(folio_server_acl_get(&acl, f->admin));
	assert_string_equal(acl, "{\"*\":\"create\",\"ops\":\"create\"}");
	free(acl);
	assert_ok(folio_server_acl_set(f->admin, "ops", ""));
	assert_folio(FOLIO_ENOTFOUND, folio_server_acl_set(f->admin, "ops", NULL));
	assert_folio(FOLIO_EINVALID, folio_server_acl_set(f->admin, "ops", "root"));
	assert_folio(FOLIO_EINVALID, folio_server_acl_set(f->admin, "anonymous", "create"));
	assert_folio(FOLIO_EINVALID, folio_server_acl_set(f->admin, "[Role]", "create"));
	assert_folio(FOLIO_EINVALID, folio_server_acl_set(f->admin, "a\tb", "create"));
	assert_folio(FOLIO_EINVALID, folio_server_acl_set(f->admin, NULL, "create"));
	assert_ok(folio_server_acl_get(&acl, f->admin));
	assert_string_equal(acl, "{\"*\":\"create\"}");
	free(acl);
	/* a removed user's entry goes with it */
	assert_ok(folio_user_add(f->admin, "alice", "pw"));
	assert_ok(folio_server_acl_set(f->admin, "alice", "admin"));
	assert_ok(folio_user_remove(f->admin, "alice"));
	assert_ok(folio_server_acl_get(&acl, f->admin));
	assert_string_equal(acl, "{\"*\":\"create\"}");
	free(acl);
}

static void test_odd_names(void **state)
{
	fx *f = *state;
	char long_name[200];
	static const char *const bad[] = {"",      " lead",     "trail ",   "tab\there",
					  "nl\nx", "del\x7f",   "\xc3\x28", "\xed\xa0\x80",
					  "*",     "anonymous", "[Sales]",  NULL};

	memset(long_name, 'x', 129);
	long_name[129] = 0;
	for (int i = 0; bad[i]; i++) {
		assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, bad[i], "pw"));
		assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, bad[i], "x"));
		assert_folio(FOLIO_EINVALID, folio_group_add(f->admin, "g", bad[i]));
		assert_folio(FOLIO_EINVALID, folio_user_passwd(f->admin, bad[i], "pw"));
		assert_folio(FOLIO_EINVALID, folio_user_remove(f->admin, bad[i]));
	}
	assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, long_name, "pw"));
	assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, NULL, "pw"));
	long_name[128] = 0;
	assert_ok(folio_user_add(f->admin, long_name, "pw"));
	/* quotes and SQL are only ever values */
	assert_ok(folio_user_add(f->admin, "o'brien; DROP TABLE folio_user --", "pw"));
	assert_non_null(strstr(users(f), "o'brien; DROP TABLE folio_user --"));
	assert_login_ok(f, "o'brien; DROP TABLE folio_user --", "pw");
	assert_login_refused(f, "o'brien", "pw");
}

/* The password is never in an error, whatever fails. */
static void test_password_not_in_errors(void **state)
{
	fx *f = *state;
	folio_session *s = NULL, *anon = NULL;
	char long_pw[5000];

	assert_ok(folio_user_add(f->admin, "alice", SECRET));
#define NO_SECRET(call)                                                                            \
	do {                                                                                       \
		assert_true((call) < 0);                                                           \
		if (strstr(folio_error_last(), SECRET))                                            \
			fail_msg("%s: the password is in the error: %s", #call,                    \
				 folio_error_last());                                              \
	} while (0)
	NO_SECRET(folio_session_login(&s, f->srv, "alice", SECRET "x"));
	NO_SECRET(folio_session_login(&s, f->srv, "nobody", SECRET));
	NO_SECRET(folio_session_login(&s, f->srv, "bad\nname", SECRET));
	NO_SECRET(folio_user_add(f->admin, "alice", SECRET));
	NO_SECRET(folio_user_add(f->admin, " bad", SECRET));
	NO_SECRET(folio_user_passwd(f->admin, "nobody", SECRET));
	assert_ok(folio_session_open(&anon, f->srv, NULL, NULL));
	NO_SECRET(folio_user_add(anon, "bob", SECRET));
	NO_SECRET(folio_user_passwd(anon, "alice", SECRET));
	folio_session_free(anon);
	memset(long_pw, 'p', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = 0;
	assert_folio(FOLIO_EINVALID, folio_user_add(f->admin, "bob", long_pw));
	assert_null(strstr(folio_error_last(), "pppppppp"));
	assert_login_refused(f, "alice", long_pw);
#undef NO_SECRET
}

static void test_configure(void **state)
{
	fx *f = *state;
	static const struct {
		const char *json, *needle;
	} bad[] = {
		{"", "not JSON"},
		{"{", "not JSON"},
		{"{} x", "not JSON"},
		{"[]", "object"},
		{"{\"dir\": {}}", "dir"},
		{"{\"directory\": 3}", "directory"},
		{"{\"directory\": {\"orders\": []}}", "directory.orders"},
		{"{\"directory\": {\"order\": []}}", "directory.order"},
		{"{\"directory\": {\"order\": [\"builtin\", \"builtin\"]}}", "directory.order"},
		{"{\"directory\": {\"order\": [\"x500\"]}}", "directory.order"},
		{"{\"directory\": {\"order\": [\"ldap\"]}}", "directory.ldap"},
		{"{\"directory\": {\"order\": [\"builtin\"], \"ldap\": {}}}", "directory.ldap"},
		{"{\"directory\": {\"cache_ttl\": -1}}", "directory.cache_ttl"},
		{"{\"directory\": {\"cache_ttl\": \"60\"}}", "directory.cache_ttl"},
		{"{\"directory\": {\"ldap\": 1}}", "directory.ldap"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = folio_server_configure(f->srv, bad[i].json);
		if (rc != FOLIO_EINVALID || !strstr(folio_error_last(), bad[i].needle))
			fail_msg("%s: got %d (%s)", bad[i].json, rc, folio_error_last());
	}
	assert_folio(FOLIO_EINVALID, folio_server_configure(f->srv, NULL));
	assert_ok(folio_server_configure(f->srv, "{}"));
	assert_ok(folio_server_configure(f->srv, " {\"directory\": {}} \n"));
	assert_ok(folio_server_configure(
		f->srv, "{\"directory\": {\"order\": [\"builtin\"], \"cache_ttl\": 0.5}}"));
	/* the built-in directory still answers after a failed configuration */
	assert_ok(folio_user_add(f->admin, "alice", "pw"));
	assert_int_equal(folio_server_configure(f->srv, "{\"directory\": {\"order\": [\"ldap\"]}}"),
			 FOLIO_EINVALID);
	assert_login_ok(f, "alice", "pw");
}

/* Directory changes follow the caller's transaction. */
static void test_in_transaction(void **state)
{
	fx *f = *state;

	assert_ok(folio_session_begin(f->admin));
	assert_ok(folio_user_add(f->admin, "alice", "pw"));
	assert_ok(folio_group_add(f->admin, "g", "alice"));
	assert_ok(folio_session_rollback(f->admin));
	assert_string_equal(users(f), "");
	assert_login_refused(f, "alice", "pw");
	assert_ok(folio_session_begin(f->admin));
	assert_ok(folio_user_add(f->admin, "alice", "pw"));
	assert_ok(folio_session_commit(f->admin));
	assert_login_ok(f, "alice", "pw");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_refusals_alike, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slowdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_not_in_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
