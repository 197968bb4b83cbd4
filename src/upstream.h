/* SPDX-License-Identifier: MIT */
/* Backend connections: connect, and a bounded idle pool per backend for reuse. */
#ifndef ZS_UPSTREAM_H
#define ZS_UPSTREAM_H

#include <sys/queue.h>

#include "addr.h"

struct event_base;
struct conn;
struct router;
struct upstream_backend;

struct upstream_conn {
	struct conn *conn;
	struct upstream_backend *be;
	int reused;	  /* came from the idle pool: may be stale */
	int dial;	  /* which of the backend's addresses it connected to */
	int announced;	  /* hooks.dial took it: hooks.hangup before close */
	unsigned int gen; /* the pool's hooks generation it was made under */
	TAILQ_ENTRY(upstream_conn) entry;
};

struct upstream_pool;

/* One backend per distinct backend address among the routes. */
/*
 * idle_tv bounds how long a pooled connection waits unused; it is the
 * upstream timeout, so a connection moving between pool and session keeps
 * its timers untouched.
 */
struct upstream_pool *upstream_pool_new(struct event_base *base, const struct router *rt,
					unsigned int max_idle, const struct timeval *idle_tv);
void upstream_pool_free(struct upstream_pool *pool);

/*
 * Called with each new backend socket before it connects (0: it will get
 * hangup before it is closed), and at its close: how the kernel engine
 * learns which backend connections are zeroserve's. NULL removes them.
 */
struct upstream_hooks {
	int (*dial)(void *arg, int fd, const struct sockaddr *to, socklen_t len);
	void (*hangup)(void *arg, int fd, const struct sockaddr *to);
	void *arg;
};
void upstream_pool_set_hooks(struct upstream_pool *pool, const struct upstream_hooks *hooks);
struct upstream_backend *upstream_pool_backend(struct upstream_pool *pool, unsigned int route_id);

/*
 * An idle connection to be, or a new one with connect(2) started. The caller
 * sets the conn callbacks. NULL with errno on failure.
 */
struct upstream_conn *upstream_get(struct upstream_backend *be, const struct timeval *connect_tv);
/*
 * failed could not connect: a new connection to the backend's other address
 * (a name's answer of the other family), which later connections use too.
 * NULL (errno ENOENT) when there is no other address to try.
 */
struct upstream_conn *upstream_get_other(struct upstream_backend *be,
					 const struct upstream_conn *failed,
					 const struct timeval *connect_tv);
/* Back to the idle pool (closes it when the pool is full). */
void upstream_put(struct upstream_conn *c);
void upstream_close(struct upstream_conn *c);

#endif
