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
cg_stop
parts='cfgreport_set|agent_batch|agent_apply|store_apply|store_commit'
parts=$parts'|journal_encode|params_set|params_changes|params_list'
parts=$parts'|params_merge|state_param_len|settings_check|strndup'
cg_parts "$parts"
