/* SPDX-License-Identifier: MIT */
/*
 * Test program: every request to the route named canary, tagged "all";
 * the same fields as contrib/programs/header_canary, so that a reload may
 * swap one for the other on the kernel engine.
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_FIELDS("x-canary");
ZS_ROUTE(canary);

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	__builtin_memcpy(v->tag, "all", sizeof("all"));
	return zs_use_route(v, ZS_ROUTE_ID(canary));
}

ZS_PROGRAM(decide)
