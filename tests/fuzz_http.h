/* SPDX-License-Identifier: MIT */
/*
 * What the request and response fuzzers share: the input's control bytes,
 * the split of the stream into pieces, a transcript of what the parser saw,
 * and checks of a parsed head against itself and against its rebuilt copy.
 *
 * Input: two control bytes, then the bytes of one connection.
 *   ctl[0]: how the stream is split (seed and piece size)
 *   ctl[1]: the target's options
 * The stream is parsed three ways, as session.c parses a connection (feed,
 * drain what was consumed, reset after each message):
 *   FEED_WHOLE   every byte in the evbuffer at once
 *   FEED_PIECES  pieces added one at a time, fed after each
 *   FEED_CHAINS  each piece its own evbuffer chain (more than the 16 vectors
 *                http_msg_feed_at peeks at once), fed at the end
 * and the three transcripts must be equal: what zeroserve makes of a
 * connection may not depend on how its bytes arrived.
 */
#ifndef ZS_FUZZ_HTTP_H
#define ZS_FUZZ_HTTP_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "http.h"

enum feed_mode { FEED_WHOLE, FEED_PIECES, FEED_CHAINS, FEED_MODES };

/* The pieces: xorshift32 from the control byte, so a crash replays exactly. */
struct split {
	uint32_t state;
	size_t max;
};

static inline void split_init(struct split *sp, uint8_t ctl)
{
	static const size_t max[4] = {1, 7, 64, 1024};

	sp->state = 0x9e3779b9u ^ ((uint32_t)ctl * 0x01000193u);
	sp->max = max[ctl & 3];
}

static inline size_t split_next(struct split *sp, size_t left)
{
	size_t n;

	sp->state ^= sp->state << 13;
	sp->state ^= sp->state >> 17;
	sp->state ^= sp->state << 5;
	n = 1 + sp->state % sp->max;
	return n < left ? n : left;
}

static inline void ts_printf(struct evbuffer *ts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void ts_printf(struct evbuffer *ts, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	FUZZ_ASSERT(evbuffer_add_vprintf(ts, fmt, ap) >= 0);
	va_end(ap);
}

/* Bytes into the transcript, with their length so that no two lists look alike. */
static inline void ts_bytes(struct evbuffer *ts, const char *p, size_t n)
{
	ts_printf(ts, "%zu:", n);
	FUZZ_ASSERT(n == 0 || evbuffer_add(ts, p, n) == 0);
}

/* A span of a head; an empty head has no buffer yet. */
static inline const char *hspan(const struct http_head *h, uint32_t off)
{
	return h->buf != NULL ? h->buf + off : "";
}

static inline int ts_equal(struct evbuffer *a, struct evbuffer *b)
{
	size_t n = evbuffer_get_length(a);

	if (n != evbuffer_get_length(b))
		return 0;
	return n == 0 || memcmp(evbuffer_pullup(a, -1), evbuffer_pullup(b, -1), n) == 0;
}

/* RFC 9110 tchar */
static inline int fuzz_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * A head is self-consistent: every span inside the buffer, names are
 * tokens, no line break inside a target, reason, name or value (a head
 * built from it would carry it to the next hop as a line of its own).
 */
static inline void head_check(const struct http_msg *m)
{
	const struct http_head *h = &m->head;
	unsigned int i;
	uint32_t j;

	FUZZ_ASSERT(m->head_done);
	FUZZ_ASSERT(h->len <= h->cap || h->len == 0);
	FUZZ_ASSERT(h->len <= HTTP_MAX_HEAD);
	FUZZ_ASSERT(h->nfields <= HTTP_MAX_FIELDS);
	FUZZ_ASSERT((size_t)h->url_off + h->url_len <= h->len);
	for (j = 0; j < h->url_len; j++)
		FUZZ_ASSERT(h->buf[h->url_off + j] != '\r' && h->buf[h->url_off + j] != '\n');
	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		FUZZ_ASSERT((size_t)f->name_off + f->name_len <= h->len);
		FUZZ_ASSERT((size_t)f->value_off + f->value_len <= h->len);
		FUZZ_ASSERT(f->name_len > 0);
		for (j = 0; j < f->name_len; j++)
			FUZZ_ASSERT(fuzz_tchar((unsigned char)h->buf[f->name_off + j]));
		for (j = 0; j < f->value_len; j++)
			FUZZ_ASSERT(h->buf[f->value_off + j] != '\r' &&
				    h->buf[f->value_off + j] != '\n');
	}
}

