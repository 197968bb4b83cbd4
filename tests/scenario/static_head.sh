#!/bin/sh
# SPDX-License-Identifier: MIT
# HEAD: the same status and fields as GET (Content-Length included), no
# body, for a small and a large file; the connection carries on.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
printf 'hello head\n' >"$T/root/f.txt"
head -c 500000 /dev/urandom >"$T/root/big.bin"
zs_start "$T/root"

zs_python - "$ZS_PORT" <<'PY' || fail "HEAD"
import sys
from rawhttp import Conn
c = Conn(int(sys.argv[1]))
for path, size in (("/f.txt", 11), ("/big.bin", 500000)):
    g = c.request("GET", path)
    h = c.request("HEAD", path)
    assert h.status == 200 and g.status == 200, (g, h)
    assert h.body == b"", h
    assert h.header("Content-Length") == str(size), h
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert h.header(name) == g.header(name), (name, g, h)
h = c.request("HEAD", "/missing.txt")
assert h.status == 404 and h.body == b"", h
# Still in sync: the next GET is answered whole.
g = c.request("GET", "/f.txt")
assert g.status == 200 and g.body == b"hello head\n", g
PY
exit 0
