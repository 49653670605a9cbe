#!/usr/bin/python3
"""The dashboard in a real browser: headless Chromium driven by Selenium against the real sproutdns
and the recording fake upstream of the e2e tests, all on 127.0.0.1 free ports, config and state in
a temp dir, an injected start time (SPROUT_FAKE_TIME).

First run sets the password; the overview's numbers equal the queries this test sent (dig);
allowing a blocked domain makes dig resolve it, and undo on the audit page blocks it again; a
one-minute pause of a network lifts its filtering and ends on time (across a restart at an
injected time); the language switch is remembered; a wrong password, a POST without the CSRF
token and a session used from another origin are refused; a viewer account can look but not
change. Every page is screenshotted into --out
and must pass our accessibility check (a11y_check.js, not axe-core).

Usage: test_dashboard.py --sproutdns BIN --fake-upstream BIN --out DIR"""
import argparse
import datetime
import http.client
import json
import os
import pathlib
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import png_stats

HERE = pathlib.Path(__file__).resolve().parent
CATALOGUES = HERE.parents[1] / "resolver/admin/dashboard/i18n"
PASSWORD = "rau-muong-xao-toi-2026"
TOKEN = "browser-test-token-0123456789abcdef"
CLASSROOM, STAFF = "127.0.0.1", "127.0.0.2"  # two networks: dig picks the source address
PAGES = ["overview", "explain", "actions", "reports", "lists", "networks", "audit"]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what, step=0.1):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {seconds} s waiting for {what}")
        time.sleep(step)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Stack:
    """fake_upstream + sproutdns in a temp dir; sproutdns can be restarted at another fake time."""

    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.admin_port = free_tcp_port()
        self.resolver = None
        port_file = tmp / "upstream.port"
        self.upstream = subprocess.Popen([args.fake_upstream, "--port-file", str(port_file), "--log", str(tmp / "upstream.log"),
                                          "--mode", "normal", "--answer-ip", "192.0.2.1"],
                                         stdout=subprocess.DEVNULL, stderr=open(tmp / "upstream.stderr", "w"))
        wait_for(lambda: port_file.exists() and port_file.read_text().strip(), 5, "fake_upstream's port file")
        self.upstream_port = int(port_file.read_text())
        (tmp / "games.txt").write_text("roblox.test\nminecraft.test\n")
        (tmp / "social.txt").write_text("tiktok.test\n")
        (tmp / "sprout.yaml").write_text(self.config())
        # Started as root, sproutdns serves as `nobody`: it must be able to read this directory and
        # to write its state (stats, accounts, overrides, pauses, audit).
        tmp.chmod(0o755)
        (tmp / "state").mkdir()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(tmp / "state", nobody.pw_uid, nobody.pw_gid)

    def config(self):
        t = self.tmp
        return f"""listen: ["127.0.0.1:0"]
workers: 1
upstreams: [{{address: 127.0.0.1, port: {self.upstream_port}, timeout: 500ms, tries: 1}}]
state_dir: {t}/state
logging: {{level: info}}
admin: {{listen: "127.0.0.1:{self.admin_port}", token: {TOKEN}}}
categories:
  games: {{description: "Online games"}}
  social: {{description: "Social networks"}}
lists:
  test-games: {{category: games, source: {t}/games.txt, format: domains}}
  test-social: {{category: social, source: {t}/social.txt, format: domains}}
profiles:
  kids:
    block: [games]
    schedules:
      bedtime:
        windows: [{{days: [mon-sun], from: "21:00", to: "06:00"}}]
        block: [social]
  staff:
    block: []
networks:
  classroom-6a: {{cidrs: [{CLASSROOM}/32], profile: kids, labels: {{province: "Đắk Lắk", school: "THCS Hòa Thắng"}}}}
  staff: {{cidrs: [{STAFF}/32], profile: staff, labels: {{province: "Đắk Lắk", school: "THCS Hòa Thắng"}}}}
"""

    def start(self, fake_time):
        ready = self.tmp / "ready"
        if ready.exists():
            ready.unlink()
        env = dict(os.environ, SPROUT_FAKE_TIME=iso(fake_time))
        self.resolver = subprocess.Popen([self.args.sproutdns, "serve", "--config", str(self.tmp / "sprout.yaml"), "--ready-file", str(ready)],
                                         env=env, stdout=subprocess.DEVNULL, stderr=open(self.tmp / "sproutdns.stderr", "a"))
        wait_for(lambda: ready.exists() and "udp" in ready.read_text() or self.resolver.poll() is not None, 15, "sproutdns ready")
        check(self.resolver.poll() is None, "sproutdns exited:\n" + (self.tmp / "sproutdns.stderr").read_text()[-3000:])
        self.udp_port = int(re.search(r"^udp \S+ (\d+)$", ready.read_text(), re.M).group(1))
        wait_for(lambda: self.http("GET", "/")[0] == 200, 10, "the admin server")

    def stop(self):
        if self.resolver and self.resolver.poll() is None:
            self.resolver.send_signal(signal.SIGTERM)
            try:
                self.resolver.wait(10)
            except subprocess.TimeoutExpired:
                self.resolver.kill()
                self.resolver.wait()
        self.resolver = None

    def close(self):
        self.stop()
        self.upstream.terminate()
        self.upstream.wait()

    def http(self, method, path, headers=None, body=None):
        """(status, headers, body) from the admin server; (0, {}, "") when it does not answer."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=5)
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read().decode("utf-8", "replace")
            c.close()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        except OSError:
            return 0, {}, ""

    def api(self, path):
        status, _, body = self.http("GET", path, {"Authorization": f"Bearer {TOKEN}"})
        check(status == 200, f"GET {path} with the token: {status} {body[:300]}")
        return json.loads(body)

    def dig(self, name, source=CLASSROOM):
        """(status, addresses) of one A query, exactly one packet (+tries=1)."""
        out = subprocess.run(["dig", f"@127.0.0.1", "-p", str(self.udp_port), "-b", source, "+time=3", "+tries=1", "+noall",
                              "+comments", "+answer", name, "A"], capture_output=True, text=True, timeout=10).stdout
        status = re.search(r"status: (\w+)", out)
        return (status.group(1) if status else "NO-ANSWER"), re.findall(r"\sIN\s+A\s+(\S+)", out)


class Browser:
    def __init__(self, base, out, tmp):
        self.base, self.out = base, out
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp / 'chromium'}", "--window-size=1280,1000", "--lang=en-US"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.a11y_js = (HERE / "a11y_check.js").read_text()
        self.catalogues = {l: json.loads((CATALOGUES / f"{l}.json").read_text()) for l in ("vi", "en")}
        self.shots = []

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait_ready(self, name, seconds=10):
        try:
            WebDriverWait(self.driver, seconds).until(lambda d: d.execute_script("return document.body.dataset.ready") == name)
        except TimeoutException:
            raise Failure(f"page {name} never got ready; status line: {self.text('status')!r}")

    def open(self):
        self.driver.get(self.base + "/")

    def goto(self, page):
        self.js("""delete document.body.dataset.ready;
                   if (location.hash === '#' + arguments[0]) window.dispatchEvent(new HashChangeEvent('hashchange'));
                   else location.hash = arguments[0];""", page)
        self.wait_ready(page)

    def el(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self, element_id):
        return self.js("const e = document.getElementById(arguments[0]); return e ? e.textContent : '';", element_id)

    def fill(self, element_id, value):
        field = self.el(f"#{element_id}")
        field.clear()
        field.send_keys(value)

    def choose(self, element_id, value):
        Select(self.el(f"#{element_id}")).select_by_value(value)

    def submit(self, form_id):
        self.el(f"#{form_id} button[type=submit]").click()

    def lang(self):
        return self.js("return document.documentElement.lang")

    def shot(self, name):
        path = self.out / f"dashboard-{name}.png"
        self.driver.save_screenshot(str(path))
        self.shots.append(path)
        return path

    def audit_page(self, name):
        """Our accessibility check and the language check on what is on screen now."""
        violations = self.js(self.a11y_js)
        check(not violations, f"accessibility ({name}, {self.lang()}):\n  " + "\n  ".join(violations))
        other = "en" if self.lang() == "vi" else "vi"
        foreign = {v for k, v in self.catalogues[other].items() if v != self.catalogues[self.lang()].get(k) and len(v) > 3}
        texts = self.js("""const out = []; const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                           while (walk.nextNode()) { const n = walk.currentNode; const e = n.parentElement;
                             if (n.textContent.trim() && e && e.getClientRects().length && !e.closest('[translate=no]')) out.push(n.textContent.trim()); }
                           return out;""")
        stray = sorted({t for t in texts if t in foreign})
        check(not stray, f"{name} in {self.lang()} shows {other} strings: {stray}")

    def visit_all(self, suffix):
        for page in PAGES:
            self.goto(page)
            self.audit_page(page)
            self.shot(f"{page}{suffix}")

    def total(self, key):
        text = self.js("const e = document.querySelector(`[data-total='${arguments[0]}'] .value`); return e ? e.textContent : ''", key)
        digits = re.sub(r"[^\d]", "", text)
        return int(digits) if digits else -1

    def quit(self):
        self.driver.quit()


def send_traffic(stack):
    """Known queries, one packet each: 7 queries, 2 of them blocked (games for the kids' network)."""
    plan = [("khanacademy.test", CLASSROOM, "NOERROR")] * 3 + [("roblox.test", CLASSROOM, "NXDOMAIN")] * 2 + \
           [("roblox.test", STAFF, "NOERROR"), ("news.test", STAFF, "NOERROR")]
    for name, source, expected in plan:
        status, _ = stack.dig(name, source)
        check(status == expected, f"dig {name} from {source}: {status}, expected {expected}")
    return len(plan), sum(1 for p in plan if p[2] == "NXDOMAIN")


def first_run_and_sign_in(b):
    b.open()
    b.wait_ready("setup")
    check(b.lang() == "en", f"an en-US browser starts in English, got {b.lang()!r}")
    b.audit_page("setup")
    b.shot("setup")
    b.fill("setup-password", PASSWORD)
    b.fill("setup-password2", PASSWORD)
    b.submit("setup-form")
    b.wait_ready("overview")


def check_overview_counts(b, queries, blocked):
    """The stats store counts per minute; wait (up to its minute flush) for the numbers to arrive."""
    def arrived():
        b.goto("overview")
        return b.total("queries") == queries and b.total("blocked") == blocked
    try:
        wait_for(arrived, 75, "the overview's totals", step=2)
    except Failure:
        raise Failure(f"overview shows queries={b.total('queries')} blocked={b.total('blocked')}, sent {queries}/{blocked}")
    networks = b.js("return [...document.querySelectorAll('#chart-network svg desc')].map(d => d.textContent).join(' ')")
    check("classroom-6a" in networks and "staff" in networks, f"network chart: {networks!r}")


def check_refusals(stack, b):
    """Wrong password in the page and over HTTP; a POST without CSRF token; a session from another origin."""
    b.goto("overview")  # signing in again returns to the page in the address
    b.el("#signout").click()
    b.wait_ready("signin")
    b.fill("signin-password", "not-the-password")
    b.submit("signin-form")
    wait_for(lambda: b.catalogues["en"]["signin.wrong"] in b.text("status"), 5, "the wrong-password message")
    b.fill("signin-password", PASSWORD)
    b.submit("signin-form")
    b.wait_ready("overview")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = stack.http("POST", "/api/login", form, "user=admin&password=wrong")
    check(status == 401, f"wrong password over HTTP: {status}")
    status, headers, body = stack.http("POST", "/api/login", form, urllib.parse.urlencode({"user": "admin", "password": PASSWORD}))
    check(status == 200, f"login over HTTP: {status} {body}")
    cookie = headers.get("set-cookie", "")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        check(attribute.lower() in cookie.lower(), f"session cookie lacks {attribute}: {cookie}")
    session = {"Cookie": cookie.split(";")[0], **form}
    csrf = json.loads(body)["csrf"]
    origin = f"http://127.0.0.1:{stack.admin_port}"
    status, _, _ = stack.http("POST", "/api/reload", {**session, "Origin": origin})
    check(status == 403, f"POST without X-CSRF-Token: {status}")
    status, _, _ = stack.http("POST", "/api/reload", {**session, "X-CSRF-Token": csrf, "Origin": "http://evil.example"})
    check(status == 403, f"POST from another origin: {status}")
    status, _, body = stack.http("POST", "/api/reload", {**session, "X-CSRF-Token": csrf, "Origin": origin})
    check(status == 200, f"the same POST with token and origin: {status} {body}")


def sign_in(b, user, password):
    b.el("#signout").click()
    b.wait_ready("signin")
    b.fill("signin-user", user)
    b.fill("signin-password", password)
    b.submit("signin-form")
    b.wait_ready("overview")


def viewer_looks_only(stack, b):
    """A read-only account (sproutdns passwd --role viewer): no actions page, no undo, changes refused."""
    subprocess.run([stack.args.sproutdns, "passwd", "-c", str(stack.tmp / "sprout.yaml"), "--user", "parent", "--role", "viewer"],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=30)
    sign_in(b, "parent", PASSWORD)
    check(not b.el("#nav a[href='#actions']").is_displayed(), "a viewer sees the actions link")
    b.goto("networks")
    b.js("delete document.body.dataset.ready; location.hash = 'actions'")
    b.wait_ready("overview")  # the actions page is not for a viewer: the overview instead
    b.goto("audit")
    check(not b.driver.find_elements(By.CSS_SELECTOR, "button[data-undo]"), "a viewer sees undo buttons")
    b.audit_page("audit (viewer)")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, body = stack.http("POST", "/api/login", form, urllib.parse.urlencode({"user": "parent", "password": PASSWORD}))
    check(status == 200 and json.loads(body)["role"] == "viewer", f"viewer login: {status} {body}")
    session = {"Cookie": headers["set-cookie"].split(";")[0], "X-CSRF-Token": json.loads(body)["csrf"], **form}
    status, _, _ = stack.http("POST", "/api/reload", session)
    check(status == 403, f"a viewer's POST /api/reload: {status}")
    b.goto("overview")
    sign_in(b, "admin", PASSWORD)


def allow_then_undo(stack, b):
    b.goto("explain")
    b.fill("explain-name", "roblox.test")
    b.choose("explain-network", "classroom-6a")
    b.submit("explain-form")
    wait_for(lambda: "test-games" in b.text("explain-details"), 5, "explain naming the list")
    b.shot("explain-result")
    b.goto("actions")
    b.choose("domain-profile", "kids")
    b.fill("domain-name", "roblox.test")
    b.choose("domain-action", "allow")
    b.submit("domain-form")
    wait_for(lambda: "roblox.test" in b.text("action-result"), 5, "the allow result")
    wait_for(lambda: stack.dig("roblox.test") == ("NOERROR", ["192.0.2.1"]), 5, "dig resolving the allowed domain")
    b.goto("audit")
    undo = b.js("""const row = [...document.querySelectorAll('#audit-table tr')].find(r => r.textContent.includes('roblox.test'));
                   const button = row && row.querySelector('button[data-undo]'); if (button) button.click(); return Boolean(button);""")
    check(undo, "no undo button for the roblox.test override on the audit page")
    wait_for(lambda: stack.dig("roblox.test")[0] == "NXDOMAIN", 5, "dig blocked again after undo")


def pause_network(stack, b):
    b.goto("actions")
    b.choose("pause-network", "classroom-6a")
    b.fill("pause-minutes", "1")
    b.submit("pause-form")
    wait_for(lambda: "classroom-6a" in b.text("action-result"), 5, "the pause result")
    check(stack.dig("minecraft.test") == ("NOERROR", ["192.0.2.1"]), "a paused network resolves a blocked domain")
    pauses = stack.api("/api/pauses")["pauses"]
    check(len(pauses) == 1 and pauses[0]["target"] == "classroom-6a", f"pauses: {pauses}")
    b.goto("overview")
    check("classroom-6a" in b.text("overview-pauses"), "the overview lists the running pause")
    return datetime.datetime.strptime(pauses[0]["until"], "%Y-%m-%dT%H:%M:%SZ")


def pause_ends(stack, b, until):
    """Restarted three seconds before the pause's end (injected time): it still holds, then ends on time."""
    stack.stop()
    stack.start(until - datetime.timedelta(seconds=3))
    check(stack.dig("minecraft.test")[0] == "NOERROR", "the pause survives the restart")
    b.open()
    b.wait_ready("signin")  # sessions live in memory: the restart signed everyone out
    b.fill("signin-password", PASSWORD)
    b.submit("signin-form")
    b.wait_ready("overview")
    wait_for(lambda: stack.dig("minecraft.test")[0] == "NXDOMAIN", 8, "the pause to end", step=0.5)
    b.goto("overview")
    check("classroom-6a" not in b.text("overview-pauses"), "the ended pause is gone from the overview")


def switch_language(b):
    b.choose("lang", "vi")
    wait_for(lambda: b.lang() == "vi", 5, "lang=vi")
    vi = b.catalogues["vi"]
    check(b.el("#overview-h").text == vi["overview.title"], f"h1 after the switch: {b.el('#overview-h').text!r}")
    b.driver.refresh()
    b.wait_ready("overview")
    check(b.lang() == "vi", "the language choice survives a reload (localStorage)")
    check(b.el("#nav a[href='#explain']").text == vi["nav.explain"], "navigation in Vietnamese")


def screenshots(b, out):
    b.goto("overview")
    desktop = b.shot("overview-desktop")
    b.driver.set_window_size(360, 1400)
    b.goto("overview")
    b.audit_page("overview (phone)")
    overflow = b.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 1, f"the phone layout scrolls sideways by {overflow} px")
    phone = b.shot("overview-phone")
    b.driver.set_window_size(1280, 1000)
    for path in (desktop, phone):
        variance = png_stats.variance(path)
        check(variance > 100, f"{path.name} looks blank (pixel variance {variance:.1f})")
        print(f"{path.name}: pixel variance {variance:.0f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sproutdns", required=True)
    p.add_argument("--fake-upstream", required=True)
    p.add_argument("--out", required=True, type=pathlib.Path)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("dashboard-*.png"):  # no stale failure screenshot from an earlier run
        old.unlink()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sprout-dashboard-"))
    stack = b = None
    started = time.monotonic()
    try:
        stack = Stack(args, tmp)
        stack.start(datetime.datetime.utcnow().replace(second=0, microsecond=0))
        b = Browser(f"http://127.0.0.1:{stack.admin_port}", args.out, tmp)
        first_run_and_sign_in(b)
        queries, blocked = send_traffic(stack)
        check_overview_counts(b, queries, blocked)
        b.visit_all("-en")
        check_refusals(stack, b)
        viewer_looks_only(stack, b)
        allow_then_undo(stack, b)
        until = pause_network(stack, b)
        switch_language(b)
        b.visit_all("")
        screenshots(b, args.out)
        pause_ends(stack, b, until)
        print(f"PASS in {time.monotonic() - started:.0f} s; screenshots in {args.out}")
        return 0
    except Failure as e:
        print(f"FAIL: {e}")
        if b:
            b.shot("failure")
        for log in ("sproutdns.stderr", "upstream.stderr"):
            if (tmp / log).exists():
                print(f"--- {log} (tail)\n" + (tmp / log).read_text()[-2000:])
        return 1
    finally:
        if b:
            b.quit()
        if stack:
            stack.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
