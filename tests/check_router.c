/* SPDX-License-Identifier: MIT */
/* Route grammar, matching precedence and request-target rewriting. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include "router.h"

static char tmpdir[PATH_MAX];
static char tmpfile_path[PATH_MAX + 16];
static char err[512];

static void dir_setup(void)
{
	int fd;

	snprintf(tmpdir, sizeof(tmpdir), "%s/zs-router-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/file.txt", tmpdir);
	fd = open(tmpfile_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void dir_teardown(void)
{
	unlink(tmpfile_path);
	rmdir(tmpdir);
}

static void parse_ok(const char *arg, struct route *r)
{
	int rc = route_parse(arg, r, err, sizeof(err));

	ck_assert_msg(rc == 0, "route_parse('%s') = %d: %s", arg, rc, err);
	ck_assert_str_eq(r->spec, arg);
	ck_assert_uint_eq(r->prefix_len, strlen(r->prefix));
}

/* Fails with -EINVAL, a one-line message naming arg and containing needle. */
static void parse_bad(const char *arg, const char *needle)
{
	struct route r;
	char want[600];
	int rc;

	memset(&r, 0x5a, sizeof(r));
	err[0] = '\0';
	rc = route_parse(arg, &r, err, sizeof(err));
	ck_assert_msg(rc == -EINVAL, "route_parse('%s') = %d, want -EINVAL", arg, rc);
	snprintf(want, sizeof(want), "'%s'", arg);
	ck_assert_msg(strstr(err, want), "error for '%s' does not name it: %s", arg, err);
	ck_assert_msg(strstr(err, needle), "error for '%s' lacks '%s': %s", arg, needle, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* A failed parse leaves nothing to free. */
	ck_assert_ptr_null(r.spec);
	ck_assert_ptr_null(r.host);
	ck_assert_ptr_null(r.prefix);
}

START_TEST(test_prefix_backend)
{
	struct route r;

	parse_ok("/api=127.0.0.1:3001", &r);
	ck_assert_ptr_null(r.host);
	ck_assert_str_eq(r.prefix, "/api");
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	ck_assert_str_eq(r.authority, "127.0.0.1:3001");
	ck_assert_ptr_null(r.replace);
	ck_assert_ptr_null(r.dir);
	ck_assert_int_eq(r.addr.ss.ss_family, AF_INET);
	ck_assert_int_eq(addr_port(&r.addr), 3001);
	route_free(&r);
	ck_assert_ptr_null(r.spec);
}
END_TEST

START_TEST(test_empty_left_side)
{
	struct route r;

	parse_ok("=:5173", &r);
	ck_assert_ptr_null(r.host);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_str_eq(r.authority, ":5173");
	ck_assert_int_eq(addr_port(&r.addr), 5173);
	route_free(&r);
}
END_TEST

START_TEST(test_port_only)
{
	struct route r;
	char buf[64];

	parse_ok("/=:3000", &r);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_str_eq(addr_format(&r.addr, buf, sizeof(buf)), "127.0.0.1:3000");
	route_free(&r);
}
END_TEST

START_TEST(test_ipv6_backend)
{
	struct route r;
	char buf[64];

	parse_ok("/v6=[::1]:3000", &r);
	ck_assert_int_eq(r.addr.ss.ss_family, AF_INET6);
	ck_assert_str_eq(addr_format(&r.addr, buf, sizeof(buf)), "[::1]:3000");
	ck_assert_str_eq(r.authority, "[::1]:3000");
	route_free(&r);
}
END_TEST

START_TEST(test_named_backend)
{
	struct route r;
	char buf[64];

	parse_ok("/=localhost:3000", &r);
	ck_assert_str_eq(r.authority, "localhost:3000");
	ck_assert_str_eq(addr_format(&r.addr, buf, sizeof(buf)), "127.0.0.1:3000");
	route_free(&r);
}
END_TEST

START_TEST(test_no_equals_is_target)
{
	struct route r;

	parse_ok("127.0.0.1:3000", &r);
	ck_assert_ptr_null(r.host);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	route_free(&r);
	parse_ok(":4000", &r);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_int_eq(addr_port(&r.addr), 4000);
	route_free(&r);
}
END_TEST

START_TEST(test_host_route)
{
	struct route r;

	parse_ok("App.LocalHost=127.0.0.1:3002", &r);
	ck_assert_str_eq(r.host, "app.localhost");
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_uint_eq(r.prefix_len, 1);
	route_free(&r);
}
END_TEST

START_TEST(test_host_prefix_route)
{
	struct route r;

	parse_ok("api.localhost/v1/=http://127.0.0.1:3001/", &r);
	ck_assert_str_eq(r.host, "api.localhost");
	ck_assert_str_eq(r.prefix, "/v1/");
	ck_assert_str_eq(r.replace, "/");
	ck_assert_str_eq(r.authority, "127.0.0.1:3001");
	route_free(&r);
}
END_TEST

START_TEST(test_host_trailing_dot_and_v6)
{
	struct route r;

	parse_ok("app.localhost.=:3000", &r);
	ck_assert_str_eq(r.host, "app.localhost");
	route_free(&r);
	parse_ok("[::1]/x=:3000", &r);
	ck_assert_str_eq(r.host, "[::1]");
	ck_assert_str_eq(r.prefix, "/x");
	route_free(&r);
	/* Stored as router_host_normalize names a request's Host. */
	parse_ok("[::1].=:3000", &r);
	ck_assert_str_eq(r.host, "[::1]");
	route_free(&r);
	parse_ok("[::ABCD]=:3000", &r);
	ck_assert_str_eq(r.host, "[::abcd]");
	route_free(&r);
}
END_TEST

static void normal(const char *host, const char *want)
{
	char out[ROUTER_HOST_MAX + 1];
	int n = router_host_normalize(host, strlen(host), out, sizeof(out));

	ck_assert_msg(n == (int)strlen(want) && strcmp(out, want) == 0,
		      "router_host_normalize(\"%s\") = %d \"%s\", want \"%s\"", host, n,
		      n >= 0 ? out : "", want);
}

START_TEST(test_host_normalize)
{
	char out[9], big[ROUTER_HOST_MAX + 8];

	normal("app.test", "app.test");
	normal("APP.Test", "app.test");
	normal("app.test.", "app.test");
	normal("app.test..", "app.test.");
	normal("app.test:8080", "app.test");
	normal("App.Test.:8080", "app.test");
	normal("app.test:", "app.test");
	normal(":8080", "");
	normal(".", "");
	normal("", "");
	normal("[::1]", "[::1]");
	normal("[::1]:8080", "[::1]");
	normal("[::A]:8080", "[::a]");
	normal("[::1].", "[::1]");
	normal("[::1", "[::1");
	normal("app test", "app test");
	ck_assert_int_eq(router_host_normalize(NULL, 5, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	/* out may be host; outlen bounds it. */
	strcpy(out, "AB.:1");
	ck_assert_int_eq(router_host_normalize(out, 5, out, sizeof(out)), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(router_host_normalize("abcdefghi", 9, out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(router_host_normalize("abcdefgh.", 9, out, sizeof(out)), 8);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(router_host_normalize(big, sizeof(big), big, sizeof(big)), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_http_targets)
{
	struct route r;

	parse_ok("/api=http://127.0.0.1:3001", &r);
	ck_assert_ptr_null(r.replace);
	ck_assert_str_eq(r.authority, "127.0.0.1:3001");
	route_free(&r);

	parse_ok("/api/=http://127.0.0.1:3001/", &r);
	ck_assert_str_eq(r.replace, "/");
	route_free(&r);

	parse_ok("/api=HTTP://localhost:3001/v1", &r);
	ck_assert_str_eq(r.replace, "/v1");
	ck_assert_str_eq(r.authority, "localhost:3001");
	route_free(&r);

	parse_ok("/=http://[::1]:8000/a/b/", &r);
	ck_assert_int_eq(r.addr.ss.ss_family, AF_INET6);
	ck_assert_str_eq(r.authority, "[::1]:8000");
	ck_assert_str_eq(r.replace, "/a/b/");
	route_free(&r);
}
END_TEST

START_TEST(test_directory_target)
{
	struct route r;
	char arg[2 * PATH_MAX], real[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(tmpdir, real));
	snprintf(arg, sizeof(arg), "/static=%s", tmpdir);
	parse_ok(arg, &r);
	ck_assert_int_eq(r.kind, ROUTE_DIRECTORY);
	ck_assert_str_eq(r.dir, real);
	ck_assert_str_eq(r.prefix, "/static");
	ck_assert_ptr_null(r.authority);
	route_free(&r);

	/* Shorthand: no '=' means "/=DIR", relative paths resolved now. */
	ck_assert_int_eq(chdir(tmpdir), 0);
	parse_ok(".", &r);
	ck_assert_int_eq(r.kind, ROUTE_DIRECTORY);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_str_eq(r.dir, real);
	route_free(&r);

	snprintf(arg, sizeof(arg), "%s/", tmpdir);
	parse_ok(arg, &r);
	ck_assert_str_eq(r.dir, real);
	route_free(&r);
}
END_TEST

/* A directory named like a port or a backend: the directory is not guessed away. */
START_TEST(test_directory_named_like_port)
{
	struct route r;

	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(mkdir("3000", 0755), 0);
	parse_bad("3000", "write :3000 for the port or ./3000 for the directory");
	parse_bad("/api=3000", "write :3000 for the port or ./3000 for the directory");
	parse_ok("./3000", &r);
	ck_assert_int_eq(r.kind, ROUTE_DIRECTORY);
	route_free(&r);
	parse_ok("3000/", &r);
	ck_assert_int_eq(r.kind, ROUTE_DIRECTORY);
	route_free(&r);
	parse_ok(":3000", &r);
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	route_free(&r);
	ck_assert_int_eq(rmdir("3000"), 0);

	ck_assert_int_eq(mkdir("localhost:3000", 0755), 0);
	parse_ok("localhost:3000/", &r);
	ck_assert_int_eq(r.kind, ROUTE_DIRECTORY);
	route_free(&r);
	ck_assert_int_eq(rmdir("localhost:3000"), 0);
}
END_TEST

START_TEST(test_directory_errors)
{
	char arg[2 * PATH_MAX];

	snprintf(arg, sizeof(arg), "/f=%s", tmpfile_path);
	parse_bad(arg, "is not a directory");
	snprintf(arg, sizeof(arg), "/f=%s/missing", tmpdir);
	parse_bad(arg, "is not a directory");
	parse_bad("./no-such-dir-zeroserve", "'./no-such-dir-zeroserve' is not a directory");
	parse_bad("dist", "'dist' is not a directory");
}
END_TEST

/* A port alone is ":PORT", for a prefix and for "/" (issue 11: "zeroserve 3000"). */
START_TEST(test_port_alone)
{
	struct route r;

	parse_ok("3000", &r);
	ck_assert_ptr_null(r.host);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	ck_assert_int_eq(r.addr.ss.ss_family, AF_INET);
	ck_assert_int_eq(addr_port(&r.addr), 3000);
	ck_assert_ptr_null(r.replace);
	route_free(&r);
	parse_ok("/api=3001", &r);
	ck_assert_str_eq(r.prefix, "/api");
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	ck_assert_int_eq(addr_port(&r.addr), 3001);
	route_free(&r);
	parse_ok("app.test/x=65535", &r);
	ck_assert_str_eq(r.host, "app.test");
	ck_assert_int_eq(addr_port(&r.addr), 65535);
	route_free(&r);
	parse_ok("1", &r);
	ck_assert_int_eq(addr_port(&r.addr), 1);
	route_free(&r);
	/* Leading zeros: the value counts, not the first digits that fit. */
	parse_ok("00003000", &r);
	ck_assert_int_eq(addr_port(&r.addr), 3000);
	route_free(&r);

	parse_bad("0", "port 0 out of range (1-65535)");
	parse_bad("70000", "port 70000 out of range (1-65535)");
	parse_bad("/api=65536", "out of range (1-65535)");
	parse_bad("/api=000000000000000000000003000000", "out of range (1-65535)");
}
END_TEST

/* A bare backend with only a trailing '/' means that backend, path unchanged. */
START_TEST(test_backend_trailing_slash)
{
	struct route r;

	parse_ok("localhost:3000/", &r);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_int_eq(r.kind, ROUTE_BACKEND);
	ck_assert_int_eq(addr_port(&r.addr), 3000);
	ck_assert_ptr_null(r.replace);
	route_free(&r);
	parse_ok("127.0.0.1:3000/", &r);
	ck_assert_str_eq(r.authority, "127.0.0.1:3000");
	ck_assert_ptr_null(r.replace);
	route_free(&r);
	parse_ok(":3000/", &r);
	ck_assert_int_eq(addr_port(&r.addr), 3000);
	route_free(&r);
	parse_ok("/api=localhost:3000/", &r);
	ck_assert_str_eq(r.prefix, "/api");
	ck_assert_ptr_null(r.replace);
	route_free(&r);
	/* http://HOST:PORT/PATH keeps its meaning as a bare argument: a rewrite. */
	parse_ok("http://127.0.0.1:3000/v1", &r);
	ck_assert_str_eq(r.prefix, "/");
	ck_assert_str_eq(r.replace, "/v1");
	route_free(&r);
	parse_ok("http://127.0.0.1:3000/", &r);
	ck_assert_str_eq(r.replace, "/");
	route_free(&r);
}
END_TEST

/* Near misses name the fix, only where the guess is sound. */
START_TEST(test_near_misses)
{
	parse_bad("3000x", "did you mean :3000?");
	parse_bad("3000/", "did you mean :3000?");
	parse_bad("/api=3001x", "did you mean :3001?");
	parse_bad("localhost:3000/app", "did you mean http://localhost:3000/app?");
	parse_bad("localhost:3000//", "did you mean http://localhost:3000//?");
	/* No sound guess: today's message. */
	parse_bad("3000ms", "'3000ms' is not a directory");
	parse_bad("99999x", "'99999x' is not a directory");
	parse_bad("7x", "'7x' is not a directory");
	parse_bad("dist/", "'dist/' is not a directory");
	parse_bad("localhost:3000x/", "'localhost:3000x/' is not a directory");
	parse_bad("localhost:3000x", "bad port '3000x'");
}
END_TEST

START_TEST(test_scheme_errors)
{
	parse_bad("/=https://127.0.0.1:3000", "https backends are not supported");
	parse_bad("/=HTTPS://example.com:443/", "https backends are not supported");
	parse_bad("/=ftp://127.0.0.1:21", "unsupported scheme 'ftp'");
	parse_bad("/=ws://127.0.0.1:21", "unsupported scheme");
	parse_bad("/=http://", "missing HOST:PORT");
	parse_bad("/=http:///x", "missing HOST:PORT");
	parse_bad("/=http://127.0.0.1/x", "missing port");
	parse_bad("/=http://127.0.0.1:0/", "out of range");
	parse_bad("/=http://127.0.0.1:80/a?b", "must not contain '?'");
	parse_bad("/=http://127.0.0.1:80/a#b", "must not contain '#'");
}
END_TEST

START_TEST(test_port_errors)
{
	parse_bad("/=:0", "out of range");
	parse_bad("/=127.0.0.1:0", "out of range");
	parse_bad("/=:65536", "out of range");
	parse_bad("/=127.0.0.1:99999999999999999999", "out of range");
	parse_bad("/=:abc", "bad port 'abc'");
	parse_bad("/api=foo:bar", "bad port 'bar'");
	parse_bad("/api=localhost:", "missing port");
	parse_bad("/=no-such-host.invalid:80", "cannot resolve");
}
END_TEST

START_TEST(test_host_errors)
{
	char longhost[300];
	struct route r;

	parse_bad("app.localhost:8080=:3000", "omit the port");
	parse_bad("[::1]:8080=:3000", "omit the port");
	parse_bad("a..b=:3000", "empty label");
	parse_bad(".a=:3000", "empty label");
	parse_bad("..=:3000", "empty label");
	parse_bad("a b=:3000", "bad character ' '");
	parse_bad("a\tb=:3000", "bad character '\\x09'");
	/* NAME@ comes first: an '@' after it is the host's. */
	parse_bad("a@b@c=:3000", "bad character '@'");
	parse_bad("[zz]=:3000", "bad IPv6 host");
	parse_bad("[::1=:3000", "missing ']'");
	parse_bad("[]=:3000", "bad IPv6 host");
	parse_bad("[::1]x=:3000", "bad IPv6 host");
	parse_bad("[::1]..=:3000", "bad IPv6 host");
	parse_bad("a.b..=:3000", "empty label");
	parse_bad("app.localhost.:80=:3000", "omit the port");
	/* A DNS name's 253 characters at most, a trailing dot aside. */
	memset(longhost, 'a', 254);
	strcpy(longhost + 254, "=:3000");
	parse_bad(longhost, "host longer than 253 characters");
	strcpy(longhost + 253, ".=:3000");
	parse_ok(longhost, &r);
	ck_assert_uint_eq(strlen(r.host), 253);
	route_free(&r);
}
END_TEST

START_TEST(test_prefix_errors)
{
	parse_bad("/a?b=:3000", "must not contain '?'");
	parse_bad("/a#b=:3000", "must not contain '#'");
	parse_bad("/a b=:3000", "must not contain ' '");
	parse_bad("/a/../b=:3000", "must not contain '..'");
	parse_bad("/..=:3000", "'..'");
	parse_bad("host/a?=:3000", "must not contain '?'");
}
END_TEST

START_TEST(test_empty_target)
{
	parse_bad("/api=", "empty target");
	parse_bad("", "empty target");
	/* Split at the first '=': the second belongs to the target. */
	parse_bad("/a=b=c", "'b=c' is not a directory");
}
END_TEST

START_TEST(test_err_null_ok)
{
	struct route r;

	ck_assert_int_eq(route_parse("/=https://x:1", &r, NULL, 0), -EINVAL);
	ck_assert_int_eq(route_parse(NULL, &r, err, sizeof(err)), -EINVAL);
	/* Truncated, still terminated. */
	ck_assert_int_eq(route_parse("/=https://x:1", &r, err, 8), -EINVAL);
	ck_assert_uint_eq(strlen(err), 7);
}
END_TEST

static void add(struct router *rt, const char *arg)
{
	struct route r;
	int rc;

	parse_ok(arg, &r);
	rc = router_add(rt, &r, err, sizeof(err));
	ck_assert_msg(rc == 0, "router_add('%s') = %d: %s", arg, rc, err);
	ck_assert_ptr_null(r.spec);
}

START_TEST(test_router_add_ids)
{
	struct router rt;
	size_t i;
	char arg[64];

	router_init(&rt);
	/* Past the initial capacity, to exercise growth. */
	for (i = 0; i < 40; i++) {
		snprintf(arg, sizeof(arg), "/p%zu=:%zu", i, 3000 + i);
		add(&rt, arg);
	}
	ck_assert_uint_eq(rt.n, 40);
	for (i = 0; i < rt.n; i++)
		ck_assert_uint_eq(rt.routes[i].id, i);
	router_free(&rt);
	ck_assert_uint_eq(rt.n, 0);
	ck_assert_ptr_null(rt.routes);
	router_free(&rt);
}
END_TEST

static void add_dup(struct router *rt, const char *arg, const char *first)
{
	struct route r;
	int rc;

	parse_ok(arg, &r);
	rc = router_add(rt, &r, err, sizeof(err));
	ck_assert_msg(rc == -EEXIST, "router_add('%s') = %d, want -EEXIST", arg, rc);
	ck_assert_msg(strstr(err, "duplicate route"), "%s", err);
	ck_assert_msg(strstr(err, arg), "'%s' not named: %s", arg, err);
	ck_assert_msg(strstr(err, first), "'%s' not named: %s", first, err);
	/* Ownership was taken even on failure. */
	ck_assert_ptr_null(r.spec);
}

START_TEST(test_router_duplicates)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/api=:3000");
	add(&rt, "app.localhost/api=:3000");
	add(&rt, "/api/=:3000");
	add_dup(&rt, "/api=:3001", "/api=:3000");
	add_dup(&rt, "APP.localhost/api=:3001", "app.localhost/api=:3000");
	add(&rt, ":5173");
	add_dup(&rt, "/=:5174", ":5173");
	add_dup(&rt, "=http://127.0.0.1:1/", ":5173");
	ck_assert_uint_eq(rt.n, 4);
	router_free(&rt);
}
END_TEST

/* NAME@: a route routing programs name (zeroserve-program.7). */
START_TEST(test_route_names)
{
	struct router rt;
	struct route r;

	parse_ok("api@/api=:3001", &r);
	ck_assert_str_eq(r.name, "api");
	ck_assert_str_eq(r.prefix, "/api");
	ck_assert_int_eq(r.program_only, 0);
	route_free(&r);
	parse_ok("canary@=127.0.0.1:3002", &r);
	ck_assert_str_eq(r.name, "canary");
	ck_assert_int_eq(r.program_only, 1);
	ck_assert_str_eq(r.authority, "127.0.0.1:3002");
	route_free(&r);
	parse_ok("web_2@app.localhost/x=:3003", &r);
	ck_assert_str_eq(r.name, "web_2");
	ck_assert_str_eq(r.host, "app.localhost");
	route_free(&r);
	/* No '=': a target, '@' and all. */
	parse_ok("/tmp", &r);
	ck_assert_ptr_null(r.name);
	route_free(&r);
	parse_bad("9lives@=:3000", "a route name is letters, digits and '_'");
	parse_bad("a-b@=:3000", "a route name is letters, digits and '_'");
	parse_bad("@=:3000", "a route name is letters, digits and '_'");

	router_init(&rt);
	add(&rt, "/=:3001");
	/* A program's route overlaps nothing: "/" twice is no duplicate. */
	add(&rt, "canary@=:3002");
	add(&rt, "other@=:3003");
	add_dup(&rt, "canary@/x=:3004", "canary@=:3002");
	ck_assert_ptr_eq(router_find_name(&rt, "canary", 6), &rt.routes[1]);
	ck_assert_ptr_eq(router_find_name(&rt, "other", 5), &rt.routes[2]);
	ck_assert_ptr_null(router_find_name(&rt, "canar", 5));
	ck_assert_ptr_null(router_find_name(&rt, "canaryx", 7));
	/* The command line's routing never picks it. */
	ck_assert_ptr_eq(router_match(&rt, NULL, 0, "/x", 2), &rt.routes[0]);
	ck_assert_int_eq(router_may_outrank(&rt.routes[1], &rt.routes[0]), 0);
	router_free(&rt);
	router_init(&rt);
	add(&rt, "only@=:3002");
	ck_assert_ptr_null(router_match(&rt, NULL, 0, "/", 1));
	router_free(&rt);
}
END_TEST

static const struct route *match(const struct router *rt, const char *host, const char *path)
{
	return router_match(rt, host, host ? strlen(host) : 0, path, strlen(path));
}

static void assert_match(const struct router *rt, const char *host, const char *path,
			 const char *spec)
{
	const struct route *r = match(rt, host, path);

	if (spec == NULL) {
		ck_assert_msg(r == NULL, "%s %s matched '%s', want nothing", host ? host : "-",
			      path, r ? r->spec : "");
		return;
	}
	ck_assert_msg(r != NULL, "%s %s matched nothing, want '%s'", host ? host : "-", path, spec);
	ck_assert_msg(strcmp(r->spec, spec) == 0, "%s %s matched '%s', want '%s'",
		      host ? host : "-", path, r->spec, spec);
}

START_TEST(test_match_longest_prefix)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/=:1");
	add(&rt, "/api=:2");
	add(&rt, "/api/v2=:3");
	add(&rt, "/static/=:4");
	assert_match(&rt, NULL, "/", "/=:1");
	assert_match(&rt, NULL, "/index.html", "/=:1");
	assert_match(&rt, NULL, "/api", "/api=:2");
	assert_match(&rt, NULL, "/api/", "/api=:2");
	assert_match(&rt, NULL, "/api/users", "/api=:2");
	assert_match(&rt, NULL, "/apix", "/=:1");
	assert_match(&rt, NULL, "/api/v2", "/api/v2=:3");
	assert_match(&rt, NULL, "/api/v2/x", "/api/v2=:3");
	assert_match(&rt, NULL, "/api/v22", "/api=:2");
	assert_match(&rt, NULL, "/static/", "/static/=:4");
	assert_match(&rt, NULL, "/static/app.js", "/static/=:4");
	assert_match(&rt, NULL, "/static", "/=:1");
	assert_match(&rt, NULL, "/staticx", "/=:1");
	/* The catch-all takes even targets that are not paths. */
	assert_match(&rt, NULL, "*", "/=:1");
	assert_match(&rt, NULL, "", "/=:1");
	/* Insertion order does not matter. */
	router_free(&rt);
	router_init(&rt);
	add(&rt, "/api/v2=:3");
	add(&rt, "/api=:2");
	add(&rt, "/=:1");
	assert_match(&rt, NULL, "/api/v2/x", "/api/v2=:3");
	assert_match(&rt, NULL, "/api/x", "/api=:2");
	router_free(&rt);
}
END_TEST

START_TEST(test_match_no_catch_all)
{
	struct router rt;

	router_init(&rt);
	ck_assert_ptr_null(match(&rt, NULL, "/"));
	add(&rt, "/api=:2");
	add(&rt, "/static/=:4");
	assert_match(&rt, NULL, "/", NULL);
	assert_match(&rt, NULL, "/apix", NULL);
	assert_match(&rt, NULL, "/ap", NULL);
	assert_match(&rt, NULL, "/static", NULL);
	/* Byte-exact: no decoding, no case folding of paths. */
	assert_match(&rt, NULL, "/API", NULL);
	assert_match(&rt, NULL, "/%61pi", NULL);
	assert_match(&rt, NULL, "/api", "/api=:2");
	router_free(&rt);
}
END_TEST

START_TEST(test_match_host)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/=:1");
	add(&rt, "app.localhost=:2");
	add(&rt, "/api=:3");
	add(&rt, "app.localhost/api=:4");
	add(&rt, "other.localhost/x=:5");
	add(&rt, "[::1]/v6=:6");
	/* Equal prefixes: the Host route wins. */
	assert_match(&rt, "app.localhost", "/", "app.localhost=:2");
	assert_match(&rt, "app.localhost", "/api/x", "app.localhost/api=:4");
	assert_match(&rt, NULL, "/api/x", "/api=:3");
	assert_match(&rt, "other.localhost", "/api/x", "/api=:3");
	/* Port and case of the Host header are ignored; a trailing dot too. */
	assert_match(&rt, "APP.LocalHost:8080", "/", "app.localhost=:2");
	assert_match(&rt, "app.localhost.", "/api", "app.localhost/api=:4");
	assert_match(&rt, "app.localhost.:8080", "/api", "app.localhost/api=:4");
	/* A Host route only matches its host. */
	assert_match(&rt, "app.localhostx", "/", "/=:1");
	assert_match(&rt, "xapp.localhost", "/", "/=:1");
	assert_match(&rt, "app", "/", "/=:1");
	assert_match(&rt, "", "/", "/=:1");
	assert_match(&rt, NULL, "/", "/=:1");
	/* A Host route beats every host-less one, however long its prefix;
	 * host-less routes serve the hosts no Host route matches. */
	assert_match(&rt, "other.localhost", "/api", "/api=:3");
	assert_match(&rt, "other.localhost", "/x/y", "other.localhost/x=:5");
	assert_match(&rt, "other.localhost:1", "/x", "other.localhost/x=:5");
	/* IPv6 Host header with a port. */
	assert_match(&rt, "[::1]:8080", "/v6/a", "[::1]/v6=:6");
	assert_match(&rt, "[::1]", "/v6", "[::1]/v6=:6");
	assert_match(&rt, "[::2]:8080", "/v6", "/=:1");
	router_free(&rt);
}
END_TEST

START_TEST(test_match_host_first)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "app.localhost=:2");
	add(&rt, "/api/v1=:3");
	add(&rt, "/=:1");
	assert_match(&rt, "app.localhost", "/api/v1/x", "app.localhost=:2");
	assert_match(&rt, "other", "/api/v1/x", "/api/v1=:3");
	assert_match(&rt, "other", "/x", "/=:1");
	router_free(&rt);
}
END_TEST

START_TEST(test_match_host_only)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "app.localhost=:2");
	assert_match(&rt, "app.localhost", "/anything", "app.localhost=:2");
	assert_match(&rt, "other", "/anything", NULL);
	assert_match(&rt, NULL, "/anything", NULL);
	ck_assert_ptr_null(router_match(&rt, "app.localhost", 0, "/", 1));
	/* hostlen bounds the header; no NUL needed. */
	ck_assert_ptr_nonnull(router_match(&rt, "app.localhostXYZ", 13, "/", 1));
	ck_assert_ptr_nonnull(router_match(&rt, "app.localhost", 13, "/aXYZ", 2));
	router_free(&rt);
}
END_TEST

