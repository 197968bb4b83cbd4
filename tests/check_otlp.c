/* SPDX-License-Identifier: MIT */
/*
 * The OTLP exporter: --otlp-endpoint parsing, a LogRecord's JSON, the
 * queue's bounds, and POSTs to a small collector of our own on 127.0.0.1,
 * served by the same event_base as the exporter (as the proxy would).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "accesslog.h"
#include "otlp.h"

/* otlp.c's bounds, which the tests fill. */
#define QUEUE_RECORDS 8192
#define QUEUE_BYTES   (4u << 20)
#define BATCH_RECORDS 512

static char err[512];

static struct accesslog_entry entry(void)
{
	struct accesslog_entry e;

	memset(&e, 0, sizeof(e));
	e.time_ns = 1700000000123456789LL;
	e.client = "127.0.0.1:53412";
	e.method = "GET";
	e.path = "/api/x?q=1";
	e.path_len = strlen(e.path);
	e.status = 200;
	e.bytes = 5;
	e.request_bytes = 78;
	e.response_bytes = 120;
	e.duration_ms = 1.5;
	e.route = "/api/";
	e.backend = "127.0.0.1:3001";
	e.engine = "userspace";
	return e;
}

/* The record as a NUL-terminated string; the caller frees it. */
static char *encode(const struct accesslog_entry *e)
{
	struct evbuffer *b = evbuffer_new();
	size_t n;
	char *s;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(otlp_encode(b, e, 1700000000223456789LL), 0);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

/* Valid UTF-8 and no raw control byte: what a JSON parser accepts in a string. */
static int json_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int need;

	while (*p) {
		if (*p < 0x20)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			need = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			need = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			need = 3;
		else
			return 0;
		for (p++; need > 0; need--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

static void url_ok(const char *url)
{
	struct event_base *base = event_base_new();
	struct otlp *o;

	err[0] = '\0';
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o != NULL, "otlp_new('%s'): %s", url, err);
	otlp_free(o, 0);
	event_base_free(base);
}

static void url_bad(const char *url, const char *needle)
{
	struct event_base *base = event_base_new();
	char want[300], shown[256];
	struct otlp *o;

	err[0] = '\0';
	errno = 0;
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o == NULL, "otlp_new('%s') accepted it", url);
	ck_assert_int_eq(errno, EINVAL);
	/* Control bytes in the URL are shown escaped: the message stays one line. */
	accesslog_escape(shown, sizeof(shown), url, strlen(url), 0);
	snprintf(want, sizeof(want), "bad --otlp-endpoint '%s': ", shown);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "'%s': %s", url, err);
	ck_assert_msg(strstr(err, needle), "error for '%s' lacks '%s': %s", url, needle, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	event_base_free(base);
}

START_TEST(test_url_good)
{
	url_ok("http://127.0.0.1:4318");
	url_ok("http://127.0.0.1:4318/");
	url_ok("http://127.0.0.1:4318/custom/v1/logs");
	url_ok("HTTP://127.0.0.1:4318");
	url_ok("http://[::1]:4318");
	url_ok("http://[::1]:4318/v1/logs");
	url_ok("http://localhost:4318");
}
END_TEST

START_TEST(test_url_bad)
{
	url_bad("https://127.0.0.1:4318", "https is not supported");
	url_bad("garbage", "expected http://HOST:PORT[/PATH]");
	url_bad("", "expected http://HOST:PORT[/PATH]");
	url_bad("ftp://127.0.0.1:21", "expected http://");
	url_bad("http://", "missing HOST");
	url_bad("http://:4318", "missing HOST");
	url_bad("http://127.0.0.1", "missing port");
	url_bad("http://127.0.0.1/v1/logs", "missing port");
	url_bad("http://127.0.0.1:", "missing port");
	url_bad("http://127.0.0.1:0", "out of range");
	url_bad("http://127.0.0.1:65536", "out of range");
	url_bad("http://127.0.0.1:43x8", "bad port");
	url_bad("http://[::1]", "missing port");
	url_bad("http://::1:4318", "brackets");
	url_bad("http://[zz]:4318", "not an IPv6 address");
	url_bad("http://user@127.0.0.1:4318", "expected http://");
	url_bad("http://127.0.0.1:4318?x", "expected http://");
	url_bad("http://127.0.0.1:4318/a b", "PATH");
	url_bad("http://127.0.0.1:4318/a\nb", "PATH");
}
END_TEST

START_TEST(test_encode_exact)
{
	struct accesslog_entry e = entry();
	char *s = encode(&e);

	ck_assert_str_eq(
	    s, "{\"timeUnixNano\":\"1700000000123456789\","
	       "\"observedTimeUnixNano\":\"1700000000223456789\","
	       "\"severityNumber\":9,\"severityText\":\"INFO\","
	       "\"body\":{\"stringValue\":\"GET /api/x?q=1 200\"},\"attributes\":["
	       "{\"key\":\"http.request.method\",\"value\":{\"stringValue\":\"GET\"}},"
	       "{\"key\":\"url.path\",\"value\":{\"stringValue\":\"/api/x\"}},"
	       "{\"key\":\"url.query\",\"value\":{\"stringValue\":\"q=1\"}},"
	       "{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"200\"}},"
	       "{\"key\":\"client.address\",\"value\":{\"stringValue\":\"127.0.0.1\"}},"
	       "{\"key\":\"client.port\",\"value\":{\"intValue\":\"53412\"}},"
	       "{\"key\":\"http.request.size\",\"value\":{\"intValue\":\"78\"}},"
	       "{\"key\":\"http.response.size\",\"value\":{\"intValue\":\"120\"}},"
	       "{\"key\":\"http.response.body.size\",\"value\":{\"intValue\":\"5\"}},"
	       "{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/api/\"}},"
	       "{\"key\":\"zeroserve.engine\",\"value\":{\"stringValue\":\"userspace\"}},"
	       "{\"key\":\"zeroserve.backend\",\"value\":{\"stringValue\":\"127.0.0.1:3001\"}},"
	       "{\"key\":\"zeroserve.duration_ms\",\"value\":{\"doubleValue\":1.500}}]}");
	free(s);
}
END_TEST

START_TEST(test_encode_optional)
{
	struct accesslog_entry e = entry();
	char *s;

	/* Everything set, and the severities of 4xx and 5xx. */
	e.status = 503;
	e.client = "[::1]:8080";
	e.reason = "backend-down";
	e.tag = "canary";
	e.source = "/system.slice/x.service";
	e.cgroup_id = 4242;
	e.mcp_method = "tools/call";
	e.mcp_tool = "search";
	e.mcp_outcome = "ok";
	e.path_truncated = 1;
	s = encode(&e);
	ck_assert_ptr_nonnull(strstr(s, "\"severityNumber\":17,\"severityText\":\"ERROR\""));
	ck_assert_ptr_nonnull(strstr(s, "\"body\":{\"stringValue\":\"GET /api/x?q=1 503\"}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"client.address\",\"value\":{\"stringValue\":\"::1\"}},"
		      "{\"key\":\"client.port\",\"value\":{\"intValue\":\"8080\"}}"));
	ck_assert_ptr_nonnull(strstr(
	    s, "{\"key\":\"zeroserve.reason\",\"value\":{\"stringValue\":\"backend-down\"}}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"zeroserve.tag\",\"value\":{\"stringValue\":\"canary\"}}"));
	ck_assert_ptr_nonnull(strstr(s, "{\"key\":\"zeroserve.source\",\"value\":{\"stringValue\":"
					"\"/system.slice/x.service\"}}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"zeroserve.cgroup_id\",\"value\":{\"intValue\":\"4242\"}}"));
	ck_assert_ptr_nonnull(strstr(
	    s, "{\"key\":\"zeroserve.mcp.method\",\"value\":{\"stringValue\":\"tools/call\"}}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"zeroserve.mcp.tool\",\"value\":{\"stringValue\":\"search\"}}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"zeroserve.mcp.outcome\",\"value\":{\"stringValue\":\"ok\"}}"));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"zeroserve.path_truncated\",\"value\":{\"boolValue\":true}}]}"));
	free(s);

	/* Nothing optional: no key for it; "-" is no route and no backend. */
	e = entry();
	e.status = 404;
	e.route = "-";
	e.backend = "-";
	e.client = "unix";
	e.time_ns = 0;
	e.duration_ms = NAN;
	s = encode(&e);
	ck_assert_ptr_nonnull(strstr(s, "\"severityNumber\":13,\"severityText\":\"WARN\""));
	/* No time of its own: the time it was seen. */
	ck_assert_ptr_nonnull(strstr(s, "{\"timeUnixNano\":\"1700000000223456789\""));
	ck_assert_ptr_nonnull(
	    strstr(s, "{\"key\":\"client.address\",\"value\":{\"stringValue\":\"unix\"}}"));
	ck_assert_ptr_nonnull(strstr(s, "{\"doubleValue\":0.000}"));
	ck_assert_ptr_null(strstr(s, "client.port"));
	ck_assert_ptr_null(strstr(s, "http.route"));
	ck_assert_ptr_null(strstr(s, "zeroserve.backend"));
	ck_assert_ptr_null(strstr(s, "zeroserve.reason"));
	ck_assert_ptr_null(strstr(s, "zeroserve.tag"));
	ck_assert_ptr_null(strstr(s, "zeroserve.source"));
	ck_assert_ptr_null(strstr(s, "zeroserve.cgroup_id"));
	ck_assert_ptr_null(strstr(s, "zeroserve.mcp"));
	ck_assert_ptr_null(strstr(s, "path_truncated"));
	free(s);
}
END_TEST

