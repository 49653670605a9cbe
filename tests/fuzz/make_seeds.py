#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from small slices of
the shared real lists and hand-built messages. Rerun after changing a target's input layout:
    python3 tests/fuzz/make_seeds.py [/work/shared/data]
Crash regressions (corpus/<target>/regress-*) are kept; everything else is rewritten."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "data")  # like CMake's default
if not os.path.isdir(DATA):
    DATA = "/work/shared/data"
SIG = bytes([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A])


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def clear(target):
    d = os.path.join(HERE, "corpus", target)
    if os.path.isdir(d):
        for f in os.listdir(d):
            if not f.startswith("regress-"):
                os.remove(os.path.join(d, f))


def wire_name(name):
    b = b""
    for label in name.split("."):
        if label:
            b += bytes([len(label)]) + label.encode()
    return b + b"\0"


def header(id_, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", id_, flags, qd, an, ns, ar)


def query(name, qtype=1, id_=0x1234, flags=0x0100, edns=None):
    q = header(id_, flags, ar=1 if edns else 0) + wire_name(name) + struct.pack(">HH", qtype, 1)
    if edns:
        q += b"\0" + struct.pack(">HHIH", 41, edns, 0x8000, 0)
    return q


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def proxy_seeds():
    clear("proxy")
    v4 = SIG + bytes([0x21, 0x11]) + struct.pack(">H", 12) + bytes([192, 0, 2, 7, 10, 0, 0, 1]) + struct.pack(">HH", 5353, 53)
    out("proxy", "v4", v4 + query("example.com"))
    v6 = SIG + bytes([0x21, 0x21]) + struct.pack(">H", 36) + bytes(range(16)) + bytes(range(16, 32)) + struct.pack(">HH", 1, 53)
    out("proxy", "v6", v6)
    mapped = SIG + bytes([0x21, 0x21]) + struct.pack(">H", 36) + bytes(10) + b"\xff\xff" + bytes([198, 51, 100, 9]) + bytes(16) + bytes(4)
    out("proxy", "v6_mapped", mapped)
    out("proxy", "local", SIG + bytes([0x20, 0x00, 0, 0]))
    tlv = bytes([0x04]) + struct.pack(">H", 4) + b"test"  # PP2_TYPE_NOOP
    out("proxy", "v4_tlv", SIG + bytes([0x21, 0x12]) + struct.pack(">H", 12 + len(tlv)) + bytes(12) + tlv)
    out("proxy", "unspec", SIG + bytes([0x21, 0x00, 0, 0]))
    out("proxy", "unix", SIG + bytes([0x21, 0x31]) + struct.pack(">H", 216) + bytes(216))
    out("proxy", "short", v4[:20])
    out("proxy", "v1_text", b"PROXY TCP4 192.0.2.1 192.0.2.2 5353 53\r\n")


def slice_lines(path, n):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    keep = [line for line in lines if line.strip()][:n]
    return b"\n".join(keep) + b"\n"


FORMATS = {"auto": 0, "domains": 1, "hosts": 2, "adblock": 3, "dnsmasq": 4, "unbound": 5, "rpz": 6}


def list_seeds():
    clear("lists")
    bl = os.path.join(DATA, "blocklists")
    slices = [
        ("domains", "ut1/gambling.txt"), ("domains", "hagezi/doh-vpn-proxy-bypass.wildcard.txt"),
        ("hosts", "blocklistproject/drugs.hosts"), ("adblock", "blocklistproject/drugs.adblock"),
        ("adblock", "hagezi/nosafesearch.adblock"), ("adblock", "hagezi/fake.adblock"),
        ("dnsmasq", "hagezi/doh-vpn-proxy-bypass.dnsmasq"), ("dnsmasq", "blocklistproject/vaping.dnsmasq"),
        ("unbound", "hagezi/doh-vpn-proxy-bypass.unbound.conf"), ("rpz", "dnsbunker-cti/threats.rpz"),
        ("domains", "ut1/adult.urls.txt"), ("domains", "shadowwhisperer/dating.txt"),
    ]
    for fmt, rel in slices:
        text = slice_lines(os.path.join(bl, rel), 40)
        base = rel.replace("/", "_")
        out("lists", f"{fmt}-{base}", bytes([FORMATS[fmt]]) + text)
        out("lists", f"auto-{base}", bytes([0]) + text)  # the same slice through auto-detection
    out("lists", "hosts-mixed", bytes([2]) + b"127.0.0.1 localhost\n::1 ip6-localhost\n0.0.0.0 a.example b.example # c\n0.0.0.0 xn--bcher-kva.example\n1.2.3.4\n")
    out("lists", "adblock-modifiers", bytes([3]) + b"[Adblock Plus 2.0]\n! c\n||a.example^\n@@||b.example^$important\n||c.example^$third-party\n/regex/\n##.ad\n*.d.example^\n")
    out("lists", "rpz-mixed", bytes([6]) + b"$TTL 300\n@ SOA localhost. root.localhost. (1 2 3 4 5)\n  NS localhost.\nbad.example CNAME .\n*.bad.example CNAME .\nquiet.example CNAME *.\nok.example CNAME rpz-passthru.\n")
    out("lists", "domains-idn", bytes([1]) + "bücher.example\n*.wild.example\n.dot.example\nUPPER.Example.\n".encode())


def config_seeds():
    clear("config")
    out("config", "empty", b"")
    out("config", "minimal", b"listen: [\"127.0.0.1:5354\"]\nupstreams: [{address: 192.0.2.1}]\n")
    out("config", "anchors", b"a: &x {b: *x}\nprofiles: {default: {block: [*x]}}\n")
    out("config", "tabs_and_controls", b"profiles:\n\tdefault: \x1b[31m\n")
    out("config", "deep", b"[" * 64 + b"]" * 64 + b"\n")


def http(method, target, headers=(), body=b""):
    h = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
    for k, v in headers:
        h += f"{k}: {v}\r\n".encode()
    if body:
        h += f"Content-Length: {len(body)}\r\n".encode()
    return h + b"\r\n" + body


def admin_seeds():
    clear("admin")
    auth = ("Authorization", "Bearer fuzz-token-4f1c")
    reqs = {
        "metrics": http("GET", "/metrics"), "health_head": http("HEAD", "/health"),
        "stats": http("GET", "/api/stats?x=1&y=%41"),
        "explain": http("GET", "/api/explain?client=127.0.0.1&name=www.example.com&type=AAAA", [auth]),
        "explain_noauth": http("GET", "/api/explain?client=127.0.0.1&name=a"),
        "reload": http("POST", "/api/reload", [auth], b"{}"),
        "reload_get": http("GET", "/api/reload", [auth]),
        "report": http("GET", "/api/report?from=2026-11-01&to=2026-11-30&format=csv&lang=vi", [("authorization", "bearer fuzz-token-4f1c")]),
        "bad_escape": http("GET", "/api/stats?a=%zz"), "absolute": http("GET", "http://x/metrics"),
        "chunked": b"POST /api/reload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer x\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
        "http10": b"GET /health HTTP/1.0\r\n\r\n",
        "dashboard": http("GET", "/", [("Accept-Encoding", "br, gzip;q=0.5, *;q=0")]),
        "dashboard_304": http("GET", "/assets/app.js", [("If-None-Match", 'W/"x", "y"')]),
        "dashboard_missing": http("HEAD", "/assets/i18n/xx.json"),
    }
    # The dashboard (issue 11): sign-in, cookies and CSRF, form bodies, the JSON API.
    form = ("Content-Type", "application/x-www-form-urlencoded")
    cookie = [("Cookie", "a=1; sprout_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), ("X-CSRF-Token", "x")]
    reqs.update({
        "login": http("POST", "/api/login", [form], b"user=admin&password=not-the-password"),
        "login_origin": http("POST", "/api/login?user=a", [form, ("Origin", "http://evil.example")], b"password=x"),
        "session_cookie": http("GET", "/api/session", cookie),
        "logout": http("POST", "/api/logout", cookie),
        "setup_get": http("GET", "/api/setup"),
        "override": http("POST", "/api/override", [auth, form], b"profile=kids&kind=domain&domain=a.example&action=allow&principal=x"),
        "override_cookie": http("POST", "/api/override?profile=kids", cookie + [form], b"kind=category&category=games&enabled=0"),
        "overview": http("GET", "/api/overview?period=7d", [auth]),
        "lists": http("GET", "/api/lists", [auth]),
        "explain_network": http("GET", "/api/explain?network=home&name=a.example&at=2026-12-01T09:00:00%2B07:00", [auth]),
        "undo": http("POST", "/api/undo?id=3", [auth]),
        "refresh": http("POST", "/api/refresh?list=adult", [auth]),
        "form_json": http("POST", "/api/pause", [auth, ("Content-Type", "application/json")], b"{}"),
    })
    for i, (name, req) in enumerate(reqs.items()):
        out("admin", name, bytes([i % 3]) + req)
    # From loopback (the first byte's high bit): the first-run setup may run.
    out("admin", "setup_local", bytes([0x82]) + http("POST", "/api/setup", [form], b"user=admin&password=long-enough-1"))


def answer_seeds():
    clear("answer")
    qname = 12  # pointer target: the question name
    ptr = bytes([0xC0, qname])
    a = rr(ptr, 1, 300, bytes([93, 184, 216, 34]))
    cname_blocked = rr(ptr, 5, 300, wire_name("blocked.test"))
    soa = rr(ptr, 6, 900, wire_name("ns.example") + wire_name("host.example") + struct.pack(">IIIII", 1, 2, 3, 4, 60))
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    # Spliced: selector (bit 5 set) + 12 header bytes (QDCOUNT is forced to 1) + records.
    def splice(sel, flags, an, ns, ar, records):
        return bytes([sel | 0x20]) + header(0x5a5a, flags, 1, an, ns, ar) + records
    out("answer", "splice_a", splice(0, 0x8180, 1, 0, 0, a))
    out("answer", "splice_aaaa", splice(1, 0x8180, 1, 0, 0, rr(ptr, 28, 60, bytes(15) + b"\1")))
    out("answer", "splice_cname_blocked", splice(0, 0x8180, 2, 0, 0, cname_blocked + rr(wire_name("blocked.test"), 1, 60, bytes([1, 2, 3, 4]))))
    out("answer", "splice_cname_chain", splice(6, 0x8180, 2, 0, 0, rr(ptr, 5, 30, wire_name("c.example")) + rr(wire_name("c.example"), 5, 30, wire_name("d.example"))))
    out("answer", "splice_blocked_addr", splice(0, 0x8180, 1, 0, 0, rr(ptr, 1, 300, bytes([192, 0, 2, 66]))))
    out("answer", "splice_nxdomain_soa", splice(0, 0x8183, 0, 1, 0, soa))
    out("answer", "splice_nodata_soa_edns", splice(0x40, 0x8180, 0, 1, 1, soa + opt))
    out("answer", "splice_google_safe", splice(2, 0x8180, 1, 0, 0, rr(ptr, 1, 300, bytes([216, 239, 38, 120]))))
    out("answer", "splice_youtube", splice(3 | 0x08, 0x8180, 1, 0, 0, rr(ptr, 28, 300, bytes(16))))
    out("answer", "splice_https", splice(4, 0x8180, 1, 0, 0, rr(ptr, 65, 300, b"\0\1\0")))
    out("answer", "splice_mx", splice(5, 0x8180, 1, 0, 0, rr(ptr, 15, 300, b"\0\x0a" + ptr)))
    out("answer", "splice_txt_big_ttl", splice(7 | 0x80, 0x8180, 1, 0, 0, rr(ptr, 16, 0xFFFFFFF0, b"\x05hello")))
    out("answer", "splice_truncated", splice(0, 0x8380, 1, 0, 0, a))
    out("answer", "splice_servfail", splice(0, 0x8182, 0, 0, 0, b""))
    out("answer", "splice_many", splice(0, 0x8180, 40, 0, 0, a * 40))
    # Raw: selector + the whole answer (question included).
    full = header(0x5a5a, 0x8180, 1, 1) + wire_name("www.example.com") + struct.pack(">HH", 1, 1) + a
    out("answer", "raw_a", bytes([0]) + full)
    out("answer", "raw_junk_after", bytes([0]) + full + b"\xde\xad")


def differential_seeds():
    clear("differential")
    q = query
    seeds = {
        "plain": (0x00, q("www.example.com")), "aaaa_edns": (0x10, q("cdn.example.net", 28, edns=1232)),
        "blocked_nx": (0x00, q("x.blocked.test", edns=4096)), "blocked_nullip": (0x01, q("blocked.test", 28)),
        "blocked_refused": (0x02, q("blocked.test")), "blocked_page": (0x03, q("blocked.test", 1, edns=512)),
        "denied": (0x00, q("denied.test", 65)), "allowed_in_blocked": (0x20, q("ok.blocked.test")),
        "nodata_rule": (0x00, q("quiet.test")), "schedule": (0x01, q("game.test")),
        "outside": (0x04, q("www.example.com")), "tcp": (0x08, q("www.example.com", 16)),
        "google": (0x20, q("www.google.com", edns=1232)), "youtube_strict": (0x30, q("m.youtube.com", 28)),
        "bing": (0x40, q("www.bing.com")), "big_udp": (0x10, q("big.example")),
        "big_udp_edns": (0x10, q("big.example", edns=600)), "cname_blocked": (0x20, q("cloak.example")),
        "blocked_addr": (0x30, q("addr.example")), "nx_upstream": (0x40, q("nx.example")),
        "formerr": (0x00, header(0x1234, 0x0100, 2) + wire_name("a.example") + b"\0\1\0\1"),
        "notimp": (0x00, q("a.example", flags=0x2900)),
        "response": (0x00, q("a.example", flags=0x8100)), "short": (0x00, b"\x12\x34\x01"),
        "any": (0x00, q("example.com", 255)), "root": (0x00, q("", 2)),
        "upper": (0x00, q("WwW.ExAmPlE.CoM")),
    }
    badvers = header(0x1234, 0x0100, 1, 0, 0, 1) + wire_name("a.example") + b"\0\1\0\1" + b"\0" + struct.pack(">HHIH", 41, 1232, 0x00010000, 0)
    seeds["badvers"] = (0x00, badvers)
    for name, (sel, msg) in seeds.items():
        out("differential", name, bytes([sel]) + msg)


if __name__ == "__main__":
    proxy_seeds()
    list_seeds()
    config_seeds()
    admin_seeds()
    answer_seeds()
    differential_seeds()
