#!/bin/sh
# A flood of NOTIFYs against the real daemon on 127.0.0.1 (spec.md §6: no
# crash, no memory growth, no report on an unauthenticated request):
#   1. RATE (default 12,000) unauthenticated NOTIFYs a second for SECONDS
#      (default 10): each gets a 401 with a fresh nonce;
#   2. the same with a forged Authorization (a real nonce, a wrong
#      response): each costs a digest and gets a 403.
# Measured: the rounds the receiver sees (none beyond start-up), RssAnon
# of the daemon before and after (growth under 64 KiB), its CPU time, and
# the control socket's latency for `info`, probed every 20 ms throughout
# (every answer within 10 ms).  Exits 1 when a bound is missed.
#   BUILD=/path/to/build sh tests/bench/sip_flood.sh
# The figures go to docs/sip.md.  Not part of make check.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
# Builds the benchmark programs if they are missing or stale.
(cd "$build" && make -s bench >/dev/null) ||
    { echo "sip_flood.sh: make bench failed in $build" >&2; exit 2; }
rate=${RATE:-12000}
secs=${SECONDS_EACH:-10}
py=$top/tests/bench/sip_flood.py
for p in cfgreportd tests/receiver; do
	[ -x "$build/$p" ] || { echo "sip_flood.sh: no $build/$p: make bench first" >&2; exit 2; }
done
tmp=$(mktemp -d)
dpid= rpid=
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; [ -n "$rpid" ] && kill "$rpid" 2>/dev/null; rm -rf "$tmp"' EXIT

# until FILE has N lines matching PATTERN (at most 10 s).
wait_lines() {
	i=0
	until [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; do
		i=$((i + 1)); [ "$i" -lt 100 ] || { echo "timed out: $2 in $1" >&2; exit 1; }
		sleep 0.1
	done
}
rss_anon() { awk '/^RssAnon:/ { print $2 }' "/proc/$dpid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$dpid/stat"; }

mkdir -p "$tmp/up" "$tmp/state"
"$build/tests/receiver" "$tmp/up" >"$tmp/up.out" 2>&1 &
rpid=$!
wait_lines "$tmp/up.out" '^listening' 1
rport=$(sed -n 's/^listening //p' "$tmp/up.out")
sport=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/p.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<flat-profile>
<Report_Rule>[--status]http://127.0.0.1:$rport/\$MA-status.xml</Report_Rule>
<Report_To_Server>On Request</Report_To_Server>
<User_ID_1_>alice</User_ID_1_>
<Password_1_>s3cret</Password_1_>
</flat-profile>
EOF
"$build/cfgreportd" -d -c "$tmp/p.xml" -s "$tmp/state" -S "$tmp/ctl.sock" \
    -p "$sport" -b 127.0.0.1 -m 00:0e:08:aa:bb:cc 2>"$tmp/daemon.log" &
dpid=$!
wait_lines "$tmp/up.out" '^POST ' 1
sleep 1
hz=$(getconf CLK_TCK)
fail=0
echo "cfgreportd pid $dpid, SIP 127.0.0.1:$sport; $rate NOTIFY/s for $secs s per phase"

for mode in unauth forged; do
	rss0=$(rss_anon); cpu0=$(cpu_ticks); up0=$(grep -c '^POST ' "$tmp/up.out")
	python3 "$py" probe "$tmp/ctl.sock" $((secs + 1)) 20 >"$tmp/probe.$mode" &
	ppid=$!
	python3 "$py" flood "$sport" "$rate" "$secs" "$mode" >"$tmp/flood.$mode"
	wait "$ppid"
	sleep 1
	rss1=$(rss_anon); cpu1=$(cpu_ticks); up1=$(grep -c '^POST ' "$tmp/up.out")
	echo "== $mode"
	echo "flood:   $(cat "$tmp/flood.$mode")"
	echo "control: $(cat "$tmp/probe.$mode")"
	echo "RssAnon: $rss0 kB before, $rss1 kB after ($((rss1 - rss0)) kB)"
	echo "CPU:     $(( (cpu1 - cpu0) * 1000 / hz )) ms of the daemon's time over the phase"
	echo "rounds:  $((up1 - up0))"
	sent_rate=$(sed -n 's/.* = \([0-9]*\)\/s;.*/\1/p' "$tmp/flood.$mode")
	max_ms=$(sed -n 's/.*max \([0-9.]*\) ms.*/\1/p' "$tmp/probe.$mode")
	failures=$(sed -n 's/.*failures \([0-9]*\).*/\1/p' "$tmp/probe.$mode")
	[ "${sent_rate:-0}" -ge 10000 ] || { echo "FAIL: under 10,000/s"; fail=1; }
	[ $((up1 - up0)) -eq 0 ] || { echo "FAIL: a round ran"; fail=1; }
	[ $((rss1 - rss0)) -lt 64 ] || { echo "FAIL: RssAnon grew 64 KiB or more"; fail=1; }
	[ "${failures:-1}" -eq 0 ] || { echo "FAIL: control socket failures"; fail=1; }
	awk -v m="${max_ms:-999}" 'BEGIN { exit !(m < 10) }' ||
	    { echo "FAIL: control socket answer took 10 ms or more"; fail=1; }
	kill -0 "$dpid" || { echo "FAIL: the daemon died"; exit 1; }
done
echo "daemon log lines: $(wc -l <"$tmp/daemon.log") (refusals are summarised)"
sed 's/^/  /' "$tmp/daemon.log" | tail -n 8
exit "$fail"
