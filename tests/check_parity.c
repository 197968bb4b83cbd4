/* SPDX-License-Identifier: MIT */
/*
 * The engines agree: the kernel's head reader (bpf/zs.bpf.c, run through
 * tests/kshim) and userspace (src/http.c, src/router.c) on a seeded corpus
 * of request heads, valid and odd, on several route sets (tests/kshim/parity.h
 * states the rule), with a routing program asking for header fields. A
 * disagreement prints the head and the seed's case number.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kshim/kshim.h"
#include "kshim/parity.h"

#define CORPUS	     20000 /* heads per route set */
#define FIELD_CORPUS 5000  /* heads made for the program's fields, per route set */

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

/*
 * A head for a routing program's fields: every method the kernel reads,
 * targets near ZS_REQ_PATH_MAX, Host values with ports, trailing dots and
 * upper case, and the fields asked for (or look-alikes) in any case,
 * repeated, with blanks around their values, values past ZS_REQ_FIELD_MAX.
 */
static void gen_fields(struct head *h)
{
	static const char *const methods[] = {"GET",	"HEAD",	 "POST",   "PUT",
					      "DELETE", "PATCH", "OPTIONS"};
	static const char *const host_values[] = {
	    "app.test",	      "APP.TEST",      "App.Test.", "app.test:8080",
	    "APP.test.:8080", "app.test:",     "127.0.0.1", "127.0.0.1:8080",
	    "localhost",      "LocalHost.:80", "[::1]:8080"};
	static const char *const names[] = {"X-Canary",
					    "x-canary",
					    "X-CANARY",
					    "User-Agent",
					    "user-agent",
					    "USER-AGENT",
					    "X-Tenant",
					    "x-TeNaNt",
					    "Accept",
					    "accept",
					    "X-Request-Id-Of-The-User",
					    "x-request-id-of-the-user",
					    "Origin",
					    "X-Canaryx",
					    "X-Canar",
					    "X-Request-Id-Of-The-Users",
					    "X-Request-Id-Of-The-Usex",
					    "Accept-Language",
					    "X-Other"};
	static const char *const values[] = {"",
					     "1",
					     "beta",
					     "a b",
					     "a\tb",
					     "*/*",
					     "curl/8.5.0",
					     "caf\xc3\xa9",
					     "\x80\xff",
					     "a,b",
					     "x: y",
					     "\"q\"",
					     "http://app.test",
					     "http://localhost:5173"};
	static const char *const blanks[] = {"", " ", "\t", "  ", " \t ", "\t\t"};
	unsigned int i, k, n, nf, at;
	long cl = -1;

	h->n = 0;
	wild = 0;
	puts_(h, PICK(methods));
	putc_(h, ' ');
	if (chance(4)) {
		put_target(h);
	} else {
		/* Around ZS_REQ_PATH_MAX, or short, with a query now and then. */
		n = chance(3) ? 240 + pick(40) : pick(40);
		putc_(h, '/');
		for (i = 0; i < n; i++)
			putc_(h, i % 9 == 8 ? '/' : (char)('a' + pick(26)));
		if (chance(4))
			puts_(h, "?q=1&r=%20");
	}
	puts_(h, " HTTP/1.1\r\n");
	nf = pick(7);
	at = pick(nf + 1);
	for (k = 0; k <= nf; k++) {
		if (k == at) {
			puts_(h, "Host: ");
			puts_(h, PICK(host_values));
			puts_(h, "\r\n");
		}
		if (k == nf)
			break;
		puts_(h, PICK(names));
		putc_(h, ':');
		if (chance(30)) {
			/* More blanks than the kernel trims. */
			for (i = 120 + pick(20); i > 0; i--)
				putc_(h, chance(3) ? '\t' : ' ');
		} else {
			puts_(h, PICK(blanks));
		}
		if (chance(6)) {
			/* Past ZS_REQ_FIELD_MAX, or at it. */
			for (i = 60 + pick(80); i > 0; i--)
				putc_(h, (char)('A' + pick(26)));
		} else {
			puts_(h, PICK(values));
		}
		puts_(h, PICK(blanks));
		puts_(h, "\r\n");
	}
	if (chance(4)) {
		cl = pick(3) == 0 ? 0 : 1 + pick(8);
		puts_(h, "Content-Length: ");
		putc_(h, (char)('0' + cl));
		puts_(h, "\r\n");
	}
	puts_(h, "\r\n");
	for (i = 0; cl > 0 && i < (unsigned long)cl; i++)
		putc_(h, 'b');
}

/* The fields of the routing program most route sets run with. */
static const char *const prog_fields[ZS_REQ_FIELDS] = {"x-canary", "user-agent", "x-tenant",
						       "accept"};
/* An empty slot, a name of ZS_REQ_FIELD_NAME_MAX bytes, one the guard reads. */
static const char *const prog_fields_gap[ZS_REQ_FIELDS] = {"x-canary", "",
							   "x-request-id-of-the-user", "origin"};

