/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: request paths to files (src/fspath.c), under a root made
 * for the run with files, dotfiles, a FIFO and symlinks that stay in or lead
 * out of it.
 *
 * Input: ctl[0] (bit 7: follow symlinks; bits 0-6: 0 for FSPATH_MAX, else
 * the size of the output buffer), then the request path.
 * fspath_normalize() is compared with a plain segment-stack reading of the
 * path, its result with one from a bigger buffer and with the result of
 * encoding it and normalizing again; fspath_open() without follow must
 * never open anything outside the root, and never block (the FIFO).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fspath.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char top[PATH_MAX], root[PATH_MAX];
static size_t rootlen;
static int rootfd = -1;

/* Under top: root/ (what is served) and outside/ (what must never be). */
static const char *const dirs[] = {"root",	"root/a",      "root/a/b",
				   "root/.git", "root/sp ace", "outside"};
static const char *const files[] = {"root/index.html",
				    "root/a/b/c.txt",
				    "root/.env",
				    "root/.git/config",
				    "root/sp ace/caf\xc3\xa9.txt",
				    "outside/secret"};
static const char *const links[][2] = {
    {"root/in", "a/b"},		    /* stays inside */
    {"root/a/up", "../index.html"}, /* inside, by .. */
    {"root/out", "../outside"},	    /* leads out */
    {"root/abs", "/etc"},	    /* leads out, absolute */
    {"root/a/esc", "../../outside/secret"},
    {"root/loop", "loop"},
};

