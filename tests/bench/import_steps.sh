#!/bin/sh
# The longest the loop is held by one pass of an `import`, against a full
# report round, in instructions (issue 9): the real cfgreportd under
# callgrind, started on gen_profile.sh's profile of COUNT parameters, is
# sent that profile again with every value but the agent's settings
# changed (as tests/bench/loop_block.py does).  callgrind writes one
# profile per loop pass of the import (import_step: a chunk of the text
# checks, or one 64 KiB slice read by mxml, or the batch applied at the
# end), and, in a second run, one per report round (sched_run_cb: the
# reports of a `report full` built and encrypted, handed to curl).
# Prints the passes' count, the largest, the apply's and the round's.
# PAD=N lengthens every value but the agent's settings by N bytes (700:
# a 15.5 MB profile, near the 16 MiB an import may carry).
#   BUILD=/path/to/build [COUNT=20000] [PAD=0] sh tests/bench/import_steps.sh
# The figures go to docs/control.md ("The loop under the worst requests").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
count=${COUNT:-20000}
pad=${PAD:-0}
die() { echo "import_steps.sh: $*" >&2; exit 2; }
for p in "$build/cfgreportd" "$build/cfgreportctl"; do
	[ -x "$p" ] || die "no $p: build first"
done
for c in valgrind python3; do
	command -v "$c" >/dev/null || die "no $c"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-steps.XXXXXX")
apid=
cleanup() {
	[ -z "$apid" ] || kill "$apid" 2>/dev/null || :
	wait 2>/dev/null || :
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# Port 9 (discard): a round's upload fails at once, nothing is sent.
sh "$top/tests/bench/gen_profile.sh" 9 "$count" >"$tmp/gen.xml"
python3 - "$tmp/gen.xml" "$tmp/profile.xml" "$tmp/changed.xml" "$pad" <<'PY'
import re
import sys
SETTINGS = {"Report_Rule", "HTTP_Report_Method", "Report_To_Server",
            "Upload_Delay_On_Local_Change", "Periodic_Upload_To_Server",
            "Report_Random_Delay", "IKM_HTTP_Encrypt_Content", "User_ID_1_",
            "Auth_ID_1_", "Use_Auth_ID_1_", "Password_1_"}
ELEMENT = r'<([A-Za-z0-9_]+) ua="(rw|na|ro)">([^<]*)<'
def edit(text, tail):
    return re.sub(ELEMENT, lambda m: m.group(0) if m.group(1) in SETTINGS
                  else '<%s ua="%s">%s%s<' % (m.groups() + (tail,)), text)
text = edit(open(sys.argv[1], encoding="utf-8").read(), "p" * int(sys.argv[4]))
open(sys.argv[2], "w", encoding="utf-8").write(text)
open(sys.argv[3], "w", encoding="utf-8").write(edit(text, "i0"))
PY
echo "profile: $count parameters, $(wc -c <"$tmp/profile.xml") bytes"

# FN's calls, one callgrind profile each, while CTL ARGS... runs.
profile_calls() {
	fn=$1 out=$2
	shift 2
	rm -rf "$tmp/state" "$tmp/sock"
	mkdir "$tmp/state"
	valgrind --tool=callgrind --toggle-collect="$fn" --dump-after="$fn" \
	    --callgrind-out-file="$tmp/$out" "$build/cfgreportd" -d \
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
	"$build/cfgreportctl" -S "$tmp/sock" "$@" >/dev/null
	# A round runs from the loop after the reply: give it its time.
	sleep 5
	kill "$apid"
	wait "$apid" || :
	apid=
}

# Each dump's instructions, in the order written (the last is at exit).
dump_totals() {
	for f in "$tmp/$1".*; do
		[ -e "$f" ] || continue
		n=${f##*.}
		v=$(sed -n 's/^summary: //p; s/^totals: //p' "$f" | head -n 1)
		printf '%s %s\n' "$n" "${v:-0}"
	done | sort -n | awk '$2 > 0 { print $2 }'
}

profile_calls import_step steps.out import "$tmp/changed.xml"
dump_totals steps.out >"$tmp/steps"
[ -s "$tmp/steps" ] || die "no import pass was counted"
profile_calls sched_run_cb round.out report full
dump_totals round.out >"$tmp/rounds"
[ -s "$tmp/rounds" ] || die "no round was counted"

awk -v rounds="$tmp/rounds" '
	{ n++; sum += $1; if ($1 > max) max = $1; last = $1
	  if (n > 1 && prev > maxread) maxread = prev; prev = $1 }
	END {
		while ((getline r < rounds) > 0) if (r + 0 > round) round = r + 0
		printf "import passes            %d\n", n
		printf "import, all passes       %.1f M instructions\n", sum / 1e6
		printf "largest reading pass     %.1f M\n", maxread / 1e6
		printf "the apply (last pass)    %.1f M\n", last / 1e6
		printf "largest pass             %.1f M\n", max / 1e6
		printf "report round (full)      %.1f M\n", round / 1e6
	}' "$tmp/steps"
