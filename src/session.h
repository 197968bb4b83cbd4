/* SPDX-License-Identifier: MIT */
/*
 * A client connection and, while a request is in flight, its backend
 * connection: two halves, an explicit state, one close path.
 */
#ifndef ZS_SESSION_H
#define ZS_SESSION_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "addr.h"
#include "body.h"
#include "http.h"
#include "upstream.h"

struct conn;
struct event;
struct evbuffer;
struct server;
struct route;
struct upstream_conn;
struct accel_conn;
struct zs_log;

enum session_state {
	S_IDLE,	   /* keep-alive: waiting for the first byte of a request */
	S_HEAD,	   /* reading a request head */
	S_QUEUED,  /* waiting in the backend's queue for a connection */
	S_BODY,	   /* forwarding the request body */
	S_WAIT,	   /* request sent, response not complete */
	S_TUNNEL,  /* after 101 Switching Protocols: bytes both ways */
	S_CLOSING, /* flushing the last response, then close */
};

struct session {
	struct server *srv;
	struct conn *cc;	   /* client half */
	struct upstream_conn *up;  /* backend half, while a request is in flight */
	struct upstream_wait wait; /* in the backend's queue (S_QUEUED) */
	uint64_t queued_ms;	   /* when the request began to wait, 0: never */
	/* Kernel engine (session_accel.c): the handle of this client's state
	 * there, made when first needed; the backend connection whose far end
	 * (B) the kernel pairs with this client, out of the pool while paired;
	 * a response the kernel handed up being relayed; the event that brings
	 * a held answer back once a kernel response ended. */
	struct accel_conn *kc;
	struct upstream_conn *paired;
	struct http_msg *fresp;
	/* Its request as the kernel recorded it, for the log (NULL without
	 * one), and where the answer starts in what the client was sent. */
	struct zs_log *frec;
	uint64_t frec_out_at, frec_body_at;
	struct event *retry;
	enum session_state state;
	struct addr client;
	char client_ip[48];
	char client_text[64];

	struct http_msg req, resp;
	const struct route *route;
	struct evbuffer *scratch; /* heads being built, decoded chunks */
	struct evbuffer *reqhead; /* request head sent upstream, kept for one retry */
	struct event *timer;	  /* idle / request-head deadline */

	/* The body of a reply zeroserve writes itself (session_reply), while
	 * replying: pumped from the client's write callback. */
	struct body body;

	/* the request in flight */
	unsigned int req_done : 1;     /* request fully sent upstream */
	unsigned int resp_started : 1; /* response head sent to the client */
	unsigned int client_keep : 1;  /* client connection may carry another request */
	unsigned int upgrade : 1;      /* request asks for an upgrade */
	unsigned int dechunk : 1;      /* HTTP/1.0 client of a chunked response */
	unsigned int client_eof : 1;   /* client half-closed after its request */
	unsigned int retried : 1;
	unsigned int reconnected : 1; /* tried the backend's other address */
	unsigned int up_paused : 1;   /* backpressure: backend reads stopped */
	unsigned int c_paused : 1;    /* backpressure: client reads stopped */
	unsigned int dead : 1;	      /* closed; freed when the last callback returns */
	unsigned int lingering : 1;
	unsigned int in_read : 1;    /* client_process is on the stack */
	unsigned int splicing : 1;   /* response body moving by splice(2) */
	unsigned int in_request : 1; /* a request is being handled (for the log) */
	unsigned int timer_armed : 1;
	unsigned int head_timed : 1;  /* head deadline set for this request */
	unsigned int replying : 1;    /* s->body or its tail still going out */
	unsigned int kclose : 1;      /* the kernel answered last: nothing to claim at close */
	unsigned int ktail : 4;	      /* its tail's bytes, to come on the paired connection */
	unsigned int asked_close : 1; /* the request said close (or HTTP/1.0 without keep-alive) */
	int busy;		      /* callbacks of this session on the stack */
	int client_minor;
	int status;
	uint64_t bytes_out;
	/* For the log and metrics: where the request's answer starts in what
	 * the client was sent, and what splice(2) moved past the conn. */
	uint64_t out_at;
	uint64_t spliced;
	size_t head_hold; /* clean response head left in the input, to go out with its body */
	struct timespec t_start; /* only with an access log */
	uint64_t deadline_ms;	 /* idle / head / linger deadline, 0: none */
	uint64_t timer_fire_ms;	 /* when the armed timer fires */
	const char *method;	 /* llhttp's static name, for the log */
	const char *refusal;	 /* why the guard refused it (allow_reason), for the log */
	char tag[16];		 /* the routing program's tag (ZS_TAG_MAX), "" for none */
	/* What a routing program sees of the connection, asked once. */
	struct addr local;  /* where it came to; len 0 until asked */
	uint64_t cgroup_id; /* the client's (peercg.h); 0: unknown */
	uint64_t req_at;    /* where the request in hand starts in what the client sent */
	unsigned int cgroup_asked : 1;
	char *path; /* request target, for the access log */
	size_t path_len;
	/* --mcp routes (session_mcp.c): the request's and the response's
	 * JSON-RPC, scanned as their bodies pass; NULL until a first call. */
	struct session_mcp *mcp;
	unsigned int mcp_on : 1; /* this request is a call on an --mcp route */

