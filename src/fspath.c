/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "fspath.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fspath_normalize(const char *path, size_t len, char *out, size_t outlen, int *flags)
{
	size_t i = 0, o = 0, seg;
	int hi, lo, c;

	*flags = 0;
	if (outlen == 0)
		return 414;
	if (len > 0 && path[len - 1] == '/')
		*flags |= FSPATH_SLASH;
	while (i < len) {
		/* One segment: decode it at out + o, then decide what it is. */
		while (i < len && path[i] == '/')
			i++;
		if (i == len)
			break;
		if (o > 0) {
			if (o + 1 >= outlen)
				return 414;
			out[o++] = '/';
		}
		seg = o;
		while (i < len && path[i] != '/') {
			c = (unsigned char)path[i++];
			if (c == '%') {
				if (i + 2 > len)
					return 400;
				hi = hexval(path[i]);
				lo = hexval(path[i + 1]);
				if (hi < 0 || lo < 0)
					return 400;
				c = hi * 16 + lo;
				i += 2;
				/* An encoded '/' would join segments the checks saw apart. */
				if (c == '/' || c == '\0')
					return 400;
			} else if (c == '\0') {
				return 400;
			}
			if (o + 1 >= outlen)
				return 414;
			out[o++] = (char)c;
		}
		if (o - seg == 1 && out[seg] == '.') {
			o = seg;
		} else if (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			if (seg == 0)
				return 400; /* above the root */
			/* Drop "/.." and the segment before it. */
			o = seg - 1;
			while (o > 0 && out[o - 1] != '/')
				o--;
		} else {
			if (out[seg] == '.')
				*flags |= FSPATH_DOTFILE;
			continue;
		}
		/* "." and ".." leave no segment: remove the separator added for them. */
		if (o > 0 && out[o - 1] == '/')
			o--;
	}
	out[o] = '\0';
	/* A dot segment dropped by ".." no longer counts. */
	if (*flags & FSPATH_DOTFILE) {
		*flags &= ~FSPATH_DOTFILE;
		for (i = 0; i < o; i++)
			if (out[i] == '.' && (i == 0 || out[i - 1] == '/'))
				*flags |= FSPATH_DOTFILE;
	}
	return 0;
}

int fspath_encode(const char *in, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			if (o + 1 >= outlen)
				return -ENOSPC;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= outlen)
				return -ENOSPC;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= outlen)
		return -ENOSPC;
	out[o] = '\0';
	return (int)o;
}

/*
 * Without openat2 (Linux < 5.6): open, then check where the descriptor
 * really is against where the root is.
 */
static int open_checked(int rootfd, const char *rel)
{
	char link[64], root[PATH_MAX], where[PATH_MAX];
	ssize_t rn, wn;
	int fd;

	fd = openat(rootfd, *rel ? rel : ".", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
	rn = readlink(link, root, sizeof(root) - 1);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	wn = readlink(link, where, sizeof(where) - 1);
	if (rn <= 0 || wn <= 0) {
		close(fd);
		return -EXDEV;
	}
	if (wn < rn || memcmp(root, where, (size_t)rn) != 0 ||
	    (wn > rn && where[rn] != '/' && !(rn == 1 && root[0] == '/'))) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

int fspath_open(int rootfd, const char *rel, int follow)
{
	static int no_openat2;
	struct open_how how;
	long fd;

	if (follow) {
		fd = openat(rootfd, *rel ? rel : ".", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		return fd < 0 ? -errno : (int)fd;
	}
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
		/* The kernel refuses any step, symlink or "..", that leaves rootfd. */
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		no_openat2 = 1;
	}
	return open_checked(rootfd, rel);
}
