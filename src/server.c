/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "accel.h"
#ifdef HAVE_BPF_ENGINE
#include "accel_abi.h"
#endif
#include "metrics.h"
#include "telemetry.h"
#include "config.h"
#include "log.h"
#include "privdrop.h"
#ifdef HAVE_BPF_ENGINE
#include "program.h"
#endif
#include "server.h"
#include "session.h"
#include "static.h"
#include "upstream.h"

/* Idle connections kept per backend. */
#define POOL_MAX_IDLE 64

static void ms_to_tv(unsigned int ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

static void pause_listeners(struct server *srv, int pause)
{
	size_t i;

	if (srv->paused == pause)
		return;
	srv->paused = pause;
	for (i = 0; i < srv->nlisteners; i++) {
		if (pause)
			evconnlistener_disable(srv->listeners[i]);
		else
			evconnlistener_enable(srv->listeners[i]);
	}
}

/* What a client's connection to l has as its local address, with no
 * system call per connection: l's own, unless l is a wildcard. */
static void listen_local_set(struct server *srv, size_t i, struct evconnlistener *l)
{
	struct addr *a = &srv->listen_local[i];
	socklen_t len = sizeof(a->ss);
	int one = 1;

	/* Accepted sockets inherit it (tcp_create_openreq_child clones the
	 * listener's tcp_sock): no setsockopt per connection. */
	(void)setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(a, 0, sizeof(*a));
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&a->ss, &len) < 0 ||
	    addr_is_wildcard(a))
		a->ss.ss_family = AF_UNSPEC;
	a->len = len;
}

/* The listener's own address when it names one (not a wildcard). */
static const struct sockaddr *listener_local(struct server *srv, struct evconnlistener *l)
{
	size_t i;

	for (i = 0; i < srv->nlisteners; i++)
		if (srv->listeners[i] == l)
			return srv->listen_local[i].ss.ss_family != AF_UNSPEC
				   ? (const struct sockaddr *)&srv->listen_local[i].ss
				   : NULL;
	return NULL;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct server *srv = arg;

	if (srv->draining) {
		close(fd);
		return;
	}
	if (session_new(srv, fd, sa, salen, listener_local(srv, l)) < 0) {
		log_warn("accept: cannot start a session");
		return;
	}
	if (srv->nsessions >= srv->cfg->max_conns)
		pause_listeners(srv, 1);
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	int e = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: stop accepting until a session ends. */
	log_warnx("accept: %s", evutil_socket_error_to_string(e));
	if (srv->nsessions > 0)
		pause_listeners(srv, 1);
}

void server_session_gone(struct server *srv)
{
	if (srv->draining) {
		if (srv->nsessions == 0)
			event_base_loopexit(srv->base, NULL);
		return;
	}
	if (srv->paused && srv->nsessions < srv->cfg->max_conns)
		pause_listeners(srv, 0);
}

static void drain_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	log_warnx("shutdown: %u connection%s still busy, closing them", srv->nsessions,
		  srv->nsessions == 1 ? "" : "s");
	event_base_loopexit(srv->base, NULL);
}

static void shutdown_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct session *s, *next;
	struct timeval tv;
	size_t i;

	if (srv->draining) {
		/* A second signal: stop now. */
		event_base_loopexit(srv->base, NULL);
		return;
	}
	log_info("%s: finishing %u connection%s, then exiting", strsignal((int)sig), srv->nsessions,
		 srv->nsessions == 1 ? "" : "s");
	srv->draining = 1;
	for (i = 0; i < srv->nlisteners; i++) {
		evconnlistener_free(srv->listeners[i]);
		srv->listeners[i] = NULL;
	}
	srv->nlisteners = 0;
	/* glibc's sys/queue.h has no TAILQ_FOREACH_SAFE. */
	for (s = TAILQ_FIRST(&srv->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		session_drain(s);
	}
	if (srv->nsessions == 0) {
		event_base_loopexit(srv->base, NULL);
		return;
	}
	ms_to_tv(srv->cfg->shutdown_timeout_ms, &tv);
	evtimer_add(srv->drain_timer, &tv);
}

#ifdef HAVE_BPF_ENGINE
static void klog_record(const struct zs_log *l, void *arg)
{
	struct server *srv = arg;

	telemetry_kernel(srv->tm, l);
}

