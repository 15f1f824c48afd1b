#!/usr/bin/env bash
# Bench of `POST /api/explain` for a typical paste, beside `authdoctor explain` as a
# process, and memory of the server over a bounded load. Loopback only.
#
#   cargo build --release -p authdoctor && crates/serve/bench/explain.sh [SECONDS]
#
# Needs `wrk` (apt-get install wrk). SECONDS (default 60) bounds the memory run; the
# latency run is 20 s. Prints p50/p99 latency and requests/s with 64 concurrent
# clients, the process timings, and the server's RSS sampled every 5 s.
set -euo pipefail
cd "$(dirname "$0")/../../.."
BIN=${BIN:-target/release/authdoctor}
LOAD_SECONDS=${1:-60}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "bench: $BIN is missing (cargo build --release -p authdoctor)" >&2; exit 2; }

work=$(mktemp -d)
"$BIN" serve --listen 127.0.0.1:0 >"$work/url" 2>"$work/err" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(head -1 "$work/url")

# The typical paste: the AWS CLI --debug log of the hop-limit scenario, as users paste it.
curl -s "$url/api/scenarios/imds-hop-limit" \
  | python3 -c 'import json,sys; print(json.dumps({"text": json.load(sys.stdin)["scenarios"][0]["examples"][0]["log"]}))' \
  >"$work/body.json"
python3 - "$work/body.json" >"$work/post.lua" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
print('wrk.method = "POST"')
print('wrk.headers["Content-Type"] = "application/json"')
print("wrk.body = " + json.dumps(body))
PY
echo "paste: $(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["text"]; print(len(t.splitlines()), "lines,", len(t), "bytes")' "$work/body.json")"
echo "machine: $(nproc) cores, $(uname -r); shared with other jobs while measured"

echo "== POST /api/explain, 64 concurrent loopback clients, 20 s"
wrk -t2 -c64 -d20s --latency -s "$work/post.lua" "$url/api/explain" | sed -n '/Latency Distribution/,/Requests\/sec/p;/Non-2xx/p'

echo "== authdoctor explain as a process, 100 runs"
python3 - "$BIN" "$work/body.json" <<'PY'
import json, subprocess, sys, time
binary, body = sys.argv[1], json.load(open(sys.argv[2]))["text"]
times = []
for _ in range(100):
    t = time.perf_counter()
    subprocess.run([binary, "explain", "--format", "json", "--text", body], stdout=subprocess.DEVNULL, check=False)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"process: p50 {times[49]:.1f} ms, p99 {times[98]:.1f} ms, {1000 / (sum(times) / len(times)):.0f} runs/s sequential")
PY

echo "== memory over ${LOAD_SECONDS} s of load (RSS of the server, KiB)"
wrk -t2 -c64 -d"${LOAD_SECONDS}s" -s "$work/post.lua" "$url/api/explain" >"$work/long" &
load=$!
samples=""
for _ in $(seq 0 5 "$LOAD_SECONDS"); do
  samples="$samples $(ps -o rss= -p $server | tr -d ' ')"
  sleep 5
done
wait $load
echo "rss:$samples"
sed -n '/Requests\/sec/p' "$work/long"
