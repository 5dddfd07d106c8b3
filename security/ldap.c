/*
 * The LDAP directory, through OpenLDAP's libldap.
 *
 * A user is authenticated by a simple bind as the user's own entry: its DN
 * is either made from a template ("bind_dn", the name DN-escaped, RFC 4514)
 * or found by a search ("search_base" and "search_filter", the name
 * filter-escaped, RFC 4515), as the service account or anonymously. The
 * user's groups are then read: groupOfNames (member), groupOfUniqueNames
 * (uniqueMember) and posixGroup (memberUid), and with "nested", the groups
 * whose members are those groups, level by level, with a bound on the depth
 * and on the count, and a set of the groups seen so that a cycle ends.
 *
 * The canonical user name is the value of "user_name_attr" (uid) as the
 * directory stores it (LDAP matches uid without regard to case, so "ANN"
 * logs in as "ann"); a group's name is its "group_name_attr" (cn). Values
 * folio cannot take as names (folio_name__user_valid) are left out.
 *
 * Each lookup opens its own connection (StartTLS or ldaps:// when
 * configured, the certificate always verified), so threads never share a
 * handle; everything a lookup does must finish within "timeout" seconds, or
 * it fails with FOLIO_EIO. An empty password is refused before anything is
 * sent: a simple bind with a DN and no password is an anonymous bind
 * (RFC 4513 5.1.2) that some servers answer with success.
 *
 * Successful lookups are cached for "cache_ttl" seconds, at most
 * "cache_size" names, the least recently used evicted first: the name, the
 * canonical name and groups, and for a login a keyed hash of the password
 * (BLAKE2b under a random key of this handle), never the password. So a
 * changed password or group in the directory takes up to cache_ttl to be
 * seen; a password that does not match the cached hash always asks the
 * server. The cache is behind a mutex.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ldap.h>
#include <sodium.h>

#include "ident.h"
#include "json.h"
#include "util.h"

#define CONFIG_MAX 65536      /* bytes of the "ldap" object */
#define STRING_MAX 1024       /* bytes of a string setting */
#define NAME_MAX_LEN 256      /* a longer user name is unknown without asking */
#define PASSWORD_FILE_MAX 4096
#define GROUPS_MAX 4096       /* more groups than that is an error (as directory.h) */
#define NESTING_MAX 16        /* levels of nested groups followed */
#define FRONTIER_CHUNK 32     /* group DNs per nested-group search */
#define FILTER_MAX (256 * 1024)
#define CACHE_SIZE_MAX 1000000

#define BAD_LOGIN "invalid user name or password"

/* ---- the cache --------------------------------------------------------------------- */

struct centry {
	struct centry *hnext; /* bucket chain */
	struct centry *prev;  /* LRU list, most recent first */
	struct centry *next;
	uint64_t hash;
	char *name;           /* as given */
	char *user;           /* canonical */
	char **groups;        /* NULL-terminated */
	int n_groups;
	double loaded;        /* when read from the server (monotonic) */
	double expires;
	int has_pw;           /* a login succeeded with the password whose hash is pw */
	double pw_expires;
	unsigned char pw[crypto_generichash_BYTES];
};

struct folio_ldap {
	char *url;
	int starttls;
	int uses_tls;
	char *ca_file;
	char *bind_dn;        /* template with %s, or NULL: search */
	char *search_base;
	char *search_filter;  /* template with %s */
	char *service_dn;     /* NULL: anonymous searches */
	char *service_pw;
	char *group_base;     /* NULL: no groups */
	char *group_attr;
	int nested;
	char *user_attr;
	double timeout;
	double cache_ttl;
	size_t cache_size;

	unsigned char pw_key[crypto_generichash_KEYBYTES];
	unsigned char name_key[crypto_shorthash_KEYBYTES];
	pthread_mutex_t lock;
	struct centry **buckets;
	size_t nbuckets;      /* a power of two */
	size_t count;
	struct centry *head;
	struct centry *tail;
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cache_on(const folio_ldap *l)
{
	return l->cache_ttl > 0 && l->cache_size > 0;
}

static uint64_t name_hash(const folio_ldap *l, const char *name)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, (const unsigned char *)name, strlen(name), l->name_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

static void pw_hash(const folio_ldap *l, unsigned char out[crypto_generichash_BYTES],
		    const char *name, const char *password)
{
	crypto_generichash_state st;

	/* The name is hashed in too, so equal passwords of two users differ. */
	crypto_generichash_init(&st, l->pw_key, sizeof(l->pw_key), crypto_generichash_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
	crypto_generichash_update(&st, (const unsigned char *)password, strlen(password));
	crypto_generichash_final(&st, out, crypto_generichash_BYTES);
	sodium_memzero(&st, sizeof(st));
}

static void free_groups(char **groups)
{
	size_t i;

	if (groups == NULL)
		return;
	for (i = 0; groups[i] != NULL; i++)
		free(groups[i]);
	free(groups);
}

static void centry_free(struct centry *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->user);
	free_groups(e->groups);
	sodium_memzero(e->pw, sizeof(e->pw));
	free(e);
}

static void lru_unlink(folio_ldap *l, struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = NULL;
	e->next = NULL;
}

static void lru_push_front(folio_ldap *l, struct centry *e)
{
	e->prev = NULL;
	e->next = l->head;
	if (l->head != NULL)
		l->head->prev = e;
	l->head = e;
	if (l->tail == NULL)
		l->tail = e;
}

static struct centry *cache_find(folio_ldap *l, const char *name, uint64_t h)
{
	struct centry *e;

