#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, a backend route named localhost (/=localhost:PORT) whose
# backend listens on ::1 only, as a dev server bound to "localhost" may:
# with localhost resolving to 127.0.0.1 and ::1 (an /etc/hosts of this
# test's own, in a private mount namespace), zeroserve finds the backend on
# [::1] and the kernel carries the requests (counters requests >= 70 of 80
# rounds' requests), byte exact, with the same forwarding fields as
# --no-bpf (X-Forwarded-For 127.0.0.1).
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
[ "$(id -u)" = 0 ] || skip "a private /etc/hosts needs root (mount namespace)"
unshare -m true 2>/dev/null || skip "unshare -m is not available"
cg_setup
kmsg_mark
PA=$(BACKEND_HOST=::1 backend_start a)
printf '127.0.0.1 localhost\n::1 localhost\n' >"$T/hosts"
cat >"$T/zs-ns" <<EOF2
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' "$T/hosts" "$ZS_BIN" "\$@"
EOF2
chmod +x "$T/zs-ns"
ZS_BIN="$T/zs-ns"

# 40 rounds on one connection from HOST to zeroserve; the forwarding
# fields the backend saw (the same on every request) into FILE as JSON.
rounds() {
	zs_python "$ZS_TESTS/fwdrounds.py" "$ZS_PORT" "$1" "$2" || fail "40 rounds from $1 ($3)"
}

zs_start_kernel "/=localhost:$PA"
rounds 127.0.0.1 "$T/kernel.json" kernel
grep -q "trying \[::1\]:$PA" "$ZS_LOG" || fail "no log line about trying [::1]:$PA: $(cat "$ZS_LOG")"
zs_counters
requests=$(counter requests)
[ "$requests" -ge 70 ] || fail "the kernel carried $requests of 80 requests to localhost:$PA on ::1, want >= 70"
expect_eq "$(json_get "$T/kernel.json" 'd["x-forwarded-for"]')" "127.0.0.1" "X-Forwarded-For (kernel engine)"
zs_kill "$ZS_PID"

ZS_ENGINE_ARGS=--no-bpf
zs_start "/=localhost:$PA"
rounds 127.0.0.1 "$T/user.json" userspace
expect_eq "$(cat "$T/user.json")" "$(cat "$T/kernel.json")" "forwarding fields, --no-bpf against the kernel engine"
kmsg_check
exit 0
