/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "conn.h"

/*
 * One read(2) asks for this much; a callback reads up to READ_BURST.
 * libevent rounds a chain (data and its header) up to a power of two, so a
 * 64 KiB read already costs a 128 KiB allocation: ask for what fits in it,
 * and a 64 KiB body with its head comes in one read, not two.
 */
#define READ_CHUNK (128 * 1024 - 512)
#define READ_BURST (256 * 1024)
/* Pieces of queued output one writev takes. */
#define OUT_IOV 64

struct conn {
	int fd;
	struct event *rev, *wev;
	struct evbuffer *in, *out;
	struct evbuffer_cb_entry *in_cb; /* resumes reading below read_high */
	conn_cb readcb, writecb;
	conn_event_cb eventcb;
	void *arg;
	struct timeval rtv, wtv;
	unsigned int has_rtv : 1, has_wtv : 1;
	unsigned int reading : 1;   /* wanted by the user */
	unsigned int suspended : 1; /* input at read_high */
	unsigned int connecting : 1;
	int error;		/* from a write made outside the event loop */
	int busy;		/* our callbacks on the stack */
	unsigned int freed : 1; /* conn_free called from a callback */
	size_t read_high, write_low;
	/* splice: src side holds the pipe and the count, dst points back */
	struct conn *splice_dst, *splice_src;
	int pipe_r, pipe_w;
	size_t pipe_fill;
	uint64_t splice_left, spliced;
	uint64_t nread;
	uint64_t nout;		   /* bytes handed to conn_send, conn_send_segment or spliced in */
	unsigned int file_out : 1; /* output may hold file segments */
};

/* Pipes are kept for reuse: one pipe2 + close per response would cost more
 * than the copy they save. Only empty pipes come back. */
#define PIPE_POOL 64
static int pipe_pool[PIPE_POOL][2];
static int npipes;

static int pipe_get(int fds[2])
{
	if (npipes > 0) {
		npipes--;
		fds[0] = pipe_pool[npipes][0];
		fds[1] = pipe_pool[npipes][1];
		return 0;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static void pipe_put(int r, int w, size_t fill)
{
	if (fill == 0 && npipes < PIPE_POOL) {
		pipe_pool[npipes][0] = r;
		pipe_pool[npipes][1] = w;
		npipes++;
		return;
	}
	close(r);
	close(w);
}

static void splice_end(struct conn *src)
{
	if (src->splice_dst != NULL) {
		src->splice_dst->splice_src = NULL;
		src->splice_dst = NULL;
		pipe_put(src->pipe_r, src->pipe_w, src->pipe_fill);
		src->pipe_fill = 0;
	}
}

static void rev_add(struct conn *c)
{
	event_add(c->rev, c->has_rtv ? &c->rtv : NULL);
}

static void wev_add(struct conn *c)
{
	event_add(c->wev, c->has_wtv ? &c->wtv : NULL);
}

static void update_read(struct conn *c)
{
	if (c->reading && !c->suspended)
		rev_add(c);
	else
		event_del(c->rev);
}

static void input_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	if (c->suspended && evbuffer_get_length(buf) < c->read_high) {
		c->suspended = 0;
		evbuffer_cb_clear_flags(buf, c->in_cb, EVBUFFER_CB_ENABLED);
		update_read(c);
	}
}

static void conn_destroy(struct conn *c)
{
	event_free(c->rev);
	event_free(c->wev);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

void conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->splice_src != NULL)
		splice_end(c->splice_src);
	splice_end(c);
	if (c->busy > 0) {
		/* Freed from inside one of its callbacks: finish when it returns. */
		c->freed = 1;
		event_del(c->rev);
		event_del(c->wev);
		return;
	}
	conn_destroy(c);
}

/* Leave a callback section; 1 when the conn is gone. */
static int conn_leave(struct conn *c)
{
	if (--c->busy == 0 && c->freed) {
		conn_destroy(c);
		return 1;
	}
	return 0;
}

static void splice_pump(struct conn *src);

/*
 * Write what buf holds: send(2) when it is one piece (most messages), else
 * writev of its first pieces; drains what went out. A buffer that may hold
 * file segments (conn_send_segment) goes to evbuffer_write, which can
 * sendfile them. Returns bytes written or -1 with errno.
 */
