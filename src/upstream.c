/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conn.h"

#include "log.h"
#include "router.h"
#include "upstream.h"

TAILQ_HEAD(conn_list, upstream_conn);
TAILQ_HEAD(wait_list, upstream_wait);

struct upstream_backend {
	struct upstream_pool *pool;
	struct addr addr;
	/* Where connections go: addr's own address, then its alt (a name's
	 * other family) once that one refused. */
	struct addr dial[2];
	int ndial, cur;
	struct conn_list idle;
	unsigned int nidle;
	struct conn_list lent;	  /* lent to the kernel's pool (hooks.lend) */
	unsigned int nopen;	  /* connections open: in use, idle or held */
	unsigned int nattempts;	  /* of those, not answered on yet */
	unsigned int nheld;	  /* of those, held for a client */
	struct wait_list waiting; /* FIFO of requests beyond the limits */
	struct event *kick;	  /* hands connections to waiters, from the loop */
	int stalled;		  /* a connect failed: wait for a release */
	unsigned int nanswered;	  /* connections the backend answered on, ever */
};

struct upstream_pool {
	struct event_base *base;
	struct upstream_limits lim;
	struct upstream_backend *backends;
	size_t nbackends;
	unsigned int *by_route; /* route id -> backend index */
	size_t nroutes;
	struct upstream_hooks hooks;
	unsigned int gen; /* bumped when the hooks change */
};

static void idle_remove(struct upstream_conn *c);
static void idle_add(struct upstream_conn *c);
static void unhold(struct upstream_conn *c);
static void kick_cb(evutil_socket_t fd, short what, void *arg);

