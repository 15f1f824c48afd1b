#!/usr/bin/env bash
# Whole-process benchmark of `authdoctor explain`, with the nearest peer as comparison.
#
#   bash bench/explain.sh
#
# 1. One message, whole process (start-up included), authdoctor vs aws-why 0.5 (PyPI,
#    a Rust binary, installed here into target/bench-venv), timed with hyperfine.
# 2. A 100 MB generated log streamed through `authdoctor explain`: wall time and peak
#    memory (GNU time), to show it streams rather than loads.
# 3. 1 GB of input with no newline (one giant line): peak memory stays bounded.
# Needs: hyperfine (apt-get install hyperfine), /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p authdoctor
bin=target/release/authdoctor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x target/bench-venv/bin/aws-why ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install -q aws-why==0.5.0
fi

printf '%s\n' 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired' > "$work/one.log"
echo "== one message, whole process"
hyperfine -N --warmup 10 --runs 100 \
  "$bin explain $work/one.log" \
  "$bin explain --format json $work/one.log" \
  "target/bench-venv/bin/aws-why explain $work/one.log"

echo "== 100 MB log (one AWS error every 200 lines)"
python3 - "$work/big.log" <<'PY'
import sys
# Log text only: the benchmark reads these lines, nothing is sent anywhere.
errors = [
    "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
    "User: arn:aws:sts::123456789012:assumed-role/App/i-0123456789abcdef0 is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/worker because no identity-based policy allows the iam:PassRole action",
    "botocore.utils - DEBUG - Caught retryable HTTP exception while making metadata service request to http://169.254.169.254/latest/api/token: Read timeout on endpoint URL",
]
noise = "2026-11-23T08:00:00.123Z INFO  worker-3 processed batch 1842 in 12 ms (312 records)"
with open(sys.argv[1], "w") as f:
    written, i = 0, 0
    while written < 100 * 1024 * 1024:
        line = (errors[(i // 200) % 3] if i % 200 == 199 else noise) + "\n"
        f.write(line); written += len(line); i += 1
PY
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$bin" explain --format json "$work/big.log" > /dev/null

echo "== 1 GB, no newline (bounded memory)"
head -c 1073741824 /dev/zero | /usr/bin/time -f "wall %e s, peak RSS %M KiB" "$bin" explain --format json > /dev/null || true
