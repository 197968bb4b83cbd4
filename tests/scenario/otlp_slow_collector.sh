#!/bin/sh
# SPDX-License-Identifier: MIT
# A collector slower than the batch period (otlp_receiver.py --delay 3: each
# POST answered after 3 s; zeroserve sends one at a time, a batch at most a
# second after its first record) while 2000 requests flow on one keep-alive
# connection on the kernel engine: the requests are not slowed (each under
# 200 ms); zeroserve's memory stays bounded while the records wait: its peak
# resident size (VmHWM) at most 16 MiB above its size before the requests
# (the queue is capped at 4 MiB of encoded records and a POST at 1 MiB,
# held twice, the request and the socket's buffer: 6 MiB, and 16 leaves
# room for the allocator's slack; 2000 records are about 1.5 MiB encoded
# and zeroserve grows about 5 MiB here); and once the collector catches up
# every record is accounted for: it has all 2000, exactly, and /metrics
# says sent 2000, dropped 0 (sent + dropped = 2000), none left at exit.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

N=2000
engine_setup kernel
PA=$(backend_start a)
otlp_receiver_start slow --delay 3
MP=$(zs_port)
zs_start_on kernel --metrics "127.0.0.1:$MP" --otlp-endpoint "http://127.0.0.1:$OTLP_PORT" \
	"/=127.0.0.1:$PA"
rss0=$(zs_status VmRSS | cut -d' ' -f1)
zs_python - "$ZS_PORT" "$N" >"$T/client.out" <<'PY' || fail "requests: $(cat "$T/client.out")"
import sys, time
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
slow, n = 0.0, int(sys.argv[2])
start = time.monotonic()
for i in range(n):
    t = time.monotonic()
    r = c.request("GET", "/bytes/%d?i=%d" % (i % 500, i))
    took = time.monotonic() - t
    assert r.status == 200 and len(r.body) == i % 500, "request %d: %r" % (i, r)
    if took > slow:
        slow, which = took, i
c.close()
print("slowest %.3f (request %d) all %.3f" % (slow, which, time.monotonic() - start))
PY
slow=$(sed -n 's/^slowest \([0-9.]*\) .*/\1/p' "$T/client.out")
expect_match "$slow" '^0\.(0|1)' "the slowest request's seconds ($(cat "$T/client.out"))"
zs_counters >/dev/null
[ "$(counter requests)" -ge $((N - 10)) ] || fail "the kernel carried $(counter requests) of $N requests"
# 4 POSTs of at most 512 records, 3 s each.
otlp_wait_records $N 60
metric_wait "$MP" zeroserve_otlp_records_sent_total $N
expect_eq "$(metric "$MP" zeroserve_otlp_records_dropped_total)" 0 "zeroserve_otlp_records_dropped_total"
hwm=$(zs_status VmHWM | cut -d' ' -f1)
[ $((hwm - rss0)) -le $((16 * 1024)) ] ||
	fail "zeroserve grew from $rss0 kB to a peak of $hwm kB while the records waited"
zs_python - "$OTLP_OUT" "$N" <<'PY' || fail "the collector's records"
import json, sys
n = int(sys.argv[2])
seen = sorted(int(json.loads(l)["attrs"]["url.query"][2:]) for l in open(sys.argv[1]))
assert seen == list(range(n)), "records for requests %r..." % seen[:20]
PY
zs_stop_all
! grep -q 'not exported' "$ZS_LOG" || fail "records left at exit: $(grep 'not exported' "$ZS_LOG")"
kmsg_check
exit 0
