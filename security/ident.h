/*
 * Internal: who a Session acts for, and the directory that says so.
 *
 * A Session carries an identity: the user's canonical name, every group it
 * belongs to (directly or through nested groups, from the built-in directory
 * and LDAP), and how it was established. The database ACL (security/acl.c)
 * turns that into an access level and roles per database; enforcement is in
 * the SQL of every read path (security/acl.c, core/cursor.c).
 */
#ifndef FOLIO_SECURITY_IDENT_H
#define FOLIO_SECURITY_IDENT_H

#include <stdint.h>
#include "folio/folio.h"

typedef enum folio_ident_kind {
	FOLIO_IDENT_ANONYMOUS = 0, /* no user */
	FOLIO_IDENT_TRUSTED,       /* folio_session_open(): the application vouches for the name */
	FOLIO_IDENT_LOGIN,         /* folio_session_login(): a password was checked */
	FOLIO_IDENT_ADMIN          /* folio_session_open_admin(): the server administrator */
} folio_ident_kind;

typedef struct folio_ident {
	folio_ident_kind kind;
	char *user;     /* canonical name; "anonymous" for an anonymous Session */
	char **groups;  /* every group, transitively, canonical names; NULL-terminated */
	int n_groups;
	double loaded;  /* when groups were read (monotonic seconds), for the cache's TTL */
	int source;     /* the directory that knows the user (security/directory.h), 0: none */
	int revoked;    /* the user was disabled or removed since the Session began */
	uint64_t gen;   /* the directory's generation when groups were read */
} folio_ident;

void folio_ident__free(folio_ident *id);

/*
 * security/directory.c. The directories, in their configured order
 * (built-in, LDAP): the first that knows the name decides.
 *
 * authenticate: checks the password and fills *out (kind LOGIN, canonical
 * name, groups). A wrong password and an unknown user give the same error
 * (FOLIO_EACCESS, "invalid user name or password") and take the same time;
 * repeated failures for a name are slowed down. An unreachable LDAP server is
 * FOLIO_EIO, never a success.
 *
 * groups: the groups of a user whose name is trusted (folio_session_open),
 * from the built-in directory, and from LDAP when it is configured with a
 * service account; FOLIO_ENOTFOUND-free: an unknown user simply has none.
 * A disabled or removed built-in user: FOLIO_EACCESS.
 */
int folio_dir__authenticate(folio_ident *out, folio_server *srv, const char *name,
			    const char *password);
int folio_dir__groups(folio_ident *out, folio_server *srv, const char *user);

/*
 * security/ldap.c (called by directory.c when the server's configuration has
 * an "ldap" section). 1: authenticated (out filled); 0: LDAP does not know the
 * name; <0: error (FOLIO_EACCESS wrong password, FOLIO_EIO unreachable).
 */
typedef struct folio_ldap folio_ldap;
int folio_ldap__open(folio_ldap **out, const char *config_json); /* the "ldap" object */
void folio_ldap__free(folio_ldap *l);
int folio_ldap__authenticate(folio_ldap *l, folio_ident *out, const char *name,
			     const char *password);
int folio_ldap__groups(folio_ldap *l, folio_ident *out, const char *name);

#endif