/*
 * Records read in one go, and how often: while records flow, every 1 ms,
 * at most KLOG_BATCH of them, so zeroserve never holds its CPU (which the
 * backends share) for long. Read every 100 ms instead, 8000 records at
 * 80,000 requests a second took 2.4 ms with metrics, 8 ms with a JSON log,
 * and wrk's p99 latency (c32, nginx backend on zeroserve's CPU) rose from
 * 0.65 ms to 1.6 and 3.4 ms; this way to 0.8 and 1.3-1.6 ms. Idle, every
 * 100 ms: a line is at most that late.
 */
#define KLOG_BATCH   256
#define KLOG_BUSY_US 1000
#define KLOG_IDLE_US 100000

/* All that waits (max 0), or one batch; then when to look again. */
static void klog_read(struct server *srv, unsigned int max)
{
	struct timeval tv = {0, KLOG_IDLE_US};
	int n;

	telemetry_batch(srv->tm, 1);
	n = accel_log_read(srv->accel, max);
	telemetry_batch(srv->tm, 0);
	if (n > 0)
		tv.tv_usec = KLOG_BUSY_US;
	evtimer_add(srv->klog_timer, &tv);
}

static void klog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	klog_read(arg, KLOG_BATCH);
}

/* The kernel's records: read when it wakes us, and on a timer. */
static void klog_start(struct server *srv)
{
	int fd = accel_log_fd(srv->accel);

	if (srv->tm == NULL || fd < 0)
		return;
	accel_log_set(srv->accel, klog_record, srv);
	srv->klog_ev = event_new(srv->base, fd, EV_READ | EV_PERSIST, klog_cb, srv);
	srv->klog_timer = evtimer_new(srv->base, klog_cb, srv);
	if (srv->klog_ev == NULL || srv->klog_timer == NULL) {
		log_warnx("cannot read the kernel's request records: out of memory");
		return;
	}
	event_add(srv->klog_ev, NULL);
	klog_read(srv, KLOG_BATCH);
}
#endif

void server_kernel_log(struct server *srv)
{
#ifdef HAVE_BPF_ENGINE
	if (srv->klog_ev != NULL)
		klog_read(srv, 0);
#else
	(void)srv;
#endif
}

static void usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	/* The kernel's records first: once this line is out, every request
	 * answered before the signal is in the access log. */
#ifdef HAVE_BPF_ENGINE
	if (srv->klog_ev != NULL)
		klog_read(srv, 0);
#endif
	log_info("%u connection%s open, engine: %s", srv->nsessions, srv->nsessions == 1 ? "" : "s",
		 srv->accel != NULL ? "kernel" : "userspace");
	accel_log_counters(srv->accel, "SIGUSR1");
}

#ifdef HAVE_BPF_ENGINE
/*
 * SIGHUP: the routing program's file again (zeroserve-program.7, "RELOAD"),
 * checked and loaded as at start, then swapped in on both engines: the
 * kernel's by one update of zs_prog, userspace's here, between two events.
 * A request already decided keeps its decision. Whatever fails leaves the
 * running program in place, and says why.
 */
static void program_reload(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct program *p, *old = srv->program;
	char err[1024];
	uint64_t saved = 0;
	int rc, raised;

	if (cfg->program == NULL || old == NULL) {
		log_info("SIGHUP: no --program to reload");
		return;
	}
	if (!srv->engine_known) {
		log_warnx("SIGHUP: the kernel engine is still loading; the program stays");
		return;
	}
	raised = privdrop_raise(&saved) == 0;
	rc = program_load(&p, cfg->program, &cfg->router, cfg->verifier_log,
			  srv->accel != NULL ? accel_program_kreq(srv->accel) : -1, err,
			  sizeof(err));
	if (raised)
		privdrop_restore(saved);
	if (rc < 0) {
		log_warnx("SIGHUP: kept the running program: %s", err);
		return;
	}
	if (srv->accel != NULL &&
	    (rc = accel_program_swap(srv->accel, p, program_same_fields(p, old))) < 0) {
		log_warnx("SIGHUP: kept the running program: cannot plug %s into the kernel "
			  "engine: %s",
			  cfg->program, strerror(-rc));
		/* Back to the running one; failing that, userspace decides all. */
		if (accel_program_swap(srv->accel, old, program_same_fields(p, old)) < 0)
			log_warnx("SIGHUP: the kernel engine asks no program now: every request "
				  "is decided in userspace");
		program_free(p);
		return;
	}
	srv->program = p;
	program_free(old);
	log_info("SIGHUP: routing program %s reloaded", cfg->program);
}
#else
static void program_reload(struct server *srv)
{
	(void)srv;
	log_info("SIGHUP: no --program to reload");
}
#endif

