/* Databases: the catalog rows and the per-database tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "acl.h"
#include "layout.h"

static const char *const predefined_stores[] = {"_default", "_local", "_comments", "_design",
						NULL};

void folio_strlist_free(folio_strlist *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	free(list);
}

static int strlist_add(folio_strlist *l, const char *s, size_t *alloc)
{
	if (l->count == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 16;
		char **p = realloc(l->items, n * sizeof(*p));
		if (!p)
			return folio_error__oom();
		l->items = p;
		*alloc = n;
	}
	l->items[l->count] = folio__strdup(s ? s : "");
	if (!l->items[l->count])
		return FOLIO_ENOMEM;
	l->count++;
	return 0;
}

/* Runs a one-column text query with an optional text parameter into a list. */
int folio_db__list_query(folio_strlist **out, folio_cx *cx, const char *sql, const char *param)
{
	folio_strlist *l = calloc(1, sizeof(*l));
	size_t alloc = 0;
	folio_q q;
	int rc;

	*out = NULL;
	if (!l)
		return folio_error__oom();
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		goto out;
	if (param)
		rc = folio_q__text(&q, 1, param);
	while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW)
		rc = strlist_add(l, folio_q__col_text(&q, 0, NULL), &alloc);
	folio_q__done(&q);
out:
	if (rc < 0) {
		folio_strlist_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int folio_catalog__exists(folio_cx *cx, const char *db)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, "SELECT 1 FROM folio_catalog WHERE name = ?");
	if (rc < 0)
		return rc;
	rc = folio_q__text(&q, 1, db);
	if (rc == 0)
		rc = folio_q__step(&q);
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	return rc == FOLIO_ROW;
}

static int check_name(const char *name)
{
	if (!folio_db_name_valid(name))
		return folio_error_set(FOLIO_EINVALID,
				       "invalid database name '%.40s': use 1 to 30 of a-z, 0-9, _, "
				       "starting with a letter (\"folio\" is reserved)",
				       name ? name : "(null)");
	return 0;
}

static int run_text2(folio_cx *cx, const char *sql, const char *a, const char *b)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__text(&q, 1, a);
	if (rc == 0 && b)
		rc = folio_q__text(&q, 2, b);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
	return rc;
}

int folio_db_create(folio_session *ses, const char *name)
{
	char replica[27], now[FOLIO_DATE_LEN + 1], sql[256];
	folio_cx *cx;
	folio_q q;
	int rc;

	rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_acl__check_db_create(ses, cx);
	if (rc < 0) {
		folio_session__wend(ses, rc);
		return rc;
	}
	rc = folio_catalog__exists(cx, name);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		rc = folio_error_set(FOLIO_EEXISTS, "database %s exists already", name);
		goto out;
	}
	folio_unid_generate(replica);
	folio_time__now(now);
	/* The tables first and the catalog row last: see the end for engines whose DDL commits. */
	rc = folio_layout__db_create(cx, name);
	if (rc < 0)
		goto out;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s_meta (id, seq, replica, version, cdate) VALUES (1, 0, ?, %d, ?)",
		 name, FOLIO_DB_LAYOUT);
	rc = run_text2(cx, sql, replica, now);
	if (rc < 0)
		goto out;
	snprintf(sql, sizeof(sql), "INSERT INTO %s_store (name, options) VALUES (?, '{}')", name);
	for (int i = 0; rc == 0 && predefined_stores[i]; i++)
		rc = run_text2(cx, sql, predefined_stores[i], NULL);
	/* the ACL: the creator manages it (security/acl.c) */
	rc = rc ? rc : folio_acl__init_db(ses, cx, name);
	if (rc < 0)
		goto out;
	rc = folio_q__prep(&q, cx,
			   "INSERT INTO folio_catalog (name, replica, cdate, options) "
			   "VALUES (?, ?, ?, '{}')");
	if (rc < 0)
		goto out;
	rc = folio_q__text(&q, 1, name);
	if (rc == 0)
		rc = folio_q__text(&q, 2, replica);
	if (rc == 0)
		rc = folio_q__text(&q, 3, now);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
