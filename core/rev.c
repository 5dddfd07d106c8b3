/*
 * Revisions: "N-hash", N the number of saves, hash 128 bits of BLAKE2b
 * over the previous rev, the deleted flag and the body, so that every replica
 * computes the same rev for the same change.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "rev.h"
#include "util.h"

#define REV_HASH_BYTES 16
#define REV_MAX_DIGITS 10

static pthread_once_t rev_once = PTHREAD_ONCE_INIT;

static void rev_init(void)
{
	/* Picks the fastest BLAKE2b; the portable one is used if this fails. */
	int rc = sodium_init();

	(void)rc;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

long folio_rev__gen(const char *rev)
{
	long n = 0;
	size_t i;

	if (rev == NULL || rev[0] < '1' || rev[0] > '9')
		return -1;
	for (i = 0; rev[i] >= '0' && rev[i] <= '9'; i++) {
		if (i >= REV_MAX_DIGITS)
			return -1;
		n = n * 10 + (rev[i] - '0');
	}
	if (rev[i] != '-')
		return -1;
	rev += i + 1;
	for (i = 0; i < REV_HASH_BYTES * 2; i++) {
		if (!is_hex(rev[i]))
			return -1;
	}
	if (rev[i] != '\0')
		return -1;
	return n;
}

int folio_rev__valid(const char *rev)
{
	return folio_rev__gen(rev) > 0;
}

void folio_rev__next(char out[FOLIO_REV_MAX], const char *prev, const char *body, size_t len,
		     int deleted)
{
	static const char hexdigits[] = "0123456789abcdef";
	unsigned char hash[REV_HASH_BYTES];
	crypto_generichash_state st;
	unsigned char sep = 0;
	unsigned char flag = deleted ? '1' : '0';
	long n = folio_rev__gen(prev);
	int w;
	int i;

	pthread_once(&rev_once, rev_init);
	if (prev == NULL)
		prev = "";
	n = n > 0 ? n + 1 : 1;

	crypto_generichash_init(&st, NULL, 0, sizeof(hash));
	crypto_generichash_update(&st, (const unsigned char *)prev, strlen(prev));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, &flag, 1);
	crypto_generichash_update(&st, &sep, 1);
	if (len > 0)
		crypto_generichash_update(&st, (const unsigned char *)body, len);
	crypto_generichash_final(&st, hash, sizeof(hash));

	w = snprintf(out, FOLIO_REV_MAX, "%ld-", n);
	if (w < 0 || w > FOLIO_REV_MAX - 1 - REV_HASH_BYTES * 2)
		w = 0; /* cannot happen: N has at most 11 digits */
	for (i = 0; i < REV_HASH_BYTES; i++) {
		out[w + 2 * i] = hexdigits[hash[i] >> 4];
		out[w + 2 * i + 1] = hexdigits[hash[i] & 15];
	}
	out[w + 2 * REV_HASH_BYTES] = '\0';
}
