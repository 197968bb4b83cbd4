/* SPDX-License-Identifier: MIT */
/*
 * bpf/zs.bpf.c compiled as userspace C: tests/kshim/bpf/ stands in for
 * libbpf's BPF headers, and the helpers and maps the program uses are
 * defined below, after it, so they can tell its maps apart by address.
 * Everything the kernel would keep per CPU or per socket is one static
 * instance here: one CPU, one client connection, one paired backend socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "kshim.h"

#define ZS_TUNABLE volatile

/* The program's global functions (verified once each) have no prototypes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "../../bpf/zs.bpf.c"
#pragma GCC diagnostic pop

/* Message bytes: room for the forwarding fields and then some. */
#define KSHIM_MSG_MAX (1 << 20)
#define KSHIM_ROOM    (XF_MAX + 64)

static struct scan kscan; /* zs_scan, one CPU */
static __u64 kcounters[ZS_C__MAX];
static struct zs_route kroutes[ZS_MAX_ROUTES];
static struct zs_conn kconn;
static struct zs_ctl kctl;
static __u8 kstale;
static int kfirst;		    /* a first request: no zs_ctl[C], a pool with B in it */
static int kpool_full;		    /* B is still in the pool (popped once) */
static __u32 kgen = 7;		    /* the lending of B the pool holds */
static struct zs_pool_queue kqueue; /* zs_pool's one queue, by address */
static struct zs_scratch kkreq;	    /* zs_kreq, one CPU */
static struct zs_fields kfields;    /* zs_fields: gen 0, as loaded */
static int kasked;		    /* the program was tail-called */

/* B, the backend socket zs_ctl pairs C with; the only entry of zs_socks.
 * ::ffff:127.0.0.1, network order on little endian. */
static const struct zs_sock_key kbackend = {
    .local_ip = {0, 0, 0xffff0000, 0x0100007f},
    .remote_ip = {0, 0, 0xffff0000, 0x0100007f},
    .local_port = 3000,
    .remote_port = 40001,
};

/* C: which socket, and zs_ports[its listen port] (kshim_set_client). */
static struct kshim_client kcli = {
    .family = AF_INET,
    .ip = {0, 0, 0xffff0000, 0x0100007f},
    .port_role = ZS_PORT_LISTEN | ZS_PORT_V4_PLAIN,
};

/*
 * C, as client_caught_up reads it through its CO-RE views. Without
 * relocations both views start at offset 0, so the first word is
 * bytes_received and sk_user_data at once: SK_USER_DATA_PSOCK serves as
 * both (4 bytes received, all read as rcv_nxt == copied_seq, and a psock
 * attached). No pointer is behind it: bpf_core_field_exists is 0 here, so
 * zs.bpf.c does not follow it.
 */
static union {
	struct tcp_sock___zs tp;
	struct sock___zs sk;
	__u64 word;
} kclient;

static struct {
	__u8 *buf;
	size_t size, cap;
	int redirected;
} m;

static struct sk_msg_md kmsg;

static int (*kallow)(__u32 kind, const __u8 *value, __u32 len);
static __u32 kallow_value = 1;

void kshim_set_allow(int (*allowed)(__u32 kind, const __u8 *value, __u32 len))
{
	kallow = allowed;
}

static void *bpf_map_lookup_elem(void *map, const void *key)
{
	__u32 i;

	if (map == &zs_allow) {
		const struct zs_allow_key *k = key;

		/* Built as accel.c builds it, or no lookup could ever match. */
		for (i = k->len; i < ZS_ALLOW_MAX; i++)
			if (k->value[i] != 0)
				abort();
		return kallow != NULL && kallow(k->kind, k->value, k->len) ? &kallow_value : NULL;
	}

	if (map == &zs_scan)
		return &kscan;
	if (map == &zs_kreq)
		return &kkreq;
	if (map == &zs_fields)
		return &kfields;
	if (map == &zs_ports) {
		__u16 port;

		memcpy(&port, key, sizeof(port));
		return port == KSHIM_LISTEN_PORT && kcli.port_role != 0 ? &kcli.port_role : NULL;
	}
	if (map == &zs_conns)
		return &kconn;
	if (map == &zs_ctl)
		return kfirst ? NULL : &kctl;
	if (map == &zs_pool) {
		memcpy(&i, key, sizeof(i));
		return kfirst && i == 1 ? &kqueue : NULL;
	}
	if (map == &zs_lent_b)
		return kfirst && memcmp(key, &kbackend, sizeof(kbackend)) == 0 ? &kgen : NULL;
	if (map == &zs_counters || map == &zs_routes) {
		memcpy(&i, key, sizeof(i));
		if (map == &zs_counters)
			return i < ZS_C__MAX ? &kcounters[i] : NULL;
		return i < ZS_MAX_ROUTES ? &kroutes[i] : NULL;
	}
	/* zs_peers, zs_expect: C is no backend socket, and the request path
	 * reads nothing else. zs_pool: no pool, C is paired. */
	return NULL;
}

