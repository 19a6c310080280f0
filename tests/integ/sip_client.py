#!/usr/bin/env python3
"""A small SIP UAC over UDP for tests/integ/sip_notify.sh: what sipp
cannot do there (SHA-256 Digest, a replayed Authorization, garbage).
Digests come from Python's hashlib, independent of the agent's wolfSSL.

  sip_client.py PORT auth USER PASSWORD [MD5|SHA-256] [replay]
      NOTIFY (Event: report) -> 401; answer the challenge for the
      algorithm -> expect 200.  With "replay": send the identical
      datagram again (a retransmission) and then the same Authorization
      in a new transaction (new branch and CSeq).  Prints the status
      codes, e.g. "401 200 200 403".
  sip_client.py PORT garbage
      Random bytes, an oversized datagram, truncated and broken
      requests, NULs, a flood of folded rows, each followed by an
      OPTIONS.  Prints one line per datagram: its name and the status it
      got (or "-"), then "options" and the last OPTIONS' status.

Everything goes to 127.0.0.1:PORT and stops by itself.
"""
import hashlib
import os
import random
import re
import socket
import sys


TIMEOUT = 2.0


class Uac:
    def __init__(self, port):
        self.port = port
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(TIMEOUT)
        self.lport = self.s.getsockname()[1]
        self.cseq = 0
        self.callid = "%x@127.0.0.1" % random.getrandbits(64)

    def request(self, method, extra="", cseq=None, branch=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        if branch is None:
            branch = "z9hG4bK-%x" % random.getrandbits(48)
        return ("%s sip:cfgreport@127.0.0.1:%d SIP/2.0\r\n"
                "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:prov@127.0.0.1>;tag=py%d\r\n"
                "To: <sip:cfgreport@127.0.0.1>\r\n"
                "Call-ID: %s\r\n"
                "CSeq: %d %s\r\n"
                "%s"
                "Content-Length: 0\r\n\r\n" % (
                    method, self.port, self.lport, branch, os.getpid(),
                    self.callid, cseq, method, extra)).encode()

    def send(self, data):
        self.s.sendto(data, ("127.0.0.1", self.port))

    def reply(self):
        """The next response's status and text, or (None, "")."""
        try:
            data, _ = self.s.recvfrom(65536)
        except socket.timeout:
            return None, ""
        text = data.decode("utf-8", "replace")
        m = re.match(r"SIP/2\.0 (\d{3}) ", text)
        return (int(m.group(1)) if m else None), text

    def ask(self, data):
        self.send(data)
        return self.reply()


def challenge_for(text, alg):
    for line in text.split("\r\n"):
        if not line.lower().startswith("www-authenticate:"):
            continue
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', line.split(":", 1)[1]))
        if params.get("algorithm", "MD5").upper() == alg.upper():
            return params
    raise SystemExit("no %s challenge in:\n%s" % (alg, text))


def digest_row(ch, alg, user, password, method, uri, nc, cnonce):
    h = hashlib.sha256 if alg.upper() == "SHA-256" else hashlib.md5

    def H(s):
        return h(s.encode()).hexdigest()
    ha1 = H("%s:%s:%s" % (user, ch["realm"], password))
    ha2 = H("%s:%s" % (method, uri))
    ncs = "%08x" % nc
    resp = H("%s:%s:%s:%s:auth:%s" % (ha1, ch["nonce"], ncs, cnonce, ha2))
    return ('Authorization: Digest username="%s", realm="%s", nonce="%s", '
            'uri="%s", response="%s", algorithm=%s, cnonce="%s", qop=auth, '
            'nc=%s\r\n' % (user, ch["realm"], ch["nonce"], uri, resp, alg,
                           cnonce, ncs))


def auth(port, user, password, alg="MD5", replay=False):
    u = Uac(port)
    codes = []
    code, text = u.ask(u.request("NOTIFY", "Event: report\r\n"))
    codes.append(code)
    if code != 401:
        print(" ".join(str(c) for c in codes))
        return
    ch = challenge_for(text, alg)
    row = digest_row(ch, alg, user, password, "NOTIFY",
                     "sip:127.0.0.1:%d" % port, 1, "%x" % random.getrandbits(32))
    cseq = u.cseq + 1
    branch = "z9hG4bK-%x" % random.getrandbits(48)
    first = u.request("NOTIFY", "Event: report\r\n" + row, cseq, branch)
    codes.append(u.ask(first)[0])
    if replay:
        # The same datagram: what a retransmission looks like.
        codes.append(u.ask(first)[0])
        # The same credentials in a new transaction: a replay.
        codes.append(u.ask(u.request("NOTIFY", "Event: report\r\n" + row))[0])
    print(" ".join("-" if c is None else str(c) for c in codes))


def garbage(port):
    u = Uac(port)
    rnd = random.Random(8188)
    good = u.request("NOTIFY", "Event: report\r\n")
    cases = [
        ("random", bytes(rnd.getrandbits(8) for _ in range(1400))),
        ("oversized", b"OPTIONS " + b"A" * 20000),
        ("largest-udp", os.urandom(65507)),
        ("empty", b""),
        ("crlf", b"\r\n\r\n"),
        ("truncated", good[:len(good) // 2]),
        ("nul-in-event", good.replace(b"Event: report", b"Event: rep\0rt")),
        ("nul-in-to", good.replace(b"To: <sip:cfg", b"To: <sip:\0cfg")),
        ("no-headers", b"NOTIFY sip:x@127.0.0.1 SIP/2.0\r\n\r\n"),
        ("status-line", b"SIP/2.0 200 OK\r\n" + good.split(b"\r\n", 1)[1]),
        ("folds", b"NOTIFY sip:x@h SIP/2.0\r\nX:" + b"\r\n a" * 1500),
        ("bad-length", good.replace(b"Content-Length: 0",
                                    b"Content-Length: 4000")),
        ("bad-auth", u.request("NOTIFY", "Event: report\r\n"
                               "Authorization: Digest nc=x\r\n")),
        ("deep-via", u.request("OPTIONS").replace(
            b"Via: ", b"Via: SIP/2.0/UDP a, " * 40 + b"Via: ", 1)),
    ]
    # Each case is followed by an OPTIONS: the agent answers in order, so
    # whatever arrives before the OPTIONS' 200 is the case's answer, and
    # silence needs no time-out.
    for name, data in cases:
        u.send(data)
        u.send(u.request("OPTIONS"))
        codes = []
        while True:
            code, text = u.reply()
            if code is None or "OPTIONS\r\n" in text:
                break
            codes.append(str(code))
        print("%s %s" % (name, " ".join(codes) or "-"))
        if code is None:
            print("options -")
            return
    code, _ = u.ask(u.request("OPTIONS"))
    print("options %s" % ("-" if code is None else code))


def main(argv):
    if len(argv) >= 5 and argv[2] == "auth":
        auth(int(argv[1]), argv[3], argv[4],
             argv[5] if len(argv) > 5 else "MD5",
             len(argv) > 6 and argv[6] == "replay")
        return 0
    if len(argv) == 3 and argv[2] == "garbage":
        garbage(int(argv[1]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
