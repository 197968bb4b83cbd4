/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus registry: exact values after known calls, the folding of
 * every label a client controls, the caps, escaping, and every rendered
 * text read back by tests/promcheck.py, the strict checker of the format.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/buffer.h>

/* By path, as in check_config.c: a quoted "config.h" could find autoconf's. */
#include "../src/metrics.h"

/* The labels of a request series, in their order, with code, engine and source given. */
#define L(route, backend, method, code, engine, source)                                            \
	"{route=\"" route "\",backend=\"" backend "\",method=\"" method "\",code=\"" code          \
	"\",engine=\"" engine "\",source=\"" source "\"}"
#define MCP(route, method, tool, outcome)                                                          \
	"zeroserve_mcp_calls_total{route=\"" route "\",method=\"" method "\",tool=\"" tool         \
	"\",outcome=\"" outcome "\"}"
#define LDEF(method, code) L("/", "b", method, code, "userspace", "")

static const char *const families[][2] = {
    {"zeroserve_requests_total", "counter"},
    {"zeroserve_request_duration_seconds", "histogram"},
    {"zeroserve_request_bytes_total", "counter"},
    {"zeroserve_response_bytes_total", "counter"},
    {"zeroserve_requests_in_flight", "gauge"},
    {"zeroserve_connections_open", "gauge"},
    {"zeroserve_upstream_connect_errors_total", "counter"},
    {"zeroserve_upstream_timeouts_total", "counter"},
    {"zeroserve_kernel_handovers_total", "counter"},
    {"zeroserve_bpf_map_entries", "gauge"},
    {"zeroserve_bpf_map_max_entries", "gauge"},
    {"zeroserve_log_events_total", "counter"},
    {"zeroserve_log_events_dropped_total", "counter"},
    {"zeroserve_otlp_records_sent_total", "counter"},
    {"zeroserve_otlp_records_dropped_total", "counter"},
    {"zeroserve_kernel_engine", "gauge"},
    {"zeroserve_mcp_calls_total", "counter"},
};

/* Exit status of tests/promcheck.py reading text; it prints what is wrong. */
static int promcheck(const char *text, size_t len)
{
	const char *dir = getenv("ZS_TESTS");
	char cmd[PATH_MAX + 64];
	FILE *p;
	int st;

	if (dir != NULL && dir[0] != '\0')
		snprintf(cmd, sizeof(cmd), "python3 '%s/promcheck.py' --no-timestamps -", dir);
	else
		snprintf(cmd, sizeof(cmd), "python3 tests/promcheck.py --no-timestamps -");
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fwrite(text, 1, len, p), len);
	st = pclose(p);
	ck_assert_msg(WIFEXITED(st), "promcheck did not exit");
	return WEXITSTATUS(st);
}

/* The exposition as a string (free it), checked by promcheck. */
static char *render(const struct metrics *m, const struct metrics_state *st)
{
	struct evbuffer *b = evbuffer_new();
	size_t len;
	char *s;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(metrics_render(m, st, b), 0);
	len = evbuffer_get_length(b);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(evbuffer_remove(b, s, len), (int)len);
	s[len] = '\0';
	evbuffer_free(b);
	ck_assert_uint_eq(strlen(s), len);
	ck_assert_msg(len > 0 && s[len - 1] == '\n', "no newline at the end");
	ck_assert_msg(promcheck(s, len) == 0, "promcheck rejects the text (its reason above)");
	return s;
}

/* How many whole lines of text are line. */
static int nlines(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;
	int k = 0;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			k++;
		p += n;
	}
	return k;
}

/* The text goes to stderr, not into the message: check cuts a long one off. */
static void ck_line(const char *text, const char *line)
{
	if (nlines(text, line) != 1)
		fprintf(stderr, "%s", text);
	ck_assert_msg(nlines(text, line) == 1, "not one line \"%s\"", line);
}

static void ck_no(const char *text, const char *part)
{
	if (strstr(text, part) != NULL)
		fprintf(stderr, "%s", text);
	ck_assert_msg(strstr(text, part) == NULL, "\"%s\" is there", part);
}

