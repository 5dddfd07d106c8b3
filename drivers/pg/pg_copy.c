/*
 * The PostgreSQL driver's bulk path: COPY table (columns) FROM STDIN, text
 * format. Rows are escaped into a buffer and handed to libpq a piece at a
 * time, and the call returns without waiting for the server: the caller
 * goes on preparing its next rows while the server writes these. The COPY
 * even stays open, so that the next bulk_insert into the same columns adds
 * its rows to it (an import is one COPY, whatever its chunks). The next
 * call that sends anything else on the connection ends it and reads the
 * server's answer (folio_pg__copy_settle), as bulk_wait does; a rollback
 * drops the answer.
 *
 * Binary format where every column is of a type written here (bigint,
 * integer, smallint, boolean, double precision, real, text, varchar: the
 * column types are read from the catalog as a COPY starts),
 * which spares the server the parsing of each value (a tenth of its work
 * for folio's documents); the text format for any other table.
 *
 * Binary: a header, then per row the number of columns, and per value its
 * length (-1: NULL) and its bytes: integers and floats in network order,
 * a text as it is. A number for a text column is written as text; a text
 * for a number column, or a fraction for an integer column, is refused.
 *
 * Text: columns separated by a tab, rows ended by a newline, NULL as \N;
 * in a value a backslash, a tab, a newline and a carriage return are
 * written as \\, \t, \n and \r (every other byte stands for itself, with
 * standard_conforming_strings on and client_encoding UTF8, as the driver
 * connects).
 *
 * A text cannot hold a NUL byte, in either format: such a value fails the call.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "pg_internal.h"

/* The rows go to libpq in pieces of about this many bytes. */
#define COPY_PIECE (256 * 1024)

/* A larger buffer (a long document) is not kept for the next call. */
#define COPY_KEEP (2 * COPY_PIECE)

/* Room the longest number takes in COPY text. */
#define NUM_MAX 32

/* Type OIDs (catalog/pg_type_d.h is a server header). */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_VARCHAR 1043

/* The binary format's signature, flags and header extension length. */
static const char binary_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0";

typedef struct copybuf {
	char *p;
	size_t len, cap;
} copybuf;

static int oom(void)
{
	return folio_error_set(FOLIO_ENOMEM, "out of memory");
}

/* Makes room for `more` bytes. */
static int room(copybuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : COPY_PIECE + COPY_PIECE / 4;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return oom();
	b->p = p;
	b->cap = cap;
	return 0;
}

/* What a byte becomes in a COPY text value: 0 for itself. */
static const char escape_of[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
};

/* Appends a text value escaped; room for twice its length is there. */
static void put_text(copybuf *b, const char *s, size_t len)
{
	char *o = b->p + b->len;
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		char e = escape_of[(unsigned char)s[i]];

		if (!e)
			continue;
		/* Runs without a special byte (most of a JSON body) are copied whole. */
		memcpy(o, s + run, i - run);
		o += i - run;
		*o++ = '\\';
		*o++ = e;
		run = i + 1;
	}
	memcpy(o, s + run, len - run);
	o += len - run;
	b->len = (size_t)(o - b->p);
}

/* Writes v in decimal at o; returns the length. */
static int put_int(char *o, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		o[len++] = '-';
	while (n)
		o[len++] = tmp[--n];
	return len;
}

/* Appends one value (with room for it made here). */
static int put_value(copybuf *b, const folio_value *v, const char *col, size_t row)
{
	int n = 0;
	int code;

	switch (v->type) {
	case FOLIO_COL_NULL:
		code = room(b, 2);
		if (code < 0)
			return code;
		memcpy(b->p + b->len, "\\N", 2);
		b->len += 2;
		return 0;
	case FOLIO_COL_INT:
		code = room(b, NUM_MAX);
		if (code == 0)
			n = put_int(b->p + b->len, v->i);
		break;
	case FOLIO_COL_DOUBLE:
		code = room(b, NUM_MAX);
		if (code < 0)
			break;
		if (isnan(v->d))
			n = snprintf(b->p + b->len, NUM_MAX, "NaN");
		else if (isinf(v->d))
			n = snprintf(b->p + b->len, NUM_MAX, v->d > 0 ? "Infinity" : "-Infinity");
		else if (v->d == (double)(int64_t)v->d && fabs(v->d) < 9007199254740992.0 &&
			 !(v->d == 0 && signbit(v->d)))
			n = put_int(b->p + b->len, (int64_t)v->d); /* exact, and faster than %g */
		else
			n = snprintf(b->p + b->len, NUM_MAX, "%.17g", v->d);
		break;
	case FOLIO_COL_TEXT:
		if (v->len > 0 && memchr(v->p, '\0', v->len))
			return folio_error_set(FOLIO_EINVALID,
					       "postgresql: the value of %s in row %zu holds a NUL "
					       "byte, which a PostgreSQL text cannot store",
					       col, row + 1);
		if (v->len > ((size_t)-1 - b->len) / 2 - 1)
			return folio_error_set(FOLIO_ETOOBIG, "postgresql: a value of %zu bytes",
					       v->len);
		code = room(b, 2 * v->len);
		if (code == 0)
			put_text(b, v->p, v->len);
		return code;
	default:
		return folio_error_set(FOLIO_EINVALID,
				       "postgresql: bulk_insert takes no value of type %d "
				       "(%s, row %zu)",
				       (int)v->type, col, row + 1);
	}
	if (code < 0)
		return code;
	b->len += (size_t)n;
	return 0;
}

