#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend name with an IPv4 and an IPv6 answer, the backend listening on
# ::1 only (a dev server bound to "localhost" may be): the IPv4 connect is
# refused, zeroserve tries the IPv6 address and answers 200, says so once in
# its log, and the next requests go there at once. The name comes from an
# /etc/hosts of this test's own, in a private mount namespace.
. "$ZS_TESTS/lib.sh"

$PYTHON -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
	skip "no IPv6 loopback (::1)"
[ "$(id -u)" = 0 ] || skip "a private /etc/hosts needs root (mount namespace)"
unshare -m true 2>/dev/null || skip "unshare -m is not available"

PA=$(BACKEND_HOST=::1 backend_start a)
printf '127.0.0.1 dual.localhost\n::1 dual.localhost\n' >"$T/hosts"
cat >"$T/zs-ns" <<EOF
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' "$T/hosts" "$ZS_BIN" "\$@"
EOF
chmod +x "$T/zs-ns"
ZS_BIN="$T/zs-ns" zs_start "/=dual.localhost:$PA"

for i in 1 2 3; do
	code=$(zs_req "/echo/fam$i") || fail "request $i: curl failed"
	expect_eq "$code" 200 "request $i through a backend on ::1 only"
	expect_eq "$(json_get "$T/body" 'd["path"]')" "/echo/fam$i" "path at the backend"
done
grep -q "backend 127.0.0.1:$PA does not answer; trying \[::1\]:$PA" "$ZS_LOG" ||
	fail "no log line about trying [::1]:$PA: $(cat "$ZS_LOG")"
expect_eq "$(grep -c 'does not answer' "$ZS_LOG")" 1 "log lines about the switch"
exit 0
