/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * zeroserve's kernel engine: sockops puts the client and backend ends of
 * proxied connections into a sockhash; sk_msg redirects each request from
 * the client's socket into the paired backend socket's receive queue, and
 * each response back into the client's, when it can prove the message's
 * bounds. Anything else is SK_PASS: it reaches zeroserve as plain TCP.
 * The ordering rules are in doc/architecture.md.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "zs_abi.h"

#define AF_INET 2

/* GPL-compatible: bpf_probe_read_kernel is GPL-only. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u32 nroutes = 0;
const volatile __u64 resp_max = 4 << 20;
const volatile __u64 req_max = 4 << 20;

/* Responses delivered whole, and the most a held head's message may carry:
 * 32 KiB fill at most 9 of a message's 17 slots even in 4 KiB pages, so the
 * kernel always honours the cork. */
#define CORK_MAX      (256 << 10)
#define CORK_HEAD_MAX (32 << 10)

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
 * start (DESIGN.md). */
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
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZS_C__MAX);
	__type(key, __u32);
	__type(value, __u64);
} zs_counters SEC(".maps");

/* Parser state lives in a per-CPU map value, not in registers: the loop
 * callback is then verified once, with no per-byte state to explore
 * (a 512-byte inlined scan hit the 1M-instruction limit, DESIGN.md). */
/* Room for the forwarding fields: two Host values of at most XF_HOST_MAX. */
#define XF_MAX	    512
#define XF_HOST_MAX 128

struct scan {
	/* 8 spare bytes: a word load at any offset below ZS_HEAD_MAX stays inside. */
	__u8 buf[ZS_HEAD_MAX + 8];
	/* the forwarding fields added to a kernel request (set by xf_build) */
	__u8 xf[XF_MAX + 8];
	__u32 xf_len;
	__u32 xf_quote; /* the Host value holds a '"' */
	/* from here on cleared for each head */
	__u64 tok[3];  /* first 24 bytes of the current token, lower case */
	__u64 cl;      /* Content-Length */
	__u32 len;     /* bytes in buf */
	__u32 pos;     /* the next line's first byte */
	__u32 started; /* the first line is read */
	__u32 toklen;
	__u32 bad;	/* 1: not understood; 2: understood, but userspace's */
	__u32 head_len; /* 0 until the blank line is seen */
	__u32 path_off, path_len;
	__u32 host_off, host_len; /* Host without its port */
	__u32 host_vlen;	  /* the whole Host value */
	__u32 conn_off, conn_len; /* the "Connection: keep-alive" line */
	__u32 have_cl, have_host, is_head, status, resp;
	/* route search */
	__u32 best, best_len, best_host;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scan);
} zs_scan SEC(".maps");

enum hdr { H_OTHER, H_HOST, H_CL, H_CONN, H_BAD };

#define C8(a, b, c, d, e, f, g, h)                                                                 \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 | (__u64)(e) << 32 |   \
	 (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)

/* Word-at-a-time byte tests (all exact for "is there such a byte"). */
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define LOW7  0x7f7f7f7f7f7f7f7fULL

static __always_inline __u64 has_zero(__u64 x)
{
	return (x - ONES) & ~x & HIGHS;
}

static __always_inline __u64 has_byte(__u64 x, __u8 c)
{
	return has_zero(x ^ (ONES * c));
}

/* Bytes below n (1..0x80), exact for every byte: no carry crosses bytes. */
static __always_inline __u64 bytes_below(__u64 x, __u8 n)
{
	return ~((x & LOW7) + ONES * (0x80 - n)) & ~x & HIGHS;
}

/* Bytes equal to c, exact for every byte. */
static __always_inline __u64 bytes_eq(__u64 x, __u8 c)
{
	__u64 y = x ^ (ONES * c);

	return ~(((y & LOW7) + LOW7) | y) & HIGHS;
}

/* A byte that cannot be in a token or a request target: <= ' ' or >= 0x7f. */
static __always_inline __u64 has_ctl(__u64 x)
{
	return ((x - ONES * 0x21) & ~x & HIGHS) | (((x + ONES) | x) & HIGHS);
}

