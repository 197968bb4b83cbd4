/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine seen from the rest of zeroserve: start and stop it,
 * announce backend connections (through the pool's hooks), and one handle
 * per client connection that holds the engine's state of a session
 * (accel_conn). Nothing here names a map's layout: that is bpf/zs_abi.h,
 * which only src/accel*.c, bpf/ and the tests see (src/accel_abi.h).
 * Modules: accel_env.c (can it run here: privileges, lockdown, cgroup v2,
 * BTF), accel.c (the loader, the only user of the skeleton, and the map
 * operations, accel_conn among them). Route decisions are src/router.c's.
 * Socket keys name the far ends of zeroserve's own sockets: the client's
 * socket C behind P1, the backend's socket B behind P2.
 * Returns: 0 / -errno; questions (accel_conn_is_*, _has_*, _was_*) 1 or 0.
 */
#ifndef ZS_ACCEL_H
#define ZS_ACCEL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

struct config;
struct accel;
struct accel_conn;
struct program;
struct zs_verdict;

#ifdef HAVE_BPF_ENGINE

/*
 * Load and attach the kernel engine for cfg, after the listeners are bound,
 * with the routing program prog (NULL: none) plugged into its request path.
 * NULL with a one-line reason in why when it does not run; zeroserve then
 * serves everything in userspace.
 */
struct accel *accel_start(const struct config *cfg, const struct program *prog, char *why,
			  size_t whylen);
/* Logs the counters, detaches and frees everything. NULL is fine. */
void accel_stop(struct accel *a);
/*
 * 0 when bpf(2) on the engine's maps works with the calling thread's
 * capabilities as they are, -EPERM when it needs CAP_BPF (src/privdrop.c
 * asks before it drops the last one).
 */
int accel_maps_usable(struct accel *a);
/* One info line with the counters summed over CPUs; when says why ("SIGUSR1"). */
void accel_log_counters(struct accel *a, const char *when);
/* 1 when the kernel may serve the route's requests, else 0. */
int accel_route_kernel(const struct accel *a, unsigned int route_id);
/* The longest request body the kernel carries, given --max-body (0: none). */
uint64_t accel_req_max(uint64_t max_body);
/*
 * A Host value and an Origin value (NULL: none), as a request carried them,
 * that the guard (allow.h) allowed: the kernel may carry requests with
 * them from now on. Values too long for the kernel, or past its bound, it
 * keeps passing up. 0 / -errno.
 */
int accel_allow(struct accel *a, const char *host, size_t hostlen, const char *origin,
		size_t originlen);

/*
 * A backend socket about to connect to `to`: bound to its port and
 * announced, so that sockops adds the backend's end (and no other socket
 * accepted on that port) to zs_socks. accel_hangup withdraws it at close.
 */
int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len);
void accel_hangup(struct accel *a, int p2_fd, const struct sockaddr *to);
/*
 * The kernel engine's side of one client connection (P1), an opaque handle
 * (in accel.c): C's key, taken once, and zs_ctl[C] as zeroserve last wrote it (it is the map's only
 * writer, so the copy is the map's value), the pairing with a backend
 * socket B and the handed-up responses relayed. Asks zs_conns[C] the
 * questions below, one lookup each. The ordering model behind it:
 * doc/architecture.md, "Ordering model".
 */
struct accel_conn;

/* The handle of the client behind p1_fd. NULL with errno: EAFNOSUPPORT
 * unless C is IPv4 or ::1, the clients the kernel names in the forwarding
 * fields as the userspace engine does. */
struct accel_conn *accel_conn_new(struct accel *a, int p1_fd);
/*
 * The same from P1's addresses (local: the listener's, peer: accept's),
 * with no system call, for every accepted client: listed by C's key, so
 * that a zs_events record or a pool connection's zs_peers entry finds
 * owner (accel_conn_find). Same errors.
 */
struct accel_conn *accel_conn_open(struct accel *a, const struct sockaddr *local,
				   const struct sockaddr *peer, void *owner);
void *accel_conn_owner(const struct accel_conn *ac);

/*
 * The pool (doc/architecture.md, "Kernel from the first request"): idle
 * backend connections lent to the kernel, which pairs a client's first
 * request with one. backend: upstream_backend_id's number.
 */
/* Route route's first requests may take from backend's pool. */
int accel_pool_bind(struct accel *a, unsigned int route, unsigned int backend);
/* One connection's lending, from its first to its retirement. */
struct accel_lent;
/*
 * Lend the connection behind p2_fd (again) to backend's pool; *lp, NULL
 * at the first lending, is its handle, owner what accel_conn_claim and
 * accel_lent_owner give back. -ENOSPC when the pool has half its slots
 * lent, -ENOENT when the kernel never saw the connection.
 */
