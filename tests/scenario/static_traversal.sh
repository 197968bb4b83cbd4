#!/bin/sh
# SPDX-License-Identifier: MIT
# Traversal attempts never leave the root: "..", "%2e%2e", "%2f", "%00",
# backslashes and mixes are refused (400) or stay inside (404); the secret
# beside the root is never sent.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root/sub"
printf 'public\n' >"$T/root/sub/ok.txt"
printf 'TOPSECRET\n' >"$T/secret.txt"
zs_start "/files=$T/root"

zs_python - "$ZS_PORT" <<'PY' || fail "traversal"
import sys
from rawhttp import Conn
port = int(sys.argv[1])
attempts = [
    "/files/../secret.txt",
    "/files/sub/../../secret.txt",
    "/files/%2e%2e/secret.txt",
    "/files/%2E%2E/secret.txt",
    "/files/sub/%2e%2e/%2e%2e/secret.txt",
    "/files/.%2e/secret.txt",
    "/files/..%2fsecret.txt",
    "/files/sub%2f..%2f..%2fsecret.txt",
    "/files/%2e%2e%2fsecret.txt",
    "/files/sub/ok.txt%00.png",
    "/files/%00",
    "/files/..\\secret.txt",
    "/files/sub/..%5c..%5csecret.txt",
    "/files//../secret.txt",
    "/files/%252e%252e/secret.txt",
]
for target in attempts:
    c = Conn(port)
    r = c.request("GET", target)
    assert r.status in (400, 404), (target, r)
    assert b"TOPSECRET" not in r.body, (target, r)
    c.close()
# Dot segments that stay inside are fine.
c = Conn(port)
r = c.request("GET", "/files/sub/../sub/./ok.txt")
assert r.status == 200 and r.body == b"public\n", r
PY
# curl --path-as-is sends the dots unchanged, too.
code=$(zs_req /files/../secret.txt) || fail "curl failed"
expect_eq "$code" 400 "status of /files/../secret.txt"
grep -q TOPSECRET "$T/body" && fail "secret sent"
exit 0