/* The head as the transcript records it. */
static inline void ts_head(struct evbuffer *ts, const struct http_msg *m)
{
	const struct http_head *h = &m->head;
	const llhttp_t *p = &m->parser;
	unsigned int i;

	ts_printf(ts, "H %d %d %d.%d flags=%x cl=%llu eof=%d ka=%d up=%d ", p->method,
		  p->status_code, p->http_major, p->http_minor, (unsigned int)p->flags,
		  (unsigned long long)p->content_length, http_msg_needs_eof(m),
		  http_msg_keep_alive(m), p->upgrade);
	ts_bytes(ts, hspan(h, h->url_off), h->url_len);
	for (i = 0; i < h->nfields; i++) {
		ts_printf(ts, " %u", h->fields[i].kind);
		ts_bytes(ts, hspan(h, h->fields[i].name_off), h->fields[i].name_len);
		ts_bytes(ts, hspan(h, h->fields[i].value_off), h->fields[i].value_len);
	}
	ts_printf(ts, " conn_names=%d\n", h->conn_names);
}

static inline int field_eq(const struct http_head *a, const struct http_field *fa,
			   const struct http_head *b, const struct http_field *fb)
{
	return fa->name_len == fb->name_len && fa->value_len == fb->value_len &&
	       strncasecmp(a->buf + fa->name_off, b->buf + fb->name_off, fa->name_len) == 0 &&
	       memcmp(a->buf + fa->value_off, b->buf + fb->value_off, fa->value_len) == 0;
}

/*
 * The fields of the rebuilt head b that come from a (not of a kind in
 * added) are a's fields, in a's order, with none invented on the way.
 * Returns how many of them there are.
 */
static inline unsigned int fields_subsequence(const struct http_head *a, const struct http_head *b,
					      const int *added, size_t nadded)
{
	unsigned int i, j = 0, n = 0;
	size_t k;

	for (i = 0; i < b->nfields; i++) {
		const struct http_field *fb = &b->fields[i];
		int skip = 0;

		for (k = 0; k < nadded; k++)
			skip |= fb->kind == (uint32_t)added[k];
		if (skip)
			continue;
		while (j < a->nfields && !field_eq(a, &a->fields[j], b, fb))
			j++;
		FUZZ_ASSERT(j < a->nfields);
		j++;
		n++;
	}
	return n;
}

/* The body framing the next hop will see is the one we parsed. */
static inline void framing_check(const llhttp_t *a, const llhttp_t *b, int dechunk)
{
	FUZZ_ASSERT(((a->flags & F_CHUNKED) && !dechunk) == !!(b->flags & F_CHUNKED));
	FUZZ_ASSERT((a->flags & F_CONTENT_LENGTH) == (b->flags & F_CONTENT_LENGTH));
	if (a->flags & F_CONTENT_LENGTH)
		FUZZ_ASSERT(a->content_length == b->content_length);
}

/*
 * Parse a head zeroserve built from the head of orig, whole; it must parse.
 * Returns -1 when it is over zeroserve's own limits only because of the
 * fields added to it (a backend has limits of its own): nothing to compare.
 */
