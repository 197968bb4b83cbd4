/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * zeroserve's kernel engine: sockops puts the client and backend ends of
 * proxied connections into a sockhash; sk_msg redirects each request from
 * the client's socket into the paired backend socket's receive queue, and
 * each response back into the client's, when it can prove the message's
 * bounds. Anything else is SK_PASS: it reaches zeroserve as plain TCP.
 * The ordering rules are in doc/architecture.md. The maps are in
 * maps.bpf.h, the head reader in head.bpf.h, the forwarding fields in
 * xf.bpf.h: one object, one skeleton.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "zs_abi.h"

/* include/linux/socket.h: values of the socket ABI (<sys/socket.h> is not
 * for BPF). */
#define AF_INET	 2
#define AF_INET6 10

/* GPL-compatible: bpf_probe_read_kernel is GPL-only. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set through the skeleton before load. tests/kshim compiles this file as
 * userspace C and needs them writable. */
#ifndef ZS_TUNABLE
#define ZS_TUNABLE const volatile
#endif
ZS_TUNABLE __u32 nroutes = 0;
ZS_TUNABLE __u64 resp_max = 4 << 20;
ZS_TUNABLE __u64 req_max = 4 << 20;
/* The guard's checks (src/allow.h): off for --allow-host '*' and
 * --allow-origin '*' respectively. */
ZS_TUNABLE __u32 guard_host = 1;
ZS_TUNABLE __u32 guard_origin = 1;
/* Some listen port has ZS_PORT_V4_MAPPED: only then does an IPv4 client's
 * name in the forwarding fields depend on its port (xf_client). */
ZS_TUNABLE __u32 listen_mapped = 0;
/* A zs_log record for every request the kernel carries (an access log,
 * metrics or OTLP asked for them); log_wake: the bytes waiting in zs_log
 * past which a record wakes zeroserve, which otherwise reads the ring on a
 * timer (a wake-up per record cost a switch per answer, as for zs_events). */
ZS_TUNABLE __u32 log_on = 0;
/* The records' paths are wanted (an access log or OTLP; metrics have none). */
ZS_TUNABLE __u32 log_path = 0;
ZS_TUNABLE __u64 log_wake = 16 << 10;

/* Responses delivered whole, and the most a held head's message may carry:
 * 32 KiB fill at most 9 of a message's 17 slots even in 4 KiB pages, so the
 * kernel always honours the cork. 17 is MAX_MSG_FRAGS (include/linux/skmsg.h),
 * which is MAX_SKB_FRAGS: 17 by default, CONFIG_MAX_SKB_FRAGS since
 * 3948b05950fd ("net: introduce a config option to tweak MAX_SKB_FRAGS",
 * Linux 6.4) may raise it, never lower it. */
#define CORK_MAX      (256 << 10)
#define CORK_HEAD_MAX (32 << 10)

#include "maps.bpf.h"
#include "head.bpf.h"
#include "xf.bpf.h"

/* Route r against the parsed request: the router's rules (router.h).
 * Host and prefix are compared a word at a time; the route's bytes are
 * zero-padded, and a request's bytes past the length are masked off. */
static long route_one(__u32 r, void *ctx)
{
	__u32 j, match_host, off;
	struct scan *s = scan_state();
	struct zs_route *rt;
	__u32 plen, path_len, hlen;

	if (s == NULL || r >= nroutes)
		return 1;
	rt = bpf_map_lookup_elem(&zs_routes, &r);
	if (rt == NULL)
		return 1;
	plen = rt->prefix_len;
	path_len = s->path_len;
	if (plen == 0 || plen > ZS_PREFIX_MAX || plen > path_len)
		return 0;
	match_host = 0;
	hlen = rt->host_len;
	if (hlen) {
		if (hlen > ZS_HOST_MAX || hlen != s->host_len || !s->have_host)
			return 0;
		for (j = 0; j < ZS_HOST_MAX / 8; j++) {
			if (j * 8 >= hlen)
				break;
			off = s->host_off + j * 8;
			if (first_bytes(lower8(word_at(s->buf, off)), hlen - j * 8) !=
			    *(const __u64 *)&rt->host[j * 8])
				return 0;
		}
		match_host = 1;
	}
	for (j = 0; j < ZS_PREFIX_MAX / 8; j++) {
		if (j * 8 >= plen)
			break;
		off = s->path_off + j * 8;
		if (first_bytes(word_at(s->buf, off), plen - j * 8) !=
		    *(const __u64 *)&rt->prefix[j * 8])
			return 0;
	}
	/* A prefix not ending in '/' must end at a segment. */
	if (rt->prefix[(plen - 1) & (ZS_PREFIX_MAX - 1)] != '/' && path_len > plen) {
		__u8 next = s->buf[(s->path_off + plen) & (ZS_HEAD_MAX - 1)];

		if (next != '/' && next != '?')
			return 0;
	}
	/* The router's ranking: Host routes first, then the longest prefix. */
	if (s->best == (__u32)-1 ||
	    zs_route_outranks(match_host, plen, s->best_host, s->best_len)) {
		s->best = r;
		s->best_len = plen;
		s->best_host = match_host;
	}
	return 0;
}

/* Did the guard allow the value [off, off + len) of this kind before? The
 * key is built as src/accel.c builds it: the bytes, zero past len. */
static __always_inline int guard_allowed(struct scan *s, __u32 kind, __u32 off, __u32 len)
{
	__u32 j;

	if (len > ZS_ALLOW_MAX)
		return 0;
	s->allow.kind = kind;
	s->allow.len = len;
	for (j = 0; j < ZS_ALLOW_MAX / 8; j++)
		*(__u64 *)&s->allow.value[j * 8] =
		    j * 8 < len ? first_bytes(word_at(s->buf, off + j * 8), len - j * 8) : 0;
	return bpf_map_lookup_elem(&zs_allow, &s->allow) != NULL;
}

