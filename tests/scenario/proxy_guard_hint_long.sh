#!/bin/sh
# SPDX-License-Identifier: MIT
# The refusal's hint names long values whole: a 144-byte Host (DNS allows
# 253) and an Origin as long, refused by default, are served once zeroserve
# runs with the option the 403 names.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
LONG=$($PYTHON -c 'print("a" * 63 + "." + "b" * 63 + ".attacker.example")')
zs_start "/=127.0.0.1:$PA"

hint() {
	zs_python - "$ZS_PORT" "$1" "$2" <<'PY'
import re, sys
import guard
from rawhttp import build
port, kind, value = int(sys.argv[1]), sys.argv[2], sys.argv[3]
data = build("GET", "/echo/x", value if kind == "Host" else "localhost",
             [("Origin", value)] if kind == "Origin" else [])
r = guard.refused(port, data, kind)
m = re.search(r"(--allow-(?:host|origin)) (\S+)\s*$", r.body.decode())
assert m, "no option in %r" % r.body
print(m.group(1), m.group(2))
PY
}
h=$(hint Host "$LONG") || fail "Host: $LONG: no refusal with a hint"
expect_eq "$h" "--allow-host $LONG" "the hint for a 144-byte Host"
h=$(hint Origin "https://$LONG") || fail "Origin: https://$LONG: no refusal with a hint"
expect_eq "$h" "--allow-origin https://$LONG" "the hint for a 152-byte Origin"
exit 0