	for (e = l->buckets[h & (l->nbuckets - 1)]; e != NULL; e = e->hnext) {
		if (e->hash == h && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static void cache_remove(folio_ldap *l, struct centry *e)
{
	struct centry **p = &l->buckets[e->hash & (l->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	lru_unlink(l, e);
	l->count--;
	centry_free(e);
}

/* Copies the strings of a user and its groups into *out (which is empty). */
static int ident_fill(folio_ident *out, folio_ident_kind kind, const char *user,
		      char *const *groups, int n_groups, double loaded)
{
	int i;

	out->kind = kind;
	out->loaded = loaded;
	out->user = strdup(user);
	out->groups = calloc((size_t)n_groups + 1, sizeof(char *));
	if (out->user == NULL || out->groups == NULL)
		goto oom;
	for (i = 0; i < n_groups; i++) {
		out->groups[i] = strdup(groups[i]);
		if (out->groups[i] == NULL)
			goto oom;
	}
	out->n_groups = n_groups;
	return 0;
oom:
	free(out->user);
	free_groups(out->groups);
	memset(out, 0, sizeof(*out));
	return folio_error__oom();
}

/*
 * A cached answer for `name`: with `pw` (a login), only when a login with
 * that password hash succeeded within the TTL. 1 (out filled), 0 (miss), or
 * FOLIO_ENOMEM.
 */
static int cache_get(folio_ldap *l, folio_ident *out, folio_ident_kind kind, const char *name,
		     const unsigned char *pw)
{
	uint64_t h;
	struct centry *e;
	double now;
	int rc = 0;

	if (!cache_on(l))
		return 0;
	h = name_hash(l, name);
	now = now_mono();
	pthread_mutex_lock(&l->lock);
	e = cache_find(l, name, h);
	if (e != NULL && now >= e->expires) {
		cache_remove(l, e);
		e = NULL;
	}
	if (e == NULL)
		goto out;
	if (pw != NULL &&
	    (!e->has_pw || now >= e->pw_expires || sodium_memcmp(e->pw, pw, sizeof(e->pw)) != 0))
		goto out;
	lru_unlink(l, e);
	lru_push_front(l, e);
	rc = ident_fill(out, kind, e->user, e->groups, e->n_groups, e->loaded);
	if (rc == 0)
		rc = 1;
out:
	pthread_mutex_unlock(&l->lock);
	return rc;
}

/*
 * Remembers what the server said about `name`; `pw` (a login's password
 * hash) or NULL (a group lookup, which keeps a password hash already there).
 * A cache that cannot allocate simply does not remember.
 */
static void cache_put(folio_ldap *l, const char *name, const unsigned char *pw,
		      const folio_ident *id)
{
	uint64_t h;
	struct centry *e;
	char *user = NULL;
	char **groups = NULL;
	int i;

	if (!cache_on(l))
		return;
	/* Copies made before the lock, and on failure nothing is remembered. */
	user = strdup(id->user);
	groups = calloc((size_t)id->n_groups + 1, sizeof(char *));
	if (user == NULL || groups == NULL)
		goto fail;
	for (i = 0; i < id->n_groups; i++) {
		groups[i] = strdup(id->groups[i]);
		if (groups[i] == NULL)
			goto fail;
	}

	h = name_hash(l, name);
	pthread_mutex_lock(&l->lock);
	e = cache_find(l, name, h);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e != NULL)
			e->name = strdup(name);
		if (e == NULL || e->name == NULL) {
			pthread_mutex_unlock(&l->lock);
			centry_free(e);
			goto fail;
		}
		while (l->count >= l->cache_size && l->tail != NULL)
			cache_remove(l, l->tail);
		e->hash = h;
		e->hnext = l->buckets[h & (l->nbuckets - 1)];
		l->buckets[h & (l->nbuckets - 1)] = e;
		l->count++;
	} else {
		lru_unlink(l, e);
		free(e->user);
		free_groups(e->groups);
	}
	lru_push_front(l, e);
	e->user = user;
	e->groups = groups;
	e->n_groups = id->n_groups;
	e->loaded = id->loaded;
	e->expires = id->loaded + l->cache_ttl;
	if (pw != NULL) {
		memcpy(e->pw, pw, sizeof(e->pw));
		e->has_pw = 1;
		e->pw_expires = e->expires;
	}
	pthread_mutex_unlock(&l->lock);
	return;
fail:
	free(user);
	free_groups(groups);
}

/* ---- escaping and templates ------------------------------------------------------- */

/* RFC 4515 3: the assertion value of a filter. */
static int filter_escape(folio_buf *b, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		switch (*s) {
		case '*':
		case '(':
		case ')':
		case '\\':
			rc = folio_buf__addf(b, "\\%02x", (unsigned char)*s);
			break;
		default:
			rc = folio_buf__add(b, s, 1);
		}
	}
	return rc;
}

/* RFC 4514 2.4: an attribute value of a DN (hex escapes are valid for any character). */
static int dn_escape(folio_buf *b, const char *s)
{
	size_t len = strlen(s);
	size_t i;
	int rc = 0;

	for (i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		int esc = strchr("\"+,;<>\\=", c) != NULL || (i == 0 && (c == ' ' || c == '#')) ||
			  (i == len - 1 && c == ' ');

		if (esc)
			rc = folio_buf__addf(b, "\\%02X", c);
		else
			rc = folio_buf__add(b, &s[i], 1);
	}
	return rc;
}

/* Writes template `t` with each %s replaced by `value` escaped by `esc`, %% by %. */
static int expand(char **out, const char *t, const char *value,
		  int (*esc)(folio_buf *, const char *))
{
	folio_buf b;
	int rc = 0;

	folio_buf__init(&b, FILTER_MAX);
	for (; *t != '\0' && rc == 0; t++) {
		if (t[0] == '%' && t[1] == 's') {
			rc = esc(&b, value);
			t++;
		} else if (t[0] == '%' && t[1] == '%') {
			rc = folio_buf__add(&b, "%", 1);
			t++;
		} else {
			rc = folio_buf__add(&b, t, 1);
		}
	}
	if (rc == 0)
		rc = folio_buf__add(&b, "", 0); /* an empty template still gives a string */
	if (rc < 0) {
		folio_buf__free(&b);
		return rc;
	}
	*out = folio_buf__take(&b);
	return 0;
}

/* A template has at least one %s, and no % other than %s and %%. */
static int template_ok(const char *t)
{
	int n = 0;

	for (; *t != '\0'; t++) {
		if (*t != '%')
			continue;
		if (t[1] == 's')
			n++;
		else if (t[1] != '%')
			return 0;
		t++;
	}
	return n > 0;
}

/* An attribute description: a letter, then letters, digits and hyphens. */
static int attr_ok(const char *a)
{
	size_t i;

	if (!((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z')))
		return 0;
	for (i = 1; a[i] != '\0'; i++) {
		char c = a[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return i <= 64;
}

/* ---- configuration ------------------------------------------------------------------ */

static int bad(const char *key, const char *what)
{
	return folio_error_set(FOLIO_EINVALID, "ldap.%s: %s", key, what);
}

/* A non-empty string setting; *out NULL when absent and not required. */
static int get_string(char **out, json_object *cfg, const char *key, int required)
{
	json_object *v;
	const char *s;

	*out = NULL;
	if (!json_object_object_get_ex(cfg, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return bad(key, "is required");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(key, "must be a string");
	s = json_object_get_string(v);
	if (s[0] == '\0' || strlen(s) > STRING_MAX || strlen(s) != (size_t)json_object_get_string_len(v))
		return bad(key, "must be a string of 1 to 1024 bytes");
	*out = strdup(s);
	if (*out == NULL)
		return folio_error__oom();
	return 0;
}

static int get_bool(int *out, json_object *cfg, const char *key, int dflt)
{
	json_object *v;

	*out = dflt;
	if (!json_object_object_get_ex(cfg, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return bad(key, "must be true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_number(double *out, json_object *cfg, const char *key, double dflt, double min,
		      double max, const char *what)
{
	json_object *v;
	double d;

	*out = dflt;
	if (!json_object_object_get_ex(cfg, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return bad(key, what);
	d = json_object_get_double(v);
	if (!isfinite(d) || d < min || d > max)
		return bad(key, what);
	*out = d;
	return 0;
}

/* The service password from a file: its content less one trailing line end. */
static int read_password_file(char **out, const char *path)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc = 0;

	*out = NULL;
	buf = sodium_malloc(PASSWORD_FILE_MAX + 2);
	if (buf == NULL)
		return folio_error__oom();
	f = fopen(path, "r");
	if (f == NULL) {
		rc = folio_error_set(FOLIO_EINVALID, "ldap.service_password_file: cannot read %s: %s",
				     path, strerror(errno));
		goto out;
	}
	n = fread(buf, 1, PASSWORD_FILE_MAX + 1, f);
	if (ferror(f)) {
		rc = folio_error_set(FOLIO_EINVALID, "ldap.service_password_file: cannot read %s",
				     path);
		goto out;
	}
	if (n > PASSWORD_FILE_MAX) {
		rc = bad("service_password_file", "the file is over 4096 bytes");
		goto out;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0 || strlen(buf) != n) {
		rc = bad("service_password_file", "the file holds no password (or a NUL byte)");
		goto out;
	}
	*out = strdup(buf);
	if (*out == NULL)
		rc = folio_error__oom();
out:
	if (f != NULL)
		fclose(f);
	sodium_free(buf); /* zeroes it */
	return rc;
}

static int url_ok(folio_ldap *l)
{
	char *copy;
	char *tok;
	char *save = NULL;
	int rc = 0;
	int n = 0;

	copy = strdup(l->url);
	if (copy == NULL)
		return folio_error__oom();
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, " \t,", &save)) {
		LDAPURLDesc *d = NULL;

		if (ldap_url_parse(tok, &d) != LDAP_URL_SUCCESS || d == NULL ||
		    (strcmp(d->lud_scheme, "ldap") != 0 && strcmp(d->lud_scheme, "ldaps") != 0 &&
		     strcmp(d->lud_scheme, "ldapi") != 0)) {
			rc = bad("url", "must be ldap://host:port, ldaps://host:port or ldapi://"
					" (several separated by spaces)");
		} else if (strcmp(d->lud_scheme, "ldaps") == 0) {
			l->uses_tls = 1;
			if (l->starttls)
				rc = bad("starttls", "cannot be used with an ldaps:// url (TLS already)");
		}
		if (d != NULL)
			ldap_free_urldesc(d);
		n++;
	}
	free(copy);
	if (rc == 0 && n == 0)
		rc = bad("url", "is empty");
	if (l->starttls)
		l->uses_tls = 1;
	return rc;
}

static const char *const known_keys[] = {
	"url",          "starttls",         "ca_file",         "bind_dn",
	"search_base",  "search_filter",    "service_dn",      "service_password",
	"service_password_file", "group_base", "group_name_attr", "nested",
	"timeout",      "cache_ttl",        "cache_size",      "user_name_attr",
	NULL};

static int parse_config(folio_ldap *l, json_object *cfg)
{
	char *pw_file = NULL;
	double d;
	int rc;
	size_t i;

	if (!json_object_is_type(cfg, json_type_object))
		return folio_error_set(FOLIO_EINVALID, "ldap: the configuration must be a JSON object");
	json_object_object_foreach(cfg, key, val)
	{
		(void)val;
		for (i = 0; known_keys[i] != NULL; i++) {
			if (strcmp(key, known_keys[i]) == 0)
				break;
		}
		if (known_keys[i] == NULL)
			return bad(key, "unknown setting");
	}

	rc = get_string(&l->url, cfg, "url", 1);
	if (rc == 0)
		rc = get_bool(&l->starttls, cfg, "starttls", 0);
	if (rc == 0)
		rc = get_string(&l->ca_file, cfg, "ca_file", 0);
	if (rc == 0)
		rc = get_string(&l->bind_dn, cfg, "bind_dn", 0);
	if (rc == 0)
		rc = get_string(&l->search_base, cfg, "search_base", 0);
	if (rc == 0)
		rc = get_string(&l->search_filter, cfg, "search_filter", 0);
	if (rc == 0)
		rc = get_string(&l->service_dn, cfg, "service_dn", 0);
	if (rc == 0)
		rc = get_string(&l->service_pw, cfg, "service_password", 0);
	if (rc == 0)
		rc = get_string(&pw_file, cfg, "service_password_file", 0);
	if (rc == 0)
		rc = get_string(&l->group_base, cfg, "group_base", 0);
	if (rc == 0)
		rc = get_string(&l->group_attr, cfg, "group_name_attr", 0);
	if (rc == 0)
		rc = get_bool(&l->nested, cfg, "nested", 1);
	if (rc == 0)
		rc = get_string(&l->user_attr, cfg, "user_name_attr", 0);
	if (rc == 0)
		rc = get_number(&l->timeout, cfg, "timeout", 5, 0.001, 600,
				"must be a number of seconds above 0, at most 600");
	if (rc == 0)
		rc = get_number(&l->cache_ttl, cfg, "cache_ttl", 300, 0, 31 * 86400,
				"must be a number of seconds, 0 (no cache) or more");
	if (rc == 0)
		rc = get_number(&d, cfg, "cache_size", 1000, 0, CACHE_SIZE_MAX,
				"must be a count from 0 (no cache) to 1000000");
	if (rc < 0)
		goto out;
	if (d != floor(d)) {
		rc = bad("cache_size", "must be a whole number");
		goto out;
	}
	l->cache_size = (size_t)d;

	rc = url_ok(l);
	if (rc < 0)
		goto out;
	if (l->ca_file != NULL && access(l->ca_file, R_OK) != 0) {
		rc = folio_error_set(FOLIO_EINVALID, "ldap.ca_file: cannot read %s: %s", l->ca_file,
				     strerror(errno));
		goto out;
	}
	if (l->user_attr == NULL)
		l->user_attr = strdup("uid");
	if (l->group_attr == NULL)
		l->group_attr = strdup("cn");
	if (l->user_attr == NULL || l->group_attr == NULL)
		goto oom;
	if (!attr_ok(l->user_attr)) {
		rc = bad("user_name_attr", "must be an attribute name");
		goto out;
	}
	if (!attr_ok(l->group_attr)) {
		rc = bad("group_name_attr", "must be an attribute name");
		goto out;
	}

	if (l->bind_dn != NULL && l->search_base != NULL) {
		rc = bad("bind_dn", "give bind_dn (a DN template) or search_base, not both");
		goto out;
	}
	if (l->bind_dn == NULL && l->search_base == NULL) {
		rc = bad("bind_dn", "give bind_dn (a DN template such as"
				    " \"uid=%s,ou=people,dc=example,dc=com\") or search_base");
		goto out;
	}
	if (l->bind_dn != NULL && !template_ok(l->bind_dn)) {
		rc = bad("bind_dn", "must hold %s (the user name) and no other % than %%");
		goto out;
	}
	if (l->search_filter != NULL && l->search_base == NULL) {
		rc = bad("search_filter", "needs search_base");
		goto out;
	}
	if (l->search_base != NULL && l->search_filter == NULL) {
		char f[80];

		snprintf(f, sizeof(f), "(%s=%%s)", l->user_attr);
		l->search_filter = strdup(f);
		if (l->search_filter == NULL)
			goto oom;
	}
	if (l->search_filter != NULL) {
		size_t n = strlen(l->search_filter);

		if (!template_ok(l->search_filter) || l->search_filter[0] != '(' ||
		    l->search_filter[n - 1] != ')') {
			rc = bad("search_filter", "must be a filter in parentheses holding %s"
						  " (the user name), such as \"(uid=%s)\"");
			goto out;
		}
	}

	if (l->service_pw != NULL && pw_file != NULL) {
		rc = bad("service_password", "give service_password or service_password_file, not both");
		goto out;
	}
	if (pw_file != NULL && (rc = read_password_file(&l->service_pw, pw_file)) < 0)
		goto out;
	if (l->service_dn != NULL && l->service_pw == NULL) {
		rc = bad("service_password", "is required with service_dn (or service_password_file)");
		goto out;
	}
	if (l->service_dn == NULL && l->service_pw != NULL) {
		rc = bad("service_dn", "is required with a service password");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	rc = folio_error__oom();
out:
	free(pw_file);
	return rc;
}

static pthread_once_t ldap_once = PTHREAD_ONCE_INIT;

/* libldap reads its global defaults (ldap.conf) once; done here, not by two threads at once. */
static void ldap_global_init(void)
{
	int v;

	(void)ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
}

int folio_ldap__open(folio_ldap **out, const char *config_json)
{
	folio_ldap *l;
	json_object *cfg = NULL;
	int rc;

	assert(out != NULL);
	assert(config_json != NULL);
	*out = NULL;
	if (sodium_init() < 0)
		return folio_error_set(FOLIO_ERROR, "ldap: libsodium could not start");
	pthread_once(&ldap_once, ldap_global_init);

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return folio_error__oom();
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		free(l);
		return folio_error_set(FOLIO_ERROR, "ldap: cannot make a mutex");
	}
	randombytes_buf(l->pw_key, sizeof(l->pw_key));
	randombytes_buf(l->name_key, sizeof(l->name_key));

	rc = folio_json__parse(&cfg, config_json, strlen(config_json), CONFIG_MAX, 4);
	if (rc < 0) {
		folio_error__wrap("ldap");
		goto out;
	}
	rc = parse_config(l, cfg);
	if (rc < 0)
		goto out;

	l->nbuckets = 16;
	while (l->nbuckets < l->cache_size)
		l->nbuckets *= 2;
	l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
	if (l->buckets == NULL) {
		rc = folio_error__oom();
		goto out;
	}
	*out = l;
	l = NULL;
out:
	json_object_put(cfg);
	folio_ldap__free(l);
	return rc;
}

void folio_ldap__free(folio_ldap *l)
{
	struct centry *e;
	struct centry *next;

	if (l == NULL)
		return;
	for (e = l->head; e != NULL; e = next) {
		next = e->next;
		centry_free(e);
	}
	free(l->buckets);
	free(l->url);
	free(l->ca_file);
	free(l->bind_dn);
	free(l->search_base);
	free(l->search_filter);
	free(l->service_dn);
	if (l->service_pw != NULL) {
		sodium_memzero(l->service_pw, strlen(l->service_pw));
		free(l->service_pw);
	}
	free(l->group_base);
	free(l->group_attr);
	free(l->user_attr);
	sodium_memzero(l->pw_key, sizeof(l->pw_key));
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* ---- talking to the server ------------------------------------------------------------ */

/* One lookup: a connection, the time it must be done by, what it found. */
struct op {
	folio_ldap *l;
	LDAP *ld;
	double deadline;
};

/* Result codes that mean the server could not be reached or did not answer. */
static int unreachable(int code)
{
	return code == LDAP_SERVER_DOWN || code == LDAP_CONNECT_ERROR || code == LDAP_TIMEOUT ||
	       code == LDAP_UNAVAILABLE || code == LDAP_BUSY || code == LDAP_TIMELIMIT_EXCEEDED;
}

/* Result codes of a user's bind that say no more than "not with this password". */
static int refused(int code)
{
	return code == LDAP_INVALID_CREDENTIALS || code == LDAP_INAPPROPRIATE_AUTH ||
	       code == LDAP_UNWILLING_TO_PERFORM || code == LDAP_INSUFFICIENT_ACCESS ||
	       code == LDAP_INVALID_DN_SYNTAX || code == LDAP_NO_SUCH_OBJECT ||
	       code == LDAP_CONSTRAINT_VIOLATION;
}

/* " (the server's or the TLS library's diagnostic)", or "". */
static void diagnostic(struct op *o, char *buf, size_t size)
{
	char *diag = NULL;

	buf[0] = '\0';
	if (o->ld != NULL &&
	    ldap_get_option(o->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS &&
	    diag != NULL && diag[0] != '\0')
		snprintf(buf, size, diag[0] == '(' ? " %s" : " (%s)", diag);
	ldap_memfree(diag);
}

/*
 * Sets the error for result `code` of `what`: FOLIO_EIO when the server was
 * unreachable, else FOLIO_ERROR. Never holds a password: only the URL, the
 * code's text and the server's or TLS library's diagnostic.
 */
static int op_fail(struct op *o, int code, const char *what)
{
	char detail[256];
	int rc;

	diagnostic(o, detail, sizeof(detail));
	if (unreachable(code))
		rc = folio_error_set(FOLIO_EIO, "LDAP server %s unreachable: %s%s%s%s", o->l->url,
				     ldap_err2string(code), detail, what[0] != '\0' ? ", at " : "",
				     what);
	else
		rc = folio_error_set(FOLIO_ERROR, "LDAP server %s: %s failed: %s%s", o->l->url, what,
				     ldap_err2string(code), detail);
	return rc;
}

/* Waits for the whole answer to `msgid` until the deadline. An LDAP result code. */
static int op_wait(struct op *o, int msgid, LDAPMessage **res)
{
	struct timeval tv;
	double left = o->deadline - now_mono();
	int code = LDAP_OTHER;
	int rc;

	*res = NULL;
	if (left < 0.001)
		left = 0.001;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
	rc = ldap_result(o->ld, msgid, LDAP_MSG_ALL, &tv, res);
	if (rc == 0) {
		ldap_abandon_ext(o->ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		*res = NULL;
		ldap_get_option(o->ld, LDAP_OPT_RESULT_CODE, &code);
		return code != LDAP_SUCCESS ? code : LDAP_OTHER;
	}
	return LDAP_SUCCESS;
}

/* Sets the socket, timeout and TLS options of a new handle. An LDAP result code. */
static int op_options(struct op *o)
{
	folio_ldap *l = o->l;
	struct timeval tv;
	int v3 = LDAP_VERSION3;
	int demand = LDAP_OPT_X_TLS_DEMAND;
	int zero = 0;
	int code;

	tv.tv_sec = (time_t)l->timeout;
	tv.tv_usec = (suseconds_t)((l->timeout - (double)tv.tv_sec) * 1e6);
	code = ldap_set_option(o->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	/* A referral would be followed with an anonymous bind to another server. */
	if (code == LDAP_OPT_SUCCESS)
		code = ldap_set_option(o->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (code == LDAP_OPT_SUCCESS)
		code = ldap_set_option(o->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	if (code == LDAP_OPT_SUCCESS)
		code = ldap_set_option(o->ld, LDAP_OPT_TIMEOUT, &tv);
	if (code != LDAP_OPT_SUCCESS || !l->uses_tls)
		return code;
	/* The certificate is always checked, whatever ldap.conf or LDAPTLS_REQCERT say. */
	code = ldap_set_option(o->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
	if (code == LDAP_OPT_SUCCESS && l->ca_file != NULL)
		code = ldap_set_option(o->ld, LDAP_OPT_X_TLS_CACERTFILE, l->ca_file);
	if (code != LDAP_OPT_SUCCESS)
		return code;
	/* The options above take effect in a TLS context of this handle's own. */
	return ldap_set_option(o->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
}

/* Connects (lazily: the first request connects) and runs StartTLS when configured. */
static int op_open(struct op *o)
{
	LDAPMessage *res = NULL;
	int msgid;
	int code;
	int err = LDAP_OTHER;

	code = ldap_initialize(&o->ld, o->l->url);
	if (code != LDAP_SUCCESS) {
		o->ld = NULL;
		return op_fail(o, code, "ldap_initialize");
	}
	code = op_options(o);
	if (code != LDAP_SUCCESS)
		return folio_error_set(FOLIO_ERROR, "LDAP: cannot set the connection's options: %s",
				       ldap_err2string(code));
	if (!o->l->starttls)
		return 0;

	code = ldap_start_tls(o->ld, NULL, NULL, &msgid);
	if (code == LDAP_SUCCESS)
		code = op_wait(o, msgid, &res);
	if (code == LDAP_SUCCESS)
		code = ldap_parse_result(o->ld, res, &err, NULL, NULL, NULL, NULL, 1);
	else
		ldap_msgfree(res);
	if (code == LDAP_SUCCESS)
		code = err;
	if (code == LDAP_SUCCESS)
		code = ldap_install_tls(o->ld);
	if (code != LDAP_SUCCESS) {
		/* A server that refuses StartTLS, or a certificate that does not verify: no login. */
		char detail[256];

		diagnostic(o, detail, sizeof(detail));
		return folio_error_set(FOLIO_EIO, "LDAP server %s unreachable: StartTLS failed: %s%s",
				       o->l->url, ldap_err2string(code), detail);
	}
	return 0;
}

static void op_close(struct op *o)
{
	if (o->ld != NULL)
		ldap_unbind_ext(o->ld, NULL, NULL);
	o->ld = NULL;
}

/* A simple bind. The LDAP result code (the server's, or libldap's for the connection). */
static int op_bind(struct op *o, const char *dn, const char *password)
{
	struct berval cred;
	LDAPMessage *res = NULL;
	int msgid;
	int code;
	int err = LDAP_OTHER;

	assert(password[0] != '\0');
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	code = ldap_sasl_bind(o->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, &msgid);
	if (code != LDAP_SUCCESS)
		return code;
	code = op_wait(o, msgid, &res);
	if (code != LDAP_SUCCESS)
		return code;
	code = ldap_parse_result(o->ld, res, &err, NULL, NULL, NULL, NULL, 1);
	return code != LDAP_SUCCESS ? code : err;
}

/* Binds as the service account (when there is one). 0 or an error. */
static int op_bind_service(struct op *o)
{
	int code;

	if (o->l->service_dn == NULL)
		return 0;
	code = op_bind(o, o->l->service_dn, o->l->service_pw);
	if (code == LDAP_SUCCESS)
		return 0;
	if (unreachable(code))
		return op_fail(o, code, "bind of the service account");
	return folio_error_set(FOLIO_ERROR,
			       "LDAP server %s: the service account %s could not bind: %s"
			       " (check ldap.service_dn and its password)",
			       o->l->url, o->l->service_dn, ldap_err2string(code));
}

/*
 * A search; *res holds the entries (and the final result). The LDAP result
 * code; LDAP_SIZELIMIT_EXCEEDED comes with the entries up to the limit.
 */
static int op_search(struct op *o, const char *base, int scope, const char *filter,
		     char **attrs, int sizelimit, LDAPMessage **res)
{
	struct timeval tv;
	int msgid;
	int code;
	int err = LDAP_OTHER;

	*res = NULL;
	tv.tv_sec = (time_t)o->l->timeout;
	if (tv.tv_sec < 1)
		tv.tv_sec = 1;
	tv.tv_usec = 0;
	code = ldap_search_ext(o->ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, sizelimit,
			       &msgid);
	if (code != LDAP_SUCCESS)
		return code;
	code = op_wait(o, msgid, res);
	if (code != LDAP_SUCCESS)
		return code;
	code = ldap_parse_result(o->ld, *res, &err, NULL, NULL, NULL, NULL, 0);
	return code != LDAP_SUCCESS ? code : err;
}

/* ---- users and groups ------------------------------------------------------------- */

/* What is known of a user's entry. */
struct user {
	char *dn;
	char *name;  /* canonical */
	char *uid;   /* for posixGroup memberUid */
};

static void user_clear(struct user *u)
{
	ldap_memfree(u->dn);
	free(u->name);
	free(u->uid);
	memset(u, 0, sizeof(*u));
}

/*
 * The value of `attr` that folio can take as a name: the one equal to
 * `given` without regard to ASCII case, else the first valid one. NULL when
 * none (or out of memory).
 */
static char *pick_value(LDAP *ld, LDAPMessage *entry, const char *attr, const char *given)
{
	struct berval **vals = ldap_get_values_len(ld, entry, attr);
	char *first = NULL;
	char *pick = NULL;
	size_t i;

	for (i = 0; vals != NULL && vals[i] != NULL && pick == NULL; i++) {
		char buf[NAME_MAX_LEN + 1];

		if (vals[i]->bv_len == 0 || vals[i]->bv_len > NAME_MAX_LEN)
			continue;
		memcpy(buf, vals[i]->bv_val, vals[i]->bv_len);
		buf[vals[i]->bv_len] = '\0';
		if (strlen(buf) != vals[i]->bv_len || !folio_name__user_valid(buf))
			continue;
		if (given != NULL && strcasecmp(buf, given) == 0)
			pick = strdup(buf);
		else if (first == NULL)
			first = strdup(buf);
	}
	ldap_value_free_len(vals);
	if (pick != NULL) {
		free(first);
		return pick;
	}
	return first;
}

/* Fills u from a user entry; `given` is the name the caller gave. */
static int user_from_entry(struct op *o, struct user *u, LDAPMessage *entry, const char *given)
{
	u->dn = ldap_get_dn(o->ld, entry);
	if (u->dn == NULL)
		return folio_error_set(FOLIO_ERROR, "LDAP: an entry without a DN");
	u->name = pick_value(o->ld, entry, o->l->user_attr, given);
	if (u->name == NULL)
		u->name = strdup(given);
	u->uid = pick_value(o->ld, entry, "uid", given);
	if (u->uid == NULL)
		u->uid = strdup(u->name != NULL ? u->name : given);
	if (u->name == NULL || u->uid == NULL)
		return folio_error__oom();
	return 0;
}

/*
 * Finds the entry of `name` with the configured search, on a connection
 * bound as the service account (or anonymous). 1 (u filled), 0 (no such
 * user), or an error. Two entries for one name: FOLIO_EACCESS, the
 * message of a failed login (nobody logs in as either).
 */
static int find_user(struct op *o, struct user *u, const char *name)
{
	char *attrs[3];
	char *filter = NULL;
	LDAPMessage *res = NULL;
	LDAPMessage *e;
	int code;
	int rc;

	attrs[0] = o->l->user_attr;
	attrs[1] = (char *)"uid";
	attrs[2] = NULL;
	rc = expand(&filter, o->l->search_filter, name, filter_escape);
	if (rc < 0)
		return rc;
	code = op_search(o, o->l->search_base, LDAP_SCOPE_SUBTREE, filter, attrs, 2, &res);
	if (code != LDAP_SUCCESS && code != LDAP_SIZELIMIT_EXCEEDED) {
		rc = op_fail(o, code, "the search for the user");
		goto out;
	}
	if (ldap_count_entries(o->ld, res) > 1 || code == LDAP_SIZELIMIT_EXCEEDED) {
		/* Two entries for one name: nobody, and no hint that the name exists. */
		rc = folio_error_set(FOLIO_EACCESS, BAD_LOGIN);
		goto out;
	}
	e = ldap_first_entry(o->ld, res);
	if (e == NULL) {
		rc = 0;
		goto out;
	}
	rc = user_from_entry(o, u, e, name);
	if (rc == 0)
		rc = 1;
out:
	ldap_msgfree(res);
	free(filter);
	return rc;
}

/*
 * Reads the entry at `dn` (a base search). 1 (u filled), 0 (no such entry
 * or not readable), or an error.
 */
static int read_user(struct op *o, struct user *u, const char *dn, const char *name)
{
	char *attrs[3];
	LDAPMessage *res = NULL;
	LDAPMessage *e;
	int code;
	int rc = 0;

	attrs[0] = o->l->user_attr;
	attrs[1] = (char *)"uid";
	attrs[2] = NULL;
	code = op_search(o, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 1, &res);
	if (code == LDAP_NO_SUCH_OBJECT || code == LDAP_INVALID_DN_SYNTAX ||
	    code == LDAP_INSUFFICIENT_ACCESS)
		goto out;
	if (code != LDAP_SUCCESS) {
		rc = op_fail(o, code, "reading the user's entry");
		goto out;
	}
	e = ldap_first_entry(o->ld, res);
	if (e == NULL)
		goto out;
	rc = user_from_entry(o, u, e, name);
	if (rc == 0)
		rc = 1;
out:
	ldap_msgfree(res);
	return rc;
}

/* The groups found so far: their DNs (a cycle ends at one seen) and names. */
struct groups {
	char **dns;
	size_t n_dns;
	char **names;
	int n_names;
	size_t alloc;
};

static void groups_clear(struct groups *g)
{
	size_t i;

	for (i = 0; i < g->n_dns; i++)
		ldap_memfree(g->dns[i]);
	free(g->dns);
	for (i = 0; i < (size_t)g->n_names; i++)
		free(g->names[i]);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

static int seen(const struct groups *g, const char *dn)
{
	size_t i;

	for (i = 0; i < g->n_dns; i++) {
		if (strcasecmp(g->dns[i], dn) == 0)
			return 1;
	}
	return 0;
}

/* Adds a group entry: 1 (new), 0 (seen before), or an error. Takes over dn. */
static int groups_add(struct groups *g, char *dn, char *name)
{
	int i;

	if (seen(g, dn)) {
		ldap_memfree(dn);
		free(name);
		return 0;
	}
	if (g->n_dns >= GROUPS_MAX) {
		ldap_memfree(dn);
		free(name);
		return folio_error_set(FOLIO_ETOOBIG, "LDAP: the user is in more than %d groups",
				       GROUPS_MAX);
	}
	if (g->n_dns == g->alloc) {
		size_t n = g->alloc == 0 ? 16 : g->alloc * 2;
		char **dns = realloc(g->dns, n * sizeof(char *));
		char **names;

		if (dns != NULL)
			g->dns = dns;
		names = realloc(g->names, (n + 1) * sizeof(char *));
		if (names != NULL)
			g->names = names;
		if (dns == NULL || names == NULL) {
			ldap_memfree(dn);
			free(name);
			return folio_error__oom();
		}
		g->alloc = n;
	}
	g->dns[g->n_dns++] = dn;
	if (name == NULL)
		return 1;
	for (i = 0; i < g->n_names; i++) {
		if (strcmp(g->names[i], name) == 0) {
			free(name);
			return 1;
		}
	}
	g->names[g->n_names++] = name;
	return 1;
}

/* Runs one group search and adds what it finds. */
static int group_search(struct op *o, struct groups *g, const char *filter)
{
	char *attrs[2];
	LDAPMessage *res = NULL;
	LDAPMessage *e;
	int code;
	int rc = 0;

	attrs[0] = o->l->group_attr;
	attrs[1] = NULL;
	code = op_search(o, o->l->group_base, LDAP_SCOPE_SUBTREE, filter, attrs, LDAP_NO_LIMIT,
			 &res);
	if (code != LDAP_SUCCESS) {
		rc = op_fail(o, code, "the search for groups");
		goto out;
	}
	for (e = ldap_first_entry(o->ld, res); e != NULL && rc >= 0;
	     e = ldap_next_entry(o->ld, e)) {
		char *dn = ldap_get_dn(o->ld, e);

		if (dn == NULL)
			continue;
		rc = groups_add(g, dn, pick_value(o->ld, e, o->l->group_attr, NULL));
	}
out:
	ldap_msgfree(res);
	return rc < 0 ? rc : 0;
}

/*
 * The user's groups: those that name it (member, uniqueMember, memberUid),
 * then, when nested, the groups that name those, one search per level and
 * FRONTIER_CHUNK groups.
 */
static int find_groups(struct op *o, struct groups *g, const struct user *u)
{
	folio_buf f;
	size_t from;
	size_t to;
	size_t i;
	int depth;
	int rc;

	if (o->l->group_base == NULL)
		return 0;
	folio_buf__init(&f, FILTER_MAX);
	rc = folio_buf__adds(&f, "(|(member=");
	if (rc == 0)
		rc = filter_escape(&f, u->dn);
	if (rc == 0)
		rc = folio_buf__adds(&f, ")(uniqueMember=");
	if (rc == 0)
		rc = filter_escape(&f, u->dn);
	if (rc == 0)
		rc = folio_buf__adds(&f, ")(&(objectClass=posixGroup)(memberUid=");
	if (rc == 0)
		rc = filter_escape(&f, u->uid);
	if (rc == 0)
		rc = folio_buf__adds(&f, ")))");
	if (rc == 0)
		rc = group_search(o, g, f.data);

	from = 0;
	for (depth = 1; rc == 0 && o->l->nested && depth < NESTING_MAX && from < g->n_dns;
	     depth++) {
		to = g->n_dns;
		for (i = from; i < to && rc == 0; i++) {
			if ((i - from) % FRONTIER_CHUNK == 0) {
				folio_buf__reset(&f);
				rc = folio_buf__adds(&f, "(|");
			}
			if (rc == 0)
				rc = folio_buf__adds(&f, "(member=");
			if (rc == 0)
				rc = filter_escape(&f, g->dns[i]);
			if (rc == 0)
				rc = folio_buf__adds(&f, ")(uniqueMember=");
			if (rc == 0)
				rc = filter_escape(&f, g->dns[i]);
			if (rc == 0)
				rc = folio_buf__adds(&f, ")");
			if (rc == 0 && ((i - from) % FRONTIER_CHUNK == FRONTIER_CHUNK - 1 || i + 1 == to)) {
				rc = folio_buf__adds(&f, ")");
				if (rc == 0)
					rc = group_search(o, g, f.data);
			}
		}
		from = to;
	}
	folio_buf__free(&f);
	return rc;
}

/* out (empty) takes the user's canonical name and the group names. */
static int ident_take(folio_ident *out, folio_ident_kind kind, struct user *u, struct groups *g)
{
	out->kind = kind;
	out->user = u->name;
	u->name = NULL;
	if (g->names == NULL) {
		g->names = calloc(1, sizeof(char *));
		if (g->names == NULL) {
			free(out->user);
			out->user = NULL;
			return folio_error__oom();
		}
	}
	g->names[g->n_names] = NULL;
	out->groups = g->names;
	out->n_groups = g->n_names;
	g->names = NULL;
	g->n_names = 0;
	out->loaded = now_mono();
	return 0;
}

/*
 * A write to a socket the server has closed raises SIGPIPE, which would end
 * the process: it is blocked on this thread while libldap works, and one
 * raised meanwhile is taken off (as curl does).
 */
struct sigpipe {
	sigset_t old;
	int restore;
};

static void sigpipe_block(struct sigpipe *s)
{
	sigset_t set;
	sigset_t pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	s->restore = 0;
	if (pthread_sigmask(SIG_BLOCK, &set, &s->old) != 0)
		return;
	sigpending(&pending);
	/* Already blocked, or one already pending: that one is not ours to take. */
	s->restore = !sigismember(&s->old, SIGPIPE) && !sigismember(&pending, SIGPIPE) ? 1 : 2;
}

static void sigpipe_restore(struct sigpipe *s)
{
	sigset_t set;
	sigset_t pending;
	struct timespec zero = {0, 0};

	if (s->restore == 0)
		return;
	if (s->restore == 1) {
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE))
			(void)sigtimedwait(&set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &s->old, NULL);
}

/* The server's answer for a login. 1, 0, or an error. */
static int auth_remote(folio_ldap *l, folio_ident *out, const char *name, const char *password)
{
	struct op o = {l, NULL, now_mono() + l->timeout};
	struct user u = {NULL, NULL, NULL};
	struct groups g;
	struct sigpipe sp;
	char *dn = NULL;
	int code;
	int rc;

	memset(&g, 0, sizeof(g));
	sigpipe_block(&sp);
	rc = op_open(&o);
	if (rc < 0)
		goto out;

	if (l->search_base != NULL) {
		rc = op_bind_service(&o);
		if (rc == 0)
			rc = find_user(&o, &u, name);
		if (rc <= 0)
			goto out;
		code = op_bind(&o, u.dn, password);
	} else {
		rc = expand(&dn, l->bind_dn, name, dn_escape);
		if (rc < 0)
			goto out;
		code = op_bind(&o, dn, password);
	}

	if (code != LDAP_SUCCESS) {
		if (unreachable(code)) {
			rc = op_fail(&o, code, "bind");
		} else if (!refused(code)) {
			rc = op_fail(&o, code, "bind as the user");
		} else if (l->search_base == NULL && l->service_dn != NULL) {
			/* A template DN: the service account tells an unknown name from a bad password. */
			rc = op_bind_service(&o);
			if (rc == 0)
				rc = read_user(&o, &u, dn, name);
			if (rc == 1)
				rc = folio_error_set(FOLIO_EACCESS, BAD_LOGIN);
		} else {
			rc = folio_error_set(FOLIO_EACCESS, BAD_LOGIN);
		}
		goto out;
	}

	/* Authenticated. The rest is read as the service account when there is one. */
	rc = op_bind_service(&o);
	if (rc < 0)
		goto out;
	if (u.dn == NULL) {
		rc = read_user(&o, &u, dn, name);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			/* Bound, but the entry is not readable: the DN and the name as given. */
			u.dn = ldap_strdup(dn);
			u.name = strdup(name);
			u.uid = strdup(name);
			if (u.dn == NULL || u.name == NULL || u.uid == NULL) {
				rc = folio_error__oom();
				goto out;
			}
		}
	}
	rc = find_groups(&o, &g, &u);
	if (rc == 0)
		rc = ident_take(out, FOLIO_IDENT_LOGIN, &u, &g);
	if (rc == 0)
		rc = 1;
out:
	op_close(&o);
	sigpipe_restore(&sp);
	groups_clear(&g);
	user_clear(&u);
	free(dn);
	return rc;
}

/* The server's answer for a group lookup. 1, 0, or an error. */
static int groups_remote(folio_ldap *l, folio_ident *out, const char *name)
{
	struct op o = {l, NULL, now_mono() + l->timeout};
	struct user u = {NULL, NULL, NULL};
	struct groups g;
	struct sigpipe sp;
	char *dn = NULL;
	int rc;

	memset(&g, 0, sizeof(g));
	sigpipe_block(&sp);
	rc = op_open(&o);
	if (rc == 0)
		rc = op_bind_service(&o);
	if (rc < 0)
		goto out;
	if (l->search_base != NULL) {
		rc = find_user(&o, &u, name);
		if (rc == FOLIO_EACCESS) /* two entries: nobody */
			rc = 0;
	} else {
		rc = expand(&dn, l->bind_dn, name, dn_escape);
		if (rc == 0)
			rc = read_user(&o, &u, dn, name);
	}
	if (rc <= 0)
		goto out;
	rc = find_groups(&o, &g, &u);
	if (rc == 0)
		rc = ident_take(out, FOLIO_IDENT_TRUSTED, &u, &g);
	if (rc == 0)
		rc = 1;
out:
	op_close(&o);
	sigpipe_restore(&sp);
	groups_clear(&g);
	user_clear(&u);
	free(dn);
	return rc;
}

/* A name LDAP could hold and folio could use; others are unknown without asking. */
static int name_ok(const char *name)
{
	return strlen(name) <= NAME_MAX_LEN && folio_name__user_valid(name);
}

int folio_ldap__authenticate(folio_ldap *l, folio_ident *out, const char *name,
			     const char *password)
{
	unsigned char pw[crypto_generichash_BYTES];
	int rc;

	assert(l != NULL);
	assert(out != NULL);
	assert(name != NULL);
	assert(password != NULL);
	memset(out, 0, sizeof(*out));
	if (!name_ok(name))
		return 0;
	/* Never sent: with a DN, an empty password is an anonymous bind that "succeeds". */
	if (password[0] == '\0')
		return folio_error_set(FOLIO_EACCESS, BAD_LOGIN);

	pw_hash(l, pw, name, password);
	rc = cache_get(l, out, FOLIO_IDENT_LOGIN, name, pw);
	if (rc != 0)
		goto out;
	rc = auth_remote(l, out, name, password);
	if (rc == 1)
		cache_put(l, name, pw, out);
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

int folio_ldap__groups(folio_ldap *l, folio_ident *out, const char *name)
{
	int rc;

	assert(l != NULL);
	assert(out != NULL);
	assert(name != NULL);
	memset(out, 0, sizeof(*out));
	if (!name_ok(name))
		return 0;
	/* Without the user's password, a template DN can only be read by the service account. */
	if (l->search_base == NULL && l->service_dn == NULL)
		return 0;
	rc = cache_get(l, out, FOLIO_IDENT_TRUSTED, name, NULL);
	if (rc != 0)
		return rc;
	rc = groups_remote(l, out, name);
	if (rc == 1)
		cache_put(l, name, NULL, out);
	return rc;
}
