/* backends: none */
/*
 * Unit tests of the core helpers: the thread-local error, buffers, time,
 * name checks, ULIDs, revisions, JSON parsing and dotted paths.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testenv.h"

#include "json.h"
#include "rev.h"
#include "util.h"

/* Error */

static void test_error_set_last_clear(void **state)
{
	folio_error_clear();
	assert_int_equal(folio_error_code(), 0);
	assert_non_null(folio_error_last());
	assert_string_equal(folio_error_last(), "");

	assert_int_equal(folio_error_set(FOLIO_ENOTFOUND, "no document %s in %d", "A1", 7),
			 FOLIO_ENOTFOUND);
	assert_int_equal(folio_error_code(), FOLIO_ENOTFOUND);
	assert_string_equal(folio_error_last(), "no document A1 in 7");

	folio_error_clear();
	assert_int_equal(folio_error_code(), 0);
	assert_string_equal(folio_error_last(), "");
}

static void test_error_one_line(void **state)
{
	folio_error_set(FOLIO_EIO, "line one\nline two\r\nthree");
	assert_string_equal(folio_error_last(), "line one line two  three");
}

static void test_error_truncated(void **state)
{
	char big[3000];
	const char *msg;
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	folio_error_set(FOLIO_ERROR, "%s", big);
	len = strlen(folio_error_last());
	assert_true(len > 1000);
	assert_true(len < 1024);

	/* A cut in the middle of a multi-byte character drops the whole character. */
	memcpy(big + 1022, "\xc3\xa9", 3); /* "é" crosses the 1023-byte limit */
	folio_error_set(FOLIO_ERROR, "%s", big);
	msg = folio_error_last();
	assert_int_equal(strlen(msg), 1022);
	assert_int_equal(msg[1021], 'x');
	/* a character that ends right at the limit is kept */
	memcpy(big + 1021, "\xc3\xa9", 3);
	folio_error_set(FOLIO_ERROR, "%s", big);
	msg = folio_error_last();
	assert_int_equal(strlen(msg), 1023);
	assert_memory_equal(msg + 1021, "\xc3\xa9", 2);
}

static void test_error_self_reference(void **state)
{
	folio_error_set(FOLIO_EBUSY, "pool busy");
	folio_error_set(FOLIO_EBUSY, "retry: %s", folio_error_last());
	assert_string_equal(folio_error_last(), "retry: pool busy");
}

static void test_error_wrap(void **state)
{
	folio_error_set(FOLIO_ECONFLICT, "stale rev 2-abc");
	assert_int_equal(folio_error__wrap("saving %s", "DOC1"), FOLIO_ECONFLICT);
	assert_int_equal(folio_error_code(), FOLIO_ECONFLICT);
	assert_string_equal(folio_error_last(), "saving DOC1: stale rev 2-abc");
	folio_error__wrap("store %s", "crm");
	assert_string_equal(folio_error_last(), "store crm: saving DOC1: stale rev 2-abc");

	/* Wrapping when nothing failed never turns into a success. */
	folio_error_clear();
	assert_int_equal(folio_error__wrap("context"), FOLIO_ERROR);
	assert_string_equal(folio_error_last(), "context");
}

static void test_error_oom_and_names(void **state)
{
	assert_int_equal(folio_error__oom(), FOLIO_ENOMEM);
	assert_int_equal(folio_error_code(), FOLIO_ENOMEM);
	assert_string_equal(folio_error_last(), "out of memory");

	assert_string_equal(folio_error_name(FOLIO_OK), "FOLIO_OK");
	assert_string_equal(folio_error_name(FOLIO_ERROR), "FOLIO_ERROR");
	assert_string_equal(folio_error_name(FOLIO_ENOMEM), "FOLIO_ENOMEM");
	assert_string_equal(folio_error_name(FOLIO_ENOTFOUND), "FOLIO_ENOTFOUND");
	assert_string_equal(folio_error_name(FOLIO_EEXISTS), "FOLIO_EEXISTS");
	assert_string_equal(folio_error_name(FOLIO_ECONFLICT), "FOLIO_ECONFLICT");
	assert_string_equal(folio_error_name(FOLIO_EACCESS), "FOLIO_EACCESS");
	assert_string_equal(folio_error_name(FOLIO_EINVALID), "FOLIO_EINVALID");
	assert_string_equal(folio_error_name(FOLIO_ETOOBIG), "FOLIO_ETOOBIG");
	assert_string_equal(folio_error_name(FOLIO_EBUSY), "FOLIO_EBUSY");
	assert_string_equal(folio_error_name(FOLIO_EIO), "FOLIO_EIO");
	assert_string_equal(folio_error_name(FOLIO_EFULL), "FOLIO_EFULL");
	assert_string_equal(folio_error_name(FOLIO_EREADONLY), "FOLIO_EREADONLY");
	assert_string_equal(folio_error_name(-13), "FOLIO_EDEADLOCK");
	assert_string_equal(folio_error_name(-14), "unknown error");
	assert_string_equal(folio_error_name(42), "unknown error");
}

struct error_thread {
	pthread_barrier_t *barrier;
	int code;
	const char *msg;
	char seen_before[64];
	char seen_after[64];
	int code_after;
};

static void *error_thread_main(void *arg)
{
	struct error_thread *t = arg;

	snprintf(t->seen_before, sizeof(t->seen_before), "%s", folio_error_last());
	folio_error_set(t->code, "%s", t->msg);
	pthread_barrier_wait(t->barrier); /* both have set theirs */
	pthread_barrier_wait(t->barrier); /* the main thread has set its own */
	snprintf(t->seen_after, sizeof(t->seen_after), "%s", folio_error_last());
	t->code_after = folio_error_code();
	return NULL;
}

