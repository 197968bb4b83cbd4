/* SPDX-License-Identifier: MIT */
/* The process: listeners, signals, the session list, graceful shutdown. */
#ifndef ZS_SERVER_H
#define ZS_SERVER_H

#include <sys/queue.h>
#include <sys/time.h>

struct event_base;
struct evconnlistener;
struct event;
struct config;
struct telemetry;
struct upstream_pool;
struct session;
struct accel;
struct static_files;

TAILQ_HEAD(session_list, session);

struct server {
	struct event_base *base;
	const struct config *cfg;
	struct upstream_pool *pool;
	/* Where finished requests go: the access log, metrics, OTLP
	 * (telemetry.h); NULL: nowhere. */
	struct telemetry *tm;
	struct event *klog_ev, *klog_timer; /* reading the kernel's records */
	uint64_t upstream_connect_errors, upstream_timeouts;
	struct accel *accel;	 /* the kernel engine; NULL: userspace only */
	struct program *program; /* --program (program.h); NULL: none */
	/* Directory routes' roots and file cache (static.c). */
	struct static_files *files;
	struct evconnlistener **listeners;
	struct addr *listen_local; /* each one's bound address; AF_UNSPEC: a wildcard */
	size_t nlisteners;
	struct event *ksweep; /* closes connections idle in the kernel's pool */
	struct session_list sessions;
	unsigned int nsessions;
	int paused;   /* listeners disabled at max_conns */
	int draining; /* SIGTERM seen: finish in-flight work, then exit */
	struct event *sig_term, *sig_int, *sig_usr1, *sig_hup, *drain_timer;
	int engine_known; /* server_set_accel was called: the engine's load is over */
	struct timeval tv_upstream, tv_connect, tv_idle, tv_header, tv_queue;
	int exit_status;
};

/* Bind every listen address. 0 or -errno (logged). */
int server_init(struct server *srv, struct event_base *base, const struct config *cfg);
/* Runs the loop until shutdown; returns the exit status. */
int server_run(struct server *srv);
void server_free(struct server *srv);
/* Called by session_close so a paused listener can resume, a drain finish. */
void server_session_gone(struct server *srv);
/*
 * The kernel's request records waiting in its ring, logged now: before a
 * line of userspace's, so that a connection's lines keep its requests'
 * order (a kernel request's record is in the ring before its client has
 * its answer). No system call when none waits.
 */
void server_kernel_log(struct server *srv);
/* The kernel engine is ready (or NULL): sessions and the pool use it. */
void server_set_accel(struct server *srv, struct accel *a);

#endif
