/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's loader, the parts that need no privileges: socket keys
 * on real loopback connections, and the reasons the engine declines to start.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* By path, as in check_config.c: a quoted "config.h" could find autoconf's. */
#include "../src/accel_abi.h"
#include "../src/config.h"
#include "../src/router.h"

#define ARGV(...) ((char *[]){"zeroserve", __VA_ARGS__, NULL})

/* A connected loopback pair: c connected from bind_ip to a listener on 127.0.0.1, s accepted. */
struct pair {
	int c, s;
};

static struct pair pair_v4(const char *bind_ip)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct pair p;
	int l;

	l = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(l, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);

	p.c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(p.c, 0);
	if (bind_ip != NULL) {
		/* Another local address, so a swapped local and remote IP shows. */
		struct sockaddr_in b;

		memset(&b, 0, sizeof(b));
		b.sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, bind_ip, &b.sin_addr), 1);
		ck_assert_int_eq(bind(p.c, (struct sockaddr *)&b, sizeof(b)), 0);
	}
	ck_assert_int_eq(connect(p.c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p.s = accept(l, NULL, NULL);
	ck_assert_int_ge(p.s, 0);
	close(l);
	return p;
}

static void pair_close(struct pair *p)
{
	close(p->c);
	close(p->s);
}

/* An address in the keys' form (IPv4 as ::ffff:a.b.c.d), as the BPF programs write it. */
static void key_addr(const struct sockaddr_storage *ss, __u32 ip[4], __u16 *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		ip[0] = 0;
		ip[1] = 0;
		ip[2] = htonl(0xffff);
		ip[3] = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
	} else {
		ck_assert_int_eq(ss->ss_family, AF_INET6);
		memcpy(ip, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}

/* The key fd's own view of itself: what sockops computes for that socket. */
static void own_key(int fd, struct zs_sock_key *k)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&local, &llen), 0);
	ck_assert_int_eq(getpeername(fd, (struct sockaddr *)&peer, &plen), 0);
	memset(k, 0, sizeof(*k));
	key_addr(&local, k->local_ip, &k->local_port);
	key_addr(&peer, k->remote_ip, &k->remote_port);
}

static void key_eq(const struct zs_sock_key *got, const struct zs_sock_key *want)
{
	ck_assert_mem_eq(got->local_ip, want->local_ip, sizeof(got->local_ip));
	ck_assert_mem_eq(got->remote_ip, want->remote_ip, sizeof(got->remote_ip));
	ck_assert_uint_eq(got->local_port, want->local_port);
	ck_assert_uint_eq(got->remote_port, want->remote_port);
}

/* P1 is accepted by zeroserve; the key names the client's socket C. */
START_TEST(test_client_key)
{
	struct pair p = pair_v4("127.0.0.2");
	struct zs_sock_key got, want;

	own_key(p.c, &want);
	ck_assert_int_eq(accel_client_key(p.s, &got), 0);
	key_eq(&got, &want);
	/* Byte orders: IPs as on the wire, v4-mapped; ports as numbers. */
	ck_assert_uint_eq(got.local_ip[0] | got.local_ip[1], 0);
	ck_assert_uint_eq(got.local_ip[2], htonl(0xffff));
	ck_assert_uint_eq(got.local_ip[3], htonl(0x7f000002));
	ck_assert_uint_eq(got.remote_ip[2], htonl(0xffff));
	ck_assert_uint_eq(got.remote_ip[3], htonl(INADDR_LOOPBACK));
	pair_close(&p);
}
END_TEST

/* P2 is zeroserve's connection to a backend; the key names the backend's socket B. */
START_TEST(test_backend_key)
{
	struct pair p = pair_v4(NULL);
	struct zs_sock_key got, want;

	own_key(p.s, &want);
	ck_assert_int_eq(accel_backend_key(p.c, &got), 0);
	key_eq(&got, &want);
	pair_close(&p);
}
END_TEST

