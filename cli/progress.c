/* The folio command: a progress line on stderr for long imports and exports. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

#define BAR_WIDTH 30
#define FIRST_DRAW 0.5 /* seconds: short work shows nothing */
#define REDRAW 0.1     /* seconds: at most ten updates a second */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void draw(const folio_cli_progress *p)
{
	char done[32];
	char total[32];
	char bar[BAR_WIDTH + 1];
	uint64_t filled;
	unsigned pct;

	if (p->bytes) {
		human(done, sizeof(done), p->done);
		human(total, sizeof(total), p->total);
	} else {
		snprintf(done, sizeof(done), "%llu", (unsigned long long)p->done);
		snprintf(total, sizeof(total), "%llu", (unsigned long long)p->total);
	}
	if (p->total == 0) {
		fprintf(stderr, "\r%s: %s%s\033[K", p->label, done, p->bytes ? "" : " documents");
		fflush(stderr);
		return;
	}
	filled = p->done >= p->total ? BAR_WIDTH : p->done * BAR_WIDTH / p->total;
	pct = p->done >= p->total ? 100 : (unsigned)(p->done * 100 / p->total);
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, ' ', (size_t)(BAR_WIDTH - filled));
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r%s [%s] %3u%%  %s / %s%s\033[K", p->label, bar, pct, done, total,
		p->bytes ? "" : " documents");
	fflush(stderr);
}

void folio_cli__progress_start(folio_cli_progress *p, const char *label, uint64_t total,
			       int bytes)
{
	memset(p, 0, sizeof(*p));
	p->enabled = isatty(STDERR_FILENO);
	p->label = label;
	p->total = total;
	p->bytes = bytes;
	if (p->enabled)
		p->start = now();
}

void folio_cli__progress_update(folio_cli_progress *p, uint64_t done)
{
	double t;

	if (!p->enabled)
		return;
	p->done = done;
	t = now();
	if (t - p->start < FIRST_DRAW)
		return;
	if (p->drawn && t - p->last < REDRAW)
		return;
	draw(p);
	p->last = t;
	p->drawn = 1;
}

void folio_cli__progress_end(folio_cli_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
	p->enabled = 0;
}