static inline int reparse(struct http_msg *m, const struct http_msg *orig, struct evbuffer *built)
{
	struct evbuffer *in = evbuffer_new();
	size_t used, len = evbuffer_get_length(built);
	int ev;

	FUZZ_ASSERT(in != NULL);
	http_msg_init(m, orig->parser.type);
	m->skip_body = orig->skip_body;
	FUZZ_ASSERT(evbuffer_add(in, evbuffer_pullup(built, -1), len) == 0);
	ev = http_msg_feed(m, in, &used);
	evbuffer_free(in);
	if ((ev & HTTP_EV_ERROR) && m->status == 431 &&
	    (orig->head.nfields + 6 > HTTP_MAX_FIELDS || len > HTTP_MAX_HEAD)) {
		http_msg_free(m);
		return -1;
	}
	if (ev & HTTP_EV_ERROR)
		fprintf(stderr, "rebuilt head does not parse: %s (status %d)\n", http_msg_error(m),
			m->status);
	FUZZ_ASSERT(!(ev & HTTP_EV_ERROR));
	FUZZ_ASSERT(ev & HTTP_EV_HEAD);
	FUZZ_ASSERT(used == len);
	head_check(m);
	return 0;
}

/* One connection's parse, with the target's hooks at each head. */
struct fuzz_conn {
	llhttp_type_t type;
	uint8_t opts;	       /* ctl[1] */
	int first;	       /* the run that also checks rebuilt heads */
	int hold;	       /* feed after the head with http_msg_feed_at, as a held head */
	struct evbuffer *ts;   /* transcript */
	struct evbuffer *sink; /* decoded body, when a hook sets body_sink */
	/* A head is complete; 1 ends the connection's HTTP (an error answer, a tunnel). */
	int (*head)(struct fuzz_conn *c, struct http_msg *m);
	/* A new message starts (session.c: http_msg_reset, then its settings). */
	void (*reset)(struct fuzz_conn *c, struct http_msg *m);
};

struct fuzz_run {
	struct http_msg m;
	struct evbuffer *in;
	size_t base; /* stream offset of in's first byte */
	size_t hold; /* head bytes kept at the front of in */
	int stopped;
};

static inline void run_process(struct fuzz_conn *c, struct fuzz_run *r)
{
	size_t avail, used;
	int ev;

	while (!r->stopped) {
		avail = evbuffer_get_length(r->in);
		if (avail <= r->hold)
			break;
		ev = http_msg_feed_at(&r->m, r->in, r->hold, &used);
		FUZZ_ASSERT(used <= avail - r->hold);
		if (ev & HTTP_EV_ERROR) {
			FUZZ_ASSERT(r->m.status == 400 || r->m.status == 413 ||
				    r->m.status == 431 || r->m.status == 505);
			/* Not where: llhttp reports a callback's error where the
			 * span ends, at the end of a piece when it is cut. */
			ts_printf(c->ts, "E %d\n", r->m.status);
			r->stopped = 1;
			break;
		}
		if (ev & HTTP_EV_HEAD) {
			FUZZ_ASSERT(r->hold == 0);
			ts_printf(c->ts, "@%zu ", r->base + used);
			head_check(&r->m);
			ts_head(c->ts, &r->m);
			if (c->head(c, &r->m)) {
				r->stopped = 1;
				break;
			}
		}
		if ((ev & HTTP_EV_HEAD) && !(ev & HTTP_EV_DONE) && c->hold) {
			r->hold = used;
		} else {
			FUZZ_ASSERT(evbuffer_drain(r->in, r->hold + used) == 0);
			r->base += r->hold + used;
			r->hold = 0;
		}
		if (ev & HTTP_EV_UPGRADE) {
			ts_printf(c->ts, "U @%zu\n", r->base);
			r->stopped = 1;
			break;
		}
		if (ev & HTTP_EV_DONE) {
			ts_printf(c->ts, "D %llu @%zu ", (unsigned long long)r->m.body_bytes,
				  r->base);
			ts_bytes(c->ts, (const char *)evbuffer_pullup(c->sink, -1),
				 evbuffer_get_length(c->sink));
			ts_printf(c->ts, "\n");
			evbuffer_drain(c->sink, (size_t)-1);
			http_msg_reset(&r->m);
			c->reset(c, &r->m);
			continue;
		}
		if (used == 0)
			break;
	}
}

