/*
 * The LDAP login benchmark: how long folio_ldap__authenticate() takes when
 * the server is asked (no cache) and when the answer is cached, against the
 * test slapd of scripts/ldap/start.sh:
 *
 *	scripts/ldap/start.sh /tmp/folio-ldap && . /tmp/folio-ldap/env
 *	./build/bench/folio_ldapbench [--runs 500] [--cached-runs 100000]
 *	scripts/ldap/stop.sh /tmp/folio-ldap
 *
 * Another directory: --config FILE (the "ldap" JSON object) --user NAME, the
 * password in $FOLIO_LDAPBENCH_PASSWORD (never on the command line). Exits 1
 * when a cached login takes 1 ms or more (the goal of issue 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ident.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65537);
	if (buf != NULL) {
		n = fread(buf, 1, 65536, f);
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
	}
	fclose(f);
	return buf;
}

/* Logs in `runs` times; prints the distribution. The median in seconds, or -1. */
static double measure(const char *label, folio_ldap *l, const char *user, const char *password,
		      int runs)
{
	double *t = calloc((size_t)runs, sizeof(double));
	double sum = 0;
	double med;
	int i;

	if (t == NULL)
		return -1;
	for (i = 0; i < runs; i++) {
		folio_ident id;
		double t0 = now();
		int rc = folio_ldap__authenticate(l, &id, user, password);

		t[i] = now() - t0;
		if (rc != 1) {
			fprintf(stderr, "%s: login %d of %s: %d (%s)\n", label, i + 1, user, rc,
				folio_error_last());
			free(t);
			return -1;
		}
		folio_ident__free(&id);
		sum += t[i];
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	med = t[runs / 2];
	printf("%-28s %8d %10.4f %10.4f %10.4f %10.4f\n", label, runs, t[0] * 1e3, med * 1e3,
	       t[(size_t)((double)runs * 0.99)] * 1e3, sum / runs * 1e3);
	free(t);
	return med;
}

static folio_ldap *open_or_die(const char *cfg)
{
	folio_ldap *l = NULL;

	if (folio_ldap__open(&l, cfg) != 0) {
		fprintf(stderr, "folio_ldapbench: %s\n", folio_error_last());
		exit(2);
	}
	return l;
}

int main(int argc, char **argv)
{
	const char *config_file = NULL;
	const char *user = "ann";
	const char *password = "ann-pw-1"; /* scripts/ldap/seed.ldif */
	int runs = 500;
	int cached_runs = 100000;
	char base[4096];
	char cfg[4400];
	char *custom = NULL;
	folio_ldap *l;
	double uncached;
	double cached;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_file = argv[++i];
		} else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			user = argv[++i];
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--cached-runs") == 0 && i + 1 < argc) {
			cached_runs = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--runs N] [--cached-runs N] [--config FILE --user NAME]\n"
					"  (the password of --user in $FOLIO_LDAPBENCH_PASSWORD)\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || cached_runs < 1) {
		fprintf(stderr, "folio_ldapbench: --runs and --cached-runs must be above 0\n");
		return 2;
	}

	if (config_file != NULL) {
		custom = slurp(config_file);
		password = getenv("FOLIO_LDAPBENCH_PASSWORD");
		if (custom == NULL || password == NULL) {
			fprintf(stderr, "folio_ldapbench: cannot read %s, or no $FOLIO_LDAPBENCH_PASSWORD\n",
				config_file);
			return 2;
		}
		/* The file's object less its braces; each run adds its cache setting. */
		n = strlen(custom);
		if (n < 2 || custom[0] != '{' || custom[n - 1] != '}' || n > sizeof(base)) {
			fprintf(stderr, "folio_ldapbench: %s is not a JSON object\n", config_file);
			return 2;
		}
		custom[n - 1] = '\0';
		snprintf(base, sizeof(base), "%s", custom + 1);
	} else {
		const char *url = getenv("FOLIO_TEST_LDAP_URL");
		const char *pwfile = getenv("FOLIO_TEST_LDAP_SERVICE_PASSWORD_FILE");

		if (url == NULL || pwfile == NULL) {
			fprintf(stderr, "folio_ldapbench: no FOLIO_TEST_LDAP_URL: start the test slapd\n"
					"  scripts/ldap/start.sh /tmp/folio-ldap && . /tmp/folio-ldap/env\n");
			return 2;
		}
		snprintf(base, sizeof(base),
			 "\"url\": \"%s\", \"search_base\": \"ou=people,dc=folio,dc=test\","
			 " \"service_dn\": \"cn=service,dc=folio,dc=test\","
			 " \"service_password_file\": \"%s\", \"group_base\": \"ou=groups,dc=folio,dc=test\"",
			 url, pwfile);
	}

	printf("LDAP login of %s (search as the service account, bind, nested groups); ms\n", user);
	printf("%-28s %8s %10s %10s %10s %10s\n", "", "runs", "min", "median", "p99", "mean");

	snprintf(cfg, sizeof(cfg), "{%s, \"cache_ttl\": 0}", base);
	l = open_or_die(cfg);
	uncached = measure("uncached (server asked)", l, user, password, runs);
	folio_ldap__free(l);

	if (config_file == NULL && getenv("FOLIO_TEST_LDAP_CA_FILE") != NULL) {
		/* The same over StartTLS: a TLS handshake (and the CA file read) per login. */
		snprintf(cfg, sizeof(cfg), "{%s, \"cache_ttl\": 0, \"starttls\": true,"
			 " \"ca_file\": \"%s\"}", base, getenv("FOLIO_TEST_LDAP_CA_FILE"));
		l = open_or_die(cfg);
		if (measure("uncached, StartTLS", l, user, password, runs) < 0)
			return 1;
		folio_ldap__free(l);
	}

	snprintf(cfg, sizeof(cfg), "{%s, \"cache_ttl\": 3600}", base);
	l = open_or_die(cfg);
	if (measure("first login (fills cache)", l, user, password, 1) < 0)
		return 1;
	cached = measure("cached", l, user, password, cached_runs);
	folio_ldap__free(l);
	free(custom);

	if (uncached < 0 || cached < 0)
		return 1;
	printf("cached login: median %.4f ms, %s 1 ms; %.0fx faster than asking the server\n",
	       cached * 1e3, cached < 0.001 ? "under" : "NOT under", uncached / cached);
	return cached < 0.001 ? 0 : 1;
}
