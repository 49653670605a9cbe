#!/usr/bin/env python3
"""Resident memory of sproutdns with one big list, broken down by mapping (issue 12, item 6).
Starts SPROUTDNS on 127.0.0.1:5331 with LIST (one domain per line) as the only list besides
the builtin bypass list, workers 1, admin off, waits for the ready file, then sums Rss from
/proc/PID/smaps per file (anonymous memory apart). usage: rss-breakdown.py SPROUTDNS LIST [LABEL]"""
import collections, os, subprocess, sys, tempfile, time

bin_, big = sys.argv[1], sys.argv[2]
label = sys.argv[3] if len(sys.argv) > 3 else os.path.basename(bin_)
d = tempfile.mkdtemp(prefix="sprout-rss-")
cfg = os.path.join(d, "sprout.yaml")
with open(cfg, "w") as f:
    f.write(f"""listen: ["127.0.0.1:5331"]
workers: 1
upstreams: [{{address: 127.0.0.1, port: 5399}}]
state_dir: {d}/state
admin: {{enabled: false}}
categories: {{blocked: {{}}}}
lists:
  big: {{category: blocked, source: {big}, format: domains}}
profiles:
  default: {{block: [blocked], bypass_prevention: false}}
""")
ready = os.path.join(d, "ready")
p = subprocess.Popen([bin_, "serve", "--config", cfg, "--ready-file", ready, "--user", "root"],
                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "log"), "w"))
try:
    for _ in range(600):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
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
