/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's loader: decides whether it can run, loads bpf/zs.bpf.c
 * through its skeleton, fills the configuration maps, attaches the programs,
 * and gives the sessions the few map operations they need. The ordering
 * model behind the maps: doc/architecture.md.
 */
#include <errno.h>
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
#include <sys/statfs.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "accel.h"
#include "config.h"
#include "log.h"
#include "router.h"
#include "zs.skel.h"

/* Kernel-path body bounds (pitfall 5 in DESIGN.md): larger bodies go through userspace. */
#define ACCEL_REQ_MAX  (4ULL << 20)
#define ACCEL_RESP_MAX (4ULL << 20)

#define ZS_STR_(x) #x
#define ZS_STR(x)  ZS_STR_(x)

/* Verifier log lines shown without -v: the error is at the end. */
#define VLOG_TAIL 40

/* Linux 5.8; older headers lack them. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct accel {
	struct zs_bpf *skel;
	struct bpf_link *sockops_link;
	char *cgroup;
	int fd_ctl, fd_peers, fd_conns, fd_counters, fd_socks, fd_expect;
	int ncpus;
	uint64_t *percpu;		       /* one counter's value on every possible CPU */
	struct zs_route routes[ZS_MAX_ROUTES]; /* zs_routes; .kernel: the kernel serves it */
	unsigned int nroutes;
};

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
	char *body, *end, *tail, *p;
	size_t n = 0, skipped = 0;

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
	tail = body;
	for (p = end; p > body; p--) {
		if (p[-1] == '\n' && ++n == VLOG_TAIL + 1) {
			tail = p;
			break;
		}
	}
	for (p = body; p < tail; p++)
		skipped += *p == '\n';
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

/*
 * Loading sockops and sk_msg programs, creating a sockhash and attaching to
 * a cgroup need CAP_BPF and CAP_NET_ADMIN; zs_msg's bpf_probe_read_kernel
 * needs CAP_PERFMON. CAP_SYS_ADMIN stands in for the two split off it in 5.8.
 */
static int have_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

#define HAS(c) ((data[(c) / 32].effective >> ((c) % 32)) & 1)
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return HAS(CAP_NET_ADMIN) && (HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON)));
#undef HAS
}

/* Lockdown in confidentiality mode refuses bpf_probe_read_kernel to everyone. */
static int locked_down(void)
{
	char buf[128];
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "[confidentiality]") != NULL;
}

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * The first cgroup2 mount in /proc/self/mountinfo: /sys/fs/cgroup on a
 * unified host, /sys/fs/cgroup/unified on a hybrid one. Malloc'd or NULL.
 */
static char *find_cgroup2(void)
{
	FILE *f;
	char *line = NULL, *path = NULL;
	size_t cap = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return NULL;
	while (path == NULL && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *sep = strstr(line, " - "), *mnt, *end;
		int i;

		if (sep == NULL || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		mnt = line;
		for (i = 0; i < 4 && mnt != NULL; i++) {
			mnt = strchr(mnt, ' ');
			if (mnt != NULL)
				mnt++;
		}
		if (mnt == NULL || (end = strchr(mnt, ' ')) == NULL)
			continue;
		*end = '\0';
		unescape(mnt);
		path = strdup(mnt);
	}
	free(line);
	fclose(f);
	return path;
}

/* Whether zs_routes can hold the route exactly: the kernel matches only what it holds. */
static int route_fits(const struct route *r, size_t id)
{
	return id < ZS_MAX_ROUTES && (r->host == NULL || strlen(r->host) <= ZS_HOST_MAX) &&
	       r->prefix_len <= ZS_PREFIX_MAX;
}

/*
 * Whether the kernel serves route id: an IPv4 backend whose path goes
 * through unchanged. A route the kernel cannot hold (past ZS_MAX_ROUTES, host
 * or prefix too long) may be the router's true answer where the kernel would
 * pick another route: every route it could outrank stays in userspace too, so
 * the kernel never sends a request where the router would not.
 * NULL when it does, else why not.
 */
static const char *route_not_kernel(const struct router *rt, size_t id)
{
	const struct route *r = &rt->routes[id];
	size_t j;

	if (r->kind != ROUTE_BACKEND)
		return "a directory";
	if (r->replace != NULL)
		return "rewrites the path";
	if (r->addr.ss.ss_family != AF_INET)
		return "not an IPv4 backend";
	if (id >= ZS_MAX_ROUTES)
		return "past the first " ZS_STR(ZS_MAX_ROUTES) " routes";
	if (!route_fits(r, id))
		return "host or prefix too long for the kernel";
	for (j = 0; j < rt->n; j++) {
		if (!route_fits(&rt->routes[j], j) && router_may_outrank(&rt->routes[j], r))
			return "a route the kernel cannot hold may outrank it";
	}
	return NULL;
}

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
		zr->prefix_len =
		    r->prefix_len < ZS_PREFIX_MAX ? (__u32)r->prefix_len : ZS_PREFIX_MAX;
		memcpy(zr->prefix, r->prefix, zr->prefix_len);
		zr->kernel = route_not_kernel(rt, i) == NULL;
	}
	return (unsigned int)i;
}

