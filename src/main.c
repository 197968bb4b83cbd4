/* SPDX-License-Identifier: MIT */
#include <errno.h>
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

int main(int argc, char **argv)
{
	struct config cfg;
	struct server srv;
	struct event_base *base;
	struct event_config *ecfg;
	char err[512], why[256];
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
	 * After the listeners are bound (their ports go into the kernel's
	 * map) and before the loop accepts: sockops only sees connections
	 * established after it is attached.
	 */
	srv.accel = accel_start(&cfg, why, sizeof(why));
	/* One line saying why, --no-bpf included: users compare engines. */
	if (srv.accel == NULL)
		log_info("%s", why);
	if (cfg.router.n == 0)
		log_info("no routes given: answering the built-in welcome page");
	for (i = 0; i < cfg.router.n; i++)
		log_debug("route %s", cfg.router.routes[i].spec);
	for (i = 0; i < cfg.nlistens; i++)
		log_info("listening on http://%s/ (engine: %s)", cfg.listen_text[i],
			 srv.accel != NULL ? "kernel" : "userspace");

	rc = server_run(&srv);
	server_free(&srv);
	event_base_free(base);
	config_free(&cfg);
	return rc;
}
