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
 * 0 with the cgroup's path (malloc'd) in *cgroup and a directory
 * descriptor of it in *cgfd: cgroup_opt (--cgroup) or the first
 * cgroup v2 mount. Else -errno (EPERM, ENOENT, ENOTDIR, ...) with a
 * one-line reason in why, and nothing to free.
 */
int accel_env_check(const char *cgroup_opt, char **cgroup, int *cgfd, char *why, size_t whylen);

#endif
