/* SPDX-License-Identifier: MIT */
/* The engines' decisions on one request head, side by side (parity.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#ifndef HAVE_BPF_ENGINE
#error "tests/kshim needs the kernel engine's loader: configure without --disable-bpf"
#endif

#include "../../src/accel_abi.h"
#include "../../src/addr.h"
#include "../../src/http.h"
#include "kshim.h"
#include "parity.h"

/*
 * A client as each engine sees it: the kernel its socket C (family and own
 * address), and the listen port's zs_ports value; userspace the peer of
 * its accepted P1 (session.c names the client by it, addr_format_host).
 */
static const struct client {
	const char *name;
	int c_family;
	const char *c_addr;
	int p1_family;
	const char *p1_peer;
	__u32 role;
	__u32 listen_mapped;
	int carried; /* the kernel must carry it */
} clients[PARITY_CLIENTS] = {
    {"IPv4", AF_INET, "127.0.0.1", AF_INET, "127.0.0.1", ZS_PORT_V4_PLAIN, 0, 1},
    {"::1", AF_INET6, "::1", AF_INET6, "::1", 0, 0, 1},
    {"IPv4 on [::]", AF_INET, "127.10.100.255", AF_INET6, "::ffff:127.10.100.255",
     ZS_PORT_V4_MAPPED, 1, 1},
    {"IPv4 beside a [::] listener", AF_INET, "127.0.0.2", AF_INET, "127.0.0.2", ZS_PORT_V4_PLAIN, 1,
     1},
    {"v4-mapped socket on an IPv4 listener", AF_INET6, "::ffff:127.0.0.1", AF_INET, "127.0.0.1",
     ZS_PORT_V4_PLAIN, 0, 1},
    /* Both kinds of listener on its port: the kernel cannot tell. */
    {"IPv4 on a port of both", AF_INET, "127.0.0.1", AF_INET6, "::ffff:127.0.0.1",
     ZS_PORT_V4_MAPPED | ZS_PORT_V4_PLAIN, 1, 0},
    {"IPv6 other than ::1", AF_INET6, "fd00::1:2", AF_INET6, "fd00::1:2", 0, 0, 0},
};

const char *parity_client_name(unsigned int i)
{
	return i < PARITY_CLIENTS ? clients[i].name : "?";
}

int parity_client_carried(unsigned int i)
{
	return i < PARITY_CLIENTS && clients[i].carried;
}

/* What the kernel sees of client i. */
static void kernel_client(unsigned int i, struct kshim_client *k)
{
	const struct client *c = &clients[i];
	unsigned char a[16];

	memset(k, 0, sizeof(*k));
	k->family = c->c_family;
	if (c->c_family == AF_INET) {
		if (inet_pton(AF_INET, c->c_addr, a) != 1)
			abort();
		k->ip[2] = htonl(0xffff);
		memcpy(&k->ip[3], a, 4);
	} else if (inet_pton(AF_INET6, c->c_addr, k->ip) != 1) {
		abort();
	}
	k->port_role = ZS_PORT_LISTEN | c->role;
	k->listen_mapped = c->listen_mapped;
}

/* Client i as userspace holds it: its P1's peer, from the port C has. */
static void user_peer(unsigned int i, struct addr *a)
{
	const struct client *c = &clients[i];

	memset(a, 0, sizeof(*a));
	a->ss.ss_family = (sa_family_t)c->p1_family;
	if (c->p1_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		sin->sin_port = htons(KSHIM_CLIENT_PORT);
		if (inet_pton(AF_INET, c->p1_peer, &sin->sin_addr) != 1)
			abort();
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		sin6->sin6_port = htons(KSHIM_CLIENT_PORT);
		if (inet_pton(AF_INET6, c->p1_peer, &sin6->sin6_addr) != 1)
			abort();
	}
}

/* What userspace names client i in the forwarding fields: buf. */
static void user_client(unsigned int i, char *buf, size_t len, int *v6)
{
	struct addr a;

	user_peer(i, &a);
	addr_format_host(&a, buf, len);
	*v6 = clients[i].p1_family == AF_INET6;
}

