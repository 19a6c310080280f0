#!/usr/bin/env python3
"""Small test peers for the transfer scripts (tests/integ/transfer_lib.sh).

  peer.py port tcp|udp       print a free port on 127.0.0.1
  peer.py tftp-ready PORT    exit 0 once a TFTP server answers on PORT
  peer.py hang PORTFILE      accept connections, read, never answer
  peer.py cutoff PORTFILE    accept, read the headers and 1000 body bytes,
                             then close without an answer
  peer.py endless PORTFILE   read each request whole, answer 200 with an
                             endless chunked body
  peer.py headers PORTFILE   read each request whole, answer 200 followed
                             by endless header lines
  peer.py stall PORTFILE     read each request whole, send half a status
                             line, then nothing (the connection stays open)
  peer.py tftp-refuse PORTFILE DIR
                             a TFTP server that answers a write request
                             carrying RFC 2347 options with ERROR 8, and
                             stores a plain RFC 1350 one in DIR (DIR "-":
                             refuses that too, with ERROR 8)
  peer.py full PORTFILE      listen with a full accept queue and never
                             accept: Linux drops new SYNs, so a connect
                             neither succeeds nor fails

hang, cutoff, endless, headers and stall bind a port of the kernel's choice and write it to
PORTFILE once they listen: the file's existence is the readiness signal.
They log what they received to PORTFILE.log.
"""
import os
import socket
import struct
import sys
import time


HELD = []


def free_port(kind):
    t = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, t) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tftp_ready(port):
    # A read request for a file that does not exist: any answer (an
    # ERROR packet) means the server is up.
    rrq = struct.pack("!H", 1) + b"cfgreport-ready-probe\0octet\0"
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.1)
            s.sendto(rrq, ("127.0.0.1", port))
            try:
                s.recvfrom(600)
                return 0
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.05)
    return 1


def listen(portfile, backlog=8, fill=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(backlog)
    for _ in range(fill):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(s.getsockname())
        HELD.append(c)      # open for as long as we run
    publish(portfile, s)
    return s


def publish(portfile, s):
    """S's port into PORTFILE, which appears whole once it is ready."""
    tmpname = portfile + ".tmp"
    with open(tmpname, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmpname, portfile)


def hang(portfile):
    s = listen(portfile)
    held = []
    with open(portfile + ".log", "ab", buffering=0) as log:
        while True:
            c, _ = s.accept()
            held.append(c)      # keep it open, say nothing
            c.settimeout(0.5)
            try:
                log.write(c.recv(65536))
            except socket.timeout:
                pass


def cutoff(portfile):
    s = listen(portfile)
    with open(portfile + ".log", "ab", buffering=0) as log:
        while True:
            c, _ = s.accept()
            c.settimeout(5)
            data = b""
            try:
                data = read_head(c)
                head, _, body = data.partition(b"\r\n\r\n")
                while len(body) < 1000:
                    chunk = c.recv(1000 - len(body))
                    if not chunk:
                        break
                    body += chunk
            except socket.timeout:
                pass
            log.write(data[:200] + b"\n--- cut ---\n")
            # Unread data in the receive queue makes close() send a RST.
            c.close()


def read_head(c):
    """Up to the end of the request's headers (or of the stream)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def read_request(c):
    """The request's headers and its Content-Length body; what was read."""
    data = b""
    c.settimeout(5)
    try:
        data = read_head(c)
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = c.recv(65536)
            if not chunk:
                break
            body += chunk
    except socket.timeout:
        pass
    return data


def flood(portfile, answer, endless):
    """Answer each request with ANSWER, then ENDLESS for as long as the
    client reads; log the request line and the bytes sent."""
    s = listen(portfile)
    with open(portfile + ".log", "ab", buffering=0) as log:
        while True:
            c, _ = s.accept()
            data = read_request(c)
            sent = 0
            c.settimeout(70)
            try:
                c.sendall(answer)
                sent += len(answer)
                while True:
                    c.sendall(endless)
                    sent += len(endless)
            except OSError:
                pass
            c.close()
            log.write(data.split(b"\r\n")[0] + b" sent=%d\n" % sent)


def stall(portfile):
    s = listen(portfile)
    held = []
    with open(portfile + ".log", "ab", buffering=0) as log:
        while True:
            c, _ = s.accept()
            held.append(c)
            data = read_request(c)
            c.sendall(b"HTTP/1.1 20")
            log.write(data.split(b"\r\n")[0] + b" stalled\n")


def tftp_refuse(portfile, root):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    publish(portfile, s)
    with open(portfile + ".log", "a", buffering=1) as log:
        while True:
            pkt, peer = s.recvfrom(600)
            if struct.unpack("!H", pkt[:2])[0] != 2:
                continue
            fields = pkt[2:].split(b"\0")
            name, options = fields[0].decode(), fields[2:-1]
            # A fresh socket per transfer: its port is the server's TID.
            t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            t.bind(("127.0.0.1", 0))
            t.settimeout(5)
            if options or root == "-":
                log.write("wrq %s options=%s: refused\n" % (
                    name, b",".join(options).decode()))
                t.sendto(struct.pack("!HH", 5, 8) + b"option refused\0",
                         peer)
                t.close()
                continue
            log.write("wrq %s plain\n" % name)
            data, block = b"", 0
            t.sendto(struct.pack("!HH", 4, 0), peer)
            try:
                while True:
                    d, _ = t.recvfrom(600)
                    op, n = struct.unpack("!HH", d[:4])
                    if op != 3:
                        break
                    if n == block + 1:
                        data += d[4:]
                        block = n
                    t.sendto(struct.pack("!HH", 4, n), peer)
                    if len(d) - 4 < 512:
                        with open(os.path.join(root, os.path.basename(
                                name)), "wb") as f:
                            f.write(data)
                        break
            except socket.timeout:
                pass
            t.close()


def full(portfile):
    # Backlog 0 queues one connection; ours fills it, so later SYNs are
    # dropped while the socket still listens.
    s = listen(portfile, backlog=0, fill=1)
    while True:
        time.sleep(3600)


def main(argv):
    if len(argv) == 3 and argv[1] == "port":
        print(free_port(argv[2]))
        return 0
    if len(argv) == 3 and argv[1] == "tftp-ready":
        return tftp_ready(int(argv[2]))
    if len(argv) == 3 and argv[1] == "hang":
        hang(argv[2])
    if len(argv) == 3 and argv[1] == "cutoff":
        cutoff(argv[2])
    if len(argv) == 3 and argv[1] == "endless":
        flood(argv[2], b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
              b"\r\n", b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
    if len(argv) == 3 and argv[1] == "headers":
        flood(argv[2], b"HTTP/1.1 200 OK\r\n", b"X-Filler: " + b"y" * 1000 +
              b"\r\n")
    if len(argv) == 3 and argv[1] == "stall":
        stall(argv[2])
    if len(argv) == 4 and argv[1] == "tftp-refuse":
        tftp_refuse(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "full":
        full(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