static int out_write(struct conn *c, struct evbuffer *buf)
{
	struct evbuffer_iovec v[OUT_IOV];
	ssize_t r;
	int n;

	if (c->file_out)
		return evbuffer_write(buf, c->fd);
	n = evbuffer_peek(buf, -1, NULL, v, OUT_IOV);
	if (n <= 0)
		return 0;
	if (n > OUT_IOV)
		n = OUT_IOV;
	if (n == 1)
		r = send(c->fd, v[0].iov_base, v[0].iov_len, MSG_NOSIGNAL);
	else
		r = writev(c->fd, (struct iovec *)v, n);
	if (r > 0)
		evbuffer_drain(buf, (size_t)r);
	return (int)r;
}

static void read_ev(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evbuffer_iovec vec[2];
	size_t got = 0, want, have, left;
	ssize_t r;
	int n, i, used;

	c->busy++;
	if (what & EV_TIMEOUT) {
		c->eventcb(c, CONN_TIMEOUT | CONN_READING, c->arg);
		conn_leave(c);
		return;
	}
	if (c->splice_dst != NULL) {
		splice_pump(c);
		conn_leave(c);
		return;
	}
	for (;;) {
		want = READ_CHUNK;
		have = evbuffer_get_length(c->in);
		if (c->read_high) {
			if (have >= c->read_high) {
				c->suspended = 1;
				evbuffer_cb_set_flags(c->in, c->in_cb, EVBUFFER_CB_ENABLED);
				event_del(c->rev);
				break;
			}
			if (c->read_high - have < want)
				want = c->read_high - have;
		}
		n = evbuffer_reserve_space(c->in, (ev_ssize_t)want, vec, 2);
		if (n <= 0) {
			c->eventcb(c, CONN_ERROR | CONN_READING, c->arg);
			conn_leave(c);
			return;
		}
		/* Never hand the kernel more room than asked for. */
		for (i = 0, left = want; i < n; i++) {
			if (vec[i].iov_len > left)
				vec[i].iov_len = left;
			left -= vec[i].iov_len;
		}
		/* recv for one buffer: readv's iovec import costs more per call. */
		if (n == 1 || vec[1].iov_len == 0)
			r = recv(c->fd, vec[0].iov_base, vec[0].iov_len, 0);
		else
			r = readv(c->fd, (struct iovec *)vec, n);
		if (r <= 0) {
			int e = errno;

			evbuffer_commit_space(c->in, vec, 0);
			if (r < 0 && (e == EAGAIN || e == EINTR))
				break;
			if (got > 0) {
				c->readcb(c, c->arg);
				if (c->freed) {
					conn_leave(c);
					return;
				}
			}
			errno = e;
			c->eventcb(c, (r == 0 ? CONN_EOF : CONN_ERROR) | CONN_READING, c->arg);
			if (!c->freed)
				event_del(c->rev);
			conn_leave(c);
			return;
		}
		for (i = 0, used = 0, left = (size_t)r; i < n && left > 0; i++, used++) {
			if (vec[i].iov_len > left)
				vec[i].iov_len = left;
			left -= vec[i].iov_len;
		}
		evbuffer_commit_space(c->in, vec, used);
		got += (size_t)r;
		c->nread += (uint64_t)r;
		/* A short read drained the socket: spare the EAGAIN round trip. */
		if ((size_t)r < want || got >= READ_BURST)
			break;
	}
	if (got > 0)
		c->readcb(c, c->arg);
	conn_leave(c);
}

void conn_read_now(struct conn *c)
{
	read_ev(c->fd, EV_READ, c);
}

/*
 * Socket -> pipe -> socket until the count is done or a side would block.
 * A full destination parks the source (its read event off) and waits for
 * the destination's write event, so the pipe bounds what is held.
 */
static void splice_pump(struct conn *src)
{
	struct conn *dst = src->splice_dst;
	ssize_t n;

	while (dst != NULL) {
		if (src->pipe_fill == 0 && src->splice_left > 0) {
			n = splice(src->fd, NULL, src->pipe_w, NULL,
				   src->splice_left < (1u << 20) ? (size_t)src->splice_left
								 : (1u << 20),
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n == 0) {
				event_del(src->rev);
				src->eventcb(src, CONN_EOF | CONN_READING, src->arg);
				return;
			}
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					rev_add(src);
					return;
				}
				event_del(src->rev);
				src->eventcb(src, CONN_ERROR | CONN_READING, src->arg);
				return;
			}
			src->pipe_fill = (size_t)n;
			src->splice_left -= (uint64_t)n;
		}
		while (src->pipe_fill > 0) {
			n = splice(src->pipe_r, NULL, dst->fd, NULL, src->pipe_fill,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				event_del(src->rev);
				wev_add(dst);
				return;
			}
			if (n <= 0) {
				dst->error = n < 0 ? errno : EPIPE;
				event_active(dst->wev, EV_WRITE, 0);
				event_del(src->rev);
				return;
			}
			src->pipe_fill -= (size_t)n;
			src->spliced += (uint64_t)n;
			dst->nout += (uint64_t)n;
		}
		if (src->splice_left == 0) {
			splice_end(src);
			update_read(src);
			src->readcb(src, src->arg);
			return;
		}
	}
}