/* The pool's queue holds B once (a first request), else nothing. */
static long bpf_map_push_elem(void *map, const void *value, __u64 flags)
{
	if (map != &kqueue)
		abort();
	kpool_full = 1;
	return 0;
}

static long bpf_map_pop_elem(void *map, void *value)
{
	struct zs_pool_ent e = {.b = kbackend, .gen = kgen};

	if (map != &kqueue || !kpool_full)
		return -ENOENT;
	kpool_full = 0;
	memcpy(value, &e, sizeof(e));
	return 0;
}

/* The pool's clock: the shim's one entry (bpf_map_pop_elem) went in at 0
 * ms and is always fresh. */
static __u64 bpf_ktime_get_coarse_ns(void)
{
	return 0;
}

/* A carried request's log record (log_on): its start time. */
static __u64 bpf_ktime_get_ns(void)
{
	return 0;
}

/* Response path only: never run here. */
static long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
	return -EPERM;
}

static __u64 bpf_ringbuf_query(void *ringbuf, __u64 flags)
{
	return 0;
}

/* A first request's pairing writes zs_peers[B] and zs_lent[C]; nothing
 * else is written on the request path. */
static long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	if (kfirst && (map == &zs_peers || map == &zs_lent))
		return 0;
	fprintf(stderr, "kshim: map update on the request path\n");
	abort();
}

static long bpf_map_delete_elem(void *map, const void *key)
{
	if (kfirst && (map == &zs_peers || map == &zs_lent))
		return 0;
	return -EPERM;
}

static long bpf_sock_hash_update(struct bpf_sock_ops *skops, void *map, void *key, __u64 flags)
{
	return -EPERM;
}

static long bpf_sock_ops_cb_flags_set(struct bpf_sock_ops *skops, int argval)
{
	return -EPERM;
}

/* zs_prog stays empty (kshim_set_program): a tail call into an empty
 * slot returns, as the kernel's does, after the ask is noted. */
static long bpf_tail_call(void *ctx, void *map, __u32 index)
{
	if (map != &zs_prog || index != 0)
		abort();
	kasked = 1;
	return -ENOENT;
}

/* kernel/bpf/bpf_iter.c: at most 1 << 23 steps; returns the steps run. */
static long bpf_loop(__u32 nr_loops, long (*callback)(__u32 index, void *ctx), void *ctx,
		     __u64 flags)
{
	__u32 i;

	if (flags != 0)
		return -EINVAL;
	if (nr_loops > 1 << 23)
		return -E2BIG;
	for (i = 0; i < nr_loops; i++)
		if (callback(i, ctx))
			return i + 1;
	return i;
}

static long bpf_probe_read_kernel(void *dst, __u32 size, const void *src)
{
	memcpy(dst, src, size);
	return 0;
}

static struct tcp_sock *bpf_skc_to_tcp_sock(void *sk)
{
	return sk == &kclient ? (struct tcp_sock *)&kclient : NULL;
}

/* The data pointers as net/core/filter.c leaves them: [start, end) after a
 * pull, nothing after a push or pop (the program must pull again). */
static void msg_pointers(__u32 start, __u32 end)
{
	kmsg.data = m.buf + start;
	kmsg.data_end = m.buf + end;
	kmsg.size = (__u32)m.size;
}

