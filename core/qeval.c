/*
 * The in-memory query evaluator: the reference for what a query tree means.
 * The SQL compiler (qsql.c) must accept exactly the documents this file
 * accepts, so every rule is written down here. They follow MongoDB's
 * matcher (src/mongo/db/matcher/path.cpp, expression_leaf.cpp,
 * expression_array.cpp) except where a deviation is named.
 *
 * VALUES. A path reaches zero or more values; "missing" is a value of its
 * own, distinct from JSON null. Type brackets, in this order (folio_qcompare):
 *   null < number < string < object < array < boolean.
 * Numbers: json-c int64, uint64 and double compare by exact mathematical
 * value (1 == 1.0; 9007199254740993 > 9007199254740992.0). A double NaN
 * equals NaN and is below every other number. Strings: bytes (memcmp, then
 * the shorter first). Booleans: false < true. Arrays: element by element,
 * then the shorter first. Objects: as their key/value lists sorted by key
 * bytes, compared pair by pair (key, then value), then the shorter first.
 * DEVIATION: MongoDB compares objects in stored key order; here two objects
 * are equal when they have the same keys with equal values, in any order
 * (JSON objects are unordered and the SQL side cannot see key order).
 *
 * PATHS. A path is split on '.'; a segment is an object key, and a segment
 * that is a canonical decimal ("0", "7", "12"; not "01") also indexes arrays.
 * The path "" (only inside $elemMatch) is the value itself. From an object,
 * the segments are looked up key by key:
 *   - a key that is absent gives one missing value;
 *   - a scalar or null with segments left gives one missing value;
 *   - an object with segments left: go on with the next segment;
 *   - an array with segments left: "array step" below;
 *   - the last segment reaches value V: V itself; and when V is an array
 *     (and the operator expands leaf arrays, below), first each element of V
 *     as it is (elements that are arrays are not opened further).
 * Array step, segment S on array A, for each element E at index k:
 *   - E an object: every value the path from S on reaches inside E (this may
 *     be a missing value);
 *   - S is the index k: when S is the last segment, E itself as it is (an
 *     array reached by index is NOT expanded into its elements: MongoDB's
 *     {"a.0": 1} does not match {"a": [[1, 2]]}); otherwise, E an object: the
 *     path after S inside E; E an array: the array step with the segment
 *     after S on E;
 *   - anything else (scalars, arrays not at index S): nothing.
 * So {"a": [1, 2]} with "a.b" reaches no value at all (not even missing),
 * while {"a": [{"c": 1}]} with "a.b" reaches one missing value, and
 * {"a": [{"0": 5}, 7]} with "a.0" reaches 5 (the key "0" of the first
 * element) and {"0": 5} (the element at index 0) - both, as MongoDB does.
 * Arrays of arrays are opened only through an index segment: {"a": [[{"b":
 * 1}]]} with "a.b" reaches nothing; with "a.0.b" it reaches 1.
 *
 * CONDITIONS. A CMP node matches when ANY reached value satisfies it, except
 * the negations, which are NOT of their positive form over the same path:
 * $ne = NOT $eq, $nin = NOT $in, {$exists: false} = NOT {$exists: true}, and
 * $not / NOT / $nor negate their kid (so all of them match a missing field).
 * Leaf arrays are expanded (the array, and each of its elements) for every
 * operator but $size and $elemMatch, which see the array itself only.
 *   $eq X      a value equal to X (deep equality; see VALUES). X null: also a
 *              missing value. {"tags": "x"} matches ["x", "y"] (element);
 *              {"tags": ["x", "y"]} matches the whole array.
 *   $gt $gte $lt $lte X: a value of X's type bracket comparing so (objects
 *              and arrays included, by the VALUES order). Never across
 *              brackets. X null: $gte/$lte match null and missing, $gt/$lt
 *              nothing. NaN: $gt/$lt never; $gte/$lte only NaN with NaN.
 *   $in [..]   a value equal to some element; a null element also matches
 *              missing. An empty list matches nothing.
 *   $all [..]  for EACH element Y, some value equals Y (MongoDB: $and of
 *              $eq, so a scalar field matches $all of one equal value). An
 *              empty list matches nothing.
 *   $exists b  true: some reached value is not missing ({"a": null} and
 *              {"a": []} have "a").
 *   $type T    a value of type T: "null" (not missing), "number" (int or
 *              double), "string", "boolean", "object", "array" (the leaf
 *              array itself is reached, so an array field is an "array"). T
 *              may be a list: any of them. Other names are FOLIO_EINVALID.
 *   $size n    an array value with exactly n elements.
 *   $elemMatch C  an array value with an element E satisfying C, where C's
 *              paths start at E and "" is E itself, as it is (no expansion).
 *              Value form - C holds a CMP on "" and none on another path
 *              (nested $elemMatch conditions not counted) - tests every
 *              element. Otherwise (object form) only elements that are
 *              objects are tested. DEVIATION: MongoDB's object form also
 *              tests elements that are arrays (as objects keyed "0", "1"...);
 *              here they are skipped. {$elemMatch: {}} (C TRUE) matches an
 *              array holding an object.
 *   $like P    a string value matching the pattern as a whole: '*' any run
 *              of characters, '?' exactly one character (a UTF-8 character:
 *              a byte and its continuation bytes), '\' before '*', '?' or
 *              '\' makes that character literal. A '\' before anything else,
 *              or at the end, is FOLIO_EINVALID (query.h: the parsers refuse
 *              such a pattern; a parameter's pattern is checked here).
 *   $startsWith S / $contains S: a string value with prefix S / holding S.
 *              Like $like, non-strings never match (arrays: their elements).
 * ci (the _i forms, on EQ NE IN NIN LIKE STARTSWITH CONTAINS): case folding
 * is ASCII only ('A'-'Z' to 'a'-'z'); other letters compare exactly. It
 * applies where a string value meets a string operand (or $in element);
 * strings nested inside arrays or objects still compare exactly.
 *
 * OPERANDS. A node's operand is its value, or its parameter's value in
 * `params` (a JSON null there is the null operand). The whole tree is
 * checked before any document is looked at, so a missing parameter or an
 * operand of the wrong type is FOLIO_EINVALID whatever the document:
 * $in/$nin/$all need an array, $exists a boolean, $type a name or a list of
 * names, $size a non-negative integer (an integral double is taken),
 * $like/$startsWith/$contains a string ($like: with valid escapes).
 *
 * LIMITS. Documents are at most 64 levels deep; the evaluator stops anyway
 * at QEVAL_MAX_NEST levels (deeper values are not reached, and deeper
 * containers compare equal), and a tree deeper than QEVAL_MAX_TREE nodes is
 * FOLIO_ETOOBIG. An empty AND matches, an empty OR does not, an empty NOR
 * does.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "query.h"
#include "util.h"

#define QEVAL_MAX_NEST 256
#define QEVAL_MAX_TREE (4 * FOLIO_Q_MAX_DEPTH)

/* Type brackets in MongoDB's order. */
enum { R_NULL, R_NUM, R_STR, R_OBJ, R_ARR, R_BOOL };

