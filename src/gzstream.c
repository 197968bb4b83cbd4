/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <zlib.h>

#include "gzstream.h"

/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
#define GZ_WBITS (15 + 16)
#define GZ_LEVEL 6
#define GZ_STEP	 (64 * 1024)

struct gzstream {
	z_stream z;
	int fd;
	int eof;
	int done;
	size_t out;
	unsigned char in[GZ_STEP];
	unsigned char buf[GZ_STEP];
};

int gz_compress(const void *in, size_t len, char **out, size_t *outlen)
{
	z_stream z;
	uLong bound;
	char *p;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, GZ_LEVEL, Z_DEFLATED, GZ_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	/* deflateBound covers the gzip wrapper once deflateInit2 has chosen it. */
	bound = deflateBound(&z, (uLong)len);
	p = malloc(bound);
	if (p == NULL) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)p;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		free(p);
		return -EIO;
	}
	*outlen = z.total_out;
	*out = p;
	deflateEnd(&z);
	return 0;
}

struct gzstream *gzstream_new(int fd)
{
	struct gzstream *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		close(fd);
		return NULL;
	}
	g->fd = fd;
	if (deflateInit2(&g->z, GZ_LEVEL, Z_DEFLATED, GZ_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		close(fd);
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	return g;
}

static int emit(struct gzstream *g, struct evbuffer *out, const void *p, size_t n, int chunked)
{
	char line[24];
	int l;

	if (n == 0)
		return 0;
	g->out += n;
	if (chunked) {
		l = snprintf(line, sizeof(line), "%zx\r\n", n);
		if (evbuffer_add(out, line, (size_t)l) < 0)
			return -ENOMEM;
	}
	if (evbuffer_add(out, p, n) < 0 || (chunked && evbuffer_add(out, "\r\n", 2) < 0))
		return -ENOMEM;
	return 0;
}

int gzstream_pump(struct gzstream *g, struct evbuffer *out, int chunked)
{
	ssize_t n;
	size_t have;
	int rc, produced = 0;

	if (g->done)
		return 1;
	/* Until some output exists: deflate may swallow several steps of input. */
	while (!produced && !g->done) {
		if (g->z.avail_in == 0 && !g->eof) {
			do
				n = read(g->fd, g->in, sizeof(g->in));
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return -errno;
			if (n == 0)
				g->eof = 1;
			g->z.next_in = g->in;
			g->z.avail_in = (uInt)n;
		}
		g->z.next_out = g->buf;
		g->z.avail_out = sizeof(g->buf);
		rc = deflate(&g->z, g->eof ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR)
			return -EIO;
		have = sizeof(g->buf) - g->z.avail_out;
		if (emit(g, out, g->buf, have, chunked) < 0)
			return -ENOMEM;
		produced = have > 0;
		if (rc == Z_STREAM_END) {
			g->done = 1;
			if (chunked && evbuffer_add(out, "0\r\n\r\n", 5) < 0)
				return -ENOMEM;
		}
	}
	return g->done;
}

size_t gzstream_out(const struct gzstream *g)
{
	return g->out;
}

void gzstream_free(struct gzstream *g)
{
	if (g == NULL)
		return;
	deflateEnd(&g->z);
	close(g->fd);
	free(g);
}
