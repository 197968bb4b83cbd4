/* SPDX-License-Identifier: MIT */
/*
 * An LD_PRELOAD shim for priv_keep_cap_bpf: bpf(2) answered as Linux before
 * 6.5 answers it while kernel.unprivileged_bpf_disabled is set
 * (kernel/bpf/syscall.c, __sys_bpf: EPERM for every command unless
 * bpf_capable(); moved into map_create() and bpf_prog_load() by commit
 * 1d28635abcf1), on whatever kernel runs the test. libbpf makes every
 * bpf(2) call through syscall(__NR_bpf, ...) (libbpf 1.1, bpf.c, sys_bpf).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/capability.h>

long syscall(long number, ...);

typedef long (*syscall_fn)(long, ...);

/* CAP_BPF (39) or CAP_SYS_ADMIN in the calling thread's effective set. */
static int bpf_capable(syscall_fn real)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	uint64_t eff;

	memset(d, 0, sizeof(d));
	if (real(SYS_capget, &hdr, d) < 0)
		return 0;
	eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	return (eff >> 39 & 1) || (eff >> CAP_SYS_ADMIN & 1);
}

long syscall(long number, ...)
{
	static syscall_fn real;
	long a[6];
	va_list ap;
	int i;

	/* Six arguments whatever the call takes, as glibc's own syscall(2) reads them. */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (real == NULL)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	if (number == SYS_bpf && !bpf_capable(real)) {
		errno = EPERM;
		return -1;
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
