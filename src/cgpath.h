/* SPDX-License-Identifier: MIT */
/*
 * The calling service's name: a cgroup v2 id (as the kernel engine reads it
 * from a client's socket, or src/peercg.c asks of sock_diag) -> its path
 * under the cgroup v2 mount, e.g. "/system.slice/mcp-scraper.service", for
 * metrics and logs.
 *
 * On 64-bit kernels the id is the inode number of the cgroup's directory in
 * cgroupfs (the kernfs node id, cgroup_id(); since Linux 5.5, 743210386c03),
 * so the tree is walked with fstatat and the inode numbers recorded: no
 * open_by_handle_at, which needs CAP_DAC_READ_SEARCH. cgroupfs is
 * world-readable, so this works after privileges are dropped. Not
 * thread-safe: one owner, the event loop.
 */
#ifndef ZS_CGPATH_H
#define ZS_CGPATH_H

#include <stdint.h>

/* Deepest cgroup found below the mount (its root is depth 0). */
#define CGPATH_DEPTH 32
/* Most ids a cache may be asked to keep (cgpath_new's max). */
#define CGPATH_MAX_IDS (1u << 20)

struct cgpath;

/*
 * A cache of at most max ids for the cgroup v2 tree at mount, or at the
 * first cgroup2 mount in /proc/self/mountinfo when mount is NULL. The mount
 * is opened now and kept open, so a later chroot does not lose it; the tree
 * is walked on the first lookup. Memory is fixed here: about 250 bytes per
 * id (an entry and 192 bytes of path text on average; no less than one
 * PATH_MAX path in all). NULL with errno: EINVAL (max 0 or above
 * CGPATH_MAX_IDS), ENOENT (no cgroup2 mount), or open(2)'s.
 */
struct cgpath *cgpath_new(const char *mount, unsigned int max);
/*
 * The first cgroup2 mount in /proc/self/mountinfo: /sys/fs/cgroup on a
 * unified host, /sys/fs/cgroup/unified on a hybrid one. Malloc'd, or NULL
 * with errno (ENOENT: none).
 */
char *cgpath_mount(void);
void cgpath_free(struct cgpath *c);

/*
 * The path of cgroup id relative to the mount ("/" for its root), or NULL
 * when unknown: id 0, a cgroup removed before it was seen, one outside the
 * mount (another cgroup namespace), deeper than CGPATH_DEPTH or longer than
 * PATH_MAX. A cgroup once seen keeps its name after it is removed (v2 ids
 * are not reused). The string stays valid until the next cgpath_name or
 * cgpath_free call.
 *
 * A miss walks the whole tree, O(number of cgroups), at most once a second
 * (CLOCK_MONOTONIC): a miss within a second of the last walk returns NULL
 * without walking, so clients of an unknown cgroup cannot make every
 * request walk. Misses are not remembered past that second. A walk blocks
 * the caller about 10 us per cgroup (2000 cgroups: 20 ms, Linux 6.18).
 *
 * Eviction: the ids asked for are kept least recently used; the other
 * cgroups a walk passes (cached too, for the clients to come) fill the room
 * left and replace only each other, never an id asked for. So when the cache
 * is smaller than the tree, the ids in use stay, and the one a walk was for
 * is always kept.
 */
const char *cgpath_name(struct cgpath *c, uint64_t id);

/* For tests (tests/check_cgpath.c): */
/* Walks so far, counting ones that could not open the mount. */
uint64_t cgpath_walks(const struct cgpath *c);
/* Ids cached now, never above max. */
unsigned int cgpath_count(const struct cgpath *c);
/* The clock the once-a-second limit reads, in ns; NULL: CLOCK_MONOTONIC. */
void cgpath_set_clock(struct cgpath *c, uint64_t (*now_ns)(void));

#endif
