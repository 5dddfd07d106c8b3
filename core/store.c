/* Stores: rows of <db>_store, with their options and extracted fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "acl.h"
#include "json.h"
#include "layout.h"

static int check_names(const char *db, const char *name)
{
	if (!folio_db_name_valid(db))
		return folio_error_set(FOLIO_EINVALID, "invalid database name '%.40s'",
				       db ? db : "(null)");
	if (name && !folio_store_name_valid(name))
		return folio_error_set(FOLIO_EINVALID,
				       "invalid store name '%.70s': use 1 to 64 of A-Z, a-z, 0-9, _, "
				       "-, starting with a letter",
				       name);
	return 0;
}

static int is_predefined(const char *name)
{
	return name[0] == '_';
}

static void free_fields(folio_store *st)
{
	for (int i = 0; i < st->n_fields; i++) {
		free(st->fields[i].name);
		free(st->fields[i].path);
	}
	free(st->fields);
	st->fields = NULL;
	st->n_fields = 0;
}

static int field_type(const char *s)
{
	if (strcmp(s, "string") == 0)
		return FOLIO_FT_STRING;
	if (strcmp(s, "number") == 0)
		return FOLIO_FT_NUMBER;
	if (strcmp(s, "boolean") == 0)
		return FOLIO_FT_BOOLEAN;
	if (strcmp(s, "date") == 0)
		return FOLIO_FT_DATE;
	return 0;
}

static int field_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int parse_field(folio_field *f, json_object *o, int i)
{
	json_object *v;
	int rc = 0;

	if (!json_object_is_type(o, json_type_object))
		return folio_error_set(FOLIO_EINVALID, "store option fields[%d] is not an object", i);
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strcmp(key, "name") && strcmp(key, "path") && strcmp(key, "type") &&
		    strcmp(key, "multiple") && strcmp(key, "slot"))
			return folio_error_set(FOLIO_EINVALID, "fields[%d]: unknown key '%.40s'", i,
					       key);
	}
	if (!json_object_object_get_ex(o, "name", &v) || !json_object_is_type(v, json_type_string) ||
	    !field_name_valid(json_object_get_string(v)))
		return folio_error_set(FOLIO_EINVALID,
				       "fields[%d]: \"name\" must be 1 to 64 of A-Z, a-z, 0-9, _", i);
	f->name = folio__strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "path", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !folio_json__path_valid(json_object_get_string(v)))
			return folio_error_set(FOLIO_EINVALID, "fields[%d]: bad \"path\"", i);
		f->path = folio__strdup(json_object_get_string(v));
	} else {
		f->path = folio__strdup(f->name);
	}
	f->type = FOLIO_FT_STRING;
	if (json_object_object_get_ex(o, "type", &v)) {
		f->type = json_object_is_type(v, json_type_string)
				  ? field_type(json_object_get_string(v))
				  : 0;
		if (!f->type)
			return folio_error_set(FOLIO_EINVALID,
					       "fields[%d]: \"type\" must be string, number, "
					       "boolean or date",
					       i);
	}
	if (json_object_object_get_ex(o, "multiple", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return folio_error_set(FOLIO_EINVALID,
					       "fields[%d]: \"multiple\" must be a boolean", i);
		f->multiple = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "slot", &v)) {
		/* Kept from the stored options, so a field keeps its column. */
		const char *sl = json_object_get_string(v);
		int k = sl && (sl[0] == 't' || sl[0] == 'n') ? atoi(sl + 1) : 0;
		char check[4];
		if (k < 1 || k > FOLIO_SLOTS)
			return folio_error_set(FOLIO_EINVALID, "fields[%d]: bad \"slot\"", i);
		f->slot = sl[0] == 't' ? k : FOLIO_SLOTS + k;
		folio_layout__slot_name(check, f->slot);
		if (strcmp(check, sl) != 0)
			return folio_error_set(FOLIO_EINVALID, "fields[%d]: bad \"slot\"", i);
	}
	if (!f->name || !f->path)
		rc = folio_error__oom();
	return rc;
}

static int wants_text_slot(const folio_field *f)
{
	return f->type == FOLIO_FT_STRING || f->type == FOLIO_FT_DATE;
}

