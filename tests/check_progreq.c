/* SPDX-License-Identifier: MIT */
/*
 * The request a routing program sees, built from userspace's parse
 * (src/progreq.c): every field of include/zeroserve/program.h's struct
 * zs_request, its limits, and the field names a program may ask for.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>

#include "progreq.h"
#include "router.h"

static struct http_msg msg;
static struct zs_request req;

/* Parse head, then build the request as session.c does. */
static void build(const char *head, const struct progreq_fields *f, const struct sockaddr *client)
{
	struct evbuffer *in = evbuffer_new();
	struct progreq_in pin = {0};
	const char *hv, *target;
	size_t used, hvlen, tlen;
	int ev;

	http_msg_init(&msg, HTTP_REQUEST);
	evbuffer_add(in, head, strlen(head));
	ev = http_msg_feed(&msg, in, &used);
	ck_assert_msg(ev & HTTP_EV_HEAD, "no head in %s", head);
	hv = http_head_get(&msg.head, "host", &hvlen);
	router_request_host(hv, hvlen, msg.head.buf + msg.head.url_off, msg.head.url_len, &pin.host,
			    &pin.hostlen);
	target = msg.head.buf + msg.head.url_off;
	tlen = msg.head.url_len;
	if (tlen > 7 && strncmp(target, "http://", 7) == 0) {
		const char *slash = memchr(target + 7, '/', tlen - 7);

		tlen -= (size_t)(slash - target);
		target = slash;
	}
	pin.method = msg.parser.method;
	pin.target = target;
	pin.tlen = tlen;
	pin.head = &msg.head;
	pin.fields = f;
	pin.client = client;
	pin.local_port = 8080;
	pin.cgroup_id = 0x1234;
	pin.builtin_route = 3;
	progreq_build(&req, &pin);
	evbuffer_free(in);
	http_msg_free(&msg);
}

static int bytes_are(const __u8 *a, size_t n, const char *want)
{
	size_t i, w = strlen(want);

	for (i = 0; i < n; i++)
		if (a[i] != (i < w ? (__u8)want[i] : 0))
			return 0;
	return 1;
}

START_TEST(test_basic)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(41000)};

	sin.sin_addr.s_addr = htonl(0x7f000001);
	build("POST /api/v1?x=1 HTTP/1.1\r\nHost: App.Localhost.:8080\r\nContent-Length: 0\r\n\r\n",
	      NULL, (struct sockaddr *)&sin);
	ck_assert_uint_eq(req.method, ZS_METHOD_POST);
	ck_assert_uint_eq(req.path_len, 11);
	ck_assert(bytes_are(req.path, ZS_REQ_PATH_MAX, "/api/v1?x=1"));
	/* The name routes compare: no port, no trailing dot, lower case. */
	ck_assert_uint_eq(req.host_len, 13);
	ck_assert(bytes_are(req.host, ZS_REQ_HOST_MAX, "app.localhost"));
	/* IPv4 in IPv6 form: ::ffff:127.0.0.1. */
	ck_assert_uint_eq(req.client_ip[0], 0);
	ck_assert_uint_eq(req.client_ip[1], 0);
	ck_assert_uint_eq(req.client_ip[2], htonl(0xffff));
	ck_assert_uint_eq(req.client_ip[3], htonl(0x7f000001));
	ck_assert_uint_eq(req.client_port, 41000);
	ck_assert_uint_eq(req.local_port, 8080);
	ck_assert_uint_eq(req.cgroup_id, 0x1234);
	ck_assert_uint_eq(req.builtin_route, 3);
	ck_assert_uint_eq(req.reserved, 0);
	ck_assert_uint_eq(req.field[0].present, 0);
}
END_TEST

