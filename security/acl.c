/*
 * The database ACL (Domino's levels, roles, "anonymous" and "*") and the
 * conditions that enforce it and documents' _readers/_editors in the SQL of
 * every read path. docs/security.md is the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "acl.h"
#include "directory.h"

/* How long a Session trusts what it computed of its access to a database. */
#define ACCESS_TTL 30.0

static const char *const level_names[] = {"noaccess", "depositor", "reader", "author",
					  "editor",   "designer",  "manager"};

const char *folio_acl_level_name(int level)
{
	if (level < 0 || level > FOLIO_ACL_MANAGER)
		return NULL;
	return level_names[level];
}

int folio_acl_level_parse(const char *name)
{
	for (int i = 0; name && i <= FOLIO_ACL_MANAGER; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (name && !strcasecmp(name, "none"))
		return FOLIO_ACL_NOACCESS;
	return -1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "[Sales]": 1..64 letters, digits, space, '_' or '-' in brackets. */
static int role_valid(const char *r)
{
	size_t n = r ? strlen(r) : 0;
	if (n < 3 || n > 66 || r[0] != '[' || r[n - 1] != ']')
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		char c = r[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' ' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int entry_name_valid(const char *n)
{
	return n && (!strcmp(n, "*") || !strcmp(n, "anonymous") || role_valid(n) ||
		     folio_name__user_valid(n));
}

/* ---- names lists ---- */

typedef struct names {
	char **v;
	int n, cap;
} names;

static int names_has(const names *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static int names_add(names *l, const char *s)
{
	if (names_has(l, s))
		return 0;
	if (l->n + 2 > l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, sizeof(*v) * (size_t)cap);
		if (!v)
			return folio_error__oom();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = folio__strdup(s);
	if (!l->v[l->n])
		return FOLIO_ENOMEM;
	l->v[++l->n] = NULL;
	return 0;
}

static void names_free(names *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void access_clear(folio_dbaccess *a)
{
	for (int i = 0; a->names && i < a->n_names; i++)
		free(a->names[i]);
	free(a->names);
	a->names = NULL;
	a->n_names = 0;
}

void folio_acl__forget(folio_session *ses, const char *db)
{
	for (int i = 0; i < ses->n_access; i++)
		if (!db || !strcmp(ses->access[i].db, db))
			ses->access[i].loaded = -1e9;
}

/* The identity's user and groups (read again once the directory's cache has expired). */
static int need_groups(folio_session *ses)
{
	/* on the Session's own connection: the pool may have no other (directory.c) */
	return folio_dir__refresh(ses);
}

/* Computes the access from the ACL's rows. */
static int compute(folio_dbaccess *a, folio_session *ses, folio_cx *cx, const char *db)
{
	names cand = {0}, roles = {0}, out = {0};
	char sql[128];
	folio_q q;
	int rc, level = -1;
	unsigned flags = 0;
	struct ent {
		char *name, *roles;
		int level;
		unsigned flags;
	} *ents = NULL;
	int n_ents = 0;

	if (ses->id.kind == FOLIO_IDENT_ADMIN) {
		a->level = FOLIO_ACL_MANAGER;
		a->flags = FOLIO_ACL_CREATE | FOLIO_ACL_DELETE;
		a->n_names = -1; /* no restriction */
		return 0;
	}
	rc = need_groups(ses);
	if (rc < 0)
		return rc;
	if (ses->id.kind == FOLIO_IDENT_ANONYMOUS) {
		rc = names_add(&cand, "anonymous");
	} else {
		rc = names_add(&cand, ses->user);
		for (int i = 0; rc == 0 && i < ses->id.n_groups; i++)
			rc = names_add(&cand, ses->id.groups[i]);
		rc = rc ? rc : names_add(&cand, "*");
	}
	snprintf(sql, sizeof(sql), "SELECT name, level, flags, roles FROM %s_acl", db);
	rc = rc ? rc : folio_q__prep(&q, cx, sql);
	if (rc < 0)
		goto out;
	while ((rc = folio_q__step(&q)) == FOLIO_ROW) {
		struct ent *e = realloc(ents, sizeof(*ents) * (size_t)(n_ents + 1));
		if (!e) {
			rc = folio_error__oom();
			break;
		}
		ents = e;
		e = &ents[n_ents++];
		e->name = folio__strdup(folio_q__col_text(&q, 0, NULL));
		e->level = (int)folio_q__col_int(&q, 1);
		e->flags = (unsigned)folio_q__col_int(&q, 2);
		e->roles = folio__strdup(folio_q__col_text(&q, 3, NULL) ? folio_q__col_text(&q, 3, NULL) : "");
		if (!e->name || !e->roles) {
			rc = FOLIO_ENOMEM;
			break;
		}
	}
	folio_q__done(&q);
	if (rc != FOLIO_DONE)
		goto out;
	rc = 0;
	/* the entries naming the user, its groups or "*"; then those naming a role they give */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (int i = 0; rc == 0 && i < n_ents; i++) {
			struct ent *e = &ents[i];
			int hit = pass == 0 ? names_has(&cand, e->name)
					    : role_valid(e->name) && names_has(&roles, e->name);
			char *copy, *save = NULL;
			if (!hit || e->level < 0)
				continue;
			if (e->level > level) {
				level = e->level;
				flags = e->flags;
			} else if (e->level == level) {
				flags |= e->flags;
			}
			copy = folio__strdup(e->roles);
			if (!copy) {
				rc = FOLIO_ENOMEM;
				break;
			}
			for (char *t = strtok_r(copy, ",", &save); rc == 0 && t; t = strtok_r(NULL, ",", &save))
				if (role_valid(t))
					rc = names_add(&roles, t);
			free(copy);
			e->level = pass == 0 ? e->level : -1; /* count a role entry once */
		}
	}
	if (rc < 0)
		goto out;
	if (level < 0)
		level = FOLIO_ACL_NOACCESS;
	if (level >= FOLIO_ACL_EDITOR)
		flags |= FOLIO_ACL_CREATE;
	if (level >= FOLIO_ACL_DESIGNER)
		flags |= FOLIO_ACL_DELETE;
	/* the names a document's _readers/_editors may give the Session */
	for (int i = 0; rc == 0 && i < cand.n; i++)
		rc = names_add(&out, cand.v[i]);
	for (int i = 0; rc == 0 && i < roles.n; i++)
		rc = names_add(&out, roles.v[i]);
	if (rc == 0 && !names_has(&out, "*"))
		rc = names_add(&out, "*");
	if (rc < 0)
		goto out;
	access_clear(a);
	a->level = level;
	a->flags = flags;
	a->names = out.v;
	a->n_names = out.n;
	memset(&out, 0, sizeof(out));
out:
	for (int i = 0; i < n_ents; i++) {
		free(ents[i].name);
		free(ents[i].roles);
	}
	free(ents);
	names_free(&cand);
	names_free(&roles);
	names_free(&out);
	return rc;
}

int folio_acl__access(folio_dbaccess **out, folio_session *ses, folio_cx *cx, const char *db)
{
	folio_dbaccess *a = NULL;
	int rc;

	for (int i = 0; i < ses->n_access; i++)
		if (!strcmp(ses->access[i].db, db)) {
			a = &ses->access[i];
			break;
		}
	if (a && mono() - a->loaded < ACCESS_TTL) {
		*out = a;
		return 0;
	}
	if (!a) {
		folio_dbaccess *v = realloc(ses->access, sizeof(*v) * (size_t)(ses->n_access + 1));
		if (!v)
			return folio_error__oom();
		ses->access = v;
		a = &v[ses->n_access++];
		memset(a, 0, sizeof(*a));
		snprintf(a->db, sizeof(a->db), "%s", db);
	}
	rc = compute(a, ses, cx, db);
	if (rc < 0) {
		a->loaded = -1e9;
		return rc;
	}
	a->loaded = mono();
	*out = a;
	return 0;
}

static const char *dialect(folio_cx *cx)
{
	return folio_cx__dialect(cx)->name;
}

static int add_arg(folio_qsql *q, const char *s)
{
	json_object *v = json_object_new_string(s);
	if (!v || json_object_array_add(q->args, v) < 0) {
		json_object_put(v);
		return folio_error__oom();
	}
	return 0;
}

int folio_acl__read_sql(folio_qsql *q, folio_session *ses, folio_cx *cx, const char *db,
			const char *alias)
{
	folio_dbaccess *a;
	int rc = folio_acl__access(&a, ses, cx, db);

	if (rc < 0)
		return rc;
	if (a->n_names < 0)
		return 0; /* the administrator */
	if (a->level < FOLIO_ACL_READER)
		return folio_buf__adds(&q->sql, " AND 1=0");
	folio_buf__addf(&q->sql,
			" AND (NOT EXISTS (SELECT 1 FROM %s_sec r WHERE r.docid = %s.docid AND r.kind = 'R')"
			" OR EXISTS (SELECT 1 FROM %s_sec r WHERE r.docid = %s.docid AND r.name IN (",
			db, alias, db, alias);
	for (int i = 0; rc == 0 && i < a->n_names; i++) {
		folio_buf__adds(&q->sql, i ? ", ?" : "?");
		rc = add_arg(q, a->names[i]);
	}
	folio_buf__adds(&q->sql, ")))");
	return rc;
}

int folio_acl__prep(folio_q *q, folio_qsql *sec, folio_session *ses, folio_cx *cx,
		    const char *db, const char *head, const char *tail, int n_params)
{
	folio_buf sql;
	int rc;

	folio_buf__init(&sql, 0);
	rc = folio_acl__read_sql(sec, ses, cx, db, "d");
	if (rc == 0) {
		folio_buf__adds(&sql, head);
		if (sec->sql.len)
			folio_buf__add(&sql, sec->sql.data, sec->sql.len);
		folio_buf__adds(&sql, tail ? tail : "");
		rc = sql.data ? folio_q__prep(q, cx, sql.data) : folio_error__oom();
	}
	if (rc == 0) {
		rc = folio_qsql__bind(q, n_params + 1, sec->args);
		if (rc < 0)
			folio_q__done(q);
	}
	folio_buf__free(&sql);
	return rc;
}

int folio_acl__stub_sql(folio_qsql *q, folio_session *ses, folio_cx *cx, const char *db,
			const char *alias)
{
	folio_dbaccess *a;
	const char *d = dialect(cx);
	int rc = folio_acl__access(&a, ses, cx, db);

	if (rc < 0)
		return rc;
	if (a->n_names < 0)
		return 0;
	if (a->level < FOLIO_ACL_READER)
		return folio_buf__adds(&q->sql, " AND 1=0");
	folio_buf__addf(&q->sql, " AND (%s.readers IS NULL", alias);
	for (int i = 0; rc == 0 && i < a->n_names; i++) {
		char packed[300];
		snprintf(packed, sizeof(packed), "\x01%s\x01", a->names[i]);
		if (!strcmp(d, "postgresql"))
			folio_buf__addf(&q->sql, " OR strpos(%s.readers, ?) > 0", alias);
		else if (!strcmp(d, "db2"))
			folio_buf__addf(&q->sql, " OR LOCATE(?, %s.readers) > 0", alias);
		else if (!strcmp(d, "mariadb"))
			folio_buf__addf(&q->sql, " OR LOCATE(?, %s.readers) > 0", alias);
		else
			folio_buf__addf(&q->sql, " OR instr(%s.readers, ?) > 0", alias);
		rc = add_arg(q, packed);
	}
	folio_buf__adds(&q->sql, ")");
	return rc;
}

int folio_acl__need(folio_session *ses, folio_cx *cx, const char *db, int level, const char *what)
{
	folio_dbaccess *a;
	int rc = folio_acl__access(&a, ses, cx, db);
	if (rc < 0)
		return rc;
	if (a->level < level)
		return folio_error_set(FOLIO_EACCESS, "%s in database %s needs %s access (%s has %s)",
				       what, db, level_names[level], ses->user, level_names[a->level]);
	return 0;
}

int folio_acl__check_create(folio_session *ses, folio_cx *cx, const char *db)
{
	folio_dbaccess *a;
	int rc = folio_acl__access(&a, ses, cx, db);
	if (rc < 0)
		return rc;
	if (a->level >= FOLIO_ACL_EDITOR)
		return 0;
	if ((a->level == FOLIO_ACL_DEPOSITOR || a->level == FOLIO_ACL_AUTHOR) &&
	    (a->flags & FOLIO_ACL_CREATE))
		return 0;
	return folio_error_set(FOLIO_EACCESS, "%s may not create documents in database %s",
			       ses->user, db);
}

int folio_acl__check_update(folio_session *ses, folio_cx *cx, const char *db, int64_t docid,
			    int is_delete, const char *unid)
{
	folio_dbaccess *a;
	char sql[128];
	folio_q q;
	int rc = folio_acl__access(&a, ses, cx, db), restricted = 0, reader = 0, editor = 0;

	if (rc < 0)
		return rc;
	if (a->n_names < 0)
		return 0;
	if (a->level >= FOLIO_ACL_READER) {
		snprintf(sql, sizeof(sql), "SELECT kind, name FROM %s_sec WHERE docid = ?", db);
		rc = folio_q__prep(&q, cx, sql);
		if (rc < 0)
			return rc;
		rc = folio_q__int(&q, 1, docid);
		while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
			const char *k = folio_q__col_text(&q, 0, NULL), *n = folio_q__col_text(&q, 1, NULL);
			int named = 0;
			rc = 0;
			for (int i = 0; n && i < a->n_names; i++)
				named |= !strcmp(a->names[i], n);
			if (k && k[0] == 'R')
				restricted = 1;
			reader |= named;
			editor |= named && k && k[0] == 'E';
		}
		folio_q__done(&q);
		if (rc != FOLIO_DONE)
			return rc < 0 ? rc : FOLIO_ERROR;
	}
	/* a document it may not read does not exist for it */
	if (a->level < FOLIO_ACL_READER || (restricted && !reader))
		return folio_error_set(FOLIO_ENOTFOUND, "no document %s", unid ? unid : "");
	if (a->level < FOLIO_ACL_AUTHOR || (a->level == FOLIO_ACL_AUTHOR && !editor))
		return folio_error_set(FOLIO_EACCESS, "%s may not %s document %s in database %s",
				       ses->user, is_delete ? "delete" : "change", unid ? unid : "", db);
	if (is_delete && !(a->flags & FOLIO_ACL_DELETE))
		return folio_error_set(FOLIO_EACCESS, "%s may not delete documents in database %s",
				       ses->user, db);
	return 0;
}

int folio_acl__stub_readers(char **out, folio_cx *cx, const char *db, int64_t docid)
{
	char sql[160];
	folio_buf b;
	folio_q q;
	int rc, restricted = 0;

	*out = NULL;
	snprintf(sql, sizeof(sql), "SELECT kind, name FROM %s_sec WHERE docid = ?", db);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	folio_buf__init(&b, 0);
	folio_buf__adds(&b, "\x01");
	rc = folio_q__int(&q, 1, docid);
	while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
		const char *k = folio_q__col_text(&q, 0, NULL), *n = folio_q__col_text(&q, 1, NULL);
		rc = 0;
		restricted |= k && k[0] == 'R';
		if (n)
			folio_buf__addf(&b, "%s\x01", n);
	}
	folio_q__done(&q);
	if (rc == FOLIO_DONE && restricted)
		*out = folio_buf__take(&b);
	folio_buf__free(&b);
	if (rc != FOLIO_DONE)
		return rc < 0 ? rc : FOLIO_ERROR;
	return restricted && !*out ? FOLIO_ENOMEM : 0;
}

static int run(folio_cx *cx, const char *sql, const char *a, int64_t i1, int64_t i2, const char *b)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, sql), p = 1;
	if (rc < 0)
		return rc;
	if (a)
		rc = folio_q__text(&q, p++, a);
	if (i1 >= 0)
		rc = rc ? rc : folio_q__int(&q, p++, i1);
	if (i2 >= 0)
		rc = rc ? rc : folio_q__int(&q, p++, i2);
	if (b)
		rc = rc ? rc : folio_q__text(&q, p++, b);
	rc = rc ? rc : folio_q__run(&q);
	folio_q__done(&q);
	return rc;
}

int folio_acl__init_db(folio_session *ses, folio_cx *cx, const char *db)
{
	char sql[160];
	int rc = 0;
	snprintf(sql, sizeof(sql), "INSERT INTO %s_acl (name, level, flags, roles) VALUES (?, ?, ?, ?)",
		 db);
	if (ses->id.kind == FOLIO_IDENT_TRUSTED || ses->id.kind == FOLIO_IDENT_LOGIN)
		rc = run(cx, sql, ses->user, FOLIO_ACL_MANAGER, FOLIO_ACL_CREATE | FOLIO_ACL_DELETE, "");
	if (rc == 0 && !(ses->user && !strcmp(ses->user, "*")))
		rc = run(cx, sql, "*", FOLIO_ACL_EDITOR, FOLIO_ACL_CREATE | FOLIO_ACL_DELETE, "");
	return rc;
}

int folio_acl__check_db_create(folio_session *ses, folio_cx *cx)
{
	folio_q q;
	int rc, any = 0, ok = 0;

	if (ses->id.kind == FOLIO_IDENT_ADMIN)
		return 0;
	if (ses->id.kind == FOLIO_IDENT_ANONYMOUS)
		return folio_error_set(FOLIO_EACCESS, "anonymous may not create databases");
	rc = need_groups(ses);
	if (rc < 0)
		return rc;
	rc = folio_q__prep(&q, cx, "SELECT name, rights FROM folio_srvacl");
	if (rc < 0)
		return rc;
	while ((rc = folio_q__step(&q)) == FOLIO_ROW) {
		const char *n = folio_q__col_text(&q, 0, NULL), *r = folio_q__col_text(&q, 1, NULL);
		int mine = n && (!strcmp(n, "*") || !strcmp(n, ses->user));
		any = 1;
		for (int i = 0; n && !mine && i < ses->id.n_groups; i++)
			mine = !strcmp(n, ses->id.groups[i]);
		if (mine && r && (strstr(r, "create") || strstr(r, "admin")))
			ok = 1;
	}
	folio_q__done(&q);
	if (rc != FOLIO_DONE)
		return rc < 0 ? rc : FOLIO_ERROR;
	/* no server ACL at all: any authenticated user may create databases */
	if (any && !ok)
		return folio_error_set(FOLIO_EACCESS, "%s may not create databases", ses->user);
	return 0;
}

/* ---- the public API ---- */

/* A connection for ACL work on db: the database must exist. */
static int open_db(folio_cx **cx, folio_session *ses, const char *db, int write)
{
	int rc;
	if (!folio_db_name_valid(db))
		return folio_error_set(FOLIO_EINVALID, "invalid database name");
	rc = write ? folio_session__wbegin(ses, cx) : folio_session__rcx(ses, cx);
	if (rc < 0)
		return rc;
	rc = folio_catalog__exists(*cx, db);
	if (rc == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no database %s", db);
	if (rc < 0) {
		if (write)
			folio_session__wend(ses, rc);
		else
			folio_session__rdone(ses, *cx);
		return rc;
	}
	return 0;
}

static int count_managers(int64_t *out, folio_cx *cx, const char *db)
{
	char sql[128];
	folio_q q;
	int rc;
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s_acl WHERE level = %d", db, FOLIO_ACL_MANAGER);
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		return rc;
	rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		*out = folio_q__col_int(&q, 0);
		rc = 0;
	}
	folio_q__done(&q);
	return rc;
}

int folio_acl_set(folio_session *ses, const char *db, const char *name, int level,
		  unsigned flags, const char *roles)
{
	char sql[192], *norm = NULL;
	folio_cx *cx;
	int rc;

	if (!entry_name_valid(name))
		return folio_error_set(FOLIO_EINVALID, "ACL entry: '%.64s' is not a user, group, [role], "
				       "anonymous or *", name ? name : "");
	if (level < 0 || level > FOLIO_ACL_MANAGER)
		return folio_error_set(FOLIO_EINVALID, "ACL entry: no level %d", level);
	if (flags & ~(FOLIO_ACL_CREATE | FOLIO_ACL_DELETE))
		return folio_error_set(FOLIO_EINVALID, "ACL entry: unknown flags");
	rc = open_db(&cx, ses, db, 1);
	if (rc < 0)
		return rc;
	rc = folio_acl__need(ses, cx, db, FOLIO_ACL_MANAGER, "changing the ACL");
	/* roles: each defined in the database */
	if (rc == 0) {
		folio_buf b;
		char *copy = folio__strdup(roles ? roles : ""), *save = NULL;
		folio_buf__init(&b, 0);
		if (!copy)
			rc = FOLIO_ENOMEM;
		for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; rc == 0 && t;
		     t = strtok_r(NULL, ",", &save)) {
			folio_q q;
			while (*t == ' ')
				t++;
			if (!role_valid(t)) {
				rc = folio_error_set(FOLIO_EINVALID, "ACL entry: '%.64s' is not a [role]", t);
				break;
			}
			snprintf(sql, sizeof(sql), "SELECT 1 FROM %s_role WHERE name = ?", db);
			rc = folio_q__prep(&q, cx, sql);
			rc = rc ? rc : folio_q__text(&q, 1, t);
			rc = rc ? rc : folio_q__step(&q);
			folio_q__done(&q);
			if (rc == FOLIO_DONE)
				rc = folio_error_set(FOLIO_EINVALID, "ACL entry: database %s has no role %s", db, t);
			else if (rc == FOLIO_ROW)
				rc = folio_buf__addf(&b, "%s%s", b.len ? "," : "", t);
		}
		free(copy);
		norm = rc == 0 ? folio_buf__take(&b) : NULL;
		if (rc == 0 && !norm)
			norm = folio__strdup("");
		folio_buf__free(&b);
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s_acl WHERE name = ?", db);
		rc = run(cx, sql, name, -1, -1, NULL);
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s_acl (name, level, flags, roles) VALUES (?, ?, ?, ?)", db);
		rc = run(cx, sql, name, level, flags, norm);
	}
	if (rc == 0 && ses->id.kind != FOLIO_IDENT_ADMIN) {
		int64_t m = 0;
		rc = count_managers(&m, cx, db);
		if (rc == 0 && m == 0)
			rc = folio_error_set(FOLIO_EINVALID, "the ACL of %s would have no manager", db);
	}
	free(norm);
	folio_acl__forget(ses, db);
	return folio_session__wend(ses, rc);
}

