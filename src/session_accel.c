/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's side of a session (doc/architecture.md, "Ordering
 * model"): pair the client with a backend connection after a request
 * userspace served, tell the kernel when userspace is idle and caught up,
 * hold userspace answers while a kernel response is still on its way, and
 * relay the responses the kernel hands up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "accel.h"
#include "conn.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "session.h"
#include "telemetry.h"
#include "upstream.h"
#ifdef HAVE_BPF_ENGINE
#include "zs_abi.h"
#endif

#ifdef HAVE_BPF_ENGINE

/*
 * How often a held answer looks again whether the kernel response ended: a
 * poll, not an event, since no wake-up found is both free on the kernel
 * path and race-free (doc/architecture.md, "Ordering model", "Waiting for
 * the kernel"). It only runs while a pipelining client's request waits
 * behind a kernel response, which ends within the 4 MiB bound.
 */
#define RETRY_USEC 500

static void paired_drop(struct session *s)
{
	if (s->paired == NULL)
		return;
	accel_conn_unpair(s->kc);
	upstream_close(s->paired);
	s->paired = NULL;
}

/*
 * The paired connection goes back to the pool when the kernel is done with
 * it: no kernel request waits for its answer (inflight), no body is half
 * sent (req_left), nothing is held (corked) or handed up unrelayed. The
 * unpair comes first: from then on the kernel hands C's bytes up instead
 * of carrying them to a connection another client may hold.
 */
static int paired_put(struct session *s)
{
	struct upstream_conn *up = s->paired;

	if (up == NULL || s->fresp != NULL || s->srv->draining ||
	    evbuffer_get_length(conn_input(up->conn)) > 0 || !accel_conn_is_settled(s->kc))
		return -EBUSY;
	accel_conn_unpair(s->kc);
	s->paired = NULL;
	upstream_put(up);
	return 0;
}

/*
 * The tail of the kernel's answer to C's "close" request (bpf/zs.bpf.c,
 * close_tail): its last bytes, all the rest in C's queue already. They go
 * out with the FIN in one segment (MSG_MORE holds them for close, which
 * sets FIN on them: tcp_send_fin, net/ipv4/tcp_output.c), so the client
 * that reads the answer's end finds the connection closed, and closes
 * without a TIME_WAIT of its own.
 */
static void tail_close(struct session *s, const void *buf, uint32_t n)
{
	ssize_t w = -1;

	if (s->dead)
		return;
	s->ktail = 0;
	/* Nothing to claim at close: the kernel takes its pool connection
	 * back at C's FIN. A pairing zeroserve holds goes back now. */
	s->kclose = 1;
	s->client_keep = 0;
	if (s->paired != NULL)
		paired_put(s);
	if (s->state == S_IDLE && evbuffer_get_length(conn_output(s->cc)) == 0 &&
	    evbuffer_get_length(conn_input(s->cc)) == 0)
		w = send(conn_fd(s->cc), buf, n, MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w == (ssize_t)n) {
		session_close(s, "done");
		return;
	}
	if (w < 0)
		w = 0;
	evbuffer_add(s->scratch, (const char *)buf + w, n - (size_t)w);
	conn_send(s->cc, s->scratch);
	session_finish(s);
}

static void tail_deliver(void *owner, const void *buf, uint32_t n, void *arg)
{
	struct session *s = owner;

	session_enter(s);
	tail_close(s, buf, n);
	session_leave(s);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	session_enter(s);
	session_client_resume(s);
	session_accel_idle(s);
	/* A client that half-closed behind a kernel request: close once the
	 * kernel's answer is out (session_close_soon: the answer's bytes may
	 * still be on their way into the client's queue). */
	if (!s->dead && s->client_eof && s->state == S_IDLE && !s->kclose &&
	    evbuffer_get_length(conn_input(s->cc)) == 0 && !session_accel_is_busy(s))
		session_close_soon(s);
	session_leave(s);
}

