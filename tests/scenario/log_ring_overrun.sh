#!/bin/sh
# SPDX-License-Identifier: MIT
# The kernel's request records overrun their ring (--log-ring 64k: about
# 256 records) while zeroserve reads none (SIGSTOP): the kernel carries the
# requests all the same (its programs run in the client's and the backend's
# sendmsg, not in zeroserve), every one answered; what did not fit is
# counted, not lost silently: once zeroserve runs again, its access log's
# kernel lines plus the counters line's log_dropped are exactly the kernel's
# requests counter, log_dropped is more than 0, and /metrics says the same
# (zeroserve_log_events_dropped_total = log_dropped,
# zeroserve_log_events_total = the kernel lines).
. "$ZS_TESTS/lib.sh"

N=2000
engine_setup kernel
PA=$(backend_start a)
MP=$(zs_port)
zs_start_on kernel --log-ring 64k --access-log "$T/access" --log-format json \
	--metrics "127.0.0.1:$MP" "/=127.0.0.1:$PA"

# One keep-alive client: a first request, then (once $T/go exists) N more.
zs_python - "$ZS_PORT" "$T" "$N" >"$T/client.out" 2>&1 <<'PY' &
import os, sys, time
from rawhttp import Conn
port, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = Conn(port, timeout=5)
r = c.request("GET", "/bytes/10")
assert r.status == 200, r
open(d + "/first", "w").close()
end = time.monotonic() + 20
while not os.path.exists(d + "/go"):
    assert time.monotonic() < end, "no go within 20 s"
    time.sleep(0.01)
slow = 0
for i in range(n):
    t = time.monotonic()
    r = c.request("GET", "/bytes/%d" % (i % 100))
    assert r.status == 200 and len(r.body) == i % 100, "request %d: %r" % (i, r)
    slow = max(slow, time.monotonic() - t)
print("done %d slowest %.3f" % (n, slow))
PY
CLIENT=$!
i=0
while [ ! -e "$T/first" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the first request did not end within 10 s: $(cat "$T/client.out")"
	sleep 0.05
done
# zeroserve has done all it does for the first request (the connection's
# pairing included) once it answers a signal sent after it.
before=$(zs_counters)
kill -STOP "$ZS_PID"
touch "$T/go"
crc=0
wait $CLIENT || crc=$?
kill -CONT "$ZS_PID"
[ $crc -eq 0 ] || fail "with zeroserve stopped, the client failed: $(cat "$T/client.out")"
grep -q "^done $N " "$T/client.out" || fail "client: $(cat "$T/client.out")"

zs_counters >/dev/null
kreq=$(counter requests)
dropped=$(counter log_dropped)
[ "$(counter_rise requests "$before")" -eq $N ] ||
	fail "the kernel carried $(counter_rise requests "$before") of the $N requests made while zeroserve was stopped"
[ "$dropped" -gt 0 ] || fail "log_dropped is 0 after $N records into a ring of about 256"
klines=$(grep -c '"engine":"kernel"' "$T/access")
lines=$(wc -l <"$T/access")
expect_eq $((klines + dropped)) "$kreq" "kernel log lines ($klines) + log_dropped ($dropped), the kernel's requests"
# Userspace logs what the kernel did not carry (the first request, maybe).
expect_eq "$lines" $((klines + N + 1 - kreq)) "access log lines"
zs_python - "$T/access" <<'PY' || fail "the access log is not valid"
import sys
from obslib import read_log
lines = read_log(sys.argv[1])
assert all(l["status"] == 200 and l["path"].startswith("/bytes/") for l in lines)
PY

curl -sS --noproxy '*' --max-time 5 -o "$T/metrics" "http://127.0.0.1:$MP/metrics" ||
	fail "GET /metrics failed"
$PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" || fail "/metrics is not valid Prometheus text"
expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" --get zeroserve_log_events_dropped_total)" \
	"$dropped" "zeroserve_log_events_dropped_total"
expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$T/metrics" --get zeroserve_log_events_total)" \
	"$klines" "zeroserve_log_events_total"
zs_stop_all
kmsg_check
exit 0