static int rank(json_object *v)
{
	if (folio_qis_null(v))
		return R_NULL;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return R_BOOL;
	case json_type_double:
	case json_type_int:
		return R_NUM;
	case json_type_string:
		return R_STR;
	case json_type_object:
		return R_OBJ;
	case json_type_array:
		return R_ARR;
	default:
		return R_NULL;
	}
}

static int is_str(json_object *v)
{
	return !folio_qis_null(v) && json_object_is_type(v, json_type_string);
}

static int is_nan(json_object *v)
{
	return !folio_qis_null(v) && json_object_is_type(v, json_type_double) &&
	       isnan(json_object_get_double(v));
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

/* Numbers */

enum { N_I64, N_U64, N_DBL };

typedef struct num {
	int kind;
	int64_t i;
	uint64_t u; /* N_U64: above INT64_MAX */
	double d;
} num;

static void num_of(json_object *v, num *out)
{
	if (json_object_is_type(v, json_type_double)) {
		out->kind = N_DBL;
		out->d = json_object_get_double(v);
		return;
	}
	out->kind = N_I64;
	out->i = json_object_get_int64(v);
	if (out->i == INT64_MAX) {
		/* json-c clamps a uint64 above INT64_MAX to INT64_MAX here. */
		uint64_t u = json_object_get_uint64(v);
		if (u > (uint64_t)INT64_MAX) {
			out->kind = N_U64;
			out->u = u;
		}
	}
}

static int cmp_dbl(double a, double b)
{
	int na = isnan(a) != 0;
	int nb = isnan(b) != 0;

	if (na || nb)
		return nb - na; /* NaN == NaN, NaN below the rest */
	return (a > b) - (a < b);
}

/* An int64 against a double, exactly (no rounding of the integer). */
static int cmp_i64_dbl(int64_t i, double d)
{
	double t;
	int64_t ti;

	if (isnan(d))
		return 1;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = trunc(d); /* in [-2^63, 2^63): exact as an int64 */
	ti = (int64_t)t;
	if (i != ti)
		return i < ti ? -1 : 1;
	return (t > d) - (t < d);
}

/* A uint64 above INT64_MAX against a double, exactly. */
static int cmp_u64_dbl(uint64_t u, double d)
{
	double t;
	uint64_t tu;

	if (isnan(d))
		return 1;
	if (d >= 18446744073709551616.0)
		return -1;
	if (d < 9223372036854775808.0)
		return 1;
	t = trunc(d);
	tu = (uint64_t)t;
	if (u != tu)
		return u < tu ? -1 : 1;
	return (t > d) - (t < d);
}

static int cmp_num(json_object *va, json_object *vb)
{
	num a = {0, 0, 0, 0};
	num b = {0, 0, 0, 0};

	num_of(va, &a);
	num_of(vb, &b);
	if (a.kind == N_DBL && b.kind == N_DBL)
		return cmp_dbl(a.d, b.d);
	if (a.kind == N_DBL)
		return -(b.kind == N_I64 ? cmp_i64_dbl(b.i, a.d) : cmp_u64_dbl(b.u, a.d));
	if (b.kind == N_DBL)
		return a.kind == N_I64 ? cmp_i64_dbl(a.i, b.d) : cmp_u64_dbl(a.u, b.d);
	if (a.kind == N_U64 && b.kind == N_U64)
		return (a.u > b.u) - (a.u < b.u);
	if (a.kind == N_U64 || b.kind == N_U64)
		return a.kind == N_U64 ? 1 : -1; /* the uint64 is above every int64 */
	return (a.i > b.i) - (a.i < b.i);
}

/* Ordering */

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c)
		return sign(c);
	return (an > bn) - (an < bn);
}

