/* SPDX-License-Identifier: MIT */
/* Command line parsing: every option, every error path, the defaults. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/*
 * By path: a quoted "config.h" from tests/ would find autoconf's config.h
 * first, since -I$(top_builddir) precedes -I$(top_srcdir)/src.
 */
#include "../src/config.h"

#define ARGV(...) ((char *[]){"zeroserve", __VA_ARGS__, NULL})
#define NOARGS	  ((char *[]){"zeroserve", NULL})

static char err[512];
static struct config cfg;

static int argv_count(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static int parse(char **argv)
{
	err[0] = '\0';
	return config_parse(&cfg, argv_count(argv), argv, err, sizeof(err));
}

static void parse_ok(char **argv)
{
	int rc = parse(argv);

	ck_assert_msg(rc == CONFIG_RUN, "config_parse = %d: %s", rc, err);
	ck_assert_str_eq(err, "");
}

/* -EINVAL, a one-line message containing needle, and nothing left allocated. */
static void parse_bad(char **argv, const char *needle)
{
	int rc = parse(argv);

	ck_assert_msg(rc == -EINVAL, "config_parse = %d, want -EINVAL (%s)", rc, err);
	ck_assert_msg(strstr(err, needle), "error lacks \"%s\": %s", needle, err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(cfg.nlistens, 0);
	ck_assert_ptr_null(cfg.listens);
	ck_assert_ptr_null(cfg.listen_text);
	ck_assert_ptr_null(cfg.router.routes);
	ck_assert_ptr_null(cfg.cgroup);
	ck_assert_ptr_null(cfg.access_log);
	config_free(&cfg);
}

/* Runs config_parse with stdout captured; returns what it printed (malloc'd). */
static char *parse_capture(char **argv, int *rc)
{
	FILE *tmp = tmpfile();
	int saved;
	long len;
	char *out;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	*rc = parse(argv);
	fflush(stdout);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	close(saved);
	len = ftell(tmp);
	ck_assert_int_ge(len, 0);
	out = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(out);
	rewind(tmp);
	ck_assert_uint_eq(fread(out, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return out;
}

static void listen_is(size_t i, const char *text, const char *canonical)
{
	char buf[64];

	ck_assert_uint_lt(i, cfg.nlistens);
	ck_assert_str_eq(cfg.listen_text[i], text);
	ck_assert_str_eq(addr_format(&cfg.listens[i], buf, sizeof(buf)), canonical);
}

START_TEST(test_defaults)
{
	parse_ok(NOARGS);
	ck_assert_uint_eq(cfg.nlistens, 1);
	listen_is(0, "127.0.0.1:8080", "127.0.0.1:8080");
	ck_assert_uint_eq(cfg.router.n, 0);
	ck_assert_int_eq(cfg.verbosity, 0);
	ck_assert_int_eq(cfg.no_bpf, 0);
	ck_assert_ptr_null(cfg.cgroup);
	ck_assert_ptr_null(cfg.access_log);
	ck_assert_int_eq(cfg.log_format, LOGFMT_TEXT);
	ck_assert_uint_eq(cfg.upstream_timeout_ms, 60000);
	ck_assert_uint_eq(cfg.connect_timeout_ms, 1000);
	ck_assert_uint_eq(cfg.idle_timeout_ms, 60000);
	ck_assert_uint_eq(cfg.header_timeout_ms, 10000);
	ck_assert_uint_eq(cfg.shutdown_timeout_ms, 10000);
	ck_assert_uint_eq(cfg.max_conns, 4096);
	ck_assert_uint_eq(cfg.backend_max_conns, 64);
	ck_assert_uint_eq(cfg.backend_max_connecting, 4);
	ck_assert_uint_eq(cfg.queue_timeout_ms, 60000);
	config_free(&cfg);
	/* Idempotent. */
	config_free(&cfg);
	ck_assert_uint_eq(cfg.nlistens, 0);
}
END_TEST

START_TEST(test_argc_zero)
{
	char *argv[] = {NULL};

	ck_assert_int_eq(config_parse(&cfg, 0, argv, err, sizeof(err)), CONFIG_RUN);
	ck_assert_uint_eq(cfg.nlistens, 1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_listen)
{
	parse_ok(ARGV("-l", ":9000", "--listen", "[::1]:9001", "--listen=127.0.0.2:9002",
		      "-l127.0.0.3:9003", "--li", "localhost:9004"));
	ck_assert_uint_eq(cfg.nlistens, 5);
	listen_is(0, ":9000", "127.0.0.1:9000");
	listen_is(1, "[::1]:9001", "[::1]:9001");
	listen_is(2, "127.0.0.2:9002", "127.0.0.2:9002");
	listen_is(3, "127.0.0.3:9003", "127.0.0.3:9003");
	listen_is(4, "localhost:9004", "127.0.0.1:9004");
	config_free(&cfg);
}
END_TEST

START_TEST(test_listen_same_port_other_host)
{
	parse_ok(ARGV("-l", "127.0.0.1:8080", "-l", "127.0.0.2:8080", "-l", "[::1]:8080", "-l",
		      "127.0.0.1:8081"));
	ck_assert_uint_eq(cfg.nlistens, 4);
	config_free(&cfg);
}
END_TEST

START_TEST(test_verbosity)
{
	parse_ok(ARGV("-v"));
	ck_assert_int_eq(cfg.verbosity, 1);
	config_free(&cfg);
	parse_ok(ARGV("-v", "-vv", "--verbose"));
	ck_assert_int_eq(cfg.verbosity, 4);
	config_free(&cfg);
	parse_ok(ARGV("-q"));
	ck_assert_int_eq(cfg.verbosity, -1);
	config_free(&cfg);
	parse_ok(ARGV("-vv", "--quiet"));
	ck_assert_int_eq(cfg.verbosity, -1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_flags_and_strings)
{
	parse_ok(ARGV("--no-bpf", "--check", "--access-log", "-", "--log-format", "json"));
	ck_assert_int_eq(cfg.no_bpf, 1);
	ck_assert_int_eq(cfg.check, 1);
	ck_assert_ptr_null(cfg.cgroup);
	ck_assert_str_eq(cfg.access_log, "-");
	ck_assert_int_eq(cfg.log_format, LOGFMT_JSON);
	config_free(&cfg);

	/* Repeated: the last one wins, the earlier one is freed. */
	parse_ok(ARGV("--access-log=/tmp/a.log", "--access-log", "/tmp/b.log", "--cgroup=/a",
		      "--cgroup=/b", "--log-format=json", "--log-format=text"));
	ck_assert_str_eq(cfg.access_log, "/tmp/b.log");
	ck_assert_str_eq(cfg.cgroup, "/b");
	ck_assert_int_eq(cfg.check, 0);
	ck_assert_int_eq(cfg.log_format, LOGFMT_TEXT);
	config_free(&cfg);
}
END_TEST

START_TEST(test_timeouts)
{
	parse_ok(ARGV("--upstream-timeout", "30", "--connect-timeout", "500ms", "--idle-timeout",
		      "2m", "--header-timeout=5s", "--shutdown-timeout=1", "--max-conns", "10"));
	ck_assert_uint_eq(cfg.upstream_timeout_ms, 30000);
	ck_assert_uint_eq(cfg.connect_timeout_ms, 500);
	ck_assert_uint_eq(cfg.idle_timeout_ms, 120000);
	ck_assert_uint_eq(cfg.header_timeout_ms, 5000);
	ck_assert_uint_eq(cfg.shutdown_timeout_ms, 1000);
	ck_assert_uint_eq(cfg.max_conns, 10);
	config_free(&cfg);
	parse_ok(ARGV("--max-conns=2147483647"));
	ck_assert_uint_eq(cfg.max_conns, 2147483647u);
	config_free(&cfg);
}
END_TEST

START_TEST(test_backend_limits)
{
	parse_ok(ARGV("--backend-max-conns", "8", "--backend-max-connecting=1", "--queue-timeout",
		      "500ms"));
	ck_assert_uint_eq(cfg.backend_max_conns, 8);
	ck_assert_uint_eq(cfg.backend_max_connecting, 1);
	ck_assert_uint_eq(cfg.queue_timeout_ms, 500);
	config_free(&cfg);
	parse_bad(ARGV("--backend-max-conns", "0"),
		  "bad --backend-max-conns '0': expected a number from 1 to 2147483647");
	parse_bad(ARGV("--backend-max-connecting", "-1"),
		  "bad --backend-max-connecting '-1': expected a number from 1 to 2147483647");
	parse_bad(ARGV("--queue-timeout", "0"),
		  "bad --queue-timeout '0': expected a positive duration like 30s, 500ms or 2m");
	parse_bad(ARGV("--backend-max-conn", "1"), "ambiguous option '--backend-max-conn'");
}
END_TEST

START_TEST(test_routes)
{
	parse_ok(ARGV("-l", ":8081", "/api=127.0.0.1:3001", "app.localhost=:3002",
		      "/api/=http://127.0.0.1:3001/", "."));
	ck_assert_uint_eq(cfg.router.n, 4);
	ck_assert_str_eq(cfg.router.routes[0].prefix, "/api");
	ck_assert_str_eq(cfg.router.routes[1].host, "app.localhost");
	ck_assert_str_eq(cfg.router.routes[2].replace, "/");
	ck_assert_int_eq(cfg.router.routes[3].kind, ROUTE_DIRECTORY);
	ck_assert_str_eq(cfg.router.routes[3].prefix, "/");
	ck_assert_uint_eq(cfg.router.routes[3].id, 3);
	config_free(&cfg);
}
END_TEST

START_TEST(test_options_after_routes)
{
	/* GNU argument permutation: options may follow the routes. */
	parse_ok(ARGV("/=:3000", "-v", "/api=:3001", "--listen", ":9999"));
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_uint_eq(cfg.router.n, 2);
	ck_assert_str_eq(cfg.router.routes[0].spec, "/=:3000");
	ck_assert_str_eq(cfg.router.routes[1].spec, "/api=:3001");
	listen_is(0, ":9999", "127.0.0.1:9999");
	config_free(&cfg);
}
END_TEST

START_TEST(test_double_dash)
{
	parse_bad(ARGV("--", "-v"), "bad route '-v'");
	parse_ok(ARGV("-v", "--", "/=:3000"));
	ck_assert_uint_eq(cfg.router.n, 1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_help)
{
	int rc;
	char *out = parse_capture(ARGV("-h"), &rc);

	ck_assert_int_eq(rc, CONFIG_EXIT);
	ck_assert_ptr_nonnull(strstr(out, "usage: zeroserve"));
	ck_assert_uint_eq(cfg.nlistens, 0);
	free(out);
	/* Help wins over anything after it. */
	out = parse_capture(ARGV("--help", "--frobnicate"), &rc);
	ck_assert_int_eq(rc, CONFIG_EXIT);
	ck_assert_ptr_nonnull(strstr(out, "usage: zeroserve"));
	free(out);
	config_free(&cfg);
}
END_TEST

START_TEST(test_version)
{
	int rc;
	char *out = parse_capture(ARGV("-V"), &rc);

	ck_assert_int_eq(rc, CONFIG_EXIT);
	ck_assert_msg(strncmp(out, "zeroserve ", 10) == 0, "%s", out);
	ck_assert_msg(out[10] >= '0' && out[10] <= '9', "%s", out);
	ck_assert_msg(out[strlen(out) - 1] == '\n' && !strchr(out, '\n')[1], "%s", out);
	free(out);
	out = parse_capture(ARGV("-v", "--version"), &rc);
	ck_assert_int_eq(rc, CONFIG_EXIT);
	ck_assert_ptr_nonnull(strstr(out, "zeroserve "));
	free(out);
}
END_TEST

START_TEST(test_usage)
{
	static const char *const want[] = {
	    "--listen",
	    "-l",
	    "--help",
	    "-h",
	    "--version",
	    "-V",
	    "--verbose",
	    "-v",
	    "--quiet",
	    "-q",
	    "--no-bpf",
	    "--cgroup",
	    "--check",
	    "--access-log",
	    "--log-format",
	    "--upstream-timeout",
	    "--connect-timeout",
	    "--idle-timeout",
	    "--header-timeout",
	    "--shutdown-timeout",
	    "--max-conns",
	    "--backend-max-conns",
	    "--backend-max-connecting",
	    "--queue-timeout",
	    "ROUTE",
	    "TARGET",
	    "[HOST][/PREFIX]=TARGET",
	    "http://HOST:PORT[/PATH]",
	};
	FILE *f = tmpfile();
	char buf[8192];
	size_t n, i;

	ck_assert_ptr_nonnull(f);
	config_usage(f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(buf, want[i]), "usage lacks %s", want[i]);
}
END_TEST

START_TEST(test_unknown_options)
{
	parse_bad(ARGV("--frobnicate"), "unknown option '--frobnicate'");
	parse_bad(ARGV("/=:3000", "--frobnicate=1"), "unknown option '--frobnicate=1'");
	parse_bad(ARGV("-x"), "unknown option '-x'");
	parse_bad(ARGV("-vx"), "unknown option '-x'");
	parse_bad(ARGV("-xv"), "unknown option '-x'");
	parse_bad(ARGV("--c", "x"), "ambiguous option '--c'");
	parse_bad(ARGV("--help=yes"), "option '--help' does not take an argument");
	parse_bad(ARGV("--no-bpf=1"), "option '--no-bpf' does not take an argument");
	parse_bad(ARGV("--verb=1"), "option '--verbose' does not take an argument");
}
END_TEST

START_TEST(test_missing_arguments)
{
	static const char *const opts[] = {
	    "listen",		"cgroup",	   "access-log",	"log-format",
	    "upstream-timeout", "connect-timeout", "idle-timeout",	"header-timeout",
	    "shutdown-timeout", "max-conns",	   "backend-max-conns", "backend-max-connecting",
	    "queue-timeout",
	};
	char opt[64], want[128];
	size_t i;

	parse_bad(ARGV("-l"), "option '-l' needs an argument");
	parse_bad(ARGV("-vl"), "option '-l' needs an argument");
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(opt, sizeof(opt), "--%s", opts[i]);
		snprintf(want, sizeof(want), "option '--%s' needs an argument", opts[i]);
		parse_bad(ARGV("-v", opt), want);
	}
}
END_TEST

START_TEST(test_bad_listen)
{
	parse_bad(ARGV("-l", "x"), "bad --listen address 'x': missing port");
	parse_bad(ARGV("--listen", ":0"), "bad --listen address ':0': port '0' out of range");
	parse_bad(ARGV("-l", "127.0.0.1:abc"), "bad --listen address '127.0.0.1:abc': bad port");
	parse_bad(ARGV("-l", "::1:80"), "bad --listen address '::1:80'");
	/* The address is named once, not again by addr_parse's own prefix. */
	parse(ARGV("-l", "x"));
	ck_assert_ptr_null(strstr(err, "bad address"));
	config_free(&cfg);
}
END_TEST

START_TEST(test_duplicate_listen)
{
	parse_bad(ARGV("-l", ":8080", "-l", ":8080"), "duplicate --listen address ':8080'");
	parse_bad(ARGV("-l", ":8080", "-l", "127.0.0.1:8080"),
		  "duplicate --listen address '127.0.0.1:8080' (same as ':8080')");
	parse_bad(ARGV("-l", "[::1]:1", "-l", "[0::1]:1"), "duplicate --listen address '[0::1]:1'");
}
END_TEST

START_TEST(test_bad_values)
{
	parse_bad(ARGV("--log-format", "xml"), "bad --log-format 'xml': expected text or json");
	parse_bad(ARGV("--log-format="), "bad --log-format ''");
	parse_bad(ARGV("--cgroup", ""), "bad --cgroup ''");
	parse_bad(ARGV("--no-bpf", "--cgroup", "/sys/fs/cgroup/zs"),
		  "--cgroup and --no-bpf together");
	parse_bad(ARGV("--cgroup=/sys/fs/cgroup/zs", "--no-bpf"), "--cgroup and --no-bpf together");
	parse_bad(ARGV("--access-log="), "bad --access-log ''");
	parse_bad(ARGV("--max-conns", "0"), "bad --max-conns '0'");
	parse_bad(ARGV("--max-conns", "-1"), "bad --max-conns '-1'");
	parse_bad(ARGV("--max-conns", "abc"), "bad --max-conns 'abc'");
	parse_bad(ARGV("--max-conns", "10x"), "bad --max-conns '10x'");
	parse_bad(ARGV("--max-conns", ""), "bad --max-conns ''");
	parse_bad(ARGV("--max-conns", "2147483648"), "bad --max-conns '2147483648'");
	parse_bad(ARGV("--max-conns", "99999999999999999999999"), "bad --max-conns");
}
END_TEST

START_TEST(test_bad_durations)
{
	static const char *const opts[] = {
	    "upstream-timeout", "connect-timeout",  "idle-timeout",
	    "header-timeout",	"shutdown-timeout",
	};
	static const char *const vals[] = {"0", "0ms", "-1", "1.5s",	   "5x",
					   "",	"ms",  "1h", "99999999999"};
	char opt[64], want[128];
	size_t i, j;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(opt, sizeof(opt), "--%s", opts[i]);
		for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
			snprintf(want, sizeof(want), "bad --%s '%s'", opts[i], vals[j]);
			parse_bad(ARGV(opt, (char *)vals[j]), want);
		}
	}
}
END_TEST

START_TEST(test_bad_routes)
{
	parse_bad(ARGV("/=https://127.0.0.1:3000"), "bad route '/=https://127.0.0.1:3000'");
	parse_bad(ARGV("/api=foo:bar"), "bad route '/api=foo:bar'");
	parse_bad(ARGV("app.localhost:8080=:3000"), "omit the port");
	parse_bad(ARGV("-v", "/api=:1", "/api=:2"), "duplicate route '/api=:2'");
	parse_bad(ARGV("./no-such-dir-zeroserve"), "'./no-such-dir-zeroserve' is not a directory");
}
END_TEST

START_TEST(test_reparse)
{
	/* getopt state is reset: errors mid-cluster do not leak into the next call. */
	parse_bad(ARGV("-vxv"), "unknown option '-x'");
	parse_ok(ARGV("-vv", "/=:3000"));
	ck_assert_int_eq(cfg.verbosity, 2);
	ck_assert_uint_eq(cfg.router.n, 1);
	config_free(&cfg);
	parse_bad(ARGV("/=:3000", "-l"), "needs an argument");
	parse_ok(ARGV("-q", "/x=:3000", "/y=:3001"));
	ck_assert_int_eq(cfg.verbosity, -1);
	ck_assert_uint_eq(cfg.router.n, 2);
	config_free(&cfg);
}
END_TEST

START_TEST(test_err_optional)
{
	ck_assert_int_eq(config_parse(&cfg, 2, ARGV("--frobnicate"), NULL, 0), -EINVAL);
	ck_assert_int_eq(config_parse(&cfg, 2, ARGV("--frobnicate"), err, 8), -EINVAL);
	ck_assert_str_eq(err, "unknown");
}
END_TEST

static void duration_ok(const char *s, unsigned int want)
{
	unsigned int ms = 12345;

	ck_assert_msg(config_parse_duration(s, &ms) == 0, "'%s' rejected", s);
	ck_assert_msg(ms == want, "'%s' = %u ms, want %u", s, ms, want);
}

static void duration_bad(const char *s)
{
	unsigned int ms = 12345;

	ck_assert_msg(config_parse_duration(s, &ms) == -EINVAL, "'%s' accepted", s);
	ck_assert_uint_eq(ms, 12345);
}

START_TEST(test_sizes)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
	    {"0", 0},
	    {"1", 1},
	    {"1048576", 1048576},
	    {"512k", 524288},
	    {"512K", 524288},
	    {"10m", 10485760},
	    {"1g", 1073741824},
	    {"8589934591g", 8589934591ULL << 30},
	};
	static const char *const bad[] = {"",	  "k",	  "-1",		 "+1",
					  " 5",	  "5 ",	  "1kb",	 "1t",
					  "0x10", "1.5m", "8589934592g", "99999999999999999999"};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(config_parse_size(good[i].s, &v) == 0, "'%s' rejected", good[i].s);
		ck_assert_uint_eq(v, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(config_parse_size(bad[i], &v) == -EINVAL, "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(test_max_body_option)
{
	parse_ok(ARGV("--max-body", "64k", "/=:1"));
	ck_assert_uint_eq(cfg.max_body, 65536);
	config_free(&cfg);
	parse_ok(ARGV("/=:1"));
	ck_assert_uint_eq(cfg.max_body, 1ULL << 30);
	config_free(&cfg);
	parse_bad(ARGV("--max-body", "1kb", "/=:1"), "--max-body '1kb'");
}
END_TEST

START_TEST(test_durations)
{
	duration_ok("30", 30000);
	duration_ok("30s", 30000);
	duration_ok("500ms", 500);
	duration_ok("2m", 120000);
	duration_ok("1ms", 1);
	duration_ok("007s", 7000);
	duration_ok("4294967295ms", 4294967295u);
	duration_ok("4294967s", 4294967000u);
	duration_ok("71582m", 4294920000u);
	duration_bad("4294967296ms");
	duration_bad("4294968s");
	duration_bad("4294968");
	duration_bad("71583m");
	duration_bad("99999999999999999999999999s");
	duration_bad(NULL);
	duration_bad("");
	duration_bad("0");
	duration_bad("0s");
	duration_bad("0ms");
	duration_bad("0m");
	duration_bad("s");
	duration_bad("ms");
	duration_bad("-1");
	duration_bad("+1");
	duration_bad(" 1");
	duration_bad("1 ");
	duration_bad("1h");
	duration_bad("1S");
	duration_bad("1.5");
	duration_bad("10sec");
	duration_bad("1ms1");
}
END_TEST

/* The guard's lists: options, listen addresses, route hosts (allow.h). */
START_TEST(test_allow_lists)
{
	static const char h1[] = "dev.example.test:8080", h2[] = "api.test",
			  h3[] = "a.preview.test";
	static const char h4[] = "other.test", o1[] = "https://app.example.com";

	parse_ok(ARGV("-l", "127.0.0.1:8080", "--allow-host", "dev.example.test", "--allow-host",
		      "*.preview.test", "--allow-origin", "https://app.example.com/",
		      "api.test/x=127.0.0.1:3001", "/=127.0.0.1:3000"));
	ck_assert(allow_host(&cfg.allow, h1, sizeof(h1) - 1));
	ck_assert(allow_host(&cfg.allow, h2, sizeof(h2) - 1));
	ck_assert(allow_host(&cfg.allow, h3, sizeof(h3) - 1));
	ck_assert(!allow_host(&cfg.allow, h4, sizeof(h4) - 1));
	ck_assert(allow_origin(&cfg.allow, o1, sizeof(o1) - 1));
	ck_assert(!cfg.allow.any_host && !cfg.allow.any_origin);
	config_free(&cfg);
	/* "*" for both: the checks off. */
	parse_ok(ARGV("--allow-host", "*", "--allow-origin", "*"));
	ck_assert(cfg.allow.any_host && cfg.allow.any_origin);
	config_free(&cfg);
}
END_TEST

START_TEST(test_bad_allow)
{
	parse_bad(ARGV("--allow-host", "name:80"), "--allow-host 'name:80': omit the port");
	parse_bad(ARGV("--allow-host", "a/b"), "bad --allow-host 'a/b'");
	parse_bad(ARGV("--allow-host", ""), "bad --allow-host ''");
	parse_bad(ARGV("--allow-origin", "http://h/path"), "bad --allow-origin 'http://h/path'");
	parse_bad(ARGV("--allow-origin", "not a url"), "bad --allow-origin");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_argc_zero);
	tcase_add_test(tc, test_listen);
	tcase_add_test(tc, test_listen_same_port_other_host);
	tcase_add_test(tc, test_verbosity);
	tcase_add_test(tc, test_flags_and_strings);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_backend_limits);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_options_after_routes);
	tcase_add_test(tc, test_double_dash);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_reparse);
	tcase_add_test(tc, test_allow_lists);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_unknown_options);
	tcase_add_test(tc, test_missing_arguments);
	tcase_add_test(tc, test_bad_listen);
	tcase_add_test(tc, test_duplicate_listen);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_bad_durations);
	tcase_add_test(tc, test_bad_routes);
	tcase_add_test(tc, test_bad_allow);
	tcase_add_test(tc, test_err_optional);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("duration");
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_max_body_option);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