static void test_error_thread_local(void **state)
{
	pthread_barrier_t barrier;
	pthread_t th[2];
	struct error_thread t[2] = {
		{.code = FOLIO_EACCESS, .msg = "thread one"},
		{.code = FOLIO_EFULL, .msg = "thread two"},
	};
	int i;

	assert_int_equal(pthread_barrier_init(&barrier, NULL, 3), 0);
	folio_error_set(FOLIO_EIO, "main thread");
	for (i = 0; i < 2; i++) {
		t[i].barrier = &barrier;
		assert_int_equal(pthread_create(&th[i], NULL, error_thread_main, &t[i]), 0);
	}
	pthread_barrier_wait(&barrier);
	assert_string_equal(folio_error_last(), "main thread");
	folio_error_set(FOLIO_EEXISTS, "main again");
	pthread_barrier_wait(&barrier);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&barrier);

	assert_string_equal(t[0].seen_before, "");
	assert_string_equal(t[1].seen_before, "");
	assert_string_equal(t[0].seen_after, "thread one");
	assert_int_equal(t[0].code_after, FOLIO_EACCESS);
	assert_string_equal(t[1].seen_after, "thread two");
	assert_int_equal(t[1].code_after, FOLIO_EFULL);
	assert_string_equal(folio_error_last(), "main again");
	assert_int_equal(folio_error_code(), FOLIO_EEXISTS);
}

/* Buffers */

