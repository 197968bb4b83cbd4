/* SPDX-License-Identifier: MIT */
/*
 * The client half of a session: request heads, routing, request bodies,
 * local replies, keep-alive and the one close path. The backend half is in
 * session_response.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "accesslog.h"
#include "telemetry.h"
#include "allow.h"
#include "config.h"
#include "log.h"
#include "conn.h"
#include "router.h"
#include "server.h"
#include "peercg.h"
#include "session.h"
#include "static.h"
#include "upstream.h"
#include "welcome.h"
#ifdef HAVE_BPF_ENGINE
#include "accel.h"
#include "program.h"
#endif

/* A closing connection waits this long for the client's FIN (lingering close). */
#define LINGER_SEC 2

/*
 * One lazy timer per session: moving a deadline later costs nothing (the
 * timer fires early and re-arms), so a keep-alive request touches no timer.
 */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void timer_arm(struct session *s, uint64_t in_ms)
{
	struct timeval tv = {(time_t)(in_ms / 1000), (suseconds_t)(in_ms % 1000) * 1000};

	evtimer_add(s->timer, &tv);
	s->timer_armed = 1;
	s->timer_fire_ms = now_ms() + in_ms;
}

static uint64_t tv_ms(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

static void deadline_set_at(struct session *s, uint64_t at)
{
	uint64_t now = now_ms();

	s->deadline_ms = at;
	if (!s->timer_armed || s->deadline_ms < s->timer_fire_ms)
		timer_arm(s, at > now ? at - now : 0);
}

static void deadline_set(struct session *s, const struct timeval *tv)
{
	deadline_set_at(s, now_ms() + tv_ms(tv));
}

static void deadline_clear(struct session *s)
{
	s->deadline_ms = 0;
}

static void client_read(struct conn *conn, void *arg);
static void client_write(struct conn *conn, void *arg);
static void client_event(struct conn *conn, short what, void *arg);
static void timer_cb(evutil_socket_t fd, short what, void *arg);

int session_new(struct server *srv, int fd, const struct sockaddr *sa, int salen,
		const struct sockaddr *local)
{
	struct session *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		close(fd);
		return -ENOMEM;
	}
	s->srv = srv;
	memcpy(&s->client.ss, sa, (size_t)salen);
	s->client.len = (socklen_t)salen;
	addr_format_host(&s->client, s->client_ip, sizeof(s->client_ip));
	addr_format(&s->client, s->client_text, sizeof(s->client_text));
	/* TCP_NODELAY comes from the listener (server.c, listen_local_set). */

	s->cc = conn_new(srv->base, fd);
	s->scratch = evbuffer_new();
	s->reqhead = evbuffer_new();
	s->timer = evtimer_new(srv->base, timer_cb, s);
	if (s->cc == NULL || s->scratch == NULL || s->reqhead == NULL || s->timer == NULL) {
		if (s->cc == NULL)
			close(fd);
		else
			conn_free(s->cc);
		if (s->scratch)
			evbuffer_free(s->scratch);
		if (s->reqhead)
			evbuffer_free(s->reqhead);
		if (s->timer)
			event_free(s->timer);
		free(s);
		return -ENOMEM;
	}
	body_init(&s->body);
	http_msg_init(&s->req, HTTP_REQUEST);
	if (srv->cfg->max_body != 0)
		s->req.max_body = srv->cfg->max_body;
	http_msg_init(&s->resp, HTTP_RESPONSE);
	conn_setcb(s->cc, client_read, client_write, client_event, s);
	/* Bounded per connection: stop reading above the mark (pipelining, slow backend). */
	conn_set_read_high(s->cc, CONN_HIGH_WATER);
	conn_set_write_low(s->cc, CONN_HIGH_WATER / 2);
	conn_set_timeouts(s->cc, NULL, &srv->tv_upstream);
	s->state = S_IDLE;
	/* A new connection has header-timeout to send its first request. */
	deadline_set(s, &srv->tv_header);
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	session_accel_open(s, local);
	/* The kernel engine carries most first requests: wait for bytes. */
	if (srv->accel != NULL) {
		conn_read_enable(s->cc, 1);
		session_enter(s);
		session_accel_catch_up(s);
		session_leave(s);
		return 0;
	}
	/*
	 * A client that connects sends its request at once: read it now
	 * rather than after another epoll_wait. A whole request that asked to
	 * close needs nothing more from the client, and its socket never joins
	 * epoll (two epoll_ctl calls per connection fewer).
	 */
	session_enter(s);
	conn_read_now(s->cc);
	if (!s->dead && !(s->asked_close && s->req_done))
		conn_read_enable(s->cc, 1);
	session_leave(s);
	return 0;
}

