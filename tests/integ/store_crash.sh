#!/bin/sh
# kill -9 the store at random moments, in store_apply and in
# store_dest_ack, on a 2,000-parameter state; after each kill, reopen and
# check that every acknowledged batch is there, that the file is valid,
# and that the batch in flight is wholly there or wholly absent
# (tests/store_drive.c checks the state exactly).
#   STORE_CRASH_ROUNDS  kills per mode (default 50)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
drive=$top_builddir/tests/store_drive
[ -x "$drive" ] || { echo "missing $drive: make check builds it"; exit 1; }
rounds=${STORE_CRASH_ROUNDS:-50}
dir=$tmp/state

# A delay of 0 to 149 ms, so kills land in every phase of a write.
delay() {
	ms=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 150))
	printf '0.%03d' "$ms"
}

"$drive" init "$dir" 2000 || { not_ok "init"; finish; exit; }
start=$(date +%s)
midwrite=0 acked=0 dest=0
for mode in apply ack; do
	i=0
	while [ "$i" -lt "$rounds" ]; do
		i=$((i + 1))
		"$drive" "$mode" "$dir" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		sleep "$(delay)"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		a=$(sed -n 's/^acked //p' "$tmp/out" | tail -n 1)
		d=$(sed -n 's/^dest //p' "$tmp/out" | tail -n 1)
		[ -n "$a" ] && acked=$a
		[ -n "$d" ] && dest=$d
		# A temporary left: the kill hit between mkstemp and rename.
		ls "$dir" | grep -q '\.tmp' && midwrite=$((midwrite + 1))
		if [ -s "$tmp/err" ]; then
			not_ok "$mode round $i: the driver failed"
			cat "$tmp/err"
			continue
		fi
		if "$drive" check "$dir" "$acked" "$dest" >"$tmp/chk" 2>&1
		then
			ok "$mode round $i: $(head -n 1 "$tmp/chk")," \
			    "acknowledged $acked"
		else
			not_ok "$mode round $i"; cat "$tmp/chk"
		fi
		# What survived is the floor for the next round's batches.
		l=$(sed -n 's/^last \([0-9]*\) .*/\1/p' "$tmp/chk")
		d=$(sed -n 's/.* dest \([0-9]*\)$/\1/p' "$tmp/chk")
		[ -n "$l" ] && acked=$l
		[ -n "$d" ] && dest=$d
		if ls "$dir" | grep -q '\.tmp'; then
			not_ok "$mode round $i: reopening left a temporary"
		fi
	done
done
echo "# $((2 * rounds)) kills, $midwrite inside a write, last batch" \
    "$acked, $(($(date +%s) - start)) s"
[ "$acked" -gt "$rounds" ] && ok "progress: $acked batches" ||
    not_ok "too little progress: $acked batches"
finish
