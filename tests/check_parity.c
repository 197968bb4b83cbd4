/* SPDX-License-Identifier: MIT */
/*
 * The engines agree: the kernel's head reader (bpf/zs.bpf.c, run through
 * tests/kshim) and userspace (src/http.c, src/router.c) on a seeded corpus
 * of request heads, valid and odd, on several route sets (tests/kshim/parity.h
 * states the rule). A disagreement prints the head and the seed's case number.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim/kshim.h"
#include "kshim/parity.h"

#define CORPUS 20000 /* heads per route set */

static uint64_t rng;

/* splitmix64: the same corpus on every machine. */
static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(next() % n);
}

/* One in n. */
static int chance(unsigned int n)
{
	return pick(n) == 0;
}

/* Half the heads are wild: any oddity may show up in them. The others are
 * requests a client could well send, so the kernel has something to carry. */
static int wild;

/* One in n, in a wild head. */
static int odd(unsigned int n)
{
	return wild && chance(n);
}

#define PICK(a) (a)[pick(sizeof(a) / sizeof((a)[0]))]

struct head {
	char b[2048];
	size_t n;
};

static void putc_(struct head *h, char c)
{
	if (h->n < sizeof(h->b))
		h->b[h->n++] = c;
}

static void puts_(struct head *h, const char *s)
{
	while (*s != '\0')
		putc_(h, *s++);
}

static void eol(struct head *h)
{
	static const char *const ends[] = {"\n", "\r", "\r\r\n", "\n\r"};

	puts_(h, odd(20) ? PICK(ends) : "\r\n");
}

/* Bytes a target or a value might hold, the odd ones included. */
static char odd_byte(void)
{
	static const char set[] = "aZ09-._~!$&'()*+,;=:@/?#%\"<>\\^`{|} \t\x7f\x80\xff\x01";

	return set[pick(sizeof(set) - 1)];
}

static const char *const hosts[] = {
    "app.test",
    "APP.TEST",
    "App.Test.",
    "app.test.",
    "app.test..",
    "app.test:8080",
    "app.test.:8080",
    "app.test:",
    "app.test:abc",
    "app.test:80:1",
    "other.test",
    "OTHER.test.:1",
    "app2.test",
    "app2.test.",
    "xapp.test",
    "app.testx",
    "app",
    "",
    ".",
    ":8080",
    "[::1]",
    "[::1]:8080",
    "[::1].",
    "[::1",
    "[::2]:80",
    "127.0.0.1",
    "127.0.0.1:8080",
    "user@app.test",
    "app.test,other",
    "app.test x",
    "app\"test",
    "app.test\x80",
    "localhost",
    "app_test",
    "-app.test",
};

static void put_host_value(struct head *h)
{
	const char *v = PICK(hosts);
	size_t i, n = strlen(v);

	if (chance(6)) {
		/* A long name: around ZS_HOST_MAX and XF_HOST_MAX. */
		static const unsigned int lens[] = {62, 63, 64, 65, 66, 127, 128, 129, 140};
		unsigned int len = PICK(lens);

		for (i = 0; i < len; i++)
			putc_(h, i % 10 == 9 ? '.' : (char)('a' + i % 26));
		if (chance(2))
			puts_(h, chance(2) ? "." : ":80");
		return;
	}
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (chance(8) && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		putc_(h, c);
	}
	if (odd(10))
		putc_(h, odd_byte());
}

/* "Host: v" and its odd spellings. */
static void put_host(struct head *h)
{
	static const char *const names[] = {"Host: ", "Host:",	 "host:  ",  "HOST:\t", "hOsT: \t",
					    "Host :", " Host: ", "Host\t: ", "Hos t: ", "Host::"};
	unsigned int i, blanks;

	puts_(h, odd(3) ? PICK(names) : "Host: ");
	if (odd(10)) {
		/* More blanks than the kernel trims in one go. */
		blanks = 100 + pick(200);
		for (i = 0; i < blanks; i++)
			putc_(h, chance(4) ? '\t' : ' ');
	}
	put_host_value(h);
	if (chance(8))
		puts_(h, chance(2) ? " " : " \t ");
	eol(h);
}

