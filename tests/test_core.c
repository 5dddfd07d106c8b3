/* backends: all */
/* Servers, Sessions, databases and stores through the public API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testenv.h"

static void test_server_open_close(void **state)
{
	folio_server *srv;
	(void)state;
	assert_ok(folio_server_open(&srv, folio_test_url(), NULL));
	assert_int_equal(folio_server_schema_version(srv), FOLIO_SCHEMA_VERSION);
	assert_string_equal(folio_server_dialect(srv),
			    strcmp(folio_test_backend(), "sqlite") == 0 ? "sqlite"
									: folio_server_dialect(srv));
	assert_non_null(folio_server_url(srv));
	folio_server_close(srv);
	folio_server_close(NULL);
}

static void test_server_bad_urls(void **state)
{
	folio_server *srv = (folio_server *)1;
	(void)state;
	assert_folio(FOLIO_EINVALID, folio_server_open(&srv, "nosuch://x", NULL));
	assert_null(srv);
	assert_non_null(strstr(folio_error_last(), "nosuch"));
	assert_folio(FOLIO_EINVALID, folio_server_open(&srv, "", NULL));
	assert_folio(FOLIO_EINVALID, folio_server_open(&srv, NULL, NULL));
	/* A missing directory is an error, not a silent mkdir. */
	assert_true(folio_server_open(&srv, "sqlite:/nonexistent-dir-folio/x/y.db", NULL) < 0);
	assert_non_null(strstr(folio_error_last(), "/nonexistent-dir-folio/x/y.db"));
}

