#!/usr/bin/env bash
# options-table.sh - the README's option table, made from shim/core/options.def (the
# one place options are declared). tests/cases/40-options.sh checks the README
# holds exactly this text between its OPTIONS markers.
# With --update, rewrite that part of README.md in place.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = --update ]; then
	table=$("$0")
	awk -v table="$table" '
		/^<!-- \/OPTIONS/ { skip = 0 }
		!skip { print }
		/^<!-- OPTIONS/ { print table; skip = 1 }
	' README.md >README.md.new
	mv README.md.new README.md
	exit 0
fi
echo "| option | default | valid values | what it does |"
echo "|---|---|---|---|"
grep -v '^ *\(/\*\|\*\)' shim/core/options.def | tr '\n' ' ' | awk 'BEGIN { RS = "NC_OPTION\\(" } NR > 1 {
	name = $0; sub(/,.*/, "", name)
	n = 0; rest = $0
	while (match(rest, /"[^"]*"/)) {
		q[++n] = substr(rest, RSTART + 1, RLENGTH - 2)
		rest = substr(rest, RSTART + RLENGTH)
	}
	gsub(/,/, ", ", q[2])
	printf "| `%s` | `%s` | %s | %s |\n", name, q[1], q[2], q[3]
}'
