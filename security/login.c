/*
 * Sessions with an identity: a login (a password checked by the
 * directories), the server administrator, and the Session's groups; and the
 * server's security configuration.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "directory.h"

/* Deeper JSON than this in a configuration is refused. */
#define CONFIG_DEPTH 16

int folio_session_login(folio_session **out, folio_server *srv, const char *name,
			const char *password)
{
	folio_ident id;
	folio_session *ses = NULL;
	int rc;

	*out = NULL;
	rc = folio_dir__authenticate(&id, srv, name, password);
	if (rc < 0)
		return rc;
	rc = folio_session_open(&ses, srv, id.user, NULL);
	if (rc < 0) {
		folio_ident__free(&id);
		return rc;
	}
	folio_ident__free(&ses->id);
	ses->id = id;
	*out = ses;
	return 0;
}

int folio_session_open_admin(folio_session **out, folio_server *srv)
{
	folio_session *ses = NULL;
	int rc;

	*out = NULL;
	rc = folio_session_open(&ses, srv, FOLIO_DIR_ADMIN_NAME, NULL);
	if (rc < 0)
		return rc;
	ses->id.kind = FOLIO_IDENT_ADMIN;
	/* The administrator is in no group: no ACL applies to it anyway. */
	ses->id.groups = calloc(1, sizeof(char *));
	if (!ses->id.groups) {
		folio_session_free(ses);
		return folio_error__oom();
	}
	ses->id.loaded = folio_dir__now();
	*out = ses;
	return 0;
}

int folio_session_is_admin(const folio_session *ses)
{
	return ses->id.kind == FOLIO_IDENT_ADMIN;
}

const char *const *folio_session_groups(const folio_session *ses)
{
	static const char *const none[] = {NULL};

	/*
	 * A trusted Session reads its groups on first use, and again after the
	 * directory cache's time to live; the Session itself is not changed in
	 * any way its caller could see but that one.
	 */
	if (folio_dir__refresh((folio_session *)ses) < 0 || !ses->id.groups)
		return none;
	return (const char *const *)ses->id.groups;
}

int folio_server_configure(folio_server *srv, const char *config_json)
{
	json_tokener *tok;
	json_object *cfg = NULL, *dir = NULL;
	enum json_tokener_error err;
	size_t len, at;
	int rc = 0;

	if (!config_json)
		return folio_error_set(FOLIO_EINVALID, "no configuration given");
	tok = json_tokener_new_ex(CONFIG_DEPTH);
	if (!tok)
		return folio_error__oom();
	len = strlen(config_json);
	cfg = json_tokener_parse_ex(tok, config_json, (int)len);
	err = json_tokener_get_error(tok);
	at = (size_t)tok->char_offset;
	/* Only white space may follow the object. */
	while (cfg && err == json_tokener_success && at < len && strchr(" \t\r\n", config_json[at]))
		at++;
	if (!cfg || err != json_tokener_success || at != len) {
		rc = folio_error_set(FOLIO_EINVALID,
				     "the configuration is not JSON (at byte %zu): %s", at,
				     err == json_tokener_success    ? "text after the object"
				     : err == json_tokener_continue ? "unexpected end"
								    : json_tokener_error_desc(err));
		goto out;
	}
	if (!json_object_is_type(cfg, json_type_object)) {
		rc = folio_error_set(FOLIO_EINVALID, "the configuration: an object is expected");
		goto out;
	}
	json_object_object_foreach(cfg, key, val)
	{
		if (strcmp(key, "directory") != 0) {
			rc = folio_error_set(FOLIO_EINVALID, "%.40s: unknown key", key);
			goto out;
		}
		dir = val;
	}
	rc = folio_dir__configure(srv, dir);
out:
	json_object_put(cfg);
	json_tokener_free(tok);
	return rc;
}
