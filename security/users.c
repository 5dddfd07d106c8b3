/*
 * The built-in directory: users with their argon2id hashes (folio_user),
 * groups as membership rows (folio_member: a member is a user or a group,
 * and a group exists while it has members), and the server ACL
 * (folio_srvacl). A name is a user or a group, not both: the ACLs only see
 * names.
 *
 * Changing any of it is for the server administrator's Session, or a user
 * the server ACL gives "admin"; a user may change their own password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "directory.h"

/* ---- names and rights ---- */

int folio_user__reserved(const char *name)
{
	return !strcmp(name, "*") || !strcmp(name, "anonymous") || name[0] == '[';
}

/* A user or group name: the user-name check of core/names.c, and not reserved. */
static int check_name(const char *name, const char *what)
{
	if (!folio_name__user_valid(name))
		return folio_error_set(FOLIO_EINVALID,
				       "invalid %s name: 1 to 128 bytes of UTF-8, no control "
				       "characters, no space at either end",
				       what);
	if (folio_user__reserved(name))
		return folio_error_set(FOLIO_EINVALID,
				       "'%s' cannot be a %s name (\"*\", \"anonymous\" and names "
				       "starting with '[' are reserved)",
				       name, what);
	return 0;
}

static unsigned parse_rights(const char *r)
{
	if (!r)
		return 0;
	if (!strcmp(r, "admin"))
		return FOLIO_SRV_ADMIN | FOLIO_SRV_CREATE;
	if (!strcmp(r, "create"))
		return FOLIO_SRV_CREATE;
	return 0;
}

static int in_groups(const folio_ident *id, const char *name)
{
	for (int i = 0; i < id->n_groups; i++)
		if (!strcmp(id->groups[i], name))
			return 1;
	return 0;
}

int folio_srvacl__rights(unsigned *out, folio_session *ses)
{
	folio_cx *cx;
	folio_q q;
	int rc;

	*out = 0;
	if (ses->id.kind == FOLIO_IDENT_ADMIN) {
		*out = FOLIO_SRV_ADMIN | FOLIO_SRV_CREATE;
		return 0;
	}
	if (ses->id.kind == FOLIO_IDENT_ANONYMOUS)
		return 0;
	rc = folio_dir__refresh(ses);
	if (rc < 0)
		return rc;
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_q__prep(&q, cx, "SELECT name, rights FROM folio_srvacl");
	if (rc < 0)
		goto out;
	while ((rc = folio_q__step(&q)) == FOLIO_ROW) {
		const char *n = folio_q__col_text(&q, 0, NULL);
		if (n && (!strcmp(n, "*") || !strcmp(n, ses->id.user) || in_groups(&ses->id, n)))
			*out |= parse_rights(folio_q__col_text(&q, 1, NULL));
	}
	if (rc == FOLIO_DONE)
		rc = 0;
	folio_q__done(&q);
out:
	folio_session__rdone(ses, cx);
	return rc;
}

static int need_admin(folio_session *ses, const char *what)
{
	unsigned rights;
	int rc = folio_srvacl__rights(&rights, ses);

	if (rc < 0)
		return rc;
	if (!(rights & FOLIO_SRV_ADMIN))
		return folio_error_set(FOLIO_EACCESS,
				       "%s may not %s: that is for the server "
				       "administrator",
				       ses->id.user, what);
	return 0;
}

/* ---- SQL helpers ---- */

/* Runs a statement with up to three text parameters (NULL ends them). */
static int run3(folio_cx *cx, const char *sql, const char *a, const char *b, const char *c)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, sql);

	if (rc < 0)
		return rc;
	if (a)
		rc = folio_q__text(&q, 1, a);
	if (rc == 0 && b)
		rc = folio_q__text(&q, 2, b);
	if (rc == 0 && c)
		rc = folio_q__text(&q, 3, c);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
	return rc;
}

