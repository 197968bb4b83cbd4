#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine with a directory route beside a backend route: the kernel
# leaves directory requests to userspace, which serves them (small, large
# with sendfile, 304) on the same keep-alive connection as proxied ones.
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
mkdir "$T/root"
printf 'static\n' >"$T/root/index.html"
head -c 300000 /dev/urandom >"$T/root/big.bin"
PA=$(backend_start a)
zs_start_kernel "/=$T/root" "/echo=127.0.0.1:$PA"

zs_python - "$ZS_PORT" "$T/root/big.bin" <<'PY' || fail "static with the kernel engine"
import sys
from rawhttp import Conn
big = open(sys.argv[2], "rb").read()
c = Conn(int(sys.argv[1]))
for i in range(20):
    r = c.request("GET", "/")
    assert r.status == 200 and r.body == b"static\n", (i, r)
    r = c.request("GET", "/big.bin")
    assert r.status == 200 and r.body == big, (i, len(r.body))
    r = c.request("GET", "/echo/x")
    assert r.status == 200 and r.json()["backend"] == "a", (i, r)
r = c.request("GET", "/", headers=[("If-None-Match", c.request("GET", "/").header("ETag"))])
assert r.status == 304, r
assert not c.peer_closed(0.2)
PY
kmsg_check
exit 0
