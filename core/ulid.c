/*
 * Generated UNIDs: ULIDs (48 bits of milliseconds since the epoch, then 80
 * random bits, in Crockford base 32). Within one process they strictly
 * increase: in the same millisecond (or when the clock steps back) the
 * random part of the last one is incremented instead of drawn again.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "folio/doc.h"
#include "util.h"

#define RAND_BYTES 10

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static pthread_once_t ulid_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t ulid_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_ms;
static unsigned char last_rand[RAND_BYTES];

/* A forked child must not continue the parent's sequence: draw afresh. */
static void before_fork(void)
{
	pthread_mutex_lock(&ulid_lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&ulid_lock);
}

static void after_fork_child(void)
{
	last_ms = 0;
	memset(last_rand, 0, sizeof(last_rand));
	pthread_mutex_unlock(&ulid_lock);
}

static void ulid_init(void)
{
	/*
	 * sodium_init() fails only when the system has no randomness at all;
	 * randombytes_buf() aborts then, which is all a caller could do.
	 */
	int rc = sodium_init();

	(void)rc;
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (uint64_t)time(NULL) * 1000;
	if (ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)(ts.tv_nsec / 1000000);
}

/* Adds one to the big-endian 80-bit number; 1 when it wrapped around. */
static int increment(unsigned char r[RAND_BYTES])
{
	int i;

	for (i = RAND_BYTES - 1; i >= 0; i--) {
		r[i]++;
		if (r[i] != 0)
			return 0;
	}
	return 1;
}

void folio_unid_generate(char buf[27])
{
	unsigned char r[RAND_BYTES];
	uint64_t ms;
	uint64_t t;
	int bit;
	int i;
	int j;

	pthread_once(&ulid_once, ulid_init);
	ms = now_ms() & 0xFFFFFFFFFFFFULL;

	pthread_mutex_lock(&ulid_lock);
	if (ms <= last_ms) {
		ms = last_ms;
		if (increment(last_rand)) {
			/* 2^80 ids in one millisecond: borrow the next one. */
			ms = last_ms + 1;
			randombytes_buf(last_rand, sizeof(last_rand));
		}
	} else {
		randombytes_buf(last_rand, sizeof(last_rand));
	}
	last_ms = ms;
	memcpy(r, last_rand, sizeof(r));
	pthread_mutex_unlock(&ulid_lock);

	/* 10 characters of time (50 bits, the top 2 zero), 16 of randomness. */
	t = ms;
	for (i = 9; i >= 0; i--) {
		buf[i] = crockford[t & 31];
		t >>= 5;
	}
	for (i = 0; i < 16; i++) {
		int v = 0;

		for (j = 0; j < 5; j++) {
			bit = i * 5 + j;
			v = (v << 1) | ((r[bit / 8] >> (7 - bit % 8)) & 1);
		}
		buf[10 + i] = crockford[v];
	}
	buf[26] = '\0';
}