static void put_be(char *o, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		o[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

/* Appends a value's length and bytes in the binary format, for a column of type `oid`. */
static int put_binary(copybuf *b, const folio_value *v, unsigned oid, const char *col,
		      size_t row)
{
	char num[NUM_MAX];
	int64_t i = v->i;
	double d = v->d;
	uint64_t bits;
	float f;
	uint32_t fbits;
	int code, n;

	code = room(b, 4 + 8);
	if (code < 0)
		return code;
	if (v->type == FOLIO_COL_NULL) {
		put_be(b->p + b->len, 0xffffffffu, 4);
		b->len += 4;
		return 0;
	}
	if (v->type != FOLIO_COL_INT && v->type != FOLIO_COL_DOUBLE && v->type != FOLIO_COL_TEXT)
		return folio_error_set(FOLIO_EINVALID,
				       "postgresql: bulk_insert takes no value of type %d "
				       "(%s, row %zu)",
				       (int)v->type, col, row + 1);
	switch (oid) {
	case OID_TEXT:
	case OID_VARCHAR:
		if (v->type == FOLIO_COL_TEXT) {
			if (v->len > 0 && memchr(v->p, '\0', v->len))
				return folio_error_set(FOLIO_EINVALID,
						       "postgresql: the value of %s in row %zu "
						       "holds a NUL byte, which a PostgreSQL "
						       "text cannot store",
						       col, row + 1);
			if (v->len > INT32_MAX)
				return folio_error_set(FOLIO_ETOOBIG,
						       "postgresql: a value of %zu bytes", v->len);
			code = room(b, 4 + v->len);
			if (code < 0)
				return code;
			put_be(b->p + b->len, v->len, 4);
			memcpy(b->p + b->len + 4, v->p, v->len);
			b->len += 4 + v->len;
			return 0;
		}
		n = v->type == FOLIO_COL_INT ? snprintf(num, sizeof(num), "%" PRId64, i)
					     : snprintf(num, sizeof(num), "%.17g", d);
		put_be(b->p + b->len, (uint64_t)n, 4);
		memcpy(b->p + b->len + 4, num, (size_t)n);
		b->len += 4 + (size_t)n;
		return 0;
	case OID_FLOAT8:
	case OID_FLOAT4:
		if (v->type == FOLIO_COL_TEXT)
			break;
		if (v->type == FOLIO_COL_INT)
			d = (double)i;
		if (oid == OID_FLOAT8) {
			memcpy(&bits, &d, sizeof(bits));
			put_be(b->p + b->len, 8, 4);
			put_be(b->p + b->len + 4, bits, 8);
			b->len += 12;
		} else {
			f = (float)d;
			memcpy(&fbits, &f, sizeof(fbits));
			put_be(b->p + b->len, 4, 4);
			put_be(b->p + b->len + 4, fbits, 4);
			b->len += 8;
		}
		return 0;
	default: /* the integers and boolean */
		if (v->type == FOLIO_COL_TEXT)
			break;
		if (v->type == FOLIO_COL_DOUBLE) {
			if (!(d == d && fabs(d) < 9223372036854775808.0 && d == (double)(int64_t)d))
				break;
			i = (int64_t)d;
		}
		n = oid == OID_INT8 ? 8 : oid == OID_INT4 ? 4 : oid == OID_INT2 ? 2 : 1;
		if ((n == 4 && (i < INT32_MIN || i > INT32_MAX)) ||
		    (n == 2 && (i < INT16_MIN || i > INT16_MAX)))
			return folio_error_set(FOLIO_ETOOBIG,
					       "postgresql: %" PRId64 " is out of range for %s "
					       "(row %zu)",
					       i, col, row + 1);
		if (n == 1)
			i = i != 0;
		put_be(b->p + b->len, (uint64_t)n, 4);
		put_be(b->p + b->len + 4, (uint64_t)i, n);
		b->len += 4 + (size_t)n;
		return 0;
	}
	return folio_error_set(FOLIO_EINVALID, "postgresql: column %s takes no %s (row %zu)", col,
			       v->type == FOLIO_COL_TEXT ? "text" : "fraction", row + 1);
}

/* 1 when put_binary() writes columns of this type. */
static int binary_type(unsigned oid)
{
	return oid == OID_BOOL || oid == OID_INT8 || oid == OID_INT2 || oid == OID_INT4 ||
	       oid == OID_TEXT || oid == OID_FLOAT4 || oid == OID_FLOAT8 || oid == OID_VARCHAR;
}

/*
 * The types of the columns of `base` (a COPY statement's text) into
 * c->copy_oids, and whether the binary format can write them all: read
 * from the catalog as each COPY starts (one round trip; a COPY takes the
 * rows of many bulk_insert calls).
 */
static int column_types(folio_conn *c, const char *base, const char *table,
			const char *const *cols, int n_cols)
{
	const char *params[1] = { table };
	unsigned *oids;
	PGresult *res;
	int code = 0;

	free(c->types_key);
	c->types_key = NULL;
	oids = calloc((size_t)n_cols, sizeof(*oids));
	if (!oids)
		return oom();
	res = PQexecParams(c->pg,
			   "SELECT attname, atttypid FROM pg_catalog.pg_attribute "
			   "WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
			   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		code = folio_pg__fail(c, res, "the column types of a COPY");
		PQclear(res);
		free(oids);
		return code;
	}
	for (int r = 0; r < PQntuples(res); r++)
		for (int k = 0; k < n_cols; k++)
			if (strcmp(PQgetvalue(res, r, 0), cols[k]) == 0)
				oids[k] = (unsigned)strtoul(PQgetvalue(res, r, 1), NULL, 10);
	PQclear(res);
	c->copy_binary = 1;
	for (int k = 0; k < n_cols; k++)
		if (!binary_type(oids[k]))
			c->copy_binary = 0; /* unknown (or no such column: the COPY says so) */
	free(c->copy_oids);
	c->copy_oids = oids;
	c->types_key = strdup(base);
	if (!c->types_key)
		code = oom();
	return code;
}

/* "COPY table (a, b) FROM STDIN", malloc'ed. */
static char *copy_statement(const char *table, const char *const *cols, int n_cols)
{
	size_t n = strlen(table) + 32;
	char *sql, *o;

	for (int i = 0; i < n_cols; i++)
		n += strlen(cols[i]) + 2;
	sql = malloc(n);
	if (!sql)
		return NULL;
	o = sql + sprintf(sql, "COPY %s (", table);
	for (int i = 0; i < n_cols; i++)
		o += sprintf(o, "%s%s", i ? ", " : "", cols[i]);
	strcpy(o, ") FROM STDIN");
	return sql;
}

/* The statement sent: the text one, or with the binary format. */
static char *copy_sent(const char *base, int binary)
{
	size_t n = strlen(base) + 20;
	char *sql = malloc(n);

	if (sql)
		snprintf(sql, n, "%s%s", base, binary ? " (FORMAT binary)" : "");
	return sql;
}

/*
 * Sends the buffer as COPY data and empties it. A COPY the server failed
 * (a unique violation in rows sent before) takes no more data: its error
 * is read and returned.
 */
static int send_piece(folio_conn *c, copybuf *b)
{
	int code;

	if (b->len == 0)
		return 0;
	if (PQputCopyData(c->pg, b->p, (int)b->len) == 1) {
		b->len = 0;
		return 0;
	}
	code = folio_pg__fail(c, NULL, c->copy_sql);
	c->copy_open = 0;
	if (PQstatus(c->pg) == CONNECTION_OK) {
		/* The server's own error, when it sent one, says more than libpq's. */
		int server = folio_pg__copy_settle(c, 1);
		if (server < 0)
			code = server;
	}
	return code;
}

/*
 * Ends a COPY that failed on our side: the server drops what it was sent,
 * and its answer (the error that says so) is read and dropped. The
 * transaction can then only be rolled back.
 */
static void abandon(folio_conn *c, const char *why)
{
	PGresult *res;

	if (c->copy_open && PQputCopyEnd(c->pg, why) == 1) {
		for (;;) {
			res = PQgetResult(c->pg);
			if (!res)
				break;
			PQclear(res);
		}
	}
	c->copy_open = 0;
	free(c->copy_sql);
	c->copy_sql = NULL;
}

int folio_pg__copy_settle(folio_conn *c, int report)
{
	PGresult *res;
	int code = 0;

	if (!c->copy_sql)
		return 0;
	if (c->copy_open) {
		/* The binary format's trailer: a row of -1 columns. */
		int ok = !c->copy_sent_binary || PQputCopyData(c->pg, "\377\377", 2) == 1;
		c->copy_open = 0;
		if (c->pg && (!ok || PQputCopyEnd(c->pg, NULL) != 1) && report)
			code = folio_pg__fail(c, NULL, c->copy_sql);
	}
	for (;;) {
		res = c->pg ? PQgetResult(c->pg) : NULL;
		if (!res)
			break;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && code == 0 && report)
			code = folio_pg__fail(c, res, c->copy_sql);
		PQclear(res);
	}
	/* A link lost before any answer came: libpq says so on the connection. */
	if (report && code == 0 && (!c->pg || PQstatus(c->pg) != CONNECTION_OK))
		code = c->pg ? folio_pg__fail(c, NULL, c->copy_sql) : folio_pg__closed(c->copy_sql);
	free(c->copy_sql);
	c->copy_sql = NULL;
	return code;
}

int folio_pg__bulk_wait(folio_conn *c)
{
	return folio_pg__copy_settle(c, 1);
}

int folio_pg__bulk_insert(folio_conn *c, const char *table, const char *const *cols,
			  int n_cols, const folio_value *rows, size_t n_rows)
{
	/* The buffer is the connection's, kept from call to call up to COPY_KEEP bytes. */
	copybuf b = { c->copy_buf, 0, c->copy_cap };
	PGresult *res;
	char *base, *sql;
	int code = 0;

	if (!c->pg)
		return folio_pg__closed("COPY");
	if (n_rows == 0 || n_cols <= 0)
		return 0;
	base = copy_statement(table, cols, n_cols);
	if (!base)
		return oom();
	if (c->copy_open && c->types_key && strcmp(c->types_key, base) == 0) {
		/* More rows for the COPY that is open. */
	} else {
		code = folio_pg__copy_settle(c, 1);
		code = code ? code : column_types(c, base, table, cols, n_cols);
		sql = code ? NULL : copy_sent(base, c->copy_binary);
		if (code == 0 && !sql)
			code = oom();
		if (code < 0) {
			free(base);
			return code;
		}
		res = PQexec(c->pg, sql);
		if (PQresultStatus(res) != PGRES_COPY_IN) {
			code = folio_pg__fail(c, res, sql);
			PQclear(res);
			free(sql);
			free(base);
			return code;
		}
		PQclear(res);
		c->copy_sql = sql;
		c->copy_open = 1;
		c->copy_sent_binary = c->copy_binary;
		if (c->copy_binary) {
			code = room(&b, sizeof(binary_header));
			if (code == 0) {
				memcpy(b.p, binary_header, sizeof(binary_header));
				b.len = sizeof(binary_header);
			}
		}
	}
	free(base);
	for (size_t r = 0; code == 0 && r < n_rows; r++) {
		const folio_value *row = rows + r * (size_t)n_cols;

		if (c->copy_sent_binary) {
			code = room(&b, 2);
			if (code == 0) {
				put_be(b.p + b.len, (uint64_t)n_cols, 2);
				b.len += 2;
			}
			for (int k = 0; code == 0 && k < n_cols; k++)
				code = put_binary(&b, &row[k], c->copy_oids[k], cols[k], r);
		} else {
			for (int k = 0; code == 0 && k < n_cols; k++) {
				code = put_value(&b, &row[k], cols[k], r);
				if (code == 0)
					code = room(&b, 1);
				if (code == 0)
					b.p[b.len++] = k + 1 < n_cols ? '\t' : '\n';
			}
		}
		if (code == 0 && b.len >= COPY_PIECE)
			code = send_piece(c, &b);
	}
	if (code == 0)
		code = send_piece(c, &b);
	if (b.cap > COPY_KEEP) {
		free(b.p);
		b.p = NULL;
		b.cap = 0;
	}
	c->copy_buf = b.p;
	c->copy_cap = b.cap;
	if (code < 0 && c->copy_sql)
		abandon(c, "folio: a value could not be sent");
	return code;
}
