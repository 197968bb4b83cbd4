/* SPDX-License-Identifier: MIT */
/*
 * The one header shared by the BPF programs (bpf/) and zeroserve (src/):
 * map keys and values, enums and limits. Fixed-width types only.
 * The ordering model behind these maps: doc/architecture.md.
 *
 * Every struct is laid out by hand, with no hole the compiler fills: the
 * BPF target and x86-64 align a __u64 to 8 bytes, i386 to 4, so a hole
 * would sit in different places; and a hash map compares keys byte for
 * byte, padding included. The _Static_asserts at the end check it for
 * clang -target bpf and for the userspace compiler alike.
 */
#ifndef ZS_ABI_H
#define ZS_ABI_H

#include <linux/types.h>

/* The routing programs' ABI, its structs only: ZS_REQ_FIELDS, zs_scratch. */
#ifndef ZS_PROGRAM_ABI_ONLY
#define ZS_PROGRAM_ABI_ONLY
#endif
#include "zeroserve/program.h"

#define ZS_MAX_ROUTES 16
#define ZS_HOST_MAX   64 /* Host value without the port, lower case */
#define ZS_PREFIX_MAX 64
#define ZS_HEAD_MAX   512 /* a head must end within this many bytes of a message */
#define ZS_MAX_CONNS  65536

/*
 * The router's ranking, one definition for src/router.c (router_match,
 * router_may_outrank) and bpf/zs.bpf.c (route_one): of two routes that match
 * a request, a route for its Host beats a host-less one, then the longer
 * prefix wins; on a tie the one met first stays.
 */
static inline int zs_route_outranks(__u32 host, __u32 prefix_len, __u32 other_host,
				    __u32 other_prefix_len)
{
	return (host && !other_host) || (!host == !other_host && prefix_len > other_prefix_len);
}

/* zs_ports (hash, __u16 port in host order -> __u32 bits of zs_port_role). */
enum zs_port_role {
	ZS_PORT_LISTEN = 1,  /* a zeroserve listen port: clients connect to it */
	ZS_PORT_BACKEND = 2, /* a backend port zeroserve connects to */
	/*
	 * How zeroserve names an IPv4 client of this listen port in the
	 * forwarding fields: its socket there is AF_INET6 ("[::]:PORT" or a
	 * v4-mapped address), so it sees ::ffff:a.b.c.d, or AF_INET, so it
	 * sees a.b.c.d. A port with both passes IPv4 clients up: the kernel
	 * cannot tell which socket took the connection.
	 */
	ZS_PORT_V4_MAPPED = 4,
	ZS_PORT_V4_PLAIN = 8,
};

/*
 * zs_expect (hash, written by zeroserve, emptied by sockops): the backend
 * connections zeroserve is about to open, as ZS_EXPECT_KEY(backend port,
 * zeroserve's local port). Only their backend ends join zs_socks: a client
 * talking to the backend directly is left alone.
 */
#define ZS_EXPECT_KEY(backend_port, local_port) ((__u32)(backend_port) << 16 | (__u16)(local_port))

/*
 * One TCP endpoint seen from its own side: addresses in IPv6 form, network
 * order, an IPv4 address as the v4-mapped ::ffff:a.b.c.d, so that an IPv4
 * socket and the dual-stack IPv6 socket at its other end (which sees the
 * mapped form) name the connection alike; ports in host order. Key of
 * zs_socks (sockhash), zs_conns, zs_ctl, zs_peers.
 */
struct zs_sock_key {
	__u32 local_ip[4];
	__u32 remote_ip[4];
	__u16 local_port;
	__u16 remote_port;
};

/* zs_routes (array of ZS_MAX_ROUTES): the CLI routes, same order as the
 * router. kernel == 0 keeps a route's requests in userspace (prefix
 * replacement, directory targets, a host or prefix too long). pool: the
 * index in zs_pool of the queue of idle connections to the route's backend,
 * 0 for none (routes to one backend share it). */
struct zs_route {
	__u8 host[ZS_HOST_MAX];
	__u8 prefix[ZS_PREFIX_MAX];
	__u32 host_len;
	__u32 prefix_len;
	__u32 kernel;
	__u32 pool;
};