/* The keys of both ends of one connection mirror each other. */
START_TEST(test_keys_mirror)
{
	struct pair p = pair_v4("127.0.0.3");
	struct zs_sock_key a, b;

	ck_assert_int_eq(accel_client_key(p.s, &a), 0);
	ck_assert_int_eq(accel_backend_key(p.c, &b), 0);
	ck_assert_mem_eq(a.local_ip, b.remote_ip, sizeof(a.local_ip));
	ck_assert_mem_eq(a.remote_ip, b.local_ip, sizeof(a.remote_ip));
	ck_assert_uint_eq(a.local_port, b.remote_port);
	ck_assert_uint_eq(a.remote_port, b.local_port);
	pair_close(&p);
}
END_TEST

/* ::1 to ::1: the keys are the sockets' own, in IPv6 form. */
START_TEST(test_ipv6)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	struct zs_sock_key got, want;
	int l, c, s;

	l = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (l < 0 || bind(l, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		/* No IPv6 on this host: nothing to name. */
		if (l >= 0)
			close(l);
		return;
	}
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin6, &len), 0);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	own_key(c, &want);
	ck_assert_int_eq(accel_client_key(s, &got), 0);
	key_eq(&got, &want);
	ck_assert_mem_eq(got.local_ip, &in6addr_loopback, 16);
	own_key(s, &want);
	ck_assert_int_eq(accel_backend_key(c, &got), 0);
	key_eq(&got, &want);
	close(c);
	close(s);
	close(l);
}
END_TEST

/* An IPv4 client on a dual-stack IPv6 listener: P1 is AF_INET6, C is plain
 * IPv4, and both name the connection alike. So do an AF_INET P2 and a
 * dual-stack backend's B. */
START_TEST(test_v4_mapped)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin6);
	struct zs_sock_key got, want;
	int l, c, s, off = 0;

	l = socket(AF_INET6, SOCK_STREAM, 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	if (l < 0 || setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    bind(l, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		if (l >= 0)
			close(l);
		return;
	}
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin6, &len), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = sin6.sin6_port;
	c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	own_key(c, &want);
	ck_assert_int_eq(accel_client_key(s, &got), 0);
	key_eq(&got, &want);
	own_key(s, &want);
	ck_assert_int_eq(accel_backend_key(c, &got), 0);
	key_eq(&got, &want);
	close(c);
	close(s);
	close(l);
}
END_TEST

static __u32 listen_role(const char *const *specs, size_t n, int port)
{
	struct addr l[4];
	char err[256];
	size_t i;

	ck_assert_uint_le(n, 4);
	for (i = 0; i < n; i++)
		ck_assert_msg(addr_parse(specs[i], &l[i], err, sizeof(err)) == 0, "%s", err);
	return accel_listen_role(l, n, port);
}

/* Which sockets of a listen port take its IPv4 clients, and so how
 * zeroserve names them (bpf/zs_abi.h, ZS_PORT_V4_*). */
START_TEST(test_listen_role)
{
	static const char *const v4[] = {"127.0.0.1:8080", "[::1]:8080", "127.0.0.1:9090"};
	static const char *const any6[] = {"[::]:8080", "127.0.0.1:9090"};
	static const char *const mapped[] = {"[::ffff:127.0.0.1]:8080"};
	static const char *const both[] = {"[::ffff:127.0.0.1]:8080", "127.0.0.2:8080"};
	static const char *const loop6[] = {"[::1]:8080"};

	ck_assert_uint_eq(listen_role(v4, 3, 8080), ZS_PORT_LISTEN | ZS_PORT_V4_PLAIN);
	ck_assert_uint_eq(listen_role(v4, 3, 9090), ZS_PORT_LISTEN | ZS_PORT_V4_PLAIN);
	ck_assert_uint_eq(listen_role(v4, 3, 1), 0);
	ck_assert_uint_eq(listen_role(any6, 2, 8080), ZS_PORT_LISTEN | ZS_PORT_V4_MAPPED);
	ck_assert_uint_eq(listen_role(mapped, 1, 8080), ZS_PORT_LISTEN | ZS_PORT_V4_MAPPED);
	ck_assert_uint_eq(listen_role(both, 2, 8080),
			  ZS_PORT_LISTEN | ZS_PORT_V4_MAPPED | ZS_PORT_V4_PLAIN);
	ck_assert_uint_eq(listen_role(loop6, 1, 8080), ZS_PORT_LISTEN);
}
END_TEST

