/* SPDX-License-Identifier: MIT */
/* Socket addresses as the command line writes them: HOST:PORT, :PORT, [V6]:PORT. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "log.h"

/* Longest host we accept; DNS names stop at 253, IPv6 with a zone id is shorter. */
#define ADDR_HOST_MAX 256

/* Decimal 1..65535, digits only: strtol would accept signs, spaces and hex. */
static int parse_port(const char *s, int *port)
{
	long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -ERANGE;
	}
	if (v == 0)
		return -ERANGE;
	*port = (int)v;
	return 0;
}

/*
 * Resolve host (numeric or a name) with getaddrinfo. A name such as
 * "localhost" often answers ::1 first; the first IPv4 answer is preferred so
 * that "localhost:3000" reaches the usual dev server bound to 127.0.0.1.
 */
static int resolve(const char *s, const char *host, int family, const char *port, struct addr *a,
		   char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai, *pick, *v4 = NULL, *v6 = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (family == AF_INET6)
		hints.ai_flags |= AI_NUMERICHOST;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		if (family == AF_INET6)
			log_seterr(err, errlen, "bad address '%s': '%s' is not an IPv6 address", s,
				   host);
		else
			log_seterr(err, errlen, "bad address '%s': cannot resolve '%s': %s", s,
				   host, gai_strerror(rc));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && v4 == NULL)
			v4 = ai;
		if (ai->ai_family == AF_INET6 && v6 == NULL)
			v6 = ai;
	}
	pick = v4 != NULL ? v4 : v6;
	if (pick == NULL || pick->ai_addrlen > sizeof(a->ss)) {
		freeaddrinfo(res);
		log_seterr(err, errlen, "bad address '%s': no IPv4 or IPv6 address for '%s'", s,
			   host);
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	memcpy(&a->ss, pick->ai_addr, pick->ai_addrlen);
	a->len = pick->ai_addrlen;
	if (pick == v4 && v6 != NULL && v6->ai_addrlen <= sizeof(a->alt)) {
		memcpy(&a->alt, v6->ai_addr, v6->ai_addrlen);
		a->alt_len = v6->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

int addr_parse(const char *s, struct addr *a, char *err, size_t errlen)
{
	char host[ADDR_HOST_MAX];
	const char *colon, *port;
	size_t hlen;
	int family = AF_UNSPEC, p, rc;

	if (s == NULL)
		s = "";
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL) {
			log_seterr(err, errlen, "bad address '%s': missing ']'", s);
			return -EINVAL;
		}
		if (close[1] != ':') {
			log_seterr(err, errlen, "bad address '%s': missing port", s);
			return -EINVAL;
		}
		hlen = (size_t)(close - s - 1);
		if (hlen == 0) {
			log_seterr(err, errlen, "bad address '%s': empty IPv6 address", s);
			return -EINVAL;
		}
		if (hlen >= sizeof(host)) {
			log_seterr(err, errlen, "bad address '%s': host too long", s);
			return -EINVAL;
		}
		memcpy(host, s + 1, hlen);
		port = close + 2;
		family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			log_seterr(err, errlen, "bad address '%s': missing port", s);
			return -EINVAL;
		}
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen)) {
			log_seterr(
			    err, errlen,
			    "bad address '%s': IPv6 addresses need brackets, as in [::1]:PORT", s);
			return -EINVAL;
		}
		if (hlen >= sizeof(host)) {
			log_seterr(err, errlen, "bad address '%s': host too long", s);
			return -EINVAL;
		}
		memcpy(host, s, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (*port == '\0') {
		log_seterr(err, errlen, "bad address '%s': missing port", s);
		return -EINVAL;
	}
	rc = parse_port(port, &p);
	if (rc == -ERANGE) {
		log_seterr(err, errlen, "bad address '%s': port '%s' out of range 1-65535", s,
			   port);
		return -EINVAL;
	}
	if (rc < 0) {
		log_seterr(err, errlen, "bad address '%s': bad port '%s'", s, port);
		return -EINVAL;
	}
	/* ":PORT" is the common dev-server spelling: loopback, never all interfaces. */
	if (hlen == 0)
		strcpy(host, "127.0.0.1");
	return resolve(s, host, family, port, a, err, errlen);
}

char *addr_format_host(const struct addr *a, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	const char *p = NULL;

	if (len == 0)
		return buf;
	if (a->ss.ss_family == AF_INET)
		p = inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	else if (a->ss.ss_family == AF_INET6)
		p = inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	if (p == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *addr_format(const struct addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	addr_format_host(a, host, sizeof(host));
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", host, addr_port(a));
	else if (a->ss.ss_family == AF_INET)
		snprintf(buf, len, "%s:%d", host, addr_port(a));
	else
		snprintf(buf, len, "?");
	return buf;
}

int addr_port(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return -EAFNOSUPPORT;
}

int addr_is_wildcard(const struct addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return 0;
}
