/*
 * folio_bench: the workload's documents. N documents of about 500 bytes from
 * a fixed-seed xorshift generator, so every run and every machine sees the
 * same bytes, each with three fields a user would index ("city", "age",
 * "name") and filler (docs/performance.md).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <time.h>
#include "folio/errors.h"
#include "bench.h"

static uint64_t rng_next(rng *r)
{
	/* xorshift64 (Marsaglia); the seed is never 0. */
	uint64_t x = r->s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

unsigned rng_below(rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static const char *const cities[100] = {
	"Amsterdam", "Athens", "Auckland", "Austin", "Baltimore", "Bangkok", "Barcelona",
	"Basel", "Beijing", "Belfast", "Bergen", "Berlin", "Bern", "Bilbao", "Bologna",
	"Bordeaux", "Boston", "Bratislava", "Brisbane", "Brno", "Brussels", "Bucharest",
	"Budapest", "Cairo", "Calgary", "Cardiff", "Chicago", "Cologne", "Copenhagen",
	"Cork", "Dallas", "Delft", "Denver", "Dijon", "Dresden", "Dublin", "Dundee",
	"Edinburgh", "Florence", "Frankfurt", "Geneva", "Genoa", "Ghent", "Glasgow",
	"Gothenburg", "Graz", "Hamburg", "Hanover", "Helsinki", "Houston", "Innsbruck",
	"Istanbul", "Kyoto", "Lausanne", "Leeds", "Leipzig", "Lille", "Lisbon", "Ljubljana",
	"London", "Lyon", "Madrid", "Malmo", "Manchester", "Marseille", "Melbourne",
	"Milan", "Montpellier", "Montreal", "Munich", "Nantes", "Naples", "Nice", "Oslo",
	"Ottawa", "Oxford", "Palermo", "Paris", "Porto", "Prague", "Quebec", "Reykjavik",
	"Riga", "Rome", "Rotterdam", "Salzburg", "Seattle", "Seville", "Sofia",
	"Stockholm", "Strasbourg", "Sydney", "Tallinn", "Tokyo", "Toronto", "Toulouse",
	"Turin", "Utrecht", "Valencia", "Vienna",
};

static const char *const first_names[32] = {
	"Ada", "Alan", "Alice", "Anna", "Bruno", "Carla", "Chloe", "David", "Elena", "Emil",
	"Eva", "Felix", "Grace", "Hugo", "Ines", "Ivan", "Jana", "Jonas", "Julia", "Karl",
	"Laura", "Leo", "Lucia", "Marc", "Maria", "Nina", "Oscar", "Paula", "Pierre", "Rosa",
	"Sven", "Zoe",
};

static const char *const last_names[32] = {
	"Almeida", "Bauer", "Bernard", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia",
	"Hansen", "Horvat", "Jansen", "Kowalski", "Lambert", "Larsen", "Lopez", "Martin",
	"Meyer", "Moreau", "Muller", "Nagy", "Novak", "Olsen", "Peeters", "Petit", "Rossi",
	"Schmidt", "Silva", "Smith", "Weber", "Wagner", "Wolf", "Young",
};

static const char *const words[48] = {
	"account", "active", "annual", "billing", "budget", "call", "client", "contract",
	"customer", "delivery", "discount", "email", "export", "invoice", "issue", "lead",
	"meeting", "network", "offer", "order", "partner", "payment", "phone", "plan",
	"premium", "price", "product", "project", "quote", "region", "renewal", "report",
	"request", "review", "sales", "service", "shipping", "signed", "status", "support",
	"survey", "team", "ticket", "trial", "update", "vendor", "visit", "warranty",
};

static const char *const streets[8] = {
	"Main Street", "Station Road", "Church Lane", "High Street",
	"Park Avenue", "Mill Road",    "Rue de la Paix", "Hauptstrasse",
};

/* Appends to a fixed buffer; the generator's sizes are known to fit. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		fprintf(stderr, "folio_bench: generator buffer too small\n");
		exit(1);
	}
	b->len += (size_t)n;
}

/*
 * Document i: {"_unid":"doc000001","city":...,"age":...,"name":...,
 * "email":...,"active":...,"address":{...},"tags":[...],"scores":[...],
 * "notes":"..."}; the notes are cut so the whole is about 500 bytes.
 */
static int gen_one(gen_doc *d, rng *r, unsigned i)
{
	char buf[1024];
	sbuf b = { buf, 0, sizeof(buf) };
	const char *first = first_names[rng_below(r, 32)];
	const char *last = last_names[rng_below(r, 32)];
	unsigned ntags = 2 + rng_below(r, 3);
	size_t want = 470 + rng_below(r, 61); /* 470..530 bytes */

	snprintf(d->unid, sizeof(d->unid), "doc%06u", i + 1);
	d->city = cities[rng_below(r, 100)];
	d->age = 18 + (int)rng_below(r, 73);
	snprintf(d->name, sizeof(d->name), "%s %s", first, last);

	sb_printf(&b, "{\"_unid\":\"%s\",\"city\":\"%s\",\"age\":%d,\"name\":\"%s\",", d->unid,
		  d->city, d->age, d->name);
	sb_printf(&b, "\"email\":\"%c%s.%u@example.com\",\"active\":%s,", first[0] | 0x20, last,
		  i + 1, rng_below(r, 2) ? "true" : "false");
	sb_printf(&b,
		  "\"address\":{\"street\":\"%u %s\",\"zip\":\"%05u\",\"country\":\"%c%c\","
		  "\"geo\":{\"lat\":%.4f,\"lng\":%.4f}},",
		  1 + rng_below(r, 200), streets[rng_below(r, 8)], rng_below(r, 100000),
		  'A' + (int)rng_below(r, 26), 'A' + (int)rng_below(r, 26),
		  (double)rng_below(r, 1800000) / 10000.0 - 90.0,
		  (double)rng_below(r, 3600000) / 10000.0 - 180.0);
	sb_printf(&b, "\"tags\":[");
	for (unsigned t = 0; t < ntags; t++)
		sb_printf(&b, "%s\"%s\"", t ? "," : "", words[rng_below(r, 48)]);
	sb_printf(&b, "],\"scores\":[%u,%u,%u,%u],\"notes\":\"", rng_below(r, 100),
		  rng_below(r, 100), rng_below(r, 100), rng_below(r, 100));
	/* Words until the document reaches its size (2 bytes for "}). */
	while (b.len + 2 < want) {
		const char *w = words[rng_below(r, 48)];
		size_t wl = strlen(w);

		if (b.len + 2 + wl + 1 > want)
			break;
		sb_printf(&b, "%s%s", buf[b.len - 1] == '"' ? "" : " ", w);
	}
	sb_printf(&b, "\"}");

	d->json = malloc(b.len + 1);
	if (d->json == NULL)
		return -1;
	memcpy(d->json, buf, b.len + 1);
	d->len = b.len;
	return 0;
}

gen_doc *gen_all(unsigned n, size_t *total)
{
	rng r = { 0x9E3779B97F4A7C15ull };
	gen_doc *docs = calloc(n ? n : 1, sizeof(*docs));

	*total = 0;
	if (docs == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (gen_one(&docs[i], &r, i) != 0) {
			fprintf(stderr, "folio_bench: out of memory\n");
			exit(1);
		}
		*total += docs[i].len;
	}
	return docs;
}

void gen_free(gen_doc *docs, unsigned n)
{
	if (docs == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		free(docs[i].json);
	free(docs);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_parse_uint(const char *s, unsigned *out, unsigned min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > 100000000ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int bench_fail(const char *prog, const char *what, int rc)
{
	fprintf(stderr, "%s: folio: %s: %s (%s)\n", prog, what, folio_error_last(),
		folio_error_name(rc));
	return -1;
}
