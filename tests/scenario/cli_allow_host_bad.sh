#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad --allow-host value is one line on stderr naming it (or the option),
# exit status 2: empty, with a path or a scheme, with a port, with a space,
# missing; while good names and wildcards start.
. "$ZS_TESTS/lib.sh"

# Good values start (so the errors below are about the values, not an
# unknown option).
zs_start --allow-host app.test --allow-host '*.example.test' "/=127.0.0.1:$(zs_port)"
zs_stop_all

backend=127.0.0.1:$(zs_port)
expect_usage_error "--allow-host" --allow-host '' "/=$backend"
expect_usage_error "a/b|--allow-host" --allow-host 'a/b' "/=$backend"
expect_usage_error "name:80|--allow-host" --allow-host 'name:80' "/=$backend"
expect_usage_error "localhost:3000|--allow-host" --allow-host 'localhost:3000' "/=$backend"
expect_usage_error "http://app.test|--allow-host" --allow-host 'http://app.test' "/=$backend"
expect_usage_error "a b|--allow-host" --allow-host 'a b' "/=$backend"
expect_usage_error "--allow-host" --allow-host
exit 0
