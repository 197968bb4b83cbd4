/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>

#include "http.h"

static struct http_msg *msg_of(llhttp_t *p)
{
	return (struct http_msg *)p->data;
}

/* Append to the head: 0, -ENOSPC past HTTP_MAX_HEAD, or -ENOMEM. */
static int head_append(struct http_head *h, const char *at, size_t len)
{
	/* llhttp reports empty spans too (an empty field name), maybe before
	 * any buffer exists: a status line without a reason phrase. */
	if (len == 0)
		return 0;
	if ((size_t)h->len + len > HTTP_MAX_HEAD)
		return -ENOSPC;
	if (h->len + len > h->cap) {
		uint32_t cap = h->cap ? h->cap : 1024;
		char *nb;

		while (cap < h->len + len)
			cap *= 2;
		if (cap > HTTP_MAX_HEAD)
			cap = HTTP_MAX_HEAD;
		nb = realloc(h->buf, cap);
		if (nb == NULL)
			return -ENOMEM;
		h->buf = nb;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, at, len);
	h->len += len;
	return 0;
}

static int too_large(llhttp_t *p)
{
	msg_of(p)->status = 431;
	llhttp_set_error_reason(p, "request head too large");
	return HPE_USER;
}

/* head_append failed: too large is the client's doing, no memory is ours. */
static int append_failed(llhttp_t *p, int err)
{
	if (err != -ENOMEM)
		return too_large(p);
	msg_of(p)->status = 500;
	llhttp_set_error_reason(p, "out of memory");
	return HPE_USER;
}

static int on_message_begin(llhttp_t *p)
{
	struct http_msg *m = msg_of(p);

	m->head.len = 0;
	m->head.nfields = 0;
	m->head.conn_names = 0;
	m->head.url_off = m->head.url_len = 0;
	m->head.in_field = m->head.in_value = 0;
	m->head_done = 0;
	m->body_bytes = 0;
	m->head_raw = 0;
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	struct http_head *h = &msg_of(p)->head;
	int err;

	if (h->url_len == 0)
		h->url_off = h->len;
	if ((err = head_append(h, at, len)) < 0)
		return append_failed(p, err);
	h->url_len += len;
	return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http_head *h = &msg_of(p)->head;
	struct http_field *f;
	int err;

	if (!h->in_field) {
		if (h->nfields == HTTP_MAX_FIELDS)
			return too_large(p);
		f = &h->fields[h->nfields];
		f->name_off = h->len;
		f->name_len = 0;
		f->value_off = 0;
		f->value_len = 0;
		h->in_field = 1;
	}
	f = &h->fields[h->nfields];
	if ((err = head_append(h, at, len)) < 0)
		return append_failed(p, err);
	f->name_len += len;
	return 0;
}

static int name_is(const char *s, size_t len, const char *name, size_t nlen)
{
	return len == nlen && strncasecmp(s, name, nlen) == 0;
}

/*
 * The next element of the comma list v[0..len) from *i on, without its
 * surrounding whitespace: [*b, *e). 0 when the list is done.
 */
static int list_next(const char *v, size_t len, size_t *i, size_t *b, size_t *e)
{
	while (*i < len && (v[*i] == ' ' || v[*i] == '\t' || v[*i] == ','))
		(*i)++;
	if (*i >= len)
		return 0;
	*b = *i;
	while (*i < len && v[*i] != ',')
		(*i)++;
	*e = *i;
	while (*e > *b && (v[*e - 1] == ' ' || v[*e - 1] == '\t'))
		(*e)--;
	return 1;
}

/* Does the Connection value v name a token other than keep-alive or close? */
static int conn_names_fields(const char *v, size_t len)
{
	size_t i = 0, b, e;

	while (list_next(v, len, &i, &b, &e))
		if (!name_is(v + b, e - b, "keep-alive", 10) && !name_is(v + b, e - b, "close", 5))
			return 1;
	return 0;
}

