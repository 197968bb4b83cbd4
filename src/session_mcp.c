/* SPDX-License-Identifier: MIT */
/*
 * MCP calls by name (--mcp ROUTE): a POST on such a route is a JSON-RPC
 * message (the Streamable HTTP transport of the Model Context Protocol,
 * spec 2025-06-18); its body, and its response's (JSON, or an SSE stream),
 * go through mcp.h's scanners as they are relayed, never held. The log
 * and the metrics get the method, the tool of a tools/call and how it
 * ended, never its arguments. The kernel engine leaves these routes to
 * userspace (router_kernel_refusal): it never reads bodies.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accesslog.h"
#include "http.h"
#include "mcp.h"
#include "router.h"
#include "session.h"

struct session_mcp {
	struct mcp_scan req, resp;
	int resp_on;
};

static void watch(void *arg, const char *p, size_t n)
{
	mcp_scan_feed(arg, p, n);
}

void session_mcp_request(struct session *s)
{
	s->mcp_on = 0;
	s->req.body_watch = NULL;
	s->resp.body_watch = NULL;
	if (s->route == NULL || !s->route->mcp || s->req.parser.method != HTTP_POST)
		return;
	if (s->mcp == NULL) {
		s->mcp = calloc(1, sizeof(*s->mcp));
		/* Without it the request is proxied all the same, unnamed. */
		if (s->mcp == NULL)
			return;
	}
	s->mcp_on = 1;
	s->mcp->resp_on = 0;
	mcp_scan_init(&s->mcp->req, 0, 0);
	s->req.body_watch = watch;
	s->req.body_watch_arg = &s->mcp->req;
}

void session_mcp_response(struct session *s)
{
	const char *ct;
	size_t len;
	int sse;

	if (!s->mcp_on)
		return;
	ct = http_head_get(&s->resp.head, "content-type", &len);
	sse = ct != NULL && len >= 17 && strncasecmp(ct, "text/event-stream", 17) == 0;
	mcp_scan_init(&s->mcp->resp, 1, sse);
	mcp_scan_expect(&s->mcp->resp, &s->mcp->req);
	s->mcp->resp_on = 1;
	s->resp.body_watch = watch;
	s->resp.body_watch_arg = &s->mcp->resp;
}

void session_mcp_entry(struct session *s, struct accesslog_entry *e)
{
	const char *method;

	s->req.body_watch = NULL;
	s->resp.body_watch = NULL;
	if (!s->mcp_on)
		return;
	method = mcp_scan_method(&s->mcp->req);
	/* Not JSON-RPC (or not yet read): no MCP fields. */
	if (method[0] == '\0')
		return;
	e->mcp_method = method;
	if (strcmp(method, "tools/call") == 0 && mcp_scan_tool(&s->mcp->req)[0] != '\0')
		e->mcp_tool = mcp_scan_tool(&s->mcp->req);
	if (s->status < 200 || s->status > 299)
		e->mcp_outcome = "http_error";
	else if (!mcp_scan_is_request(&s->mcp->req) || !s->mcp->resp_on)
		e->mcp_outcome = "none";
	else
		e->mcp_outcome = mcp_outcome_name(mcp_scan_outcome(&s->mcp->resp));
}

void session_mcp_free(struct session *s)
{
	free(s->mcp);
	s->mcp = NULL;
}