static void hup_cb(evutil_socket_t sig, short what, void *arg)
{
	program_reload(arg);
}

static int accel_dial_hook(void *arg, int fd, const struct sockaddr *to, socklen_t len)
{
	struct server *srv = arg;

	return accel_dial(srv->accel, fd, to, len);
}

static void accel_hangup_hook(void *arg, int fd, const struct sockaddr *to)
{
	struct server *srv = arg;

	accel_hangup(srv->accel, fd, to);
}

#ifdef HAVE_BPF_ENGINE
/* The kernel's reasons for handing a request up, as metrics name them. */
static const struct {
	const char *name;
	int counter; /* enum zs_counter; -1 without the kernel engine */
} handovers[] = {
    {"busy", ZS_C_PASS_USER},	    {"unpaired", ZS_C_PASS_UNPAIRED},
    {"head", ZS_C_PASS_HEAD},	    {"feature", ZS_C_PASS_FEATURE},
    {"route", ZS_C_PASS_ROUTE},	    {"response", ZS_C_PASS_RESPONSE},
    {"guard", ZS_C_PASS_GUARD},	    {"pool_empty", ZS_C_POOL_EMPTY},
    {"program", ZS_C_PASS_PROGRAM}, {"redirect_failed", ZS_C_REDIRECT_FAIL},
};
#define NHANDOVERS (sizeof(handovers) / sizeof(handovers[0]))
#define NMAPS	   8
#endif

static void server_metrics_state(struct metrics_state *st, void *arg)
{
#ifdef HAVE_BPF_ENGINE
	static const char *names[NHANDOVERS];
	static uint64_t counts[NHANDOVERS];
	static struct metrics_map maps[NMAPS];
#endif
	struct server *srv = arg;
	struct session *s;
	uint64_t kernel_records, otlp_sent, otlp_dropped;
	size_t i;

	st->connections_open = srv->nsessions;
	st->requests_in_flight = 0;
	TAILQ_FOREACH(s, &srv->sessions, entry)
	st->requests_in_flight += session_in_request(s);
	st->upstream_connect_errors = srv->upstream_connect_errors;
	st->upstream_timeouts = srv->upstream_timeouts;
	telemetry_counts(srv->tm, &kernel_records, &otlp_sent, &otlp_dropped);
	st->engine_kernel = srv->accel != NULL;
#ifdef HAVE_BPF_ENGINE
	if (srv->accel != NULL) {
		struct accel_map_fill fill[NMAPS];
		uint64_t c[ZS_C__MAX];

		if (accel_counters(srv->accel, c) == 0) {
			for (i = 0; i < NHANDOVERS; i++) {
				names[i] = handovers[i].name;
				counts[i] = c[handovers[i].counter];
			}
			st->handover_reason = names;
			st->handover = counts;
			st->nhandover = NHANDOVERS;
			st->log_events_dropped = c[ZS_C_LOG_DROPPED];
		}
		st->nmaps = accel_map_fill(srv->accel, fill, NMAPS);
		for (i = 0; i < st->nmaps; i++) {
			maps[i].name = fill[i].name;
			maps[i].used = fill[i].used;
			maps[i].max = fill[i].max;
		}
		st->maps = maps;
	}
#else
	(void)i;
#endif
}

void server_set_accel(struct server *srv, struct accel *a)
{
	struct upstream_hooks hooks = {accel_dial_hook,	      accel_hangup_hook,
				       session_accel_lend,    session_accel_retire,
				       session_accel_reclaim, srv};
	size_t i;

	srv->accel = a;
	srv->engine_known = 1;
	upstream_pool_set_hooks(srv->pool, a != NULL ? &hooks : NULL);
#ifdef HAVE_BPF_ENGINE
	if (a == NULL)
		return;
	/* Each route's first requests take from its backend's pool. */
	for (i = 0; i < srv->cfg->router.n; i++) {
		struct upstream_backend *be = upstream_pool_backend(srv->pool, (unsigned int)i);

		if (srv->cfg->router.routes[i].kind == ROUTE_BACKEND && be != NULL &&
		    accel_route_kernel(a, (unsigned int)i))
			accel_pool_bind(a, (unsigned int)i, upstream_backend_id(be));
	}
	session_accel_start(srv);
	klog_start(srv);
#else
	(void)i;
#endif
}

