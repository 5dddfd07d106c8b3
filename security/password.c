/*
 * Password hashes: argon2id through libsodium, with its "interactive"
 * limits (2 passes over 64 MiB, about 0.1 s), in the encoded form that
 * carries its own salt and parameters ("$argon2id$v=19$m=65536,t=2,p=1$...").
 *
 * The library never copies a password: it is hashed or verified where the
 * caller keeps it, so there is nothing of it to wipe here.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "directory.h"
#include "util.h"

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

/*
 * The hash of a random password nobody knows, with the limits above (a test
 * checks that they match): verifying against it costs what verifying against
 * a real user's hash costs, without a hash to compute first.
 */
static const char dummy_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$t0B3xShr8ganS34rl2E+XA$"
				 "iKUbbjEsc1HUOnTofeHV5XYk+cgLxDYxfdrOj/67iKg";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init(void)
{
	init_rc = sodium_init() < 0 ? -1 : 0;
}

static int ready(void)
{
	pthread_once(&once, init);
	if (init_rc < 0)
		return folio_error_set(FOLIO_ERROR, "libsodium could not be initialized");
	return 0;
}

int folio_pw__hash(char **out, const char *password)
{
	char *buf;
	size_t len;
	int rc;

	*out = NULL;
	rc = ready();
	if (rc < 0)
		return rc;
	len = password ? strlen(password) : 0;
	if (len == 0)
		return folio_error_set(FOLIO_EINVALID, "the password is empty");
	if (len > FOLIO_PW_MAX)
		return folio_error_set(FOLIO_EINVALID,
				       "the password is too long (at most %d bytes)", FOLIO_PW_MAX);
	buf = malloc(crypto_pwhash_STRBYTES);
	if (!buf)
		return folio_error__oom();
	/* Fails only when the memory for the hash cannot be had. */
	if (crypto_pwhash_str_alg(buf, password, len, OPSLIMIT, MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		free(buf);
		return folio_error_set(FOLIO_ENOMEM, "out of memory hashing a password");
	}
	*out = buf;
	return 0;
}

int folio_pw__verify(const char *hash, const char *password)
{
	size_t len = password ? strlen(password) : 0;

	if (ready() < 0 || !hash)
		return 0;
	/* Too long to have been set: verify anyway (as the dummy does) for the same time. */
	if (len > FOLIO_PW_MAX) {
		folio_pw__dummy(password);
		return 0;
	}
	/* crypto_pwhash_str_verify wants a buffer of STRBYTES: a shorter stored text is copied. */
	{
		char str[crypto_pwhash_STRBYTES];
		size_t hl = strlen(hash);

		if (hl >= sizeof(str))
			return 0;
		memset(str, 0, sizeof(str));
		memcpy(str, hash, hl);
		return crypto_pwhash_str_verify(str, password ? password : "", len) == 0;
	}
}

void folio_pw__dummy(const char *password)
{
	char str[crypto_pwhash_STRBYTES];
	size_t len = password ? strlen(password) : 0;

	if (ready() < 0)
		return;
	if (len > FOLIO_PW_MAX)
		len = FOLIO_PW_MAX;
	memset(str, 0, sizeof(str));
	memcpy(str, dummy_hash, sizeof(dummy_hash));
	/* The answer is known (no): only the work counts. */
	if (crypto_pwhash_str_verify(str, password ? password : "", len) == 0)
		str[0] = 0;
}

const char *folio_pw__dummy_hash(void)
{
	return dummy_hash;
}
