#!/usr/bin/env python3
"""Opens N TLS connections (full handshakes, SNI dns.test.example, certificate checked), holds
them idle, and prints the server's RSS delta per connection.
usage: idle-tls.py HOST PORT N CA_FILE SERVER_PID RSS_BEFORE_KB"""
import socket
import ssl
import sys
import time

host, port, n, ca, pid, before = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])


def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


ctx = ssl.create_default_context(cafile=ca)
held = []
for _ in range(n):
    raw = socket.create_connection((host, port), 5)
    held.append(ctx.wrap_socket(raw, server_hostname="dns.test.example"))
time.sleep(2)  # let the server settle (buffers allocated lazily, freed after the handshake)
alive = 0
for s in held:  # still open: a zero-timeout read must time out, not see EOF
    s.setblocking(False)
    try:
        alive += 0 if s.recv(1) == b"" else 1
    except (ssl.SSLWantReadError, BlockingIOError):
        alive += 1
after = rss_kb()
print(f"port {port}: {n} idle TLS connections ({alive} still open): VmRSS {before} -> {after} kB, "
      f"{(after - before) / n:.1f} kB per connection")
