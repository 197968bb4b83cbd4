/* SPDX-License-Identifier: MIT */
/*
 * One line per request, text or JSON, whichever engine carried it. The
 * field names are documented in zeroserve(8), METRICS AND LOGS: they are
 * an interface.
 */
#ifndef ZS_ACCESSLOG_H
#define ZS_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct accesslog;

struct accesslog_entry {
	int64_t time_ns;    /* when the request ended: CLOCK_REALTIME, ns since the epoch */
	const char *client; /* "127.0.0.1:53412" */
	const char *method;
	const char *path; /* as received, path_len bytes of it */
	size_t path_len;
	int path_truncated; /* the kernel kept only the first path_len bytes */
	int status;
	uint64_t bytes;		 /* body bytes sent to the client */
	uint64_t request_bytes;	 /* the request as received: head and body */
	uint64_t response_bytes; /* the response as sent: head and body */
	double duration_ms;
	const char *route;   /* route spec, or "-" */
	const char *backend; /* "127.0.0.1:3001", "static", or "-" */
	const char *engine;  /* "userspace" or "kernel" */
	const char *reason;  /* why it was refused ("host-not-allowed"), or NULL */
	const char *tag;     /* the routing program's tag, or NULL */
	const char *source;  /* the client's cgroup path ("/system.slice/x.service"), or NULL */
	uint64_t cgroup_id;  /* the client's cgroup id, 0: unknown */
	/* MCP routes (--mcp): the JSON-RPC method, the tool of a tools/call,
	 * the outcome; NULL when not an MCP request. */
	const char *mcp_method;
	const char *mcp_tool;
	const char *mcp_outcome;
};

/* path "-" is stdout. json: one JSON object per line. NULL with errno. */
struct accesslog *accesslog_open(const char *path, int json);
void accesslog_close(struct accesslog *al);
void accesslog_write(struct accesslog *al, const struct accesslog_entry *e);
/* on: lines wait, up to 64 KiB, to go out in few writes (a batch of the
 * kernel's records); off: what waits goes out, and lines go one by one
 * again. NULL is fine. */
void accesslog_hold(struct accesslog *al, int on);
/* Escape for a JSON string / a quoted text field into buf; returns length. */
size_t accesslog_escape(char *buf, size_t len, const char *s, size_t slen, int json);

#endif