/* Gives each single-valued field a slot column of its kind while there are free ones. */
static int assign_slots(folio_store *st)
{
	int used[2 * FOLIO_SLOTS + 1] = {0};

	for (int i = 0; i < st->n_fields; i++) {
		folio_field *f = &st->fields[i];
		if (!f->slot)
			continue;
		if (f->multiple || wants_text_slot(f) != (f->slot <= FOLIO_SLOTS) || used[f->slot])
			f->slot = 0; /* a stale or clashing slot: assign again below */
		else
			used[f->slot] = 1;
	}
	for (int i = 0; i < st->n_fields; i++) {
		folio_field *f = &st->fields[i];
		int base = wants_text_slot(f) ? 0 : FOLIO_SLOTS;
		if (f->slot || f->multiple)
			continue;
		for (int k = base + 1; k <= base + FOLIO_SLOTS; k++)
			if (!used[k]) {
				used[k] = 1;
				f->slot = k;
				break;
			}
	}
	return 0;
}

int folio_store__parse_options(folio_store *st, const char *options_json, char **normalized)
{
	static const char *const types[] = {"", "string", "number", "boolean", "date"};
	json_object *root = NULL, *v, *norm = NULL;
	int rc = 0, fts = 0;

	if (normalized)
		*normalized = NULL;
	free_fields(st);
	if (!options_json || !*options_json)
		options_json = "{}";
	rc = folio_json__parse(&root, options_json, strlen(options_json), 1 << 20, 16);
	if (rc < 0) {
		folio_error__wrap("store options");
		return rc;
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = folio_error_set(FOLIO_EINVALID, "store options must be a JSON object");
		goto out;
	}
	json_object_object_foreach(root, key, val)
	{
		if (strcmp(key, "label") == 0) {
			if (!json_object_is_type(val, json_type_string))
				rc = folio_error_set(FOLIO_EINVALID, "store option label: a string");
		} else if (strcmp(key, "fts") == 0 || strcmp(key, "replicate") == 0) {
			if (!json_object_is_type(val, json_type_boolean))
				rc = folio_error_set(FOLIO_EINVALID, "store option %s: a boolean",
						     key);
		} else if (strcmp(key, "fields") == 0) {
			if (!json_object_is_type(val, json_type_array))
				rc = folio_error_set(FOLIO_EINVALID, "store option fields: an array");
		} else {
			rc = folio_error_set(FOLIO_EINVALID, "unknown store option '%.40s'", key);
		}
		if (rc < 0)
			goto out;
	}
	if (json_object_object_get_ex(root, "fts", &v))
		fts = json_object_get_boolean(v);
	if (json_object_object_get_ex(root, "fields", &v)) {
		size_t n = json_object_array_length(v);
		if (n > 256) {
			rc = folio_error_set(FOLIO_EINVALID, "a store has at most 256 fields");
			goto out;
		}
		st->fields = calloc(n ? n : 1, sizeof(*st->fields));
		if (!st->fields) {
			rc = folio_error__oom();
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			st->n_fields++;
			rc = parse_field(&st->fields[i], json_object_array_get_idx(v, i), (int)i);
			if (rc < 0)
				goto out;
			for (size_t j = 0; j < i; j++)
				if (strcmp(st->fields[j].name, st->fields[i].name) == 0) {
					rc = folio_error_set(FOLIO_EINVALID,
							     "field %s is defined twice",
							     st->fields[i].name);
					goto out;
				}
		}
		assign_slots(st);
		/* Normalize: every field written out with all its keys. */
		for (size_t i = 0; i < n; i++) {
			json_object *f = json_object_array_get_idx(v, i);
			folio_field *ff = &st->fields[i];
			char slot[4];
			json_object_object_add(f, "path", json_object_new_string(ff->path));
			json_object_object_add(f, "type", json_object_new_string(types[ff->type]));
			json_object_object_add(f, "multiple", json_object_new_boolean(ff->multiple));
			if (ff->slot && folio_layout__slot_name(slot, ff->slot) == 0)
				json_object_object_add(f, "slot", json_object_new_string(slot));
			else
				json_object_object_del(f, "slot");
		}
	}
	st->fts = fts;
	if (normalized) {
		*normalized = folio__strdup(folio_json__text(root, NULL));
		if (!*normalized)
			rc = FOLIO_ENOMEM;
	}
out:
	if (rc < 0)
		free_fields(st);
	json_object_put(root);
	json_object_put(norm);
	return rc;
}

