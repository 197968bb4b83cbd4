/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "body.h"
#include "conn.h"
#include "gzstream.h"

void body_init(struct body *b)
{
	b->kind = BODY_NONE;
	b->data = NULL;
	b->release = NULL;
	b->arg = NULL;
	b->fd = -1;
	b->seg = NULL;
	b->off = 0;
	b->len = 0;
	b->gz = NULL;
	b->chunked = 0;
}

void body_memory(struct body *b, const char *data, size_t len,
		 void (*release)(const void *, size_t, void *), void *arg)
{
	body_init(b);
	b->kind = BODY_MEMORY;
	b->data = data;
	b->len = len;
	b->release = release;
	b->arg = arg;
}

void body_file(struct body *b, int fd, off_t off, off_t len)
{
	body_init(b);
	b->kind = BODY_FILE;
	b->fd = fd;
	b->off = off;
	b->len = (uint64_t)len;
}

void body_segment(struct body *b, struct evbuffer_file_segment *seg, off_t off, off_t len)
{
	body_init(b);
	b->kind = BODY_FILE;
	b->seg = seg;
	b->off = off;
	b->len = (uint64_t)len;
}

void body_gzip(struct body *b, int fd, int chunked)
{
	body_init(b);
	b->kind = BODY_GZIP;
	b->fd = fd;
	b->chunked = chunked;
}

/* The bytes join buf: copied, or referenced until libevent is done with them. */
static int memory_send(struct body *b, struct evbuffer *buf)
{
	if (b->release == NULL)
		return b->len == 0 || evbuffer_add(buf, b->data, b->len) == 0 ? 0 : -ENOMEM;
	if (b->len == 0) {
		b->release(b->data, 0, b->arg);
		return 0;
	}
	if (evbuffer_add_reference(buf, b->data, b->len, b->release, b->arg) < 0) {
		b->release(b->data, b->len, b->arg);
		return -ENOMEM;
	}
	return 0;
}

/* Compress in steps while the client keeps up. */
static int gzip_send(struct body *b, struct conn *c, struct evbuffer *buf, uint64_t *bytes)
{
	size_t before;
	int rc;

	if (b->gz == NULL) {
		b->gz = gzstream_new(b->fd);
		b->fd = -1;
		if (b->gz == NULL)
			return -ENOMEM;
	}
	if (evbuffer_get_length(buf) > 0)
		conn_send(c, buf);
	while (!conn_full(c)) {
		before = evbuffer_get_length(buf);
		rc = gzstream_pump(b->gz, buf, b->chunked);
		if (rc < 0)
			return rc;
		*bytes += evbuffer_get_length(buf) - before;
		conn_send(c, buf);
		if (rc == 1) {
			body_free(b);
			return 1;
		}
	}
	return 0;
}

int body_send(struct body *b, struct conn *c, struct evbuffer *buf, uint64_t *bytes)
{
	int rc = 0;

	switch (b->kind) {
	case BODY_NONE:
		break;
	case BODY_MEMORY:
		rc = memory_send(b, buf);
		if (rc == 0)
			*bytes += b->len;
		b->kind = BODY_NONE; /* released either way */
		break;
	case BODY_FILE:
		*bytes += b->len;
		if (b->seg != NULL) {
			rc = conn_send_segment(c, buf, b->seg, b->off, (off_t)b->len);
		} else {
			rc = conn_send_file(c, buf, b->fd, b->off, (off_t)b->len);
			b->fd = -1; /* the conn's, sent or not */
		}
		b->seg = NULL;
		b->kind = BODY_NONE;
		return rc < 0 ? rc : 1;
	case BODY_GZIP:
		return gzip_send(b, c, buf, bytes);
	}
	if (rc < 0)
		return rc;
	if (evbuffer_get_length(buf) > 0)
		conn_send(c, buf);
	return 1;
}

void body_free(struct body *b)
{
	if (b->kind == BODY_MEMORY && b->release != NULL)
		b->release(b->data, b->len, b->arg);
	if (b->fd >= 0)
		close(b->fd);
	gzstream_free(b->gz);
	body_init(b);
}
