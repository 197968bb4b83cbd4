/* SPDX-License-Identifier: MIT */
/*
 * zeroserve/program.h: the ABI of zeroserve's routing programs, BPF C
 * code that decides each request on both engines (man zeroserve-program.7).
 *
 * A program is one function,
 *
 *	static int decide(const struct zs_request *req, struct zs_verdict *v);
 *
 * named by ZS_PROGRAM(decide), which builds the two entry points zeroserve
 * runs it from: an sk_msg program the kernel engine tail-calls into while
 * it reads a request, and a raw_tp program the userspace engine runs with
 * BPF_PROG_TEST_RUN. Both run the same compiled function on the same
 * struct zs_request, so a request is decided alike whichever engine
 * carries it; zeroserve runs it once per request.
 *
 * What is stable: everything in this file, as long as ZS_PROGRAM_ABI keeps
 * its value. A program built against another value is refused at load.
 */
#ifndef ZEROSERVE_PROGRAM_H
#define ZEROSERVE_PROGRAM_H

#include <linux/types.h>

#define ZS_PROGRAM_ABI 1

#define ZS_REQ_PATH_MAX	      256 /* bytes of the request-target kept */
#define ZS_REQ_HOST_MAX	      64  /* bytes of the host name kept */
#define ZS_REQ_FIELDS	      4	  /* header fields a program may ask for */
#define ZS_REQ_FIELD_NAME_MAX 24  /* the longest field name it may ask for */
#define ZS_REQ_FIELD_MAX      64  /* bytes of a field's value kept */
#define ZS_TAG_MAX	      16  /* a tag's bytes, NUL-padded */

/* zs_request.builtin_route when no route of the command line matches. */
#define ZS_NO_ROUTE 0xffffffffu

/* zs_request.method. Other methods are ZS_METHOD_OTHER. */
enum zs_method {
	ZS_METHOD_OTHER = 0,
	ZS_METHOD_GET = 1,
	ZS_METHOD_HEAD = 2,
	ZS_METHOD_POST = 3,
	ZS_METHOD_PUT = 4,
	ZS_METHOD_DELETE = 5,
	ZS_METHOD_OPTIONS = 6,
	ZS_METHOD_PATCH = 7,
};

/* What decide() returns. */
enum zs_action {
	ZS_DEFAULT = 0, /* the command line's routes decide, as without a program */
	ZS_ROUTE = 1,	/* send it to route v->route (ZS_ROUTE_ID) */
	ZS_REFUSE = 2,	/* answer v->status: 403, 404, 429 or 503 */
};

/* One header field the program asked for (ZS_FIELDS). */
struct zs_field {
	__u32 present;		      /* the head holds the field */
	__u32 len;		      /* its value's length, blanks around it trimmed */
	__u8 value[ZS_REQ_FIELD_MAX]; /* the value's first bytes, zero after */
};

/*
 * The request, as both engines read it. Byte strings are not
 * NUL-terminated: a length says how long the whole is, the array holds
 * its first bytes and zeros after them.
 */
struct zs_request {
	__u32 method;	     /* enum zs_method */
	__u32 path_len;	     /* the request-target's length, query included */
	__u32 host_len;	     /* the host name's length */
	__u32 builtin_route; /* the route the command line's routes pick, or ZS_NO_ROUTE */
	/* The request-target in origin form, as the client sent it
	 * ("/api/v1?x=1"): not decoded, not normalised. An absolute-form
	 * target ("http://host/x") gives its path and query; "*" (OPTIONS)
	 * and other forms come as they are. */
	__u8 path[ZS_REQ_PATH_MAX];
	/* The name routes compare: the Host value without its port and one
	 * trailing '.', in lower case. */
	__u8 host[ZS_REQ_HOST_MAX];
	struct zs_field field[ZS_REQ_FIELDS]; /* in ZS_FIELDS order */
	/* The client: IPv6 form in network order, an IPv4 address as
	 * ::ffff:a.b.c.d; ports in host order. */
	__u32 client_ip[4];
	__u16 client_port;
	__u16 local_port; /* the zeroserve listen port it connected to */
	__u32 reserved;	  /* zero */
	/* The cgroup (v2) of the process that made the client's socket, as
	 * /proc/PID/cgroup names it through its inode number; 0 when unknown. */
	__u64 cgroup_id;
};

/* What decide() fills in for its answer: it comes zeroed. */
struct zs_verdict {
	__u32 route;	      /* ZS_ROUTE: a ZS_ROUTE_ID */
	__u32 status;	      /* ZS_REFUSE: 403, 404, 429 or 503 */
	char tag[ZS_TAG_MAX]; /* for the access log: at most 15 bytes, NUL-padded */
};

