#!/bin/sh
# SPDX-License-Identifier: MIT
# Host+prefix routes: app.localhost/echo/api=A beats app.localhost=B for its
# prefix; other hosts use the host-less routes.
. "$ZS_TESTS/lib.sh"

PA=$(backend_start a)
PB=$(backend_start b)
PC=$(backend_start c)
PD=$(backend_start d)
zs_start /=127.0.0.1:$PD app.localhost=127.0.0.1:$PB \
	/echo/api=127.0.0.1:$PC app.localhost/echo/api=127.0.0.1:$PA

# route HOST PATH BACKEND
route() {
	expect_echo "$2" "$3" -H "Host: $1"
}

route app.localhost /echo/api a
route app.localhost /echo/api/users?id=7 a
route "app.localhost:$ZS_PORT" /echo/api/x a
route app.localhost /echo/apix b
route app.localhost /echo/other b
route other.localhost /echo/api/users c
route other.localhost /echo/other d
exit 0
