#!/usr/bin/env python3
"""Resident memory of sproutdns with one big list, broken down by mapping (issue 12, item 6).
Starts SPROUTDNS on 127.0.0.1:5331 with LIST (one domain per line) as the only list besides
the builtin bypass list, workers 1, admin off, waits for the ready file, then sums Rss from
/proc/PID/smaps per file (anonymous memory apart). LIST `bundled` serves the four bundled
snapshots instead (their URLs point at a closed local port, so they are never replaced).
--emulator runs a cross-built SPROUTDNS under qemu-user (packaging/cross-build.sh): the
figures are then the qemu process's, guest and emulator together (qemu's own mappings are
listed by their names; its translated-code buffer and heap are in [anon]).
usage: rss-breakdown.py [--emulator "qemu-ARCH-static -L SYSROOT"] SPROUTDNS LIST|bundled [LABEL]"""
import collections, os, shlex, subprocess, sys, tempfile, time

args = sys.argv[1:]
emulator = []
if args[:1] == ["--emulator"]:
    emulator, args = shlex.split(args[1]), args[2:]
bin_, big = args[0], args[1]
label = args[2] if len(args) > 2 else os.path.basename(bin_)
d = tempfile.mkdtemp(prefix="sprout-rss-")
cfg = os.path.join(d, "sprout.yaml")
if big == "bundled":
    lists = "".join(f"  {n}: {{category: blocked, source: 'http://127.0.0.1:9/{n}.txt', format: domains, bundled: {n}}}\n"
                    for n in ("adult", "gambling", "malware", "phishing"))
else:
    lists = f"  big: {{category: blocked, source: {big}, format: domains}}\n"
with open(cfg, "w") as f:
    f.write(f"""listen: ["127.0.0.1:5331"]
workers: 1
upstreams: [{{address: 127.0.0.1, port: 5399}}]
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
    time.sleep(1.0)  # the background list refresh (file lists: nothing to fetch) settles
    by = collections.Counter()
    name = None
    for line in open(f"/proc/{p.pid}/smaps"):
        parts = line.split()
        if len(parts) >= 5 and "-" in parts[0] and ":" in parts[3]:
            name = parts[5] if len(parts) > 5 else "[anon]"
            if name.startswith("/"):
                name = os.path.basename(name)
        elif parts and parts[0] == "Rss:":
            by[name] += int(parts[1])
    status = {l.split(":")[0]: l.split(":")[1].strip() for l in open(f"/proc/{p.pid}/status")}
    print(f"{label}: VmRSS {status['VmRSS']}, RssAnon {status['RssAnon']}, RssFile {status['RssFile']}")
    for n, kb in by.most_common():
        if kb >= 64:
            print(f"  {kb / 1024:7.2f} MiB  {n}")
finally:
    p.terminate()
    p.wait()
