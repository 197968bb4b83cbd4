#!/bin/sh
# SPDX-License-Identifier: MIT
# A collector that fails a POST (otlp_receiver.py --fail 1: the first one
# gets 503), on both engines: that batch is dropped and counted, never
# retried, and the next batch goes through on the same endpoint. Two
# batches of 10 requests (the second once the first was dropped): exactly
# zeroserve_otlp_records_dropped_total 10 and sent 10, sent + dropped = the
# 20 requests made, the collector holds exactly the second batch's records,
# and zeroserve's log says the POST was answered 503, then that the
# collector answers again.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

for engine in user kernel; do
	engine_setup $engine
	PA=$(backend_start a)
	otlp_receiver_start $engine --fail 1
	MP=$(zs_port)
	zs_start_on $engine --metrics "127.0.0.1:$MP" --otlp-endpoint "http://127.0.0.1:$OTLP_PORT" \
		"/=127.0.0.1:$PA"
	for batch in 1 2; do
		zs_python - "$ZS_PORT" $batch <<'PY' || fail "$engine engine, batch $batch: requests"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for i in range(10):
    r = c.request("GET", "/bytes/%d" % (100 * int(sys.argv[2]) + i))
    assert r.status == 200, r
c.close()
PY
		[ $engine = kernel ] && zs_counters >/dev/null
		if [ $batch = 1 ]; then
			metric_wait "$MP" zeroserve_otlp_records_dropped_total 10
			expect_eq "$(otlp_records)" 0 "$engine engine: records the collector kept of the failed POST"
		else
			otlp_wait_records 10
			metric_wait "$MP" zeroserve_otlp_records_sent_total 10
		fi
	done
	expect_eq "$(metric "$MP" zeroserve_otlp_records_dropped_total)" 10 \
		"$engine engine: zeroserve_otlp_records_dropped_total"
	zs_python - "$OTLP_OUT" <<'PY' || fail "$engine engine: the collector's records: $(cat "$OTLP_OUT")"
import json, sys
paths = sorted(json.loads(l)["attrs"]["url.path"] for l in open(sys.argv[1]))
assert paths == ["/bytes/%d" % (200 + i) for i in range(10)], paths
PY
	zs_otlp_warnings >"$T/warnings.$engine"
	grep -q "answered 503.*10 records dropped" "$T/warnings.$engine" ||
		fail "$engine engine: no warning of the 503: $(cat "$T/warnings.$engine")"
	expect_eq "$(wc -l <"$T/warnings.$engine")" 1 "$engine engine: warnings of dropped records"
	expect_eq "$(grep -c "otlp: http://127.0.0.1:$OTLP_PORT answers again" "$ZS_LOG")" 1 \
		"$engine engine: lines saying the collector answers again"
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0
