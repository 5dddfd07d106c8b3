/* backends: all */
/*
 * Cursors (include/folio/query.h) as a user sees them: selectors over
 * extracted and plain paths, order (fields, metadata, several keys, both
 * directions), skip and limit, key ranges, parameters, the text form,
 * projections, counts, aggregates, children and hierarchies, tags,
 * full-text search, explain, extracted fields added to a store that has
 * documents (reindexing), and errors.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "testenv.h"

#define DB "shop"

typedef struct fx {
	folio_server *srv;
	folio_session *ses;
	folio_store *st;
} fx;

static const char *const people[] = {
	"{\"_unid\":\"p01\",\"name\":\"Ann\",\"city\":\"Paris\",\"age\":31,\"tags\":[\"a\",\"b\"],\"addr\":{\"zip\":\"75001\"},\"latlng\":[48.8,2.3]}",
	"{\"_unid\":\"p02\",\"name\":\"Bob\",\"city\":\"Lyon\",\"age\":45,\"tags\":[\"b\"],\"addr\":{\"zip\":\"69001\"}}",
	"{\"_unid\":\"p03\",\"name\":\"Cid\",\"city\":\"Paris\",\"age\":22,\"tags\":[],\"latlng\":[48.9,2.4]}",
	"{\"_unid\":\"p04\",\"name\":\"Dee\",\"city\":\"Nice\",\"age\":58}",
	"{\"_unid\":\"p05\",\"name\":\"Eve\",\"city\":\"Paris\",\"age\":45,\"tags\":[\"c\"],\"vip\":true}",
	"{\"_unid\":\"p06\",\"name\":\"Fay\",\"age\":null,\"vip\":false}",
	"{\"_unid\":\"p07\",\"name\":\"Gus\",\"city\":\"Lyon\",\"age\":\"unknown\"}",
};
#define N_PEOPLE 7

static const char fields[] =
	"{\"fields\":[{\"name\":\"city\",\"path\":\"city\",\"type\":\"string\"},"
	"{\"name\":\"age\",\"path\":\"age\",\"type\":\"number\"}]}";

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	folio_batch *b;
	assert_non_null(f);
	folio_test_open(&f->srv, &f->ses, "alice");
	assert_ok(folio_db_create(f->ses, DB));
	assert_ok(folio_store_create(f->ses, DB, "people", fields));
	assert_ok(folio_store_open(&f->st, f->ses, DB, "people"));
	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < N_PEOPLE; i++)
		assert_ok(folio_batch_put(b, people[i], strlen(people[i])));
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	folio_store_free(f->st);
	folio_session_free(f->ses);
	folio_server_close(f->srv);
	free(f);
	return 0;
}

/* The UNIDs a cursor returns, joined by spaces ("p01 p03"). */
static char *unids(folio_cursor *c)
{
	static char buf[4096];
	const char *row;
	size_t o = 0;
	int rc;
	buf[0] = 0;
	while ((rc = folio_cursor_next(c, &row)) == 1) {
		json_object *o2 = json_tokener_parse(row), *u = NULL;
		assert_non_null(o2);
		assert_true(json_object_object_get_ex(o2, "_unid", &u));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "",
				      json_object_get_string(u));
		assert_string_equal(json_object_get_string(u), folio_cursor_unid(c));
		json_object_put(o2);
	}
	assert_ok(rc);
	return buf;
}

static void check(fx *f, const char *query, const char *order, const char *want)
{
	folio_cursor *c;
	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, query));
	if (order)
		assert_ok(folio_cursor_order(c, order));
	{
		const char *got = unids(c);
		if (strcmp(got, want))
			fail_msg("query %s order %s: got [%s], want [%s]", query, order ? order : "-",
				 got, want);
	}
	folio_cursor_free(c);
}

