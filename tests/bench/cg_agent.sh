# Sourced by the callgrind benchmarks that count one request of a real
# cfgreportd (import_cg.sh, import_steps.sh, set_cg.sh).  Before sourcing: NAME (the
# script's name, for messages).  Sets top, build, count and tmp (removed
# at exit, with the agent stopped), and writes $tmp/profile.xml, the
# gen_profile.sh profile of COUNT parameters.
#   cg_start FN...	the agent under callgrind, counting only inside FNs;
#			with CG_DUMP set, one profile per call of each FN
#			($tmp/cg.out.1, .2, ...; cg_calls lists their counts)
#   cg_stop		stop it; its counts are in $tmp/cg.out
#   cg_parts RE		callgrind's inclusive figures of the functions RE
#			matches, and a copy of the counts at $CG_OUT if set
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
count=${COUNT:-20000}
die() { echo "$NAME: $*" >&2; exit 2; }
for p in "$build/cfgreportd" "$build/cfgreportctl"; do
	[ -x "$p" ] || die "no $p: build first"
done
for c in valgrind callgrind_annotate python3; do
	command -v "$c" >/dev/null || die "no $c"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cg.XXXXXX")
apid=
cleanup() {
	[ -z "$apid" ] || kill "$apid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# Port 9 (discard): the start-up round fails at once, nothing is sent.
sh "$top/tests/bench/gen_profile.sh" 9 "$count" >"$tmp/profile.xml"

cg_start() {
	toggles=
	for fn in "$@"; do
		toggles="$toggles --toggle-collect=$fn"
		[ -z "${CG_DUMP:-}" ] || toggles="$toggles --dump-after=$fn"
	done
	rm -rf "$tmp/state" "$tmp/sock" "$tmp"/cg.out*
	mkdir "$tmp/state"
	# shellcheck disable=SC2086
	valgrind --tool=callgrind $toggles \
	    --callgrind-out-file="$tmp/cg.out" "$build/cfgreportd" -d \
	    -c "$tmp/profile.xml" -s "$tmp/state" -S "$tmp/sock" -p 0 \
	    -m 00:0e:08:aa:bb:cc >"$tmp/agent.log" 2>&1 &
	apid=$!
	i=0
	until [ -S "$tmp/sock" ]; do
		i=$((i + 1))
		[ "$i" -le 600 ] && kill -0 "$apid" 2>/dev/null ||
		    { cat "$tmp/agent.log" >&2; die "the agent did not start"; }
		sleep 0.2
	done
}

cg_stop() {
	kill "$apid"
	wait "$apid" || :
	apid=
}

cg_parts() {
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" \
	    2>/dev/null | grep -E "PROGRAM TOTALS|:($1) \\[" |
	    sed 's/ *\[.*//; s|[^ ]*/||' | awk '!seen[$0]++'
	[ -z "${CG_OUT:-}" ] || cp "$tmp/cg.out" "$CG_OUT"
}

# Each profile's instructions, in the order written, the empty ones left
# out (the last is written at exit).
cg_calls() {
	for f in "$tmp"/cg.out.*; do
		[ -e "$f" ] || continue
		v=$(sed -n 's/^summary: //p; s/^totals: //p' "$f" | head -n 1)
		printf '%s %s\n' "${f##*.}" "${v:-0}"
	done | sort -n | awk '$2 > 0 { print $2 }'
}
