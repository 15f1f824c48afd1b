#!/usr/bin/env python3
"""Prints the Markdown summary of the corpus that README.md carries (between its
`<!-- summary -->` markers): the outcome of every case for every client, and what each
client finally said without debug logging.

    python3 tools/transcripts/summary.py [--write-readme]
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "crates" / "explain" / "tests" / "transcripts"
CLIENTS = ["botocore", "awscli-v1", "awscli-v2", "js-v3", "js-v2", "go-v1", "go-v2", "rust", "ruby"]
NOISE = re.compile(
    r"NodeVersionSupportWarning|versions published after|will require node|To continue receiving"
    r"|and security updates please|More information can be found|trace-warnings"
)


def final_words(text):
    """The line a user reads as the error: the last unindented line shaped like an error
    headline (`Name: message`, `An error occurred …`, `Unable to …`), else the last line."""
    headline = re.compile(
        r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?([\w.]+: \S|An error occurred|Unable to |operation error"
        r"|Invalid endpoint|Could not|Error )"
    )
    lines = [l.rstrip() for l in text.splitlines() if l.strip() and not NOISE.search(l)]
    picks = [l for l in lines if headline.match(l)]
    line = picks[-1] if picks else (lines[-1] if lines else "")
    line = re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", "", line)
    line = re.sub(r"Encoded authorization failure message: \S+", "Encoded authorization failure message: …", line)
    line = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<request-id>", line)
    line = re.sub(r"\b20\d{6}T\d{6}Z\b", "<time>", line)
    if len(line) > 220:
        line = line[:217] + "…"
    return line.replace("|", "\\|")


def main():
    rows = [json.loads(l) for l in (CORPUS / "manifest.jsonl").read_text().splitlines() if l.strip()]
    cases = []
    for row in rows:
        if row["fault"] not in cases:
            cases.append(row["fault"])
    by = {(r["client"], r["fault"], r["debug"]): r for r in rows}
    clients = [c for c in CLIENTS if any(r["client"] == c for r in rows)]
    out = []
    out.append("| case | label | " + " | ".join(clients) + " |")
    out.append("|---|---|" + "---|" * len(clients))
    for case in sorted(cases):
        labels = {r["scenario"] for r in rows if r["fault"] == case} - {"none", "unknown"}
        cells = []
        for client in clients:
            plain, debug = by.get((client, case, False)), by.get((client, case, True))
            if not plain:
                cells.append("–")
                continue

            def word(r):
                return "ok" if r["exit_code"] == 0 else ("fails" if r["scenario"] != "unknown" else "fails†")

            same = debug and word(debug) == word(plain)
            cells.append(word(plain) if same or not debug else f"{word(plain)} / debug {word(debug)}")
        out.append(f"| `{case}` | {', '.join(sorted(labels)) or '–'} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("† failed, but the fault has no scenario of its own: labelled `unknown`, reported, not scored.")
    out.append("")
    out.append("What each client finally said (without debug logging):")
    out.append("")
    for case in sorted(cases):
        out.append(f"- `{case}`")
        for client in clients:
            r = by.get((client, case, False))
            if not r:
                continue
            text = (CORPUS / r["file"]).read_text()
            said = "succeeded" if r["exit_code"] == 0 else f"`{final_words(text)}`"
            out.append(f"  - {client}: {said}")
    summary = "\n".join(out) + "\n"
    if "--write-readme" in sys.argv:
        readme = HERE / "README.md"
        text = readme.read_text()
        start, end = "<!-- summary -->\n", "<!-- /summary -->"
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(head + start + summary + end + tail)
    else:
        sys.stdout.write(summary)


if __name__ == "__main__":
    main()