static void selectors(void **state)
{
	fx *f = *state;
	check(f, "{}", NULL, "p01 p02 p03 p04 p05 p06 p07");
	check(f, "{\"city\":\"Paris\"}", NULL, "p01 p03 p05");
	check(f, "{\"city\":\"Paris\",\"age\":{\"$gt\":30}}", NULL, "p01 p05");
	check(f, "{\"age\":{\"$gte\":45}}", NULL, "p02 p04 p05");
	check(f, "{\"age\":null}", NULL, "p06");
	check(f, "{\"age\":{\"$type\":\"string\"}}", NULL, "p07");
	check(f, "{\"city\":{\"$ne\":\"Paris\"}}", NULL, "p02 p04 p06 p07");
	check(f, "{\"city\":{\"$in\":[\"Nice\",\"Lyon\"]}}", NULL, "p02 p04 p07");
	check(f, "{\"city\":{\"$nin\":[\"Nice\",\"Lyon\"]}}", NULL, "p01 p03 p05 p06");
	check(f, "{\"city\":{\"$exists\":false}}", NULL, "p06");
	check(f, "{\"tags\":\"b\"}", NULL, "p01 p02");
	check(f, "{\"tags\":{\"$size\":0}}", NULL, "p03");
	check(f, "{\"tags\":{\"$all\":[\"a\",\"b\"]}}", NULL, "p01");
	check(f, "{\"addr.zip\":{\"$startsWith\":\"75\"}}", NULL, "p01");
	check(f, "{\"latlng.0\":{\"$gt\":48.85}}", NULL, "p03");
	check(f, "{\"name\":{\"$like\":\"?e?\"}}", NULL, "p04");
	check(f, "{\"name\":{\"$like\":\"*e\"}}", NULL, "p04 p05");
	check(f, "{\"name\":{\"$like_i\":\"a*\"}}", NULL, "p01");
	check(f, "{\"name\":{\"$contains\":\"u\"}}", NULL, "p07");
	check(f, "{\"$or\":[{\"vip\":true},{\"age\":{\"$lt\":25}}]}", NULL, "p03 p05");
	check(f, "{\"$nor\":[{\"city\":\"Paris\"},{\"city\":\"Lyon\"}]}", NULL, "p04 p06");
	check(f, "{\"age\":{\"$not\":{\"$gt\":40}}}", NULL, "p01 p03 p06 p07");
	check(f, "{\"tags\":{\"$elemMatch\":{\"$gte\":\"b\"}}}", NULL, "p01 p02 p05");
	/* system fields */
	check(f, "{\"_unid\":\"p03\"}", NULL, "p03");
	check(f, "{\"_unid\":{\"$gt\":\"p05\"}}", NULL, "p06 p07");
	check(f, "{\"_unid\":{\"$in\":[\"p02\",\"p04\",\"zz\"]},\"city\":{\"$ne\":\"Nice\"}}", NULL, "p02");
	check(f, "{\"_parentid\":{\"$exists\":true}}", NULL, "");
	check(f, "{\"_cuser\":\"alice\",\"_rev\":{\"$startsWith\":\"1-\"},\"city\":\"Nice\"}", NULL, "p04");
}

static void ordering(void **state)
{
	fx *f = *state;
	check(f, "{\"age\":{\"$type\":\"number\"}}", "age", "p03 p01 p02 p05 p04");
	check(f, "{\"age\":{\"$type\":\"number\"}}", "age desc, name", "p04 p02 p05 p01 p03");
	check(f, "{\"age\":{\"$type\":\"number\"}}", "-age,-name", "p04 p05 p02 p01 p03");
	check(f, "{\"city\":\"Paris\"}", "name desc", "p05 p03 p01");
	check(f, "{\"city\":{\"$exists\":true}}", "city, _unid desc", "p07 p02 p04 p05 p03 p01");
	check(f, "{}", "_unid desc", "p07 p06 p05 p04 p03 p02 p01");
}

static void paging(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	int64_t n;

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_order(c, "_unid"));
	assert_ok(folio_cursor_skip(c, 2));
	assert_ok(folio_cursor_limit(c, 3));
	assert_string_equal(unids(c), "p03 p04 p05");
	folio_cursor_free(c);

	/* skip and limit over rows checked in memory (a path with an array) */
	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"tags\":{\"$exists\":true}}"));
	assert_ok(folio_cursor_skip(c, 1));
	assert_ok(folio_cursor_limit(c, 2));
	assert_string_equal(unids(c), "p02 p03");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"Paris\"}"));
	assert_ok(folio_cursor_count(c, &n));
	assert_int_equal(n, 3);
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"tags\":\"b\"}"));
	assert_ok(folio_cursor_skip(c, 1));
	assert_ok(folio_cursor_count(c, &n));
	assert_int_equal(n, 1);
	folio_cursor_free(c);
}

static void ranges(void **state)
{
	fx *f = *state;
	folio_cursor *c;

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_order(c, "age"));
	assert_ok(folio_cursor_range(c, "31", 0, "45", 1));
	assert_string_equal(unids(c), "p01");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_order(c, "age desc"));
	assert_ok(folio_cursor_range(c, "45", 0, "31", 0));
	assert_string_equal(unids(c), "p02 p05 p01");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_order(c, "_unid"));
	assert_ok(folio_cursor_range(c, "\"p05\"", 1, NULL, 0));
	assert_string_equal(unids(c), "p06 p07");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_folio(FOLIO_EINVALID, folio_cursor_range(c, "{\"a\":1}", 0, NULL, 0));
	folio_cursor_free(c);
}