static inline void conn_run(struct fuzz_conn *c, const uint8_t *data, size_t n, enum feed_mode mode,
			    uint8_t splitctl)
{
	struct fuzz_run r;
	struct split sp;
	size_t off = 0, k;
	int ev;

	memset(&r, 0, sizeof(r));
	r.in = evbuffer_new();
	FUZZ_ASSERT(r.in != NULL);
	http_msg_init(&r.m, c->type);
	c->reset(c, &r.m);
	split_init(&sp, splitctl);
	if (mode == FEED_WHOLE) {
		FUZZ_ASSERT(evbuffer_add(r.in, data, n) == 0);
		run_process(c, &r);
	} else {
		while (off < n && !r.stopped) {
			k = split_next(&sp, n - off);
			if (mode == FEED_PIECES) {
				FUZZ_ASSERT(evbuffer_add(r.in, data + off, k) == 0);
				run_process(c, &r);
			} else {
				FUZZ_ASSERT(
				    evbuffer_add_reference(r.in, data + off, k, NULL, NULL) == 0);
			}
			off += k;
		}
		run_process(c, &r);
	}
	/* The connection ends: a close-delimited body is complete. */
	if (!r.stopped) {
		ev = http_msg_finish(&r.m);
		ts_printf(c->ts, "F %x %d %llu ", (unsigned int)ev, r.m.status,
			  (unsigned long long)r.m.body_bytes);
		ts_bytes(c->ts, (const char *)evbuffer_pullup(c->sink, -1),
			 evbuffer_get_length(c->sink));
		ts_printf(c->ts, "\n");
	}
	evbuffer_drain(c->sink, (size_t)-1);
	http_msg_free(&r.m);
	evbuffer_free(r.in);
}

/* The fuzz target: the three runs and their transcripts compared. */
static inline int conn_fuzz(struct fuzz_conn *c, const uint8_t *data, size_t size)
{
	struct evbuffer *ts[FEED_MODES];
	int mode;

	if (size < 2)
		return 0;
	c->opts = data[1];
	c->sink = evbuffer_new();
	FUZZ_ASSERT(c->sink != NULL);
	for (mode = 0; mode < FEED_MODES; mode++) {
		ts[mode] = evbuffer_new();
		FUZZ_ASSERT(ts[mode] != NULL);
		c->ts = ts[mode];
		c->first = mode == 0;
		conn_run(c, data + 2, size - 2, (enum feed_mode)mode, data[0]);
	}
	/* FUZZ_TRANSCRIPT=1 tests/fuzz_request FILE: what the parser made of FILE. */
	if (getenv("FUZZ_TRANSCRIPT") != NULL)
		fprintf(stderr, "%.*s", (int)evbuffer_get_length(ts[0]),
			(const char *)evbuffer_pullup(ts[0], -1));
	for (mode = 1; mode < FEED_MODES; mode++) {
		if (!ts_equal(ts[0], ts[mode])) {
			fprintf(stderr, "--- whole:\n%.*s\n--- mode %d:\n%.*s\n",
				(int)evbuffer_get_length(ts[0]),
				(const char *)evbuffer_pullup(ts[0], -1), mode,
				(int)evbuffer_get_length(ts[mode]),
				(const char *)evbuffer_pullup(ts[mode], -1));
			FUZZ_ASSERT(!"the result depends on how the bytes arrived");
		}
	}
	for (mode = 0; mode < FEED_MODES; mode++)
		evbuffer_free(ts[mode]);
	evbuffer_free(c->sink);
	return 0;
}

#endif