static void retry_arm(struct session *s)
{
	struct timeval tv = {0, RETRY_USEC};

	if (s->retry == NULL)
		s->retry = evtimer_new(s->srv->base, retry_cb, s);
	if (s->retry != NULL)
		evtimer_add(s->retry, &tv);
}

int session_accel_idle(struct session *s)
{
	if (s->paired == NULL || s->dead || s->state != S_IDLE)
		return 0;
	/* Pipelined bytes are a request userspace is about to answer. */
	if (evbuffer_get_length(conn_input(s->cc)) > 0)
		return 0;
	/*
	 * Published before the last bytes of the answer go out (they wait in
	 * scratch): the client may send its next request the moment it has
	 * them. out counts them, and the kernel waits until the client has
	 * read that much over TCP, so no kernel answer can overtake them.
	 */
	return accel_conn_done(s->kc, conn_bytes_read(s->cc),
			       conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch));
}

int session_accel_is_busy(struct session *s)
{
	if (s->paired == NULL || !accel_conn_is_busy(s->kc))
		return 0;
	log_debug("%s: kernel busy: the answer waits", s->client_text);
	retry_arm(s);
	return 1;
}

int session_accel_was_active(struct session *s)
{
	/* Unpaired here, C may still be the kernel's from its first request. */
	return s->kc != NULL && accel_conn_was_active(s->kc);
}

/* The kernel carried the request, zeroserve relayed its answer: the
 * kernel's record, completed with the answer, is logged as the kernel's. */
static void foreign_log(struct session *s)
{
	struct timespec now;
	uint64_t out;

	if (s->frec == NULL || s->srv->tm == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->frec->end = (uint64_t)now.tv_sec * 1000000000 + (uint64_t)now.tv_nsec;
	s->frec->status = s->fresp->parser.status_code;
	out = conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch);
	s->frec->resp_body = out - s->frec_body_at;
	s->frec->resp_bytes = out - s->frec_out_at;
	server_kernel_log(s->srv);
	telemetry_kernel(s->srv->tm, s->frec);
}

/* The response to a request the kernel carried, handed up at its head. */
static void foreign_read(struct conn *conn, void *arg)
{
	struct session *s = arg;
	struct evbuffer *in = conn_input(conn);
	size_t used;
	int ev, head_req, close_req;

	session_enter(s);
	while (!s->dead && s->paired != NULL && evbuffer_get_length(in) > 0) {
		if (s->fresp == NULL) {
			if (s->ktail == 0) {
				/* The tail's record comes before its bytes. */
				accel_events_read(s->srv->accel);
				if (s->ktail == 0)
					s->ktail = accel_lent_tail_take(s->paired->lent, s->kc);
			}
			if (s->ktail > 0) {
				unsigned char tail[ACCEL_TAIL_MAX];
				uint32_t n = s->ktail;

				if (evbuffer_get_length(in) < n)
					break;
				evbuffer_remove(in, tail, n);
				tail_close(s, tail, n);
				break;
			}
			if (s->srv->tm != NULL && s->frec == NULL)
				s->frec = malloc(sizeof(*s->frec));
			if (!accel_conn_has_handed_up(s->kc, &head_req, &close_req, s->frec)) {
				/* Nothing was handed up: a backend speaking unasked
				 * is about to close. */
				paired_drop(s);
				break;
			}
			s->fresp = malloc(sizeof(*s->fresp));
			if (s->fresp == NULL) {
				session_close(s, "out of memory");
				break;
			}
			http_msg_init(s->fresp, HTTP_RESPONSE);
			s->fresp->skip_body = head_req;
			s->frec_out_at = conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch);
			/* The client asked the kernel to close after this answer. */
			if (close_req)
				s->client_keep = 0;
		}
		ev = http_msg_feed(s->fresp, in, &used);
		if (ev & HTTP_EV_ERROR) {
			session_close(s, "backend sent an invalid response");
			break;
		}
		if (ev & HTTP_EV_HEAD) {
			/* A client that asked to close is told so, as
			 * userspace's own answers tell it (session_response.c). */
			int keep = !http_msg_needs_eof(s->fresp) && s->client_keep;

			evbuffer_drain(in, used);
			http_build_response(s->scratch, s->fresp, 1, keep, 0, 0);
			if (!keep)
				s->client_keep = 0;
			/* The body starts here, as the client gets it. */
			s->frec_body_at = conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch);
		} else if (s->fresp->head_done) {
			evbuffer_remove_buffer(in, s->scratch, used);
		} else {
			evbuffer_drain(in, used);
		}
		if ((ev & HTTP_EV_DONE) && s->client_keep) {
			/*
			 * Published with the bytes sent C, before the answer's
			 * last bytes go out (as session_accel_idle does): a client
			 * quick to ask again finds the kernel ready, and the
			 * kernel still waits until C has read them all. One
			 * update, so the kernel never sees the count without them.
			 * Not when the connection ends with this answer: the
			 * kernel must take no further request then.
			 */
			accel_conn_relayed(s->kc,
					   conn_bytes_out(s->cc) + evbuffer_get_length(s->scratch));
		}
		if (ev & HTTP_EV_DONE)
			foreign_log(s);
		conn_send(s->cc, s->scratch);
		if (ev & HTTP_EV_DONE) {
			int backend_keep = http_msg_keep_alive(s->fresp);

			http_msg_free(s->fresp);
			free(s->fresp);
			s->fresp = NULL;
			if (!s->client_keep) {
				/* Back in the pool before the client sees the
				 * answer end: a client making one request per
				 * connection finds it there for its next one. */
				accel_conn_relayed_last(s->kc);
				if (backend_keep)
					paired_put(s);
				session_finish(s);
				break;
			}
			session_accel_idle(s);
			session_client_resume(s);
		}
		if (used == 0)
			break;
	}
	session_leave(s);
}

