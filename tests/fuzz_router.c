/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: router_match_target(), router_match(), router_host_normalize(),
 * router_may_outrank() and router_rewrite() (src/router.c) on a fixed set of
 * routes, with the Host and the request target fuzzed.
 *
 * Input: ctl[0] the Host's length (255: no Host field), the Host, then the
 * request target. The match is checked against the rules of
 * src/router.h, stated again here the slow way; the rewrite, into buffers
 * of exactly the size given (so ASan sees a byte past the end), must fit
 * the size session.c allows for it, be NUL terminated, keep the target
 * when the route has no replacement and swap only the prefix when it has.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *const specs[] = {
    "/=127.0.0.1:1",
    "/api=127.0.0.1:2",
    "/api/v2/=http://127.0.0.1:3/",
    "/static/=http://127.0.0.1:4/assets",
    "/bare=http://127.0.0.1:5",
    "/old/=http://127.0.0.1:6/new/",
    "/docs=http://[::1]:7/v1/docs",
    "app.localhost=127.0.0.1:8",
    "app.localhost/admin=http://127.0.0.1:9/internal/",
    "App.Example.COM./a/b=http://127.0.0.1:10/x",
    "[::1]/six=127.0.0.1:11",
    "other.localhost/files/=/",
    "/files=.",
};

static struct router rt;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	size_t i;

	router_init(&rt);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct route r;

		if (route_parse(specs[i], &r, err, sizeof(err)) < 0 ||
		    router_add(&rt, &r, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_router: %s\n", err);
			exit(1);
		}
	}
	return 0;
}

/* The Host's name: no port, no trailing dot, brackets kept (src/router.h). */
static size_t host_name(const char *host, size_t len)
{
	size_t i;

	if (len > 0 && host[0] == '[') {
		for (i = 0; i < len && host[i] != ']'; i++)
			;
		if (i < len)
			len = i + 1;
	} else {
		for (i = 0; i < len && host[i] != ':'; i++)
			;
		len = i;
	}
	return len > 0 && host[len - 1] == '.' ? len - 1 : len;
}

static int matches(const struct route *r, const char *host, size_t hostlen, const char *path,
		   size_t plen)
{
	size_t pl = r->prefix_len, hl;

	if (r->host != NULL) {
		if (host == NULL)
			return 0;
		hl = host_name(host, hostlen);
		if (hl == 0 || strlen(r->host) != hl || strncasecmp(r->host, host, hl) != 0)
			return 0;
	}
	if (strcmp(r->prefix, "/") == 0)
		return 1;
	if (plen < pl || memcmp(path, r->prefix, pl) != 0)
		return 0;
	return r->prefix[pl - 1] == '/' || plen == pl || path[pl] == '/';
}

/* a wins over b: a Host route over a host-less one, then the longer prefix. */
static int beats(const struct route *a, const struct route *b)
{
	if (!a->host != !b->host)
		return a->host != NULL;
	return a->prefix_len > b->prefix_len;
}

static void rewrite_check(const struct route *r, const char *target, size_t tlen, size_t outlen)
{
	char *out = malloc(outlen);
	size_t rlen, rest, tail;
	int n;

	FUZZ_ASSERT(out != NULL);
	n = router_rewrite(r, target, tlen, out, outlen);
	if (n < 0) {
		FUZZ_ASSERT(n == -ENOSPC);
		free(out);
		return;
	}
	FUZZ_ASSERT((size_t)n < outlen && out[n] == '\0');
	if (r->replace == NULL) {
		FUZZ_ASSERT((size_t)n == tlen && memcmp(out, target, tlen) == 0);
	} else if (tlen >= r->prefix_len && memcmp(target, r->prefix, r->prefix_len) == 0) {
		/* replace, then what followed the prefix, one '/' at the join. */
		rlen = strlen(r->replace);
		rest = tlen - r->prefix_len;
		FUZZ_ASSERT((size_t)n >= rlen && memcmp(out, r->replace, rlen) == 0);
		tail = (size_t)n - rlen;
		FUZZ_ASSERT(tail == rest || (tail + 1 == rest && r->replace[rlen - 1] == '/' &&
					     target[r->prefix_len] == '/'));
		FUZZ_ASSERT(memcmp(out + rlen, target + tlen - tail, tail) == 0);
	}
	if (tlen > 0 && target[0] == '/')
		FUZZ_ASSERT(out[0] == '/');
	free(out);
}

