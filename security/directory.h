/*
 * Internal: the directory's own machinery, shared by security/directory.c,
 * users.c, login.c, password.c and core/ (the Server holds the directory's
 * configuration, a Session refreshes its identity through it).
 *
 * The contract with the rest of the library is in ident.h; what is here is
 * how the directory keeps its state: a configuration (which directories, in
 * which order, and the cache's time to live), a bounded cache of identities,
 * and the memory of failed logins that slows down guessing.
 */
#ifndef FOLIO_SECURITY_DIRECTORY_H
#define FOLIO_SECURITY_DIRECTORY_H

#include <json-c/json.h>
#include "ident.h"
#include "conn.h"

/* Which directory knows a user (folio_ident.source). */
enum { FOLIO_DIR_NONE = 0, FOLIO_DIR_BUILTIN = 1, FOLIO_DIR_LDAP = 2 };

/* The cache's time to live when the configuration gives none, in seconds. */
#define FOLIO_DIR_DEFAULT_TTL 60.0
/* How deep nested groups are followed; deeper nesting is ignored. */
#define FOLIO_DIR_DEPTH 16
/* The most groups one user can be in (transitively); more is an error. */
#define FOLIO_DIR_MAX_GROUPS 4096
/* The name of the administrator's Session (folio_session_open_admin). */
#define FOLIO_DIR_ADMIN_NAME "admin"

/* The Server's directory state (struct folio_server.dir). */
typedef struct folio_dirconf folio_dirconf;

/* directory.c: made by folio_server_open(), freed by folio_server_close(). */
int folio_dir__new(folio_dirconf **out);
void folio_dir__free(folio_dirconf *dir);

/*
 * Replaces the configuration with the "directory" object of
 * folio_server_configure() (NULL: the defaults). Returns 0 or FOLIO_EINVALID
 * naming the key at fault; on failure the old configuration stays.
 */
int folio_dir__configure(folio_server *srv, json_object *directory);

/* Forgets every cached identity: the built-in directory changed (users.c). */
void folio_dir__changed(folio_server *srv);

/* Monotonic seconds. */
double folio_dir__now(void);

/*
 * The Session's identity, current: its groups are loaded on first use, and
 * again once older than the cache's TTL or when the directory changed in
 * this process. Returns 0; FOLIO_EACCESS when the user was disabled or
 * removed since the Session began (the Session then has no groups, and keeps
 * failing); an error reading a directory (FOLIO_EIO: LDAP unreachable).
 * Nothing to do for the administrator and anonymous Sessions.
 */
int folio_dir__refresh(folio_session *ses);

/* Server rights (folio_srvacl.rights). */
#define FOLIO_SRV_CREATE 1u /* may create databases */
#define FOLIO_SRV_ADMIN 2u  /* administers the directory and the server ACL; implies create */

/*
 * users.c: the server rights of the Session: every right for the
 * administrator, none for anonymous, else the union of the server ACL's
 * entries for the user, its groups and "*". Refreshes the identity first
 * (FOLIO_EACCESS for a removed or disabled user).
 */
int folio_srvacl__rights(unsigned *out, folio_session *ses);

/*
 * users.c: a built-in user's row. Returns 1 and the hash (caller frees) and
 * disabled flag, 0 when there is no such user, or an error.
 */
int folio_user__find(char **hash, int *disabled, folio_cx *cx, const char *name);

/*
 * users.c: the groups that the `n` names belong to in the built-in directory,
 * transitively (FOLIO_DIR_DEPTH levels), sorted, without the names
 * themselves; NULL-terminated, *n_out of them. Cycles end the walk.
 */
int folio_user__expand(char ***out, int *n_out, folio_cx *cx, const char *const *names, int n);

/* users.c: 1 for a name no user or group may take ("*", "anonymous", "[role]"). */
int folio_user__reserved(const char *name);

/*
 * password.c: argon2id (libsodium) with the interactive limits.
 * hash: *out gets the encoded hash ("$argon2id$v=19$m=...") to free; 0,
 * FOLIO_EINVALID (empty or too long), FOLIO_ENOMEM.
 * verify: 1 when the password matches, else 0 (a malformed hash too).
 * dummy: the work of a verify against no one's hash, so that an unknown
 * user takes as long as a known one.
 */
#define FOLIO_PW_MAX 4096
int folio_pw__hash(char **out, const char *password);
int folio_pw__verify(const char *hash, const char *password);
void folio_pw__dummy(const char *password);
/* The hash that folio_pw__dummy() checks against (for tests: same limits as real ones). */
const char *folio_pw__dummy_hash(void);

#endif
