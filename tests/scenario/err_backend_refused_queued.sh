#!/bin/sh
# SPDX-License-Identifier: MIT
# A backend that refuses with nothing open to it is down: requests waiting
# in its queue get 502 each in turn, right away, not 503 after the queue
# timeout. 20 concurrent GETs with --backend-max-connecting 1 (19 of them
# queued) to a port nobody listens on: 20 answers of 502, within 5 s.
. "$ZS_TESTS/lib.sh"

DEAD=$(zs_port)
zs_start --backend-max-connecting 1 --queue-timeout 30s "/=127.0.0.1:$DEAD"

t0=$(now_ns)
zs_python "$ZS_TESTS/burst.py" --port "$ZS_PORT" --n 20 --path / >"$T/burst" 2>"$T/burst.err" ||
	fail "burst client: $(tail -n 5 "$T/burst.err")"
ms=$((($(now_ns) - t0) / 1000000))
expect_eq "$(cat "$T/burst")" "502 20" "statuses of 20 concurrent GETs to a closed port"
grep -q "refused the connection" "$T/burst.err" || fail "502 without 'refused': $(head -n 3 "$T/burst.err")"
[ "$ms" -lt 5000 ] || fail "20 refusals took $ms ms"
exit 0