static struct metrics_req req(const char *method, int status, double d)
{
	struct metrics_req r = {
	    .route = "/",
	    .backend = "b",
	    .method = method,
	    .status = status,
	    .engine = METRICS_USERSPACE,
	    .source = NULL,
	    .request_bytes = 0,
	    .response_bytes = 0,
	    .duration_s = d,
	};

	return r;
}

static void count(struct metrics *m, const char *method, int status, double d)
{
	struct metrics_req r = req(method, status, d);

	metrics_request(m, &r);
}

START_TEST(empty_registry)
{
	struct metrics *m = metrics_new(8);
	char *s, line[128];
	size_t i;

	ck_assert_ptr_nonnull(m);
	s = render(m, NULL);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(line, sizeof(line), "# TYPE %s %s", families[i][0], families[i][1]);
		ck_line(s, line);
		snprintf(line, sizeof(line), "# HELP %s ", families[i][0]);
		ck_assert_ptr_nonnull(strstr(s, line));
		ck_assert_ptr_null(strstr(strstr(s, line) + 1, line));
	}
	ck_no(s, "zeroserve_requests_total{");
	ck_no(s, "_bucket");
	ck_no(s, "zeroserve_mcp_calls_total{");
	ck_no(s, "zeroserve_kernel_handovers_total{");
	ck_line(s, "zeroserve_connections_open 0");
	ck_line(s, "zeroserve_kernel_engine 0");
	free(s);
	metrics_free(m);
	metrics_free(NULL);
}
END_TEST

START_TEST(counts_and_sums)
{
	struct metrics *m = metrics_new(8);
	struct metrics_req r = req("POST", 201, 0.5);
	char *s;

	r.request_bytes = 100;
	r.response_bytes = 1000;
	metrics_request(m, &r);
	r.duration_s = 0.25;
	r.request_bytes = 1;
	r.response_bytes = 2;
	metrics_request(m, &r);
	r.duration_s = 0.125;
	r.status = 299;
	metrics_request(m, &r);
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" LDEF("POST", "2xx") " 3");
	ck_line(s, "zeroserve_request_bytes_total" LDEF("POST", "2xx") " 102");
	ck_line(s, "zeroserve_response_bytes_total" LDEF("POST", "2xx") " 1004");
	ck_line(s, "zeroserve_request_duration_seconds_sum" LDEF("POST", "2xx") " 0.875");
	ck_line(s, "zeroserve_request_duration_seconds_count" LDEF("POST", "2xx") " 3");
	ck_line(s, "zeroserve_request_duration_seconds_bucket{route=\"/\",backend=\"b\","
		   "method=\"POST\",code=\"2xx\",engine=\"userspace\",source=\"\",le=\"+Inf\"} 3");
	free(s);

	/* A sum that needs all 17 digits is written so it reads back exactly. */
	r.duration_s = 0.1;
	r.method = "GET";
	metrics_request(m, &r);
	r.duration_s = 0.2;
	metrics_request(m, &r);
	s = render(m, NULL);
	ck_line(s,
		"zeroserve_request_duration_seconds_sum" LDEF("GET", "2xx") " 0.30000000000000004");
	free(s);
	metrics_free(m);
}
END_TEST

/* The bucket line of LDEF("GET", "2xx") with bound le, and its cumulative count. */
static void ck_bucket(const char *s, const char *le, unsigned int n)
{
	char line[512];

	snprintf(line, sizeof(line),
		 "zeroserve_request_duration_seconds_bucket{route=\"/\",backend=\"b\","
		 "method=\"GET\",code=\"2xx\",engine=\"userspace\",source=\"\",le=\"%s\"} %u",
		 le, n);
	ck_line(s, line);
}

