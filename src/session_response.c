/* SPDX-License-Identifier: MIT */
/*
 * The backend half of a session: send the request head, read the response,
 * rewrite its head, stream its body to the client, hand the connection back
 * to the pool, and turn 101 Switching Protocols into a tunnel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conn.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "session.h"
#include "upstream.h"

static void backend_write(struct conn *conn, void *arg);
static void backend_event(struct conn *conn, short what, void *arg);

/*
 * A connected backend's timers: writes always; reads from the moment the
 * whole request is sent (a slow upload is not a slow backend). While it
 * connects, the connect timeout set by upstream_get runs instead.
 */
static void backend_timeouts(struct session *s)
{
	if (s->up != NULL && conn_connected(s->up->conn))
		conn_set_timeouts(s->up->conn, s->req_done ? &s->srv->tv_upstream : NULL,
				  &s->srv->tv_upstream);
}

static void backend_attach(struct session *s)
{
	struct upstream_conn *up = s->up;

	conn_setcb(up->conn, session_upstream_read, backend_write, backend_event, s);
	conn_set_read_high(up->conn, CONN_HIGH_WATER);
	conn_set_write_low(up->conn, CONN_HIGH_WATER / 2);
	backend_timeouts(s);
	conn_read_enable(up->conn, 1);
}

void session_upstream_start(struct session *s)
{
	struct evbuffer *h = s->reqhead;

	backend_attach(s);
	/* A pooled connection may have been closed by the backend a moment ago:
	 * keep the head of a body-less request to send it again on a new one. */
	if (s->up->reused && s->req_done)
		evbuffer_add(s->scratch, evbuffer_pullup(h, -1), evbuffer_get_length(h));
	else
		evbuffer_add_buffer(s->scratch, h);
	conn_send(s->up->conn, s->scratch);
}

void session_upstream_request_sent(struct session *s)
{
	backend_timeouts(s);
}

/*
 * Same request, new connection: only for a stale pooled one that said
 * nothing. 1 when the request was taken over (sent again, queued or
 * answered), 0 when the caller answers the failure.
 */
static int retry_on_new_conn(struct session *s)
{
	struct upstream_backend *be = s->up->be;

	if (!s->up->reused || s->retried || !s->req_done || s->resp_started ||
	    s->resp.head_raw > 0 || evbuffer_get_length(s->reqhead) == 0)
		return 0;
	upstream_close(s->up);
	s->retried = 1;
	s->up = upstream_get(be, &s->srv->tv_connect);
	if (s->up == NULL && errno == EAGAIN) {
		/* It was this request's connection: it waits first in line. */
		session_upstream_wait(s, be, 1);
		return 1;
	}
	if (s->up == NULL) {
		session_error_reply(s, 502, "cannot connect to the backend");
		return 1;
	}
	backend_attach(s);
	evbuffer_add_buffer(s->scratch, s->reqhead);
	conn_send(s->up->conn, s->scratch);
	return 1;
}

/*
 * The connect failed: once per request, the backend's other address (a
 * name's answer of the other family). Nothing was sent, so the request,
 * body included, moves over whole. 1 when it did, 0 when there is no
 * other address to try.
 */
static int retry_other_address(struct session *s)
{
	struct upstream_conn *old = s->up, *n;

	if (s->reconnected || conn_connected(old->conn))
		return 0;
	n = upstream_get_other(old->be, old, &s->srv->tv_connect);
	if (n == NULL)
		return 0;
	s->reconnected = 1;
	s->up = n;
	backend_attach(s);
	conn_send(n->conn, conn_output(old->conn));
	upstream_close(old);
	return 1;
}

static void response_done(struct session *s)
{
	struct upstream_conn *up = s->up;

	s->up = NULL;
	s->resp.body_sink = NULL;
	if (s->req_done && http_msg_keep_alive(&s->resp) &&
	    evbuffer_get_length(conn_input(up->conn)) == 0) {
		if (session_accel_keep(s, up) < 0)
			upstream_put(up);
	} else {
		upstream_close(up);
	}
	session_request_end(s);
}