static void session_log_start(struct session *s);

static void log_request(struct session *s)
{
	struct accesslog_entry e;
	struct timespec now;
	uint64_t in;

	if (s->srv->tm == NULL || !s->in_request)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&e, 0, sizeof(e));
	e.client = s->client_text;
	e.method = s->method ? s->method : "-";
	e.path = s->path_len ? s->path : "-";
	e.path_len = s->path_len ? s->path_len : 1;
	e.status = s->status ? s->status : 499;
	e.bytes = s->bytes_out;
	/* What the client sent of this request: bytes read since it began,
	 * less what waits unread (a pipelined next request); all of them
	 * when its head never parsed (refused, or cut off): they are its. */
	in = conn_bytes_read(s->cc);
	if (s->method != NULL)
		in -= evbuffer_get_length(conn_input(s->cc));
	e.request_bytes = in > s->req_at ? in - s->req_at : 0;
	e.response_bytes =
	    conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch) + s->spliced - s->out_at;
	e.duration_ms = (double)(now.tv_sec - s->t_start.tv_sec) * 1e3 +
			(double)(now.tv_nsec - s->t_start.tv_nsec) / 1e6;
	e.route = s->route ? s->route->spec : "-";
	e.backend = s->route == NULL		      ? "-"
		    : s->route->kind == ROUTE_BACKEND ? s->route->authority
						      : "static";
	e.engine = "userspace";
	e.reason = s->refusal;
	e.tag = s->tag[0] ? s->tag : NULL;
	session_client_cgroup(s);
	e.cgroup_id = s->cgroup_id;
	session_mcp_entry(s, &e);
	server_kernel_log(s->srv);
	telemetry_request(s->srv->tm, &e);
}

int session_in_request(const struct session *s)
{
	return s->in_request;
}

static void session_destroy(struct session *s)
{
	struct server *srv = s->srv;

	body_free(&s->body);
	conn_free(s->cc);
	event_free(s->timer);
	evbuffer_free(s->scratch);
	evbuffer_free(s->reqhead);
	http_msg_free(&s->req);
	http_msg_free(&s->resp);
	free(s->path);
	free(s->frec);
	session_mcp_free(s);
	TAILQ_REMOVE(&srv->sessions, s, entry);
	srv->nsessions--;
	free(s);
	server_session_gone(srv);
}

void session_enter(struct session *s)
{
	s->busy++;
}

void session_leave(struct session *s)
{
	if (--s->busy == 0 && s->dead)
		session_destroy(s);
}

void session_close(struct session *s, const char *reason)
{
	if (s->dead)
		return;
	s->dead = 1;
	log_debug("%s: closed: %s", s->client_text, reason);
	/* A cut-off splice: what it moved still went to the client. */
	if (s->splicing && s->up != NULL) {
		s->bytes_out += conn_spliced(s->up->conn);
		s->spliced += conn_spliced(s->up->conn);
	}
	log_request(s);
	upstream_wait_cancel(&s->wait);
	session_accel_close(s);
	if (s->up != NULL) {
		upstream_close(s->up);
		s->up = NULL;
	}
	evtimer_del(s->timer);
	conn_read_enable(s->cc, 0);
	if (s->busy == 0)
		session_destroy(s);
}

/* Output flushed: half-close and wait briefly for the client's FIN, so
 * unread request bytes do not turn into a reset that eats our answer. */
static void linger(struct session *s)
{
	struct timeval tv = {LINGER_SEC, 0};

	if (s->client_eof) {
		session_close(s, "done");
		return;
	}
	/*
	 * A client that asked to close, whose request we read whole, sends
	 * nothing more: no unread bytes can turn our close into a reset, so
	 * close now, as nginx does (its lingering close is for unread input).
	 */
	if (s->asked_close && s->req_done && evbuffer_get_length(conn_input(s->cc)) == 0) {
		session_close(s, "done");
		return;
	}
	s->lingering = 1;
	(void)shutdown(conn_fd(s->cc), SHUT_WR);
	evbuffer_drain(conn_input(s->cc), (size_t)-1);
	conn_read_enable(s->cc, 1);
	deadline_set(s, &tv);
}

