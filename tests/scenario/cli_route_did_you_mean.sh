#!/bin/sh
# SPDX-License-Identifier: MIT
# A route that is a near miss of a backend exits 2 with one line naming the
# fix; a port out of range names the range; no sound guess keeps the
# "is not a directory" message.
. "$ZS_TESTS/lib.sh"

cd "$T" || fail "cd $T"
port=$(zs_port)
expect_usage_error "did you mean :3000?" -l "127.0.0.1:$port" 3000x
expect_usage_error "did you mean :3000?" -l "127.0.0.1:$port" 3000/
expect_usage_error "did you mean :3001?" -l "127.0.0.1:$port" /api=3001x
expect_usage_error "did you mean http://localhost:3000/app?" -l "127.0.0.1:$port" \
	localhost:3000/app
expect_usage_error "port 0 out of range (1-65535)" -l "127.0.0.1:$port" 0
expect_usage_error "port 70000 out of range (1-65535)" -l "127.0.0.1:$port" 70000
expect_usage_error "port 65536 out of range (1-65535)" -l "127.0.0.1:$port" /api=65536
expect_usage_error "'3000ms' is not a directory" -l "127.0.0.1:$port" 3000ms
expect_usage_error "'dist' is not a directory" -l "127.0.0.1:$port" dist
exit 0