static void test_buf_growth(void **state)
{
	folio_buf b;
	char *s;
	int i;

	folio_buf__init(&b, 0);
	assert_null(b.data);
	assert_int_equal(folio_buf__add(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");

	assert_int_equal(folio_buf__adds(&b, "abc"), 0);
	assert_int_equal(folio_buf__add(&b, "defXX", 3), 0);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "abcdef");
	for (i = 0; i < 10000; i++)
		assert_int_equal(folio_buf__addf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 6 + 20000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 6, "0,1,2,3,", 8);
	assert_true(b.alloc > b.len);

	folio_buf__reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(folio_buf__addf(&b, "%s=%d", "n", 42), 0);
	assert_string_equal(b.data, "n=42");

	s = folio_buf__take(&b);
	assert_string_equal(s, "n=42");
	free(s);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	/* Taking from a buffer never written gives "", not NULL. */
	s = folio_buf__take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	folio_buf__free(&b);
	folio_buf__free(&b);
}

static void test_buf_cap(void **state)
{
	folio_buf b;
	char big[200];

	memset(big, 'a', sizeof(big));
	folio_buf__init(&b, 100);
	assert_int_equal(folio_buf__add(&b, big, 100), 0); /* exactly at the cap */
	assert_int_equal(b.len, 100);
	assert_true(b.alloc <= 101);

	folio_error_clear();
	assert_int_equal(folio_buf__add(&b, "b", 1), FOLIO_ETOOBIG);
	assert_string_equal(folio_error_last(),
			    "buffer would grow to 101 bytes, over the limit of 100 bytes");
	assert_int_equal(b.len, 100); /* unchanged */
	assert_int_equal(b.data[100], '\0');

	folio_buf__reset(&b);
	assert_int_equal(folio_buf__add(&b, big, 95), 0);
	assert_int_equal(folio_buf__addf(&b, "%s", "12345"), 0);
	assert_int_equal(b.len, 100);
	assert_int_equal(folio_buf__addf(&b, "%d", 7), FOLIO_ETOOBIG);
	assert_int_equal(b.len, 100);
	assert_int_equal(strlen(b.data), 100);

	/* addf that overflows the cap from the room it already has */
	folio_buf__reset(&b);
	assert_int_equal(folio_buf__addf(&b, "%.150s", big), FOLIO_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(folio_buf__adds(&b, "ok"), 0);
	assert_string_equal(b.data, "ok");
	folio_buf__free(&b);
}

static void test_strdup(void **state)
{
	char *s = folio__strdup("hello");

	assert_string_equal(s, "hello");
	free(s);
	assert_null(folio__strdup(NULL));
}

/* Time */

static void test_time_now(void **state)
{
	char a[FOLIO_DATE_LEN + 1];
	char b[FOLIO_DATE_LEN + 1];
	char year[16];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	folio_time__now(a);
	assert_int_equal(strlen(a), 24);
	for (i = 0; i < 24; i++) {
		if (i == 4 || i == 7)
			assert_int_equal(a[i], '-');
		else if (i == 10)
			assert_int_equal(a[i], 'T');
		else if (i == 13 || i == 16)
			assert_int_equal(a[i], ':');
		else if (i == 19)
			assert_int_equal(a[i], '.');
		else if (i == 23)
			assert_int_equal(a[i], 'Z');
		else
			assert_true(a[i] >= '0' && a[i] <= '9');
	}
	assert_true(folio_time__valid(a));
	gmtime_r(&now, &tm);
	snprintf(year, sizeof(year), "%04d", tm.tm_year + 1900);
	assert_memory_equal(a, year, 4);

	folio_time__now(b);
	assert_true(strcmp(a, b) <= 0);
}

static void test_time_valid(void **state)
{
	assert_true(folio_time__valid("2026-11-22T23:14:00.123Z"));
	assert_true(folio_time__valid("2024-02-29T00:00:00.000Z"));
	assert_true(folio_time__valid("2000-02-29T23:59:59.999Z"));
	assert_true(folio_time__valid("1999-12-31T00:00:00.000Z"));

	assert_false(folio_time__valid(NULL));
	assert_false(folio_time__valid(""));
	assert_false(folio_time__valid("2026-11-22T23:14:00.123"));
	assert_false(folio_time__valid("2026-11-22T23:14:00.123z"));
	assert_false(folio_time__valid("2026-11-22 23:14:00.123Z"));
	assert_false(folio_time__valid("2026-11-22T23:14:00Z"));
	assert_false(folio_time__valid("2026-11-22T23:14:00.1234Z"));
	assert_false(folio_time__valid("2026-11-22T23:14:00.123Z "));
	assert_false(folio_time__valid("2026-13-22T23:14:00.123Z"));
	assert_false(folio_time__valid("2026-00-22T23:14:00.123Z"));
	assert_false(folio_time__valid("2026-11-31T23:14:00.123Z"));
	assert_false(folio_time__valid("2023-02-29T00:00:00.000Z"));
	assert_false(folio_time__valid("1900-02-29T00:00:00.000Z"));
	assert_false(folio_time__valid("2026-11-22T24:00:00.000Z"));
	assert_false(folio_time__valid("2026-11-22T23:60:00.000Z"));
	assert_false(folio_time__valid("2026-11-22T23:14:60.000Z"));
	assert_false(folio_time__valid("2026-11-22T23:14:00.12aZ"));
	assert_false(folio_time__valid("+026-11-22T23:14:00.123Z"));
}

/* Names */

static void test_name_user(void **state)
{
	char s[200];

	assert_true(folio_name__user_valid("alice"));
	assert_true(folio_name__user_valid("Alice Martin/Lyon/ACME"));
	assert_true(folio_name__user_valid("Zoë Ñandú"));
	assert_true(folio_name__user_valid("名前"));
	assert_true(folio_name__user_valid("a"));
	memset(s, 'u', 128);
	s[128] = '\0';
	assert_true(folio_name__user_valid(s));
	s[128] = 'u';
	s[129] = '\0';
	assert_false(folio_name__user_valid(s));
	/* 128 bytes is the limit, not 128 characters */
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 64; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	assert_true(folio_name__user_valid(s));
	memcpy(s + 128, "\xc3\xa9", 2);
	assert_false(folio_name__user_valid(s));

	assert_false(folio_name__user_valid(NULL));
	assert_false(folio_name__user_valid(""));
	assert_false(folio_name__user_valid(" alice"));
	assert_false(folio_name__user_valid("alice "));
	assert_false(folio_name__user_valid("al\tice"));
	assert_false(folio_name__user_valid("al\nice"));
	assert_false(folio_name__user_valid("al\x7fice"));
	assert_false(folio_name__user_valid("al\xc2\x85ice")); /* U+0085, a C1 control */
	assert_false(folio_name__user_valid("al\xffice"));     /* not UTF-8 */
	assert_false(folio_name__user_valid("al\xc3"));        /* cut short */
	assert_false(folio_name__user_valid("\xc0\xa0"));      /* overlong */
	assert_false(folio_name__user_valid("\xed\xa0\x80"));  /* a surrogate */
	assert_false(folio_name__user_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
}

static void test_name_db(void **state)
{
	assert_true(folio_db_name_valid("crm"));
	assert_true(folio_db_name_valid("a"));
	assert_true(folio_db_name_valid("crm_2026"));
	assert_true(folio_db_name_valid("folios"));
	assert_true(folio_db_name_valid("abcdefghijklmnopqrstuvwxyz0123")); /* 30 */
	assert_false(folio_db_name_valid("abcdefghijklmnopqrstuvwxyz01234")); /* 31 */

	assert_false(folio_db_name_valid(NULL));
	assert_false(folio_db_name_valid(""));
	assert_false(folio_db_name_valid("folio"));
	assert_false(folio_db_name_valid("Crm"));
	assert_false(folio_db_name_valid("1crm"));
	assert_false(folio_db_name_valid("_crm"));
	assert_false(folio_db_name_valid("crm-db"));
	assert_false(folio_db_name_valid("crm db"));
	assert_false(folio_db_name_valid("crm;drop"));
	assert_false(folio_db_name_valid("crm\""));
	assert_false(folio_db_name_valid("cr\xc3\xa9"));
}

static void test_name_store(void **state)
{
	char s[80];

	assert_true(folio_store_name_valid("customers"));
	assert_true(folio_store_name_valid("Customers-2026_x"));
	assert_true(folio_store_name_valid("c"));
	assert_true(folio_store_name_valid("_default"));
	assert_true(folio_store_name_valid("_local"));
	assert_true(folio_store_name_valid("_comments"));
	assert_true(folio_store_name_valid("_design"));
	memset(s, 'S', 64);
	s[64] = '\0';
	assert_true(folio_store_name_valid(s));
	s[64] = 'S';
	s[65] = '\0';
	assert_false(folio_store_name_valid(s));

	assert_false(folio_store_name_valid(NULL));
	assert_false(folio_store_name_valid(""));
	assert_false(folio_store_name_valid("_other"));
	assert_false(folio_store_name_valid("_Default"));
	assert_false(folio_store_name_valid("_default "));
	assert_false(folio_store_name_valid("1st"));
	assert_false(folio_store_name_valid("-x"));
	assert_false(folio_store_name_valid("a.b"));
	assert_false(folio_store_name_valid("a b"));
	assert_false(folio_store_name_valid("a'b"));
}

static void test_name_unid(void **state)
{
	char s[140];

	assert_true(folio_unid_valid("01HZX3K5Q7W8E9R0T1Y2U3I4O5"));
	assert_true(folio_unid_valid("a"));
	assert_true(folio_unid_valid("0"));
	assert_true(folio_unid_valid("doc.1_a~b-c"));
	memset(s, 'u', 128);
	s[128] = '\0';
	assert_true(folio_unid_valid(s));
	s[128] = 'u';
	s[129] = '\0';
	assert_false(folio_unid_valid(s));

	assert_false(folio_unid_valid(NULL));
	assert_false(folio_unid_valid(""));
	assert_false(folio_unid_valid(".a"));
	assert_false(folio_unid_valid("_a"));
	assert_false(folio_unid_valid("-a"));
	assert_false(folio_unid_valid("~a"));
	assert_false(folio_unid_valid("a/b"));
	assert_false(folio_unid_valid("a:b"));
	assert_false(folio_unid_valid("a b"));
	assert_false(folio_unid_valid("a%20"));
	assert_false(folio_unid_valid("\xc3\xa9t\xc3\xa9"));
}

/* ULIDs */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void assert_ulid_shape(const char *u)
{
	int i;

	assert_int_equal(strlen(u), 26);
	assert_true(u[0] >= '0' && u[0] <= '7'); /* 48-bit time: the first char holds 3 bits */
	for (i = 0; i < 26; i++)
		assert_non_null(strchr(crockford, u[i]));
	assert_true(folio_unid_valid(u));
}

static uint64_t ulid_ms(const char *u)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < 10; i++)
		t = t * 32 + (uint64_t)(strchr(crockford, u[i]) - crockford);
	return t;
}

static void test_ulid_shape_and_time(void **state)
{
	char u[27];
	struct timespec ts;
	uint64_t before;
	uint64_t after;

	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	folio_unid_generate(u);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	assert_ulid_shape(u);
	/* the time part is now (or just past the last ULID of this process) */
	assert_true(ulid_ms(u) >= before);
	assert_true(ulid_ms(u) <= after + 1000);
}

#define ULID_COUNT 100000

static void test_ulid_monotonic(void **state)
{
	char(*u)[27] = malloc(ULID_COUNT * sizeof(*u));
	int same_ms = 0;
	int i;

	assert_non_null(u);
	for (i = 0; i < ULID_COUNT; i++)
		folio_unid_generate(u[i]);
	assert_ulid_shape(u[0]);
	assert_ulid_shape(u[ULID_COUNT - 1]);
	for (i = 1; i < ULID_COUNT; i++) {
		if (strcmp(u[i - 1], u[i]) >= 0)
			fail_msg("ULID %d (%s) is not after %s", i, u[i], u[i - 1]);
		if (memcmp(u[i - 1], u[i], 10) == 0)
			same_ms++;
	}
	/* 100000 in a few ms at most: the same-millisecond path was taken */
	assert_true(same_ms > 0);
	free(u);
}

struct ulid_thread {
	char (*u)[27];
	int n;
};

static void *ulid_thread_main(void *arg)
{
	struct ulid_thread *t = arg;
	int i;

	for (i = 0; i < t->n; i++)
		folio_unid_generate(t->u[i]);
	return NULL;
}

static int cmp_ulid(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_ulid_threads(void **state)
{
	const int n = ULID_COUNT / 2;
	char(*u)[27] = malloc(2 * (size_t)n * sizeof(*u));
	struct ulid_thread t[2];
	pthread_t th[2];
	int i;
	int k;

	assert_non_null(u);
	for (k = 0; k < 2; k++) {
		t[k].u = u + k * n;
		t[k].n = n;
		assert_int_equal(pthread_create(&th[k], NULL, ulid_thread_main, &t[k]), 0);
	}
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_join(th[k], NULL), 0);

	for (k = 0; k < 2; k++) {
		for (i = 1; i < n; i++) {
			if (strcmp(t[k].u[i - 1], t[k].u[i]) >= 0)
				fail_msg("thread %d: %s is not after %s", k, t[k].u[i],
					 t[k].u[i - 1]);
		}
	}
	qsort(u, 2 * (size_t)n, sizeof(*u), cmp_ulid);
	for (i = 1; i < 2 * n; i++) {
		if (strcmp(u[i - 1], u[i]) == 0)
			fail_msg("ULID %s generated twice", u[i]);
	}
	free(u);
}

/* Revisions */

static void test_rev(void **state)
{
	char r1[FOLIO_REV_MAX];
	char r1b[FOLIO_REV_MAX];
	char r2[FOLIO_REV_MAX];
	char r3[FOLIO_REV_MAX];
	char other[FOLIO_REV_MAX];

	/* BLAKE2b-128 of "" 0x00 '0' 0x00 "{}", computed apart (Python hashlib) */
	folio_rev__next(r1, NULL, "{}", 2, 0);
	assert_string_equal(r1, "1-d3d6857a5863e6e93bc84970272c1b14");
	folio_rev__next(r1b, NULL, "{}", 2, 0);
	assert_string_equal(r1, r1b);
	assert_true(folio_rev__valid(r1));
	assert_int_equal(folio_rev__gen(r1), 1);

	/* a deletion after it: prev r1, deleted, empty body */
	folio_rev__next(r2, r1, NULL, 0, 1);
	assert_string_equal(r2, "2-b08965c05ff479b4178fd4ab6b7257d0");
	assert_int_equal(folio_rev__gen(r2), 2);
	folio_rev__next(r3, r2, "{}", 2, 0);
	assert_int_equal(folio_rev__gen(r3), 3);

	folio_rev__next(other, NULL, "{\"a\":1}", 7, 0);
	assert_string_not_equal(other, r1);
	folio_rev__next(other, NULL, "{}", 2, 1);
	assert_string_not_equal(other, r1);
	folio_rev__next(other, "", "{}", 2, 0);
	assert_string_equal(other, r1); /* "" and NULL are the same first save */
	folio_rev__next(other, r2, "{\"a\":1}", 7, 0);
	assert_string_not_equal(other, r3);
	assert_int_equal(folio_rev__gen(other), 3);

	folio_rev__next(other, "9999-00000000000000000000000000000000", "x", 1, 0);
	assert_int_equal(folio_rev__gen(other), 10000);
	assert_int_equal(strlen(other), 5 + 1 + 32);
}

static void test_rev_valid(void **state)
{
	assert_int_equal(folio_rev__gen("12-0123456789abcdef0123456789abcdef"), 12);
	assert_int_equal(folio_rev__gen("9999999999-0123456789abcdef0123456789abcdef"),
			 9999999999L);
	assert_true(folio_rev__valid("1-0123456789abcdef0123456789abcdef"));

	assert_int_equal(folio_rev__gen(NULL), -1);
	assert_int_equal(folio_rev__gen(""), -1);
	assert_int_equal(folio_rev__gen("1"), -1);
	assert_int_equal(folio_rev__gen("1-"), -1);
	assert_int_equal(folio_rev__gen("0-0123456789abcdef0123456789abcdef"), -1);
	assert_int_equal(folio_rev__gen("01-0123456789abcdef0123456789abcdef"), -1);
	assert_int_equal(folio_rev__gen("-1-0123456789abcdef0123456789abcdef"), -1);
	assert_int_equal(folio_rev__gen("10000000000-0123456789abcdef0123456789abcdef"), -1);
	assert_int_equal(folio_rev__gen("1-0123456789ABCDEF0123456789abcdef"), -1);
	assert_int_equal(folio_rev__gen("1-0123456789abcdef0123456789abcde"), -1);
	assert_int_equal(folio_rev__gen("1-0123456789abcdef0123456789abcdef0"), -1);
	assert_int_equal(folio_rev__gen("1-0123456789abcdef0123456789abcdeg"), -1);
	assert_int_equal(folio_rev__gen("1_0123456789abcdef0123456789abcdef"), -1);
	assert_false(folio_rev__valid(NULL));
	assert_false(folio_rev__valid("abc"));
	assert_false(folio_rev__valid("1-0123456789abcdef0123456789abcdef "));
}

/* JSON parsing */

#define MAX_SIZE 1000

/* Parses text, expecting `code`, and with a failure exactly `msg`. */
static void expect_parse(const char *text, size_t len, int depth, int code, const char *msg)
{
	json_object *o = (json_object *)&o; /* must be reset to NULL on failure */
	int rc = folio_json__parse(&o, text, len, MAX_SIZE, depth);

	if (rc != code)
		fail_msg("parsing '%s': got %d (%s), want %d", text, rc, folio_error_last(), code);
	if (code == 0) {
		/* json-c stands for JSON null with NULL */
		if (strcmp(text, "null") != 0)
			assert_non_null(o);
		else
			assert_null(o);
		json_object_put(o);
		return;
	}
	assert_null(o);
	if (msg != NULL && strcmp(folio_error_last(), msg) != 0)
		fail_msg("parsing '%s': message '%s', want '%s'", text, folio_error_last(), msg);
}

static void parse_err(const char *text, int code, const char *msg)
{
	expect_parse(text, strlen(text), 8, code, msg);
}

static void test_json_parse_valid(void **state)
{
	json_object *o = NULL;
	const char *text = " {\"name\": \"ACME\", \"city\": \"Lyon\",\n \"n\": [1, 2.5, -3e2, true,"
			   " false, null, {}, []], \"u\": \"\\u00e9\\n\", \"s\": \"a/b\"} \n\t";
	const char *valid[] = {"0", "-0", "1.5", "-1.5e-3", "1E+9", "true", "null",
			       "\"x\"", "[]", "{}", "[[[[[[[[1]]]]]]]]", "\"\\\"\\\\\\/\"", NULL};
	size_t len;
	int i;

	assert_ok(folio_json__parse(&o, text, strlen(text), MAX_SIZE, 8));
	assert_string_equal(folio_json__text(o, &len),
			    "{\"name\":\"ACME\",\"city\":\"Lyon\",\"n\":[1,2.5,-3e2,true,false,"
			    "null,{},[]],\"u\":\"é\\n\",\"s\":\"a/b\"}");
	assert_int_equal(len, strlen(folio_json__text(o, NULL)));
	assert_string_equal(json_object_get_string(folio_json__path_get(o, "city")), "Lyon");
	json_object_put(o);

	for (i = 0; valid[i] != NULL; i++)
		expect_parse(valid[i], strlen(valid[i]), 8, 0, NULL);

	/* len bounds the text: what follows is not looked at */
	expect_parse("[1]garbage", 3, 8, 0, NULL);
	/* exactly at the size limit */
	expect_parse("[1,2,3]", 7, 8, 0, NULL);
}

static void test_json_parse_malformed(void **state)
{
	parse_err("{\"a\":1,}", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 8: unexpected character");
	parse_err("{\n  \"a\": [1,\n   2,, 3]\n}", FOLIO_EINVALID,
		  "malformed JSON at line 3, column 6: unexpected character");
	parse_err("{\"a\" 1}", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 6: object property name separator ':' "
		  "expected");
	parse_err("[1,2", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 5: unexpected end of data");
	parse_err("{\"a\":\n\"abc", FOLIO_EINVALID,
		  "malformed JSON at line 2, column 5: unexpected end of data");
	/* columns count characters, not bytes */
	parse_err("{\"été\":x}", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 8: unknown literal (only true, false and "
		  "null are JSON)");
	parse_err("\"\\x41\"", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 3: invalid string sequence");
	parse_err("\"a\xffz\"", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 3: invalid utf-8 string");

	/* what json-c lets through but JSON does not allow */
	parse_err("{'a':1}", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 2: strings must be in double quotes");
	parse_err("[NaN]", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 2: unknown literal (only true, false and "
		  "null are JSON)");
	parse_err("Infinity", FOLIO_EINVALID, NULL);
	parse_err("-Infinity", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 1: invalid number");
	parse_err("[1.]", FOLIO_EINVALID, "malformed JSON at line 1, column 2: invalid number");
	parse_err("-.5", FOLIO_EINVALID, "malformed JSON at line 1, column 1: invalid number");
	parse_err("[-01]", FOLIO_EINVALID, "malformed JSON at line 1, column 2: invalid number");
	parse_err("1.e5", FOLIO_EINVALID, "malformed JSON at line 1, column 1: invalid number");
	parse_err("01", FOLIO_EINVALID, NULL);
	parse_err("\"a\tb\"", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 3: control character in a string (escape it)");
	/* the first problem is the one reported */
	parse_err("[NaN, 1,,]", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 2: unknown literal (only true, false and "
		  "null are JSON)");
}

static void test_json_parse_trailing(void **state)
{
	parse_err("{\"a\":1} x", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 9: unexpected text after the JSON value");
	parse_err("[1]\n [2]", FOLIO_EINVALID,
		  "malformed JSON at line 2, column 2: unexpected text after the JSON value");
	parse_err("true false", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 6: unexpected text after the JSON value");
	parse_err("12 3", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 4: unexpected text after the JSON value");
	parse_err("{}}", FOLIO_EINVALID,
		  "malformed JSON at line 1, column 3: unexpected text after the JSON value");
	parse_err("{} \n\r\t ", 0, NULL);
}

static void test_json_parse_nul_empty(void **state)
{
	expect_parse("[1]\0", 4, 8, FOLIO_EINVALID, "malformed JSON: NUL byte at line 1, column 4");
	expect_parse("[1,\n\0 2]", 8, 8, FOLIO_EINVALID,
		     "malformed JSON: NUL byte at line 2, column 1");
	expect_parse("12\0", 3, 8, FOLIO_EINVALID, "malformed JSON: NUL byte at line 1, column 3");
	expect_parse("\0", 1, 8, FOLIO_EINVALID, "malformed JSON: NUL byte at line 1, column 1");
	/* a problem before the NUL is reported first */
	expect_parse("[1,,\0]", 6, 8, FOLIO_EINVALID,
		     "malformed JSON at line 1, column 4: unexpected character");

	expect_parse("", 0, 8, FOLIO_EINVALID, "malformed JSON: empty input");
	expect_parse(NULL, 0, 8, FOLIO_EINVALID, "malformed JSON: empty input");
	expect_parse(" \n\t\r ", 5, 8, FOLIO_EINVALID, "malformed JSON: empty input");
}

static void test_json_parse_limits(void **state)
{
	char *big;
	char deep[64];

	big = malloc(MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, ' ', MAX_SIZE + 1);
	big[0] = '1';
	big[MAX_SIZE + 1] = '\0';
	expect_parse(big, MAX_SIZE, 8, 0, NULL);
	expect_parse(big, MAX_SIZE + 1, 8, FOLIO_ETOOBIG,
		     "document is 1001 bytes, over the limit of 1000 bytes");
	free(big);

	/* depth: 4 levels pass with a limit of 4, 5 do not, empty or not */
	expect_parse("[[[[1]]]]", 9, 4, 0, NULL);
	expect_parse("{\"a\":{\"b\":[{\"c\":1}]}}", 21, 4, 0, NULL);
	expect_parse("[[[[[1]]]]]", 11, 4, FOLIO_ETOOBIG,
		     "JSON nested deeper than 4 levels at line 1, column 5");
	expect_parse("[[[[[]]]]]", 10, 4, FOLIO_ETOOBIG,
		     "JSON nested deeper than 4 levels at line 1, column 5");
	expect_parse("{\"a\":\n [[[{}]]]}", 16, 4, FOLIO_ETOOBIG,
		     "JSON nested deeper than 4 levels at line 2, column 5");
	/* brackets inside strings do not count */
	expect_parse("[\"[[[[[[\"]", 10, 2, 0, NULL);
	expect_parse("1", 1, 0, 0, NULL);
	expect_parse("[]", 2, 0, FOLIO_ETOOBIG,
		     "JSON nested deeper than 0 levels at line 1, column 1");

	memset(deep, '[', 40);
	deep[40] = '\0';
	/* a syntax error after the too-deep bracket: the depth comes first */
	expect_parse(deep, 40, 32, FOLIO_ETOOBIG,
		     "JSON nested deeper than 32 levels at line 1, column 33");
}

/* Paths */

static json_object *parse(const char *text)
{
	json_object *o = NULL;

	assert_ok(folio_json__parse(&o, text, strlen(text), 100000, 32));
	return o;
}

static void assert_json(json_object *o, const char *want)
{
	assert_string_equal(folio_json__text(o, NULL), want);
}

static void test_path_valid(void **state)
{
	char long_path[1100];

	assert_true(folio_json__path_valid("a"));
	assert_true(folio_json__path_valid("a.b.c"));
	assert_true(folio_json__path_valid("latlng.0"));
	assert_true(folio_json__path_valid("0"));
	assert_true(folio_json__path_valid("a b.c-d"));
	memset(long_path, 'a', 1024);
	long_path[1024] = '\0';
	assert_true(folio_json__path_valid(long_path));
	long_path[1024] = 'a';
	long_path[1025] = '\0';
	assert_false(folio_json__path_valid(long_path));

	assert_false(folio_json__path_valid(NULL));
	assert_false(folio_json__path_valid(""));
	assert_false(folio_json__path_valid("."));
	assert_false(folio_json__path_valid("a..b"));
	assert_false(folio_json__path_valid(".a"));
	assert_false(folio_json__path_valid("a."));
}

static void test_path_get(void **state)
{
	json_object *o = parse("{\"name\":\"ACME\",\"address\":{\"city\":\"Lyon\","
			       "\"zip\":\"69001\"},"
			       "\"latlng\":[45.76,4.83],\"tags\":[{\"t\":\"x\"}],\"n\":null,"
			       "\"0\":\"zero\",\"obj\":{\"1\":\"one\"}}");
	char long_path[1100];

	assert_string_equal(json_object_get_string(folio_json__path_get(o, "name")), "ACME");
	assert_string_equal(json_object_get_string(folio_json__path_get(o, "address.city")),
			    "Lyon");
	assert_true(json_object_get_double(folio_json__path_get(o, "latlng.0")) == 45.76);
	assert_true(json_object_get_double(folio_json__path_get(o, "latlng.1")) == 4.83);
	assert_string_equal(json_object_get_string(folio_json__path_get(o, "tags.0.t")), "x");
	/* in an object a digit segment is a key */
	assert_string_equal(json_object_get_string(folio_json__path_get(o, "0")), "zero");
	assert_string_equal(json_object_get_string(folio_json__path_get(o, "obj.1")), "one");
	assert_json(folio_json__path_get(o, "address"), "{\"city\":\"Lyon\",\"zip\":\"69001\"}");

	/* a JSON null is there, and json-c holds it as NULL */
	assert_null(folio_json__path_get(o, "n"));
	assert_true(folio_json__path_exists(o, "n"));
	assert_true(folio_json__path_exists(o, "latlng.1"));
	assert_true(folio_json__path_exists(o, "obj.1"));
	assert_false(folio_json__path_exists(o, "latlng.2"));
	assert_false(folio_json__path_exists(o, "n.x"));
	assert_false(folio_json__path_exists(o, "missing"));
	assert_false(folio_json__path_exists(o, "name.first"));
	assert_false(folio_json__path_exists(o, "a..b"));
	assert_false(folio_json__path_exists(o, NULL));

	assert_null(folio_json__path_get(o, "latlng.2"));
	assert_null(folio_json__path_get(o, "latlng.x"));
	assert_null(folio_json__path_get(o, "latlng.99999999999999999999999"));
	assert_null(folio_json__path_get(o, "missing"));
	assert_null(folio_json__path_get(o, "address.street"));
	assert_null(folio_json__path_get(o, "name.first"));
	assert_null(folio_json__path_get(o, "n.x"));
	assert_null(folio_json__path_get(o, ""));
	assert_null(folio_json__path_get(o, "address..city"));
	assert_null(folio_json__path_get(o, ".name"));
	assert_null(folio_json__path_get(o, "name."));
	memset(long_path, 'a', 1030);
	long_path[1030] = '\0';
	assert_null(folio_json__path_get(o, long_path));
	json_object_put(o);
}

static void test_path_set(void **state)
{
	json_object *o = parse("{\"name\":\"ACME\",\"latlng\":[45.76,4.83],\"list\":[{\"a\":1}]}");

	assert_ok(folio_json__path_set(o, "name", json_object_new_string("ACME SA")));
	assert_ok(folio_json__path_set(o, "address.city", json_object_new_string("Lyon")));
	assert_ok(folio_json__path_set(o, "latlng.0", json_object_new_double(45.5)));
	assert_ok(folio_json__path_set(o, "latlng.2", json_object_new_int(7))); /* appends */
	assert_ok(folio_json__path_set(o, "list.0.b", json_object_new_int(2)));
	assert_ok(folio_json__path_set(o, "list.1.c", json_object_new_int(3))); /* new object */
	assert_ok(folio_json__path_set(o, "x.0", json_object_new_int(4))); /* "0" is a key */
	assert_ok(folio_json__path_set(o, "nil", NULL));
	assert_json(o, "{\"name\":\"ACME SA\",\"latlng\":[45.5,4.83,7],\"list\":[{\"a\":1,\"b\":2},"
		       "{\"c\":3}],\"address\":{\"city\":\"Lyon\"},\"x\":{\"0\":4},\"nil\":null}");

	/* index beyond the length */
	folio_error_clear();
	assert_int_equal(folio_json__path_set(o, "latlng.4", json_object_new_int(1)),
			 FOLIO_EINVALID);
	assert_string_equal(folio_error_last(),
			    "cannot set \"latlng.4\": index 4 is past the end of an array of 3");
	/* not an index in an array */
	assert_int_equal(folio_json__path_set(o, "latlng.x", json_object_new_int(1)),
			 FOLIO_EINVALID);
	/* a scalar in the way */
	assert_int_equal(folio_json__path_set(o, "name.first", json_object_new_string("A")),
			 FOLIO_EINVALID);
	assert_string_equal(folio_error_last(),
			    "cannot set \"name.first\": \"name\" is a string, not an object");
	assert_int_equal(folio_json__path_set(o, "nil.a", json_object_new_int(1)), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_set(o, "latlng.0.a", json_object_new_int(1)),
			 FOLIO_EINVALID);
	/* bad paths */
	assert_int_equal(folio_json__path_set(o, "", json_object_new_int(1)), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_set(o, "a..b", json_object_new_int(1)), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_set(o, ".a", json_object_new_int(1)), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_set(o, "a.", json_object_new_int(1)), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_set(o, NULL, json_object_new_int(1)), FOLIO_EINVALID);
	/* nothing changed by the failures */
	assert_json(o, "{\"name\":\"ACME SA\",\"latlng\":[45.5,4.83,7],\"list\":[{\"a\":1,\"b\":2},"
		       "{\"c\":3}],\"address\":{\"city\":\"Lyon\"},\"x\":{\"0\":4},\"nil\":null}");
	json_object_put(o);

	/* a root array */
	o = parse("[1]");
	assert_ok(folio_json__path_set(o, "1", json_object_new_int(2)));
	assert_ok(folio_json__path_set(o, "2.k", json_object_new_int(3)));
	assert_json(o, "[1,2,{\"k\":3}]");
	json_object_put(o);

	/* a scalar root */
	o = parse("5");
	assert_int_equal(folio_json__path_set(o, "a", json_object_new_int(1)), FOLIO_EINVALID);
	assert_string_equal(folio_error_last(),
			    "cannot set \"a\": the root is an int, not an object");
	json_object_put(o);
}

static void test_path_remove(void **state)
{
	json_object *o = parse("{\"a\":{\"b\":1,\"c\":2},\"latlng\":[1,2,3],\"s\":\"x\"}");

	assert_ok(folio_json__path_remove(o, "a.b"));
	assert_ok(folio_json__path_remove(o, "latlng.1"));
	assert_json(o, "{\"a\":{\"c\":2},\"latlng\":[1,3],\"s\":\"x\"}");

	assert_int_equal(folio_json__path_remove(o, "a.b"), FOLIO_ENOTFOUND);
	assert_string_equal(folio_error_last(), "no value at \"a.b\"");
	assert_int_equal(folio_json__path_remove(o, "latlng.2"), FOLIO_ENOTFOUND);
	assert_int_equal(folio_json__path_remove(o, "latlng.x"), FOLIO_ENOTFOUND);
	assert_int_equal(folio_json__path_remove(o, "s.x"), FOLIO_ENOTFOUND);
	assert_int_equal(folio_json__path_remove(o, "zz.y"), FOLIO_ENOTFOUND);
	assert_int_equal(folio_json__path_remove(o, ""), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_remove(o, "a..c"), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_remove(o, ".a"), FOLIO_EINVALID);
	assert_int_equal(folio_json__path_remove(o, "a."), FOLIO_EINVALID);

	assert_ok(folio_json__path_remove(o, "a"));
	assert_ok(folio_json__path_remove(o, "latlng"));
	assert_json(o, "{\"s\":\"x\"}");
	json_object_put(o);
}

static void test_json_text_slash(void **state)
{
	json_object *o = parse("{\"url\":\"http:\\/\\/x.org/a\",\"q\":\"\\\"\"}");
	size_t len = 0;
	const char *t = folio_json__text(o, &len);

	assert_string_equal(t, "{\"url\":\"http://x.org/a\",\"q\":\"\\\"\"}");
	assert_int_equal(len, strlen(t));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_set_last_clear),
		cmocka_unit_test(test_error_one_line),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_error_self_reference),
		cmocka_unit_test(test_error_wrap),
		cmocka_unit_test(test_error_oom_and_names),
		cmocka_unit_test(test_error_thread_local),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_strdup),
		cmocka_unit_test(test_time_now),
		cmocka_unit_test(test_time_valid),
		cmocka_unit_test(test_name_user),
		cmocka_unit_test(test_name_db),
		cmocka_unit_test(test_name_store),
		cmocka_unit_test(test_name_unid),
		cmocka_unit_test(test_ulid_shape_and_time),
		cmocka_unit_test(test_ulid_monotonic),
		cmocka_unit_test(test_ulid_threads),
		cmocka_unit_test(test_rev),
		cmocka_unit_test(test_rev_valid),
		cmocka_unit_test(test_json_parse_valid),
		cmocka_unit_test(test_json_parse_malformed),
		cmocka_unit_test(test_json_parse_trailing),
		cmocka_unit_test(test_json_parse_nul_empty),
		cmocka_unit_test(test_json_parse_limits),
		cmocka_unit_test(test_path_valid),
		cmocka_unit_test(test_path_get),
		cmocka_unit_test(test_path_set),
		cmocka_unit_test(test_path_remove),
		cmocka_unit_test(test_json_text_slash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
