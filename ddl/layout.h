/*
 * Internal: the relational layout. The server catalog (folio_schema,
 * folio_catalog) and the fixed set of tables of each database, written per
 * dialect, with a schema version and forward migrations.
 */
#ifndef FOLIO_DDL_LAYOUT_H
#define FOLIO_DDL_LAYOUT_H

#include "conn.h"

/* Slot columns per kind in <db>_doc: t1..tN (text) and n1..nN (numbers). */
#define FOLIO_SLOTS 8
/* A string longer than this (bytes of JSON text) is not put in a slot: the document is
 * then irregular for the field (core/qsql.h). */
#define FOLIO_SLOT_TEXT_MAX 200
/*
 * _fld.pos: an array element's index (0, 1, ...), or one of these: the value
 * was not in an array; the row marks an irregular document (no value).
 */
#define FOLIO_FLD_SCALAR (-2)
#define FOLIO_FLD_MARK (-1)

/* "t3" for slot 3, "n2" for slot FOLIO_SLOTS + 2. */
int folio_layout__slot_name(char out[4], int slot);

/* Creates the index of a slot if it is not there yet (inside the caller's transaction). */
int folio_layout__slot_index(folio_cx *cx, const char *db, int slot);

/* The per-database tables, in creation order (drop goes in reverse). */
extern const char *const folio_layout__tables[];

/*
 * Creates the server catalog on an empty database, or migrates an older one
 * forward, in one transaction. *version gets the version now in place.
 * A catalog newer than this build is an error (FOLIO_EINVALID).
 */
int folio_layout__server_init(folio_cx *cx, int *version);

/*
 * The layout of a database's own tables, kept in <db>_meta.version and read
 * when a store is opened:
 *   2: the first (written as the server schema's version);
 *   3: <db>_doc.mdate may be NULL, meaning "equal to cdate".
 * A database of an earlier layout is read and written as it is (its mdate
 * is always written); one of a later layout is refused.
 */
#define FOLIO_DB_LAYOUT 3

/* Writes the DDL of database `db` (CREATE TABLE/INDEX statements, one per
 * call of `cb`). Used by create and by tests that check the SQL. */
int folio_layout__db_ddl(const folio_dialect *d, const char *db,
			 int (*cb)(const char *sql, void *payload), void *payload);

/* Creates the tables of database `db` (inside the caller's transaction). */
int folio_layout__db_create(folio_cx *cx, const char *db);

/* Drops the tables of database `db` (inside the caller's transaction). */
int folio_layout__db_drop(folio_cx *cx, const char *db);

#endif
