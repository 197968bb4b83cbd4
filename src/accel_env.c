/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's environment checks and cgroup v2 discovery
 * (src/accel_env.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>

#include <linux/magic.h>

#include "accel_env.h"
#include "cgpath.h"
#include "privdrop.h"

/*
 * Loading sockops and sk_msg programs, creating a sockhash and attaching to
 * a cgroup need CAP_BPF and CAP_NET_ADMIN; zs_msg's bpf_probe_read_kernel
 * needs CAP_PERFMON. CAP_SYS_ADMIN stands in for the two split off it in 5.8.
 */
static int have_caps(void)
{
	uint64_t eff, prm, inh;

#define HAS(c) ((eff & CAPBIT(c)) != 0)
	if (privdrop_caps(&eff, &prm, &inh) < 0)
		return 0;
	return HAS(CAP_NET_ADMIN) && (HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON)));
#undef HAS
}

/* Lockdown in confidentiality mode refuses bpf_probe_read_kernel to everyone. */
static int locked_down(void)
{
	char buf[128];
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "[confidentiality]") != NULL;
}

int accel_env_caps(char *why, size_t whylen)
{
	if (have_caps())
		return 0;
	snprintf(why, whylen, "needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or root)");
	return -EPERM;
}

int accel_env_lockdown(char *why, size_t whylen)
{
	if (!locked_down())
		return 0;
	snprintf(why, whylen, "kernel lockdown (confidentiality) refuses bpf_probe_read_kernel");
	return -EPERM;
}

int accel_env_btf(char *why, size_t whylen)
{
	int err;

	/* The sk_msg program reads the client socket through CO-RE. */
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 0;
	err = -errno;
	snprintf(why, whylen, "no kernel BTF (/sys/kernel/btf/vmlinux: %s)", strerror(-err));
	return err;
}

int accel_env_cgroup(const char *cgroup_opt, char **cgroup, int *cgfd, char *why, size_t whylen)
{
	struct statfs sfs;
	char *path;
	int fd, err;

	path = cgroup_opt != NULL ? strdup(cgroup_opt) : cgpath_mount();
	if (path == NULL) {
		snprintf(why, whylen, "no cgroup v2 mount found (--cgroup PATH names one)");
		return -ENOENT;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, whylen, "cgroup %s: %s", path, strerror(-err));
		free(path);
		return err;
	}
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, whylen, "%s is not a cgroup v2 directory", path);
		close(fd);
		free(path);
		return -ENOTDIR;
	}
	*cgroup = path;
	*cgfd = fd;
	return 0;
}

int accel_env_check(const char *cgroup_opt, char **cgroup, int *cgfd, char *why, size_t whylen)
{
	int err;

	err = accel_env_caps(why, whylen);
	if (err == 0)
		err = accel_env_lockdown(why, whylen);
	if (err == 0)
		err = accel_env_cgroup(cgroup_opt, cgroup, cgfd, why, whylen);
	if (err < 0)
		return err;
	err = accel_env_btf(why, whylen);
	if (err < 0) {
		close(*cgfd);
		free(*cgroup);
		*cgroup = NULL;
		*cgfd = -1;
	}
	return err;
}