/* One compare or two per field, by length: done once, looked up often. */
static uint32_t field_kind(const char *s, size_t len)
{
	switch (len) {
	case 2:
		return name_is(s, len, "te", 2) ? HF_TE : HF_OTHER;
	case 4:
		return name_is(s, len, "host", 4) ? HF_HOST : HF_OTHER;
	case 7:
		return name_is(s, len, "upgrade", 7) ? HF_UPGRADE : HF_OTHER;
	case 9:
		return name_is(s, len, "forwarded", 9) ? HF_FORWARDED : HF_OTHER;
	case 10:
		if (name_is(s, len, "connection", 10))
			return HF_CONNECTION;
		return name_is(s, len, "keep-alive", 10) ? HF_KEEP_ALIVE : HF_OTHER;
	case 14:
		return name_is(s, len, "content-length", 14) ? HF_CONTENT_LENGTH : HF_OTHER;
	case 15:
		return name_is(s, len, "x-forwarded-for", 15) ? HF_X_FORWARDED_FOR : HF_OTHER;
	case 16:
		if (name_is(s, len, "proxy-connection", 16))
			return HF_PROXY_CONNECTION;
		return name_is(s, len, "x-forwarded-host", 16) ? HF_X_FORWARDED_HOST : HF_OTHER;
	case 17:
		if (name_is(s, len, "transfer-encoding", 17))
			return HF_TRANSFER_ENCODING;
		return name_is(s, len, "x-forwarded-proto", 17) ? HF_X_FORWARDED_PROTO : HF_OTHER;
	}
	return HF_OTHER;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct http_head *h = &msg_of(p)->head;
	struct http_field *f = &h->fields[h->nfields];

	/* The name's bytes were checked by frame.c already. */
	f->kind = field_kind(h->buf + f->name_off, f->name_len);

	h->in_field = 0;
	h->in_value = 1;
	h->fields[h->nfields].value_off = h->len;
	h->fields[h->nfields].value_len = 0;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http_head *h = &msg_of(p)->head;
	int err;

	if ((err = head_append(h, at, len)) < 0)
		return append_failed(p, err);
	h->fields[h->nfields].value_len += len;
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct http_head *h = &msg_of(p)->head;
	struct http_field *f = &h->fields[h->nfields];

	/* llhttp keeps trailing whitespace of values (obs-fold aside). */
	while (f->value_len > 0 && (h->buf[f->value_off + f->value_len - 1] == ' ' ||
				    h->buf[f->value_off + f->value_len - 1] == '\t'))
		f->value_len--;
	if (f->kind == HF_CONNECTION && !h->conn_names)
		h->conn_names = conn_names_fields(h->buf + f->value_off, f->value_len);
	h->in_value = 0;
	h->nfields++;
	return 0;
}

static int framing_error(llhttp_t *p, int status, const char *why)
{
	struct http_msg *m = msg_of(p);

	m->status = status;
	m->reason = why;
	llhttp_set_error_reason(p, why);
	return HPE_USER;
}

/*
 * Content-Length and Transfer-Encoding by zeroserve's rules (RFC 9112 6,
 * stricter where the RFC lets a recipient choose, as nginx): one
 * Content-Length of digits only; Transfer-Encoding only in HTTP/1.1, never
 * with Content-Length, exactly "chunked" on a request and ending in
 * "chunked" on a response. llhttp must have read the same framing.
 * Returns 0, or HPE_USER with m->status and m->reason set; *chunked tells
 * the body's framing.
 */
