#!/usr/bin/env bash
# make-seeds.sh OUTDIR - seeds the fuzzers cannot keep in git cheaply: whole real
# maps files (60,000 lines), a 1 MiB line. Each maps seed starts with the two
# control bytes fuzz_maps.c reads (chunk size, buffer size).
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for f in "$here"/../maps/*.maps; do
	{ printf '\x3f\xff'; cat "$f"; } >"$out/$(basename "$f")"
done
{
	printf '\x07\x00'
	printf '7f0000000000-7f0000001000 r--p 00000000 fe:00 42 /'
	head -c 1048576 /dev/zero | tr '\0' 'a'
	printf '\n7f0000001000-7f0000002000 rw-p 00000000 00:00 0\n'
} >"$out/line-1mib"