/* The last response is queued: close once it is out. */
void session_finish(struct session *s)
{
	if (s->up != NULL) {
		upstream_close(s->up);
		s->up = NULL;
	}
	s->state = S_CLOSING;
	deadline_clear(s);
	if (evbuffer_get_length(conn_output(s->cc)) == 0)
		linger(s);
}

/*
 * A client that half-closed behind a kernel request: the kernel says its
 * answer is out (zs_conns[C]) before the redirect's verdict takes effect
 * (bpf/zs.bpf.c, backend_msg), and the backend's thread may be preempted
 * in between (lock_sock of the client's socket may sleep): a FIN sent at
 * once could reach the client before the answer. The answer to a "close"
 * request needs no pause: its tail brings the FIN (close_tail).
 */
#define KCLOSE_MSEC 20

void session_close_soon(struct session *s)
{
	struct timeval tv = {0, KCLOSE_MSEC * 1000};

	s->kclose = 1;
	deadline_set(s, &tv);
}

void session_drain(struct session *s)
{
	/* One the kernel is still answering is left to the drain deadline;
	 * a pairing the kernel made is ours to ask about first. */
	session_accel_adopt(s);
	if (s->state == S_IDLE && !session_accel_is_busy(s))
		session_close(s, "shutting down");
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	uint64_t now = now_ms();

	s->timer_armed = 0;
	if (s->deadline_ms == 0)
		return;
	if (now < s->deadline_ms) {
		timer_arm(s, s->deadline_ms - now);
		return;
	}
	session_enter(s);
	switch (s->state) {
	case S_IDLE:
		if (s->kclose) {
			/* A client that half-closed is done: close, so its backend
			 * connection can go back to the pool. */
			if (s->client_eof)
				session_close(s, "client closed");
			else
				session_finish(s);
			break;
		}
		/* Requests the kernel carries never reach us: not idle then. */
		if (session_accel_was_active(s)) {
			deadline_set(s, &s->srv->tv_idle);
			break;
		}
		session_close(s, "idle timeout");
		break;
	case S_HEAD:
		s->client_keep = 0;
		session_local_reply(s, 408, "text/plain", "request head timeout\n", 21);
		break;
	case S_QUEUED:
		session_error_reply(
		    s, 503, "the backend is busy: no connection to it within the queue timeout");
		break;
	default:
		session_close(s, "closing timeout");
		break;
	}
	session_leave(s);
}

void session_request_end(struct session *s)
{
	struct server *srv = s->srv;

	log_request(s);
	s->in_request = 0;
	if (!s->client_keep || srv->draining) {
		conn_send(s->cc, s->scratch);
		session_finish(s);
		return;
	}
	http_msg_reset(&s->req);
	http_msg_reset(&s->resp);
	evbuffer_drain(s->reqhead, (size_t)-1);
	s->route = NULL;
	s->state = S_IDLE;
	deadline_set(s, &srv->tv_idle);
	/* The kernel may take the next request: tell it before the answer's
	 * last bytes (still in scratch) reach the client. */
	session_accel_idle(s);
	conn_send(s->cc, s->scratch);
	/* Pipelined bytes may already wait. */
	session_client_resume(s);
}

/*
 * Queue the head left in scratch and as much of the reply's body as the
 * client takes; the request ends once all of it is queued and the client's
 * output is below its high-water mark.
 */
static void reply_pump(struct session *s)
{
	uint64_t sent = 0;
	int rc;

	rc = body_send(&s->body, s->cc, s->scratch, &sent);
	s->bytes_out += sent;
	if (rc < 0) {
		evbuffer_drain(s->scratch, (size_t)-1);
		session_close(s, "cannot send the response body");
		return;
	}
	if (rc == 1 && !conn_full(s->cc)) {
		s->replying = 0;
		session_request_end(s);
	}
}

void session_reply(struct session *s, const struct http_reply *r, struct body *body)
{

	upstream_wait_cancel(&s->wait);
	if (s->up != NULL) {
		upstream_close(s->up);
		s->up = NULL;
	}
	/* Unread request body bytes: the connection cannot carry another request. */
	if (!s->req_done || s->srv->draining || r->close)
		s->client_keep = 0;
	s->status = r->status;
	if (!s->in_request) {
		s->in_request = 1;
		if (s->srv->tm != NULL)
			session_log_start(s);
	}
	body_free(&s->body);
	s->body = *body;
	body_init(body);
	if (s->req.parser.method == HTTP_HEAD && s->req.head_done)
		body_free(&s->body);
	if (http_build_reply(s->scratch, r, s->client_minor, s->client_keep) < 0) {
		session_close(s, "cannot build the response head");
		return;
	}
	/* What the client does not take now goes as it does (client_write). */
	s->replying = 1;
	s->state = S_WAIT;
	reply_pump(s);
}

