#!/bin/sh
# SPDX-License-Identifier: MIT
# make check with --enable-fuzzers: each fuzzer (ZS_FUZZ_TARGETS) runs once
# over every input of its seed corpus, tests/fuzz/NAME/, where crashes found
# earlier stay as regression inputs. make fuzz does the fuzzing.
set -u
build=${ZS_BIN%/src/zeroserve}/tests
rc=0
mkdir -p "$build/fuzz-out" || exit 1
for t in $ZS_FUZZ_TARGETS; do
	out=$("$build/fuzz_$t" -runs=0 -artifact_prefix="$build/fuzz-out/replay-$t-" \
		"$ZS_TESTS/fuzz/$t" 2>&1)
	s=$?
	echo "fuzz_replay: $t: $(ls "$ZS_TESTS/fuzz/$t" | wc -l) inputs, exit $s"
	if [ "$s" -ne 0 ]; then
		printf '%s\n' "$out"
		rc=1
	fi
done
exit $rc