/* Host and target as a request carries them (router_match_target). */
static void assert_target(const struct router *rt, const char *host, const char *target,
			  const char *spec, const char *origin)
{
	const struct route *r;
	const char *o;
	size_t olen;

	r = router_match_target(rt, host, host ? strlen(host) : 0, target, strlen(target), &o,
				&olen);
	if (spec == NULL) {
		ck_assert_msg(r == NULL, "%s %s: matched %s", host, target, r ? r->spec : "");
		return;
	}
	ck_assert_msg(r != NULL && strcmp(r->spec, spec) == 0, "%s %s: matched %s, want %s", host,
		      target, r ? r->spec : "nothing", spec);
	ck_assert_msg(olen == strlen(origin) && memcmp(o, origin, olen) == 0,
		      "%s %s: origin %.*s, want %s", host, target, (int)olen, o, origin);
}

START_TEST(test_match_target)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/=:1");
	add(&rt, "app.localhost=:2");
	add(&rt, "/api=:3");
	add(&rt, "app.localhost/api=:4");
	assert_target(&rt, "app.localhost", "/api?x=/y", "app.localhost/api=:4", "/api?x=/y");
	assert_target(&rt, "app.localhost.", "/apix", "app.localhost=:2", "/apix");
	assert_target(&rt, "other", "/api?q", "/api=:3", "/api?q");
	assert_target(&rt, "other", "/ap?i", "/=:1", "/ap?i");
	/* The query is no part of the path, a fragment is. */
	assert_target(&rt, "other", "/api#x", "/=:1", "/api#x");
	/* Absolute form: its authority is the Host, normalised the same way. */
	assert_target(&rt, "other", "http://APP.localhost.:80/api/x", "app.localhost/api=:4",
		      "/api/x");
	assert_target(&rt, "app.localhost", "http://other/api", "/api=:3", "/api");
	assert_target(&rt, NULL, "HTTP://app.localhost", "app.localhost=:2", "/");
	/* "/" takes what is not a path, as before. */
	assert_target(&rt, NULL, "*", "/=:1", "*");
	router_free(&rt);

	router_init(&rt);
	add(&rt, "app.localhost=:2");
	assert_target(&rt, "other", "/x", NULL, NULL);
	assert_target(&rt, "app.localhost..", "/x", NULL, NULL);
	router_free(&rt);
}
END_TEST

