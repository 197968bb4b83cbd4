/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's loader and map operations: loads bpf/zs.bpf.c through
 * its skeleton (the only user of it) once accel_env.c found it can run and
 * router.c which routes it serves, fills the configuration maps, attaches
 * the programs, and holds each client connection's state in the engine
 * (struct accel_conn). The ordering model behind the maps:
 * doc/architecture.md, "Ordering model".
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "accel_abi.h"
#include "accel_env.h"
#include "config.h"
#include "log.h"
#include "program.h"
#include "router.h"
#include "zs.skel.h"

/* Kernel-path body bounds (doc/kernel-facts.md, pitfall 5): larger bodies go through userspace. */
#define ACCEL_REQ_MAX  (4ULL << 20)
#define ACCEL_RESP_MAX (4ULL << 20)

/* Verifier log lines shown without -v: the error is at the end. */
#define VLOG_TAIL 40

#define LENT_BUCKETS 256
#define ORPHANS	     64
/* How long a tail waits for its client to be accepted. A client port is
 * not reused this soon (it cycles through the ephemeral range first). */
#define ORPHAN_MS    1000
#define CONN_BUCKETS 4096
#define LENT_TAILS   8

struct accel {
	struct zs_bpf *skel;
	struct bpf_link *sockops_link;
	char *cgroup;
	int fd_ctl, fd_peers, fd_conns, fd_counters, fd_socks, fd_expect;
	int ncpus;
	uint64_t *percpu;		       /* one counter's value on every possible CPU */
	struct zs_route routes[ZS_MAX_ROUTES]; /* zs_routes; .kernel: the kernel serves it */
	unsigned int nroutes;
	/* zs_allow as zeroserve wrote it (open addressing, twice the map's
	 * size): a value the kernel has costs no system call. */
	int fd_allow;
	struct zs_allow_key *allow;
	size_t nallow;
	/* The pool (doc/architecture.md, "Kernel from the first request"):
	 * per backend id (upstream.h) a queue, made when a route names it. */
	int fd_pool, fd_lent, fd_lent_b;
	__u32 fields_gen;	  /* zs_fields.gen: one more at each reload with other names */
	int queue[ZS_MAX_ROUTES]; /* -1: none yet; its zs_pool index is id + 1 */
	unsigned int nlent[ZS_MAX_ROUTES];
	__u32 next_gen;
	struct accel_lent *lent_by_gen[LENT_BUCKETS];
	/* Open client connections by C's key: who a record or a peer names. */
	struct accel_conn *conn_by_key[CONN_BUCKETS];
	struct ring_buffer *events;
	/* zs_log: the kernel's request records (accel_log_set). */
	struct ring_buffer *log;
	void (*on_log)(const struct zs_log *l, void *arg);
	void *on_log_arg;
	unsigned int log_n, log_max; /* records read in this accel_log_read, its bound */
	void (*on_event)(void *owner, uint32_t tail, void *arg);
	void *on_event_arg;
	/* Tails for clients not accepted yet: the kernel may carry a first
	 * request and its answer before zeroserve accepts P1. */
	struct {
		struct zs_sock_key c;
		uint64_t ms;
		uint32_t n;
		unsigned char tail[ACCEL_TAIL_MAX];
	} orphan[ORPHANS];
	unsigned int norphans, orphan_next;
};

#define ALLOW_SLOTS (2 * ZS_ALLOW_ENTRIES)

/* One backend connection lent to the kernel's pool, from its first lending
 * to its retirement (accel_lent_retire). */
struct accel_lent {
	struct accel *a;
	struct zs_pool_ent ent; /* B's key, and this lending's gen */
	unsigned int backend;
	void *owner;
	struct accel_lent *next; /* in lent_by_gen */
	/* Tails the kernel sent up on B, oldest first (zs_events records come
	 * before their bytes). More than one only when a client closed before
	 * its tail was relayed and B went on to the next. */
	struct {
		struct zs_sock_key c;
		uint32_t n;
	} tails[LENT_TAILS];
	unsigned int ntails;
};

static int make_pools(struct accel *a, const struct router *rt);

/* Set by the libbpf print callback while the programs load. */
static int saw_verifier_log;

static void log_lines(enum libbpf_print_level level, char *msg)
{
	char *line, *nl;

	for (line = msg; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*line != '\0') {
			if (level == LIBBPF_WARN)
				log_warnx("%s", line);
			else
				log_debug("%s", line);
		}
		if (nl == NULL)
			break;
	}
}

/*
 * A failed load prints the verifier log as one message, thousands of lines
 * for a large program; the reason is in the last few. Without -v show those.
 */
static void log_verifier(char *msg)
{
	char *body, *end, *tail;
	size_t skipped;

	saw_verifier_log = 1;
	body = strchr(msg, '\n');
	if (body == NULL || log_verbosity() >= 1) {
		log_lines(LIBBPF_WARN, msg);
		return;
	}
	/* The "BEGIN PROG LOAD LOG" line names the program. */
	*body++ = '\0';
	log_lines(LIBBPF_WARN, msg);
	end = body + strlen(body);
	if (end > body && end[-1] == '\n')
		end--;
	/* The last VLOG_TAIL lines of the log and the "END PROG LOAD LOG" line. */
	tail = (char *)(uintptr_t)log_tail(body, end, VLOG_TAIL + 1, &skipped);
	if (skipped > 0)
		log_warnx("libbpf: [%zu verifier log lines left out; -v shows them]", skipped);
	log_lines(LIBBPF_WARN, tail);
}

static int __attribute__((format(printf, 2, 0)))
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list aq;
	int n;

	/* libbpf's debug output is a trace of every relocation: -vv only. */
	if (level == LIBBPF_DEBUG && log_verbosity() < 2)
		return 0;
	if (level != LIBBPF_WARN && log_verbosity() < 1)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(small)) {
		msg = malloc((size_t)n + 1);
		if (msg == NULL)
			return 0;
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	if (level == LIBBPF_WARN && strstr(msg, "-- BEGIN PROG LOAD LOG --") != NULL)
		log_verifier(msg);
	else
		log_lines(level, msg);
	if (msg != small)
		free(msg);
	return n;
}

/* What zs_routes holds: router_kernel_refusal decides by it. */
static const struct router_kernel_limits kernel_limits = {
    .routes = ZS_MAX_ROUTES,
    .host_max = ZS_HOST_MAX,
    .prefix_max = ZS_PREFIX_MAX,
};

/*
 * zs_routes in the router's order, so index == route id. Routes the kernel
 * does not serve are there too: the kernel must see that such a route wins a
 * request to pass it up. One that does not fit goes in truncated: it then
 * matches more requests than it should, and only ever to pass them.
 */