START_TEST(test_encode_escapes)
{
	static const char path[] = "/a\"b\\c\nd\x01\x7f\xff\xc3\xa9\xed\xa0\x80z";
	struct accesslog_entry e = entry();
	char *s, *longpath;
	size_t i;

	e.path = path;
	e.path_len = sizeof(path) - 1;
	e.method = "G\"T";
	e.route = "/r\t";
	e.tag = "t\xc0";
	s = encode(&e);
	/* Quotes and backslashes escaped, control bytes and bytes that are not
	 * UTF-8 as \u00XX, the é kept as it is, a UTF-16 surrogate refused. */
	ck_assert_ptr_nonnull(strstr(s, "{\"key\":\"url.path\",\"value\":{\"stringValue\":"
					"\"/a\\\"b\\\\c\\u000ad\\u0001\\u007f\\u00ff\xc3\xa9"
					"\\u00ed\\u00a0\\u0080z\"}}"));
	ck_assert_ptr_nonnull(strstr(s, "\"body\":{\"stringValue\":\"G\\\"T /a\\\"b"));
	ck_assert_ptr_nonnull(strstr(s, "{\"stringValue\":\"/r\\u0009\"}"));
	ck_assert_ptr_nonnull(strstr(s, "{\"stringValue\":\"t\\u00c0\"}"));
	ck_assert(json_clean(s));
	free(s);

	/* A long path of two-byte characters, split into chunks on the way:
	 * no character is cut in two. */
	longpath = malloc(3001);
	ck_assert_ptr_nonnull(longpath);
	longpath[0] = '/';
	for (i = 1; i + 1 < 3000; i += 2) {
		longpath[i] = '\xc3';
		longpath[i + 1] = '\xa9';
	}
	longpath[2999] = 'x';
	e = entry();
	e.path = longpath;
	e.path_len = 3000;
	s = encode(&e);
	ck_assert(json_clean(s));
	ck_assert_ptr_null(strstr(s, "\\u00"));
	ck_assert_uint_eq(count(s, "\xc3\xa9"), 2 * 1499);
	free(s);

	/* Past otlp.c's bound a path is cut, and says so. */
	longpath = realloc(longpath, 20000);
	ck_assert_ptr_nonnull(longpath);
	memset(longpath, 'a', 20000);
	e.path = longpath;
	e.path_len = 20000;
	s = encode(&e);
	ck_assert_ptr_nonnull(strstr(s, "zeroserve.path_truncated"));
	ck_assert_uint_lt(strlen(s), 2 * 8192 + 4096);
	free(s);
	free(longpath);
}
END_TEST

