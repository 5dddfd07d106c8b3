/* The query tree: allocation, the JSON null operand, a debugging dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "query.h"
#include "folio/errors.h"
#include <pthread.h>
#include "folio/sys/driver.h"
#include "util.h"

/* json-c holds JSON null as NULL; the tree needs a non-NULL stand-in. */
static json_object *qnull_obj;
static pthread_once_t qnull_once = PTHREAD_ONCE_INIT;

static void qnull_init(void)
{
	/* An object no one else can make: a string that is never compared as such. */
	qnull_obj = json_object_new_string("\x01null");
}

json_object *folio_qnull(void)
{
	pthread_once(&qnull_once, qnull_init);
	return qnull_obj;
}

int folio_qis_null(const json_object *v)
{
	return v == NULL || v == folio_qnull();
}

folio_qnode *folio_qnode__new(folio_qkind kind, int pos)
{
	folio_qnode *n = calloc(1, sizeof(*n));
	if (!n) {
		folio_error_set(FOLIO_ENOMEM, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->pos = pos;
	return n;
}

int folio_qnode__add(folio_qnode *parent, folio_qnode *kid)
{
	folio_qnode **k;
	if (!kid)
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	k = realloc(parent->kids, sizeof(*k) * (size_t)(parent->n_kids + 1));
	if (!k) {
		folio_qnode__free(kid);
		return folio_error_set(FOLIO_ENOMEM, "out of memory");
	}
	parent->kids = k;
	k[parent->n_kids++] = kid;
	return 0;
}

void folio_qnode__free(folio_qnode *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n_kids; i++)
		folio_qnode__free(n->kids[i]);
	free(n->kids);
	free(n->path);
	free(n->param);
	if (n->value && n->value != folio_qnull())
		json_object_put(n->value);
	free(n);
}

void folio_query__free(folio_query *q)
{
	if (!q)
		return;
	free(q->store);
	for (int i = 0; i < q->n_fields; i++) {
		free(q->fields[i]);
		if (q->aliases)
			free(q->aliases[i]);
	}
	free(q->fields);
	free(q->aliases);
	folio_qnode__free(q->where);
	for (int i = 0; i < q->n_order; i++)
		free(q->order[i].path);
	free(q->order);
	free(q);
}

static const char *op_name(folio_qop op)
{
	static const char *names[] = {"?",      "EQ",   "NE",     "GT",        "GTE",
				      "LT",     "LTE",  "IN",     "NIN",       "EXISTS",
				      "TYPE",   "SIZE", "ALL",    "ELEMMATCH", "LIKE",
				      "STARTSWITH", "CONTAINS"};
	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static void dump(folio_buf *b, const folio_qnode *n)
{
	static const char *kinds[] = {"?", "TRUE", "AND", "OR", "NOR", "NOT", "CMP"};
	folio_buf__addf(b, "(%s", (unsigned)n->kind < 7 ? kinds[n->kind] : "?");
	if (n->kind == FOLIO_Q_CMP) {
		folio_buf__addf(b, " %s%s %s ", op_name(n->op), n->ci ? "_I" : "", n->path ? n->path : "");
		if (n->param)
			folio_buf__addf(b, "$$%s", n->param);
		else if (n->value == folio_qnull())
			folio_buf__addf(b, "null");
		else if (n->value)
			folio_buf__addf(b, "%s", json_object_to_json_string_ext(n->value, JSON_C_TO_STRING_PLAIN));
	}
	for (int i = 0; i < n->n_kids; i++) {
		folio_buf__addf(b, " ");
		dump(b, n->kids[i]);
	}
	folio_buf__addf(b, ")");
}

char *folio_qnode__dump(const folio_qnode *n)
{
	folio_buf b;
	folio_buf__init(&b, 0);
	if (n)
		dump(&b, n);
	else
		folio_buf__addf(&b, "(null)");
	return folio_buf__take(&b);
}
