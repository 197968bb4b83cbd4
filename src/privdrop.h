/* SPDX-License-Identifier: MIT */
/*
 * Least privilege: which user zeroserve runs as, and which capabilities it
 * keeps. Started as root, zeroserve binds its listeners and opens its files
 * as root, then becomes that user (privdrop_switch) with only the
 * capabilities the kernel engine needs to load, and none once the load has
 * ended (privdrop_finish). Started as another user with capabilities (the
 * systemd unit's ambient ones), it keeps its uid and drops them the same way.
 * The order in src/main.c; the why in doc/architecture.md, "Start-up".
 * Returns: 0 / -errno with a one-line message in err.
 */
#ifndef ZS_PRIVDROP_H
#define ZS_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/capability.h>

/* Linux 5.8; older headers lack them. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define CAPBIT(c) (1ULL << (c))

struct accel;

struct privdrop {
	uid_t uid; /* the user zeroserve runs as once switched */
	gid_t gid;
	char name[64];
	const char *source;    /* why that user: "--user", "SUDO_USER", "the default" */
	unsigned int root : 1; /* started as root (a uid 0 among real, effective, saved) */
	unsigned int caps : 1; /* started with capabilities in its permitted set */
};

/*
 * Which user zeroserve would run as, from --user (user, or NULL), SUDO_USER
 * or "nobody"; nothing changes yet. -EINVAL when --user names no user, or
 * another user than the one zeroserve runs as when not started as root;
 * -ENOENT without a user to switch to (no "nobody").
 */
int privdrop_plan(struct privdrop *pd, const char *user, char *err, size_t errlen);
/* The calling thread's capability sets as masks of CAPBIT()s. 0 / -errno. */
int privdrop_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh);
/* One line for zeroserve --check: who it would run as, and why. */
void privdrop_describe(const struct privdrop *pd, char *buf, size_t len);
/*
 * After the listeners are bound and the files opened, before any other
 * thread exists: become the planned user, keeping in the effective and
 * permitted sets only what the kernel engine needs to load when
 * keep_engine, else nothing; no_new_privs; not dumpable when started
 * privileged. Every failure is fatal to the start: never serve as root by
 * mistake.
 */
int privdrop_switch(struct privdrop *pd, int keep_engine, char *err, size_t errlen);
/*
 * The engine loads in another thread, which took the capabilities with it:
 * this thread clears its effective set while it serves (permitted kept).
 */
int privdrop_lower(struct privdrop *pd);
/*
 * What a routing program (src/program.h) needs once the start is over:
 * usable() says -EPERM when its bpf(2) calls (BPF_PROG_TEST_RUN) need
 * CAP_BPF; reload keeps what loading one takes permitted, not effective,
 * for SIGHUP (privdrop_raise). NULL fields: none.
 */
struct privdrop_keep {
	int (*usable)(void *arg);
	void *arg;
	int reload;
};

/*
 * The kernel engine's load ended (a, or NULL when it does not run), and no
 * other thread is left: drop every capability, except CAP_BPF when the
 * engine's maps or the program (k, may be NULL) refuse bpf(2) without it
 * (privdrop.c says when), and those k->reload keeps permitted.
 */
int privdrop_finish(struct privdrop *pd, struct accel *a, const struct privdrop_keep *k, char *err,
		    size_t errlen);
/*
 * Around a program's reload: make the permitted set effective, then back
 * (*saved: the effective set before). 0 / -errno.
 */
int privdrop_raise(uint64_t *saved);
int privdrop_restore(uint64_t saved);

#endif
