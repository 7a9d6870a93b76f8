# The README's CI recipe (## Recipes, the yaml block) and its `set -e` script
# (## Launcher and report), taken from README.md and run as written, under
# bash -e as CI runs them, against a small project whose `make test` passes
# although a child it starts (its output hidden) tries a clobber. The job must
# fail with 66, and the report must still run and name the clobber.
if ! command -v python3 >/dev/null; then
	skipped "README recipes: every check" "python3 is not installed (the report needs it)"
	return 0
fi

proj="$TMP/recipe-project"
rm -rf "$proj"
mkdir -p "$proj/bin"
ln -s "$PWD" "$proj/libnoclobber" # the recipe's checkout of libnoclobber, beside the project
printf 'test:\n\t./run-tests.sh\n' >"$proj/Makefile"
cat >"$proj/run-tests.sh" <<EOF
#!/bin/sh
# One test: it passes, but a helper it starts clobbers libc's text, output hidden.
( "$T/clobber" libc-text >/dev/null 2>&1 & wait )
echo "1 test passed"
EOF
chmod +x "$proj/run-tests.sh"

# The yaml block that follows the CI recipe's heading: each step's run script,
# and whether it runs after a failed step (if: always()).
python3 - "$PWD/README.md" >"$TMP/recipe.steps" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
block = text.split('**CI: fail the job on any clobber', 1)[1].split('```yaml\n', 1)[1].split('```', 1)[0]
steps = []
for chunk in re.split(r'^- ', block, flags=re.M)[1:]:
    lines = chunk.splitlines()
    always = any(l.strip() == 'if: always()' for l in lines)
    run = None
    for i, l in enumerate(lines):
        m = re.match(r'^(\s*)run: ?(.*)$', l if i else '  ' + l)
        if not m:
            continue
        if m.group(2) == '|':
            body = []
            for l2 in lines[i + 1:]:
                if l2.strip() and len(l2) - len(l2.lstrip()) <= len(m.group(1)):
                    break
                body.append(l2.strip())
            run = '\n'.join(body).strip() + '\n'
        else:
            run = m.group(2) + '\n'
    if run is not None:
        steps.append({'run': run, 'always': always})
print(json.dumps(steps))
EOF
nsteps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/recipe.steps" 2>/dev/null)
why="steps: $(cat "$TMP/recipe.steps")"
expect "README recipe: the CI yaml has its steps (the tests, the report)" test "${nsteps:-0}" -ge 2

# Run them as GitHub Actions does: bash -e -o pipefail, in the project; a step
# after a failure only if it says if: always().
failed=0
log=""
for i in $(seq 0 $((${nsteps:-0} - 1))); do
	script=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]["run"], end="")' "$TMP/recipe.steps" "$i")
	always=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[int(sys.argv[2])]["always"])' "$TMP/recipe.steps" "$i")
	if [ "$failed" = 1 ] && [ "$always" != True ]; then
		log="$log
step $i: skipped"
		continue
	fi
	out=$(cd "$proj" && bash --noprofile --norc -e -o pipefail -c "$script" 2>&1)
	st=$?
	[ "$st" -eq 0 ] || failed=1
	eval "step${i}_status=$st"
	printf '%s\n' "$out" >"$TMP/recipe.step$i"
	log="$log
step $i (status $st): $script
$out"
done
why="$log"
expect "README recipe, run as written: the test step fails with 66 although make test passed" \
	eval '[ "${step0_status:-}" = 66 ] && grep -q "^1 test passed$" "$TMP/recipe.step0" &&
	      grep -q "^noclobber: 1 clobber attempt (1 refused) in 1 process; exit status 66 (the command.s was 0)" "$TMP/recipe.step0"'
expect "README recipe, run as written: the report step still runs and names the clobber (victim and caller)" \
	eval '[ "${step1_status:-}" = 1 ] && grep -q "^noclobber-report: 1 clobber attempt (1 refused) in 1 process$" "$TMP/recipe.step1" &&
	      grep -q "^      1  /.*libc[.-][^ ]* (image)$" "$TMP/recipe.step1" && grep -q "^      1  .*/clobber+0x[0-9a-f]* (main+0x[0-9a-f]*)  \[mmap x1\]$" "$TMP/recipe.step1"'
expect "README recipe: it installs nothing and builds nothing in the user's project" \
	eval '[ "$(cd "$proj" && ls -A | sort | tr "\n" " ")" = "Makefile bin libnoclobber noclobber-logs run-tests.sh " ]'

# The set -e script of "Launcher and report", with noclobber and the report in PATH.
ln -sf "$PWD/build/noclobber" "$proj/bin/noclobber"
ln -sf "$PWD/scripts/noclobber-report" "$proj/bin/noclobber-report"
script=$(python3 - "$PWD/README.md" <<'EOF'
import sys
text = open(sys.argv[1]).read()
sec = text.split('## Launcher and report', 1)[1].split('\n## ', 1)[0]
print(sec.split('set -e', 1)[1].split('```sh\n', 1)[1].split('```', 1)[0], end='')
EOF
)
rm -rf "$proj/logs"
out=$(cd "$proj" && PATH="$proj/bin:$PATH" bash -e -c "$script" 2>&1)
st=$?
why="status $st
script: $script
$out"
expect "README set -e script, run as written: exits 66 after printing the report" \
	eval '[ $st -eq 66 ] && grep -q "^noclobber-report: 1 clobber attempt (1 refused) in 1 process$" <<<"$out" &&
	      grep -q "^      1  /.*libc[.-][^ ]* (image)$" <<<"$out"'
