# A real sandbox: Firefox's content processes install a seccomp filter that
# forbids ioctl (PROCMAP_QUERY) and more, and report each forbidden call as a
# "sandbox violation" on stderr. One headless screenshot at verbosity=1 (every
# allowed replacement logged, so the shim names victims inside the sandbox):
# the page is rendered, lines are logged, and no violation is reported.
# firefox-esr is installed by .ci/run.
if ! command -v firefox-esr >/dev/null; then
	skipped "firefox: headless screenshot under the shim" "firefox-esr is not installed (apt-get install firefox-esr)"
else
	ff_dir=$TMP/firefox
	mkdir -p "$ff_dir/home" "$ff_dir/profile"
	echo '<html><body><h1>noclobber</h1></body></html>' >"$ff_dir/page.html"
	(cd "$ff_dir" && HOME="$ff_dir/home" MOZ_HEADLESS=1 NOCLOBBER_OPTIONS=verbosity=1 LD_PRELOAD="$SHIM" \
		timeout 300 firefox-esr --headless --no-remote --profile "$ff_dir/profile" \
		--screenshot "$ff_dir/shot.png" "file://$ff_dir/page.html" >"$ff_dir/out" 2>&1)
	rc=$?
	ff_v=$(grep -c 'sandbox violation' "$ff_dir/out")
	ff_lines=$(grep -c '^noclobber: allowed' "$ff_dir/out")
	why="status $rc, $ff_v violations, $ff_lines allowed lines; $(grep -m3 'sandbox violation' "$ff_dir/out")"
	expect "firefox: headless screenshot at verbosity=1, no sandbox violation" \
		eval '[ $rc = 0 ] && [ -s "$ff_dir/shot.png" ] && [ "$ff_v" = 0 ] && [ "$ff_lines" -gt 0 ]'
	why=$(grep -m3 -e 'victims=0' -e '^noclobber: refused' "$ff_dir/out")
	expect "firefox: nothing refused, no victim counted as 0" \
		eval '! grep -q -e "victims=0" -e "^noclobber: refused" "$ff_dir/out"'
fi