/* Before loading anything: which routes the kernel serves, and how many. */
static size_t decide_routes(struct accel *a, const struct router *rt)
{
	size_t i, n = 0;

	a->nroutes = accel_route_table(rt, a->routes);
	for (i = 0; i < rt->n; i++) {
		const char *why = route_not_kernel(rt, i);

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

/* zs_ports: sockops ignores every connection that touches none of these ports. */
static int set_ports(struct accel *a, const struct config *cfg)
{
	int fd = bpf_map__fd(a->skel->maps.zs_ports);
	size_t i;
	int err;

	for (i = 0; i < cfg->nlistens; i++) {
		err = add_port(fd, addr_port(&cfg->listens[i]), ZS_PORT_LISTEN);
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

static int has_ipv4_backend(const struct router *rt)
{
	size_t i;

	for (i = 0; i < rt->n; i++)
		if (rt->routes[i].kind == ROUTE_BACKEND &&
		    rt->routes[i].addr.ss.ss_family == AF_INET)
			return 1;
	return 0;
}

static int has_ipv4_listen(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlistens; i++)
		if (cfg->listens[i].ss.ss_family == AF_INET)
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
	/* Closing the last map and program descriptors drops the sk_msg attachment too. */
	zs_bpf__destroy(a->skel);
	free(a->percpu);
	free(a->cgroup);
	free(a);
}

struct accel *accel_start(const struct config *cfg, char *why, size_t whylen)
{
	struct accel *a = NULL;
	struct timespec t0;
	struct statfs sfs;
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
	if (!has_ipv4_backend(&cfg->router))
		UNAVAILABLE("no IPv4 backend route");
	if (!has_ipv4_listen(cfg))
		UNAVAILABLE("no IPv4 listen address");

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		UNAVAILABLE("out of memory");
	nkernel = decide_routes(a, &cfg->router);
	if (nkernel == 0)
		UNAVAILABLE("no route it can serve (IPv4 backend, path not rewritten)");
	if (!have_caps())
		UNAVAILABLE("needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or root)");
	if (locked_down())
		UNAVAILABLE("kernel lockdown (confidentiality) refuses bpf_probe_read_kernel");
	a->cgroup = cfg->cgroup != NULL ? strdup(cfg->cgroup) : find_cgroup2();
	if (a->cgroup == NULL)
		UNAVAILABLE("no cgroup v2 mount found (--cgroup PATH names one)");
	cgfd = open(a->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		UNAVAILABLE("cgroup %s: %s", a->cgroup, strerror(errno));
	if (fstatfs(cgfd, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		UNAVAILABLE("%s is not a cgroup v2 directory", a->cgroup);

	/* The sk_msg program reads the client socket through CO-RE. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
		UNAVAILABLE("no kernel BTF (/sys/kernel/btf/vmlinux: %s)", strerror(errno));

	a->ncpus = libbpf_num_possible_cpus();
	if (a->ncpus <= 0)
		UNAVAILABLE("cannot count the CPUs: %s", strerror(-a->ncpus));
	a->percpu = calloc((size_t)a->ncpus, sizeof(*a->percpu));
	if (a->percpu == NULL)
		UNAVAILABLE("out of memory");

	/* No RLIMIT_MEMLOCK raise: since Linux 5.11 BPF memory is charged to the memory cgroup. */
	libbpf_set_print(libbpf_print);
	a->skel = zs_bpf__open();
	if (a->skel == NULL)
		UNAVAILABLE("cannot open the BPF object: %s", strerror(errno));
	a->skel->rodata->nroutes = a->nroutes;
	a->skel->rodata->req_max = accel_req_max(cfg->max_body);
	a->skel->rodata->resp_max = ACCEL_RESP_MAX;
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
		 "route=%llu response=%llu redirect_fail=%llu",
		 when, (unsigned long long)c[ZS_C_REQ_KERNEL],
		 (unsigned long long)c[ZS_C_RESP_KERNEL], (unsigned long long)c[ZS_C_BYTES_UP],
		 (unsigned long long)c[ZS_C_BYTES_DOWN], (unsigned long long)c[ZS_C_PASS_USER],
		 (unsigned long long)c[ZS_C_PASS_UNPAIRED], (unsigned long long)c[ZS_C_PASS_HEAD],
		 (unsigned long long)c[ZS_C_PASS_FEATURE], (unsigned long long)c[ZS_C_PASS_ROUTE],
		 (unsigned long long)c[ZS_C_PASS_RESPONSE],
		 (unsigned long long)c[ZS_C_REDIRECT_FAIL]);
}

void accel_stop(struct accel *a)
{
	if (a == NULL)
		return;
	accel_log_counters(a, "exit");
	accel_free(a);
	log_debug("kernel engine off: programs detached");
}

/* IPv4 address in network order and port in host order; v4-mapped IPv6 counts as IPv4. */
static int ipv4_of(const struct sockaddr_storage *ss, __u32 *ip, __u16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		*ip = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return -EAFNOSUPPORT;
		memcpy(ip, &sin6->sin6_addr.s6_addr[12], sizeof(*ip));
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
	err = ipv4_of(&peer, &k->local_ip, &k->local_port);
	if (err == 0)
		err = ipv4_of(&local, &k->remote_ip, &k->remote_port);
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

/* zs_ctl[C], zeros when absent: zeroserve is its only writer. */
static int ctl_get(struct accel *a, const struct zs_sock_key *c, struct zs_ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	if (bpf_map_lookup_elem(a->fd_ctl, c, ctl) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* C's key and zs_ctl[C]. */
static int ctl_load(struct accel *a, int p1_fd, struct zs_sock_key *c, struct zs_ctl *ctl)
{
	int err = accel_client_key(p1_fd, c);

	return err < 0 ? err : ctl_get(a, c, ctl);
}

/* The whole value goes back: the fields a caller did not change keep theirs. */
static int ctl_store(struct accel *a, const struct zs_sock_key *c, const struct zs_ctl *ctl)
{
	if (bpf_map_update_elem(a->fd_ctl, c, ctl, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int accel_pair(struct accel *a, const struct zs_sock_key *c, const struct zs_sock_key *b,
	       unsigned int route)
{
	struct zs_peer peer;
	struct zs_ctl ctl;
	__u64 cookie;
	int err;

	if (!accel_route_kernel(a, route))
		return -EINVAL;
	err = ctl_get(a, c, &ctl);
	if (err < 0)
		return err;
	/* B joined zs_socks only if sockops saw it announced: else every
	 * request would try a redirect that cannot happen. */
	if (bpf_map_lookup_elem(a->fd_socks, b, &cookie) < 0)
		return -errno;
	/* C joined it only if sockops saw it connect from inside the cgroup
	 * after the attach: else no request of C ever reaches the program, and
	 * B would sit paired and unused while userspace dials another. */
	if (bpf_map_lookup_elem(a->fd_socks, c, &cookie) < 0)
		return -errno;
	/*
	 * zs_peers[B] first: once zs_ctl[C] says paired the kernel may send a
	 * request into B, and B's response must find its way back to C.
	 */
	memset(&peer, 0, sizeof(peer));
	peer.client = *c;
	if (bpf_map_update_elem(a->fd_peers, b, &peer, BPF_ANY) < 0)
		return -errno;
	ctl.backend = *b;
	ctl.route = route;
	ctl.paired = 1;
	err = ctl_store(a, c, &ctl);
	if (err < 0)
		bpf_map_delete_elem(a->fd_peers, b);
	return err;
}

int accel_unpair(struct accel *a, const struct zs_sock_key *c, const struct zs_sock_key *b)
{
	struct zs_ctl ctl;
	int err;

	err = ctl_get(a, c, &ctl);
	if (err < 0)
		return err;
	/* zs_ctl[C] first, so no new request heads for B, then B's way back. */
	if (ctl.paired) {
		ctl.paired = 0;
		err = ctl_store(a, c, &ctl);
		if (err < 0)
			return err;
	}
	if (bpf_map_delete_elem(a->fd_peers, b) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* zs_expect's key for a bound IPv4 backend socket going to `to`. */
static int expect_key(int p2_fd, const struct sockaddr *to, __u32 *key)
{
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);

	if (to->sa_family != AF_INET)
		return -EAFNOSUPPORT;
	if (getsockname(p2_fd, (struct sockaddr *)&me, &mlen) < 0)
		return -errno;
	if (me.sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*key = ZS_EXPECT_KEY(ntohs(((const struct sockaddr_in *)to)->sin_port), ntohs(me.sin_port));
	return 0;
}

/* The port a backend socket will connect from, bound now so it can be
 * announced before the handshake (which loopback may finish within
 * connect). */
int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len)
{
	struct sockaddr_in any = {.sin_family = AF_INET};
	__u32 key, one = 1;
	int err;

	if (to->sa_family != AF_INET || len < (socklen_t)sizeof(struct sockaddr_in))
		return -EAFNOSUPPORT;
	if (bind(p2_fd, (const struct sockaddr *)&any, sizeof(any)) < 0)
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

int accel_done(struct accel *a, int p1_fd, uint64_t done, uint64_t out)
{
	struct zs_sock_key c;
	struct zs_ctl ctl;
	int err;

	err = ctl_load(a, p1_fd, &c, &ctl);
	if (err < 0)
		return err;
	ctl.done = done;
	ctl.out = out;
	return ctl_store(a, &c, &ctl);
}

int accel_foreign_done(struct accel *a, int p1_fd, uint32_t n, uint64_t out)
{
	struct zs_sock_key c;
	struct zs_ctl ctl;
	int err;

	err = ctl_load(a, p1_fd, &c, &ctl);
	if (err < 0)
		return err;
	ctl.foreign_done = n;
	ctl.out = out;
	return ctl_store(a, &c, &ctl);
}

int accel_forget(struct accel *a, const struct zs_sock_key *c)
{
	if (bpf_map_delete_elem(a->fd_ctl, c) < 0 && errno != ENOENT)
		return -errno;
	/* Normally gone already: sockops deletes it when C closes. */
	if (bpf_map_delete_elem(a->fd_conns, c) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int accel_conn(struct accel *a, int p1_fd, struct zs_conn *out)
{
	struct zs_sock_key c;
	int err;

	err = accel_client_key(p1_fd, &c);
	if (err < 0)
		return err;
	if (bpf_map_lookup_elem(a->fd_conns, &c, out) < 0)
		return -errno;
	return 0;
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