unsigned int accel_route_table(const struct router *rt, struct zs_route tbl[ZS_MAX_ROUTES])
{
	size_t i, len;

	memset(tbl, 0, ZS_MAX_ROUTES * sizeof(*tbl));
	for (i = 0; i < rt->n && i < ZS_MAX_ROUTES; i++) {
		const struct route *r = &rt->routes[i];
		struct zs_route *zr = &tbl[i];

		/* Route hosts are stored normalised (router_host_normalize). */
		if (r->host != NULL) {
			len = strlen(r->host);
			zr->host_len = len < ZS_HOST_MAX ? (__u32)len : ZS_HOST_MAX;
			memcpy(zr->host, r->host, zr->host_len);
		}
		/* A program's route matches nothing: route_one skips an empty prefix. */
		zr->prefix_len = r->program_only		 ? 0
				 : r->prefix_len < ZS_PREFIX_MAX ? (__u32)r->prefix_len
								 : ZS_PREFIX_MAX;
		memcpy(zr->prefix, r->prefix, zr->prefix_len);
		zr->kernel = router_kernel_refusal(rt, i, &kernel_limits) == NULL;
	}
	return (unsigned int)i;
}

/*
 * A routing program in the request path (doc/architecture.md, "Routing
 * programs"), before the load: the program's zs_kreq becomes the engine's,
 * so both see one request.
 */
static int program_plug(struct accel *a, const struct program *prog)
{
	int err;

	err = bpf_map__reuse_fd(a->skel->maps.zs_kreq, program_kreq_fd(prog));
	if (err < 0) {
		errno = -err;
		return err;
	}
	a->skel->rodata->program_on = 1;
	return 0;
}

/* The fields prog asks for, as the reader keeps a name: its first 24
 * bytes, lower case, zero-padded (bpf/zs_abi.h, struct zs_fields). */
static int fields_write(struct accel *a, const struct program *prog)
{
	const struct progreq_fields *pf = program_fields(prog);
	struct zs_fields f;
	unsigned int k;
	__u32 zero = 0;

	memset(&f, 0, sizeof(f));
	for (k = 0; k < pf->n && k < ZS_REQ_FIELDS; k++) {
		size_t len = strlen(pf->name[k]);

		f.len[k] = (__u32)len;
		memcpy(f.tok[k], pf->name[k], len);
		f.n += len > 0;
	}
	f.gen = a->fields_gen;
	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.zs_fields), &zero, &f, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/*
 * After the load, or at a reload: the fields the reader looks for, the
 * program's way back (zs_resume), then the way in (zs_prog), so no request
 * reaches the program before it can return.
 */
static int program_wire(struct accel *a, const struct program *prog)
{
	__u32 zero = 0;
	int fd = bpf_program__fd(a->skel->progs.zs_msg_resume);
	int err;

	err = fields_write(a, prog);
	if (err < 0)
		return err;
	if (bpf_map_update_elem(program_resume_fd(prog), &zero, &fd, BPF_ANY) < 0)
		return -errno;
	fd = program_msg_fd(prog);
	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.zs_prog), &zero, &fd, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Before loading anything: which routes the kernel serves, and how many. */
static size_t decide_routes(struct accel *a, const struct router *rt)
{
	size_t i, n = 0;

	a->nroutes = accel_route_table(rt, a->routes);
	for (i = 0; i < rt->n; i++) {
		const char *why = router_kernel_refusal(rt, i, &kernel_limits);

		log_debug("kernel engine: route %s: %s", rt->routes[i].spec,
			  why != NULL ? why : "in the kernel");
		n += why == NULL;
	}
	return n;
}

static int set_routes(struct accel *a)
{
	int fd = bpf_map__fd(a->skel->maps.zs_routes);
	__u32 key;

	for (key = 0; key < a->nroutes; key++)
		if (bpf_map_update_elem(fd, &key, &a->routes[key], BPF_ANY) < 0)
			return -errno;
	return 0;
}

static int add_port(int fd, int port, __u32 role)
{
	__u16 key = (__u16)port;
	__u32 v = 0;

	if (bpf_map_lookup_elem(fd, &key, &v) < 0 && errno != ENOENT)
		return -errno;
	v |= role;
	if (bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

__u32 accel_listen_role(const struct addr *listens, size_t n, int port)
{
	__u32 role = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct addr *l = &listens[i];
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)&l->ss)->sin6_addr;

		if (addr_port(l) != port)
			continue;
		role |= ZS_PORT_LISTEN;
		if (l->ss.ss_family == AF_INET)
			role |= ZS_PORT_V4_PLAIN;
		/* [::] takes IPv4 clients too unless IPV6_V6ONLY; then they
		 * find no socket here, or an AF_INET one that sets the other
		 * bit and sends them up. */
		else if (IN6_IS_ADDR_UNSPECIFIED(in6) || IN6_IS_ADDR_V4MAPPED(in6))
			role |= ZS_PORT_V4_MAPPED;
	}
	return role;
}

/* Some listen port names its IPv4 clients ::ffff:a.b.c.d (ZS_PORT_V4_MAPPED). */
static int listen_mapped(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlistens; i++)
		if (accel_listen_role(cfg->listens, cfg->nlistens, addr_port(&cfg->listens[i])) &
		    ZS_PORT_V4_MAPPED)
			return 1;
	return 0;
}

/* zs_ports: sockops ignores every connection that touches none of these ports. */
static int set_ports(struct accel *a, const struct config *cfg)
{
	int fd = bpf_map__fd(a->skel->maps.zs_ports);
	size_t i;
	int err, port;

	for (i = 0; i < cfg->nlistens; i++) {
		port = addr_port(&cfg->listens[i]);
		err = add_port(fd, port, accel_listen_role(cfg->listens, cfg->nlistens, port));
		if (err < 0)
			return err;
	}
	for (i = 0; i < cfg->router.n; i++) {
		const struct route *r = &cfg->router.routes[i];

		if (r->kind != ROUTE_BACKEND)
			continue;
		err = add_port(fd, addr_port(&r->addr), ZS_PORT_BACKEND);
		if (err < 0)
			return err;
	}
	return 0;
}

