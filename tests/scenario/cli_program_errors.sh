#!/bin/sh
# SPDX-License-Identifier: MIT
# A routing program that cannot be used is one line on stderr naming the
# file and the problem, and exit status 2, before anything listens: a file
# that is not there or not a BPF object, no ZS_PROGRAM() entry points,
# another program ABI, a ZS_ROUTE name no route has, a field it may not
# ask for; and the command line's own mistakes about programs: a route
# name that is no C identifier, one name for two routes, --verifier-log
# without --program.
. "$ZS_TESTS/lib.sh"

program_need header_canary
canary=$PROG
program_need no_entry
no_entry=$PROG
program_need abi_other
abi_other=$PROG
program_need field_host
field_host=$PROG
port=$(zs_port)
echo 'not an ELF file' >"$T/text.bpf.o"
L="-l 127.0.0.1:$port"

# shellcheck disable=SC2086 # L is two words on purpose
expect_usage_error "$T/nope.bpf.o: No such file" $L --program "$T/nope.bpf.o" /=127.0.0.1:1
expect_usage_error "$T/text.bpf.o: not a BPF object" $L --program "$T/text.bpf.o" /=127.0.0.1:1
expect_usage_error "no entry point zs_program_msg" $L --program "$no_entry" /=127.0.0.1:1
expect_usage_error "built against program ABI 42" $L --program "$abi_other" /=127.0.0.1:1
expect_usage_error "ZS_ROUTE(canary): no route is named 'canary'" $L --program "$canary" /=127.0.0.1:1
expect_usage_error "ZS_FIELDS name 'Host': a field zeroserve reads itself" $L --program "$field_host" /=127.0.0.1:1
expect_usage_error "bad route '1canary@=127.0.0.1:2': a route name" $L --program "$canary" 1canary@=127.0.0.1:2
expect_usage_error "duplicate route name 'canary'" $L canary@=127.0.0.1:2 canary@/x=127.0.0.1:3
expect_usage_error "--verifier-log without --program" $L --verifier-log "$T/log" /=127.0.0.1:1
# The error comes before the listener: the port was never taken.
$PYTHON -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" ||
	fail "port $port is taken after the failed starts"
exit 0
