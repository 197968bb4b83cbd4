/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/* The BPF maps (their types are in zs_abi.h) and the counters (BPF only). */
#ifndef ZS_MAPS_BPF_H
#define ZS_MAPS_BPF_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "zs_abi.h"
#define ZS_PROGRAM_ABI_ONLY
#include "zeroserve/program.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
} zs_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} zs_expect SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 2 * ZS_MAX_CONNS);
	__type(key, struct zs_sock_key);
	__type(value, __u64);
} zs_socks SEC(".maps");

/* Hash maps are not preallocated: 64K preallocated entries cost ~10 ms at
 * start (doc/kernel-facts.md, "Measured"). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_sock_key);
	__type(value, struct zs_conn);
} zs_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_sock_key);
	__type(value, struct zs_ctl);
} zs_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_sock_key);
	__type(value, struct zs_peer);
} zs_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZS_MAX_ROUTES);
	__type(key, __u32);
	__type(value, struct zs_route);
} zs_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_ALLOW_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_allow_key);
	__type(value, __u32);
} zs_allow SEC(".maps");

/* The pool: one stack per backend, made by zeroserve (src/accel.c) and
 * placed at zs_route.pool; index 0 stays empty. */
struct zs_pool_queue {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, ZS_POOL_SLOTS);
	__type(value, struct zs_pool_ent);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, ZS_MAX_ROUTES + 1);
	__type(key, __u32);
	__array(values, struct zs_pool_queue);
} zs_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_sock_key);
	__type(value, struct zs_lent);
} zs_lent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZS_MAX_CONNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct zs_sock_key);
	__type(value, __u32);
} zs_lent_b SEC(".maps");

/* 128 KiB: 2730 records of a 36-byte key, 48 bytes each with the 8-byte
 * header, rounded up to 8 (kernel/bpf/ringbuf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 128 << 10);
} zs_events SEC(".maps");

/* One record a request (zs_abi.h, struct zs_log). Sized by zeroserve
 * before load (--log-ring), a power of two of pages; this is the least. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} zs_log SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZS_C__MAX);
	__type(key, __u32);
	__type(value, __u64);
} zs_counters SEC(".maps");

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&zs_counters, &idx);

	if (v)
		*v += n;
}

/*
 * Routing programs (include/zeroserve/program.h): the request the kernel
 * read, for the program (zs_kreq, the program's own map, shared with it by
 * fd), and the program's kernel entry, which client_msg tail-calls (zs_prog).
 */
ZS_KREQ_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} zs_prog SEC(".maps");

#endif /* ZS_MAPS_BPF_H */
