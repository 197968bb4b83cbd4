#!/bin/sh
# SPDX-License-Identifier: MIT
# A 1 GiB (sparse) file downloads byte exact while zeroserve's memory stays
# bounded (VmHWM < 64 MiB): the body goes out with sendfile, not through
# userspace buffers or a mapping. A slow reader does not grow it either.
. "$ZS_TESTS/lib.sh"

mkdir "$T/root"
truncate -s 1G "$T/root/big.bin" || skip "cannot create a sparse file"
printf 'end' | dd of="$T/root/big.bin" bs=1 seek=$((1024 * 1024 * 1024 - 3)) conv=notrunc 2>/dev/null
zs_start "$T/root"

hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ZS_PID/status"
}
before=$(hwm)
ZS_CURL_TIMEOUT=120 zs_curl -o - "http://127.0.0.1:$ZS_PORT/big.bin" | cmp - "$T/root/big.bin" ||
	fail "1 GiB download differs"
after=$(hwm)
echo "VmHWM before $before kB, after $after kB"
[ "$after" -lt 65536 ] || fail "VmHWM $after kB after a 1 GiB download, want < 64 MiB"

# A slow reader for 2 s: memory stays put.
ZS_CURL_TIMEOUT=2 zs_curl --limit-rate 20M -o /dev/null "http://127.0.0.1:$ZS_PORT/big.bin" 2>/dev/null || :
slow=$(hwm)
echo "VmHWM after a slow reader $slow kB"
[ "$slow" -lt 65536 ] || fail "VmHWM $slow kB after a slow reader, want < 64 MiB"
exit 0
