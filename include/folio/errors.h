/* folio: error codes and the thread-local error detail. */
#ifndef FOLIO_ERRORS_H
#define FOLIO_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every folio function that can fail returns an int: 0 on success, or one of
 * these negative codes. The one-line detail of the last failure on the calling
 * thread is in folio_error_last().
 */
enum folio_error_code {
	FOLIO_OK = 0,
	FOLIO_ERROR = -1,     /* anything not listed below */
	FOLIO_ENOMEM = -2,    /* out of memory */
	FOLIO_ENOTFOUND = -3, /* no such database, store or document */
	FOLIO_EEXISTS = -4,   /* the name or UNID is taken */
	FOLIO_ECONFLICT = -5, /* saved over a stale revision */
	FOLIO_EACCESS = -6,   /* not allowed */
	FOLIO_EINVALID = -7,  /* bad input: a name, JSON, a path, an option */
	FOLIO_ETOOBIG = -8,   /* over a size or depth limit */
	FOLIO_EBUSY = -9,     /* the pool or the database stayed busy too long */
	FOLIO_EIO = -10,      /* the engine failed to read or write */
	FOLIO_EFULL = -11,    /* the disk or the database is full */
	FOLIO_EREADONLY = -12, /* the database can only be read */
	/*
	 * The engine rolled the transaction back to break a deadlock or a
	 * serialization conflict. A single write call retries by itself a few
	 * times before it reports this; inside the caller's own transaction it
	 * is reported at once, and the caller retries the transaction.
	 */
	FOLIO_EDEADLOCK = -13
};

/*
 * The detail of the last failure on this thread: one line, never NULL ("" when
 * nothing failed yet). Valid until the next folio call on this thread.
 */
const char *folio_error_last(void);

/* The code of the last failure on this thread (0 when nothing failed). */
int folio_error_code(void);

/* Forget the last failure on this thread. */
void folio_error_clear(void);

/* A fixed English name for a code ("FOLIO_ENOTFOUND"); never NULL. */
const char *folio_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
