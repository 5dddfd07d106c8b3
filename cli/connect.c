/* The folio command: which server, which user; opening and closing them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "cli.h"

/* The largest configuration file read. */
#define CONFIG_MAX (1024 * 1024)

/* The security configuration from --config or $FOLIO_CONFIG, if any. */
static int configure(folio_cli *cli)
{
	const char *path = cli->config_file;
	char *text = NULL;
	size_t len;
	FILE *f;
	int rc;

	if (path == NULL) {
		path = getenv("FOLIO_CONFIG");
		if (path == NULL || path[0] == '\0')
			return 0;
	}
	f = fopen(path, "rb");
	if (f == NULL)
		return folio_cli__errorf(cli, "cannot open configuration %s: %s", path,
					 strerror(errno));
	rc = folio_cli__read_all(&text, &len, f, CONFIG_MAX);
	fclose(f);
	if (rc == FOLIO_ETOOBIG)
		return folio_cli__errorf(cli, "configuration %s: over %d bytes", path, CONFIG_MAX);
	if (rc != 0)
		return folio_cli__errorf(cli, "cannot read configuration %s: %s", path,
					 rc == FOLIO_EIO ? strerror(errno) : "out of memory");
	rc = folio_server_configure(cli->srv, text);
	free(text);
	if (rc != 0)
		return folio_cli__errorf(cli, "configuration %s: %s", path, folio_error_last());
	return 0;
}

/* A login as --user, with its password from --password-file or $FOLIO_PASSWORD. */
static int login(folio_cli *cli)
{
	folio_cli_pwsrc src = {NULL, cli->password_file, 1, 0, 0};
	char who[160];
	char *pw = NULL;
	int rc;

	snprintf(who, sizeof(who), "--user %.128s", cli->user);
	src.who = who;
	rc = folio_cli__password(&pw, cli, &src);
	if (rc != 0)
		return rc;
	cli->login_used_env = cli->password_file == NULL && getenv("FOLIO_PASSWORD") != NULL &&
			      getenv("FOLIO_PASSWORD")[0] != '\0';
	rc = folio_session_login(&cli->ses, cli->srv, cli->user, pw);
	folio_cli__password_free(pw);
	if (rc != 0) {
		cli->ses = NULL;
		return folio_cli__fail(cli, rc);
	}
	return 0;
}

int folio_cli__open(folio_cli *cli)
{
	const char *url = cli->server_url;
	int rc;

	if (cli->ses != NULL)
		return 0;
	if (url == NULL) {
		url = getenv("FOLIO_SERVER");
		if (url != NULL && url[0] == '\0')
			url = NULL;
	}
	if (url == NULL) {
		/* Only the default gets its directory made: elsewhere a missing one is a typo. */
		url = FOLIO_CLI_DEFAULT_URL;
		if (mkdir(FOLIO_CLI_DEFAULT_DIR, 0777) != 0 && errno != EEXIST)
			return folio_cli__errorf(cli, "cannot create %s: %s",
						 FOLIO_CLI_DEFAULT_DIR, strerror(errno));
	}

	rc = folio_server_open(&cli->srv, url, NULL);
	if (rc != 0) {
		cli->srv = NULL;
		return folio_cli__fail(cli, rc);
	}
	rc = configure(cli);
	if (rc == 0 && cli->user != NULL) {
		rc = login(cli);
	} else if (rc == 0) {
		rc = folio_session_open_admin(&cli->ses, cli->srv);
		if (rc != 0) {
			cli->ses = NULL;
			rc = folio_cli__fail(cli, rc);
		}
	}
	if (rc != 0) {
		folio_server_close(cli->srv);
		cli->srv = NULL;
		return rc;
	}
	return 0;
}

void folio_cli__close(folio_cli *cli)
{
	folio_session_free(cli->ses);
	cli->ses = NULL;
	folio_server_close(cli->srv);
	cli->srv = NULL;
}

int folio_cli__open_store(folio_cli *cli, folio_store **st, const char *db, const char *name)
{
	int rc;

	*st = NULL;
	rc = folio_cli__open(cli);
	if (rc != 0)
		return rc;
	rc = folio_store_open(st, cli->ses, db, name);
	if (rc != 0) {
		*st = NULL;
		return folio_cli__fail(cli, rc);
	}
	return 0;
}