/* Lower-case ASCII letters of x, every other byte unchanged (as lower()). */
static __always_inline __u64 lower8(__u64 x)
{
	__u64 y = x & LOW7;
	__u64 ge_a = y + ONES * (0x80 - 'A');
	__u64 gt_z = y + ONES * (0x80 - 'Z' - 1);
	__u64 letters = ge_a & ~gt_z & ~x & HIGHS;

	return x | (letters >> 2);
}

/* The 8 bytes at p; the caller keeps p + 8 within the bytes read. */
static __always_inline __u64 word_at(const __u8 *buf, __u32 p)
{
	return *(const __u64 *)&buf[p & (ZS_HEAD_MAX - 1)];
}

static __always_inline void count(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&zs_counters, &idx);

	if (v)
		*v += n;
}

static __always_inline void tok_reset(struct scan *s)
{
	s->tok[0] = 0;
	s->tok[1] = 0;
	s->tok[2] = 0;
	s->toklen = 0;
}

/* Names are compared whole: a look-alike such as "Content-Lengtx" must not
 * frame a body. */
static __always_inline int tok_is(const struct scan *s, __u32 len, __u64 a, __u64 b, __u64 c)
{
	return s->toklen == len && s->tok[0] == a && s->tok[1] == b && s->tok[2] == c;
}

static __always_inline int is_transfer_encoding(const struct scan *s)
{
	return tok_is(s, 17, C8('t', 'r', 'a', 'n', 's', 'f', 'e', 'r'),
		      C8('-', 'e', 'n', 'c', 'o', 'd', 'i', 'n'), C8('g', 0, 0, 0, 0, 0, 0, 0));
}

static __always_inline int is_content_length(const struct scan *s)
{
	return tok_is(s, 14, C8('c', 'o', 'n', 't', 'e', 'n', 't', '-'),
		      C8('l', 'e', 'n', 'g', 't', 'h', 0, 0), 0);
}

/* What a request's header field means to the kernel. */
static __always_inline __u32 classify(const struct scan *s)
{
	if (is_transfer_encoding(s) || tok_is(s, 2, C8('t', 'e', 0, 0, 0, 0, 0, 0), 0, 0) ||
	    tok_is(s, 6, C8('e', 'x', 'p', 'e', 'c', 't', 0, 0), 0, 0) ||
	    tok_is(s, 7, C8('u', 'p', 'g', 'r', 'a', 'd', 'e', 0), 0, 0) ||
	    tok_is(s, 10, C8('k', 'e', 'e', 'p', '-', 'a', 'l', 'i'),
		   C8('v', 'e', 0, 0, 0, 0, 0, 0), 0) ||
	    tok_is(s, 16, C8('p', 'r', 'o', 'x', 'y', '-', 'c', 'o'),
		   C8('n', 'n', 'e', 'c', 't', 'i', 'o', 'n'), 0))
		return H_BAD;
	/* A client's own forwarding fields: userspace merges them into ours. */
	if (tok_is(s, 9, C8('f', 'o', 'r', 'w', 'a', 'r', 'd', 'e'), C8('d', 0, 0, 0, 0, 0, 0, 0),
		   0) ||
	    tok_is(s, 15, C8('x', '-', 'f', 'o', 'r', 'w', 'a', 'r'),
		   C8('d', 'e', 'd', '-', 'f', 'o', 'r', 0), 0) ||
	    tok_is(s, 16, C8('x', '-', 'f', 'o', 'r', 'w', 'a', 'r'),
		   C8('d', 'e', 'd', '-', 'h', 'o', 's', 't'), 0) ||
	    tok_is(s, 17, C8('x', '-', 'f', 'o', 'r', 'w', 'a', 'r'),
		   C8('d', 'e', 'd', '-', 'p', 'r', 'o', 't'), C8('o', 0, 0, 0, 0, 0, 0, 0)))
		return H_BAD;
	if (tok_is(s, 4, C8('h', 'o', 's', 't', 0, 0, 0, 0), 0, 0))
		return H_HOST;
	if (tok_is(s, 10, C8('c', 'o', 'n', 'n', 'e', 'c', 't', 'i'),
		   C8('o', 'n', 0, 0, 0, 0, 0, 0), 0))
		return H_CONN;
	if (is_content_length(s))
		return H_CL;
	return H_OTHER;
}

