# Real programs that use MAP_FIXED on their own memory run exactly as without
# the shim under the default options: same output, same exit status, and no
# refusal in the log. A program this machine lacks is reported as SKIP, never
# passed (and fails in CI, which installs them all).

# same_as_bare NAME COMMAND...: run bare and under the shim (log to a file), compare.
same_as_bare() {
	local name=$1
	shift
	local bare bare_rc shimmed shim_rc log="$TMP/prog.$RANDOM.log"
	bare=$("$@" 2>&1)
	bare_rc=$?
	# verbosity=1: the log must show the program really replaced its own memory,
	# or this test would prove nothing about the policy.
	shimmed=$(NOCLOBBER_OPTIONS="verbosity=1:log_path=$log" LD_PRELOAD="$SHIM" $PREFIX "$@" 2>&1)
	shim_rc=$?
	why="status $bare_rc bare, $shim_rc with the shim
--- bare:
$(head -c 1500 <<<"$bare")
--- with the shim:
$(head -c 1500 <<<"$shimmed")
--- log:
$(head -c 1500 "$log" 2>/dev/null)"
	expect "program: $name behaves as without the shim, no refusal" \
		eval '[ $bare_rc -eq $shim_rc ] && [ "$bare" = "$shimmed" ] && ! grep -q refused "$log" &&
		      grep -q "^noclobber: allowed .* reason=\(own\|reserved\)" "$log"'
}

P=$PWD/tests/programs

if command -v java >/dev/null && command -v javac >/dev/null; then
	mkdir -p "$TMP/java"
	same_as_bare "javac" javac -d "$TMP/java" "$P/Churn.java"
	if [ -f "$TMP/java/Churn.class" ]; then
		same_as_bare "java -version" java -version
		same_as_bare "java with G1" java -XX:+UseG1GC -cp "$TMP/java" Churn
		same_as_bare "java with ZGC" java -XX:+UseZGC -cp "$TMP/java" Churn
	else
		bad "program: javac compiled Churn.java" "no class file"
	fi
else
	skipped "program: java and javac" "no JDK installed (apt-get install default-jdk-headless)"
fi

if command -v node >/dev/null; then
	same_as_bare "node (GC-heavy script)" node "$P/churn.js"
else
	skipped "program: node" "node is not installed (apt-get install nodejs)"
fi

if command -v go >/dev/null && command -v gcc >/dev/null; then
	if (cd "$P/gocgo" && GOCACHE="$TMP/gocache" GOPATH="$TMP/gopath" CGO_ENABLED=1 \
		go build -o "$TMP/gocgo" main.go) >"$TMP/gobuild.log" 2>&1; then
		same_as_bare "Go program built with cgo" "$TMP/gocgo"
	else
		bad "program: go build (cgo)" "$(cat "$TMP/gobuild.log")"
	fi
else
	skipped "program: Go with cgo" "go is not installed (apt-get install golang-go)"
fi

if command -v qemu-x86_64 >/dev/null; then
	same_as_bare "qemu-x86_64 /bin/ls" qemu-x86_64 /bin/ls -l /usr/lib/x86_64-linux-gnu
else
	skipped "program: qemu-x86_64" "qemu-user is not installed (apt-get install qemu-user)"
fi
