#!/usr/bin/python3
"""Soak test for sproutdns (issue 10 part 4): fixed-rate mixed traffic for a long time.

Runs the real binary on loopback against tests/e2e's fake_upstream, which is killed and
restarted on the same port ("flapping"); a SIGHUP every 10 s with the blocklist changed.
Traffic classes: blocked, cached, misses (UDP), TCP pipelined, malformed (with a header:
owed a FORMERR; without one: owed nothing). Reports answered/unanswered per class, RSS at
start, at the 1-minute mark, peak and end, and descriptors at start and end; exits 1 when
a check fails. Not part of the test suite: see tests/soak/README.md.
"""
import argparse
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

CORE_BLOCKED = [f"adult{i}.soak-blocked.test" for i in range(20)]
HOT = [f"hot{i}.soak.test" for i in range(50)]
RCODE = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, name, qtype=1):
    # RD set, one question, an OPT record (1232 bytes) as real stubs send.
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return header + encode_name(name) + struct.pack(">HH", qtype, 1) + opt


def malformed_with_header(qid):
    # A header announcing one question, then a label running past the end: owed FORMERR.
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\x3fabc"


def reply_header(wire):
    if len(wire) < 12:
        return None
    qid, flags = struct.unpack(">HH", wire[:4])
    return qid, flags & 0xF, bool(flags & 0x8000)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent, self.answered, self.unanswered, self.wrong = {}, {}, {}, {}
        self.rcodes = {}

    def add(self, table, cls, n=1):
        with self.lock:
            table[cls] = table.get(cls, 0) + n


class Resolver:
    def __init__(self, binary, workdir, upstream_port, cache_entries):
        self.dir = workdir
        with socket.socket() as s:  # a free port for the admin API (its /metrics and /health)
            s.bind(("127.0.0.1", 0))
            admin_port = s.getsockname()[1]
        self.admin = admin_port
        self.list_path = os.path.join(workdir, "adult.txt")
        self.write_list(0)
        cfg = os.path.join(workdir, "sprout.yaml")
        with open(cfg, "w") as f:
            f.write(
                'listen: ["127.0.0.1:0"]\nworkers: 2\n'
                f"upstreams: [{{address: 127.0.0.1, port: {upstream_port}, timeout: 300ms, tries: 1}}]\n"
                f"state_dir: {workdir}/state\n"
                "categories: {adult: {}}\n"
                f"lists: {{adult: {{category: adult, source: {self.list_path}}}}}\n"
                "profiles: {kids: {block: [adult]}}\n"
                "networks: {lo: {cidrs: [127.0.0.1/32], profile: kids}}\n"
                # A cache small enough to be full within the first minute: a cache still
                # filling with misses (expired entries stay for serve-stale) would look like a leak.
                f"cache: {{max_entries: {cache_entries}, max_ttl: 5s, serve_stale: true, stale_answer_ttl: 5s}}\n"
                "tcp: {idle_timeout: 5s, max_connections: 256, max_inflight_per_connection: 64}\n"
                # One client sends everything: the per-client limit would refuse most of it.
                "rate_limit: {qps: 0}\n"
                "logging: {level: warn}\n"
                f"admin: {{listen: \"127.0.0.1:{admin_port}\"}}\nstats: {{enabled: false}}\n")
        ready = os.path.join(workdir, "ready")
        self.stderr = open(os.path.join(workdir, "sproutdns.stderr"), "w")
        self.proc = subprocess.Popen([binary, "serve", "--config", cfg, "--ready-file", ready],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 60
        while not os.path.exists(ready):
            if time.time() > deadline or self.proc.poll() is not None:
                sys.exit("sproutdns did not start: " + open(self.stderr.name).read())
            time.sleep(0.05)
        self.udp = self.tcp = None
        for line in open(ready):
            proto, _, port = line.split()
            if proto == "udp" and self.udp is None:
                self.udp = int(port)
            if proto == "tcp" and self.tcp is None:
                self.tcp = int(port)

    def write_list(self, generation):
        # The core names are always listed; 200 rotating ones change at every reload.
        rotating = [f"rot{generation}-{i}.soak-blocked.test" for i in range(200)]
        tmp = self.list_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(CORE_BLOCKED + rotating) + "\n")
        os.replace(tmp, self.list_path)

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def metric(self, name):
        import urllib.request
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/metrics", timeout=3).read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
        return None

    def health(self):
        import urllib.request
        import urllib.error
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/health", timeout=3).status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


