/*
 * libFuzzer target for core/qtext.c, the SQL-like query parser. On any bytes:
 *   - a parse fails cleanly (FOLIO_EINVALID or FOLIO_ETOOBIG, "query: at
 *     offset N: ..." with N inside the text), or
 *   - the query holds query.h's invariants (qcheck.h, plus the store, the
 *     fields, the order, positional parameters numbered in text order), and
 *   - printed back as text (every name quoted, LIKE with ESCAPE '!') it parses
 *     to the same query: what the parser read is what the text said.
 * Never a crash or a leak (AddressSanitizer, UndefinedBehaviorSanitizer).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/store.h"
#include "qcheck.h"
#include "query.h"
#include "util.h"

/* Printing a query back */

static void quoted(folio_buf *b, const char *s, size_t len, char q)
{
	size_t i;

	folio_buf__add(b, &q, 1);
	for (i = 0; i < len; i++) {
		folio_buf__add(b, s + i, 1);
		if (s[i] == q)
			folio_buf__add(b, &q, 1);
	}
	folio_buf__add(b, &q, 1);
}

static void print_path(folio_buf *b, const char *path)
{
	const char *p = path;
	const char *dot;

	for (;;) {
		dot = strchr(p, '.');
		quoted(b, p, dot != NULL ? (size_t)(dot - p) : strlen(p), '"');
		if (dot == NULL)
			break;
		folio_buf__add(b, ".", 1);
		p = dot + 1;
	}
}

/*
 * A name of digits only is a positional parameter's (":2" is refused); they
 * are numbered in text order, and the tree holds them in that order.
 */
struct printer {
	folio_buf b;
	int positional;
};

static void print_param(struct printer *pr, const char *name)
{
	char next[32];

	if (strspn(name, "0123456789") < strlen(name)) {
		folio_buf__addf(&pr->b, ":%s", name);
		return;
	}
	snprintf(next, sizeof(next), "%d", pr->positional + 1);
	CHECK(strcmp(name, next) == 0);
	pr->positional++;
	folio_buf__adds(&pr->b, "?");
}

static void print_value(folio_buf *b, json_object *v)
{
	size_t i;

	if (v == folio_qnull() || v == NULL) {
		folio_buf__adds(b, "NULL");
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		folio_buf__adds(b, json_object_get_boolean(v) ? "TRUE" : "FALSE");
		break;
	case json_type_int:
		folio_buf__addf(b, "%" PRId64, json_object_get_int64(v));
		break;
	case json_type_double:
		folio_buf__adds(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		break;
	case json_type_string:
		quoted(b, json_object_get_string(v), (size_t)json_object_get_string_len(v), '\'');
		break;
	case json_type_array:
		CHECK(json_object_array_length(v) > 0);
		folio_buf__adds(b, "(");
		for (i = 0; i < json_object_array_length(v); i++) {
			if (i > 0)
				folio_buf__adds(b, ", ");
			print_value(b, json_object_array_get_idx(v, i));
		}
		folio_buf__adds(b, ")");
		break;
	default:
		CHECK(!"the text form has no object values");
	}
}

/* The tree's pattern as SQL with ESCAPE '!'. */
static void print_like(folio_buf *b, json_object *v)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	size_t i;
	char c;

	folio_buf__adds(b, "'");
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '*' || c == '?') {
			folio_buf__adds(b, c == '*' ? "%" : "_");
			continue;
		}
		if (c == '\\') {
			CHECK(i + 1 < len);
			c = s[++i];
		}
		if (c == '%' || c == '_' || c == '!')
			folio_buf__adds(b, "!");
		if (c == '\'')
			folio_buf__adds(b, "'");
		folio_buf__add(b, &c, 1);
	}
	folio_buf__adds(b, "' ESCAPE '!'");
}

static void print_cond(struct printer *pr, const folio_qnode *n)
{
	static const char *const ops[] = {NULL, "=", "<>", ">", ">=", "<", "<="};
	folio_buf *b = &pr->b;
	int i;

	switch (n->kind) {
	case FOLIO_Q_AND:
	case FOLIO_Q_OR:
		folio_buf__adds(b, "(");
		for (i = 0; i < n->n_kids; i++) {
			if (i > 0)
				folio_buf__adds(b, n->kind == FOLIO_Q_AND ? " AND " : " OR ");
			print_cond(pr, n->kids[i]);
		}
		folio_buf__adds(b, ")");
		return;
	case FOLIO_Q_NOT:
		folio_buf__adds(b, "NOT ");
		print_cond(pr, n->kids[0]);
		return;
	case FOLIO_Q_CMP:
		break;
	default:
		CHECK(!"the text form makes no TRUE or NOR inside a condition");
	}
	CHECK(!n->ci);
	print_path(b, n->path);
	switch (n->op) {
	case FOLIO_QOP_EQ:
	case FOLIO_QOP_NE:
	case FOLIO_QOP_GT:
	case FOLIO_QOP_GTE:
	case FOLIO_QOP_LT:
	case FOLIO_QOP_LTE:
		folio_buf__addf(b, " %s ", ops[n->op]);
		if (n->param != NULL)
			print_param(pr, n->param);
		else
			print_value(b, n->value);
		break;
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN:
		folio_buf__adds(b, n->op == FOLIO_QOP_IN ? " IN " : " NOT IN ");
		if (n->param != NULL) {
			print_param(pr, n->param);
		} else {
			CHECK(json_object_is_type(n->value, json_type_array));
			print_value(b, n->value);
		}
		break;
	case FOLIO_QOP_LIKE:
		folio_buf__adds(b, " LIKE ");
		if (n->param != NULL)
			print_param(pr, n->param);
		else
			print_like(b, n->value);
		break;
	default:
		CHECK(!"an operator the text form does not make");
	}
}