static void __attribute__((format(printf, 3, 4)))
say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int parity_init(struct parity *p, const char *const *routes, size_t n, uint64_t max_body, char *err,
		size_t errlen)
{
	struct route r;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->max_body = max_body;
	router_init(&p->rt);
	for (i = 0; i < n; i++) {
		if (route_parse(routes[i], &r, err, errlen) < 0 ||
		    router_add(&p->rt, &r, err, errlen) < 0) {
			router_free(&p->rt);
			return -1;
		}
	}
	/* As with --allow-host app.test: the corpus's own name, beside the
	 * defaults (tests/check_parity.c). */
	allow_init(&p->al);
	if (allow_add_host(&p->al, "app.test", err, errlen) < 0)
		abort();
	for (i = 0; i < p->rt.n; i++)
		if (p->rt.routes[i].host != NULL &&
		    allow_add_name(&p->al, p->rt.routes[i].host) < 0)
			abort();
	p->n = accel_route_table(&p->rt, p->tbl);
	p->in = evbuffer_new();
	if (p->in == NULL) {
		router_free(&p->rt);
		say(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void parity_any_host(struct parity *p)
{
	char err[256];

	if (allow_add_host(&p->al, "*", err, sizeof(err)) < 0)
		abort();
	p->any_host = 1;
}

int parity_program(struct parity *p, const char *const names[ZS_REQ_FIELDS], char *err,
		   size_t errlen)
{
	const char *refusal;
	size_t len, i;
	int k, j;

	memset(&p->fields, 0, sizeof(p->fields));
	p->fields.n = ZS_REQ_FIELDS;
	for (k = 0; k < ZS_REQ_FIELDS; k++) {
		len = strlen(names[k]);
		if (len == 0)
			continue;
		refusal = progreq_field_refusal(names[k], len);
		if (refusal != NULL) {
			say(err, errlen, "field '%s': %s", names[k], refusal);
			return -1;
		}
		/* As src/program.c keeps them: lower case, each once. */
		for (i = 0; i < len; i++)
			if (names[k][i] >= 'A' && names[k][i] <= 'Z') {
				say(err, errlen, "field '%s': not lower case", names[k]);
				return -1;
			}
		for (j = 0; j < k; j++)
			if (strcmp(p->fields.name[j], names[k]) == 0) {
				say(err, errlen, "field '%s' twice", names[k]);
				return -1;
			}
		memcpy(p->fields.name[k], names[k], len);
	}
	p->program = 1;
	return 0;
}

void parity_free(struct parity *p)
{
	allow_free(&p->al);
	router_free(&p->rt);
	evbuffer_free(p->in);
}

/* What userspace does with a head up to routing (session.c request_start). */
struct user {
	struct http_msg m;
	int status; /* 0: accepted; -1: head incomplete; else the error answer */
	const struct route *route;
	const char *origin;
	size_t olen;
	size_t head_len; /* bytes of the head */
};

static void user_decide(struct parity *p, const uint8_t *buf, size_t len, struct user *u)
{
	const char *host, *ghost, *origin;
	size_t hostlen, ghostlen, olen;
	int ev;

	u->route = NULL;
	/* As session.c sets it for each request. */
	if (p->max_body != 0)
		u->m.max_body = p->max_body;
	evbuffer_drain(p->in, evbuffer_get_length(p->in));
	evbuffer_add(p->in, buf, len);
	ev = http_msg_feed(&u->m, p->in, &u->head_len);
	if (ev & HTTP_EV_ERROR) {
		u->status = u->m.status ? u->m.status : 400;
		return;
	}
	if (!(ev & HTTP_EV_HEAD)) {
		u->status = -1;
		return;
	}
	u->status = http_request_check(&u->m);
	if (u->status != 0)
		return;
	host = http_head_get(&u->m.head, "host", &hostlen);
	/* The guard first (session.c guard_request). */
	router_request_host(host, hostlen, u->m.head.buf + u->m.head.url_off, u->m.head.url_len,
			    &ghost, &ghostlen);
	origin = http_head_get(&u->m.head, "origin", &olen);
	if (allow_request(&p->al, ghost, ghostlen, origin, olen,
			  origin != NULL ? http_head_count(&u->m.head, "origin") : 0) !=
	    ALLOW_PASS) {
		u->status = 403;
		return;
	}
	u->route = router_match_target(&p->rt, host, hostlen, u->m.head.buf + u->m.head.url_off,
				       u->m.head.url_len, &u->origin, &u->olen);
	if (u->route == NULL)
		u->status = 404;
}

/* A head parsed on its own, for comparing what each engine forwards. */
static int parse_head(struct evbuffer *in, const void *buf, size_t len, struct http_msg *m,
		      size_t *head_len)
{
	int ev;

	evbuffer_drain(in, evbuffer_get_length(in));
	evbuffer_add(in, buf, len);
	ev = http_msg_feed(m, in, head_len);
	return (ev & HTTP_EV_HEAD) && !(ev & HTTP_EV_ERROR) ? 0 : -1;
}

static int same_bytes(const struct http_head *a, uint32_t aoff, uint32_t alen,
		      const struct http_head *b, uint32_t boff, uint32_t blen)
{
	return alen == blen && memcmp(a->buf + aoff, b->buf + boff, alen) == 0;
}

/*
 * The backend must see the same request from either engine: userspace's
 * head (http_build_request) and the kernel's (the client's, forwarding
 * fields inserted) parse to the same method, target, version and fields,
 * and the body bytes that came with the head follow it unchanged.
 */
static int same_forward(struct parity *p, struct user *u, const uint8_t *buf, size_t len,
			const struct kshim_result *k, char *why, size_t whylen)
{
	struct http_forward fwd = {.proto = "http"};
	struct evbuffer *ub = evbuffer_new();
	char ip[INET6_ADDRSTRLEN];
	struct http_msg um, km;
	size_t ulen, klen, n;
	unsigned char *uh;
	unsigned int i;
	int rc = -1;

	user_client(p->client, ip, sizeof(ip), &fwd.client_is_v6);
	fwd.client_ip = ip;
	http_msg_init(&um, HTTP_REQUEST);
	http_msg_init(&km, HTTP_REQUEST);
	if (ub == NULL || http_build_request(ub, &u->m, u->origin, u->olen, &fwd, 0) < 0) {
		say(why, whylen, "userspace cannot build the request");
		goto out;
	}
	n = evbuffer_get_length(ub);
	uh = evbuffer_pullup(ub, -1);
	if (parse_head(p->in, uh, n, &um, &ulen) < 0) {
		say(why, whylen, "userspace's forwarded head does not parse");
		goto out;
	}
	if (parse_head(p->in, k->out, k->out_len, &km, &klen) < 0) {
		say(why, whylen, "the kernel's forwarded head does not parse: %.*s",
		    (int)k->out_len, (const char *)k->out);
		goto out;
	}
	if (um.parser.method != km.parser.method || um.parser.http_major != km.parser.http_major ||
	    um.parser.http_minor != km.parser.http_minor ||
	    !same_bytes(&um.head, um.head.url_off, um.head.url_len, &km.head, km.head.url_off,
			km.head.url_len) ||
	    um.head.nfields != km.head.nfields) {
		say(why, whylen, "forwarded heads differ: userspace %.*s kernel %.*s", (int)n,
		    (const char *)uh, (int)k->out_len, (const char *)k->out);
		goto out;
	}
	for (i = 0; i < um.head.nfields; i++) {
		const struct http_field *a = &um.head.fields[i], *b = &km.head.fields[i];

		if (!same_bytes(&um.head, a->name_off, a->name_len, &km.head, b->name_off,
				b->name_len) ||
		    !same_bytes(&um.head, a->value_off, a->value_len, &km.head, b->value_off,
				b->value_len)) {
			say(why, whylen, "forwarded field %u differs: userspace %.*s kernel %.*s",
			    i, (int)n, (const char *)uh, (int)k->out_len, (const char *)k->out);
			goto out;
		}
	}
	if (k->out_len - klen != len - u->head_len ||
	    memcmp(k->out + klen, buf + u->head_len, len - u->head_len) != 0) {
		say(why, whylen, "the body bytes after the head differ");
		goto out;
	}
	rc = 0;
out:
	http_msg_free(&um);
	http_msg_free(&km);
	if (ub != NULL)
		evbuffer_free(ub);
	return rc;
}

/* verdict: the kernel's (enum kshim_verdict). */
static int check_one(struct parity *p, struct user *u, const uint8_t *buf, size_t len,
		     unsigned int paired, int *verdict, char *why, size_t whylen)
{
	struct kshim_result k, k2;

	kshim_set_stale(0);
	kshim_read_head(buf, len, paired, &k);
	*verdict = k.verdict;
	switch (k.verdict) {
	case KSHIM_UP:
		p->up[k.why >= 0 ? k.why : ZS_C__MAX]++;
		break;
	case KSHIM_DROP:
		p->dropped++;
		if (u->status <= 0) {
			say(why, whylen,
			    "the kernel refuses it (paired with route %u), userspace %s", paired,
			    u->status < 0 ? "waits for more" : "accepts it");
			return -1;
		}
		break;
	case KSHIM_CARRY:
		p->carried++;
		p->carried_from[p->client]++;
		if (u->status != 0) {
			say(why, whylen, "the kernel carries it to route %u, userspace answers %d",
			    k.route, u->status);
			return -1;
		}
		if (u->route->id != k.route) {
			say(why, whylen,
			    "the kernel carries it to route %u (%s), userspace to %u (%s)", k.route,
			    p->rt.routes[k.route].spec, u->route->id, u->route->spec);
			return -1;
		}
		if (same_forward(p, u, buf, len, &k, why, whylen) < 0)
			return -1;
		break;
	}
	/* Whatever earlier messages left in the per-CPU scan buffer. */
	kshim_set_stale(0xff);
	kshim_read_head(buf, len, paired, &k2);
	if (k2.verdict != k.verdict || k2.why != k.why ||
	    (k.verdict == KSHIM_CARRY && (k2.out_len != k.out_len || k2.req_left != k.req_left))) {
		say(why, whylen,
		    "the kernel's decision depends on stale scan state (%d/%s, then %d/%s)",
		    k.verdict, kshim_counter_name(k.why), k2.verdict, kshim_counter_name(k2.why));
		return -1;
	}
	return 0;
}

/* Bytes for messages: b[0, n), the odd ones escaped, into out. */
static const char *shown(const __u8 *b, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\' && b[i] != '"')
			out[o++] = (char)b[i];
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", b[i]);
	}
	out[o] = '\0';
	return out;
}

/* Room for a path's bytes, each escaped. */
#define SHOWN_MAX (4 * ZS_REQ_PATH_MAX + 1)

/* One of zs_request's byte arrays, size bytes of which len hold the value. */
static int same_array(const char *what, const __u8 *u, const __u8 *k, size_t size, size_t len,
		      char *why, size_t whylen)
{
	char a[SHOWN_MAX], b[SHOWN_MAX];
	size_t i, n = len < size ? len : size;

	for (i = 0; i < size && u[i] == k[i]; i++)
		;
	if (i == size)
		return 0;
	if (i >= n)
		say(why, whylen,
		    "zs_request.%s: byte %zu, past its %zu bytes: userspace 0x%02x, kernel 0x%02x",
		    what, i, n, u[i], k[i]);
	else
		say(why, whylen,
		    "zs_request.%s differs at byte %zu: userspace \"%s\", kernel \"%s\"", what, i,
		    shown(u, n, a, sizeof(a)), shown(k, n, b, sizeof(b)));
	return -1;
}

/*
 * The request each engine gives the program: the same bytes, but for
 * cgroup_id (the kshim has no socket cgroup: the kernel reads 0). why
 * names the first member that differs, with both values.
 */
static int same_request(const struct parity *p, const struct zs_request *u,
			const struct zs_request *k, char *why, size_t whylen)
{
	struct zs_request um = *u, km = *k;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], what[64];
	unsigned int f;

#define SAME_U32(m)                                                                                \
	do {                                                                                       \
		if (u->m != k->m) {                                                                \
			say(why, whylen, "zs_request." #m ": userspace %u, kernel %u",             \
			    (unsigned int)u->m, (unsigned int)k->m);                               \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)
	SAME_U32(method);
	SAME_U32(builtin_route);
	SAME_U32(path_len);
	if (same_array("path", u->path, k->path, sizeof(u->path), u->path_len, why, whylen) < 0)
		return -1;
	SAME_U32(host_len);
	if (same_array("host", u->host, k->host, sizeof(u->host), u->host_len, why, whylen) < 0)
		return -1;
	for (f = 0; f < ZS_REQ_FIELDS; f++) {
		const struct zs_field *uf = &u->field[f], *kf = &k->field[f];

		snprintf(what, sizeof(what), "field[%u] (%s)", f, p->fields.name[f]);
		if (uf->present != kf->present || uf->len != kf->len) {
			say(why, whylen,
			    "zs_request.%s: userspace present %u len %u, kernel present %u len %u",
			    what, uf->present, uf->len, kf->present, kf->len);
			return -1;
		}
		if (same_array(what, uf->value, kf->value, sizeof(uf->value), uf->len, why,
			       whylen) < 0)
			return -1;
	}
	if (memcmp(u->client_ip, k->client_ip, sizeof(u->client_ip)) != 0) {
		inet_ntop(AF_INET6, u->client_ip, a, sizeof(a));
		inet_ntop(AF_INET6, k->client_ip, b, sizeof(b));
		say(why, whylen, "zs_request.client_ip: userspace %s, kernel %s", a, b);
		return -1;
	}
	SAME_U32(client_port);
	SAME_U32(local_port);
	SAME_U32(reserved);
#undef SAME_U32
	um.cgroup_id = 0;
	km.cgroup_id = 0;
	if (memcmp(&um, &km, sizeof(um)) != 0) {
		say(why, whylen, "zs_request differs in bytes no member check names");
		return -1;
	}
	return 0;
}

/*
 * The head read again with the routing program on (parity_program), as a
 * first request: a request the kernel asks the program about, userspace
 * accepts, and asks the program about it with the same struct zs_request.
 * One the kernel carries without a program (carried) it must ask about,
 * for an origin-form target, unless the fields' values make its reader
 * pass the head up. Whatever earlier requests left in zs_scan and zs_kreq
 * must not show.
 */
static int check_program(struct parity *p, struct user *u, const uint8_t *buf, size_t len,
			 int carried, char *why, size_t whylen)
{
	const char *names[ZS_REQ_FIELDS], *hv;
	struct progreq_in in = {0};
	const struct zs_scratch *z;
	struct zs_verdict none;
	struct zs_request want;
	struct kshim_result k;
	struct addr peer;
	unsigned int f;
	size_t hvlen, n;
	int run, asked = 0;

	/* What session.c's program_request asks, of userspace's parse. */
	if (u->status == 0) {
		hv = http_head_get(&u->m.head, "host", &hvlen);
		router_request_host(hv, hvlen, u->m.head.buf + u->m.head.url_off, u->m.head.url_len,
				    &in.host, &in.hostlen);
		in.method = u->m.parser.method;
		in.target = u->origin;
		in.tlen = u->olen;
		in.head = &u->m.head;
		in.fields = &p->fields;
		user_peer(p->client, &peer);
		in.client = (const struct sockaddr *)&peer.ss;
		in.local_port = KSHIM_LISTEN_PORT;
		in.builtin_route = (uint32_t)u->route->id;
		progreq_build(&want, &in);
	}
	memset(&none, 0, sizeof(none));
	for (f = 0; f < ZS_REQ_FIELDS; f++)
		names[f] = p->fields.name[f];
	kshim_set_program(names);
	for (run = 0; run < 2; run++) {
		kshim_set_stale(run ? 0xff : 0);
		kshim_read_head(buf, len, KSHIM_FIRST, &k);
		/* An empty zs_prog: what the kernel asks about goes up. */
		if (k.verdict != KSHIM_UP || (k.asked != NULL && k.why != ZS_C_PASS_PROGRAM)) {
			say(why, whylen, "with a program, the kernel %s it (%s)",
			    k.verdict == KSHIM_UP      ? "passes up"
			    : k.verdict == KSHIM_CARRY ? "carries"
						       : "refuses",
			    kshim_counter_name(k.why));
			return -1;
		}
		if (run > 0 && asked != (k.asked != NULL)) {
			say(why, whylen,
			    "whether the kernel asks the program depends on stale state");
			return -1;
		}
		asked = k.asked != NULL;
		if (!asked)
			continue;
		if (u->status != 0) {
			say(why, whylen, "the kernel asks the program about it, userspace %s %d",
			    u->status < 0 ? "waits for more" : "answers", u->status);
			return -1;
		}
		z = k.asked;
		if (same_request(p, &want, &z->req, why, whylen) < 0)
			goto stale;
		/* The answer starts as userspace's program_decide starts it. */
		if (z->action != -1 || memcmp(&z->v, &none, sizeof(none)) != 0 ||
		    z->gen != 0) {
			say(why, whylen,
			    "zs_kreq: action %d, or a verdict not zeroed, for the program",
			    z->action);
			goto stale;
		}
	}
	if (!asked) {
		if (carried && u->m.head.url_len > 0 && u->m.head.buf[u->m.head.url_off] == '/' &&
		    k.why != ZS_C_PASS_HEAD) {
			say(why, whylen,
			    "the kernel carries it without a program; with one it passes it up "
			    "(%s) "
			    "without asking",
			    kshim_counter_name(k.why));
			return -1;
		}
		return 0;
	}
	p->asked++;
	for (f = 0; f < ZS_REQ_FIELDS; f++)
		if (want.field[f].present)
			p->asked_with[f]++;
	return 0;
stale:
	n = strlen(why);
	if (run > 0)
		snprintf(why + n, whylen - n, " (after stale state)");
	return -1;
}

/* zs_allow as a guard that saw every value before would have filled it. */
static const struct allow *guard;

static int guard_allowed_value(__u32 kind, const __u8 *value, __u32 len)
{
	if (kind == ZS_ALLOW_HOST)
		return allow_host(guard, (const char *)value, len);
	if (kind == ZS_ALLOW_ORIGIN)
		return allow_origin(guard, (const char *)value, len);
	return 0;
}

int parity_check(struct parity *p, const uint8_t *buf, size_t len, char *why, size_t whylen)
{
	struct kshim_client kc;
	struct user u;
	unsigned int r;
	int rc = 0, verdict;

	http_msg_init(&u.m, HTTP_REQUEST);
	user_decide(p, buf, len, &u);
	p->heads++;
	if (u.status == 0)
		p->user_ok++;
	else if (u.status > 0)
		p->user_bad++;
	guard = &p->al;
	kshim_set_allow(guard_allowed_value);
	kshim_set_guard(!p->any_host, 1);
	kshim_set_routes(p->tbl, p->n);
	kshim_set_req_max(accel_req_max(p->max_body));
	if (p->client >= PARITY_CLIENTS)
		abort();
	kernel_client(p->client, &kc);
	kshim_set_client(&kc);
	kshim_set_program(NULL);
	for (r = 0; r < p->n && rc == 0; r++)
		if (p->tbl[r].kernel)
			rc = check_one(p, &u, buf, len, r, &verdict, why, whylen);
	/* The first request of a connection, paired from the pool: the kernel
	 * chooses the route itself then. */
	if (rc == 0)
		rc = check_one(p, &u, buf, len, KSHIM_FIRST, &verdict, why, whylen);
	if (rc == 0 && p->program)
		rc = check_program(p, &u, buf, len, verdict == KSHIM_CARRY, why, whylen);
	http_msg_free(&u.m);
	if (rc < 0) {
		size_t n = strlen(why);

		snprintf(why + n, whylen - n, " (client: %s)", clients[p->client].name);
	}
	return rc;
}