/* Index of the lowest byte a has_*() mask flags (exact for the lowest). */
static __always_inline __u32 first_flag(__u64 m)
{
	return (__u32)((((m & -m) >> 7) * 0x0001020304050607ULL) >> 56);
}

/* The k (1..8) first bytes of x, the others made a harmless 'A'. */
static __always_inline __u64 word_head(__u64 x, __u32 k)
{
	__u64 keep = k >= 8 ? ~0ULL : (1ULL << (8 * k)) - 1;

	return (x & keep) | (ONES * 'A' & ~keep);
}

/*
 * Heads are read a line per bpf_loop step, each line crossed a word at a
 * time: find its CR, take the field name up to the ':', and read only the
 * values that matter (Host, Content-Length, Connection; for a response
 * only its framing, since it goes to the client as the backend wrote it).
 * A byte per step cost ten times as much. The steps below are global
 * functions or loop callbacks: the verifier checks each once, where inlined
 * loops would be walked once per way out of the loop before them (it gave
 * up at 1M instructions).
 */
#define NOWHERE ZS_HEAD_MAX

static __always_inline struct scan *scan_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&zs_scan, &zero);
}

/*
 * The CR that ends the line starting at i, or NOWHERE. A control byte
 * before it (a bare LF, a NUL, anything below 0x20 but HTAB, or DEL) makes
 * the head s->bad: a bare LF ends a line for some readers, and userspace
 * refuses the others, so the kernel must not pass them on.
 */
__noinline __u32 head_find_cr(__u32 i)
{
	struct scan *s = scan_state();
	__u32 j, p, k;
	__u64 x, m;

	if (s == NULL)
		return NOWHERE;
	for (j = 0; j < ZS_HEAD_MAX / 8; j++) {
		p = i + 8 * j;
		if (p >= s->len)
			return NOWHERE;
		x = word_at(s->buf, p);
		m = (bytes_below(x, 0x20) | bytes_eq(x, 0x7f)) & ~bytes_eq(x, '\t');
		if (!m)
			continue;
		k = p + first_flag(m);
		if (k >= s->len)
			return NOWHERE;
		if (s->buf[k & (ZS_HEAD_MAX - 1)] != '\r') {
			s->bad = 1;
			return NOWHERE;
		}
		return k;
	}
	return NOWHERE;
}

/* The field name of the line [i, e): its length up to the ':', its first
 * 24 bytes kept lower case in tok; 0 when it is not a token. */
__noinline __u32 head_name(__u32 i, __u32 e)
{
	struct scan *s = scan_state();
	__u32 j, p, k;
	__u64 x, m;

	if (s == NULL)
		return 0;
	tok_reset(s);
	for (j = 0; j < 8; j++) {
		p = i + 8 * j;
		if (p >= e)
			return 0;
		x = word_at(s->buf, p);
		m = has_byte(x, ':');
		k = m ? first_flag(m) : 8;
		if (p + k > e)
			return 0;
		if (k > 0 && has_ctl(word_head(x, k)))
			return 0;
		if (j < 3)
			s->tok[j] = lower8(x) & (k >= 8 ? ~0ULL : (1ULL << (8 * k)) - 1);
		if (k < 8) {
			s->toklen = 8 * j + k;
			return s->toklen;
		}
	}
	return 0;
}

/* Blanks (SP, HTAB) around a value: is byte p one? */
static __always_inline int blank_at(const struct scan *s, __u32 p)
{
	__u8 c = s->buf[p & (ZS_HEAD_MAX - 1)];

	return c == ' ' || c == '\t';
}

struct trim {
	__u32 v, e;
};

static long trim_byte(__u32 n, void *ctx)
{
	struct trim *t = ctx;
	struct scan *s = scan_state();
	int moved = 0;

	if (s == NULL || t->v >= t->e)
		return 1;
	if (blank_at(s, t->v)) {
		t->v++;
		moved = 1;
	}
	if (t->e > t->v && blank_at(s, t->e - 1)) {
		t->e--;
		moved = 1;
	}
	return !moved;
}

