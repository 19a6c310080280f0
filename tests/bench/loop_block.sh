#!/bin/sh
# Goal of issue 9: no single request of legal size blocks the agent's loop
# longer than one full report round of a 20,000-parameter profile.  Runs
# the real cfgreportd (no SIP) with gen_profile.sh's profile of COUNT
# parameters against tests/receiver, and tests/bench/loop_block.py, which
# times each worst-case request and the round with an `info` probe beside
# them (wall clock, side by side in one run).
#   BUILD=/path/to/build [COUNT=20000] sh tests/bench/loop_block.sh
# The figures go to docs/control.md ("The loop under the worst requests").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
count=${COUNT:-20000}
die() { echo "loop_block.sh: $*" >&2; exit 2; }
for p in "$build/cfgreportd" "$build/tests/receiver"; do
	[ -x "$p" ] || die "no $p: build first (make check builds the receiver)"
done
command -v python3 >/dev/null || die "no python3"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-loop.XXXXXX")
rpid= apid=
cleanup() {
	[ -z "$apid" ] || kill "$apid" 2>/dev/null || :
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

mkdir "$tmp/recv" "$tmp/state"
"$build/tests/receiver" -k benchkey "$tmp/recv" >"$tmp/recv.out" 2>&1 &
rpid=$!
i=0
until grep -q '^listening ' "$tmp/recv.out"; do
	i=$((i + 1))
	[ "$i" -le 50 ] && kill -0 "$rpid" 2>/dev/null ||
	    { cat "$tmp/recv.out" >&2; die "the receiver did not start"; }
	sleep 0.1
done
port=$(sed -n 's/^listening //p' "$tmp/recv.out")
sh "$top/tests/bench/gen_profile.sh" "$port" "$count" >"$tmp/profile.xml"
echo "profile: $(grep -c '^  <' "$tmp/profile.xml") parameters," \
    "$(wc -c <"$tmp/profile.xml") bytes"
"$build/cfgreportd" -d -c "$tmp/profile.xml" -s "$tmp/state" \
    -S "$tmp/sock" -p 0 -m 00:0e:08:aa:bb:cc >"$tmp/agent.log" 2>&1 &
apid=$!
i=0
until [ -S "$tmp/sock" ] && grep -q "upload full" "$tmp/agent.log"; do
	i=$((i + 1))
	[ "$i" -le 300 ] && kill -0 "$apid" 2>/dev/null ||
	    { cat "$tmp/agent.log" >&2; die "the agent did not start"; }
	sleep 0.1
done
python3 "$top/tests/bench/loop_block.py" "$tmp/sock" "$tmp/profile.xml"
grep -c "upload full.*ok" "$tmp/agent.log" | sed 's/^/full uploads delivered: /'