/* Connect finished, or the socket takes more output. */
static void write_ev(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	socklen_t len = sizeof(int);
	int err = 0, r;

	c->busy++;
	if (c->splice_src != NULL && !c->error && !(what & EV_TIMEOUT)) {
		struct conn *src = c->splice_src;

		event_del(c->wev);
		src->busy++;
		splice_pump(src);
		conn_leave(src);
		goto out;
	}
	if (c->error) {
		errno = c->error;
		event_del(c->wev);
		c->eventcb(c, CONN_ERROR | CONN_WRITING, c->arg);
		goto out;
	}
	if (what & EV_TIMEOUT) {
		c->eventcb(c, CONN_TIMEOUT | CONN_WRITING, c->arg);
		goto out;
	}
	if (c->connecting) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			errno = err;
			event_del(c->wev);
			c->eventcb(c, CONN_ERROR, c->arg);
			goto out;
		}
		c->connecting = 0;
		c->eventcb(c, CONN_CONNECTED, c->arg);
		if (c->freed)
			goto out;
		update_read(c);
	}
	if (evbuffer_get_length(c->out) > 0) {
		r = out_write(c, c->out);
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			event_del(c->wev);
			c->eventcb(c, CONN_ERROR | CONN_WRITING, c->arg);
			goto out;
		}
	}
	if (evbuffer_get_length(c->out) == 0)
		event_del(c->wev);
	else if (!event_pending(c->wev, EV_WRITE, NULL))
		wev_add(c);
	if (evbuffer_get_length(c->out) <= c->write_low && c->writecb != NULL)
		c->writecb(c, c->arg);
out:
	conn_leave(c);
}

struct conn *conn_new(struct event_base *base, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, read_ev, c);
	c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, write_ev, c);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	if (c->rev == NULL || c->wev == NULL || c->in == NULL || c->out == NULL)
		goto fail;
	c->in_cb = evbuffer_add_cb(c->in, input_drained, c);
	if (c->in_cb == NULL)
		goto fail;
	evbuffer_cb_clear_flags(c->in, c->in_cb, EVBUFFER_CB_ENABLED);
	return c;
fail:
	if (c->rev)
		event_free(c->rev);
	if (c->wev)
		event_free(c->wev);
	if (c->in)
		evbuffer_free(c->in);
	if (c->out)
		evbuffer_free(c->out);
	free(c);
	errno = ENOMEM;
	return NULL;
}

int conn_connect(struct conn *c, const struct sockaddr *sa, socklen_t len)
{
	if (connect(c->fd, sa, len) == 0) {
		/* Loopback may connect at once; report it from the loop all the same. */
		c->connecting = 1;
		event_active(c->wev, EV_WRITE, 0);
		return 0;
	}
	if (errno != EINPROGRESS)
		return -errno;
	c->connecting = 1;
	wev_add(c);
	return 0;
}

void conn_setcb(struct conn *c, conn_cb readcb, conn_cb writecb, conn_event_cb eventcb, void *arg)
{
	c->readcb = readcb;
	c->writecb = writecb;
	c->eventcb = eventcb;
	c->arg = arg;
}

void conn_read_enable(struct conn *c, int on)
{
	if (c->reading == !!on)
		return;
	c->reading = !!on;
	if (!c->connecting)
		update_read(c);
}

static void set_tv(struct timeval *dst, const struct timeval *src)
{
	*dst = *src;
}

void conn_set_timeouts(struct conn *c, const struct timeval *rtv, const struct timeval *wtv)
{
	int rchange =
	    c->has_rtv != (rtv != NULL) ||
	    (rtv != NULL && (rtv->tv_sec != c->rtv.tv_sec || rtv->tv_usec != c->rtv.tv_usec));
	int wchange =
	    c->has_wtv != (wtv != NULL) ||
	    (wtv != NULL && (wtv->tv_sec != c->wtv.tv_sec || wtv->tv_usec != c->wtv.tv_usec));

	/* Unchanged timeouts are the common case per request: no timer work. */
	if (rchange) {
		c->has_rtv = rtv != NULL;
		if (rtv)
			set_tv(&c->rtv, rtv);
		if (event_pending(c->rev, EV_READ, NULL))
			rev_add(c);
	}
	if (wchange) {
		c->has_wtv = wtv != NULL;
		if (wtv)
			set_tv(&c->wtv, wtv);
		if (event_pending(c->wev, EV_WRITE, NULL))
			wev_add(c);
	}
}