static int has_backend(const struct router *rt)
{
	size_t i;

	for (i = 0; i < rt->n; i++)
		if (rt->routes[i].kind == ROUTE_BACKEND)
			return 1;
	return 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void accel_free(struct accel *a)
{
	if (a == NULL)
		return;
	/* The link first: no new sockets enter the map while it goes. */
	bpf_link__destroy(a->sockops_link);
	ring_buffer__free(a->events);
	ring_buffer__free(a->log);
	for (size_t i = 0; i < ZS_MAX_ROUTES; i++)
		if (a->queue[i] >= 0)
			close(a->queue[i]);
	/* Closing the last map and program descriptors drops the sk_msg attachment too. */
	zs_bpf__destroy(a->skel);
	free(a->percpu);
	free(a->allow);
	free(a->cgroup);
	free(a);
}

static uint64_t coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int event_record(void *ctx, void *data, size_t size);

static int log_record(void *ctx, void *data, size_t size)
{
	struct accel *a = ctx;

	if (size < sizeof(struct zs_log) || a->on_log == NULL)
		return 0;
	a->on_log(data, a->on_log_arg);
	/* Enough for one go: libbpf keeps this record consumed and stops
	 * (ringbuf_process_ring, libbpf 1.1; consume_n came with 1.3). */
	if (++a->log_n == a->log_max)
		return -E2BIG;
	return 0;
}

struct accel *accel_start(const struct config *cfg, const struct program *prog, char *why,
			  size_t whylen)
{
	struct accel *a = NULL;
	struct timespec t0;
	char reason[200];
	size_t nkernel;
	int cgfd = -1, err;

#define UNAVAILABLE(...)                                                                           \
	do {                                                                                       \
		snprintf(why, whylen, "kernel engine unavailable: " __VA_ARGS__);                  \
		goto fail;                                                                         \
	} while (0)

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cfg->no_bpf) {
		snprintf(why, whylen, "kernel engine off: --no-bpf");
		return NULL;
	}
	if (!has_backend(&cfg->router))
		UNAVAILABLE("no backend route");

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		UNAVAILABLE("out of memory");
	for (size_t i = 0; i < ZS_MAX_ROUTES; i++)
		a->queue[i] = -1;
	nkernel = decide_routes(a, &cfg->router);
	if (nkernel == 0)
		UNAVAILABLE("no route it can serve (a backend, path not rewritten)");
	if (accel_env_check(cfg->cgroup, &a->cgroup, &cgfd, reason, sizeof(reason)) < 0)
		UNAVAILABLE("%s", reason);

	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0)
		UNAVAILABLE("cannot count the CPUs: %s", strerror(-a->ncpus));
	a->percpu = calloc((size_t)a->ncpus, sizeof(*a->percpu));
	a->allow = calloc(ALLOW_SLOTS, sizeof(*a->allow));
	if (a->percpu == NULL || a->allow == NULL)
		UNAVAILABLE("out of memory");

	/* No RLIMIT_MEMLOCK raise: since Linux 5.11 BPF memory is charged to the memory cgroup. */
	libbpf_set_print(libbpf_print);
	a->skel = zs_bpf__open();
	if (a->skel == NULL)
		UNAVAILABLE("cannot open the BPF object: %s", strerror(errno));
	/* The way back from a routing program: without one, nothing to verify. */
	if (prog == NULL)
		bpf_program__set_autoload(a->skel->progs.zs_msg_resume, false);
	a->skel->rodata->nroutes = a->nroutes;
	a->skel->rodata->req_max = accel_req_max(cfg->max_body);
	a->skel->rodata->resp_max = ACCEL_RESP_MAX;
	a->skel->rodata->guard_host = !cfg->allow.any_host;
	a->skel->rodata->guard_origin = !cfg->allow.any_origin;
	a->skel->rodata->listen_mapped = listen_mapped(cfg);
	if (config_wants_requests(cfg)) {
		a->skel->rodata->log_on = 1;
		a->skel->rodata->log_path = cfg->access_log != NULL || cfg->otlp_endpoint != NULL;
		/* Woken at a quarter full: the timer reads the rest. */
		a->skel->rodata->log_wake = cfg->log_ring / 4;
		if (bpf_map__set_max_entries(a->skel->maps.zs_log, (__u32)cfg->log_ring) < 0)
			UNAVAILABLE("cannot size zs_log: %s", strerror(errno));
	}
	if (prog != NULL && program_plug(a, prog) < 0)
		UNAVAILABLE("cannot share zs_kreq with the routing program: %s", strerror(errno));
	saw_verifier_log = 0;
	err = zs_bpf__load(a->skel);
	if (err < 0) {
		if (err == -EPERM)
			UNAVAILABLE("BPF load not permitted (%s)", strerror(-err));
		if (saw_verifier_log)
			UNAVAILABLE("BPF load failed (verifier log above)");
		UNAVAILABLE("BPF load failed: %s", strerror(-err));
	}
	a->fd_ctl = bpf_map__fd(a->skel->maps.zs_ctl);
	a->fd_peers = bpf_map__fd(a->skel->maps.zs_peers);
	a->fd_conns = bpf_map__fd(a->skel->maps.zs_conns);
	a->fd_counters = bpf_map__fd(a->skel->maps.zs_counters);
	a->fd_socks = bpf_map__fd(a->skel->maps.zs_socks);
	a->fd_expect = bpf_map__fd(a->skel->maps.zs_expect);
	a->fd_allow = bpf_map__fd(a->skel->maps.zs_allow);
	a->fd_pool = bpf_map__fd(a->skel->maps.zs_pool);
	a->fd_lent = bpf_map__fd(a->skel->maps.zs_lent);
	a->fd_lent_b = bpf_map__fd(a->skel->maps.zs_lent_b);
	a->events = ring_buffer__new(bpf_map__fd(a->skel->maps.zs_events), event_record, a, NULL);
	if (a->events == NULL)
		UNAVAILABLE("cannot read zs_events: %s", strerror(errno));
	if (config_wants_requests(cfg)) {
		a->log = ring_buffer__new(bpf_map__fd(a->skel->maps.zs_log), log_record, a, NULL);
		if (a->log == NULL)
			UNAVAILABLE("cannot read zs_log: %s", strerror(errno));
	}

	if (prog != NULL && program_wire(a, prog) < 0)
		UNAVAILABLE("cannot reach the routing program: %s", strerror(errno));
	err = make_pools(a, &cfg->router);
	if (err < 0)
		UNAVAILABLE("cannot make the pool's queues: %s", strerror(-err));
	err = set_routes(a);
	if (err < 0)
		UNAVAILABLE("cannot fill zs_routes: %s", strerror(-err));
	err = set_ports(a, cfg);
	if (err < 0)
		UNAVAILABLE("cannot fill zs_ports: %s", strerror(-err));

	/*
	 * The verdict program first: a socket takes the sockhash's programs
	 * when sockops adds it, so one added before this would never be seen
	 * by zs_msg. No bpf_link for sk_msg with libbpf 1.1; this attachment
	 * lives as long as the map, which dies with the process.
	 */
	if (bpf_prog_attach(bpf_program__fd(a->skel->progs.zs_msg),
			    bpf_map__fd(a->skel->maps.zs_socks), BPF_SK_MSG_VERDICT, 0) < 0)
		UNAVAILABLE("cannot attach sk_msg to the sockhash: %s", strerror(errno));
	/* A link, not a plain attachment: it detaches when zeroserve dies, even by SIGKILL. */
	a->sockops_link = bpf_program__attach_cgroup(a->skel->progs.zs_sockops, cgfd);
	if (a->sockops_link == NULL)
		UNAVAILABLE("cannot attach sockops to %s: %s", a->cgroup, strerror(errno));
	close(cgfd);

	log_info("kernel engine on (cgroup %s)", a->cgroup);
	log_debug("kernel engine: %zu of %zu routes in the kernel, loaded and attached in %.1f ms",
		  nkernel, cfg->router.n, ms_since(&t0));
	return a;

fail:
	if (cgfd >= 0)
		close(cgfd);
	accel_free(a);
	return NULL;
#undef UNAVAILABLE
}

