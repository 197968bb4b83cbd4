/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <linux/magic.h>

#include <event2/event.h>

#include "accel.h"
#ifdef HAVE_BPF_ENGINE
#include "accel_env.h"
#endif
#include "config.h"
#include "log.h"
#include "privdrop.h"
#ifdef HAVE_BPF_ENGINE
#include "program.h"
#endif
#include "server.h"
#include "telemetry.h"
struct program;
#include "static.h"

#ifdef HAVE_BPF_ENGINE
#define HAVE_ENGINE 1
#else
#define HAVE_ENGINE 0
#endif

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
	struct privdrop *pd;
	pthread_t thread;
	int efd; /* written once the load ended, either way */
	struct event *ev;
	int running;
	struct accel *accel;
	int skip; /* engine_skipped said why: nothing to load */
	char why[256];
};

/*
 * Why the kernel engine is not even tried, or NULL. The start and --check
 * ask alike. Without backend routes (directories, the welcome page) it
 * would have nothing to carry, so no BPF is loaded.
 */
static const char *engine_skipped(const struct config *cfg)
{
	size_t i;

	if (cfg->no_bpf)
		return "kernel engine off: --no-bpf";
	for (i = 0; i < cfg->router.n; i++)
		if (cfg->router.routes[i].kind == ROUTE_BACKEND)
			return NULL;
	return "kernel engine not needed: no backend routes";
}

static const struct privdrop_keep *program_keep(struct program *p, struct privdrop_keep *k);

static void *engine_load(void *arg)
{
	struct engine_loader *l = arg;
	uint64_t one = 1;

	l->accel = accel_start(l->cfg, l->srv->program, l->why, sizeof(l->why));
	(void)!write(l->efd, &one, sizeof(one));
	return NULL;
}

/* Back on the loop: the engine is known. */
static void engine_ready(evutil_socket_t fd, short what, void *arg)
{
	struct engine_loader *l = arg;
	struct privdrop_keep keep;
	char err[256];
	size_t i;

	if (l->running) {
		pthread_join(l->thread, NULL);
		l->running = 0;
	} else if (l->efd < 0 && !l->skip) {
		/* No thread could be made: load here. */
		l->accel = accel_start(l->cfg, l->srv->program, l->why, sizeof(l->why));
	}
	/* The loader thread is gone: what is dropped now is dropped for the process. */
	if (privdrop_finish(l->pd, l->accel, program_keep(l->srv->program, &keep), err,
			    sizeof(err)) < 0)
		fatalx("%s", err);
	server_set_accel(l->srv, l->accel);
	/* One line saying why, --no-bpf included: users compare engines. */
	if (l->accel == NULL)
		log_info("%s", l->why);
	for (i = 0; i < l->cfg->nlistens; i++)
		log_info("listening on http://%s/ (engine: %s)", l->cfg->listen_text[i],
			 l->accel != NULL ? "kernel" : "userspace");
}

