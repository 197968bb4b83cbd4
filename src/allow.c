/* SPDX-License-Identifier: MIT */
/*
 * Host and Origin allow-lists. A page the developer visits can reach
 * 127.0.0.1 by DNS rebinding (its own name, re-pointed at 127.0.0.1: the
 * Host is the attacker's name) or by a plain cross-site request (the Origin
 * is the attacker's page). The MCP specification requires servers on
 * localhost to check Origin; Vite refuses unknown Hosts since 5.4.12.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "allow.h"
#include "log.h"
#include "router.h"

/* A name's room: a DNS name's 253 characters, or "[" IPv6 text "]". */
#define NAME_MAX_LEN ROUTER_HOST_MAX
/* An origin's: a scheme, "://", a name and a port. */
#define ORIGIN_MAX_LEN (NAME_MAX_LEN + 64)

void allow_init(struct allow *a)
{
	memset(a, 0, sizeof(*a));
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void allow_free(struct allow *a)
{
	free_list(a->names, a->nnames);
	free_list(a->suffixes, a->nsuffixes);
	free_list(a->origins, a->norigins);
	allow_init(a);
}

static int list_add(char ***v, size_t *n, const char *s)
{
	char **nv, *c;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	c = strdup(s);
	if (c == NULL)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(c);
		return -ENOMEM;
	}
	nv[(*n)++] = c;
	*v = nv;
	return 0;
}

/* RFC 3986 unreserved: what a DNS name, an IPv4 literal or a dev server's
 * name ("my_app.localhost") is made of. Anything else in a Host is refused:
 * a name the rules below cannot be sure they read as a backend would. */
static int name_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int allow_host_name(const char *v, size_t len, char *out, size_t outlen)
{
	const char *end = v + len, *p, *close;
	struct in6_addr in6;
	char inner[INET6_ADDRSTRLEN + 1];
	size_t n, i;

	if (len > 0 && v[0] == '[') {
		close = memchr(v, ']', len);
		if (close == NULL)
			return -EINVAL;
		n = (size_t)(close - v - 1);
		if (n == 0 || n >= sizeof(inner))
			return -EINVAL;
		memcpy(inner, v + 1, n);
		inner[n] = '\0';
		if (inet_pton(AF_INET6, inner, &in6) != 1 ||
		    inet_ntop(AF_INET6, &in6, inner, sizeof(inner)) == NULL)
			return -EINVAL;
		p = close + 1;
		if (snprintf(out, outlen, "[%s]", inner) >= (int)outlen)
			return -EINVAL;
		n = strlen(out);
	} else {
		p = memchr(v, ':', len);
		if (p == NULL)
			p = end;
		n = (size_t)(p - v);
		if (n > 0 && v[n - 1] == '.')
			n--;
		if (n == 0 || n >= outlen)
			return -EINVAL;
		for (i = 0; i < n; i++) {
			if (!name_char((unsigned char)v[i]))
				return -EINVAL;
			out[i] = (char)tolower((unsigned char)v[i]);
		}
		out[n] = '\0';
		/* Empty labels: ".x", "x..y". */
		if (out[0] == '.' || strstr(out, "..") != NULL)
			return -EINVAL;
	}
	if (p < end) {
		if (*p != ':')
			return -EINVAL;
		for (p++; p < end; p++)
			if (*p < '0' || *p > '9')
				return -EINVAL;
	}
	return (int)n;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* The named rules, the wildcard '*' aside: a name from host_name. */
static int name_allowed(const struct allow *a, const char *name, size_t n)
{
	struct in_addr in4;
	size_t i;

	/* RFC 6761 6.3: localhost and its subdomains are loopback. */
	if (strcmp(name, "localhost") == 0 || ends_with(name, n, ".localhost"))
		return 1;
	/* Dotted-quad only (inet_pton): "127.1" is no literal here. */
	if (inet_pton(AF_INET, name, &in4) == 1 && (ntohl(in4.s_addr) >> 24) == 127)
		return 1;
	if (strcmp(name, "[::1]") == 0)
		return 1;
	for (i = 0; i < a->nnames; i++)
		if (strcmp(name, a->names[i]) == 0)
			return 1;
	for (i = 0; i < a->nsuffixes; i++)
		if (ends_with(name, n, a->suffixes[i]))
			return 1;
	return 0;
}

int allow_host(const struct allow *a, const char *host, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	int n;

	if (a->any_host)
		return 1;
	n = allow_host_name(host, len, name, sizeof(name));
	return n > 0 && name_allowed(a, name, (size_t)n);
}

/*
 * An origin as compared: lower case, and without the scheme's default port,
 * which browsers never send (RFC 6454 4: the port is the scheme's default
 * when the URI has none). Returns the length written, or -EINVAL.
 */
static int origin_normalize(const char *v, size_t len, char *out, size_t outlen)
{
	size_t i;

	if (len >= outlen)
		return -EINVAL;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[len] = '\0';
	if (len > 10 && memcmp(out, "http://", 7) == 0 && memcmp(out + len - 3, ":80", 3) == 0)
		len -= 3;
	else if (len > 12 && memcmp(out, "https://", 8) == 0 &&
		 memcmp(out + len - 4, ":443", 4) == 0)
		len -= 4;
	out[len] = '\0';
	return (int)len;
}

/* "scheme://" and the rest: where the host begins, or NULL. */
static const char *origin_host(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || !isalpha((unsigned char)v[0]))
		return NULL;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ':')
			break;
		if (!isalnum(c) && c != '+' && c != '-' && c != '.')
			return NULL;
	}
	if (len - i < 4 || memcmp(v + i, "://", 3) != 0)
		return NULL;
	return v + i + 3;
}

