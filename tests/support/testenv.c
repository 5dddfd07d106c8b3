/* Test helpers: the backend matrix, temporary directories, running the folio command. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testenv.h"

#define MAX_TMP 256

static char *tmpdirs[MAX_TMP];
static int n_tmp;
static pthread_mutex_t tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static char url_buf[4096];
static int url_counter;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (getenv("FOLIO_TEST_KEEP"))
		return;
	for (int i = 0; i < n_tmp; i++) {
		nftw(tmpdirs[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(tmpdirs[i]);
	}
	n_tmp = 0;
}

const char *folio_test_backend(void)
{
	const char *b = getenv("FOLIO_TEST_BACKEND");
	return b && *b ? b : "sqlite";
}

const char *folio_test_tmpdir(void)
{
	char tmpl[] = "/tmp/folio-test-XXXXXX";
	const char *base = getenv("TMPDIR");
	char path[512];
	char *d;

	snprintf(path, sizeof(path), "%s/folio-test-XXXXXX", base && *base ? base : "/tmp");
	(void)tmpl;
	d = mkdtemp(path);
	if (!d)
		fail_msg("mkdtemp: %s", strerror(errno));
	pthread_mutex_lock(&tmp_mu);
	if (n_tmp == 0)
		atexit(cleanup);
	if (n_tmp >= MAX_TMP)
		fail_msg("too many temporary directories");
	tmpdirs[n_tmp] = strdup(d);
	d = tmpdirs[n_tmp++];
	pthread_mutex_unlock(&tmp_mu);
	return d;
}

const char *folio_test_url(void)
{
	const char *be = folio_test_backend();

	if (strcmp(be, "sqlite") == 0) {
		snprintf(url_buf, sizeof(url_buf), "sqlite:%s/folio-%d.db", folio_test_tmpdir(),
			 url_counter++);
		return url_buf;
	}
	fail_msg("unknown test backend '%s' (FOLIO_TEST_BACKEND)", be);
	return NULL;
}

void folio_test_open(folio_server **srv, folio_session **ses, const char *user)
{
	assert_ok(folio_server_open(srv, folio_test_url(), NULL));
	assert_ok(folio_session_open(ses, *srv, user, NULL));
}

char *folio_test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

int folio_test_run(const char *url, const char *args, const char *stdin_text, char **out,
		   char **err)
{
	const char *dir = folio_test_tmpdir();
	char in_path[600], out_path[600], err_path[600], *cmd;
	FILE *f;
	int status;
	size_t cmdlen;

	snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	f = fopen(in_path, "wb");
	assert_non_null(f);
	if (stdin_text)
		fwrite(stdin_text, 1, strlen(stdin_text), f);
	fclose(f);
	cmdlen = strlen(args) + strlen(FOLIO_BIN) + (url ? strlen(url) : 0) + 2048;
	cmd = malloc(cmdlen);
	assert_non_null(cmd);
	if (url)
		snprintf(cmd, cmdlen, "FOLIO_SERVER='%s' '%s' %s <'%s' >'%s' 2>'%s'", url,
			 FOLIO_BIN, args, in_path, out_path, err_path);
	else
		snprintf(cmd, cmdlen, "'%s' %s <'%s' >'%s' 2>'%s'", FOLIO_BIN, args, in_path,
			 out_path, err_path);
	status = system(cmd);
	free(cmd);
	if (out)
		*out = folio_test_slurp(out_path);
	if (err)
		*err = folio_test_slurp(err_path);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