int server_init(struct server *srv, struct event_base *base, const struct config *cfg)
{
	struct upstream_limits lim;
	size_t i;

	memset(srv, 0, sizeof(*srv));
	srv->base = base;
	srv->cfg = cfg;
	TAILQ_INIT(&srv->sessions);
	ms_to_tv(cfg->upstream_timeout_ms, &srv->tv_upstream);
	ms_to_tv(cfg->connect_timeout_ms, &srv->tv_connect);
	ms_to_tv(cfg->idle_timeout_ms, &srv->tv_idle);
	ms_to_tv(cfg->header_timeout_ms, &srv->tv_header);
	ms_to_tv(cfg->queue_timeout_ms, &srv->tv_queue);

	lim.max_idle = POOL_MAX_IDLE;
	lim.max_conns = cfg->backend_max_conns;
	lim.max_connecting = cfg->backend_max_connecting;
	lim.idle_tv = srv->tv_upstream;
	lim.connect_tv = srv->tv_connect;
	srv->pool = upstream_pool_new(base, &cfg->router, &lim);
	if (srv->pool == NULL)
		return -ENOMEM;
	srv->files = static_files_new(cfg);
	if (srv->files == NULL)
		return -errno;
	{
		char err[300] = "";

		srv->tm = telemetry_new(base, cfg, err, sizeof(err));
		if (srv->tm == NULL && errno != 0) {
			int e = errno;

			log_warnx("%s", err);
			return -e;
		}
		telemetry_set_state(srv->tm, server_metrics_state, srv);
	}
	srv->listeners = calloc(cfg->nlistens, sizeof(*srv->listeners));
	srv->listen_local = calloc(cfg->nlistens, sizeof(*srv->listen_local));
	if (srv->listeners == NULL || srv->listen_local == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->nlistens; i++) {
		struct evconnlistener *l;

		l = evconnlistener_new_bind(
		    base, accept_cb, srv,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, 511,
		    (struct sockaddr *)&cfg->listens[i].ss, (int)cfg->listens[i].len);
		if (l == NULL) {
			int e = errno;

			log_warn("cannot listen on %s", cfg->listen_text[i]);
			return e ? -e : -EADDRINUSE;
		}
		evconnlistener_set_error_cb(l, accept_error_cb);
		listen_local_set(srv, srv->nlisteners, l);
		srv->listeners[srv->nlisteners++] = l;
	}

	srv->sig_term = evsignal_new(base, SIGTERM, shutdown_cb, srv);
	srv->sig_int = evsignal_new(base, SIGINT, shutdown_cb, srv);
	srv->sig_usr1 = evsignal_new(base, SIGUSR1, usr1_cb, srv);
	srv->sig_hup = evsignal_new(base, SIGHUP, hup_cb, srv);
	srv->drain_timer = evtimer_new(base, drain_timeout_cb, srv);
	if (srv->sig_term == NULL || srv->sig_int == NULL || srv->sig_usr1 == NULL ||
	    srv->sig_hup == NULL || srv->drain_timer == NULL)
		return -ENOMEM;
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_usr1, NULL);
	evsignal_add(srv->sig_hup, NULL);
	return 0;
}

int server_run(struct server *srv)
{
	if (event_base_dispatch(srv->base) < 0)
		return 1;
	return srv->exit_status;
}

void server_free(struct server *srv)
{
	struct session *s;
	size_t i;

	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL) {
		session_close(s, "exiting");
		if (TAILQ_FIRST(&srv->sessions) == s)
			break; /* still on a callback stack: cannot happen at exit */
	}
	for (i = 0; i < srv->nlisteners; i++)
		evconnlistener_free(srv->listeners[i]);
	free(srv->listeners);
	free(srv->listen_local);
	if (srv->ksweep)
		event_free(srv->ksweep);
	if (srv->sig_term)
		event_free(srv->sig_term);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_usr1)
		event_free(srv->sig_usr1);
	if (srv->sig_hup)
		event_free(srv->sig_hup);
	if (srv->drain_timer)
		event_free(srv->drain_timer);
#ifdef HAVE_BPF_ENGINE
	/* The kernel's last records, then nothing more to read. */
	if (srv->klog_ev != NULL) {
		accel_log_read(srv->accel, 0);
		event_free(srv->klog_ev);
	}
	if (srv->klog_timer != NULL)
		event_free(srv->klog_timer);
#endif
	/* After the sessions, which drop their map entries; before the pool's sockets go. */
	upstream_pool_set_hooks(srv->pool, NULL);
	accel_stop(srv->accel);
	srv->accel = NULL;
	upstream_pool_free(srv->pool);
	static_files_free(srv->files);
	telemetry_free(srv->tm);
}
