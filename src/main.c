/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "accel.h"
#include "config.h"
#include "log.h"
#include "server.h"

/* Two descriptors per connection (client and backend) plus the idle pool. */
static void raise_fd_limit(unsigned int max_conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_conns * 2 + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_warnx("only %llu file descriptors: fewer than --max-conns %u connections fit",
			  (unsigned long long)rl.rlim_cur, max_conns);
}

/* The kernel engine, loaded beside the event loop. */
struct engine_loader {
	const struct config *cfg;
	struct server *srv;
	pthread_t thread;
	int efd; /* written once the load ended, either way */
	struct event *ev;
	int running;
	struct accel *accel;
	char why[256];
};

static void *engine_load(void *arg)
{
	struct engine_loader *l = arg;
	uint64_t one = 1;

	l->accel = accel_start(l->cfg, l->why, sizeof(l->why));
	(void)!write(l->efd, &one, sizeof(one));
	return NULL;
}

/* Back on the loop: the engine is known. */
static void engine_ready(evutil_socket_t fd, short what, void *arg)
{
	struct engine_loader *l = arg;
	size_t i;

	if (l->running) {
		pthread_join(l->thread, NULL);
		l->running = 0;
	} else if (l->efd < 0) {
		/* No thread could be made: load here. */
		l->accel = accel_start(l->cfg, l->why, sizeof(l->why));
	}
	server_set_accel(l->srv, l->accel);
	/* One line saying why, --no-bpf included: users compare engines. */
	if (l->accel == NULL)
		log_info("%s", l->why);
	for (i = 0; i < l->cfg->nlistens; i++)
		log_info("listening on http://%s/ (engine: %s)", l->cfg->listen_text[i],
			 l->accel != NULL ? "kernel" : "userspace");
}

static int engine_load_start(struct engine_loader *l, const struct config *cfg, struct server *srv)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->srv = srv;
	l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->efd < 0)
		return -errno;
	l->ev = event_new(srv->base, l->efd, EV_READ, engine_ready, l);
	if (l->ev == NULL || event_add(l->ev, NULL) < 0 ||
	    pthread_create(&l->thread, NULL, engine_load, l) != 0) {
		if (l->ev)
			event_free(l->ev);
		l->ev = NULL;
		close(l->efd);
		l->efd = -1;
		return -EAGAIN;
	}
	l->running = 1;
	return 0;
}

/* Exit before the load ended: wait for it, so the engine is torn down. */
static void engine_load_finish(struct engine_loader *l)
{
	if (l->running) {
		pthread_join(l->thread, NULL);
		l->running = 0;
		server_set_accel(l->srv, l->accel);
	}
	if (l->ev)
		event_free(l->ev);
	if (l->efd >= 0)
		close(l->efd);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct server srv;
	struct engine_loader loader;
	struct event_base *base;
	struct event_config *ecfg;
	char err[512];
	size_t i;
	int rc;

	rc = config_parse(&cfg, argc, argv, err, sizeof(err));
	if (rc < 0) {
		/* One line naming the bad argument; --help lists the options. */
		fprintf(stderr, "zeroserve: %s (see zeroserve --help)\n", err);
		config_free(&cfg);
		return 2;
	}
	if (rc == CONFIG_EXIT) {
		config_free(&cfg);
		return 0;
	}
	log_init(cfg.verbosity);
	log_bridge_libevent();
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(cfg.max_conns);

	ecfg = event_config_new();
	/* No locking: one thread owns everything. */
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (base == NULL)
		fatalx("cannot create the event loop");

	if (server_init(&srv, base, &cfg) < 0) {
		server_free(&srv);
		event_base_free(base);
		config_free(&cfg);
		return 1;
	}
	/*
	 * After the listeners are bound (their ports go into the kernel's map).
	 * Loading and verifying the BPF programs takes ~200 ms: a thread does
	 * it while the loop already serves on the userspace engine. Sockets
	 * made before the attach stay in userspace, which is correct for them.
	 */
	if (engine_load_start(&loader, &cfg, &srv) < 0)
		engine_ready(-1, 0, &loader);
	if (cfg.router.n == 0)
		log_info("no routes given: answering the built-in welcome page");
	for (i = 0; i < cfg.router.n; i++)
		log_debug("route %s", cfg.router.routes[i].spec);

	rc = server_run(&srv);
	engine_load_finish(&loader);
	server_free(&srv);
	event_base_free(base);
	config_free(&cfg);
	return rc;
}