/* Where a decision is made: map values, shared with zeroserve by name. */
struct zs_scratch {
	struct zs_request req;
	struct zs_verdict v;
	__s32 action;
	__u32 gen; /* zeroserve's: which ZS_FIELDS names the request was read with */
};

_Static_assert(sizeof(struct zs_field) == 72, "zs_field size");
_Static_assert(sizeof(struct zs_request) == 656, "zs_request size");
_Static_assert(__builtin_offsetof(struct zs_request, cgroup_id) == 648, "zs_request.cgroup_id");
_Static_assert(sizeof(struct zs_verdict) == 24, "zs_verdict size");
_Static_assert(sizeof(struct zs_scratch) == 688, "zs_scratch size");

/* The kernel engine's request for the program: one map, shared by fd,
 * declared alike in the program and in zeroserve's own object. */
#define ZS_KREQ_MAP                                                                                \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, 1);                                                            \
		__type(key, __u32);                                                                \
		__type(value, struct zs_scratch);                                                  \
	} zs_kreq SEC(".maps")

/* zeroserve's own BPF object takes the structs only (ZS_PROGRAM_ABI_ONLY). */
#if defined(__bpf__) && !defined(ZS_PROGRAM_ABI_ONLY)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * A route by its name on the command line (NAME@[HOST][/PREFIX]=TARGET):
 * ZS_ROUTE(canary) at file scope, then ZS_ROUTE_ID(canary) for its id.
 * zeroserve writes the id before the program is loaded; a name no route
 * has is refused at load.
 */
#define ZS_ROUTE(name)	  const volatile __u32 zs_route__##name = ZS_NO_ROUTE
#define ZS_ROUTE_ID(name) (zs_route__##name)

/*
 * The header fields the program reads, by name, case-insensitively, at
 * most ZS_REQ_FIELDS names of at most ZS_REQ_FIELD_NAME_MAX bytes each:
 * ZS_FIELDS("x-canary", "user-agent") fills req->field[0] and [1]. The
 * first occurrence of a field counts. Host, Content-Length,
 * Transfer-Encoding and Connection are not for asking.
 */
#define ZS_FIELDS(...)                                                                             \
	const char zs_field_names[ZS_REQ_FIELDS][ZS_REQ_FIELD_NAME_MAX] = {__VA_ARGS__}

/* Route to id (ZS_ROUTE_ID), or refuse with status, from decide(). */
static __always_inline int zs_use_route(struct zs_verdict *v, __u32 id)
{
	v->route = id;
	return ZS_ROUTE;
}

static __always_inline int zs_refuse(struct zs_verdict *v, __u32 status)
{
	v->status = status;
	return ZS_REFUSE;
}

/* The maps zeroserve shares with the program, by name: the kernel
 * engine's per-CPU request (zs_kreq), the userspace engine's (zs_ureq,
 * written by zeroserve through mmap) and the kernel engine's way back
 * from the program (zs_resume). */
ZS_KREQ_MAP;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct zs_scratch);
} zs_ureq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} zs_resume SEC(".maps");

/* The ABI the program was built against, checked at load. */
#define ZS_PROGRAM_ABI_MARK const volatile __u32 zs_program_abi = ZS_PROGRAM_ABI

/*
 * The two entry points, by these names and sections: the kernel engine's
 * (zs_program_msg: decide, then back to zeroserve's reader through
 * zs_resume) and the userspace engine's (zs_program_user).
 */
#define ZS_PROGRAM(fn)                                                                             \
	ZS_PROGRAM_ABI_MARK;                                                                       \
	SEC("sk_msg") int zs_program_msg(struct sk_msg_md *msg)                                    \
	{                                                                                          \
		__u32 zero = 0;                                                                    \
		struct zs_scratch *s = bpf_map_lookup_elem(&zs_kreq, &zero);                       \
                                                                                                   \
		if (s != 0)                                                                        \
			s->action = fn(&s->req, &s->v);                                            \
		bpf_tail_call(msg, &zs_resume, 0);                                                 \
		return SK_PASS;                                                                    \
	}                                                                                          \
	SEC("raw_tp") int zs_program_user(void *ctx)                                               \
	{                                                                                          \
		__u32 zero = 0;                                                                    \
		struct zs_scratch *s = bpf_map_lookup_elem(&zs_ureq, &zero);                       \
                                                                                                   \
		if (s == 0)                                                                        \
			return -1;                                                                 \
		s->action = fn(&s->req, &s->v);                                                    \
		return 0;                                                                          \
	}
#endif /* __bpf__ && !ZS_PROGRAM_ABI_ONLY */

#endif /* ZEROSERVE_PROGRAM_H */
