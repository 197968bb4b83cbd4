/* SPDX-License-Identifier: MIT */
/*
 * cgroup id -> path (src/cgpath.h): a bounded cache filled by walking the
 * cgroup v2 tree.
 *
 * Why a cached entry never goes stale: on 64-bit kernels a kernfs id is
 * 32 bits from a cyclic idr plus a generation above them that grows when the
 * idr wraps (fs/kernfs/dir.c, kernfs_new_node), so an id is not reused while
 * the system runs; and cgroup v2 has no rename (cgroup_kf_syscall_ops has no
 * .rename; only v1's cgroup1_kf_syscall_ops, kernel/cgroup/cgroup-v1.c). A
 * cached id keeps the path its cgroup had, also after it is removed, which
 * is the right name for a socket that outlived its cgroup.
 *
 * Storage, fixed at cgpath_new: max entries, a hash of max buckets, and
 * one arena of path text. An entry is on three lists by index: its hash
 * chain; one of two recency lists, used (ids cgpath_name was asked for, most
 * recent first) or seen (ids a walk passed and nobody asked for yet, the
 * walk that last passed them first); and the arena list (in the order its
 * text lies in the arena, so compaction is one pass of memmove). Text is
 * allocated at the arena's top; when the top reaches the end, the arena is
 * compacted.
 *
 * Eviction: a walk's seen ids take free room, then replace seen ids of
 * earlier walks, never used ones: a tree larger than the cache cannot push
 * out the ids in use. The id a walk was for replaces the oldest seen id,
 * else the least recently used one. So the used list is exact LRU: an id
 * asked for stays while fewer than max others have been asked for since
 * (while the text fits the arena; see CGPATH_AVG).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cgpath.h"
#include "log.h"

#define NONE UINT32_MAX
/* Path text per entry on average: a Kubernetes pod's container cgroup,
 * /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uuid>.slice/
 * cri-containerd-<64 hex>.scope, is about 170 bytes. */
#define CGPATH_AVG   192
#define NSEC_PER_SEC 1000000000ull

struct ent {
	uint64_t id;	     /* 0: free */
	uint64_t walk;	     /* on seen: the last walk that passed it */
	uint32_t off, len;   /* text in c->arena, NUL at off + len */
	uint32_t hnext;	     /* hash chain; free list */
	uint32_t prev, next; /* on used or seen */
	uint32_t aprev, anext;
	int used;
};

struct list {
	uint32_t head, tail;
};