static void put_target(struct head *h)
{
	static const char *const bases[] = {
	    "/",
	    "/api",
	    "/api/",
	    "/api/x",
	    "/apix",
	    "/api?x=1",
	    "/api#f",
	    "//api",
	    "/./api",
	    "/api/../x",
	    "/%61pi",
	    "/api%2fx",
	    "/API",
	    "*",
	    "http://app.test/api",
	    "http://APP.TEST.:80/",
	    "http://app.test",
	    "/x/y",
	    "/v6/a",
	    "/static/a",
	    "/rw/x",
	    "/api/v1/x",
	    "/api/v1",
	    "api",
	    "",
	    "/a0/b",
	    "/a1",
	    "/z",
	    "/api;p",
	    "/api,x",
	    "/x/",
	    "/x",
	    "/six",
	    "/v6",
	    "/%2e%2e/api",
	    "/api/./x",
	    "/.%2e/x",
	    "/api%00",
	    "/api?",
	    "/?/api",
	};
	unsigned int i, n;

	puts_(h, PICK(bases));
	if (chance(3)) {
		n = 1 + pick(12);
		for (i = 0; i < n; i++)
			putc_(h, odd(3) ? odd_byte() : (char)('a' + pick(26)));
	}
	if (chance(10)) {
		/* Long targets: past the kernel's 512 bytes, or near them. */
		n = 100 + pick(500);
		putc_(h, '/');
		for (i = 0; i < n; i++)
			putc_(h, (char)('a' + pick(26)));
	}
}