static void params_and_text(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *row;

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"$$c\",\"age\":{\"$gt\":\"$$a\"}}"));
	assert_ok(folio_cursor_params(c, "{\"c\":\"Paris\",\"a\":25}"));
	assert_string_equal(unids(c), "p01 p05");
	folio_cursor_free(c);

	/* a missing parameter is an error, not an empty answer */
	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"$$c\"}"));
	assert_folio(FOLIO_EINVALID, folio_cursor_next(c, &row));
	folio_cursor_free(c);

	assert_ok(folio_cursor_open_sql(&c, f->ses, DB,
					"SELECT * FROM people WHERE city = 'Paris' AND age > 25 "
					"ORDER BY age DESC"));
	assert_string_equal(unids(c), "p05 p01");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open_sql(&c, f->ses, DB,
					"select name, addr.zip as zip from people where addr.zip "
					"is not null order by name limit 1 offset 1"));
	assert_int_equal(folio_cursor_next(c, &row), 1);
	assert_string_equal(row, "{\"_unid\":\"p02\",\"name\":\"Bob\",\"zip\":\"69001\"}");
	assert_int_equal(folio_cursor_next(c, &row), 0);
	folio_cursor_free(c);

	assert_ok(folio_cursor_open_sql(&c, f->ses, DB,
					"SELECT * FROM people WHERE city = ? OR name LIKE :n"));
	assert_ok(folio_cursor_params(c, "{\"1\":\"Nice\",\"n\":\"G*\"}"));
	assert_string_equal(unids(c), "p04 p07");
	folio_cursor_free(c);

	/* a hostile value is a value */
	check(f, "{\"city\":\"Paris' OR '1'='1\"}", NULL, "");
	check(f, "{\"city\":\"x\\\"); DROP TABLE shop_doc; --\"}", NULL, "");
	check(f, "{}", "_unid", "p01 p02 p03 p04 p05 p06 p07");

	assert_folio(FOLIO_ENOTFOUND, folio_cursor_open_sql(&c, f->ses, DB, "SELECT * FROM nostore"));
	assert_folio(FOLIO_EINVALID, folio_cursor_open_sql(&c, f->ses, DB, "SELECT * FROM people WHERE"));
	assert_non_null(strstr(folio_error_last(), "offset"));
	assert_folio(FOLIO_EINVALID, folio_cursor_open_sql(&c, f->ses, DB, "SELECT * FROM people WHERE a = 'x"));
}

static void projection(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *row;

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"Lyon\"}"));
	assert_ok(folio_cursor_extract(c, "{\"who\":\"name\",\"zip\":\"addr.zip\"}"));
	assert_int_equal(folio_cursor_next(c, &row), 1);
	assert_string_equal(row, "{\"_unid\":\"p02\",\"who\":\"Bob\",\"zip\":\"69001\"}");
	assert_int_equal(folio_cursor_next(c, &row), 1);
	assert_string_equal(row, "{\"_unid\":\"p07\",\"who\":\"Gus\",\"zip\":null}");
	assert_int_equal(folio_cursor_next(c, &row), 0);
	folio_cursor_free(c);
}

static void aggregates(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *row;
	static const char *const want[] = {
		"{\"key\":null,\"n\":1,\"total\":0,\"avg\":null,\"lo\":null,\"hi\":null}",
		"{\"key\":\"Lyon\",\"n\":2,\"total\":45,\"avg\":45.0,\"lo\":45,\"hi\":\"unknown\"}",
		"{\"key\":\"Nice\",\"n\":1,\"total\":58,\"avg\":58.0,\"lo\":58,\"hi\":58}",
		"{\"key\":\"Paris\",\"n\":3,\"total\":98,\"avg\":32.666666666666664,\"lo\":22,\"hi\":45}",
	};

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_aggregate(c, "{\"key\":\"city\",\"n\":{\"$count\":1},\"total\":{\"$sum\":\"age\"},"
					    "\"avg\":{\"$avg\":\"age\"},\"lo\":{\"$min\":\"age\"},"
					    "\"hi\":{\"$max\":\"age\"}}"));
	for (int i = 0; i < 4; i++) {
		assert_int_equal(folio_cursor_next(c, &row), 1);
		assert_string_equal(row, want[i]);
	}
	assert_int_equal(folio_cursor_next(c, &row), 0);
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"Nowhere\"}"));
	assert_ok(folio_cursor_aggregate(c, "{\"n\":{\"$count\":1},\"s\":{\"$sum\":\"age\"}}"));
	assert_int_equal(folio_cursor_next(c, &row), 1);
	assert_string_equal(row, "{\"n\":0,\"s\":0}");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_folio(FOLIO_EINVALID, folio_cursor_aggregate(c, "{\"n\":{\"$median\":\"age\"}}"));
	folio_cursor_free(c);
}