/*
 * CO-RE views of the kernel's client socket: libbpf fits the offsets to the
 * running kernel's BTF. Only what the checks below read; each field and its
 * size checked against Linux 6.18.44's BTF (/sys/kernel/btf/vmlinux).
 */
/* include/linux/tcp.h, struct tcp_sock. bytes_received came with
 * bdd1f9edacb5 ("tcp: add tcpi_bytes_received to tcp_info"); rcv_nxt,
 * copied_seq and write_seq are older. */
struct tcp_sock___zs {
	__u64 bytes_received;
	__u32 rcv_nxt;
	__u32 copied_seq;
	__u32 write_seq;
} __attribute__((preserve_access_index));

/* include/linux/kernfs.h, include/linux/cgroup-defs.h: a cgroup's id is
 * its kernfs node's (cgroup_id(), since 743210386c03, Linux 5.5), the
 * inode number of its directory. */
struct kernfs_node___zs {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup___zs {
	struct kernfs_node___zs *kn;
} __attribute__((preserve_access_index));

/* The socket's cgroup, set when it was made (sock_cgroup_ptr(), a plain
 * pointer since 8520e224f547, Linux 5.15). */
struct sock_cgroup_data___zs {
	struct cgroup___zs *cgroup;
} __attribute__((preserve_access_index));

/* include/net/sock.h, struct sock. */
struct sock___zs {
	void *sk_user_data;
	struct sock_cgroup_data___zs sk_cgrp_data;
} __attribute__((preserve_access_index));

/* include/linux/skmsg.h, struct sk_psock. msg_tot_len, the bytes queued on
 * the psock's ingress_msg, came with 929e30f93125 ("bpf, sockmap: Fix
 * FIONREAD for sockmap", Linux 7.0, taken into the stable series: 6.18.44
 * has it). Without it, bpf_core_field_exists says so below. */
struct sk_psock___zs {
	__u32 msg_tot_len;
} __attribute__((preserve_access_index));

/*
 * Copied from include/net/sock.h: sk_user_data carries flag bits below the
 * psock pointer (NOCOPY 1, BPF 2, PSOCK 4, the pointer masked with ~7),
 * since 2a0133723f9e ("net: fix refcount bug in sk_psock_get (2)",
 * Linux 6.0). Macros are not in BTF: CO-RE cannot check these, so a kernel
 * that renumbers them needs this copy changed.
 */
#define SK_USER_DATA_PSOCK   4UL
#define SK_USER_DATA_PTRMASK (~7UL)

/*
 * May the kernel take a request on C, given what C has not read yet?
 * Everything userspace sent C over TCP (out, its answers so far
 * included) must have been read: a reader takes the sockmap queue before
 * the TCP one, so a kernel answer now would overtake what is left. And what
 * the kernel queued (each response at most resp_max) must stay bounded: a
 * client that asks and never reads gets its answers from userspace, over
 * TCP with its flow control (doc/kernel-facts.md, pitfall 5).
 */
static __always_inline int client_caught_up(struct sk_msg_md *msg, __u64 out)
{
	struct bpf_sock *sk = msg->sk;
	struct tcp_sock___zs *tp;
	unsigned long ud;
	__u32 queued = 0;
	__u64 read;

	if (sk == NULL)
		return 0;
	tp = (struct tcp_sock___zs *)bpf_skc_to_tcp_sock(sk);
	if (tp == NULL)
		return 0;
	/* Bytes C has received over TCP, less those waiting to be read. */
	read = tp->bytes_received - (__u32)(tp->rcv_nxt - tp->copied_seq);
	if (read < out)
		return 0;
	ud = (unsigned long)((struct sock___zs *)tp)->sk_user_data;
	if (!(ud & SK_USER_DATA_PSOCK))
		return 0;
	/* Older kernels do not count the sockmap queue: no bound there. */
	if (!bpf_core_field_exists(struct sk_psock___zs, msg_tot_len))
		return 1;
	if (bpf_probe_read_kernel(
		&queued, sizeof(queued),
		(void *)((ud & SK_USER_DATA_PTRMASK) +
			 bpf_core_field_offset(struct sk_psock___zs, msg_tot_len))) < 0)
		return 0;
	return queued <= resp_max;
}

/*
 * Bring passed up to date: the bytes C has handed to its own TCP, which
 * only what the program passes takes (redirected bytes never touch C's
 * write_seq). Counting each passed message's size instead missed bytes:
 * after a pass whose push fails (a full send buffer, EAGAIN),
 * tcp_bpf_send_verdict leaves psock->eval set, so the next message goes
 * out without the program running (net/ipv4/tcp_bpf.c, Linux 6.18), and
 * done never met passed again after a large upload.
 */
static __always_inline void passed_sync(struct sk_msg_md *msg, struct zs_conn *c)
{
	struct tcp_sock___zs *tp;
	__u32 seq;

	if (msg->sk == NULL)
		return;
	tp = (struct tcp_sock___zs *)bpf_skc_to_tcp_sock(msg->sk);
	if (tp == NULL)
		return;
	seq = tp->write_seq;
	c->passed += (__u32)(seq - c->seq);
	c->seq = seq;
}

/* The cgroup of the process that made C, as sock_diag tells userspace
 * (src/peercg.c: INET_DIAG_CGROUP_ID reads the same pointer); 0 if none. */
static __always_inline __u64 client_cgroup(struct sk_msg_md *msg)
{
	struct sock___zs *sk;
	struct cgroup___zs *cg;
	struct kernfs_node___zs *kn;

	if (msg->sk == NULL || !bpf_core_field_exists(struct sock___zs, sk_cgrp_data))
		return 0;
	sk = (struct sock___zs *)bpf_skc_to_tcp_sock(msg->sk);
	if (sk == NULL)
		return 0;
	cg = sk->sk_cgrp_data.cgroup;
	if (cg == NULL)
		return 0;
	kn = cg->kn;
	return kn != NULL ? kn->id : 0;
}

static __always_inline int pass_up(struct zs_conn *c, __u32 why)
{
	c->mode = ZS_MODE_USER;
	count(why, 1);
	return SK_PASS;
}

/* Pop queue entries until one is a live lending (at most this many tries). */
#define POOL_TRIES 4

/*
 * A client's first request, routed to a backend with a pool: pair C with
 * one of the idle connections zeroserve lent (doc/architecture.md, "Kernel
 * from the first request"), and aim msg at it. An entry whose lending
 * ended (zs_lent_b no longer names its gen) or whose socket closed (the
 * redirect finds no socket) is dropped: zeroserve retires such
 * connections itself. The pairing's entries are written before the
 * redirect, so B's answer finds C, and undone if no socket takes it.
 * Returns B's key (in c), or NULL: the pool is dry.
 */
static __always_inline struct zs_sock_key *pool_take(struct sk_msg_md *msg, struct zs_sock_key *key,
						     struct zs_conn *c, __u32 pool, __u32 route)
{
	struct zs_lent lent = {};
	struct zs_peer peer = {};
	__u32 *gen, i;
	void *q;