static void test_server_reopen_keeps_data(void **state)
{
	char url[1024];
	folio_server *srv;
	folio_session *ses;
	folio_strlist *l;
	(void)state;
	snprintf(url, sizeof(url), "%s", folio_test_url());
	assert_ok(folio_server_open(&srv, url, NULL));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_create(ses, "crm"));
	folio_session_free(ses);
	folio_server_close(srv);
	assert_ok(folio_server_open(&srv, url, NULL));
	assert_ok(folio_session_open(&ses, srv, "alice", NULL));
	assert_ok(folio_db_list(&l, ses));
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0], "crm");
	folio_strlist_free(l);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_memory_server(void **state)
{
	folio_server *srv;
	folio_session *ses;
	(void)state;
	if (strcmp(folio_test_backend(), "sqlite") != 0)
		return; /* sqlite::memory: is a SQLite URL; other backends test their own */
	assert_ok(folio_server_open(&srv, "sqlite::memory:", NULL));
	assert_ok(folio_session_open(&ses, srv, NULL, NULL));
	assert_string_equal(folio_session_user(ses), "anonymous");
	assert_ptr_equal(folio_session_server(ses), srv);
	/* anonymous may not create databases (docs/security.md); the administrator may */
	assert_folio(FOLIO_EACCESS, folio_db_create(ses, "m"));
	folio_session_free(ses);
	assert_ok(folio_session_open_admin(&ses, srv));
	assert_ok(folio_db_create(ses, "m"));
	assert_int_equal(folio_db_exists(ses, "m"), 1);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_session_names(void **state)
{
	folio_server *srv;
	folio_session *ses;
	(void)state;
	folio_test_open(&srv, &ses, "Alice Smith/Acme");
	assert_string_equal(folio_session_user(ses), "Alice Smith/Acme");
	folio_session_free(ses);
	assert_folio(FOLIO_EINVALID, folio_session_open(&ses, srv, "bad\nname", NULL));
	assert_folio(FOLIO_EINVALID, folio_session_open(&ses, srv, " padded", NULL));
	assert_ok(folio_session_open(&ses, srv, "", NULL));
	assert_string_equal(folio_session_user(ses), "anonymous");
	folio_session_free(ses);
	folio_session_free(NULL);
	folio_server_close(srv);
}

static void test_db_lifecycle(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_strlist *l;
	char *replica = NULL, *replica2 = NULL;
	int64_t seq = -1;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_list(&l, ses));
	assert_int_equal(l->count, 0);
	folio_strlist_free(l);

	assert_ok(folio_db_create(ses, "sales"));
	assert_ok(folio_db_create(ses, "crm"));
	assert_folio(FOLIO_EEXISTS, folio_db_create(ses, "crm"));
	assert_non_null(strstr(folio_error_last(), "crm"));
	assert_ok(folio_db_list(&l, ses));
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0], "crm");
	assert_string_equal(l->items[1], "sales");
	folio_strlist_free(l);

	assert_int_equal(folio_db_exists(ses, "crm"), 1);
	assert_int_equal(folio_db_exists(ses, "nope"), 0);
	assert_int_equal(folio_db_exists(ses, "Bad Name"), 0);

	assert_ok(folio_db_replica_id(&replica, ses, "crm"));
	assert_int_equal(strlen(replica), 26);
	assert_ok(folio_db_replica_id(&replica2, ses, "sales"));
	assert_string_not_equal(replica, replica2);
	free(replica);
	free(replica2);
	assert_ok(folio_db_last_seq(&seq, ses, "crm"));
	assert_int_equal(seq, 0);
	assert_folio(FOLIO_ENOTFOUND, folio_db_last_seq(&seq, ses, "nope"));

	assert_ok(folio_db_drop(ses, "crm"));
	assert_folio(FOLIO_ENOTFOUND, folio_db_drop(ses, "crm"));
	assert_int_equal(folio_db_exists(ses, "crm"), 0);
	/* A dropped name can be created again, empty. */
	assert_ok(folio_db_create(ses, "crm"));
	assert_ok(folio_store_list(&l, ses, "crm"));
	assert_int_equal(l->count, 4);
	folio_strlist_free(l);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_db_names(void **state)
{
	static const char *const bad[] = {"", "1abc", "Abc", "a-b", "a b", "folio",
					  "abcdefghijklmnopqrstuvwxyz01234", "x;drop", "a'b", NULL};
	folio_server *srv;
	folio_session *ses;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	for (int i = 0; bad[i]; i++) {
		assert_folio(FOLIO_EINVALID, folio_db_create(ses, bad[i]));
		assert_folio(FOLIO_EINVALID, folio_db_drop(ses, bad[i]));
	}
	assert_folio(FOLIO_EINVALID, folio_db_create(ses, NULL));
	assert_int_equal(folio_db_name_valid("abcdefghijklmnopqrstuvwxyz0123"), 1);
	assert_ok(folio_db_create(ses, "abcdefghijklmnopqrstuvwxyz0123"));
	assert_ok(folio_db_create(ses, "a_1"));
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_store_lifecycle(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_strlist *l;
	folio_store *st;
	int64_t n = -1;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_create(ses, "crm"));
	assert_ok(folio_store_list(&l, ses, "crm"));
	assert_int_equal(l->count, 4);
	assert_string_equal(l->items[0], "_comments");
	assert_string_equal(l->items[1], "_default");
	assert_string_equal(l->items[2], "_design");
	assert_string_equal(l->items[3], "_local");
	folio_strlist_free(l);

	assert_ok(folio_store_create(ses, "crm", "customers", NULL));
	assert_folio(FOLIO_EEXISTS, folio_store_create(ses, "crm", "customers", NULL));
	assert_folio(FOLIO_ENOTFOUND, folio_store_create(ses, "nodb", "customers", NULL));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "_mine", NULL));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "a b", NULL));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "x", "{\"nope\":1}"));
	assert_non_null(strstr(folio_error_last(), "nope"));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "x", "[1]"));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "x", "{\"fts\":1}"));
	assert_folio(FOLIO_EINVALID,
		     folio_store_create(ses, "crm", "x", "{\"fields\":[{\"name\":\"a b\"}]}"));
	assert_folio(FOLIO_EINVALID,
		     folio_store_create(ses, "crm", "x",
					"{\"fields\":[{\"name\":\"a\",\"type\":\"blob\"}]}"));
	assert_folio(FOLIO_EINVALID, folio_store_create(ses, "crm", "x", "{bad json"));

	assert_ok(folio_store_open(&st, ses, "crm", "customers"));
	assert_string_equal(folio_store_name(st), "customers");
	assert_string_equal(folio_store_db_name(st), "crm");
	assert_ptr_equal(folio_store_session(st), ses);
	assert_string_equal(folio_store_options(st), "{}");
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 0);
	assert_ok(folio_store_set_options(
		st, "{\"label\":\"Customers\",\"fts\":true,"
		    "\"fields\":[{\"name\":\"city\",\"path\":\"address.city\"}]}"));
	assert_non_null(strstr(folio_store_options(st), "\"type\":\"string\""));
	assert_folio(FOLIO_EINVALID, folio_store_set_options(st, "{\"fts\":\"yes\"}"));
	folio_store_free(st);
	/* The options were stored. */
	assert_ok(folio_store_open(&st, ses, "crm", "customers"));
	assert_non_null(strstr(folio_store_options(st), "Customers"));
	folio_store_free(st);

	assert_folio(FOLIO_ENOTFOUND, folio_store_open(&st, ses, "crm", "nosuch"));
	assert_folio(FOLIO_ENOTFOUND, folio_store_open(&st, ses, "nodb", "customers"));
	assert_folio(FOLIO_EINVALID, folio_store_open(&st, ses, "crm", "bad name"));
	assert_ok(folio_store_open(&st, ses, "crm", "_local"));
	folio_store_free(st);

	assert_folio(FOLIO_EINVALID, folio_store_drop(ses, "crm", "_default"));
	assert_ok(folio_store_drop(ses, "crm", "customers"));
	assert_folio(FOLIO_ENOTFOUND, folio_store_drop(ses, "crm", "customers"));
	assert_ok(folio_store_list(&l, ses, "crm"));
	assert_int_equal(l->count, 4);
	folio_strlist_free(l);
	assert_folio(FOLIO_ENOTFOUND, folio_store_list(&l, ses, "nodb"));
	folio_store_free(NULL);
	folio_session_free(ses);
	folio_server_close(srv);
}

