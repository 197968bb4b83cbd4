/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "program.h"
#include "accel_env.h"
#include "log.h"

/* The verifier's log, per entry point: a refusal's reason is in it. */
#define VLOG_SIZE (4u << 20)
/* Lines of it shown on stderr; the rest goes to --verifier-log. */
#define VLOG_TAIL 20

struct program {
	struct bpf_object *obj;
	int user_fd;
	struct zs_scratch *ureq; /* zs_ureq, mapped */
	size_t ureq_len;
	size_t nroutes;
	struct progreq_fields fields;
};

/* libbpf's own warnings during our load: the last one, for the one line. */
static char libbpf_last[256];

static int __attribute__((format(printf, 2, 0)))
quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
	n = strlen(libbpf_last);
	while (n > 0 && (libbpf_last[n - 1] == '\n' || libbpf_last[n - 1] == ' '))
		libbpf_last[--n] = '\0';
	return 0;
}

static const struct btf_type *datasec(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_DATASEC);

	return id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
}

static struct bpf_map *internal_map(struct bpf_object *obj, const char *suffix)
{
	struct bpf_map *m;
	size_t sl = strlen(suffix), nl;

	bpf_object__for_each_map(m, obj)
	{
		const char *n = bpf_map__name(m);

		nl = strlen(n);
		if (bpf_map__is_internal(m) && nl >= sl && strcmp(n + nl - sl, suffix) == 0)
			return m;
	}
	return NULL;
}

/* The field names, lower case, each a name a program may ask for. */
static int read_fields(struct program *p, const char *path, const char *names, size_t size,
		       char *err, size_t errlen)
{
	const char *why;
	size_t i, j, len;

	if (size != ZS_REQ_FIELDS * ZS_REQ_FIELD_NAME_MAX) {
		log_seterr(err, errlen, "%s: zs_field_names is not char[%d][%d]: use ZS_FIELDS()",
			   path, ZS_REQ_FIELDS, ZS_REQ_FIELD_NAME_MAX);
		return -EPROTO;
	}
	p->fields.n = ZS_REQ_FIELDS;
	for (i = 0; i < ZS_REQ_FIELDS; i++) {
		const char *n = names + i * ZS_REQ_FIELD_NAME_MAX;

		len = strnlen(n, ZS_REQ_FIELD_NAME_MAX);
		if (len == 0)
			continue;
		why = progreq_field_refusal(n, len);
		if (why != NULL) {
			log_seterr(err, errlen, "%s: ZS_FIELDS name '%.*s': %s", path, (int)len, n,
				   why);
			return -EPROTO;
		}
		for (j = 0; j < len; j++)
			p->fields.name[i][j] = (char)tolower((unsigned char)n[j]);
		p->fields.name[i][len] = '\0';
		/* The kernel's reader fills the first slot a name has. */
		for (j = 0; j < i; j++)
			if (strcmp(p->fields.name[j], p->fields.name[i]) == 0) {
				log_seterr(err, errlen, "%s: ZS_FIELDS names '%s' twice", path,
					   p->fields.name[i]);
				return -EPROTO;
			}
	}
	return 0;
}

/*
 * The .rodata variables zeroserve reads or writes before the load: the
 * ABI mark, the route ids (zs_route__NAME) and the field names.
 */