	if (pool == 0)
		return NULL;
	q = bpf_map_lookup_elem(&zs_pool, &pool);
	if (q == NULL)
		return NULL;
	peer.client = *key;
	lent.route = route;
	lent.pool = pool;
	for (i = 0; i < POOL_TRIES; i++) {
		if (bpf_map_pop_elem(q, &lent.ent) < 0)
			return NULL;
		gen = bpf_map_lookup_elem(&zs_lent_b, &lent.ent.b);
		if (gen == NULL || *gen != lent.ent.gen)
			continue;
		/* The first live one is the freshest: if it is not fresh,
		 * none is. Back on top, for userspace (zs_abi.h). */
		if ((__u32)(bpf_ktime_get_coarse_ns() / 1000000) - lent.ent.ms >=
		    ZS_POOL_FRESH_MS) {
			bpf_map_push_elem(q, &lent.ent, 0);
			return NULL;
		}
		if (bpf_map_update_elem(&zs_peers, &lent.ent.b, &peer, BPF_ANY) < 0 ||
		    bpf_map_update_elem(&zs_lent, key, &lent, BPF_ANY) < 0) {
			bpf_map_delete_elem(&zs_peers, &lent.ent.b);
			bpf_map_push_elem(q, &lent.ent, 0);
			return NULL;
		}
		if (bpf_msg_redirect_hash(msg, &zs_socks, &lent.ent.b, BPF_F_INGRESS) != SK_PASS) {
			bpf_map_delete_elem(&zs_lent, key);
			bpf_map_delete_elem(&zs_peers, &lent.ent.b);
			continue;
		}
		c->kb = lent.ent.b;
		c->kgen = lent.ent.gen;
		c->kroute = route;
		c->kpaired = 1;
		count(ZS_C_POOL_TAKEN, 1);
		return &c->kb;
	}
	return NULL;
}

/*
 * The request head at the start of msg, read and routed: the route's
 * index, or -(1 + the zs_counter of the reason it goes up). Global: the
 * verifier checks it once, not once per way client_msg reaches it (with a
 * pairing from zs_ctl, the kernel's own, or none, three kinds of pointer
 * it cannot merge).
 */
__noinline int request_read(struct sk_msg_md *msg)
{
	struct zs_route *rt;
	struct scan *s;

	if (msg == NULL)
		return -1 - ZS_C_PASS_HEAD;
	s = scan_head(msg, 0);
	if (s != NULL && s->bad == 2)
		return -1 - ZS_C_PASS_FEATURE;
	if (s == NULL || s->bad || s->head_len == 0)
		return -1 - ZS_C_PASS_HEAD;
	if (s->cl > req_max)
		return -1 - ZS_C_PASS_FEATURE;
	/* HTTP/1.1 without Host is a 400 from userspace. */
	if (!s->have_host)
		return -1 - ZS_C_PASS_HEAD;
	s->best = (__u32)-1;
	s->best_len = 0;
	s->best_host = 0;
	bpf_loop(ZS_MAX_ROUTES, route_one, NULL, 0);
	/* Only a route the kernel carries is surely the router's answer
	 * (router_kernel_refusal): a routing program sees that one too. */
	rt = bpf_map_lookup_elem(&zs_routes, &s->best);
	if (rt == NULL || !rt->kernel)
		return -1 - ZS_C_PASS_ROUTE;
	/* A rebinding or cross-site request is refused by userspace; so is
	 * anything the guard has not seen yet. */
	if ((guard_host && !guard_allowed(s, ZS_ALLOW_HOST, s->host_off, s->host_vlen)) ||
	    (guard_origin && s->have_origin &&
	     !guard_allowed(s, ZS_ALLOW_ORIGIN, s->origin_off, s->origin_len)))
		return -1 - ZS_C_PASS_GUARD;
	/* More than one request in this sendmsg (pipelining): a verdict split
	 * with bpf_msg_apply_bytes delivered the passed part twice on 6.18, so
	 * the whole message goes up. */
	if (msg->size > s->head_len + s->cl)
		return -1 - ZS_C_PASS_FEATURE;
	return (int)(s->best & (ZS_MAX_ROUTES - 1));
}

/*
 * The request as a routing program sees it (include/zeroserve/program.h),
 * written into zs_kreq from the head just read, as src/progreq.c writes it
 * from userspace's parse. Only for an origin-form target (client_msg).
 */
__noinline int prog_fill(const struct zs_sock_key *key, __u32 builtin, __u64 cgroup)
{
	struct scan *s = scan_state();
	struct zs_fields *names;
	struct zs_scratch *z;
	__u32 zero = 0, j, k, n, off;

	z = bpf_map_lookup_elem(&zs_kreq, &zero);
	names = bpf_map_lookup_elem(&zs_fields, &zero);
	if (s == NULL || z == NULL || names == NULL || key == NULL)
		return -1;
	/* The names the head was read with; program_answer compares. */
	z->gen = s->fld_seen ? s->fld_gen : names->gen;
	z->req.method = s->method;
	z->req.path_len = s->path_len;
	z->req.host_len = s->host_len;
	z->req.builtin_route = builtin;
	n = s->path_len < ZS_REQ_PATH_MAX ? s->path_len : ZS_REQ_PATH_MAX;
	for (j = 0; j < ZS_REQ_PATH_MAX / 8; j++) {
		off = 8 * j;
		*(__u64 *)&z->req.path[off] =
		    off < n ? first_bytes(word_at(s->buf, s->path_off + off), n - off) : 0;
	}
	n = s->host_len < ZS_REQ_HOST_MAX ? s->host_len : ZS_REQ_HOST_MAX;
	for (j = 0; j < ZS_REQ_HOST_MAX / 8; j++) {
		off = 8 * j;
		*(__u64 *)&z->req.host[off] =
		    off < n ? first_bytes(lower8(word_at(s->buf, s->host_off + off)), n - off) : 0;
	}
	for (k = 0; k < ZS_REQ_FIELDS; k++) {
		struct zs_field *f = &z->req.field[k];

		f->present = (s->fld_have >> k) & 1;
		f->len = f->present ? s->fld_len[k] : 0;
		n = f->len < ZS_REQ_FIELD_MAX ? f->len : ZS_REQ_FIELD_MAX;
		for (j = 0; j < ZS_REQ_FIELD_MAX / 8; j++) {
			off = 8 * j;
			*(__u64 *)&f->value[off] =
			    off < n ? first_bytes(word_at(s->buf, s->fld_off[k] + off), n - off)
				    : 0;
		}
	}
	/* C's own side: its address is the client's, its peer zeroserve's. */
	for (j = 0; j < 4; j++)
		z->req.client_ip[j] = key->local_ip[j];
	z->req.client_port = key->local_port;
	z->req.local_port = key->remote_port;
	z->req.reserved = 0;
	z->req.cgroup_id = cgroup;
	__builtin_memset(&z->v, 0, sizeof(z->v));
	z->action = -1;
	return 0;
}

/*
 * Ask the routing program about the request just read, routed to r by the
 * command line: the request into zs_kreq, then a tail call into the
 * program, which comes back through zs_resume to zs_msg_resume. It runs
 * on origin-form targets only: userspace gives a program an absolute-form
 * target's path, so it decides those. An empty zs_prog (no program, or
 * not inserted yet) sends the request up, where userspace asks it.
 */
static __always_inline int program_ask(struct sk_msg_md *msg, struct zs_sock_key *key,
				       struct zs_conn *c, int r)
{
	struct scan *s = scan_state();

