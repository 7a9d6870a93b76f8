#!/usr/bin/env bash
# demo.sh - the classic case, with and without libnoclobber (run by `make demo`).
# NC_BUILD names the target's build directory (make demo TARGET=...); a guest
# program of another architecture runs through its qemu launcher.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${NC_BUILD:-build}
prog=$build/tests/demo_libc
run=()
[ -x "$build/emu/qemu-launch" ] && run=("$build/emu/qemu-launch")
echo "=== 1. Without the shim: MAP_FIXED silently replaces a page of libc"
"${run[@]}" "$prog"
echo
echo "=== 2. With LD_PRELOAD=$build/libnoclobber.so: refused, libc intact, one log line"
LD_PRELOAD=$build/libnoclobber.so "${run[@]}" "$prog"
