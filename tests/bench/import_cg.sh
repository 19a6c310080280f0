#!/bin/sh
# What one `import` costs the loop, in instructions (issue 9): the real
# cfgreportd under callgrind, started on gen_profile.sh's profile of COUNT
# parameters, is sent that profile again with every value but the
# agent's settings changed (as tests/bench/loop_block.py does); only
# import_step is counted (every loop pass of the import: the checks, the
# slices read by mxml, the batch applied; tests/bench/import_steps.sh
# gives each pass alone).  Prints callgrind's inclusive figures of the
# import's parts (the parse, the batch applied and written).
#   BUILD=/path/to/build [COUNT=20000] sh tests/bench/import_cg.sh
# The figures go to docs/control.md ("The loop under the worst requests").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
count=${COUNT:-20000}
die() { echo "import_cg.sh: $*" >&2; exit 2; }
for p in "$build/cfgreportd" "$build/cfgreportctl"; do
	[ -x "$p" ] || die "no $p: build first"
done
for c in valgrind callgrind_annotate python3; do
	command -v "$c" >/dev/null || die "no $c"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-import.XXXXXX")
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
python3 - "$tmp/profile.xml" "$tmp/changed.xml" <<'EOF'
import re
import sys
SETTINGS = {"Report_Rule", "HTTP_Report_Method", "Report_To_Server",
            "Upload_Delay_On_Local_Change", "Periodic_Upload_To_Server",
            "Report_Random_Delay", "IKM_HTTP_Encrypt_Content", "User_ID_1_",
            "Auth_ID_1_", "Use_Auth_ID_1_", "Password_1_"}
text = open(sys.argv[1], encoding="utf-8").read()
out = re.sub(r'<([A-Za-z0-9_]+) ua="(rw|na|ro)">([^<]*)<',
             lambda m: m.group(0) if m.group(1) in SETTINGS else
             '<%s ua="%s">%si0<' % m.groups(), text)
open(sys.argv[2], "w", encoding="utf-8").write(out)
EOF
valgrind --tool=callgrind --toggle-collect=import_step \
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
"$build/cfgreportctl" -S "$tmp/sock" import "$tmp/changed.xml"
kill "$apid"
wait "$apid" || :
apid=
parts='import_step|profile_loader_step|profile_text|profile_shape|mxmlSAXLoadFile|profile_sax|getc'
parts=$parts'|store_apply|store_commit|journal_encode|params_set|params_apply'
parts=$parts'|params_find|state_param_len|settings_check|agent_settings'
callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" 2>/dev/null |
    grep -E "PROGRAM TOTALS|:($parts) \\[" |
    sed 's/ *\[.*//; s|[^ ]*/||' | awk '!seen[$0]++'