static void save(fx *f, const char *unid, const char *json, const char *parent)
{
	folio_doc *d;
	assert_ok(folio_doc_new(&d, f->st, unid));
	assert_ok(folio_doc_set_json(d, json));
	if (parent)
		assert_ok(folio_doc_set_parent(d, parent));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
}

static void hierarchy(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *row;
	char got[512] = "";
	size_t o = 0;

	save(f, "r1", "{\"t\":\"root\",\"n\":1}", NULL);
	save(f, "c1", "{\"t\":\"reply\",\"n\":2}", "r1");
	save(f, "c2", "{\"t\":\"reply\",\"n\":3}", "r1");
	save(f, "g1", "{\"t\":\"reply\",\"n\":4}", "c1");
	save(f, "g2", "{\"t\":\"reply\",\"n\":5}", "g1");

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_parent(c, "r1"));
	assert_string_equal(unids(c), "c1 c2");
	folio_cursor_free(c);
	check(f, "{\"_parentid\":\"r1\"}", NULL, "c1 c2");

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"t\":\"root\"}"));
	assert_ok(folio_cursor_hierarchy(c, 2));
	while (folio_cursor_next(c, &row) == 1)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s/%d", o ? " " : "",
				      folio_cursor_unid(c), folio_cursor_indent(c));
	assert_string_equal(got, "r1/0 c1/1 g1/2 c2/1");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_parent(c, "r1"));
	assert_ok(folio_cursor_order(c, "n desc"));
	assert_ok(folio_cursor_hierarchy(c, 5));
	o = 0;
	while (folio_cursor_next(c, &row) == 1)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s/%d", o ? " " : "",
				      folio_cursor_unid(c), folio_cursor_indent(c));
	assert_string_equal(got, "c2/0 c1/0 g1/1 g2/2");
	folio_cursor_free(c);
}

static void tags(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *ab[] = {"red", "blue"};

	save(f, "t1", "{\"_tags\":[\"red\"]}", NULL);
	save(f, "t2", "{\"_tags\":[\"red\",\"blue\"]}", NULL);
	save(f, "t3", "{\"_tags\":[\"blue\"]}", NULL);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_tags(c, ab, 2, 0));
	assert_string_equal(unids(c), "t1 t2 t3");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_tags(c, ab, 2, 1));
	assert_string_equal(unids(c), "t2");
	folio_cursor_free(c);
}