/* The response head is parsed: 1xx, 101 or the final answer. */
static void response_head(struct session *s, struct evbuffer *in, size_t used)
{
	struct http_msg *r = &s->resp;
	int status = r->parser.status_code;
	int keep;

	/* The common answer goes out as the backend wrote it: an HTTP/1.1 head,
	 * whole in our buffer, with no hop-by-hop field, for a keep-alive
	 * HTTP/1.1 client. Anything else is rebuilt field by field. */
	if (status >= 200 && status != 101 && s->client_minor == 1 && s->client_keep &&
	    s->req_done && !s->upgrade && !s->srv->draining && r->head_raw == used &&
	    !http_msg_needs_eof(r) && http_response_is_clean(r)) {
		s->resp_started = 1;
		s->status = status;
		evbuffer_drain(s->reqhead, (size_t)-1);
		/* The whole body is here already: head and body leave together,
		 * one buffer moved, not a head copied out of it. */
		if (!(r->events & HTTP_EV_DONE) && !r->skip_body &&
		    (r->parser.flags & F_CONTENT_LENGTH) && !(r->parser.flags & F_CHUNKED) &&
		    evbuffer_get_length(in) - used >= r->parser.content_length) {
			s->head_hold = used;
			return;
		}
		evbuffer_remove_buffer(in, s->scratch, used);
		return;
	}
	evbuffer_drain(in, used);
	if (status / 100 == 1 && status != 101) {
		/* Interim (100 Continue, 103 Early Hints): not for HTTP/1.0 clients. */
		if (s->client_minor)
			http_build_response(s->scratch, r, 1, 1, 0, 0);
		http_msg_reset(r);
		r->skip_body = s->req.parser.method == HTTP_HEAD;
		return;
	}
	s->resp_started = 1;
	s->status = status;
	evbuffer_drain(s->reqhead, (size_t)-1);
	if (status == 101) {
		if (!s->upgrade) {
			s->resp_started = 0;
			session_error_reply(s, 502, "backend switched protocols unasked");
			return;
		}
		http_build_response(s->scratch, r, s->client_minor, 1, 1, 0);
		s->state = S_TUNNEL;
		/* A tunnel may stay quiet for long: only writes are timed. */
		conn_set_timeouts(s->up->conn, NULL, &s->srv->tv_upstream);
		return;
	}
	/* After an upgrade request the client's parser cannot go on. */
	if (s->upgrade || !s->req_done)
		s->client_keep = 0;
	s->dechunk = s->client_minor == 0 && http_msg_chunked(r);
	if (http_msg_needs_eof(r) || s->dechunk)
		s->client_keep = 0;
	if (s->dechunk)
		r->body_sink = s->scratch;
	keep = s->client_keep && !s->srv->draining;
	http_build_response(s->scratch, r, s->client_minor, keep, 0, s->dechunk);
}

/*
 * Bodies with at least this much left skip userspace. Measured here (Linux
 * 6.18, loopback): splice made 1 MiB bodies 2.6x faster but 64 KiB ones 15%
 * slower than the copy, so only long bodies take it.
 */
#define SPLICE_MIN (128 * 1024)

/*
 * The rest of a Content-Length body can go socket to socket with splice(2)
 * once nothing of it waits in our buffers on either side.
 */
static void maybe_splice(struct session *s)
{
	const llhttp_t *p = &s->resp.parser;

	/* An MCP call's answer is read as it passes (session_mcp.c). */
	if (s->state == S_TUNNEL || !s->resp_started || s->dechunk || s->resp.skip_body ||
	    s->mcp_on || !(p->flags & F_CONTENT_LENGTH) || (p->flags & F_CHUNKED) ||
	    p->content_length < SPLICE_MIN || evbuffer_get_length(conn_input(s->up->conn)) > 0 ||
	    evbuffer_get_length(conn_output(s->cc)) > 0)
		return;
	if (conn_splice(s->up->conn, s->cc, p->content_length) == 0)
		s->splicing = 1;
}

static void backend_process(struct session *s)
{
	struct evbuffer *in, *out;
	size_t used, before;
	int ev;

	if (s->dead || s->up == NULL)
		return;
	if (s->up->attempt && evbuffer_get_length(conn_input(s->up->conn)) > 0)
		upstream_answered(s->up);
	if (s->splicing) {
		if (conn_splicing(s->up->conn))
			return;
		s->splicing = 0;
		s->bytes_out += conn_spliced(s->up->conn);
		s->spliced += conn_spliced(s->up->conn);
		response_done(s);
		return;
	}
	in = conn_input(s->up->conn);
	while (!s->dead && s->up != NULL && !s->up_paused) {
		if (s->state == S_TUNNEL) {
			if (evbuffer_get_length(in) > 0) {
				s->bytes_out += evbuffer_get_length(in);
				evbuffer_add_buffer(s->scratch, in);
			}
			break;
		}
		if (evbuffer_get_length(in) == 0)
			break;
		before = evbuffer_get_length(s->scratch);
		ev = http_msg_feed_at(&s->resp, in, s->head_hold, &used);
		if (ev & HTTP_EV_ERROR) {
			if (!s->resp_started) {
				evbuffer_drain(s->scratch, (size_t)-1);
				session_error_reply(s, 502, "backend sent an invalid response");
			} else {
				conn_send(s->cc, s->scratch);
				session_close(s, "backend sent an invalid response body");
			}
			return;
		}
		if (!s->resp_started) {
			if (!(ev & HTTP_EV_HEAD)) {
				evbuffer_drain(in, used);
				break;
			}
			session_mcp_response(s);
			response_head(s, in, used);
			if (s->dead)
				return;
			if (s->state == S_TUNNEL)
				continue; /* the rest is the other protocol's */
			if (s->resp_started && (ev & HTTP_EV_DONE)) {
				response_done(s); /* sends scratch */
				return;
			}
			continue;
		}
		if (s->dechunk)
			evbuffer_drain(in, used);
		else
			evbuffer_remove_buffer(in, s->scratch, s->head_hold + used);
		s->bytes_out += evbuffer_get_length(s->scratch) - before - s->head_hold;
		s->head_hold = 0;
		if (ev & HTTP_EV_DONE) {
			response_done(s); /* sends scratch */
			return;
		}
		if (used == 0)
			break;
	}
	if (s->dead)
		return;
	out = s->scratch;
	if (evbuffer_get_length(out) > 0)
		conn_send(s->cc, out);
	if (s->state == S_TUNNEL)
		session_client_resume(s);
	if (!s->dead && s->up != NULL && conn_full(s->cc)) {
		conn_read_enable(s->up->conn, 0);
		s->up_paused = 1;
	}
	if (!s->dead && s->up != NULL && !s->up_paused)
		maybe_splice(s);
}

