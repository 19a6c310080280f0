#!/bin/sh
# Faults through the real agent: a server that accepts and never answers,
# one that hangs up mid-body, a refused connection.  The agent keeps
# answering its control socket, loses no change, backs off, and SIGTERM
# ends it within the grace time even with an upload hanging.  kill -9 in
# the middle of batches and of an upload loses no acknowledged change.
# tests/agent_host -t 0.01: the 30 s back-off is 0.3 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
. "$top_srcdir/tests/integ/daemon_lib.sh"
need nc
need python3
AGENT=tests/agent_host

ms() { date +%s%3N; }

spawn python3 "$peer_py" hang "$tmp/hang.port"
spawn python3 "$peer_py" cutoff "$tmp/cutoff.port"
wait_file "$tmp/hang.port" && wait_file "$tmp/cutoff.port" || exit 1
hang=$(cat "$tmp/hang.port") cut=$(cat "$tmp/cutoff.port")
refused=$(free_port)

write_profile "$tmp/p.xml" "<Report_Rule>[--delta]http://127.0.0.1:$hang/d.xml</Report_Rule>
  <Station_Name>desk</Station_Name>"
start_agent a "$tmp/p.xml" -t 0.01 || exit 1

# --- a server that never answers: the loop keeps serving the socket.
ctl a set Station_Name=hall && ctl a report
wait_grep "$tmp/hang.port.log" "POST /d.xml" || not_ok "upload never reached the server"
worst=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(ms); ctl a info >"$tmp/info" || not_ok "info failed"; t1=$(ms)
	[ $((t1 - t0)) -gt "$worst" ] && worst=$((t1 - t0))
	ctl a set "Counter=$i" || not_ok "set $i failed while hanging"
done
grep -q "in-flight yes" "$tmp/info" && [ "$worst" -lt 1000 ] &&
    ok "upload hanging: info answered in at most $worst ms, 10 batches taken" ||
    { not_ok "control socket while hanging ($worst ms)"; sed 's/^/# /' "$tmp/info"; }
# A trigger while in flight is coalesced into one follow-up.
ctl a report && ctl a report
ctl a info | grep -c "in-flight yes" | grep -qx 1 && ok "one transfer per destination" ||
    not_ok "more than one in flight"

# --- SIGTERM with the upload still hanging: out within the 5 s grace.
t0=$(ms); stop_pid "$agent_pid"; t1=$(ms)
[ "$stop_rc" = 0 ] && [ $((t1 - t0)) -lt 7000 ] &&
    ok "SIGTERM with an upload hanging: exit 0 after $((t1 - t0)) ms" ||
    not_ok "SIGTERM: rc $stop_rc after $((t1 - t0)) ms"
grep -q "abandoning 1 upload" "$tmp/a.log" && ok "the abandoned upload is logged" ||
    not_ok "abandon not logged"

# --- one destination (a fixed port) through every failure: nothing
# listening, a server that answers 503, then a working one.  Every change
# made meanwhile arrives; retries back off.
port=$(free_port)
write_profile "$tmp/q.xml" "<Report_Rule>[--delta]http://127.0.0.1:$port/d.xml</Report_Rule>
  <Station_Name>desk</Station_Name>"
start_agent b "$tmp/q.xml" -t 0.01 || exit 1
ctl b set Station_Name=refused && ctl b report
wait_grep "$tmp/b.log" "upload delta .*failed" 3 || not_ok "refused: no retries"
ctl b info >"$tmp/info"
grep -q "failures [3-9]" "$tmp/info" && grep -q "pending-changes 1" "$tmp/info" &&
    ok "refused connection: retried with back-off, change pending" ||
    { not_ok "back-off"; sed 's/^/# /' "$tmp/info"; }
start_receiver busy -p "$port" -s 503 || exit 1
busy_pid=$receiver_pid
ctl b set "Big=$(head -c 30000 /dev/zero | tr '\0' x)"
wait_grep "$tmp/b.log" "upload delta .*failed: HTTP 503" || not_ok "no 503"
kill "$busy_pid"; wait "$busy_pid" 2>/dev/null
start_receiver r -p "$port" || exit 1
r_pid=$receiver_pid
wait_grep "$tmp/r.out" "^POST /d.xml" && sleep 0.2
f=$(ls "$tmp"/r/d.xml.* | head -n 1)
grep -q "<Station_Name>refused</Station_Name>" "$f" && grep -q "<Big>" "$f" &&
    ok "after refused and 503 the retry delivers every change" ||
    { not_ok "changes lost"; sed 's/^/# /' "$f"; }
stop_pid "$agent_pid"

# A server that hangs up mid-body is a failure with a retry.
start_agent a "$tmp/p.xml" -t 0.01 || exit 1
ctl a set --source provisioning "Report_Rule=[--delta]http://127.0.0.1:$cut/d.xml"
ctl a set "Big=$(head -c 30000 /dev/zero | tr '\0' y)" && ctl a report
wait_grep "$tmp/a.log" "upload delta .*:$cut/.*failed" 2 &&
    ok "cut off mid-body: failed and retried" || not_ok "cut-off"
ctl a set --source provisioning "Report_Rule=[--delta]http://127.0.0.1:$port/d.xml"

# --- kill -9 in the middle of batches: every acknowledged one survives.
: >"$tmp/acked"
(
	i=0
	while [ "$i" -lt 200 ]; do
		i=$((i + 1))
		ctl a set "Seq=$i" 2>/dev/null && echo "$i" >>"$tmp/acked"
	done
) &
writer=$!
sleep 0.4
kill -9 "$agent_pid"
wait "$writer" 2>/dev/null
last=$(tail -n 1 "$tmp/acked")
start_agent a "$tmp/p.xml" -t 0.01 || exit 1
got=$(ctl a get Seq | sed 's/^Seq=//')
[ -n "$last" ] && [ "${got:-0}" -ge "$last" ] &&
    ok "kill -9 after $last acknowledged batches: Seq=$got survived" ||
    not_ok "kill -9 during batches: acked $last, got ${got:-none}"

# --- kill -9 during an upload: the change is still pending afterwards.
# The receiver stops answering (SIGSTOP) so the upload hangs.
kill -STOP "$r_pid"
ctl a set Station_Name=during-upload && ctl a report delta
i=0
until ctl a info | grep -q "in-flight yes"; do
	i=$((i + 1)); [ "$i" -lt 150 ] || { not_ok "no upload in flight"; break; }
	sleep 0.1
done
kill -9 "$agent_pid"; wait "$agent_pid" 2>/dev/null
kill -CONT "$r_pid"
mark=$(wc -l <"$tmp/a.log")
start_agent a "$tmp/p.xml" -t 0.01 || exit 1
# The start-up round sends what was never acknowledged.  (The killed
# agent's body may still reach the receiver; the check is on the new
# agent's own upload, and on nothing being pending afterwards.)
i=0
until tail -n +"$((mark + 1))" "$tmp/a.log" | grep -q "upload delta .*: ok"; do
	i=$((i + 1)); [ "$i" -lt 100 ] || break; sleep 0.1
done
f=$(ls -t "$tmp"/r/d.xml.[0-9]* | head -n 1)
if tail -n +"$((mark + 1))" "$tmp/a.log" | grep -q "upload delta .*: ok" &&
    grep -q "<Station_Name>during-upload</Station_Name>" "$f" &&
    ctl a info | grep -q "pending-changes 0"; then
	ok "kill -9 during an upload: the start-up round sends the change again"
else
	not_ok "change lost by kill -9 during upload"; sed 's/^/# /' "$f"
fi
finish
