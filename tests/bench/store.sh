#!/bin/sh
# The cost of the durable store on a 2,000-parameter state
# (tests/bench/bench_store.c): instructions (callgrind's Ir) per 100-name
# store_apply and what inside it costs what, per store_dest_ack and per
# loading store_open; system calls per batch (strace -c); the wall time
# per batch on this machine's disk.
#   BUILD=/path/to/build sh tests/bench/store.sh
# The figures go to docs/store.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "store.sh: make bench failed in $build" >&2; exit 2; }
bench=$build/tests/bench/bench_store
batches=${BATCHES:-20}
[ -x "$bench" ] || { echo "store.sh: no $bench: make bench first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "store.sh: no valgrind" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count FUNCTION CALLS: callgrind's Ir inside FUNCTION, per call.
count() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
	    --toggle-collect="$1" "$bench" "$tmp/s.$1" "$batches" \
	    >/dev/null 2>"$tmp/log.$1" || { cat "$tmp/log.$1" >&2; exit 1; }
	ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.$1")
	[ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.$1")
	printf '%-26s %12d Ir per call\n' "$1" $((ir / $2))
}

count store_apply "$batches"
# Where a batch's instructions go (inclusive, per batch).
callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.store_apply" 2>/dev/null |
    awk -v n="$batches" '{
	f = ""
	for (i = 2; i <= NF; i++)
		if ($i ~ /:/) { f = $i; break }
	sub(/.*:/, "", f)
	if (f !~ /^(params_dup|params_apply|params_free|store_check_batch|state_encode|state_emit.*|state_sha256|fileio_write_atomic|crypt_wipe)$/ || seen[f]++)
		next
	ir = $1; gsub(",", "", ir)
	printf "  %-24s %12d\n", f, ir / n }'
count store_dest_ack 1
count bench_reopen 1

# System calls of the whole run, then per batch: 2 fsyncs and a rename.
if command -v strace >/dev/null; then
	strace -f -c -o "$tmp/strace" -e trace=fsync,rename,openat,write \
	    "$bench" "$tmp/s.strace" "$batches" >/dev/null
	echo "system calls for $batches batches + baseline + retain + ack:"
	sed -n 's/^ *[0-9.]* *[0-9.]* *[0-9]* *\([0-9]*\) *[0-9]* *\(fsync\|rename\|openat\|write\)$/  \2 \1/p' "$tmp/strace"
fi
"$bench" "$tmp/s.wall" "$batches"