/* 1 when the query (up to two text parameters) gives a row, 0 when not, or an error. */
static int any_row(folio_cx *cx, const char *sql, const char *a, const char *b)
{
	folio_q q;
	int rc = folio_q__prep(&q, cx, sql);

	if (rc < 0)
		return rc;
	rc = folio_q__text(&q, 1, a);
	if (rc == 0 && b)
		rc = folio_q__text(&q, 2, b);
	if (rc == 0)
		rc = folio_q__step(&q);
	folio_q__done(&q);
	if (rc < 0)
		return rc;
	return rc == FOLIO_ROW;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A one-column query into a list sorted byte for byte (the same on every engine). */
static int sorted_list(folio_strlist **out, folio_session *ses, const char *sql, const char *param)
{
	folio_cx *cx;
	int rc = folio_session__rcx(ses, &cx);

	*out = NULL;
	if (rc < 0)
		return rc;
	rc = folio_db__list_query(out, cx, sql, param);
	folio_session__rdone(ses, cx);
	if (rc == 0 && (*out)->count > 1)
		qsort((*out)->items, (*out)->count, sizeof(char *), cmp_str);
	return rc;
}

int folio_user__find(char **hash, int *disabled, folio_cx *cx, const char *name)
{
	folio_q q;
	int rc;

	if (hash)
		*hash = NULL;
	*disabled = 0;
	rc = folio_q__prep(&q, cx, "SELECT hash, disabled FROM folio_user WHERE name = ?");
	if (rc < 0)
		return rc;
	rc = folio_q__text(&q, 1, name);
	if (rc == 0)
		rc = folio_q__step(&q);
	if (rc == FOLIO_ROW) {
		*disabled = folio_q__col_int(&q, 1) != 0;
		if (hash) {
			*hash = folio__strdup(folio_q__col_text(&q, 0, NULL));
			rc = *hash ? 1 : FOLIO_ENOMEM;
		} else {
			rc = 1;
		}
	} else if (rc == FOLIO_DONE) {
		rc = 0;
	}
	folio_q__done(&q);
	return rc;
}

/* ---- group expansion ---- */

typedef struct names {
	char **v;
	int n, alloc;
} names;

static int names_has(const names *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

/* Makes room for one more name and the NULL after the last. */
static int names_room(names *l)
{
	if (l->n + 1 >= l->alloc) {
		int a = l->alloc ? l->alloc * 2 : 16;
		char **p = realloc(l->v, sizeof(*p) * (size_t)a);
		if (!p)
			return folio_error__oom();
		l->v = p;
		l->alloc = a;
	}
	l->v[l->n] = NULL;
	return 0;
}

static int names_add(names *l, const char *s)
{
	int rc = names_room(l);

	if (rc < 0)
		return rc;
	l->v[l->n] = folio__strdup(s);
	if (!l->v[l->n])
		return FOLIO_ENOMEM;
	l->n++;
	l->v[l->n] = NULL;
	return 0;
}

static void names_free(names *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int folio_user__expand(char ***out, int *n_out, folio_cx *cx, const char *const *start, int n)
{
	names seen = {0}, res = {0};
	int rc = 0, lo, hi, n_start;
	folio_q q;

	*out = NULL;
	*n_out = 0;
	for (int i = 0; rc == 0 && i < n; i++)
		if (!names_has(&seen, start[i]))
			rc = names_add(&seen, start[i]);
	n_start = seen.n;
	lo = 0;
	hi = seen.n;
	/* Level by level upwards (member -> group); a name seen before ends its branch. */
	for (int depth = 0; rc == 0 && depth < FOLIO_DIR_DEPTH && lo < hi; depth++) {
		for (int i = lo; rc == 0 && i < hi; i++) {
			rc = folio_q__prep(&q, cx, "SELECT grp FROM folio_member WHERE member = ?");
			if (rc < 0)
				break;
			rc = folio_q__text(&q, 1, seen.v[i]);
			while (rc == 0 && (rc = folio_q__step(&q)) == FOLIO_ROW) {
				const char *g = folio_q__col_text(&q, 0, NULL);
				rc = 0;
				if (!g || names_has(&seen, g))
					continue;
				if (seen.n - n_start >= FOLIO_DIR_MAX_GROUPS)
					rc = folio_error_set(FOLIO_ETOOBIG,
							     "%s is in more than %d groups",
							     start[0], FOLIO_DIR_MAX_GROUPS);
				else
					rc = names_add(&seen, g);
			}
			if (rc == FOLIO_DONE)
				rc = 0;
			folio_q__done(&q);
		}
		lo = hi;
		hi = seen.n;
	}
	for (int i = n_start; rc == 0 && i < seen.n; i++)
		rc = names_add(&res, seen.v[i]);
	if (rc == 0)
		rc = names_room(&res); /* an empty list is an array holding NULL */
	names_free(&seen);
	if (rc < 0) {
		names_free(&res);
		return rc;
	}
	qsort(res.v, (size_t)res.n, sizeof(char *), cmp_str);
	*out = res.v;
	*n_out = res.n;
	return 0;
}

/* ---- users ---- */

int folio_user_add(folio_session *ses, const char *name, const char *password)
{
	char now[FOLIO_DATE_LEN + 1], *hash = NULL;
	folio_cx *cx;
	folio_q q;
	int rc;

	rc = check_name(name, "user");
	if (rc == 0)
		rc = need_admin(ses, "add users");
	/* The slow part before the transaction, so that no lock waits for it. */
	if (rc == 0)
		rc = folio_pw__hash(&hash, password);
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		goto out;
	rc = any_row(cx, "SELECT 1 FROM folio_user WHERE name = ?", name, NULL);
	if (rc == 1)
		rc = folio_error_set(FOLIO_EEXISTS, "user %s exists already", name);
	if (rc == 0) {
		rc = any_row(cx, "SELECT 1 FROM folio_member WHERE grp = ?", name, NULL);
		if (rc == 1)
			rc = folio_error_set(FOLIO_EEXISTS, "%s is a group", name);
	}
	if (rc == 0) {
		folio_time__now(now);
		rc = folio_q__prep(&q, cx,
				   "INSERT INTO folio_user (name, hash, disabled, mdate) "
				   "VALUES (?, ?, 0, ?)");
		if (rc == 0) {
			rc = folio_q__text(&q, 1, name);
			if (rc == 0)
				rc = folio_q__text(&q, 2, hash);
			if (rc == 0)
				rc = folio_q__text(&q, 3, now);
			if (rc == 0)
				rc = folio_q__run(&q);
			folio_q__done(&q);
		}
	}
	rc = folio_session__wend(ses, rc);
out:
	free(hash);
	folio_dir__changed(ses->srv);
	return rc;
}

/*
 * Runs an UPDATE or DELETE of one user's row: the text parameters in order,
 * the user's name last. FOLIO_ENOTFOUND when there is no such user.
 */
static int change_user(folio_session *ses, const char *sql, const char *a, const char *b,
		       const char *name)
{
	const char *params[3] = {a, b, name};
	folio_cx *cx;
	folio_q q;
	int rc, n = 0;

	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = folio_q__prep(&q, cx, sql);
	if (rc < 0)
		goto out;
	for (int i = 0; rc == 0 && i < 3; i++)
		if (params[i])
			rc = folio_q__text(&q, ++n, params[i]);
	if (rc == 0)
		rc = folio_q__run(&q);
	folio_q__done(&q);
	if (rc == 0 && folio_cx__changes(cx) == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "no user %s", name);
	if (rc == 0 && !strncmp(sql, "DELETE", 6)) {
		/* A user made again with the name must not inherit the old one's rights. */
		rc = run3(cx, "DELETE FROM folio_member WHERE member = ?", name, NULL, NULL);
		if (rc == 0)
			rc = run3(cx, "DELETE FROM folio_srvacl WHERE name = ?", name, NULL, NULL);
	}
out:
	rc = folio_session__wend(ses, rc);
	folio_dir__changed(ses->srv);
	return rc;
}

int folio_user_passwd(folio_session *ses, const char *name, const char *password)
{
	char now[FOLIO_DATE_LEN + 1], *hash = NULL;
	int self, rc;

	rc = check_name(name, "user");
	if (rc < 0)
		return rc;
	self = (ses->id.kind == FOLIO_IDENT_LOGIN || ses->id.kind == FOLIO_IDENT_TRUSTED) &&
	       ses->id.user && !strcmp(ses->id.user, name);
	/* A user changes their own password without the old one: the Session proves who it is. */
	rc = self ? folio_dir__refresh(ses) : need_admin(ses, "set other users' passwords");
	if (rc == 0)
		rc = folio_pw__hash(&hash, password);
	if (rc < 0)
		return rc;
	folio_time__now(now);
	rc = change_user(ses, "UPDATE folio_user SET hash = ?, mdate = ? WHERE name = ?", hash, now,
			 name);
	free(hash);
	return rc;
}

int folio_user_disable(folio_session *ses, const char *name, int disabled)
{
	char now[FOLIO_DATE_LEN + 1];
	int rc = check_name(name, "user");

	if (rc == 0)
		rc = need_admin(ses, disabled ? "disable users" : "enable users");
	if (rc < 0)
		return rc;
	folio_time__now(now);
	return change_user(ses,
			   disabled
				   ? "UPDATE folio_user SET disabled = 1, mdate = ? WHERE name = ?"
				   : "UPDATE folio_user SET disabled = 0, mdate = ? WHERE name = ?",
			   now, NULL, name);
}

int folio_user_remove(folio_session *ses, const char *name)
{
	int rc = check_name(name, "user");

	if (rc == 0)
		rc = need_admin(ses, "remove users");
	if (rc < 0)
		return rc;
	return change_user(ses, "DELETE FROM folio_user WHERE name = ?", NULL, NULL, name);
}

int folio_user_list(folio_strlist **out, folio_session *ses)
{
	int rc;

	*out = NULL;
	rc = need_admin(ses, "list users");
	if (rc < 0)
		return rc;
	return sorted_list(out, ses, "SELECT name FROM folio_user", NULL);
}

/* ---- groups ---- */

int folio_group_add(folio_session *ses, const char *group, const char *member)
{
	char **up = NULL;
	int n_up = 0, rc;
	folio_cx *cx;

	rc = check_name(group, "group");
	if (rc == 0)
		rc = check_name(member, "member");
	if (rc == 0)
		rc = need_admin(ses, "change groups");
	if (rc < 0)
		return rc;
	if (!strcmp(group, member))
		return folio_error_set(FOLIO_EINVALID, "a group cannot be a member of itself");
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = any_row(cx, "SELECT 1 FROM folio_user WHERE name = ?", group, NULL);
	if (rc == 1)
		rc = folio_error_set(FOLIO_EINVALID, "%s is a user, not a group", group);
	if (rc == 0) {
		/* A cycle: group is in member already, at any depth. */
		rc = folio_user__expand(&up, &n_up, cx, &group, 1);
		for (int i = 0; rc == 0 && i < n_up; i++)
			if (!strcmp(up[i], member))
				rc = folio_error_set(
					FOLIO_EINVALID,
					"adding %s to %s would make a cycle (%s is in %s)", member,
					group, group, member);
	}
	if (rc == 0) {
		rc = any_row(cx, "SELECT 1 FROM folio_member WHERE grp = ? AND member = ?", group,
			     member);
		if (rc == 1)
			rc = folio_error_set(FOLIO_EEXISTS, "%s is a member of %s already", member,
					     group);
	}
	if (rc == 0)
		rc = run3(cx, "INSERT INTO folio_member (grp, member) VALUES (?, ?)", group, member,
			  NULL);
	for (int i = 0; i < n_up; i++)
		free(up[i]);
	free(up);
	rc = folio_session__wend(ses, rc);
	folio_dir__changed(ses->srv);
	return rc;
}

int folio_group_remove(folio_session *ses, const char *group, const char *member)
{
	folio_cx *cx;
	int rc;

	rc = check_name(group, "group");
	if (rc == 0 && member)
		rc = check_name(member, "member");
	if (rc == 0)
		rc = need_admin(ses, "change groups");
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	if (member) {
		rc = run3(cx, "DELETE FROM folio_member WHERE grp = ? AND member = ?", group,
			  member, NULL);
		if (rc == 0 && folio_cx__changes(cx) == 0)
			rc = folio_error_set(FOLIO_ENOTFOUND, "%s is not a member of %s", member,
					     group);
	} else {
		rc = run3(cx, "DELETE FROM folio_member WHERE grp = ?", group, NULL, NULL);
		if (rc == 0 && folio_cx__changes(cx) == 0)
			rc = folio_error_set(FOLIO_ENOTFOUND, "no group %s", group);
		/* Gone as a group, it is no longer a member of others (nor holds server rights). */
		if (rc == 0)
			rc = run3(cx, "DELETE FROM folio_member WHERE member = ?", group, NULL,
				  NULL);
		if (rc == 0)
			rc = run3(cx, "DELETE FROM folio_srvacl WHERE name = ?", group, NULL, NULL);
	}
	rc = folio_session__wend(ses, rc);
	folio_dir__changed(ses->srv);
	return rc;
}

int folio_group_members(folio_strlist **out, folio_session *ses, const char *group)
{
	int rc;

	*out = NULL;
	rc = check_name(group, "group");
	if (rc == 0)
		rc = need_admin(ses, "list groups");
	if (rc == 0)
		rc = sorted_list(out, ses, "SELECT member FROM folio_member WHERE grp = ?", group);
	if (rc == 0 && (*out)->count == 0) {
		folio_strlist_free(*out);
		*out = NULL;
		rc = folio_error_set(FOLIO_ENOTFOUND, "no group %s", group);
	}
	return rc;
}

int folio_group_list(folio_strlist **out, folio_session *ses)
{
	int rc;

	*out = NULL;
	rc = need_admin(ses, "list groups");
	if (rc < 0)
		return rc;
	return sorted_list(out, ses, "SELECT DISTINCT grp FROM folio_member", NULL);
}

/* ---- the server ACL ---- */

int folio_server_acl_set(folio_session *ses, const char *name, const char *rights)
{
	folio_cx *cx;
	int rc = 0;

	if (!name || (strcmp(name, "*") != 0 && !folio_name__user_valid(name)))
		return folio_error_set(FOLIO_EINVALID,
				       "invalid name: a user, a group or \"*\" (any authenticated "
				       "user)");
	if (!strcmp(name, "anonymous") || name[0] == '[')
		return folio_error_set(FOLIO_EINVALID, "%s cannot be given server rights", name);
	if (rights && *rights && !parse_rights(rights))
		return folio_error_set(FOLIO_EINVALID,
				       "invalid server rights '%.40s': \"create\" or \"admin\"",
				       rights);
	rc = need_admin(ses, "change the server ACL");
	if (rc < 0)
		return rc;
	rc = folio_session__wbegin(ses, &cx);
	if (rc < 0)
		return rc;
	rc = run3(cx, "DELETE FROM folio_srvacl WHERE name = ?", name, NULL, NULL);
	if (rc == 0 && (!rights || !*rights) && folio_cx__changes(cx) == 0)
		rc = folio_error_set(FOLIO_ENOTFOUND, "%s has no entry in the server ACL", name);
	if (rc == 0 && rights && *rights)
		rc = run3(cx, "INSERT INTO folio_srvacl (name, rights) VALUES (?, ?)", name, rights,
			  NULL);
	return folio_session__wend(ses, rc);
}

int folio_server_acl_get(char **out, folio_session *ses)
{
	json_object *obj = NULL;
	folio_strlist *l = NULL;
	folio_cx *cx = NULL;
	folio_q q;
	int rc;

	*out = NULL;
	rc = need_admin(ses, "read the server ACL");
	if (rc < 0)
		return rc;
	rc = sorted_list(&l, ses, "SELECT name FROM folio_srvacl", NULL);
	if (rc < 0)
		return rc;
	obj = json_object_new_object();
	if (!obj) {
		rc = folio_error__oom();
		goto out;
	}
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		goto out;
	/* In name order, the same on every engine. */
	for (size_t i = 0; rc == 0 && i < l->count; i++) {
		rc = folio_q__prep(&q, cx, "SELECT rights FROM folio_srvacl WHERE name = ?");
		if (rc < 0)
			break;
		rc = folio_q__text(&q, 1, l->items[i]);
		if (rc == 0)
			rc = folio_q__step(&q);
		if (rc == FOLIO_ROW) {
			json_object *v = json_object_new_string(folio_q__col_text(&q, 0, NULL));
			rc = v ? 0 : folio_error__oom();
			if (v)
				json_object_object_add(obj, l->items[i], v);
		} else if (rc == FOLIO_DONE) {
			rc = 0; /* removed meanwhile */
		}
		folio_q__done(&q);
	}
	folio_session__rdone(ses, cx);
	if (rc == 0) {
		*out = folio__strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
		if (!*out)
			rc = FOLIO_ENOMEM;
	}
out:
	json_object_put(obj);
	folio_strlist_free(l);
	return rc;
}
