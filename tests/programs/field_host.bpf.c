/* SPDX-License-Identifier: MIT */
/* Test program: asks for the Host field, which zs_request has already. */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_FIELDS("x-ok", "Host");

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
