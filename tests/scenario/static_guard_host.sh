#!/bin/sh
# SPDX-License-Identifier: MIT
# Directory routes get the Host and Origin checks too: a file is served for
# Host: localhost, while Host: attacker.example and Origin:
# https://evil.example get zeroserve's 403 (not the file) and a close.
. "$ZS_TESTS/lib.sh"

mkdir -p "$T/root"
printf 'secret-notes\n' >"$T/root/notes.txt"
printf '<p>index</p>\n' >"$T/root/index.html"
zs_start "/=$T/root"

zs_python - "$ZS_PORT" <<'PY' || fail "directory route and the guard"
import sys
import guard
from rawhttp import Conn, build
port = int(sys.argv[1])
c = Conn(port)
r = c.request("GET", "/notes.txt", host="localhost:%d" % port)
assert r.status == 200 and r.body == b"secret-notes\n", r
r = c.request("GET", "/notes.txt", host="app.localhost", headers=[("Origin", "http://localhost:5173")])
assert r.status == 200 and r.body == b"secret-notes\n", r
c.close()
for target in ("/notes.txt", "/", "/missing"):
    r = guard.refused(port, build("GET", target, "attacker.example:%d" % port), "Host",
                      "attacker.example", "GET %s with Host: attacker.example" % target)
    assert b"secret-notes" not in r.body and b"index" not in r.body, r
    r = guard.refused(port, build("GET", target, "localhost:%d" % port,
                                  [("Origin", "https://evil.example")]),
                      "Origin", "https://evil.example", "GET %s from https://evil.example" % target)
    assert b"secret-notes" not in r.body, r
PY
exit 0
