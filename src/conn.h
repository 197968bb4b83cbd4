/* SPDX-License-Identifier: MIT */
/*
 * A buffered, non-blocking socket on libevent events and evbuffers: what a
 * bufferevent does, without its per-read FIONREAD ioctl and its 4 KiB cap
 * per loop turn (libevent 2.1's EVBUFFER_MAX_READ), which cost a 64 KiB
 * response sixteen loop turns. Bytes are written at once when nothing is
 * queued, so a request or response usually costs one read and one write.
 */
#ifndef ZS_CONN_H
#define ZS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/time.h>

struct event_base;
struct evbuffer;
struct evbuffer_file_segment;
struct conn;

/* Per-direction bound on queued bytes: reading from the source stops above it. */
#define CONN_HIGH_WATER (256 * 1024)

/* Event bits, as bufferevent's. */
#define CONN_READING   0x01
#define CONN_WRITING   0x02
#define CONN_EOF       0x10
#define CONN_ERROR     0x20
#define CONN_TIMEOUT   0x40
#define CONN_CONNECTED 0x80

typedef void (*conn_cb)(struct conn *c, void *arg);
typedef void (*conn_event_cb)(struct conn *c, short what, void *arg);

/* Takes fd (non-blocking). NULL with errno. */
struct conn *conn_new(struct event_base *base, int fd);
/* Closes the socket. */
void conn_free(struct conn *c);
/* Starts a connect(2); CONN_CONNECTED or CONN_ERROR follows. 0 or -errno. */
int conn_connect(struct conn *c, const struct sockaddr *sa, socklen_t len);

/*
 * readcb: new input. writecb: output fell to the write low-water mark (0 by
 * default) after the conn wrote. eventcb: CONN_EOF, CONN_ERROR,
 * CONN_TIMEOUT (with CONN_READING or CONN_WRITING), CONN_CONNECTED.
 */
void conn_setcb(struct conn *c, conn_cb readcb, conn_cb writecb, conn_event_cb eventcb, void *arg);
void conn_read_enable(struct conn *c, int on);
/* Read now, as if the socket had said it is readable (the read callback
 * runs if bytes came); for a socket whose first bytes likely wait. */
void conn_read_now(struct conn *c);
/* NULL: no timeout. The read timeout counts while reading is enabled, the
 * write timeout while output waits (or the connect is pending). */
void conn_set_timeouts(struct conn *c, const struct timeval *rtv, const struct timeval *wtv);
/* Stop reading while the input holds this much (0: no bound). */
void conn_set_read_high(struct conn *c, size_t high);
void conn_set_write_low(struct conn *c, size_t low);

struct evbuffer *conn_input(struct conn *c);
struct evbuffer *conn_output(struct conn *c);
int conn_fd(const struct conn *c);
int conn_connected(const struct conn *c);
/* Move src's bytes to c: written now when nothing is queued, else queued. */
void conn_send(struct conn *c, struct evbuffer *src);
/*
 * Queue head, then len bytes of the file fd from off, sent with sendfile(2):
 * no copy through userspace, no memory held for the bytes; with nothing
 * queued before, the head goes out in the file's first packet. Takes fd
 * (closed once sent or freed) and head's bytes. 0 or -errno.
 */
int conn_send_file(struct conn *c, struct evbuffer *head, int fd, off_t off, off_t len);
/* The same from a segment the caller keeps (and may queue again). */
int conn_send_segment(struct conn *c, struct evbuffer *head, struct evbuffer_file_segment *seg,
		      off_t off, off_t len);
/* Output over CONN_HIGH_WATER: stop reading the other side. */
int conn_full(const struct conn *c);
/* Bytes read from the socket so far (the kernel engine compares counts). */
uint64_t conn_bytes_read(const struct conn *c);
/* Bytes given to the conn to send so far, written or still queued. */
uint64_t conn_bytes_out(const struct conn *c);

/*
 * Move the next bytes from src's socket to dst's through a pipe with
 * splice(2): no copy through userspace. src's input and dst's output must be
 * empty. src's read callback runs when all bytes have moved (conn_splicing
 * is then 0); EOF and errors go to the callbacks of the side they happen on.
 * Returns 0, or -errno when no pipe is available (copy instead).
 */
int conn_splice(struct conn *src, struct conn *dst, uint64_t bytes);
int conn_splicing(const struct conn *c);
/* Bytes spliced by the current or last conn_splice on src. */
uint64_t conn_spliced(const struct conn *c);

#endif
