#!/bin/sh
# What one small change costs the durable store, at a 500- and a
# 20,000-parameter profile (tests/bench/bench_store.c):
#   - instructions (callgrind's Ir) per one-name store_apply (bench_set),
#     per one-change delta acknowledgment (bench_ack) and per loading
#     store_open (bench_reopen, with the journal the sets left);
#   - bytes written (wchar of /proc/PID/io) per set and per day at one
#     change a minute, with compaction amortised over SETS sets, and the
#     worst average over 1,000 consecutive sets (a window with a
#     compaction in it, when SETS is large enough for one);
#   - the instructions of store_delta_names, which scans every name.
#   BUILD=/path/to/build sh tests/bench/store.sh
#   BENCH=/path/to/bench_store ...	another build's program (side by side)
#   SIZES="500 20000" SETS=1000 ACKS=20 CG_SETS=200 REPLAY=10000
# The figures go to docs/store.md.  fsync is a system call: callgrind
# counts none of its work, so the instruction counts exclude it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
if [ -z "${BENCH:-}" ]; then
	(cd "$build" && make -s bench >/dev/null) ||
	    { echo "store.sh: make bench failed in $build" >&2; exit 2; }
fi
bench=${BENCH:-$build/tests/bench/bench_store}
sizes=${SIZES:-500 20000}
sets=${SETS:-1000}
acks=${ACKS:-20}
cgsets=${CG_SETS:-200}
replay=${REPLAY:-10000}
[ -x "$bench" ] || { echo "store.sh: no $bench: make bench first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "store.sh: no valgrind" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ir FUNCTION CALLS PARAMS SETS ACKS: callgrind's Ir inside FUNCTION per call.
ir() {
	d=$tmp/cg.$1.$3
	rm -rf "$d"
	valgrind --tool=callgrind --callgrind-out-file="$d.out" \
	    --toggle-collect="$1" "$bench" "$d" "$3" "$4" "$5" \
	    >/dev/null 2>"$d.log" || { cat "$d.log" >&2; exit 1; }
	n=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$d.out")
	[ -n "$n" ] || n=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$d.out")
	echo $((n / $2))
}

for n in $sizes; do
	set_ir=$(ir bench_set "$cgsets" "$n" "$cgsets" 0)
	ack_ir=$(ir bench_ack "$acks" "$n" 0 "$acks")
	delta_ir=$(ir store_delta_names "$acks" "$n" 0 "$acks")
	open_ir=$(ir bench_reopen 1 "$n" 0 0)
	printf '%6d parameters: set %10d Ir, ack %10d Ir, open %11d Ir' \
	    "$n" "$set_ir" "$ack_ir" "$open_ir"
	printf ' (store_delta_names %d Ir)\n' "$delta_ir"
done
# Start-up with a long journal to replay (nothing to replay on a store
# that writes snapshots only).
for n in $sizes; do
	printf '%6d parameters, open after %d sets: %11d Ir\n' "$n" \
	    "$replay" "$(ir bench_reopen 1 "$n" "$replay" 0)"
done
# Bytes written: SETS one-name sets, compaction included.
for n in $sizes; do
	rm -rf "$tmp/w"
	out=$("$bench" "$tmp/w" "$n" "$sets" "$acks")
	echo "$out"
	per=$(echo "$out" | sed -n 's/.* sets, \([0-9]*\) bytes written per set.*/\1/p')
	echo "  per day at one change a minute: $((per * 1440)) bytes"
done
