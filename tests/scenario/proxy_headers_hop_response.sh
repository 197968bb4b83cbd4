#!/bin/sh
# SPDX-License-Identifier: MIT
# Hop-by-hop response headers (Connection and the headers it names,
# Keep-Alive) are not forwarded to the client; end-to-end ones are.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

# The backend really sends them.
zs_curl -D "$T/direct" -o /dev/null "http://127.0.0.1:$PA/headers-hop" || fail "backend failed"
grep -qi '^X-Hop: 1' "$T/direct" || fail "backend did not send X-Hop"

code=$(zs_req /headers-hop) || fail "curl failed"
expect_eq "$code" 200 "status"
expect_eq "$(resp_header X-Backend)" a "X-Backend"
expect_eq "$(resp_header X-End-To-End)" 1 "end-to-end response header"
[ -z "$(resp_header X-Hop)" ] || fail "X-Hop (named in the backend's Connection) reached the client"
[ -z "$(resp_header Keep-Alive)" ] || fail "backend's Keep-Alive reached the client: $(resp_header Keep-Alive)"
if resp_header Connection | grep -qi 'x-hop'; then
	fail "backend's Connection header reached the client: $(resp_header Connection)"
fi
expect_eq "$(cat "$T/body")" "hop-by-hop headers sent" "body"
exit 0
