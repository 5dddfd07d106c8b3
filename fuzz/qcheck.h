/*
 * What the libFuzzer targets of the query parsers (fuzz_qjson.c, fuzz_qtext.c)
 * check on every tree a parse returns: the shapes query.h promises, that the
 * SQL compiler and the evaluator rely on.
 */
#ifndef FOLIO_FUZZ_QCHECK_H
#define FOLIO_FUZZ_QCHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/errors.h"
#include "json.h"
#include "qparse.h"
#include "query.h"

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A failed parse: the documented codes, one line that starts with "query: ". */
static void check_error(int rc)
{
	const char *msg = folio_error_last();

	CHECK(rc == FOLIO_EINVALID || rc == FOLIO_ETOOBIG);
	CHECK(strncmp(msg, "query: ", 7) == 0);
	CHECK(strchr(msg, '\n') == NULL);
}

/* No NaN or infinity anywhere in an operand. */
static void check_numbers(json_object *v, int depth)
{
	size_t i;

	CHECK(depth <= FOLIO_Q_MAX_DEPTH + 1);
	switch (json_object_get_type(v)) {
	case json_type_double:
		CHECK(isfinite(json_object_get_double(v)));
		break;
	case json_type_array:
		for (i = 0; i < json_object_array_length(v); i++)
			check_numbers(json_object_array_get_idx(v, i), depth + 1);
		break;
	case json_type_object: {
		json_object_object_foreach(v, k, val)
		{
			CHECK(k != NULL);
			check_numbers(val, depth + 1);
		}
		break;
	}
	default:
		break;
	}
}

static int canonical_type(json_object *s)
{
	static const char *const names[] = {"null",   "boolean", "number",
					    "string", "object",  "array"};
	size_t i;

	if (!json_object_is_type(s, json_type_string))
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(json_object_get_string(s), names[i]) == 0)
			return 1;
	}
	return 0;
}

static void check_operand(const folio_qnode *n)
{
	json_object *v = n->value;
	size_t i;

	CHECK((v != NULL) != (n->param != NULL));
	if (n->param != NULL) {
		CHECK(folio_qparse__param_valid(n->param, strlen(n->param)));
		return;
	}
	if (v == folio_qnull()) {
		CHECK(n->op != FOLIO_QOP_IN && n->op != FOLIO_QOP_NIN && n->op != FOLIO_QOP_ALL &&
		      n->op != FOLIO_QOP_EXISTS && n->op != FOLIO_QOP_TYPE &&
		      n->op != FOLIO_QOP_SIZE && n->op != FOLIO_QOP_LIKE &&
		      n->op != FOLIO_QOP_STARTSWITH && n->op != FOLIO_QOP_CONTAINS);
		return;
	}
	check_numbers(v, 0);
	switch (n->op) {
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN:
	case FOLIO_QOP_ALL:
		CHECK(json_object_is_type(v, json_type_array));
		break;
	case FOLIO_QOP_EXISTS:
		CHECK(json_object_is_type(v, json_type_boolean));
		break;
	case FOLIO_QOP_SIZE:
		CHECK(json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0);
		break;
	case FOLIO_QOP_TYPE:
		if (json_object_is_type(v, json_type_array)) {
			CHECK(json_object_array_length(v) > 0);
			for (i = 0; i < json_object_array_length(v); i++)
				CHECK(canonical_type(json_object_array_get_idx(v, i)));
		} else {
			CHECK(canonical_type(v));
		}
		break;
	case FOLIO_QOP_LIKE:
		CHECK(json_object_is_type(v, json_type_string));
		CHECK(folio_qparse__like_valid(json_object_get_string(v),
					       (size_t)json_object_get_string_len(v)));
		break;
	case FOLIO_QOP_STARTSWITH:
	case FOLIO_QOP_CONTAINS:
		CHECK(json_object_is_type(v, json_type_string));
		break;
	default:
		break;
	}
}

/*
 * The tree's invariants. in_elem: under an $elemMatch, where "" names the
 * element. Returns the number of nodes.
 */
static size_t check_tree(const folio_qnode *n, int in_elem, int depth, size_t text_len)
{
	size_t count = 1;
	int i;

	CHECK(n != NULL);
	CHECK(depth <= 3 * FOLIO_Q_MAX_DEPTH);
	CHECK(n->pos >= 0 && (size_t)n->pos <= text_len);
	CHECK(n->n_kids >= 0 && (n->n_kids == 0 || n->kids != NULL));
	switch (n->kind) {
	case FOLIO_Q_TRUE:
		CHECK(n->n_kids == 0 && n->path == NULL && n->value == NULL && n->param == NULL);
		break;
	case FOLIO_Q_AND:
	case FOLIO_Q_OR:
		/* flat: one kid is the kid itself, an AND in an AND is the outer one */
		CHECK(n->n_kids >= 2);
		for (i = 0; i < n->n_kids; i++)
			CHECK(n->kids[i]->kind != n->kind);
		CHECK(n->path == NULL && n->value == NULL && n->param == NULL);
		break;
	case FOLIO_Q_NOR:
		CHECK(n->n_kids >= 1);
		CHECK(n->path == NULL && n->value == NULL && n->param == NULL);
		break;
	case FOLIO_Q_NOT:
		CHECK(n->n_kids == 1);
		CHECK(n->path == NULL && n->value == NULL && n->param == NULL);
		break;
	case FOLIO_Q_CMP:
		CHECK(n->op >= FOLIO_QOP_EQ && n->op <= FOLIO_QOP_CONTAINS);
		CHECK(n->path != NULL);
		if (n->path[0] == '\0')
			CHECK(in_elem);
		else
			CHECK(folio_json__path_valid(n->path));
		if (n->ci)
			CHECK(n->ci == 1 &&
			      (n->op == FOLIO_QOP_EQ || n->op == FOLIO_QOP_NE ||
			       n->op == FOLIO_QOP_IN || n->op == FOLIO_QOP_NIN ||
			       n->op == FOLIO_QOP_LIKE || n->op == FOLIO_QOP_STARTSWITH ||
			       n->op == FOLIO_QOP_CONTAINS));
		if (n->op == FOLIO_QOP_ELEMMATCH) {
			CHECK(n->n_kids == 1 && n->value == NULL && n->param == NULL && !n->ci);
			return count + check_tree(n->kids[0], 1, depth + 1, text_len);
		}
		CHECK(n->n_kids == 0);
		check_operand(n);
		break;
	default:
		CHECK(!"a node of no known kind");
	}
	for (i = 0; i < n->n_kids; i++)
		count += check_tree(n->kids[i], in_elem, depth + 1, text_len);
	return count;
}

/* The dump: there, and one line (values are JSON text, which escapes line breaks). */
static char *check_dump(const folio_qnode *n)
{
	char *d = folio_qnode__dump(n);

	CHECK(d != NULL);
	CHECK(d[0] == '(');
	return d;
}

#endif
