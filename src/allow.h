/* SPDX-License-Identifier: MIT */
/*
 * The DNS-rebinding and cross-site guard: which Host and Origin values a
 * request may carry (man zeroserve, SECURITY). Built once at start-up;
 * pure at check time. The kernel engine never applies these rules itself:
 * it carries only requests whose Host and Origin bytes this module allowed
 * before (doc/architecture.md, "Host and Origin").
 */
#ifndef ZS_ALLOW_H
#define ZS_ALLOW_H

#include <stddef.h>

struct allow {
	char **names; /* exact names as router_host_normalize writes them */
	size_t nnames;
	char **suffixes; /* ".example.test" for "*.example.test" */
	size_t nsuffixes;
	char **origins; /* "https://app.example:8443", lower case */
	size_t norigins;
	int any_host;	/* --allow-host '*': no Host check */
	int any_origin; /* --allow-origin '*': no Origin check */
};

/* What a request is refused for: the access log's reason. */
enum allow_verdict {
	ALLOW_PASS = 0,
	ALLOW_BAD_HOST,
	ALLOW_BAD_ORIGIN,
};

void allow_init(struct allow *a);
void allow_free(struct allow *a);

/* --allow-host NAME: a name, "*.name" or "*". 0, -EINVAL (message in err)
 * or -ENOMEM. */
int allow_add_host(struct allow *a, const char *arg, char *err, size_t errlen);
/* --allow-origin URL: "scheme://host[:port]", "null" or "*". 0, -EINVAL or
 * -ENOMEM. */
int allow_add_origin(struct allow *a, const char *arg, char *err, size_t errlen);
/* A name zeroserve answers for by its own configuration (a listen address,
 * a route's host), in any case, without a port. 0 or -ENOMEM. */
int allow_add_name(struct allow *a, const char *name);

/* A Host value as received ("localhost:8080"): 1 if allowed, else 0. */
int allow_host(const struct allow *a, const char *host, size_t len);
/* An Origin value as received ("http://localhost:5173"): 1 if allowed. */
int allow_origin(const struct allow *a, const char *origin, size_t len);

/*
 * One request: host is what it routes by (the Host value, or an
 * absolute-form target's authority; NULL when it has neither), origin its
 * Origin value (NULL without one), norigins how many Origin fields it has.
 */
enum allow_verdict allow_request(const struct allow *a, const char *host, size_t hostlen,
				 const char *origin, size_t originlen, int norigins);

/* "host-not-allowed", "origin-not-allowed", or NULL for ALLOW_PASS. */
const char *allow_reason(enum allow_verdict v);

#endif