START_TEST(bucket_edges)
{
	struct metrics *m = metrics_new(8);
	char *s;

	count(m, "GET", 200, 0);		    /* 0.00005 */
	count(m, "GET", 200, 0.00005);		    /* 0.00005: le is inclusive */
	count(m, "GET", 200, 0.0001);		    /* 0.0001 */
	count(m, "GET", 200, nextafter(0.0001, 1)); /* 0.00025 */
	count(m, "GET", 200, 0.001);		    /* 0.001 */
	count(m, "GET", 200, 10);		    /* 10 */
	count(m, "GET", 200, nextafter(10, 11));    /* +Inf */
	count(m, "GET", 200, 3600);		    /* +Inf */
	count(m, "GET", 200, -1);		    /* as 0 */
	count(m, "GET", 200, NAN);		    /* as 0 */
	s = render(m, NULL);
	ck_bucket(s, "0.00005", 4);
	ck_bucket(s, "0.0001", 5);
	ck_bucket(s, "0.00025", 6);
	ck_bucket(s, "0.0005", 6);
	ck_bucket(s, "0.001", 7);
	ck_bucket(s, "0.0025", 7);
	ck_bucket(s, "0.005", 7);
	ck_bucket(s, "0.01", 7);
	ck_bucket(s, "0.025", 7);
	ck_bucket(s, "0.05", 7);
	ck_bucket(s, "0.1", 7);
	ck_bucket(s, "0.25", 7);
	ck_bucket(s, "0.5", 7);
	ck_bucket(s, "1", 7);
	ck_bucket(s, "2.5", 7);
	ck_bucket(s, "5", 7);
	ck_bucket(s, "10", 8);
	ck_bucket(s, "+Inf", 10);
	ck_line(s, "zeroserve_request_duration_seconds_count" LDEF("GET", "2xx") " 10");
	/* 18 bucket lines, the last +Inf, then _sum and _count */
	ck_assert_ptr_nonnull(strstr(s, "le=\"10\"} 8\nzeroserve_request_duration_seconds_bucket"));
	ck_assert_ptr_nonnull(strstr(s, "le=\"+Inf\"} 10\nzeroserve_request_duration_seconds_sum"));
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(status_classes)
{
	static const int st[] = {100, 199, 200, 302, 404, 500, 599, 99, 600, 0, -1, INT_MAX};
	struct metrics *m = metrics_new(8);
	size_t i;
	char *s;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		count(m, "GET", st[i], 0.001);
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "1xx") " 2");
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "2xx") " 1");
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "3xx") " 1");
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "4xx") " 1");
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "5xx") " 2");
	ck_line(s, "zeroserve_requests_total" LDEF("GET", "other") " 5");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(method_folding)
{
	static const char *const kept[] = {"GET",   "HEAD",    "POST",	  "PUT",  "DELETE",
					   "PATCH", "OPTIONS", "CONNECT", "TRACE"};
	static const char *const folded[] = {"get", "PROPFIND", "", "GET ", "BREW", NULL};
	struct metrics *m = metrics_new(8);
	char line[256];
	size_t i;
	char *s;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		count(m, kept[i], 200, 0.001);
	for (i = 0; i < sizeof(folded) / sizeof(folded[0]); i++)
		count(m, folded[i], 200, 0.001);
	s = render(m, NULL);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(line, sizeof(line),
			 "zeroserve_requests_total{route=\"/\",backend=\"b\",method=\"%s\","
			 "code=\"2xx\",engine=\"userspace\",source=\"\"} 1",
			 kept[i]);
		ck_line(s, line);
	}
	ck_line(s, "zeroserve_requests_total" LDEF("other", "2xx") " 6");
	ck_no(s, "PROPFIND");
	ck_no(s, "method=\"get\"");
	free(s);
	metrics_free(m);
}
END_TEST

static void from(struct metrics *m, const char *route, enum metrics_engine e, const char *source)
{
	struct metrics_req r = req("GET", 200, 0.001);

	r.route = route;
	r.engine = e;
	r.source = source;
	metrics_request(m, &r);
}