	/* A Host value the kernel does not carry (xf_build) is userspace's
	 * to name: head_host looks for its port in XF_HOST_MAX bytes only. */
	if (s == NULL || s->path_len == 0 || s->buf[s->path_off & (ZS_HEAD_MAX - 1)] != '/' ||
	    s->host_vlen > XF_HOST_MAX)
		return pass_up(c, ZS_C_PASS_PROGRAM);
	if (prog_fill(key, (__u32)r, client_cgroup(msg)) < 0)
		return pass_up(c, ZS_C_PASS_PROGRAM);
	bpf_tail_call(msg, &zs_prog, 0);
	return pass_up(c, ZS_C_PASS_PROGRAM);
}

/*
 * Back from the program: its decision, kept with C for a request that goes
 * up all the same (refused, or a route or moment the kernel cannot serve),
 * so userspace takes it rather than asking again. The route to carry the
 * request to, or -(1 + the zs_counter of why it goes up).
 */
static __always_inline int program_answer(struct zs_conn *c)
{
	struct zs_fields *f;
	struct zs_scratch *z;
	__u32 zero = 0;

	z = bpf_map_lookup_elem(&zs_kreq, &zero);
	f = bpf_map_lookup_elem(&zs_fields, &zero);
	if (z == NULL || f == NULL)
		return -1 - ZS_C_PASS_PROGRAM;
	/* Read with the names of a program a reload has replaced since:
	 * the new one saw fields it did not ask for. Userspace asks again
	 * (a request so caught is the one a program may see twice). */
	if (z->gen != f->gen)
		return -1 - ZS_C_PASS_PROGRAM;
	c->prog_at = c->passed;
	c->prog_action = z->action;
	c->prog_route = z->v.route;
	c->prog_status = z->v.status;
	__builtin_memcpy(c->prog_tag, z->v.tag, sizeof(c->prog_tag));
	c->prog_set = 1;
	if (z->action == ZS_DEFAULT && z->req.builtin_route < ZS_MAX_ROUTES)
		return (int)z->req.builtin_route;
	if (z->action == ZS_ROUTE && z->v.route < nroutes)
		return (int)(z->v.route & (ZS_MAX_ROUTES - 1));
	return -1 - ZS_C_PASS_PROGRAM;
}

/*
 * The request the kernel now carries, into C's record (zs_abi.h, struct
 * zs_log), from the head just read. Global: the verifier checks the copy
 * once, not in each of zs_msg and zs_msg_resume.
 */
__noinline int log_start(struct zs_conn *c, const struct zs_sock_key *key, __u32 route,
			 __u32 program, __u64 req_bytes)
{
	struct scan *s = scan_state();
	struct zs_log *l;
	__u32 j, n, off;

	if (c == NULL || key == NULL || s == NULL)
		return -1;
	l = &c->log;
	l->start = bpf_ktime_get_ns();
	l->req_bytes = req_bytes;
	l->resp_bytes = 0;
	l->resp_body = 0;
	l->c = *key;
	l->route = route;
	l->method = s->method;
	l->status = 0;
	l->path_len = s->path_len;
	l->flags = program ? ZS_LOG_PROGRAM : 0;
	for (j = 0; j < ZS_TAG_MAX / 8; j++)
		*(__u64 *)&l->tag[8 * j] = program ? *(const __u64 *)&c->prog_tag[8 * j] : 0;
	n = s->path_len < ZS_LOG_PATH_MAX ? s->path_len : ZS_LOG_PATH_MAX;
	if (!log_path)
		return 0;
	for (j = 0; j < ZS_LOG_PATH_MAX / 8; j++) {
		off = 8 * j;
		*(__u64 *)&l->path[off] =
		    off < n ? first_bytes(word_at(s->buf, s->path_off + off), n - off) : 0;
	}
	return 0;
}

/* The kernel delivered the answer: C's record goes to zeroserve. */
static __always_inline void log_end(struct zs_conn *c)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!log_on)
		return;
	c->log.end = bpf_ktime_get_ns();
	if (bpf_ringbuf_query(&zs_log, BPF_RB_AVAIL_DATA) >= log_wake)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&zs_log, &c->log, sizeof(c->log), flags) < 0)
		count(ZS_C_LOG_DROPPED, 1);
}

