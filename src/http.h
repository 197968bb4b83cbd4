/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 messages on top of llhttp: incremental parsing of a byte stream
 * kept in an evbuffer, the head collected for routing and rewriting, the
 * body left in place so the caller can move it without copying.
 */
#ifndef ZS_HTTP_H
#define ZS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <llhttp.h>

#include "frame.h"

struct evbuffer;

#define HTTP_MAX_HEAD	(64 * 1024)
#define HTTP_MAX_FIELDS 128

/* Fields the proxy acts on, told apart once when the name is parsed. */
enum http_field_kind {
	HF_OTHER,
	HF_CONNECTION,
	HF_KEEP_ALIVE,
	HF_PROXY_CONNECTION,
	HF_TE,
	HF_UPGRADE,
	HF_HOST,
	HF_TRANSFER_ENCODING,
	HF_X_FORWARDED_FOR,
	HF_X_FORWARDED_PROTO,
	HF_X_FORWARDED_HOST,
	HF_FORWARDED,
	HF_CONTENT_LENGTH,
};

struct http_field {
	uint32_t name_off, name_len;
	uint32_t value_off, value_len;
	uint32_t kind; /* enum http_field_kind */
};

struct http_head {
	char *buf; /* target/reason, names and values, back to back */
	uint32_t len, cap;
	uint32_t url_off, url_len; /* request target, or response reason */
	struct http_field fields[HTTP_MAX_FIELDS];
	unsigned int nfields;
	/* A Connection value names something besides keep-alive and close:
	 * those fields are hop-by-hop too. */
	int conn_names;
	int in_field; /* a name is open (llhttp may split it) */
	int in_value;
};

/* What one http_msg_feed() call saw; a bit set. */
enum {
	HTTP_EV_HEAD = 1 << 0,	  /* head complete: inspect msg->head */
	HTTP_EV_DONE = 1 << 1,	  /* message complete; parser paused */
	HTTP_EV_UPGRADE = 1 << 2, /* request upgrade / CONNECT: rest is not HTTP */
	HTTP_EV_ERROR = 1 << 3,	  /* see msg->status and llhttp_get_error_reason */
};

struct http_msg {
	llhttp_t parser;
	struct http_head head;
	int head_done;
	int events;
	int status;		    /* on HTTP_EV_ERROR: 400, 413, 431 or 505 */
	const char *reason;	    /* on HTTP_EV_ERROR: why, when zeroserve decided */
	struct frame frame;	    /* zeroserve's framing lexer (frame.h) */
	int body_lex;		    /* chunked body: every byte goes through frame */
	uint64_t max_body;	    /* requests: larger bodies are refused (413) */
	int skip_body;		    /* response to HEAD: no body whatever the headers say */
	struct evbuffer *body_sink; /* when set, decoded body bytes are copied here */
	/* When set, sees every decoded body byte as it is parsed (--mcp). */
	void (*body_watch)(void *arg, const char *p, size_t n);
	void *body_watch_arg;
	uint64_t body_bytes; /* decoded body bytes seen */
	size_t head_raw;     /* bytes of the head so far, for the 64 KiB limit */
};

/* max_body: no limit after init; a session sets its own for requests. */
void http_msg_init(struct http_msg *m, llhttp_type_t type);
/* Ready for the next message on the same connection (keeps the buffer). */
void http_msg_reset(struct http_msg *m);
void http_msg_free(struct http_msg *m);

/*
 * Parse as much of in as possible without removing anything from it. Every
 * head byte and every byte of a chunked body's framing passes zeroserve's
 * own rules (frame.h) before llhttp sees it; Content-Length and
 * Transfer-Encoding are checked once the head is complete (a body over
 * max_body: 413). Anything the two do not read alike is an error. Stops
 * after the head when the message has a body (so the caller can route before
 * any body byte moves), and after the message. *consumed is the number of
 * bytes of in that belong to what was parsed. Returns the HTTP_EV_* bits.
 */
int http_msg_feed(struct http_msg *m, struct evbuffer *in, size_t *consumed);
/* The same, from byte off of in on (bytes before it already parsed). */
int http_msg_feed_at(struct http_msg *m, struct evbuffer *in, size_t off, size_t *consumed);
/* After HTTP_EV_ERROR: one line saying why. */
const char *http_msg_error(const struct http_msg *m);
/* End of stream: completes a close-delimited message. HTTP_EV_* bits. */
int http_msg_finish(struct http_msg *m);
/* Message has a body of unknown length that ends with the connection. */
int http_msg_needs_eof(const struct http_msg *m);
int http_msg_keep_alive(const struct http_msg *m);
int http_msg_chunked(const struct http_msg *m);

