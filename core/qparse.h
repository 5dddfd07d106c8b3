/*
 * Internal: what the two query parsers (qparse.c, the JSON selector, and
 * qtext.c, the SQL-like text) share, so that both build the same tree shapes
 * and say the same things in errors. The entry points are in query.h.
 */
#ifndef FOLIO_CORE_QPARSE_H
#define FOLIO_CORE_QPARSE_H

#include <stddef.h>
#include <json-c/json.h>

#include "query.h"

/* A parameter's name: 1..64 bytes of [A-Za-z0-9_]. */
#define FOLIO_Q_PARAM_NAME_MAX 64

/* 1 when name[0..len) is a valid parameter name. */
int folio_qparse__param_valid(const char *name, size_t len);

/*
 * Adds kid to parent (an AND, OR or NOR node) and takes it, even on failure.
 * A kid of the same kind as an AND or OR parent gives its kids instead, so
 * that "a AND (b AND c)" and {"a":..,"$and":[{"b":..},{"c":..}]} are one flat
 * AND. Returns 0 or FOLIO_ENOMEM.
 */
int folio_qparse__join(folio_qnode *parent, folio_qnode *kid);

/* An AND or OR node with one kid is that kid; an AND with none is TRUE. Takes n. */
folio_qnode *folio_qparse__unwrap(folio_qnode *n);

/*
 * A double operand (finite) as a json-c object that prints in its shortest
 * round-trip form ("0.1", not "0.10000000000000001"), always with a '.' or an
 * exponent so that it reads back as a double. NULL when out of memory (error set).
 */
json_object *folio_qparse__double(double d);

/*
 * 1 when s[0..len) is a valid LIKE pattern of the tree: '*' and '?' are
 * wildcards, and a '\' must be followed by '*', '?' or '\' (which it makes
 * literal). See FOLIO_QOP_LIKE in query.h.
 */
int folio_qparse__like_valid(const char *s, size_t len);

/*
 * Copies s[0..len) into out (size bytes, at least 16) for an error message:
 * on one line (control characters, quotes and backslashes as \xNN), cut at
 * about size bytes with "...".
 */
void folio_qparse__show(char *out, size_t size, const char *s, size_t len);

#endif
