#!/bin/sh
# Instruction counts (callgrind's Ir) of each step of the profile layer on
# a 5,000-parameter profile (tests/bench/bench_profile.c):
#   BUILD=/path/to/build sh tests/bench/profile.sh
# Each step is counted alone (--toggle-collect on its function); the
# figures go to docs/profile.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "profile.sh: make bench failed in $build" >&2; exit 2; }
bench=$build/tests/bench/bench_profile
die() { echo "profile.sh: $*" >&2; exit 2; }
[ -x "$bench" ] || die "no $bench: make bench first"
command -v valgrind >/dev/null || die "no valgrind"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-8s %14s\n' step Ir
for step in parse save full delta status; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$step" \
	    --toggle-collect="bench_$step" "$bench" "$step" \
	    >"$tmp/out.$step" 2>"$tmp/log.$step" ||
	    { cat "$tmp/log.$step" >&2; exit 1; }
	# "totals:" is what the toggled function collected.
	ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.$step")
	printf '%-8s %14s\n' "$step" "$ir"
done
sed -n 's/^/# /p' "$tmp/out.delta"
