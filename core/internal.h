/* Internal: the structures behind the public handles, shared by core/ files. */
#ifndef FOLIO_CORE_INTERNAL_H
#define FOLIO_CORE_INTERNAL_H

#include <pthread.h>
#include <json-c/json.h>
#include "folio/folio.h"
#include "conn.h"
#include "util.h"
#include "ident.h"
#include "rev.h"

struct folio_server {
	char *url;      /* as given (may hold a password): only for the driver */
	char *url_safe; /* the password removed: for messages */
	const folio_driver *drv;
	folio_server_options opts;
	folio_connect_options copts;
	int schema_version;
	char dialect[16];

	pthread_mutex_t mu;
	pthread_cond_t cv;
	folio_cx **idle;
	int n_idle;
	int n_open;

	struct folio_dirconf *dir; /* the directory's configuration and caches (security/) */
};

/* pool.c */
int folio_pool__acquire(folio_cx **out, folio_server *srv);
void folio_pool__release(folio_server *srv, folio_cx *cx);
void folio_pool__destroy(folio_server *srv);

/* The seq allocator's state for the open transaction (see seq.c). */
typedef struct folio_seqcache {
	char db[32];
	int64_t next;    /* the last seq handed out */
	int64_t written; /* the value the counter row holds in this transaction */
	int depth;       /* transaction depth when the counter row was locked */
	int valid;
} folio_seqcache;

/* What a Session knows of its access to one database (security/acl.c). */
typedef struct folio_dbaccess {
	char db[32];
	int level;        /* FOLIO_ACL_* */
	unsigned flags;   /* FOLIO_ACL_CREATE, FOLIO_ACL_DELETE */
	char **names;     /* the names a document's _readers/_editors may give it:
			   * the user, its groups, its roles, "*"; NULL-terminated */
	int n_names;
	double loaded;
} folio_dbaccess;

struct folio_session {
	folio_server *srv;
	char *user;
	folio_ident id;         /* who the Session acts for (security/ident.h) */
	folio_dbaccess *access; /* per database, computed on first use */
	int n_access;
	folio_cx *txn_cx; /* held while a transaction is open */
	int depth;        /* nesting depth, 0: none */
	folio_seqcache seq;
	folio_cx *read_cx; /* held while reads nest (a callback that reads) */
	int read_refs;
	folio_batch *batch; /* the open batch, whose writer thread may be using txn_cx */
};

/* batch.c: waits until the open batch's writer thread has written its chunk. */
void folio_batch__drain(folio_batch *b);

/* session.c: a unit of writing. Starts a transaction (or a savepoint inside
 * the open one) and hands out its connection; end commits or rolls back. */
int folio_session__wbegin(folio_session *ses, folio_cx **cx);
int folio_session__wend(folio_session *ses, int rc);
/* A connection for reading: the transaction's, or one from the pool. */
int folio_session__rcx(folio_session *ses, folio_cx **cx);
void folio_session__rdone(folio_session *ses, folio_cx *cx);

/* seq.c: the next seq of database `db`, inside the session's write unit. */
int folio_seq__next(int64_t *out, folio_session *ses, folio_cx *cx, const char *db);
/* Writes the counter back before the outermost commit. */
int folio_seq__flush(folio_session *ses, folio_cx *cx);

/* An extracted field of a store. */
typedef struct folio_field {
	char *name;
	char *path;
	int type; /* FOLIO_FT_* */
	int multiple;
	int slot; /* 1..FOLIO_SLOTS: text slot tN; FOLIO_SLOTS+1..: number slot; 0: rows in _fld */
} folio_field;

enum { FOLIO_FT_STRING = 1, FOLIO_FT_NUMBER, FOLIO_FT_BOOLEAN, FOLIO_FT_DATE };

struct folio_store {
	folio_session *ses;
	char db[32];
	char name[72];
	int64_t storeid;
	char *options;
	folio_field *fields;
	int n_fields;
	unsigned fields_gen; /* changes whenever the fields do */
	int fts;
	char replica[27]; /* the database's replica id */
	int layout;       /* the database's layout version (FOLIO_DB_LAYOUT) */
	const folio_dialect *dialect;
	int last_id; /* the driver reports generated keys */
	/* SQL texts for this database, built once: see doc.c */
	struct folio_sql *sql;
};

/* store.c: parses and checks store options into fields; used by create and open. */
int folio_store__parse_options(folio_store *st, const char *options_json, char **normalized);
/* catalog.c: 1 if db exists, 0 if not, <0 error. */
int folio_catalog__exists(folio_cx *cx, const char *db);

