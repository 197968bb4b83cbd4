/* SPDX-License-Identifier: MIT */
/* Test program: a GPL-only helper (bpf_probe_read_kernel) in a program
 * whose license is not GPL-compatible. */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "MIT";

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	char c = 0;

	bpf_probe_read_kernel(&c, 1, req);
	return c ? ZS_DEFAULT : ZS_DEFAULT;
}

ZS_PROGRAM(decide)