static int compare(json_object *a, json_object *b, int depth);

/* The smallest key of `obj` above `after` (NULL: the smallest), or NULL. */
static const char *next_key(json_object *obj, const char *after, json_object **val)
{
	struct json_object_iter it;
	const char *best = NULL;

	json_object_object_foreachC(obj, it)
	{
		if (after && strcmp(it.key, after) <= 0)
			continue;
		if (!best || strcmp(it.key, best) < 0) {
			best = it.key;
			*val = it.val;
		}
	}
	return best;
}

static int obj_equal(json_object *a, json_object *b, int depth)
{
	struct json_object_iter it;

	if (json_object_object_length(a) != json_object_object_length(b))
		return 0;
	json_object_object_foreachC(a, it)
	{
		json_object *vb;

		if (!json_object_object_get_ex(b, it.key, &vb))
			return 0;
		if (compare(it.val, vb, depth + 1) != 0)
			return 0;
	}
	return 1;
}

/* Objects as sorted key/value lists; no allocation (quadratic in the key count). */
static int cmp_obj(json_object *a, json_object *b, int depth)
{
	const char *ka = NULL;
	const char *kb = NULL;

	if (obj_equal(a, b, depth))
		return 0;
	for (;;) {
		json_object *va = NULL;
		json_object *vb = NULL;
		int c;

		ka = next_key(a, ka, &va);
		kb = next_key(b, kb, &vb);
		if (!ka || !kb)
			return (ka != NULL) - (kb != NULL);
		c = strcmp(ka, kb);
		if (c)
			return sign(c);
		c = compare(va, vb, depth + 1);
		if (c)
			return c;
	}
}