static int framing_check(llhttp_t *p, int *chunked)
{
	struct http_msg *m = msg_of(p);
	const struct http_head *h = &m->head;
	const struct http_field *cl = NULL;
	uint64_t len = 0;
	int te = 0, request = p->type == HTTP_REQUEST;
	unsigned int i;

	*chunked = 0;
	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];
		const char *v = h->buf + f->value_off;

		if (f->kind == HF_CONTENT_LENGTH) {
			if (cl != NULL)
				return framing_error(p, 400, "more than one Content-Length");
			cl = f;
			if (frame_content_length(v, f->value_len, &len) < 0)
				return framing_error(p, 400, "invalid Content-Length");
		} else if (f->kind == HF_TRANSFER_ENCODING) {
			int r = request ? frame_te_only_chunked(v, f->value_len)
					: frame_te_final_chunked(v, f->value_len);

			/* A request takes one "chunked"; a response's codings
			 * may span fields, chunked only in the last one. */
			if (r < 0 || (request && (r == 0 || te > 0)) || *chunked)
				return framing_error(
				    p, 400, "Transfer-Encoding other than a final chunked");
			*chunked = r;
			te++;
		}
	}
	if (te > 0 && !*chunked)
		return framing_error(p, 400, "Transfer-Encoding other than a final chunked");
	if (te > 0 && (p->http_major != 1 || p->http_minor == 0))
		return framing_error(p, 400, "Transfer-Encoding in HTTP/1.0");
	if (te > 0 && cl != NULL)
		return framing_error(p, 400, "Content-Length with Transfer-Encoding");
	if (!!(p->flags & F_CHUNKED) != *chunked ||
	    !!(p->flags & F_CONTENT_LENGTH) != (cl != NULL) ||
	    (cl != NULL && p->content_length != len))
		return framing_error(p, 400, "ambiguous framing");
	if (request && cl != NULL && len > m->max_body)
		return framing_error(p, 413, "request body larger than --max-body");
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	struct http_msg *m = msg_of(p);
	int has_body, chunked, rc;

	m->head_done = 1;
	m->events |= HTTP_EV_HEAD;
	if (p->type == HTTP_RESPONSE && m->skip_body)
		return 1; /* answer to HEAD: on_message_complete follows */
	/* No body whatever Content-Length says (RFC 9112 6.3). */
	if (p->type == HTTP_RESPONSE &&
	    (p->status_code / 100 == 1 || p->status_code == 204 || p->status_code == 304))
		return 1;
	rc = framing_check(p, &chunked);
	if (rc != 0)
		return rc;
	if (chunked) {
		frame_chunked_init(&m->frame, p->type == HTTP_REQUEST ? m->max_body : UINT64_MAX);
		m->body_lex = 1;
	}
	has_body = chunked || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0) ||
		   (p->type == HTTP_RESPONSE && !(p->flags & F_CONTENT_LENGTH));
	/*
	 * An upgrade without a body: llhttp stops with HPE_PAUSED_UPGRADE. With
	 * one, llhttp parses the body first (llhttp__after_headers_complete), so
	 * stop here as for any body, or a body that came with the head would be
	 * consumed with it, unseen, and one that came later forwarded.
	 */
	if (p->type == HTTP_REQUEST && p->upgrade && (p->method == HTTP_CONNECT || !has_body))
		return 0;
	/*
	 * Without a body on_message_complete runs right away and pauses there;
	 * with one, stop so the caller routes before a body byte moves.
	 */
	return has_body ? HPE_PAUSED : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_msg *m = msg_of(p);

	m->body_bytes += len;
	if (m->body_watch != NULL)
		m->body_watch(m->body_watch_arg, at, len);
	if (m->body_sink != NULL && evbuffer_add(m->body_sink, at, len) < 0)
		return HPE_USER;
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	msg_of(p)->events |= HTTP_EV_DONE;
	if (p->upgrade)
		msg_of(p)->events |= HTTP_EV_UPGRADE;
	return HPE_PAUSED;
}

static llhttp_settings_t settings;

static void settings_init(void)
{
	if (settings.on_message_begin != NULL)
		return;
	llhttp_settings_init(&settings);
	settings.on_message_begin = on_message_begin;
	settings.on_url = on_url;
	settings.on_status = on_url; /* the reason phrase takes the target's place */
	settings.on_header_field = on_header_field;
	settings.on_header_field_complete = on_header_field_complete;
	settings.on_header_value = on_header_value;
	settings.on_header_value_complete = on_header_value_complete;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
}

