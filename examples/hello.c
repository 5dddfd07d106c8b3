/*
 * hello: a tour of folio's C API (the README's example, as a program).
 *
 *   ./build/bench/folio_example_hello                 in memory
 *   ./build/bench/folio_example_hello sqlite:./hello.db
 *
 * Opens a Server, a Session, creates a database and a store, saves a document
 * with a generated UNID, loads it back, imports two more in a batch, and
 * reads the changes feed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <folio/folio.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "hello: %s: %s: %s\n", what, folio_error_name(rc), folio_error_last());
	return 1;
}

static int print_change(const folio_change *c, void *payload)
{
	(void)payload;
	printf("  seq %lld  %s/%s  rev %s%s\n", (long long)c->seq, c->store, c->unid, c->rev,
	       c->deleted ? "  (deleted)" : "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : "sqlite::memory:";
	folio_server *srv = NULL;
	folio_session *ses = NULL;
	folio_store *st = NULL;
	folio_doc *doc = NULL;
	folio_batch *batch = NULL;
	char unid[FOLIO_UNID_MAX + 1];
	char *json = NULL, *city = NULL;
	int64_t last = 0;
	int rc, ret = 1;

	rc = folio_server_open(&srv, url, NULL);
	if (rc != 0)
		return fail("folio_server_open", rc);
	rc = folio_session_open(&ses, srv, "alice", NULL);
	if (rc != 0) {
		fail("folio_session_open", rc);
		goto out;
	}

	/* A database, and a store that extracts two fields for queries. */
	rc = folio_db_create(ses, "crm");
	if (rc != 0 && rc != FOLIO_EEXISTS) {
		fail("folio_db_create", rc);
		goto out;
	}
	rc = folio_store_create(ses, "crm", "customers",
				"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"
				"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"}]}");
	if (rc != 0 && rc != FOLIO_EEXISTS) {
		fail("folio_store_create", rc);
		goto out;
	}
	rc = folio_store_open(&st, ses, "crm", "customers");
	if (rc != 0) {
		fail("folio_store_open", rc);
		goto out;
	}

	/* A new document with a generated UNID (a ULID). */
	rc = folio_doc_new(&doc, st, NULL);
	if (rc == 0)
		rc = folio_doc_set_json(doc, "{\"name\":\"ACME\",\"city\":\"Lyon\",\"age\":42}");
	if (rc == 0)
		rc = folio_doc_save(doc, FOLIO_SAVE_CHECK_CONFLICT);
	if (rc != 0) {
		fail("save", rc);
		goto out;
	}
	snprintf(unid, sizeof(unid), "%s", folio_doc_unid(doc));
	printf("saved %s rev %s by %s\n", unid, folio_doc_rev(doc), folio_doc_cuser(doc));
	folio_doc_free(doc);
	doc = NULL;

	/* Load it back: the body, one value by its path, the wire form. */
	rc = folio_doc_load(&doc, st, unid);
	if (rc == 0)
		rc = folio_doc_get_path(&city, doc, "city");
	if (rc == 0)
		rc = folio_doc_to_json(&json, doc, FOLIO_JSON_PRETTY);
	if (rc != 0) {
		fail("load", rc);
		goto out;
	}
	printf("city = %s\n%s\n", city, json);

	/* Many documents in one transaction. */
	rc = folio_batch_open(&batch, st, 0);
	if (rc == 0) {
		const char *a = "{\"_unid\":\"globex\",\"name\":\"Globex\",\"city\":\"Paris\"}";
		const char *b = "{\"_unid\":\"initech\",\"name\":\"Initech\",\"city\":\"Oslo\"}";

		rc = folio_batch_put(batch, a, strlen(a));
		if (rc == 0)
			rc = folio_batch_put(batch, b, strlen(b));
		if (rc == 0)
			rc = folio_batch_commit(batch);
	}
	if (rc != 0) {
		fail("batch", rc);
		goto out;
	}

	/* The changes feed of the database, from the start. */
	printf("changes of crm:\n");
	rc = folio_changes(ses, "crm", 0, 100, print_change, NULL, &last);
	if (rc != 0) {
		fail("folio_changes", rc);
		goto out;
	}
	printf("last seq %lld\n", (long long)last);
	ret = 0;
out:
	free(city);
	free(json);
	folio_batch_free(batch);
	folio_doc_free(doc);
	folio_store_free(st);
	folio_session_free(ses);
	folio_server_close(srv);
	return ret;
}