/* Content-Length's value in [v, e): digits between optional blanks, a byte
 * per step (a loop here has a state per digit count for the verifier). */
struct cl_walk {
	__u64 cl;
	__u32 p, e, digits, after, bad;
};

static long cl_byte(__u32 n, void *ctx)
{
	struct cl_walk *w = ctx;
	struct scan *s = scan_state();
	__u8 c;

	if (s == NULL || w->p >= w->e)
		return 1;
	c = s->buf[w->p & (ZS_HEAD_MAX - 1)];
	w->p++;
	if (c == ' ' || c == '\t') {
		if (w->digits)
			w->after = 1;
		return 0;
	}
	if (c < '0' || c > '9' || w->after || w->digits >= 15) {
		w->bad = 1;
		return 1;
	}
	w->cl = w->cl * 10 + (c - '0');
	w->digits++;
	return 0;
}

__noinline int head_length(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct cl_walk w = {.p = v, .e = e};

	if (s == NULL)
		return 0;
	bpf_loop(32, cl_byte, &w, 0);
	if (s->have_cl || w.bad || w.digits == 0 || w.p < w.e)
		s->bad = 1;
	s->have_cl = 1;
	s->cl = w.cl;
	return 0;
}

/* Host's value in [v, e): where it is, and its length without the port. */
__noinline int head_host(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct trim t = {.v = v, .e = e};
	__u32 j, p, k, n;
	__u64 m;

	if (s == NULL)
		return 0;
	if (s->have_host)
		s->bad = 1;
	s->have_host = 1;
	bpf_loop(XF_HOST_MAX, trim_byte, &t, 0);
	n = t.e > t.v ? t.e - t.v : 0;
	s->host_off = t.v;
	s->host_vlen = n;
	s->host_len = n;
	for (j = 0; j < XF_HOST_MAX / 8; j++) {
		p = 8 * j;
		if (p >= n)
			break;
		m = has_byte(word_at(s->buf, t.v + p), ':');
		if (!m)
			continue;
		k = p + first_flag(m);
		if (k < n)
			s->host_len = k;
		break;
	}
	return 0;
}

/* Connection's value in [v, e): only "keep-alive" says nothing the backend
 * must not see. */
__noinline int head_connection(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct trim t = {.v = v, .e = e};

	if (s == NULL)
		return 0;
	bpf_loop(32, trim_byte, &t, 0);
	if (t.e - t.v != 10 ||
	    lower8(word_at(s->buf, t.v)) != C8('k', 'e', 'e', 'p', '-', 'a', 'l', 'i') ||
	    (lower8(word_at(s->buf, t.v + 8)) & 0xffff) != C8('v', 'e', 0, 0, 0, 0, 0, 0))
		s->bad = 1;
	return 0;
}

/* The request target [p, p + n): no byte a target cannot hold. */
__noinline int head_target(__u32 p, __u32 n)
{
	struct scan *s = scan_state();
	__u32 j, k;

	if (s == NULL)
		return 0;
	for (j = 0; j < ZS_HEAD_MAX / 8; j++) {
		if (8 * j >= n)
			return 1;
		k = n - 8 * j;
		if (has_ctl(word_head(word_at(s->buf, p + 8 * j), k > 8 ? 8 : k)))
			return 0;
	}
	return 0;
}

/* The first n (<= 8) bytes of a word. */
static __always_inline __u64 first_bytes(__u64 x, __u32 n)
{
	return n >= 8 ? x : x & ((1ULL << (8 * n)) - 1);
}

