/* SPDX-License-Identifier: MIT */
/* Socket addresses as the command line writes them: HOST:PORT, :PORT, [V6]:PORT. */
#ifndef ZS_ADDR_H
#define ZS_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	/* A name's first answer of the other family (alt_len 0: none), to try
	 * when ss refuses: "localhost" may be a dev server bound to ::1 only. */
	struct sockaddr_storage alt;
	socklen_t alt_len;
};

/*
 * Parse "HOST:PORT", ":PORT" (host 127.0.0.1) or "[V6]:PORT". HOST may be a
 * name, resolved once here (first IPv4 answer preferred, the first IPv6 one
 * kept as alt). Returns 0 or -EINVAL with a message in err.
 */
int addr_parse(const char *s, struct addr *a, char *err, size_t errlen);
/* "127.0.0.1:8080" or "[::1]:8080" into buf; returns buf. */
char *addr_format(const struct addr *a, char *buf, size_t len);
/* Host part only ("127.0.0.1", "::1"), for X-Forwarded-For. */
char *addr_format_host(const struct addr *a, char *buf, size_t len);
int addr_port(const struct addr *a);
/* 1 for 0.0.0.0 or ::, else 0. */
int addr_is_wildcard(const struct addr *a);

#endif