/* doc.c: the write path shared by folio_doc_save() and batches. */
struct folio_doc {
	folio_store *st;
	char unid[FOLIO_UNID_MAX + 1];
	int is_new;
	int64_t docid;
	int64_t seq;
	char *text;         /* the stored body text, or NULL when body is newer */
	json_object *body;  /* parsed body, or NULL until needed */
	char *rev;
	char *revs;         /* JSON array of ancestors, newest first */
	char *expect_rev;   /* from a `_rev` in set_json */
	char *cdate, *cuser, *mdate, *muser, *replica;
	char *parent, *syncmaster;
	/* import: keep metadata as given */
	int keep_meta;
	int adopt_unid; /* set_text takes the UNID from `_unid` (batches) */
	/* a loaded document's strings share one allocation: free with folio_doc__sfree() */
	char *arena;
	size_t arena_len;
	/* what the packed metadata leaves out and a load fills in: replica, revs */
	char implied[FOLIO_REV_MAX + 72];
};
void folio_doc__sfree(folio_doc *doc, char *p);

/* What a write produced, moved into the document once the transaction commits. */
typedef struct folio_wres {
	int64_t docid, seq;
	char *rev, *revs, *cdate, *cuser, *mdate, *muser;
} folio_wres;

/* An internal write flag: try a plain insert first (batches into stores without stubs). */
#define FOLIO_WRITE__TRY_INSERT (1u << 30)

/* flags: FOLIO_SAVE_CHECK_CONFLICT, FOLIO_WRITE__TRY_INSERT. Writes inside the caller's
 * write unit. */
int folio_doc__write(folio_doc *doc, folio_cx *cx, unsigned flags, folio_wres *res);
/*
 * The same in two steps: prepare does the work that needs no database (the
 * body's index; for an insert-first write, the revision and metadata) and
 * may run on another thread than write_prepared, which does the SQL.
 */
typedef struct folio_wprep folio_wprep;
int folio_doc__prepare(folio_wprep **out, folio_doc *doc, unsigned flags);
int folio_doc__write_prepared(folio_doc *doc, folio_cx *cx, unsigned flags, folio_wres *res,
			      folio_wprep *prep);
void folio_doc__prep_free(folio_wprep *prep);
/* How many new documents a batch writes with one INSERT. */
#define FOLIO_DOC__CHUNK 16
/* 1 when the prepared document may go by the insert-first path (a new UNID). */
int folio_doc__prep_is_new(const folio_wprep *prep);
/*
 * Inserts n prepared new documents with one statement (several rows of
 * VALUES) and mirrors them; done[i] says which were written. Documents not
 * done (a taken UNID, or an engine without the means) go one at a time
 * through folio_doc__write_prepared().
 */
int folio_doc__write_many(folio_doc **docs, folio_wprep **preps, int n, folio_cx *cx,
			  int *done);
/*
 * The bulk path (see bulk_insert in sys/driver.h): a batch keeps up to
 * FOLIO_DOC__BULK new documents, or FOLIO_DOC__BULK_BYTES of their JSON, for
 * one bulk insert where folio_doc__bulk_ok() (the driver has the bulk path
 * and the dialect can choose docids first). folio_doc__write_bulk() works
 * as folio_doc__write_many(); the engine may answer the bulk insert later
 * (folio_cx__bulk_wait), so the batch waits before it ends its write unit.
 */
#define FOLIO_DOC__BULK 512
#define FOLIO_DOC__BULK_BYTES ((size_t)4 << 20)
int folio_doc__bulk_ok(const folio_store *st, const folio_cx *cx);
/* 1 when a batch on the bulk path keeps the prepared document for a chunk (a new UNID). */
int folio_doc__prep_bulk(const folio_doc *doc, const folio_wprep *prep, unsigned flags);
/*
 * What the bulk path keeps from one chunk of a batch to the next
 * (doc_write.c): which UNIDs may be taken, docids chosen ahead. Zeroed at
 * first; folio_doc__bulk_free() at the end.
 */
typedef struct folio_bulk {
	int state;
	uint64_t n_seen;
	unsigned char *seen;
	int64_t *ids; /* docids from the key sequence: [at_ids, n_ids) not used yet */
	size_t at_ids, n_ids, next_ids;
	folio_value *rows; /* a chunk's rows, kept for the next chunk */
	size_t n_rows;
	folio_buf *scratch; /* decoded slot strings, a buffer per slot of each row */
	size_t n_scratch;
} folio_bulk;
void folio_doc__bulk_free(folio_bulk *bulk);
/*
 * A chunk's bulk rows, captured ahead by folio_doc__capture() (in a batch,
 * on the caller's thread, as each document is put) for write_bulk, which
 * then sets their seq and docid. Zeroed at first; folio_doc__rows_free().
 */
