/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for libbpf's <bpf/bpf_core_read.h> in tests/kshim (see
 * bpf_helpers.h there). There is no kernel BTF to relocate against: the
 * CO-RE views keep their own layout, and no field "exists" in the kernel,
 * so zs.bpf.c takes its older-kernel branch (no sockmap queue bound).
 */
#ifndef KSHIM_BPF_CORE_READ_H
#define KSHIM_BPF_CORE_READ_H

/* __attribute__((preserve_access_index)) is clang's; an empty list is C. */
#define preserve_access_index

#define bpf_core_field_exists(...)	   0
#define bpf_core_field_offset(type, field) __builtin_offsetof(type, field)

#endif
