#!/bin/sh
# SPDX-License-Identifier: MIT
# Host routes: app.localhost=TARGET takes every request whose Host is
# app.localhost (any port, any case), even where a host-less route has a
# longer prefix (man/zeroserve.8, ROUTES: a route naming a Host beats one
# that does not); other hosts fall through to the host-less routes. The
# lookalike app.localhost.evil is no localhost name: --allow-host takes it.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
PC=$(backend_start c)
zs_start --allow-host app.localhost.evil /=127.0.0.1:$PB app.localhost=127.0.0.1:$PA /echo/deep=127.0.0.1:$PC

# route HOST PATH BACKEND
route() {
	expect_echo "$2" "$3" -H "Host: $1"
	expect_eq "$(echo_header "$T/body" Host)" "$1" "Host the backend saw"
}

route app.localhost /echo a
route app.localhost /echo/x?y=1 a
route "app.localhost:$ZS_PORT" /echo a
route app.localhost:1234 /echo/z a
route APP.LocalHost /echo a
route app.localhost /echo/deep a
route app.localhost /echo/deep/er a
route other.localhost /echo b
route other.localhost /echo/deep c
route app.localhost.evil /echo b
route "127.0.0.1:$ZS_PORT" /echo b
exit 0