struct cgpath {
	int rootfd;
	dev_t dev;
	unsigned int max, count;
	uint32_t mask; /* buckets - 1 */
	uint32_t *bucket;
	struct ent *ent;
	uint32_t free;
	struct list used, seen;
	uint32_t ahead, atail; /* arena order */
	char *arena;
	size_t cap, top, live; /* live: bytes of text in use, NULs included */
	uint64_t (*now)(void);
	uint64_t walks, last_walk;
	/* During a walk: the id asked for, whether it was seen, whether the
	 * other directories still find room. */
	uint64_t want;
	int found, seen_full;
	char path[PATH_MAX];
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint32_t hash(const struct cgpath *c, uint64_t id)
{
	return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & c->mask;
}

static uint32_t ent_find(const struct cgpath *c, uint64_t id)
{
	uint32_t i;

	for (i = c->bucket[hash(c, id)]; i != NONE; i = c->ent[i].hnext)
		if (c->ent[i].id == id)
			return i;
	return NONE;
}

static struct list *list_of(struct cgpath *c, uint32_t i)
{
	return c->ent[i].used ? &c->used : &c->seen;
}

static void list_unlink(struct cgpath *c, uint32_t i)
{
	struct list *l = list_of(c, i);
	struct ent *e = &c->ent[i];

	if (e->prev != NONE)
		c->ent[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NONE)
		c->ent[e->next].prev = e->prev;
	else
		l->tail = e->prev;
}

/* To the head of used or of seen. */
static void list_push(struct cgpath *c, uint32_t i, int used)
{
	struct ent *e = &c->ent[i];
	struct list *l;

	e->used = used;
	l = list_of(c, i);
	e->prev = NONE;
	e->next = l->head;
	if (l->head != NONE)
		c->ent[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
}

static void ent_drop(struct cgpath *c, uint32_t i)
{
	struct ent *e = &c->ent[i];
	uint32_t *p;

	for (p = &c->bucket[hash(c, e->id)]; *p != i; p = &c->ent[*p].hnext)
		;
	*p = e->hnext;
	list_unlink(c, i);
	if (e->aprev != NONE)
		c->ent[e->aprev].anext = e->anext;
	else
		c->ahead = e->anext;
	if (e->anext != NONE)
		c->ent[e->anext].aprev = e->aprev;
	else
		c->atail = e->aprev;
	c->live -= e->len + 1;
	e->id = 0;
	e->hnext = c->free;
	c->free = i;
	c->count--;
}

/* The entry to make room with (see the top of this file), or NONE. */
static uint32_t victim(const struct cgpath *c, int used)
{
	uint32_t i = c->seen.tail;

	if (i != NONE && (used || c->ent[i].walk < c->walks))
		return i;
	return used ? c->used.tail : NONE;
}

static void arena_compact(struct cgpath *c)
{
	size_t top = 0;
	uint32_t i;

	for (i = c->ahead; i != NONE; i = c->ent[i].anext) {
		struct ent *e = &c->ent[i];

		memmove(c->arena + top, c->arena + e->off, e->len + 1);
		e->off = (uint32_t)top;
		top += e->len + 1;
	}
	c->top = top;
}

/*
 * Add id -> path to used (the id asked for: always fits) or to seen; 0, or
 * -ENOSPC for seen when only used ids or this walk's could make room.
 */
static int ent_add(struct cgpath *c, uint64_t id, const char *path, size_t len, int used)
{
	size_t need = len + 1;
	struct ent *e;
	uint32_t i;

	if (c->free == NONE) {
		i = victim(c, used);
		if (i == NONE)
			goto full;
		ent_drop(c, i);
	}
	if (c->top + need > c->cap) {
		/*
		 * Seen ids compact to a quarter of the arena free, so a walk
		 * compacts at most once per cap / 4 bytes it adds and stays
		 * O(number of cgroups); when that cannot be had, this one is
		 * its last. The id asked for makes room at any cost.
		 */
		size_t goal = used ? c->cap : c->cap - c->cap / 4;

		while (c->live + need > goal && (i = victim(c, used)) != NONE)
			ent_drop(c, i);
		if (c->live + need > c->cap)
			goto full;
		arena_compact(c);
		if (c->live + need > goal)
			c->seen_full = 1;
	}
	i = c->free;
	e = &c->ent[i];
	c->free = e->hnext;
	e->id = id;
	e->walk = c->walks;
	e->off = (uint32_t)c->top;
	e->len = (uint32_t)len;
	memcpy(c->arena + c->top, path, len);
	c->arena[c->top + len] = '\0';
	c->top += need;
	c->live += need;
	e->hnext = c->bucket[hash(c, id)];
	c->bucket[hash(c, id)] = i;
	list_push(c, i, used);
	e->anext = NONE;
	e->aprev = c->atail;
	if (c->atail != NONE)
		c->ent[c->atail].anext = i;
	else
		c->ahead = i;
	c->atail = i;
	c->count++;
	return 0;
full:
	c->seen_full = 1;
	return -ENOSPC;
}

static void walk_record(struct cgpath *c, uint64_t id, const char *path, size_t len)
{
	uint32_t i = ent_find(c, id);

	/* Known: ids are not reused and v2 cgroups do not move; a seen one
	 * is seen again, so it outlasts those of removed cgroups. */
	if (i != NONE) {
		if (!c->ent[i].used) {
			c->ent[i].walk = c->walks;
			list_unlink(c, i);
			list_push(c, i, 0);
		}
		return;
	}
	if (id == c->want) {
		c->found = 1;
		ent_add(c, id, path, len, 1);
	} else if (!c->seen_full && id != 0) {
		ent_add(c, id, path, len, 0);
	}
}

/*
 * Record the directories in dfd (which this takes), at depth, whose path
 * is c->path[0, plen) + "/" + name, and walk them in turn. One descriptor
 * per level is open: CGPATH_DEPTH at most, besides the mount's own.
 */
static void walk_dir(struct cgpath *c, int dfd, size_t plen, unsigned int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return;
	}
	while (!(c->found && c->seen_full) && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		size_t nlen, len;
		int fd;

		/* cgroupfs (kernfs) fills d_type; a cgroup's files are most of
		 * its entries and are passed over without a system call. */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
			continue;
		nlen = strlen(name);
		len = plen + 1 + nlen;
		if (len >= sizeof(c->path))
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_dev != c->dev)
			continue;
		c->path[plen] = '/';
		memcpy(c->path + plen + 1, name, nlen + 1);
		walk_record(c, (uint64_t)st.st_ino, c->path, len);
		if (depth >= CGPATH_DEPTH)
			continue;
		fd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			walk_dir(c, fd, len, depth + 1);
	}
	closedir(d);
}

