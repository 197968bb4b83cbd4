/* SPDX-License-Identifier: MIT */
/*
 * broken_oob: meant to fail to load. It reads req->path[req->path_len],
 * the byte after the path, without a bound check: path_len is whatever the
 * client sent, up to far past path[], so the verifier refuses the read and
 * zeroserve exits 2 with the file's name, a one-line reason and the tail
 * of the verifier log. Shows what a rejection looks like.
 *
 * On Linux 6.18 the load fails with EACCES, and the log ends with
 *
 *	11: (0f) r2 += r1
 *	12: (71) r1 = *(u8 *)(r2 +16)
 *	R2 unbounded memory access, make sure to bounds check any such access
 *
 * for zs_program_msg, the first entry point loaded. The verifier knows
 * only the map value's bounds (struct zs_scratch, 688 bytes), not
 * path[]'s: a check against a bound a little too large passes and reads
 * host[], so check against ZS_REQ_PATH_MAX itself.
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	/* Wrong: needs "if (req->path_len < ZS_REQ_PATH_MAX)" first. */
	if (req->path[req->path_len] == '/')
		return zs_refuse(v, 404);
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
