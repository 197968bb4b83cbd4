/* SPDX-License-Identifier: MIT */
/*
 * Request paths -> file paths under a root, and the root kept as a directory
 * descriptor so that opening never leaves it. The string work is pure.
 */
#ifndef ZS_FSPATH_H
#define ZS_FSPATH_H

#include <stddef.h>

/* Longest relative path we map (bytes, with the NUL). */
#define FSPATH_MAX 4096

enum {
	FSPATH_SLASH = 1 << 0,	 /* the request path ended in '/' */
	FSPATH_DOTFILE = 1 << 1, /* a segment starts with '.' */
};

/*
 * Percent-decode path (no query) and resolve "." , ".." and empty segments.
 * out gets the relative path, without leading or trailing '/' ("" for the
 * root), NUL terminated; *flags the FSPATH_* bits. Returns 0, or the HTTP
 * status to answer: 400 for a bad escape, an encoded '/' or NUL, or ".."
 * above the root; 414 when out is too small.
 */
int fspath_normalize(const char *path, size_t len, char *out, size_t outlen, int *flags);

/*
 * Percent-encode a relative path for a URL (a Location, a listing href):
 * '/' kept, unreserved characters kept, everything else %XX. Returns the
 * length written (NUL terminated) or -ENOSPC.
 */
int fspath_encode(const char *in, size_t len, char *out, size_t outlen);

/*
 * Open rel (as from fspath_normalize; "" is the root) under the directory
 * rootfd, read-only and non-blocking (a FIFO must not stall the loop; the
 * flag means nothing to regular files). Unless follow, a path whose symlinks lead out of the
 * root fails with -EXDEV. 0 <= fd, or -errno.
 */
int fspath_open(int rootfd, const char *rel, int follow);

#endif