/* router_may_outrank on the routes of rt, by index. */
static int outranks(const struct router *rt, size_t r, size_t k)
{
	return router_may_outrank(&rt->routes[r], &rt->routes[k]);
}

START_TEST(test_may_outrank)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/=:1");		/* 0 */
	add(&rt, "/api=:2");		/* 1 */
	add(&rt, "app.localhost=:3");	/* 2 */
	add(&rt, "app.localhost/x=:4"); /* 3 */
	add(&rt, "other.localhost=:5"); /* 4 */
	add(&rt, "/apix=:6");		/* 5 */
	add(&rt, "/b=:7");		/* 6 */
	/* A longer prefix over a shorter one it extends, never the reverse. */
	ck_assert_int_eq(outranks(&rt, 1, 0), 1);
	ck_assert_int_eq(outranks(&rt, 0, 1), 0);
	/* Prefixes that cannot share a path; "/apix" counts (too careful). */
	ck_assert_int_eq(outranks(&rt, 6, 1), 0);
	ck_assert_int_eq(outranks(&rt, 5, 1), 1);
	/* A Host route over any host-less one it overlaps, however short. */
	ck_assert_int_eq(outranks(&rt, 2, 1), 1);
	ck_assert_int_eq(outranks(&rt, 3, 0), 1);
	ck_assert_int_eq(outranks(&rt, 3, 1), 0);
	ck_assert_int_eq(outranks(&rt, 1, 2), 0);
	/* Same host: by prefix; other hosts: never. */
	ck_assert_int_eq(outranks(&rt, 3, 2), 1);
	ck_assert_int_eq(outranks(&rt, 2, 3), 0);
	ck_assert_int_eq(outranks(&rt, 4, 2), 0);
	ck_assert_int_eq(outranks(&rt, 4, 3), 0);
	router_free(&rt);
}
END_TEST

