#!/bin/sh
# The idle daemon: cfgreportd with a 2,000-parameter profile, once its
# start-up round has reached a receiver, against tests/bench/bench_baseline
# (the same libraries initialised, doing nothing):
#   - RssAnon of each and the difference (goal: within 256 KiB);
#   - threads (goal: 1);
#   - wake-ups over SECS seconds (default 6) with no agent timer due,
#     counted twice: from the context switches in /proc/PID/status (the
#     process is not disturbed), then with strace -c attached for the same
#     time on the calls a loop sleeps in (goal: none).
#   BUILD=/path/to/build [SECS=6] [TRIM=1] sh tests/bench/idle.sh
# TRIM=1 then has gdb call malloc_trim(0) and malloc_stats() in both
# processes: how much of the difference is live data and how much is
# freed memory malloc kept.
# Everything runs on 127.0.0.1 and in a private directory, and is stopped
# on exit.  The figures go to docs/benchmarks-agent.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "idle.sh: make bench failed in $build" >&2; exit 2; }
secs=${SECS:-6}
goal_kb=256
die() { echo "idle.sh: $*" >&2; exit 2; }
for p in cfgreportd cfgreportctl tests/receiver tests/bench/bench_baseline; do
	[ -x "$build/$p" ] || die "no $build/$p: make bench first"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-idle.XXXXXX")
