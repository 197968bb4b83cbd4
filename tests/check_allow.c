/* SPDX-License-Identifier: MIT */
/* The Host and Origin allow-lists (src/allow.c): the rules, the options. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "allow.h"

static struct allow al;
static char err[512];

static void setup(void)
{
	allow_init(&al);
}

static void teardown(void)
{
	allow_free(&al);
}

static int host_ok(const char *h)
{
	return allow_host(&al, h, strlen(h));
}

static int origin_ok(const char *o)
{
	return allow_origin(&al, o, strlen(o));
}

START_TEST(default_hosts)
{
	static const char *const ok[] = {
	    "localhost",     "localhost:8080", "LOCALHOST.",	     "localhost.:80",
	    "app.localhost", "a.b.localhost",  "App.LocalHost:5173", "my_app.localhost",
	    "127.0.0.1",     "127.0.0.1:8080", "127.5.6.7",	     "127.255.255.255:1",
	    "[::1]",	     "[::1]:8080",     "[0:0::1]:1",	     "localhost:",
	};
	static const char *const bad[] = {
	    "attacker.example",
	    "attacker.example:8080",
	    "localhost.attacker.example",
	    "localhostx",
	    "xlocalhost",
	    ".localhost",
	    "a..localhost",
	    "127.1",
	    "128.0.0.1",
	    "0.0.0.0",
	    "[::2]",
	    "[::1",
	    "localhost:80x",
	    "localhost:8080:1",
	    "local host",
	    "localhost@evil",
	    "evil@localhost",
	    "",
	    "[::ffff:127.0.0.1]",
	    "127.0.0.1.nip.io",
	    "%6cocalhost",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(host_ok(ok[i]), "%s refused", ok[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!host_ok(bad[i]), "%s allowed", bad[i]);
}
END_TEST

START_TEST(added_hosts)
{
	ck_assert_int_eq(allow_add_host(&al, "Dev.Example.Test", err, sizeof(err)), 0);
	ck_assert_int_eq(allow_add_host(&al, "*.preview.test", err, sizeof(err)), 0);
	ck_assert_int_eq(allow_add_host(&al, "[fd00::1]", err, sizeof(err)), 0);
	ck_assert_int_eq(allow_add_name(&al, "api.test."), 0);
	ck_assert(host_ok("dev.example.test:443"));
	ck_assert(host_ok("DEV.example.test."));
	ck_assert(!host_ok("x.dev.example.test"));
	ck_assert(host_ok("a.preview.test"));
	ck_assert(host_ok("a.b.preview.test:1"));
	ck_assert(!host_ok("preview.test"));
	ck_assert(!host_ok("apreview.test"));
	ck_assert(host_ok("[fd00:0::1]:8080"));
	ck_assert(host_ok("api.test"));
	ck_assert(!host_ok("attacker.example"));
	ck_assert_int_eq(allow_add_host(&al, "*", err, sizeof(err)), 0);
	ck_assert(host_ok("attacker.example"));
	/* The wildcard opens the Host check only. */
	ck_assert(!origin_ok("https://attacker.example"));
}
END_TEST

START_TEST(bad_allow_host)
{
	static const char *const bad[] = {"",	     "a/b",	"name:80",  "[::1]:80",
					  "*.",	     "*x.test", "a.*.test", "**",
					  "*.[::1]", "a b",	"[::1",	    "[zz]"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(allow_add_host(&al, bad[i], err, sizeof(err)) == -EINVAL,
			      "'%s' taken", bad[i]);
		ck_assert_msg(strstr(err, "--allow-host") != NULL, "'%s': %s", bad[i], err);
	}
	ck_assert_int_eq(al.nnames + al.nsuffixes, 0);
	ck_assert_int_eq(al.any_host, 0);
}
END_TEST

