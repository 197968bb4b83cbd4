/* SPDX-License-Identifier: MIT */
/* Routes from the command line and request -> route matching. Pure: no I/O at match time. */
#ifndef ZS_ROUTER_H
#define ZS_ROUTER_H

#include <stddef.h>
#include "addr.h"

enum route_kind { ROUTE_BACKEND, ROUTE_DIRECTORY };

struct route {
	char *spec; /* the argument as given, for logs */
	char *name; /* NAME@...: what routing programs call it; NULL: unnamed */
	/* NAME@=TARGET: no Host, no prefix. Only a routing program sends
	 * requests there (zeroserve-program.7); router_match never picks it. */
	int program_only;
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
	int mcp;	 /* --mcp: its JSON-RPC calls are logged and counted by name */
};

struct router {
	struct route *routes;
	size_t n;
	size_t cap;
};

/*
 * ROUTE := [NAME@][HOST][/PREFIX]=TARGET, NAME := [A-Za-z_][A-Za-z0-9_]*
 * (a C identifier: routing programs name it in code), TARGET := HOST:PORT | :PORT |
 * http://HOST:PORT[/PATH] | DIRECTORY | PORT. An argument without '=' is a
 * TARGET for "/". PORT (digits alone) is ":PORT"; HOST:PORT with only a
 * trailing '/' is HOST:PORT, when no such directory exists. Returns 0 or
 * -EINVAL with a one-line message in err, naming the likely fix
 * ("did you mean :3000?") where the guess is sound.
 */
int route_parse(const char *arg, struct route *r, char *err, size_t errlen);
void route_free(struct route *r);

void router_init(struct router *rt);
/* Takes ownership of *r. -EEXIST (message in err) when HOST+PREFIX is
 * already routed, or NAME names another route. */
int router_add(struct router *rt, struct route *r, char *err, size_t errlen);
void router_free(struct router *rt);
/* The route named name (len bytes), or NULL. */
const struct route *router_find_name(const struct router *rt, const char *name, size_t len);

/* The longest host name a route may name: a DNS name's 253 characters. */
#define ROUTER_HOST_MAX 253

/*
 * The name a Host value routes by, the one rule of both engines
 * (doc/architecture.md, "Routing"): the value without its ":port", without
 * one trailing '.' ("app.test." is "app.test"), in lower case; an IPv6
 * literal keeps its brackets ("[::1]:8080" is "[::1]"). Writes the name to
 * out, NUL terminated (out may be host), and returns its length, or
 * -ENAMETOOLONG when outlen cannot hold it.
 */
int router_host_normalize(const char *host, size_t len, char *out, size_t outlen);

/*
 * Host is the Host header value as received (normalised by
 * router_host_normalize; may be NULL). path is the request path without the
 * query. A prefix ending in '/' matches any path it starts; otherwise the
 * path must equal it or continue with '/'. A route for the request's Host
 * beats every host-less route; then the longest prefix wins
 * (zs_route_outranks in bpf/zs_abi.h).
 * Returns NULL when nothing matches.
 */
const struct route *router_match(const struct router *rt, const char *host, size_t hostlen,
				 const char *path, size_t pathlen);

/*
 * The host a request names (NULL when it has none): an absolute-form
 * target's authority, else its Host value. Routing and the Host check
 * (allow.h) read the same one.
 */
void router_request_host(const char *host, size_t hostlen, const char *target, size_t tlen,
			 const char **out, size_t *outlen);

/*
 * The route for a request: its Host field's value (NULL when it has none)
 * and its request-target as received. An absolute-form target
 * ("http://app.test/x") names the host itself and routes by its path; the
 * query is no part of the path. *origin, *olen: the target to forward, in
 * origin form. Returns NULL when nothing matches.
 */
const struct route *router_match_target(const struct router *rt, const char *host, size_t hostlen,
					const char *target, size_t tlen, const char **origin,
					size_t *olen);

/*
 * Can r win a request that k matches too? Both must be able to match one
 * request (the same Host or a host-less route, one prefix starting the
 * other); then the router's ranking decides. The kernel engine keeps k in
 * userspace when a route it cannot hold may outrank k (router_kernel_refusal).
 */
int router_may_outrank(const struct route *r, const struct route *k);

/* What the kernel engine's route table holds (bpf/zs_abi.h: ZS_MAX_ROUTES,
 * ZS_HOST_MAX, ZS_PREFIX_MAX). */
struct router_kernel_limits {
	size_t routes;	   /* routes it holds: the first ones */
	size_t host_max;   /* the longest host name it holds whole */
	size_t prefix_max; /* the longest prefix */
};

/*
 * Why the kernel engine cannot serve route id, or NULL when it can: a
 * backend (IPv4 or IPv6) whose path goes through unchanged, held whole
 * within lim.
 * A route the kernel cannot hold may be the router's true answer where the
 * kernel would pick another route: every route it could outrank
 * (router_may_outrank) stays in userspace too, so the kernel never sends a
 * request where the router would not.
 */
const char *router_kernel_refusal(const struct router *rt, size_t id,
				  const struct router_kernel_limits *lim);

/*
 * The request-target to send upstream: target (path and query) with the
 * route's prefix replaced when the route has a replacement path, without
 * doubling a '/' at the join; r NULL: target as it is. Returns the length written (NUL terminated) or
 * -ENOSPC.
 */
int router_rewrite(const struct route *r, const char *target, size_t len, char *out, size_t outlen);

#endif