static void walk(struct cgpath *c, uint64_t want)
{
	struct stat st;
	int fd;

	c->walks++;
	c->want = want;
	c->found = 0;
	c->seen_full = 0;
	/* Its own descriptor: fdopendir takes it, and its offset. */
	fd = openat(c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		log_debug("cgpath: cannot walk the cgroup tree: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	walk_record(c, (uint64_t)st.st_ino, "/", 1);
	walk_dir(c, fd, 0, 1);
}

const char *cgpath_name(struct cgpath *c, uint64_t id)
{
	uint64_t now;
	uint32_t i;

	if (id == 0)
		return NULL;
	i = ent_find(c, id);
	if (i == NONE) {
		now = c->now();
		if (c->walks > 0 && now - c->last_walk < NSEC_PER_SEC)
			return NULL;
		c->last_walk = now;
		walk(c, id);
		i = ent_find(c, id);
		if (i == NONE)
			return NULL;
	}
	list_unlink(c, i);
	list_push(c, i, 1);
	return c->arena + c->ent[i].off;
}

/* mountinfo escapes blanks and backslashes in paths as \ooo (fs/proc_namespace.c, mangle). */
static void unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

char *cgpath_mount(void)
{
	char *line = NULL, *path = NULL;
	size_t cap = 0;
	int err = ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return NULL;
	while (path == NULL && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *sep = strstr(line, " - "), *mnt = line, *end;
		int field;

		if (sep == NULL || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		for (field = 0; field < 4 && mnt != NULL; field++) {
			mnt = strchr(mnt, ' ');
			if (mnt != NULL)
				mnt++;
		}
		if (mnt == NULL || (end = strchr(mnt, ' ')) == NULL)
			continue;
		*end = '\0';
		unescape(mnt);
		path = strdup(mnt);
		if (path == NULL)
			err = ENOMEM;
		break;
	}
	free(line);
	fclose(f);
	if (path == NULL)
		errno = err;
	return path;
}

/* The first cgroup2 mount point, opened as a directory: fd or -errno. */
static int open_cgroup2(void)
{
	char *mnt = cgpath_mount();
	int fd;

	if (mnt == NULL)
		return -errno;
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	free(mnt);
	return fd;
}

struct cgpath *cgpath_new(const char *mount, unsigned int max)
{
	struct cgpath *c;
	struct stat st;
	uint32_t n;
	int fd, err;

	if (max == 0 || max > CGPATH_MAX_IDS) {
		errno = EINVAL;
		return NULL;
	}
	if (mount != NULL)
		fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		fd = open_cgroup2();
	if (fd < 0) {
		if (mount == NULL)
			errno = -fd;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	for (n = 1; n < max; n <<= 1)
		;
	c->rootfd = fd;
	c->dev = st.st_dev;
	c->max = max;
	c->mask = n - 1;
	c->cap = (size_t)max * CGPATH_AVG;
	if (c->cap < PATH_MAX)
		c->cap = PATH_MAX;
	c->bucket = malloc(n * sizeof(*c->bucket));
	c->ent = calloc(max, sizeof(*c->ent));
	c->arena = malloc(c->cap);
	if (c->bucket == NULL || c->ent == NULL || c->arena == NULL)
		goto fail;
	memset(c->bucket, 0xff, n * sizeof(*c->bucket));
	for (n = 0; n < max; n++)
		c->ent[n].hnext = n + 1 < max ? n + 1 : NONE;
	c->free = 0;
	c->used.head = c->used.tail = c->seen.head = c->seen.tail = NONE;
	c->ahead = c->atail = NONE;
	c->now = monotonic_ns;
	return c;
fail:
	if (c != NULL) {
		free(c->bucket);
		free(c->ent);
		free(c->arena);
		free(c);
	}
	close(fd);
	errno = ENOMEM;
	return NULL;
}

void cgpath_free(struct cgpath *c)
{
	if (c == NULL)
		return;
	close(c->rootfd);
	free(c->bucket);
	free(c->ent);
	free(c->arena);
	free(c);
}

uint64_t cgpath_walks(const struct cgpath *c)
{
	return c->walks;
}

unsigned int cgpath_count(const struct cgpath *c)
{
	return c->count;
}

void cgpath_set_clock(struct cgpath *c, uint64_t (*now_ns)(void))
{
	c->now = now_ns != NULL ? now_ns : monotonic_ns;
}