void session_upstream_read(struct conn *conn, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	backend_process(s);
	session_leave(s);
}

static void backend_write(struct conn *conn, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	if (s->c_paused && !conn_full(conn))
		session_client_resume(s);
	session_leave(s);
}

/* The response ends with the connection (no length given). */
static void response_eof(struct session *s)
{
	int ev = http_msg_finish(&s->resp);

	if (ev & HTTP_EV_ERROR) {
		conn_send(s->cc, s->scratch);
		session_close(s, "backend closed mid-response");
		return;
	}
	s->bytes_out += evbuffer_get_length(s->scratch);
	conn_send(s->cc, s->scratch);
	upstream_close(s->up);
	s->up = NULL;
	session_request_end(s);
}

/*
 * The connect failed (refused, or timed out). An error tries the backend's
 * other address first. With other connections to the backend open it is busy
 * (a full accept queue drops SYNs), not down: the request waits for one of
 * them, first in line, and takes what was queued for this connection (the
 * head, body bytes) along. With none open, the refusal is the answer.
 */
static void connect_failed(struct session *s, short what)
{
	struct upstream_conn *up = s->up;
	struct upstream_backend *be = up->be;
	int timeout = (what & CONN_TIMEOUT) != 0;

	log_debug("%s: backend %s: %s", s->client_text, s->route ? s->route->authority : "?",
		  timeout ? "connect timed out" : strerror(EVUTIL_SOCKET_ERROR()));
	s->srv->upstream_connect_errors++;
	if (timeout)
		s->srv->upstream_timeouts++;
	if (!timeout && retry_other_address(s))
		return;
	evbuffer_drain(s->reqhead, (size_t)-1);
	evbuffer_add_buffer(s->reqhead, conn_output(up->conn));
	s->up = NULL;
	if (upstream_fail(up) == -EAGAIN) {
		session_upstream_wait(s, be, 1);
		return;
	}
	session_error_reply(
	    s, 502, timeout ? "backend connect timed out" : "backend refused the connection");
}

static void backend_event(struct conn *conn, short what, void *arg)
{
	struct session *s = arg;
	struct upstream_conn *up = s->up;

	session_enter(s);
	if (what & CONN_CONNECTED) {
		backend_timeouts(s);
		goto out;
	}
	if (s->state == S_TUNNEL) {
		session_finish(s);
		goto out;
	}
	if (!conn_connected(up->conn)) {
		connect_failed(s, what);
		goto out;
	}
	if (what & CONN_TIMEOUT) {
		s->srv->upstream_timeouts++;
		if (!s->resp_started)
			session_error_reply(s, 504, "backend did not answer in time");
		else
			session_close(s, "backend timed out mid-response");
		goto out;
	}
	if ((what & CONN_EOF) && s->resp_started && http_msg_needs_eof(&s->resp)) {
		response_eof(s);
		goto out;
	}
	if (retry_on_new_conn(s))
		goto out;
	if (!s->resp_started) {
		log_debug("%s: backend %s: %s", s->client_text,
			  s->route ? s->route->authority : "?",
			  (what & CONN_EOF) ? "closed" : strerror(EVUTIL_SOCKET_ERROR()));
		session_error_reply(s, 502, "backend closed the connection without answering");
	} else {
		session_close(s, "backend closed mid-response");
	}
out:
	session_leave(s);
}