START_TEST(origins)
{
	ck_assert(origin_ok("http://localhost:5173"));
	ck_assert(origin_ok("https://app.localhost"));
	ck_assert(origin_ok("http://127.0.0.1:8080"));
	ck_assert(origin_ok("http://[::1]:3000"));
	ck_assert(!origin_ok("https://evil.example"));
	ck_assert(!origin_ok("null"));
	ck_assert(!origin_ok(""));
	ck_assert(!origin_ok("localhost"));
	ck_assert(!origin_ok("http://localhost/"));
	ck_assert(!origin_ok("http://localhost:5173/path"));
	ck_assert(!origin_ok("http://evil.example#.localhost"));
	ck_assert(!origin_ok("http://user@localhost"));
	ck_assert(!origin_ok("1http://localhost"));

	ck_assert_int_eq(allow_add_origin(&al, "https://App.Example.com/", err, sizeof(err)), 0);
	ck_assert(origin_ok("https://app.example.com"));
	ck_assert(origin_ok("HTTPS://APP.EXAMPLE.COM"));
	ck_assert(!origin_ok("http://app.example.com"));
	ck_assert(!origin_ok("https://app.example.com:8443"));
	ck_assert_int_eq(allow_add_host(&al, "dev.test", err, sizeof(err)), 0);
	ck_assert(origin_ok("http://dev.test:3000"));
	ck_assert_int_eq(allow_add_origin(&al, "null", err, sizeof(err)), 0);
	ck_assert(origin_ok("null"));
	ck_assert(!origin_ok("https://evil.example"));
	ck_assert_int_eq(allow_add_origin(&al, "*", err, sizeof(err)), 0);
	ck_assert(origin_ok("https://evil.example"));
}
END_TEST

START_TEST(bad_allow_origin)
{
	static const char *const bad[] = {"",	  "not a url",	  "http://h/path", "http://",
					  "h:80", "http://h:80x", "://h",	   "http://a b",
					  "nul",  "http://h?q",	  "http://u@h"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(allow_add_origin(&al, bad[i], err, sizeof(err)) == -EINVAL,
			      "'%s' taken", bad[i]);
		ck_assert_msg(strstr(err, "--allow-origin") != NULL, "'%s': %s", bad[i], err);
	}
	ck_assert_int_eq(al.norigins, 0);
}
END_TEST

START_TEST(requests)
{
	const char *o = "https://evil.example";

	ck_assert_int_eq(allow_request(&al, "localhost:1", 11, NULL, 0, 0), ALLOW_PASS);
	/* No Host (HTTP/1.0): nothing to rebind. */
	ck_assert_int_eq(allow_request(&al, NULL, 0, NULL, 0, 0), ALLOW_PASS);
	ck_assert_int_eq(allow_request(&al, "evil.example", 12, NULL, 0, 0), ALLOW_BAD_HOST);
	/* The Host first: a rebinding request is a Host refusal. */
	ck_assert_int_eq(allow_request(&al, "evil.example", 12, o, strlen(o), 1), ALLOW_BAD_HOST);
	ck_assert_int_eq(allow_request(&al, "localhost", 9, o, strlen(o), 1), ALLOW_BAD_ORIGIN);
	ck_assert_int_eq(allow_request(&al, "localhost", 9, "http://localhost", 16, 1), ALLOW_PASS);
	ck_assert_int_eq(allow_request(&al, "localhost", 9, "http://localhost", 16, 2),
			 ALLOW_BAD_ORIGIN);
	ck_assert_str_eq(allow_reason(ALLOW_BAD_HOST), "host-not-allowed");
	ck_assert_str_eq(allow_reason(ALLOW_BAD_ORIGIN), "origin-not-allowed");
	ck_assert_ptr_null(allow_reason(ALLOW_PASS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("allow");
	TCase *tc = tcase_create("allow");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, default_hosts);
	tcase_add_test(tc, added_hosts);
	tcase_add_test(tc, bad_allow_host);
	tcase_add_test(tc, origins);
	tcase_add_test(tc, bad_allow_origin);
	tcase_add_test(tc, requests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
