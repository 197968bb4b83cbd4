#!/bin/sh
# SPDX-License-Identifier: MIT
# --otlp-endpoint names a port nothing listens on, on both engines: every
# request is still answered at once (the proxy never waits on the
# exporter: each of 30 well under a second), every record is counted as
# dropped once its batch fails (zeroserve_otlp_records_dropped_total 30,
# sent 0), and zeroserve's log says so rate-limited: three failed POSTs
# (three batches of 10, a batch after the one before was dropped) make
# one or two warning lines, not one per POST or per record.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	DOWN=$(zs_port) # reserved for this test, never listened on
	MP=$(zs_port)
	zs_start_on $engine --metrics "127.0.0.1:$MP" --otlp-endpoint "http://127.0.0.1:$DOWN" \
		"/=127.0.0.1:$PA"
	for batch in 1 2 3; do
		zs_python - "$ZS_PORT" $batch >"$T/times.$engine.$batch" <<'PY' || fail "$engine engine, batch $batch: requests"
import sys, time
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(10):
    t = time.monotonic()
    r = c.request("GET", "/bytes/%d" % (100 * int(sys.argv[2]) + i))
    took = time.monotonic() - t
    assert r.status == 200, r
    print("%.3f" % took)
c.close()
PY
		slow=$(sort -n "$T/times.$engine.$batch" | tail -n 1)
		expect_match "$slow" '^0\.[0-4]' "$engine engine, batch $batch: the slowest request's seconds"
		[ $engine = kernel ] && zs_counters >/dev/null
		metric_wait "$MP" zeroserve_otlp_records_dropped_total $((batch * 10))
	done
	expect_eq "$(metric "$MP" zeroserve_otlp_records_sent_total)" 0 \
		"$engine engine: zeroserve_otlp_records_sent_total"
	zs_otlp_warnings >"$T/warnings.$engine"
	n=$(wc -l <"$T/warnings.$engine")
	[ "$n" -ge 1 ] && [ "$n" -le 2 ] ||
		fail "$engine engine: $n warnings of dropped records for 3 failed POSTs, want 1 or 2: $(cat "$T/warnings.$engine")"
	grep -q "127.0.0.1:$DOWN" "$T/warnings.$engine" ||
		fail "$engine engine: the warning does not name the endpoint: $(cat "$T/warnings.$engine")"
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0
