/* SPDX-License-Identifier: MIT */
/* Routes from the command line and request -> route matching. Pure: no I/O at match time. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "router.h"
#include "log.h"
#include "zs_abi.h"

static int nomem(const char *arg, char *err, size_t errlen)
{
	log_seterr(err, errlen, "bad route '%s': out of memory", arg);
	return -ENOMEM;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Spaces and control bytes never belong in a request path; llhttp rejects them anyway. */
static int is_space_or_ctl(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/* A byte for a message: printable (space included) as itself, anything else as \xNN. */
static const char *show_char(unsigned char c, char *buf, size_t len)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, len, "%c", c);
	else
		snprintf(buf, len, "\\x%02x", c);
	return buf;
}

/*
 * A bracketed IPv6 literal, as a Host header carries it ("[::1]"). Kept with
 * its brackets so that it compares directly against the header.
 */
static int check_host_v6(const char *arg, const char *host, char *err, size_t errlen)
{
	const char *close = strchr(host, ']');
	struct in6_addr in6;
	char inner[INET6_ADDRSTRLEN + 1];
	size_t n;

	if (close == NULL) {
		log_seterr(err, errlen, "bad route '%s': missing ']' in host '%s'", arg, host);
		return -EINVAL;
	}
	if (close[1] == ':') {
		log_seterr(err, errlen,
			   "bad route '%s': omit the port from host '%s' (Host routing ignores it)",
			   arg, host);
		return -EINVAL;
	}
	n = (size_t)(close - host - 1);
	/* "[::1]." names "[::1]", as in a Host header (router_host_normalize). */
	if ((close[1] != '\0' && strcmp(close + 1, ".") != 0) || n == 0 || n >= sizeof(inner)) {
		log_seterr(err, errlen, "bad route '%s': bad IPv6 host '%s'", arg, host);
		return -EINVAL;
	}
	memcpy(inner, host + 1, n);
	inner[n] = '\0';
	if (inet_pton(AF_INET6, inner, &in6) != 1) {
		log_seterr(err, errlen, "bad route '%s': bad IPv6 host '%s'", arg, host);
		return -EINVAL;
	}
	return 0;
}

/*
 * host is the route's host as written (NUL terminated): any case, and one
 * trailing '.' allowed. A port is refused here, where a Host header's is
 * dropped: it would never play a part in routing.
 */
static int check_host(const char *arg, const char *host, char *err, size_t errlen)
{
	size_t len = strlen(host);
	char cb[8];
	const char *p;

	if (host[0] == '[')
		return check_host_v6(arg, host, err, errlen);
	if (host[0] == '\0') {
		log_seterr(err, errlen, "bad route '%s': empty host", arg);
		return -EINVAL;
	}
	if (len - (host[len - 1] == '.') > ROUTER_HOST_MAX) {
		log_seterr(err, errlen, "bad route '%s': host longer than %d characters", arg,
			   ROUTER_HOST_MAX);
		return -EINVAL;
	}
	if (strchr(host, ':')) {
		log_seterr(err, errlen,
			   "bad route '%s': omit the port from host '%s' (Host routing ignores it)",
			   arg, host);
		return -EINVAL;
	}
	for (p = host; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			/* "app.test." is "app.test"; "app..test" and ".app" are not names. */
			if (p == host || p[1] == '.' || (p[1] == '\0' && p[-1] == '.')) {
				log_seterr(err, errlen, "bad route '%s': empty label in host '%s'",
					   arg, host);
				return -EINVAL;
			}
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_') {
			log_seterr(err, errlen, "bad route '%s': bad character '%s' in host '%s'",
				   arg, show_char(c, cb, sizeof(cb)), host);
			return -EINVAL;
		}
	}
	return 0;
}

/* what names the path for messages: "prefix" or "backend path". */
static int check_path(const char *arg, const char *what, const char *path, int no_dotdot, char *err,
		      size_t errlen)
{
	char cb[8];
	const char *p;

	if (path[0] != '/') {
		log_seterr(err, errlen, "bad route '%s': %s '%s' must start with '/'", arg, what,
			   path);
		return -EINVAL;
	}
	for (p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '?' || c == '#' || is_space_or_ctl(c)) {
			log_seterr(err, errlen, "bad route '%s': %s '%s' must not contain '%s'",
				   arg, what, path, show_char(c, cb, sizeof(cb)));
			return -EINVAL;
		}
	}
	/* A prefix is matched byte for byte; ".." in it could only ever match a traversal. */
	if (no_dotdot && strstr(path, "..")) {
		log_seterr(err, errlen, "bad route '%s': %s '%s' must not contain '..'", arg, what,
			   path);
		return -EINVAL;
	}
	return 0;
}