static int engine_load_start(struct engine_loader *l, const struct config *cfg, struct server *srv,
			     struct privdrop *pd)
{
	const char *skip = engine_skipped(cfg);

	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->srv = srv;
	l->pd = pd;
	l->efd = -1;
	if (skip != NULL) {
		l->skip = 1;
		snprintf(l->why, sizeof(l->why), "%s", skip);
		return -ECANCELED;
	}
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
	/* The loader took the capabilities along; this thread serves without. */
	if (privdrop_lower(pd) < 0)
		log_warnx("cannot clear the effective capabilities while the engine loads");
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

#ifdef HAVE_BPF_ENGINE
/* One line: name, then what is there, or the check's reason in why. */
static int check_line(const char *name, int err, const char *ok, const char *why)
{
	printf("%s: %s\n", name, err == 0 ? ok : why);
	return err;
}

/*
 * zeroserve --check: the start's own checks (src/accel_env.c), one line
 * each, and the engine they add up to. Binds nothing, loads nothing: the
 * BPF load itself (the verifier) is the one thing only a start can tell.
 * 0 when the kernel engine would run, else 1.
 */
static int check_report(const struct config *cfg, const struct privdrop *pd)
{
	char btf[256], caps[256], lock[256], mnt[256], cg[256], line[PATH_MAX + 128];
	char *path = NULL;
	const char *first = NULL, *skip = engine_skipped(cfg);
	struct utsname u;
	struct statfs sfs;
	int fd, err, btf_err, caps_err, lock_err, cg_err;

	if (uname(&u) == 0)
		printf("kernel: %s %s (uname)\n", u.sysname, u.release);
	btf_err = check_line("kernel BTF", accel_env_btf(btf, sizeof(btf)),
			     "/sys/kernel/btf/vmlinux", btf);
	caps_err = check_line("capabilities", accel_env_caps(caps, sizeof(caps)),
			      "CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON (or CAP_SYS_ADMIN)", caps);
	lock_err = check_line("lockdown", accel_env_lockdown(lock, sizeof(lock)),
			      "not in confidentiality mode", lock);
	err = accel_env_cgroup(NULL, &path, &fd, mnt, sizeof(mnt));
	if (err == 0) {
		snprintf(line, sizeof(line), "mounted at %s", path);
		close(fd);
		free(path);
		path = NULL;
	}
	/* Only the cgroup it attaches to decides; a mount alone does not. */
	printf("cgroup v2: %s\n", err == 0 ? line : mnt);
	err = accel_env_cgroup(cfg->cgroup, &path, &fd, cg, sizeof(cg));
	if (err == 0) {
		snprintf(line, sizeof(line), "would attach to %s (%s)", path,
			 cfg->cgroup != NULL ? "--cgroup"
					     : "the cgroup v2 mount; --cgroup PATH names another");
		close(fd);
		free(path);
	}
	cg_err = check_line("cgroup", err, line, cg);
	printf("bpffs: %s (not needed: zeroserve pins nothing)\n",
	       statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC
		   ? "mounted at /sys/fs/bpf"
		   : "not mounted at /sys/fs/bpf");
	/* The reason a start would give: accel_env_check's order. */
	if (caps_err < 0)
		first = caps;
	else if (lock_err < 0)
		first = lock;
	else if (cg_err < 0)
		first = cg;
	else if (btf_err < 0)
		first = btf;
	privdrop_describe(pd, line, sizeof(line));
	printf("user: %s\n", line);
	if (skip != NULL)
		printf("engine: userspace (%s)\n", skip);
	else if (first != NULL)
		printf("engine: userspace (kernel engine unavailable: %s)\n", first);
	else
		printf("engine: kernel (the BPF load itself is tried at start)\n");
	return skip == NULL && first == NULL ? 0 : 1;
}

/* An explicit --cgroup must be one: a typo would silently mean userspace. */
static int check_cgroup_opt(const struct config *cfg, char *err, size_t errlen)
{
	char *path;
	int fd, rc;

	if (cfg->cgroup == NULL)
		return 0;
	rc = accel_env_cgroup(cfg->cgroup, &path, &fd, err, errlen);
	if (rc < 0)
		return rc;
	close(fd);
	free(path);
	return 0;
}
#else
static int check_report(const struct config *cfg, const struct privdrop *pd)
{
	char why[256], line[512];
	struct utsname u;

	if (uname(&u) == 0)
		printf("kernel: %s %s (uname)\n", u.sysname, u.release);
	privdrop_describe(pd, line, sizeof(line));
	printf("user: %s\n", line);
	accel_start(cfg, NULL, why, sizeof(why));
	printf("engine: userspace (%s)\n", why);
	return 1;
}

/* --cgroup names where the kernel engine attaches: this build has none. */
static int check_cgroup_opt(const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->cgroup == NULL)
		return 0;
	snprintf(err, errlen, "kernel engine not built (--disable-bpf)");
	return -ENOTSUP;
}
#endif

#ifdef HAVE_BPF_ENGINE
static int load_program(const struct config *cfg, struct program **p)
{
	char err[1024];
	int rc;

	rc = program_load(p, cfg->program, &cfg->router, cfg->verifier_log, -1, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "zeroserve: --program %s\n", err);
	else
		log_info("routing program %s loaded", cfg->program);
	return rc;
}

static void free_program(struct program *p)
{
	program_free(p);
}

/* What the program needs of the start's privileges once it is over. */
static const struct privdrop_keep *program_keep(struct program *p, struct privdrop_keep *k)
{
	if (p == NULL)
		return NULL;
	k->usable = program_usable;
	k->arg = p;
	k->reload = 1;
	return k;
}
#else
static int load_program(const struct config *cfg, struct program **p)
{
	*p = NULL;
	fprintf(stderr,
		"zeroserve: --program %s: this zeroserve was built without BPF "
		"(--disable-bpf)\n",
		cfg->program);
	return -ENOTSUP;
}

