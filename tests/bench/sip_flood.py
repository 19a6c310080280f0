#!/usr/bin/env python3
"""The two halves of tests/bench/sip_flood.sh.

  sip_flood.py flood PORT RATE SECONDS [unauth|forged]
      Send NOTIFY (Event: report) to 127.0.0.1:PORT at RATE a second for
      SECONDS, each with its own branch and CSeq, and count the answers.
      unauth: no Authorization (each gets a 401 with a fresh nonce).
      forged: an Authorization with a real nonce (from one 401) and a
      wrong response (each costs the agent a digest, then a 403).
      Prints "sent N in S s = R/s; answered A (CODE: n, ...)".
  sip_flood.py probe SOCKET SECONDS INTERVAL_MS
      Every INTERVAL_MS, connect to the control socket, send "info" in
      its framing (docs/control.md) and time the whole reply.  Prints
      "probes N: median M ms, p99 P ms, max X ms, failures F".

Only 127.0.0.1 and the local socket are used; both stop by themselves.
"""
import re
import socket
import sys
import time


def notify(port, lport, n, extra=b""):
    return (b"NOTIFY sip:cfgreport@127.0.0.1:%d SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-f%d\r\n"
            b"Max-Forwards: 70\r\n"
            b"From: <sip:flood@127.0.0.1>;tag=f\r\n"
            b"To: <sip:cfgreport@127.0.0.1>\r\n"
            b"Call-ID: flood-%d@127.0.0.1\r\n"
            b"CSeq: %d NOTIFY\r\n"
            b"Event: report\r\n%s"
            b"Content-Length: 0\r\n\r\n" % (port, lport, n, n, n % 2**31,
                                             extra))


def drain(s, codes):
    while True:
        try:
            data = s.recv(65536)
        except BlockingIOError:
            return
        m = re.match(rb"SIP/2\.0 (\d{3}) ", data)
        c = m.group(1).decode() if m else "?"
        codes[c] = codes.get(c, 0) + 1


def flood(port, rate, seconds, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    lport = s.getsockname()[1]
    dest = ("127.0.0.1", port)
    extra = b""
    if mode == "forged":
        s.settimeout(2)
        s.sendto(notify(port, lport, 0), dest)
        text = s.recv(65536)
        nonce = re.search(rb'nonce="([0-9a-f]+)"', text).group(1)
        extra = (b'Authorization: Digest username="alice", '
                 b'realm="cfgreport", nonce="' + nonce + b'", '
                 b'uri="sip:127.0.0.1", response="'
                 + b"0" * 32 + b'", cnonce="c", qop=auth, nc=00000001\r\n')
    s.setblocking(False)
    codes = {}
    sent = 0
    start = time.monotonic()
    end = start + seconds
    # Send in 1 ms slices, each catching up to where RATE says we should be.
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - start) * rate)
        while sent < due:
            try:
                s.sendto(notify(port, lport, sent + 1, extra), dest)
            except BlockingIOError:
                break
            sent += 1
        drain(s, codes)
        time.sleep(0.0005)
    elapsed = time.monotonic() - start
    # Answers still in flight.
    quiet = time.monotonic() + 1.0
    while time.monotonic() < quiet:
        drain(s, codes)
        time.sleep(0.01)
    answered = sum(codes.values())
    print("sent %d in %.1f s = %.0f/s; answered %d (%s)" % (
        sent, elapsed, sent / elapsed, answered,
        ", ".join("%s: %d" % kv for kv in sorted(codes.items()))))


def probe(path, seconds, interval_ms):
    req = b"CFGR1 1 5 0\ninfo\0"
    times = []
    failures = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        try:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(5)
            c.connect(path)
            c.sendall(req)
            buf = b""
            while b"\n" not in buf:
                chunk = c.recv(4096)
                if not chunk:
                    raise OSError("closed")
                buf += chunk
            head, _, body = buf.partition(b"\n")
            m = re.match(rb"CFGR1 OK (\d+)$", head)
            if not m:
                raise OSError("bad reply %r" % head)
            while len(body) < int(m.group(1)):
                chunk = c.recv(65536)
                if not chunk:
                    raise OSError("closed")
                body += chunk
            c.close()
            times.append((time.perf_counter() - t0) * 1000)
        except OSError:
            failures += 1
        time.sleep(interval_ms / 1000)
    times.sort()
    if not times:
        print("probes 0: failures %d" % failures)
        return
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print("probes %d: median %.2f ms, p99 %.2f ms, max %.2f ms, "
          "failures %d" % (len(times), times[len(times) // 2], p99,
                           times[-1], failures))


def main(argv):
    if len(argv) >= 5 and argv[1] == "flood":
        flood(int(argv[2]), int(argv[3]), float(argv[4]),
              argv[5] if len(argv) > 5 else "unauth")
        return 0
    if len(argv) == 5 and argv[1] == "probe":
        probe(argv[2], float(argv[3]), float(argv[4]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
