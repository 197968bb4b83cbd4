/* SPDX-License-Identifier: MIT */
/*
 * A routing program (--program FILE.bpf.o, man zeroserve-program.7): its
 * load, with the checks that give users one line they can act on, and
 * its decision for a request the userspace engine holds. The program's
 * raw_tp entry runs through BPF_PROG_TEST_RUN on the request written into
 * its mmapped zs_ureq map (doc/architecture.md, "Routing programs").
 */
#ifndef ZS_PROGRAM_H
#define ZS_PROGRAM_H

#include <stddef.h>

#include "zeroserve/program.h"
#include "progreq.h"
#include "router.h"

struct program;

/*
 * Open, check and load path against the routes (ZS_ROUTE names), its
 * zs_kreq being the map kreq_fd (a reload's: the kernel engine's), or its
 * own (-1). On a verifier refusal the whole log goes to vlog_path when
 * given, and err says which entry point, the reason, and where the log
 * is; the log's tail is printed to stderr. 0 or -errno with one line in
 * err.
 */
int program_load(struct program **out, const char *path, const struct router *rt,
		 const char *vlog_path, int kreq_fd, char *err, size_t errlen);

/* Do a and b ask for the same fields, in the same slots? */
int program_same_fields(const struct program *a, const struct program *b);

/* The field names it asked for (ZS_FIELDS). */
const struct progreq_fields *program_fields(const struct program *p);

/*
 * Run it on req: its action (enum zs_action), with *v filled in, after
 * checking the verdict (a route id that exists, a status it may use), or
 * -errno: it could not run, or its verdict is not one (-EPROTO).
 */
int program_decide(struct program *p, const struct zs_request *req, struct zs_verdict *v);

/* What a verdict the kernel engine recorded is worth, checked as
 * program_decide checks the program's own. */
int program_check(const struct program *p, int action, struct zs_verdict *v);

/* The kernel engine's way in (src/accel.c): the program's zs_kreq map and
 * zs_resume prog array, and its kernel entry. */
int program_kreq_fd(const struct program *p);
int program_resume_fd(const struct program *p);
int program_msg_fd(const struct program *p);

/*
 * 0 when bpf(2) on it works with the calling thread's capabilities as
 * they are, -EPERM when it needs CAP_BPF (src/privdrop.c); arg: the
 * program. A map lookup: no run the program would count.
 */
int program_usable(void *arg);

void program_free(struct program *p);

#endif