static __always_inline int client_msg(struct sk_msg_md *msg, struct zs_sock_key *key,
				      struct zs_conn *c, int resumed)
{
	struct zs_ctl *ctl = bpf_map_lookup_elem(&zs_ctl, key);
	struct zs_sock_key *bk = NULL;
	__u64 done = 0, out = 0, total;
	__u32 fdone = 0, route = 0;
	struct xf_args xf;
	__u32 size = msg->size, n;
	struct zs_route *rt;
	struct scan *s;
	int r;

	passed_sync(msg, c);
	/*
	 * Whose pairing: zs_ctl[C] once zeroserve wrote it (it adopted the
	 * kernel's pairing, or paired C itself); before that, the pool
	 * connection the kernel took at C's first request, with nothing
	 * handed up or answered by zeroserve (done, out 0). A connection with
	 * neither, at its first byte, may take one from the pool.
	 */
	if (ctl != NULL) {
		if (!ctl->paired)
			return pass_up(c, ZS_C_PASS_UNPAIRED);
		bk = &ctl->backend;
		route = ctl->route;
		done = ctl->done;
		out = ctl->out;
		fdone = ctl->foreign_done;
	} else if (c->kpaired) {
		bk = &c->kb;
		route = c->kroute;
	} else if (c->passed != 0) {
		return pass_up(c, ZS_C_PASS_UNPAIRED);
	}
	if (c->mode == ZS_MODE_KERNEL && c->req_left > 0 && bk != NULL) {
		/* More body of the request the kernel took. */
		n = size;
		if (n > c->req_left) {
			n = c->req_left;
			bpf_msg_apply_bytes(msg, n);
		}
		if (bpf_msg_redirect_hash(msg, &zs_socks, bk, BPF_F_INGRESS) != SK_PASS) {
			/* Half a body cannot go up: the connection is lost either way. */
			count(ZS_C_REDIRECT_FAIL, 1);
			return SK_DROP;
		}
		c->req_left -= n;
		count(ZS_C_BYTES_UP, n);
		return SK_PASS;
	}
	/* A request boundary. Back from userspace only once it is all caught up. */
	if (c->mode == ZS_MODE_USER && (done != c->passed || c->foreign != fdone))
		return pass_up(c, ZS_C_PASS_USER);
	if (c->inflight || !client_caught_up(msg, out))
		return pass_up(c, ZS_C_PASS_USER);
	if (!resumed) {
		c->prog_set = 0;
		r = request_read(msg);
		if (r < 0)
			return pass_up(c, (__u32)(-1 - r));
		if (program_on)
			return program_ask(msg, key, c, r);
	} else {
		r = program_answer(c);
		if (r < 0)
			return pass_up(c, (__u32)(-1 - r));
		rt = bpf_map_lookup_elem(&zs_routes, &r);
		if (rt == NULL || !rt->kernel)
			return pass_up(c, ZS_C_PASS_ROUTE);
	}
	if (bk != NULL && (__u32)r != route)
		return pass_up(c, ZS_C_PASS_ROUTE);
	s = scan_state();
	if (s == NULL)
		return pass_up(c, ZS_C_PASS_HEAD);
	total = s->head_len + s->cl;
	xf_client(&xf, key, listen_mapped);
	xf.ok = 0;
	bpf_loop(1, xf_build, &xf, 0);
	if (!xf.ok)
		return pass_up(c, ZS_C_PASS_HEAD);
	/*
	 * The target first, the head's changes after: a redirect that finds no
	 * socket then passes up the request exactly as the client sent it
	 * (doc/kernel-facts.md, pitfall 7), where changing it first sent
	 * userspace a head with the kernel's forwarding fields in it.
	 */
	if (bk == NULL) {
		rt = bpf_map_lookup_elem(&zs_routes, &r);
		if (rt == NULL || pool_take(msg, key, c, rt->pool, (__u32)r) == NULL)
			return pass_up(c, ZS_C_POOL_EMPTY);
	} else if (bpf_msg_redirect_hash(msg, &zs_socks, bk, BPF_F_INGRESS) != SK_PASS) {
		count(ZS_C_REDIRECT_FAIL, 1);
		return pass_up(c, ZS_C_PASS_UNPAIRED);
	}
	/*
	 * The redirect is set and cannot be taken back: a head the program
	 * cannot complete must not reach the backend, nor go up half changed.
	 * bpf_msg_push_data and bpf_msg_pull_data fail only when no memory
	 * can be had (net/core/filter.c); the client's send then fails.
	 */
	if (xf_insert(msg) < 0) {
		count(ZS_C_REDIRECT_FAIL, 1);
		return SK_DROP;
	}
	/* Before the fields just inserted, so its place has not moved. Should
	 * it fail, the request is still right: keep-alive is HTTP/1.1's way,
	 * and "close" is the client's to keep, not the backend's. */
	if (s->conn_len)
		bpf_msg_pop_data(msg, s->conn_off, s->conn_len, 0);
	c->mode = ZS_MODE_KERNEL;
	c->prog_set = 0; /* carried: no decision for userspace to take */
	c->req_left = size >= total ? 0 : total - size;
	c->inflight = 1;
	c->kreqs++;
	c->head_req = s->is_head;
	c->close_req = s->conn_close;
	c->resp_left = 0;
	c->corked = 0;
	if (log_on) {
		/* A socket's cgroup is set when it is made: read it once. */
		if (c->log.cgroup == 0)
			c->log.cgroup = client_cgroup(msg);
		log_start(c, key, (__u32)r, (__u32)resumed, total);
	}
	count(ZS_C_REQ_KERNEL, 1);
	count(ZS_C_BYTES_UP, size < total ? size : total);
	return SK_PASS;
}

