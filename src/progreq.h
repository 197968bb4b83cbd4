/* SPDX-License-Identifier: MIT */
/*
 * The request a routing program sees (include/zeroserve/program.h), built
 * from what the userspace engine parsed. Pure: no I/O. The kernel engine
 * builds the same struct from its own reader; the field rules here are the
 * ABI's (man zeroserve-program.7).
 */
#ifndef ZS_PROGREQ_H
#define ZS_PROGREQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "zeroserve/program.h"
#include "http.h"

/* The field names a program asked for (ZS_FIELDS), lower case. */
struct progreq_fields {
	char name[ZS_REQ_FIELDS][ZS_REQ_FIELD_NAME_MAX + 1];
	unsigned int n;
};

struct progreq_in {
	int method;	    /* llhttp's */
	const char *target; /* the request-target as received */
	size_t tlen;
	const char *host; /* the host the request names (router_request_host), or NULL */
	size_t hostlen;
	const struct http_head *head;
	const struct progreq_fields *fields;
	const struct sockaddr *client;
	uint16_t local_port;
	uint64_t cgroup_id;
	uint32_t builtin_route; /* a route id, or ZS_NO_ROUTE */
};

void progreq_build(struct zs_request *req, const struct progreq_in *in);

/*
 * A name a program may ask for: a token (RFC 9110 5.6.2) of 1 to
 * ZS_REQ_FIELD_NAME_MAX bytes, and none of the fields the engines read
 * themselves. NULL when it may, else why not.
 */
const char *progreq_field_refusal(const char *name, size_t len);

#endif