int folio_acl_remove(folio_session *ses, const char *db, const char *name)
{
	char sql[128];
	folio_cx *cx;
	int rc = open_db(&cx, ses, db, 1);
	if (rc < 0)
		return rc;
	rc = folio_acl__need(ses, cx, db, FOLIO_ACL_MANAGER, "changing the ACL");
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s_acl WHERE name = ?", db);
		rc = run(cx, sql, name ? name : "", -1, -1, NULL);
		if (rc == 0 && folio_cx__changes(cx) == 0)
			rc = folio_error_set(FOLIO_ENOTFOUND, "the ACL of %s has no entry %.64s", db,
					     name ? name : "");
	}
	if (rc == 0 && ses->id.kind != FOLIO_IDENT_ADMIN) {
		int64_t m = 0;
		rc = count_managers(&m, cx, db);
		if (rc == 0 && m == 0)
			rc = folio_error_set(FOLIO_EINVALID, "the ACL of %s would have no manager", db);
	}
	folio_acl__forget(ses, db);
	return folio_session__wend(ses, rc);
}

int folio_acl_get(char **out, folio_session *ses, const char *db)
{
	json_object *o = json_object_new_object(), *entries = json_object_new_object(),
		    *roles = json_object_new_array();
	char sql[128];
	folio_cx *cx;
	folio_q q;
	int rc;

	*out = NULL;
	if (!o || !entries || !roles) {
		json_object_put(o);
		json_object_put(entries);
		json_object_put(roles);
		return folio_error__oom();
	}
	json_object_object_add(o, "entries", entries);
	json_object_object_add(o, "roles", roles);
	rc = open_db(&cx, ses, db, 0);
	if (rc < 0) {
		json_object_put(o);
		return rc;
	}
	rc = folio_acl__need(ses, cx, db, FOLIO_ACL_READER, "reading the ACL");
	snprintf(sql, sizeof(sql), "SELECT name, level, flags, roles FROM %s_acl ORDER BY name", db);
	rc = rc ? rc : folio_q__prep(&q, cx, sql);
	if (rc == 0) {
		while ((rc = folio_q__step(&q)) == FOLIO_ROW) {
			json_object *e = json_object_new_object(), *rl = json_object_new_array();
			int level = (int)folio_q__col_int(&q, 1);
			unsigned flags = (unsigned)folio_q__col_int(&q, 2);
			char *copy = folio__strdup(folio_q__col_text(&q, 3, NULL) ? folio_q__col_text(&q, 3, NULL) : ""), *save = NULL;
			json_object_object_add(e, "level", json_object_new_string(
				folio_acl_level_name(level) ? folio_acl_level_name(level) : "?"));
			json_object_object_add(e, "create", json_object_new_boolean(
				(flags & FOLIO_ACL_CREATE) || level >= FOLIO_ACL_EDITOR));
			json_object_object_add(e, "delete", json_object_new_boolean(
				(flags & FOLIO_ACL_DELETE) || level >= FOLIO_ACL_DESIGNER));
			for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
				json_object_array_add(rl, json_object_new_string(t));
			free(copy);
			json_object_object_add(e, "roles", rl);
			json_object_object_add(entries, folio_q__col_text(&q, 0, NULL), e);
		}
		folio_q__done(&q);
		rc = rc == FOLIO_DONE ? 0 : rc;
	}
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "SELECT name FROM %s_role ORDER BY name", db);
		rc = folio_q__prep(&q, cx, sql);
		while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
			json_object_array_add(roles, json_object_new_string(folio_q__col_text(&q, 0, NULL)));
			rc = 0;
		}
		folio_q__done(&q);
		rc = rc == FOLIO_DONE ? 0 : rc;
	}
	folio_session__rdone(ses, cx);
	if (rc == 0) {
		*out = folio__strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		if (!*out)
			rc = FOLIO_ENOMEM;
	}
	json_object_put(o);
	return rc;
}

