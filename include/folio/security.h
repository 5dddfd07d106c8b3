/*
 * folio: security. Who a Session acts for (the directory, LDAP, logins), the
 * server ACL, the database ACL with its levels and roles, and documents'
 * readers and editors. docs/security.md describes the model.
 *
 * Kinds of Session:
 *   folio_session_login()       a user whose password was checked;
 *   folio_session_open()        a user the application vouches for (it did its
 *                               own authentication); anonymous when no name;
 *   folio_session_open_admin()  the server administrator, for set-up and
 *                               tools (whoever holds the server URL and its
 *                               credentials owns the data anyway).
 * Every kind but the administrator is subject to the ACLs.
 */
#ifndef FOLIO_SECURITY_H
#define FOLIO_SECURITY_H

#include "folio/session.h"
#include "folio/database.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Authenticates `name` with `password` against the directories (built-in,
 * LDAP, in the configured order). Returns 0, FOLIO_EACCESS ("invalid user
 * name or password": the same for an unknown user, a wrong password and a
 * disabled user, after the same time), FOLIO_EIO (a directory could not be
 * reached: never a success).
 */
int folio_session_login(folio_session **out, folio_server *srv, const char *name,
			const char *password);

/* A Session for the server administrator: every right, no ACL applies. */
int folio_session_open_admin(folio_session **out, folio_server *srv);

/* 1 for a Session of the server administrator. */
int folio_session_is_admin(const folio_session *ses);

/*
 * The groups of the Session's user (transitively), NULL-terminated, borrowed.
 */
const char *const *folio_session_groups(const folio_session *ses);

/*
 * The server's security configuration, a JSON object:
 *   {"directory": {"order": ["builtin", "ldap"], "cache_ttl": 300,
 *                  "ldap": {...see docs/security.md...}}}
 * Returns 0, FOLIO_EINVALID (with the key at fault).
 */
int folio_server_configure(folio_server *srv, const char *config_json);

/* ---- the built-in directory (the administrator; a user may change their own password) ---- */

int folio_user_add(folio_session *ses, const char *name, const char *password);
/*
 * A user's Session (logged in or trusted) may set its own password without
 * the old one: the Session already proves who it is.
 */
int folio_user_passwd(folio_session *ses, const char *name, const char *password);
int folio_user_disable(folio_session *ses, const char *name, int disabled);
int folio_user_remove(folio_session *ses, const char *name);
int folio_user_list(folio_strlist **out, folio_session *ses);
/* A member is a user or a group; a group exists while it has members. */
int folio_group_add(folio_session *ses, const char *group, const char *member);
int folio_group_remove(folio_session *ses, const char *group, const char *member);
int folio_group_members(folio_strlist **out, folio_session *ses, const char *group);
int folio_group_list(folio_strlist **out, folio_session *ses);

/* ---- the server ACL ---- */

/*
 * rights: "create" (may create databases) or "admin" (administers the server:
 * the directory and the server ACL); NULL or "" removes the entry. `name` is
 * a user, a group or "*" (any authenticated user). Administrator only.
 */
int folio_server_acl_set(folio_session *ses, const char *name, const char *rights);
/* The entries as a JSON object {"name": "rights", ...}; the caller frees *out. */
int folio_server_acl_get(char **out, folio_session *ses);

/* ---- the database ACL ---- */

typedef enum folio_acl_level {
	FOLIO_ACL_NOACCESS = 0,
	FOLIO_ACL_DEPOSITOR,
	FOLIO_ACL_READER,
	FOLIO_ACL_AUTHOR,
	FOLIO_ACL_EDITOR,
	FOLIO_ACL_DESIGNER,
	FOLIO_ACL_MANAGER
} folio_acl_level;

#define FOLIO_ACL_CREATE 1u /* may create documents (depositor, author) */
#define FOLIO_ACL_DELETE 2u /* may delete documents it may edit */

/* "noaccess", "depositor", ... "manager"; NULL for a bad level. */
const char *folio_acl_level_name(int level);
/* The level of a name, or -1. */
int folio_acl_level_parse(const char *name);

/*
 * Sets an entry of database `db`'s ACL: `name` is a user, a group, a [role],
 * "anonymous" or "*" (any authenticated user); roles: a comma-separated list
 * of the database's roles ("[Sales],[HR]"), or NULL. Manager only.
 * Returns 0, FOLIO_EACCESS, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_acl_set(folio_session *ses, const char *db, const char *name, int level,
		  unsigned flags, const char *roles);
int folio_acl_remove(folio_session *ses, const char *db, const char *name);
/* The ACL as JSON: {"entries": {"name": {"level":"editor","create":true,
 * "delete":true,"roles":["[Sales]"]}}, "roles": ["[Sales]"]}. Reader or above. */
int folio_acl_get(char **out, folio_session *ses, const char *db);
/* Roles of a database ("[Sales]"). Manager only. */
int folio_role_add(folio_session *ses, const char *db, const char *role);
int folio_role_remove(folio_session *ses, const char *db, const char *role);

/*
 * The Session's effective access to `db`: level, flags and roles (the
 * highest matching entry wins: the user's own, else its groups' and
 * "*", else "anonymous"). roles may be NULL.
 */
int folio_acl_access(folio_session *ses, const char *db, int *level, unsigned *flags,
		     folio_strlist **roles);

#ifdef __cplusplus
}
#endif
#endif
