#!/usr/bin/env python3
"""How long one control request blocks the agent's loop, beside one full
report round (tests/bench/loop_block.sh runs it against a real cfgreportd).

    loop_block.py SOCKET PROFILE

A probe thread asks `info` on a fresh connection again and again; its
slowest answer while a request is in progress (and for WINDOW seconds after
its reply, for the round that `report` only starts) is how long the loop
was held.  Each request is the worst of its kind a client may legally
send: get (255 names of a 64 KiB value, just under the 16 MiB get
limit), dump (the whole configuration), import (the profile again with
every value changed: a batch of 20,000 changes, written durably; and with
one value changed, as a SIGHUP after a small edit), set (every
non-setting parameter of the profile changed), status-set (the cap: 1000
values, 1 MiB), and `report full` (the round).  Prints one line per
request: its name, its own time, the probe's slowest answer, in ms (the
least of REPEAT runs: the one least disturbed by other work).
"""
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integ"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctl_raw  # noqa: E402
import bench_edit  # noqa: E402

WINDOW = 2.0
REPEAT = 3

def call(path, args, blob=b""):
    ok, body = ctl_raw.request(path, args, blob)
    if not ok:
        sys.exit("%s: %s" % (args[0].decode(), body[:200]))
    return body


class Probe(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.worst, self.stop, self.n = path, 0.0, False, 0

    def run(self):
        while not self.stop:
            t0 = time.monotonic()
            call(self.path, [b"info"])
            self.worst = max(self.worst, time.monotonic() - t0)
            self.n += 1
            time.sleep(0.002)


def full_attempt(path):
    text = call(path, [b"info"]).decode()
    block = text[text.index("destination 1 "):]
    return re.search(r"last-attempt (\S+)", block).group(1), \
        "in-flight no" in block.split("destination 2")[0]


def round_time(path):
    """report full until its upload is answered (end to end)."""
    before, _ = full_attempt(path)
    time.sleep(1.1)         # last-attempt has a resolution of 1 s
    t0 = time.monotonic()
    call(path, [b"report", b"full"])
    while True:
        at, idle = full_attempt(path)
        if at != before and idle:
            break
        time.sleep(0.001)
    print("%-12s end to end %7.1f ms" % ("round", (time.monotonic() - t0) *
                                         1000))


def measure_once(path, args, blob):
    probe = Probe(path)
    probe.start()
    time.sleep(0.2)
    probe.worst = 0.0
    t0 = time.monotonic()
    call(path, args, blob)
    t1 = time.monotonic()
    time.sleep(WINDOW)
    probe.stop = True
    probe.join()
    return t1 - t0, probe.worst


def measure(path, name, make):
    """REPEAT runs of make(k) -> (args, blob); the least of each figure,
    the one least disturbed by other work on the machine."""
    runs = [measure_once(path, *make(k)) for k in range(REPEAT)]
    print("%-12s request %7.1f ms   loop held at most %7.1f ms" %
          (name, min(r[0] for r in runs) * 1000,
           min(r[1] for r in runs) * 1000))
    sys.stdout.flush()


def main():
    path, profile = sys.argv[1], sys.argv[2]
    text = open(profile, encoding="utf-8").read()
    names = bench_edit.set_names(text)
    measure(path, "idle", lambda k: ([b"info"], b""))
    for k in range(REPEAT):
        round_time(path)
    measure(path, "round", lambda k: ([b"report", b"full"], b""))
    measure(path, "set", lambda k: ([b"set"] + [
        ("%s=bench-%d-%d" % (n, k, i)).encode()
        for i, n in enumerate(names)], b""))

    def imported(k):
        # Every value but the agent's settings changed.
        out = bench_edit.changed(text, "i%d" % k)
        return [b"import", b"bench.xml"], out.encode()
    measure(path, "import", imported)
    # The usual SIGHUP: the same profile again with one value changed.
    measure(path, "import 1", lambda k: ([b"import", b"bench.xml"], text.replace(
        '"rw">Reception desk<', '"rw">Reception desk %d<' % k, 1).encode()))
    measure(path, "status-set", lambda k: ([b"status-set"] + [
        ("Bench_%d=%s%d" % (i, "s" * 1000, k)).encode()
        for i in range(1000)], b""))
    measure(path, "dump", lambda k: ([b"dump"], b""))
    big = names[len(names) // 2].encode()
    call(path, [b"set", big + b"=" + b"v" * 65535])
    measure(path, "get", lambda k: ([b"get"] + [big] * 255, b""))
    measure(path, "round", lambda k: ([b"report", b"full"], b""))


main()
