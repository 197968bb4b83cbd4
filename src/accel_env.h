/* SPDX-License-Identifier: MIT */
/*
 * Can the kernel engine run here? The checks that need neither the BPF
 * object nor the configuration's routes: privileges, kernel lockdown, the
 * cgroup v2 directory sockops attaches to, kernel BTF. src/accel.c asks
 * before it loads anything.
 */
#ifndef ZS_ACCEL_ENV_H
#define ZS_ACCEL_ENV_H

#include <stddef.h>

/*
 * The checks one by one, each 0 or -errno with a one-line reason in why:
 * accel_env_check (the start) and zeroserve --check (src/main.c) both call
 * them, so they cannot disagree.
 */
/* CAP_NET_ADMIN and CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN, effective. */
int accel_env_caps(char *why, size_t whylen);
/* Not in lockdown's confidentiality mode. */
int accel_env_lockdown(char *why, size_t whylen);
/* /sys/kernel/btf/vmlinux readable. */
int accel_env_btf(char *why, size_t whylen);
/*
 * cgroup_opt (--cgroup) or the first cgroup v2 mount, opened: 0 with its
 * path (malloc'd) in *cgroup and a directory descriptor in *cgfd.
 */
int accel_env_cgroup(const char *cgroup_opt, char **cgroup, int *cgfd, char *why, size_t whylen);

/*
 * All of them, in that order (the cgroup before BTF): 0 with the cgroup's path (malloc'd) in *cgroup and a directory
 * descriptor of it in *cgfd: cgroup_opt (--cgroup) or the first
 * cgroup v2 mount. Else -errno (EPERM, ENOENT, ENOTDIR, ...) with a
 * one-line reason in why, and nothing to free.
 */
int accel_env_check(const char *cgroup_opt, char **cgroup, int *cgfd, char *why, size_t whylen);

#endif