static int role_change(folio_session *ses, const char *db, const char *role, int add)
{
	char sql[128];
	folio_cx *cx;
	int rc;
	if (!role_valid(role))
		return folio_error_set(FOLIO_EINVALID, "'%.64s' is not a [role]", role ? role : "");
	rc = open_db(&cx, ses, db, 1);
	if (rc < 0)
		return rc;
	rc = folio_acl__need(ses, cx, db, FOLIO_ACL_MANAGER, "changing the roles");
	if (rc == 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s_role WHERE name = ?", db);
		rc = run(cx, sql, role, -1, -1, NULL);
		if (rc == 0 && !add && folio_cx__changes(cx) == 0)
			rc = folio_error_set(FOLIO_ENOTFOUND, "database %s has no role %s", db, role);
	}
	if (rc == 0 && add) {
		snprintf(sql, sizeof(sql), "INSERT INTO %s_role (name) VALUES (?)", db);
		rc = run(cx, sql, role, -1, -1, NULL);
	}
	folio_acl__forget(ses, db);
	return folio_session__wend(ses, rc);
}

int folio_role_add(folio_session *ses, const char *db, const char *role)
{
	return role_change(ses, db, role, 1);
}

int folio_role_remove(folio_session *ses, const char *db, const char *role)
{
	return role_change(ses, db, role, 0);
}

int folio_acl_access(folio_session *ses, const char *db, int *level, unsigned *flags,
		     folio_strlist **roles)
{
	folio_dbaccess *a;
	folio_cx *cx;
	int rc = open_db(&cx, ses, db, 0);
	if (roles)
		*roles = NULL;
	if (rc < 0)
		return rc;
	rc = folio_acl__access(&a, ses, cx, db);
	if (rc == 0) {
		if (level)
			*level = a->level;
		if (flags)
			*flags = a->flags;
		if (roles) {
			folio_strlist *l = calloc(1, sizeof(*l));
			size_t n = 0;
			for (int i = 0; a->names && i < a->n_names; i++)
				n += a->names[i][0] == '[';
			if (l)
				l->items = calloc(n + 1, sizeof(char *));
			if (!l || !l->items) {
				free(l);
				rc = folio_error__oom();
			} else {
				for (int i = 0; a->names && i < a->n_names; i++)
					if (a->names[i][0] == '[')
						l->items[l->count++] = folio__strdup(a->names[i]);
				*roles = l;
			}
		}
	}
	folio_session__rdone(ses, cx);
	return rc;
}
