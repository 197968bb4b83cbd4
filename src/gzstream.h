/* SPDX-License-Identifier: MIT */
/*
 * gzip with zlib: whole small buffers at once (kept by the file cache), and
 * files streamed in bounded steps, each step asked for by the caller when
 * the client has taken the previous output.
 */
#ifndef ZS_GZSTREAM_H
#define ZS_GZSTREAM_H

#include <stddef.h>
#include <sys/types.h>

struct evbuffer;
struct gzstream;

/* gzip of in[0..len) into a malloc'd *out. 0 or -errno. */
int gz_compress(const void *in, size_t len, char **out, size_t *outlen);

/* Compress fd (taken; closed by gzstream_free) from its file offset on. NULL with errno. */
struct gzstream *gzstream_new(int fd);
/*
 * Append at most about one input step (64 KiB) of compressed output to out,
 * as HTTP chunks when chunked (the last chunk included at the end).
 * Returns 1 when the stream is complete, 0 when more follows, -errno.
 */
int gzstream_pump(struct gzstream *g, struct evbuffer *out, int chunked);
/* Compressed bytes produced so far (for the access log). */
size_t gzstream_out(const struct gzstream *g);
void gzstream_free(struct gzstream *g);

#endif
