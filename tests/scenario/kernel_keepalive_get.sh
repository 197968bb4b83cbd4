#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, keep-alive GETs: 200 GETs of /bytes/1000 on one client
# connection come back byte exact; the kernel carried them (counters
# requests and responses >= 190, bytes_down >= 190000) and userspace did
# not see them: at most a handful of engine=userspace access-log lines (the
# first request or few), and one engine=kernel line for each request the
# kernel carried.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "200 keep-alive GETs"
import sys
from rawhttp import Conn, pattern_bytes
want = pattern_bytes(1000)
c = Conn(int(sys.argv[1]))
for i in range(200):
    r = c.request("GET", "/bytes/1000", host="ka.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert r.header("X-Backend") == "a", "request %d: %r" % (i, r)
    assert r.body == want, "request %d: %d bytes, not the pattern" % (i, len(r.body))
    assert not c.eof, "request %d: connection closed" % i
assert not c.peer_closed(0.2), "connection closed after 200 requests"
c.close()
PY

zs_counters
requests=$(counter requests)
bytes_down=$(counter bytes_down)
user=$(grep -c 'engine=userspace' "$T/access.log" || :)
kernel=$(grep -c 'engine=kernel' "$T/access.log" || :)
echo "access-log lines: $user userspace, $kernel kernel"
[ "$requests" -ge 190 ] || fail "the kernel carried $requests of 200 requests, want >= 190"
[ "$(counter responses)" -ge 190 ] || fail "the kernel carried $(counter responses) of 200 responses, want >= 190"
[ "$bytes_down" -ge 190000 ] || fail "bytes_down=$bytes_down for $requests kernel requests of 1000-byte bodies"
[ "$user" -le 5 ] || fail "$user engine=userspace access-log lines (userspace served them), want <= 5"
[ "$kernel" = "$requests" ] || fail "$kernel engine=kernel access-log lines for $requests kernel requests"
[ $((user + kernel)) = "$(wc -l <"$T/access.log")" ] || fail "access-log lines of no engine: $(grep -v 'engine=' "$T/access.log" | head -n 1)"
kmsg_check
exit 0
