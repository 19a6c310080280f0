#!/bin/sh
# SIP NOTIFY against the real daemon (spec.md §6): sipp for the ordinary
# dialogues (401 then 200 and a round the receiver sees; a wrong password
# or no credentials get 403 and no upload; resync 489; OPTIONS 200;
# INVITE 405), tests/integ/sip_client.py for SHA-256, a retransmission,
# a replayed Authorization and garbage; the rate limit's coalescing; live
# changes of the credentials; secrets kept out of the log; SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
. "$top_srcdir/tests/integ/daemon_lib.sh"
need sipp
need python3
scen=$top_srcdir/tests/integ/sipp
client=$top_srcdir/tests/integ/sip_client.py

start_receiver up || exit 1
sport=$(free_port udp)
write_profile "$tmp/p.xml" "<Report_Rule>[--status]http://127.0.0.1:$rport/\$MA-status.xml</Report_Rule>
<Report_To_Server>On Request</Report_To_Server>
<User_ID_1_>alice</User_ID_1_>
<Password_1_ ua=\"na\">s3cret</Password_1_>"
start_agent a "$tmp/p.xml" -p "$sport" -b 127.0.0.1 || exit 1
log=$tmp/a.log
# The start-up round uploads once: count from there.
wait_grep "$tmp/up.out" '^POST ' 1 || exit 1

uploads() { grep -c '^POST ' "$tmp/up.out"; }
accepted() { grep -c 'accepted' "$log"; }

# sipp NAME SCENARIO [ARGS...]: one call from a port of its own; 0 when
# the scenario ran as written.
sipp_run() {
	n=$1 sf=$2; shift 2
	(cd "$tmp" && sipp -sf "$scen/$sf" -i 127.0.0.1 -p "$(free_port udp)" \
	    "127.0.0.1:$sport" -m 1 -nostdin -timeout 10s -trace_msg \
	    -message_file "$tmp/$n.msg" -trace_err -error_file "$tmp/$n.err" \
	    "$@" >"$tmp/$n.out" 2>&1)
}

# expect_sipp NAME SCENARIO [ARGS...]: the scenario must pass.
expect_sipp() {
	n=$1
	if sipp_run "$@"; then
		ok "$n"
	else
		not_ok "$n"
		cat "$tmp/$n.out" "$tmp/$n.msg" "$tmp/$n.err" 2>/dev/null |
		    sed 's/^/# /'
	fi
}

# no_new_upload NAME BEFORE: after a second, still BEFORE uploads and no
# NOTIFY accepted since (an accepted one would upload at once here: no
# rate-limit window is open when this is used).
no_new_upload() {
	sleep 1
	if [ "$(uploads)" -eq "$2" ] && [ "$(accepted)" -eq "$acc" ]; then
		ok "$1: no upload"
	else
		not_ok "$1: $(uploads) uploads, want $2"
		sed 's/^/# /' "$log"
	fi
}

# --- methods and events that never report
u0=$(uploads)
acc=$(accepted)
expect_sipp options options.xml
expect_sipp invite invite.xml
expect_sipp notify-resync notify_event.xml
no_new_upload "options, invite, resync" "$u0"

# --- garbage: none crashes it or stops it answering
python3 "$client" "$sport" garbage >"$tmp/garbage.out" 2>&1
if grep -qx 'options 200' "$tmp/garbage.out" &&
    ! grep -v -e ' -$' -e ' 400$' -e '^options 200$' "$tmp/garbage.out" |
    grep -q . &&
    grep -qx 'random -' "$tmp/garbage.out" &&
    grep -qx 'oversized -' "$tmp/garbage.out" &&
    grep -qx 'largest-udp -' "$tmp/garbage.out" &&
    grep -qx 'status-line -' "$tmp/garbage.out" &&
    grep -qx 'deep-via -' "$tmp/garbage.out" &&
    grep -qx 'nul-in-to -' "$tmp/garbage.out" &&
    grep -qx 'nul-in-event 400' "$tmp/garbage.out" &&
    grep -qx 'bad-length 400' "$tmp/garbage.out" &&
    grep -qx 'bad-auth 400' "$tmp/garbage.out"; then
	ok "garbage: dropped or 400, then OPTIONS answered"
else
	not_ok "garbage"; sed 's/^/# /' "$tmp/garbage.out"
fi
if kill -0 "$agent_pid" 2>/dev/null && ctl a info >"$tmp/info.out" 2>&1 &&
    grep -q '^mac 00:0e:08:aa:bb:cc' "$tmp/info.out"; then
	ok "garbage: the control socket still answers"
else
	not_ok "garbage: the agent is gone or deaf"; sed 's/^/# /' "$log"
