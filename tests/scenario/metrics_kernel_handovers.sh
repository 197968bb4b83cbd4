#!/bin/sh
# SPDX-License-Identifier: MIT
# The kernel engine's state in the metrics: zeroserve_kernel_handovers_total
# has a sample per reason, each equal to the kernel's counter of that name
# (the "kernel engine counters" line), and a chunked POST (reason feature)
# and a Host the guard has not seen yet (reason guard) make theirs rise by
# one each;
# zeroserve_bpf_map_entries{map="zs_conns"} is above 0 while a client is
# connected, and zs_conns holds at most 65536; zeroserve_kernel_engine is 1.
# On the userspace engine zeroserve_kernel_engine is 0 and the reasons and
# maps have no samples.
. "$ZS_TESTS/lib.sh"

# check_handovers: the scrape's handovers equal the last zs_counters line's
# counters; prints the feature and guard values.
check_handovers() {
	zs_python - "$MP" "$(cat "$T/counters")" <<'PY' || fail "kernel engine: handovers and counters"
import re, sys
from metrics_scrape import scrape, series, value
port, line = int(sys.argv[1]), sys.argv[2]
counters = {k: int(v) for k, v in re.findall(r"([a-z_]+)=([0-9]+)", line)}
# The metric's reason: the counters line's name.
names = {"busy": "user", "unpaired": "unpaired", "head": "head", "feature": "feature",
         "route": "route", "response": "response", "guard": "guard", "pool_empty": "pool_empty",
         "program": "program", "redirect_failed": "redirect_fail"}
samples, _ = scrape(port)
got = {dict(ls)["reason"]: v for ls, v in series(samples, "zeroserve_kernel_handovers_total").items()}
assert set(got) == set(names), "reasons %r, want %r" % (sorted(got), sorted(names))
for reason, counter in names.items():
    assert got[reason] == counters[counter], "handovers{reason=%r} %r, counter %s=%d (%s)" % (
        reason, got[reason], counter, counters[counter], line)
assert value(samples, "zeroserve_kernel_engine") == 1, "zeroserve_kernel_engine is not 1"
print("%d %d" % (got["feature"], got["guard"]))
PY
}

cg_setup
kmsg_mark
PA=$(backend_start a)
MP=$(zs_port)
zs_start_kernel --metrics "127.0.0.1:$MP" "/=127.0.0.1:$PA"
# A first request, which the guard sees first: its Host is allowed then.
code=$(zs_req /echo/first -H "Host: localhost") || fail "GET /echo/first"
expect_eq "$code" 200 "GET /echo/first"
zs_counters >/dev/null
v=$(check_handovers)
feature0=${v% *}
guard0=${v#* }

zs_python - "$ZS_PORT" "$MP" <<'PY' || fail "kernel engine: a chunked POST and a new Host"
import sys
from metrics_scrape import scrape, series, value
from rawhttp import Conn, build
port, mp = int(sys.argv[1]), int(sys.argv[2])
c = Conn(port)
r = c.request("GET", "/echo/a", host="localhost")
assert r.status == 200, r
# While this client is connected, its socket is in zs_conns.
samples, _ = scrape(mp)
used = value(samples, "zeroserve_bpf_map_entries", map="zs_conns")
cap = value(samples, "zeroserve_bpf_map_max_entries", map="zs_conns")
assert used > 0, "zs_conns has %r entries with a client connected" % used
assert cap == 65536, "zs_conns holds at most %r" % cap
maps = {dict(ls)["map"] for ls in series(samples, "zeroserve_bpf_map_entries")}
assert maps == {dict(ls)["map"] for ls in series(samples, "zeroserve_bpf_map_max_entries")}, maps
for ls, v in series(samples, "zeroserve_bpf_map_entries").items():
    assert v <= samples[("zeroserve_bpf_map_max_entries", ls)], "map %r: %r entries" % (dict(ls), v)
# A chunked body: the kernel hands the request up (feature).
c.send(b"POST /echo/chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
       b"5\r\nhello\r\n0\r\n\r\n")
r = c.read_response()
assert r.status == 200 and r.json()["body_length"] == 5, r
# A Host the guard has not allowed yet (guard).
r = c.request("GET", "/echo/b", host="new-host.localhost:%d" % port)
assert r.status == 200, r
c.close()
PY
zs_counters >/dev/null
v=$(check_handovers)
feature=${v% *}
guard=${v#* }
echo "feature $feature0 -> $feature, guard $guard0 -> $guard"
expect_eq "$feature" $((feature0 + 1)) "handovers{reason=\"feature\"} after a chunked POST (was $feature0)"
expect_eq "$guard" $((guard0 + 1)) "handovers{reason=\"guard\"} after a new Host (was $guard0)"
kmsg_check
zs_stop_all

# The userspace engine.
PA=$(backend_start b)
MP=$(zs_port)
zs_start_on user --metrics "127.0.0.1:$MP" "/=127.0.0.1:$PA"
code=$(zs_req /echo/user) || fail "GET /echo/user"
expect_eq "$code" 200 "GET /echo/user"
zs_python - "$MP" <<'PY' || fail "user engine: the kernel's metrics"
import sys
from metrics_scrape import scrape, series, value
samples, _ = scrape(int(sys.argv[1]))
assert value(samples, "zeroserve_kernel_engine") == 0, "user engine: zeroserve_kernel_engine is not 0"
assert ("zeroserve_kernel_engine", frozenset()) in samples, "user engine: no zeroserve_kernel_engine"
for fam in ("zeroserve_kernel_handovers_total", "zeroserve_bpf_map_entries",
            "zeroserve_bpf_map_max_entries"):
    assert not series(samples, fam), "user engine: %s %r" % (fam, series(samples, fam))
PY
exit 0