/* The indexes of the slot columns the store's fields use. */
static int slot_indexes(folio_cx *cx, const char *db, const folio_store *st)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < st->n_fields; i++)
		if (st->fields[i].slot)
			rc = folio_layout__slot_index(cx, db, st->fields[i].slot);
	return rc;
}

/* The database must exist (FOLIO_ENOTFOUND), and the Session have `level` in its ACL. */
static int need_db(folio_session *ses, folio_cx *cx, const char *db, int level, const char *what)
{
	int rc = folio_catalog__exists(cx, db);
	if (rc == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no database %s", db);
	if (rc < 0)
		return rc;
	return folio_acl__need(ses, cx, db, level, what);
}

/* storeid and options of a store: 1 found, 0 not, <0 error. */
static int find_store(folio_cx *cx, const char *db, const char *name, int64_t *id, char **options)
{
	char sql[128];
	folio_q q;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT storeid, options FROM %s_store WHERE name = ?", db);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__text(&q, 1, name);
	if (rc == 0)
		rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		if (id)
			*id = folio_q__col_int(&q, 0);
		if (options) {
			*options = folio__strdup(folio_q__col_text(&q, 1, NULL));
			if (!*options)
				rc = FOLIO_ENOMEM;
		}
	}
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	return rc == FOLIO_ROW;
}

int folio_store_create(folio_session *ses, const char *db, const char *name,
		       const char *options_json)
{
	folio_store tmp = {0};
	char *norm = NULL, sql[128];
	folio_cx *cx;
	folio_q q;
	int rc;

	rc = check_names(db, name);
	if (rc < 0)
		return rc;
	rc = folio_store__parse_options(&tmp, options_json, &norm);
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		goto done;
	rc = need_db(ses, cx, db, FOLIO_ACL_DESIGNER, "creating a store");
	if (rc == 0)
		rc = slot_indexes(cx, db, &tmp);
	if (rc < 0)
		goto out;
	rc = find_store(cx, db, name, NULL, NULL);
	if (rc == 1)
		rc = folio_error_set(FOLIO_EEXISTS, "store %s exists already in database %s", name,
				     db);
	if (rc < 0)
		goto out;
	snprintf(sql, sizeof(sql), "INSERT INTO %s_store (name, options) VALUES (?, ?)", db);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		goto out;
	rc = folio_q__text(&q, 1, name);
	if (rc == 0)
		rc = folio_q__text(&q, 2, norm);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
out:
	rc = folio_session__wend(ses, rc);
done:
	free_fields(&tmp);
	free(norm);
	return rc;
}

/* Deletes the rows of every table keyed by docid for the documents of a store. */
static int erase_store_docs(folio_cx *cx, const char *db, int64_t storeid)
{
	static const char *const child[] = {"fld", "sec", "tag", "soc", "att", "fts", NULL};
	char sql[256];
	folio_q q;
	int rc = 0;

	for (int i = 0; rc == 0 && child[i]; i++) {
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s_%s WHERE docid IN (SELECT docid FROM %s_doc WHERE storeid = ?)",
			 db, child[i], db);
		rc = folio_q__prep(&q, cx, sql);
		if (rc == 0) {
			rc = folio_q__int(&q, 1, storeid);
			if (rc == 0)
				rc = folio_q__run(&q);
			folio_q__done(&q);
		}
	}
	for (int i = 0; rc == 0 && i < 3; i++) {
		static const char *const own[] = {"doc", "stub", "store"};
		snprintf(sql, sizeof(sql), "DELETE FROM %s_%s WHERE storeid = ?", db, own[i]);
		rc = folio_q__prep(&q, cx, sql);
		if (rc == 0) {
			rc = folio_q__int(&q, 1, storeid);
			if (rc == 0)
				rc = folio_q__run(&q);
			folio_q__done(&q);
		}
	}
	return rc;
}

