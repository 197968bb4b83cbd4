#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel engine with Debian's nginx as the backend (sendfile, writev): 100
# keep-alive GETs of a 64 KiB file on one client connection come back byte
# exact, and the kernel carried them (counters requests and responses >= 90).
. "$ZS_TESTS/lib.sh"

cg_setup
kmsg_mark
mkdir -p "$T/www"
head -c 65536 /dev/urandom >"$T/www/file.bin"
PN=$(nginx_start "$T/www")
zs_start_kernel --access-log "$T/access.log" "/=127.0.0.1:$PN"

zs_python - "$ZS_PORT" "$T/www/file.bin" <<'PY' || fail "100 GETs of a 64 KiB file from nginx"
import sys
from rawhttp import Conn
want = open(sys.argv[2], "rb").read()
c = Conn(int(sys.argv[1]))
for i in range(100):
    r = c.request("GET", "/file.bin", host="nginx.localhost")
    assert r.status == 200, "request %d: %r" % (i, r)
    assert (r.header("Server") or "").startswith("nginx"), "request %d: %r" % (i, r)
    assert r.body == want, "request %d: %d bytes, not the file" % (i, len(r.body))
    assert not c.eof, "request %d: connection closed" % i
c.close()
PY

zs_counters
requests=$(counter requests)
responses=$(counter responses)
echo "access-log lines: $(wc -l <"$T/access.log")"
[ "$requests" -ge 90 ] || fail "the kernel carried $requests of 100 requests, want >= 90"
[ "$responses" -ge 90 ] || fail "the kernel carried $responses of 100 responses, want >= 90"
kmsg_check
exit 0