START_TEST(source_cap)
{
	struct metrics *m = metrics_new(2);
	char *s;

	from(m, "/", METRICS_USERSPACE, "/a.service");
	from(m, "/", METRICS_USERSPACE, "");
	from(m, "/", METRICS_USERSPACE, "/b.service");
	from(m, "/", METRICS_USERSPACE, NULL);
	from(m, "/", METRICS_USERSPACE, "/c.service"); /* the third: other */
	from(m, "/", METRICS_USERSPACE, "/d.service");
	from(m, "/", METRICS_USERSPACE, "/a.service");
	from(m, "/x", METRICS_KERNEL, "/b.service"); /* admitted once, kept on any series */
	from(m, "/x", METRICS_KERNEL, "/c.service");
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace",
						"/a.service") " 2");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace",
						"/b.service") " 1");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace", "") " 2");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace", "other") " 2");
	ck_line(s,
		"zeroserve_requests_total" L("/x", "b", "GET", "2xx", "kernel", "/b.service") " 1");
	ck_line(s, "zeroserve_requests_total" L("/x", "b", "GET", "2xx", "kernel", "other") " 1");
	ck_no(s, "/c.service");
	ck_no(s, "/d.service");
	free(s);
	metrics_free(m);

	/* No room at all: every known source is other. */
	m = metrics_new(0);
	from(m, "/", METRICS_KERNEL, "/a.service");
	from(m, "/", METRICS_KERNEL, "");
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "kernel", "other") " 1");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "kernel", "") " 1");
	free(s);
	metrics_free(m);

	/* A cap past the series cap is the series cap. */
	m = metrics_new(UINT_MAX);
	ck_assert_ptr_nonnull(m);
	from(m, "/", METRICS_KERNEL, "/a.service");
	s = render(m, NULL);
	ck_line(s,
		"zeroserve_requests_total" L("/", "b", "GET", "2xx", "kernel", "/a.service") " 1");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(series_cap)
{
	struct metrics *m = metrics_new(8);
	char route[32], line[256];
	unsigned int i;
	char *s;

	for (i = 0; i < METRICS_MAX_SERIES; i++) {
		snprintf(route, sizeof(route), "r%u", i);
		from(m, route, METRICS_USERSPACE, NULL);
	}
	from(m, "r4096", METRICS_USERSPACE, NULL);
	from(m, "r5000", METRICS_KERNEL, "/a.service");
	from(m, "r7", METRICS_USERSPACE, NULL); /* an existing series still counts */
	count(m, "PUT", 200, 0.001);		/* a new tuple with a known route does not */
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" L("other", "other", "other", "other", "other",
						"other") " 3");
	ck_line(s, "zeroserve_request_duration_seconds_count" L("other", "other", "other", "other",
								"other", "other") " 3");
	ck_line(s, "zeroserve_requests_total" L("r7", "b", "GET", "2xx", "userspace", "") " 2");
	for (i = 0; i < METRICS_MAX_SERIES; i += 511) {
		snprintf(line, sizeof(line),
			 "zeroserve_requests_total{route=\"r%u\",backend=\"b\",method=\"GET\","
			 "code=\"2xx\",engine=\"userspace\",source=\"\"} %u",
			 i, i == 7 ? 2 : 1);
		ck_line(s, line);
	}
	ck_no(s, "r4096");
	ck_no(s, "r5000");
	ck_no(s, "/a.service");
	ck_no(s, "method=\"PUT\"");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(label_escaping)
{
	struct metrics *m = metrics_new(8);
	struct metrics_req r = req("GET", 200, 0.001);
	char *s;

	r.route = "/q\"uote\\back\nline";
	r.backend = "\\";
	r.source = "\"";
	metrics_request(m, &r);
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" L("/q\\\"uote\\\\back\\nline", "\\\\", "GET", "2xx",
						"userspace", "\\\"") " 1");
	free(s);
	metrics_free(m);
}
END_TEST

