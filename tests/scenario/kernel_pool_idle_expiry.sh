#!/bin/sh
# SPDX-License-Identifier: MIT
# Connections lent to the kernel's pool expire as idle pooled ones do: with
# --upstream-timeout 2s, the backend connection that served one-request
# clients (and went back to the pool at their close) is closed by zeroserve
# within a few seconds of idleness (the pool's clock counts whole seconds), and the next one-request client is still
# answered (served by userspace, pool_empty) and warms the pool again.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --upstream-timeout 2s "/=127.0.0.1:$PA"

# zeroserve's connections to the backend: established, to its port.
to_backend() {
	awk -v p="$(printf ':%04X' "$PA")" '$3 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l
}

one() {
	zs_python - "$ZS_PORT" <<'PY' || fail "a one-request connection"
import sys
from rawhttp import Conn, pattern_bytes
c = Conn(int(sys.argv[1]))
r = c.request("GET", "/bytes/100", host="app.localhost", headers=[("Connection", "close")])
assert r.status == 200 and r.body == pattern_bytes(100), r
c.close()
PY
}

one
one
one
zs_counters
taken=$(counter pool_taken)
[ "$taken" -ge 1 ] || fail "no first request carried from the pool (pool_taken $taken)"
[ "$(to_backend)" -ge 1 ] || fail "no connection to the backend kept in the pool"

# Idle in the pool: gone within 5 s (2 s of idleness, swept every second).
i=0
while [ "$(to_backend)" -gt 0 ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "pool connections to the backend still open after 5 s: $(to_backend)"
	sleep 0.1
done
echo "pool connections closed after about $((i / 10)) s"

empty0=$(counter pool_empty)
one
one
zs_counters
[ "$(counter pool_empty)" -gt "$empty0" ] || fail "the first request after expiry did not find the pool empty"
[ "$(counter pool_taken)" -gt "$taken" ] || fail "the pool did not warm again"
kmsg_check
exit 0
