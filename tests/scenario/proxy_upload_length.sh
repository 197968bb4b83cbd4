#!/bin/sh
# SPDX-License-Identifier: MIT
# Request bodies with Content-Length (0 B, 1 KiB, 5 MiB) reach the backend
# byte exact.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
zs_start /=127.0.0.1:$PA

: >"$T/0"
head -c 1024 /dev/urandom >"$T/1024"
head -c 5242880 /dev/urandom >"$T/5242880"
for n in 0 1024 5242880; do
	for method in POST PUT; do
		sum=$(sha256sum <"$T/$n" | cut -d' ' -f1)
		code=$(zs_req /echo/upload -X $method -H 'Expect:' --data-binary "@$T/$n") ||
			fail "$method $n bytes: curl failed"
		expect_eq "$code" 200 "$method $n bytes: status"
		expect_eq "$(json_get "$T/body" 'd["method"]')" $method "$method $n bytes: method"
		expect_eq "$(json_get "$T/body" 'd["body_length"]')" $n "$method $n bytes: length at the backend"
		expect_eq "$(json_get "$T/body" 'd["body_sha256"]')" "$sum" "$method $n bytes: sha256 at the backend"
		te=$(echo_header "$T/body" Transfer-Encoding)
		cl=$(echo_header "$T/body" Content-Length)
		{ [ "$cl" = $n ] && [ -z "$te" ]; } || { [ -z "$cl" ] && [ "$te" = chunked ]; } ||
			fail "$method $n bytes: backend got Content-Length '$cl', Transfer-Encoding '$te'"
	done
done
exit 0
