#!/bin/sh
# When reports are sent (spec.md §4), through the real agent and our
# receiver, with time running 1000 times as fast (tests/agent_host -t
# 0.001): 600 s is 0.6 s.  Start-up round; On Local Change with its delay,
# local changes joining one upload, provisioning changes arming nothing;
# Periodically; a mode or interval change taking effect at once; refused
# values refusing the whole batch; defaults read back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
. "$top_srcdir/tests/integ/daemon_lib.sh"
need nc
need python3
AGENT=tests/agent_host

start_receiver r || exit 1
n_uploads() { grep -c "^PUT /$1" "$tmp/r.out"; }

write_profile "$tmp/p.xml" "<Report_Rule>http://127.0.0.1:$rport/full.xml [--delta]http://127.0.0.1:$rport/delta.xml</Report_Rule>
  <HTTP_Report_Method>PUT</HTTP_Report_Method>
  <Report_To_Server>On Local Change</Report_To_Server>
  <Upload_Delay_On_Local_Change>900</Upload_Delay_On_Local_Change>
  <Station_Name>desk</Station_Name>"
start_agent a "$tmp/p.xml" -t 0.001 || exit 1

# Start-up: one full report (the delta has nothing to say).
wait_grep "$tmp/r.out" "^PUT /full.xml" && sleep 0.2
[ "$(n_uploads full.xml)" = 1 ] && [ "$(n_uploads delta.xml)" = 0 ] &&
    ok "start-up round: one full report, no empty delta" || not_ok "start-up"

# Local changes within the 900 s (0.9 s) delay join one round.
ctl a set Station_Name=one
sleep 0.3
ctl a set Station_Name=two Time_Zone=GMT
ctl a info | grep -q "next local-change in" && ok "info shows the local-change deadline" ||
    not_ok "info deadline"
[ "$(n_uploads delta.xml)" = 0 ] && ok "nothing before the delay" || not_ok "early upload"
wait_grep "$tmp/r.out" "^PUT /delta.xml" && sleep 0.5
[ "$(n_uploads delta.xml)" = 1 ] && grep -q '<Station_Name>two</Station_Name>' "$tmp/r/delta.xml" &&
    grep -q '<Time_Zone>' "$tmp/r/delta.xml" &&
    ok "changes within the delay joined one delta" || not_ok "joined delta"

# Provisioning changes are recorded but arm nothing.
ctl a set --source provisioning Station_Name=prov
sleep 1.5
[ "$(n_uploads delta.xml)" = 1 ] && ok "a provisioning change arms no timer" ||
    not_ok "provisioning armed"
ctl a info | grep -q "pending-changes 1" && ok "but it is pending for the next delta" ||
    not_ok "provisioning change not pending"

# Periodically every 600 s (0.6 s): a mode change re-arms at once.
before=$(n_uploads full.xml)
ctl a set --source provisioning "Report_To_Server=Periodically" \
    Periodic_Upload_To_Server=600
sleep 2.1
after=$(n_uploads full.xml)
[ $((after - before)) -ge 2 ] && [ $((after - before)) -le 4 ] &&
    ok "periodic: $((after - before)) rounds in 2.1 s at 0.6 s" ||
    not_ok "periodic: $((after - before)) rounds"
# A longer interval takes effect without a restart.
ctl a set --source provisioning Periodic_Upload_To_Server=259200
sleep 0.2; before=$(n_uploads full.xml); sleep 1.5
[ "$(n_uploads full.xml)" = "$before" ] && ok "a longer interval re-armed at once" ||
    not_ok "interval change"
ctl a set --source provisioning "Report_To_Server=On Request"
ctl a info | grep -q "next periodic" && not_ok "periodic timer left armed" ||
    ok "On Request disarms the periodic timer"

# Refused values: the reason names parameter, value and range; the whole
# batch is refused.
ctl a set Station_Name=never Periodic_Upload_To_Server=599 2>"$tmp/err" &&
    not_ok "599 accepted"
grep -q "Periodic_Upload_To_Server" "$tmp/err" && grep -q 599 "$tmp/err" &&
    grep -q 600 "$tmp/err" && ok "refused: $(cat "$tmp/err")" || not_ok "error text: $(cat "$tmp/err")"
ctl a get Station_Name | grep -qx "Station_Name=prov" &&
    ok "the refused batch changed nothing" || not_ok "half-applied batch"
ctl a set Upload_Delay_On_Local_Change=9 2>/dev/null && not_ok "delay 9 accepted" ||
    ok "delay 9 refused"
ctl a set "HTTP_Report_Method=GET" 2>/dev/null && not_ok "GET accepted" || ok "GET refused"
ctl a set "Report_Rule=[--delta --status]http://x/y" 2>"$tmp/err" && not_ok "bad rule accepted"
grep -q "Report_Rule" "$tmp/err" && ok "bad rule refused: $(cat "$tmp/err")" || not_ok "bad rule text"

# Defaults read back for settings the profile lacks; secrets masked.
ctl a get Report_Random_Delay HTTP_Report_Method | tr '\n' ' ' | grep -q "Report_Random_Delay=0 HTTP_Report_Method=PUT" &&
    ok "get: defaults and values" || not_ok "get"
ctl a set Password_1_=hunter2 GPP_SA=topsecret
ctl a get Password_1_ GPP_SA | tr '\n' ' ' | grep -q "Password_1_=\*\*\*\*\* GPP_SA=\*\*\*\*\*" &&
    ok "get masks secrets" || not_ok "secret shown"
ctl a dump | grep -q "hunter2\|topsecret" && not_ok "dump shows a secret" || ok "dump masks secrets"
grep -q "hunter2\|topsecret" "$tmp/a.log" && not_ok "secret logged" || ok "no secret logged"
ctl a get No_Such_Param 2>/dev/null && not_ok "unknown name" || ok "unknown name refused"
ctl a bogus 2>/dev/null && not_ok "bogus command" || ok "unknown command refused"
finish