/* Bytes that are not UTF-8 are written as U+FFFD; two values written alike are one series. */
START_TEST(not_utf8)
{
	struct metrics *m = metrics_new(8);
	char *s;

	from(m, "/", METRICS_USERSPACE, "/x\xff.service");
	from(m, "/", METRICS_USERSPACE, "/x\xfe.service");
	from(m, "/", METRICS_USERSPACE, "/x\xc3\xa9.service"); /* é, valid */
	from(m, "/", METRICS_USERSPACE, "/x\xed\xa0\x80");     /* a surrogate: 3 bad bytes */
	s = render(m, NULL);
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace",
						"/x\xef\xbf\xbd.service") " 2");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace",
						"/x\xc3\xa9.service") " 1");
	ck_line(s, "zeroserve_requests_total" L("/", "b", "GET", "2xx", "userspace",
						"/x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") " 1");
	ck_line(s, "zeroserve_request_duration_seconds_count" L("/", "b", "GET", "2xx", "userspace",
								"/x\xef\xbf\xbd.service") " 2");
	free(s);
	metrics_free(m);
}
END_TEST

/* The same requests and calls, in one order or its reverse. */
static void fill(struct metrics *m, int reverse)
{
	static const char *const routes[] = {"/b", "/a", "/c", "/a/b", "-"};
	static const char *const sources[] = {"/s2", "", "/s1"};
	size_t i, j, k, l, n = sizeof(routes) / sizeof(routes[0]);

	for (k = 0; k < n; k++) {
		i = reverse ? n - 1 - k : k;
		for (l = 0; l < 3; l++) {
			j = reverse ? 2 - l : l;
			from(m, routes[i], (i + j) % 2 ? METRICS_KERNEL : METRICS_USERSPACE,
			     sources[j]);
		}
		metrics_mcp(m, routes[i], "tools/call", reverse ? "t2" : "t1",
			    reverse ? "error" : "ok");
		metrics_mcp(m, routes[i], "tools/call", reverse ? "t1" : "t2",
			    reverse ? "ok" : "error");
	}
}

START_TEST(stable_order)
{
	struct metrics *a = metrics_new(8), *b = metrics_new(8);
	char *s1, *s2, *s3;

	fill(a, 0);
	fill(b, 1);
	s1 = render(a, NULL);
	s2 = render(a, NULL);
	s3 = render(b, NULL);
	ck_assert_str_eq(s1, s2);
	/* the order of arrival does not show */
	ck_assert_str_eq(s1, s3);
	/* sorted by label values: "-" < "/a" < "/a/b" < "/b" < "/c" */
	ck_assert_ptr_nonnull(strstr(s1, "zeroserve_requests_total{route=\"-\""));
	ck_assert(strstr(s1, "zeroserve_requests_total{route=\"-\"") <
		  strstr(s1, "zeroserve_requests_total{route=\"/a\""));
	ck_assert(strstr(s1, "zeroserve_requests_total{route=\"/a\"") <
		  strstr(s1, "zeroserve_requests_total{route=\"/a/b\""));
	ck_assert(strstr(s1, "zeroserve_requests_total{route=\"/a/b\"") <
		  strstr(s1, "zeroserve_requests_total{route=\"/b\""));
	ck_assert(strstr(s1, "zeroserve_requests_total{route=\"/b\"") <
		  strstr(s1, "zeroserve_requests_total{route=\"/c\""));
	ck_assert(strstr(s1, MCP("/a", "tools/call", "t1", "ok")) <
		  strstr(s1, MCP("/a", "tools/call", "t2", "error")));
	free(s1);
	free(s2);
	free(s3);
	metrics_free(a);
	metrics_free(b);
}
END_TEST