fi
no_new_upload garbage "$u0"

# --- wrong password, no credentials: 403, no upload
expect_sipp wrong-password notify_refused.xml -au alice -ap guess
no_new_upload wrong-password "$u0"
expect_sipp wrong-user notify_refused.xml -au mallory -ap s3cret
no_new_upload wrong-user "$u0"
ctl a set Password_1_= >/dev/null || not_ok "clearing Password_1_"
expect_sipp no-credentials notify_forbidden.xml
no_new_upload no-credentials "$u0"

# --- 401 then 200, and the round the receiver sees
ctl a set Password_1_=s3cret >/dev/null || not_ok "setting Password_1_"
expect_sipp notify notify_auth.xml -au alice -ap s3cret
if wait_grep "$tmp/up.out" '^POST /000e08aabbcc-status.xml' $((u0 + 1)); then
	ok "notify: the receiver got the round"
else
	not_ok "notify: no upload"; sed 's/^/# /' "$log"
fi
grep -q 'NOTIFY from alice accepted: a round starts' "$log" &&
    ok "notify: logged once, as accepted" ||
    not_ok "notify: no 'accepted' log line"

# --- inside the 10 s window: SHA-256, a retransmission, a replay.  Each
# accepted NOTIFY gets its 200; their rounds coalesce into one at the end.
u1=$(uploads)
r=$(python3 "$client" "$sport" auth alice s3cret MD5 replay 2>&1)
[ "$r" = "401 200 200 403" ] && ok "md5, retransmission, replay: $r" ||
    not_ok "md5, retransmission, replay: '$r' (want 401 200 200 403)"
r=$(python3 "$client" "$sport" auth alice s3cret SHA-256 2>&1)
[ "$r" = "401 200" ] && ok "sha-256: $r" || not_ok "sha-256: '$r'"
r=$(python3 "$client" "$sport" auth alice guess SHA-256 2>&1)
[ "$r" = "401 403" ] && ok "sha-256, wrong password: $r" ||
    not_ok "sha-256, wrong password: '$r'"
sleep 1
[ "$(uploads)" -eq "$u1" ] && ok "window: no round before its end" ||
    not_ok "window: $(uploads) uploads, want $u1"
[ "$(grep -c 'coalesced into one round' "$log")" -eq 2 ] &&
    ok "window: both accepted NOTIFYs coalesced" ||
    not_ok "window: $(grep -c 'coalesced into one round' "$log") coalesced"
if wait_grep "$tmp/up.out" '^POST ' $((u1 + 1)); then
	ok "window: one deferred round at its end"
else
	not_ok "window: no deferred round"; sed 's/^/# /' "$log"
fi
sleep 1
[ "$(uploads)" -eq $((u1 + 1)) ] && ok "window: exactly one" ||
    not_ok "window: $(uploads) uploads, want $((u1 + 1))"

# --- live credential changes: Auth_ID_1_ once Use_Auth_ID_1_ is Yes
u2=$(uploads)
ctl a set Use_Auth_ID_1_=Yes Auth_ID_1_=bob Password_1_=n3w >/dev/null ||
    not_ok "setting Auth_ID_1_"
expect_sipp "auth-id: user id refused" notify_refused.xml -au alice -ap n3w
expect_sipp "auth-id: accepted" notify_auth.xml -au bob -ap n3w
# The deferred round re-opened the window: this one may wait for its end.
if wait_grep "$tmp/up.out" '^POST ' $((u2 + 1)); then
	ok "auth-id: the round came"
else
	not_ok "auth-id: no round"; sed 's/^/# /' "$log"
fi
grep -q 'NOTIFY from bob accepted' "$log" && ok "auth-id: bob accepted" ||
    not_ok "auth-id: no acceptance of bob"

# --- the log: refusals said, secrets never
grep -q 'NOTIFY refused: wrong response' "$log" &&
    ok "log: the refusal is there" || not_ok "log: no refusal"
if grep -q -e s3cret -e n3w -e guess "$log"; then
	not_ok "log: a password leaked"; grep -e s3cret -e n3w -e guess "$log"
else
	ok "log: no password"
fi

# --- SIGTERM closes the socket and exits 0
stop_pid "$agent_pid"
[ "$stop_rc" -eq 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM: exit $stop_rc"
if python3 - "$sport" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))     # free again
EOF
then ok "SIGTERM: the SIP port is free"; else not_ok "SIGTERM: port held"; fi
if grep -q -e 'Sanitizer' -e 'runtime error:' "$log"; then
	not_ok "sanitizer report"; sed 's/^/# /' "$log"
fi
finish
