#!/usr/bin/env python3
"""Opens N TLS connections (full handshakes, SNI dns.test.example, certificate checked), holds
them idle, and prints the server's RSS delta per connection.
With PROTOCOL (h2 or http/1.1, offered by ALPN) each connection first asks one DoH query
(GET /dns-query?dns=..., cached.example A) and reads its answer: an idle DoH connection as a
browser leaves it, its HTTP state set up. Without it: a bare TLS connection (DoT).
usage: idle-tls.py HOST PORT N CA_FILE SERVER_PID RSS_BEFORE_KB [PROTOCOL]"""
import base64
import socket
import ssl
import struct
import sys
import time

host, port, n, ca, pid, before = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
protocol = sys.argv[7] if len(sys.argv) > 7 else None
QUERY = struct.pack(">HHHHHH", 0, 0x100, 1, 0, 0, 0) + b"\x06cached\x07example\x00" + struct.pack(">HH", 1, 1)
PATH = "/dns-query?dns=" + base64.urlsafe_b64encode(QUERY).decode().rstrip("=")


def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def recv_exact(s, k):
    data = b""
    while len(data) < k:
        chunk = s.recv(k - len(data))
        if not chunk:
            raise EOFError("server closed")
        data += chunk
    return data


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):  # HPACK literal header field without indexing, no Huffman (RFC 7541 6.2.2)
    name, value = name.encode(), value.encode()
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def ask_h2(s):
    headers = b"".join(literal(k, v) for k, v in
                       ((":method", "GET"), (":scheme", "https"), (":path", PATH), (":authority", "dns.test.example")))
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0) + frame(1, 0x5, 1, headers))
    while True:  # until stream 1 ends; the server's SETTINGS acknowledged on the way
        length, kind, flags, stream = *struct.unpack(">I", b"\0" + recv_exact(s, 3)), *struct.unpack(">BBI", recv_exact(s, 6))
        recv_exact(s, length)
        if kind == 4 and not flags & 1:
            s.sendall(frame(4, 1, 0))
        if stream == 1 and kind in (0, 1) and flags & 1:
            return


def ask_http1(s):
    s.sendall(f"GET {PATH} HTTP/1.1\r\nHost: dns.test.example\r\nAccept: application/dns-message\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += recv_exact(s, 1)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    recv_exact(s, length)


ctx = ssl.create_default_context(cafile=ca)
if protocol:
    ctx.set_alpn_protocols([protocol])
held = []
for _ in range(n):
    raw = socket.create_connection((host, port), 5)
    s = ctx.wrap_socket(raw, server_hostname="dns.test.example")
    if protocol == "h2":
        ask_h2(s)
    elif protocol:
        ask_http1(s)
    held.append(s)
time.sleep(2)  # let the server settle (buffers allocated lazily, freed after the handshake)
alive = 0
for s in held:  # still open: a zero-timeout read must time out, not see EOF
    s.setblocking(False)
    try:
        alive += 0 if s.recv(1) == b"" else 1
    except (ssl.SSLWantReadError, BlockingIOError):
        alive += 1
after = rss_kb()
what = f"idle DoH ({protocol})" if protocol else "idle TLS"
print(f"port {port}: {n} {what} connections ({alive} still open): VmRSS {before} -> {after} kB, "
      f"{(after - before) / n:.1f} kB per connection")