int folio_store_drop(folio_session *ses, const char *db, const char *name)
{
	folio_cx *cx;
	int64_t id = 0;
	int rc;

	rc = check_names(db, name);
	if (rc < 0)
		return rc;
	if (is_predefined(name))
		return folio_error_set(FOLIO_EINVALID, "the predefined store %s cannot be dropped",
				       name);
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = need_db(ses, cx, db, FOLIO_ACL_DESIGNER, "dropping a store");
	if (rc < 0)
		goto out;
	rc = find_store(cx, db, name, &id, NULL);
	if (rc == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no store %s in database %s", name, db);
	if (rc < 0)
		goto out;
	rc = erase_store_docs(cx, db, id);
out:
	return folio_session__wend(ses, rc);
}

int folio_store_list(folio_strlist **out, folio_session *ses, const char *db)
{
	char sql[128];
	folio_cx *cx;
	int rc;

	*out = NULL;
	rc = check_names(db, NULL);
	if (rc < 0)
		return rc;
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = need_db(ses, cx, db, FOLIO_ACL_DEPOSITOR, "listing stores");
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "SELECT name FROM %s_store ORDER BY name", db);
		rc = folio_db__list_query(out, cx, sql, NULL);
	}
	folio_session__rdone(ses, cx);
	return rc;
}

static int read_replica(folio_store *st, folio_cx *cx)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->meta_replica);
	if (rc < 0)
		return rc;
	rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		snprintf(st->replica, sizeof(st->replica), "%s", folio_q__col_text(&q, 0, NULL));
		st->layout = (int)folio_q__col_int(&q, 1);
		rc = 0;
		if (st->layout > FOLIO_DB_LAYOUT)
			rc = folio_error_set(FOLIO_EINVALID,
					     "database %s has folio layout %d, newer than this build's %d",
					     st->db, st->layout, FOLIO_DB_LAYOUT);
	} else if (rc == FOLIO_DONE) {
		rc = folio_error_set(FOLIO_ERROR, "database %s has no meta row", st->db);
	}
	folio_q__done(&q);
	return rc;
}

int folio_store__check(folio_store *st, folio_cx *cx)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, st->sql->store_check);
	if (rc < 0)
		return rc;
	rc = folio_q__int(&q, 1, st->storeid);
	if (rc == 0)
		rc = folio_q__step(&q);
	folio_q__done(&q);
	if (rc == FOLIO_DONE)
		return folio_error_set(FOLIO_ENOTFOUND, "store %s of database %s was dropped",
				       st->name, st->db);
	return rc < 0 ? rc : 0;
}