/* router_kernel_refusal with a small table: 4 routes, hosts of 8, prefixes of 4. */
static const char *refusal(const struct router *rt, size_t id)
{
	static const struct router_kernel_limits lim = {
	    .routes = 4, .host_max = 8, .prefix_max = 4};

	return router_kernel_refusal(rt, id, &lim);
}

START_TEST(test_kernel_refusal)
{
	struct router rt;

	router_init(&rt);
	add(&rt, "/=127.0.0.1:1");		/* 0 */
	add(&rt, "/rw/=http://127.0.0.1:2/x/"); /* 1 */
	add(&rt, "/six=[::1]:3");		/* 2 */
	add(&rt, "/abc=127.0.0.1:4");		/* 3 */
	add(&rt, "/z=127.0.0.1:5");		/* 4: past the table */
	ck_assert_ptr_null(refusal(&rt, 3));
	ck_assert_str_eq(refusal(&rt, 1), "rewrites the path");
	ck_assert_ptr_null(refusal(&rt, 2)); /* IPv6 backends as IPv4 ones */
	ck_assert_str_eq(refusal(&rt, 4), "past the kernel's route table");
	/* "/z" past the table may outrank "/": the kernel cannot tell, so "/"
	 * stays in userspace; "/abc" shares no path with "/z". */
	ck_assert_str_eq(refusal(&rt, 0), "a route the kernel cannot hold may outrank it");
	router_free(&rt);

	router_init(&rt);
	add(&rt, "/=127.0.0.1:1");		    /* 0 */
	add(&rt, "/longer=127.0.0.1:2");	    /* 1: prefix too long */
	add(&rt, "averyverylong.test=127.0.0.1:3"); /* 2: host too long */
	add(&rt, "app.test/ab=127.0.0.1:4");	    /* 3 */
	add(&rt, "/d=.");			    /* past the table, a directory */
	ck_assert_str_eq(refusal(&rt, 1), "host or prefix too long for the kernel");
	ck_assert_str_eq(refusal(&rt, 2), "host or prefix too long for the kernel");
	ck_assert_str_eq(refusal(&rt, 4), "a directory");
	ck_assert_str_eq(refusal(&rt, 0), "a route the kernel cannot hold may outrank it");
	/* A Host route only the other Host's route could outrank. */
	ck_assert_ptr_null(refusal(&rt, 3));
	router_free(&rt);
}
END_TEST