static void put_request_line(struct head *h)
{
	static const char *const methods[] = {"GET",   "HEAD",	  "POST",    "PUT",   "DELETE",
					      "PATCH", "OPTIONS", "CONNECT", "TRACE", "get",
					      "GETX",  "PRI",	  "GET\t"};
	static const char *const plain[] = {"HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
	static const char *const versions[] = {"HTTP/1.0",  "HTTP/1.2", "HTTP/2.0",  "http/1.1",
					       "HTTP/1.1 ", "HTTP/11",	"HTTP/1.1\t"};

	if (odd(20))
		eol(h); /* an empty line before the request */
	puts_(h, odd(4) ? PICK(methods) : chance(4) ? PICK(plain) : "GET");
	puts_(h, odd(20) ? "  " : " ");
	put_target(h);
	puts_(h, odd(20) ? "  " : " ");
	puts_(h, odd(8) ? PICK(versions) : "HTTP/1.1");
	eol(h);
}

/* Content-Length's value; the length it announces, or -1. */
static long put_length(struct head *h)
{
	static const char *const odd_values[] = {
	    "00", " 7 ", "5,5", "-1", "abc", "+3", "1 2", "", "0x5", "99999999999999999", "3\t"};
	char d[24];
	long n;

	if (odd(4)) {
		const char *v = PICK(odd_values);

		puts_(h, v);
		/* Those a reader may take: their bodies follow. */
		if (strcmp(v, "00") == 0)
			return 0;
		return strcmp(v, " 7 ") == 0 ? 7 : strcmp(v, "3\t") == 0 ? 3 : -1;
	}
	n = chance(3) ? 0 : 1 + pick(40);
	snprintf(d, sizeof(d), "%ld", n);
	puts_(h, d);
	return n;
}

static void put_field(struct head *h, long *cl)
{
	static const char *const fields[] = {
	    "Accept: */*",
	    "User-Agent: parity/1.0",
	    "Connection: keep-alive",
	    "Connection: close",
	    "Connection: Keep-Alive",
	    "connection:keep-alive  ",
	    "Connection: keep-alive, x-foo",
	    "Connection: x-foo",
	    "Keep-Alive: timeout=5",
	    "Transfer-Encoding: chunked",
	    "Transfer-Encoding: identity",
	    "TE: trailers",
	    "Upgrade: websocket",
	    "Expect: 100-continue",
	    "Proxy-Connection: keep-alive",
	    "X-Forwarded-For: 10.0.0.1",
	    "X-Forwarded-Host: evil",
	    "X-Forwarded-Proto: https",
	    "Forwarded: for=1.2.3.4",
	    "Content-Lengtx: 5",
	    "Content-Length-X: 5",
	    "Hostx: app.test",
	    "X-Host: app.test",
	    "Origin: http://localhost:5173",
	    "origin:http://app.test ",
	    "Origin: \thttp://APP.test:8080",
	    "Origin: https://evil.example",
	    "Origin: null",
	    "Origin:",
	    "Origin: http://localhost:5173/",
	    "Originx: https://evil.example",
	    "X(y): 1",
	    "X\"y: 1",
	    "X y: 1",
	    "X@y: 1",
	    "X{y}: 1",
	    "X/y: 1",
	    "X[y]: 1",
	    "X=y: 1",
	    "X,y: 1",
	    "X;y: 1",
	    "X?y: 1",
	    "X\\y: 1",
	    "X<y>: 1",
	    "X!#$%&'*+-.^_`|~y: 1",
	    ": empty name",
	    "X-Empty:",
	    "X-Ctl: a\x01z",
	    "X-Del: a\x7fz",
	    "X-High: caf\xc3\xa9",
	    "X-Tab: a\tb",
	    " folded: continuation",
	    "\tfolded",
	    "X-Colon: a: b",
	    "Cookie: a=b; c=d",
	    "Content-Type: text/plain",
	};
	static const char *const fields_plain[] = {
	    "Accept: */*",
	    "User-Agent: parity/1.0",
	    "Connection: keep-alive",
	    "Cookie: a=b; c=d",
	    "Content-Type: text/plain",
	    "X-Colon: a: b",
	    "X-High: caf\xc3\xa9",
	    "X-Tab: a\tb",
	    "X-Empty:",
	    "X!#$%&'*+-.^_`|~y: 1",
	    "Accept-Encoding: gzip",
	    "Connection: close",
	};
	static const char *const cl_names[] = {
	    "Content-Length: ", "content-length:", "CONTENT-LENGTH:  ", "Content-Length :"};
	long n;

	if (chance(5)) {
		puts_(h, odd(3) ? PICK(cl_names) : "Content-Length: ");
		n = put_length(h);
		/* A second one counts as odd whatever it says. */
		*cl = *cl == -2 ? n : -1;
	} else {
		puts_(h, wild ? PICK(fields) : PICK(fields_plain));
	}
	eol(h);
}

/* A field that moves what follows by k bytes: every alignment of a word. */
static void put_pad(struct head *h)
{
	unsigned int i, k = pick(24);

	puts_(h, "X-Pad: ");
	for (i = 0; i < k; i++)
		putc_(h, 'p');
	eol(h);
}

static void gen(struct head *h)
{
	unsigned int i, left, hosts_left;
	long cl = -2; /* no Content-Length yet */

	h->n = 0;
	wild = chance(2);
	put_request_line(h);
	if (chance(2))
		put_pad(h);
	/* Usually one Host, sometimes none or two, among 0-4 other fields. */
	hosts_left = odd(8) ? (chance(2) ? 0 : 2) : 1;
	for (left = hosts_left + pick(5); left > 0; left--) {
		if (hosts_left > 0 && (left == hosts_left || chance(2))) {
			put_host(h);
			hosts_left--;
		} else {
			put_field(h, &cl);
		}
	}
	if (chance(20)) {
		/* Many small fields, or one long line: heads near and past 512 bytes. */
		unsigned int k = 20 + pick(120);

		if (chance(2)) {
			for (i = 0; i < k; i++) {
				puts_(h, "a:");
				eol(h);
			}
		} else {
			puts_(h, "X-Long: ");
			for (i = 0; i < 4 * k; i++)
				putc_(h, 'l');
			eol(h);
		}
	}
	if (!odd(10))
		eol(h); /* the blank line, mostly */
	if (cl > 0) {
		/* The body, short of it, or the next request in the same write. */
		long body = odd(3) ? cl - 1 : cl;

		for (i = 0; i < (unsigned long)body; i++)
			putc_(h, (char)('A' + pick(26)));
		if (odd(4))
			puts_(h, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
	} else if (odd(10)) {
		puts_(h, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
	}
}

/* Printable, for messages: the head with its control bytes escaped. */
static const char *show(const char *b, size_t n)
{
	static char out[4 * sizeof(((struct head *)0)->b) + 1];
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

static void check_heads(const char *const *routes, size_t nroutes, uint64_t max_body, uint64_t seed,
			const char *const *fixed, size_t nfixed)
{
	struct parity p;
	struct head h;
	char err[512], why[4096];
	unsigned int c;
	size_t i;
	int rc;

	ck_assert_msg(parity_init(&p, routes, nroutes, max_body, err, sizeof(err)) == 0, "%s", err);
	/* The fixed heads from every client, the random ones from each in turn. */
	for (c = 0; c < PARITY_CLIENTS; c++) {
		p.client = c;
		for (i = 0; i < nfixed; i++) {
			rc = parity_check(&p, (const uint8_t *)fixed[i], strlen(fixed[i]), why,
					  sizeof(why));
			ck_assert_msg(rc == 0, "fixed head %zu: %s\nhead: %s", i, why,
				      show(fixed[i], strlen(fixed[i])));
		}
		/* The fields named ::1 and v4-mapped clients as userspace does. */
		if (parity_client_carried(c))
			ck_assert_msg(p.carried_from[c] > 0, "no fixed head carried from client %s",
				      parity_client_name(c));
	}
	rng = seed;
	for (i = 0; i < CORPUS; i++) {
		gen(&h);
		p.client = (unsigned int)(i % PARITY_CLIENTS);
		rc = parity_check(&p, (const uint8_t *)h.b, h.n, why, sizeof(why));
		ck_assert_msg(rc == 0, "seed %llu head %zu: %s\nhead: %s", (unsigned long long)seed,
			      i, why, show(h.b, h.n));
	}
	fprintf(stderr,
		"check_parity: %lu heads, userspace accepts %lu, refuses %lu; kernel carries %lu, "
		"refuses %lu, passes up: head %lu feature %lu route %lu other %lu\n",
		p.heads, p.user_ok, p.user_bad, p.carried, p.dropped, p.up[ZS_C_PASS_HEAD],
		p.up[ZS_C_PASS_FEATURE], p.up[ZS_C_PASS_ROUTE],
		p.up[ZS_C_PASS_USER] + p.up[ZS_C_PASS_UNPAIRED] + p.up[ZS_C__MAX]);
	/* A reader that passed everything up would agree with anything. Of
	 * the heads userspace accepts, many have a Host or Origin the kernel
	 * cannot route by or carry (IPv6, too long, rewritten routes). */
	ck_assert_uint_ge(p.carried, p.user_ok / 8);
	parity_free(&p);
}

/* The case, and the shapes around it, before the random ones. */
static const char *const fixed_heads[] = {
    "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test.\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: APP.test.:8080\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test..\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n",
    "GET /v6 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n",
    "GET /api HTTP/1.1\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n",
    "POST /api HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n\r\nabc",
    "GET / HTTP/1.1\r\nHost:                                                                "
    "                                                                                          "
    "                  app.test\r\n\r\n",
    "GET / HTTP/1.1\r\nX(y): 1\r\nHost: app.test\r\n\r\n",
};

/* The routes: a Host route and a catch-all. */
START_TEST(test_host_and_catch_all)
{
	static const char *const routes[] = {"app.test=127.0.0.1:3001", "/=127.0.0.1:3002"};

	check_heads(routes, 2, 0, 1, fixed_heads, sizeof(fixed_heads) / sizeof(fixed_heads[0]));
}
END_TEST

#define LONG_HOST   "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij"
#define LONG_PREFIX "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Host routes with prefixes, IPv6 hosts, routes the kernel leaves to userspace. */
START_TEST(test_mixed_routes)
{
	static const char *const routes[] = {
	    "/=127.0.0.1:3001",
	    "app.test=127.0.0.1:3002",
	    "/api=127.0.0.1:3003",
	    "app.test/api=127.0.0.1:3004",
	    "other.test/x/=127.0.0.1:3005",
	    "[::1]/v6=127.0.0.1:3006",
	    "/api/v1/=127.0.0.1:3007",
	    "/rw/=http://127.0.0.1:3008/",
	    "/six=[::1]:3009",
	    "/static=.",
	    LONG_HOST "=127.0.0.1:3010",
	    LONG_PREFIX "=127.0.0.1:3011",
	    "APP2.Test.=127.0.0.1:3012",
	};

	check_heads(routes, sizeof(routes) / sizeof(routes[0]), 0, 2, fixed_heads,
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]));
}
END_TEST

/* Every route in the kernel: Host routes of each shape beside host-less
 * ones; and a --max-body. */
START_TEST(test_host_shapes)
{
	static const char *const routes[] = {
	    "/=127.0.0.1:3001",		 "[::1]=127.0.0.1:3002",	"[::1]/v6=127.0.0.1:3003",
	    "/api=127.0.0.1:3004",	 "app.test/api=127.0.0.1:3005", "127.0.0.1=127.0.0.1:3006",
	    "app2.test.=127.0.0.1:3007", "/v6=127.0.0.1:3008",
	};

	/* And --max-body 20: bodies of 21 to 40 bytes are userspace's 413. */
	check_heads(routes, sizeof(routes) / sizeof(routes[0]), 20, 4, fixed_heads,
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]));
}
END_TEST

