#!/bin/sh
# SPDX-License-Identifier: MIT
# zeroserve --check where the kernel engine runs (root, cgroup v2): one line
# each for the kernel, BTF, capabilities, lockdown, the cgroup v2 mount, the
# cgroup it would attach to (--cgroup), bpffs, the user it would serve as
# and the engine; exit 0. It binds
# nothing (its -l port is taken by a backend) and attaches nothing.
. "$ZS_TESTS/lib.sh"

cg_setup
unset SUDO_USER
PA=$(backend_start a)
st=0
timeout 10 "$ZS_BIN" --check --cgroup "$CG" -l "127.0.0.1:$PA" "/=127.0.0.1:$PA" \
	>"$T/out" 2>"$T/err" </dev/null || st=$?
cat "$T/out"
expect_eq "$st" 0 "--check exit status as root with cgroup v2 (stderr: $(cat "$T/err"))"
expect_match "$(sed -n 1p "$T/out")" "^kernel: Linux $(uname -r | sed 's/[.+]/\\&/g') \(uname\)$" "line 1"
expect_eq "$(sed -n 2p "$T/out")" "kernel BTF: /sys/kernel/btf/vmlinux" "line 2"
expect_eq "$(sed -n 3p "$T/out")" "capabilities: CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON (or CAP_SYS_ADMIN)" "line 3"
expect_eq "$(sed -n 4p "$T/out")" "lockdown: not in confidentiality mode" "line 4"
expect_match "$(sed -n 5p "$T/out")" "^cgroup v2: mounted at /" "line 5"
expect_eq "$(sed -n 6p "$T/out")" "cgroup: would attach to $CG (--cgroup)" "line 6"
expect_match "$(sed -n 7p "$T/out")" "^bpffs: (not )?mounted at /sys/fs/bpf \(not needed: zeroserve pins nothing\)$" "line 7"
expect_eq "$(sed -n 8p "$T/out")" "user: would switch to nobody (uid $(id -u nobody), gid $(id -g nobody); the default) and drop every capability" "line 8"
expect_eq "$(sed -n 9p "$T/out")" "engine: kernel (the BPF load itself is tried at start)" "line 9"
expect_eq "$(wc -l <"$T/out")" 9 "--check lines"
[ ! -s "$T/err" ] || fail "--check wrote to stderr: $(cat "$T/err")"
# Nothing attached: the cgroup has no program.
BPFTOOL=/usr/sbin/bpftool
[ -x "$BPFTOOL" ] || BPFTOOL=$(command -v bpftool) || exit 0
attached=$("$BPFTOOL" cgroup show "$CG" 2>&1) || fail "bpftool cgroup show $CG: $attached"
[ -z "$attached" ] || fail "--check left programs on $CG: $attached"
exit 0