/*
 * The answer to a request that said "Connection: close", at its head:
 * the backend's Connection line (it kept the connection: the request it
 * got had none) becomes "Connection: close", as userspace writes it
 * (http_build_response), so the client ends the connection. Returns the
 * bytes the head grew by; 0 when it could not change it (the client then
 * keeps a connection it meant to close, and zeroserve closes it).
 */
static __always_inline __s32 close_answer(struct sk_msg_md *msg, struct scan *s)
{
	__u32 popped = s->conn_len;

	*(__u64 *)&s->xf[0] = C8('C', 'o', 'n', 'n', 'e', 'c', 't', 'i');
	*(__u64 *)&s->xf[8] = C8('o', 'n', ':', ' ', 'c', 'l', 'o', 's');
	*(__u64 *)&s->xf[16] = C8('e', '\r', '\n', 0, 0, 0, 0, 0);
	s->xf_len = 19;
	if (xf_insert(msg) < 0)
		return 0;
	if (popped && bpf_msg_pop_data(msg, s->conn_off, popped, 0) < 0)
		popped = 0;
	return 19 - (__s32)popped;
}

/*
 * The answer to a "close" request ends here: its last byte is sent on B's
 * TCP path, up to zeroserve, rather than into C. The rest is in C's queue
 * before that byte even reaches B's socket (the program runs again for it
 * after the redirect of what precedes it, tcp_bpf_send_verdict in
 * net/ipv4/tcp_bpf.c), so zeroserve, writing it to C with its FIN, can
 * neither overtake the answer nor wait on a timer; and C's connection ends
 * from the server's side, as RFC 9112 section 9.6 has it, leaving the
 * TIME_WAIT with zeroserve rather than with the client. The record, out
 * first, tells zeroserve whose byte it is. 1 when the end goes that way; 0
 * when the kernel delivers it all (no "close", or a full ring buffer:
 * zeroserve's idle timer closes the connection then).
 */
static __always_inline __u32 close_tail(struct zs_conn *c, struct zs_sock_key *client)
{
	struct zs_event ev = {};

	if (!c->close_req)
		return 0;
	ev.c = *client;
	ev.gen = c->kpaired ? c->kgen : 0;
	ev.tail = 1;
	/* No wake-up: zeroserve reads the ring when the byte comes (before, a
	 * wake-up on the backend's CPU cost a switch per answer). */
	if (bpf_ringbuf_output(&zs_events, &ev, sizeof(ev), BPF_RB_NO_WAKEUP) < 0)
		return 0;
	c->tail = 1;
	return 1;
}

/* The program's run for the tail close_tail kept: on B's TCP path. */
static __always_inline int tail_pass(struct sk_msg_md *msg, struct zs_conn *c)
{
	if (msg->size > c->resp_left)
		bpf_msg_apply_bytes(msg, (__u32)c->resp_left);
	c->resp_left = 0;
	c->tail = 0;
	c->inflight = 0;
	log_end(c);
	count(ZS_C_CLOSE_TAIL, 1);
	return SK_PASS;
}