int allow_origin(const struct allow *a, const char *origin, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	const char *h;
	size_t i;
	int n;

	char norm[ORIGIN_MAX_LEN + 1];

	if (a->any_origin)
		return 1;
	if (origin_normalize(origin, len, norm, sizeof(norm)) < 0)
		return 0;
	for (i = 0; i < a->norigins; i++)
		if (strcmp(a->origins[i], norm) == 0)
			return 1;
	/* "null" (a sandboxed frame, a file: page, a redirect) has no host. */
	h = origin_host(origin, len);
	if (h == NULL)
		return 0;
	n = allow_host_name(h, len - (size_t)(h - origin), name, sizeof(name));
	return n > 0 && name_allowed(a, name, (size_t)n);
}

int allow_add_name(struct allow *a, const char *name)
{
	char norm[NAME_MAX_LEN + 1];
	int n;

	n = allow_host_name(name, strlen(name), norm, sizeof(norm));
	/* A listen address's numeric form or a route's host: always a name
	 * host_name reads; anything else (a bare IPv6 "::1") is skipped. */
	if (n <= 0)
		return 0;
	return list_add(&a->names, &a->nnames, norm);
}

int allow_add_host(struct allow *a, const char *arg, char *err, size_t errlen)
{
	char norm[NAME_MAX_LEN + 2];
	const char *name = arg;
	int n, wild = 0;

	if (strcmp(arg, "*") == 0) {
		a->any_host = 1;
		return 0;
	}
	if (strncmp(arg, "*.", 2) == 0) {
		wild = 1;
		name = arg + 2;
	}
	if (strchr(name, '*') != NULL) {
		log_seterr(
		    err, errlen,
		    "bad --allow-host '%s': '*' only as a whole first label ('*.example.test') "
		    "or alone",
		    arg);
		return -EINVAL;
	}
	n = allow_host_name(name, strlen(name), norm + 1, sizeof(norm) - 1);
	if (n > 0 && strchr(name, ':') != NULL && name[0] != '[') {
		log_seterr(err, errlen,
			   "bad --allow-host '%s': omit the port (any port is allowed)", arg);
		return -EINVAL;
	}
	if (n > 0 && name[0] == '[' && strchr(strchr(name, ']'), ':') != NULL) {
		log_seterr(err, errlen,
			   "bad --allow-host '%s': omit the port (any port is allowed)", arg);
		return -EINVAL;
	}
	if (n <= 0 || (wild && norm[1] == '[')) {
		log_seterr(
		    err, errlen,
		    "bad --allow-host '%s': not a host name (letters, digits, '-', '.', '_', "
		    "'~'), an IP address or '*'",
		    arg);
		return -EINVAL;
	}
	if (!wild)
		return list_add(&a->names, &a->nnames, norm + 1) < 0 ? -ENOMEM : 0;
	norm[0] = '.';
	return list_add(&a->suffixes, &a->nsuffixes, norm) < 0 ? -ENOMEM : 0;
}

int allow_add_origin(struct allow *a, const char *arg, char *err, size_t errlen)
{
	char name[NAME_MAX_LEN + 1], norm[ORIGIN_MAX_LEN + 1];
	const char *h;
	size_t len = strlen(arg);

	if (strcmp(arg, "*") == 0) {
		a->any_origin = 1;
		return 0;
	}
	/* A sandboxed frame's or a file: page's origin, explicitly. */
	if (strcasecmp(arg, "null") == 0)
		return list_add(&a->origins, &a->norigins, "null");
	/* "http://h:1/" names the origin "http://h:1". */
	if (len > 0 && arg[len - 1] == '/')
		len--;
	h = origin_host(arg, len);
	if (h == NULL || memchr(h, '/', len - (size_t)(h - arg)) != NULL ||
	    allow_host_name(h, len - (size_t)(h - arg), name, sizeof(name)) <= 0 ||
	    origin_normalize(arg, len, norm, sizeof(norm)) < 0) {
		log_seterr(err, errlen,
			   "bad --allow-origin '%s': an origin is scheme://host[:port], no path "
			   "(e.g. https://app.example.com), null, or '*'",
			   arg);
		return -EINVAL;
	}
	return list_add(&a->origins, &a->norigins, norm);
}

enum allow_verdict allow_request(const struct allow *a, const char *host, size_t hostlen,
				 const char *origin, size_t originlen, int norigins)
{
	/* No Host (HTTP/1.0) or an empty one: no browser sends that. */
	if (host != NULL && hostlen > 0 && !allow_host(a, host, hostlen))
		return ALLOW_BAD_HOST;
	if (a->any_origin || norigins == 0)
		return ALLOW_PASS;
	/* Two Origins: which one would a backend read? */
	if (norigins > 1 || !allow_origin(a, origin, originlen))
		return ALLOW_BAD_ORIGIN;
	return ALLOW_PASS;
}

const char *allow_reason(enum allow_verdict v)
{
	switch (v) {
	case ALLOW_BAD_HOST:
		return "host-not-allowed";
	case ALLOW_BAD_ORIGIN:
		return "origin-not-allowed";
	default:
		return NULL;
	}
}
