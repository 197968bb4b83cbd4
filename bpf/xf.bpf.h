/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/* The forwarding fields added to a request the kernel carries (BPF only). */
#ifndef ZS_XF_BPF_H
#define ZS_XF_BPF_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* struct scan and its word helpers: the fields are built in the scan state. */
#include "head.bpf.h"
/* zs_ports */
#include "maps.bpf.h"

/*
 * The forwarding fields userspace adds (http_build_request), for a request
 * the kernel carries: X-Forwarded-For, -Proto, -Host and Forwarded, before
 * the blank line. Requests that bring their own go to userspace, which
 * merges the lists.
 */
/*
 * The forwarding fields are written a word at a time: each store puts 8
 * bytes at the end and the length grows by the n that count; the rest is
 * overwritten by the next store (xf has 8 spare bytes).
 */
static __always_inline void xf_word(struct scan *s, __u64 w, __u32 n)
{
	*(__u64 *)&s->xf[s->xf_len & (XF_MAX - 1)] = w;
	s->xf_len += n;
}

/* Dotted quad, without branches on the octets: the verifier would walk
 * every combination of their lengths. */
static __always_inline void xf_ip(struct scan *s, __u32 ip)
{
	__u32 i, v, nd;
	__u64 w;

	for (i = 0; i < 4; i++) {
		v = (ip >> (8 * i)) & 0xff; /* network order: first octet lowest */
		nd = 1 + ((v + 246) >> 8) + ((v + 156) >> 8);
		w = ('0' + v / 100) | ('0' + (v / 10) % 10) << 8 | ('0' + v % 10) << 16;
		w >>= 8 * (3 - nd);
		if (i < 3)
			w |= (__u64)'.' << (8 * nd);
		xf_word(s, w, nd + (i < 3));
	}
}

/* The Host value, a word at a time; xf_quote when it holds a '"'. Global:
 * checked once, not once per way out of the loop before it. */
__noinline int xf_host(void)
{
	struct scan *s = scan_state();
	__u32 j, k, n;
	__u64 x;

	if (s == NULL)
		return 0;
	n = s->host_vlen;
	for (j = 0; j < XF_HOST_MAX / 8; j++) {
		if (8 * j >= n)
			break;
		k = n - 8 * j;
		x = word_at(s->buf, s->host_off + 8 * j);
		if (has_byte(word_head(x, k > 8 ? 8 : k), '"'))
			s->xf_quote = 1;
		*(__u64 *)&s->xf[(s->xf_len + 8 * j) & (XF_MAX - 1)] = x;
	}
	s->xf_len += n;
	return 0;
}

/*
 * How userspace names the client (src/session.c: inet_ntop of P1's peer,
 * and in Forwarded an IPv6 node quoted and bracketed, RFC 7239). The
 * kernel writes these forms only; any other address goes up.
 */
enum xf_form {
	XF_NONE,   /* not one the kernel writes as inet_ntop does */
	XF_V4,	   /* a.b.c.d */
	XF_MAPPED, /* ::ffff:a.b.c.d: an IPv4 client on an AF_INET6 socket */
	XF_LOOP6,  /* ::1 */
};

struct xf_args {
	__u32 ip;   /* XF_V4, XF_MAPPED: the IPv4 address, network order */
	__u32 form; /* enum xf_form */
	__u32 ok;
};

/*
 * The client's name from C's key (its own address, in the keys' v4-mapped
 * form, and zeroserve's listen port): an IPv4 client is a.b.c.d to an
 * AF_INET listener and ::ffff:a.b.c.d to an AF_INET6 one; zs_ports says
 * which took its port (ZS_PORT_V4_*), looked up only when some listener
 * is AF_INET6 and may take IPv4 clients (ports_differ: the listen_mapped
 * tunable, bpf/zs.bpf.c).
 */
static __always_inline void xf_client(struct xf_args *a, const struct zs_sock_key *k,
				      __u32 ports_differ)
{
	__u16 port = k->remote_port;
	__u32 *role;

	a->ip = k->local_ip[3];
	a->form = XF_NONE;
	if (k->local_ip[0] != 0 || k->local_ip[1] != 0)
		return;
	if (k->local_ip[2] == bpf_htonl(0xffff)) {
		a->form = XF_V4;
		if (!ports_differ)
			return;
		role = bpf_map_lookup_elem(&zs_ports, &port);
		if (role == NULL)
			a->form = XF_NONE;
		else if ((*role & (ZS_PORT_V4_MAPPED | ZS_PORT_V4_PLAIN)) == ZS_PORT_V4_MAPPED)
			a->form = XF_MAPPED;
		else if ((*role & (ZS_PORT_V4_MAPPED | ZS_PORT_V4_PLAIN)) != ZS_PORT_V4_PLAIN)
			a->form = XF_NONE;
	} else if (k->local_ip[2] == 0 && k->local_ip[3] == bpf_htonl(1)) {
		a->form = XF_LOOP6;
	}
}