static __always_inline int backend_msg(struct sk_msg_md *msg, struct zs_peer *p)
{
	struct zs_conn *c = bpf_map_lookup_elem(&zs_conns, &p->client);
	__u32 size = msg->size;
	struct scan *s = NULL;
	__u64 body, total, n;
	__u32 tail;
	__s32 grow;

	if (c == NULL)
		return SK_PASS;
	if (c->tail)
		return tail_pass(msg, c);
	if (c->resp_left == 0) {
		/* Bytes with no kernel request waiting are not ours to move. */
		if (!c->inflight)
			return SK_PASS;
		/* One scan, inlined once: a held answer needs it only to say
		 * close (the verifier walks each inlined copy of the reader). */
		if (!c->corked || c->close_req)
			s = scan_head(msg, 1);
		if (c->corked) {
			/* The program runs again on what the cork held: that
			 * response, from its head. */
			total = c->corked;
			c->corked = 0;
			/*
			 * The kernel keeps the message's cork_bytes for this
			 * run (sk_psock_msg_verdict does not reset it,
			 * net/core/skmsg.c, Linux 6.18): a head made shorter
			 * below would leave the answer corked, waiting for
			 * bytes of the next one.
			 */
			bpf_msg_cork_bytes(msg, 0);
			goto deliver;
		}
		if (s != NULL && (s->bad || s->head_len == 0))
			s = NULL;
		body = 0;
		if (s != NULL) {
			if (s->have_cl)
				body = s->cl;
			if (c->head_req || s->status == 204 || s->status == 304)
				body = 0;
		}
		/* No length, 1xx, or too long to queue in the client: zeroserve
		 * relays it with its own backpressure (doc/kernel-facts.md,
		 * pitfall 5). */
		if (s == NULL || s->status < 200 ||
		    (!s->have_cl && !c->head_req && s->status != 204 && s->status != 304) ||
		    body > resp_max) {
			c->inflight = 0;
			c->foreign++;
			c->mode = ZS_MODE_USER;
			count(ZS_C_PASS_RESPONSE, 1);
			return SK_PASS;
		}
		total = s->head_len + body;
		c->log.status = s->status;
		c->log.resp_body = body;
		c->log.resp_bytes = total;
		/*
		 * A head written apart from its body (nginx: writev, then
		 * sendfile) is held until the body is there too, so the client
		 * is woken once per response. Only small heads are held: the
		 * kernel corks only while the message has room for them
		 * (tcp_bpf_send_verdict), and a large body must stream. Not
		 * an answer whose tail goes up (close_tail): what a held
		 * message has left after a partial redirect is freed
		 * (tcp_bpf_send_verdict, Linux 6.18: "if (cork)").
		 */
		if (size < total && size <= CORK_HEAD_MAX && total <= CORK_MAX && !c->close_req) {
			c->corked = (__u32)total;
			bpf_msg_cork_bytes(msg, (__u32)total);
			return SK_PASS;
		}
	deliver:
		n = size < total ? size : total;
		if (bpf_msg_redirect_hash(msg, &zs_socks, &p->client, BPF_F_INGRESS) != SK_PASS) {
			count(ZS_C_REDIRECT_FAIL, 1);
			return SK_PASS;
		}
		grow = 0;
		if (c->close_req && s != NULL && !s->bad && s->head_len != 0)
			grow = close_answer(msg, s);
		c->log.resp_bytes = total + grow;
		/* A head is longer than one byte: some of it goes to C. */
		tail = n == total ? close_tail(c, &p->client) : 0;
		if (size > total || tail)
			bpf_msg_apply_bytes(msg, (__u32)(n + grow - tail));
		c->resp_left = total - n + tail;
		if (c->resp_left == 0) {
			c->inflight = 0;
			log_end(c);
		}
		count(ZS_C_RESP_KERNEL, 1);
		count(ZS_C_BYTES_DOWN, n);
		return SK_PASS;
	}
	n = size;
	tail = n >= c->resp_left ? close_tail(c, &p->client) : 0;
	/* The message starts with the answer's last byte: all of it goes up. */
	if (tail && c->resp_left == 1)
		return tail_pass(msg, c);
	if (n > c->resp_left - tail) {
		n = c->resp_left - tail;
		bpf_msg_apply_bytes(msg, n);
	}
	if (bpf_msg_redirect_hash(msg, &zs_socks, &p->client, BPF_F_INGRESS) != SK_PASS) {
		count(ZS_C_REDIRECT_FAIL, 1);
		return SK_DROP;
	}
	c->resp_left -= n;
	if (c->resp_left == 0) {
		c->inflight = 0;
		log_end(c);
	}
	count(ZS_C_BYTES_DOWN, n);
	return SK_PASS;
}

/* An IPv4 address (network order) in the keys' form, ::ffff:a.b.c.d. */
static __always_inline void key_ip4(__u32 ip[4], __u32 ip4)
{
	ip[0] = 0;
	ip[1] = 0;
	ip[2] = bpf_htonl(0xffff);
	ip[3] = ip4;
}

/*
 * The key (bpf/zs_abi.h) of the socket behind a program's context, struct
 * sk_msg_md or struct bpf_sock_ops: the fields it reads have the same names
 * in both. An AF_INET6 socket on a v4-mapped connection already holds the
 * mapped form in local_ip6 and remote_ip6 (sk_v6_rcv_saddr, sk_v6_daddr:
 * net/ipv6/tcp_ipv6.c sets them with ipv6_addr_set_v4mapped). 1 for IPv4
 * and IPv6, else 0. Each context word is read on its own: the verifier
 * rewrites every access.
 */
#define sock_key_of(ctx, k)                                                                        \
	({                                                                                         \
		int known_ = 1;                                                                    \
		if ((ctx)->family == AF_INET) {                                                    \
			key_ip4((k)->local_ip, (ctx)->local_ip4);                                  \
			key_ip4((k)->remote_ip, (ctx)->remote_ip4);                                \
		} else if ((ctx)->family == AF_INET6) {                                            \
			(k)->local_ip[0] = (ctx)->local_ip6[0];                                    \
			(k)->local_ip[1] = (ctx)->local_ip6[1];                                    \
			(k)->local_ip[2] = (ctx)->local_ip6[2];                                    \
			(k)->local_ip[3] = (ctx)->local_ip6[3];                                    \
			(k)->remote_ip[0] = (ctx)->remote_ip6[0];                                  \
			(k)->remote_ip[1] = (ctx)->remote_ip6[1];                                  \
			(k)->remote_ip[2] = (ctx)->remote_ip6[2];                                  \
			(k)->remote_ip[3] = (ctx)->remote_ip6[3];                                  \
		} else {                                                                           \
			known_ = 0;                                                                \
		}                                                                                  \
		(k)->local_port = (__u16)(ctx)->local_port;                                        \
		(k)->remote_port = (__u16)bpf_ntohl((ctx)->remote_port);                           \
		known_;                                                                            \
	})