/* router_host_normalize: the oracle's name in lower case, NUL terminated, never past outlen. */
static void normalize_check(const char *host, size_t hostlen)
{
	size_t want = host != NULL ? host_name(host, hostlen) : 0, outlen, i;
	char *out;
	int n;

	for (outlen = want; outlen <= want + 1; outlen++) {
		out = malloc(outlen ? outlen : 1);
		FUZZ_ASSERT(out != NULL);
		n = router_host_normalize(host, hostlen, out, outlen);
		if (outlen <= want) {
			FUZZ_ASSERT(n == -ENAMETOOLONG);
		} else {
			FUZZ_ASSERT(n >= 0 && (size_t)n == want && out[n] == '\0');
			for (i = 0; i < want; i++)
				FUZZ_ASSERT((unsigned char)out[i] ==
					    tolower((unsigned char)host[i]));
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct route *best, *viaty;
	const char *host = NULL, *target, *q, *origin;
	size_t hostlen = 0, tlen, plen, need, olen, i, j;

	if (size < 1)
		return 0;
	if (data[0] != 255) {
		hostlen = data[0] < size - 1 ? data[0] : size - 1;
		host = (const char *)data + 1;
	}
	target = (const char *)data + 1 + hostlen;
	tlen = size - 1 - hostlen;
	normalize_check(host, hostlen);
	/* What session.c asks: the route for this Host and target as received. */
	viaty = router_match_target(&rt, host, hostlen, target, tlen, &origin, &olen);
	/* The same, taken apart here: the absolute form names the host (RFC 9112 3.2.2). */
	if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
		const char *a = target + 7, *slash = memchr(a, '/', tlen - 7);

		host = a;
		hostlen = slash ? (size_t)(slash - a) : tlen - 7;
		tlen = slash ? tlen - (size_t)(slash - target) : 1;
		target = slash ? slash : "/";
	}
	FUZZ_ASSERT(olen == tlen && memcmp(origin, target, tlen) == 0);
	q = memchr(target, '?', tlen);
	plen = q ? (size_t)(q - target) : tlen;

	best = router_match(&rt, host, hostlen, target, plen);
	FUZZ_ASSERT(best == viaty);
	if (best != NULL) {
		FUZZ_ASSERT(best >= rt.routes && best < rt.routes + rt.n);
		FUZZ_ASSERT(matches(best, host, hostlen, target, plen));
	}
	for (i = 0; i < rt.n; i++) {
		const struct route *r = &rt.routes[i];

		if (!matches(r, host, hostlen, target, plen))
			continue;
		FUZZ_ASSERT(best != NULL && !beats(r, best));
		/* router_may_outrank is too careful, never wrong: a route that wins
		 * over another on a request both match may outrank it. */
		for (j = 0; j < rt.n; j++)
			if (j != i && matches(&rt.routes[j], host, hostlen, target, plen) &&
			    beats(r, &rt.routes[j]))
				FUZZ_ASSERT(router_may_outrank(r, &rt.routes[j]));
	}
	if (best == NULL)
		return 0;

	/* session.c request_start(): the size it allows never falls short. */
	need = tlen + (best->replace ? strlen(best->replace) : 0) + 2;
	rewrite_check(best, target, tlen, need);
	for (i = 1; i < need && i < 64; i++)
		rewrite_check(best, target, tlen, i);
	/* Every route, matched or not, rewrites within bounds. */
	for (i = 0; i < rt.n; i++)
		rewrite_check(&rt.routes[i], target, tlen, tlen + 1);
	return 0;
}