/* stderr into a file for the test's length: the warnings are counted. */
static int capture_stderr(FILE **f)
{
	int saved = dup(STDERR_FILENO);

	*f = tmpfile();
	ck_assert_ptr_nonnull(*f);
	fflush(stderr);
	dup2(fileno(*f), STDERR_FILENO);
	return saved;
}

static char *restore_stderr(int saved, FILE *f)
{
	static char text[8192];
	size_t n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* A port nothing listens on (bound, then closed). */
static int dead_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

START_TEST(test_queue_records)
{
	struct event_base *base = event_base_new();
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char url[64], want[64], *text, *s;
	size_t fits;
	FILE *f;
	int saved, i, n = QUEUE_RECORDS + 100;

	/* Whichever bound comes first: with records this size, the bytes. */
	s = encode(&e);
	fits = QUEUE_BYTES / (strlen(s) + 1); /* and its comma */
	free(s);
	if (fits > QUEUE_RECORDS)
		fits = QUEUE_RECORDS;
	/* The loop never runs: nothing is sent, the queue only fills. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	saved = capture_stderr(&f);
	for (i = 0; i < n; i++)
		otlp_log(o, &e);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.dropped, n - fits);
	ck_assert_uint_eq(st.failed_posts, 0);
	otlp_free(o, 0);
	text = restore_stderr(saved, f);
	/* One warning for all the drops, and one line for what the exit lost. */
	ck_assert_msg(count(text, "queue full") == 1, "%s", text);
	snprintf(want, sizeof(want), "%zu records not exported at exit", fits);
	ck_assert_msg(strstr(text, want), "%s", text);
	ck_assert_msg(count(text, "\n") == 2, "%s", text);
	event_base_free(base);
}
END_TEST

START_TEST(test_queue_bytes)
{
	struct event_base *base = event_base_new();
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char url[64], *path, *s, *text;
	size_t rec, fits;
	int i, n = 400, saved;
	FILE *f;

	/* Control bytes: six bytes each once escaped, 26 KB a record. */
	path = malloc(4000);
	ck_assert_ptr_nonnull(path);
	memset(path, 1, 4000);
	path[0] = '/';
	e.path = path;
	e.path_len = 4000;
	e.time_ns = 1700000000123456789LL;
	s = encode(&e);
	rec = strlen(s) + 1; /* and its comma */
	free(s);
	fits = QUEUE_BYTES / rec;
	ck_assert_uint_lt(fits, BATCH_RECORDS);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", dead_port());
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	saved = capture_stderr(&f);
	for (i = 0; i < n; i++)
		otlp_log(o, &e);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.dropped, (uint64_t)n - fits);
	otlp_free(o, 0);
	text = restore_stderr(saved, f);
	ck_assert_msg(count(text, "queue full") == 1, "%s", text);
	event_base_free(base);
	free(path);
}
END_TEST