void conn_set_read_high(struct conn *c, size_t high)
{
	c->read_high = high;
}

void conn_set_write_low(struct conn *c, size_t low)
{
	c->write_low = low;
}

struct evbuffer *conn_input(struct conn *c)
{
	return c->in;
}

struct evbuffer *conn_output(struct conn *c)
{
	return c->out;
}

int conn_fd(const struct conn *c)
{
	return c->fd;
}

int conn_connected(const struct conn *c)
{
	return !c->connecting;
}

void conn_send(struct conn *c, struct evbuffer *src)
{
	int r;

	if (evbuffer_get_length(src) == 0 || c->freed)
		return;
	c->nout += evbuffer_get_length(src);
	if (!c->connecting && !c->error && evbuffer_get_length(c->out) == 0) {
		r = out_write(c, src);
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			/* Report from the loop, not from inside the caller's work. */
			c->error = errno;
			evbuffer_drain(src, evbuffer_get_length(src));
			event_active(c->wev, EV_WRITE, 0);
			return;
		}
		if (evbuffer_get_length(src) == 0)
			return;
	}
	evbuffer_add_buffer(c->out, src);
	if (!c->connecting && !event_pending(c->wev, EV_WRITE, NULL))
		wev_add(c);
}

int conn_full(const struct conn *c)
{
	return evbuffer_get_length(c->out) >= CONN_HIGH_WATER;
}

int conn_splice(struct conn *src, struct conn *dst, uint64_t bytes)
{
	int fds[2], rc;

	if (src->splice_dst != NULL || dst->splice_src != NULL || src->freed || dst->freed)
		return -EBUSY;
	rc = pipe_get(fds);
	if (rc < 0)
		return rc;
	src->pipe_r = fds[0];
	src->pipe_w = fds[1];
	src->pipe_fill = 0;
	src->splice_left = bytes;
	src->spliced = 0;
	src->splice_dst = dst;
	dst->splice_src = src;
	/* The source's readiness drives the pump from now on. */
	rev_add(src);
	return 0;
}

int conn_splicing(const struct conn *c)
{
	return c->splice_dst != NULL;
}

uint64_t conn_spliced(const struct conn *c)
{
	return c->spliced;
}

uint64_t conn_bytes_read(const struct conn *c)
{
	return c->nread;
}

uint64_t conn_bytes_out(const struct conn *c)
{
	return c->nout;
}

int conn_send_segment(struct conn *c, struct evbuffer *head, struct evbuffer_file_segment *seg,
		      off_t off, off_t len)
{
	size_t hlen = evbuffer_get_length(head);
	ssize_t n;
	int r;

	if (c->freed || c->error) {
		evbuffer_drain(head, hlen);
		return -EPIPE;
	}
	c->nout += hlen + (uint64_t)len;
	/* Without the flag, libevent maps the file into memory instead. */
	evbuffer_set_flags(c->out, EVBUFFER_FLAG_DRAINS_TO_FD);
	c->file_out = 1;
	if (!c->connecting && evbuffer_get_length(c->out) == 0 && hlen > 0) {
		/* MSG_MORE: the head waits for the file's first bytes, one packet. */
		n = send(c->fd, evbuffer_pullup(head, -1), hlen, MSG_MORE | MSG_NOSIGNAL);
		if (n > 0)
			evbuffer_drain(head, (size_t)n);
	}
	evbuffer_add_buffer(c->out, head);
	if (evbuffer_add_file_segment(c->out, seg, off, len) < 0)
		return -ENOMEM;
	if (!c->connecting && !event_pending(c->wev, EV_WRITE, NULL)) {
		r = evbuffer_write(c->out, c->fd);
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			c->error = errno;
			event_active(c->wev, EV_WRITE, 0);
			return 0;
		}
		if (evbuffer_get_length(c->out) > 0)
			wev_add(c);
	}
	return 0;
}

int conn_send_file(struct conn *c, struct evbuffer *head, int fd, off_t off, off_t len)
{
	struct evbuffer_file_segment *seg;
	int rc;

	seg = evbuffer_file_segment_new(fd, off, len, EVBUF_FS_CLOSE_ON_FREE);
	if (seg == NULL) {
		close(fd);
		evbuffer_drain(head, evbuffer_get_length(head));
		return -ENOMEM;
	}
	rc = conn_send_segment(c, head, seg, 0, len);
	evbuffer_file_segment_free(seg); /* the buffer holds its own reference */
	return rc;
}
