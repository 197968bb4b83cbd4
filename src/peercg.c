/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "peercg.h"

/* The client's socket is the one whose own address is client and whose
 * peer is local: an exact lookup, not a dump (inet_diag_find_one_icsk). */
static int fill_id(struct inet_diag_sockid *id, const struct sockaddr *sa, int src)
{
	__be16 *port = src ? &id->idiag_sport : &id->idiag_dport;
	__be32 *ip = src ? id->idiag_src : id->idiag_dst;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		*port = in->sin_port;
		ip[0] = in->sin_addr.s_addr;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		*port = in6->sin6_port;
		memcpy(ip, &in6->sin6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

/* An IPv4 client of a dual-stack listener: zeroserve sees ::ffff:a.b.c.d,
 * the client's own socket is AF_INET. */
static int unmap(struct inet_diag_sockid *id)
{
	static const __be32 mapped = 0xffff;

	if (id->idiag_src[0] || id->idiag_src[1] || id->idiag_src[2] != htonl(mapped) ||
	    id->idiag_dst[0] || id->idiag_dst[1] || id->idiag_dst[2] != htonl(mapped))
		return 0;
	id->idiag_src[0] = id->idiag_src[3];
	id->idiag_dst[0] = id->idiag_dst[3];
	memset(&id->idiag_src[1], 0, 12);
	memset(&id->idiag_dst[1], 0, 12);
	return 1;
}

int peercg_lookup(const struct sockaddr *client, const struct sockaddr *local, uint64_t *out)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	} resp;
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	struct nlmsghdr *h;
	struct rtattr *rta;
	ssize_t n;
	int fd, fam, rc = -ENOENT;
	long len;

	memset(&msg, 0, sizeof(msg));
	fam = fill_id(&msg.req.id, client, 1);
	if (fam < 0 || fill_id(&msg.req.id, local, 0) != fam)
		return -EAFNOSUPPORT;
	if (fam == AF_INET6 && unmap(&msg.req.id))
		fam = AF_INET;
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = (__u8)fam;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = ~0u;
	msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(fd, &resp, sizeof(resp), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	for (h = &resp.nlh; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			rc = e->error < 0 ? e->error : -ENOENT;
			break;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
			continue;
		len = (long)h->nlmsg_len - (long)NLMSG_LENGTH(sizeof(struct inet_diag_msg));
		rta = (struct rtattr *)((char *)NLMSG_DATA(h) + sizeof(struct inet_diag_msg));
		for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type == INET_DIAG_CGROUP_ID &&
			    RTA_PAYLOAD(rta) >= sizeof(uint64_t)) {
				memcpy(out, RTA_DATA(rta), sizeof(uint64_t));
				rc = 0;
			}
		}
		break;
	}
out:
	close(fd);
	return rc;
}
