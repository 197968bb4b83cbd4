/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/* The sk_msg program's HTTP/1.1 head reader: a line per step (BPF only). */
#ifndef ZS_HEAD_BPF_H
#define ZS_HEAD_BPF_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "zs_abi.h"
#define ZS_PROGRAM_ABI_ONLY
#include "zeroserve/program.h"

/* Parser state lives in a per-CPU map value, not in registers: the loop
 * callback is then verified once, with no per-byte state to explore
 * (a 512-byte inlined scan hit the 1M-instruction limit: doc/kernel-facts.md,
 * "Measured"). */
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
	__u32 conn_off, conn_len; /* the Connection line: keep-alive or close */
	__u32 conn_close;	  /* its value is "close" */
	__u32 origin_off, origin_len;
	__u32 have_cl, have_host, have_origin, is_head, status, resp;
	__u32 method; /* enum zs_method */
	/* the fields a routing program asked for (zs.bpf.c, head_field):
	 * bit k of fld_have when field k was seen, its value's place */
	__u32 fld_have;
	__u32 fld_off[ZS_REQ_FIELDS], fld_len[ZS_REQ_FIELDS];
	__u32 fld_seen, fld_gen; /* zs_fields' gen when the head's first line was read */
	/* route search */
	__u32 best, best_len, best_host;
	/* a zs_allow lookup's key: map memory, not stack */
	struct zs_allow_key allow;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scan);
} zs_scan SEC(".maps");

enum hdr { H_OTHER, H_HOST, H_CL, H_CONN, H_ORIGIN, H_BAD };

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

/* Bytes in [lo, hi] (both below 0x80), exact for every byte. */
static __always_inline __u64 bytes_in(__u64 x, __u8 lo, __u8 hi)
{
	return bytes_below(x, hi + 1) & ~bytes_below(x, lo);
}

/*
 * A byte a field name cannot hold (RFC 9110 5.6.2 tchar): has_ctl's, and
 * the delimiters "(),/:;<=>?@[\]{}. userspace (src/frame.c) refuses such a
 * name with 400, so the kernel must not carry it.
 */
