/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine seen from zeroserve: loads bpf/zs.bpf.c, attaches it and
 * writes the maps zeroserve owns (zs_ctl, zs_peers). The only user of the
 * skeleton. Socket keys name the far ends of zeroserve's own sockets: the
 * client's socket C behind P1, the backend's socket B behind P2.
 * Returns: 0 / -errno.
 */
#ifndef ZS_ACCEL_H
#define ZS_ACCEL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "zs_abi.h"

struct config;
struct accel;
struct router;

#ifdef HAVE_BPF_ENGINE

/* C's own view: local = P1's peer, remote = P1's local. -EAFNOSUPPORT unless IPv4
 * (or IPv4-mapped IPv6). */
int accel_client_key(int p1_fd, struct zs_sock_key *k);
/* B's own view: local = P2's peer, remote = P2's local; same errors. */
int accel_backend_key(int p2_fd, struct zs_sock_key *k);

/*
 * Load and attach the kernel engine for cfg, after the listeners are bound.
 * NULL with a one-line reason in why when it does not run; zeroserve then
 * serves everything in userspace.
 */
struct accel *accel_start(const struct config *cfg, char *why, size_t whylen);
/* Logs the counters, detaches and frees everything. NULL is fine. */
void accel_stop(struct accel *a);
/* One info line with the counters summed over CPUs; when says why ("SIGUSR1"). */
void accel_log_counters(struct accel *a, const char *when);
int accel_counters(struct accel *a, uint64_t out[ZS_C__MAX]);

/*
 * Pair C with B serving route, by their keys (accel_client_key,
 * accel_backend_key: the caller keeps them for accel_unpair); keeps
 * zs_ctl[C].done.
 */
int accel_pair(struct accel *a, const struct zs_sock_key *c, const struct zs_sock_key *b,
	       unsigned int route);
/*
 * C is paired no more: the kernel passes its requests up again. By the keys
 * taken when pairing (accel_client_key, accel_backend_key): getpeername(2)
 * fails once a socket was reset (net/ipv4/af_inet.c, inet_getname), and the
 * entries must go all the same.
 */
int accel_unpair(struct accel *a, const struct zs_sock_key *c, const struct zs_sock_key *b);
/*
 * zs_ctl[C].done = done: zeroserve has read and answered that many bytes of
 * C; out: the bytes it has sent C or queued for it, those answers included.
 * The kernel takes C's next request only once C has read out bytes over TCP.
 */
int accel_done(struct accel *a, int p1_fd, uint64_t done, uint64_t out);
/* zs_ctl[C].foreign_done = n: zeroserve has relayed n responses the kernel
 * handed up; out as for accel_done, in the same update. */
int accel_foreign_done(struct accel *a, int p1_fd, uint32_t n, uint64_t out);
/*
 * A backend socket about to connect to `to`: bound to its port and
 * announced, so that sockops adds the backend's end (and no other socket
 * accepted on that port) to zs_socks. accel_hangup withdraws it at close.
 */
int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len);
void accel_hangup(struct accel *a, int p2_fd, const struct sockaddr *to);
/* The client connection is over: drop its zs_ctl (and zs_conns) entries;
 * by key, as for accel_unpair. */
int accel_forget(struct accel *a, const struct zs_sock_key *c);
/* zs_conns[C] as the BPF programs left it; -ENOENT when absent. */
int accel_conn(struct accel *a, int p1_fd, struct zs_conn *out);
/* 1 when the kernel may serve the route's requests, else 0. */
int accel_route_kernel(const struct accel *a, unsigned int route_id);
/*
 * zs_routes as the kernel engine fills it for rt, index == route id, with
 * .kernel set for the routes the kernel serves: IPv4 backends whose path
 * goes through unchanged, within the map's limits, that no route the kernel
 * cannot hold may outrank (router_may_outrank). Returns nroutes.
 */
unsigned int accel_route_table(const struct router *rt, struct zs_route tbl[ZS_MAX_ROUTES]);
/* The longest request body the kernel carries, given --max-body (0: none). */
uint64_t accel_req_max(uint64_t max_body);

#else /* !HAVE_BPF_ENGINE: built with --disable-bpf */

static inline struct accel *accel_start(const struct config *cfg, char *why, size_t whylen)
{
	if (whylen > 0)
		snprintf(why, whylen, "kernel engine not built (--disable-bpf)");
	errno = ENOTSUP;
	return NULL;
}

static inline void accel_stop(struct accel *a)
{
}

static inline void accel_log_counters(struct accel *a, const char *when)
{
}

static inline int accel_counters(struct accel *a, uint64_t out[ZS_C__MAX])
{
	return -ENOTSUP;
}

static inline int accel_pair(struct accel *a, const struct zs_sock_key *c,
			     const struct zs_sock_key *b, unsigned int route)
{
	return -ENOTSUP;
}

static inline int accel_unpair(struct accel *a, const struct zs_sock_key *c,
			       const struct zs_sock_key *b)
{
	return -ENOTSUP;
}

static inline int accel_done(struct accel *a, int p1_fd, uint64_t done, uint64_t out)
{
	return -ENOTSUP;
}

static inline int accel_foreign_done(struct accel *a, int p1_fd, uint32_t n, uint64_t out)
{
	return -ENOTSUP;
}

static inline int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len)
{
	return -ENOTSUP;
}

static inline void accel_hangup(struct accel *a, int p2_fd, const struct sockaddr *to)
{
}

static inline int accel_forget(struct accel *a, const struct zs_sock_key *c)
{
	return -ENOTSUP;
}

static inline int accel_conn(struct accel *a, int p1_fd, struct zs_conn *out)
{
	return -ENOTSUP;
}

static inline int accel_client_key(int p1_fd, struct zs_sock_key *k)
{
	return -ENOTSUP;
}

static inline int accel_backend_key(int p2_fd, struct zs_sock_key *k)
{
	return -ENOTSUP;
}

static inline int accel_route_kernel(const struct accel *a, unsigned int route_id)
{
	return 0;
}

#endif /* HAVE_BPF_ENGINE */

#endif