START_TEST(test_methods)
{
	static const struct {
		const char *m;
		__u32 want;
	} cases[] = {{"GET", ZS_METHOD_GET},	     {"HEAD", ZS_METHOD_HEAD},
		     {"PUT", ZS_METHOD_PUT},	     {"DELETE", ZS_METHOD_DELETE},
		     {"OPTIONS", ZS_METHOD_OPTIONS}, {"PATCH", ZS_METHOD_PATCH},
		     {"PROPFIND", ZS_METHOD_OTHER}};
	char head[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(head, sizeof(head), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", cases[i].m);
		build(head, NULL, NULL);
		ck_assert_msg(req.method == cases[i].want, "%s: %u", cases[i].m, req.method);
	}
}
END_TEST

START_TEST(test_limits)
{
	char head[1024], path[400], host[120];

	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	memset(host, 'h', sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
	build(head, NULL, NULL);
	/* Lengths are the whole's; the arrays hold the first bytes. */
	ck_assert_uint_eq(req.path_len, strlen(path));
	ck_assert_int_eq(memcmp(req.path, path, ZS_REQ_PATH_MAX), 0);
	ck_assert_uint_eq(req.host_len, strlen(host));
	ck_assert_int_eq(memcmp(req.host, host, ZS_REQ_HOST_MAX), 0);
}
END_TEST

START_TEST(test_absolute_form)
{
	build("GET http://Other.Test:81/x/y?q HTTP/1.1\r\nHost: a.test\r\n\r\n", NULL, NULL);
	/* The target's authority is the host; the path is in origin form. */
	ck_assert(bytes_are(req.host, ZS_REQ_HOST_MAX, "other.test"));
	ck_assert_uint_eq(req.path_len, 6);
	ck_assert(bytes_are(req.path, ZS_REQ_PATH_MAX, "/x/y?q"));
}
END_TEST

START_TEST(test_fields)
{
	struct progreq_fields f = {.n = 4};
	char big[100];
	char head[512];
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(5)};

	s6.sin6_addr.s6_addr[15] = 1;
	strcpy(f.name[0], "x-canary");
	strcpy(f.name[2], "user-agent");
	strcpy(f.name[3], "x-big");
	memset(big, 'b', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	snprintf(
	    head, sizeof(head),
	    "GET / HTTP/1.1\r\nHost: a\r\nX-CANARY:   1 \t\r\nx-canary: 2\r\nX-Big: %s\r\n\r\n",
	    big);
	build(head, &f, (struct sockaddr *)&s6);
	/* The first occurrence, blanks around it trimmed. */
	ck_assert_uint_eq(req.field[0].present, 1);
	ck_assert_uint_eq(req.field[0].len, 1);
	ck_assert(bytes_are(req.field[0].value, ZS_REQ_FIELD_MAX, "1"));
	/* Slot 1 asks for nothing; slot 2's field is absent. */
	ck_assert_uint_eq(req.field[1].present, 0);
	ck_assert_uint_eq(req.field[2].present, 0);
	ck_assert_uint_eq(req.field[2].len, 0);
	ck_assert_uint_eq(req.field[3].len, strlen(big));
	ck_assert_int_eq(memcmp(req.field[3].value, big, ZS_REQ_FIELD_MAX), 0);
	ck_assert_uint_eq(req.client_ip[3], htonl(1));
	ck_assert_uint_eq(req.client_port, 5);
}
END_TEST

START_TEST(test_field_refusal)
{
	ck_assert_ptr_null(progreq_field_refusal("x-canary", 8));
	ck_assert_ptr_null(progreq_field_refusal("User-Agent", 10));
	ck_assert_ptr_null(progreq_field_refusal("abcdefghijklmnopqrstuvwx", 24));
	ck_assert_ptr_nonnull(progreq_field_refusal("abcdefghijklmnopqrstuvwxy", 25));
	ck_assert_ptr_nonnull(progreq_field_refusal("", 0));
	ck_assert_ptr_nonnull(progreq_field_refusal("x canary", 8));
	ck_assert_ptr_nonnull(progreq_field_refusal("x:y", 3));
	ck_assert_ptr_nonnull(progreq_field_refusal("Host", 4));
	ck_assert_ptr_nonnull(progreq_field_refusal("content-length", 14));
	ck_assert_ptr_nonnull(progreq_field_refusal("Transfer-Encoding", 17));
	ck_assert_ptr_nonnull(progreq_field_refusal("connection", 10));
}
END_TEST

static Suite *progreq_suite(void)
{
	Suite *s = suite_create("progreq");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_absolute_form);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_field_refusal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(progreq_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