static int cmp_arr(json_object *a, json_object *b, int depth)
{
	size_t an = json_object_array_length(a);
	size_t bn = json_object_array_length(b);

	for (size_t i = 0; i < an && i < bn; i++) {
		int c = compare(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i),
				depth + 1);
		if (c)
			return c;
	}
	return (an > bn) - (an < bn);
}

static int compare(json_object *a, json_object *b, int depth)
{
	int ra = rank(a);
	int rb = rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (ra) {
	case R_NUM:
		return cmp_num(a, b);
	case R_STR:
		return cmp_bytes(json_object_get_string(a), (size_t)json_object_get_string_len(a),
				 json_object_get_string(b), (size_t)json_object_get_string_len(b));
	case R_BOOL:
		return json_object_get_boolean(a) - json_object_get_boolean(b);
	case R_OBJ:
		return depth >= QEVAL_MAX_NEST ? 0 : cmp_obj(a, b, depth);
	case R_ARR:
		return depth >= QEVAL_MAX_NEST ? 0 : cmp_arr(a, b, depth);
	default:
		return 0; /* null */
	}
}

int folio_qcompare(json_object *a, json_object *b)
{
	return compare(a, b, 0);
}

/* Strings: ASCII case folding, patterns */

static unsigned char fold(unsigned char c, int ci)
{
	return ci && c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int bytes_eq(const char *a, const char *b, size_t n, int ci)
{
	if (!ci)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i], 1) != fold((unsigned char)b[i], 1))
			return 0;
	return 1;
}

