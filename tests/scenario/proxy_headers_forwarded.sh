#!/bin/sh
# SPDX-License-Identifier: MIT
# The client's Host reaches the backend unchanged; X-Forwarded-For (appended
# to the client's own), X-Forwarded-Proto, X-Forwarded-Host and Forwarded
# are added.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

code=$(zs_req /echo/fwd -H 'Host: kept.localhost:8080') || fail "curl failed"
expect_eq "$code" 200 "status"
expect_eq "$(echo_header "$T/body" Host)" kept.localhost:8080 "Host at the backend"
expect_eq "$(echo_header "$T/body" X-Forwarded-For)" 127.0.0.1 "X-Forwarded-For at the backend"
expect_eq "$(echo_header "$T/body" X-Forwarded-Proto)" http "X-Forwarded-Proto at the backend"
expect_eq "$(echo_header "$T/body" X-Forwarded-Host)" kept.localhost:8080 "X-Forwarded-Host at the backend"
fwd=$(echo_header "$T/body" Forwarded)
expect_match "$fwd" '(^|[;,] *)for="?127\.0\.0\.1"?([;,]|$)' "Forwarded at the backend"
expect_match "$fwd" '(^|[;,] *)proto=http([;,]|$)' "Forwarded at the backend"

code=$(zs_req /echo/fwd2 -H 'Host: second.localhost' -H 'X-Forwarded-For: 10.1.2.3') ||
	fail "curl failed"
expect_eq "$code" 200 "status"
expect_eq "$(echo_header "$T/body" Host)" second.localhost "Host at the backend"
expect_match "$(echo_header "$T/body" X-Forwarded-For)" '^10\.1\.2\.3, ?127\.0\.0\.1$' \
	"X-Forwarded-For appended to the client's (one header)"
expect_eq "$(echo_header "$T/body" X-Forwarded-Host)" second.localhost "X-Forwarded-Host at the backend"
exit 0