void http_msg_init(struct http_msg *m, llhttp_type_t type)
{
	memset(m, 0, sizeof(*m));
	settings_init();
	llhttp_init(&m->parser, type, &settings);
	m->parser.data = m;
	m->max_body = UINT64_MAX;
	frame_head_init(&m->frame, type == HTTP_REQUEST);
}

void http_msg_reset(struct http_msg *m)
{
	llhttp_type_t type = m->parser.type;

	llhttp_init(&m->parser, type, &settings);
	m->parser.data = m;
	m->head.len = 0;
	m->head.nfields = 0;
	m->head.conn_names = 0;
	m->head.url_len = 0;
	m->head_done = 0;
	m->events = 0;
	m->status = 0;
	m->reason = NULL;
	m->body_lex = 0;
	frame_head_init(&m->frame, type == HTTP_REQUEST);
	m->skip_body = 0;
	m->body_sink = NULL;
	m->body_bytes = 0;
	m->head_raw = 0;
}

void http_msg_free(struct http_msg *m)
{
	free(m->head.buf);
	m->head.buf = NULL;
	m->head.cap = m->head.len = 0;
}

static int feed_error(struct http_msg *m)
{
	if (m->status == 0)
		m->status = 400;
	m->events |= HTTP_EV_ERROR;
	return m->events;
}

static int lex_error(struct http_msg *m, int status, const char *why)
{
	m->status = status;
	m->reason = why;
	return feed_error(m);
}

const char *http_msg_error(const struct http_msg *m)
{
	if (m->status == 431)
		return "request head too large";
	return m->reason != NULL ? m->reason : llhttp_get_error_reason(&m->parser);
}

int http_msg_feed(struct http_msg *m, struct evbuffer *in, size_t *consumed)
{
	return http_msg_feed_at(m, in, 0, consumed);
}

/*
 * One piece of input: zeroserve's lexer first (a head, or a chunked body),
 * then llhttp on what the lexer passed, then both must agree on where the
 * head or the message ended. Returns llhttp's errno, HPE_USER when the two
 * disagree or the lexer refused (m->status and m->reason set); *used as
 * llhttp counts it.
 */
static llhttp_errno_t feed_piece(struct http_msg *m, const char *base, size_t len, size_t *used)
{
	int head_before = m->head_done, lexing = !head_before || m->body_lex;
	int lex = FRAME_MORE;
	llhttp_errno_t err;
	size_t n = len;

	if (lexing)
		lex = frame_scan(&m->frame, base, len, &n);
	/* llhttp reads the valid bytes before a bad one too, as it would if they
	 * had come alone: the first error wins, however the bytes arrive. */
	err = llhttp_execute(&m->parser, base, n);
	*used = err == HPE_OK ? n : (size_t)(llhttp_get_error_pos(&m->parser) - base);
	if (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE)
		return err;
	if (!lexing)
		return err;
	/* Where the lexer saw the end, llhttp must have stopped; nowhere else. */
	if (!head_before) {
		if (lex == FRAME_END ? !m->head_done || *used != n : m->head_done)
			goto disagree;
	} else if (lex == FRAME_END ? !(m->events & HTTP_EV_DONE) || *used != n : err != HPE_OK) {
		goto disagree;
	}
	if (lex == FRAME_BAD) {
		*used = n;
		m->status = m->frame.status;
		m->reason = m->frame.why;
		return HPE_USER;
	}
	return err;
disagree:
	m->status = 400;
	m->reason = "ambiguous framing";
	return HPE_USER;
}