#define LONG_64	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define LONG_100 LONG_64 "0123456789abcdef0123456789abcdef0123"
#define PATH_256                                                                                   \
	"/p23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" LONG_64 LONG_64 LONG_64

/* The program's fields in the shapes a reader may get wrong, with the
 * hosts, targets and methods around them. */
static const char *const field_heads[] = {
    "GET /api HTTP/1.1\r\nHost: app.test\r\nX-Canary: beta\r\nUser-Agent: curl/8.5.0\r\n"
    "X-Tenant: acme\r\nAccept: */*\r\nOrigin: http://app.test\r\n"
    "X-Request-Id-Of-The-User: r1\r\n\r\n",
    /* The first of each counts. */
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary: first\r\nX-Canary: second\r\n"
    "x-canary: third\r\nAccept: a\r\nAccept: b\r\n\r\n",
    "GET / HTTP/1.1\r\nX-Canary: before-host\r\nHost: app.test\r\nX-Canary: after\r\n\r\n",
    /* Blanks around values, and in them. */
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary: \t beta \t \r\nX-Tenant:\tacme\t\r\n"
    "Accept:   \r\nUser-Agent:\t\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary:beta\r\nX-Tenant: a b\tc\r\n"
    "User-Agent: x  y\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary:\r\nX-Tenant: \r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary:                                          "
    "                                                                                     "
    "                    v\r\n\r\n",
    /* Values at and past ZS_REQ_FIELD_MAX. */
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canary: " LONG_64 "\r\nUser-Agent: " LONG_64
    "x\r\nX-Tenant: " LONG_100 "\r\nAccept: " LONG_64 "\t \r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Tenant: 0123456789abcdef0123456789abcdef0123456789abc"
    "def0123456789abcde\r\n\r\n",
    /* Names in any case; names that only look like them. */
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-CANARY: up\r\nuSeR-aGeNt: mixed\r\nACCEPT: text/html\r\n"
    "x-tenant: low\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Canaryx: no\r\nX-Canar: no\r\nX-Canary-: no\r\n"
    "Accept-Encoding: gzip\r\nUser-Agents: no\r\nX-Request-Id-Of-The-Userx: no\r\n"
    "X-Request-Id-Of-The-Use: no\r\nX-Request-Id-Of-The-Usex: no\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-REQUEST-ID-OF-THE-USER: upper\r\n\r\n",
    /* Odd bytes a value may hold. */
    "GET / HTTP/1.1\r\nHost: app.test\r\nX-Tenant: caf\xc3\xa9:1\r\nX-Canary: \x80\xff\r\n"
    "Accept: \"q\", a;b=c\r\n\r\n",
    /* Targets around ZS_REQ_PATH_MAX, with queries. */
    "GET " PATH_256 " HTTP/1.1\r\nHost: app.test\r\nX-Canary: 256\r\n\r\n",
    "GET " PATH_256 "7 HTTP/1.1\r\nHost: app.test\r\nX-Canary: 257\r\n\r\n",
    "GET /p23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" LONG_64 LONG_64
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde HTTP/1.1\r\n"
    "Host: app.test\r\n\r\n",
    "GET " PATH_256 "?q=" LONG_64 " HTTP/1.1\r\nHost: app.test\r\n\r\n",
    "GET /api?x=1&y=%20 HTTP/1.1\r\nHost: app.test\r\nX-Tenant: q\r\n\r\n",
    "GET /api/v1/x HTTP/1.1\r\nHost: app.test\r\n\r\n",
    /* Hosts: ports, trailing dots, upper case, addresses. */
    "GET / HTTP/1.1\r\nHost: APP.Test.:8080\r\nX-Canary: h\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test.\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: App.Test:80\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: app.test:\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: LOCALHOST\r\n\r\n",
    "GET /api HTTP/1.1\r\nHost: app2.test.\r\n\r\n",
    "GET /x/ HTTP/1.1\r\nHost: OTHER.test\r\n\r\n",
    /* Past ZS_REQ_HOST_MAX: a port past the reader's first 128 bytes, a
     * name past ROUTER_HOST_MAX (only a guard that takes any Host lets
     * these reach a route). */
    "GET / HTTP/1.1\r\nHost: App.Test." LONG_64 "\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: " LONG_64 LONG_64 "aa:8080\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: " LONG_64 LONG_64 LONG_64 LONG_64 "\r\n\r\n",
    /* Each method the kernel reads. */
    "HEAD / HTTP/1.1\r\nHost: app.test\r\nX-Canary: head\r\n\r\n",
    "POST /api HTTP/1.1\r\nHost: app.test\r\nX-Canary: post\r\nContent-Length: 3\r\n\r\nabc",
    "POST /api HTTP/1.1\r\nHost: app.test\r\nContent-Length: 0\r\n\r\n",
    "PUT /api HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\nX-Tenant: put\r\n\r\nab",
    "DELETE /api/x HTTP/1.1\r\nHost: app.test\r\nAccept: */*\r\n\r\n",
    "PATCH /api HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1\r\n\r\n{",
    "OPTIONS /api HTTP/1.1\r\nHost: app.test\r\nOrigin: http://localhost:5173\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: app.test\r\n\r\n",
    "GET http://app.test/api HTTP/1.1\r\nHost: app.test\r\nX-Canary: abs\r\n\r\n",
};
static const size_t nfield_heads = sizeof(field_heads) / sizeof(field_heads[0]);

