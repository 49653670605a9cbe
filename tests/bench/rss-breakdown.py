#!/usr/bin/env python3
"""Resident memory of sproutdns with one big list, broken down by mapping (issue 12, item 6).
Starts SPROUTDNS on a free 127.0.0.1 port with LIST (one domain per line) as the only list
besides the builtin bypass list, workers 1, admin off, and a stub upstream in this script;
waits for the ready file, sends a few queries (blocked and forwarded, each answered), then
sums Rss from /proc/PID/smaps per file (anonymous memory apart). LIST `bundled` serves the four bundled
snapshots instead (their URLs point at a closed local port, so they are never replaced).
--emulator runs a cross-built SPROUTDNS under qemu-user (packaging/cross-build.sh): the
figures are then the qemu process's, guest and emulator together (qemu's own mappings are
listed by their names; its translated-code buffer and heap are in [anon]).
--settle SECONDS measures a second time after that long, the same queries sent again: 65 s
covers one stats flush to SQLite (every minute) and the first list refresh, the steady state
of a server that released its start-up pages (blocklists/loaded_pages.hpp).
usage: rss-breakdown.py [--emulator "qemu-ARCH-static -L SYSROOT"] [--settle SECONDS] SPROUTDNS LIST|bundled [LABEL]"""
import collections, os, shlex, socket, struct, subprocess, sys, tempfile, threading, time

args = sys.argv[1:]
emulator = []
settle = 0.0
while args[:1] in (["--emulator"], ["--settle"]):
    if args[0] == "--emulator":
        emulator = shlex.split(args[1])
    else:
        settle = float(args[1])
    args = args[2:]
bin_, big = args[0], args[1]
label = args[2] if len(args) > 2 else os.path.basename(bin_)
d = tempfile.mkdtemp(prefix="sprout-rss-")

# The stub upstream: every query answered NXDOMAIN, question echoed (QR, RD, RA set).
upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
upstream.bind(("127.0.0.1", 0))
def serve_upstream():
    while True:
        q, peer = upstream.recvfrom(4096)
        if len(q) >= 12:
            upstream.sendto(q[:2] + b"\x81\x83" + q[4:6] + b"\x00\x00\x00\x00\x00\x00" + q[12:], peer)
threading.Thread(target=serve_upstream, daemon=True).start()

def query(port, name, qid):
    wire = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    wire += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.settimeout(5)
        c.sendto(wire, ("127.0.0.1", port))
        c.recvfrom(4096)

def breakdown(pid, label):
    """Prints VmRSS and Rss per mapping of process `pid`."""
    by = collections.Counter()
    name = None
    for line in open(f"/proc/{pid}/smaps"):
        parts = line.split()
        if len(parts) >= 5 and "-" in parts[0] and ":" in parts[3]:
            name = parts[5] if len(parts) > 5 else "[anon]"
            if name.startswith("/"):
                name = os.path.basename(name)
        elif parts and parts[0] == "Rss:":
            by[name] += int(parts[1])
    status = {l.split(":")[0]: l.split(":")[1].strip() for l in open(f"/proc/{pid}/status")}
    print(f"{label}: VmRSS {status['VmRSS']}, RssAnon {status['RssAnon']}, RssFile {status['RssFile']}")
    for n, kb in by.most_common():
        if kb >= 64:
            print(f"  {kb / 1024:7.2f} MiB  {n}")

cfg = os.path.join(d, "sprout.yaml")
if big == "bundled":
    lists = "".join(f"  {n}: {{category: blocked, source: 'http://127.0.0.1:9/{n}.txt', format: domains, bundled: {n}}}\n"
                    for n in ("adult", "gambling", "malware", "phishing"))
else:
    lists = f"  big: {{category: blocked, source: {big}, format: domains}}\n"
with open(cfg, "w") as f:
    f.write(f"""listen: ["127.0.0.1:0"]
workers: 1
upstreams: [{{address: 127.0.0.1, port: {upstream.getsockname()[1]}}}]
state_dir: {d}/state
admin: {{enabled: false}}
categories: {{blocked: {{}}}}
lists:
{lists}profiles:
  default: {{block: [blocked], bypass_prevention: false}}
""")
ready = os.path.join(d, "ready")
p = subprocess.Popen(emulator + [bin_, "serve", "--config", cfg, "--ready-file", ready, "--user", "root"],
                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"))
try:
    for _ in range(3000):  # 5 min: 1M names under qemu
        if os.path.exists(ready) or p.poll() is not None:
            break
        time.sleep(0.1)
    if not os.path.exists(ready):
        sys.exit(f"rss-breakdown.py: sproutdns did not get ready (exit status {p.poll()}); its log:\n"
                 + open(os.path.join(d, "log")).read()[-2000:])
    port = int(next(l.split()[2] for l in open(ready) if l.startswith("udp ")))
    first = open(big).readline().strip() if big != "bundled" else "pornhub.com"
    names = [first, "www." + first, "example.com", "www.example.org"] * 5
    for i, name in enumerate(names):
        query(port, name, i)  # blocked, and forwarded to the stub (answered, cached)
    time.sleep(1.0)  # the background list refresh (file lists: nothing to fetch) settles
    breakdown(p.pid, label)
    if settle > 0:
        time.sleep(settle)
        for i, name in enumerate(names + ["www.example.net"]):  # the last one forwarded, not cached
            query(port, name, 100 + i)
        breakdown(p.pid, f"{label} after {settle:g} s")
finally:
    p.terminate()
    p.wait()