int folio_store_open(folio_store **out, folio_session *ses, const char *db, const char *name)
{
	folio_store *st = NULL;
	folio_cx *cx;
	int rc;

	*out = NULL;
	rc = check_names(db, name);
	if (rc < 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (!st)
		return folio_error__oom();
	st->ses = ses;
	snprintf(st->db, sizeof(st->db), "%s", db);
	snprintf(st->name, sizeof(st->name), "%s", name);
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		goto out;
	rc = need_db(ses, cx, db, FOLIO_ACL_DEPOSITOR, "opening a store");
	if (rc == 0) {
		rc = find_store(cx, db, name, &st->storeid, &st->options);
		if (rc == 0)
			rc = folio_error_set(FOLIO_ENOTFOUND, "no store %s in database %s", name,
					     db);
		if (rc == 1)
			rc = 0;
	}
	if (rc == 0)
		rc = folio_store__parse_options(st, st->options, NULL);
	st->dialect = folio_cx__dialect(cx);
	st->last_id = folio_cx__has_last_id(cx);
	if (rc == 0)
		rc = folio_sql__build(&st->sql, st->dialect, st->last_id, db, st->fields,
				      st->n_fields);
	if (rc == 0)
		rc = read_replica(st, cx);
	folio_session__rdone(ses, cx);
out:
	if (rc < 0) {
		folio_store_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void folio_store_free(folio_store *st)
{
	if (!st)
		return;
	free_fields(st);
	free(st->options);
	folio_sql__free(st->sql);
	free(st);
}

const char *folio_store_options(const folio_store *st)
{
	return st->options;
}

/* What the index of a store's documents depends on: its fields and its full-text flag. */
static char *index_key(const char *options)
{
	json_object *o = json_tokener_parse(options), *f = NULL, *t = NULL;
	char *k;
	json_object_object_get_ex(o, "fields", &f);
	json_object_object_get_ex(o, "fts", &t);
	k = malloc(strlen(options) + 16);
	if (k)
		snprintf(k, strlen(options) + 16, "%s|%d",
			 f ? json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN) : "",
			 t ? json_object_get_boolean(t) : 0);
	json_object_put(o);
	return k;
}

/*
 * Rewrites the slots, _fld rows and words of every document of `st` (whose
 * fields, fts flag and SQL are the new ones), a page at a time, inside the
 * caller's write unit.
 */
static int reindex(folio_store *st, folio_cx *cx, folio_progress_fn progress, void *payload)
{
	char sql[512], upd[512] = "";
	int64_t last = 0, done = 0, total = 0;
	size_t o = 0, u = 0;
	folio_q q;
	int rc, used[2 * FOLIO_SLOTS + 1] = {0};

	for (int i = 0; i < st->n_fields; i++) {
		char name[4];
		if (!st->fields[i].slot || folio_layout__slot_name(name, st->fields[i].slot) < 0)
			continue;
		used[st->fields[i].slot] = 1;
		u += (size_t)snprintf(upd + u, sizeof(upd) - u, "%s%s = ?", u ? ", " : "", name);
	}
	/* slots no field uses any more are emptied */
	o = (size_t)snprintf(sql, sizeof(sql), "UPDATE %s_doc SET ", st->db);
	for (int k = 1, n = 0; k <= 2 * FOLIO_SLOTS; k++) {
		char name[4];
		if (used[k])
			continue;
		folio_layout__slot_name(name, k);
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s = NULL", n++ ? ", " : "", name);
	}
	snprintf(sql + o, sizeof(sql) - o, " WHERE storeid = ?");
	rc = folio_q__prep(&q, cx, sql);
	if (rc == 0) {
		rc = folio_q__int(&q, 1, st->storeid);
		rc = rc ? rc : folio_q__run(&q);
		folio_q__done(&q);
	}
	if (u) {
		char tmp[640];
		snprintf(tmp, sizeof(tmp), "UPDATE %s_doc SET %s WHERE docid = ?", st->db, upd);
		if (strlen(tmp) >= sizeof(upd))
			return folio_error_set(FOLIO_ERROR, "slot update too long");
		memcpy(upd, tmp, strlen(tmp) + 1);
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s_doc WHERE storeid = ?", st->db);
		rc = folio_q__prep(&q, cx, sql);
		if (rc == 0) {
			rc = folio_q__int(&q, 1, st->storeid);
			if (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
				total = folio_q__col_int(&q, 0);
				rc = 0;
			}
			folio_q__done(&q);
		}
	}
	snprintf(sql, sizeof(sql),
		 "SELECT docid, json FROM %s_doc WHERE storeid = ? AND docid > ? ORDER BY docid %s",
		 st->db, st->dialect->limit_clause);
	while (rc == 0) {
		/* a page is read whole before it is written: one statement at a time */
		int64_t *ids = NULL;
		char **texts = NULL;
		size_t n = 0;
		int db2 = strncmp(st->dialect->limit_clause, "OFFSET", 6) == 0;
		rc = folio_q__prep(&q, cx, sql);
		if (rc < 0)
			break;
		rc = folio_q__int(&q, 1, st->storeid);
		rc = rc ? rc : folio_q__int(&q, 2, last);
		rc = rc ? rc : folio_q__int(&q, db2 ? 4 : 3, 500);
		rc = rc ? rc : folio_q__int(&q, db2 ? 3 : 4, 0);
		while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
			int64_t *ni = realloc(ids, sizeof(*ids) * (n + 1));
			char **nt = ni ? realloc(texts, sizeof(*texts) * (n + 1)) : NULL;
			if (ni)
				ids = ni;
			if (nt)
				texts = nt;
			if (!ni || !nt) {
				rc = folio_error__oom();
				break;
			}
			ids[n] = folio_q__col_int(&q, 0);
			texts[n] = folio__strdup(folio_q__col_text(&q, 1, NULL));
			if (!texts[n]) {
				rc = FOLIO_ENOMEM;
				break;
			}
			n++;
			rc = 0;
		}
		folio_q__done(&q);
		if (rc == FOLIO_DONE)
			rc = 0;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			rc = folio_doc__reindex(st, cx, ids[i], texts[i], strlen(texts[i]), u ? upd : NULL);
			last = ids[i];
			done++;
		}
		for (size_t i = 0; i < n; i++)
			free(texts[i]);
		free(texts);
		free(ids);
		if (rc == 0 && progress)
			progress(done, total, payload);
		if (n < 500)
			break;
	}
	return rc;
}

