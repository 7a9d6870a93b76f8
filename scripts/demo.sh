#!/usr/bin/env bash
# demo.sh - the classic case, with and without libnoclobber (run by `make demo`).
set -u
cd "$(dirname "$0")/.." || exit 2
prog=build/tests/demo_libc
echo "=== 1. Without the shim: MAP_FIXED silently replaces a page of libc"
"$prog"
echo
echo "=== 2. With LD_PRELOAD=build/libnoclobber.so: refused, libc intact, one log line"
LD_PRELOAD=build/libnoclobber.so "$prog"
