#!/usr/bin/env python3
"""Reload of a 1M-name config where one small list changed: start, RSS when ready, then
SIGHUPs after appending a line to the 10-line list; peak RSS (VmHWM reset via clear_refs)
and the server's own 'lists: ... ms' line. usage: reload-bench.py SPROUTDNS LABEL [reps]"""
import os, re, signal, subprocess, sys, time
# Writes under /tmp/sprout-reload/LABEL; BIG= another list file (default: the harness's 1M list).
bin_, label = sys.argv[1], sys.argv[2]
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
big = os.environ.get("BIG", "/tmp/sprout-bench/data/bl-1000000/domains.txt")
d = f"/tmp/sprout-reload/{label}"
os.makedirs(d + "/state", exist_ok=True)
small = d + "/small.txt"
with open(small, "w") as f:
    f.write("".join(f"small{i}.example.org\n" for i in range(10)))
old = time.time() - 3600
os.utime(small, (old, old))  # not 'racy' (modified < 2 s ago) at start
cfg = d + "/sprout.yaml"
with open(cfg, "w") as f:
    f.write(f"""listen: ["127.0.0.1:5330"]
workers: 1
upstreams: [{{address: 127.0.0.1, port: 5399, timeout: 1s, tries: 2}}]
state_dir: {d}/state
admin: {{enabled: false}}
categories: {{blocked: {{}}, extra: {{}}}}
lists:
  bench: {{category: blocked, source: {big}, format: domains}}
  small: {{category: extra, source: {small}, format: domains}}
profiles:
  default: {{block: [blocked, extra], bypass_prevention: false}}
networks:
  lo: {{cidrs: [127.0.0.0/8], profile: default}}
""")
logf = d + "/log.txt"
lf = open(logf, "w")
t0 = time.monotonic()
p = subprocess.Popen(["taskset", "-c", "0", bin_, "serve", "--config", cfg, "--user", "root"],
                     stdout=lf, stderr=subprocess.STDOUT)
def status(k):
    for line in open(f"/proc/{p.pid}/status"):
        if line.startswith(k + ":"):
            return int(line.split()[1])
def loglines():
    return open(logf).read().splitlines()
while not any("started:" in l for l in loglines()):
    if p.poll() is not None: sys.exit("died:\n" + open(logf).read())
    time.sleep(0.002)
t_ready = time.monotonic() - t0
time.sleep(1.0)
rss0, hwm0 = status("VmRSS"), status("VmHWM")
first = [l for l in loglines() if "lists:" in l]
print(f"{label}: started in {t_ready*1000:.0f} ms; {first[-1] if first else ''}")
print(f"{label}: steady VmRSS {rss0/1024:.1f} MiB, VmHWM {hwm0/1024:.1f} MiB")
for r in range(reps):
    time.sleep(1.0)
    steady = status("VmRSS")
    with open(f"/proc/{p.pid}/clear_refs", "w") as f: f.write("5")
    hwm_reset = status("VmHWM")
    n_lists = sum("lists:" in l for l in loglines())
    with open(small, "a") as f: f.write(f"added{r}.example.org\n")
    os.utime(small, (old + r + 1, old + r + 1))
    maxrss = 0
    ts = time.monotonic()
    p.send_signal(signal.SIGHUP)
    while True:
        maxrss = max(maxrss, status("VmRSS"))
        ls = [l for l in loglines() if "lists:" in l]
        if len(ls) > n_lists: break
        if time.monotonic() - ts > 30: sys.exit("no reload line")
        time.sleep(0.0005)
    tl = time.monotonic() - ts
    while not sum("reloaded" in l for l in loglines()) > r:
        if time.monotonic() - ts > 30: break
        time.sleep(0.0005)
    tr = time.monotonic() - ts
    time.sleep(0.5)
    hwm = status("VmHWM"); after = status("VmRSS")
    print(f"{label} reload {r+1}: {ls[-1].split('lists:',1)[1].strip()} | SIGHUP->lists line {tl*1000:.1f} ms, ->'reloaded' {tr*1000:.1f} ms"
          f" | steady {steady/1024:.1f} MiB, VmHWM after reset {hwm_reset/1024:.1f}, peak {hwm/1024:.1f} MiB ({hwm/steady:.2f}x), sampled max {maxrss/1024:.1f}, after {after/1024:.1f}")
p.send_signal(signal.SIGTERM); p.wait(10)