/* More routes than zs_routes holds: the ones past it may outrank others. */
START_TEST(test_past_the_map)
{
	static const char *const routes[] = {
	    "/=127.0.0.1:3001",		"/a0=127.0.0.1:3002",	     "/a1=127.0.0.1:3003",
	    "/a2=127.0.0.1:3004",	"/a3=127.0.0.1:3005",	     "/a4=127.0.0.1:3006",
	    "/a5=127.0.0.1:3007",	"/a6=127.0.0.1:3008",	     "/a7=127.0.0.1:3009",
	    "/a8=127.0.0.1:3010",	"/a9=127.0.0.1:3011",	     "/api=127.0.0.1:3012",
	    "/x=127.0.0.1:3013",	"/x/y=127.0.0.1:3014",	     "other.test=127.0.0.1:3015",
	    "app2.test=127.0.0.1:3016", "app.test/z=127.0.0.1:3017", "/api/v1=127.0.0.1:3018",
	};

	check_heads(routes, sizeof(routes) / sizeof(routes[0]), 0, 3, fixed_heads,
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]));
}
END_TEST

static Suite *parity_suite(void)
{
	Suite *s = suite_create("parity");
	TCase *tc = tcase_create("parity");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_host_and_catch_all);
	tcase_add_test(tc, test_mixed_routes);
	tcase_add_test(tc, test_host_shapes);
	tcase_add_test(tc, test_past_the_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(parity_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