static void fulltext(void **state)
{
	fx *f = *state;
	folio_store *st;
	folio_cursor *c;
	folio_doc *d;

	assert_ok(folio_store_create(f->ses, DB, "notes", "{\"fts\":true}"));
	assert_ok(folio_store_open(&st, f->ses, DB, "notes"));
	{
		static const char *const texts[][2] = {
			{"n1", "{\"title\":\"Quarterly report\",\"body\":\"revenue grew strongly\"}"},
			{"n2", "{\"title\":\"Meeting notes\",\"body\":{\"text\":\"revenue revenue revenue forecast\"}}"},
			{"n3", "{\"title\":\"Holiday\",\"body\":\"beach sunshine\"}"},
			{"n4", "{\"title\":\"Forecast\",\"tags\":[\"weather\",\"sunshine\"]}"},
		};
		for (int i = 0; i < 4; i++) {
			assert_ok(folio_doc_new(&d, st, texts[i][0]));
			assert_ok(folio_doc_set_json(d, texts[i][1]));
			assert_ok(folio_doc_save(d, 0));
			folio_doc_free(d);
		}
	}
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_ftsearch(c, "revenue"));
	assert_string_equal(unids(c), "n2 n1"); /* rank: n2 says it three times */
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_ftsearch(c, "SUNSHINE forecast"));
	assert_string_equal(unids(c), "n4");
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_ftsearch(c, "sunshine"));
	assert_ok(folio_cursor_query(c, "{\"title\":\"Holiday\"}"));
	assert_string_equal(unids(c), "n3");
	folio_cursor_free(c);

	/* an update replaces the words; a delete removes them */
	assert_ok(folio_doc_load(&d, st, "n3"));
	assert_ok(folio_doc_set_json(d, "{\"title\":\"Holiday\",\"body\":\"mountains\"}"));
	assert_ok(folio_doc_save(d, 0));
	folio_doc_free(d);
	assert_ok(folio_doc_delete(st, "n4", NULL, 0));
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_ftsearch(c, "sunshine"));
	assert_string_equal(unids(c), "");
	folio_cursor_free(c);

	/* hostile text is words */
	assert_ok(folio_cursor_open(&c, st));
	assert_ok(folio_cursor_ftsearch(c, "\"revenue' OR 1=1 -- NEAR(*"));
	assert_string_equal(unids(c), "");
	folio_cursor_free(c);
	assert_ok(folio_cursor_open(&c, st));
	assert_folio(FOLIO_EINVALID, folio_cursor_ftsearch(c, "!!!") == 0 ? folio_cursor_next(c, &(const char *){NULL}) : FOLIO_EINVALID);
	folio_cursor_free(c);

	/* a store not marked for it */
	assert_ok(folio_cursor_open(&c, f->st));
	assert_folio(FOLIO_EINVALID, folio_cursor_ftsearch(c, "x"));
	folio_cursor_free(c);
	folio_store_free(st);
}

static void explain(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	char *e = NULL;
	json_object *o, *v;

	assert_ok(folio_cursor_open(&c, f->st));
	/* city holds strings only: its slot answers exactly (age does not: p07's is a string) */
	assert_ok(folio_cursor_query(c, "{\"city\":\"Paris' --\"}"));
	assert_ok(folio_cursor_explain(c, &e));
	o = json_tokener_parse(e);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "sql", &v));
	/* the value is a parameter, never SQL text; extracted fields need no recheck */
	assert_null(strstr(json_object_get_string(v), "Paris"));
	assert_true(json_object_object_get_ex(o, "params", &v));
	assert_non_null(strstr(json_object_to_json_string(v), "Paris' --"));
	assert_true(json_object_object_get_ex(o, "recheck", &v));
	assert_false(json_object_get_boolean(v));
	json_object_put(o);
	free(e);
	folio_cursor_free(c);
}

static void fields_reindex(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	char *e = NULL;

	/* a field added to a store with documents indexes them */
	assert_ok(folio_store_field_add(f->st, "{\"name\":\"zip\",\"path\":\"addr.zip\",\"type\":\"string\"}",
					NULL, NULL));
	check(f, "{\"addr.zip\":\"69001\"}", NULL, "p02");
	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"addr.zip\":\"69001\"}"));
	assert_ok(folio_cursor_explain(c, &e));
	assert_non_null(strstr(e, "\"recheck\":false"));
	free(e);
	folio_cursor_free(c);

	/* a document saved later is indexed too; an irregular one sends queries to the JSON */
	save(f, "z1", "{\"addr\":{\"zip\":\"69001\"}}", NULL);
	check(f, "{\"addr.zip\":\"69001\"}", NULL, "p02 z1");
	save(f, "z2", "{\"addr\":[{\"zip\":\"69001\"}]}", NULL);
	check(f, "{\"addr.zip\":\"69001\"}", NULL, "p02 z1 z2");
	check(f, "{\"addr.zip\":{\"$ne\":\"69001\"}}", "_unid", "p01 p03 p04 p05 p06 p07");

	/* multiple values */
	assert_ok(folio_store_field_add(f->st, "{\"name\":\"tags\",\"path\":\"tags\",\"type\":\"string\",\"multiple\":true}",
					NULL, NULL));
	check(f, "{\"tags\":\"b\"}", NULL, "p01 p02");
	check(f, "{\"tags\":{\"$in\":[\"c\",\"a\"]}}", NULL, "p01 p05");
	check(f, "{\"tags\":{\"$ne\":\"b\"}}", NULL, "p03 p04 p05 p06 p07 z1 z2");

	/* removing a field keeps the answers */
	assert_ok(folio_store_field_remove(f->st, "city", NULL, NULL));
	check(f, "{\"city\":\"Paris\"}", NULL, "p01 p03 p05");
	assert_folio(FOLIO_ENOTFOUND, folio_store_field_remove(f->st, "city", NULL, NULL));
	assert_folio(FOLIO_EINVALID, folio_store_field_add(f->st, "{\"name\":\"bad name\",\"path\":\"x\"}", NULL, NULL));
}