/* Field access. Names compare case-insensitively. */
const char *http_head_get(const struct http_head *h, const char *name, size_t *len);
int http_head_count(const struct http_head *h, const char *name);
/* Does a comma-separated header (e.g. Connection) contain token? */
int http_head_has_token(const struct http_head *h, const char *name, const char *token);

/*
 * Request checks llhttp leaves to us. Returns 0 or the HTTP status to answer
 * (400 missing or repeated Host in HTTP/1.1, 405 CONNECT). Framing fields
 * were checked while the head was parsed (http_msg_feed).
 */
int http_request_check(const struct http_msg *m);

struct http_forward {
	const char *client_ip; /* "127.0.0.1", "::1" */
	int client_is_v6;
	const char *proto; /* "http" */
};

/*
 * Request head for the backend: method, target (rewritten by the route),
 * HTTP/1.1, the client's fields minus hop-by-hop ones (Connection and what
 * it names, Keep-Alive, Proxy-Connection, TE, Upgrade unless upgrading),
 * plus X-Forwarded-For (appended), X-Forwarded-Proto, X-Forwarded-Host,
 * Forwarded (appended). Returns 0, -ENOSPC (head too large) or -ENOMEM.
 */
int http_build_request(struct evbuffer *out, const struct http_msg *m, const char *target,
		       size_t target_len, const struct http_forward *fwd, int upgrade);

/*
 * Response head for the client: status line in the client's HTTP version,
 * backend fields minus hop-by-hop ones; Connection: close when !keep_alive,
 * keep-alive for an HTTP/1.0 client that keeps the connection; without
 * Transfer-Encoding when dechunk (HTTP/1.0 client of a chunked response).
 */
int http_build_response(struct evbuffer *out, const struct http_msg *m, int client_minor,
			int keep_alive, int upgrade, int dechunk);

/*
 * An HTTP/1.1 response head with no hop-by-hop field (Keep-Alive,
 * Proxy-Connection, TE, Upgrade, Connection other than "keep-alive"): an
 * HTTP/1.1 keep-alive client may get it byte for byte. "Connection:
 * keep-alive" passes: it tells that client what zeroserve would.
 */
int http_response_is_clean(const struct http_msg *m);

/*
 * A response zeroserve writes itself (static files, errors, the welcome
 * page), described field by field: http_build_reply turns it into the one
 * head every such response has. Proxied responses keep the backend's fields
 * and go through http_build_response instead.
 */
#define HTTP_REPLY_FIELDS 12
#define HTTP_REPLY_BUF	  512

struct http_reply_field {
	const char *name;
	const char *value;
	size_t len;
	char *owned; /* value copied to the heap (too long for buf) */
};

struct http_reply {
	int status;
	int date;		  /* a Date field after Server (directory routes send one) */
	int close;		  /* the body ends with the connection: Connection: close */
	const char *content_type; /* NULL: no Content-Type */
	int64_t content_length;	  /* -1: no Content-Length */
	unsigned int nfields;	  /* then these, in order */
	int overflow;		  /* a field was lost (too many, or no memory) */
	struct http_reply_field fields[HTTP_REPLY_FIELDS];
	char buf[HTTP_REPLY_BUF]; /* formatted values */
	size_t buf_used;
};

/* No fields, no Date, no body length yet. */
void http_reply_init(struct http_reply *r, int status);
/* A field whose value outlives the reply (kept by pointer). */
void http_reply_add(struct http_reply *r, const char *name, const char *value);
/* A field whose value is copied. */
void http_reply_copy(struct http_reply *r, const char *name, const char *value);
/* A field whose value is formatted and copied. */
void http_reply_addf(struct http_reply *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Frees the copies too long for buf. */
void http_reply_free(struct http_reply *r);
/*
 * The head: status line in the client's HTTP version, Server, Date when
 * r->date, Content-Type, Content-Length, r's fields, then Connection: close
 * when !keep_alive or r->close, keep-alive for an HTTP/1.0 client that keeps
 * the connection. 0, -ENOSPC (a field was lost) or -ENOMEM.
 */
int http_build_reply(struct evbuffer *out, const struct http_reply *r, int client_minor,
		     int keep_alive);
/* An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") of t into buf. */
const char *http_date(time_t t, char *buf, size_t len);
const char *http_status_text(int status);

#endif