/* A request line [i, e): "METHOD target HTTP/1.1". */
static __always_inline int request_line(struct scan *s, __u32 i, __u32 e)
{
	__u64 x = word_at(s->buf, i);
	__u32 m;

	if (e < i + 14)
		return -1;
	if (first_bytes(x, 4) == C8('G', 'E', 'T', ' ', 0, 0, 0, 0) ||
	    first_bytes(x, 4) == C8('P', 'U', 'T', ' ', 0, 0, 0, 0)) {
		m = 3;
	} else if (first_bytes(x, 5) == C8('P', 'O', 'S', 'T', ' ', 0, 0, 0)) {
		m = 4;
	} else if (first_bytes(x, 5) == C8('H', 'E', 'A', 'D', ' ', 0, 0, 0)) {
		m = 4;
		s->is_head = 1;
	} else if (first_bytes(x, 6) == C8('P', 'A', 'T', 'C', 'H', ' ', 0, 0)) {
		m = 5;
	} else if (first_bytes(x, 7) == C8('D', 'E', 'L', 'E', 'T', 'E', ' ', 0)) {
		m = 6;
	} else if (x == C8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ')) {
		m = 7;
	} else {
		return -1;
	}
	if (word_at(s->buf, e - 8) != C8('H', 'T', 'T', 'P', '/', '1', '.', '1') ||
	    s->buf[(e - 9) & (ZS_HEAD_MAX - 1)] != ' ')
		return -1;
	s->path_off = i + m + 1;
	if (e - 9 <= s->path_off)
		return -1;
	s->path_len = e - 9 - s->path_off;
	return head_target(s->path_off, s->path_len) ? 0 : -1;
}

/* A status line [i, e): "HTTP/1.1 ddd", then a space and a reason, or its end. */
static __always_inline int status_line(struct scan *s, __u32 i, __u32 e)
{
	__u32 k;

	if (e < i + 12 || (e > i + 12 && s->buf[(i + 12) & (ZS_HEAD_MAX - 1)] != ' '))
		return -1;
	if (word_at(s->buf, i) != C8('H', 'T', 'T', 'P', '/', '1', '.', '1') ||
	    s->buf[(i + 8) & (ZS_HEAD_MAX - 1)] != ' ')
		return -1;
	for (k = 9; k < 12; k++) {
		__u8 c = s->buf[(i + k) & (ZS_HEAD_MAX - 1)];

		if (c < '0' || c > '9')
			return -1;
		s->status = s->status * 10 + (c - '0');
	}
	return 0;
}

/* One line of a head; 1 stops the loop. */
static long head_line(__u32 n, void *ctx)
{
	struct scan *s = scan_state();
	__u32 i, e, k, v;

	if (s == NULL)
		return 1;
	i = s->pos;
	if (i >= s->len || i >= ZS_HEAD_MAX)
		return 1;
	e = head_find_cr(i);
	if (e >= s->len || e + 1 >= s->len)
		return 1; /* not all there (or s->bad) */
	if (s->buf[(e + 1) & (ZS_HEAD_MAX - 1)] != '\n')
		goto bad;
	s->pos = e + 2;
	if (!s->started) {
		s->started = 1;
		if ((s->resp ? status_line(s, i, e) : request_line(s, i, e)) < 0)
			goto bad;
		return 0;
	}
	if (e == i) {
		s->head_len = e + 2;
		return 1;
	}
	k = head_name(i, e);
	if (k == 0)
		goto bad;
	v = i + k + 1;
	if (s->resp) {
		/* Only the framing: chunked is userspace's. */
		if (is_transfer_encoding(s)) {
			s->bad = 2;
			return 1;
		}
		if (is_content_length(s))
			head_length(v, e);
		return s->bad ? 1 : 0;
	}
	switch (classify(s)) {
	case H_BAD:
		s->bad = 2; /* understood, but userspace's to handle */
		return 1;
	case H_HOST:
		head_host(v, e);
		break;
	case H_CL:
		head_length(v, e);
		break;
	case H_CONN:
		/* Hop-by-hop: dropped from what the backend sees, as userspace
		 * does; one such line is enough to say it. */
		if (s->conn_len)
			s->bad = 2;
		s->conn_off = i;
		s->conn_len = e + 2 - i;
		head_connection(v, e);
		break;
	}
	return s->bad ? 1 : 0;
bad:
	s->bad = 1;
	return 1;
}