int http_msg_feed_at(struct http_msg *m, struct evbuffer *in, size_t off, size_t *consumed)
{
	struct evbuffer_iovec vec[16];
	struct evbuffer_ptr ptr;
	size_t total = off;
	int n, i;

	m->events = 0;
	*consumed = 0;
	if (llhttp_get_errno(&m->parser) == HPE_PAUSED)
		llhttp_resume(&m->parser);
	for (;;) {
		if (evbuffer_ptr_set(in, &ptr, total, EVBUFFER_PTR_SET) < 0)
			break;
		n = evbuffer_peek(in, -1, &ptr, vec, 16);
		if (n <= 0)
			break;
		for (i = 0; i < n && i < 16; i++) {
			int head_before = m->head_done;
			llhttp_errno_t err;
			size_t used;

			err = feed_piece(m, vec[i].iov_base, vec[i].iov_len, &used);
			/* The parse stops at the end of a head, so this counts only
			 * head bytes, whitespace llhttp skips without a callback too. */
			if (!head_before) {
				m->head_raw += used;
				if (m->head_raw > HTTP_MAX_HEAD) {
					*consumed = total + used - off;
					return lex_error(m, 431, NULL);
				}
			}
			total += used;
			if (err == HPE_OK)
				continue;
			*consumed = total - off;
			if (err == HPE_PAUSED && (m->events & HTTP_EV_DONE)) {
				/* The next message on the connection starts with a head. */
				frame_head_init(&m->frame, m->parser.type == HTTP_REQUEST);
				m->body_lex = 0;
			}
			if (err == HPE_PAUSED)
				return m->events;
			if (err == HPE_PAUSED_UPGRADE) {
				m->events |= HTTP_EV_UPGRADE | HTTP_EV_DONE;
				return m->events;
			}
			return feed_error(m);
		}
		/* evbuffer_peek fills at most 16: a full batch may have more behind it. */
		if (n < 16)
			break;
	}
	*consumed = total - off;
	return m->events;
}

int http_msg_finish(struct http_msg *m)
{
	llhttp_errno_t err;

	m->events = 0;
	/* Paused right after the head of a close-delimited message that then
	 * had no body: llhttp has not reached its read-until-EOF state yet. */
	if (llhttp_get_errno(&m->parser) == HPE_PAUSED && m->head_done && m->body_bytes == 0 &&
	    llhttp_message_needs_eof(&m->parser)) {
		m->events |= HTTP_EV_DONE;
		return m->events;
	}
	if (llhttp_get_errno(&m->parser) == HPE_PAUSED)
		llhttp_resume(&m->parser);
	err = llhttp_finish(&m->parser);
	if (err != HPE_OK && err != HPE_PAUSED)
		return feed_error(m);
	return m->events;
}

int http_msg_needs_eof(const struct http_msg *m)
{
	return llhttp_message_needs_eof(&m->parser);
}

int http_msg_keep_alive(const struct http_msg *m)
{
	return llhttp_should_keep_alive(&m->parser);
}

int http_msg_chunked(const struct http_msg *m)
{
	return (m->parser.flags & F_CHUNKED) != 0;
}

static int field_is(const struct http_head *h, const struct http_field *f, const char *name,
		    size_t nlen)
{
	return f->name_len == nlen && strncasecmp(h->buf + f->name_off, name, nlen) == 0;
}

/* A field named name: by its kind when the parser told it apart already. */
static int field_named(const struct http_head *h, const struct http_field *f, uint32_t kind,
		       const char *name, size_t nlen)
{
	return kind != HF_OTHER ? f->kind == kind : field_is(h, f, name, nlen);
}

const char *http_head_get(const struct http_head *h, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	uint32_t kind = field_kind(name, nlen);
	unsigned int i;

	for (i = 0; i < h->nfields; i++) {
		if (field_named(h, &h->fields[i], kind, name, nlen)) {
			*len = h->fields[i].value_len;
			return h->buf + h->fields[i].value_off;
		}
	}
	*len = 0;
	return NULL;
}

int http_head_count(const struct http_head *h, const char *name)
{
	size_t nlen = strlen(name);
	uint32_t kind = field_kind(name, nlen);
	unsigned int i;
	int n = 0;

	for (i = 0; i < h->nfields; i++)
		n += field_named(h, &h->fields[i], kind, name, nlen);
	return n;
}

