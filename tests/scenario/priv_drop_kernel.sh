#!/bin/sh
# SPDX-License-Identifier: MIT
# Started as root on the kernel engine, zeroserve ends up as nobody with no
# capabilities in any set (/proc/PID/status: Uid, CapEff, CapPrm, CapInh,
# CapAmb, NoNewPrivs) once the engine is loaded, and everything still works
# through what it opened before: the kernel carries keep-alive requests
# (pairing writes the maps after the drop), the directory route is served,
# SIGUSR1 reads the counters, the access log is written, SIGTERM drains and
# exits 0.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
# The default user: nobody, unless sudo's user (tested in priv_sudo_user).
unset SUDO_USER
uid=$(id -u nobody) || fail "no user nobody"
mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=$T/root" "/bytes=127.0.0.1:$PA"
grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs):' "/proc/$ZS_PID/status"
expect_unprivileged "$uid"
grep -q "running as nobody (uid $uid; the default), no capabilities left" "$ZS_LOG" ||
	fail "no 'running as nobody' line"

zs_python - "$ZS_PORT" <<'PY' || fail "keep-alive GETs after the drop"
import sys
from rawhttp import Conn, pattern_bytes
want = pattern_bytes(1000)
c = Conn(int(sys.argv[1]))
for i in range(100):
    r = c.request("GET", "/bytes/1000")
    assert r.status == 200 and r.body == want, "request %d: %r" % (i, r)
r = c.request("GET", "/")
assert r.status == 200 and r.body == b"static\n", r
c.close()
PY
zs_counters
[ "$(counter requests)" -ge 90 ] || fail "the kernel carried $(counter requests) of 100 requests after the drop, want >= 90"
grep -q '"GET /" 200 ' "$T/access.log" || fail "the directory request is not in the access log: $(tail -n 3 "$T/access.log")"

kill -TERM "$ZS_PID"
st=0
wait "$ZS_PID" || st=$?
expect_eq "$st" 0 "exit status after SIGTERM"
grep -q 'kernel engine counters (exit)' "$ZS_LOG" || fail "no counters at exit"
kmsg_check
exit 0
