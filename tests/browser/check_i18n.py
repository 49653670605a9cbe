#!/usr/bin/python3
"""The dashboard's catalogues: vi.json and en.json have the same keys and placeholders, every key
the pages use exists, every key is used, and no page string lives outside them (index.html text
only in data-i18n elements or translate="no" ones; no sentence literals in the scripts).

Usage: check_i18n.py resolver/admin/dashboard   (exit 0 when clean, 1 with one line per problem)"""
import html.parser
import json
import pathlib
import re
import sys


class PageText(html.parser.HTMLParser):
    """Keys used by index.html, and text found outside data-i18n / translate="no" elements."""

    VOID = {"meta", "link", "img", "input", "br", "hr"}

    def __init__(self):
        super().__init__()
        self.keys, self.stray, self.stack = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-i18n" in a:
            self.keys.add(a["data-i18n"])
        for pair in (a.get("data-i18n-attr") or "").split(";"):
            if ":" in pair:
                self.keys.add(pair.split(":", 1)[1])
        for name in ("aria-label", "title", "placeholder", "alt"):
            if a.get(name, "").strip():
                self.stray.append(f"index.html: <{tag}> {name}=\"{a[name]}\" (use data-i18n-attr)")
        if tag not in self.VOID:
            self.stack.append("data-i18n" in a or a.get("translate") == "no")

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if data.strip() and not any(self.stack):
            self.stray.append(f"index.html: text outside the catalogue: {data.strip()[:60]!r}")


def strip_comments(js):
    js = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    return re.sub(r"(^|[^:\\])//[^\n]*", r"\1", js)


def script_keys(js, catalogue):
    """Keys passed to t('...'), any literal naming a catalogue key (t(ok ? 'a' : 'b')), and t(`prefix.${...}`) prefixes."""
    literal = set(re.findall(r"\bt\('([\w.]+)'", js)) | (set(re.findall(r"'([\w]+\.[\w.]+)'", js)) & set(catalogue))
    prefixes = set(re.findall(r"\bt\(`([\w.]+)\$\{", js))
    return literal, prefixes


def sentence_literals(name, js):
    """String literals that read like words for a person (two words with a space), class names aside."""
    out = []
    for m in re.finditer(r"'([^'\n]*)'|\"([^\"\n]*)\"|`([^`]*)`", js):
        text = re.sub(r"\$\{[^}]*\}", " ", next(g for g in m.groups() if g is not None))
        attribute = re.search(r"(class|className|preserveAspectRatio)\s*[:=]\s*$", js[max(0, m.start() - 30):m.start()])
        if not attribute and re.search(r"[A-Za-zÀ-ỹ]{2,}\s+[A-Za-zÀ-ỹ]{2,}", text):
            out.append(f"{name}: literal text {text.strip()[:60]!r}")
    return out


def placeholders(text):
    return sorted(set(re.findall(r"\{(\w+)\}", text)))


def main(root):
    root = pathlib.Path(root)
    problems = []
    cats = {lang: json.loads((root / "i18n" / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("vi", "en")}
    vi, en = cats["vi"], cats["en"]
    for key in sorted(set(vi) ^ set(en)):
        problems.append(f"key {key!r} only in {'vi' if key in vi else 'en'}.json")
    for key in sorted(set(vi) & set(en)):
        if not str(vi[key]).strip() or not str(en[key]).strip():
            problems.append(f"key {key!r} is empty in a catalogue")
        if placeholders(vi[key]) != placeholders(en[key]):
            problems.append(f"key {key!r}: placeholders differ between vi and en")
    page = PageText()
    page.feed((root / "index.html").read_text(encoding="utf-8"))
    problems += page.stray
    used, prefixes = set(page.keys), set()
    for path in sorted(root.glob("*.js")):
        js = strip_comments(path.read_text(encoding="utf-8"))
        literal, pre = script_keys(js, en)
        used |= literal
        prefixes |= pre
        problems += sentence_literals(path.name, js)
    for key in sorted(used - set(en)):
        problems.append(f"key {key!r} used by the pages but missing from the catalogues")
    for prefix in sorted(prefixes):
        if not any(k.startswith(prefix) for k in en):
            problems.append(f"no key starts with {prefix!r} (used as t(`{prefix}${{...}}`))")
    for key in sorted(set(en) - used):
        if not any(key.startswith(p) for p in prefixes):
            problems.append(f"key {key!r} is never used")
    for line in problems:
        print(line)
    print(f"{len(en)} keys per language, {len(used)} used literally, {len(prefixes)} prefixes; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "resolver/admin/dashboard"))
