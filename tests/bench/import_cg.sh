#!/bin/sh
# What one `import` costs the loop, in instructions (issue 9): the real
# cfgreportd under callgrind, started on gen_profile.sh's profile of COUNT
# parameters, is sent that profile again with every value but the
# agent's settings changed (as tests/bench/loop_block.py does); only
# import_step is counted (every loop pass of the import: the checks, the
# slices read by mxml, the batch applied; tests/bench/import_steps.sh
# gives each pass alone).  Prints callgrind's inclusive figures of the
# import's parts (the parse, the batch applied and written).
#   BUILD=/path/to/build [COUNT=20000] [CG_OUT=file] sh tests/bench/import_cg.sh
# CG_OUT keeps callgrind's output for callgrind_annotate.
# The figures go to docs/control.md ("The loop under the worst requests").
set -eu
NAME=import_cg.sh
. "$(dirname "$0")/cg_agent.sh"

python3 "$top/tests/bench/bench_edit.py" changed "$tmp/profile.xml" \
    "$tmp/changed.xml" i0
cg_start import_step
"$build/cfgreportctl" -S "$tmp/sock" import "$tmp/changed.xml"
cg_stop
parts='import_step|profile_loader_step|profile_text|profile_shape'
parts=$parts'|mxmlSAXLoadFile|profile_sax|getc|agent_apply'
parts=$parts'|store_apply|store_commit|journal_encode|params_set|params_apply'
parts=$parts'|params_find|state_param_len|settings_check|agent_settings'
parts=$parts'|params_changes|params_list|params_merge|store_rec_apply'
cg_parts "$parts"
