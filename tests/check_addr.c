/* SPDX-License-Identifier: MIT */
/* HOST:PORT parsing and formatting. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"

static char err[512];

/* Parses s and checks the canonical form. */
static void parse_ok(const char *s, int family, const char *want)
{
	struct addr a;
	char buf[64];
	int rc;

	memset(&a, 0x5a, sizeof(a));
	rc = addr_parse(s, &a, err, sizeof(err));
	ck_assert_msg(rc == 0, "addr_parse('%s') = %d: %s", s, rc, err);
	ck_assert_int_eq(a.ss.ss_family, family);
	ck_assert_uint_eq(a.len, family == AF_INET ? sizeof(struct sockaddr_in)
						   : sizeof(struct sockaddr_in6));
	ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), want);
	/* A numeric host has one address; a name's other family is IPv6. */
	if (strchr(s, '[') != NULL || (s[0] >= '0' && s[0] <= '9') || s[0] == ':')
		ck_assert_uint_eq(a.alt_len, 0);
	else if (a.alt_len != 0)
		ck_assert_int_eq(a.alt.ss_family, AF_INET6);
}

static void parse_bad(const char *s, const char *needle)
{
	struct addr a;
	char want[300];
	int rc;

	err[0] = '\0';
	rc = addr_parse(s, &a, err, sizeof(err));
	ck_assert_msg(rc == -EINVAL, "addr_parse('%s') = %d, want -EINVAL", s, rc);
	snprintf(want, sizeof(want), "bad address '%s': ", s);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "'%s': %s", s, err);
	ck_assert_msg(strstr(err, needle), "error for '%s' lacks '%s': %s", s, needle, err);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_ipv4)
{
	parse_ok("127.0.0.1:8080", AF_INET, "127.0.0.1:8080");
	parse_ok("0.0.0.0:1", AF_INET, "0.0.0.0:1");
	parse_ok("10.1.2.3:65535", AF_INET, "10.1.2.3:65535");
	parse_ok("127.0.0.1:080", AF_INET, "127.0.0.1:80");
}
END_TEST

START_TEST(test_port_only)
{
	parse_ok(":3000", AF_INET, "127.0.0.1:3000");
}
END_TEST

START_TEST(test_ipv6)
{
	parse_ok("[::1]:8080", AF_INET6, "[::1]:8080");
	parse_ok("[::]:80", AF_INET6, "[::]:80");
	parse_ok("[2001:DB8::1]:443", AF_INET6, "[2001:db8::1]:443");
}
END_TEST

START_TEST(test_name)
{
	/* localhost may also answer ::1; IPv4 is preferred. */
	parse_ok("localhost:3000", AF_INET, "127.0.0.1:3000");
}
END_TEST

START_TEST(test_errors)
{
	parse_bad("foo", "missing port");
	parse_bad("", "missing port");
	parse_bad("127.0.0.1", "missing port");
	parse_bad("127.0.0.1:", "missing port");
	parse_bad(":", "missing port");
	parse_bad(":0", "out of range");
	parse_bad(":65536", "out of range");
	parse_bad(":100000000000000000000000", "out of range");
	parse_bad(":abc", "bad port 'abc'");
	parse_bad(":-1", "bad port");
	parse_bad(":+80", "bad port");
	parse_bad(": 80", "bad port");
	parse_bad(":80 ", "bad port");
	parse_bad(":0x50", "bad port");
	parse_bad("[::1]", "missing port");
	parse_bad("[::1]80", "missing port");
	parse_bad("[::1]:", "missing port");
	parse_bad("[::1:80", "missing ']'");
	parse_bad("[]:80", "empty IPv6 address");
	parse_bad("[127.0.0.1]:80", "not an IPv6 address");
	parse_bad("[zz]:80", "not an IPv6 address");
	parse_bad("::1:80", "brackets");
	parse_bad("no-such-host.invalid:80", "cannot resolve 'no-such-host.invalid'");
}
END_TEST

START_TEST(test_long_host)
{
	char s[400];

	memset(s, 'a', 300);
	strcpy(s + 300, ":80");
	ck_assert_int_eq(addr_parse(s, &(struct addr){0}, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	s[0] = '[';
	strcpy(s + 299, "]:80");
	ck_assert_int_eq(addr_parse(s, &(struct addr){0}, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

START_TEST(test_err_optional)
{
	struct addr a;

	ck_assert_int_eq(addr_parse("foo", &a, NULL, 0), -EINVAL);
	ck_assert_int_eq(addr_parse(NULL, &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(addr_parse("foo", &a, err, 4), -EINVAL);
	ck_assert_str_eq(err, "bad");
}
END_TEST

START_TEST(test_format)
{
	struct addr a;
	char buf[64];

	ck_assert_int_eq(addr_parse("127.0.0.1:8080", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(addr_format_host(&a, buf, sizeof(buf)), "127.0.0.1");
	ck_assert_int_eq(addr_port(&a), 8080);
	/* Truncation keeps the buffer terminated. */
	ck_assert_str_eq(addr_format(&a, buf, 6), "127.0");
	ck_assert_ptr_eq(addr_format(&a, buf, 0), buf);

	ck_assert_int_eq(addr_parse("[::1]:8080", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(addr_format_host(&a, buf, sizeof(buf)), "::1");
	ck_assert_int_eq(addr_port(&a), 8080);
	ck_assert_str_eq(addr_format_host(&a, buf, 2), "?");

	memset(&a, 0, sizeof(a));
	ck_assert_int_lt(addr_port(&a), 0);
	ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), "?");
	ck_assert_str_eq(addr_format_host(&a, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(test_sockaddr_contents)
{
	struct addr a;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a.ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a.ss;

	ck_assert_int_eq(addr_parse(":8080", &a, err, sizeof(err)), 0);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	ck_assert_uint_eq(ntohs(sin->sin_port), 8080);
	ck_assert_int_eq(addr_parse("[::1]:443", &a, err, sizeof(err)), 0);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 443);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_ipv4);
	tcase_add_test(tc, test_port_only);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_long_host);
	tcase_add_test(tc, test_err_optional);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_sockaddr_contents);
	/* Name lookups go through the resolver, which may be slow in a sandbox. */
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