/* One value into zs_allow, once. Slot kind 0 is free (kinds start at 1). */
static int allow_one(struct accel *a, __u32 kind, const char *v, size_t len)
{
	struct zs_allow_key k;
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	__u32 one = 1;
	size_t i;

	if (v == NULL || len == 0 || len > ZS_ALLOW_MAX)
		return 0;
	memset(&k, 0, sizeof(k));
	k.kind = kind;
	k.len = (__u32)len;
	memcpy(k.value, v, len);
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)v[i]) * 1099511628211ULL;
	for (i = (h ^ kind) & (ALLOW_SLOTS - 1); a->allow[i].kind != 0;
	     i = (i + 1) & (ALLOW_SLOTS - 1))
		if (memcmp(&a->allow[i], &k, sizeof(k)) == 0)
			return 0;
	/* Full: later values go up to userspace each time, as before. */
	if (a->nallow >= ZS_ALLOW_ENTRIES)
		return -ENOSPC;
	if (bpf_map_update_elem(a->fd_allow, &k, &one, BPF_ANY) < 0)
		return -errno;
	a->allow[i] = k;
	a->nallow++;
	return 0;
}

int accel_allow(struct accel *a, const char *host, size_t hostlen, const char *origin,
		size_t originlen)
{
	int rc;

	if (a == NULL)
		return 0;
	rc = allow_one(a, ZS_ALLOW_HOST, host, hostlen);
	if (rc == 0)
		rc = allow_one(a, ZS_ALLOW_ORIGIN, origin, originlen);
	return rc;
}

int accel_counters(struct accel *a, uint64_t out[ZS_C__MAX])
{
	__u32 key;
	int cpu;

	for (key = 0; key < ZS_C__MAX; key++) {
		if (bpf_map_lookup_elem(a->fd_counters, &key, a->percpu) < 0)
			return -errno;
		out[key] = 0;
		for (cpu = 0; cpu < a->ncpus; cpu++)
			out[key] += a->percpu[cpu];
	}
	return 0;
}

int accel_maps_usable(struct accel *a)
{
	__u32 key = 0;

	/* A lookup changes nothing, and every map answers it alike. */
	if (bpf_map_lookup_elem(a->fd_counters, &key, a->percpu) < 0)
		return -errno;
	return 0;
}

void accel_log_counters(struct accel *a, const char *when)
{
	uint64_t c[ZS_C__MAX];
	int err;

	if (a == NULL)
		return;
	err = accel_counters(a, c);
	if (err < 0) {
		log_warnx("kernel engine counters (%s): %s", when, strerror(-err));
		return;
	}
	log_info("kernel engine counters (%s): requests=%llu responses=%llu bytes_up=%llu "
		 "bytes_down=%llu passed: user=%llu unpaired=%llu head=%llu feature=%llu "
		 "route=%llu response=%llu redirect_fail=%llu guard=%llu pool_taken=%llu "
		 "pool_empty=%llu pool_returned=%llu close_tails=%llu program=%llu "
		 "log_dropped=%llu",
		 when, (unsigned long long)c[ZS_C_REQ_KERNEL],
		 (unsigned long long)c[ZS_C_RESP_KERNEL], (unsigned long long)c[ZS_C_BYTES_UP],
		 (unsigned long long)c[ZS_C_BYTES_DOWN], (unsigned long long)c[ZS_C_PASS_USER],
		 (unsigned long long)c[ZS_C_PASS_UNPAIRED], (unsigned long long)c[ZS_C_PASS_HEAD],
		 (unsigned long long)c[ZS_C_PASS_FEATURE], (unsigned long long)c[ZS_C_PASS_ROUTE],
		 (unsigned long long)c[ZS_C_PASS_RESPONSE],
		 (unsigned long long)c[ZS_C_REDIRECT_FAIL], (unsigned long long)c[ZS_C_PASS_GUARD],
		 (unsigned long long)c[ZS_C_POOL_TAKEN], (unsigned long long)c[ZS_C_POOL_EMPTY],
		 (unsigned long long)c[ZS_C_POOL_RETURNED], (unsigned long long)c[ZS_C_CLOSE_TAIL],
		 (unsigned long long)c[ZS_C_PASS_PROGRAM], (unsigned long long)c[ZS_C_LOG_DROPPED]);
}

void accel_stop(struct accel *a)
{
	if (a == NULL)
		return;
	accel_log_counters(a, "exit");
	accel_free(a);
	log_debug("kernel engine off: programs detached");
}

/* An address in the keys' form (bpf/zs_abi.h: IPv6, IPv4 as ::ffff:a.b.c.d,
 * network order) and its port in host order. */
