/* SPDX-License-Identifier: MIT */
/*
 * header_canary: a request with "X-Canary: 1" goes to the route named
 * canary, tagged "canary"; every other request is routed by the command
 * line, as without a program. Shows ZS_FIELDS, ZS_ROUTE and a tag.
 *
 *	sudo zeroserve --program header_canary.bpf.o \
 *		canary@=127.0.0.1:3002 /=127.0.0.1:3001
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_FIELDS("x-canary");
ZS_ROUTE(canary);

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	const struct zs_field *f = &req->field[0];

	/* len is the whole trimmed value: "1" exactly, not "10" or "1 ". */
	if (!f->present || f->len != 1 || f->value[0] != '1')
		return ZS_DEFAULT;
	/* *v arrives zeroed: the tag's NUL padding is there already. */
	__builtin_memcpy(v->tag, "canary", sizeof("canary"));
	return zs_use_route(v, ZS_ROUTE_ID(canary));
}

ZS_PROGRAM(decide)
