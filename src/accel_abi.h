/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's parts that speak bpf/zs_abi.h: socket keys, the
 * counters, the route table and zs_conns as the programs left it. For
 * src/accel*.c and the tests (tests/check_accel.c, tests/kshim/parity.c);
 * the rest of zeroserve uses src/accel.h, which names no map layout.
 * Returns: 0 / -errno.
 */
#ifndef ZS_ACCEL_ABI_H
#define ZS_ACCEL_ABI_H

#include <stdint.h>

#include "accel.h"
#include "zs_abi.h"

struct addr;
struct router;

/* C's own view: local = P1's peer, remote = P1's local, IPv4 in the keys'
 * v4-mapped form. -EAFNOSUPPORT unless IPv4 or IPv6. */
int accel_client_key(int p1_fd, struct zs_sock_key *k);
/* B's own view: local = P2's peer, remote = P2's local; same errors. */
int accel_backend_key(int p2_fd, struct zs_sock_key *k);
/* zs_ports' bits for a listen port, from the --listen addresses: ZS_PORT_LISTEN
 * and which sockets there take IPv4 clients (ZS_PORT_V4_*); 0 if none is on it. */
__u32 accel_listen_role(const struct addr *listens, size_t n, int port);
/* The open client connection whose C has this key, or NULL. */
struct accel_conn *accel_conn_find(struct accel *a, const struct zs_sock_key *c);
/* The counters summed over CPUs. */
int accel_counters(struct accel *a, uint64_t out[ZS_C__MAX]);
/* zs_conns[C] as the BPF programs left it, by C's own key; -ENOENT when
 * absent. Sessions ask their accel_conn instead. */
int accel_conn_lookup(struct accel *a, const struct zs_sock_key *c, struct zs_conn *out);
/* zs_ctl[C] as zeroserve last wrote it; -ENOENT when absent. For tests. */
int accel_ctl_lookup(struct accel *a, const struct zs_sock_key *c, struct zs_ctl *out);
/*
 * zs_routes as the kernel engine fills it for rt, index == route id, with
 * .kernel set for the routes the kernel serves (router_kernel_refusal says
 * which and why). Returns nroutes.
 */
unsigned int accel_route_table(const struct router *rt, struct zs_route tbl[ZS_MAX_ROUTES]);

#endif
