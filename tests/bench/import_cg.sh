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
cg_start import_step
"$build/cfgreportctl" -S "$tmp/sock" import "$tmp/changed.xml"
cg_stop
parts='import_step|profile_loader_step|profile_text|profile_shape'
parts=$parts'|mxmlSAXLoadFile|profile_sax|getc|agent_apply'
parts=$parts'|store_apply|store_commit|journal_encode|params_set|params_apply'
parts=$parts'|params_find|state_param_len|settings_check|agent_settings'
parts=$parts'|params_changes|params_list|params_merge|store_rec_apply'
cg_parts "$parts"