void session_local_reply(struct session *s, int status, const char *ctype, const char *body,
			 size_t len)
{
	struct http_reply r;
	struct body b;

	http_reply_init(&r, status);
	r.content_type = ctype;
	r.content_length = (int64_t)len;
	body_memory(&b, body, len, NULL, NULL);
	session_reply(s, &r, &b);
	http_reply_free(&r);
}

void session_error_reply_fields(struct session *s, struct http_reply *r, const char *msg)
{
	const char *text = http_status_text(r->status);
	char body[1024]; /* the guard's hints name a host twice */
	struct body b;
	int n;

	if (msg != NULL)
		n = snprintf(body, sizeof(body), "%d %s: %s\n", r->status, text, msg);
	else
		n = snprintf(body, sizeof(body), "%d %s\n", r->status, text);
	if (n < 0)
		n = 0;
	else if ((size_t)n >= sizeof(body))
		n = sizeof(body) - 1;
	r->content_type = "text/plain; charset=utf-8";
	r->content_length = n;
	body_memory(&b, body, (size_t)n, NULL, NULL);
	session_reply(s, r, &b);
}

void session_error_reply(struct session *s, int status, const char *msg)
{
	struct http_reply r;

	http_reply_init(&r, status);
	session_error_reply_fields(s, &r, msg);
	http_reply_free(&r);
}

/* A directory route: static.c decides, the session answers. */
static void serve_directory(struct session *s, const char *target, size_t tlen)
{
	const struct http_head *h = &s->req.head;
	struct static_request rq;
	struct http_reply r;
	struct body b;
	int status;

	rq.route = s->route;
	rq.method = s->req.parser.method;
	rq.http_minor = s->client_minor;
	rq.target = target;
	rq.target_len = tlen;
	rq.range.p = http_head_get(h, "range", &rq.range.len);
	rq.if_range.p = http_head_get(h, "if-range", &rq.if_range.len);
	rq.if_none_match.p = http_head_get(h, "if-none-match", &rq.if_none_match.len);
	rq.if_modified_since.p = http_head_get(h, "if-modified-since", &rq.if_modified_since.len);
	rq.accept_encoding.p = http_head_get(h, "accept-encoding", &rq.accept_encoding.len);
	status = static_serve(s->srv->files, &rq, &r, &b);
	if (status >= 400)
		session_error_reply_fields(s, &r, NULL);
	else
		session_reply(s, &r, &b);
	body_free(&b);
	http_reply_free(&r);
}

/* Where the request goes: by its Host and target (router_match_target). */
static const struct route *route_request(struct session *s, const char **target, size_t *tlen)
{
	const struct http_head *h = &s->req.head;
	const char *host;
	size_t hostlen;

	host = http_head_get(h, "host", &hostlen);
	return router_match_target(&s->srv->cfg->router, host, hostlen, h->buf + h->url_off,
				   h->url_len, target, tlen);
}

/* A backend connection for the request: send it the request. */
static void backend_begin(struct session *s)
{
	struct server *srv = s->srv;

	session_upstream_start(s);
	if (s->dead || s->state == S_CLOSING || s->up == NULL)
		return;
	s->state = s->req_done ? S_WAIT : S_BODY;
	/* A client that stops sending its body is timed like a silent backend. */
	if (!s->req_done)
		conn_set_timeouts(s->cc, &srv->tv_upstream, &srv->tv_upstream);
}

/* Called by the pool from the loop with the connection the request waited for. */
static void backend_ready(struct upstream_wait *w, struct upstream_conn *c, int err)
{
	struct session *s = (struct session *)(void *)((char *)w - offsetof(struct session, wait));

	session_enter(s);
	deadline_clear(s);
	if (c == NULL) {
		log_debug("%s: backend %s: %s", s->client_text,
			  s->route ? s->route->authority : "?", strerror(err));
		session_error_reply(s, 502, "cannot connect to the backend");
	} else {
		s->up = c;
		backend_begin(s);
		/* Body bytes may have arrived while the request waited. */
		if (!s->dead && s->up != NULL)
			session_client_resume(s);
	}
	session_leave(s);
}

/*
 * The queue timeout counts from the request's first wait, so a request whose
 * connect failed and waits again keeps its deadline. Client bytes wait
 * meanwhile, bounded by the read watermark; only the queue timeout runs.
 */
