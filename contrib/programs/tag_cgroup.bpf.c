/* SPDX-License-Identifier: MIT */
/*
 * tag_cgroup: tags each request in the access log with a name for the
 * cgroup of the process that made the client's socket, from a map the
 * operator fills; routing stays the command line's. Shows a map filled
 * from outside and req->cgroup_id (bpf_get_current_cgroup_id() would name
 * whichever task the program happens to run in, not the client).
 *
 * A cgroup's id is its directory's inode number under the cgroup v2 mount
 * (/sys/fs/cgroup on most systems); a process's cgroup is the path after
 * "0::" in /proc/PID/cgroup:
 *
 *	cg=$(stat -c %i /sys/fs/cgroup/user.slice/user-1000.slice)
 *
 * The map's key is that id as 8 bytes in host order (the fold | tac below
 * makes them little-endian, as on x86), its value the tag, NUL-padded to
 * 16 bytes; while zeroserve runs:
 *
 *	sudo bpftool map update name cgroup_tags \
 *		key hex $(printf '%016x\n' "$cg" | fold -w2 | tac) \
 *		value hex $({ printf alice; head -c 16 /dev/zero; } | head -c 16 | od -An -tx1)
 *	sudo bpftool map dump name cgroup_tags
 *
 * A request from a cgroup not in the map gets no tag.
 *
 *	sudo zeroserve --program tag_cgroup.bpf.o /=127.0.0.1:3001
 */
#include <zeroserve/program.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);		 /* the cgroup id */
	__type(value, char[ZS_TAG_MAX]); /* its tag, NUL-padded */
} cgroup_tags SEC(".maps");

static __always_inline int decide(const struct zs_request *req, struct zs_verdict *v)
{
	const char *tag;

	if (req->cgroup_id == 0)
		return ZS_DEFAULT;
	tag = bpf_map_lookup_elem(&cgroup_tags, &req->cgroup_id);
	if (tag != NULL)
		__builtin_memcpy(v->tag, tag, ZS_TAG_MAX);
	return ZS_DEFAULT;
}

ZS_PROGRAM(decide)
