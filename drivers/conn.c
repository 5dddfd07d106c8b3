/*
 * A pooled connection: the driver's connection, its dialect, and a cache of
 * prepared statements keyed by their SQL text, so that each statement is
 * prepared once per connection and reused.
 */
#include <stdlib.h>
#include <string.h>
#include "conn.h"
#include "util.h"

#define CACHE_SLOTS 256 /* power of two */

typedef struct cached {
	char *sql;
	uint64_t hash;
	folio_stmt *st;
	int in_use;
} cached;

struct folio_cx {
	const folio_driver *drv;
	folio_conn *conn;
	const folio_dialect *dialect;
	cached cache[CACHE_SLOTS];
	int cached_count;
	int last_rc;
};

/* A word at a time: statement texts are long, and a hash collision only costs a strcmp. */
static uint64_t hash_sql(const char *s)
{
	size_t n = strlen(s), i = 0;
	uint64_t h = 1469598103934665603ull ^ n;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int track(folio_cx *cx, int rc)
{
	if (rc < 0)
		cx->last_rc = rc;
	return rc;
}

int folio_cx__open(folio_cx **out, const folio_driver *drv, const char *url,
		   const folio_connect_options *opts)
{
	folio_cx *cx = calloc(1, sizeof(*cx));
	int rc;

	*out = NULL;
	if (!cx)
		return folio_error__oom();
	cx->drv = drv;
	rc = drv->connect(&cx->conn, url, opts);
	if (rc < 0) {
		free(cx);
		return rc;
	}
	cx->dialect = folio_dialect__find(drv->dialect(cx->conn));
	if (!cx->dialect) {
		rc = folio_error_set(FOLIO_EINVALID, "driver %s reports an unknown dialect '%s'",
				     drv->name, drv->dialect(cx->conn));
		drv->disconnect(cx->conn);
		free(cx);
		return rc;
	}
	*out = cx;
	return 0;
}

void folio_cx__forget(folio_cx *cx)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		cached *c = &cx->cache[i];
		if (c->sql && !c->in_use) {
			cx->drv->finalize(c->st);
			free(c->sql);
			memset(c, 0, sizeof(*c));
			cx->cached_count--;
		}
	}
}

void folio_cx__close(folio_cx *cx)
{
	if (!cx)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		cx->cache[i].in_use = 0;
	folio_cx__forget(cx);
	cx->drv->disconnect(cx->conn);
	free(cx);
}

const folio_dialect *folio_cx__dialect(const folio_cx *cx)
{
	return cx->dialect;
}

int folio_cx__exec(folio_cx *cx, const char *sql)
{
	return track(cx, cx->drv->exec(cx->conn, sql));
}

int folio_cx__begin(folio_cx *cx, int write)
{
	return track(cx, cx->drv->begin(cx->conn, write));
}

int folio_cx__commit(folio_cx *cx)
{
	return track(cx, cx->drv->commit(cx->conn));
}

int folio_cx__rollback(folio_cx *cx)
{
	return track(cx, cx->drv->rollback(cx->conn));
}

int64_t folio_cx__changes(folio_cx *cx)
{
	return cx->drv->changes(cx->conn);
}

int folio_cx__alive(folio_cx *cx)
{
	if (cx->last_rc == FOLIO_EIO)
		return 0;
	return !cx->drv->ping || cx->drv->ping(cx->conn) == 0;
}

int folio_cx__has_last_id(const folio_cx *cx)
{
	return cx->drv->last_insert_id != NULL;
}

int64_t folio_cx__last_id(folio_cx *cx)
{
	return cx->drv->last_insert_id(cx->conn);
}

int folio_cx__has_bulk(const folio_cx *cx)
{
	/* A table written for version 1 has no such field: it must not be read. */
	return cx->drv->version >= 2 && cx->drv->bulk_insert != NULL;
}

int folio_cx__bulk_insert(folio_cx *cx, const char *table, const char *const *cols, int n_cols,
			  const folio_value *rows, size_t n_rows)
{
	return track(cx, cx->drv->bulk_insert(cx->conn, table, cols, n_cols, rows, n_rows));
}