static void paired_event(struct conn *conn, short what, void *arg)
{
	struct session *s = arg;
	enum accel_loss loss;

	session_enter(s);
	/* A backend closing mid-answer, or with a request the kernel gave it:
	 * the client cannot get its response, so it must not wait for it. */
	loss = s->fresp != NULL ? ACCEL_LOSS_PART : accel_conn_loss(s->kc);
	paired_drop(s);
	if (loss == ACCEL_LOSS_ANSWER && s->state == S_IDLE) {
		/* Not a byte of the answer went out: say so, as userspace would. */
		s->client_keep = 0;
		s->req_done = 1;
		session_error_reply(s, 502, "backend closed the connection without answering");
	} else if (loss != ACCEL_LOSS_NONE) {
		session_close(s, "backend closed with a kernel request in flight");
	}
	session_leave(s);
}

/*
 * The pool (doc/architecture.md, "Kernel from the first request"). Idle
 * backend connections go to the kernel's pool (session_accel_lend, the
 * pool's lend hook) instead of the idle one; the kernel pairs a client's
 * first request with one, and gives it back at the client's FIN. zeroserve
 * takes such a pairing over (adopt) when it has to act on it: bytes the
 * kernel handed up on P1, an answer handed up or the backend closing on
 * P2, or P1 closing while the kernel still owes the client something.
 */

/* Lent connections whose kernel client zeroserve has not accepted yet:
 * reading stopped until its session opens. Rare (the accept and the
 * backend's answer in one loop turn), but never full: no more connections
 * are lent than this (accel_lend), and closing one unclaimed would leave
 * the kernel paired with a socket whose four-tuple a new one may take. */
#define PARK_MAX (16 * 128)
static struct upstream_conn *parked[PARK_MAX];
static unsigned int nparked;

static void unpark(struct upstream_conn *up)
{
	unsigned int i;

	for (i = 0; i < nparked; i++)
		if (parked[i] == up) {
			parked[i] = parked[--nparked];
			return;
		}
}

static void lent_read(struct conn *conn, void *arg);
static void lent_event(struct conn *conn, short what, void *arg);