/* Copy the first bytes of msg into the scan buffer and parse a head. */
static __always_inline struct scan *scan_head(struct sk_msg_md *msg, int resp)
{
	struct scan *s = scan_state();
	__u64 len = msg->size;
	void *data, *end;

	if (s == NULL)
		return NULL;
	if (len > ZS_HEAD_MAX)
		len = ZS_HEAD_MAX;
	if (len == 0 || bpf_msg_pull_data(msg, 0, (__u32)len, 0) < 0)
		return NULL;
	data = msg->data;
	end = msg->data_end;
	if (data + len > end)
		len = (__u64)(end - data);
	/* 64-bit length, checked right before use: the verifier needs both bounds. */
	if (len == 0 || len > ZS_HEAD_MAX || bpf_probe_read_kernel(s->buf, len, data) < 0)
		return NULL;
	__builtin_memset(&s->tok, 0, sizeof(*s) - __builtin_offsetof(struct scan, tok));
	s->len = len;
	s->resp = resp;
	bpf_loop(ZS_HEAD_MAX / 2, head_line, NULL, 0);
	return s;
}

/* Route r against the parsed request: the router's rules (router.h).
 * Host and prefix are compared a word at a time; the route's bytes are
 * zero-padded, and a request's bytes past the length are masked off. */
static long route_one(__u32 r, void *ctx)
{
	__u32 zero = 0, j, match_host, off;
	struct scan *s = bpf_map_lookup_elem(&zs_scan, &zero);
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
	/* Host routes first, then the longest prefix. */
	if (s->best == (__u32)-1 || (match_host && !s->best_host) ||
	    (match_host == s->best_host && plen > s->best_len)) {
		s->best = r;
		s->best_len = plen;
		s->best_host = match_host;
	}
	return 0;
}

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

struct xf_args {
	__u32 ip;
	__u32 ok;
};