/* Does the comma list v[0..len) hold token (case-insensitive)? */
static int list_has(const char *v, size_t len, const char *token, size_t tlen)
{
	size_t i = 0, b, e;

	while (list_next(v, len, &i, &b, &e))
		if (name_is(v + b, e - b, token, tlen))
			return 1;
	return 0;
}

int http_head_has_token(const struct http_head *h, const char *name, const char *token)
{
	size_t nlen = strlen(name), tlen = strlen(token);
	unsigned int i;

	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		if (field_is(h, f, name, nlen) &&
		    list_has(h->buf + f->value_off, f->value_len, token, tlen))
			return 1;
	}
	return 0;
}

int http_request_check(const struct http_msg *m)
{
	const struct http_head *h = &m->head;
	int hosts = http_head_count(h, "host");

	if (m->parser.method == HTTP_CONNECT)
		return 405;
	if (hosts > 1)
		return 400;
	if (hosts == 0 && m->parser.http_major == 1 && m->parser.http_minor >= 1)
		return 400;
	if (h->url_len == 0)
		return 400;
	return 0;
}

/*
 * Heads are assembled in one flat buffer and added to the evbuffer at once:
 * a handful of small evbuffer_add/printf calls per head cost more than the
 * parsing. Single-threaded, so one static buffer serves every session.
 */
struct hb {
	/* Host may appear three times (Host, X-Forwarded-Host, Forwarded). */
	char buf[4 * HTTP_MAX_HEAD + 4096];
	size_t len;
	int overflow;
};

static struct hb hb;

static void hb_put(const char *p, size_t n)
{
	if (hb.len + n > sizeof(hb.buf)) {
		hb.overflow = 1;
		return;
	}
	memcpy(hb.buf + hb.len, p, n);
	hb.len += n;
}

static void hb_str(const char *p)
{
	hb_put(p, strlen(p));
}

static void hb_u64(uint64_t v)
{
	char d[24];
	int i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hb_put(d + i, sizeof(d) - (size_t)i);
}

static int hb_flush(struct evbuffer *out)
{
	int rc = hb.overflow ? -ENOSPC : evbuffer_add(out, hb.buf, hb.len) < 0 ? -ENOMEM : 0;

	hb.len = 0;
	hb.overflow = 0;
	return rc;
}

static void hb_field(const struct http_head *h, const struct http_field *f)
{
	hb_put(h->buf + f->name_off, f->name_len);
	hb_put(": ", 2);
	hb_put(h->buf + f->value_off, f->value_len);
	hb_put("\r\n", 2);
}

/* Repeated fields are one list (RFC 9110 5.3): every value, then ", ". */
static void hb_list(const struct http_head *h, uint32_t kind)
{
	unsigned int i;

	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		if (f->kind == kind && f->value_len > 0) {
			hb_put(h->buf + f->value_off, f->value_len);
			hb_put(", ", 2);
		}
	}
}

static int skip_field(const struct http_head *h, const struct http_field *f, int upgrade)
{
	unsigned int j;

	switch (f->kind) {
	case HF_CONNECTION:
	case HF_KEEP_ALIVE:
	case HF_PROXY_CONNECTION:
	case HF_TE:
		return 1;
	case HF_UPGRADE:
		return !upgrade;
	}
	if (!h->conn_names)
		return 0;
	/* Fields that Connection names are this hop's too. */
	for (j = 0; j < h->nfields; j++) {
		const struct http_field *c = &h->fields[j];

		if (c->kind == HF_CONNECTION && list_has(h->buf + c->value_off, c->value_len,
							 h->buf + f->name_off, f->name_len))
			return 1;
	}
	return 0;
}