/* s takes up, lent to the kernel, as the pairing it made: the paired
 * connection's callbacks from now on. */
static void adopt_conn(struct session *s, struct upstream_conn *up)
{
	upstream_unlend(up);
	s->paired = up;
	conn_setcb(up->conn, foreign_read, NULL, paired_event, s);
	conn_set_timeouts(up->conn, NULL, NULL);
	conn_read_enable(up->conn, 1);
}

void session_accel_adopt(struct session *s)
{
	void *owner = NULL;
	int rc;

	if (s->kc == NULL || s->paired != NULL)
		return;
	rc = accel_conn_claim(s->kc, &owner);
	if (rc == 0)
		adopt_conn(s, owner);
	else if (rc != -ENOENT)
		log_debug("%s: pool pairing: %s", s->client_text, strerror(-rc));
}

int session_accel_owes(struct session *s)
{
	session_accel_adopt(s);
	return session_accel_is_busy(s);
}

void session_accel_handed_up(struct session *s)
{
	if (s->kc == NULL)
		return;
	session_accel_adopt(s);
	/* Bytes came up: the kernel pairs C from the pool no more. */
	accel_conn_claim_none(s->kc);
}

/*
 * The backend spoke or closed on a lent connection. Paired by the kernel:
 * the client's session takes it over and deals with it as with its own
 * pairing. In the pool: of no further use (the kernel skips what is left
 * of it in the queue once it is retired).
 */
static void lent_wake(struct upstream_conn *up, int eof, short what)
{
	struct evbuffer *in = conn_input(up->conn);
	struct accel_conn *ac = NULL;
	struct session *s;
	uint32_t n;
	int rc;

	/* The ends of answers the kernel sent up for the FIN come first. */
	while ((n = accel_lent_tail(up->lent)) > 0 && evbuffer_get_length(in) >= n) {
		unsigned char tail[ACCEL_TAIL_MAX];

		evbuffer_remove(in, tail, n);
		accel_lent_tail_deliver(up->lent, tail, n, tail_deliver, NULL);
	}
	if (!eof && (evbuffer_get_length(in) == 0 || accel_lent_tail(up->lent) > 0))
		return;
	rc = accel_lent_client(up->lent, &ac);
	if (rc == -ESRCH && nparked < PARK_MAX) {
		/* Its client is not accepted yet: wait for
		 * session_accel_catch_up. Bytes and EOF in one read park it once. */
		conn_read_enable(up->conn, 0);
		unpark(up);
		parked[nparked++] = up;
		return;
	}
	if (rc < 0) {
		upstream_close(up);
		return;
	}
	s = accel_conn_owner(ac);
	session_enter(s);
	session_accel_adopt(s);
	if (s->paired != up) {
		/* The kernel gave it back to the pool meanwhile. */
		upstream_close(up);
	} else if (eof) {
		paired_event(up->conn, what, s);
	} else {
		foreign_read(up->conn, s);
	}
	session_leave(s);
}

static void lent_read(struct conn *conn, void *arg)
{
	lent_wake(arg, 0, 0);
}

static void lent_event(struct conn *conn, short what, void *arg)
{
	lent_wake(arg, 1, what);
}

int session_accel_lend(void *arg, struct upstream_conn *up)
{
	struct server *srv = arg;
	int rc;

	if (srv->accel == NULL || srv->draining)
		return -ENOTSUP;
	rc = accel_lend(srv->accel, upstream_backend_id(up->be), conn_fd(up->conn), up,
			(struct accel_lent **)&up->lent);
	if (rc < 0) {
		log_debug("pool: not lent: %s", strerror(-rc));
		return rc;
	}
	conn_setcb(up->conn, lent_read, NULL, lent_event, up);
	/* The kernel's now: it may stay quiet for long, and the backend's
	 * own idle timeout ends it (lent_event). */
	conn_set_timeouts(up->conn, NULL, NULL);
	conn_read_enable(up->conn, 1);
	return 0;
}