/* A loop callback of one step, so that the verifier walks it once. */
static long xf_build(__u32 n, void *ctx)
{
	struct xf_args *a = ctx;
	__u32 zero = 0, ip = a->ip;
	struct scan *s = bpf_map_lookup_elem(&zs_scan, &zero);

	if (s == NULL)
		return 1;
	s->xf_len = 0;
	s->xf_quote = 0;
	if (!s->have_host || s->host_vlen > XF_HOST_MAX)
		return 1;
	xf_word(s, C8('X', '-', 'F', 'o', 'r', 'w', 'a', 'r'), 8);
	xf_word(s, C8('d', 'e', 'd', '-', 'F', 'o', 'r', ':'), 8);
	xf_word(s, ' ', 1);
	xf_ip(s, ip);
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
	xf_ip(s, ip);
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
	__u32 zero = 0, at, n, i;
	struct scan *s = bpf_map_lookup_elem(&zs_scan, &zero);
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

/*
 * CO-RE views of the kernel's client socket: libbpf fits the offsets to the
 * running kernel's BTF. Only what the unread check below reads.
 */
struct tcp_sock___zs {
	__u64 bytes_received;
	__u32 rcv_nxt;
	__u32 copied_seq;
} __attribute__((preserve_access_index));

struct sock___zs {
	void *sk_user_data;
} __attribute__((preserve_access_index));

struct sk_psock___zs {
	__u32 msg_tot_len;
} __attribute__((preserve_access_index));

/* sk_user_data carries flag bits below the psock pointer (net/sock.h). */
#define SK_USER_DATA_PSOCK   4UL
#define SK_USER_DATA_PTRMASK (~7UL)

/*
 * May the kernel take a request on C, given what C has not read yet?
 * Everything userspace sent C over TCP (ctl->out, its answers so far
 * included) must have been read: a reader takes the sockmap queue before
 * the TCP one, so a kernel answer now would overtake what is left. And what
 * the kernel queued (each response at most resp_max) must stay bounded: a
 * client that asks and never reads gets its answers from userspace, over
 * TCP with its flow control (pitfall 5).
 */
static __always_inline int client_caught_up(struct sk_msg_md *msg, const struct zs_ctl *ctl)
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
	if (read < ctl->out)
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

static __always_inline int pass_up(struct zs_conn *c, __u32 size, __u32 why)
{
	c->mode = ZS_MODE_USER;
	c->passed += size;
	count(why, 1);
	return SK_PASS;
}

static __always_inline int client_msg(struct sk_msg_md *msg, struct zs_sock_key *key,
				      struct zs_conn *c)
{
	struct zs_ctl *ctl = bpf_map_lookup_elem(&zs_ctl, key);
	struct xf_args xf;
	__u32 size = msg->size, n;
	struct zs_route *rt;
	struct scan *s;
	__u64 total;

	if (ctl == NULL || !ctl->paired)
		return pass_up(c, size, ZS_C_PASS_UNPAIRED);
	if (c->mode == ZS_MODE_KERNEL && c->req_left > 0) {
		/* More body of the request the kernel took. */
		n = size;
		if (n > c->req_left) {
			n = c->req_left;
			bpf_msg_apply_bytes(msg, n);
		}
		if (bpf_msg_redirect_hash(msg, &zs_socks, &ctl->backend, BPF_F_INGRESS) !=
		    SK_PASS) {
			/* Half a body cannot go up: the connection is lost either way. */
			count(ZS_C_REDIRECT_FAIL, 1);
			return SK_DROP;
		}
		c->req_left -= n;
		count(ZS_C_BYTES_UP, n);
		return SK_PASS;
	}
	/* A request boundary. Back from userspace only once it is all caught up. */
	if (c->mode == ZS_MODE_USER && (ctl->done != c->passed || c->foreign != ctl->foreign_done))
		return pass_up(c, size, ZS_C_PASS_USER);
	if (c->inflight || !client_caught_up(msg, ctl))
		return pass_up(c, size, ZS_C_PASS_USER);
	s = scan_head(msg, 0);
	if (s != NULL && s->bad == 2)
		return pass_up(c, size, ZS_C_PASS_FEATURE);
	if (s == NULL || s->bad || s->head_len == 0)
		return pass_up(c, size, ZS_C_PASS_HEAD);
	if (s->cl > req_max)
		return pass_up(c, size, ZS_C_PASS_FEATURE);
	/* HTTP/1.1 without Host is a 400 from userspace. */
	if (!s->have_host)
		return pass_up(c, size, ZS_C_PASS_HEAD);
	s->best = (__u32)-1;
	s->best_len = 0;
	s->best_host = 0;
	bpf_loop(ZS_MAX_ROUTES, route_one, NULL, 0);
	if (s->best != ctl->route)
		return pass_up(c, size, ZS_C_PASS_ROUTE);
	rt = bpf_map_lookup_elem(&zs_routes, &s->best);
	if (rt == NULL || !rt->kernel)
		return pass_up(c, size, ZS_C_PASS_ROUTE);

	total = s->head_len + s->cl;
	/* More than one request in this sendmsg (pipelining): a verdict split
	 * with bpf_msg_apply_bytes delivered the passed part twice on 6.18, so
	 * the whole message goes up. */
	if (size > total)
		return pass_up(c, size, ZS_C_PASS_FEATURE);
	xf.ip = msg->local_ip4;
	xf.ok = 0;
	bpf_loop(1, xf_build, &xf, 0);
	if (!xf.ok || xf_insert(msg) < 0)
		return pass_up(c, size, ZS_C_PASS_HEAD);
	/* Before the fields just inserted, so its place has not moved. Should
	 * it fail, the request is still right: keep-alive is HTTP/1.1's way. */
	if (s->conn_len)
		bpf_msg_pop_data(msg, s->conn_off, s->conn_len, 0);
	if (bpf_msg_redirect_hash(msg, &zs_socks, &ctl->backend, BPF_F_INGRESS) != SK_PASS) {
		/* Backend socket gone: the bytes take TCP to zeroserve (pitfall 7). */
		count(ZS_C_REDIRECT_FAIL, 1);
		return pass_up(c, size, ZS_C_PASS_UNPAIRED);
	}
	c->mode = ZS_MODE_KERNEL;
	c->req_left = size >= total ? 0 : total - size;
	c->inflight = 1;
	c->kreqs++;
	c->head_req = s->is_head;
	c->resp_left = 0;
	c->corked = 0;
	count(ZS_C_REQ_KERNEL, 1);
	count(ZS_C_BYTES_UP, size < total ? size : total);
	return SK_PASS;
}

static __always_inline int backend_msg(struct sk_msg_md *msg, struct zs_peer *p)
{
	struct zs_conn *c = bpf_map_lookup_elem(&zs_conns, &p->client);
	__u32 size = msg->size;
	struct scan *s;
	__u64 body, total, n;

	if (c == NULL)
		return SK_PASS;
	if (c->resp_left == 0) {
		/* Bytes with no kernel request waiting are not ours to move. */
		if (!c->inflight)
			return SK_PASS;
		if (c->corked) {
			/* The program runs again on what the cork held: that
			 * response, from its head. */
			total = c->corked;
			c->corked = 0;
			goto deliver;
		}
		s = scan_head(msg, 1);
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
		 * relays it with its own backpressure (pitfall 5). */
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
		/*
		 * A head written apart from its body (nginx: writev, then
		 * sendfile) is held until the body is there too, so the client
		 * is woken once per response. Only small heads are held: the
		 * kernel corks only while the message has room for them
		 * (tcp_bpf_send_verdict), and a large body must stream.
		 */
		if (size < total && size <= CORK_HEAD_MAX && total <= CORK_MAX) {
			c->corked = (__u32)total;
			bpf_msg_cork_bytes(msg, (__u32)total);
			return SK_PASS;
		}
	deliver:
		n = size < total ? size : total;
		if (size > total)
			bpf_msg_apply_bytes(msg, total);
		if (bpf_msg_redirect_hash(msg, &zs_socks, &p->client, BPF_F_INGRESS) != SK_PASS) {
			count(ZS_C_REDIRECT_FAIL, 1);
			return SK_PASS;
		}
		c->resp_left = total - n;
		if (c->resp_left == 0)
			c->inflight = 0;
		count(ZS_C_RESP_KERNEL, 1);
		count(ZS_C_BYTES_DOWN, n);
		return SK_PASS;
	}
	n = size;
	if (n > c->resp_left) {
		n = c->resp_left;
		bpf_msg_apply_bytes(msg, n);
	}
	if (bpf_msg_redirect_hash(msg, &zs_socks, &p->client, BPF_F_INGRESS) != SK_PASS) {
		count(ZS_C_REDIRECT_FAIL, 1);
		return SK_DROP;
	}
	c->resp_left -= n;
	if (c->resp_left == 0)
		c->inflight = 0;
	count(ZS_C_BYTES_DOWN, n);
	return SK_PASS;
}

SEC("sk_msg")
int zs_msg(struct sk_msg_md *msg)
{
	struct zs_sock_key key = {};
	struct zs_conn *c;
	struct zs_peer *p;

	if (msg->family != AF_INET)
		return SK_PASS;
	key.local_ip = msg->local_ip4;
	key.remote_ip = msg->remote_ip4;
	key.local_port = (__u16)msg->local_port;
	key.remote_port = (__u16)bpf_ntohl(msg->remote_port);
	c = bpf_map_lookup_elem(&zs_conns, &key);
	if (c != NULL)
		return client_msg(msg, &key, c);
	p = bpf_map_lookup_elem(&zs_peers, &key);
	if (p != NULL)
		return backend_msg(msg, p);
	return SK_PASS;
}

SEC("sockops")
int zs_sockops(struct bpf_sock_ops *skops)
{
	struct zs_sock_key key = {};
	struct zs_conn fresh = {};
	__u16 lport, rport;
	__u32 *role, expect;

	if (skops->family != AF_INET)
		return 1;
	lport = (__u16)skops->local_port;
	rport = (__u16)bpf_ntohl(skops->remote_port);
	key.local_ip = skops->local_ip4;
	key.remote_ip = skops->remote_ip4;
	key.local_port = lport;
	key.remote_port = rport;
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		/* A client's socket C: it connected to a zeroserve listen port. */
		role = bpf_map_lookup_elem(&zs_ports, &rport);
		if (role == NULL || !(*role & ZS_PORT_LISTEN))
			return 1;
		/* Before C can send a byte, so every byte is counted. */
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
		/* Sockhash entries go with the socket; ours must go too. */
		if (skops->args[1] == BPF_TCP_CLOSE)
			bpf_map_delete_elem(&zs_conns, &key);
		break;
	}
	return 1;
}
