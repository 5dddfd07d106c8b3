/* The folio command: which server, which user; opening and closing them. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "cli.h"

static const char *login_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw == NULL || pw->pw_name == NULL || pw->pw_name[0] == '\0')
		return "anonymous";
	return pw->pw_name;
}

int folio_cli__open(folio_cli *cli)
{
	const char *url = cli->server_url;
	const char *user = cli->user;
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
	if (user == NULL)
		user = login_name();

	rc = folio_server_open(&cli->srv, url, NULL);
	if (rc != 0) {
		cli->srv = NULL;
		return folio_cli__fail(cli, rc);
	}
	rc = folio_session_open(&cli->ses, cli->srv, user, NULL);
	if (rc != 0) {
		cli->ses = NULL;
		folio_cli__fail(cli, rc);
		folio_server_close(cli->srv);
		cli->srv = NULL;
		return FOLIO_CLI_FAIL;
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