struct upstream_conn *session_accel_reclaim(void *arg, struct upstream_backend *be)
{
	struct server *srv = arg;
	struct upstream_conn *up;

	/* One whose last answer's end is still to come up (its client closed
	 * first) cannot serve a request: that byte would open the answer. */
	while ((up = accel_reclaim(srv->accel, upstream_backend_id(be))) != NULL &&
	       accel_lent_tail(up->lent) > 0)
		upstream_close(up);
	return up;
}

void session_accel_retire(void *arg, struct upstream_conn *up)
{
	unpark(up);
	accel_lent_retire((struct accel_lent **)&up->lent);
}

/* The kernel answered a "close" request on a pairing zeroserve holds: the
 * tail comes on the paired connection (foreign_read). */
static void kernel_tail(void *owner, uint32_t tail, void *arg)
{
	struct session *s = owner;

	if (!s->dead)
		s->ktail = tail;
}

static void pool_expire(void *owner)
{
	upstream_close(owner);
}

/* Lent connections idle in the pool expire as idle pooled ones do
 * (--upstream-timeout), looked at twice per period. */
static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	accel_pool_sweep(srv->accel,
			 srv->tv_upstream.tv_sec > 0 ? (unsigned int)srv->tv_upstream.tv_sec : 1,
			 pool_expire);
}

void session_accel_start(struct server *srv)
{
	struct timeval tv = {srv->tv_upstream.tv_sec / 2, 0};

	accel_events_set(srv->accel, kernel_tail, srv);
	if (tv.tv_sec == 0)
		tv.tv_sec = 1;
	srv->ksweep = event_new(srv->base, -1, EV_PERSIST, sweep_cb, srv);
	if (srv->ksweep != NULL)
		event_add(srv->ksweep, &tv);
}

void session_accel_open(struct session *s, const struct sockaddr *local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (s->srv->accel == NULL)
		return;
	if (local == NULL) {
		if (getsockname(conn_fd(s->cc), (struct sockaddr *)&ss, &len) < 0)
			return;
		local = (const struct sockaddr *)&ss;
	}
	s->kc = accel_conn_open(s->srv->accel, local, (const struct sockaddr *)&s->client.ss, s);
}

void session_accel_catch_up(struct session *s)
{
	unsigned char tail[ACCEL_TAIL_MAX];
	struct accel_conn *ac;
	unsigned int i;
	uint32_t n;

	if (s->kc == NULL)
		return;
	n = accel_conn_early_tail(s->kc, tail);
	if (n > 0) {
		tail_close(s, tail, n);
		return;
	}
	for (i = 0; i < nparked; i++) {
		struct upstream_conn *up = parked[i];

		if (accel_lent_client(up->lent, &ac) == 0 && ac == s->kc) {
			unpark(up);
			conn_read_enable(up->conn, 1);
			/* What it read is in its input: no read event brings
			 * that again (an EOF comes again, the socket keeps it). */
			if (evbuffer_get_length(conn_input(up->conn)) > 0)
				lent_wake(up, 0, 0);
			break;
		}
	}
}

int session_accel_keep(struct session *s, struct upstream_conn *up)
{
	const struct route *r = s->route;
	int err;

	if (s->srv->accel == NULL)
		return -ENOTSUP;
	if (s->paired != NULL || r == NULL || !s->client_keep || s->srv->draining ||
	    !accel_route_kernel(s->srv->accel, r->id))
		return -EINVAL;
	/* Made at accept (session_accel_open); none: a client the kernel
	 * cannot name, never carried. */
	if (s->kc == NULL)
		return -ENOENT;
	/* Held against --backend-max-conns; upstream_put gives it back if the
	 * pairing fails below. */
	err = upstream_hold(up);
	if (err < 0)
		return err;
	err = accel_conn_pair(s->kc, conn_fd(up->conn), r->id);
	if (err < 0)
		return err;
	s->paired = up;
	conn_setcb(up->conn, foreign_read, NULL, paired_event, s);
	/* Held for the kernel: no timeouts, it may stay quiet for long. */
	conn_set_timeouts(up->conn, NULL, NULL);
	conn_read_enable(up->conn, 1);
	return 0;
}

