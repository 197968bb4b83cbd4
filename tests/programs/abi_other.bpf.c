/* SPDX-License-Identifier: MIT */
/*
 * Test program: ZS_PROGRAM()'s entry points and maps, marked with a
 * program ABI this zeroserve does not speak (as one built against another
 * zeroserve/program.h would be).
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u32 zs_program_abi = ZS_PROGRAM_ABI + 41;

SEC("sk_msg")
int zs_program_msg(struct sk_msg_md *msg)
{
	bpf_tail_call(msg, &zs_resume, 0);
	return SK_PASS;
}

SEC("raw_tp")
int zs_program_user(void *ctx)
{
	return 0;
}