/*
 * A small collector: reads each POST (head and Content-Length body) and
 * answers as told, on the test's event_base.
 */
enum answer {
	ANS_LENGTH,	 /* Content-Length, keep-alive */
	ANS_CHUNKED,	 /* Transfer-Encoding: chunked, keep-alive */
	ANS_CLOSE,	 /* Content-Length, Connection: close, then closes */
	ANS_EOF,	 /* no length: the body ends at the close */
	ANS_SILENT,	 /* never answers */
	ANS_DROP_SECOND, /* the second request on a connection: closed unanswered */
};

struct collector {
	struct evconnlistener *l;
	int port;
	enum answer answer;
	int status;
	const char *body; /* the answer's body, NULL: {} or a 503's */
	int accepts, requests;
	char head[2048]; /* the last request's head */
	LIST_HEAD(, cconn) conns;
	struct evbuffer *bodies; /* the request bodies, one after the other */
};

static struct event_base *base;
static struct collector col;

struct cconn {
	struct collector *c;
	struct bufferevent *bev;
	int requests;
	LIST_ENTRY(cconn) entry;
};

static void cconn_free(struct bufferevent *bev, struct cconn *cc)
{
	bufferevent_free(bev);
	LIST_REMOVE(cc, entry);
	free(cc);
}

