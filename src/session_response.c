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
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "relay.h"
#include "router.h"
#include "server.h"
#include "session.h"
#include "upstream.h"

static void upstream_write(struct bufferevent *bev, void *arg);
static void upstream_event(struct bufferevent *bev, short what, void *arg);

static void upstream_attach(struct session *s)
{
	struct upstream_conn *up = s->up;
	struct server *srv = s->srv;

	bufferevent_setcb(up->bev, session_upstream_read, upstream_write, upstream_event, s);
	bufferevent_setwatermark(up->bev, EV_READ, 0, RELAY_HIGH_WATER);
	bufferevent_setwatermark(up->bev, EV_WRITE, RELAY_HIGH_WATER / 2, 0);
	bufferevent_set_max_single_read(up->bev, 128 * 1024);
	if (up->connected)
		bufferevent_set_timeouts(up->bev, s->req_done ? &srv->tv_upstream : NULL,
					 &srv->tv_upstream);
	/* EV_WRITE stays enabled from creation: enabling it again arms a write
	 * event even with nothing to send, two epoll_ctl calls per request. */
	bufferevent_enable(up->bev, EV_READ);
}

void session_upstream_start(struct session *s)
{
	struct evbuffer *h = s->reqhead;

	upstream_attach(s);
	/* A pooled connection may have been closed by the backend a moment ago:
	 * keep the head of a body-less request to send it again on a new one. */
	if (s->up->reused && s->req_done)
		evbuffer_add(s->scratch, evbuffer_pullup(h, -1), evbuffer_get_length(h));
	else
		evbuffer_add_buffer(s->scratch, h);
	relay_send(s->up->bev, s->up->connected, s->scratch);
}

void session_upstream_request_sent(struct session *s)
{
	if (s->up != NULL && s->up->connected)
		bufferevent_set_timeouts(s->up->bev, &s->srv->tv_upstream, &s->srv->tv_upstream);
}

/* Same request, new connection: only for a stale pooled one that said nothing. */
static int upstream_retry(struct session *s)
{
	struct upstream_backend *be = s->up->be;

	if (!s->up->reused || s->retried || !s->req_done || s->resp_started ||
	    s->resp.head_raw > 0 || evbuffer_get_length(s->reqhead) == 0)
		return -1;
	upstream_close(s->up);
	s->retried = 1;
	s->up = upstream_get(be, &s->srv->tv_connect);
	if (s->up == NULL) {
		session_error_reply(s, 502, "cannot connect to the backend");
		return 0;
	}
	upstream_attach(s);
	evbuffer_add_buffer(s->scratch, s->reqhead);
	relay_send(s->up->bev, s->up->connected, s->scratch);
	return 0;
}

static void response_done(struct session *s)
{
	struct upstream_conn *up = s->up;

	s->up = NULL;
	s->resp.body_sink = NULL;
	if (s->req_done && http_msg_keep_alive(&s->resp) &&
	    evbuffer_get_length(bufferevent_get_input(up->bev)) == 0)
		upstream_put(up);
	else
		upstream_close(up);
	session_request_end(s);
}

/* The response head is parsed: 1xx, 101 or the final answer. */
static void response_head(struct session *s)
{
	struct http_msg *r = &s->resp;
	int status = r->parser.status_code;

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
		bufferevent_set_timeouts(s->up->bev, NULL, &s->srv->tv_upstream);
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
	http_build_response(s->scratch, r, s->client_minor, s->client_keep && !s->srv->draining, 0,
			    s->dechunk);
}

static void upstream_process(struct session *s)
{
	struct evbuffer *in, *out;
	size_t used, before;
	int ev;

	if (s->dead || s->up == NULL)
		return;
	in = bufferevent_get_input(s->up->bev);
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
		ev = http_msg_feed(&s->resp, in, &used);
		if (ev & HTTP_EV_ERROR) {
			if (!s->resp_started) {
				evbuffer_drain(s->scratch, (size_t)-1);
				session_error_reply(s, 502, "backend sent an invalid response");
			} else {
				relay_send(s->cbev, 1, s->scratch);
				session_close(s, "backend sent an invalid response body");
			}
			return;
		}
		if (!s->resp_started) {
			evbuffer_drain(in, used);
			if (!(ev & HTTP_EV_HEAD))
				break;
			response_head(s);
			if (s->dead)
				return;
			if (s->state == S_TUNNEL)
				continue;	/* the rest is the other protocol's */
			if (s->resp_started && (ev & HTTP_EV_DONE)) {
				relay_send(s->cbev, 1, s->scratch);
				response_done(s);
				return;
			}
			continue;
		}
		if (s->dechunk)
			evbuffer_drain(in, used);
		else
			evbuffer_remove_buffer(in, s->scratch, used);
		s->bytes_out += evbuffer_get_length(s->scratch) - before;
		if (ev & HTTP_EV_DONE) {
			relay_send(s->cbev, 1, s->scratch);
			response_done(s);
			return;
		}
		if (used == 0)
			break;
	}
	if (s->dead)
		return;
	out = s->scratch;
	if (evbuffer_get_length(out) > 0)
		relay_send(s->cbev, 1, out);
	if (s->state == S_TUNNEL)
		session_client_resume(s);
	if (!s->dead && s->up != NULL && relay_full(s->cbev)) {
		bufferevent_disable(s->up->bev, EV_READ);
		s->up_paused = 1;
	}
}

void session_upstream_read(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	upstream_process(s);
	session_leave(s);
}

static void upstream_write(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	if (s->c_paused && !relay_full(bev))
		session_client_resume(s);
	session_leave(s);
}

/* The response ends with the connection (no length given). */
static void response_eof(struct session *s)
{
	int ev = http_msg_finish(&s->resp);

	if (ev & HTTP_EV_ERROR) {
		relay_send(s->cbev, 1, s->scratch);
		session_close(s, "backend closed mid-response");
		return;
	}
	s->bytes_out += evbuffer_get_length(s->scratch);
	relay_send(s->cbev, 1, s->scratch);
	upstream_close(s->up);
	s->up = NULL;
	session_request_end(s);
}

static void upstream_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;
	struct upstream_conn *up = s->up;

	session_enter(s);
	if (what & BEV_EVENT_CONNECTED) {
		up->connected = 1;
		bufferevent_set_timeouts(bev, s->req_done ? &s->srv->tv_upstream : NULL,
					 &s->srv->tv_upstream);
		goto out;
	}
	if (s->state == S_TUNNEL) {
		session_finish(s);
		goto out;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (!up->connected)
			session_error_reply(s, 502, "backend connect timed out");
		else if (!s->resp_started)
			session_error_reply(s, 504, "backend did not answer in time");
		else
			session_close(s, "backend timed out mid-response");
		goto out;
	}
	if ((what & BEV_EVENT_EOF) && s->resp_started && http_msg_needs_eof(&s->resp)) {
		response_eof(s);
		goto out;
	}
	if (upstream_retry(s) == 0)
		goto out;
	if (!s->resp_started) {
		log_debug("%s: backend %s: %s", s->client_text, s->route ? s->route->authority : "?",
			  (what & BEV_EVENT_EOF) ? "closed" : strerror(EVUTIL_SOCKET_ERROR()));
		session_error_reply(s, 502,
				    !up->connected ? "backend refused the connection"
						   : "backend closed the connection without answering");
	} else {
		session_close(s, "backend closed mid-response");
	}
out:
	session_leave(s);
}
