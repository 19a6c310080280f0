#!/bin/sh
# cfgreport-fleet against a real nginx (dav_methods PUT) on a free
# 127.0.0.1 port: 2,000 agents under a soft limit of 1,024 open files
# (the fleet raises it to what it needs) all deliver their start-up
# report, one file per MAC, none failed; a hard limit too low for the
# fleet is refused up front as "too many open files"; a second run on
# the same state is a fleet restarting; local changes arm deltas.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/transfer_lib.sh"
need nginx
need python3
need nc

fleet=$top_builddir/cfgreport-fleet
ngx=$tmp/nginx www=$tmp/www
mkdir -p "$ngx" "$www/up"
http=$(free_port)
n=${FLEET_COUNT:-2000}

cat >"$ngx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
worker_rlimit_nofile 4096;
events { worker_connections 2048; }
http {
	access_log $ngx/access.log;
	client_body_temp_path $ngx/body;
	proxy_temp_path $ngx/proxy;
	fastcgi_temp_path $ngx/fastcgi;
	uwsgi_temp_path $ngx/uwsgi;
	scgi_temp_path $ngx/scgi;
	root $www;
	server {
		listen 127.0.0.1:$http backlog=4096;
		location /up/ { dav_methods PUT; create_full_put_path on; }
	}
}
EOF
spawn nginx -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf"
wait_tcp "$http" || { cat "$ngx/error.log"; exit 1; }

rule="http://127.0.0.1:$http/up/\$MA.xml"
# --- 2,000 agents, soft limit 1,024: every start-up report arrives.
out=$( (ulimit -Sn 1024 && "$fleet" -n "$n" -s "$tmp/state" -M PUT \
    --spread 2 --max-in-flight 32 -r "$rule") 2>"$tmp/fleet.err")
rc=$?
echo "# $out"
files=$(ls "$www/up" | grep -c '^000e08[0-9a-f]\{6\}\.xml$')
[ "$rc" = 0 ] && ok "fleet of $n: exit 0" ||
    { not_ok "fleet of $n: exit $rc"; sed 's/^/# /' "$tmp/fleet.err" | head -20; }
[ "$files" = "$n" ] && ok "one report per MAC: $files files" ||
    not_ok "$files report files for $n agents"
echo "$out" | grep -q "^fleet: $n agents, $n uploads ok, 0 failed, p50 [0-9]* ms, p99 [0-9]* ms, peak in flight [0-9]*\$" &&
    ok "the summary line" || not_ok "summary: $out"
peak=$(echo "$out" | sed -n 's/.*peak in flight \([0-9]*\)$/\1/p')
[ -n "$peak" ] && [ "$peak" -ge 1 ] && [ "$peak" -le 32 ] &&
    ok "peak in flight $peak within the cap of 32" ||
    not_ok "peak in flight '$peak' past the cap of 32"
# The first and the last MAC, and what a report holds.
[ -s "$www/up/000e08000000.xml" ] && [ -s "$www/up/000e080007cf.xml" ] &&
    grep -q '<Station_Name>fleet-phone</Station_Name>' \
    "$www/up/000e080007cf.xml" && ok "reports of 000e08000000..000e080007cf" ||
    not_ok "reports of the first and last MAC"
[ "$(ls "$tmp/state" | grep -c '^000e08')" = "$n" ] &&
    ok "one state directory per MAC" || not_ok "state directories"
[ ! -s "$tmp/fleet.err" ] && ok "nothing on stderr" ||
    { not_ok "stderr:"; sed 's/^/# /' "$tmp/fleet.err" | head; }

# --- a hard limit too low: refused before the first agent, clearly.
out=$( (ulimit -n 256 && "$fleet" -n "$n" -s "$tmp/state2" -r "$rule") 2>&1)
rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q 'too many open files' &&
    [ ! -d "$tmp/state2" ] && ok "hard limit 256: refused, too many open files" ||
    not_ok "hard limit 256: exit $rc: $out"

