#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad listen address is one line on stderr naming it, exit status 2, no listener.
. "$ZS_TESTS/lib.sh"

backend=127.0.0.1:$(zs_port)
expect_usage_error 999.1.1.1 -l 999.1.1.1:80 "/=$backend"
expect_usage_error 99999 -l 127.0.0.1:99999 "/=$backend"
expect_usage_error nonsense -l nonsense "/=$backend"
expect_usage_error 127.0.0.1: -l 127.0.0.1: "/=$backend"
expect_usage_error 127.0.0.1:http8 -l 127.0.0.1:http8 "/=$backend"

# A good address given next to a bad one must not be left listening either.
good=$(zs_port)
expect_usage_error nonsense -l "127.0.0.1:$good" -l nonsense "/=$backend"
$PYTHON - "$good" <<'PY' || fail "127.0.0.1:$good accepts connections after a usage error"
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(0)
sys.exit(1)
PY
exit 0
