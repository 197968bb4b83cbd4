/* SPDX-License-Identifier: MIT */
/*
 * refuse_prefix: answers 403, tagged "admin-refused", to every request for
 * /admin or below it ("/admin", "/admin/...", "/admin?..."), whatever the
 * route; "/administrator" passes. Shows ZS_REFUSE and reading the path
 * within its bounds.
 *
 * The path is compared as the client sent it, as zeroserve's own prefixes
 * are: "/%61dmin" or "//admin" pass, so this keeps honest clients out of
 * /admin, it does not guard a backend that decodes or normalises paths.
 *
 *	sudo zeroserve --program refuse_prefix.bpf.o /=127.0.0.1:3001
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define PREFIX	   "/admin"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	/*
	 * path[] holds the first ZS_REQ_PATH_MAX bytes and no NUL, path_len
	 * the whole length, which may be longer: every index below is a
	 * constant under PREFIX_LEN + 1 <= ZS_REQ_PATH_MAX, and is read only
	 * when path_len says the byte is there. The loop is unrolled because
	 * clang has no inline __builtin_memcmp for BPF: it would call an
	 * extern memcmp, which libbpf cannot resolve.
	 */
	if (req->path_len < PREFIX_LEN)
		return ZS_DEFAULT;
#pragma unroll
	for (__u32 i = 0; i < PREFIX_LEN; i++)
		if (req->path[i] != PREFIX[i])
			return ZS_DEFAULT;
	if (req->path_len > PREFIX_LEN && req->path[PREFIX_LEN] != '/' &&
	    req->path[PREFIX_LEN] != '?')
		return ZS_DEFAULT;
	__builtin_memcpy(v->tag, "admin-refused", sizeof("admin-refused"));
	return zs_refuse(v, 403);
}

ZS_PROGRAM(decide)