	TAILQ_ENTRY(session) entry;
};

/* Take an accepted socket. NULL with errno. */
/* Take an accepted socket (closed on failure); local: the listener's
 * address, NULL when it must be asked (a wildcard). The session may have
 * read and answered a request, even ended, when this returns. 0 / -errno. */
int session_new(struct server *srv, int fd, const struct sockaddr *sa, int salen,
		const struct sockaddr *local);
/* The one way a session ends; reason goes to the debug log. */
void session_close(struct session *s, const char *reason);
/* Server is draining: close if idle, else finish the request then close. */
void session_drain(struct session *s);
/* Ask the client's cgroup once (session.cgroup_id; 0: unknown). */
void session_client_cgroup(struct session *s);
/* 1 while a request is being handled (metrics: requests in flight). */
int session_in_request(const struct session *s);

/*
 * session.c <-> session_response.c. Anything that may close the session
 * leaves s->dead set: callers check it and return. Callbacks bracket their
 * work with session_enter/session_leave so the memory outlives them.
 */
void session_enter(struct session *s);
void session_leave(struct session *s);
void session_upstream_start(struct session *s);
/* No connection to be had now: wait for one, at the queue's head when first. */
void session_upstream_wait(struct session *s, struct upstream_backend *be, int first);
/* The request's last byte went upstream: the response clock starts. */
void session_upstream_request_sent(struct session *s);
void session_upstream_read(struct conn *conn, void *arg);
/*
 * Answer the request with a response zeroserve makes: r's head (through
 * http_build_reply), then body (taken; dropped for HEAD). The request ends
 * once the client has taken most of it.
 */
void session_reply(struct session *s, const struct http_reply *r, struct body *body);
/* An error answer: "<status> <reason>: msg\n" as text/plain. */
void session_error_reply(struct session *s, int status, const char *msg);
/* The same with r's status and fields (Date, Allow, ...) before the
 * Connection field; msg NULL: "<status> <reason>\n", as directory routes say. */
void session_error_reply_fields(struct session *s, struct http_reply *r, const char *msg);
void session_local_reply(struct session *s, int status, const char *ctype, const char *body,
			 size_t len);
void session_request_end(struct session *s);
void session_finish(struct session *s);
/* An idle session ends shortly: a client that half-closed behind a kernel
 * request, once the kernel's answer is out. */
void session_close_soon(struct session *s);
/* Process client bytes that arrived while a response was in flight. */
void session_client_resume(struct session *s);

/*
 * session_mcp.c: MCP calls by name on --mcp routes (mcp.h). The request's
 * route is known: watch its body if it is a call. The response's head is
 * in: watch its body too. The request is over: its names, for the log.
 */
struct accesslog_entry;
void session_mcp_request(struct session *s);
void session_mcp_response(struct session *s);
void session_mcp_entry(struct session *s, struct accesslog_entry *e);
void session_mcp_free(struct session *s);

/*
 * session_accel.c: the kernel engine's side of a session. Questions are
 * named as such (is_, was_) and answer 1 or 0, 0 without the kernel engine;
 * actions return 0 or -errno (-ENOTSUP: no kernel engine to act on).
 */
/* Host and Origin values (as received) the guard allowed: the kernel may
 * carry requests with them. */
void session_accel_allowed(struct session *s, const char *host, size_t hostlen, const char *origin,
			   size_t originlen);
/* Idle and caught up: tell the kernel it may take the next request. */
int session_accel_idle(struct session *s);
/* Is a kernel response still on its way to the client? Then the session
 * holds its answer, and session_client_resume runs once it ended. */
int session_accel_is_busy(struct session *s);
/* Is the client active on the kernel path though idle here? */
int session_accel_was_active(struct session *s);
/* Keep a reusable backend connection as this client's kernel pair; on
 * failure the caller still owns it. */
int session_accel_keep(struct session *s, struct upstream_conn *up);
/* The paired connection, unpaired, for a request of its route userspace serves; or NULL. */
struct upstream_conn *session_accel_take(struct session *s, const struct upstream_backend *be);
void session_accel_close(struct session *s);
/* The kernel engine's handle of a new client (local: see session_new). */
void session_accel_open(struct session *s, const struct sockaddr *local);
/* What the kernel did for this client before it was accepted: the tail of
 * an answer that came, a lent connection whose backend spoke (parked). */
void session_accel_catch_up(struct session *s);
/* Take over a pairing the kernel made from the pool, if there is one. */
void session_accel_adopt(struct session *s);
/* Does the kernel still owe the client an answer (it carried a request)?
 * Adopts a pool pairing first; a yes arms the retry poll. */
int session_accel_owes(struct session *s);
/* Bytes came up on P1: adopt, and the kernel will not pair from the pool any more. */
void session_accel_handed_up(struct session *s);
/* The pool's hooks (struct upstream_hooks: lend, retire); arg is the server. */
int session_accel_lend(void *arg, struct upstream_conn *up);
void session_accel_retire(void *arg, struct upstream_conn *up);
struct upstream_conn *session_accel_reclaim(void *arg, struct upstream_backend *be);
/* The engine is ready: its records' reader and the pool's sweep. */
void session_accel_start(struct server *srv);

#endif