void session_upstream_wait(struct session *s, struct upstream_backend *be, int first)
{
	if (s->queued_ms == 0)
		s->queued_ms = now_ms();
	s->state = S_QUEUED;
	s->wait.ready = backend_ready;
	conn_set_timeouts(s->cc, NULL, &s->srv->tv_upstream);
	deadline_set_at(s, s->queued_ms + tv_ms(&s->srv->tv_queue));
	upstream_wait(be, &s->wait, first);
}

/* What a refusal's hint may echo of a client's value: no byte that could
 * turn the text/plain line into something else. */
static void hint_copy(char *out, size_t outlen, const char *v, size_t len)
{
	size_t i;

	if (len > outlen - 1)
		len = outlen - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		out[i] = (isalnum(c) || strchr("-._~:/[]", c) != NULL) ? (char)c : '?';
	}
	out[len] = '\0';
}

/*
 * The DNS-rebinding and cross-site guard (allow.h), before any route: a
 * refused request reaches no backend, file or welcome page. 1 when it was
 * refused (answered, the connection to close), else 0.
 */
static int guard_request(struct session *s)
{
	const struct allow *al = &s->srv->cfg->allow;
	const struct http_head *h = &s->req.head;
	const char *hv, *host, *origin;
	size_t hvlen, hostlen, olen;
	enum allow_verdict v;
	char name[ROUTER_HOST_MAX + 64], msg[3 * sizeof(name)];
	int norigins, n;

	hv = http_head_get(h, "host", &hvlen);
	router_request_host(hv, hvlen, h->buf + h->url_off, h->url_len, &host, &hostlen);
	origin = http_head_get(h, "origin", &olen);
	norigins = origin != NULL ? http_head_count(h, "origin") : 0;
	v = allow_request(al, host, hostlen, origin, olen, norigins);
	if (v == ALLOW_PASS) {
		/* What the kernel may carry from now on: the same bytes, which
		 * it compares whole (doc/architecture.md, "Host and Origin"). */
		if (host == hv)
			session_accel_allowed(s, hv, hvlen, origin, olen);
		return 0;
	}
	n = v == ALLOW_BAD_HOST ? allow_host_name(host, hostlen, name, sizeof(name)) : 0;
	if (v == ALLOW_BAD_HOST && n > 0) {
		hint_copy(name, sizeof(name), name, (size_t)n);
		snprintf(msg, sizeof(msg),
			 "Host '%s' is not allowed; start zeroserve with --allow-host %s", name,
			 name);
	} else if (v == ALLOW_BAD_HOST) {
		/* No option helps: the value names no host (a port that is
		 * not digits, a '@', an empty label). */
		hint_copy(name, sizeof(name), host, hostlen);
		snprintf(msg, sizeof(msg), "Host '%s' is not a host name with an optional port",
			 name);
	} else if (norigins > 1) {
		snprintf(msg, sizeof(msg), "more than one Origin field");
	} else if (olen == 0) {
		snprintf(msg, sizeof(msg), "an empty Origin field");
	} else if (olen == 4 && memcmp(origin, "null", 4) == 0) {
		snprintf(msg, sizeof(msg),
			 "Origin 'null' is not allowed; start zeroserve with --allow-origin null");
	} else {
		hint_copy(name, sizeof(name), origin, olen);
		snprintf(msg, sizeof(msg),
			 "Origin '%s' is not allowed; start zeroserve with --allow-origin %s", name,
			 name);
	}
	s->refusal = allow_reason(v);
	s->client_keep = 0;
	session_error_reply(s, 403, msg);
	return 1;
}

/* The connection's listen address and the client's cgroup (peercg.h),
 * asked once: for a routing program, and for the log and metrics. */
void session_client_cgroup(struct session *s)
{
	int rc;

	if (s->cgroup_asked)
		return;
	s->cgroup_asked = 1;
	s->local.len = sizeof(s->local.ss);
	if (getsockname(conn_fd(s->cc), (struct sockaddr *)&s->local.ss, &s->local.len) < 0)
		s->local.len = 0;
	rc = s->local.len ? peercg_lookup((const struct sockaddr *)&s->client.ss,
					  (const struct sockaddr *)&s->local.ss, &s->cgroup_id)
			  : -ENOTCONN;
	if (rc < 0) {
		log_debug("%s: its cgroup is unknown: %s", s->client_text, strerror(-rc));
		s->cgroup_id = 0;
	}
}