/* The index after the UTF-8 character at s[i]: its lead byte and continuation bytes. */
static size_t next_char(const char *s, size_t n, size_t i)
{
	i++;
	while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/* 1 when every '\' of the pattern stands before '*', '?' or '\'. */
static int like_valid(const char *p, size_t pn)
{
	for (size_t i = 0; i < pn; i++) {
		if (p[i] != '\\')
			continue;
		if (i + 1 == pn || (p[i + 1] != '*' && p[i + 1] != '?' && p[i + 1] != '\\'))
			return 0;
		i++;
	}
	return 1;
}

/* Whole-string glob match: '*' any run, '?' one character, '\' escapes '*' '?' '\'. */
static int like(const char *p, size_t pn, const char *s, size_t sn, int ci)
{
	size_t pi = 0;
	size_t si = 0;
	size_t star_p = SIZE_MAX; /* the pattern index after the last '*' */
	size_t star_s = 0;        /* where that '*' run ends in s for now */

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn && p[pi] == '?') {
			pi++;
			si = next_char(s, sn, si);
			continue;
		}
		if (pi < pn) {
			size_t used = 1;
			unsigned char lit = (unsigned char)p[pi];

			if (lit == '\\' && pi + 1 < pn) { /* checked: '*', '?' or '\\' follows */
				lit = (unsigned char)p[pi + 1];
				used = 2;
			}
			if (fold(lit, ci) == fold((unsigned char)s[si], ci)) {
				pi += used;
				si++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return 0;
		/* Let the last '*' take one more character and retry from there. */
		star_s = next_char(s, sn, star_s);
		si = star_s;
		pi = star_p;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static int contains(const char *s, size_t sn, const char *p, size_t pn, int ci)
{
	if (pn > sn)
		return 0;
	for (size_t i = 0; i + pn <= sn; i++)
		if (bytes_eq(s + i, p, pn, ci))
			return 1;
	return 0;
}

/* Operators on one value */

/* Equality as $eq sees it; `ci` folds ASCII case when both are strings. */
static int equal(json_object *a, json_object *b, int ci)
{
	if (ci && is_str(a) && is_str(b)) {
		size_t an = (size_t)json_object_get_string_len(a);

		return an == (size_t)json_object_get_string_len(b) &&
		       bytes_eq(json_object_get_string(a), json_object_get_string(b), an, 1);
	}
	return compare(a, b, 0) == 0;
}

static int eq_one(json_object *v, int missing, json_object *x, int ci)
{
	if (missing)
		return folio_qis_null(x);
	return equal(v, x, ci);
}

static int range_one(folio_qop op, json_object *v, int missing, json_object *x)
{
	int c;

	if (missing)
		return folio_qis_null(x) && (op == FOLIO_QOP_GTE || op == FOLIO_QOP_LTE);
	if (rank(v) != rank(x))
		return 0;
	if (is_nan(v) || is_nan(x)) {
		if (op == FOLIO_QOP_GT || op == FOLIO_QOP_LT)
			return 0;
		return is_nan(v) && is_nan(x);
	}
	c = compare(v, x, 0);
	switch (op) {
	case FOLIO_QOP_GT:
		return c > 0;
	case FOLIO_QOP_GTE:
		return c >= 0;
	case FOLIO_QOP_LT:
		return c < 0;
	default:
		return c <= 0;
	}
}

static int in_one(json_object *v, int missing, json_object *list, int ci)
{
	size_t n = json_object_array_length(list);

	for (size_t i = 0; i < n; i++)
		if (eq_one(v, missing, json_object_array_get_idx(list, i), ci))
			return 1;
	return 0;
}

static int type_rank(const char *name)
{
	static const char *names[] = {"null", "number", "string", "object", "array", "boolean"};

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(name, names[i]) == 0)
			return i; /* the R_ order */
	return -1;
}

static int type_one(json_object *v, int missing, json_object *t)
{
	size_t n;

	if (missing)
		return 0;
	if (is_str(t))
		return type_rank(json_object_get_string(t)) == rank(v);
	n = json_object_array_length(t);
	for (size_t i = 0; i < n; i++)
		if (type_rank(json_object_get_string(json_object_array_get_idx(t, i))) == rank(v))
			return 1;
	return 0;
}

static int64_t size_of(json_object *x)
{
	if (json_object_is_type(x, json_type_double))
		return (int64_t)json_object_get_double(x);
	return json_object_get_int64(x);
}

static int string_one(folio_qop op, json_object *v, int missing, json_object *x, int ci)
{
	const char *s;
	const char *p;
	size_t sn;
	size_t pn;

	if (missing || !is_str(v))
		return 0;
	s = json_object_get_string(v);
	sn = (size_t)json_object_get_string_len(v);
	p = json_object_get_string(x);
	pn = (size_t)json_object_get_string_len(x);
	switch (op) {
	case FOLIO_QOP_LIKE:
		return like(p, pn, s, sn, ci);
	case FOLIO_QOP_STARTSWITH:
		return sn >= pn && bytes_eq(s, p, pn, ci);
	default:
		return contains(s, sn, p, pn, ci);
	}
}

/* Path traversal */

/* Called for each value reached: v (NULL is JSON null), missing, the value's nesting depth.
 * Returns 1 to stop (a match), 0 to go on. */
typedef int (*visit_fn)(json_object *v, int missing, int depth, void *payload);

typedef struct walk {
	int expand; /* a leaf array reached by key: its elements, then itself */
	visit_fn fn;
	void *payload;
} walk;

static const char *seg_end(const char *seg)
{
	while (*seg && *seg != '.')
		seg++;
	return seg;
}

/* The array index a segment names, or -1: canonical decimal only ("0", "12"; not "01"). */
static long seg_index(const char *seg, const char *end)
{
	long k = 0;

	if (end == seg || end - seg > 9 || (*seg == '0' && end - seg > 1))
		return -1;
	for (const char *c = seg; c < end; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		k = k * 10 + (*c - '0');
	}
	return k;
}

/* Looks up key seg[0..end) in obj; 1 if present (*out may be NULL: JSON null). */
static int lookup(json_object *obj, const char *seg, const char *end, json_object **out)
{
	size_t n = (size_t)(end - seg);
	char key[256];
	struct json_object_iter it;

	if (n < sizeof(key)) {
		memcpy(key, seg, n);
		key[n] = '\0';
		return json_object_object_get_ex(obj, key, out);
	}
	/* A long key: compare in place rather than allocate. */
	json_object_object_foreachC(obj, it)
	{
		if (strlen(it.key) == n && memcmp(it.key, seg, n) == 0) {
			*out = it.val;
			return 1;
		}
	}
	return 0;
}

static int leaf(const walk *w, json_object *v, int depth)
{
	if (w->expand && json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++)
			if (w->fn(json_object_array_get_idx(v, i), 0, depth + 1, w->payload))
				return 1;
	}
	return w->fn(v, 0, depth, w->payload);
}

static int walk_arr(const walk *w, json_object *arr, const char *seg, int depth);

/* The values the path from `seg` on reaches inside the object `obj` (at `depth`). */
static int walk_obj(const walk *w, json_object *obj, const char *seg, int depth)
{
	for (;;) {
		const char *end = seg_end(seg);
		json_object *r = NULL;

		if (depth >= QEVAL_MAX_NEST)
			return 0;
		if (!lookup(obj, seg, end, &r))
			return w->fn(NULL, 1, depth + 1, w->payload);
		if (*end == '\0')
			return leaf(w, r, depth + 1);
		seg = end + 1;
		if (json_object_is_type(r, json_type_object)) {
			obj = r;
			depth++;
			continue;
		}
		if (json_object_is_type(r, json_type_array))
			return walk_arr(w, r, seg, depth + 1);
		return w->fn(NULL, 1, depth + 1, w->payload); /* a scalar with segments left */
	}
}

/* The array step: segment `seg` (and the rest) applied to the array `arr` (at `depth`). */
static int walk_arr(const walk *w, json_object *arr, const char *seg, int depth)
{
	const char *end = seg_end(seg);
	long idx = seg_index(seg, end);
	size_t n = json_object_array_length(arr);

	if (depth >= QEVAL_MAX_NEST)
		return 0;
	for (size_t k = 0; k < n; k++) {
		json_object *e = json_object_array_get_idx(arr, k);
		int rc = 0;

		if (json_object_is_type(e, json_type_object) && walk_obj(w, e, seg, depth + 1))
			return 1;
		if (idx < 0 || (size_t)idx != k)
			continue;
		if (*end == '\0')
			rc = w->fn(e, 0, depth + 1, w->payload);
		else if (json_object_is_type(e, json_type_object))
			rc = walk_obj(w, e, end + 1, depth + 1);
		else if (json_object_is_type(e, json_type_array))
			rc = walk_arr(w, e, end + 1, depth + 1);
		if (rc)
			return 1;
	}
	return 0;
}

/* Every value `path` reaches from `root` (at `depth`); 1 as soon as fn returns 1. */
static int walk_path(const walk *w, json_object *root, const char *path, int depth)
{
	if (*path == '\0')
		return w->fn(root, 0, depth, w->payload);
	if (json_object_is_type(root, json_type_object))
		return walk_obj(w, root, path, depth);
	if (json_object_is_type(root, json_type_array))
		return walk_arr(w, root, path, depth);
	return w->fn(NULL, 1, depth, w->payload);
}

/* Evaluation (the tree has been checked: no errors past this point) */

typedef struct probe {
	const folio_qnode *n;
	json_object *x; /* the operand (for $all: the element being looked for) */
	json_object *params;
	int tdepth;
	int value_form; /* $elemMatch */
} probe;

static int eval(const folio_qnode *n, json_object *root, int depth, json_object *params,
		int tdepth);

static int elem_one(const probe *p, json_object *v, int depth)
{
	const folio_qnode *kid = p->n->kids[0];
	size_t len;

	if (!json_object_is_type(v, json_type_array))
		return 0;
	len = json_object_array_length(v);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!p->value_form && !json_object_is_type(e, json_type_object))
			continue;
		if (eval(kid, e, depth + 1, p->params, p->tdepth + 1))
			return 1;
	}
	return 0;
}

