#!/bin/sh
# SPDX-License-Identifier: MIT
# --access-log FILE: one text line per request (also per request on one
# keep-alive connection) with time, client, method, path, status, body bytes,
# duration, route and engine.
. "$ZS_TESTS/lib.sh"

backend_start b1 >/dev/null
zs_start --access-log "$T/access.log" "/=127.0.0.1:$BACKEND_PORT"

# Four requests on one keep-alive connection.
u=http://127.0.0.1:$ZS_PORT
curl -s --max-time 8 -w '%{num_connects} %{http_code} %{size_download}\n' \
	-o /dev/null "$u/echo" -o /dev/null "$u/bytes/3000" \
	-o /dev/null "$u/status/201" -o /dev/null "$u/sleep/300" >"$T/curl.out" ||
	fail "curl failed: $(cat "$T/curl.out")"
expect_eq "$(awk '{ n += $1 } END { print n }' "$T/curl.out")" 1 "TCP connections curl opened"
expect_eq "$(awk '{ printf "%s ", $2 }' "$T/curl.out")" "200 200 201 200 " "statuses"

i=0
while [ "$(wc -l <"$T/access.log")" -lt 4 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.2
expect_eq "$(wc -l <"$T/access.log")" 4 "access log lines for 4 requests"

$PYTHON - "$T/access.log" "$T/curl.out" "$BACKEND_PORT" "$ZS_ENGINE_ARGS" <<'PY' || fail "access log: $(cat "$T/access.log")"
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
sizes = [l.split()[2] for l in open(sys.argv[2]).read().splitlines()]
port, engine_args = sys.argv[3], sys.argv[4]
want = [("/echo", "200"), ("/bytes/3000", "200"), ("/status/201", "201"), ("/sleep/300", "200")]
clients = set()
for line, (path, status), size in zip(lines, want, sizes):
    words = line.split()
    def need(cond, what):
        if not cond:
            sys.exit("line %r: %s" % (line, what))
    need(re.search(r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d", line), "no date and time")
    m = re.search(r"\b(127\.0\.0\.1)(:\d+)?\b", line)
    need(m, "no client address")
    clients.add(m.group(0))
    need(re.search(r"\bGET\b", line), "no method")
    need(re.search(r"(^|[\s\"])" + re.escape(path) + r"([\s\"]|$)", line), "no path " + path)
    need(status in words, "no status " + status)
    need(size in words, "no body byte count " + size)
    d = re.search(r"(?<![\w/])(\d+(?:\.\d+)?)\s?ms\b", line)
    need(d, "no duration in ms")
    if path == "/sleep/300":
        need(float(d.group(1)) >= 290, "duration %s ms for /sleep/300" % d.group(1))
    need(float(d.group(1)) < 5000, "duration %s ms" % d.group(1))
    need(re.search(r"127\.0\.0\.1:" + port + r"\b", line), "no route naming the backend")
    e = re.search(r"\bengine=(userspace|kernel)\b", line)
    need(e, "no engine (userspace or kernel)")
    if "--no-bpf" in engine_args.split():
        need(e.group(1) == "userspace", "engine %s under --no-bpf" % e.group(1))
if len(clients) != 1:
    sys.exit("one keep-alive connection logged as clients %s" % sorted(clients))
PY
exit 0