static void cconn_flushed(struct bufferevent *bev, void *arg)
{
	cconn_free(bev, arg);
}

static int cconn_answer(struct bufferevent *bev, struct cconn *cc)
{
	struct collector *c = cc->c;
	struct evbuffer *out = bufferevent_get_output(bev);
	const char *text = c->status == 200 ? "OK" : "Service Unavailable";
	const char *body = c->status == 200 ? "{}" : "{\"code\":14,\"message\":\"try later\"}";

	if (c->body != NULL)
		body = c->body;

	switch (c->answer) {
	case ANS_LENGTH:
		evbuffer_add_printf(out,
				    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n%s",
				    c->status, text, strlen(body), body);
		break;
	case ANS_CHUNKED:
		evbuffer_add_printf(out,
				    "HTTP/1.1 100 Continue\r\n\r\n"
				    "HTTP/1.1 %d %s\r\nTransfer-Encoding: chunked\r\n\r\n"
				    "1;x=y\r\n%c\r\n%zx\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n",
				    c->status, text, body[0], strlen(body) - 1, body + 1);
		break;
	case ANS_CLOSE:
	case ANS_EOF:
		if (c->answer == ANS_CLOSE)
			evbuffer_add_printf(out,
					    "HTTP/1.1 %d %s\r\nConnection: close\r\n"
					    "Content-Length: %zu\r\n\r\n%s",
					    c->status, text, strlen(body), body);
		else
			evbuffer_add_printf(out, "HTTP/1.0 %d %s\r\n\r\n%s", c->status, text, body);
		bufferevent_setcb(bev, NULL, cconn_flushed, NULL, cc);
		return 1;
	case ANS_SILENT:
		break;
	case ANS_DROP_SECOND:
		if (cc->requests == 2) {
			cconn_free(bev, cc);
			return 1;
		}
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
		break;
	}
	return 0;
}

static void cconn_read(struct bufferevent *bev, void *arg)
{
	struct cconn *cc = arg;
	struct collector *c = cc->c;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end;
	const char *cl;
	size_t hlen;
	long blen;

	for (;;) {
		end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (end.pos < 0)
			return;
		hlen = (size_t)end.pos + 4;
		ck_assert_uint_lt(hlen, sizeof(c->head));
		evbuffer_copyout(in, c->head, hlen);
		c->head[hlen] = '\0';
		cl = strstr(c->head, "Content-Length: ");
		ck_assert_ptr_nonnull(cl);
		blen = strtol(cl + 16, NULL, 10);
		if (evbuffer_get_length(in) < hlen + (size_t)blen)
			return;
		evbuffer_drain(in, hlen);
		evbuffer_remove_buffer(in, c->bodies, (size_t)blen);
		c->requests++;
		cc->requests++;
		/* Closing, or closed: nothing more to read. */
		if (cconn_answer(bev, cc) != 0)
			return;
	}
}

static void cconn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	cconn_free(bev, arg);
}

static void collector_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			     int salen, void *arg)
{
	struct collector *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	struct cconn *cc = calloc(1, sizeof(*cc));

	(void)l;
	(void)sa;
	(void)salen;
	ck_assert_ptr_nonnull(bev);
	ck_assert_ptr_nonnull(cc);
	cc->c = c;
	cc->bev = bev;
	LIST_INSERT_HEAD(&c->conns, cc, entry);
	c->accepts++;
	bufferevent_setcb(bev, cconn_read, NULL, cconn_event, cc);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void collector_start(enum answer answer, int status)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&col, 0, sizeof(col));
	col.answer = answer;
	col.status = status;
	col.bodies = evbuffer_new();
	LIST_INIT(&col.conns);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	col.l = evconnlistener_new_bind(base, collector_accept, &col,
					LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					(struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(col.l);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(col.l), (struct sockaddr *)&sin, &len),
			 0);
	col.port = ntohs(sin.sin_port);
}

