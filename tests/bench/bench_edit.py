"""The edits the loop and callgrind benchmarks make to gen_profile.sh's
profile (loop_block.py, import_cg.sh, import_steps.sh, set_cg.sh), in one
place so that they all measure the same requests.

As a program:
    bench_edit.py changed IN OUT TAIL [PAD]  every value but the agent's
        settings lengthened by PAD bytes and ended with TAIL, into OUT
    bench_edit.py names IN                    the names a `set` changes,
        one per line
"""
import re
import sys

# The agent's own settings: an import or set of the benchmarks leaves
# them as they are, so the agent keeps reporting to the same place.
SETTINGS = {"Report_Rule", "HTTP_Report_Method", "Report_To_Server",
            "Upload_Delay_On_Local_Change", "Periodic_Upload_To_Server",
            "Report_Random_Delay", "IKM_HTTP_Encrypt_Content", "User_ID_1_",
            "Auth_ID_1_", "Use_Auth_ID_1_", "Password_1_"}
ELEMENT = re.compile(r'<([A-Za-z0-9_]+) ua="(rw|na|ro)">([^<]*)<')


def changed(text, tail, pad=0):
    """TEXT with every value but the settings' padded and ended by TAIL."""
    return ELEMENT.sub(lambda m: m.group(0) if m.group(1) in SETTINGS else
                       '<%s ua="%s">%s%s%s<' % (m.group(1), m.group(2),
                                                m.group(3), "p" * pad, tail),
                       text)


def set_names(text):
    """The names a benchmark `set` changes: all but settings and GPP_*."""
    return [n for n in re.findall(r"^  <([A-Za-z0-9_]+) ua=", text, re.M)
            if n not in SETTINGS and not n.startswith("GPP_")]


def main(argv):
    if len(argv) >= 4 and argv[0] == "changed":
        text = open(argv[1], encoding="utf-8").read()
        pad = int(argv[4]) if len(argv) > 4 else 0
        open(argv[2], "w", encoding="utf-8").write(changed(text, argv[3],
                                                           pad))
    elif len(argv) == 2 and argv[0] == "names":
        text = open(argv[1], encoding="utf-8").read()
        sys.stdout.write("".join(n + "\n" for n in set_names(text)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
