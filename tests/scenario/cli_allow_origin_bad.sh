#!/bin/sh
# SPDX-License-Identifier: MIT
# A bad --allow-origin value is one line on stderr naming it (or the
# option), exit status 2: not a URL, a URL with a path, a bare
# host name, empty, missing; while good origins start.
. "$ZS_TESTS/lib.sh"

# Good values start (so the errors below are about the values, not an
# unknown option).
zs_start --allow-origin https://app.example.test --allow-origin http://127.0.0.1:5173 "/=127.0.0.1:$(zs_port)"
zs_stop_all

backend=127.0.0.1:$(zs_port)
expect_usage_error "not a url|--allow-origin" --allow-origin 'not a url' "/=$backend"
expect_usage_error "http://h/path|--allow-origin" --allow-origin 'http://h/path' "/=$backend"
expect_usage_error "--allow-origin" --allow-origin '' "/=$backend"
expect_usage_error "example.test|--allow-origin" --allow-origin 'example.test' "/=$backend"
expect_usage_error "--allow-origin" --allow-origin
exit 0