static int addr_eq(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

struct upstream_pool *upstream_pool_new(struct event_base *base, const struct router *rt,
					const struct upstream_limits *lim)
{
	struct upstream_pool *pool;
	size_t i, j;

	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return NULL;
	pool->base = base;
	pool->lim = *lim;
	pool->nroutes = rt->n;
	pool->by_route = calloc(rt->n + 1, sizeof(*pool->by_route));
	pool->backends = calloc(rt->n + 1, sizeof(*pool->backends));
	if (pool->by_route == NULL || pool->backends == NULL) {
		upstream_pool_free(pool);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < rt->n; i++) {
		const struct route *r = &rt->routes[i];

		if (r->kind != ROUTE_BACKEND)
			continue;
		for (j = 0; j < pool->nbackends; j++)
			if (addr_eq(&pool->backends[j].addr, &r->addr))
				break;
		if (j == pool->nbackends) {
			struct upstream_backend *be = &pool->backends[pool->nbackends++];

			be->pool = pool;
			be->addr = r->addr;
			be->dial[0] = r->addr;
			be->ndial = 1;
			if (r->addr.alt_len > 0) {
				memcpy(&be->dial[1].ss, &r->addr.alt, r->addr.alt_len);
				be->dial[1].len = r->addr.alt_len;
				be->ndial = 2;
			}
			TAILQ_INIT(&be->idle);
			TAILQ_INIT(&be->lent);
			TAILQ_INIT(&be->waiting);
			be->kick = event_new(base, -1, 0, kick_cb, be);
			if (be->kick == NULL) {
				upstream_pool_free(pool);
				errno = ENOMEM;
				return NULL;
			}
		}
		pool->by_route[i] = (unsigned int)j;
	}
	return pool;
}

static void close_idle(struct upstream_pool *pool)
{
	size_t i;

	for (i = 0; i < pool->nbackends; i++) {
		struct upstream_conn *c;

		while ((c = TAILQ_FIRST(&pool->backends[i].idle)) != NULL) {
			idle_remove(c);
			upstream_close(c);
		}
		while ((c = TAILQ_FIRST(&pool->backends[i].lent)) != NULL) {
			upstream_unlend(c);
			upstream_close(c);
		}
	}
}

void upstream_pool_free(struct upstream_pool *pool)
{
	size_t i;

	if (pool == NULL)
		return;
	close_idle(pool);
	for (i = 0; i < pool->nbackends; i++)
		if (pool->backends[i].kick != NULL)
			event_free(pool->backends[i].kick);
	free(pool->backends);
	free(pool->by_route);
	free(pool);
}

/*
 * Connections made under other hooks never go back to the pool, and the idle
 * ones go now: made before the kernel engine was ready, they were never
 * announced, so no client could be paired with one, and LIFO reuse would
 * keep handing them out while announced ones are never made.
 */
void upstream_pool_set_hooks(struct upstream_pool *pool, const struct upstream_hooks *hooks)
{
	/* Under the hooks they were made and lent under: retire frees what
	 * the kernel engine keeps for a lent connection (a leak at exit,
	 * found by the sanitizer build, when the hooks went first). */
	close_idle(pool);
	if (hooks != NULL)
		pool->hooks = *hooks;
	else
		memset(&pool->hooks, 0, sizeof(pool->hooks));
	pool->gen++;
}

struct upstream_backend *upstream_pool_backend(struct upstream_pool *pool, unsigned int route_id)
{
	if (route_id >= pool->nroutes)
		return NULL;
	return &pool->backends[pool->by_route[route_id]];
}

unsigned int upstream_backend_id(const struct upstream_backend *be)
{
	return (unsigned int)(be - be->pool->backends);
}

void upstream_unlend(struct upstream_conn *c)
{
	if (!c->lending)
		return;
	TAILQ_REMOVE(&c->be->lent, c, entry);
	c->lending = 0;
}

static void idle_remove(struct upstream_conn *c)
{
	struct upstream_backend *be = c->be;

	TAILQ_REMOVE(&be->idle, c, entry);
	be->nidle--;
}

/* An idle connection that speaks or closes is of no further use. */
static void idle_read_cb(struct conn *conn, void *arg)
{
	struct upstream_conn *c = arg;

	idle_remove(c);
	upstream_close(c);
}

static void idle_event_cb(struct conn *conn, short what, void *arg)
{
	struct upstream_conn *c = arg;

	idle_remove(c);
	upstream_close(c);
}

static struct upstream_conn *connect_new(struct upstream_backend *be,
					 const struct timeval *connect_tv)
{
	const struct addr *to = &be->dial[be->cur];
	struct upstream_conn *c;
	int fd, rc, one = 1;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	fd = socket(to->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(c);
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->conn = conn_new(be->pool->base, fd);
	if (c->conn == NULL) {
		close(fd);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->be = be;
	c->dial = be->cur;
	c->gen = be->pool->gen;
	c->attempt = 1;
	c->answers_seen = be->nanswered;
	be->nopen++;
	be->nattempts++;
	if (be->pool->hooks.dial != NULL &&
	    be->pool->hooks.dial(be->pool->hooks.arg, fd, (const struct sockaddr *)&to->ss,
				 to->len) == 0)
		c->announced = 1;
	conn_set_timeouts(c->conn, NULL, connect_tv);
	rc = conn_connect(c->conn, (const struct sockaddr *)&to->ss, to->len);
	if (rc < 0) {
		upstream_close(c);
		errno = -rc;
		return NULL;
	}
	return c;
}

static struct upstream_conn *take_idle(struct upstream_backend *be)
{
	struct upstream_conn *c;

	/* Most recently used first: it is the least likely to have timed out. */
	c = TAILQ_LAST(&be->idle, conn_list);
	if (c != NULL) {
		idle_remove(c);
		c->reused = 1;
		conn_setcb(c->conn, NULL, NULL, NULL, NULL);
	}
	return c;
}

/* An idle connection the kernel's pool holds: zeroserve's own again. */
static struct upstream_conn *take_lent(struct upstream_backend *be)
{
	const struct upstream_hooks *h = &be->pool->hooks;
	struct upstream_conn *c;

	if (h->reclaim == NULL || TAILQ_EMPTY(&be->lent))
		return NULL;
	c = h->reclaim(h->arg, be);
	if (c != NULL) {
		upstream_unlend(c);
		unhold(c);
		c->reused = 1;
		conn_setcb(c->conn, NULL, NULL, NULL, NULL);
	}
	return c;
}

static int may_connect(const struct upstream_backend *be)
{
	const struct upstream_limits *lim = &be->pool->lim;

	return !be->stalled && be->nopen < lim->max_conns && be->nattempts < lim->max_connecting;
}

struct upstream_conn *upstream_get(struct upstream_backend *be, const struct timeval *connect_tv)
{
	struct upstream_conn *c;

	/* First come, first served: with requests waiting a new one waits too. */
	if (!TAILQ_EMPTY(&be->waiting)) {
		errno = EAGAIN;
		return NULL;
	}
	c = take_idle(be);
	if (c == NULL)
		c = take_lent(be);
	if (c != NULL)
		return c;
	if (!may_connect(be)) {
		errno = EAGAIN;
		return NULL;
	}
	return connect_new(be, connect_tv);
}

/* Room for a waiter may have come: look from the loop, not from the caller. */
static void wake(struct upstream_backend *be)
{
	if (!TAILQ_EMPTY(&be->waiting))
		event_active(be->kick, 0, 0);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_backend *be = arg;
	struct upstream_wait *w;
	struct upstream_conn *c;

	while ((w = TAILQ_FIRST(&be->waiting)) != NULL) {
		c = take_idle(be);
		if (c == NULL)
			c = take_lent(be);
		if (c == NULL) {
			if (!may_connect(be))
				break;
			c = connect_new(be, &be->pool->lim.connect_tv);
		}
		TAILQ_REMOVE(&be->waiting, w, entry);
		w->be = NULL;
		/* May close, put or wait again: each only schedules another kick. */
		w->ready(w, c, c != NULL ? 0 : errno);
	}
}

void upstream_wait(struct upstream_backend *be, struct upstream_wait *w, int first)
{
	if (w->be != NULL)
		return;
	w->be = be;
	if (first)
		TAILQ_INSERT_HEAD(&be->waiting, w, entry);
	else
		TAILQ_INSERT_TAIL(&be->waiting, w, entry);
	/* Queued with room to spare (an idle connection came back meanwhile). */
	if (TAILQ_FIRST(&be->idle) != NULL || may_connect(be))
		wake(be);
}

void upstream_wait_cancel(struct upstream_wait *w)
{
	struct upstream_backend *be = w->be;

	if (be == NULL)
		return;
	TAILQ_REMOVE(&be->waiting, w, entry);
	w->be = NULL;
	/* Nobody left to wait for a release: new requests may connect again. */
	if (TAILQ_EMPTY(&be->waiting))
		be->stalled = 0;
}

void upstream_answered(struct upstream_conn *c)
{
	if (!c->attempt)
		return;
	c->attempt = 0;
	c->be->nattempts--;
	c->be->nanswered++;
	wake(c->be);
}

/* Held connections (paired clients' and lent ones) take at most half of
 * max_conns: the other half always serves the queue. */
static int may_hold(const struct upstream_backend *be)
{
	return be->nheld + 1 <= be->pool->lim.max_conns / 2;
}

int upstream_hold(struct upstream_conn *c)
{
	struct upstream_backend *be = c->be;
	struct upstream_conn *l;

	if (c->held)
		return 0;
	if (!TAILQ_EMPTY(&be->waiting))
		return -EBUSY;
	/*
	 * A client that stays beats a connection idle in the kernel's pool:
	 * take one out to the idle list, which frees its place. Else the
	 * clients of a burst, served in userspace while the pool filled, would
	 * never be paired, and every request of theirs would go up.
	 */
	if (!may_hold(be)) {
		l = take_lent(be);
		if (l == NULL)
			return -EBUSY;
		idle_add(l);
	}
	c->held = 1;
	be->nheld++;
	return 0;
}

static void unhold(struct upstream_conn *c)
{
	if (c->held) {
		c->held = 0;
		c->be->nheld--;
	}
}

struct upstream_conn *upstream_get_other(struct upstream_backend *be,
					 const struct upstream_conn *failed,
					 const struct timeval *connect_tv)
{
	char from[64], to[64];

	if (be->ndial < 2) {
		errno = ENOENT;
		return NULL;
	}
	/* The first failure of an address moves the backend to the other one. */
	if (failed->dial == be->cur) {
		be->cur = !be->cur;
		log_info("backend %s does not answer; trying %s",
			 addr_format(&be->dial[failed->dial], from, sizeof(from)),
			 addr_format(&be->dial[be->cur], to, sizeof(to)));
	}
	return connect_new(be, connect_tv);
}

void upstream_put(struct upstream_conn *c)
{
	struct upstream_backend *be = c->be;

	unhold(c);
	upstream_answered(c);
	/* Released by a backend that is alive: new connections may be tried. */
	be->stalled = 0;
	if (be->nidle >= be->pool->lim.max_idle || c->gen != be->pool->gen ||
	    evbuffer_get_length(conn_input(c->conn)) > 0 ||
	    evbuffer_get_length(conn_output(c->conn)) > 0) {
		upstream_close(c);
		return;
	}
	/* Lent, it still counts as held: the kernel may pair it any time. */
	if (be->pool->hooks.lend != NULL && TAILQ_EMPTY(&be->waiting) && may_hold(be) &&
	    be->pool->hooks.lend(be->pool->hooks.arg, c) == 0) {
		c->held = 1;
		be->nheld++;
		c->lending = 1;
		TAILQ_INSERT_TAIL(&be->lent, c, entry);
		return;
	}
	idle_add(c);
}

static void idle_add(struct upstream_conn *c)
{
	struct upstream_backend *be = c->be;

	conn_setcb(c->conn, idle_read_cb, NULL, idle_event_cb, c);
	conn_set_timeouts(c->conn, &be->pool->lim.idle_tv, &be->pool->lim.idle_tv);
	conn_read_enable(c->conn, 1);
	TAILQ_INSERT_TAIL(&be->idle, c, entry);
	be->nidle++;
	wake(be);
}

static void pool_forget(struct upstream_conn *c)
{
	const struct upstream_hooks *h = &c->be->pool->hooks;

	upstream_unlend(c);
	if (c->lent != NULL && h->retire != NULL)
		h->retire(h->arg, c);
	if (c->announced && h->hangup != NULL)
		h->hangup(h->arg, conn_fd(c->conn),
			  (const struct sockaddr *)&c->be->dial[c->dial].ss);
	unhold(c);
	if (c->attempt)
		c->be->nattempts--;
	c->be->nopen--;
	conn_free(c->conn);
	free(c);
}

int upstream_fail(struct upstream_conn *c)
{
	struct upstream_backend *be = c->be;
	int alive = c->answers_seen != be->nanswered;

	pool_forget(c);
	if (be->nopen > 0) {
		be->stalled = 1;
		return -EAGAIN;
	}
	be->stalled = 0;
	wake(be);
	return alive ? -EAGAIN : 0;
}

void upstream_close(struct upstream_conn *c)
{
	struct upstream_backend *be;

	if (c == NULL)
		return;
	be = c->be;
	/* One the backend answered on: it is alive and has room again. */
	if (!c->attempt || be->nopen == 1)
		be->stalled = 0;
	pool_forget(c);
	wake(be);
}