static int visit(json_object *v, int missing, int depth, void *payload)
{
	const probe *p = payload;
	const folio_qnode *n = p->n;

	switch (n->op) {
	case FOLIO_QOP_EQ:
	case FOLIO_QOP_NE:
		return eq_one(v, missing, p->x, n->ci);
	case FOLIO_QOP_ALL:
		return eq_one(v, missing, p->x, 0);
	case FOLIO_QOP_GT:
	case FOLIO_QOP_GTE:
	case FOLIO_QOP_LT:
	case FOLIO_QOP_LTE:
		return range_one(n->op, v, missing, p->x);
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN:
		return in_one(v, missing, p->x, n->ci);
	case FOLIO_QOP_EXISTS:
		return !missing;
	case FOLIO_QOP_TYPE:
		return type_one(v, missing, p->x);
	case FOLIO_QOP_SIZE:
		return !missing && json_object_is_type(v, json_type_array) &&
		       (int64_t)json_object_array_length(v) == size_of(p->x);
	case FOLIO_QOP_ELEMMATCH:
		return !missing && elem_one(p, v, depth);
	case FOLIO_QOP_LIKE:
	case FOLIO_QOP_STARTSWITH:
	case FOLIO_QOP_CONTAINS:
		return string_one(n->op, v, missing, p->x, n->ci);
	}
	return 0;
}