class Upstream:
    def __init__(self, binary, workdir):
        self.binary, self.dir, self.port, self.proc, self.starts = binary, workdir, 0, None, 0
        self.start()

    def start(self):
        port_file = os.path.join(self.dir, f"up{self.starts}.port")
        argv = [self.binary, "--port-file", port_file, "--log", "/dev/null"]
        if self.port:
            argv += ["--port", str(self.port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if time.time() > deadline:
                sys.exit("fake_upstream did not start")
            time.sleep(0.02)
        self.port = int(open(port_file).read())
        self.starts += 1

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def udp_traffic(resolver, stats, stop, rate, query_timeout):
    """One socket, fixed rate, replies matched by ID; a query unanswered after the timeout is lost."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.connect(("127.0.0.1", resolver.udp))
    pending = {}  # id -> (class, deadline, expected rcode or None)
    free_ids = list(range(65536))
    random.shuffle(free_ids)
    interval, next_send, n = 1.0 / rate, time.monotonic(), 0
    mix = ["blocked"] * 3 + ["cached"] * 4 + ["miss"] * 2 + ["malformed"]
    while not stop.is_set() or pending:
        now = time.monotonic()
        if not stop.is_set() and now >= next_send and free_ids:
            qid = free_ids.pop()
            cls = mix[n % len(mix)]
            n += 1
            if cls == "blocked":
                wire, want = query(qid, random.choice(CORE_BLOCKED)), {3}
            elif cls == "cached":
                wire, want = query(qid, random.choice(HOT)), {0, 2}  # SERVFAIL only if never cached while up
            elif cls == "miss":
                wire, want = query(qid, f"m{n}-{random.getrandbits(32):x}.soak.test"), {0, 2}
            elif n % 20 == 0:
                cls, wire, want = "runt", b"\x12\x34\x01", None  # no header: dropped, owed nothing
            else:
                wire, want = malformed_with_header(qid), {1}
            sock.send(wire)
            stats.add(stats.sent, cls)
            if want is None:
                free_ids.insert(0, qid)
            else:
                pending[qid] = (cls, now + query_timeout, want)
            next_send += interval
        wait = max(0.0, min(next_send - now, 0.05)) if not stop.is_set() else 0.05
        if select.select([sock], [], [], wait)[0]:
            try:
                wire = sock.recv(65535)
            except ConnectionRefusedError:
                continue
            h = reply_header(wire)
            if h and h[0] in pending:
                cls, _, want = pending.pop(h[0])
                stats.add(stats.answered, cls)
                stats.add(stats.rcodes, (cls, RCODE.get(h[1], str(h[1]))))
                if h[1] not in want:
                    stats.add(stats.wrong, cls)
                free_ids.insert(0, h[0])
        for qid in [q for q, (_, deadline, _) in pending.items() if deadline < time.monotonic()]:
            stats.add(stats.unanswered, pending.pop(qid)[0])
            free_ids.insert(0, qid)
    sock.close()


def tcp_pipelined(resolver, stats, stop, per_second, depth, query_timeout):
    """A fresh connection, `depth` queries in one write, every answer read back."""
    while not stop.is_set():
        started = time.monotonic()
        ids = random.sample(range(65536), depth)
        names = [random.choice(HOT + CORE_BLOCKED) for _ in ids]
        stats.add(stats.sent, "tcp", depth)
        got = set()
        try:
            with socket.create_connection(("127.0.0.1", resolver.tcp), timeout=query_timeout) as s:
                s.sendall(b"".join(struct.pack(">H", len(q)) + q for q in (query(i, nm) for i, nm in zip(ids, names))))
                buf, deadline = b"", time.monotonic() + query_timeout
                while len(got) < depth and time.monotonic() < deadline:
                    chunk = s.recv(65535)
                    if not chunk:
                        break
                    buf += chunk
                    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                        length = struct.unpack(">H", buf[:2])[0]
                        h = reply_header(buf[2:2 + length])
                        buf = buf[2 + length:]
                        if h and h[0] in ids and h[0] not in got:
                            got.add(h[0])
                            stats.add(stats.rcodes, ("tcp", RCODE.get(h[1], str(h[1]))))
        except OSError:
            pass
        stats.add(stats.answered, "tcp", len(got))
        stats.add(stats.unanswered, "tcp", depth - len(got))
        stop.wait(max(0.0, 1.0 / per_second - (time.monotonic() - started)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(root, "build"), help="build directory (sproutdns, fake_upstream)")
    ap.add_argument("--fake-upstream", help="fake_upstream binary (default: the one in --build)")
    ap.add_argument("--duration", type=int, default=600, help="seconds of traffic (default 600)")
    ap.add_argument("--rate", type=int, default=200, help="UDP queries per second (default 200)")
    ap.add_argument("--tcp-per-second", type=float, default=4, help="pipelined TCP connections per second")
    ap.add_argument("--depth", type=int, default=5, help="queries per pipelined TCP connection")
    ap.add_argument("--hup-every", type=float, default=10, help="SIGHUP with a changed list every N s")
    ap.add_argument("--flap-every", type=float, default=30, help="upstream killed every N s...")
    ap.add_argument("--flap-down", type=float, default=5, help="...and restarted N s later")
    ap.add_argument("--cache-entries", type=int, default=1000, help="cache.max_entries (full within the first minute)")
    ap.add_argument("--sanitized", action="store_true",
                    help="an ASan build: RSS is reported, not judged (ASan's quarantine keeps freed memory); "
                         "leaks show as LeakSanitizer lines at exit")
    ap.add_argument("--rss-tolerance", type=float, default=0.10, help="end RSS within this of the 1-minute mark")
    args = ap.parse_args()

    binary = os.path.join(args.build, "resolver/cli/sproutdns")
    fake = args.fake_upstream or os.path.join(args.build, "tests/e2e/fake_upstream")
    work = tempfile.mkdtemp(prefix="sprout-soak-")
    upstream = Upstream(fake, work)
    resolver = Resolver(binary, work, upstream.port, args.cache_entries)
    stats, stop = Stats(), threading.Event()
    # Warm the hot names while the upstream is up, so "cached" means cached.
    for name in HOT:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            s.sendto(query(1, name), ("127.0.0.1", resolver.udp))
            s.recv(65535)
    rss_start, fds_start = resolver.rss_kib(), resolver.fds()
    rss_minute, rss_peak, cache_minute = None, rss_start, None
    threads = [threading.Thread(target=udp_traffic, args=(resolver, stats, stop, args.rate, 2.0)),
               threading.Thread(target=tcp_pipelined, args=(resolver, stats, stop, args.tcp_per_second, args.depth, 3.0))]
    for t in threads:
        t.start()
    begin = time.monotonic()
    next_hup, next_flap, up_at, generation, hups, flaps = begin + args.hup_every, begin + args.flap_every, None, 0, 0, 0
    try:
        while time.monotonic() - begin < args.duration:
            now = time.monotonic()
            if now >= next_hup:
                generation += 1
                resolver.write_list(generation)
                resolver.proc.send_signal(signal.SIGHUP)
                hups += 1
                next_hup += args.hup_every
            if now >= next_flap and up_at is None:
                upstream.stop()
                flaps += 1
                up_at = now + args.flap_down
                next_flap += args.flap_every
            if up_at is not None and now >= up_at:
                upstream.start()
                up_at = None
            rss = resolver.rss_kib()
            rss_peak = max(rss_peak, rss)
            if rss_minute is None and now - begin >= 60:
                rss_minute, cache_minute = rss, resolver.metric("sprout_cache_entries")
            if resolver.proc.poll() is not None:
                print("sproutdns exited during the soak", file=sys.stderr)
                break
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
        if up_at is not None:
            upstream.start()
    time.sleep(1)  # let answers in flight and closed connections settle before counting
    alive = resolver.proc.poll() is None
    rss_end = resolver.rss_kib() if alive else 0
    fds_end = resolver.fds() if alive else 0
    cache_end = resolver.metric("sprout_cache_entries") if alive else None
    health_end = resolver.health() if alive else None
    if alive:
        resolver.proc.terminate()
    exit_code = resolver.proc.wait(timeout=30)
    upstream.stop()
    resolver.stderr.close()
    stderr = open(resolver.stderr.name, errors="replace").read()
    sanitizer = [l for l in stderr.splitlines() if "Sanitizer" in l or "runtime error:" in l]

    print(f"sproutdns {binary}, {args.duration} s, {args.rate} UDP q/s + {args.tcp_per_second}x{args.depth} TCP pipelined/s, "
          f"{hups} SIGHUPs, {flaps} upstream outages of {args.flap_down} s; work dir {work}")
    print(f"{'class':<10}{'sent':>9}{'answered':>10}{'unanswered':>12}{'unexpected rcode':>18}  rcodes")
    failures = []
    for cls in ["blocked", "cached", "miss", "malformed", "tcp", "runt"]:
        sent, ans = stats.sent.get(cls, 0), stats.answered.get(cls, 0)
        lost, wrong = stats.unanswered.get(cls, 0), stats.wrong.get(cls, 0)
        rc = ", ".join(f"{r} {c}" for (k, r), c in sorted(stats.rcodes.items()) if k == cls)
        print(f"{cls:<10}{sent:>9}{ans:>10}{lost:>12}{wrong:>18}  {rc}")
        if lost:
            failures.append(f"{lost} {cls} queries unanswered")
        if wrong:
            failures.append(f"{wrong} {cls} answers with an unexpected rcode")
    rss_ref = rss_minute or rss_start
    print(f"RSS KiB: start {rss_start}, 1-minute mark {rss_minute}, peak {rss_peak}, end {rss_end}")
    print(f"descriptors: start {fds_start}, end {fds_end}")
    print(f"cache entries: 1-minute mark {cache_minute}, end {cache_end}; /health at the end: {health_end}")
    print(f"exit code {exit_code}; sanitizer lines: {len(sanitizer)}")
    if not alive:
        failures.append("sproutdns died during the soak")
    if not args.sanitized and rss_end > rss_ref * (1 + args.rss_tolerance):
        failures.append(f"RSS grew: end {rss_end} KiB > {rss_ref} KiB + {args.rss_tolerance:.0%}")
    if fds_end > fds_start:
        failures.append(f"descriptors grew: {fds_start} -> {fds_end}")
    if health_end != 200:
        failures.append(f"/health at the end: {health_end}")
    if exit_code != 0:
        failures.append(f"sproutdns exit code {exit_code}")
    if sanitizer:
        failures.append("sanitizer report:\n  " + "\n  ".join(sanitizer[:20]))
    for f in failures:
        print("FAIL:", f)
    print("PASS" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
