/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus registry: counters and a latency histogram per request
 * series, MCP call counters, and the gauges the owner knows at render time,
 * written in the text exposition format 0.0.4. Family names, types and
 * labels are an interface (zeroserve(8), METRICS AND LOGS).
 *
 * Every label value a client can choose is folded into a bounded set, and
 * the number of series is capped, so memory stays bounded whatever the
 * clients send. Single-threaded: no locks.
 */
#ifndef ZS_METRICS_H
#define ZS_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct metrics;

/* Request series beyond this many fold into one series labelled "other". */
#define METRICS_MAX_SERIES 4096
/* MCP (route, method, tool, outcome) series, likewise. */
#define METRICS_MAX_MCP_SERIES 4096
/* Distinct MCP (method, tool) pairs kept; later ones count as "other". */
#define METRICS_MAX_MCP_PAIRS 64
/* MCP method and tool values are cut to this many bytes. */
#define METRICS_MCP_LABEL_MAX 64

enum metrics_engine { METRICS_USERSPACE = 0, METRICS_KERNEL = 1 };

/* One finished request, whichever engine carried it. */
struct metrics_req {
	const char *route;   /* route spec or name, "-" for none; bounded by the config */
	const char *backend; /* "127.0.0.1:3001", "static", or "-" */
	const char *method;  /* as the client sent it */
	int status;	     /* 100..599; anything else counts as class "other" */
	enum metrics_engine engine;
	/* the calling service (cgroup path or a program's tag), NULL or "" for unknown */
	const char *source;
	uint64_t request_bytes, response_bytes;
	double duration_s;
};

/*
 * max_sources: how many distinct source values get their own label value;
 * later ones are counted under source="other". Values above
 * METRICS_MAX_SERIES count as METRICS_MAX_SERIES: no more could have a
 * series of their own. NULL with errno.
 */
struct metrics *metrics_new(unsigned int max_sources);
void metrics_free(struct metrics *m);
/*
 * Never fails: a request that cannot have a series of its own (past
 * METRICS_MAX_SERIES, or out of memory) counts in the one whose labels are
 * all "other". Methods other than the nine of RFC 9110 and RFC 5789 count
 * as "other"; NULL route or backend as "-".
 */
void metrics_request(struct metrics *m, const struct metrics_req *r);
/*
 * One MCP JSON-RPC call: method ("tools/call"), tool (NULL or "" unless
 * tools/call), outcome ("ok", "error", "tool_error", "http_error", "none").
 * method and tool come from a client: each byte outside 0x21..0x7e becomes
 * '_', each is cut at METRICS_MCP_LABEL_MAX bytes, a tool is kept only for
 * tools/call, and past METRICS_MAX_MCP_PAIRS distinct (method, tool) pairs
 * both count as "other". Any other outcome counts as "other"; NULL route
 * as "-".
 */
void metrics_mcp(struct metrics *m, const char *route, const char *method, const char *tool,
		 const char *outcome);

/* What the owner knows at render time; the registry does not keep it. */
struct metrics_map {
	const char *name;
	uint64_t used, max;
};
struct metrics_state {
	uint64_t connections_open;   /* client connections open now */
	uint64_t requests_in_flight; /* userspace requests being handled now */
	uint64_t upstream_connect_errors, upstream_timeouts;
	/* hand-overs from the kernel to userspace, by reason */
	const char *const *handover_reason;
	const uint64_t *handover;
	size_t nhandover;
	const struct metrics_map *maps; /* BPF map fill levels */
	size_t nmaps;
	uint64_t log_events, log_events_dropped; /* kernel request events read / lost */
	uint64_t otlp_records_sent, otlp_records_dropped;
	int engine_kernel; /* 1 if the kernel engine is running */
};

/*
 * Append the whole exposition to out. st NULL: every state value 0. A
 * reason or map name given twice is one sample, the sum. 0 / -ENOMEM (out
 * is then unchanged).
 */
int metrics_render(const struct metrics *m, const struct metrics_state *st, struct evbuffer *out);

#endif