/* The left side of '=': [HOST][/PREFIX]. */
static int parse_match(const char *arg, const char *left, size_t len, struct route *r, char *err,
		       size_t errlen)
{
	const char *slash;
	size_t hlen;
	int rc;

	if (len == 0 || left[0] == '/') {
		r->prefix = len ? xstrndup(left, len) : strdup("/");
		if (r->prefix == NULL)
			return nomem(arg, err, errlen);
	} else {
		slash = memchr(left, '/', len);
		hlen = slash ? (size_t)(slash - left) : len;
		r->host = xstrndup(left, hlen);
		r->prefix = slash ? xstrndup(slash, len - hlen) : strdup("/");
		if (r->host == NULL || r->prefix == NULL)
			return nomem(arg, err, errlen);
		rc = check_host(arg, r->host, err, errlen);
		if (rc < 0)
			return rc;
		/* Stored as the name a request's Host must normalise to. */
		if (router_host_normalize(r->host, hlen, r->host, hlen + 1) < 0)
			return nomem(arg, err, errlen);
	}
	r->prefix_len = strlen(r->prefix);
	return check_path(arg, "prefix", r->prefix, 1, err, errlen);
}

/* "HOST:PORT", ":PORT", "[V6]:PORT": no '/', and digits after the last ':'. */
static int looks_like_addr(const char *t)
{
	const char *colon = strrchr(t, ':');
	const char *p;

	if (colon == NULL || strchr(t, '/') || colon[1] == '\0')
		return 0;
	for (p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int parse_backend(const char *arg, const char *authority, size_t len, struct route *r,
			 char *err, size_t errlen)
{
	char aerr[256];

	r->kind = ROUTE_BACKEND;
	r->authority = xstrndup(authority, len);
	if (r->authority == NULL)
		return nomem(arg, err, errlen);
	if (addr_parse(r->authority, &r->addr, aerr, sizeof(aerr)) < 0) {
		log_seterr(err, errlen, "bad route '%s': %s", arg, aerr);
		return -EINVAL;
	}
	return 0;
}

static int parse_url(const char *arg, const char *t, struct route *r, char *err, size_t errlen)
{
	const char *auth = t + strlen("http://");
	const char *slash = strchr(auth, '/');
	size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
	int rc;

	if (alen == 0) {
		log_seterr(err, errlen, "bad route '%s': missing HOST:PORT after http://", arg);
		return -EINVAL;
	}
	rc = parse_backend(arg, auth, alen, r, err, errlen);
	if (rc < 0)
		return rc;
	if (slash == NULL)
		return 0;
	/* nginx's proxy_pass-with-URI rule: even a lone "/" replaces the prefix. */
	r->replace = strdup(slash);
	if (r->replace == NULL)
		return nomem(arg, err, errlen);
	return check_path(arg, "backend path", r->replace, 0, err, errlen);
}

static int parse_dir(const char *arg, const char *t, struct route *r, char *err, size_t errlen)
{
	struct stat st;

	r->kind = ROUTE_DIRECTORY;
	r->dir = realpath(t, NULL);
	if (r->dir == NULL) {
		log_seterr(err, errlen, "bad route '%s': '%s' is not a directory: %s", arg, t,
			   strerror(errno));
		return -EINVAL;
	}
	if (stat(r->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_seterr(err, errlen, "bad route '%s': '%s' is not a directory", arg, t);
		return -EINVAL;
	}
	return 0;
}

/* A port as the user may write it alone: "3000". -1 unless all digits; 0 when out of range. */
static long digits_port(const char *t, size_t len)
{
	long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -1;
		if (v <= 65535)
			v = v * 10 + (t[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : 0;
}

static int is_dir(const char *t)
{
	struct stat st;

	return stat(t, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * A TARGET of digits alone is a port on 127.0.0.1, as ":PORT" (the common
 * start is "zeroserve 3000"). A directory of that name makes the argument
 * mean two things: say both spellings instead of guessing.
 */
static int parse_port_alone(const char *arg, const char *t, long port, struct route *r, char *err,
			    size_t errlen)
{
	char colon[8];

	if (is_dir(t)) {
		log_seterr(err, errlen,
			   "bad route '%s': '%s' is both a port and a directory here: "
			   "write :%s for the port or ./%s for the directory",
			   arg, t, t, t);
		return -EINVAL;
	}
	if (port == 0) {
		log_seterr(err, errlen, "bad route '%s': port %s out of range (1-65535)", arg, t);
		return -EINVAL;
	}
	/* From the value: "03000" is port 3000, and never overflows colon. */
	snprintf(colon, sizeof(colon), ":%ld", port);
	return parse_backend(arg, colon, strlen(colon), r, err, errlen);
}

/*
 * Not a directory: is t a near miss of a backend? "localhost:3000/" is
 * HOST:PORT with a trailing '/', taken as HOST:PORT (no rewrite: only
 * http://HOST:PORT/PATH replaces the prefix). "3000x" and "3000/" read as
 * a port with a stray character: name ":3000". A path after HOST:PORT needs
 * the http:// that says it replaces the prefix. Returns 1 when it made no
 * guess.
 */
static int parse_near_backend(const char *arg, const char *t, struct route *r, char *err,
			      size_t errlen)
{
	const char *slash = strchr(t, '/');
	size_t len = strlen(t), n = 0;
	char *head;
	int addr;

	if (slash && slash > t) {
		head = xstrndup(t, (size_t)(slash - t));
		if (head == NULL)
			return nomem(arg, err, errlen);
		addr = looks_like_addr(head);
		free(head);
		if (addr && slash[1] == '\0')
			return parse_backend(arg, t, (size_t)(slash - t), r, err, errlen);
		if (addr) {
			log_seterr(err, errlen,
				   "bad route '%s': '%s' is not a directory, and a backend path "
				   "needs http:// (did you mean http://%s?)",
				   arg, t, t);
			return -EINVAL;
		}
	}
	while (n < len && t[n] >= '0' && t[n] <= '9')
		n++;
	if (n >= 2 && len == n + 1 && digits_port(t, n) > 0) {
		log_seterr(err, errlen,
			   "bad route '%s': '%s' is not a directory: did you mean :%.*s?", arg, t,
			   (int)n, t);
		return -EINVAL;
	}
	return 1;
}

static int parse_target(const char *arg, const char *t, struct route *r, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	long port;
	int rc;

	if (*t == '\0') {
		log_seterr(err, errlen, "bad route '%s': empty target", arg);
		return -EINVAL;
	}
	/* A URL scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) "://". */
	if (isalpha((unsigned char)t[0])) {
		n = 1;
		while (isalnum((unsigned char)t[n]) || t[n] == '+' || t[n] == '-' || t[n] == '.')
			n++;
	}
	if (n > 0 && strncmp(t + n, "://", 3) == 0) {
		if (n == 4 && strncasecmp(t, "http", 4) == 0)
			return parse_url(arg, t, r, err, errlen);
		if (n == 5 && strncasecmp(t, "https", 5) == 0) {
			log_seterr(err, errlen, "bad route '%s': https backends are not supported",
				   arg);
			return -EINVAL;
		}
		log_seterr(err, errlen, "bad route '%s': unsupported scheme '%.*s' (only http://)",
			   arg, (int)n, t);
		return -EINVAL;
	}
	port = digits_port(t, strlen(t));
	if (port >= 0)
		return parse_port_alone(arg, t, port, r, err, errlen);
	if (looks_like_addr(t))
		return parse_backend(arg, t, strlen(t), r, err, errlen);
	/*
	 * "localhost:abc" is a mistyped backend, not a directory: report the bad
	 * port, unless a directory by that name really exists.
	 */
	if (strchr(t, ':') && !strchr(t, '/') && stat(t, &st) < 0)
		return parse_backend(arg, t, strlen(t), r, err, errlen);
	if (!is_dir(t)) {
		rc = parse_near_backend(arg, t, r, err, errlen);
		if (rc <= 0)
			return rc;
	}
	return parse_dir(arg, t, r, err, errlen);
}

/* NAME of NAME@...: a C identifier, for ZS_ROUTE(NAME) in a program. */
static int parse_name(const char *arg, size_t len, struct route *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = arg[i];

		if (!(isalpha((unsigned char)c) || c == '_' ||
		      (i > 0 && isdigit((unsigned char)c))))
			break;
	}
	if (len == 0 || i < len) {
		log_seterr(err, errlen,
			   "bad route '%s': a route name is letters, digits and '_', not starting "
			   "with a digit",
			   arg);
		return -EINVAL;
	}
	r->name = xstrndup(arg, len);
	return r->name == NULL ? nomem(arg, err, errlen) : 0;
}

int route_parse(const char *arg, struct route *r, char *err, size_t errlen)
{
	const char *eq, *target, *left, *at;
	int rc;

	memset(r, 0, sizeof(*r));
	if (arg == NULL)
		arg = "";
	r->spec = strdup(arg);
	if (r->spec == NULL)
		return nomem(arg, err, errlen);
	eq = strchr(arg, '=');
	target = eq ? eq + 1 : arg;
	left = arg;
	at = eq ? memchr(arg, '@', (size_t)(eq - arg)) : NULL;
	if (at != NULL) {
		rc = parse_name(arg, (size_t)(at - arg), r, err, errlen);
		if (rc < 0) {
			route_free(r);
			return rc;
		}
		left = at + 1;
		r->program_only = left == eq;
	}
	rc = parse_match(arg, left, eq ? (size_t)(eq - left) : 0, r, err, errlen);
	if (rc == 0)
		rc = parse_target(arg, target, r, err, errlen);
	if (rc < 0)
		route_free(r);
	return rc;
}

void route_free(struct route *r)
{
	free(r->spec);
	free(r->name);
	free(r->host);
	free(r->prefix);
	free(r->authority);
	free(r->replace);
	free(r->dir);
	memset(r, 0, sizeof(*r));
}

void router_init(struct router *rt)
{
	memset(rt, 0, sizeof(*rt));
}

static int same_host(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

int router_add(struct router *rt, struct route *r, char *err, size_t errlen)
{
	struct route *routes;
	size_t i, cap;

	for (i = 0; i < rt->n; i++) {
		const struct route *o = &rt->routes[i];

		if (r->name != NULL && o->name != NULL && strcmp(o->name, r->name) == 0) {
			log_seterr(err, errlen, "duplicate route name '%s': '%s' and '%s'", r->name,
				   o->spec, r->spec);
			route_free(r);
			return -EEXIST;
		}
		if (r->program_only || o->program_only)
			continue;
		if (same_host(o->host, r->host) && strcmp(o->prefix, r->prefix) == 0) {
			log_seterr(err, errlen, "duplicate route '%s': same %s as '%s'", r->spec,
				   r->host ? "host and prefix" : "prefix", o->spec);
			route_free(r);
			return -EEXIST;
		}
	}
	if (rt->n == rt->cap) {
		cap = rt->cap ? rt->cap * 2 : 8;
		routes = realloc(rt->routes, cap * sizeof(*routes));
		if (routes == NULL) {
			log_seterr(err, errlen, "route '%s': out of memory", r->spec);
			route_free(r);
			return -ENOMEM;
		}
		rt->routes = routes;
		rt->cap = cap;
	}
	r->id = (unsigned int)rt->n;
	rt->routes[rt->n++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

const struct route *router_find_name(const struct router *rt, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < rt->n; i++) {
		const struct route *r = &rt->routes[i];

		if (r->name != NULL && strlen(r->name) == len && memcmp(r->name, name, len) == 0)
			return r;
	}
	return NULL;
}

void router_free(struct router *rt)
{
	size_t i;

	for (i = 0; i < rt->n; i++)
		route_free(&rt->routes[i]);
	free(rt->routes);
	memset(rt, 0, sizeof(*rt));
}

int router_host_normalize(const char *host, size_t len, char *out, size_t outlen)
{
	const char *p;
	size_t i;

	if (host == NULL)
		len = 0;
	if (len > 0 && host[0] == '[') {
		p = memchr(host, ']', len);
		if (p)
			len = (size_t)(p - host) + 1;
	} else if (len > 0) {
		p = memchr(host, ':', len);
		if (p)
			len = (size_t)(p - host);
	}
	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len >= outlen || len > INT_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[len] = '\0';
	return (int)len;
}

static int prefix_matches(const struct route *r, const char *path, size_t pathlen)
{
	size_t pl = r->prefix_len;

	/* "/" is the catch-all, even for "*" or an absolute-form target. */
	if (pl == 1 && r->prefix[0] == '/')
		return 1;
	if (pathlen < pl || memcmp(path, r->prefix, pl) != 0)
		return 0;
	if (r->prefix[pl - 1] == '/')
		return 1;
	/* "/api" matches "/api" and "/api/x", never "/apix". */
	return pathlen == pl || path[pl] == '/';
}

const struct route *router_match(const struct router *rt, const char *host, size_t hostlen,
				 const char *path, size_t pathlen)
{
	const struct route *best = NULL;
	char name[ROUTER_HOST_MAX + 1];
	int hl;
	size_t i;

	/* A name longer than any route's matches no Host route. */
	hl = router_host_normalize(host, hostlen, name, sizeof(name));
	if (path == NULL)
		pathlen = 0;
	for (i = 0; i < rt->n; i++) {
		const struct route *r = &rt->routes[i];

		if (r->program_only)
			continue;
		if (r->host) {
			if (hl <= 0 || strlen(r->host) != (size_t)hl ||
			    memcmp(r->host, name, (size_t)hl) != 0)
				continue;
		}
		if (!prefix_matches(r, path, pathlen))
			continue;
		/* Host first, as a server block before its locations: a route for
		 * this Host beats every host-less one; then the longest prefix. */
		if (best == NULL || zs_route_outranks(r->host != NULL, (__u32)r->prefix_len,
						      best->host != NULL, (__u32)best->prefix_len))
			best = r;
	}
	return best;
}

void router_request_host(const char *host, size_t hostlen, const char *target, size_t tlen,
			 const char **out, size_t *outlen)
{
	/* RFC 9112 3.2.2: the authority of an absolute-form target is the Host. */
	if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
		const char *a = target + 7, *slash = memchr(a, '/', tlen - 7);

		host = a;
		hostlen = slash ? (size_t)(slash - a) : tlen - 7;
	}
	*out = host;
	*outlen = hostlen;
}

const struct route *router_match_target(const struct router *rt, const char *host, size_t hostlen,
					const char *target, size_t tlen, const char **origin,
					size_t *olen)
{
	const char *q;
	size_t plen;

	router_request_host(host, hostlen, target, tlen, &host, &hostlen);
	if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
		const char *slash = memchr(target + 7, '/', tlen - 7);

		tlen = slash ? tlen - (size_t)(slash - target) : 1;
		target = slash ? slash : "/";
	}
	*origin = target;
	*olen = tlen;
	q = memchr(target, '?', tlen);
	plen = q ? (size_t)(q - target) : tlen;
	return router_match(rt, host, hostlen, target, plen);
}

static int starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int router_may_outrank(const struct route *r, const struct route *k)
{
	if (r->program_only || k->program_only)
		return 0;
	if (r->host != NULL && k->host != NULL && strcmp(r->host, k->host) != 0)
		return 0;
	/* "/api" and "/apix" count as overlapping: too careful, never wrong. */
	if (!starts_with(r->prefix, k->prefix) && !starts_with(k->prefix, r->prefix))
		return 0;
	return zs_route_outranks(r->host != NULL, (__u32)r->prefix_len, k->host != NULL,
				 (__u32)k->prefix_len);
}

/* Whether the kernel's table holds route id whole: it matches only what it holds. */
static int kernel_fits(const struct route *r, size_t id, const struct router_kernel_limits *lim)
{
	return id < lim->routes && (r->host == NULL || strlen(r->host) <= lim->host_max) &&
	       r->prefix_len <= lim->prefix_max;
}

const char *router_kernel_refusal(const struct router *rt, size_t id,
				  const struct router_kernel_limits *lim)
{
	const struct route *r = &rt->routes[id];
	size_t j;

	if (r->kind != ROUTE_BACKEND)
		return "a directory";
	if (r->replace != NULL)
		return "rewrites the path";
	/* Its calls are named from the bodies, which only userspace reads. */
	if (r->mcp)
		return "an --mcp route";
	if (id >= lim->routes)
		return "past the kernel's route table";
	if (!kernel_fits(r, id, lim))
		return "host or prefix too long for the kernel";
	for (j = 0; j < rt->n; j++) {
		if (!kernel_fits(&rt->routes[j], j, lim) && router_may_outrank(&rt->routes[j], r))
			return "a route the kernel cannot hold may outrank it";
	}
	return NULL;
}

int router_rewrite(const struct route *r, const char *target, size_t len, char *out, size_t outlen)
{
	const char *rest = target;
	size_t restlen = len, rlen, total;
	int slash = 0;

	if (r == NULL || r->replace == NULL) {
		if (len >= outlen || len > INT_MAX)
			return -ENOSPC;
		if (len > 0)
			memcpy(out, target, len);
		out[len] = '\0';
		return (int)len;
	}
	if (len >= r->prefix_len && memcmp(target, r->prefix, r->prefix_len) == 0) {
		rest = target + r->prefix_len;
		restlen = len - r->prefix_len;
	}
	rlen = strlen(r->replace);
	if (rlen > 0 && r->replace[rlen - 1] == '/' && restlen > 0 && rest[0] == '/') {
		rest++;
		restlen--;
	}
	/* An origin-form target starts with '/': "" becomes "/", "?q" becomes "/?q". */
	if (rlen == 0 && (restlen == 0 || rest[0] == '?'))
		slash = 1;
	total = (size_t)slash + rlen + restlen;
	if (total >= outlen || total > INT_MAX)
		return -ENOSPC;
	if (slash)
		out[0] = '/';
	memcpy(out + slash, r->replace, rlen);
	if (restlen > 0)
		memcpy(out + slash + rlen, rest, restlen);
	out[total] = '\0';
	return (int)total;
}