START_TEST(mcp_calls)
{
	struct metrics *m = metrics_new(8);
	char long_tool[200];
	char *s;

	metrics_mcp(m, "/mcp", "tools/call", "search", "ok");
	metrics_mcp(m, "/mcp", "tools/call", "search", "ok");
	metrics_mcp(m, "/mcp", "tools/call", "search", "tool_error");
	metrics_mcp(m, "/mcp", "initialize", NULL, "ok");
	metrics_mcp(m, "/mcp", "initialize", "", "ok");
	metrics_mcp(m, "/mcp", "tools/list", "not-a-tool-call", "none");
	metrics_mcp(m, "/mcp", "ping", NULL, "made-up");
	metrics_mcp(m, NULL, "ping", NULL, NULL);
	/* sanitised: outside 0x21..0x7e is '_'; " and \ are kept, and escaped */
	metrics_mcp(m, "/mcp", "tools/call", "a b\x01\"c\\\xc3\xa9\n", "http_error");
	memset(long_tool, 'x', sizeof(long_tool) - 1);
	long_tool[sizeof(long_tool) - 1] = '\0';
	metrics_mcp(m, "/mcp", "tools/call", long_tool, "ok");
	metrics_mcp(m, "/mcp", NULL, NULL, "error");
	s = render(m, NULL);
	ck_line(s, MCP("/mcp", "tools/call", "search", "ok") " 2");
	ck_line(s, MCP("/mcp", "tools/call", "search", "tool_error") " 1");
	ck_line(s, MCP("/mcp", "initialize", "", "ok") " 2");
	ck_line(s, MCP("/mcp", "tools/list", "", "none") " 1");
	ck_line(s, MCP("/mcp", "ping", "", "other") " 1");
	ck_line(s, MCP("-", "ping", "", "other") " 1");
	ck_line(s, MCP("/mcp", "tools/call", "a_b_\\\"c\\\\___", "http_error") " 1");
	ck_line(s,
		MCP("/mcp", "tools/call",
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ok") " 1");
	ck_line(s, MCP("/mcp", "", "", "error") " 1");
	ck_no(s, "not-a-tool-call");
	ck_no(s, "made-up");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(mcp_pair_cap)
{
	struct metrics *m = metrics_new(8);
	char method[32], line[256];
	unsigned int i;
	char *s;

	metrics_mcp(m, "/mcp", "tools/call", "t", "ok");
	for (i = 1; i < METRICS_MAX_MCP_PAIRS; i++) {
		snprintf(method, sizeof(method), "m%u", i);
		metrics_mcp(m, "/mcp", method, NULL, "ok");
	}
	/* 64 pairs: these are other */
	metrics_mcp(m, "/mcp", "m64", NULL, "ok");
	metrics_mcp(m, "/mcp", "tools/call", "u", "ok");
	metrics_mcp(m, "/mcp", "tools/call", "v", "error");
	/* known pairs still count as themselves, on any route */
	metrics_mcp(m, "/mcp", "m1", NULL, "ok");
	metrics_mcp(m, "/other", "tools/call", "t", "ok");
	s = render(m, NULL);
	ck_line(s, MCP("/mcp", "other", "other", "ok") " 2");
	ck_line(s, MCP("/mcp", "other", "other", "error") " 1");
	ck_line(s, MCP("/mcp", "m1", "", "ok") " 2");
	ck_line(s, MCP("/mcp", "tools/call", "t", "ok") " 1");
	ck_line(s, MCP("/other", "tools/call", "t", "ok") " 1");
	for (i = 2; i < METRICS_MAX_MCP_PAIRS; i++) {
		snprintf(line, sizeof(line),
			 "zeroserve_mcp_calls_total{route=\"/mcp\",method=\"m%u\",tool=\"\","
			 "outcome=\"ok\"} 1",
			 i);
		ck_line(s, line);
	}
	ck_no(s, "m64");
	ck_no(s, "tool=\"u\"");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(mcp_series_cap)
{
	struct metrics *m = metrics_new(8);
	char route[32];
	unsigned int i;
	char *s;

	for (i = 0; i < METRICS_MAX_MCP_SERIES + 2; i++) {
		snprintf(route, sizeof(route), "/r%u", i);
		metrics_mcp(m, route, "ping", NULL, "ok");
	}
	s = render(m, NULL);
	ck_line(s, MCP("/r0", "ping", "", "ok") " 1");
	ck_line(s, MCP("other", "other", "other", "other") " 2");
	ck_no(s, "/r4096\"");
	ck_no(s, "/r4097\"");
	free(s);
	metrics_free(m);
}
END_TEST

START_TEST(state)
{
	static const char *const reasons[] = {"no-route", "too-big", "no-route", "idle", "quo\"te"};
	static const uint64_t handover[] = {1, 2, 3, 0, 5};
	static const struct metrics_map maps[] = {
	    {"zs_sockmap", 12, 65536},
	    {"zs_routes", 3, 1024},
	};
	struct metrics_state st = {
	    .connections_open = 7,
	    .requests_in_flight = 2,
	    .upstream_connect_errors = 3,
	    .upstream_timeouts = 4,
	    .handover_reason = reasons,
	    .handover = handover,
	    .nhandover = 5,
	    .maps = maps,
	    .nmaps = 2,
	    .log_events = 1000,
	    .log_events_dropped = 9,
	    .otlp_records_sent = 800,
	    .otlp_records_dropped = 11,
	    .engine_kernel = 1,
	};
	struct metrics *m = metrics_new(8);
	struct evbuffer *b;
	char *s;

	s = render(m, &st);
	ck_line(s, "zeroserve_connections_open 7");
	ck_line(s, "zeroserve_requests_in_flight 2");
	ck_line(s, "zeroserve_upstream_connect_errors_total 3");
	ck_line(s, "zeroserve_upstream_timeouts_total 4");
	ck_line(s, "zeroserve_kernel_handovers_total{reason=\"no-route\"} 4");
	ck_line(s, "zeroserve_kernel_handovers_total{reason=\"too-big\"} 2");
	ck_line(s, "zeroserve_kernel_handovers_total{reason=\"idle\"} 0");
	ck_line(s, "zeroserve_kernel_handovers_total{reason=\"quo\\\"te\"} 5");
	ck_line(s, "zeroserve_bpf_map_entries{map=\"zs_sockmap\"} 12");
	ck_line(s, "zeroserve_bpf_map_entries{map=\"zs_routes\"} 3");
	ck_line(s, "zeroserve_bpf_map_max_entries{map=\"zs_sockmap\"} 65536");
	ck_line(s, "zeroserve_bpf_map_max_entries{map=\"zs_routes\"} 1024");
	ck_line(s, "zeroserve_log_events_total 1000");
	ck_line(s, "zeroserve_log_events_dropped_total 9");
	ck_line(s, "zeroserve_otlp_records_sent_total 800");
	ck_line(s, "zeroserve_otlp_records_dropped_total 11");
	ck_line(s, "zeroserve_kernel_engine 1");
	free(s);

	st.engine_kernel = 5;
	st.nhandover = 0;
	st.maps = NULL;
	s = render(m, &st);
	ck_line(s, "zeroserve_kernel_engine 1");
	ck_no(s, "reason=");
	ck_no(s, "map=");
	free(s);

	/* Appended: what out held stays in front. */
	b = evbuffer_new();
	ck_assert_int_eq(evbuffer_add(b, "x", 1), 0);
	ck_assert_int_eq(metrics_render(m, &st, b), 0);
	ck_assert_int_eq(*(char *)evbuffer_pullup(b, 2), 'x');
	ck_assert_int_eq(((char *)evbuffer_pullup(b, 2))[1], '#');
	evbuffer_free(b);
	metrics_free(m);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("registry");

	/* promcheck reads the series-cap test's 90,000 lines */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_registry);
	tcase_add_test(tc, counts_and_sums);
	tcase_add_test(tc, bucket_edges);
	tcase_add_test(tc, status_classes);
	tcase_add_test(tc, method_folding);
	tcase_add_test(tc, source_cap);
	tcase_add_test(tc, series_cap);
	tcase_add_test(tc, label_escaping);
	tcase_add_test(tc, not_utf8);
	tcase_add_test(tc, stable_order);
	tcase_add_test(tc, mcp_calls);
	tcase_add_test(tc, mcp_pair_cap);
	tcase_add_test(tc, mcp_series_cap);
	tcase_add_test(tc, state);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
