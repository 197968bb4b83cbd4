/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for libbpf's <bpf/bpf_endian.h> in tests/kshim (see bpf_helpers.h
 * there). No <arpa/inet.h>: its AF_INET would clash with zs.bpf.c's own.
 */
#ifndef KSHIM_BPF_ENDIAN_H
#define KSHIM_BPF_ENDIAN_H

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define bpf_ntohl(x) __builtin_bswap32(x)
#define bpf_ntohs(x) __builtin_bswap16(x)
#else
#define bpf_ntohl(x) (x)
#define bpf_ntohs(x) (x)
#endif
#define bpf_htonl(x) bpf_ntohl(x)
#define bpf_htons(x) bpf_ntohs(x)

#endif
