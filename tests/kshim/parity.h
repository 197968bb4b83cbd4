/* SPDX-License-Identifier: MIT */
/*
 * Do the two engines decide a request head alike? The kernel's reader run
 * through tests/kshim/kshim.c against userspace's (src/http.c, src/router.c)
 * on the same routes. The rule: the kernel may pass anything up; a request
 * it carries to route N, userspace routes to N too, accepts, and sends the
 * backend the same head; a request it refuses, userspace refuses. With a
 * routing program, a request the kernel asks it about, userspace accepts
 * and would ask it about alike: the same struct zs_request, byte for byte.
 */
#ifndef PARITY_H
#define PARITY_H

#include <stddef.h>
#include <stdint.h>

#include "../../src/allow.h"
#include "../../src/progreq.h"
#include "../../src/router.h"
#include "zs_abi.h"

struct evbuffer;

/*
 * The clients heads come from, by index: IPv4, ::1, IPv4 on a dual-stack
 * [::] listener, and others the kernel names only when it can name them as
 * userspace does (else it passes their requests up).
 */
#define PARITY_CLIENTS 7
const char *parity_client_name(unsigned int i);
/* Must the kernel carry this client's requests (not pass them all up)? */
int parity_client_carried(unsigned int i);

struct parity {
	struct router rt;
	struct allow al; /* the default guard, with the routes' hosts */
	struct zs_route tbl[ZS_MAX_ROUTES];
	unsigned int n;
	uint64_t max_body;   /* --max-body, 0 for none */
	int any_host;	     /* --allow-host '*' (parity_init sets none) */
	unsigned int client; /* the client of the next heads: 0 to PARITY_CLIENTS - 1 */
	struct evbuffer *in;
	/* What the heads checked so far came to. */
	unsigned long heads, carried, dropped, up[ZS_C__MAX + 1];
	unsigned long carried_from[PARITY_CLIENTS];
	unsigned long user_ok, user_bad;
	/* parity_program: the fields; the heads the kernel asked the program
	 * about, and of those, the ones that held field k. */
	int program;
	struct progreq_fields fields;
	unsigned long asked, asked_with[ZS_REQ_FIELDS];
};

/* The routes, as command-line arguments, and --max-body (0: none). 0, or
 * -1 with a message in err. */
int parity_init(struct parity *p, const char *const *routes, size_t n, uint64_t max_body, char *err,
		size_t errlen);
void parity_free(struct parity *p);

/* --allow-host '*': the guard takes any Host, on both engines. */
void parity_any_host(struct parity *p);

/*
 * A routing program asking for these fields (ZS_FIELDS, "" for an empty
 * slot): each head is then also read with program_on, and what the kernel
 * asks the program compared with what userspace would ask. 0, or -1 with
 * a message in err.
 */
int parity_program(struct parity *p, const char *const names[ZS_REQ_FIELDS], char *err,
		   size_t errlen);

/*
 * One head, on a connection paired with each route the kernel serves in
 * turn. 0 when the engines agree, else -1 with the disagreement in why.
 * A fuzzer calls parity_init once, then this on each input, and aborts on -1.
 */
int parity_check(struct parity *p, const uint8_t *buf, size_t len, char *why, size_t whylen);

#endif