# --- a restart of 50 of them with a profile of their own, a delta entry
# and local changes at 20 a second for 11.5 s: each agent's start-up full
# report, and the deltas of the agents changed in the first 1.5 s (the
# shortest Upload_Delay_On_Local_Change is 10 s) arrive.
rm -f "$www/up"/*
cat >"$tmp/p.xml" <<EOF
<flat-profile>
  <Station_Name>restarted</Station_Name>
  <Report_To_Server>On Local Change</Report_To_Server>
  <Upload_Delay_On_Local_Change>10</Upload_Delay_On_Local_Change>
</flat-profile>
EOF
out=$("$fleet" -n 50 -s "$tmp/state" -M PUT -c "$tmp/p.xml" \
    --changes-per-s 20 --duration 11.5 \
    -r "$rule [--delta] http://127.0.0.1:$http/up/\$MA-delta.xml" \
    2>"$tmp/fleet2.err" </dev/null)
rc=$?
echo "# $out"
full=$(ls "$www/up" | grep -c '^000e08[0-9a-f]*\.xml$')
deltas=$(grep -l Fleet_Local_Change "$www/up"/*-delta.xml 2>/dev/null | wc -l)
[ "$rc" = 0 ] && [ "$full" = 50 ] &&
    grep -q '<Station_Name>restarted' "$www/up/000e08000031.xml" &&
    ok "a restart of 50 with -c: 50 full reports of the new profile" ||
    { not_ok "restart of 50: exit $rc, $full full reports: $out"; sed 's/^/# /' "$tmp/fleet2.err" | head; }
[ "$deltas" -ge 5 ] && ok "local changes: $deltas deltas carry Fleet_Local_Change" ||
    not_ok "local changes: $deltas deltas"

# --- three phones on one shared SIP listener (sipp): a NOTIFY to line
# 000e08000101 with its own password gets 200 and that phone's report
# again; its password at another line gets 403; no such line, 404.
if command -v sipp >/dev/null 2>&1; then
	rm -f "$www/up"/*
	seen=$(wc -l <"$ngx/access.log")
	sport=$(free_port udp)
	"$fleet" -n 3 -s "$tmp/sipstate" --mac-base 00:0e:08:00:01:01 -M PUT \
	    --sip-addr 127.0.0.1 --sip-port "$sport" --sip-password 'l1ne-pw' \
	    --duration 6 -v -r "$rule" >"$tmp/sipfleet.out" 2>"$tmp/sipfleet.err" &
	fpid=$!
	wait_file "$www/up/000e08000103.xml"
	scen=$top_srcdir/tests/integ/sipp
	sipp1() {
		(cd "$tmp" && sipp -sf "$scen/$1" -i 127.0.0.1 -p "$(free_port udp)" \
		    "127.0.0.1:$sport" -m 1 -nostdin -timeout 5s -s "$2" \
		    -au "$3" -ap l1ne-pw >"$tmp/sipp.out" 2>&1)
	}
	sipp1 notify_line.xml 000e08000102 000e08000102 &&
	    ok "sipp: NOTIFY to line 000e08000102 with its password: 200" ||
	    { not_ok "sipp: line 000e08000102"; sed 's/^/# /' "$tmp/sipp.out" | tail -5; }
	sipp1 notify_line_refused.xml 000e08000101 000e08000102 &&
	    ok "sipp: another line's credentials: 403" ||
	    not_ok "sipp: another line's credentials not refused"
	sipp1 notify_nobody.xml 000e0800ffff x && ok "sipp: no such line: 404" ||
	    not_ok "sipp: no such line"
	wait "$fpid"; rc=$?
	# The start-up round of each, and the NOTIFY's round of 102 alone.
	tail -n +$((seen + 1)) "$ngx/access.log" >"$tmp/sip.access"
	n102=$(grep -c 'PUT /up/000e08000102.xml' "$tmp/sip.access")
	n101=$(grep -c 'PUT /up/000e08000101.xml' "$tmp/sip.access")
	[ "$rc" = 0 ] && [ "$n102" = 2 ] && [ "$n101" = 1 ] &&
	    grep -q 'NOTIFY from 000e08000102 accepted' "$tmp/sipfleet.err" &&
	    ok "the NOTIFY's round: line 102 reported again, 101 not" ||
	    { not_ok "NOTIFY round: exit $rc, 102: $n102, 101: $n101"; sed 's/^/# /' "$tmp/sipfleet.err" | head; }
else
	echo "# no sipp: the shared SIP listener's sipp checks skipped"
fi

# --- a bad command line
"$fleet" -n 0 -s "$tmp/x" -r "$rule" 2>/dev/null; rc=$?
[ "$rc" = 2 ] && ok "-n 0: exit 2" || not_ok "-n 0: exit $rc"
"$fleet" --help | grep -q '^usage: cfgreport-fleet' && ok "--help" ||
    not_ok "--help"
"$fleet" --version | grep -q '^cfgreport-fleet ' && ok "--version" ||
    not_ok "--version"
finish
