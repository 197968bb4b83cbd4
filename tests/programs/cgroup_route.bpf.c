/* SPDX-License-Identifier: MIT */
/*
 * Test program: requests from a cgroup whose id is in the map svc_cgroups
 * go to the route named canary; the others are routed by the command
 * line. Which backend answers shows which cgroup the engine saw.
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

ZS_ROUTE(canary);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u32);
} svc_cgroups SEC(".maps");

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	if (req->cgroup_id != 0 && bpf_map_lookup_elem(&svc_cgroups, &req->cgroup_id) != NULL)
		return zs_use_route(v, ZS_ROUTE_ID(canary));
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