/* A request begins, for the log: its clock and where its answer starts. */
static void session_log_start(struct session *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t_start);
	s->out_at = conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch);
	s->spliced = 0;
}

#ifdef HAVE_BPF_ENGINE
/* The connection as a routing program sees it: the listen port it came
 * to and the client's cgroup. */
static void program_conn(struct session *s, struct progreq_in *in)
{
	session_client_cgroup(s);
	in->local_port = s->local.len ? (uint16_t)addr_port(&s->local) : 0;
	in->cgroup_id = s->cgroup_id;
}

/*
 * The routing program's decision (man zeroserve-program.7), after the
 * framing checks and the guard, as the kernel engine takes it: *route
 * is the command line's pick, replaced by the program's. 1 when the
 * request was answered (refused), else 0.
 */
static int program_request(struct session *s, const struct route **route, const char *target,
			   size_t tlen, int *as_is)
{
	const struct router *rt = &s->srv->cfg->router;
	const struct http_head *h = &s->req.head;
	struct progreq_in in = {0};
	struct zs_request req;
	struct zs_verdict v;
	const char *hv;
	size_t hvlen;
	int action;

	/* Decided once: the kernel may have asked it before sending it up. */
	if (accel_conn_decision(s->kc, s->req_at, &action, &v)) {
		action = program_check(s->srv->program, action, &v);
	} else {
		hv = http_head_get(h, "host", &hvlen);
		router_request_host(hv, hvlen, h->buf + h->url_off, h->url_len, &in.host,
				    &in.hostlen);
		in.method = s->req.parser.method;
		in.target = target;
		in.tlen = tlen;
		in.head = h;
		in.fields = program_fields(s->srv->program);
		in.client = (const struct sockaddr *)&s->client.ss;
		program_conn(s, &in);
		in.builtin_route = *route != NULL ? (uint32_t)(*route)->id : ZS_NO_ROUTE;
		progreq_build(&req, &in);
		action = program_decide(s->srv->program, &req, &v);
	}
	if (action < 0) {
		log_warnx("%s: the routing program gave no decision: %s", s->client_text,
			  action == -EPROTO ? "a route or status it may not use"
					    : strerror(-action));
		s->refusal = "program-failed";
		session_error_reply(s, 500, "the routing program gave no decision");
		return 1;
	}
	memcpy(s->tag, v.tag, sizeof(s->tag));
	s->tag[sizeof(s->tag) - 1] = '\0';
	if (action == ZS_REFUSE) {
		s->refusal = "program";
		session_error_reply(s, (int)v.status, "refused by the routing program");
		return 1;
	}
	if (action == ZS_ROUTE) {
		*route = &rt->routes[v.route];
		/* A prefix the target does not start with has nothing to
		 * replace: the target goes as it came. */
		*as_is = (*route)->replace != NULL &&
			 (tlen < (*route)->prefix_len ||
			  memcmp(target, (*route)->prefix, (*route)->prefix_len) != 0);
	}
	return 0;
}
#endif