static void free_program(struct program *p)
{
	(void)p;
}

static const struct privdrop_keep *program_keep(struct program *p, struct privdrop_keep *k)
{
	(void)p;
	(void)k;
	return NULL;
}
#endif

int main(int argc, char **argv)
{
	struct config cfg;
	struct server srv;
	struct engine_loader loader;
	struct privdrop pd;
	struct program *program = NULL;
	struct event_base *base;
	struct event_config *ecfg;
	const char *dir;
	char err[512];
	size_t i;
	int rc, e;

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
	if (check_cgroup_opt(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "zeroserve: bad --cgroup: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	if (privdrop_plan(&pd, cfg.user, err, sizeof(err)) < 0) {
		fprintf(stderr, "zeroserve: %s (see zeroserve --help)\n", err);
		config_free(&cfg);
		return 2;
	}
	if (cfg.check) {
		rc = check_report(&cfg, &pd);
		config_free(&cfg);
		return rc;
	}
	log_init(cfg.verbosity);
	log_bridge_libevent();
	/* A program that does not load is a start error, before anything
	 * binds, with the privileges of the start. */
	if (cfg.program != NULL && load_program(&cfg, &program) < 0) {
		config_free(&cfg);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(cfg.max_conns);

	ecfg = event_config_new();
	/* No locking: one thread owns everything. */
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(ecfg);
	event_config_free(ecfg);
	if (base == NULL)
		fatalx("cannot create the event loop");

	rc = server_init(&srv, base, &cfg) < 0 ? 1 : 0;
	srv.program = program;
	/*
	 * Listeners bound (ports below 1024 too) and files opened (access log,
	 * directory roots, mime.types) with the start's privileges: now the
	 * user zeroserve serves as, before the first request and before the
	 * loader thread exists (capabilities are per thread). It keeps what
	 * the kernel engine needs to load, if it is to load.
	 */
	if (rc == 0 &&
	    privdrop_switch(&pd, HAVE_ENGINE && (engine_skipped(&cfg) == NULL || program != NULL),
			    err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		rc = 1;
	}
	if (rc == 0 && (dir = static_files_unreadable(srv.files)) != NULL) {
		/* A start error, not a 403 on every request. */
		if (pd.root)
			log_warnx("directory %s is not readable by user %s (uid %u): --user NAME "
				  "runs zeroserve as a user who can read it",
				  dir, pd.name, (unsigned int)pd.uid);
		else
			log_warnx("directory %s is not readable by user %s (uid %u)", dir, pd.name,
				  (unsigned int)pd.uid);
		rc = 2;
	}
	if (rc == 0 && cfg.metrics_textfile != NULL && (e = telemetry_start(srv.tm)) < 0) {
		log_warnx("--metrics-textfile %s: cannot write it as user %s (uid %u): %s%s",
			  cfg.metrics_textfile, pd.name, (unsigned int)pd.uid, strerror(-e),
			  pd.root ? "; --user NAME runs zeroserve as a user who can write its "
				    "directory"
				  : "");
		rc = 2;
	}
	if (rc != 0) {
		server_free(&srv);
		free_program(program);
		event_base_free(base);
		config_free(&cfg);
		return rc;
	}
	/*
	 * After the listeners are bound (their ports go into the kernel's map).
	 * Loading and verifying the BPF programs takes ~200 ms: a thread does
	 * it while the loop already serves on the userspace engine. Sockets
	 * made before the attach stay in userspace, which is correct for them.
	 */
	if (engine_load_start(&loader, &cfg, &srv, &pd) < 0)
		engine_ready(-1, 0, &loader);
	if (cfg.router.n == 0)
		log_info("no routes given: answering the built-in welcome page");
	for (i = 0; i < cfg.router.n; i++)
		log_debug("route %s", cfg.router.routes[i].spec);

	rc = server_run(&srv);
	engine_load_finish(&loader);
	/* A reload (SIGHUP) may have replaced it. */
	program = srv.program;
	server_free(&srv);
	free_program(program);
	event_base_free(base);
	config_free(&cfg);
	return rc;
}
