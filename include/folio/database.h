/* folio: databases, and lists of names. */
#ifndef FOLIO_DATABASE_H
#define FOLIO_DATABASE_H

#include <stddef.h>
#include <stdint.h>
#include "folio/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A list of names, owned by the caller, freed with folio_strlist_free(). */
typedef struct folio_strlist {
	size_t count;
	char **items;
} folio_strlist;

void folio_strlist_free(folio_strlist *list);

/*
 * Database names match ^[a-z][a-z0-9_]{0,29}$ and are not "folio" (the
 * prefix of the server's own tables). Names are checked before any SQL runs.
 * Returns 1 for a valid name, 0 otherwise.
 */
int folio_db_name_valid(const char *name);

/*
 * Creates a database: its tables, its four predefined stores (_default,
 * _local, _comments, _design) and a new replica id, in one transaction.
 * Returns 0, FOLIO_EINVALID (bad name), FOLIO_EEXISTS.
 */
int folio_db_create(folio_session *ses, const char *name);

/*
 * Drops a database and every table it has, in one transaction.
 * Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_db_drop(folio_session *ses, const char *name);

/* Lists the databases in name order into *out. Returns 0 or an error. */
int folio_db_list(folio_strlist **out, folio_session *ses);

/* Whether a database exists: 1 yes, 0 no, or a negative error. */
int folio_db_exists(folio_session *ses, const char *name);

/*
 * The replica id of a database (26 characters) into *out, a string the
 * caller frees with free(). Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_db_replica_id(char **out, folio_session *ses, const char *name);

/*
 * The database's last seq: the seq of its newest change, 0 for none.
 * Returns 0, FOLIO_EINVALID, FOLIO_ENOTFOUND.
 */
int folio_db_last_seq(int64_t *out, folio_session *ses, const char *name);

#ifdef __cplusplus
}
#endif
#endif