typedef struct folio_rows {
	folio_value *rows;
	size_t cap; /* rows of room */
	int ncols;
	size_t per_row; /* scratch buffers per row */
	folio_buf *scratch;
	size_t n_scratch;
	unsigned gen; /* the store's fields_gen when captured */
	int ok;       /* rows 0.. of the chunk are all captured */
} folio_rows;
void folio_doc__rows_free(folio_rows *rows);
/* Captures row i of a chunk: documents in order from 0, each a new document on the bulk path. */
int folio_doc__capture(folio_rows *rows, int i, folio_doc *doc, folio_wprep *prep);
/* rows: the chunk's rows captured ahead, or NULL (bound here). */
int folio_doc__write_bulk(folio_doc **docs, folio_wprep **preps, int n, folio_cx *cx,
			  int *done, folio_bulk *bulk, folio_rows *rows);
void folio_doc__apply(folio_doc *doc, folio_wres *res); /* takes res's strings */
void folio_doc__wres_free(folio_wres *res);
/* The packed metadata column (doc.c); the caller frees it. NULL when out of memory. */
char *folio_doc__pack_meta(const folio_wres *r, const char *parent, const char *syncmaster,
			   const char *replica, const char *own_replica);
/*
 * The ancestry from the last part of a packed metadata (rev: its first
 * part): *out malloc'ed, NULL when it has none.
 */
int folio_doc__meta_revs(char **out, const char *rev, const char *part);
/* Initializes a doc struct in place (no allocation of the struct). */
int folio_doc__init(folio_doc *doc, folio_store *st, const char *unid);
void folio_doc__clear(folio_doc *doc);
/* doc_write.c: rewrites a stored document's slots, _fld rows and words (store reindex). */
int folio_doc__reindex(folio_store *st, folio_cx *cx, int64_t docid, const char *text,
		       size_t len, const char *update_slots);
/*
 * A document over a row's strings, without copying: text is the body, meta
 * the packed metadata (split in place). Only for reading it (to JSON); it
 * owns nothing, so it is not cleared or freed.
 */
void folio_doc__view(folio_doc *doc, folio_store *st, const char *unid, int64_t docid,
		     int64_t seq, char *text, char *meta);
/* Appends the document as folio_doc_to_json() writes it (not FOLIO_JSON_PRETTY/NO_META). */
int folio_doc__json_into(folio_buf *out, const folio_doc *doc, unsigned flags);
/* A loaded document from a row's columns (body text and packed metadata are copied). */
int folio_doc__from_row(folio_doc **out, folio_store *st, const char *unid, int64_t docid,
			int64_t seq, const char *text, size_t tlen, const char *meta, size_t mlen);
/* doc.c: the parsed body (parsing the stored text once), and the body's text. */
int folio_doc__need_body(folio_doc *doc);
const char *folio_doc__text(folio_doc *doc, size_t *len);
/* Sets a doc from wire JSON text (system fields applied); keep_meta for imports. */
int folio_doc__set_text(folio_doc *doc, const char *text, size_t len, int keep_meta);

/* sqltext.c: per-database SQL texts, built once per store handle. */
typedef struct folio_sql {
	char *doc_load;
	char *doc_find;   /* docid, rev, revs, cdate, cuser of a live doc */
	char *doc_insert;
	char *doc_try_insert; /* NULL where the dialect cannot insert-or-nothing with RETURNING */
	char *doc_update;
	char *doc_delete;
	char *stub_find;
	char *stub_delete;
	char *stub_insert;
	char *sec_clear, *sec_insert;
	char *tag_clear, *tag_insert;
	char *fld_clear, *fld_insert;
	char *soc_clear, *att_clear, *fts_clear;
	char *fts_insert; /* docid, the words */
	char *last_docid;
	char *count;
	char *unids;
	char *meta_replica;
	char *store_check;
	char *stub_any;
	char *doc_insert_chunk; /* FOLIO_DOC__CHUNK rows of doc_insert, built on first use */
} folio_sql;

/* store.c: FOLIO_ENOTFOUND when the store was dropped since the handle was opened. */
int folio_store__check(folio_store *st, folio_cx *cx);

/* The texts for one store: its slot columns appear in the document insert and update. */
/* last_id: the driver reports generated keys, so inserts need no RETURNING. */
int folio_sql__build(folio_sql **out, const folio_dialect *d, int last_id, const char *db,
		     const folio_field *fields, int n_fields);
void folio_sql__free(folio_sql *s);



/* database.c: a one-column text query (one optional text parameter) into a list. */
int folio_db__list_query(folio_strlist **out, folio_cx *cx, const char *sql, const char *param);
#endif