out:
	if (rc < 0) {
		folio_error__wrap("creating database %s", name);
		/*
		 * Where DDL commits by itself (MariaDB), a rollback leaves the tables:
		 * take them away, keeping the error that got us here.
		 */
		if (rc != FOLIO_EEXISTS && !folio_cx__dialect(cx)->transactional_ddl) {
			int code = folio_error_code();
			char msg[1024];
			snprintf(msg, sizeof(msg), "%s", folio_error_last());
			folio_layout__db_drop(cx, name);
			folio_error_set(code, "%s", msg);
		}
	}
	return folio_session__wend(ses, rc);
}

int folio_db_drop(folio_session *ses, const char *name)
{
	folio_cx *cx;
	int rc;

	rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_catalog__exists(cx, name);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = folio_error_set(FOLIO_ENOTFOUND, "no database %s", name);
		goto out;
	}
	rc = folio_acl__need(ses, cx, name, FOLIO_ACL_MANAGER, "dropping the database");
	if (rc < 0)
		goto out;
	folio_acl__forget(ses, name);
	/* Tables first: where DDL commits by itself, a drop cut short can simply be run again. */
	rc = folio_layout__db_drop(cx, name);
	if (rc == 0)
		rc = run_text2(cx, "DELETE FROM folio_catalog WHERE name = ?", name, NULL);
out:
	return folio_session__wend(ses, rc);
}

int folio_db_list(folio_strlist **out, folio_session *ses)
{
	folio_cx *cx;
	int rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_db__list_query(out, cx, "SELECT name FROM folio_catalog ORDER BY name", NULL);
	/* only the databases the Session has some access to */
	for (size_t i = 0; rc == 0 && i < (*out)->count;) {
		folio_dbaccess *a;
		rc = folio_acl__access(&a, ses, cx, (*out)->items[i]);
		if (rc == 0 && a->level == FOLIO_ACL_NOACCESS) {
			free((*out)->items[i]);
			memmove(&(*out)->items[i], &(*out)->items[i + 1],
				((*out)->count - i - 1) * sizeof(char *));
			(*out)->count--;
		} else {
			i++;
		}
	}
	if (rc < 0) {
		folio_strlist_free(*out);
		*out = NULL;
	}
	folio_session__rdone(ses, cx);
	return rc;
}

int folio_db_exists(folio_session *ses, const char *name)
{
	folio_cx *cx;
	int rc;

	if (!folio_db_name_valid(name))
		return 0;
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_catalog__exists(cx, name);
	folio_session__rdone(ses, cx);
	return rc;
}

/* Reads one column of the database's meta row. */
static int meta_column(folio_session *ses, const char *name, const char *col, char **text,
		       int64_t *num)
{
	char sql[128];
	folio_cx *cx;
	folio_q q;
	int rc;

	rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_catalog__exists(cx, name);
	if (rc == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no database %s", name);
	if (rc < 0)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s_meta WHERE id = 1", col, name);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		goto out;
	rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		rc = 0;
		if (text) {
			*text = folio__strdup(folio_q__col_text(&q, 0, NULL));
			if (!*text)
				rc = FOLIO_ENOMEM;
		}
		if (num)
			*num = folio_q__col_int(&q, 0);
	} else if (rc == FOLIO_DONE) {
		rc = folio_error_set(FOLIO_ERROR, "database %s has no meta row", name);
	}
	folio_q__done(&q);
out:
	folio_session__rdone(ses, cx);
	return rc;
}

int folio_db_replica_id(char **out, folio_session *ses, const char *name)
{
	*out = NULL;
	return meta_column(ses, name, "replica", out, NULL);
}

int folio_db_last_seq(int64_t *out, folio_session *ses, const char *name)
{
	*out = 0;
	return meta_column(ses, name, "seq", NULL, out);
}
