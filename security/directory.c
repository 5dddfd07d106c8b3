/*
 * The directories, in their configured order: the built-in one (users.c)
 * and LDAP (ldap.c). The first that knows a name decides; one that cannot
 * be reached is an error, never a reason to ask the next.
 *
 * Kept per Server, under one mutex:
 *  - the configuration (order, the cache's time to live, the LDAP handle),
 *    reference-counted so that a reconfiguration never frees what a login
 *    on another thread is using;
 *  - a bounded cache of identities (name -> directory, groups, disabled),
 *    each kept for the time to live; any change to the built-in directory
 *    through this Server empties it and moves the generation on, so that
 *    Sessions of this process see the change at their next use, and
 *    Sessions of other processes after the time to live;
 *  - the failed logins per name, which slow down the next attempt for that
 *    name: 0.1 s after one failure, doubling up to 2 s, forgotten 5 minutes
 *    after the last failure or at a success. The wait comes before the
 *    answer of every attempt (a right password included), so a caller
 *    cannot tell the outcome by giving up early, and attempts in parallel
 *    count as failures to come.
 *
 * Timing: a login for a name no directory knows verifies the password
 * against a dummy hash, and a disabled user's password is verified too, so
 * every failure costs one argon2id verification whatever its cause.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"
#include "directory.h"

#define CACHE_MAX 256
#define FAIL_MAX 1024
#define FAIL_BASE 0.1     /* seconds before the attempt after a first failure */
#define FAIL_CAP 2.0      /* the longest wait */
#define FAIL_WINDOW 300.0 /* failures are forgotten this long after the last one */
#define TTL_MAX 86400.0

static const char *const login_failed = "invalid user name or password";

typedef struct dsetup {
	int order[2];
	int n_order;
	double ttl;
	folio_ldap *ldap;
	int ldap_lookup; /* LDAP can look a user up without its password (see ldap.c) */
	int refs;        /* under the dirconf's mutex */
} dsetup;

/* What the directories say of one name. */
typedef struct dentry {
	char *key;  /* the name asked for */
	char *user; /* the canonical name */
	int status; /* 0, or FOLIO_EACCESS: a disabled built-in user */
	int source; /* FOLIO_DIR_* */
	char **groups;
	int n_groups;
	double loaded;
	uint64_t gen;
} dentry;

typedef struct fentry {
	char *key;
	int count;    /* failures in the window */
	int inflight; /* attempts under way that waited */
	double last;
} fentry;

struct folio_dirconf {
	pthread_mutex_t mu;
	dsetup *setup;
	uint64_t gen;
	dentry cache[CACHE_MAX];
	int n_cache;
	fentry fail[FAIL_MAX];
	int n_fail;
};

