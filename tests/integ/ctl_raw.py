"""The control socket's framing (docs/control.md) for the test and bench
scripts that send what cfgreportctl cannot (arguments past the command
line's limits): one request on a fresh connection, its reply."""
import socket


def request(path, args, blob=b""):
    """ARGS (bytes, the command first) and BLOB to the agent at PATH;
    returns (ok, body)."""
    body = b"".join(a + b"\0" for a in args)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"CFGR1 %d %d %d\n" % (len(args), len(body), len(blob)) +
              body + blob)
    data = bytearray()
    need = None
    while need is None or len(data) < need:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
        if need is None and b"\n" in data:
            head = bytes(data[:data.index(b"\n")])
            need = len(head) + 1 + int(head.split()[2])
    s.close()
    if need is None or len(data) < need:
        return False, b"the agent closed the connection without a reply"
    head = bytes(data[:data.index(b"\n")])
    return head.split()[1] == b"OK", bytes(data[len(head) + 1:])