/* The head is complete: check, route, and start the backend half. */
static void request_start(struct session *s, int ev)
{
	struct server *srv = s->srv;
	const struct http_head *h = &s->req.head;
	struct upstream_backend *be;
	struct http_forward fwd;
	const char *target;
	char tbuf[2048], *rewritten = tbuf;
	size_t tlen, need;
	int status, n, as_is = 0;

	deadline_clear(s);
	s->req_done = (ev & HTTP_EV_DONE) != 0;
	s->resp_started = 0;
	s->dechunk = 0;
	s->retried = 0;
	s->reconnected = 0;
	s->queued_ms = 0;
	s->head_hold = 0;
	s->status = 0;
	s->bytes_out = 0;
	s->refusal = NULL;
	s->tag[0] = '\0';
	s->mcp_on = 0;
	s->req.body_watch = NULL;
	s->resp.body_watch = NULL;
	s->client_minor = s->req.parser.http_major == 1 ? s->req.parser.http_minor : 0;
	s->asked_close = !http_msg_keep_alive(&s->req);
	/* A client that half-closed gets this answer, then the close. */
	s->client_keep = !s->asked_close && !srv->draining && !s->client_eof;
	s->upgrade = s->req.parser.upgrade && s->req.parser.method != HTTP_CONNECT;
	s->method = llhttp_method_name(s->req.parser.method);
	if (s->path == NULL || s->path_len < h->url_len) {
		free(s->path);
		s->path = malloc(h->url_len + 1);
		if (s->path == NULL) {
			session_close(s, "out of memory");
			return;
		}
	}
	memcpy(s->path, h->buf + h->url_off, h->url_len);
	s->path_len = h->url_len;

	status = http_request_check(&s->req);
	if (status != 0) {
		s->client_keep = 0;
		session_error_reply(s, status,
				    status == 405 ? "method not allowed by a reverse proxy"
						  : "bad request");
		return;
	}
	if (guard_request(s))
		return;
	s->route = route_request(s, &target, &tlen);
#ifdef HAVE_BPF_ENGINE
	if (srv->program != NULL && program_request(s, &s->route, target, tlen, &as_is))
		return;
#endif
	if (s->route == NULL) {
		if (srv->cfg->router.n == 0 && tlen == 1 && target[0] == '/' &&
		    (s->req.parser.method == HTTP_GET || s->req.parser.method == HTTP_HEAD)) {
			session_local_reply(s, 200, "text/html; charset=utf-8", welcome_html,
					    welcome_html_len);
			return;
		}
		session_error_reply(s, 404, "no route for this request");
		return;
	}
	if (s->route->kind == ROUTE_DIRECTORY) {
		serve_directory(s, target, tlen);
		return;
	}
	session_mcp_request(s);

	/* The rewritten target is the target with the prefix replaced, plus
	 * at most a leading '/' and the NUL. */
	need = tlen + (s->route->replace ? strlen(s->route->replace) : 0) + 2;
	if (need > sizeof(tbuf)) {
		rewritten = malloc(need);
		if (rewritten == NULL) {
			session_close(s, "out of memory");
			return;
		}
	}
	n = as_is ? router_rewrite(NULL, target, tlen, rewritten,
				   need > sizeof(tbuf) ? need : sizeof(tbuf))
		  : router_rewrite(s->route, target, tlen, rewritten,
				   need > sizeof(tbuf) ? need : sizeof(tbuf));
	if (n < 0) {
		if (rewritten != tbuf)
			free(rewritten);
		session_error_reply(s, 414, "request target too long");
		return;
	}
	fwd.client_ip = s->client_ip;
	fwd.client_is_v6 = s->client.ss.ss_family == AF_INET6;
	fwd.proto = "http";
	evbuffer_drain(s->reqhead, (size_t)-1);
	n = http_build_request(s->reqhead, &s->req, rewritten, (size_t)n, &fwd, s->upgrade);
	if (rewritten != tbuf)
		free(rewritten);
	if (n == -ENOSPC) {
		s->client_keep = 0;
		session_error_reply(s, 431, "request head too large to forward");
		return;
	}
	if (n < 0) {
		session_close(s, "out of memory");
		return;
	}
	s->resp.skip_body = s->req.parser.method == HTTP_HEAD;

	be = upstream_pool_backend(srv->pool, s->route->id);
	if (be == NULL) {
		session_error_reply(s, 502, "cannot connect to the backend");
		return;
	}
	/* The client's paired connection first, else one of the pool's. */
	s->up = session_accel_take(s, be);
	if (s->up == NULL)
		s->up = upstream_get(be, &srv->tv_connect);
	if (s->up == NULL) {
		if (errno == EAGAIN)
			session_upstream_wait(s, be, 0);
		else
			session_error_reply(s, 502, "cannot connect to the backend");
		return;
	}
	backend_begin(s);
}

