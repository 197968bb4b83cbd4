/* SPDX-License-Identifier: MIT */
/*
 * Least privilege (src/privdrop.h): the user switch and the capability
 * drops, with raw capget/capset as in src/accel_env.c (no libcap).
 * Capabilities are per thread: every capset here acts on the calling
 * thread only, which is why src/main.c calls privdrop_switch before the
 * loader thread exists and privdrop_finish after it was joined.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/securebits.h>

#include "accel.h"
#include "log.h"
#include "privdrop.h"

/* Linux 4.3. */
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int privdrop_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -errno;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return -errno;
	return 0;
}

/*
 * What loading the kernel engine takes (src/accel_env.c, have_caps): CAP_BPF
 * and CAP_NET_ADMIN for the programs, the sockhash and the cgroup attach,
 * CAP_PERFMON for zs_msg's bpf_probe_read_kernel; CAP_SYS_ADMIN only where
 * it stands in for the two split off it in Linux 5.8. Nothing else: the
 * cgroup directory, BTF and /proc files it opens are world-readable, and
 * BPF memory is charged to the memory cgroup since Linux 5.11, not to
 * RLIMIT_MEMLOCK (src/accel.c).
 */
static uint64_t engine_caps(uint64_t prm)
{
	uint64_t split = CAPBIT(CAP_BPF) | CAPBIT(CAP_PERFMON);
	uint64_t want = split | CAPBIT(CAP_NET_ADMIN);

	if ((prm & split) != split)
		want |= CAPBIT(CAP_SYS_ADMIN);
	return want & prm;
}

static void copy_name(struct privdrop *pd, const struct passwd *pw, uid_t uid)
{
	if (pw != NULL)
		snprintf(pd->name, sizeof(pd->name), "%s", pw->pw_name);
	else
		snprintf(pd->name, sizeof(pd->name), "uid %u", (unsigned int)uid);
}

int privdrop_plan(struct privdrop *pd, const char *user, char *err, size_t errlen)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw = NULL;
	uid_t r, e, s;
	uint64_t eff, prm, inh;

	memset(pd, 0, sizeof(*pd));
	if (getresuid(&r, &e, &s) < 0) {
		int rc = -errno;

		log_seterr(err, errlen, "getresuid: %s", strerror(-rc));
		return rc;
	}
	pd->root = r == 0 || e == 0 || s == 0;
	pd->caps = privdrop_caps(&eff, &prm, &inh) == 0 && (prm | inh) != 0;
	if (user != NULL) {
		pw = getpwnam(user);
		if (pw == NULL) {
			log_seterr(err, errlen, "unknown --user '%s': no such user", user);
			return -EINVAL;
		}
		pd->source = "--user";
	} else if (pd->root) {
		/*
		 * sudo's caller serves what it could without sudo: its 0600
		 * files and 0700 directories, links into its home (man
		 * zeroserve: SECURITY).
		 */
		if (sudo != NULL && *sudo != '\0' && (pw = getpwnam(sudo)) != NULL &&
		    pw->pw_uid != 0) {
			pd->source = "SUDO_USER";
		} else {
			pw = getpwnam("nobody");
			if (pw == NULL) {
				log_seterr(
				    err, errlen,
				    "started as root and no user 'nobody' to switch to: --user "
				    "NAME names one");
				return -ENOENT;
			}
			pd->source = "the default";
		}
	}
	if (pd->root) {
		pd->uid = pw->pw_uid;
		pd->gid = pw->pw_gid;
		copy_name(pd, pw, pd->uid);
		return 0;
	}
	/* Not root: it stays who it is, and only root can become another user. */
	pd->uid = e;
	pd->gid = getegid();
	if (pw != NULL && pw->pw_uid != e) {
		log_seterr(err, errlen,
			   "--user %s: only root can switch users, and zeroserve runs as uid %u",
			   user, (unsigned int)e);
		return -EINVAL;
	}
	if (pw == NULL)
		pw = getpwuid(e);
	copy_name(pd, pw, e);
	pd->source = "started as this user";
	return 0;
}

