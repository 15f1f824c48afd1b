#!/usr/bin/env python3
"""Fast feedback while writing scenario files: a Python mirror of the explain engine's
scoring rules (the Rust engine in crates/explain is the real one; its tests are binding).

Usage: python3 tools/kbcheck.py [--corpus ../shared/corpus/dev.jsonl] [--verbose]

For every example log in crates/kb/scenarios/*.toml it prints the top scenario and flags
examples that are not classified as their own scenario; with --corpus it also reports top-1
accuracy on a labelled JSON Lines corpus ({"text":…, "label":…}).
Scoring: each signal hits if its literal (or anchor+regex) occurs on some line;
score = 1 - prod(1 - w) over positive hits whose `requires` hit too, times prod(1 + w)
for negative hits. The winner needs score >= THRESHOLD; otherwise the text is `unknown`
when an auth marker occurs, else `not-auth`.
"""
import argparse, glob, json, os, re, sys, tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THRESHOLD = 0.5
# Mirror of authdoctor_explain::markers: text that makes something an auth/credential error.
AUTH_MARKERS = [
    (r"AccessDenied|UnauthorizedOperation|Unauthorized|Forbidden|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|InvalidAccessKeyId|AuthFailure|AuthorizationHeaderMalformed|MissingAuthenticationToken|Missing Authentication Token|IncompleteSignature|InvalidToken|Access Denied|NotAuthorized", False),
    (r"not authorized to perform|is not authorized|credentials|security token|signature|MultiFactorAuthentication|\b401\b|\b403\b", True),
]

def load():
    scen = []
    for p in sorted(glob.glob(os.path.join(ROOT, "crates/kb/scenarios/*.toml"))):
        with open(p, "rb") as f:
            d = tomllib.load(f)
        d["_path"] = p
        for s in d.get("signals", []):
            flags = 0 if s.get("case_sensitive") else re.I
            if "regex" in s:
                s["_re"] = re.compile(s["regex"], flags)
            s["_lit"] = s.get("literal")
        scen.append(d)
    return scen

def contains(line, lit, cs):
    return lit in line if cs else lit.lower() in line.lower()

def signal_hits(s, lines):
    cs = s.get("case_sensitive", False)
    for ln in lines:
        if s.get("_lit") is not None:
            if contains(ln, s["_lit"], cs):
                return True
        else:
            a = s.get("anchor", "")
            if contains(ln, a, cs) and s["_re"].search(ln):
                return True
    return False

def score(sc, lines):
    hits = [signal_hits(s, lines) for s in sc["signals"]]
    names = {s["name"] for s, h in zip(sc["signals"], hits) if h}
    p_not, neg = 1.0, 1.0
    used = []
    for s, h in zip(sc["signals"], hits):
        if not h or any(r not in names for r in s.get("requires", [])):
            continue
        w = s["weight"]
        if w >= 0:
            p_not *= 1 - w
        else:
            neg *= 1 + w
        used.append(s.get("literal") or s.get("regex"))
    return (1 - p_not) * neg, used

def classify(scen, text):
    lines = text.splitlines()
    ranked = sorted(((score(sc, lines)[0], sc["id"]) for sc in scen), reverse=True)
    best = ranked[0] if ranked else (0, None)
    if best[0] >= THRESHOLD:
        return best[1], ranked[:3]
    for pat, ci in AUTH_MARKERS:
        if re.search(pat, text, re.I if ci else 0):
            return "unknown", ranked[:3]
    return "not-auth", ranked[:3]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    scen = load()
    bad = 0
    total = 0
    for sc in scen:
        for i, ex in enumerate(sc.get("examples", [])):
            total += 1
            got, ranked = classify(scen, ex["log"])
            ok = got == sc["id"]
            if not ok or a.verbose:
                print(f"{'ok ' if ok else 'BAD'} {sc['id']} example {i+1} ({ex['client']}): got {got}; top {[(round(s,2),i) for s,i in ranked]}")
            bad += not ok
    print(f"examples: {total - bad}/{total} classified as their own scenario")
    if a.corpus:
        n = good = 0
        for line in open(a.corpus):
            d = json.loads(line)
            n += 1
            got, ranked = classify(scen, d["text"])
            if got == d["label"]:
                good += 1
            else:
                print(f"MISS {d['id']} want {d['label']} got {got}; top {[(round(s,2),i) for s,i in ranked]}")
        print(f"corpus top-1: {good}/{n} = {100*good/n:.1f}%")

if __name__ == "__main__":
    main()
