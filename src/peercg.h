/* SPDX-License-Identifier: MIT */
/*
 * The cgroup of a local client: the one its socket was made in, as the
 * kernel engine reads it from the client's socket (bpf/zs.bpf.c,
 * prog_fill), asked here of sock_diag (INET_DIAG_CGROUP_ID, Linux 5.9).
 */
#ifndef ZS_PEERCG_H
#define ZS_PEERCG_H

#include <stdint.h>
#include <sys/socket.h>

/*
 * The cgroup id (its inode number in the cgroup v2 tree) of the socket at
 * client whose peer is local: on loopback, both ends are this host's.
 * 0 or -errno (-ENOENT: no such socket here, a client on another host).
 */
int peercg_lookup(const struct sockaddr *client, const struct sockaddr *local, uint64_t *id);

#endif