/* 1 when the condition has a CMP on `empty` ? "" : another path (not looking into the
 * conditions of nested $elemMatch nodes, whose paths start elsewhere). */
static int has_path(const folio_qnode *n, int empty)
{
	if (n->kind == FOLIO_Q_CMP)
		return (n->path[0] == '\0') == empty;
	for (int i = 0; i < n->n_kids; i++)
		if (has_path(n->kids[i], empty))
			return 1;
	return 0;
}

static int eval_cmp(const folio_qnode *n, json_object *root, int depth, json_object *params,
		    int tdepth)
{
	probe p = {n, NULL, params, tdepth, 0};
	walk w = {1, visit, &p};
	int r;

	if (n->op == FOLIO_QOP_ELEMMATCH)
		p.value_form = has_path(n->kids[0], 1) && !has_path(n->kids[0], 0);
	else
		p.x = folio_qvalue(n, params);
	if (n->op == FOLIO_QOP_SIZE || n->op == FOLIO_QOP_ELEMMATCH)
		w.expand = 0;

	if (n->op == FOLIO_QOP_ALL) {
		json_object *list = p.x;
		size_t len = json_object_array_length(list);

		if (len == 0)
			return 0;
		for (size_t i = 0; i < len; i++) {
			p.x = json_object_array_get_idx(list, i);
			if (!walk_path(&w, root, n->path, depth))
				return 0;
		}
		return 1;
	}
	r = walk_path(&w, root, n->path, depth);
	switch (n->op) {
	case FOLIO_QOP_NE:
	case FOLIO_QOP_NIN:
		return !r;
	case FOLIO_QOP_EXISTS:
		return json_object_get_boolean(p.x) ? r : !r;
	default:
		return r;
	}
}

static int eval(const folio_qnode *n, json_object *root, int depth, json_object *params,
		int tdepth)
{
	switch (n->kind) {
	case FOLIO_Q_TRUE:
		return 1;
	case FOLIO_Q_AND:
		for (int i = 0; i < n->n_kids; i++)
			if (!eval(n->kids[i], root, depth, params, tdepth + 1))
				return 0;
		return 1;
	case FOLIO_Q_OR:
		for (int i = 0; i < n->n_kids; i++)
			if (eval(n->kids[i], root, depth, params, tdepth + 1))
				return 1;
		return 0;
	case FOLIO_Q_NOR:
		for (int i = 0; i < n->n_kids; i++)
			if (eval(n->kids[i], root, depth, params, tdepth + 1))
				return 0;
		return 1;
	case FOLIO_Q_NOT:
		return !eval(n->kids[0], root, depth, params, tdepth + 1);
	case FOLIO_Q_CMP:
		return eval_cmp(n, root, depth, params, tdepth);
	}
	return 0;
}

/* Checking the tree */

static int bad(const folio_qnode *n, const char *what)
{
	return folio_error_set(FOLIO_EINVALID, "query: at offset %d: %s", n->pos, what);
}

