/* SPDX-License-Identifier: MIT */
/*
 * cgroup id -> path (src/cgpath.c): on temporary directory trees standing
 * in for a cgroup v2 mount, then on the real one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* name_to_handle_at, unshare; the build has it from configure */
#endif
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "cgpath.h"
#include "peercg.h"

#define SEC 1000000000ull

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static char root[64];

static void tree_new(void)
{
	strcpy(root, "/tmp/check_cgpath.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void tree_free(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static uint64_t ino(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	ck_assert_int_eq(lstat(p, &st), 0);
	return (uint64_t)st.st_ino;
}

/* mkdir root + rel; its inode number. */
static uint64_t mkd(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
	return ino(rel);
}

/* A cache on the tree at root, on the fake clock at 1 s. */
static struct cgpath *cache(unsigned int max)
{
	struct cgpath *c = cgpath_new(root, max);

	ck_assert_ptr_nonnull(c);
	cgpath_set_clock(c, fake_clock);
	fake_now = SEC;
	return c;
}

START_TEST(new_errors)
{
	struct cgpath *c;

	tree_new();
	errno = 0;
	ck_assert_ptr_null(cgpath_new(root, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(cgpath_new(root, CGPATH_MAX_IDS + 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(cgpath_new("/nonexistent/check_cgpath", 4));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(cgpath_new("/proc/self/status", 4));
	ck_assert_int_eq(errno, ENOTDIR);
	c = cgpath_new(root, 1);
	ck_assert_ptr_nonnull(c);
	/* max 1 still answers: the id asked for is always kept. */
	ck_assert_str_eq(cgpath_name(c, ino("")), "/");
	ck_assert_uint_eq(cgpath_count(c), 1);
	cgpath_free(c);
	cgpath_free(NULL);
	tree_free();
}
END_TEST

START_TEST(paths)
{
	static const char *const rel[] = {
	    "/system.slice",
	    "/system.slice/mcp-scraper.service",
	    "/user.slice",
	    "/user.slice/user-1000.slice",
	    "/user.slice/user-1000.slice/session-3.scope",
	    "/a",
	    "/a/b",
	    "/a/b/c",
	};
	uint64_t id[8];
	struct cgpath *c;
	unsigned int i;

	tree_new();
	for (i = 0; i < 8; i++)
		id[i] = mkd(rel[i]);
	c = cache(64);
	/* Id 0 is no cgroup: no walk. */
	ck_assert_ptr_null(cgpath_name(c, 0));
	ck_assert_uint_eq(cgpath_walks(c), 0);
	ck_assert_str_eq(cgpath_name(c, id[1]), "/system.slice/mcp-scraper.service");
	ck_assert_uint_eq(cgpath_walks(c), 1);
	/* The one walk found them all. */
	for (i = 0; i < 8; i++)
		ck_assert_str_eq(cgpath_name(c, id[i]), rel[i]);
	ck_assert_str_eq(cgpath_name(c, ino("")), "/");
	ck_assert_uint_eq(cgpath_walks(c), 1);
	ck_assert_uint_eq(cgpath_count(c), 9);
	cgpath_free(c);
	tree_free();
}
END_TEST

START_TEST(rate_limit)
{
	struct cgpath *c;
	uint64_t a, unknown = UINT64_MAX - 7;

	tree_new();
	a = mkd("/a");
	c = cache(16);
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_uint_eq(cgpath_walks(c), 1);
	/* Within the second: NULL without walking; hits still answer. */
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_str_eq(cgpath_name(c, a), "/a");
	fake_now += SEC - 1;
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_ptr_null(cgpath_name(c, unknown - 1));
	ck_assert_uint_eq(cgpath_walks(c), 1);
	/* A second on, the miss walks again: not remembered. */
	fake_now += 1;
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_uint_eq(cgpath_walks(c), 2);
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_uint_eq(cgpath_walks(c), 2);
	/* The real clock, CLOCK_MONOTONIC, limits as well. */
	cgpath_set_clock(c, NULL);
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_ptr_null(cgpath_name(c, unknown));
	ck_assert_uint_eq(cgpath_walks(c), 3);
	cgpath_free(c);
	tree_free();
}
END_TEST

START_TEST(created_later)
{
	char p[PATH_MAX];
	struct cgpath *c;
	uint64_t a, b;

	tree_new();
	a = mkd("/a");
	c = cache(16);
	ck_assert_str_eq(cgpath_name(c, a), "/a");
	ck_assert_uint_eq(cgpath_walks(c), 1);
	b = mkd("/a/new.scope");
	ck_assert_ptr_null(cgpath_name(c, b));
	ck_assert_uint_eq(cgpath_walks(c), 1);
	fake_now += SEC;
	ck_assert_str_eq(cgpath_name(c, b), "/a/new.scope");
	ck_assert_uint_eq(cgpath_walks(c), 2);
	/* Removed after it was seen: the name it had (ids are not reused
	 * on cgroupfs, so it cannot be another cgroup's). */
	snprintf(p, sizeof(p), "%s/a/new.scope", root);
	ck_assert_int_eq(rmdir(p), 0);
	ck_assert_str_eq(cgpath_name(c, b), "/a/new.scope");
	cgpath_free(c);
	tree_free();
}
END_TEST

/* max 4 on a tree of 10 (and the root): each resolves, and right. */
START_TEST(bounded)
{
	char rel[10][32];
	uint64_t id[10];
	struct cgpath *c;
	const char *name;
	int i, pass;

	tree_new();
	for (i = 0; i < 10; i++) {
		if (i < 5)
			snprintf(rel[i], sizeof(rel[i]), "/d%d.slice", i);
		else
			snprintf(rel[i], sizeof(rel[i]), "/d%d.slice/n%d.service", i - 5, i);
		id[i] = mkd(rel[i]);
	}
	c = cache(4);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < 10; i++) {
			int k = pass == 1 ? 9 - i : (i * 7 + pass) % 10;

			fake_now += SEC;
			name = cgpath_name(c, id[k]);
			ck_assert_ptr_nonnull(name);
			ck_assert_str_eq(name, rel[k]);
			ck_assert_uint_le(cgpath_count(c), 4);
			/* Asked again: a hit. */
			ck_assert_str_eq(cgpath_name(c, id[k]), rel[k]);
		}
	}
	cgpath_free(c);
	tree_free();
}
END_TEST

/*
 * A walk for a new id, on a tree larger than the cache, keeps the ids in
 * use: plain LRU would let the walk's other directories push them out.
 */
START_TEST(in_use_kept)
{
	uint64_t id[10], walks;
	char rel[16];
	struct cgpath *c;
	int i, miss = -1;

	tree_new();
	for (i = 0; i < 10; i++) {
		snprintf(rel, sizeof(rel), "/d%d", i);
		id[i] = mkd(rel);
	}
	c = cache(3);
	ck_assert_str_eq(cgpath_name(c, id[0]), "/d0");
	ck_assert_uint_eq(cgpath_count(c), 3);
	/* In use since that walk. */
	ck_assert_str_eq(cgpath_name(c, id[0]), "/d0");
	for (i = 1; i < 10 && miss < 0; i++)
		if (cgpath_name(c, id[i]) == NULL)
			miss = i;
	ck_assert_int_gt(miss, 0);
	walks = cgpath_walks(c);
	fake_now += SEC;
	snprintf(rel, sizeof(rel), "/d%d", miss);
	ck_assert_str_eq(cgpath_name(c, id[miss]), rel);
	ck_assert_uint_eq(cgpath_walks(c), walks + 1);
	/* Still cached: no walk needed, none allowed within the second. */
	ck_assert_str_eq(cgpath_name(c, id[0]), "/d0");
	ck_assert_uint_eq(cgpath_walks(c), walks + 1);
	cgpath_free(c);
	tree_free();
}
END_TEST

START_TEST(depth_bound)
{
	char rel[PATH_MAX] = "";
	uint64_t id[CGPATH_DEPTH + 4];
	struct cgpath *c;
	int i;

	tree_new();
	for (i = 1; i < CGPATH_DEPTH + 4; i++) {
		strcat(rel, "/n");
		id[i] = mkd(rel);
	}
	c = cache(64);
	rel[0] = '\0';
	for (i = 1; i <= CGPATH_DEPTH; i++) {
		strcat(rel, "/n");
		ck_assert_str_eq(cgpath_name(c, id[i]), rel);
	}
	ck_assert_uint_eq(cgpath_walks(c), 1);
	for (i = CGPATH_DEPTH + 1; i < CGPATH_DEPTH + 4; i++) {
		fake_now += SEC;
		ck_assert_ptr_null(cgpath_name(c, id[i]));
	}
	cgpath_free(c);
	tree_free();
}
END_TEST

/*
 * Paths up to PATH_MAX - 1 bytes, made with mkdirat since the whole path
 * does not fit a system call; on max 2, so that the arena (one PATH_MAX)
 * holds one long path at a time and is compacted.
 */
START_TEST(long_paths)
{
	enum { LEVELS = 22, NAME = 200 };
	char name[NAME + 1], want[LEVELS * (NAME + 1) + 1];
	uint64_t id[LEVELS + 1], short_id;
	struct cgpath *c;
	struct stat st;
	int fd, next, i, k;
	static const int order[] = {20, 1, 19, 20, 2, 18, 20, 1, 20};

	tree_new();
	memset(name, 'x', NAME);
	name[NAME] = '\0';
	short_id = mkd("/s");
	fd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	for (i = 1; i <= LEVELS; i++) {
		ck_assert_int_eq(mkdirat(fd, name, 0755), 0);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(next, 0);
		ck_assert_int_eq(fstat(next, &st), 0);
		id[i] = (uint64_t)st.st_ino;
		close(fd);
		fd = next;
	}
	close(fd);
	c = cache(2);
	for (k = 0; k < (int)(sizeof(order) / sizeof(order[0])); k++) {
		want[0] = '\0';
		for (i = 0; i < order[k]; i++) {
			strcat(want, "/");
			strcat(want, name);
		}
		fake_now += SEC;
		ck_assert_str_eq(cgpath_name(c, id[order[k]]), want);
		ck_assert_uint_le(cgpath_count(c), 2);
		fake_now += SEC;
		ck_assert_str_eq(cgpath_name(c, short_id), "/s");
		/* Both fit the arena, max 2: the long one is a hit. */
		ck_assert_str_eq(cgpath_name(c, id[order[k]]), want);
	}
	/* 21 levels are 4221 bytes: past PATH_MAX, skipped. */
	fake_now += SEC;
	ck_assert_ptr_null(cgpath_name(c, id[21]));
	fake_now += SEC;
	ck_assert_ptr_null(cgpath_name(c, id[22]));
	cgpath_free(c);
	tree_free();
}
END_TEST

START_TEST(odd_names)
{
	static const char *const rel[] = {
	    "/a b",	    /* a blank, \040 in mountinfo */
	    "/tab\there",   /* a tab */
	    "/nl\nx",	    /* a newline */
	    "/\xff\xfe",    /* not UTF-8 */
	    "/back\\slash", /* a backslash */
	    "/%41",	    /* not decoded */
	    "/\\040",	    /* not unescaped */
	    "/ lead",	    /* leading blank */
	    "/-",	    /* one byte */
	    "/a b/ c d ",   /* nested, blanks at both ends */
	    "/..x",	    /* not ".." */
	    "/.hidden",	    /* a dot first */
	};
	enum { N = sizeof(rel) / sizeof(rel[0]) };
	char p[PATH_MAX], outside[64] = "/tmp/check_cgpath.out.XXXXXX";
	uint64_t id[N];
	struct cgpath *c;
	struct stat st;
	unsigned int i;

	tree_new();
	for (i = 0; i < N; i++)
		id[i] = mkd(rel[i]);
	/* Not followed, not directories: a symlink to a directory outside
	 * the tree, a file, a FIFO (opening it would block). */
	ck_assert_ptr_nonnull(mkdtemp(outside));
	ck_assert_int_eq(stat(outside, &st), 0);
	snprintf(p, sizeof(p), "%s/link", root);
	ck_assert_int_eq(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/a b/file", root);
	close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	snprintf(p, sizeof(p), "%s/a b/fifo", root);
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	c = cache(64);
	for (i = 0; i < N; i++)
		ck_assert_str_eq(cgpath_name(c, id[i]), rel[i]);
	ck_assert_uint_eq(cgpath_count(c), N + 1);
	ck_assert_ptr_null(cgpath_name(c, (uint64_t)st.st_ino));
	ck_assert_ptr_null(cgpath_name(c, ino("/link")));
	ck_assert_ptr_null(cgpath_name(c, ino("/a b/file")));
	ck_assert_ptr_null(cgpath_name(c, ino("/a b/fifo")));
	ck_assert_uint_eq(cgpath_walks(c), 1);
	cgpath_free(c);
	ck_assert_int_eq(rmdir(outside), 0);
	tree_free();
}
END_TEST

/*
 * A random tree of 300, larger than the cache, and random lookups: every
 * answer names the directory of that inode; a miss is answered once a walk
 * is allowed; the cache never holds more than max; and the ids asked for
 * are exact LRU, the walks' other directories notwithstanding: an id stays
 * while fewer than max others were asked for since (paths under 128 bytes,
 * so the text of 16 fits the arena).
 */
START_TEST(random_tree)
{
	enum { N = 300, MAX = 16, LOOKUPS = 2000 };
	static char rel[N][128];
	uint64_t id[N], last[N] = {0}, t = 0, walks;
	char p[PATH_MAX];
	struct cgpath *c;
	struct stat st;
	const char *name;
	int i, j, k, since, hits = 0;

	tree_new();
	srandom(7);
	for (i = 0; i < N; i++) {
		int parent = i == 0 ? -1 : (int)(random() % i);

		if (parent >= 0 && strlen(rel[parent]) > sizeof(rel[0]) - 16)
			parent = -1;
		ck_assert_int_lt(snprintf(rel[i], sizeof(rel[i]), "%s/c%d%s",
					  parent >= 0 ? rel[parent] : "", i,
					  i % 3 ? ".scope" : ".slice"),
				 sizeof(rel[i]));
		id[i] = mkd(rel[i]);
	}
	c = cache(MAX);
	for (k = 0; k < LOOKUPS; k++) {
		/* Mostly a working set of 12, sometimes anything. */
		i = random() % 4 ? (int)(random() % 12) : (int)(random() % N);
		if (random() % 8 == 0)
			fake_now += SEC;
		for (j = 0, since = 0; j < N; j++)
			since += last[i] != 0 && last[j] > last[i];
		walks = cgpath_walks(c);
		name = cgpath_name(c, id[i]);
		if (last[i] != 0 && since < MAX) {
			ck_assert_msg(name != NULL, "lookup %d: %s evicted after %d others", k,
				      rel[i], since);
			ck_assert_uint_eq(cgpath_walks(c), walks);
		}
		if (name == NULL) {
			fake_now += SEC;
			name = cgpath_name(c, id[i]);
			ck_assert_ptr_nonnull(name);
		} else {
			hits++;
		}
		last[i] = ++t;
		ck_assert_str_eq(name, rel[i]);
		snprintf(p, sizeof(p), "%s%s", root, name);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq((uint64_t)st.st_ino, id[i]);
		ck_assert_uint_le(cgpath_count(c), MAX);
	}
	ck_assert_int_gt(hits, LOOKUPS / 2);
	cgpath_free(c);
	tree_free();
}
END_TEST

/* The first cgroup2 mount point, as cgpath_new(NULL) finds it; "" if none. */
static void cgroup2_mount(char *mnt, size_t len)
{
	char line[4096], fs[64], dir[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	mnt[0] = '\0';
	if (f == NULL)
		return;
	while (mnt[0] == '\0' && fgets(line, sizeof(line), f) != NULL) {
		const char *sep = strstr(line, " - ");

		if (sep != NULL && sscanf(sep, " - %63s", fs) == 1 && strcmp(fs, "cgroup2") == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", dir) == 1 && strchr(dir, '\\') == NULL)
			snprintf(mnt, len, "%s", dir);
	}
	fclose(f);
}

/* This process's cgroup v2 path, from the "0::" line of /proc/self/cgroup. */
static int self_cgroup(char *path, size_t len)
{
	char line[PATH_MAX + 16];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(path, len, "%s", line + 3) < (int)len;
	}
	fclose(f);
	return found;
}

/* The kernel's own cgroup id of path: the kernfs file handle (8 bytes) is
 * it, and name_to_handle_at needs no privilege (open_by_handle_at does). */
static uint64_t handle_id(const char *path)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 64];
	} h;
	uint64_t id;
	int mount_id;

	h.fh.handle_bytes = 64;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0 || h.fh.handle_bytes != 8)
		return 0;
	memcpy(&id, h.fh.f_handle, 8);
	return id;
}

START_TEST(real_mount)
{
	char mnt[PATH_MAX], self[PATH_MAX], p[PATH_MAX * 2], sub[PATH_MAX * 2];
	struct cgpath *c;
	struct stat st;
	uint64_t hid;

	cgroup2_mount(mnt, sizeof(mnt));
	if (mnt[0] == '\0') {
		fprintf(stderr, "check_cgpath: real_mount skipped: no cgroup2 mount\n");
		return;
	}
	if (!self_cgroup(self, sizeof(self))) {
		fprintf(stderr,
			"check_cgpath: real_mount skipped: no 0:: line in /proc/self/cgroup\n");
		return;
	}
	snprintf(p, sizeof(p), "%s%s", mnt, self);
	ck_assert_msg(stat(p, &st) == 0, "stat %s: %s", p, strerror(errno));
	/* The premise: the kernel's cgroup id is the directory's inode. */
	hid = handle_id(p);
	if (hid != 0)
		ck_assert_uint_eq(hid, (uint64_t)st.st_ino);
	c = cgpath_new(NULL, 256);
	ck_assert_ptr_nonnull(c);
	cgpath_set_clock(c, fake_clock);
	fake_now = SEC;
	ck_assert_str_eq(cgpath_name(c, (uint64_t)st.st_ino), self);
	ck_assert_ptr_null(cgpath_name(c, UINT64_MAX));
	/* A cgroup of our own below it, where we may make one. */
	snprintf(p, sizeof(p), "%s%scheck_cgpath %d", self, strcmp(self, "/") ? "/" : "",
		 (int)getpid());
	ck_assert_int_lt(snprintf(sub, sizeof(sub), "%s%s", mnt, p), sizeof(sub));
	if (mkdir(sub, 0755) < 0) {
		fprintf(stderr, "check_cgpath: real_mount: no child cgroup: mkdir %s: %s\n", sub,
			strerror(errno));
	} else {
		ck_assert_int_eq(stat(sub, &st), 0);
		hid = handle_id(sub);
		if (hid != 0)
			ck_assert_uint_eq(hid, (uint64_t)st.st_ino);
		fake_now += SEC;
		ck_assert_str_eq(cgpath_name(c, (uint64_t)st.st_ino), p);
		ck_assert_int_eq(rmdir(sub), 0);
	}
	cgpath_free(c);
}
END_TEST

/*
 * The whole way, as zeroserve goes: a loopback client's cgroup id from
 * sock_diag (src/peercg.c) is this process's cgroup, by path.
 */
START_TEST(peer_socket)
{
	char self[PATH_MAX];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_storage client, local;
	socklen_t len = sizeof(sin), clen = sizeof(client), llen = sizeof(local);
	struct cgpath *c;
	uint64_t id = 0;
	int l, s, a, rc;

	c = cgpath_new(NULL, 64);
	if (c == NULL || !self_cgroup(self, sizeof(self))) {
		fprintf(stderr, "check_cgpath: peer_socket skipped: no cgroup2 mount\n");
		cgpath_free(c);
		return;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	a = accept(l, (struct sockaddr *)&client, &clen);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(getsockname(a, (struct sockaddr *)&local, &llen), 0);
	rc = peercg_lookup((struct sockaddr *)&client, (struct sockaddr *)&local, &id);
	if (rc < 0)
		fprintf(stderr, "check_cgpath: peer_socket skipped: sock_diag: %s\n",
			strerror(-rc));
	else
		ck_assert_str_eq(cgpath_name(c, id), self);
	close(a);
	close(s);
	close(l);
	cgpath_free(c);
}
END_TEST

/*
 * Run fn in a child with a mount namespace of its own, so that its mounts
 * go with it: fn's return, or 77 when there is none to be had (not root).
 */
static int in_mount_ns(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char dir[PATH_MAX];

/* Our cgroup2 mount at dir, the only one: does cgpath_new(NULL) find it? */
static int find_escaped(void)
{
	char line[4096], mnt[PATH_MAX];
	struct cgpath *c;
	struct stat st;
	const char *name;
	FILE *f;

	/* Off with the others, so the first cgroup2 is ours. */
	for (;;) {
		cgroup2_mount(mnt, sizeof(mnt));
		if (mnt[0] == '\0' || umount2(mnt, MNT_DETACH) < 0)
			break;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return 77;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " - cgroup2 ") != NULL)
			return 77;
	fclose(f);
	if (mount("none", dir, "cgroup2", 0, NULL) < 0 || stat(dir, &st) < 0)
		return 77;
	c = cgpath_new(NULL, 8);
	if (c == NULL)
		return 2;
	name = cgpath_name(c, (uint64_t)st.st_ino);
	if (name == NULL || strcmp(name, "/") != 0)
		return 3;
	cgpath_free(c);
	return 0;
}

/*
 * mountinfo's \ooo escapes, on a cgroup2 mount at a path with a blank, a
 * tab and a backslash (root only).
 */
START_TEST(mount_escapes)
{
	int rc;

	tree_new();
	snprintf(dir, sizeof(dir), "%s/cg 2\t\\x", root);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	rc = in_mount_ns(find_escaped);
	if (rc == 77)
		fprintf(stderr,
			"check_cgpath: mount_escapes skipped: no cgroup2 mount of our own\n");
	else
		ck_assert_int_eq(rc, 0);
	tree_free();
}
END_TEST

/* A tmpfs on the tree's /a/m: neither it nor anything in it is a cgroup. */
static int cross_mount(void)
{
	char p[PATH_MAX * 2];
	struct stat m, sub;
	struct cgpath *c;
	const char *name;
	int rc = 0;

	snprintf(p, sizeof(p), "%s/m", dir);
	if (mount("none", p, "tmpfs", 0, NULL) < 0 || stat(p, &m) < 0)
		return 77;
	snprintf(p, sizeof(p), "%s/m/sub", dir);
	if (mkdir(p, 0755) < 0 || stat(p, &sub) < 0)
		return 1;
	c = cgpath_new(root, 16);
	if (c == NULL)
		return 2;
	name = cgpath_name(c, ino("/a"));
	if (name == NULL || strcmp(name, "/a") != 0)
		rc = 3;
	if (cgpath_name(c, (uint64_t)m.st_ino) != NULL ||
	    cgpath_name(c, (uint64_t)sub.st_ino) != NULL)
		rc = 4;
	cgpath_free(c);
	return rc;
}

START_TEST(mount_crossing)
{
	int rc;

	tree_new();
	mkd("/a");
	mkd("/a/m");
	snprintf(dir, sizeof(dir), "%s/a", root);
	rc = in_mount_ns(cross_mount);
	if (rc == 77)
		fprintf(stderr, "check_cgpath: mount_crossing skipped: no mount namespace\n");
	else
		ck_assert_int_eq(rc, 0);
	tree_free();
}
END_TEST

static Suite *cgpath_suite(void)
{
	Suite *s = suite_create("cgpath");
	TCase *tc = tcase_create("tree");

	tcase_add_test(tc, new_errors);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, rate_limit);
	tcase_add_test(tc, created_later);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, in_use_kept);
	tcase_add_test(tc, depth_bound);
	tcase_add_test(tc, long_paths);
	tcase_add_test(tc, odd_names);
	tcase_add_test(tc, random_tree);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("cgroupfs");
	tcase_add_test(tc, real_mount);
	tcase_add_test(tc, peer_socket);
	tcase_add_test(tc, mount_escapes);
	tcase_add_test(tc, mount_crossing);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cgpath_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
