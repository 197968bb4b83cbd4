#!/bin/sh
# SPDX-License-Identifier: MIT
# The upstream pool outlives client connections: 20 clients, one after the
# other, each with its own connection, share a few backend connections.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

before=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns failed"
i=0
while [ $i -lt 20 ]; do
	code=$(zs_req "/echo?client=$i") || fail "client $i: curl failed"
	expect_eq "$code" 200 "client $i status"
	i=$((i + 1))
done
after=$(zs_curl "http://127.0.0.1:$PA/conns") || fail "backend /conns failed"
used=$((after - before - 1))
echo "backend connections for 20 client connections: $used"
[ "$used" -ge 1 ] || fail "backend saw $used connections"
[ "$used" -le 5 ] || fail "20 sequential clients opened $used backend connections, want <= 5 (no upstream pool?)"
exit 0
