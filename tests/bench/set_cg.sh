#!/bin/sh
# What one `set` of every non-setting parameter costs the loop, in
# instructions (issue 9): the real cfgreportd under callgrind, started on
# gen_profile.sh's profile of COUNT parameters, is sent `cfgreportctl set`
# with every parameter but the agent's settings (Report_*, GPP_*, ...)
# changed (as tests/bench/loop_block.py does: 19,989 names of 20,000);
# only cfgreport_set is counted.  Prints callgrind's inclusive figures of
# its parts (the batch built from the arguments, then applied and written).
#   BUILD=/path/to/build [COUNT=20000] [CG_OUT=file] sh tests/bench/set_cg.sh
# CG_OUT keeps callgrind's output for callgrind_annotate.  The figures go
# to docs/store.md ("Applying a large batch").
set -eu
NAME=set_cg.sh
. "$(dirname "$0")/cg_agent.sh"

cg_start cfgreport_set
# The names loop_block.py sets: all but the settings and GPP_*.
python3 "$top/tests/bench/bench_edit.py" names "$tmp/profile.xml" |
    awk '{ printf "%s=bench-%d\n", $0, NR - 1 }' >"$tmp/set.args"
echo "set: $(wc -l <"$tmp/set.args") names"
# One argument a line; no name or value has white space.
# shellcheck disable=SC2046
"$build/cfgreportctl" -S "$tmp/sock" set $(cat "$tmp/set.args") >/dev/null
cg_stop
parts='cfgreport_set|agent_batch|agent_apply|store_apply|store_commit'
parts=$parts'|journal_encode|params_set|params_changes|params_list'
parts=$parts'|params_merge|state_param_len|settings_check|strndup'
cg_parts "$parts"