int folio_cx__bulk_wait(folio_cx *cx)
{
	if (cx->drv->version < 2 || !cx->drv->bulk_wait)
		return 0;
	return track(cx, cx->drv->bulk_wait(cx->conn));
}

int folio_cx__broken(const folio_cx *cx)
{
	return cx->last_rc == FOLIO_EIO;
}

int folio_q__prep(folio_q *q, folio_cx *cx, const char *sql)
{
	uint64_t h = hash_sql(sql);
	size_t i = (size_t)h & (CACHE_SLOTS - 1);
	cached *free_slot = NULL;
	int rc;

	q->cx = cx;
	q->drv = cx->drv;
	q->st = NULL;
	q->slot = -1;
	for (size_t n = 0; n < CACHE_SLOTS; n++, i = (i + 1) & (CACHE_SLOTS - 1)) {
		cached *c = &cx->cache[i];
		if (!c->sql) {
			if (!free_slot)
				free_slot = c;
			break;
		}
		if (c->hash == h && strcmp(c->sql, sql) == 0) {
			if (c->in_use)
				break; /* re-entrant use: a private statement */
			c->in_use = 1;
			q->st = c->st;
			q->slot = (int)i;
			return 0;
		}
	}
	rc = cx->drv->prepare(&q->st, cx->conn, sql);
	if (rc < 0)
		return track(cx, rc);
	/* Keep the table at most half full so probes stay short. */
	if (free_slot && cx->cached_count < CACHE_SLOTS / 2) {
		free_slot->sql = folio__strdup(sql);
		if (free_slot->sql) {
			free_slot->hash = h;
			free_slot->st = q->st;
			free_slot->in_use = 1;
			cx->cached_count++;
			q->slot = (int)(free_slot - cx->cache);
		}
	}
	return 0;
}

int folio_q__null(folio_q *q, int idx)
{
	return track(q->cx, q->drv->bind_null(q->st, idx));
}

int folio_q__int(folio_q *q, int idx, int64_t v)
{
	return track(q->cx, q->drv->bind_int64(q->st, idx, v));
}

int folio_q__double(folio_q *q, int idx, double v)
{
	return track(q->cx, q->drv->bind_double(q->st, idx, v));
}

int folio_q__text(folio_q *q, int idx, const char *v)
{
	if (!v)
		return folio_q__null(q, idx);
	return track(q->cx, q->drv->bind_text(q->st, idx, v, strlen(v)));
}

int folio_q__textn(folio_q *q, int idx, const char *v, size_t len)
{
	return track(q->cx, q->drv->bind_text(q->st, idx, v, len));
}

int folio_q__blob(folio_q *q, int idx, const void *v, size_t len)
{
	return track(q->cx, q->drv->bind_blob(q->st, idx, v, len));
}

int folio_q__step(folio_q *q)
{
	return track(q->cx, q->drv->step(q->st));
}

int folio_q__run(folio_q *q)
{
	int rc = folio_q__step(q);
	while (rc == FOLIO_ROW)
		rc = folio_q__step(q);
	return rc;
}

int folio_q__is_null(folio_q *q, int col)
{
	return q->drv->column_type(q->st, col) == FOLIO_COL_NULL;
}

int64_t folio_q__col_int(folio_q *q, int col)
{
	return q->drv->column_int64(q->st, col);
}

double folio_q__col_double(folio_q *q, int col)
{
	return q->drv->column_double(q->st, col);
}

const char *folio_q__col_text(folio_q *q, int col, size_t *len)
{
	/* Drivers return NULL for SQL NULL (sys/driver.h). */
	return q->drv->column_text(q->st, col, len);
}

const void *folio_q__col_blob(folio_q *q, int col, size_t *len)
{
	return q->drv->column_blob(q->st, col, len);
}

void folio_q__done(folio_q *q)
{
	if (!q->st)
		return;
	q->drv->reset(q->st);
	if (q->slot >= 0)
		q->cx->cache[q->slot].in_use = 0;
	else
		q->drv->finalize(q->st);
	q->st = NULL;
}