/* The bodies received so far, as one string. */
static char *collector_bodies(void)
{
	size_t n = evbuffer_get_length(col.bodies);
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	evbuffer_copyout(col.bodies, s, n);
	s[n] = '\0';
	return s;
}

static struct otlp *exporter(void)
{
	char url[64];
	struct otlp *o;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", col.port);
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	return o;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Run the loop until field of the exporter's stats reaches want, or ms pass. */
static void run_until(struct otlp *o, size_t field, uint64_t want, int ms)
{
	struct timeval tv = {0, 10000};
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);
	struct otlp_stats st;
	double end = now_ms() + ms;

	event_add(t, &tv);
	for (;;) {
		otlp_stats(o, &st);
		if (*(uint64_t *)((char *)&st + field) >= want || now_ms() > end)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
}

static void setup(void)
{
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
}

static void teardown(void)
{
	while (col.l && !LIST_EMPTY(&col.conns))
		cconn_free(LIST_FIRST(&col.conns)->bev, LIST_FIRST(&col.conns));
	if (col.l)
		evconnlistener_free(col.l);
	if (col.bodies)
		evbuffer_free(col.bodies);
	memset(&col, 0, sizeof(col));
	event_base_free(base);
}

START_TEST(test_post_200)
{
	static const char prefix[] = "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":"
				     "\"service.name\",\"value\":{\"stringValue\":\"zeroserve\"}}";
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char want[64], *body;
	double t0;

	collector_start(ANS_LENGTH, 200);
	o = exporter();
	e.path = "/post-200/\"x\"";
	e.path_len = strlen(e.path);
	t0 = now_ms();
	otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, sent), 1, 3000);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 1);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(st.failed_posts, 0);
	/* One record waits about a second for company. */
	ck_assert_msg(now_ms() - t0 > 900, "sent after %.0f ms", now_ms() - t0);
	ck_assert_int_eq(col.requests, 1);
	ck_assert_ptr_nonnull(strstr(col.head, "POST /v1/logs HTTP/1.1\r\n"));
	snprintf(want, sizeof(want), "\r\nHost: 127.0.0.1:%d\r\n", col.port);
	ck_assert_ptr_nonnull(strstr(col.head, want));
	ck_assert_ptr_nonnull(strstr(col.head, "\r\nContent-Type: application/json\r\n"));
	body = collector_bodies();
	ck_assert_msg(strncmp(body, prefix, strlen(prefix)) == 0, "%s", body);
	ck_assert_ptr_nonnull(strstr(body, "\"scopeLogs\":[{\"scope\":{\"name\":\"zeroserve\""));
	ck_assert_ptr_nonnull(strstr(body, "\"logRecords\":[{\"timeUnixNano\":"));
	ck_assert_ptr_nonnull(strstr(body, "\"stringValue\":\"/post-200/\\\"x\\\"\""));
	ck_assert_str_eq(body + strlen(body) - 8, "]}]}]}]}");
	free(body);
	otlp_free(o, 0);
}
END_TEST

START_TEST(test_post_503)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char *text;
	FILE *f;
	int saved;

	collector_start(ANS_LENGTH, 503);
	o = exporter();
	saved = capture_stderr(&f);
	otlp_log(o, &e);
	otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, failed_posts), 1, 3000);
	otlp_stats(o, &st);
	/* A second failure within 10 s: counted, not said. */
	otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, failed_posts), 2, 3000);
	text = restore_stderr(saved, f);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.dropped, 2);
	ck_assert_uint_eq(st.failed_posts, 1);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.dropped, 3);
	ck_assert_uint_eq(st.failed_posts, 2);
	ck_assert_int_eq(col.requests, 2);
	/* Still one connection: a 503 with a length leaves it usable. */
	ck_assert_int_eq(col.accepts, 1);
	ck_assert_msg(count(text, "\n") == 1, "%s", text);
	ck_assert_msg(strstr(text, "answered 503: {\\\"code\\\":14"), "%s", text);
	ck_assert_msg(strstr(text, "2 records dropped"), "%s", text);
	otlp_free(o, 0);
}
END_TEST