int folio_store_set_options_progress(folio_store *st, const char *options_json,
				      folio_progress_fn progress, void *payload)
{
	folio_store tmp;
	char *norm = NULL, *k_old = NULL, *k_new = NULL, sql[128];
	folio_cx *cx;
	folio_q q;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = folio_store__parse_options(&tmp, options_json, &norm);
	if (rc < 0)
		return rc;
	memcpy(tmp.db, st->db, sizeof(tmp.db));
	memcpy(tmp.name, st->name, sizeof(tmp.name));
	tmp.ses = st->ses;
	tmp.storeid = st->storeid;
	tmp.dialect = st->dialect;
	tmp.last_id = st->last_id;
	memcpy(tmp.replica, st->replica, sizeof(tmp.replica));
	rc = folio_sql__build(&tmp.sql, st->dialect, st->last_id, st->db, tmp.fields, tmp.n_fields);
	k_old = index_key(st->options);
	k_new = index_key(norm);
	if (rc == 0 && (!k_old || !k_new))
		rc = folio_error__oom();
	if (rc < 0)
		goto done;
	rc = folio_session__wbegin(st->ses, &cx);
	if (rc < 0)
		goto done;
	rc = folio_acl__need(st->ses, cx, st->db, FOLIO_ACL_DESIGNER, "changing a store");
	rc = rc ? rc : slot_indexes(cx, st->db, &tmp);
	if (rc < 0) {
		rc = folio_session__wend(st->ses, rc);
		goto done;
	}
	snprintf(sql, sizeof(sql), "UPDATE %s_store SET options = ? WHERE storeid = ?", st->db);
	rc = folio_q__prep(&q, cx, sql);
	if (rc == 0) {
		rc = folio_q__text(&q, 1, norm);
		if (rc == 0)
			rc = folio_q__int(&q, 2, st->storeid);
		if (rc == 0)
			rc = folio_q__run(&q);
		if (rc == 0 && folio_cx__changes(cx) != 1)
			rc = folio_error_set(FOLIO_ENOTFOUND, "store %s was dropped", st->name);
		folio_q__done(&q);
	}
	if (rc == 0 && strcmp(k_old, k_new) != 0)
		rc = reindex(&tmp, cx, progress, payload);
	rc = folio_session__wend(st->ses, rc);
	if (rc == 0) {
		/* the handle takes the new options, fields and SQL */
		folio_field *f = st->fields;
		int nf = st->n_fields;
		folio_sql *sq = st->sql;
		free(st->options);
		st->options = norm;
		norm = NULL;
		st->fields = tmp.fields;
		st->n_fields = tmp.n_fields;
		st->fields_gen++;
		st->fts = tmp.fts;
		st->sql = tmp.sql;
		tmp.fields = f;
		tmp.n_fields = nf;
		tmp.sql = sq;
	}
done:
	free_fields(&tmp);
	folio_sql__free(tmp.sql);
	free(norm);
	free(k_old);
	free(k_new);
	return rc;
}

int folio_store_set_options(folio_store *st, const char *options_json)
{
	return folio_store_set_options_progress(st, options_json, NULL, NULL);
}