/*
 * A request userspace serves for the paired route goes on the paired
 * connection, unpaired for as long as it is in use: the kernel handed this
 * request up or never saw it, and session_accel_is_busy let it start, so no
 * kernel request is in flight on B, and none can start before the answer
 * is published as done. Dialling another connection instead left a kernel
 * client with two backend connections, one of them idle (a chunked upload,
 * a request over 4 MiB, a client behind on its reading).
 * session_accel_keep pairs the connection again when the answer ends.
 */
struct upstream_conn *session_accel_take(struct session *s, const struct upstream_backend *be)
{
	struct upstream_conn *up = s->paired;
	unsigned int route;

	if (up == NULL || s->route == NULL || !accel_conn_is_paired(s->kc, &route) ||
	    s->route->id != route || up->be != be || evbuffer_get_length(conn_input(up->conn)) > 0)
		return NULL;
	if (accel_conn_unpair(s->kc) < 0)
		return NULL;
	s->paired = NULL;
	conn_setcb(up->conn, NULL, NULL, NULL, NULL);
	up->reused = 1;
	return up;
}

void session_accel_close(struct session *s)
{
	if (s->retry != NULL) {
		event_free(s->retry);
		s->retry = NULL;
	}
	if (s->fresp != NULL) {
		http_msg_free(s->fresp);
		free(s->fresp);
		s->fresp = NULL;
	}
	if (s->srv->accel == NULL)
		return;
	/* A pool connection the kernel still holds for C is zeroserve's to
	 * release now, unless the kernel takes it back at C's FIN: which it
	 * does when it answered a "close" request whole (kclose), nothing
	 * being owed then. */
	if (!s->kclose)
		session_accel_adopt(s);
	/* A client that closed while idle, whose connection the kernel
	 * carried: zs_conns[C] is still there while C finishes closing, and
	 * after its FIN C can send no request the kernel could carry. Put
	 * back, the backend connection saves a TIME_WAIT and a connect. */
	if (s->client_eof && s->state == S_IDLE)
		paired_put(s);
	paired_drop(s);
	/* Drops C's entries zeroserve wrote (accel_conn_free); no handle, no
	 * client the kernel could name, nothing written. */
	accel_conn_free(s->kc);
	s->kc = NULL;
}

#else

int session_accel_idle(struct session *s)
{
	return 0; /* never paired: nothing to publish */
}

int session_accel_is_busy(struct session *s)
{
	return 0;
}

int session_accel_was_active(struct session *s)
{
	return 0;
}

int session_accel_keep(struct session *s, struct upstream_conn *up)
{
	return -ENOTSUP;
}

struct upstream_conn *session_accel_take(struct session *s, const struct upstream_backend *be)
{
	return NULL;
}

void session_accel_close(struct session *s)
{
}

void session_accel_open(struct session *s, const struct sockaddr *local)
{
}

void session_accel_catch_up(struct session *s)
{
}

void session_accel_adopt(struct session *s)
{
}

int session_accel_owes(struct session *s)
{
	return 0;
}

void session_accel_handed_up(struct session *s)
{
}

int session_accel_lend(void *arg, struct upstream_conn *up)
{
	return -ENOTSUP;
}

void session_accel_retire(void *arg, struct upstream_conn *up)
{
}

struct upstream_conn *session_accel_reclaim(void *arg, struct upstream_backend *be)
{
	return NULL;
}

void session_accel_start(struct server *srv)
{
}

#endif

/* Whatever the engine: accel_allow has nothing to do without one. */
void session_accel_allowed(struct session *s, const char *host, size_t hostlen, const char *origin,
			   size_t originlen)
{
	int rc = accel_allow(s->srv->accel, host, hostlen, origin, originlen);

	if (rc < 0 && rc != -ENOSPC)
		log_debug("%s: zs_allow: %s", s->client_text, strerror(-rc));
}