enum zs_mode {
	ZS_MODE_USER = 0,   /* bytes go up to zeroserve; the kernel counts them */
	ZS_MODE_KERNEL = 1, /* requests and responses move socket to socket */
};

/*
 * zs_log (ring buffer, written by the kernel only when zeroserve asks for
 * events: an access log, metrics or OTLP): one record per request the
 * kernel carried, sent when the kernel has delivered its answer, so that
 * requests zeroserve never sees are logged and counted. Times are
 * bpf_ktime_get_ns (CLOCK_MONOTONIC). c is the client's socket C, seen
 * from its own side: local_* is the client, remote_port the listen port.
 * path: the request target's first ZS_LOG_PATH_MAX bytes, path_len its
 * whole length. A record that finds the ring full is lost and counted
 * (ZS_C_LOG_DROPPED), never waited for.
 */
#define ZS_LOG_PATH_MAX 128
struct zs_log {
	__u64 start;	  /* the request's head read */
	__u64 end;	  /* its answer's last byte delivered */
	__u64 req_bytes;  /* the request as received: head and body */
	__u64 resp_bytes; /* the answer as sent: head and body */
	__u64 resp_body;  /* its body's bytes */
	__u64 cgroup;	  /* C's cgroup id, 0 if unknown */
	struct zs_sock_key c;
	__u32 route;  /* index in zs_routes */
	__u32 method; /* enum zs_method */
	__u32 status;
	__u32 path_len;
	__u8 tag[16]; /* the routing program's tag, ZS_TAG_MAX */
	__u8 path[ZS_LOG_PATH_MAX];
	__u32 flags; /* ZS_LOG_* */
};
#define ZS_LOG_PROGRAM 1 /* a routing program decided it */

/* zs_conns, keyed by the client's socket C; written by the BPF programs only. */
struct zs_conn {
	__u64 passed;	 /* bytes of C handed to userspace */
	__u64 req_left;	 /* body bytes of the kernel request still to come */
	__u64 resp_left; /* body bytes of the kernel response still to come */
	__u32 mode;	 /* enum zs_mode */
	__u32 inflight;	 /* kernel requests whose response has not ended */
	__u32 head_req;	 /* the oldest request in flight is HEAD */
	__u32 foreign;	 /* kernel requests whose response was handed to userspace */
	__u32 corked;	 /* length of the response held whole by the cork, 0 if none */
	__u32 seq;	 /* C's write_seq when passed was last brought up to date */
	__u64 kreqs;	 /* requests the kernel carried: activity zeroserve cannot see */
	/* The pool connection the kernel paired C with at its first request,
	 * used while zs_ctl[C] does not exist (zeroserve has not adopted it). */
	struct zs_sock_key kb;
	__u32 kgen;	 /* its zs_pool_ent.gen */
	__u32 kroute;	 /* the route it serves */
	__u32 kpaired;	 /* kb is C's backend socket */
	__u32 close_req; /* the kernel request in flight said "Connection: close" */
	__u32 tail;	 /* its answer's last bytes go to zeroserve: resp_left of them */
	/*
	 * The routing program's decision on a request the kernel then passed
	 * up (prog_set), which starts at byte prog_at of what C passed:
	 * zeroserve takes it instead of running the program again, so a
	 * request is decided once (doc/architecture.md, "Routing programs").
	 */
	__u64 prog_at;
	__s32 prog_action; /* enum zs_action, or what the program returned */
	__u32 prog_set;
	__u32 prog_route;
	__u32 prog_status;
	__u8 prog_tag[16]; /* ZS_TAG_MAX */
	/* The request the kernel carries now, as its zs_log record will
	 * tell it (only with log_on): filled at its head, sent when its
	 * answer ends. */
	struct zs_log log;
};

/* zs_ctl, keyed by C; written by zeroserve only. */
struct zs_ctl {
	__u64 done;		    /* bytes of C zeroserve has read and answered */
	__u64 out;		    /* bytes zeroserve has sent C, or will: its answers to done */
	struct zs_sock_key backend; /* B: the backend socket paired with C */
	__u32 route;		    /* the route B serves */
	__u32 paired;
	__u32 foreign_done; /* zs_conn.foreign responses zeroserve has relayed */
};

