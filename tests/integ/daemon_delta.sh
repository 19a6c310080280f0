#!/bin/sh
# Delta semantics through the real agent and a PHP server that keeps every
# report: report 1 holds A, B, C; report 2 holds X, Y, Z only; a delta the
# server refuses (503) loses nothing and is retried with back-off; an
# explicit request sends an empty delta; what was pending survives kill -9.
# The agent runs as tests/agent_host -t 0.01: the 30 s back-off is 0.3 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
. "$top_srcdir/tests/integ/daemon_lib.sh"
need php
need nc
need python3
AGENT=tests/agent_host

srv=$tmp/srv
mkdir -p "$srv"
cp "$top_srcdir/tests/integ/store_each.php" "$srv/"
php=$(free_port)
spawn php -S "127.0.0.1:$php" -t "$srv" 2>/dev/null
wait_tcp "$php" || exit 1

write_profile "$tmp/p.xml" "<Report_Rule>[--delta]http://127.0.0.1:$php/store_each.php</Report_Rule>
  <HTTP_Report_Method>POST</HTTP_Report_Method>
  <A>a0</A><B>b0</B><C>c0</C><X>x0</X><Y>y0</Y><Z>z0</Z><P>p0</P><Q>q0</Q><R>r0</R><S>s0</S>"

# holds N NAMES...: upload-N.xml holds exactly these parameter names.
holds() {
	f=$srv/upload-$1.xml; shift
	got=$(sed -n 's/^  <\([A-Za-z_]*\)[ >].*/\1/p' "$f" 2>/dev/null | sort | tr '\n' ' ')
	want=
	[ $# -eq 0 ] || want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || { echo "# upload: got [$got] want [$want]"; return 1; }
}
uploads() { ls "$srv" | grep -c '^upload-'; }

start_agent a "$tmp/p.xml" -t 0.01 || exit 1
# The start-up round decides and logs it; no window to wait out.
wait_grep "$tmp/a.log" "delta http://.*: nothing changed" &&
    [ "$(uploads)" = 0 ] &&
    ok "fresh state: the profile is the baseline, start-up delta skipped" ||
    not_ok "start-up sent a delta"

ctl a set A=a1 B=b1 C=c1 && ctl a report delta && wait_file "$srv/upload-1.xml"
holds 1 A B C && ok "report 1 holds A, B, C" || not_ok "report 1"
ctl a set X=x1 Y=y1 Z=z1 && ctl a report delta && wait_file "$srv/upload-2.xml"
holds 2 X Y Z && ok "report 2 holds X, Y, Z only" || not_ok "report 2"

# The server refuses: nothing is lost, retries back off.
touch "$srv/fail"
ctl a set P=p1 Q=q1 && ctl a report delta
wait_grep "$tmp/a.log" "upload delta .*failed: HTTP 503" 2 || not_ok "no 503 retry"
ctl a set R=r1
ctl a info >"$tmp/info1"
grep -q "pending-changes 3" "$tmp/info1" && grep -q "next-retry in" "$tmp/info1" &&
    ok "while failing: 3 changes pending, a retry scheduled" ||
    { not_ok "info while failing"; sed 's/^/# /' "$tmp/info1"; }
rm -f "$srv/fail"
wait_file "$srv/upload-3.xml" && sleep 0.2
holds 3 P Q R && ok "after the failures: P, Q and R arrive together" || not_ok "report 3"
[ "$(uploads)" = 3 ] && ok "exactly one upload after recovery" || not_ok "uploads: $(uploads)"

# Retries came (the back-off's schedule and jitter are test_agent.c's,
# on a clock it moves: how many fit here depends on the machine's load).
n=$(grep -c "upload delta .*failed: HTTP 503" "$tmp/a.log")
[ "$n" -ge 2 ] && ok "retried: $n failed attempts before recovery" ||
    not_ok "retries: $n attempts"

# An explicit request with nothing changed sends an empty delta.
ctl a report delta && wait_file "$srv/upload-4.xml"
holds 4 && grep -q '<flat-profile>' "$srv/upload-4.xml" &&
    ok "explicit request: an empty delta document" || not_ok "empty delta"

# What is pending survives kill -9 and goes out with the start-up round.
touch "$srv/fail"
ctl a set S=s1 && ctl a report delta
wait_grep "$tmp/a.log" "upload delta .*failed: HTTP 503" 3
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
rm -f "$srv/fail"
start_agent a "$tmp/p.xml" -t 0.01 || exit 1
wait_file "$srv/upload-5.xml" && sleep 0.2
holds 5 S && ok "after kill -9 the pending change S is reported at start-up" ||
    not_ok "S after kill -9"
ctl a get S | grep -qx 'S=s1' && ok "the acknowledged batch survived kill -9" ||
    not_ok "S lost"
stop_pid "$agent_pid"
[ "$stop_rc" = 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM exit $stop_rc"
finish