/* Everything the client sent that can be handled now. */
static void client_process(struct session *s)
{
	struct evbuffer *in = conn_input(s->cc);
	size_t used, avail;
	int ev;

	if (s->in_read)
		return; /* an outer call on the stack goes on with the new state */
	s->in_read = 1;
	while (!s->dead) {
		avail = evbuffer_get_length(in);
		if (s->state == S_IDLE) {
			if (avail == 0)
				break;
			/* What the kernel paired this client with is ours now. */
			session_accel_handed_up(s);
			/* A kernel response still on its way goes first. */
			if (session_accel_is_busy(s))
				break;
			s->state = S_HEAD;
			s->req_at = conn_bytes_read(s->cc) - avail;
			s->up_paused = s->c_paused = 0;
			/* Errors before the request line is parsed answer in HTTP/1.1. */
			s->client_minor = 1;
			s->client_keep = 0;
			s->method = NULL;
			s->refusal = NULL;
			s->tag[0] = '\0';
			s->path_len = 0;
			s->bytes_out = 0;
			s->status = 0;
			s->route = NULL;
			s->in_request = 1;
			if (s->srv->tm != NULL)
				session_log_start(s);
		}
		if (s->state == S_HEAD) {
			if (avail == 0)
				break;
			ev = http_msg_feed(&s->req, in, &used);
			if (ev & HTTP_EV_ERROR) {
				s->req_done = 0;
				s->client_keep = 0;
				session_error_reply(s, s->req.status, http_msg_error(&s->req));
				break;
			}
			evbuffer_drain(in, used);
			if (!(ev & HTTP_EV_HEAD)) {
				/* The head deadline; a head that comes whole never needs it. */
				if (!s->head_timed) {
					s->head_timed = 1;
					deadline_set(s, &s->srv->tv_header);
				}
				break;
			}
			s->head_timed = 0;
			request_start(s, ev);
			continue;
		}
		if (s->state == S_BODY) {
			if (avail == 0 || s->c_paused || s->up == NULL)
				break;
			ev = http_msg_feed(&s->req, in, &used);
			if (ev & HTTP_EV_ERROR) {
				/* Nothing of the bad piece went upstream; the backend
				 * connection is closed, so it never reads on. */
				if (s->resp_started) {
					session_close(s, "bad request body");
				} else {
					s->client_keep = 0;
					session_error_reply(s, s->req.status,
							    http_msg_error(&s->req));
				}
				break;
			}
			if (used > 0) {
				evbuffer_remove_buffer(in, s->scratch, used);
				conn_send(s->up->conn, s->scratch);
			}
			if (ev & HTTP_EV_DONE) {
				s->req_done = 1;
				s->state = S_WAIT;
				conn_set_timeouts(s->cc, NULL, &s->srv->tv_upstream);
				session_upstream_request_sent(s);
				break;
			}
			if (conn_full(s->up->conn)) {
				conn_read_enable(s->cc, 0);
				s->c_paused = 1;
				break;
			}
			if (used == 0)
				break;
			continue;
		}
		if (s->state == S_TUNNEL) {
			if (avail == 0 || s->c_paused || s->up == NULL)
				break;
			evbuffer_add_buffer(s->scratch, in);
			conn_send(s->up->conn, s->scratch);
			if (conn_full(s->up->conn)) {
				conn_read_enable(s->cc, 0);
				s->c_paused = 1;
			}
			break;
		}
		if (s->state == S_CLOSING)
			evbuffer_drain(in, avail);
		break; /* S_WAIT: pipelined bytes wait, bounded by the read watermark */
	}
	s->in_read = 0;
}

void session_client_resume(struct session *s)
{
	if (s->c_paused && !s->dead) {
		s->c_paused = 0;
		conn_read_enable(s->cc, 1);
	}
	client_process(s);
}

static void client_read(struct conn *conn, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	client_process(s);
	session_leave(s);
}

static void client_write(struct conn *conn, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	if (s->state == S_CLOSING) {
		if (!s->lingering && evbuffer_get_length(conn_output(conn)) == 0)
			linger(s);
	} else if (s->state == S_IDLE) {
		session_accel_idle(s);
	} else if (s->replying) {
		reply_pump(s);
	} else if (s->up_paused && s->up != NULL && !conn_full(conn)) {
		s->up_paused = 0;
		conn_read_enable(s->up->conn, 1);
		session_upstream_read(s->up->conn, s);
	}
	session_leave(s);
}

static void client_event(struct conn *conn, short what, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	if (what & CONN_EOF) {
		s->client_eof = 1;
		if (s->state == S_CLOSING) {
			if (s->lingering)
				session_close(s, "done");
		} else if ((s->state == S_WAIT || s->state == S_QUEUED) && s->req_done) {
			/* Half-close after the request: answer, then close. */
			s->client_keep = 0;
		} else if (s->state == S_IDLE && session_accel_owes(s)) {
			/* Half-close after a request the kernel carried: its answer
			 * comes first; the retry poll closes once it is out
			 * (session_accel.c, retry_cb). */
		} else {
			session_close(s,
				      s->state == S_IDLE ? "client closed" : "client closed early");
		}
	} else if ((what & CONN_TIMEOUT) && (what & CONN_READING) && s->state == S_BODY &&
		   !s->resp_started) {
		s->client_keep = 0;
		session_error_reply(s, 408, "request body timeout");
	} else if (what & CONN_TIMEOUT) {
		session_close(s, (what & CONN_READING) ? "client read timeout"
						       : "client write timeout");
	} else {
		session_close(s, s->state == S_CLOSING && s->lingering ? "done" : "client error");
	}
	session_leave(s);
}