static void rewrite(const char *spec, const char *target, const char *want)
{
	struct route r;
	char out[256];
	int n;

	parse_ok(spec, &r);
	n = router_rewrite(&r, target, strlen(target), out, sizeof(out));
	ck_assert_msg(n >= 0, "rewrite %s %s: %d", spec, target, n);
	ck_assert_msg(strcmp(out, want) == 0, "rewrite %s %s = '%s', want '%s'", spec, target, out,
		      want);
	ck_assert_int_eq(n, (int)strlen(want));
	route_free(&r);
}

START_TEST(test_rewrite)
{
	/* No replacement: the target as is. */
	rewrite("/api=:3000", "/api/users?x=1", "/api/users?x=1");
	rewrite("/api=http://127.0.0.1:3000", "/api/x", "/api/x");
	/* The examples of the contract. */
	rewrite("/api/=http://127.0.0.1:3000/", "/api/users?x=1", "/users?x=1");
	rewrite("/api/=http://127.0.0.1:3000/", "/api/", "/");
	rewrite("/api/=http://127.0.0.1:3000/", "/api/?q", "/?q");
	rewrite("/api=http://127.0.0.1:3000/", "/api", "/");
	rewrite("/api=http://127.0.0.1:3000/", "/api/x", "/x");
	rewrite("/api=http://127.0.0.1:3000/", "/api?q=1", "/?q=1");
	rewrite("/api=http://127.0.0.1:3000/", "/api//x", "//x");
	rewrite("/api=http://127.0.0.1:3000/v1", "/api/x", "/v1/x");
	rewrite("/api=http://127.0.0.1:3000/v1", "/api", "/v1");
	rewrite("/api=http://127.0.0.1:3000/v1", "/api?a=b", "/v1?a=b");
	rewrite("/api/=http://127.0.0.1:3000/v1/", "/api/x/y", "/v1/x/y");
	rewrite("/=http://127.0.0.1:3000/v1/", "/x", "/v1/x");
	rewrite("/=http://127.0.0.1:3000/", "/", "/");
	rewrite("/=http://127.0.0.1:3000/", "/?a", "/?a");
	rewrite("host/api=http://127.0.0.1:3000/", "/api/x", "/x");
	/* nginx's rule taken literally: no '/' is invented at the join. */
	rewrite("/api/=http://127.0.0.1:3000/v1", "/api/x", "/v1x");
}
END_TEST

