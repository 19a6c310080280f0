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
NAME=import_steps.sh
. "$(dirname "$0")/cg_agent.sh"
CG_DUMP=1

edit="$top/tests/bench/bench_edit.py"
python3 "$edit" changed "$tmp/profile.xml" "$tmp/profile.xml" "" "${PAD:-0}"
python3 "$edit" changed "$tmp/profile.xml" "$tmp/changed.xml" i0
echo "profile: $count parameters, $(wc -c <"$tmp/profile.xml") bytes"

cg_start import_step
"$build/cfgreportctl" -S "$tmp/sock" import "$tmp/changed.xml"
cg_stop
cg_calls >"$tmp/steps"
[ -s "$tmp/steps" ] || die "no import pass was counted"

cg_start sched_run_cb
"$build/cfgreportctl" -S "$tmp/sock" report full
# The round runs from the loop after the reply: give it its time.
sleep 5
cg_stop
cg_calls >"$tmp/rounds"
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
