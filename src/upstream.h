/* SPDX-License-Identifier: MIT */
/*
 * Backend connections: connect, a bounded idle pool per backend for reuse,
 * and per backend a cap on open connections and on connection attempts, with
 * a FIFO queue of the requests beyond it (doc/architecture.md, "Backend
 * connection limits").
 */
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
	int reused;		   /* came from the idle pool: may be stale */
	int dial;		   /* which of the backend's addresses it connected to */
	int announced;		   /* hooks.dial took it: hooks.hangup before close */
	int attempt;		   /* new, and the backend has not answered on it yet */
	int held;		   /* kept out of the pool for a client (upstream_hold) */
	unsigned int answers_seen; /* the backend's answered count at connect */
	unsigned int gen;	   /* the pool's hooks generation it was made under */
	int lending;		   /* lent to the kernel's pool (hooks.lend), held */
	void *lent;		   /* the kernel engine's handle of its lendings */
	TAILQ_ENTRY(upstream_conn) entry;
};

struct upstream_pool;

struct upstream_limits {
	unsigned int max_idle; /* idle connections kept per backend */
	/* Connections open to one backend: in use, idle in the pool or held
	 * for a client; beyond it requests wait in the backend's queue. */
	unsigned int max_conns;
	/* New connections the backend has not answered on yet (its accept
	 * queue may still hold them); beyond it connecting waits. */
	unsigned int max_connecting;
	/*
	 * idle_tv bounds how long a pooled connection waits unused; it is the
	 * upstream timeout, so a connection moving between pool and session
	 * keeps its timers untouched.
	 */
	struct timeval idle_tv;
	struct timeval connect_tv; /* for the connections queued requests get */
};

/* One backend per distinct backend address among the routes. */
struct upstream_pool *upstream_pool_new(struct event_base *base, const struct router *rt,
					const struct upstream_limits *lim);
void upstream_pool_free(struct upstream_pool *pool);

/*
 * Called with each new backend socket before it connects (0: it will get
 * hangup before it is closed), and at its close: how the kernel engine
 * learns which backend connections are zeroserve's. NULL removes them.
 */
struct upstream_hooks {
	int (*dial)(void *arg, int fd, const struct sockaddr *to, socklen_t len);
	void (*hangup)(void *arg, int fd, const struct sockaddr *to);
	/*
	 * lend: an idle connection may go to the kernel's pool instead of
	 * the idle one (0: it went; the hook set its callbacks). retire: c,
	 * lent at some time (c->lent), is about to close.
	 */
	int (*lend)(void *arg, struct upstream_conn *c);
	void (*retire)(void *arg, struct upstream_conn *c);
	/* reclaim: one of be's lent connections the kernel has not paired,
	 * taken back out of its pool, or NULL. */
	struct upstream_conn *(*reclaim)(void *arg, struct upstream_backend *be);
	void *arg;
};
void upstream_pool_set_hooks(struct upstream_pool *pool, const struct upstream_hooks *hooks);
struct upstream_backend *upstream_pool_backend(struct upstream_pool *pool, unsigned int route_id);
/* A backend's number, 0 up, in the order the routes first name it. */
unsigned int upstream_backend_id(const struct upstream_backend *be);
/* c, lent (c->lending), is a client's from now on: still held, no more
 * lent. upstream_put lends it again, or pools it. */
void upstream_unlend(struct upstream_conn *c);

/*
 * An idle connection to be, or a new one with connect(2) started. The caller
 * sets the conn callbacks. NULL with errno on failure: EAGAIN when the
 * backend is at its limits or requests wait already (then upstream_wait).
 */
struct upstream_conn *upstream_get(struct upstream_backend *be, const struct timeval *connect_tv);

/*
 * A request waiting for a connection: ready runs from the event loop, never
 * inside an upstream_* call, with the connection (or NULL and err when no
 * connect could start). The waiter lives in its owner; the queue is bounded
 * by the owners (a client connection waits for one connection at most).
 */
struct upstream_wait {
	void (*ready)(struct upstream_wait *w, struct upstream_conn *c, int err);
	struct upstream_backend *be; /* non-NULL while queued */
	TAILQ_ENTRY(upstream_wait) entry;
};
/* Queue w at the tail, or at the head when it waited before (first != 0). */
void upstream_wait(struct upstream_backend *be, struct upstream_wait *w, int first);
/* Leave the queue; nothing when w is not queued. */
void upstream_wait_cancel(struct upstream_wait *w);
/* The backend sent c its first bytes: it accepted c, c is no attempt now. */
void upstream_answered(struct upstream_conn *c);
/*
 * Keep c out of the pool for one client (the kernel engine's pairing). It
 * still counts against max_conns, so only while no request waits and fewer
 * than max_conns / 2 are held: the other half always serves the queue.
 * 0, or -EBUSY. upstream_put and upstream_close end the hold.
 */
int upstream_hold(struct upstream_conn *c);
/*
 * c's connect failed: close it. -EAGAIN when the backend is alive but busy
 * (its accept queue full drops SYNs): other connections to it are open (no
 * new connection is tried then until one of them is released), or it
 * answered on another one while c was connecting. The caller may then wait
 * (upstream_wait) instead of failing. 0 otherwise: a refusal, or silence,
 * is the backend's answer.
 */
int upstream_fail(struct upstream_conn *c);
/*
 * failed could not connect: a new connection to the backend's other address
 * (a name's answer of the other family), which later connections use too.
 * NULL (errno ENOENT) when there is no other address to try.
 */
struct upstream_conn *upstream_get_other(struct upstream_backend *be,
					 const struct upstream_conn *failed,
					 const struct timeval *connect_tv);
/* Back to the idle pool (closes it when the pool is full), or lent to the
 * kernel's pool (hooks.lend) while fewer than max_conns / 2 are held and
 * no request waits. */
void upstream_put(struct upstream_conn *c);
void upstream_close(struct upstream_conn *c);

#endif