/* More rows than a page (2000 rows on the paged drivers): every one once, in order, with and without an order. */
static void many_rows(void **state)
{
	fx *f = *state;
	folio_batch *b;
	folio_cursor *c;
	const char *row;
	int n = 0, rc;
	int64_t cnt;
	char prev[32] = "";

	assert_ok(folio_batch_open(&b, f->st, 0));
	for (int i = 0; i < 4321; i++) {
		char doc[128];
		snprintf(doc, sizeof(doc), "{\"_unid\":\"m%05d\",\"k\":%d,\"city\":\"Oslo\"}", i, (i * 7919) % 4321);
		assert_ok(folio_batch_put(b, doc, strlen(doc)));
	}
	assert_ok(folio_batch_commit(b));
	folio_batch_free(b);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"city\":\"Oslo\"}"));
	assert_ok(folio_cursor_skip(c, 3));
	while ((rc = folio_cursor_next(c, &row)) == 1) {
		char want[32];
		snprintf(want, sizeof(want), "m%05d", n + 3);
		assert_string_equal(folio_cursor_unid(c), want);
		n++;
	}
	assert_ok(rc);
	assert_int_equal(n, 4318);
	folio_cursor_free(c);

	/* ordered by a path that is not extracted: OFFSET pages */
	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"k\":{\"$gte\":0}}"));
	assert_ok(folio_cursor_order(c, "k desc"));
	n = 0;
	while ((rc = folio_cursor_next(c, &row)) == 1) {
		json_object *o = json_tokener_parse(row), *k;
		assert_true(json_object_object_get_ex(o, "k", &k));
		assert_int_equal(json_object_get_int(k), 4320 - n);
		json_object_put(o);
		n++;
	}
	assert_ok(rc);
	assert_int_equal(n, 4321);
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_order(c, "_unid"));
	assert_ok(folio_cursor_limit(c, 700));
	assert_ok(folio_cursor_skip(c, 10));
	n = 0;
	while ((rc = folio_cursor_next(c, &row)) == 1) {
		assert_true(strcmp(prev, folio_cursor_unid(c)) < 0);
		snprintf(prev, sizeof(prev), "%s", folio_cursor_unid(c));
		n++;
	}
	assert_int_equal(n, 700);
	folio_cursor_free(c);

	assert_ok(folio_cursor_open(&c, f->st));
	assert_ok(folio_cursor_query(c, "{\"k\":{\"$lt\":100}}"));
	assert_ok(folio_cursor_count(c, &cnt));
	assert_int_equal(cnt, 100);
	folio_cursor_free(c);
}

static void errors(void **state)
{
	fx *f = *state;
	folio_cursor *c;
	const char *row;

	assert_ok(folio_cursor_open(&c, f->st));
	assert_folio(FOLIO_EINVALID, folio_cursor_query(c, "{\"age\":{\"$foo\":1}}"));
	assert_non_null(strstr(folio_error_last(), "offset"));
	assert_folio(FOLIO_EINVALID, folio_cursor_query(c, "{\"age\":"));
	assert_folio(FOLIO_EINVALID, folio_cursor_order(c, "age sideways"));
	assert_folio(FOLIO_EINVALID, folio_cursor_limit(c, -5));
	assert_folio(FOLIO_EINVALID, folio_cursor_extract(c, "{\"a\":5}"));
	assert_ok(folio_cursor_query(c, "{\"city\":\"Paris\"}"));
	assert_int_equal(folio_cursor_next(c, &row), 1);
	/* set-up after reading has begun is refused */
	assert_folio(FOLIO_EINVALID, folio_cursor_limit(c, 1));
	folio_cursor_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(selectors, setup, teardown),
		cmocka_unit_test_setup_teardown(ordering, setup, teardown),
		cmocka_unit_test_setup_teardown(paging, setup, teardown),
		cmocka_unit_test_setup_teardown(ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(params_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(projection, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregates, setup, teardown),
		cmocka_unit_test_setup_teardown(hierarchy, setup, teardown),
		cmocka_unit_test_setup_teardown(tags, setup, teardown),
		cmocka_unit_test_setup_teardown(fulltext, setup, teardown),
		cmocka_unit_test_setup_teardown(explain, setup, teardown),
		cmocka_unit_test_setup_teardown(fields_reindex, setup, teardown),
		cmocka_unit_test_setup_teardown(many_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