/* zs_peers, keyed by B: the client B answers. Written by zeroserve, and by
 * the kernel for a pool connection it pairs: zeroserve owns the entry again
 * once it has claimed the pairing (zs_lent). */
struct zs_peer {
	struct zs_sock_key client;
};

/*
 * zs_allow (hash, written by zeroserve only): Host and Origin values, byte
 * for byte as a request carried them (without the blanks around them),
 * that zeroserve's guard allowed (src/allow.h). The kernel carries a
 * request only when its Host value and its Origin value, if any, are here:
 * it never decides on them itself, so it cannot decide otherwise
 * (doc/architecture.md, "Host and Origin"). Value: __u32, unused.
 */
#define ZS_ALLOW_MAX	 64 /* longest value compared: longer ones go up */
#define ZS_ALLOW_ENTRIES 1024
enum zs_allow_kind {
	ZS_ALLOW_HOST = 1,
	ZS_ALLOW_ORIGIN = 2,
};
struct zs_allow_key {
	__u32 kind; /* enum zs_allow_kind */
	__u32 len;
	__u8 value[ZS_ALLOW_MAX]; /* zero past len */
};

/*
 * The pool (doc/architecture.md, "Kernel from the first request"): per
 * backend a stack (zs_pool, an array of BPF_MAP_TYPE_STACK maps, index
 * zs_route.pool) of idle backend sockets zeroserve lent; the most recently
 * used comes first, the least likely to have met the backend's keep-alive
 * timeout. A client's first request pops one. gen names one lending of one
 * connection: zs_lent_b[B] (hash, written by zeroserve) holds the gen of
 * B's current lending and is deleted before zeroserve closes or takes back
 * B, so a stale entry, even one whose four-tuple a new socket reuses, is
 * never used. ms: when it went into the pool, in milliseconds of
 * CLOCK_MONOTONIC_COARSE (bpf_ktime_get_coarse_ns), wrapping: zeroserve
 * closes connections idle there longer than --upstream-timeout, and the
 * kernel takes only those idle less than ZS_POOL_FRESH_MS. An older one
 * may be closing at the backend as the request reaches it; userspace,
 * which keeps the request, can send it again, the kernel cannot.
 */
#define ZS_POOL_FRESH_MS 500
#define ZS_POOL_SLOTS	 256 /* per stack; zeroserve lends at most half of it */
struct zs_pool_ent {
	struct zs_sock_key b;
	__u32 gen;
	__u32 ms;
};

/* zs_lent, keyed by C: the kernel paired C with a pool connection. Whoever
 * deletes the entry (the kernel returning B at C's FIN, or zeroserve
 * adopting the pairing) owns B from then on. */
struct zs_lent {
	struct zs_pool_ent ent;
	__u32 route;
	__u32 pool;
};

/*
 * zs_events (ring buffer): the kernel delivered the answer to a request
 * that said "Connection: close" but its last `tail` bytes, which it sends
 * on B's TCP path to zeroserve instead: zeroserve writes them to C with
 * its FIN, so the FIN comes after the answer and C's connection ends from
 * the server's side (doc/architecture.md, "Connection: close"). gen: the
 * pool lending B belongs to (zs_pool_ent), 0 when zeroserve paired C.
 */
struct zs_event {
	struct zs_sock_key c;
	__u32 gen;
	__u32 tail;
};

/*
 * zs_fields (array of 1, written by zeroserve only): the header fields the
 * routing program asks for (ZS_FIELDS, include/zeroserve/program.h), as
 * the reader keeps a name in tok: lower case, zero-padded, its first 24
 * bytes (names are at most 24). len 0: the slot asks for nothing; n 0: no
 * slot asks. gen changes when a reload brings other names: a decision on
 * a request read with another gen's names is not taken (program_answer).
 */
struct zs_fields {
	__u64 tok[ZS_REQ_FIELDS][3];
	__u32 len[ZS_REQ_FIELDS];
	__u32 gen;
	__u32 n;
};

