#!/bin/sh
# What a settled agent with a 2,000-parameter profile costs per report
# round and per 100-name batch (tests/bench/bench_round.c):
#   - instructions (callgrind's Ir) of cfgreport_report(FULL) alone
#     (build, encrypt with --key, hand to curl), of the whole round until
#     the receiver's answer, and of one cfgreport_set batch, each with
#     where its instructions go;
#   - the heap's peak during the round against rest + 2 x the report
#     (bench_round_heap), and what the round leaves behind;
#   - connections and threads during the runs (strace), wall times.
#   BUILD=/path/to/build [NAMES=100] sh tests/bench/round.sh
# A receiver (tests/receiver) runs on a free 127.0.0.1 port meanwhile.
# The figures go to docs/benchmarks-agent.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "round.sh: make bench failed in $build" >&2; exit 2; }
bench=$build/tests/bench/bench_round
heap=$build/tests/bench/bench_round_heap
receiver=$build/tests/receiver
names=${NAMES:-100}
die() { echo "round.sh: $*" >&2; exit 2; }
for p in "$bench" "$heap" "$receiver"; do
	[ -x "$p" ] || die "no $p: make bench first"
done
command -v valgrind >/dev/null || die "no valgrind"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-round.XXXXXX")
rpid=
cleanup() {
	[ -z "$rpid" ] || kill "$rpid" 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

mkdir "$tmp/recv"
"$receiver" -k benchkey "$tmp/recv" >"$tmp/recv.out" 2>&1 &
rpid=$!
i=0
until grep -q '^listening ' "$tmp/recv.out"; do
	i=$((i + 1))
	if [ "$i" -gt 50 ] || ! kill -0 "$rpid" 2>/dev/null; then
		cat "$tmp/recv.out" >&2
		die "the receiver did not start"
	fi
	sleep 0.1
done
port=$(sed -n 's/^listening //p' "$tmp/recv.out")
sh "$top/tests/bench/gen_profile.sh" "$port" >"$tmp/profile.xml"
echo "profile: $(grep -c '^  <' "$tmp/profile.xml") parameters," \
    "$(wc -c <"$tmp/profile.xml") bytes; receiver on 127.0.0.1:$port"

# count NAME FUNCTION LABEL MODE: callgrind's Ir inside FUNCTION, or its
# copy FUNCTION.isra.0 (and the like) when gcc has specialised it.
count() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
	    --toggle-collect="$2" --toggle-collect="$2.*" "$bench" \
	    -n "$names" "$4" "$tmp/profile.xml" "$tmp/state.$1" \
	    >"$tmp/out.$1" 2>"$tmp/log.$1" ||
	    { cat "$tmp/log.$1" >&2; exit 1; }
	ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.$1")
	[ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' \
	    "$tmp/cg.$1")
	printf '%-34s %12s Ir\n' "$3" "$ir"
}

# breakdown NAME FUNCTION...: inclusive Ir of each FUNCTION in NAME's run.
breakdown() {
	cg=$tmp/cg.$1
	shift
	callgrind_annotate --inclusive=yes --threshold=100 "$cg" 2>/dev/null |
	    awk -v want=" $* " '{
		f = ""
		for (i = 2; i <= NF; i++)
			if ($i ~ /:/) { f = $i; break }
		sub(/.*:/, "", f)
		if (index(want, " " f " ") == 0 || seen[f]++)
			next
		ir = $1; gsub(",", "", ir)
		printf "  %-32s %12d\n", f, ir }'
}

count report bench_report 'report (build, encrypt, to curl)' round
count round bench_full_round 'round until the answer' round
breakdown round cfgreport_report agent_replan report_full_write \
    profile_write mxmlSaveString mxmlSetElement mxmlSetOpaque \
    mxmlElementSetAttr settings_is_secret dest_sink osslenc_update \
    crypt_wipe transfer_start event_base_loop curl_multi_socket_action \
    dest_done malloc_trim curl_multi_cleanup curl_multi_init
count set bench_set "set batch ($names names)" set
breakdown set cfgreport_set agent_batch store_apply state_encode \
    state_sha256 params_dup params_free fileio_write_atomic \
    agent_replan store_dest_retain malloc_trim

echo "heap (counting malloc, bytes malloc_usable_size reports):"
"$heap" -n "$names" all "$tmp/profile.xml" "$tmp/state.heap" | sed 's/^/  /'

# One start-up round (two uploads) and the measured one: how many
# connections curl opened, and whether anything started a thread.
if command -v strace >/dev/null; then
	strace -f -o "$tmp/strace" -e trace=connect,clone,clone3 \
	    "$bench" round "$tmp/profile.xml" "$tmp/state.strace" >/dev/null
	echo "system calls of a whole run (start-up round + round):" \
	    "connect $(grep -c 'connect(.*sin_port' "$tmp/strace" || :)," \
	    "clone $(grep -c 'clone' "$tmp/strace" || :)"
fi
echo "wall time on this machine (varies from run to run):"
"$bench" -n "$names" all "$tmp/profile.xml" "$tmp/state.wall" | sed 's/^/  /'