START_TEST(test_rewrite_nospace)
{
	struct route r;
	char out[8];

	parse_ok("/api=:3000", &r);
	ck_assert_int_eq(router_rewrite(&r, "/api/1234", 9, out, sizeof(out)), -ENOSPC);
	ck_assert_int_eq(router_rewrite(&r, "/api/123", 8, out, sizeof(out)), -ENOSPC);
	ck_assert_int_eq(router_rewrite(&r, "/api/12", 7, out, sizeof(out)), 7);
	ck_assert_str_eq(out, "/api/12");
	ck_assert_int_eq(router_rewrite(&r, "/", 1, out, 0), -ENOSPC);
	route_free(&r);

	parse_ok("/api=http://127.0.0.1:3000/v1", &r);
	ck_assert_int_eq(router_rewrite(&r, "/api/1234", 9, out, sizeof(out)), -ENOSPC);
	ck_assert_int_eq(router_rewrite(&r, "/api/123", 8, out, sizeof(out)), 7);
	ck_assert_str_eq(out, "/v1/123");
	ck_assert_int_eq(router_rewrite(&r, "/api", 4, out, 3), -ENOSPC);
	ck_assert_int_eq(router_rewrite(&r, "/api", 4, out, 4), 3);
	route_free(&r);
}
END_TEST

