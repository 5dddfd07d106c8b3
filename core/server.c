/* The Server: a driver, a URL, the pool, the catalog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"
#include "layout.h"
#include "directory.h"

const char *folio_version(void)
{
	return FOLIO_VERSION_STRING;
}

/*
 * The URL without its password, for messages: "user:secret@" in a URL
 * becomes "user:***@", and "PWD=secret" / "password=secret" in a connection
 * string become "PWD=***".
 */
static char *safe_url(const char *url)
{
	char *s = folio__strdup(url), *p, *at, *colon;

	if (!s)
		return NULL;
	p = strstr(s, "://");
	if (p) {
		at = strchr(p + 3, '@');
		colon = strchr(p + 3, ':');
		if (at && colon && colon < at) {
			memmove(colon + 4, at, strlen(at) + 1);
			memcpy(colon + 1, "***", 3);
		}
	}
	for (const char *key = "pwd=";; key = "password=") {
		for (p = s; *p; p++) {
			size_t kl = strlen(key);
			if (strncasecmp(p, key, kl) == 0 && (p == s || p[-1] == ';' || p[-1] == ' ' ||
							     p[-1] == '?' || p[-1] == '&' ||
							     p[-1] == ':')) {
				char *v = p + kl, *end = v;
				while (*end && *end != ';' && *end != ' ' && *end != '&')
					end++;
				if (end - v >= 3) {
					memcpy(v, "***", 3);
					memmove(v + 3, end, strlen(end) + 1);
				}
			}
		}
		if (strcmp(key, "password=") == 0)
			break;
	}
	return s;
}

int folio_server_open(folio_server **out, const char *url, const folio_server_options *opts)
{
	folio_server *srv;
	folio_cx *cx = NULL;
	int rc;

	*out = NULL;
	if (!url || !*url)
		return folio_error_set(FOLIO_EINVALID, "no server URL given");
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return folio_error__oom();
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	if (opts)
		srv->opts = *opts;
	if (srv->opts.pool_size <= 0)
		srv->opts.pool_size = 8;
	if (srv->opts.acquire_timeout_ms <= 0)
		srv->opts.acquire_timeout_ms = 30000;
	if (srv->opts.busy_timeout_ms <= 0)
		srv->opts.busy_timeout_ms = 10000;
	if (srv->opts.max_doc_size == 0)
		srv->opts.max_doc_size = FOLIO_DEFAULT_MAX_DOC_SIZE;
	if (srv->opts.max_depth <= 0)
		srv->opts.max_depth = FOLIO_DEFAULT_MAX_DEPTH;
	/* An in-memory SQLite database lives and dies with its one connection. */
	if (strcmp(url, "sqlite::memory:") == 0)
		srv->opts.pool_size = 1;
	srv->copts.busy_timeout_ms = srv->opts.busy_timeout_ms;
	srv->url = folio__strdup(url);
	srv->url_safe = safe_url(url);
	srv->idle = calloc((size_t)srv->opts.pool_size, sizeof(*srv->idle));
	if (!srv->url || !srv->url_safe || !srv->idle) {
		rc = folio_error__oom();
		goto out;
	}
	rc = folio_dir__new(&srv->dir);
	if (rc < 0)
		goto out;
	srv->drv = folio_driver__find(url);
	if (!srv->drv) {
		rc = folio_error_code() ? folio_error_code() : FOLIO_EINVALID;
		goto out;
	}
	rc = folio_pool__acquire(&cx, srv);
	if (rc < 0)
		goto out;
	snprintf(srv->dialect, sizeof(srv->dialect), "%s", folio_cx__dialect(cx)->name);
	rc = folio_layout__server_init(cx, &srv->schema_version);
	if (rc < 0)
		folio_error__wrap("%s", srv->url_safe);
	folio_pool__release(srv, cx);
out:
	if (rc < 0) {
		folio_server_close(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

void folio_server_close(folio_server *srv)
{
	if (!srv)
		return;
	folio_pool__destroy(srv);
	folio_dir__free(srv->dir);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->cv);
	free(srv->idle);
	free(srv->url);
	free(srv->url_safe);
	free(srv);
}

const char *folio_server_url(const folio_server *srv)
{
	return srv->url_safe;
}

const char *folio_server_dialect(const folio_server *srv)
{
	return srv->dialect;
}

int folio_server_schema_version(const folio_server *srv)
{
	return srv->schema_version;
}