static void cleanup(void)
{
	char p[PATH_MAX];
	int i;

	if (rootfd >= 0)
		close(rootfd);
	for (i = (int)(sizeof(links) / sizeof(links[0])) - 1; i >= 0; i--) {
		snprintf(p, sizeof(p), "%s/%s", top, links[i][0]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/root/fifo", top);
	unlink(p);
	for (i = (int)(sizeof(files) / sizeof(files[0])) - 1; i >= 0; i--) {
		snprintf(p, sizeof(p), "%s/%s", top, files[i]);
		unlink(p);
	}
	for (i = (int)(sizeof(dirs) / sizeof(dirs[0])) - 1; i >= 0; i--) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		rmdir(p);
	}
	rmdir(top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char p[PATH_MAX], q[PATH_MAX];
	size_t i;
	int fd;

	snprintf(top, sizeof(top), "%s/zs-fuzz-fspath.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(top) == NULL || realpath(top, p) == NULL) {
		perror("fuzz_fspath: temporary directory");
		exit(1);
	}
	snprintf(top, sizeof(top), "%s", p);
	atexit(cleanup);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		if (mkdir(p, 0755) < 0)
			goto fail;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", top, files[i]);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, "x\n", 2) != 2)
			goto fail;
		close(fd);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", top, links[i][0]);
		snprintf(q, sizeof(q), "%s", links[i][1]);
		if (symlink(q, p) < 0)
			goto fail;
	}
	snprintf(p, sizeof(p), "%s/root/fifo", top);
	if (mkfifo(p, 0644) < 0)
		goto fail;
	rootlen = (size_t)snprintf(root, sizeof(root), "%s/root", top);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		goto fail;
	return 0;
fail:
	perror(p);
	exit(1);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * The reference: split at '/', decode each segment (a bad escape, an
 * encoded '/' or a NUL: 400), drop "." and empty ones, pop on ".." (400
 * when there is nothing to pop), join with '/'. out holds len + 1 bytes.
 */
static int reference(const char *path, size_t len, char *out)
{
	size_t i = 0, o = 0, seg, starts[FSPATH_MAX];
	size_t depth = 0;
	int c;

	while (i <= len) {
		seg = o;
		if (depth > 0)
			out[o++] = '/';
		while (i < len && path[i] != '/') {
			c = (unsigned char)path[i++];
			if (c == '%') {
				if (i + 2 > len || hexval(path[i]) < 0 || hexval(path[i + 1]) < 0)
					return 400;
				c = hexval(path[i]) * 16 + hexval(path[i + 1]);
				i += 2;
				if (c == '/')
					return 400;
			}
			if (c == '\0')
				return 400;
			out[o++] = (char)c;
		}
		i++;
		{
			size_t s = seg + (depth > 0), n = o - s;

			if (n == 0 || (n == 1 && out[s] == '.')) {
				o = seg;
			} else if (n == 2 && out[s] == '.' && out[s + 1] == '.') {
				if (depth == 0)
					return 400;
				o = starts[--depth];
			} else {
				starts[depth++] = seg;
			}
		}
	}
	out[o] = '\0';
	return 0;
}

static void open_check(const char *rel, int follow)
{
	char link[64], where[PATH_MAX];
	ssize_t n;
	int fd = fspath_open(rootfd, rel, follow);

	if (fd < 0) {
		FUZZ_ASSERT(fd > -4096);
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, where, sizeof(where) - 1);
	FUZZ_ASSERT(n > 0);
	where[n] = '\0';
	if (!follow) {
		if (!((size_t)n == rootlen || ((size_t)n > rootlen && where[rootlen] == '/')) ||
		    memcmp(where, root, rootlen) != 0) {
			fprintf(stderr, "'%s' opened %s\n", rel, where);
			FUZZ_ASSERT(!"opened outside the root");
		}
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char big[FSPATH_MAX], ref[FSPATH_MAX + 1], enc[3 * FSPATH_MAX + 1],
	    again[FSPATH_MAX];
	const char *path = (const char *)data + 1;
	size_t len, outlen, i, o;
	int follow, rc, rcbig, rcref, flags, fbig, fagain, dot;
	char *out;

	if (size < 1 || size - 1 > FSPATH_MAX)
		return 0;
	follow = data[0] >> 7;
	outlen = data[0] & 0x7f ? data[0] & 0x7f : FSPATH_MAX;
	len = size - 1;

	out = malloc(outlen);
	FUZZ_ASSERT(out != NULL);
	rc = fspath_normalize(path, len, out, outlen, &flags);
	rcbig = fspath_normalize(path, len, big, sizeof(big), &fbig);
	rcref = reference(path, len, ref);
	FUZZ_ASSERT(rc == 0 || rc == 400 || rc == 414);
	/* Every byte written stands for one read: 414 only for a path that long. */
	FUZZ_ASSERT(rc != 414 || len + 1 >= outlen);
	FUZZ_ASSERT(rcbig != 414 || len + 1 >= sizeof(big));
	if (rcbig != 414)
		FUZZ_ASSERT(rcbig == rcref);
	if (rc == 400)
		FUZZ_ASSERT(rcbig == 400);
	if (rc != 0) {
		free(out);
		return 0;
	}
	FUZZ_ASSERT(rcbig == 0 && strcmp(out, big) == 0 && flags == fbig);
	FUZZ_ASSERT(strcmp(out, ref) == 0);

	/* The shape: relative, no empty, "." or ".." segment; the flags say what they say. */
	o = strlen(out);
	FUZZ_ASSERT(o < outlen);
	FUZZ_ASSERT(o == 0 || (out[0] != '/' && out[o - 1] != '/'));
	dot = 0;
	for (i = 0; i < o; i++) {
		if (i == 0 || out[i - 1] == '/') {
			FUZZ_ASSERT(out[i] != '/');
			FUZZ_ASSERT(!(out[i] == '.' && (i + 1 == o || out[i + 1] == '/')));
			FUZZ_ASSERT(!(out[i] == '.' && out[i + 1] == '.' &&
				      (i + 2 == o || out[i + 2] == '/')));
			dot |= out[i] == '.';
		}
	}
	FUZZ_ASSERT(!!(flags & FSPATH_DOTFILE) == dot);
	FUZZ_ASSERT(!!(flags & FSPATH_SLASH) == (len > 0 && path[len - 1] == '/'));

	/* Encoded for a URL and read back, it is the same path. */
	rc = fspath_encode(out, o, enc, sizeof(enc));
	FUZZ_ASSERT(rc >= 0 && (size_t)rc == strlen(enc));
	FUZZ_ASSERT(fspath_normalize(enc, (size_t)rc, again, sizeof(again), &fagain) == 0);
	FUZZ_ASSERT(strcmp(again, out) == 0);
	FUZZ_ASSERT((fagain & FSPATH_DOTFILE) == (flags & FSPATH_DOTFILE));
	for (i = 0; i < (size_t)rc; i++)
		FUZZ_ASSERT(enc[i] > 0x20 && enc[i] < 0x7f && enc[i] != '?' && enc[i] != '#');
	/* Too small a buffer: -ENOSPC, never a byte past it. */
	if (o > 0) {
		char *small = malloc(o);

		FUZZ_ASSERT(small != NULL);
		FUZZ_ASSERT(fspath_encode(out, o, small, o) == -ENOSPC);
		free(small);
	}

	open_check(out, follow);
	free(out);
	return 0;
}