START_TEST(test_not_connected)
{
	struct zs_sock_key k;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(accel_client_key(fd, &k), -ENOTCONN);
	close(fd);
	ck_assert_int_eq(accel_backend_key(-1, &k), -EBADF);
}
END_TEST

/* accel_start declines before it needs privileges, with a one-line reason. */
static void declines(char **argv, const char *reason)
{
	struct config cfg;
	char err[512], why[256];
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	ck_assert_msg(config_parse(&cfg, argc, argv, err, sizeof(err)) == CONFIG_RUN, "%s", err);
	why[0] = '\0';
	ck_assert_ptr_null(accel_start(&cfg, NULL, why, sizeof(why)));
	ck_assert_msg(strcmp(why, reason) == 0, "why: \"%s\", want \"%s\"", why, reason);
	config_free(&cfg);
}

START_TEST(test_declines)
{
	declines(ARGV("--no-bpf", "/=127.0.0.1:3001"), "kernel engine off: --no-bpf");
	declines(ARGV("--no-bpf"), "kernel engine off: --no-bpf");
	declines(ARGV("-l", "127.0.0.1:18080"), "kernel engine unavailable: no backend route");
	declines(ARGV("-l", "[::1]:18080", "/=/"), "kernel engine unavailable: no backend route");
	declines(ARGV("-l", "127.0.0.1:18080", "/api/=http://127.0.0.1:3001/", "/=/"),
		 "kernel engine unavailable: no route it can serve (a backend, path not "
		 "rewritten)");
	declines(ARGV("-l", "[::1]:18080", "/api/=http://[::1]:3001/", "/=/"),
		 "kernel engine unavailable: no route it can serve (a backend, path not "
		 "rewritten)");
}
END_TEST

/* A listener on an ephemeral 127.0.0.1 port; its port in *port. */
static int listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(l, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 4), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return l;
}