static Suite *router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_prefix_backend);
	tcase_add_test(tc, test_empty_left_side);
	tcase_add_test(tc, test_port_only);
	tcase_add_test(tc, test_ipv6_backend);
	tcase_add_test(tc, test_named_backend);
	tcase_add_test(tc, test_no_equals_is_target);
	tcase_add_test(tc, test_host_route);
	tcase_add_test(tc, test_host_prefix_route);
	tcase_add_test(tc, test_host_trailing_dot_and_v6);
	tcase_add_test(tc, test_host_normalize);
	tcase_add_test(tc, test_http_targets);
	tcase_add_test(tc, test_port_alone);
	tcase_add_test(tc, test_backend_trailing_slash);
	tcase_add_test(tc, test_near_misses);
	tcase_add_test(tc, test_scheme_errors);
	tcase_add_test(tc, test_port_errors);
	tcase_add_test(tc, test_host_errors);
	tcase_add_test(tc, test_prefix_errors);
	tcase_add_test(tc, test_empty_target);
	tcase_add_test(tc, test_err_null_ok);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("directory");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_directory_target);
	tcase_add_test(tc, test_directory_errors);
	tcase_add_test(tc, test_directory_named_like_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("router");
	tcase_add_test(tc, test_router_add_ids);
	tcase_add_test(tc, test_router_duplicates);
	tcase_add_test(tc, test_route_names);
	tcase_add_test(tc, test_match_longest_prefix);
	tcase_add_test(tc, test_match_no_catch_all);
	tcase_add_test(tc, test_match_host);
	tcase_add_test(tc, test_match_host_first);
	tcase_add_test(tc, test_match_host_only);
	tcase_add_test(tc, test_match_target);
	tcase_add_test(tc, test_may_outrank);
	tcase_add_test(tc, test_kernel_refusal);
	suite_add_tcase(s, tc);

	tc = tcase_create("rewrite");
	tcase_add_test(tc, test_rewrite);
	tcase_add_test(tc, test_rewrite_nospace);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(router_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
