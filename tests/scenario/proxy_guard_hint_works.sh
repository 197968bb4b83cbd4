#!/bin/sh
# SPDX-License-Identifier: MIT
# The refusal's hint is the fix: for refused Hosts (a name, another case, a
# trailing dot, an IPv4 and an IPv6 address) and Origins (https, a port,
# null), zeroserve restarted with the option its 403 names ("start
# zeroserve with --allow-host NAME") serves that same request.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start "/=127.0.0.1:$PA"

# hint.py PORT refuse: send every case, each refused; print "N OPTION VALUE"
# per case (the hint). hint.py PORT serve N: case N is served.
cat >"$T/hint.py" <<'PY'
import re, sys
import guard
from rawhttp import build
port, mode = int(sys.argv[1]), sys.argv[2]
host = "localhost:%d" % port
CASES = [  # (Host, Origin or None)
    ("attacker.example:%d" % port, None),
    ("API.Example.Test", None),
    ("attacker.example.", None),
    ("198.51.100.7:%d" % port, None),
    ("[2001:db8::1]:%d" % port, None),
    (host, "https://evil.example"),
    (host, "http://evil.example:8080"),
    (host, "null"),
]


def request(n):
    h, origin = CASES[n]
    return build("GET", "/echo/case-%d" % n, h, [("Origin", origin)] if origin else [])


if mode == "refuse":
    for n, (h, origin) in enumerate(CASES):
        kind = "Origin" if origin else "Host"
        r = guard.refused(port, request(n), kind, None, "case %d: Host %s, Origin %s" % (n, h, origin))
        m = re.search(r"(--allow-(?:host|origin)) (\S+)\s*$", r.body.decode())
        assert m, "case %d: no option in %r" % (n, r.body)
        print(n, m.group(1), m.group(2))
else:
    n = int(sys.argv[3])
    guard.served(port, request(n), "a", "case %d (%r) after the hint's option" % (n, CASES[n]))
PY

zs_python "$T/hint.py" "$ZS_PORT" refuse >"$T/hints" || fail "the requests are not refused by default"
expect_eq "$(wc -l <"$T/hints")" 8 "hints for 8 refused requests"
while read -r n opt value; do
	zs_kill "$ZS_PID"
	zs_start "$opt" "$value" "/=127.0.0.1:$PA"
	zs_python "$T/hint.py" "$ZS_PORT" serve "$n" </dev/null ||
		fail "case $n: zeroserve $opt '$value' (the 403's hint) does not serve the request"
done <"$T/hints"
exit 0
