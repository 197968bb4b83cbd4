#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGTERM right after 20 requests, on both engines, before their batch is
# due (a batch waits up to 1 s): zeroserve exports what it has before it
# exits (the kernel's records too, read at exit), at once with a collector
# that answers: the collector holds all 20 the moment zeroserve is gone,
# zeroserve exited within 1.5 s, says nothing of records not exported, and
# the metrics textfile it writes at exit counts them:
# zeroserve_otlp_records_sent_total 20, dropped 0.
. "$ZS_TESTS/lib.sh"
. "$ZS_TESTS/otlplib.sh"

for engine in user kernel; do
	otlp_exit_after_20 $engine 5000
	[ "$ms" != never ] && [ "$ms" -le 1500 ] ||
		fail "$engine engine: zeroserve exited $ms ms after SIGTERM, want <= 1500"
	expect_eq "$(otlp_records)" 20 "$engine engine: records the collector has once zeroserve exited"
	! grep -q 'not exported' "$ZS_LOG" || fail "$engine engine: $(grep 'not exported' "$ZS_LOG")"
	$PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" >"$T/promcheck.out" ||
		fail "$engine engine: the textfile: $(cat "$T/promcheck.out")"
	expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" --get zeroserve_otlp_records_sent_total)" 20 \
		"$engine engine: zeroserve_otlp_records_sent_total in the textfile written at exit"
	expect_eq "$($PYTHON "$ZS_TESTS/promcheck.py" "$D/zs.prom" --get zeroserve_otlp_records_dropped_total)" 0 \
		"$engine engine: zeroserve_otlp_records_dropped_total in the textfile written at exit"
	zs_stop_all
	[ $engine = kernel ] && kmsg_check
done
exit 0