double folio_dir__now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_for(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- identities ---- */

static void groups_free(char **g)
{
	for (int i = 0; g && g[i]; i++)
		free(g[i]);
	free(g);
}

void folio_ident__free(folio_ident *id)
{
	if (!id)
		return;
	free(id->user);
	groups_free(id->groups);
	memset(id, 0, sizeof(*id));
}

/* A NULL-terminated copy of n names. */
static char **groups_dup(char *const *g, int n)
{
	char **c = calloc((size_t)n + 1, sizeof(*c));

	if (!c) {
		folio_error__oom();
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		c[i] = folio__strdup(g[i]);
		if (!c[i]) {
			groups_free(c);
			return NULL;
		}
	}
	return c;
}

static void dentry_clear(dentry *e)
{
	free(e->key);
	free(e->user);
	groups_free(e->groups);
	memset(e, 0, sizeof(*e));
}

static int dentry_copy(dentry *to, const dentry *from)
{
	*to = *from;
	to->key = folio__strdup(from->key);
	to->user = folio__strdup(from->user);
	to->groups = groups_dup(from->groups, from->n_groups);
	if (!to->key || !to->user || !to->groups) {
		dentry_clear(to);
		return FOLIO_ENOMEM;
	}
	return 0;
}

/* ---- configuration ---- */

static dsetup *setup_default(void)
{
	dsetup *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->order[0] = FOLIO_DIR_BUILTIN;
	s->n_order = 1;
	s->ttl = FOLIO_DIR_DEFAULT_TTL;
	s->refs = 1;
	return s;
}

static void setup_free(dsetup *s)
{
	if (!s)
		return;
	folio_ldap__free(s->ldap);
	free(s);
}

static dsetup *setup_get(folio_dirconf *d, uint64_t *gen)
{
	dsetup *s;

	pthread_mutex_lock(&d->mu);
	s = d->setup;
	s->refs++;
	if (gen)
		*gen = d->gen;
	pthread_mutex_unlock(&d->mu);
	return s;
}

static void setup_put(folio_dirconf *d, dsetup *s)
{
	int last;

	pthread_mutex_lock(&d->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&d->mu);
	if (last)
		setup_free(s);
}

int folio_dir__new(folio_dirconf **out)
{
	folio_dirconf *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return folio_error__oom();
	d->setup = setup_default();
	if (!d->setup) {
		free(d);
		return folio_error__oom();
	}
	pthread_mutex_init(&d->mu, NULL);
	*out = d;
	return 0;
}

static void cache_flush(folio_dirconf *d)
{
	for (int i = 0; i < d->n_cache; i++)
		dentry_clear(&d->cache[i]);
	d->n_cache = 0;
	d->gen++;
}

void folio_dir__free(folio_dirconf *d)
{
	if (!d)
		return;
	cache_flush(d);
	for (int i = 0; i < d->n_fail; i++)
		free(d->fail[i].key);
	setup_free(d->setup);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void folio_dir__changed(folio_server *srv)
{
	pthread_mutex_lock(&srv->dir->mu);
	cache_flush(srv->dir);
	pthread_mutex_unlock(&srv->dir->mu);
}

static int parse_order(dsetup *s, json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) < 1 ||
	    json_object_array_length(v) > 2)
		return folio_error_set(FOLIO_EINVALID,
				       "directory.order: an array of \"builtin\" and/or \"ldap\" "
				       "is expected");
	n = json_object_array_length(v);
	s->n_order = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *name =
			json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "";
		int which = !strcmp(name, "builtin") ? FOLIO_DIR_BUILTIN
			    : !strcmp(name, "ldap")  ? FOLIO_DIR_LDAP
						     : 0;
		if (!which)
			return folio_error_set(FOLIO_EINVALID,
					       "directory.order: \"builtin\" or \"ldap\" expected, "
					       "not %.40s",
					       json_object_to_json_string(e));
		if (s->n_order == 1 && s->order[0] == which)
			return folio_error_set(FOLIO_EINVALID, "directory.order: \"%s\" twice",
					       name);
		s->order[s->n_order++] = which;
	}
	return 0;
}

int folio_dir__configure(folio_server *srv, json_object *dir)
{
	folio_dirconf *d = srv->dir;
	json_object *ldap = NULL;
	int has_order = 0, wants_ldap = 0, rc = 0;
	dsetup *s = setup_default(), *old;

	if (!s)
		return folio_error__oom();
	if (dir && !json_object_is_type(dir, json_type_object)) {
		rc = folio_error_set(FOLIO_EINVALID, "directory: an object is expected");
		goto out;
	}
	if (dir) {
		json_object_object_foreach(dir, key, val)
		{
			if (!strcmp(key, "order")) {
				rc = parse_order(s, val);
				has_order = 1;
			} else if (!strcmp(key, "cache_ttl")) {
				double t = json_object_get_double(val);
				if ((!json_object_is_type(val, json_type_int) &&
				     !json_object_is_type(val, json_type_double)) ||
				    !(t >= 0 && t <= TTL_MAX))
					rc = folio_error_set(
						FOLIO_EINVALID,
						"directory.cache_ttl: seconds from 0 to "
						"%.0f expected",
						TTL_MAX);
				s->ttl = t;
			} else if (!strcmp(key, "ldap")) {
				if (!json_object_is_type(val, json_type_object))
					rc = folio_error_set(
						FOLIO_EINVALID,
						"directory.ldap: an object is expected");
				ldap = val;
			} else {
				rc = folio_error_set(FOLIO_EINVALID, "directory.%.40s: unknown key",
						     key);
			}
			if (rc < 0)
				goto out;
		}
	}
	/* LDAP without an order: the built-in directory first. */
	if (ldap && !has_order) {
		s->order[s->n_order++] = FOLIO_DIR_LDAP;
	}
	for (int i = 0; i < s->n_order; i++)
		wants_ldap |= s->order[i] == FOLIO_DIR_LDAP;
	if (wants_ldap && !ldap) {
		rc = folio_error_set(
			FOLIO_EINVALID,
			"directory.order names \"ldap\" but there is no directory.ldap");
		goto out;
	}
	if (ldap && !wants_ldap) {
		rc = folio_error_set(FOLIO_EINVALID,
				     "directory.ldap is given but directory.order does not name "
				     "\"ldap\"");
		goto out;
	}
	if (ldap) {
		/* As ldap.c decides: a search, or a template DN read by the service account. */
		s->ldap_lookup = json_object_object_get_ex(ldap, "search_base", NULL) ||
				 json_object_object_get_ex(ldap, "service_dn", NULL);
		rc = folio_ldap__open(&s->ldap,
				      json_object_to_json_string_ext(ldap, JSON_C_TO_STRING_PLAIN));
		if (rc < 0) {
			s->ldap = NULL;
			folio_error__wrap("directory.ldap");
			goto out;
		}
	}
	pthread_mutex_lock(&d->mu);
	old = d->setup;
	d->setup = s;
	s = NULL;
	cache_flush(d);
	pthread_mutex_unlock(&d->mu);
	setup_put(d, old);
out:
	setup_free(s);
	return rc;
}