/* A partial success is a success: sent, and a warning. */
START_TEST(test_post_partial)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char *text;
	FILE *f;
	int saved, i;

	collector_start(ANS_LENGTH, 200);
	col.body =
	    "{\"partialSuccess\":{\"rejectedLogRecords\":\"3\",\"errorMessage\":\"too old\"}}";
	o = exporter();
	saved = capture_stderr(&f);
	for (i = 0; i < BATCH_RECORDS; i++)
		otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, sent), BATCH_RECORDS, 3000);
	text = restore_stderr(saved, f);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, BATCH_RECORDS);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(st.failed_posts, 0);
	ck_assert_msg(strstr(text, "rejected 3 of 512 records"), "%s", text);
	ck_assert_msg(strstr(text, "too old"), "%s", text);
	otlp_free(o, 0);
}
END_TEST

/* An answer past 64 KiB is not read to its end: its status counts, its connection goes. */
START_TEST(test_post_big_answer)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char *big;
	int i, j;

	big = malloc(200000);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 199999);
	big[0] = '{';
	big[199998] = '}';
	big[199999] = '\0';
	collector_start(ANS_LENGTH, 200);
	col.body = big;
	o = exporter();
	for (j = 1; j <= 2; j++) {
		for (i = 0; i < BATCH_RECORDS; i++)
			otlp_log(o, &e);
		run_until(o, offsetof(struct otlp_stats, sent), j * BATCH_RECORDS, 3000);
	}
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 2 * BATCH_RECORDS);
	ck_assert_uint_eq(st.failed_posts, 0);
	ck_assert_int_eq(col.accepts, 2);
	otlp_free(o, 0);
	free(big);
}
END_TEST

/* Full batches go at once, one after the other, on one connection. */
START_TEST(test_post_batches)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char *body;
	double t0;
	int i;

	collector_start(ANS_CHUNKED, 200);
	o = exporter();
	t0 = now_ms();
	for (i = 0; i < 2 * BATCH_RECORDS + 3; i++)
		otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, sent), 2 * BATCH_RECORDS, 3000);
	ck_assert_msg(now_ms() - t0 < 900, "two batches after %.0f ms", now_ms() - t0);
	/* The three left: right after, as they waited behind a full batch. */
	run_until(o, offsetof(struct otlp_stats, sent), 2 * BATCH_RECORDS + 3, 3000);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 2 * BATCH_RECORDS + 3);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_int_eq(col.requests, 3);
	ck_assert_int_eq(col.accepts, 1);
	body = collector_bodies();
	ck_assert_uint_eq(count(body, "\"resourceLogs\""), 3);
	ck_assert_uint_eq(count(body, "\"timeUnixNano\""), 2 * BATCH_RECORDS + 3);
	ck_assert_uint_eq(count(body, "[,"), 0);
	ck_assert_uint_eq(count(body, ",]"), 0);
	free(body);
	otlp_free(o, 0);
}
END_TEST

/* Two POSTs, each on a connection of its own. */
static void post_twice(enum answer answer, int requests)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	int i;

	collector_start(answer, 200);
	o = exporter();
	/* Full batches: no second's wait. */
	for (i = 0; i < BATCH_RECORDS; i++)
		otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, sent), BATCH_RECORDS, 3000);
	for (i = 0; i < BATCH_RECORDS; i++)
		otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, sent), 2 * BATCH_RECORDS, 3000);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 2 * BATCH_RECORDS);
	ck_assert_uint_eq(st.failed_posts, 0);
	ck_assert_int_eq(col.requests, requests);
	ck_assert_int_eq(col.accepts, 2);
	otlp_free(o, 0);
}

