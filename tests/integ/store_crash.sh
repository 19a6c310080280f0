#!/bin/sh
# kill -9 the store at random moments, in store_apply and in
# store_dest_ack, on a 2,000-parameter state whose journal is compacted
# every ~20 batches (so kills also land in compactions); after each kill,
# reopen and check that every acknowledged batch is there, that nothing
# was set aside as damaged, and that the batch in flight is wholly there
# or wholly absent (tests/store_drive.c checks the state exactly).
#   STORE_CRASH_ROUNDS  kills per mode (default 100)
# No time window decides a result: each kill waits until the driver has
# acknowledged a batch (so every round makes progress on a busy machine),
# then comes 0 to 99 ms later.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
drive=$top_builddir/tests/store_drive
[ -x "$drive" ] || { echo "missing $drive: make check builds it"; exit 1; }
rounds=${STORE_CRASH_ROUNDS:-100}
dir=$tmp/state

delay() {
	ms=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 100))
	printf '0.%03d' "$ms"
}

# Until the driver printed its first "acked" line (or died).
started() {
	n=0
	while ! grep -q '^acked' "$tmp/out" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || return 1
		n=$((n + 1))
		# A bound for a driver that hangs, not a time window.
		[ "$n" -lt 6000 ] || return 1
		sleep 0.01
	done
}

"$drive" init "$dir" 2000 || { not_ok "init"; finish; exit; }
start=$(date +%s)
midsnap=0 midjournal=0 torn=0 acked=0 dest=0
for mode in apply ack; do
	i=0
	while [ "$i" -lt "$rounds" ]; do
		i=$((i + 1))
		: >"$tmp/out"
		"$drive" "$mode" "$dir" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		started "$pid" || not_ok "$mode round $i: no batch acknowledged"
		sleep "$(delay)"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		a=$(sed -n 's/^acked //p' "$tmp/out" | tail -n 1)
		d=$(sed -n 's/^dest //p' "$tmp/out" | tail -n 1)
		[ -n "$a" ] && acked=$a
		[ -n "$d" ] && dest=$d
		# A temporary left: the kill hit a compaction's write.
		ls "$dir" | grep -q 'state\.tmp' && midsnap=$((midsnap + 1))
		ls "$dir" | grep -q 'journal\.tmp' &&
		    midjournal=$((midjournal + 1))
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
		grep -q ' torn$' "$tmp/chk" && torn=$((torn + 1))
		# What survived is the floor for the next round's batches.
		l=$(sed -n 's/^last \([0-9]*\) .*/\1/p' "$tmp/chk")
		d=$(sed -n 's/.* dest \([0-9]*\).*/\1/p' "$tmp/chk")
		[ -n "$l" ] && acked=$l
		[ -n "$d" ] && dest=$d
		if ls "$dir" | grep -q '\.tmp'; then
			not_ok "$mode round $i: reopening left a temporary"
		fi
	done
done
echo "# $((2 * rounds)) kills: $midsnap inside a snapshot's write," \
    "$midjournal inside a new journal's, $torn left a torn record;" \
    "last batch $acked, $(($(date +%s) - start)) s"
[ "$acked" -ge "$((2 * rounds))" ] && ok "progress: $acked batches" ||
    not_ok "too little progress: $acked batches"
finish
