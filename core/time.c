/* The current time as ISO 8601 UTC with milliseconds, and the check of that shape. */
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "util.h"

/* Writes `v` as exactly `n` decimal digits (the caller keeps v in range). */
static char *put_digits(char *p, long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

void folio_time__now(char out[FOLIO_DATE_LEN + 1])
{
	struct timespec ts;
	struct tm tm;
	time_t secs;
	long year;
	char *p = out;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = time(NULL);
		ts.tv_nsec = 0;
	}
	secs = ts.tv_sec;
	if (gmtime_r(&secs, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	year = (long)tm.tm_year + 1900;
	if (year < 0)
		year = 0;
	if (year > 9999)
		year = 9999;

	p = put_digits(p, year, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	/* A leap second (60) is written as 59: the shape stays one every engine takes. */
	p = put_digits(p, tm.tm_sec > 59 ? 59 : tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, (ts.tv_nsec / 1000000) % 1000, 3);
	*p++ = 'Z';
	*p = '\0';
}

/* The value of s[0..n) when all digits, else -1. */
static long digits(const char *s, int n)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(long year, long month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month == 2 && leap)
		return 29;
	return days[month - 1];
}

int folio_time__valid(const char *s)
{
	long year;
	long month;
	long day;

	if (s == NULL || strlen(s) != FOLIO_DATE_LEN)
		return 0;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != '.' || s[23] != 'Z')
		return 0;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return 0;
	if (digits(s + 11, 2) < 0 || digits(s + 11, 2) > 23)
		return 0;
	if (digits(s + 14, 2) < 0 || digits(s + 14, 2) > 59)
		return 0;
	if (digits(s + 17, 2) < 0 || digits(s + 17, 2) > 59)
		return 0;
	if (digits(s + 20, 3) < 0)
		return 0;
	return 1;
}

void folio__backoff(int attempt)
{
	/* 5, 20, 80 ms, with jitter so that two victims do not collide again. */
	long ms = 5L << (2 * (attempt < 4 ? attempt : 4));
	struct timespec ts;
	unsigned r;

	randombytes_buf(&r, sizeof(r));
	ms += (long)(r % (unsigned)ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}