int http_build_request(struct evbuffer *out, const struct http_msg *m, const char *target,
		       size_t target_len, const struct http_forward *fwd, int upgrade)
{
	const struct http_head *h = &m->head;
	const char *host = NULL;
	size_t hostlen = 0;
	int xff = 0, fwded = 0;
	unsigned int i;

	hb_str(llhttp_method_name(m->parser.method));
	hb_put(" ", 1);
	hb_put(target, target_len);
	hb_put(" HTTP/1.1\r\n", 11);
	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];
		const char *v = h->buf + f->value_off;

		if (skip_field(h, f, upgrade))
			continue;
		/* The forwarding fields are rewritten below, whatever the client sent. */
		if (f->kind == HF_X_FORWARDED_FOR) {
			xff = 1;
			continue;
		}
		if (f->kind == HF_FORWARDED) {
			fwded = 1;
			continue;
		}
		if (f->kind == HF_X_FORWARDED_PROTO || f->kind == HF_X_FORWARDED_HOST)
			continue;
		if (host == NULL && f->kind == HF_HOST) {
			host = v;
			hostlen = f->value_len;
		}
		hb_field(h, f);
	}
	if (upgrade)
		hb_put("Connection: upgrade\r\n", 21);
	/* HTTP/1.0 clients may omit Host; the backend still needs one. */
	if (host == NULL)
		hb_put("Host: localhost\r\n", 17);
	hb_put("X-Forwarded-For: ", 17);
	if (xff)
		hb_list(h, HF_X_FORWARDED_FOR);
	hb_str(fwd->client_ip);
	hb_put("\r\nX-Forwarded-Proto: ", 21);
	hb_str(fwd->proto);
	hb_put("\r\n", 2);
	if (host != NULL) {
		hb_put("X-Forwarded-Host: ", 18);
		hb_put(host, hostlen);
		hb_put("\r\n", 2);
	}
	hb_put("Forwarded: ", 11);
	if (fwded)
		hb_list(h, HF_FORWARDED);
	/* RFC 7239: IPv6 nodes are quoted and bracketed. */
	if (fwd->client_is_v6) {
		hb_put("for=\"[", 6);
		hb_str(fwd->client_ip);
		hb_put("]\"", 2);
	} else {
		hb_put("for=", 4);
		hb_str(fwd->client_ip);
	}
	if (host != NULL && hostlen > 0 && memchr(host, '"', hostlen) == NULL) {
		hb_put(";host=\"", 7);
		hb_put(host, hostlen);
		hb_put("\"", 1);
	}
	hb_put(";proto=", 7);
	hb_str(fwd->proto);
	hb_put("\r\n\r\n", 4);
	return hb_flush(out);
}

int http_response_is_clean(const struct http_msg *m)
{
	const struct http_head *h = &m->head;
	unsigned int i;

	if (m->parser.http_major != 1 || m->parser.http_minor != 1 || h->conn_names)
		return 0;
	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		if (f->kind == HF_CONNECTION &&
		    name_is(h->buf + f->value_off, f->value_len, "keep-alive", 10))
			continue;
		if (skip_field(h, f, 0))
			return 0;
	}
	return 1;
}

int http_build_response(struct evbuffer *out, const struct http_msg *m, int client_minor,
			int keep_alive, int upgrade, int dechunk)
{
	const struct http_head *h = &m->head;
	int status = m->parser.status_code;
	unsigned int i;

	hb_put(client_minor ? "HTTP/1.1 " : "HTTP/1.0 ", 9);
	hb_u64((unsigned int)status);
	hb_put(" ", 1);
	if (h->url_len > 0)
		hb_put(h->buf + h->url_off, h->url_len);
	else
		hb_str(http_status_text(status));
	hb_put("\r\n", 2);
	for (i = 0; i < h->nfields; i++) {
		const struct http_field *f = &h->fields[i];

		if (skip_field(h, f, upgrade))
			continue;
		if (dechunk && f->kind == HF_TRANSFER_ENCODING)
			continue;
		hb_field(h, f);
	}
	if (upgrade)
		hb_put("Connection: upgrade\r\n", 21);
	else if (!keep_alive)
		hb_put("Connection: close\r\n", 19);
	else if (!client_minor)
		hb_put("Connection: keep-alive\r\n", 24);
	hb_put("\r\n", 2);
	return hb_flush(out);
}

