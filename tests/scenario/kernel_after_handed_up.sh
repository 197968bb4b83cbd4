#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine, back to the kernel after an answer it handed up: a client
# that asks again once it has read a chunked answer (which userspace
# relays) finds the kernel ready for it: 50 rounds of (chunked GET, plain
# GET) on one connection, every plain GET carried by the kernel, none handed
# to userspace as "still busy". zeroserve publishes the count of relayed
# answers, with the bytes it sent, before their last bytes go out; when it
# published after them, a client quicker than this one lost that race under
# load (this client is too slow to lose it on an idle machine).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
PA=$(backend_start a)
zs_start_kernel "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "answers after a chunked one"
import sys
from rawhttp import Conn, pattern_bytes
c = Conn(int(sys.argv[1]))
r = c.request("GET", "/bytes/10", host="foreign.localhost")  # pairs the connection
assert r.status == 200 and r.body == pattern_bytes(10), r
for i in range(50):
    r = c.request("GET", "/bytes/%d?chunked=1" % (3000 + i), host="foreign.localhost")
    assert r.framing == "chunked" and r.body == pattern_bytes(3000 + i), "round %d: %r" % (i, r)
    r = c.request("GET", "/bytes/%d" % (100 + i), host="foreign.localhost")
    assert r.framing == "length" and r.body == pattern_bytes(100 + i), "round %d: %r" % (i, r)
c.close()
PY

zs_counters
requests=$(counter requests)
handed=$(counter response)
busy=$(counter user)
[ "$handed" -ge 50 ] || fail "counters response=$handed: the 50 chunked answers were not all handed up"
[ "$busy" = 0 ] || fail "counters user=$busy: requests found zeroserve still busy with a relayed answer"
[ "$requests" -ge 100 ] || fail "counters requests=$requests: the kernel carried fewer than the 100 requests after the first"
kmsg_check
exit 0