void privdrop_describe(const struct privdrop *pd, char *buf, size_t len)
{
	if (pd->root && pd->uid == 0)
		snprintf(buf, len, "would stay %s (uid 0; %s) and drop every capability", pd->name,
			 pd->source);
	else if (pd->root)
		snprintf(buf, len,
			 "would switch to %s (uid %u, gid %u; %s) and drop every capability",
			 pd->name, (unsigned int)pd->uid, (unsigned int)pd->gid, pd->source);
	else if (pd->caps)
		snprintf(buf, len, "%s (uid %u; not root: no switch), would drop every capability",
			 pd->name, (unsigned int)pd->uid);
	else
		snprintf(buf, len, "%s (uid %u; not root: no switch, no capabilities)", pd->name,
			 (unsigned int)pd->uid);
}

/*
 * The bounding set limits only what an execve could gain, which
 * no_new_privs already stops; emptied when CAP_SETPCAP allows it (a
 * container's root may lack it) so that nothing is left to show.
 */
static void drop_bounding(void)
{
	int c;

	for (c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return;
}

/* Root becomes pd's user; permitted keeps keep (effective: cleared by setresuid). */
static int switch_user(struct privdrop *pd, uint64_t keep, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	int rc;

#define FAIL(what)                                                                                 \
	do {                                                                                       \
		rc = -errno;                                                                       \
		log_seterr(err, errlen, "cannot switch to user %s (uid %u): %s: %s", pd->name,     \
			   (unsigned int)pd->uid, what, strerror(errno));                          \
		return rc;                                                                         \
	} while (0)

	if (pd->uid == 0) {
		/*
		 * uid 0 stays (--user root): no capability may come back with
		 * it, not through an execve nor a uid change (capabilities(7),
		 * "The securebits flags").
		 */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			      SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
			  0, 0, 0) < 0)
			FAIL("PR_SET_SECUREBITS");
	}
	drop_bounding();
	/* Its own group only: the user's supplementary groups (docker, sudo, ...) stay out. */
	if (setgroups(1, &pd->gid) < 0)
		FAIL("setgroups");
	if (setresgid(pd->gid, pd->gid, pd->gid) < 0)
		FAIL("setresgid");
	if (pd->uid != 0) {
		if (keep != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			FAIL("PR_SET_KEEPCAPS");
		if (setresuid(pd->uid, pd->uid, pd->uid) < 0)
			FAIL("setresuid");
		if (keep != 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			FAIL("PR_SET_KEEPCAPS");
	}
	/* Checked, not assumed: a uid 0 left behind could regain everything. */
	errno = EPERM;
	if (getresuid(&r, &e, &s) < 0 || r != pd->uid || e != pd->uid || s != pd->uid)
		FAIL("uid still set");
	if (getresgid(&rg, &eg, &sg) < 0 || rg != pd->gid || eg != pd->gid || sg != pd->gid)
		FAIL("gid still set");
	return 0;
#undef FAIL
}

/* Effective and permitted to keep, inheritable and ambient empty, checked. */
static int caps_limit(uint64_t keep, uint64_t keep_prm, char *err, size_t errlen)
{
	uint64_t eff, prm, inh;
	int rc;

	keep_prm |= keep;
	rc = caps_set(keep, keep_prm, 0);
	/* Ambient capabilities must be permitted and inheritable: gone with them. */
	if (rc == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		rc = -errno;
	if (rc == 0)
		rc = privdrop_caps(&eff, &prm, &inh);
	if (rc == 0 && (eff != keep || prm != keep_prm || inh != 0))
		rc = -EPERM;
	if (rc < 0)
		log_seterr(err, errlen, "cannot drop capabilities: %s", strerror(-rc));
	return rc;
}

int privdrop_switch(struct privdrop *pd, int keep_engine, char *err, size_t errlen)
{
	uint64_t eff, prm, inh, keep;
	int rc;

	/* zeroserve executes nothing: no execve may ever gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		rc = -errno;
		log_seterr(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return rc;
	}
	if (!pd->root && !pd->caps)
		return 0;
	rc = privdrop_caps(&eff, &prm, &inh);
	if (rc < 0) {
		log_seterr(err, errlen, "capget: %s", strerror(-rc));
		return rc;
	}
	keep = keep_engine ? engine_caps(prm) : 0;
	if (pd->root) {
		rc = switch_user(pd, keep, err, errlen);
		if (rc < 0)
			return rc;
	}
	rc = caps_limit(keep, keep, err, errlen);
	if (rc < 0)
		return rc;
	/*
	 * A uid change from root clears dumpable; a start with ambient
	 * capabilities keeps its uid, so say it here: a process of the same
	 * user must not ptrace zeroserve, or take its descriptors (BPF maps,
	 * listeners) with pidfd_getfd(2), once its capabilities are gone.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		rc = -errno;
		log_seterr(err, errlen, "PR_SET_DUMPABLE: %s", strerror(errno));
		return rc;
	}
	return 0;
}

int privdrop_lower(struct privdrop *pd)
{
	uint64_t eff, prm, inh;
	int rc;

	if (!pd->root && !pd->caps)
		return 0;
	rc = privdrop_caps(&eff, &prm, &inh);
	if (rc == 0)
		rc = caps_set(0, prm, 0);
	return rc;
}

int privdrop_finish(struct privdrop *pd, struct accel *a, const struct privdrop_keep *k, char *err,
		    size_t errlen)
{
	uint64_t eff, prm, inh, keep = 0, keep_prm = 0;
	int rc;

	if (!pd->root && !pd->caps)
		return 0;
	rc = privdrop_lower(pd);
	if (rc == 0)
		rc = privdrop_caps(&eff, &prm, &inh);
	if (rc < 0) {
		log_seterr(err, errlen, "cannot drop capabilities: %s", strerror(-rc));
		return rc;
	}
	/*
	 * Pairing writes the engine's maps through descriptors opened while
	 * loading. Before Linux 6.5 (commit 1d28635abcf1, "bpf: Move
	 * unprivileged checks into map_create() and bpf_prog_load()") every
	 * bpf(2) command needs CAP_BPF while kernel.unprivileged_bpf_disabled
	 * is set, Debian 12's default; since then only map creation and
	 * program loads do. So ask the kernel, with nothing effective: a map
	 * lookup refused with EPERM keeps CAP_BPF.
	 */
	if ((prm & (CAPBIT(CAP_BPF) | CAPBIT(CAP_SYS_ADMIN))) != 0 &&
	    ((a != NULL && accel_maps_usable(a) == -EPERM) ||
	     (k != NULL && k->usable != NULL && k->usable(k->arg) == -EPERM))) {
		keep = prm & CAPBIT(CAP_BPF) ? CAPBIT(CAP_BPF) : CAPBIT(CAP_SYS_ADMIN);
		log_info("keeping %s: this kernel refuses bpf(2) on the kernel engine's maps "
			 "and programs without it (kernel.unprivileged_bpf_disabled before Linux "
			 "6.5)",
			 keep == CAPBIT(CAP_BPF) ? "CAP_BPF" : "CAP_SYS_ADMIN");
	}
	/* A routing program's reload loads one: what the engine's load
	 * took, never effective but while SIGHUP reloads (privdrop_raise). */
	if (k != NULL && k->reload)
		keep_prm = engine_caps(prm);
	rc = caps_limit(keep, keep_prm, err, errlen);
	if (rc < 0)
		return rc;
	log_info("running as %s (uid %u; %s), %s%s", pd->name, (unsigned int)pd->uid, pd->source,
		 keep == 0		   ? "no capabilities left"
		 : keep == CAPBIT(CAP_BPF) ? "only CAP_BPF left"
					   : "only CAP_SYS_ADMIN left",
		 keep_prm & ~keep ? "; what loading a routing program takes stays permitted, for "
				    "SIGHUP"
				  : "");
	return 0;
}

int privdrop_raise(uint64_t *saved)
{
	uint64_t eff, prm, inh;
	int rc;

	rc = privdrop_caps(&eff, &prm, &inh);
	if (rc == 0)
		rc = caps_set(prm, prm, inh);
	if (rc == 0)
		*saved = eff;
	return rc;
}

int privdrop_restore(uint64_t saved)
{
	uint64_t eff, prm, inh;
	int rc;

	rc = privdrop_caps(&eff, &prm, &inh);
	if (rc == 0)
		rc = caps_set(saved, prm, inh);
	return rc;
}
