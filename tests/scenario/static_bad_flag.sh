#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad values of the directory options exit 2 with one line naming them; a
# DIRECTORY route that is not a directory too.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
port=$(zs_port)
expect_usage_error "--cache" -l "127.0.0.1:$port" --cache '' "$T/root"
expect_usage_error "--cache" -l "127.0.0.1:$port" --cache "$(printf 'a\001b')" "$T/root"
expect_usage_error "--cache" -l "127.0.0.1:$port" "$T/root" --cache
expect_usage_error "--browse" -l "127.0.0.1:$port" --browse=yes "$T/root"
expect_usage_error "$T/nonexistent" -l "127.0.0.1:$port" "/=$T/nonexistent"
exit 0