int accel_lend(struct accel *a, unsigned int backend, int p2_fd, void *owner,
	       struct accel_lent **lp);
/* One of backend's lent connections waiting in its pool, taken out: its
 * owner, or NULL. Entries of retired lendings met on the way are dropped. */
void *accel_reclaim(struct accel *a, unsigned int backend);
/* Take out of the pools the connections idle there idle_sec or longer,
 * and hand each owner to expire (which closes it). */
void accel_pool_sweep(struct accel *a, unsigned int idle_sec, void (*expire)(void *owner));
/* The lending ends before the connection closes: the kernel skips what
 * is still queued of it. *lp becomes NULL; NULL is fine. */
void accel_lent_retire(struct accel_lent **lp);
/* The client the kernel paired the lent connection with: -ENOENT none
 * (it waits in the pool), -ESRCH one zeroserve has not accepted yet. */
int accel_lent_client(struct accel_lent *l, struct accel_conn **ac);
/*
 * Take over the pairing the kernel made for C from the pool, if any: 0 and
 * the lent connection's owner (its lending is over, it stays C's paired
 * connection), -ENOENT none, -ESTALE one whose connection was retired
 * (C is unpaired then). After a claim, or accel_conn_claim_none (C had
 * bytes handed up: the kernel pairs no more), no further system call.
 */
int accel_conn_claim(struct accel_conn *ac, void **owner);
void accel_conn_claim_none(struct accel_conn *ac);
/*
 * zs_events: the kernel answered a "close" request of C but for its last
 * bytes (the tail), which come up on B's connection for zeroserve to write
 * with its FIN (bpf/zs.bpf.c, close_tail). The kernel wakes nobody: the
 * record comes before its bytes, and accel_events_read, run when bytes
 * come, takes all that wait (no system call). A tail on a
 * lent connection is queued with its lending (accel_lent_tail); one on a
 * pairing zeroserve holds is told to C's owner: fn(owner, bytes, arg).
 */
#define ACCEL_TAIL_MAX 8
void accel_events_set(struct accel *a, void (*fn)(void *owner, uint32_t tail, void *arg),
		      void *arg);
void accel_events_read(struct accel *a);
/*
 * zs_log (bpf/zs_abi.h, struct zs_log): the kernel's record of each request
 * it carried, when the config wants them (config_wants_requests).
 * accel_log_read hands waiting records to fn, at most max of them (0: all);
 * run it when accel_log_fd is readable (the kernel wakes it only when the
 * ring fills past a quarter; it stays readable while records wait) and on
 * a timer. Its return: records read, or -errno.
 */
struct zs_log;
void accel_log_set(struct accel *a, void (*fn)(const struct zs_log *l, void *arg), void *arg);
int accel_log_fd(const struct accel *a);
int accel_log_read(struct accel *a, unsigned int max);
/* The kernel's hash maps, how full: at most n of them into out. */
struct accel_map_fill {
	const char *name;
	uint64_t used, max;
};
size_t accel_map_fill(struct accel *a, struct accel_map_fill *out, size_t n);
/* The tail bytes the lent connection's input must give next, for the
 * oldest record on it: 0 if none. */
uint32_t accel_lent_tail(struct accel_lent *l);
/* Those bytes are read: to C's owner (deliver(owner, buf, n, arg)), or
 * kept for C if zeroserve has not accepted it yet (accel_conn_early_tail),
 * or dropped if C is gone. */
void accel_lent_tail_deliver(struct accel_lent *l, const void *buf, uint32_t n,
			     void (*deliver)(void *owner, const void *buf, uint32_t n, void *arg),
			     void *arg);
/* A tail queued on l for ac's C, now that ac's owner holds l's connection
 * (adopted): taken off the queue and returned, 0 if none. */
uint32_t accel_lent_tail_take(struct accel_lent *l, const struct accel_conn *ac);
/* Tail bytes that came for C before accel_conn_open, moved into buf: their
 * count, 0 if none. */
uint32_t accel_conn_early_tail(struct accel_conn *ac, void *buf);
/* The client connection is over: unpaired, and C's entries dropped
 * (zs_ctl, and zs_conns, normally gone with C already). NULL is fine. */
void accel_conn_free(struct accel_conn *ac);
/*
 * Pair C with the backend socket behind p2_fd, serving route: zs_peers[B],
 * then zs_ctl[C]. -ENOENT when C or B never joined zs_socks (a client from
 * outside the cgroup, a backend connection made before the engine), so no
 * request could ever take the kernel path; -EINVAL for a route the kernel
 * does not serve.
 */