static char *print_query(const folio_query *q)
{
	struct printer pr;
	int i;

	folio_buf__init(&pr.b, 0);
	pr.positional = 0;
	folio_buf__adds(&pr.b, "SELECT ");
	if (q->star)
		folio_buf__adds(&pr.b, "*");
	for (i = 0; i < q->n_fields; i++) {
		if (i > 0)
			folio_buf__adds(&pr.b, ", ");
		print_path(&pr.b, q->fields[i]);
		if (q->aliases[i] != NULL) {
			folio_buf__adds(&pr.b, " AS ");
			quoted(&pr.b, q->aliases[i], strlen(q->aliases[i]), '"');
		}
	}
	folio_buf__adds(&pr.b, " FROM ");
	quoted(&pr.b, q->store, strlen(q->store), '"');
	if (q->where->kind != FOLIO_Q_TRUE) {
		folio_buf__adds(&pr.b, " WHERE ");
		print_cond(&pr, q->where);
	}
	for (i = 0; i < q->n_order; i++) {
		folio_buf__adds(&pr.b, i == 0 ? " ORDER BY " : ", ");
		print_path(&pr.b, q->order[i].path);
		folio_buf__adds(&pr.b, q->order[i].desc ? " DESC" : " ASC");
	}
	if (q->limit >= 0)
		folio_buf__addf(&pr.b, " LIMIT %" PRId64, q->limit);
	if (q->offset > 0)
		folio_buf__addf(&pr.b, " OFFSET %" PRId64, q->offset);
	CHECK(pr.positional == q->n_positional);
	CHECK(pr.b.data != NULL);
	return folio_buf__take(&pr.b);
}

/* The whole query's invariants. */
static void check_query(const folio_query *q, size_t size)
{
	int i;

	CHECK(q->store != NULL && folio_store_name_valid(q->store));
	CHECK(q->star ? q->n_fields == 0 : q->n_fields > 0);
	CHECK(q->n_fields == 0 || (q->fields != NULL && q->aliases != NULL));
	for (i = 0; i < q->n_fields; i++) {
		CHECK(folio_json__path_valid(q->fields[i]));
		CHECK(q->aliases[i] == NULL || q->aliases[i][0] != '\0');
	}
	for (i = 0; i < q->n_order; i++)
		CHECK(folio_json__path_valid(q->order[i].path));
	CHECK(q->limit >= -1);
	CHECK(q->offset >= 0);
	CHECK(q->n_positional >= 0 && q->n_positional <= FOLIO_Q_MAX_PARAMS);
	CHECK(q->where != NULL);
	check_tree(q->where, 0, 0, size);
	CHECK(q->where->kind != FOLIO_Q_NOR);
}

static void same_query(const folio_query *a, const folio_query *b)
{
	char *da = check_dump(a->where);
	char *db = check_dump(b->where);
	int i;

	if (strcmp(da, db) != 0) {
		fprintf(stderr, "first:  %s\nsecond: %s\n", da, db);
		abort();
	}
	free(da);
	free(db);
	CHECK(strcmp(a->store, b->store) == 0);
	CHECK(a->star == b->star && a->n_fields == b->n_fields);
	for (i = 0; i < a->n_fields; i++) {
		CHECK(strcmp(a->fields[i], b->fields[i]) == 0);
		CHECK((a->aliases[i] == NULL) == (b->aliases[i] == NULL));
		CHECK(a->aliases[i] == NULL || strcmp(a->aliases[i], b->aliases[i]) == 0);
	}
	CHECK(a->n_order == b->n_order);
	for (i = 0; i < a->n_order; i++) {
		CHECK(strcmp(a->order[i].path, b->order[i].path) == 0);
		CHECK(a->order[i].desc == b->order[i].desc);
	}
	CHECK(a->limit == b->limit && a->offset == b->offset);
	CHECK(a->n_positional == b->n_positional);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	folio_query *q = NULL;
	folio_query *r = NULL;
	unsigned long off;
	char *printed = NULL;
	char *d;
	int rc;

	rc = folio_qparse__text(&q, (const char *)data, size);
	if (rc != 0) {
		check_error(rc);
		CHECK(q == NULL);
		if (sscanf(folio_error_last(), "query: at offset %lu:", &off) == 1)
			CHECK(off <= size);
		else
			CHECK(rc == FOLIO_ETOOBIG);
		return 0;
	}
	check_query(q, size);
	d = check_dump(q->where);
	free(d);

	printed = print_query(q);
	rc = folio_qparse__text(&r, printed, strlen(printed));
	if (rc == FOLIO_ETOOBIG)
		goto out; /* the quotes and parentheses added can pass a limit */
	if (rc != 0) {
		fprintf(stderr, "printed: %s\nerror: %s\n", printed, folio_error_last());
		abort();
	}
	same_query(q, r);

out:
	free(printed);
	folio_query__free(q);
	folio_query__free(r);
	return 0;
}