int folio_store_field_add(folio_store *st, const char *field_json, folio_progress_fn progress,
			  void *payload)
{
	json_object *opts = json_tokener_parse(st->options), *field = NULL, *fields = NULL, *name;
	int rc = folio_json__parse(&field, field_json, strlen(field_json), 64 * 1024, 8);
	const char *nm;

	if (rc < 0) {
		json_object_put(opts);
		return folio_error__wrap("field");
	}
	if (!opts || !json_object_is_type(field, json_type_object) ||
	    !json_object_object_get_ex(field, "name", &name) || !json_object_is_type(name, json_type_string)) {
		json_object_put(opts);
		json_object_put(field);
		return folio_error_set(FOLIO_EINVALID, "field: a JSON object with a \"name\"");
	}
	nm = json_object_get_string(name);
	if (!json_object_object_get_ex(opts, "fields", &fields)) {
		fields = json_object_new_array();
		json_object_object_add(opts, "fields", fields);
	}
	/* a field of the same name is replaced (its slot may be reused) */
	for (size_t i = 0; i < json_object_array_length(fields); i++) {
		json_object *e = json_object_array_get_idx(fields, i), *en;
		if (json_object_object_get_ex(e, "name", &en) && !strcmp(json_object_get_string(en), nm)) {
			json_object_array_del_idx(fields, i, 1);
			break;
		}
	}
	json_object_array_add(fields, field);
	rc = folio_store_set_options_progress(st, json_object_to_json_string_ext(opts, JSON_C_TO_STRING_PLAIN),
					      progress, payload);
	json_object_put(opts);
	return rc;
}

int folio_store_field_remove(folio_store *st, const char *name, folio_progress_fn progress,
			     void *payload)
{
	json_object *opts = json_tokener_parse(st->options), *fields = NULL;
	int rc = FOLIO_ENOTFOUND;

	if (!opts)
		return folio_error__oom();
	if (json_object_object_get_ex(opts, "fields", &fields)) {
		for (size_t i = 0; i < json_object_array_length(fields); i++) {
			json_object *e = json_object_array_get_idx(fields, i), *en;
			if (json_object_object_get_ex(e, "name", &en) &&
			    !strcmp(json_object_get_string(en), name)) {
				json_object_array_del_idx(fields, i, 1);
				rc = 0;
				break;
			}
		}
	}
	if (rc == 0)
		rc = folio_store_set_options_progress(
			st, json_object_to_json_string_ext(opts, JSON_C_TO_STRING_PLAIN), progress, payload);
	else
		rc = folio_error_set(FOLIO_ENOTFOUND, "store %s has no field %s", st->name, name);
	json_object_put(opts);
	return rc;
}

const char *folio_store_name(const folio_store *st)
{
	return st->name;
}

const char *folio_store_db_name(const folio_store *st)
{
	return st->db;
}

folio_session *folio_store_session(const folio_store *st)
{
	return st->ses;
}

int folio_store_count(int64_t *out, folio_store *st)
{
	folio_qsql sec;
	folio_cx *cx;
	folio_q q;
	int rc;

	*out = 0;
	rc = folio_session__rcx(st->ses, &cx);
	if (rc < 0)
		return rc;
	folio_qsql__init(&sec);
	rc = folio_acl__prep(&q, &sec, st->ses, cx, st->db, st->sql->count, NULL, 1);
	if (rc == 0) {
		rc = folio_q__int(&q, 1, st->storeid);
		if (rc == 0)
			rc = folio_q__step(&q);
		if (rc == FOLIO_ROW) {
			*out = folio_q__col_int(&q, 0);
			rc = 0;
		}
		folio_q__done(&q);
	}
	folio_qsql__free(&sec);
	folio_session__rdone(st->ses, cx);
	return rc;
}

int folio_store_foreach_unid(folio_store *st, int (*cb)(const char *unid, void *payload),
			     void *payload)
{
	folio_qsql sec;
	folio_cx *cx;
	folio_q q;
	int rc;

	rc = folio_session__rcx(st->ses, &cx);
	if (rc < 0)
		return rc;
	folio_qsql__init(&sec);
	rc = folio_acl__prep(&q, &sec, st->ses, cx, st->db, st->sql->unids, " ORDER BY unid", 1);
	if (rc == 0) {
		rc = folio_q__int(&q, 1, st->storeid);
		while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW)
			rc = cb(folio_q__col_text(&q, 0, NULL), payload);
		if (rc == FOLIO_DONE)
			rc = 0;
		folio_q__done(&q);
	}
	folio_qsql__free(&sec);
	folio_session__rdone(st->ses, cx);
	return rc;
}