/* zs_counters: per-CPU array of __u64 indexed by this enum. */
enum zs_counter {
	ZS_C_REQ_KERNEL,    /* requests redirected client -> backend */
	ZS_C_RESP_KERNEL,   /* responses redirected backend -> client */
	ZS_C_BYTES_UP,	    /* bytes redirected client -> backend */
	ZS_C_BYTES_DOWN,    /* bytes redirected backend -> client */
	ZS_C_PASS_USER,	    /* zeroserve still busy with the connection */
	ZS_C_PASS_UNPAIRED, /* no backend socket paired for the route */
	ZS_C_PASS_HEAD,	    /* head incomplete, too long or not understood */
	ZS_C_PASS_FEATURE,  /* chunked, upgrade, expect, hop-by-hop fields */
	ZS_C_PASS_ROUTE,    /* no route, a userspace route, or another route */
	ZS_C_PASS_RESPONSE, /* response without a length or over the bound */
	ZS_C_REDIRECT_FAIL, /* the paired socket was gone */
	ZS_C_PASS_GUARD,    /* a Host or Origin value the guard has not allowed yet */
	ZS_C_POOL_TAKEN,    /* first requests carried on a pool connection */
	ZS_C_POOL_EMPTY,    /* first requests passed up: no pool connection ready */
	ZS_C_POOL_RETURNED, /* pool connections the kernel took back at a client's FIN */
	ZS_C_CLOSE_TAIL,    /* answers to "close" requests whose last bytes went up for the FIN */
	ZS_C_PASS_PROGRAM,  /* the routing program refused it, or could not decide in the kernel */
	ZS_C_LOG_DROPPED,   /* zs_log records lost: the ring was full */
	ZS_C__MAX,
};

/* The layout above, checked: a field that moves or a hole that opens fails
 * the build of both the BPF object and zeroserve. Every field's offset, and
 * the last field ending where the struct does: no hole, tail included. */
