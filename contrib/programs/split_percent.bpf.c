/* SPDX-License-Identifier: MIT */
/*
 * split_percent: sends a share of the clients to the route named canary,
 * chosen by their port, so that each connection stays on one side; the
 * rest is routed by the command line. Shows a knob and a deterministic
 * split both engines agree on.
 *
 * A request goes to canary when
 *
 *	(client_port * 2654435761 mod 2^32) mod 100 < percent
 *
 * (Knuth's multiplicative hash, in 32-bit arithmetic, so that neighbouring
 * ports spread out); with the default percent of 10, ports 40005, 40013,
 * 40016 and 40024 are among those that do. Canary requests are tagged
 * "split-canary", the others "split-stable". zeroserve sets only the
 * route ids in .rodata: change percent here and rebuild.
 *
 *	sudo zeroserve --program split_percent.bpf.o \
 *		canary@=127.0.0.1:3002 /=127.0.0.1:3001
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_ROUTE(canary);

const volatile __u32 percent = 10;

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	__u32 h = (__u32)req->client_port * 2654435761u;

	if (h % 100 < percent) {
		__builtin_memcpy(v->tag, "split-canary", sizeof("split-canary"));
		return zs_use_route(v, ZS_ROUTE_ID(canary));
	}
	__builtin_memcpy(v->tag, "split-stable", sizeof("split-stable"));
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