static int fill_rodata(struct program *p, const char *path, const struct router *rt, char *err,
		       size_t errlen)
{
	const struct btf *btf = bpf_object__btf(p->obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *m;
	size_t size;
	char *data;
	int abi = 0, i, rc;

	sec = btf != NULL ? datasec(btf, ".rodata") : NULL;
	m = internal_map(p->obj, ".rodata");
	/* Writable before the load: libbpf keeps an internal map's image in
	 * memory it maps, as skeletons write .rodata (libbpf 1.1 declares
	 * the pointer const; later versions do not). */
	data = m != NULL ? (char *)(uintptr_t)bpf_map__initial_value(m, &size) : NULL;
	if (sec == NULL || data == NULL) {
		log_seterr(err, errlen,
			   "%s: no zs_program_abi: not built with zeroserve/program.h's "
			   "ZS_PROGRAM() (or without -g: its BTF is needed)",
			   path);
		return -EPROTO;
	}
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const char *name =
		    btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);
		char *at = data + vs->offset;

		if (name == NULL || vs->offset + vs->size > size)
			continue;
		if (strcmp(name, "zs_program_abi") == 0 && vs->size == sizeof(__u32)) {
			abi = 1;
			if (*(__u32 *)at != ZS_PROGRAM_ABI) {
				log_seterr(err, errlen,
					   "%s: built against program ABI %u, this zeroserve "
					   "speaks %u: rebuild it with this zeroserve's "
					   "zeroserve/program.h",
					   path, *(__u32 *)at, ZS_PROGRAM_ABI);
				return -EPROTO;
			}
		} else if (strncmp(name, "zs_route__", 10) == 0) {
			const struct route *r = router_find_name(rt, name + 10, strlen(name + 10));

			if (r == NULL) {
				log_seterr(err, errlen,
					   "%s: ZS_ROUTE(%s): no route is named '%s' (name one "
					   "%s@[HOST][/PREFIX]=TARGET, or %s@=TARGET for a route "
					   "only programs use)",
					   path, name + 10, name + 10, name + 10, name + 10);
				return -ENOENT;
			}
			if (vs->size != sizeof(__u32)) {
				log_seterr(err, errlen, "%s: %s is not a __u32: use ZS_ROUTE()",
					   path, name);
				return -EPROTO;
			}
			*(__u32 *)at = r->id;
		} else if (strcmp(name, "zs_field_names") == 0) {
			rc = read_fields(p, path, at, vs->size, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	if (!abi) {
		log_seterr(
		    err, errlen,
		    "%s: no zs_program_abi: not built with zeroserve/program.h's ZS_PROGRAM()",
		    path);
		return -EPROTO;
	}
	return 0;
}

/* The maps shared by name must be the header's, or the engines would
 * write past them. */
static int check_map(struct bpf_object *obj, const char *path, const char *name,
		     enum bpf_map_type type, __u32 value_size, char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (m == NULL || bpf_map__type(m) != type || bpf_map__value_size(m) != value_size ||
	    bpf_map__max_entries(m) != 1) {
		log_seterr(err, errlen,
			   "%s: map %s %s: it must be zeroserve/program.h's (ZS_PROGRAM())", path,
			   name, m == NULL ? "missing" : "differs");
		return -EPROTO;
	}
	return 0;
}

static struct bpf_program *entry(struct bpf_object *obj, const char *path, const char *name,
				 enum bpf_prog_type type, char *err, size_t errlen)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	if (prog == NULL || bpf_program__type(prog) != type) {
		log_seterr(err, errlen,
			   "%s: %s entry point %s: build it with zeroserve/program.h's "
			   "ZS_PROGRAM(decide)",
			   path, prog == NULL ? "no" : "a wrong", name);
		return NULL;
	}
	return prog;
}

/* The verifier's reason: its log's last line that is not its tally. */
static void log_reason(const char *log, char *out, size_t outlen)
{
	const char *end = log + strlen(log), *b, *e = end;

	out[0] = '\0';
	while (e > log) {
		while (e > log && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		b = e;
		while (b > log && b[-1] != '\n')
			b--;
		if (e > b && strncmp(b, "processed ", 10) != 0 &&
		    strncmp(b, "verification time", 17) != 0 &&
		    strncmp(b, "stack depth", 11) != 0) {
			snprintf(out, outlen, "%.*s", (int)(e - b), b);
			return;
		}
		e = b;
	}
}

/* The last lines of log, on stderr, before the one line. */
static void print_tail(const char *log)
{
	const char *end = log + strlen(log), *tail;
	size_t before;

	while (end > log && end[-1] == '\n')
		end--;
	tail = log_tail(log, end, VLOG_TAIL + 1, &before);
	fprintf(stderr, "--- verifier log%s ---\n%.*s\n--- end ---\n",
		before > 0 ? " (its end)" : "", (int)(end - tail), tail);
}

static int refused(const char *path, const char *entry_name, const char *what, const char *log,
		   const char *vlog_path, int loaderr, char *err, size_t errlen)
{
	char reason[512], saved[PATH_MAX + 64] = "";
	FILE *f;

	log_reason(log, reason, sizeof(reason));
	if (reason[0] == '\0') {
		/* Not the verifier: libbpf said why. */
		log_seterr(err, errlen, "%s: cannot load %s: %s", path, entry_name,
			   libbpf_last[0] ? libbpf_last : strerror(-loaderr));
		return loaderr;
	}
	if (vlog_path != NULL) {
		f = fopen(vlog_path, "w");
		if (f != NULL && fputs(log, f) >= 0 && fclose(f) == 0)
			snprintf(saved, sizeof(saved), "; whole log in %s", vlog_path);
		else
			snprintf(saved, sizeof(saved), "; cannot write %s: %s", vlog_path,
				 strerror(errno));
	}
	print_tail(log);
	log_seterr(err, errlen, "%s: the verifier refused %s (%s): %s%s%s", path, entry_name, what,
		   reason,
		   strstr(reason, "GPL") != NULL
		       ? " (this helper needs a GPL-compatible license: char LICENSE[] "
			 "SEC(\"license\") = \"Dual MIT/GPL\")"
		       : "",
		   saved);
	return -EACCES;
}

int program_load(struct program **out, const char *path, const struct router *rt,
		 const char *vlog_path, int kreq_fd, char *err, size_t errlen)
{
	struct bpf_program *msg, *user;
	libbpf_print_fn_t old;
	char *log_msg = NULL, *log_user = NULL, why[256];
	struct program *p;
	long page = sysconf(_SC_PAGESIZE);
	int rc;

	*out = NULL;
	if (access(path, R_OK) < 0) {
		rc = -errno;
		log_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (accel_env_caps(why, sizeof(why)) < 0) {
		log_seterr(err, errlen, "%s: a routing program %s", path, why);
		return -EPERM;
	}
	p = calloc(1, sizeof(*p));
	log_msg = malloc(VLOG_SIZE);
	log_user = malloc(VLOG_SIZE);
	if (p == NULL || log_msg == NULL || log_user == NULL) {
		rc = -ENOMEM;
		log_seterr(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	log_msg[0] = log_user[0] = '\0';
	p->user_fd = -1;
	p->nroutes = rt->n;
	libbpf_last[0] = '\0';
	old = libbpf_set_print(quiet_print);
	p->obj = bpf_object__open_file(path, NULL);
	if (p->obj == NULL) {
		rc = -errno;
		log_seterr(err, errlen, "%s: not a BPF object zeroserve can read: %s", path,
			   libbpf_last[0] ? libbpf_last : strerror(errno));
		goto fail_print;
	}
	msg = entry(p->obj, path, "zs_program_msg", BPF_PROG_TYPE_SK_MSG, err, errlen);
	user = msg != NULL ? entry(p->obj, path, "zs_program_user", BPF_PROG_TYPE_RAW_TRACEPOINT,
				   err, errlen)
			   : NULL;
	if (msg == NULL || user == NULL) {
		rc = -EPROTO;
		goto fail_print;
	}
	rc = fill_rodata(p, path, rt, err, errlen);
	if (rc == 0)
		rc = check_map(p->obj, path, "zs_kreq", BPF_MAP_TYPE_PERCPU_ARRAY,
			       sizeof(struct zs_scratch), err, errlen);
	if (rc == 0)
		rc = check_map(p->obj, path, "zs_ureq", BPF_MAP_TYPE_ARRAY,
			       sizeof(struct zs_scratch), err, errlen);
	if (rc == 0)
		rc = check_map(p->obj, path, "zs_resume", BPF_MAP_TYPE_PROG_ARRAY, sizeof(__u32),
			       err, errlen);
	if (rc == 0 && kreq_fd >= 0) {
		rc = bpf_map__reuse_fd(bpf_object__find_map_by_name(p->obj, "zs_kreq"), kreq_fd);
		if (rc < 0)
			log_seterr(err, errlen, "%s: cannot share the kernel engine's zs_kreq: %s",
				   path, strerror(-rc));
	}
	if (rc < 0)
		goto fail_print;
	bpf_program__set_log_buf(msg, log_msg, VLOG_SIZE);
	bpf_program__set_log_buf(user, log_user, VLOG_SIZE);
	rc = bpf_object__load(p->obj);
	if (rc < 0) {
		/* The entry whose log is not empty is the one refused. */
		if (log_user[0] != '\0')
			rc = refused(path, "zs_program_user", "the userspace engine's entry",
				     log_user, vlog_path, rc, err, errlen);
		else
			rc = refused(path, "zs_program_msg", "the kernel engine's entry", log_msg,
				     vlog_path, rc, err, errlen);
		goto fail_print;
	}
	libbpf_set_print(old);
	p->user_fd = bpf_program__fd(user);
	p->ureq_len = (sizeof(struct zs_scratch) + (size_t)page - 1) & ~((size_t)page - 1);
	p->ureq = mmap(NULL, p->ureq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(bpf_object__find_map_by_name(p->obj, "zs_ureq")), 0);
	if (p->ureq == MAP_FAILED) {
		rc = -errno;
		p->ureq = NULL;
		log_seterr(err, errlen, "%s: cannot map zs_ureq: %s (it needs BPF_F_MMAPABLE)",
			   path, strerror(errno));
		goto fail;
	}
	free(log_msg);
	free(log_user);
	*out = p;
	return 0;
fail_print:
	libbpf_set_print(old);
fail:
	free(log_msg);
	free(log_user);
	program_free(p);
	return rc;
}

const struct progreq_fields *program_fields(const struct program *p)
{
	return &p->fields;
}

int program_same_fields(const struct program *a, const struct program *b)
{
	unsigned int k;

	for (k = 0; k < ZS_REQ_FIELDS; k++)
		if (strcmp(a->fields.name[k], b->fields.name[k]) != 0)
			return 0;
	return 1;
}

int program_decide(struct program *p, const struct zs_request *req, struct zs_verdict *v)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct zs_scratch *s = p->ureq;

	s->req = *req;
	memset(&s->v, 0, sizeof(s->v));
	s->action = -1;
	if (bpf_prog_test_run_opts(p->user_fd, &opts) < 0)
		return -errno;
	if ((int)opts.retval != 0)
		return -EPROTO;
	*v = s->v;
	return program_check(p, s->action, v);
}

int program_check(const struct program *p, int action, struct zs_verdict *v)
{
	v->tag[ZS_TAG_MAX - 1] = '\0';
	switch (action) {
	case ZS_DEFAULT:
		return action;
	case ZS_ROUTE:
		return v->route < p->nroutes ? action : -EPROTO;
	case ZS_REFUSE:
		return v->status == 403 || v->status == 404 || v->status == 429 || v->status == 503
			   ? action
			   : -EPROTO;
	default:
		return -EPROTO;
	}
}

static int map_fd(const struct program *p, const char *name);

int program_usable(void *arg)
{
	struct program *p = arg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd(p, "zs_ureq"), &zero, p->ureq) < 0)
		return -errno;
	return 0;
}

static int map_fd(const struct program *p, const char *name)
{
	return bpf_map__fd(bpf_object__find_map_by_name(p->obj, name));
}

int program_kreq_fd(const struct program *p)
{
	return map_fd(p, "zs_kreq");
}

int program_resume_fd(const struct program *p)
{
	return map_fd(p, "zs_resume");
}

int program_msg_fd(const struct program *p)
{
	return bpf_program__fd(bpf_object__find_program_by_name(p->obj, "zs_program_msg"));
}

void program_free(struct program *p)
{
	if (p == NULL)
		return;
	if (p->ureq != NULL)
		munmap(p->ureq, p->ureq_len);
	bpf_object__close(p->obj);
	free(p);
}