/* ---- the cache ---- */

/* A copy of the cached entry for key, if fresh. 1: found, 0: not, or FOLIO_ENOMEM. */
static int cache_get(dentry *out, folio_dirconf *d, const char *key, double ttl)
{
	double now = folio_dir__now();
	int rc = 0;

	pthread_mutex_lock(&d->mu);
	for (int i = 0; i < d->n_cache; i++) {
		dentry *e = &d->cache[i];
		if (strcmp(e->key, key) != 0)
			continue;
		if (e->gen == d->gen && now - e->loaded < ttl)
			rc = dentry_copy(out, e) == 0 ? 1 : FOLIO_ENOMEM;
		break;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static void cache_put(folio_dirconf *d, const dentry *e, double ttl)
{
	dentry copy;
	int at = -1;

	if (ttl <= 0 || dentry_copy(&copy, e) < 0)
		return;
	pthread_mutex_lock(&d->mu);
	if (e->gen != d->gen) {
		/* The directory changed while this was read. */
		pthread_mutex_unlock(&d->mu);
		dentry_clear(&copy);
		return;
	}
	for (int i = 0; i < d->n_cache && at < 0; i++)
		if (!strcmp(d->cache[i].key, e->key))
			at = i;
	if (at < 0 && d->n_cache < CACHE_MAX)
		at = d->n_cache++;
	if (at < 0) {
		/* Full: the oldest goes. */
		at = 0;
		for (int i = 1; i < d->n_cache; i++)
			if (d->cache[i].loaded < d->cache[at].loaded)
				at = i;
	}
	dentry_clear(&d->cache[at]);
	d->cache[at] = copy;
	pthread_mutex_unlock(&d->mu);
}

/* ---- reading the directories ---- */

/* Adds the n names of src to the sorted, NULL-terminated *dst (of *n_dst), skipping `self`. */
static int merge(char ***dst, int *n_dst, char *const *src, int n, const char *self)
{
	char **all = calloc((size_t)(*n_dst + n) + 1, sizeof(*all));
	int k = 0;

	if (!all)
		return folio_error__oom();
	for (int i = 0; i < *n_dst; i++)
		all[k++] = (*dst)[i];
	for (int i = 0; i < n; i++) {
		int dup = !strcmp(src[i], self);
		for (int j = 0; !dup && j < k; j++)
			dup = !strcmp(all[j], src[i]);
		if (dup)
			continue;
		all[k] = folio__strdup(src[i]);
		if (!all[k]) {
			free(all);
			return FOLIO_ENOMEM;
		}
		k++;
	}
	for (int i = 1; i < k; i++) {
		char *t = all[i];
		int j = i;
		while (j > 0 && strcmp(all[j - 1], t) > 0) {
			all[j] = all[j - 1];
			j--;
		}
		all[j] = t;
	}
	free(*dst);
	*dst = all;
	*n_dst = k;
	return 0;
}

/*
 * The groups of `user` (canonical) with the groups LDAP gave it (may be
 * none): those and every built-in group any of them is in, transitively.
 */
static int expand(char ***out, int *n_out, folio_cx *cx, const char *user, char *const *ldap_groups,
		  int n_ldap)
{
	const char **start = calloc((size_t)n_ldap + 1, sizeof(*start));
	char **up = NULL;
	int n_up = 0, rc;

	*out = NULL;
	*n_out = 0;
	if (!start)
		return folio_error__oom();
	start[0] = user;
	for (int i = 0; i < n_ldap; i++)
		start[i + 1] = ldap_groups[i];
	rc = folio_user__expand(&up, &n_up, cx, start, n_ldap + 1);
	free(start);
	if (rc == 0)
		rc = merge(&up, &n_up, ldap_groups, n_ldap, user);
	if (rc < 0) {
		groups_free(up);
		return rc;
	}
	*out = up;
	*n_out = n_up;
	return 0;
}

/* With the Session's connection, or one from the pool. */
static int with_cx(folio_cx **cx, folio_server *srv, folio_cx *given)
{
	if (given) {
		*cx = given;
		return 0;
	}
	return folio_pool__acquire(cx, srv);
}

static void done_cx(folio_server *srv, folio_cx *cx, folio_cx *given)
{
	if (cx && cx != given)
		folio_pool__release(srv, cx);
}

/* What the directories say of a name whose owner is trusted (no password). */
static int read_entry(dentry *e, folio_server *srv, folio_cx *given, const dsetup *s,
		      const char *name, uint64_t gen)
{
	folio_ident t = {0};
	folio_cx *cx = NULL;
	int rc = 0, disabled = 0;

	memset(e, 0, sizeof(*e));
	e->loaded = folio_dir__now();
	e->gen = gen;
	for (int i = 0; i < s->n_order && !e->source; i++) {
		if (s->order[i] == FOLIO_DIR_BUILTIN) {
			rc = with_cx(&cx, srv, given);
			if (rc == 0)
				rc = folio_user__find(NULL, &disabled, cx, name);
			if (rc == 1) {
				e->source = FOLIO_DIR_BUILTIN;
				e->status = disabled ? FOLIO_EACCESS : 0;
			}
		} else {
			rc = folio_ldap__groups(s->ldap, &t, name);
			if (rc == 1)
				e->source = FOLIO_DIR_LDAP;
			else
				folio_ident__free(&t);
		}
		if (rc < 0)
			goto out;
	}
	rc = 0;
	e->key = folio__strdup(name);
	e->user = folio__strdup(t.user ? t.user : name);
	if (!e->key || !e->user) {
		rc = FOLIO_ENOMEM;
		goto out;
	}
	if (e->status == 0) {
		if (!cx)
			rc = with_cx(&cx, srv, given);
		if (rc == 0)
			rc = expand(&e->groups, &e->n_groups, cx, e->user, t.groups, t.n_groups);
	} else {
		e->groups = calloc(1, sizeof(char *));
		if (!e->groups)
			rc = folio_error__oom();
	}
out:
	done_cx(srv, cx, given);
	folio_ident__free(&t);
	if (rc < 0)
		dentry_clear(e);
	return rc;
}

/* The Session's identity loses its groups for good. */
static int revoke(folio_ident *id)
{
	groups_free(id->groups);
	id->groups = calloc(1, sizeof(char *));
	id->n_groups = 0;
	id->revoked = 1;
	return folio_error_set(FOLIO_EACCESS, "user %s is disabled or was removed",
			       id->user ? id->user : "(unknown)");
}

/* Brings id up to date (see folio_dir__refresh), with `given` or a pooled connection. */
static int update(folio_ident *id, folio_server *srv, folio_cx *given, const char *user)
{
	folio_dirconf *d = srv->dir;
	uint64_t gen;
	dsetup *s = setup_get(d, &gen);
	dentry e = {0};
	char **g = NULL;
	int rc;

	if (id->revoked) {
		rc = revoke(id);
		goto out;
	}
	rc = cache_get(&e, d, user, s->ttl);
	if (rc == 0) {
		rc = read_entry(&e, srv, given, s, user, gen);
		if (rc == 0)
			cache_put(d, &e, s->ttl);
	}
	if (rc < 0)
		goto out;
	rc = 0;
	/*
	 * LDAP without a way to look a user up (a bind DN template and no service
	 * account) knows users only when they log in: what the login found stays.
	 */
	if (id->source == FOLIO_DIR_LDAP && e.source == FOLIO_DIR_NONE && !s->ldap_lookup) {
		id->loaded = e.loaded;
		id->gen = e.gen;
		goto out;
	}
	/* Disabled, or no longer in the directory that knew the user. */
	if (e.status < 0 || (id->source != FOLIO_DIR_NONE && e.source != id->source)) {
		rc = revoke(id);
		goto out;
	}
	g = groups_dup(e.groups, e.n_groups);
	if (!g) {
		rc = FOLIO_ENOMEM;
		goto out;
	}
	if (!id->user) {
		id->user = folio__strdup(e.user);
		if (!id->user) {
			groups_free(g);
			rc = FOLIO_ENOMEM;
			goto out;
		}
	}
	groups_free(id->groups);
	id->groups = g;
	id->n_groups = e.n_groups;
	id->loaded = e.loaded;
	id->gen = e.gen;
	if (id->source == FOLIO_DIR_NONE)
		id->source = e.source;
out:
	dentry_clear(&e);
	setup_put(d, s);
	return rc;
}

int folio_dir__groups(folio_ident *out, folio_server *srv, const char *user)
{
	return update(out, srv, NULL, user);
}

int folio_dir__refresh(folio_session *ses)
{
	folio_dirconf *d = ses->srv->dir;
	folio_ident *id = &ses->id;
	double ttl;
	uint64_t gen;
	folio_cx *cx;
	int rc;

	if (id->kind == FOLIO_IDENT_ADMIN || id->kind == FOLIO_IDENT_ANONYMOUS)
		return 0;
	if (id->revoked)
		return revoke(id);
	pthread_mutex_lock(&d->mu);
	ttl = d->setup->ttl;
	gen = d->gen;
	pthread_mutex_unlock(&d->mu);
	if (id->groups && id->gen == gen && folio_dir__now() - id->loaded < ttl)
		return 0;
	rc = folio_session__rcx(ses, &cx);
	if (rc < 0)
		return rc;
	rc = update(id, ses->srv, cx, id->user);
	folio_session__rdone(ses, cx);
	return rc;
}

/* ---- failed logins ---- */

static fentry *fail_find(folio_dirconf *d, const char *key)
{
	for (int i = 0; i < d->n_fail; i++)
		if (!strcmp(d->fail[i].key, key))
			return &d->fail[i];
	return NULL;
}

/* The wait before an attempt for key; *counted: the attempt was counted as under way. */
static double fail_enter(folio_dirconf *d, const char *key, int *counted)
{
	double now = folio_dir__now(), wait = 0;
	fentry *f;

	*counted = 0;
	pthread_mutex_lock(&d->mu);
	f = fail_find(d, key);
	if (f && now - f->last > FAIL_WINDOW)
		f->count = 0;
	if (f && f->count > 0) {
		int n = f->count - 1 + f->inflight;
		wait = n >= 5 ? FAIL_CAP : fmin(FAIL_BASE * (double)(1 << n), FAIL_CAP);
		f->inflight++;
		*counted = 1;
	}
	pthread_mutex_unlock(&d->mu);
	return wait;
}

static void fail_leave(folio_dirconf *d, const char *key, int failed, int counted)
{
	double now = folio_dir__now();
	fentry *f;

	pthread_mutex_lock(&d->mu);
	f = fail_find(d, key);
	if (f && counted && f->inflight > 0)
		f->inflight--;
	if (!failed) {
		if (f && f->inflight == 0) {
			free(f->key);
			*f = d->fail[--d->n_fail];
		} else if (f) {
			f->count = 0;
		}
		goto out;
	}
	if (!f) {
		char *k = folio__strdup(key);
		if (!k)
			goto out;
		if (d->n_fail == FAIL_MAX) {
			/* Full: the entry whose last failure is oldest goes. */
			int old = 0;
			for (int i = 1; i < d->n_fail; i++)
				if (d->fail[i].last < d->fail[old].last)
					old = i;
			free(d->fail[old].key);
			d->fail[old] = d->fail[--d->n_fail];
		}
		f = &d->fail[d->n_fail++];
		memset(f, 0, sizeof(*f));
		f->key = k;
	}
	if (now - f->last > FAIL_WINDOW)
		f->count = 0;
	if (f->count < 64)
		f->count++;
	f->last = now;
out:
	pthread_mutex_unlock(&d->mu);
}

/* ---- authentication ---- */

/*
 * Asks the directories in order. 0: authenticated (*source, and LDAP's
 * canonical name and groups in *t); FOLIO_EACCESS: refused; another error:
 * a directory could not answer. *verified: an argon2id verification ran.
 */
static int check_password(int *source, folio_ident *t, int *verified, folio_server *srv,
			  const dsetup *s, const char *name, const char *password)
{
	int rc = FOLIO_EACCESS;

	*source = FOLIO_DIR_NONE;
	*verified = 0;
	if (!name || !password || !folio_name__user_valid(name) || folio_user__reserved(name))
		return FOLIO_EACCESS;
	for (int i = 0; i < s->n_order; i++) {
		if (s->order[i] == FOLIO_DIR_BUILTIN) {
			char *hash = NULL;
			int disabled = 0, ok;
			folio_cx *cx;

			rc = folio_pool__acquire(&cx, srv);
			if (rc < 0)
				return rc;
			rc = folio_user__find(&hash, &disabled, cx, name);
			/* Not held while the hash is checked (about 0.1 s). */
			folio_pool__release(srv, cx);
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue;
			ok = folio_pw__verify(hash, password);
			*verified = 1;
			free(hash);
			if (!ok || disabled)
				return FOLIO_EACCESS;
			*source = FOLIO_DIR_BUILTIN;
			return 0;
		}
		rc = folio_ldap__authenticate(s->ldap, t, name, password);
		if (rc == 1) {
			*source = FOLIO_DIR_LDAP;
			return 0;
		}
		folio_ident__free(t);
		if (rc < 0)
			return rc; /* a wrong password, or LDAP could not be asked */
	}
	return FOLIO_EACCESS;
}

int folio_dir__authenticate(folio_ident *out, folio_server *srv, const char *name,
			    const char *password)
{
	folio_dirconf *d = srv->dir;
	folio_ident t = {0};
	folio_cx *cx = NULL;
	const char *key = name ? name : "";
	char key_buf[160];
	int rc, source, verified, counted;
	uint64_t gen;
	dsetup *s;

	memset(out, 0, sizeof(*out));
	/* The key of the failure count: the name, cut short (an invalid name counts too). */
	snprintf(key_buf, sizeof(key_buf), "%s", key);
	key = key_buf;
	sleep_for(fail_enter(d, key, &counted));
	s = setup_get(d, &gen);
	rc = check_password(&source, &t, &verified, srv, s, name, password);
	if (rc == FOLIO_EACCESS && !verified)
		folio_pw__dummy(password);
	if (rc == 0) {
		out->kind = FOLIO_IDENT_LOGIN;
		out->source = source;
		out->gen = gen;
		out->loaded = folio_dir__now();
		out->user = folio__strdup(t.user ? t.user : name);
		rc = out->user ? 0 : FOLIO_ENOMEM;
		if (rc == 0)
			rc = folio_pool__acquire(&cx, srv);
		if (rc == 0) {
			rc = expand(&out->groups, &out->n_groups, cx, out->user, t.groups,
				    t.n_groups);
			folio_pool__release(srv, cx);
		}
		if (rc < 0)
			folio_ident__free(out);
	}
	folio_ident__free(&t);
	setup_put(d, s);
	fail_leave(d, key, rc == FOLIO_EACCESS, counted);
	/* One answer for every refusal, whatever its cause. */
	if (rc == FOLIO_EACCESS)
		folio_error_set(FOLIO_EACCESS, "%s", login_failed);
	return rc;
}
