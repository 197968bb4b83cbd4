/* SPDX-License-Identifier: MIT */
/* Test program: a BPF object without ZS_PROGRAM()'s entry points. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("raw_tp")
int something_else(void *ctx)
{
	return 0;
}