#define ZS_ABI_AT(type, field, off)                                                                \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), #type "." #field " moved")
#define ZS_ABI_END(type, last)                                                                     \
	_Static_assert(__builtin_offsetof(struct type, last) + sizeof(((struct type *)0)->last) == \
			   sizeof(struct type),                                                    \
		       #type " has tail padding")

_Static_assert(sizeof(struct zs_sock_key) == 36, "zs_sock_key size");
ZS_ABI_AT(zs_sock_key, local_ip, 0);
ZS_ABI_AT(zs_sock_key, remote_ip, 16);
ZS_ABI_AT(zs_sock_key, local_port, 32);
ZS_ABI_AT(zs_sock_key, remote_port, 34);
ZS_ABI_END(zs_sock_key, remote_port);

_Static_assert(sizeof(struct zs_fields) == 24 * ZS_REQ_FIELDS + 4 * ZS_REQ_FIELDS + 8,
	       "zs_fields size");
ZS_ABI_AT(zs_fields, tok, 0);
ZS_ABI_AT(zs_fields, len, 24 * ZS_REQ_FIELDS);
ZS_ABI_AT(zs_fields, gen, 28 * ZS_REQ_FIELDS);
ZS_ABI_AT(zs_fields, n, 28 * ZS_REQ_FIELDS + 4);
ZS_ABI_END(zs_fields, n);

_Static_assert(sizeof(struct zs_allow_key) == 8 + ZS_ALLOW_MAX, "zs_allow_key size");
ZS_ABI_AT(zs_allow_key, kind, 0);
ZS_ABI_AT(zs_allow_key, len, 4);
ZS_ABI_AT(zs_allow_key, value, 8);
ZS_ABI_END(zs_allow_key, value);

_Static_assert(sizeof(struct zs_route) == ZS_HOST_MAX + ZS_PREFIX_MAX + 16, "zs_route size");
ZS_ABI_AT(zs_route, host, 0);
ZS_ABI_AT(zs_route, prefix, ZS_HOST_MAX);
ZS_ABI_AT(zs_route, host_len, ZS_HOST_MAX + ZS_PREFIX_MAX);
ZS_ABI_AT(zs_route, prefix_len, ZS_HOST_MAX + ZS_PREFIX_MAX + 4);
ZS_ABI_AT(zs_route, kernel, ZS_HOST_MAX + ZS_PREFIX_MAX + 8);
ZS_ABI_AT(zs_route, pool, ZS_HOST_MAX + ZS_PREFIX_MAX + 12);
ZS_ABI_END(zs_route, pool);

_Static_assert(sizeof(struct zs_log) == 48 + sizeof(struct zs_sock_key) + 36 + ZS_LOG_PATH_MAX,
	       "zs_log size");
ZS_ABI_AT(zs_log, start, 0);
ZS_ABI_AT(zs_log, end, 8);
ZS_ABI_AT(zs_log, req_bytes, 16);
ZS_ABI_AT(zs_log, resp_bytes, 24);
ZS_ABI_AT(zs_log, resp_body, 32);
ZS_ABI_AT(zs_log, cgroup, 40);
ZS_ABI_AT(zs_log, c, 48);
ZS_ABI_AT(zs_log, route, 48 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, method, 52 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, status, 56 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, path_len, 60 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, tag, 64 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, path, 80 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_log, flags, 80 + sizeof(struct zs_sock_key) + ZS_LOG_PATH_MAX);
ZS_ABI_END(zs_log, flags);

_Static_assert(sizeof(struct zs_conn) ==
		   56 + sizeof(struct zs_sock_key) + 60 + sizeof(struct zs_log),
	       "zs_conn size");
ZS_ABI_AT(zs_conn, passed, 0);
ZS_ABI_AT(zs_conn, req_left, 8);
ZS_ABI_AT(zs_conn, resp_left, 16);
ZS_ABI_AT(zs_conn, mode, 24);
ZS_ABI_AT(zs_conn, inflight, 28);
ZS_ABI_AT(zs_conn, head_req, 32);
ZS_ABI_AT(zs_conn, foreign, 36);
ZS_ABI_AT(zs_conn, corked, 40);
ZS_ABI_AT(zs_conn, seq, 44);
ZS_ABI_AT(zs_conn, kreqs, 48);
ZS_ABI_AT(zs_conn, kb, 56);
ZS_ABI_AT(zs_conn, kgen, 56 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, kroute, 60 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, kpaired, 64 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, close_req, 68 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, tail, 72 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_at, 76 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_action, 84 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_set, 88 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_route, 92 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_status, 96 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, prog_tag, 100 + sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_conn, log, 116 + sizeof(struct zs_sock_key));
ZS_ABI_END(zs_conn, log);

_Static_assert(sizeof(struct zs_ctl) == 64, "zs_ctl size");
ZS_ABI_AT(zs_ctl, done, 0);
ZS_ABI_AT(zs_ctl, out, 8);
ZS_ABI_AT(zs_ctl, backend, 16);
ZS_ABI_AT(zs_ctl, route, 52);
ZS_ABI_AT(zs_ctl, paired, 56);
ZS_ABI_AT(zs_ctl, foreign_done, 60);
ZS_ABI_END(zs_ctl, foreign_done);

_Static_assert(sizeof(struct zs_pool_ent) == sizeof(struct zs_sock_key) + 8, "zs_pool_ent size");
ZS_ABI_AT(zs_pool_ent, b, 0);
ZS_ABI_AT(zs_pool_ent, gen, sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_pool_ent, ms, sizeof(struct zs_sock_key) + 4);
ZS_ABI_END(zs_pool_ent, ms);

_Static_assert(sizeof(struct zs_lent) == sizeof(struct zs_pool_ent) + 8, "zs_lent size");
ZS_ABI_AT(zs_lent, ent, 0);
ZS_ABI_AT(zs_lent, route, sizeof(struct zs_pool_ent));
ZS_ABI_AT(zs_lent, pool, sizeof(struct zs_pool_ent) + 4);
ZS_ABI_END(zs_lent, pool);

_Static_assert(sizeof(struct zs_event) == sizeof(struct zs_sock_key) + 8, "zs_event size");
ZS_ABI_AT(zs_event, c, 0);
ZS_ABI_AT(zs_event, gen, sizeof(struct zs_sock_key));
ZS_ABI_AT(zs_event, tail, sizeof(struct zs_sock_key) + 4);
ZS_ABI_END(zs_event, tail);

_Static_assert(sizeof(struct zs_peer) == 36, "zs_peer size");
ZS_ABI_AT(zs_peer, client, 0);
ZS_ABI_END(zs_peer, client);

#endif
