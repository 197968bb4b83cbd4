/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for libbpf's <bpf/bpf_helpers.h> when tests/kshim/kshim.c
 * compiles bpf/zs.bpf.c as userspace C: the map-definition macros as libbpf
 * spells them, and the helpers zs.bpf.c calls as plain functions, defined in
 * kshim.c (after the program, so they can tell its maps apart).
 */
#ifndef KSHIM_BPF_HELPERS_H
#define KSHIM_BPF_HELPERS_H

#include <linux/bpf.h>
#include <linux/types.h>

#define SEC(name)
#define __uint(name, val)  int(*name)[val]
#define __type(name, val)  __typeof__(val) *name
#define __array(name, val) __typeof__(val) *name[]
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))

static void *bpf_map_lookup_elem(void *map, const void *key);
static long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags);
static long bpf_map_delete_elem(void *map, const void *key);
static long bpf_map_push_elem(void *map, const void *value, __u64 flags);
static long bpf_map_pop_elem(void *map, void *value);
static long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);
static __u64 bpf_ktime_get_coarse_ns(void);
static __u64 bpf_ktime_get_ns(void);
static __u64 bpf_ringbuf_query(void *ringbuf, __u64 flags);
static long bpf_loop(__u32 nr_loops, long (*callback)(__u32 index, void *ctx), void *ctx,
		     __u64 flags);
static long bpf_probe_read_kernel(void *dst, __u32 size, const void *src);
static struct tcp_sock *bpf_skc_to_tcp_sock(void *sk);
static long bpf_msg_redirect_hash(struct sk_msg_md *msg, void *map, void *key, __u64 flags);
static long bpf_msg_apply_bytes(struct sk_msg_md *msg, __u32 bytes);
static long bpf_msg_cork_bytes(struct sk_msg_md *msg, __u32 bytes);
static long bpf_msg_pull_data(struct sk_msg_md *msg, __u32 start, __u32 end, __u64 flags);
static long bpf_msg_push_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags);
static long bpf_msg_pop_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags);
static long bpf_sock_hash_update(struct bpf_sock_ops *skops, void *map, void *key, __u64 flags);
static long bpf_sock_ops_cb_flags_set(struct bpf_sock_ops *skops, int argval);
static long bpf_tail_call(void *ctx, void *map, __u32 index);

#endif