static long bpf_msg_pull_data(struct sk_msg_md *msg, __u32 start, __u32 end, __u64 flags)
{
	if (flags != 0 || end <= start || end > m.size)
		return -EINVAL;
	msg_pointers(start, end);
	return 0;
}

static long bpf_msg_push_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags)
{
	if (flags != 0 || start > m.size)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (m.size + len > m.cap)
		return -ENOMEM;
	memmove(m.buf + start + len, m.buf + start, m.size - start);
	/* New room is uninitialised in the kernel: poison that shows. */
	memset(m.buf + start, 0xa5, len);
	m.size += len;
	msg_pointers(0, 0);
	return 0;
}

static long bpf_msg_pop_data(struct sk_msg_md *msg, __u32 start, __u32 len, __u64 flags)
{
	if (flags != 0 || len == 0 || start >= m.size || len > m.size - start)
		return -EINVAL;
	memmove(m.buf + start, m.buf + start + len, m.size - start - len);
	m.size -= len;
	msg_pointers(0, 0);
	return 0;
}

static long bpf_msg_redirect_hash(struct sk_msg_md *msg, void *map, void *key, __u64 flags)
{
	/* doc/kernel-facts.md, pitfall 1: ingress only, into zs_socks. */
	if (map != &zs_socks || flags != BPF_F_INGRESS) {
		fprintf(stderr,
			"kshim: redirect with flags %llu, not BPF_F_INGRESS into zs_socks\n",
			(unsigned long long)flags);
		abort();
	}
	if (memcmp(key, &kbackend, sizeof(kbackend)) != 0)
		return SK_DROP; /* no such socket: the helper's verdict fails */
	m.redirected = 1;
	return SK_PASS;
}

/* Requests never split a message (pipelining goes up whole): only the
 * reset every run starts with (zs_msg) is expected here. */
static long bpf_msg_apply_bytes(struct sk_msg_md *msg, __u32 bytes)
{
	if (bytes == 0)
		return 0;
	fprintf(stderr, "kshim: bpf_msg_apply_bytes on a request head\n");
	abort();
}

static long bpf_msg_cork_bytes(struct sk_msg_md *msg, __u32 bytes)
{
	fprintf(stderr, "kshim: bpf_msg_cork_bytes on a request head\n");
	abort();
}

void kshim_set_routes(const struct zs_route *tbl, unsigned int n)
{
	unsigned int i;

	memset(kroutes, 0, sizeof(kroutes));
	if (n > ZS_MAX_ROUTES)
		n = ZS_MAX_ROUTES;
	memcpy(kroutes, tbl, n * sizeof(*tbl));
	/* One pool for every route the kernel serves (accel.c, make_pools). */
	for (i = 0; i < n; i++)
		kroutes[i].pool = kroutes[i].kernel ? 1 : 0;
	nroutes = n;
}

void kshim_set_guard(int host, int origin)
{
	guard_host = host != 0;
	guard_origin = origin != 0;
}

void kshim_set_req_max(uint64_t n)
{
	req_max = n;
}

void kshim_set_client(const struct kshim_client *c)
{
	kcli = *c;
	listen_mapped = c->listen_mapped;
}

void kshim_set_program(const char *const names[ZS_REQ_FIELDS])
{
	__u64 tok[3];
	size_t len;
	int k, j;

	program_on = names != NULL;
	memset(&kfields, 0, sizeof(kfields));
	for (k = 0; k < ZS_REQ_FIELDS; k++) {
		len = names != NULL ? strlen(names[k]) : 0;
		if (len > sizeof(tok))
			abort();
		/* As accel.c's fields_write writes them. */
		memset(tok, 0, sizeof(tok));
		memcpy(tok, names != NULL ? names[k] : "", len);
		kfields.len[k] = (__u32)len;
		for (j = 0; j < 3; j++)
			kfields.tok[k][j] = tok[j];
		if (len > 0)
			kfields.n++;
	}
}

void kshim_set_stale(uint8_t byte)
{
	kstale = byte;
}