static __always_inline __u64 has_nontchar(__u64 x)
{
	return has_ctl(x) | bytes_eq(x, '"') | bytes_in(x, '(', ')') | bytes_eq(x, ',') |
	       bytes_eq(x, '/') | bytes_in(x, ':', '@') | bytes_in(x, '[', ']') | bytes_eq(x, '{') |
	       bytes_eq(x, '}');
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
	if (tok_is(s, 6, C8('o', 'r', 'i', 'g', 'i', 'n', 0, 0), 0, 0))
		return H_ORIGIN;
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
 * 24 bytes kept lower case in tok; 0 when it is not a token (userspace
 * answers 400 to such a name, so the kernel must not forward it). */
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
		if (k > 0 && has_nontchar(word_head(x, k)))
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
 * per step (a loop here has a state per digit count for the verifier). A
 * HTAB after the digits is refused by Debian's llhttp 8.1: not carried. */
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
	if (c == ' ' || (c == '\t' && !w->digits)) {
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

/*
 * Host's value in [v, e): where it is, and the name it routes by, as
 * router_host_normalize (src/router.c) has it: without the port and one
 * trailing '.'; compared in lower case by route_one. An IPv6 literal goes
 * up: its ':'s are not a port's.
 */
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
	/* More blanks than the loop trims: the value is not where it looks. */
	if (t.v < t.e && (blank_at(s, t.v) || blank_at(s, t.e - 1)))
		s->bad = 1;
	n = t.e > t.v ? t.e - t.v : 0;
	if (n > 0 && s->buf[t.v & (ZS_HEAD_MAX - 1)] == '[')
		s->bad = 2;
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
	/* "app.test." names "app.test". */
	if (s->host_len > 0 && s->buf[(t.v + s->host_len - 1) & (ZS_HEAD_MAX - 1)] == '.')
		s->host_len--;
	return 0;
}

/* Origin's value in [v, e), blanks trimmed as src/http.c trims them. Only
 * its bytes matter: client_msg looks them up whole in zs_allow. A second
 * Origin is the guard's to refuse. */
__noinline int head_origin(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct trim t = {.v = v, .e = e};

	if (s == NULL)
		return 0;
	if (s->have_origin)
		s->bad = 2;
	s->have_origin = 1;
	bpf_loop(XF_HOST_MAX, trim_byte, &t, 0);
	if (t.v < t.e && (blank_at(s, t.v) || blank_at(s, t.e - 1)))
		s->bad = 1;
	s->origin_off = t.v;
	s->origin_len = t.e > t.v ? t.e - t.v : 0;
	return 0;
}

/* Connection's value in [v, e): "keep-alive" says nothing the backend must
 * not see; "close" ends the client's connection after the answer, which the
 * kernel then says to the client itself (zs.bpf.c, close_answer). Userspace
 * drops the line from what the backend sees in both cases. */
__noinline int head_connection(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct trim t = {.v = v, .e = e};

	if (s == NULL)
		return 0;
	bpf_loop(32, trim_byte, &t, 0);
	if (t.e - t.v == 5 && (lower8(word_at(s->buf, t.v)) & 0xffffffffffULL) ==
				  C8('c', 'l', 'o', 's', 'e', 0, 0, 0)) {
		s->conn_close = 1;
		return 0;
	}
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
	if (first_bytes(x, 4) == C8('G', 'E', 'T', ' ', 0, 0, 0, 0)) {
		m = 3;
		s->method = ZS_METHOD_GET;
	} else if (first_bytes(x, 4) == C8('P', 'U', 'T', ' ', 0, 0, 0, 0)) {
		m = 3;
		s->method = ZS_METHOD_PUT;
	} else if (first_bytes(x, 5) == C8('P', 'O', 'S', 'T', ' ', 0, 0, 0)) {
		m = 4;
		s->method = ZS_METHOD_POST;
	} else if (first_bytes(x, 5) == C8('H', 'E', 'A', 'D', ' ', 0, 0, 0)) {
		m = 4;
		s->is_head = 1;
		s->method = ZS_METHOD_HEAD;
	} else if (first_bytes(x, 6) == C8('P', 'A', 'T', 'C', 'H', ' ', 0, 0)) {
		m = 5;
		s->method = ZS_METHOD_PATCH;
	} else if (first_bytes(x, 7) == C8('D', 'E', 'L', 'E', 'T', 'E', ' ', 0)) {
		m = 6;
		s->method = ZS_METHOD_DELETE;
	} else if (x == C8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ')) {
		m = 7;
		s->method = ZS_METHOD_OPTIONS;
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

/* A routing program is in zs_prog: the reader looks for the fields it
 * asked for, client_msg asks it (zeroserve-program.7). Set through the
 * skeleton before load. */
#ifndef ZS_TUNABLE
#define ZS_TUNABLE const volatile
#endif
ZS_TUNABLE __u32 program_on = 0;

/* Its fields (zs_abi.h), a map: a reload may bring others. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zs_fields);
} zs_fields SEC(".maps");

/* Where the first value of a field the program asked for is, when the
 * line's name (in tok) is one; blanks around it trimmed, as userspace
 * trims them (src/http.c). Names are unique (src/program.c). The names
 * must stay those of the head's first line: a reload that changes them
 * meanwhile sends the head up. */
__noinline int head_field(__u32 v, __u32 e)
{
	struct scan *s = scan_state();
	struct trim t = {.v = v, .e = e};
	struct zs_fields *f;
	__u32 k, zero = 0;

	f = bpf_map_lookup_elem(&zs_fields, &zero);
	if (s == NULL || f == NULL)
		return 0;
	if (!s->fld_seen) {
		s->fld_seen = 1;
		s->fld_gen = f->gen;
	} else if (s->fld_gen != f->gen) {
		s->bad = 1;
		return 0;
	}
	if (f->n == 0)
		return 0;
	for (k = 0; k < ZS_REQ_FIELDS; k++) {
		if (f->len[k] == 0 || (s->fld_have & (1u << k)) ||
		    !tok_is(s, f->len[k], f->tok[k][0], f->tok[k][1], f->tok[k][2]))
			continue;
		bpf_loop(XF_HOST_MAX, trim_byte, &t, 0);
		if (t.v < t.e && (blank_at(s, t.v) || blank_at(s, t.e - 1)))
			s->bad = 1;
		s->fld_have |= 1u << k;
		s->fld_off[k] = t.v;
		s->fld_len[k] = t.e > t.v ? t.e - t.v : 0;
		break;
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
		/* Where a close answer's Connection line is replaced; two
		 * such lines send the answer up. */
		if (tok_is(s, 10, C8('c', 'o', 'n', 'n', 'e', 'c', 't', 'i'),
			   C8('o', 'n', 0, 0, 0, 0, 0, 0), 0)) {
			if (s->conn_len)
				s->bad = 2;
			s->conn_off = i;
			s->conn_len = e + 2 - i;
		}
		return s->bad ? 1 : 0;
	}
	if (program_on)
		head_field(v, e);
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
	case H_ORIGIN:
		head_origin(v, e);
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

#endif /* ZS_HEAD_BPF_H */