static void check_heads(const char *const *routes, size_t nroutes, uint64_t max_body, uint64_t seed,
			const char *const *fixed, size_t nfixed,
			const char *const fields[ZS_REQ_FIELDS], int any_host)
{
	struct parity p;
	struct head h;
	char err[512], why[4096];
	unsigned int c, f;
	size_t i;
	int rc;

	ck_assert_msg(parity_init(&p, routes, nroutes, max_body, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(parity_program(&p, fields, err, sizeof(err)) == 0, "%s", err);
	if (any_host)
		parity_any_host(&p);
	/* The fixed heads from every client, the random ones from each in turn. */
	for (c = 0; c < PARITY_CLIENTS; c++) {
		p.client = c;
		for (i = 0; i < nfixed; i++) {
			rc = parity_check(&p, (const uint8_t *)fixed[i], strlen(fixed[i]), why,
					  sizeof(why));
			ck_assert_msg(rc == 0, "fixed head %zu: %s\nhead: %s", i, why,
				      show(fixed[i], strlen(fixed[i])));
		}
		for (i = 0; i < nfield_heads; i++) {
			rc = parity_check(&p, (const uint8_t *)field_heads[i],
					  strlen(field_heads[i]), why, sizeof(why));
			ck_assert_msg(rc == 0, "field head %zu: %s\nhead: %s", i, why,
				      show(field_heads[i], strlen(field_heads[i])));
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
	for (i = 0; i < FIELD_CORPUS; i++) {
		gen_fields(&h);
		p.client = (unsigned int)(i % PARITY_CLIENTS);
		rc = parity_check(&p, (const uint8_t *)h.b, h.n, why, sizeof(why));
		ck_assert_msg(rc == 0, "seed %llu field head %zu: %s\nhead: %s",
			      (unsigned long long)seed, i, why, show(h.b, h.n));
	}
	fprintf(stderr,
		"check_parity: %lu heads, userspace accepts %lu, refuses %lu; kernel carries %lu, "
		"refuses %lu, passes up: head %lu feature %lu route %lu other %lu; "
		"asks the program %lu (fields %s %lu, %s %lu, %s %lu, %s %lu)\n",
		p.heads, p.user_ok, p.user_bad, p.carried, p.dropped, p.up[ZS_C_PASS_HEAD],
		p.up[ZS_C_PASS_FEATURE], p.up[ZS_C_PASS_ROUTE],
		p.up[ZS_C_PASS_USER] + p.up[ZS_C_PASS_UNPAIRED] + p.up[ZS_C__MAX], p.asked,
		fields[0], p.asked_with[0], fields[1], p.asked_with[1], fields[2], p.asked_with[2],
		fields[3], p.asked_with[3]);
	/* A reader that passed everything up would agree with anything. Of
	 * the heads userspace accepts, many have a Host or Origin the kernel
	 * cannot route by or carry (IPv6, too long, rewritten routes). */
	ck_assert_uint_ge(p.carried, p.user_ok / 8);
	/* Nor would a kernel that never asks the program, or finds no field. */
	ck_assert_uint_ge(p.asked, p.carried / 8);
	for (f = 0; f < ZS_REQ_FIELDS; f++)
		if (fields[f][0] != '\0')
			ck_assert_msg(p.asked_with[f] > 0, "no head asked about holds %s",
				      fields[f]);
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

	check_heads(routes, 2, 0, 1, fixed_heads, sizeof(fixed_heads) / sizeof(fixed_heads[0]),
		    prog_fields, 0);
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
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]), prog_fields, 0);
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
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]), prog_fields_gap, 0);
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
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]), prog_fields, 0);
}
END_TEST

/* Routes only a program reaches (NAME@=TARGET) beside named ones, and
 * --allow-host '*': no guard keeps the Host values the kernel reads short. */
START_TEST(test_program_routes)
{
	static const char *const routes[] = {
	    "canary@=127.0.0.1:3020",	   "/=127.0.0.1:3001",	     "api@/api=127.0.0.1:3002",
	    "app@app.test=127.0.0.1:3003", "stable@=127.0.0.1:3021", "/x/y=127.0.0.1:3004",
	};

	check_heads(routes, sizeof(routes) / sizeof(routes[0]), 0, 5, fixed_heads,
		    sizeof(fixed_heads) / sizeof(fixed_heads[0]), prog_fields, 1);
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
	tcase_add_test(tc, test_program_routes);
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