rpid='' dpid='' bpid=''
cleanup() {
	for p in $dpid $bpid $rpid; do
		kill "$p" 2>/dev/null || :
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# wait_for TRIES COMMAND...: retry COMMAND every 0.1 s, TRIES times at most.
wait_for() {
	n=$1
	shift
	until "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# field PID NAME: a number of /proc/PID/status ("RssAnon", "Threads", ...).
field() {
	sed -n "s/^$2:[^0-9]*\\([0-9]*\\).*/\\1/p" "/proc/$1/status"
}

# heap PID: the resident anonymous kB of PID's brk heap.
heap() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { h = $6 == "[heap]" }
	    h && /^Anonymous:/ { print $2; exit }' "/proc/$1/smaps"
}

switches() {
	echo $(($(field "$1" voluntary_ctxt_switches) + \
	    $(field "$1" nonvoluntary_ctxt_switches)))
}

# The calls an idle loop sleeps in: each one that returns is a wake-up.
sleeps=epoll_wait,epoll_pwait,poll,ppoll,select,pselect6
sleeps=$sleeps,nanosleep,clock_nanosleep

# measure PID: the figures of one idle process, in m_rss, m_heap,
# m_threads, m_switches and m_strace.
measure() {
	m_rss=$(field "$1" RssAnon)
	m_heap=$(heap "$1")
	m_threads=$(field "$1" Threads)
	before=$(switches "$1")
	sleep "$secs"
	m_switches=$(($(switches "$1") - before))
	m_strace=-
	command -v strace >/dev/null || return 0
	# strace -c reports when it detaches (SIGINT from timeout).
	timeout -s INT "$secs" strace -f -c -o "$tmp/strace.$1" \
	    -e trace="$sleeps" -p "$1" 2>/dev/null || :
	m_strace=$(awk '$NF == "total" { print $4 }' "$tmp/strace.$1")
	m_strace=${m_strace:-0}
}

mkdir "$tmp/recv" "$tmp/state"
"$build/tests/receiver" -k benchkey "$tmp/recv" >"$tmp/recv.out" 2>&1 &
rpid=$!
wait_for 50 grep -q '^listening ' "$tmp/recv.out" ||
    die "the receiver did not start"
port=$(sed -n 's/^listening //p' "$tmp/recv.out")
sh "$top/tests/bench/gen_profile.sh" "$port" >"$tmp/profile.xml"

"$build/cfgreportd" -d -c "$tmp/profile.xml" -s "$tmp/state" \
    -S "$tmp/ctl.sock" -p 0 -m 00:0e:08:aa:bb:cc 2>"$tmp/daemon.log" &
dpid=$!
uploads() { [ "$(grep -c '^PUT ' "$tmp/recv.out")" -ge 2 ]; }
wait_for 300 uploads || { cat "$tmp/daemon.log" >&2;
    die "the start-up round did not reach the receiver"; }
# The receiver prints before it answers: wait until both answers are in.
info() { "$build/cfgreportctl" -S "$tmp/ctl.sock" info >"$tmp/info"; }
settled() {
	info && ! grep -q 'in-flight yes' "$tmp/info" &&
	    [ "$(grep -c 'last-result ok' "$tmp/info")" -eq 2 ]
}
wait_for 100 settled || { cat "$tmp/info" "$tmp/daemon.log" >&2;
    die "the start-up round did not finish"; }
echo "cfgreportd (pid $dpid): start-up round done;" \
    "$(grep -c '^  <' "$tmp/profile.xml") parameters"
sed -n 's/^/  /p' "$tmp/info"
# Let the control connection of that last `info` close first.
sleep 1
measure "$dpid"
agent_rss=$m_rss agent_heap=$m_heap agent_threads=$m_threads
agent_switches=$m_switches agent_strace=$m_strace

"$build/tests/bench/bench_baseline" >"$tmp/baseline.out" \
    2>"$tmp/baseline.err" &
bpid=$!
wait_for 50 grep -q '^ready ' "$tmp/baseline.out" ||
    die "bench_baseline did not start"
sleep 1
measure "$bpid"
base_rss=$m_rss base_heap=$m_heap base_threads=$m_threads
base_switches=$m_switches base_strace=$m_strace

printf '%-15s %10s %10s %7s %22s %20s\n' process RssAnon "[heap]" \
    threads "ctx switches in ${secs}s" "strace sleeps in ${secs}s"
printf '%-15s %7s kB %7s kB %7s %22s %20s\n' cfgreportd "$agent_rss" \
    "$agent_heap" "$agent_threads" "$agent_switches" "$agent_strace"
printf '%-15s %7s kB %7s kB %7s %22s %20s\n' bench_baseline "$base_rss" \
    "$base_heap" "$base_threads" "$base_switches" "$base_strace"
diff=$((agent_rss - base_rss))
[ "$diff" -le "$goal_kb" ] && verdict=met || verdict="NOT met"
echo "RssAnon difference: $diff kB (goal: within $goal_kb KiB): $verdict"
[ "$agent_threads" -eq 1 ] && verdict=met || verdict="NOT met"
echo "threads: $agent_threads (goal: 1): $verdict"
[ "$agent_switches" -eq 0 ] && [ "$agent_strace" = 0 ] && verdict=met ||
    verdict="NOT met"
echo "wake-ups: $agent_switches context switches, $agent_strace" \
    "sleeping calls returned (goal: none): $verdict"

# trim PID LOG: malloc_trim(0) in PID, then its RssAnon in t_rss and in
# t_inuse the bytes in use that malloc_stats() wrote to PID's stderr (LOG).
trim() {
	gdb -p "$1" -batch -ex 'call (int)malloc_trim(0)' \
	    -ex 'call (void)malloc_stats()' >/dev/null 2>&1 ||
	    die "gdb could not attach to $1"
	t_rss=$(field "$1" RssAnon)
	t_inuse=$(sed -n 's/^in use bytes *= *//p' "$2" | tail -n 1)
}
if [ "${TRIM:-0}" = 1 ]; then
	command -v gdb >/dev/null || die "TRIM=1 needs gdb"
	trim "$dpid" "$tmp/daemon.log"
	agent_trss=$t_rss agent_inuse=$t_inuse
	trim "$bpid" "$tmp/baseline.err"
	echo "after malloc_trim(0): cfgreportd RssAnon $agent_trss kB" \
	    "(malloc: $agent_inuse bytes in use), bench_baseline" \
	    "$t_rss kB ($t_inuse bytes in use)"
	echo "  difference $((agent_trss - t_rss)) kB; live heap" \
	    "difference $((agent_inuse - t_inuse)) bytes"
fi

# A clean stop: SIGTERM, exit 0 within the daemon's 5 s grace (a
# watchdog kills whatever is still there after 10 s).
kill -TERM "$dpid" "$bpid"
(sleep 10; kill -KILL "$dpid" "$bpid" 2>/dev/null) &
wd=$!
wait "$dpid" && drc=0 || drc=$?
wait "$bpid" && brc=0 || brc=$?
dpid='' bpid=''
kill "$wd" 2>/dev/null || :
echo "stopped: cfgreportd exit $drc, bench_baseline exit $brc"
