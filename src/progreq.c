/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <llhttp.h>

#include "progreq.h"
#include "router.h"

static uint32_t method_of(int m)
{
	switch (m) {
	case HTTP_GET:
		return ZS_METHOD_GET;
	case HTTP_HEAD:
		return ZS_METHOD_HEAD;
	case HTTP_POST:
		return ZS_METHOD_POST;
	case HTTP_PUT:
		return ZS_METHOD_PUT;
	case HTTP_DELETE:
		return ZS_METHOD_DELETE;
	case HTTP_OPTIONS:
		return ZS_METHOD_OPTIONS;
	case HTTP_PATCH:
		return ZS_METHOD_PATCH;
	default:
		return ZS_METHOD_OTHER;
	}
}

/* The client in the ABI's form: IPv6, an IPv4 address v4-mapped. */
static void client_of(struct zs_request *req, const struct sockaddr *sa)
{
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		req->client_ip[2] = htonl(0xffff);
		req->client_ip[3] = in->sin_addr.s_addr;
		req->client_port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(req->client_ip, &in6->sin6_addr, sizeof(req->client_ip));
		req->client_port = ntohs(in6->sin6_port);
	}
}

void progreq_build(struct zs_request *req, const struct progreq_in *in)
{
	char host[ROUTER_HOST_MAX + 1];
	unsigned int i;
	int hl;

	memset(req, 0, sizeof(*req));
	req->method = method_of(in->method);
	req->builtin_route = in->builtin_route;
	req->path_len = (uint32_t)in->tlen;
	memcpy(req->path, in->target, in->tlen < ZS_REQ_PATH_MAX ? in->tlen : ZS_REQ_PATH_MAX);
	/* The name routes compare (router_host_normalize): lower case,
	 * without the port and one trailing '.'. */
	hl = in->host != NULL ? router_host_normalize(in->host, in->hostlen, host, sizeof(host))
			      : -1;
	if (hl > 0) {
		req->host_len = (uint32_t)hl;
		memcpy(req->host, host, hl < ZS_REQ_HOST_MAX ? (size_t)hl : ZS_REQ_HOST_MAX);
	}
	for (i = 0; in->fields != NULL && i < in->fields->n && i < ZS_REQ_FIELDS; i++) {
		struct zs_field *f = &req->field[i];
		const char *v;
		size_t vlen;

		v = http_head_get(in->head, in->fields->name[i], &vlen);
		if (v == NULL)
			continue;
		f->present = 1;
		f->len = (uint32_t)vlen;
		memcpy(f->value, v, vlen < ZS_REQ_FIELD_MAX ? vlen : ZS_REQ_FIELD_MAX);
	}
	client_of(req, in->client);
	req->local_port = in->local_port;
	req->cgroup_id = in->cgroup_id;
}

/* RFC 9110 5.6.2 tchar. */
static int is_tchar(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

const char *progreq_field_refusal(const char *name, size_t len)
{
	static const char *const own[] = {"host", "content-length", "transfer-encoding",
					  "connection"};
	size_t i;

	if (len == 0 || len > ZS_REQ_FIELD_NAME_MAX)
		return "a field name is 1 to 24 bytes";
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return "not a field name (RFC 9110 token characters only)";
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strlen(own[i]) == len && strncasecmp(own[i], name, len) == 0)
			return "a field zeroserve reads itself (zs_request has what it means)";
	return NULL;
}