static int key_addr_of(const struct sockaddr_storage *ss, __u32 ip[4], __u16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		ip[0] = 0;
		ip[1] = 0;
		ip[2] = htonl(0xffff);
		ip[3] = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(ip, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* The socket at the other end of fd, as it sees itself: our peer is its local end. */
static int far_key(int fd, struct zs_sock_key *k)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	int err;

	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
		return -errno;
	memset(k, 0, sizeof(*k));
	err = key_addr_of(&peer, k->local_ip, &k->local_port);
	if (err == 0)
		err = key_addr_of(&local, k->remote_ip, &k->remote_port);
	return err;
}

int accel_client_key(int p1_fd, struct zs_sock_key *k)
{
	return far_key(p1_fd, k);
}

int accel_backend_key(int p2_fd, struct zs_sock_key *k)
{
	return far_key(p2_fd, k);
}

struct accel_conn {
	struct accel *a;
	struct zs_sock_key c, b; /* C's key, taken once; B's, while paired */
	/* zs_ctl[C] as zeroserve means it: the map's only writer, so no
	 * lookup before an update, and no update that would change nothing.
	 * The map holds it once synced; a pairing waits for the next done. */
	struct zs_ctl ctl;
	unsigned int stored : 1;     /* zs_ctl[C] may exist: it was written */
	unsigned int synced : 1;     /* and holds ctl: the last update worked */
	unsigned int map_paired : 1; /* and says paired */
	unsigned int c_joined : 1;   /* C was found in zs_socks */
	unsigned int b_joined : 1;   /* b (the last B paired) was found in zs_socks */
	unsigned int peer_set : 1;   /* zs_peers[b] written */
	unsigned int claimed : 1;    /* no pool pairing is left to claim (accel_conn_claim) */
	unsigned int
	    kpaired : 1; /* the kernel's own pairing of C stands until zs_ctl[C] is written */
	unsigned int listed : 1; /* in conn_by_key */
	uint64_t kreqs_seen;	 /* zs_conn.kreqs when last asked (accel_conn_was_active) */
	void *owner;
	struct accel_conn *next; /* in conn_by_key */
};

static struct accel_lent *lent_find(struct accel *a, __u32 gen);

static int event_record(void *ctx, void *data, size_t size)
{
	struct accel *a = ctx;
	struct zs_event ev;
	struct accel_conn *ac;
	struct accel_lent *l;

	if (size < sizeof(ev) || a->on_event == NULL)
		return 0;
	memcpy(&ev, data, sizeof(ev));
	if (ev.tail == 0 || ev.tail > ACCEL_TAIL_MAX)
		return 0;
	ac = accel_conn_find(a, &ev.c);
	/* B is the kernel's, lent: its tail comes on the lent connection. One
	 * C's owner took over (claimed) is C's own paired connection. */
	l = ev.gen != 0 && (ac == NULL || !ac->kpaired) ? lent_find(a, ev.gen) : NULL;
	if (l != NULL) {
		if (l->ntails < LENT_TAILS) {
			l->tails[l->ntails].c = ev.c;
			l->tails[l->ntails].n = ev.tail;
			l->ntails++;
		} else {
			log_warnx("kernel engine: pool connection with %u answers' ends unread",
				  l->ntails);
		}
		return 0;
	}
	if (ac != NULL)
		a->on_event(accel_conn_owner(ac), ev.tail, a->on_event_arg);
	return 0;
}

uint32_t accel_lent_tail(struct accel_lent *l)
{
	if (l == NULL)
		return 0;
	/* A record comes before its bytes: read those that wait. */
	if (l->ntails == 0)
		ring_buffer__consume(l->a->events);
	return l->ntails > 0 ? l->tails[0].n : 0;
}

static void tail_pop(struct accel_lent *l)
{
	l->ntails--;
	memmove(&l->tails[0], &l->tails[1], l->ntails * sizeof(l->tails[0]));
}

void accel_lent_tail_deliver(struct accel_lent *l, const void *buf, uint32_t n,
			     void (*deliver)(void *owner, const void *buf, uint32_t n, void *arg),
			     void *arg)
{
	struct accel *a = l->a;
	struct zs_sock_key c = l->tails[0].c;
	struct accel_conn *ac;

	tail_pop(l);
	ac = accel_conn_find(a, &c);
	if (ac != NULL) {
		deliver(accel_conn_owner(ac), buf, n, arg);
		return;
	}
	/* Not accepted yet, or gone: kept a while, for accel_conn_open. */
	a->orphan[a->orphan_next].c = c;
	a->orphan[a->orphan_next].ms = coarse_ms();
	a->orphan[a->orphan_next].n = n;
	memcpy(a->orphan[a->orphan_next].tail, buf, n);
	a->orphan_next = (a->orphan_next + 1) % ORPHANS;
	if (a->norphans < ORPHANS)
		a->norphans++;
}

uint32_t accel_lent_tail_take(struct accel_lent *l, const struct accel_conn *ac)
{
	uint32_t n;

	if (l == NULL || l->ntails == 0 || memcmp(&l->tails[0].c, &ac->c, sizeof(ac->c)) != 0)
		return 0;
	n = l->tails[0].n;
	tail_pop(l);
	return n;
}

/* Can the kernel name this client in the forwarding fields (xf_client in
 * bpf/xf.bpf.h)? IPv4, or of IPv6 addresses ::1 only. */
static int nameable(const struct zs_sock_key *c)
{
	return c->local_ip[0] == 0 && c->local_ip[1] == 0 &&
	       (c->local_ip[2] == htonl(0xffff) ||
		(c->local_ip[2] == 0 && c->local_ip[3] == htonl(1)));
}

static unsigned int key_hash(const struct zs_sock_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void conn_list(struct accel_conn *ac)
{
	struct accel_conn **b = &ac->a->conn_by_key[key_hash(&ac->c) % CONN_BUCKETS];

	ac->next = *b;
	*b = ac;
	ac->listed = 1;
}

static void conn_unlist(struct accel_conn *ac)
{
	struct accel_conn **p;

	if (!ac->listed)
		return;
	for (p = &ac->a->conn_by_key[key_hash(&ac->c) % CONN_BUCKETS]; *p != NULL; p = &(*p)->next)
		if (*p == ac) {
			*p = ac->next;
			break;
		}
	ac->listed = 0;
}

struct accel_conn *accel_conn_find(struct accel *a, const struct zs_sock_key *c)
{
	struct accel_conn *ac;

	for (ac = a->conn_by_key[key_hash(c) % CONN_BUCKETS]; ac != NULL; ac = ac->next)
		if (memcmp(&ac->c, c, sizeof(*c)) == 0)
			return ac;
	return NULL;
}

void *accel_conn_owner(const struct accel_conn *ac)
{
	return ac->owner;
}

struct accel_conn *accel_conn_new(struct accel *a, int p1_fd)
{
	struct accel_conn *ac = calloc(1, sizeof(*ac));
	int err;

	if (ac == NULL)
		return NULL;
	ac->a = a;
	err = accel_client_key(p1_fd, &ac->c);
	/* Another client's requests would all go up, while its pairing kept a
	 * backend connection out of the pool. */
	if (err == 0 && !nameable(&ac->c))
		err = -EAFNOSUPPORT;
	if (err < 0) {
		free(ac);
		errno = -err;
		return NULL;
	}
	return ac;
}

struct accel_conn *accel_conn_open(struct accel *a, const struct sockaddr *local,
				   const struct sockaddr *peer, void *owner)
{
	struct accel_conn *ac;
	int err;

	ac = calloc(1, sizeof(*ac));
	if (ac == NULL)
		return NULL;
	ac->a = a;
	ac->owner = owner;
	/* C's own view: its local end is P1's peer. */
	err = key_addr_of((const struct sockaddr_storage *)peer, ac->c.local_ip, &ac->c.local_port);
	if (err == 0)
		err = key_addr_of((const struct sockaddr_storage *)local, ac->c.remote_ip,
				  &ac->c.remote_port);
	/* As accel_conn_new: a client the kernel cannot name is not its. */
	if (err == 0 && !nameable(&ac->c))
		err = -EAFNOSUPPORT;
	if (err < 0) {
		free(ac);
		errno = -err;
		return NULL;
	}
	conn_list(ac);
	return ac;
}

uint32_t accel_conn_early_tail(struct accel_conn *ac, void *buf)
{
	struct accel *a = ac->a;
	unsigned int i;
	uint32_t n;

	for (i = 0; i < ORPHANS && a->norphans > 0; i++) {
		if (a->orphan[i].ms == 0 || memcmp(&a->orphan[i].c, &ac->c, sizeof(ac->c)) != 0)
			continue;
		n = coarse_ms() - a->orphan[i].ms < ORPHAN_MS ? a->orphan[i].n : 0;
		memcpy(buf, a->orphan[i].tail, n);
		a->orphan[i].ms = 0;
		a->norphans--;
		return n;
	}
	return 0;
}

/* The whole value goes to the map: the cached copy is what it holds. */
static int ctl_store(struct accel_conn *ac)
{
	ac->stored = 1;
	ac->synced = bpf_map_update_elem(ac->a->fd_ctl, &ac->c, &ac->ctl, BPF_ANY) == 0;
	if (!ac->synced)
		return -errno;
	ac->map_paired = ac->ctl.paired != 0;
	ac->kpaired = 0;
	return 0;
}

/* Whether key is in zs_socks: sockops added the socket. */
static int joined(struct accel *a, const struct zs_sock_key *key)
{
	__u64 cookie;

	if (bpf_map_lookup_elem(a->fd_socks, key, &cookie) < 0)
		return -errno;
	return 0;
}

int accel_conn_pair(struct accel_conn *ac, int p2_fd, unsigned int route)
{
	struct accel *a = ac->a;
	struct zs_peer peer;
	struct zs_sock_key b;
	int err;

	if (!accel_route_kernel(a, route))
		return -EINVAL;
	if (ac->ctl.paired)
		return -EALREADY;
	err = accel_backend_key(p2_fd, &b);
	if (err < 0)
		return err;
	/* B joined zs_socks only if sockops saw it announced: else every
	 * request would try a redirect that cannot happen. A socket stays
	 * there until it closes, so the same key is looked up once: a new
	 * socket on the same four-tuple without its entry only costs a
	 * failed redirect, which passes the request up. */
	if (!ac->b_joined || memcmp(&b, &ac->b, sizeof(b)) != 0) {
		err = joined(a, &b);
		if (err < 0)
			return err;
		ac->b = b;
		ac->b_joined = 1;
	}
	/* C joined it only if sockops saw it connect from inside the cgroup
	 * after the attach: else no request of C ever reaches the program, and
	 * B would sit paired and unused while userspace dials another. */
	if (!ac->c_joined) {
		err = joined(a, &ac->c);
		if (err < 0)
			return err;
		ac->c_joined = 1;
	}
	/*
	 * zs_peers[B] first: once zs_ctl[C] says paired the kernel may send a
	 * request into B, and B's response must find its way back to C.
	 */
	memset(&peer, 0, sizeof(peer));
	peer.client = ac->c;
	if (bpf_map_update_elem(a->fd_peers, &ac->b, &peer, BPF_ANY) < 0)
		return -errno;
	ac->peer_set = 1;
	/*
	 * zs_ctl[C] says so with the next done (accel_conn_done), in the same
	 * update: the kernel takes no request of C before done meets passed,
	 * and the request userspace answers now was passed after the done the
	 * map holds, so a pairing written earlier would change nothing.
	 */
	ac->ctl.backend = ac->b;
	ac->ctl.route = route;
	ac->ctl.paired = 1;
	ac->synced = 0;
	return 0;
}

int accel_conn_unpair(struct accel_conn *ac)
{
	int err;

	/* zs_ctl[C] first, so no new request heads for B, then B's way back.
	 * A claimed pool pairing the map never saw needs the entry too: without
	 * zs_ctl[C] the kernel would go on by its own pairing, to a socket
	 * about to close whose four-tuple a new connection may take. */
	ac->ctl.paired = 0;
	if (ac->map_paired || ac->kpaired) {
		err = ctl_store(ac);
		if (err < 0) {
			ac->ctl.paired = 1;
			return err;
		}
	}
	if (ac->peer_set) {
		if (bpf_map_delete_elem(ac->a->fd_peers, &ac->b) < 0 && errno != ENOENT)
			return -errno;
		ac->peer_set = 0;
	}
	return 0;
}

int accel_conn_is_paired(const struct accel_conn *ac, unsigned int *route)
{
	if (route != NULL)
		*route = ac->ctl.route;
	return ac->ctl.paired != 0;
}

int accel_conn_done(struct accel_conn *ac, uint64_t done, uint64_t out)
{
	if (ac->synced && ac->ctl.done == done && ac->ctl.out == out)
		return 0;
	ac->ctl.done = done;
	ac->ctl.out = out;
	return ctl_store(ac);
}

int accel_conn_relayed(struct accel_conn *ac, uint64_t out)
{
	ac->ctl.foreign_done++;
	ac->ctl.out = out;
	return ctl_store(ac);
}

void accel_conn_relayed_last(struct accel_conn *ac)
{
	ac->ctl.foreign_done++;
}

void accel_conn_free(struct accel_conn *ac)
{
	if (ac == NULL)
		return;
	accel_conn_unpair(ac);
	/* Never written: no zs_ctl[C] to drop. */
	if (ac->stored)
		bpf_map_delete_elem(ac->a->fd_ctl, &ac->c);
	/* Normally gone soon: sockops deletes it when C closes. Dropped here
	 * only for a client zeroserve paired, which can be one that was reset
	 * (accel_conn_unpair); a client only the kernel carried costs no
	 * system call more at close. */
	if (ac->stored)
		bpf_map_delete_elem(ac->a->fd_conns, &ac->c);
	conn_unlist(ac);
	free(ac);
}

int accel_conn_lookup(struct accel *a, const struct zs_sock_key *c, struct zs_conn *out)
{
	if (bpf_map_lookup_elem(a->fd_conns, c, out) < 0)
		return -errno;
	return 0;
}

int accel_ctl_lookup(struct accel *a, const struct zs_sock_key *c, struct zs_ctl *out)
{
	if (bpf_map_lookup_elem(a->fd_ctl, c, out) < 0)
		return -errno;
	return 0;
}

/* zs_conns[C]; -ENOENT once C closed (sockops deleted it). */
static int kernel_view(struct accel_conn *ac, struct zs_conn *zc)
{
	return accel_conn_lookup(ac->a, &ac->c, zc);
}

int accel_conn_is_busy(struct accel_conn *ac)
{
	struct zs_conn zc;

	if (kernel_view(ac, &zc) < 0)
		return 0;
	if (zc.inflight == 0 && zc.foreign == ac->ctl.foreign_done)
		return 0;
	log_debug("kernel engine: busy: inflight %u resp_left %llu foreign %u/%u", zc.inflight,
		  (unsigned long long)zc.resp_left, zc.foreign, ac->ctl.foreign_done);
	return 1;
}

int accel_conn_was_active(struct accel_conn *ac)
{
	struct zs_conn zc;
	int active;

	if (kernel_view(ac, &zc) < 0)
		return 0;
	active = zc.inflight > 0 || zc.kreqs != ac->kreqs_seen;
	ac->kreqs_seen = zc.kreqs;
	return active;
}

int accel_conn_has_handed_up(struct accel_conn *ac, int *head_req, int *close_req,
			     struct zs_log *rec)
{
	struct zs_conn zc;

	if (kernel_view(ac, &zc) < 0 || zc.foreign == ac->ctl.foreign_done)
		return 0;
	*head_req = zc.head_req != 0;
	*close_req = zc.close_req != 0;
	if (rec != NULL)
		*rec = zc.log;
	return 1;
}

int accel_conn_is_settled(struct accel_conn *ac)
{
	struct zs_conn zc;

	if (kernel_view(ac, &zc) < 0)
		return 0;
	return zc.inflight == 0 && zc.req_left == 0 && zc.resp_left == 0 && zc.corked == 0 &&
	       zc.foreign == ac->ctl.foreign_done;
}

int accel_program_kreq(const struct accel *a)
{
	return bpf_map__fd(a->skel->maps.zs_kreq);
}

int accel_program_swap(struct accel *a, const struct program *prog, int same_fields)
{
	__u32 zero = 0;

	/*
	 * Other names: while they change, no request is asked in the kernel
	 * (an empty zs_prog sends it up), and a new gen marks the requests
	 * read with the old ones, which program_answer does not take.
	 */
	if (!same_fields) {
		if (bpf_map_delete_elem(bpf_map__fd(a->skel->maps.zs_prog), &zero) < 0 &&
		    errno != ENOENT)
			return -errno;
		a->fields_gen++;
	}
	return program_wire(a, prog);
}

int accel_conn_decision(struct accel_conn *ac, uint64_t at, int *action, struct zs_verdict *v)
{
	struct zs_conn zc;

	if (ac == NULL || kernel_view(ac, &zc) < 0 || !zc.prog_set || zc.prog_at != at)
		return 0;
	*action = zc.prog_action;
	memset(v, 0, sizeof(*v));
	v->route = zc.prog_route;
	v->status = zc.prog_status;
	memcpy(v->tag, zc.prog_tag, sizeof(v->tag));
	return 1;
}

enum accel_loss accel_conn_loss(struct accel_conn *ac)
{
	struct zs_conn zc;

	if (kernel_view(ac, &zc) < 0 || zc.inflight == 0)
		return ACCEL_LOSS_NONE;
	return zc.resp_left == 0 ? ACCEL_LOSS_ANSWER : ACCEL_LOSS_PART;
}

/* An IPv4 or IPv6 address's port in host order, or -EAFNOSUPPORT. */
static int port_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return -EAFNOSUPPORT;
}

/* zs_expect's key for a bound backend socket going to `to`. */
static int expect_key(int p2_fd, const struct sockaddr *to, __u32 *key)
{
	struct sockaddr_storage me;
	socklen_t mlen = sizeof(me);
	int from, port = port_of(to);

	if (port < 0)
		return port;
	if (getsockname(p2_fd, (struct sockaddr *)&me, &mlen) < 0)
		return -errno;
	from = port_of((const struct sockaddr *)&me);
	if (from < 0)
		return from;
	*key = ZS_EXPECT_KEY(port, from);
	return 0;
}

/* The port a backend socket will connect from, bound now so it can be
 * announced before the handshake (which loopback may finish within
 * connect). Bound to the wildcard of to's family, as connect would. */
int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len)
{
	struct sockaddr_in any4 = {.sin_family = AF_INET};
	struct sockaddr_in6 any6 = {.sin6_family = AF_INET6};
	__u32 key, one = 1;
	int err;

	if (to->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		err = bind(p2_fd, (const struct sockaddr *)&any4, sizeof(any4));
	else if (to->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		err = bind(p2_fd, (const struct sockaddr *)&any6, sizeof(any6));
	else
		return -EAFNOSUPPORT;
	if (err < 0)
		return -errno;
	err = expect_key(p2_fd, to, &key);
	if (err < 0)
		return err;
	if (bpf_map_update_elem(a->fd_expect, &key, &one, BPF_ANY) < 0)
		return -errno;
	return 0;
}

void accel_hangup(struct accel *a, int p2_fd, const struct sockaddr *to)
{
	__u32 key;

	/* Normally gone already: sockops takes it when B is accepted. */
	if (expect_key(p2_fd, to, &key) == 0)
		bpf_map_delete_elem(a->fd_expect, &key);
}

uint64_t accel_req_max(uint64_t max_body)
{
	/* Larger requests go up, where --max-body answers them (413). */
	return max_body != 0 && max_body < ACCEL_REQ_MAX ? max_body : ACCEL_REQ_MAX;
}

int accel_route_kernel(const struct accel *a, unsigned int route_id)
{
	return a != NULL && route_id < a->nroutes && a->routes[route_id].kernel;
}

/*
 * The pool (doc/architecture.md, "Kernel from the first request").
 * zeroserve lends idle backend connections to the kernel: it writes
 * zs_lent_b[B] = gen, then pushes (B, gen) into the backend's queue. The
 * kernel pops one for a client's first request and pairs the client with
 * it (zs_lent[C], zs_peers[B]); at the client's FIN it pushes it back.
 * zeroserve takes a pairing over by deleting zs_lent[C] (accel_conn_claim)
 * and ends a lending by deleting zs_lent_b[B] (accel_lent_retire).
 */

/*
 * Each kernel route's pool: its backend's number as upstream_pool_new
 * gives it (routes in order, one number per distinct address), plus one.
 * The queues are made here, before zeroserve drops its privileges.
 */
static int make_pools(struct accel *a, const struct router *rt)
{
	unsigned int ids[ZS_MAX_ROUTES], nb = 0, i, j;

	for (i = 0; i < rt->n && i < ZS_MAX_ROUTES; i++) {
		const struct route *r = &rt->routes[i];

		if (r->kind != ROUTE_BACKEND)
			continue;
		for (j = 0; j < nb; j++) {
			const struct addr *o = &rt->routes[ids[j]].addr;

			if (o->len == r->addr.len && memcmp(&o->ss, &r->addr.ss, o->len) == 0)
				break;
		}
		if (j == nb)
			ids[nb++] = i;
		if (!a->routes[i].kernel)
			continue;
		if (a->queue[j] < 0) {
			__u32 idx = j + 1;
			int fd = bpf_map_create(BPF_MAP_TYPE_STACK, "zs_pool_q", 0,
						sizeof(struct zs_pool_ent), ZS_POOL_SLOTS, NULL);

			if (fd < 0)
				return -errno;
			a->queue[j] = fd;
			if (bpf_map_update_elem(a->fd_pool, &idx, &fd, BPF_ANY) < 0)
				return -errno;
		}
		a->routes[i].pool = j + 1;
	}
	return 0;
}

int accel_pool_bind(struct accel *a, unsigned int route, unsigned int backend)
{
	if (a == NULL || !accel_route_kernel(a, route))
		return -EINVAL;
	if (a->routes[route].pool != backend + 1) {
		log_warnx("kernel engine: route %u: pool %u, backend %u: numbered apart", route,
			  a->routes[route].pool, backend);
		return -EINVAL;
	}
	return 0;
}

static struct accel_lent *lent_find(struct accel *a, __u32 gen)
{
	struct accel_lent *l;

	for (l = a->lent_by_gen[gen % LENT_BUCKETS]; l != NULL; l = l->next)
		if (l->ent.gen == gen)
			return l;
	return NULL;
}

/* The live lending an entry of the pool names, or NULL: a retired one. */
static struct accel_lent *lent_of(struct accel *a, const struct zs_pool_ent *e)
{
	struct accel_lent *l = lent_find(a, e->gen);

	return l != NULL && memcmp(&l->ent.b, &e->b, sizeof(e->b)) == 0 ? l : NULL;
}

/*
 * Take every entry out of backend's stack and put back, in their order,
 * those of live lendings younger than idle_sec; the owners of older ones go
 * to old[] (*nold). Entries of retired lendings the kernel has not popped
 * yet are dropped. First requests meanwhile find the pool dry and go up.
 */
static void pool_refill(struct accel *a, unsigned int backend, unsigned int idle_sec, void **old,
			size_t *nold)
{
	struct zs_pool_ent keep[ZS_POOL_SLOTS], e;
	__u32 now = (__u32)coarse_ms();
	struct accel_lent *l;
	size_t n = 0, i;

	*nold = 0;
	while (n + *nold < ZS_POOL_SLOTS &&
	       bpf_map_lookup_and_delete_elem(a->queue[backend], NULL, &e) == 0) {
		l = lent_of(a, &e);
		if (l == NULL)
			continue;
		if (now - e.ms >= idle_sec * 1000U)
			old[(*nold)++] = l->owner;
		else
			keep[n++] = e;
	}
	/* A stack: the last one popped, the oldest, goes back first. */
	for (i = n; i-- > 0;)
		bpf_map_update_elem(a->queue[backend], NULL, &keep[i], BPF_ANY);
}

int accel_lend(struct accel *a, unsigned int backend, int p2_fd, void *owner,
	       struct accel_lent **lp)
{
	struct accel_lent *l = *lp;
	size_t nold;
	int err;

	if (a == NULL || backend >= ZS_MAX_ROUTES || a->queue[backend] < 0)
		return -EINVAL;
	if (l == NULL) {
		if (a->nlent[backend] >= ZS_POOL_SLOTS / 2)
			return -ENOSPC;
		l = calloc(1, sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		l->a = a;
		l->backend = backend;
		l->owner = owner;
		err = accel_backend_key(p2_fd, &l->ent.b);
		/* A connection sockops never saw cannot be redirected to. */
		if (err == 0)
			err = joined(a, &l->ent.b);
		if (err < 0) {
			free(l);
			return err;
		}
		/* 0 is never a gen: a zeroed entry names no lending. */
		if (++a->next_gen == 0)
			++a->next_gen;
		l->ent.gen = a->next_gen;
		if (bpf_map_update_elem(a->fd_lent_b, &l->ent.b, &l->ent.gen, BPF_ANY) < 0) {
			err = -errno;
			free(l);
			return err;
		}
		l->next = a->lent_by_gen[l->ent.gen % LENT_BUCKETS];
		a->lent_by_gen[l->ent.gen % LENT_BUCKETS] = l;
		a->nlent[backend]++;
		*lp = l;
	}
	l->ent.ms = (__u32)coarse_ms();
	if (bpf_map_update_elem(a->queue[backend], NULL, &l->ent, BPF_ANY) == 0)
		return 0;
	if (errno != E2BIG)
		return -errno;
	/* Full of retired lendings' entries: only the live ones go back. */
	pool_refill(a, backend, UINT_MAX, NULL, &nold);
	if (bpf_map_update_elem(a->queue[backend], NULL, &l->ent, BPF_ANY) < 0)
		return -errno;
	return 0;
}

void *accel_reclaim(struct accel *a, unsigned int backend)
{
	struct accel_lent *l;
	struct zs_pool_ent e;

	if (a == NULL || backend >= ZS_MAX_ROUTES || a->queue[backend] < 0)
		return NULL;
	/* A pop takes the entry from the kernel too: the two never share one. */
	while (bpf_map_lookup_and_delete_elem(a->queue[backend], NULL, &e) == 0) {
		l = lent_of(a, &e);
		if (l != NULL)
			return l->owner;
	}
	return NULL;
}

void accel_pool_sweep(struct accel *a, unsigned int idle_sec, void (*expire)(void *owner))
{
	void *old[ZS_POOL_SLOTS];
	size_t nold, i;
	unsigned int b;

	if (a == NULL)
		return;
	for (b = 0; b < ZS_MAX_ROUTES; b++) {
		if (a->queue[b] < 0 || a->nlent[b] == 0)
			continue;
		pool_refill(a, b, idle_sec, old, &nold);
		/* Out of the pool now: closing them retires their lending. */
		for (i = 0; i < nold; i++)
			expire(old[i]);
	}
}

void accel_lent_retire(struct accel_lent **lp)
{
	struct accel_lent *l = *lp, **p;
	struct accel *a;

	if (l == NULL)
		return;
	a = l->a;
	/* Before B's socket closes: an entry still queued then names a gen no
	 * longer there, even if a new socket takes B's four-tuple. */
	bpf_map_delete_elem(a->fd_lent_b, &l->ent.b);
	for (p = &a->lent_by_gen[l->ent.gen % LENT_BUCKETS]; *p != NULL; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	a->nlent[l->backend]--;
	free(l);
	*lp = NULL;
}

int accel_lent_client(struct accel_lent *l, struct accel_conn **ac)
{
	struct zs_peer peer;

	if (bpf_map_lookup_elem(l->a->fd_peers, &l->ent.b, &peer) < 0)
		return -errno;
	*ac = accel_conn_find(l->a, &peer.client);
	return *ac != NULL ? 0 : -ESRCH;
}

int accel_conn_claim(struct accel_conn *ac, void **owner)
{
	struct accel *a = ac->a;
	struct accel_lent *l;
	struct zs_lent lent;

	if (ac->claimed || ac->ctl.paired || ac->stored)
		return -ENOENT;
	if (bpf_map_lookup_and_delete_elem(a->fd_lent, &ac->c, &lent) < 0)
		return -errno;
	ac->claimed = 1;
	l = lent_of(a, &lent.ent);
	if (l == NULL || !accel_route_kernel(a, lent.route)) {
		/* Retired meanwhile: its socket is closing. zs_ctl[C] takes
		 * over from the kernel's pairing, and says unpaired. */
		ctl_store(ac);
		return -ESTALE;
	}
	/* zs_peers[B] names C already (the kernel wrote it) and is
	 * zeroserve's from now on; zs_ctl[C] says so with the next done. */
	ac->b = lent.ent.b;
	ac->b_joined = 1;
	ac->c_joined = 1;
	ac->peer_set = 1;
	ac->ctl.backend = lent.ent.b;
	ac->ctl.route = lent.route;
	ac->ctl.paired = 1;
	ac->synced = 0;
	ac->kpaired = 1;
	*owner = l->owner;
	return 0;
}

void accel_conn_claim_none(struct accel_conn *ac)
{
	ac->claimed = 1;
}

void accel_events_set(struct accel *a, void (*fn)(void *owner, uint32_t tail, void *arg), void *arg)
{
	a->on_event = fn;
	a->on_event_arg = arg;
}

void accel_events_read(struct accel *a)
{
	ring_buffer__consume(a->events);
}

void accel_log_set(struct accel *a, void (*fn)(const struct zs_log *l, void *arg), void *arg)
{
	a->on_log = fn;
	a->on_log_arg = arg;
}

int accel_log_fd(const struct accel *a)
{
	return a->log != NULL ? ring_buffer__epoll_fd(a->log) : -1;
}

int accel_log_read(struct accel *a, unsigned int max)
{
	int rc;

	if (a->log == NULL)
		return 0;
	a->log_n = 0;
	a->log_max = max;
	rc = ring_buffer__consume(a->log);
	if (rc < 0 && rc != -E2BIG)
		return rc;
	return (int)a->log_n;
}

/* Entries of a hash map, counted key by key, at most max: a scrape's
 * cost, not the request path's. */
static uint64_t map_count(int fd, uint32_t key_size, uint64_t max)
{
	unsigned char key[64], next[64];
	uint64_t n = 0;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return 0;
	while (n < max && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

size_t accel_map_fill(struct accel *a, struct accel_map_fill *out, size_t n)
{
	struct bpf_map *maps[] = {
	    a->skel->maps.zs_conns, a->skel->maps.zs_ctl,    a->skel->maps.zs_peers,
	    a->skel->maps.zs_socks, a->skel->maps.zs_lent,   a->skel->maps.zs_lent_b,
	    a->skel->maps.zs_allow, a->skel->maps.zs_expect,
	};
	size_t i;

	for (i = 0; i < n && i < sizeof(maps) / sizeof(maps[0]); i++) {
		out[i].name = bpf_map__name(maps[i]);
		out[i].max = bpf_map__max_entries(maps[i]);
		out[i].used =
		    map_count(bpf_map__fd(maps[i]), bpf_map__key_size(maps[i]), out[i].max);
	}
	return i;
}
