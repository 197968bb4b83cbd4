/* SPDX-License-Identifier: MIT */
/*
 * Do the two engines decide a request head alike? The kernel's reader run
 * through tests/kshim/kshim.c against userspace's (src/http.c, src/router.c)
 * on the same routes. The rule: the kernel may pass anything up; a request
 * it carries to route N, userspace routes to N too, accepts, and sends the
 * backend the same head; a request it refuses, userspace refuses.
 */
#ifndef PARITY_H
#define PARITY_H

#include <stddef.h>
#include <stdint.h>

#include "../../src/allow.h"
#include "../../src/router.h"
#include "zs_abi.h"

struct evbuffer;

struct parity {
	struct router rt;
	struct allow al; /* the default guard, with the routes' hosts */
	struct zs_route tbl[ZS_MAX_ROUTES];
	unsigned int n;
	uint64_t max_body; /* --max-body, 0 for none */
	struct evbuffer *in;
	/* What the heads checked so far came to. */
	unsigned long heads, carried, dropped, up[ZS_C__MAX + 1];
	unsigned long user_ok, user_bad;
};

/* The routes, as command-line arguments, and --max-body (0: none). 0, or
 * -1 with a message in err. */
int parity_init(struct parity *p, const char *const *routes, size_t n, uint64_t max_body, char *err,
		size_t errlen);
void parity_free(struct parity *p);

/*
 * One head, on a connection paired with each route the kernel serves in
 * turn. 0 when the engines agree, else -1 with the disagreement in why.
 * A fuzzer calls parity_init once, then this on each input, and aborts on -1.
 */
int parity_check(struct parity *p, const uint8_t *buf, size_t len, char *why, size_t whylen);

#endif
