/* SPDX-License-Identifier: MIT */
/*
 * token_bucket: limits each client address to rate_per_sec requests a
 * second, with bursts of up to burst; a request beyond that is answered
 * 429, tagged "rate-limited". Shows a map of the program's own, shared by
 * both engines, and state kept across requests.
 *
 * The bucket lives in this object's map, and zeroserve loads the object
 * once for both entry points: a client's requests draw on one bucket
 * whichever engine carries them. On a loopback proxy most clients are
 * 127.0.0.1, so the bucket is in effect one for all local processes; key
 * it by req->cgroup_id to tell them apart.
 *
 * zeroserve sets only the route ids in .rodata: change rate_per_sec and
 * burst here and rebuild.
 *
 *	sudo zeroserve --program token_bucket.bpf.o /=127.0.0.1:3001
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define NSEC_PER_SEC 1000000000ull

const volatile __u32 rate_per_sec = 5; /* 0 turns the limit off */
const volatile __u32 burst = 10;

struct client {
	__u32 ip[4]; /* zs_request.client_ip */
};

/*
 * The bucket is kept as the time it is full again (GCRA's "theoretical
 * arrival time"): each request moves it one token's worth of time later,
 * and a request that would move it more than burst tokens past now is
 * refused. One __u64 updated by compare-and-swap (BPF_CMPXCHG, Linux
 * 5.12; clang 14 emits the 64-bit one without -mcpu=v3), because a
 * bpf_spin_lock is refused both ways here: raw_tp programs may not take
 * one ("tracing progs cannot use bpf_spin_lock yet", Linux 6.18) and an
 * LRU hash may not hold one (EOPNOTSUPP at map creation).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct client);
	__type(value, __u64);
} buckets SEC(".maps");

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	const struct client *key = (const struct client *)req->client_ip;
	__u64 now = bpf_ktime_get_ns();
	__u64 zero = 0, cost, old, next, *full;

	if (rate_per_sec == 0)
		return ZS_DEFAULT;
	cost = NSEC_PER_SEC / rate_per_sec;

	full = bpf_map_lookup_elem(&buckets, key);
	if (full == NULL) {
		/* 0 is a full bucket; another CPU may have added one meanwhile. */
		bpf_map_update_elem(&buckets, key, &zero, BPF_NOEXIST);
		full = bpf_map_lookup_elem(&buckets, key);
		if (full == NULL) /* no memory for it: let the request pass */
			return ZS_DEFAULT;
	}
	/* A lost race means another request took a token: look again, a few
	 * times; a client that busy is refused. */
	for (int i = 0; i < 4; i++) {
		old = *(volatile __u64 *)full;
		next = (old > now ? old : now) + cost;
		if (next - now > (__u64)burst * cost)
			break;
		if (__sync_val_compare_and_swap(full, old, next) == old)
			return ZS_DEFAULT;
	}
	__builtin_memcpy(v->tag, "rate-limited", sizeof("rate-limited"));
	return zs_refuse(v, 429);
}

ZS_PROGRAM(decide)