/* The programs' contexts (struct sk_msg_md, struct bpf_sock_ops) are UAPI,
 * include/uapi/linux/bpf.h, checked against linux-libc-dev 6.1's copy: the
 * verifier rewrites their accesses, so they need no CO-RE. */
SEC("sk_msg")
int zs_msg(struct sk_msg_md *msg)
{
	struct zs_sock_key key = {};
	struct zs_conn *c;
	struct zs_peer *p;

	/*
	 * A run on what a split verdict left of the message (apply_bytes)
	 * keeps the message's apply_bytes of the run before: the kernel copies
	 * it to the psock after every run (sk_psock_msg_verdict in
	 * net/core/skmsg.c, Linux 6.18), and the stale count then took the
	 * next message's bytes past this program. Every run starts as a
	 * fresh message's does: the verdict for all of it.
	 */
	bpf_msg_apply_bytes(msg, 0);
	if (!sock_key_of(msg, &key))
		return SK_PASS;
	c = bpf_map_lookup_elem(&zs_conns, &key);
	if (c != NULL)
		return client_msg(msg, &key, c, 0);
	p = bpf_map_lookup_elem(&zs_peers, &key);
	if (p != NULL)
		return backend_msg(msg, p);
	return SK_PASS;
}

/*
 * Where a routing program's kernel entry comes back to (its zs_resume
 * slot): the same message, C's state as zs_msg left it, the decision in
 * zs_kreq. client_msg's checks before the head run again; none changed
 * but by another CPU's hand, which then sends the request up.
 */
SEC("sk_msg")
int zs_msg_resume(struct sk_msg_md *msg)
{
	struct zs_sock_key key = {};
	struct zs_conn *c;

	if (!sock_key_of(msg, &key))
		return SK_PASS;
	c = bpf_map_lookup_elem(&zs_conns, &key);
	if (c == NULL)
		return SK_PASS;
	return client_msg(msg, &key, c, 1);
}

/*
 * C can send nothing more (its FIN is out, or it is gone): the pool
 * connection the kernel paired it with goes back to the pool, when the
 * kernel owes C nothing on it (as accel_conn_is_settled asks) and zeroserve
 * has not adopted the pairing. Deleting zs_lent[C] decides between the two:
 * only one delete finds the entry. A connection zeroserve retired meanwhile
 * (zs_lent_b) stays out; zeroserve closes it.
 */
static __always_inline void pool_return(struct zs_sock_key *key)
{
	struct zs_conn *c = bpf_map_lookup_elem(&zs_conns, key);
	struct zs_pool_ent ent;
	struct zs_lent *lent;
	__u32 *gen, pool;
	void *q;

	if (c == NULL || !c->kpaired || c->inflight || c->req_left || c->resp_left || c->corked ||
	    c->foreign)
		return;
	lent = bpf_map_lookup_elem(&zs_lent, key);
	if (lent == NULL)
		return;
	ent = lent->ent;
	pool = lent->pool;
	if (bpf_map_delete_elem(&zs_lent, key) < 0)
		return;
	c->kpaired = 0;
	ent.ms = (__u32)(bpf_ktime_get_coarse_ns() / 1000000);
	bpf_map_delete_elem(&zs_peers, &ent.b);
	gen = bpf_map_lookup_elem(&zs_lent_b, &ent.b);
	if (gen == NULL || *gen != ent.gen)
		return;
	q = bpf_map_lookup_elem(&zs_pool, &pool);
	if (q != NULL && bpf_map_push_elem(q, &ent, 0) == 0)
		count(ZS_C_POOL_RETURNED, 1);
}

SEC("sockops")
int zs_sockops(struct bpf_sock_ops *skops)
{
	struct zs_sock_key key = {};
	struct zs_conn fresh = {};
	__u16 lport, rport;
	__u32 *role, expect;

	if (!sock_key_of(skops, &key))
		return 1;
	lport = key.local_port;
	rport = key.remote_port;
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		/* A client's socket C: it connected to a zeroserve listen port. */
		role = bpf_map_lookup_elem(&zs_ports, &rport);
		if (role == NULL || !(*role & ZS_PORT_LISTEN))
			return 1;
		/* Before C can send a byte, so every byte is counted: from
		 * here on C's write_seq moves by the bytes passed up. */
		fresh.seq = skops->snd_nxt;
		bpf_map_update_elem(&zs_conns, &key, &fresh, BPF_ANY);
		bpf_sock_hash_update(skops, &zs_socks, &key, BPF_ANY);
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						     BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		/* A backend's socket B: accepted on a backend port, from a
		 * connection zeroserve announced. */
		role = bpf_map_lookup_elem(&zs_ports, &lport);
		if (role == NULL || !(*role & ZS_PORT_BACKEND))
			return 1;
		expect = ZS_EXPECT_KEY(lport, rport);
		if (bpf_map_lookup_elem(&zs_expect, &expect) == NULL)
			return 1;
		bpf_map_delete_elem(&zs_expect, &expect);
		bpf_sock_hash_update(skops, &zs_socks, &key, BPF_ANY);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		/* Only C has this callback. After its FIN, or a reset, C sends
		 * nothing the kernel could carry. */
		if (skops->args[1] == BPF_TCP_FIN_WAIT1 || skops->args[1] == BPF_TCP_LAST_ACK ||
		    skops->args[1] == BPF_TCP_CLOSE)
			pool_return(&key);
		/* Sockhash entries go with the socket; ours must go too. */
		if (skops->args[1] == BPF_TCP_CLOSE)
			bpf_map_delete_elem(&zs_conns, &key);
		break;
	}
	return 1;
}