const char *kshim_counter_name(int c)
{
	static const char *const names[ZS_C__MAX] = {
	    [ZS_C_PASS_USER] = "user",
	    [ZS_C_PASS_UNPAIRED] = "unpaired",
	    [ZS_C_PASS_HEAD] = "head",
	    [ZS_C_PASS_FEATURE] = "feature",
	    [ZS_C_PASS_ROUTE] = "route",
	    [ZS_C_PASS_RESPONSE] = "response",
	    [ZS_C_REDIRECT_FAIL] = "redirect_fail",
	    [ZS_C_PASS_GUARD] = "guard",
	    [ZS_C_POOL_EMPTY] = "pool_empty",
	    [ZS_C_PASS_PROGRAM] = "program",
	};

	if (c < 0 || c >= ZS_C__MAX || names[c] == NULL)
		return "-";
	return names[c];
}

void kshim_read_head(const uint8_t *buf, size_t len, unsigned int paired, struct kshim_result *res)
{
	int rc, c;

	if (m.buf == NULL) {
		m.cap = KSHIM_MSG_MAX + KSHIM_ROOM;
		m.buf = malloc(m.cap);
		if (m.buf == NULL)
			abort();
	}
	if (len > KSHIM_MSG_MAX)
		len = KSHIM_MSG_MAX;
	if (len > 0)
		memcpy(m.buf, buf, len);
	m.size = len;
	m.redirected = 0;

	memset(&kscan, kstale, sizeof(kscan));
	/* What earlier requests and their programs left in zs_kreq: never
	 * zero, so a byte prog_fill does not write shows against userspace's. */
	memset(&kkreq, 0xa5 ^ kstale, sizeof(kkreq));
	kasked = 0;
	memset(kcounters, 0, sizeof(kcounters));
	/* C as sockops creates it, and zs_ctl as userspace leaves it once it
	 * has answered everything and paired C with B. */
	memset(&kconn, 0, sizeof(kconn));
	kconn.mode = ZS_MODE_USER;
	memset(&kctl, 0, sizeof(kctl));
	kctl.backend = kbackend;
	kctl.route = paired;
	kctl.paired = 1;
	/* Or, a first request: no zs_ctl[C], and B waiting in the pool. */
	kfirst = paired == KSHIM_FIRST;
	kpool_full = kfirst;
	kclient.word = SK_USER_DATA_PSOCK;

	/* C's end of its connection to zeroserve's listen port: the address
	 * set, loopback for the other end (its name goes nowhere). */
	memset(&kmsg, 0, sizeof(kmsg));
	kmsg.family = (__u32)kcli.family;
	if (kcli.family == AF_INET) {
		kmsg.local_ip4 = kcli.ip[3];
		kmsg.remote_ip4 = 0x0100007f;
	} else {
		memcpy(kmsg.local_ip6, kcli.ip, sizeof(kmsg.local_ip6));
		memcpy(kmsg.remote_ip6, kcli.ip, sizeof(kmsg.remote_ip6));
	}
	kmsg.local_port = KSHIM_CLIENT_PORT;
	kmsg.remote_port = bpf_htonl(KSHIM_LISTEN_PORT);
	kmsg.sk = (struct bpf_sock *)&kclient;
	msg_pointers(0, 0);

	rc = zs_msg(&kmsg);

	memset(res, 0, sizeof(*res));
	res->why = -1;
	res->asked = kasked ? &kkreq : NULL;
	if (rc == SK_DROP) {
		res->verdict = KSHIM_DROP;
	} else if (m.redirected) {
		res->verdict = KSHIM_CARRY;
		res->route = kfirst ? kconn.kroute : kctl.route;
		if (kfirst && (!kconn.kpaired || kpool_full ||
			       memcmp(&kconn.kb, &kbackend, sizeof(kbackend)) != 0))
			abort(); /* carried, but not paired from the pool */
		res->out = m.buf;
		res->out_len = m.size;
		res->req_left = kconn.req_left;
	} else {
		res->verdict = KSHIM_UP;
		for (c = ZS_C_PASS_USER; c < ZS_C__MAX; c++)
			if (kcounters[c] != 0 && c != ZS_C_POOL_TAKEN && c != ZS_C_POOL_RETURNED)
				res->why = c;
	}
}
