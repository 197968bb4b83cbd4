#!/bin/sh
# SPDX-License-Identifier: MIT
# Where bpf(2) on the engine's maps needs CAP_BPF (Linux before 6.5 with
# kernel.unprivileged_bpf_disabled set, Debian 12's case; emulated here by
# tests/shim/unpriv_bpf.c), a root-started zeroserve finds out with a map
# lookup, keeps CAP_BPF alone (effective and permitted, nothing else, no
# other uid than nobody), says so in one line, and the kernel engine still
# pairs connections and carries their requests.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
shim=$(dirname "$ZS_BIN")/../tests/unpriv_bpf.so
[ -f "$shim" ] || fail "no $shim (make check builds it)"
unset SUDO_USER
uid=$(id -u nobody) || fail "no user nobody"
PA=$(backend_start a)
LD_PRELOAD=$shim
# An ASan build wants its runtime first; the shim only wraps syscall(2).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export LD_PRELOAD ASAN_OPTIONS
zs_start_kernel "/=127.0.0.1:$PA"
unset LD_PRELOAD
grep -E '^(Uid|Cap[A-Za-z]+|NoNewPrivs):' "/proc/$ZS_PID/status"
expect_eq "$(zs_status Uid)" "$uid $uid $uid $uid" "Uid"
expect_eq "$(zs_status CapEff)" 0000008000000000 "CapEff (CAP_BPF alone)"
expect_eq "$(zs_status CapPrm)" 0000008000000000 "CapPrm (CAP_BPF alone)"
expect_eq "$(zs_status CapInh)" 0000000000000000 "CapInh"
expect_eq "$(zs_status CapAmb)" 0000000000000000 "CapAmb"
expect_eq "$(zs_status NoNewPrivs)" 1 "NoNewPrivs"
expect_eq "$(grep -c 'keeping CAP_BPF: ' "$ZS_LOG")" 1 "'keeping CAP_BPF' lines"
grep -q "running as nobody (uid $uid; the default), only CAP_BPF left" "$ZS_LOG" ||
	fail "no 'only CAP_BPF left' line"

zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive GETs with CAP_BPF kept"
import sys
from rawhttp import Conn, pattern_bytes
want = pattern_bytes(1000)
c = Conn(int(sys.argv[1]))
for i in range(100):
    r = c.request("GET", "/bytes/1000")
    assert r.status == 200 and r.body == want, "request %d: %r" % (i, r)
c.close()
PY
zs_counters
[ "$(counter requests)" -ge 90 ] || fail "the kernel carried $(counter requests) of 100 requests, want >= 90"
kmsg_check
exit 0
