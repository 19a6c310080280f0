#!/bin/sh
# What one `set` of every non-setting parameter costs the loop, in
# instructions (issue 9): the real cfgreportd under callgrind, started on
# gen_profile.sh's profile of COUNT parameters, is sent `cfgreportctl set`
# with every parameter but the agent's settings (Report_*, GPP_*, ...)
# changed (as tests/bench/loop_block.py does: 19,950 names for 20,000);
# only cfgreport_set is counted.  Prints callgrind's inclusive figures of
# its parts (the batch built from the arguments, then applied and written).
#   BUILD=/path/to/build [COUNT=20000] [CG_OUT=file] sh tests/bench/set_cg.sh
# CG_OUT keeps callgrind's output for callgrind_annotate.  The figures go
# to docs/control.md ("Where a full-change import's time goes").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
count=${COUNT:-20000}
die() { echo "set_cg.sh: $*" >&2; exit 2; }
for p in "$build/cfgreportd" "$build/cfgreportctl"; do
	[ -x "$p" ] || die "no $p: build first"
done
for c in valgrind callgrind_annotate python3; do
	command -v "$c" >/dev/null || die "no $c"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-set.XXXXXX")
apid=
cleanup() {
	[ -z "$apid" ] || kill "$apid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

mkdir "$tmp/state"
# Port 9 (discard): the start-up round fails at once, nothing is sent.
sh "$top/tests/bench/gen_profile.sh" 9 "$count" >"$tmp/profile.xml"
valgrind --tool=callgrind --toggle-collect=cfgreport_set \
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
# The names loop_block.py sets: all but the settings and GPP_*.
python3 - "$build/cfgreportctl" "$tmp/sock" "$tmp/profile.xml" <<'PY'
import re
import subprocess
import sys
SETTINGS = {"Report_Rule", "HTTP_Report_Method", "Report_To_Server",
            "Upload_Delay_On_Local_Change", "Periodic_Upload_To_Server",
            "Report_Random_Delay", "IKM_HTTP_Encrypt_Content", "User_ID_1_",
            "Auth_ID_1_", "Use_Auth_ID_1_", "Password_1_"}
ctl, sock, profile = sys.argv[1:4]
text = open(profile, encoding="utf-8").read()
names = [n for n in re.findall(r"^  <([A-Za-z0-9_]+) ua=", text, re.M)
         if n not in SETTINGS and not n.startswith("GPP_")]
subprocess.run([ctl, "-S", sock, "set"] +
               ["%s=bench-%d" % (n, i) for i, n in enumerate(names)],
               check=True, stdout=subprocess.DEVNULL)
print("set: %d names" % len(names))
PY
kill "$apid"
wait "$apid" || :
apid=
parts='cfgreport_set|agent_batch|agent_apply|store_apply|store_commit'
parts=$parts'|journal_encode|params_set|params_changes|params_list'
parts=$parts'|params_merge|state_param_len|settings_check|strndup'
callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" 2>/dev/null |
    grep -E "PROGRAM TOTALS|:($parts) \\[" |
    sed 's/ *\[.*//; s|[^ ]*/||' | awk '!seen[$0]++'
[ -z "${CG_OUT:-}" ] || cp "$tmp/cg.out" "$CG_OUT"
