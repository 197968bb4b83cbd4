/* SPDX-License-Identifier: MIT */
/*
 * The body of a response zeroserve writes itself, as one kind of source the
 * session pumps: bytes in memory, a file range sent with sendfile(2), or a
 * file gzipped as it goes. The session sends the head, then calls body_send
 * again whenever the client's output fell below its low-water mark.
 */
#ifndef ZS_BODY_H
#define ZS_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct evbuffer;
struct evbuffer_file_segment;
struct gzstream;

enum body_kind {
	BODY_NONE,   /* no body, or all of it queued */
	BODY_MEMORY, /* len bytes at data */
	BODY_FILE,   /* len bytes of fd (or seg) from off, by sendfile(2) */
	BODY_GZIP,   /* fd compressed in steps, length unknown */
};

struct body {
	enum body_kind kind;
	const char *data;
	/* Called once the memory is no longer needed (libevent's
	 * evbuffer_ref_cleanup_cb); NULL: data is copied when the body is
	 * sent, so it may live on the caller's stack. */
	void (*release)(const void *data, size_t len, void *arg);
	void *arg;
	int fd;				   /* taken */
	struct evbuffer_file_segment *seg; /* the caller's, queued by reference */
	off_t off;
	uint64_t len;
	struct gzstream *gz;
	int chunked; /* gzip as HTTP/1.1 chunks (else the close ends it) */
};

void body_init(struct body *b);
void body_memory(struct body *b, const char *data, size_t len,
		 void (*release)(const void *, size_t, void *), void *arg);
/* Takes fd. */
void body_file(struct body *b, int fd, off_t off, off_t len);
void body_segment(struct body *b, struct evbuffer_file_segment *seg, off_t off, off_t len);
/* Takes fd: the whole file, gzipped from offset 0. */
void body_gzip(struct body *b, int fd, int chunked);

/*
 * Send what waits in buf (the head), then as much of the body as c takes
 * below its high-water mark; *bytes grows by the body bytes queued (for the
 * access log). 1: all queued, b is BODY_NONE; 0: more follows, call again
 * when c's output fell below its low-water mark; -errno: give up (buf may
 * hold bytes to drop).
 */
int body_send(struct body *b, struct conn *c, struct evbuffer *buf, uint64_t *bytes);
/* Drop what was not sent; b is BODY_NONE after. */
void body_free(struct body *b);

#endif
