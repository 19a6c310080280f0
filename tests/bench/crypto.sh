#!/bin/sh
# Instruction counts (callgrind) of encoding a 256 KiB report with each
# payload format and with the bare wolfSSL cipher loop, and their ratios.
#   BUILD=/path/to/build sh tests/bench/crypto.sh
# (make bench builds tests/bench/bench_crypto; needs valgrind.)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "crypto.sh: make bench failed in $build" >&2; exit 2; }
bench=$build/tests/bench/bench_crypto
[ -x "$bench" ] || { echo "no $bench: run make bench in $build" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-crypto.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Ir inside bench_MODE only: start-up and buffer filling are not counted.
count() {
	valgrind --tool=callgrind --toggle-collect="bench_$1" \
	    --callgrind-out-file="$tmp/cg.$1" "$bench" "$1" \
	    >/dev/null 2>"$tmp/log.$1" || { cat "$tmp/log.$1" >&2; exit 1; }
	sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/log.$1"
}

osslenc=$(count osslenc)
cbc=$(count cbc)
ece=$(count ece)
gcm=$(count gcm)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
printf '%-8s %14s\n' mode Ir
printf '%-8s %14s\n' osslenc "$osslenc" cbc "$cbc" ece "$ece" gcm "$gcm"
echo "osslenc / bare CBC: $(ratio "$osslenc" "$cbc")"
echo "ece (rs 4096) / bare GCM (4 KiB records): $(ratio "$ece" "$gcm")"
