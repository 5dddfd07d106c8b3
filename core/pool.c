/*
 * The Server's bounded pool of connections. Connections are opened on
 * demand up to pool_size; a caller waits up to acquire_timeout_ms for one to
 * come back, then gets FOLIO_EBUSY. A connection whose last error meant the
 * link is gone is closed on release instead of going back to the pool, so
 * the next caller gets a fresh one.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "internal.h"

int folio_pool__acquire(folio_cx **out, folio_server *srv)
{
	struct timespec deadline;
	int rc = 0;

	*out = NULL;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += srv->opts.acquire_timeout_ms / 1000;
	deadline.tv_nsec += (long)(srv->opts.acquire_timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&srv->mu);
	for (;;) {
		if (srv->n_idle > 0) {
			folio_cx *cx = srv->idle[--srv->n_idle];
			/*
			 * A connection that died while idle (the server restarted) is
			 * replaced, so that the next call reconnects by itself.
			 */
			if (folio_cx__alive(cx)) {
				*out = cx;
				break;
			}
			srv->n_open--;
			pthread_mutex_unlock(&srv->mu);
			folio_cx__close(cx);
			pthread_mutex_lock(&srv->mu);
			continue;
		}
		if (srv->n_open < srv->opts.pool_size) {
			srv->n_open++;
			pthread_mutex_unlock(&srv->mu);
			rc = folio_cx__open(out, srv->drv, srv->url, &srv->copts);
			pthread_mutex_lock(&srv->mu);
			if (rc < 0) {
				/* The driver's message names the URL (without its password). */
				srv->n_open--;
				pthread_cond_signal(&srv->cv);
			}
			break;
		}
		if (pthread_cond_timedwait(&srv->cv, &srv->mu, &deadline) == ETIMEDOUT) {
			rc = folio_error_set(FOLIO_EBUSY,
					     "no free connection to %s within %d ms (pool of %d)",
					     srv->url_safe, srv->opts.acquire_timeout_ms,
					     srv->opts.pool_size);
			break;
		}
	}
	pthread_mutex_unlock(&srv->mu);
	return rc;
}

void folio_pool__release(folio_server *srv, folio_cx *cx)
{
	if (!cx)
		return;
	if (folio_cx__broken(cx)) {
		folio_cx__close(cx);
		pthread_mutex_lock(&srv->mu);
		srv->n_open--;
	} else {
		pthread_mutex_lock(&srv->mu);
		srv->idle[srv->n_idle++] = cx;
	}
	pthread_cond_signal(&srv->cv);
	pthread_mutex_unlock(&srv->mu);
}

void folio_pool__destroy(folio_server *srv)
{
	pthread_mutex_lock(&srv->mu);
	for (int i = 0; i < srv->n_idle; i++)
		folio_cx__close(srv->idle[i]);
	srv->n_open -= srv->n_idle;
	srv->n_idle = 0;
	pthread_mutex_unlock(&srv->mu);
}