static int collect(const char *unid, void *payload)
{
	folio_strlist *l = payload;
	l->items[l->count++] = strdup(unid);
	return 0;
}

static int stop_at_two(const char *unid, void *payload)
{
	int *n = payload;
	(void)unid;
	return ++*n == 2 ? 42 : 0;
}

static void test_store_drop_erases_documents(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
	folio_doc *doc;
	folio_strlist l = {0, NULL};
	int64_t n;
	int stops = 0;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_create(ses, "crm"));
	assert_ok(folio_store_create(ses, "crm", "tmp", NULL));
	assert_ok(folio_store_open(&st, ses, "crm", "tmp"));
	for (int i = 0; i < 3; i++) {
		char unid[16];
		snprintf(unid, sizeof(unid), "d%d", 2 - i);
		assert_ok(folio_doc_new(&doc, st, unid));
		assert_ok(folio_doc_set_json(doc, "{\"_tags\":[\"x\"],\"_readers\":[\"alice\"]}"));
		assert_ok(folio_doc_save(doc, 0));
		folio_doc_free(doc);
	}
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 3);
	l.items = calloc(8, sizeof(char *));
	assert_ok(folio_store_foreach_unid(st, collect, &l));
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0], "d0");
	assert_string_equal(l.items[2], "d2");
	for (size_t i = 0; i < l.count; i++)
		free(l.items[i]);
	free(l.items);
	assert_int_equal(folio_store_foreach_unid(st, stop_at_two, &stops), 42);
	folio_store_free(st);

	assert_ok(folio_store_drop(ses, "crm", "tmp"));
	assert_ok(folio_store_create(ses, "crm", "tmp", NULL));
	assert_ok(folio_store_open(&st, ses, "crm", "tmp"));
	assert_ok(folio_store_count(&n, st));
	assert_int_equal(n, 0);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&doc, st, "d1"));
	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_databases_are_separate(void **state)
{
	folio_server *srv;
	folio_session *ses;
	folio_store *a, *b;
	folio_doc *doc;
	(void)state;
	folio_test_open(&srv, &ses, "alice");
	assert_ok(folio_db_create(ses, "one"));
	assert_ok(folio_db_create(ses, "two"));
	assert_ok(folio_store_open(&a, ses, "one", "_default"));
	assert_ok(folio_store_open(&b, ses, "two", "_default"));
	assert_ok(folio_doc_new(&doc, a, "same"));
	assert_ok(folio_doc_save(doc, 0));
	folio_doc_free(doc);
	assert_folio(FOLIO_ENOTFOUND, folio_doc_load(&doc, b, "same"));
	assert_ok(folio_db_drop(ses, "two"));
	folio_store_free(b);
	assert_ok(folio_doc_load(&doc, a, "same"));
	folio_doc_free(doc);
	folio_store_free(a);
	folio_session_free(ses);
	folio_server_close(srv);
}

static void test_pool_exhaustion(void **state)
{
	folio_server_options o = {0};
	folio_server *srv;
	folio_session *s1, *s2;
	(void)state;
	o.pool_size = 1;
	o.acquire_timeout_ms = 200;
	assert_ok(folio_server_open(&srv, folio_test_url(), &o));
	assert_ok(folio_session_open(&s1, srv, "a", NULL));
	assert_ok(folio_session_open(&s2, srv, "b", NULL));
	assert_ok(folio_session_begin(s1)); /* holds the only connection */
	assert_folio(FOLIO_EBUSY, folio_db_create(s2, "x"));
	assert_non_null(strstr(folio_error_last(), "pool"));
	assert_ok(folio_session_commit(s1));
	assert_ok(folio_db_create(s2, "x"));
	folio_session_free(s1);
	folio_session_free(s2);
	folio_server_close(srv);
}

static void test_error_api(void **state)
{
	folio_server *srv;
	(void)state;
	folio_error_clear();
	assert_int_equal(folio_error_code(), 0);
	assert_string_equal(folio_error_last(), "");
	assert_true(folio_server_open(&srv, "bogus:x", NULL) < 0);
	assert_int_equal(folio_error_code(), FOLIO_EINVALID);
	assert_string_equal(folio_error_name(FOLIO_ECONFLICT), "FOLIO_ECONFLICT");
	assert_string_equal(folio_version(), FOLIO_VERSION_STRING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_open_close),
		cmocka_unit_test(test_server_bad_urls),
		cmocka_unit_test(test_server_reopen_keeps_data),
		cmocka_unit_test(test_memory_server),
		cmocka_unit_test(test_session_names),
		cmocka_unit_test(test_db_lifecycle),
		cmocka_unit_test(test_db_names),
		cmocka_unit_test(test_store_lifecycle),
		cmocka_unit_test(test_store_drop_erases_documents),
		cmocka_unit_test(test_databases_are_separate),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_error_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