static int check_operand(const folio_qnode *n, json_object *x)
{
	size_t len;

	switch (n->op) {
	case FOLIO_QOP_EQ:
	case FOLIO_QOP_NE:
	case FOLIO_QOP_GT:
	case FOLIO_QOP_GTE:
	case FOLIO_QOP_LT:
	case FOLIO_QOP_LTE:
		return 0;
	case FOLIO_QOP_IN:
	case FOLIO_QOP_NIN:
	case FOLIO_QOP_ALL:
		if (folio_qis_null(x) || !json_object_is_type(x, json_type_array))
			return bad(n, n->op == FOLIO_QOP_ALL ? "$all needs an array"
							    : "$in and $nin need an array");
		return 0;
	case FOLIO_QOP_EXISTS:
		if (folio_qis_null(x) || !json_object_is_type(x, json_type_boolean))
			return bad(n, "$exists needs true or false");
		return 0;
	case FOLIO_QOP_TYPE:
		if (is_str(x))
			return type_rank(json_object_get_string(x)) < 0 ? bad(n, "unknown $type name")
									 : 0;
		if (folio_qis_null(x) || !json_object_is_type(x, json_type_array))
			return bad(n, "$type needs a type name or a list of them");
		len = json_object_array_length(x);
		for (size_t i = 0; i < len; i++) {
			json_object *t = json_object_array_get_idx(x, i);

			if (!is_str(t) || type_rank(json_object_get_string(t)) < 0)
				return bad(n, "unknown $type name");
		}
		return 0;
	case FOLIO_QOP_SIZE:
		if (!folio_qis_null(x) && json_object_is_type(x, json_type_int) &&
		    json_object_get_int64(x) >= 0)
			return 0;
		if (!folio_qis_null(x) && json_object_is_type(x, json_type_double)) {
			double d = json_object_get_double(x);

			if (d >= 0 && d <= 9007199254740992.0 && d == trunc(d))
				return 0;
		}
		return bad(n, "$size needs a non-negative integer");
	case FOLIO_QOP_LIKE:
	case FOLIO_QOP_STARTSWITH:
	case FOLIO_QOP_CONTAINS:
		if (!is_str(x))
			return bad(n, "$like, $startsWith and $contains need a string");
		if (n->op == FOLIO_QOP_LIKE &&
		    !like_valid(json_object_get_string(x), (size_t)json_object_get_string_len(x)))
			return bad(n, "bad $like pattern: '\\' must come before '*', '?' or '\\'");
		return 0;
	case FOLIO_QOP_ELEMMATCH:
		return 0;
	}
	return bad(n, "unknown operator");
}

static int check(const folio_qnode *n, json_object *params, int tdepth)
{
	json_object *x;

	if (tdepth > QEVAL_MAX_TREE)
		return folio_error_set(FOLIO_ETOOBIG, "query: the condition is nested too deeply");
	switch (n->kind) {
	case FOLIO_Q_TRUE:
		return 0;
	case FOLIO_Q_NOT:
		if (n->n_kids != 1)
			return bad(n, "NOT needs one condition");
		/* fall through */
	case FOLIO_Q_AND:
	case FOLIO_Q_OR:
	case FOLIO_Q_NOR:
		for (int i = 0; i < n->n_kids; i++) {
			int rc = check(n->kids[i], params, tdepth + 1);

			if (rc < 0)
				return rc;
		}
		return 0;
	case FOLIO_Q_CMP:
		if (!n->path)
			return bad(n, "a condition without a path");
		if (n->op == FOLIO_QOP_ELEMMATCH) {
			if (n->n_kids != 1)
				return bad(n, "$elemMatch needs one condition");
			return check(n->kids[0], params, tdepth + 1);
		}
		x = folio_qvalue(n, params);
		if (!x)
			return FOLIO_EINVALID;
		return check_operand(n, x);
	}
	return bad(n, "unknown node kind");
}

json_object *folio_qvalue(const folio_qnode *n, json_object *params)
{
	json_object *v = NULL;

	if (!n->param) {
		if (!n->value)
			bad(n, "a condition without an operand");
		return n->value;
	}
	if (!params || !json_object_is_type(params, json_type_object) ||
	    !json_object_object_get_ex(params, n->param, &v)) {
		folio_error_set(FOLIO_EINVALID, "query: no value for parameter $$%s", n->param);
		return NULL;
	}
	return v ? v : folio_qnull();
}

int folio_qeval(const folio_qnode *n, json_object *doc, json_object *params)
{
	int rc = check(n, params, 0);

	if (rc < 0)
		return rc;
	return eval(n, doc, 0, params, 0);
}