/* A connection to port; announced to a (as zeroserve's own) when a is set. */
static struct pair pair_to(int l, int port, struct accel *a)
{
	struct sockaddr_in sin;
	struct pair p;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	p.c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(p.c, 0);
	if (a != NULL)
		ck_assert_int_eq(accel_dial(a, p.c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(connect(p.c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p.s = accept(l, NULL, NULL);
	ck_assert_int_ge(p.s, 0);
	return p;
}

/* Up to n bytes from fd within 5 s: what the kernel engine redirected into it. */
static ssize_t read_within(int fd, char *buf, size_t n)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	return read(fd, buf, n);
}

/*
 * The handle's questions while the kernel carries one request and its
 * answer: the client's request goes straight into the backend's socket,
 * the backend's answer straight into the client's.
 */
static void kernel_round_trip(struct accel *a, int ll, int lport, int bl, int bport)
{
	uint64_t c[ZS_C__MAX];
	static const char req[] = "GET /x HTTP/1.1\r\nHost: app.test\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct pair client = pair_to(ll, lport, NULL), backend = pair_to(bl, bport, a);
	struct accel_conn *kc = accel_conn_new(a, client.s);
	char buf[1024];
	ssize_t n;

	ck_assert_ptr_nonnull(kc);
	ck_assert_int_eq(accel_conn_pair(kc, backend.c, 0), 0);
	/* Nothing read or sent: done meets passed, and the pairing goes with it. */
	ck_assert_int_eq(accel_conn_done(kc, 0, 0), 0);
	/* A Host the guard has not allowed: up to zeroserve, whatever the route. */
	ck_assert_int_eq(write(client.c, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	n = read_within(client.s, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)sizeof(req) - 1);
	ck_assert_int_eq(recv(backend.s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(accel_counters(a, c), 0);
	ck_assert_uint_eq(c[ZS_C_PASS_GUARD], 1);
	ck_assert_uint_eq(c[ZS_C_REQ_KERNEL], 0);
	/* Answered by zeroserve (nothing sent, in this test); then allowed,
	 * byte for byte, the same Host is the kernel's to carry. */
	ck_assert_int_eq(accel_conn_done(kc, sizeof(req) - 1, 0), 0);
	ck_assert_int_eq(accel_allow(a, "app.test", 8, NULL, 0), 0);
	ck_assert_int_eq(accel_allow(a, "app.test", 8, NULL, 0), 0);
	ck_assert_int_eq(write(client.c, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	n = read_within(backend.s, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, (ssize_t)sizeof(req) - 1); /* the forwarding fields added */
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "GET /x HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "X-Forwarded-For: 127.0.0.1\r\n"));
	/* Zeroserve's own end saw nothing of it. */
	ck_assert_int_eq(recv(client.s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* In flight: userspace would hold its answer, and a backend closing
	 * now would leave the client without one. */
	ck_assert_int_eq(accel_conn_is_busy(kc), 1);
	ck_assert_int_eq(accel_conn_was_active(kc), 1);
	ck_assert_int_eq(accel_conn_is_settled(kc), 0);
	ck_assert_int_eq(accel_conn_loss(kc), ACCEL_LOSS_ANSWER);

	ck_assert_int_eq(write(backend.s, resp, sizeof(resp) - 1), (ssize_t)sizeof(resp) - 1);
	n = read_within(client.c, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)sizeof(resp) - 1);
	ck_assert_int_eq(memcmp(buf, resp, sizeof(resp) - 1), 0);
	ck_assert_int_eq(accel_conn_is_busy(kc), 0);
	ck_assert_int_eq(accel_conn_is_settled(kc), 1);
	ck_assert_int_eq(accel_conn_loss(kc), ACCEL_LOSS_NONE);
	/* The request was seen already: nothing new since. */
	ck_assert_int_eq(accel_conn_was_active(kc), 0);
	accel_conn_free(kc);
	pair_close(&client);
	pair_close(&backend);
}

/*
 * With privileges: the map operations against the loaded engine. The engine
 * attaches to the cgroup v2 root for the duration; it only looks at the two
 * ephemeral ports of this test. Without privileges there is nothing to test.
 */
START_TEST(test_maps)
{
	char lspec[32], route[64], err[512], why[256];
	int ll, bl, lport, bport;
	uint64_t c[ZS_C__MAX];
	struct config cfg;
	struct zs_conn conn;
	struct zs_ctl ctl;
	struct zs_sock_key ck, bk;
	struct pair client, backend, stranger;
	struct accel_conn *kc;
	struct accel *a;
	unsigned int route_id;
	int head_req, close_req;

	ll = listener(&lport);
	bl = listener(&bport);
	snprintf(lspec, sizeof(lspec), "127.0.0.1:%d", lport);
	snprintf(route, sizeof(route), "/=127.0.0.1:%d", bport);
	ck_assert_int_eq(config_parse(&cfg, 5, ARGV("-l", lspec, route, "/x/=http://127.0.0.1:1/"),
				      err, sizeof(err)),
			 CONFIG_RUN);
	a = accel_start(&cfg, NULL, why, sizeof(why));
	if (a == NULL) {
		fprintf(stderr, "check_accel: map tests skipped: %s\n", why);
		goto out;
	}
	ck_assert_int_eq(accel_route_kernel(a, 0), 1);
	ck_assert_int_eq(accel_route_kernel(a, 1), 0);
	ck_assert_int_eq(accel_route_kernel(a, ZS_MAX_ROUTES), 0);

	/* Connected after the attach: sockops has seen both. */
	client = pair_to(ll, lport, NULL);
	/* Not announced: sockops leaves the backend's end alone, so it cannot
	 * be paired. */
	stranger = pair_to(bl, bport, NULL);
	backend = pair_to(bl, bport, a);
	ck_assert_int_eq(accel_client_key(client.s, &ck), 0);
	ck_assert_int_eq(accel_conn_lookup(a, &ck, &conn), 0);
	ck_assert_uint_eq(conn.mode, ZS_MODE_USER);
	ck_assert_uint_eq(conn.passed, 0);

	kc = accel_conn_new(a, client.s);
	ck_assert_ptr_nonnull(kc);
	/* Fresh: the kernel owes nothing, carried nothing, is not paired. */
	ck_assert_int_eq(accel_conn_is_busy(kc), 0);
	ck_assert_int_eq(accel_conn_was_active(kc), 0);
	ck_assert_int_eq(accel_conn_has_handed_up(kc, &head_req, &close_req, NULL), 0);
	ck_assert_int_eq(accel_conn_is_settled(kc), 1);
	ck_assert_int_eq(accel_conn_loss(kc), ACCEL_LOSS_NONE);
	ck_assert_int_eq(accel_conn_is_paired(kc, NULL), 0);

	ck_assert_int_eq(accel_conn_done(kc, 5, 0), 0);
	ck_assert_int_eq(accel_conn_pair(kc, stranger.c, 0), -ENOENT);
	ck_assert_int_eq(accel_conn_pair(kc, backend.c, 1), -EINVAL);
	ck_assert_int_eq(accel_conn_pair(kc, backend.c, 0), 0);
	ck_assert_int_eq(accel_conn_pair(kc, backend.c, 0), -EALREADY);
	ck_assert_int_eq(accel_conn_is_paired(kc, &route_id), 1);
	ck_assert_uint_eq(route_id, 0);
	/* zs_peers[B] at once; zs_ctl[C] says paired with the next done. */
	ck_assert_int_eq(accel_ctl_lookup(a, &ck, &ctl), 0);
	ck_assert_uint_eq(ctl.done, 5);
	ck_assert_uint_eq(ctl.paired, 0);
	ck_assert_int_eq(accel_conn_done(kc, 7, 100), 0);
	ck_assert_int_eq(accel_ctl_lookup(a, &ck, &ctl), 0);
	ck_assert_uint_eq(ctl.done, 7);
	ck_assert_uint_eq(ctl.out, 100);
	ck_assert_uint_eq(ctl.paired, 1);
	ck_assert_uint_eq(ctl.route, 0);
	ck_assert_int_eq(accel_backend_key(backend.c, &bk), 0);
	key_eq(&ctl.backend, &bk);
	ck_assert_int_eq(accel_conn_done(kc, 7, 100), 0);
	ck_assert_int_eq(accel_conn_relayed(kc, 300), 0);
	ck_assert_int_eq(accel_ctl_lookup(a, &ck, &ctl), 0);
	ck_assert_uint_eq(ctl.done, 7);
	ck_assert_uint_eq(ctl.out, 300);
	ck_assert_uint_eq(ctl.foreign_done, 1);
	ck_assert_int_eq(accel_conn_unpair(kc), 0);
	ck_assert_int_eq(accel_conn_unpair(kc), 0);
	ck_assert_int_eq(accel_conn_is_paired(kc, NULL), 0);
	ck_assert_int_eq(accel_ctl_lookup(a, &ck, &ctl), 0);
	ck_assert_uint_eq(ctl.paired, 0);
	/* Paired again on the same connection: the same keys. */
	ck_assert_int_eq(accel_conn_pair(kc, backend.c, 0), 0);
	accel_conn_free(kc);
	ck_assert_int_eq(accel_ctl_lookup(a, &ck, &ctl), -ENOENT);
	ck_assert_int_eq(accel_conn_lookup(a, &ck, &conn), -ENOENT);
	kernel_round_trip(a, ll, lport, bl, bport);
	ck_assert_int_eq(accel_counters(a, c), 0);
	ck_assert_uint_eq(c[ZS_C_REQ_KERNEL], 1);
	ck_assert_uint_eq(c[ZS_C_RESP_KERNEL], 1);
	accel_log_counters(a, "test");
	pair_close(&client);
	pair_close(&backend);
	pair_close(&stranger);
	accel_stop(a);
out:
	close(ll);
	close(bl);
	config_free(&cfg);
}
END_TEST

/* A router of the given routes. */
static void routes(struct router *rt, const char *const *specs, size_t n)
{
	char err[512];
	struct route r;
	size_t i;

	router_init(rt);
	for (i = 0; i < n; i++) {
		ck_assert_msg(route_parse(specs[i], &r, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(router_add(rt, &r, err, sizeof(err)) == 0, "%s", err);
	}
}

#define LONG_HOST "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij"

/* zs_routes without loading anything: what the kernel holds and serves. */
START_TEST(test_route_table)
{
	static const char *const mixed[] = {
	    "/=127.0.0.1:3001", "/rw/=http://127.0.0.1:3002/", "/d=.",
	    "/six=[::1]:3003",	"App.Test.=127.0.0.1:3004",    "app.test/api=127.0.0.1:3005"};
	static const char *const long_host[] = {"/=127.0.0.1:3001", "/api=127.0.0.1:3002",
						LONG_HOST "=127.0.0.1:3003",
						"other.test=127.0.0.1:3004"};
	char past[ZS_MAX_ROUTES + 1][32];
	const char *past_specs[ZS_MAX_ROUTES + 1];
	struct zs_route tbl[ZS_MAX_ROUTES];
	struct router rt;
	unsigned int i;

	routes(&rt, mixed, 6);
	ck_assert_uint_eq(accel_route_table(&rt, tbl), 6);
	ck_assert_uint_eq(tbl[0].kernel, 1);
	ck_assert_uint_eq(tbl[1].kernel, 0); /* rewrites the path */
	ck_assert_uint_eq(tbl[2].kernel, 0); /* a directory */
	ck_assert_uint_eq(tbl[3].kernel, 1); /* an IPv6 backend, as IPv4 ones */
	ck_assert_uint_eq(tbl[4].kernel, 1);
	ck_assert_uint_eq(tbl[4].host_len, 8);
	ck_assert_int_eq(memcmp(tbl[4].host, "app.test", 9), 0); /* normalised, zero-padded */
	ck_assert_uint_eq(tbl[5].prefix_len, 4);
	ck_assert_int_eq(memcmp(tbl[5].prefix, "/api", 5), 0);
	ck_assert_uint_eq(tbl[0].host_len, 0);
	ck_assert_uint_eq(tbl[6].prefix_len, 0); /* the rest stays empty */
	router_free(&rt);

	/* A host the map cannot hold goes in cut short, and every host-less
	 * route it may outrank stays in userspace with it. */
	routes(&rt, long_host, 4);
	ck_assert_uint_eq(accel_route_table(&rt, tbl), 4);
	ck_assert_uint_eq(tbl[2].host_len, ZS_HOST_MAX);
	ck_assert_uint_eq(tbl[2].kernel, 0);
	ck_assert_uint_eq(tbl[0].kernel, 0);
	ck_assert_uint_eq(tbl[1].kernel, 0);
	ck_assert_uint_eq(tbl[3].kernel, 1);
	router_free(&rt);

	/* Past ZS_MAX_ROUTES: the last route, a Host route, may outrank "/"
	 * only; "/aN" do not share a path with "/z". */
	for (i = 0; i < ZS_MAX_ROUTES; i++) {
		snprintf(past[i], sizeof(past[i]), i == 0 ? "/=127.0.0.1:%u" : "/a%u=127.0.0.1:%u",
			 i == 0 ? 3000 : i, 3000 + i);
		past_specs[i] = past[i];
	}
	snprintf(past[i], sizeof(past[i]), "app.test/z=127.0.0.1:4000");
	past_specs[i] = past[i];
	routes(&rt, past_specs, ZS_MAX_ROUTES + 1);
	ck_assert_uint_eq(accel_route_table(&rt, tbl), ZS_MAX_ROUTES);
	ck_assert_uint_eq(tbl[0].kernel, 0);
	for (i = 1; i < ZS_MAX_ROUTES; i++)
		ck_assert_uint_eq(tbl[i].kernel, 1);
	router_free(&rt);
}
END_TEST

static Suite *accel_suite(void)
{
	Suite *s = suite_create("accel");
	TCase *tc = tcase_create("accel");

	tcase_add_test(tc, test_client_key);
	tcase_add_test(tc, test_backend_key);
	tcase_add_test(tc, test_keys_mirror);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_v4_mapped);
	tcase_add_test(tc, test_listen_role);
	tcase_add_test(tc, test_not_connected);
	tcase_add_test(tc, test_declines);
	tcase_add_test(tc, test_route_table);
	tcase_add_test(tc, test_maps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(accel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