int accel_conn_pair(struct accel_conn *ac, int p2_fd, unsigned int route);
/* C is paired no more: zs_ctl[C] first, then zs_peers[B]. By the keys taken
 * when pairing: getpeername(2) fails on a socket that was reset
 * (net/ipv4/af_inet.c, inet_getname), and the entries must go all the same. */
int accel_conn_unpair(struct accel_conn *ac);
/* 1 when paired (with route *route), else 0. route may be NULL. */
int accel_conn_is_paired(const struct accel_conn *ac, unsigned int *route);
/*
 * zs_ctl[C].done = done: zeroserve has read and answered that many bytes of
 * C; out: the bytes it has sent C or queued for it, those answers included.
 * The kernel takes C's next request only once C has read out bytes over
 * TCP. No system call when the map holds these values already.
 */
int accel_conn_done(struct accel_conn *ac, uint64_t done, uint64_t out);
/* One more response the kernel handed up has been relayed; zs_ctl[C]
 * carries the count with out (as for accel_conn_done) in one update. */
int accel_conn_relayed(struct accel_conn *ac, uint64_t out);
/* The same for the answer C's connection ends with: counted, not
 * published, since the kernel must take no further request of C. */
void accel_conn_relayed_last(struct accel_conn *ac);
/* Questions on zs_conns[C]: 1 or 0; 0 too when C's entry is gone. */
/* Is a kernel response still on its way to C, or one handed up and not yet
 * relayed? Userspace then holds its own answer. */
int accel_conn_is_busy(struct accel_conn *ac);
/* Has the kernel carried a request since the last time this was asked, or
 * is one in flight? Activity zeroserve cannot see on P1. */
int accel_conn_was_active(struct accel_conn *ac);
/* Has the kernel handed a response up that zeroserve has not relayed yet?
 * *head_req: it answers a HEAD request. *rec (NULL: not wanted): the
 * kernel's record of that request (bpf/zs_abi.h, struct zs_log), for
 * zeroserve to complete and log once it relayed the answer. */
struct zs_log;
int accel_conn_has_handed_up(struct accel_conn *ac, int *head_req, int *close_req,
			     struct zs_log *rec);
/* Does the kernel owe C nothing on B: no request in flight, no body half
 * sent either way, nothing held, nothing handed up unrelayed? */
int accel_conn_is_settled(struct accel_conn *ac);
/* What a backend closing B now would cost C (paired_event). */
enum accel_loss {
	ACCEL_LOSS_NONE,   /* no kernel request in flight */
	ACCEL_LOSS_ANSWER, /* one in flight, not a byte of its answer sent */
	ACCEL_LOSS_PART,   /* one in flight, part of its answer sent */
};
enum accel_loss accel_conn_loss(struct accel_conn *ac);
/*
 * The routing program's decision the kernel took on the request that
 * starts at byte at of what the client sent zeroserve, before it sent the
 * request up (zs_conn.prog_*): 1 with *action and *v, else 0 (ask the
 * program).
 */
int accel_conn_decision(struct accel_conn *ac, uint64_t at, int *action, struct zs_verdict *v);
/* The map a reloaded program must share with the kernel engine (zs_kreq). */
int accel_program_kreq(const struct accel *a);
/*
 * From now on the kernel asks prog, loaded on accel_program_kreq: one
 * update of zs_prog, so each request meets the old program or the new one;
 * with other fields (!same_fields), none is asked while the reader's names
 * change (doc/architecture.md, "Routing programs"). 0 / -errno.
 */
int accel_program_swap(struct accel *a, const struct program *prog, int same_fields);

#else /* !HAVE_BPF_ENGINE: built with --disable-bpf */

static inline struct accel *accel_start(const struct config *cfg, const struct program *prog,
					char *why, size_t whylen)
{
	if (whylen > 0)
		snprintf(why, whylen, "kernel engine not built (--disable-bpf)");
	errno = ENOTSUP;
	return NULL;
}

static inline void accel_stop(struct accel *a)
{
}

static inline void accel_log_counters(struct accel *a, const char *when)
{
}

static inline int accel_maps_usable(struct accel *a)
{
	return -ENOTSUP;
}

static inline int accel_route_kernel(const struct accel *a, unsigned int route_id)
{
	return 0;
}

static inline int accel_dial(struct accel *a, int p2_fd, const struct sockaddr *to, socklen_t len)
{
	return -ENOTSUP;
}

static inline void accel_hangup(struct accel *a, int p2_fd, const struct sockaddr *to)
{
}

static inline int accel_allow(struct accel *a, const char *host, size_t hostlen, const char *origin,
			      size_t originlen)
{
	return 0;
}

#endif /* HAVE_BPF_ENGINE */

#endif