START_TEST(test_post_close)
{
	post_twice(ANS_CLOSE, 2);
}
END_TEST

START_TEST(test_post_eof)
{
	post_twice(ANS_EOF, 2);
}
END_TEST

/* A keep-alive connection closed as we send on it: once more on a new one. */
START_TEST(test_post_retry)
{
	/* The second request twice: once dropped, once answered. */
	post_twice(ANS_DROP_SECOND, 3);
}
END_TEST

START_TEST(test_post_refused)
{
	struct accesslog_entry e = entry();
	struct otlp_stats st;
	struct otlp *o;
	char url[64], *text;
	FILE *f;
	int saved;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/logs", dead_port());
	o = otlp_new(base, url, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	saved = capture_stderr(&f);
	otlp_log(o, &e);
	run_until(o, offsetof(struct otlp_stats, failed_posts), 1, 3000);
	text = restore_stderr(saved, f);
	ck_assert_msg(strstr(text, "cannot connect; 1 record dropped"), "%s", text);
	otlp_stats(o, &st);
	ck_assert_uint_eq(st.sent, 0);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.failed_posts, 1);
	otlp_free(o, 0);
}
END_TEST

/* At exit what waits goes at once, without waiting for the timer. */
START_TEST(test_free_flushes)
{
	struct accesslog_entry e = entry();
	struct otlp *o;
	char *body;
	double t0;

	collector_start(ANS_LENGTH, 200);
	o = exporter();
	otlp_log(o, &e);
	otlp_log(o, &e);
	otlp_log(o, &e);
	t0 = now_ms();
	otlp_free(o, 2000);
	ck_assert_msg(now_ms() - t0 < 900, "took %.0f ms", now_ms() - t0);
	ck_assert_int_eq(col.requests, 1);
	body = collector_bodies();
	ck_assert_uint_eq(count(body, "\"timeUnixNano\""), 3);
	free(body);
}
END_TEST

/* A collector that never answers holds the exit for the time given, no more. */
START_TEST(test_free_bounded)
{
	struct accesslog_entry e = entry();
	struct otlp *o;
	char *text;
	double t0;
	FILE *f;
	int saved;

	collector_start(ANS_SILENT, 200);
	o = exporter();
	otlp_log(o, &e);
	saved = capture_stderr(&f);
	t0 = now_ms();
	otlp_free(o, 300);
	text = restore_stderr(saved, f);
	ck_assert_msg(now_ms() - t0 < 1000, "took %.0f ms", now_ms() - t0);
	ck_assert_int_eq(col.requests, 1);
	ck_assert_msg(strstr(text, "1 record not exported at exit"), "%s", text);
}
END_TEST

static Suite *otlp_suite(void)
{
	Suite *s = suite_create("otlp");
	TCase *tc = tcase_create("encode");
	TCase *net = tcase_create("post");

	tcase_add_test(tc, test_url_good);
	tcase_add_test(tc, test_url_bad);
	tcase_add_test(tc, test_encode_exact);
	tcase_add_test(tc, test_encode_optional);
	tcase_add_test(tc, test_encode_escapes);
	tcase_add_test(tc, test_queue_records);
	tcase_add_test(tc, test_queue_bytes);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(net, setup, teardown);
	tcase_set_timeout(net, 20);
	tcase_add_test(net, test_post_200);
	tcase_add_test(net, test_post_503);
	tcase_add_test(net, test_post_partial);
	tcase_add_test(net, test_post_big_answer);
	tcase_add_test(net, test_post_batches);
	tcase_add_test(net, test_post_close);
	tcase_add_test(net, test_post_eof);
	tcase_add_test(net, test_post_retry);
	tcase_add_test(net, test_post_refused);
	tcase_add_test(net, test_free_flushes);
	tcase_add_test(net, test_free_bounded);
	suite_add_tcase(s, net);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(otlp_suite());
	int failed;

	/* As main.c: a collector that goes away mid-POST is no signal. */
	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
