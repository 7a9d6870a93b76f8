# tests/launcher_lib.sh - what the launcher's cases share (sourced by
# tests/cases/80-launcher.sh and 81-launcher-hostile.sh, within tests/run.sh).
# NC_TEST_LAUNCHER runs them against another launcher (an older one, to see
# which tests fail without a fix).
# shellcheck shell=bash
L=${NC_TEST_LAUNCHER:-$PWD/build/noclobber}

# run_l ARGS...: run the launcher; stdout in $lout, stderr in $lerr, status in $rc.
run_l() { run_c "$L" "$@"; }
# run_c COMMAND...: the same for any command (env VAR=... "$L" ..., a copy of the launcher).
run_c() {
	lout=$("$@" 2>"$TMP/l.err")
	rc=$?
	lerr=$(cat "$TMP/l.err")
	why="rc=$rc
stdout: $lout
stderr: $lerr"
}
lerr_has() { grep -q -- "$1" <<<"$lerr"; }
lerr_hasx() { grep -qxF -- "$1" <<<"$lerr"; }
lout_has() { grep -q -- "$1" <<<"$lout"; }
# The launcher's closing line: how many processes ran with the shim.
coverage_only() { [ "$lerr" = "noclobber: coverage: $1 $2 ran with the shim" ]; }