/* The client's name: in Forwarded (quoted) an IPv6 one is "[...]". */
static __always_inline void xf_name(struct scan *s, const struct xf_args *a, int quoted)
{
	__u32 v6 = a->form != XF_V4;

	if (quoted && v6)
		xf_word(s, C8('"', '[', 0, 0, 0, 0, 0, 0), 2);
	if (a->form == XF_LOOP6) {
		xf_word(s, C8(':', ':', '1', 0, 0, 0, 0, 0), 3);
	} else {
		if (v6)
			xf_word(s, C8(':', ':', 'f', 'f', 'f', 'f', ':', 0), 7);
		xf_ip(s, a->ip);
	}
	if (quoted && v6)
		xf_word(s, C8(']', '"', 0, 0, 0, 0, 0, 0), 2);
}

/* A loop callback of one step, so that the verifier walks it once. */
static long xf_build(__u32 n, void *ctx)
{
	struct xf_args *a = ctx;
	struct scan *s = scan_state();

	if (s == NULL)
		return 1;
	s->xf_len = 0;
	s->xf_quote = 0;
	if (!s->have_host || s->host_vlen > XF_HOST_MAX || a->form == XF_NONE)
		return 1;
	xf_word(s, C8('X', '-', 'F', 'o', 'r', 'w', 'a', 'r'), 8);
	xf_word(s, C8('d', 'e', 'd', '-', 'F', 'o', 'r', ':'), 8);
	xf_word(s, ' ', 1);
	xf_name(s, a, 0);
	xf_word(s, C8('\r', '\n', 'X', '-', 'F', 'o', 'r', 'w'), 8);
	xf_word(s, C8('a', 'r', 'd', 'e', 'd', '-', 'P', 'r'), 8);
	xf_word(s, C8('o', 't', 'o', ':', ' ', 'h', 't', 't'), 8);
	xf_word(s, C8('p', '\r', '\n', 'X', '-', 'F', 'o', 'r'), 8);
	xf_word(s, C8('w', 'a', 'r', 'd', 'e', 'd', '-', 'H'), 8);
	xf_word(s, C8('o', 's', 't', ':', ' ', 0, 0, 0), 5);
	xf_host();
	xf_word(s, C8('\r', '\n', 'F', 'o', 'r', 'w', 'a', 'r'), 8);
	xf_word(s, C8('d', 'e', 'd', ':', ' ', 'f', 'o', 'r'), 8);
	xf_word(s, '=', 1);
	xf_name(s, a, 1);
	/* host="..." only when the value cannot break out of the quotes. */
	if (!s->xf_quote && s->host_vlen > 0) {
		xf_word(s, C8(';', 'h', 'o', 's', 't', '=', '"', 0), 7);
		xf_host();
		xf_word(s, '"', 1);
	}
	xf_word(s, C8(';', 'p', 'r', 'o', 't', 'o', '=', 'h'), 8);
	xf_word(s, C8('t', 't', 'p', '\r', '\n', 0, 0, 0), 5);
	a->ok = s->xf_len <= XF_MAX;
	return 1;
}

/*
 * Insert the forwarding fields before the blank line that ends the head at
 * the start of msg. Global, so the verifier walks its copy loop once, not
 * once per path that reaches it.
 */
__noinline int xf_insert(struct sk_msg_md *msg)
{
	__u32 at, n, i;
	struct scan *s = scan_state();
	void *data, *end;

	if (msg == NULL || s == NULL)
		return -1;
	at = s->head_len - 2;
	n = s->xf_len;
	if (n == 0 || n > XF_MAX || s->head_len < 2)
		return -1;
	if (bpf_msg_push_data(msg, at, n, 0) < 0)
		return -1;
	if (bpf_msg_pull_data(msg, at, at + n, 0) < 0)
		goto undo;
	data = (void *)(long)msg->data;
	end = (void *)(long)msg->data_end;
	if (n < 8)
		goto undo;
	for (i = 0; i < XF_MAX / 8; i++) {
		if (i * 8 + 8 > n)
			break;
		if (data + i * 8 + 8 > end)
			goto undo;
		*(__u64 *)(data + i * 8) = *(__u64 *)&s->xf[i * 8];
	}
	/* The last word may overlap the one before: same bytes, no byte loop. */
	i = (n - 8) & (XF_MAX - 1);
	if (data + i + 8 > end)
		goto undo;
	*(__u64 *)(data + i) = *(__u64 *)&s->xf[i];
	return 0;
undo:
	/* Never let uninitialised room reach anyone. */
	bpf_msg_pop_data(msg, at, n, 0);
	return -1;
}

#endif /* ZS_XF_BPF_H */
