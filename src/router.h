/* SPDX-License-Identifier: MIT */
/* Routes from the command line and request -> route matching. Pure: no I/O at match time. */
#ifndef ZS_ROUTER_H
#define ZS_ROUTER_H

#include <stddef.h>
#include "addr.h"

enum route_kind { ROUTE_BACKEND, ROUTE_DIRECTORY };

struct route {
	char *spec;   /* the argument as given, for logs */
	char *host;   /* lower case, no port; NULL matches any Host */
	char *prefix; /* starts with '/' */
	size_t prefix_len;
	enum route_kind kind;
	/* ROUTE_BACKEND */
	struct addr addr;
	char *authority; /* "127.0.0.1:3001": backend as written, for logs */
	char *replace;	 /* http://H:P/PATH targets: PATH replaces prefix; else NULL */
	/* ROUTE_DIRECTORY */
	char *dir;	 /* realpath of the directory */
	unsigned int id; /* position in the router, set by router_add */
};

struct router {
	struct route *routes;
	size_t n;
	size_t cap;
};

/*
 * ROUTE := [HOST][/PREFIX]=TARGET, TARGET := HOST:PORT | :PORT |
 * http://HOST:PORT[/PATH] | DIRECTORY. An argument without '=' is a TARGET
 * for "/". Returns 0 or -EINVAL with a one-line message in err.
 */
int route_parse(const char *arg, struct route *r, char *err, size_t errlen);
void route_free(struct route *r);

void router_init(struct router *rt);
/* Takes ownership of *r. -EEXIST (message in err) when HOST+PREFIX is already routed. */
int router_add(struct router *rt, struct route *r, char *err, size_t errlen);
void router_free(struct router *rt);

/*
 * Host is the Host header value as received (port and case are ignored; may be
 * NULL). path is the request path without the query. A prefix ending in '/'
 * matches any path it starts; otherwise the path must equal it or continue
 * with '/'. A route for the request's Host beats every host-less route;
 * then the longest prefix wins.
 * Returns NULL when nothing matches.
 */
const struct route *router_match(const struct router *rt, const char *host, size_t hostlen,
				 const char *path, size_t pathlen);

/*
 * The request-target to send upstream: target (path and query) with the
 * route's prefix replaced when the route has a replacement path, without
 * doubling a '/' at the join. Returns the length written (NUL terminated) or
 * -ENOSPC.
 */
int router_rewrite(const struct route *r, const char *target, size_t len, char *out, size_t outlen);

#endif
