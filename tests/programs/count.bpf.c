/* SPDX-License-Identifier: MIT */
/*
 * Test program: tags each request with how many requests the program has
 * decided, six digits ("000001", ...), and sends requests with "X-Canary"
 * to the canary route. A request decided twice leaves a gap in the tags.
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_ROUTE(canary);
ZS_FIELDS("x-canary");

__u64 calls;

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	__u64 n = __sync_fetch_and_add(&calls, 1) + 1;
	int i;

	for (i = 5; i >= 0; i--) {
		v->tag[i] = '0' + n % 10;
		n /= 10;
	}
	if (req->field[0].present)
		return zs_use_route(v, ZS_ROUTE_ID(canary));
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