const char *http_status_text(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

void http_reply_init(struct http_reply *r, int status)
{
	r->status = status;
	r->date = 0;
	r->close = 0;
	r->content_type = NULL;
	r->content_length = -1;
	r->nfields = 0;
	r->overflow = 0;
	r->buf_used = 0;
}

static struct http_reply_field *reply_field(struct http_reply *r, const char *name)
{
	struct http_reply_field *f;

	if (r->nfields == HTTP_REPLY_FIELDS) {
		r->overflow = 1;
		return NULL;
	}
	f = &r->fields[r->nfields++];
	f->name = name;
	f->owned = NULL;
	return f;
}

void http_reply_add(struct http_reply *r, const char *name, const char *value)
{
	struct http_reply_field *f = reply_field(r, name);

	if (f == NULL)
		return;
	f->value = value;
	f->len = strlen(value);
}

void http_reply_copy(struct http_reply *r, const char *name, const char *value)
{
	struct http_reply_field *f = reply_field(r, name);
	size_t n = strlen(value);

	if (f == NULL)
		return;
	if (n < sizeof(r->buf) - r->buf_used) {
		f->value = memcpy(r->buf + r->buf_used, value, n + 1);
		r->buf_used += n + 1;
	} else {
		f->owned = strdup(value);
		if (f->owned == NULL) {
			r->nfields--;
			r->overflow = 1;
			return;
		}
		f->value = f->owned;
	}
	f->len = n;
}

void http_reply_addf(struct http_reply *r, const char *name, const char *fmt, ...)
{
	struct http_reply_field *f = reply_field(r, name);
	size_t room = sizeof(r->buf) - r->buf_used;
	va_list ap;
	int n;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->buf_used, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		f->value = r->buf + r->buf_used;
		r->buf_used += (size_t)n + 1;
	} else {
		/* A Location with a long query: rare, worth no bigger buf. */
		va_start(ap, fmt);
		n = vasprintf(&f->owned, fmt, ap);
		va_end(ap);
		if (n < 0) {
			f->owned = NULL;
			r->nfields--;
			r->overflow = 1;
			return;
		}
		f->value = f->owned;
	}
	f->len = (size_t)n;
}

void http_reply_free(struct http_reply *r)
{
	unsigned int i;

	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].owned);
		r->fields[i].owned = NULL;
	}
	r->nfields = 0;
}

const char *http_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

/* The Date field value, formatted once a second. */
static const char *date_now(void)
{
	static char buf[40];
	static time_t last = -1;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != last) {
		last = ts.tv_sec;
		http_date(last, buf, sizeof(buf));
	}
	return buf;
}

int http_build_reply(struct evbuffer *out, const struct http_reply *r, int client_minor,
		     int keep_alive)
{
	unsigned int i;

	if (r->overflow)
		return -ENOSPC;
	hb_put(client_minor ? "HTTP/1.1 " : "HTTP/1.0 ", 9);
	hb_u64((unsigned int)r->status);
	hb_put(" ", 1);
	hb_str(http_status_text(r->status));
	hb_str("\r\nServer: zeroserve\r\n");
	if (r->date) {
		hb_put("Date: ", 6);
		hb_str(date_now());
		hb_put("\r\n", 2);
	}
	if (r->content_type != NULL) {
		hb_put("Content-Type: ", 14);
		hb_str(r->content_type);
		hb_put("\r\n", 2);
	}
	if (r->content_length >= 0) {
		hb_put("Content-Length: ", 16);
		hb_u64((uint64_t)r->content_length);
		hb_put("\r\n", 2);
	}
	for (i = 0; i < r->nfields; i++) {
		hb_str(r->fields[i].name);
		hb_put(": ", 2);
		hb_put(r->fields[i].value, r->fields[i].len);
		hb_put("\r\n", 2);
	}
	if (!keep_alive || r->close)
		hb_put("Connection: close\r\n", 19);
	else if (!client_minor)
		hb_put("Connection: keep-alive\r\n", 24);
	hb_put("\r\n", 2);
	return hb_flush(out);
}
