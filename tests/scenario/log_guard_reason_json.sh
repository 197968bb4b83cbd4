#!/bin/sh
# SPDX-License-Identifier: MIT
# --log-format json: a refused request's access-log object carries
# "reason": "host-not-allowed" or "origin-not-allowed" with status 403; a
# served request's object has no reason.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start --access-log "$T/access.log" --log-format json "/=127.0.0.1:$PA"

zs_python - "$ZS_PORT" <<'PY' || fail "requests"
import sys
import guard
from rawhttp import build
port = int(sys.argv[1])
guard.served(port, build("GET", "/echo/served", "localhost:%d" % port), "a")
guard.refused(port, build("GET", "/echo/bad-host", "attacker.example:%d" % port), "Host")
guard.refused(port, build("GET", "/echo/bad-origin", "localhost:%d" % port,
                          [("Origin", "https://evil.example")]), "Origin")
PY

i=0
while [ "$(wc -l <"$T/access.log")" -lt 3 ] && [ $i -lt 60 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "$(wc -l <"$T/access.log")" 3 "access-log lines for 3 requests"

$PYTHON - "$T/access.log" <<'PY' || fail "access log: $(cat "$T/access.log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
by_path = {d["path"]: d for d in lines}
want = {"/echo/served": (200, None), "/echo/bad-host": (403, "host-not-allowed"),
        "/echo/bad-origin": (403, "origin-not-allowed")}
for path, (status, reason) in want.items():
    d = by_path.get(path)
    if d is None:
        sys.exit("no line for %s" % path)
    if d["status"] != status:
        sys.exit("%s: status %r, want %d" % (path, d["status"], status))
    if d.get("reason") != reason:
        sys.exit("%s: reason %r, want %r" % (path, d.get("reason"), reason))
    if reason is None and "reason" in d:
        sys.exit("%s: a served request carries a reason key: %r" % (path, d))
PY
exit 0
