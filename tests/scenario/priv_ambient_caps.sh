#!/bin/sh
# SPDX-License-Identifier: MIT
# The systemd unit's start (contrib/systemd/zeroserve.service.in): a
# non-root user with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON as ambient
# capabilities. zeroserve keeps its uid, loads the kernel engine, then drops
# every capability (CapEff, CapPrm, CapInh, CapAmb empty, no_new_privs) and
# the kernel still carries requests.
. "$ZS_TESTS/lib.sh"

cg_setup
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is not installed"
kmsg_mark
uid=$(id -u nobody) || fail "no user nobody"
gid=$(id -g nobody)
as_unit="setpriv --reuid=$uid --regid=$gid --clear-groups --inh-caps=+bpf,+net_admin,+perfmon --ambient-caps=+bpf,+net_admin,+perfmon"
bin=$ZS_BIN
# nobody must be able to run the binary: a copy in $T if the build
# directory is closed to it.
if ! $as_unit test -x "$bin"; then
	cp "$bin" "$T/zeroserve"
	bin=$T/zeroserve
fi
PA=$(backend_start a)
ZS_STARTS=$((ZS_STARTS + 1))
ZS_LOG="$T/zeroserve.$ZS_STARTS.log"
# shellcheck disable=SC2086 # as_unit is a word list
$as_unit "$bin" -l "127.0.0.1:$ZS_PORT" --cgroup "$CG" "/=127.0.0.1:$PA" >"$ZS_LOG" 2>&1 </dev/null &
ZS_PID=$!
_zs_track "$ZS_PID"
_zs_wait_port "$ZS_PORT" "$ZS_PID" 5 || fail "zeroserve with ambient capabilities did not start"
_zs_wait_engine
grep -q 'kernel engine on (cgroup ' "$ZS_LOG" ||
	fail "no kernel engine with ambient capabilities: $(grep 'kernel engine' "$ZS_LOG" || echo 'no "kernel engine" line')"
grep -E '^(Uid|Cap[A-Za-z]+|NoNewPrivs):' "/proc/$ZS_PID/status"
expect_unprivileged "$uid"
grep -q "running as nobody (uid $uid; started as this user), no capabilities left" "$ZS_LOG" ||
	fail "no 'running as nobody' line"

zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive GETs after the drop"
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
[ "$(counter requests)" -ge 90 ] || fail "the kernel carried $(counter requests) of 100 requests after the drop, want >= 90"
kmsg_check
exit 0
