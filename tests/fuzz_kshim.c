/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the kernel engine's request reader (bpf/zs.bpf.c with
 * bpf/head.bpf.h), compiled as userspace C by tests/kshim, against the
 * userspace engine on the same head (tests/kshim/parity.c): a request the
 * kernel carries, userspace accepts, routes to the same route and forwards
 * alike; a request the kernel refuses, userspace refuses; what earlier
 * messages left in the scan buffer changes no decision.
 *
 * Input: ctl[0] bit 0 which routes (the two sets below), then the bytes of
 * one sendmsg on a client connection the kernel may take.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "parity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Host routes, prefixes, a rewrite and a directory (those stay in userspace). */
static const char *const mixed[] = {
    "/=127.0.0.1:3001",
    "app.test=127.0.0.1:3002",
    "app.test/api=127.0.0.1:3003",
    "other.test/x/=127.0.0.1:3004",
    "[::1]/v6=127.0.0.1:3005",
    "/api/v1/=127.0.0.1:3006",
    "/rw/=http://127.0.0.1:3007/",
    "/static=.",
    "APP2.Test.=127.0.0.1:3008",
};

/* Every route in the kernel, and --max-body 20. */
static const char *const shapes[] = {
    "/=127.0.0.1:3001",		 "[::1]=127.0.0.1:3002",	"[::1]/v6=127.0.0.1:3003",
    "/api=127.0.0.1:3004",	 "app.test/api=127.0.0.1:3005", "127.0.0.1=127.0.0.1:3006",
    "app2.test.=127.0.0.1:3007", "/v6=127.0.0.1:3008",
};

static struct parity par[2];

/* FUZZ_TRANSCRIPT=1: what the engines made of the inputs, at exit. */
static void summary(void)
{
	int i;

	for (i = 0; i < 2; i++)
		fprintf(stderr,
			"fuzz_kshim: routes %d: %lu heads, userspace accepts %lu, refuses %lu; "
			"kernel carries %lu, refuses %lu\n",
			i, par[i].heads, par[i].user_ok, par[i].user_bad, par[i].carried,
			par[i].dropped);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	if (parity_init(&par[0], mixed, sizeof(mixed) / sizeof(mixed[0]), 0, err, sizeof(err)) <
		0 ||
	    parity_init(&par[1], shapes, sizeof(shapes) / sizeof(shapes[0]), 20, err, sizeof(err)) <
		0) {
		fprintf(stderr, "fuzz_kshim: %s\n", err);
		exit(1);
	}
	if (getenv("FUZZ_TRANSCRIPT") != NULL)
		atexit(summary);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[4096];

	if (size < 1)
		return 0;
	/* The first byte picks the routes and the client. */
	par[data[0] & 1].client = (unsigned int)(data[0] >> 1) % PARITY_CLIENTS;
	if (parity_check(&par[data[0] & 1], data + 1, size - 1, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_kshim: the engines disagree: %s\n", why);
		FUZZ_ASSERT(!"parity");
	}
	return 0;
}
