/*
 * The driver registry: which driver serves which URL scheme. The built-in
 * drivers are always there; others are added with folio_driver_register()
 * and never removed, so a pointer handed out stays valid.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "odbc/odbc_driver.h"
#include "pg/pg_driver.h"
#include "sqlite/sqlite_driver.h"

#define MAX_DRIVERS 16
#define MAX_SCHEME 32

static const folio_driver *const builtins[] = {
	&folio_sqlite_driver,
	&folio_pg_driver,
	&folio_odbc_driver,
};
#define BUILTIN_COUNT (sizeof(builtins) / sizeof(builtins[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const folio_driver *registered[MAX_DRIVERS];
static int registered_count;

/* Schemes spelled more than one way, as libpq takes both. */
static const char *const aliases[][2] = {
	{ "postgres", "postgresql" },
};

/* The canonical spelling of a scheme ("postgres" -> "postgresql"). */
static const char *canonical(const char *scheme, size_t *len)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		const char *alias = aliases[i][0];

		if (strlen(alias) == *len && strncasecmp(alias, scheme, *len) == 0) {
			*len = strlen(aliases[i][1]);
			return aliases[i][1];
		}
	}
	return scheme;
}

/* 1 when driver `d` serves the canonical scheme `scheme` (`len` bytes, any case). */
static int serves(const folio_driver *d, const char *scheme, size_t len)
{
	size_t dlen = strlen(d->scheme);
	const char *ds = canonical(d->scheme, &dlen);

	return dlen == len && strncasecmp(ds, scheme, len) == 0;
}

/* The driver for the canonical `scheme`, or NULL. Call locked. */
static const folio_driver *lookup(const char *scheme, size_t len)
{
	size_t i;
	int j;

	for (i = 0; i < BUILTIN_COUNT; i++) {
		if (serves(builtins[i], scheme, len))
			return builtins[i];
	}
	for (j = 0; j < registered_count; j++) {
		if (serves(registered[j], scheme, len))
			return registered[j];
	}
	return NULL;
}

static int has_methods(const folio_driver *d)
{
	return d->connect && d->disconnect && d->dialect && d->exec && d->prepare &&
	       d->finalize && d->reset && d->bind_null && d->bind_int64 && d->bind_double &&
	       d->bind_text && d->bind_blob && d->step && d->column_count && d->column_type &&
	       d->column_int64 && d->column_double && d->column_text && d->column_blob &&
	       d->changes && d->begin && d->commit && d->rollback;
}

static int scheme_valid(const char *s)
{
	size_t i;

	if (!s || !s[0] || strlen(s) > MAX_SCHEME)
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
		if (!ok)
			return 0;
	}
	return 1;
}

int folio_driver_register(const folio_driver *drv)
{
	const char *scheme;
	size_t len;
	int rc;

	if (!drv)
		return folio_error_set(FOLIO_EINVALID, "folio_driver_register: no driver");
	if (drv->version < 1 || drv->version > FOLIO_DRIVER_VERSION)
		return folio_error_set(FOLIO_EINVALID,
				       "driver '%s' has version %d; this folio takes 1 to %d",
				       drv->name ? drv->name : "?", drv->version,
				       FOLIO_DRIVER_VERSION);
	if (!drv->name || !scheme_valid(drv->scheme))
		return folio_error_set(FOLIO_EINVALID,
				       "driver '%s' needs a name and a URL scheme (letters, "
				       "then letters, digits, '+', '-', '.')",
				       drv->name ? drv->name : "?");
	if (!has_methods(drv))
		return folio_error_set(FOLIO_EINVALID,
				       "driver '%s' lacks a required method "
				       "(only the optional ones may be NULL: ping, "
				       "last_insert_id, bulk_insert, bulk_wait)",
				       drv->name);

	len = strlen(drv->scheme);
	scheme = canonical(drv->scheme, &len);
	pthread_mutex_lock(&lock);
	if (lookup(scheme, len)) {
		rc = folio_error_set(FOLIO_EEXISTS,
				     "a driver for URL scheme '%s' is registered already",
				     drv->scheme);
		goto out;
	}
	if (registered_count == MAX_DRIVERS) {
		rc = folio_error_set(FOLIO_ETOOBIG,
				     "too many drivers (at most %d can be registered)",
				     MAX_DRIVERS);
		goto out;
	}
	registered[registered_count++] = drv;
	rc = 0;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

/* "sqlite, fake, ..." into buf. Call locked. */
static void known_schemes(char *buf, size_t size)
{
	size_t used = 0;
	size_t i;
	int j;

	buf[0] = '\0';
	for (i = 0; i < BUILTIN_COUNT + (size_t)registered_count; i++) {
		const folio_driver *d = i < BUILTIN_COUNT ? builtins[i]
							  : registered[i - BUILTIN_COUNT];
		j = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", d->scheme);
		if (j < 0 || (size_t)j >= size - used)
			break;
		used += (size_t)j;
	}
}

const folio_driver *folio_driver__find(const char *url)
{
	const folio_driver *d;
	const char *colon;
	const char *scheme;
	char known[MAX_DRIVERS * (MAX_SCHEME + 2) + 64];
	size_t len;

	if (!url) {
		folio_error_set(FOLIO_EINVALID, "no URL");
		return NULL;
	}
	colon = strchr(url, ':');
	len = colon ? (size_t)(colon - url) : 0;
	scheme = canonical(url, &len);
	pthread_mutex_lock(&lock);
	d = len ? lookup(scheme, len) : NULL;
	if (!d)
		known_schemes(known, sizeof(known));
	pthread_mutex_unlock(&lock);
	if (d)
		return d;
	if (!colon)
		folio_error_set(FOLIO_EINVALID,
				"not a URL: '%.64s' (expected SCHEME:..., known: %s)", url,
				known);
	else
		folio_error_set(FOLIO_EINVALID, "no driver for URL scheme '%.*s' (known: %s)",
				(int)((size_t)(colon - url) > 64 ? 64 : colon - url), url, known);
	return NULL;
}
