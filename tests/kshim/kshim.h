/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's request path run in userspace: zs_msg (bpf/zs.bpf.c),
 * with its head reader (bpf/head.bpf.h) and forwarding fields
 * (bpf/xf.bpf.h), compiled from the same source behind stand-ins for the
 * maps and helpers it uses. sk_msg programs have no BPF_PROG_TEST_RUN
 * (doc/kernel-facts.md). For the parity test (tests/check_parity.c) and fuzzers.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <stddef.h>
#include <stdint.h>

#include "zeroserve/program.h"
#include "zs_abi.h"

enum kshim_verdict {
	KSHIM_UP,    /* SK_PASS: the bytes go up to zeroserve as plain TCP */
	KSHIM_CARRY, /* redirected into the paired backend socket */
	KSHIM_DROP,  /* SK_DROP: the client's sendmsg fails */
};

struct kshim_result {
	int verdict;	    /* enum kshim_verdict */
	unsigned int route; /* KSHIM_CARRY: the paired backend's route */
	int why;	    /* KSHIM_UP: the zs_counter the program bumped, or -1 */
	/* KSHIM_CARRY: the bytes redirected, forwarding fields inserted. */
	const uint8_t *out;
	size_t out_len;
	uint64_t req_left; /* KSHIM_CARRY: body bytes still to come */
	/* The kernel asked the routing program (kshim_set_program): zs_kreq
	 * as prog_fill left it for the tail call, else NULL. */
	const struct zs_scratch *asked;
};

/* zs_routes and nroutes, as zeroserve fills them (accel_route_table). */
void kshim_set_routes(const struct zs_route *tbl, unsigned int n);

/* zs_allow: allowed(kind, value, len) says whether a value is in it, as
 * zeroserve's guard would have put it there (accel_allow). */
void kshim_set_allow(int (*allowed)(__u32 kind, const __u8 *value, __u32 len));

/* guard_host, guard_origin: off for --allow-host '*' and --allow-origin
 * '*' (accel.c). Until set: both on. */
void kshim_set_guard(int host, int origin);

/* req_max: longer request bodies go up (accel_req_max). */
void kshim_set_req_max(uint64_t n);

/*
 * A routing program in zs_prog asking for these fields (lower case, as
 * src/program.c keeps them; "" for an empty slot), set as accel.c sets
 * the tunable program_on and the map zs_fields. names NULL: no
 * program. The slot stays empty, so the kernel passes up every request it
 * asks about (counter program), having filled zs_kreq.
 */
void kshim_set_program(const char *const names[ZS_REQ_FIELDS]);

/* The byte the per-CPU scan state is filled with before each run: what
 * earlier messages leave there must not change a decision. */
void kshim_set_stale(uint8_t byte);

/*
 * One sendmsg of buf[0, len) on a client connection the kernel may take it
 * from: paired with a backend socket of route `paired`, at a request
 * boundary, userspace caught up and the client having read all it was
 * sent. res stays valid until the next call.
 */
void kshim_read_head(const uint8_t *buf, size_t len, unsigned int paired, struct kshim_result *res);
/* paired for a connection's first request: no pairing yet, and a backend
 * socket waiting in every kernel route's pool (doc/architecture.md,
 * "Kernel from the first request"). */
#define KSHIM_FIRST ((unsigned int)-1)

/* C's own port, and the zeroserve listen port it connected to. */
#define KSHIM_CLIENT_PORT 40000
#define KSHIM_LISTEN_PORT 8080

/*
 * The client connection C the next heads come from, as the kernel sees it:
 * its socket's family (AF_INET or AF_INET6) and own address in the keys'
 * form (bpf/zs_abi.h), zs_ports' value for the listen port it connected to
 * (accel_listen_role) and the listen_mapped tunable. Until set: 127.0.0.1
 * over AF_INET, on a port with only AF_INET listeners.
 */
struct kshim_client {
	int family;
	__u32 ip[4];
	__u32 port_role;
	__u32 listen_mapped;
};
void kshim_set_client(const struct kshim_client *c);

/* Name of a zs_counter, for messages. */
const char *kshim_counter_name(int c);

#endif
