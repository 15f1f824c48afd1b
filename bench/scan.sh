#!/usr/bin/env bash
# Benchmark of `authdoctor scan` on a generated SYNTHETIC corpus (seeded; S3 layout,
# record shapes of the real data sets; crates/scan/src/corpus.rs), side by side with
# the jq one-liner people use for this and with `zcat > /dev/null`.
#
#   bash bench/scan.sh            # default: a 1 GiB (uncompressed) .json.gz corpus
#   MB=2048 bash bench/scan.sh    # another size
#
# 1. .json.gz corpus of $MB MiB uncompressed: scan (all cores, and --threads 1) vs
#    `zcat | jq` (the failure-group one-liner, the same filter as crates/scan/tests/jq.rs)
#    vs `zcat > /dev/null`, single-threaded, on the same files. Throughput is
#    uncompressed MB/s.
# 2. The same corpus as plain .json: scan throughput.
# 3. Peak RSS (GNU time) of scan on MB/10 and on MB: flat as the corpus grows 10x.
# 4. A 2 GiB single-line {"Records":[...]} file: streamed, bounded memory.
# Needs: jq, /usr/bin/time (apt-get install jq time). The machine may be shared: the
# load average is printed with the results.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-1024}
cargo build --release -q -p authdoctor
cargo build --release -q -p authdoctor-scan --example gen_corpus
bin=target/release/authdoctor
gen=target/release/examples/gen_corpus
work=${WORK:-$(mktemp -d)}
trap 'rm -rf "$work"' EXIT
codes=$(python3 -c 'import json,sys; c=["AccessDenied","AccessDeniedException","UnauthorizedOperation","UnauthorizedException","AuthFailure","AuthorizationError","NotAuthorized","ExpiredToken","ExpiredTokenException","RequestExpired","InvalidClientTokenId","UnrecognizedClientException","InvalidAccessKeyId","InvalidToken","SignatureDoesNotMatch","IncompleteSignature","InvalidSignatureException"]; print(json.dumps(c+["Client."+x for x in c]))')
filter='(if type == "object" then .Records else . end)[] | select(.errorCode as $c | $codes | index([$c])) | select(.errorMessage != "IAM user access not activated") | [.errorCode, .eventSource, .eventName, ([.userIdentity.arn, .userIdentity.invokedBy, .userIdentity.principalId, "unknown"] | map(select(. != null and . != "")) | first)] | @tsv'

# measure LABEL CMD...: wall-clock MB/s, and MB per CPU-second (user+sys of the whole
# pipeline), which the load of a shared machine distorts far less than wall time.
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" || true
  python3 - "$label" "$bytes" "$work/time" <<'PY'
import sys
label, b = sys.argv[1], int(sys.argv[2])
wall, user, sys_ = map(float, open(sys.argv[3]).read().split()[-3:])
print(f"{label:34s} {b/wall/1e6:8.1f} MB/s wall ({wall:.2f} s)   {b/(user+sys_)/1e6:8.1f} MB per CPU-second")
PY
}

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== generating $MB MiB (uncompressed) .json.gz and .json corpora"
"$gen" "$work/gz" --mb "$MB" --seed 1
"$gen" "$work/plain" --mb "$MB" --seed 1 --plain
bytes=$(python3 -c "import json; print(json.load(open('$work/gz/expected.json'))['uncompressed_bytes'])")
files=$(find "$work/gz/AWSLogs" -path '*/CloudTrail/*' -name '*.json.gz' | sort)
echo "   $(echo "$files" | wc -l) files, $bytes bytes uncompressed, $(du -sb "$work/gz/AWSLogs" | cut -f1) bytes on disk"
echo "$files" | xargs cat > /dev/null  # warm the page cache

echo "== .json.gz: uncompressed MB/s"
echo "$files" > "$work/list"
measure "zcat > /dev/null" sh -c "xargs zcat < $work/list > /dev/null"
measure "scan --threads 1" sh -c "$bin scan --format json --threads 1 $work/gz/AWSLogs > $work/scan1.json"
measure "scan ($(nproc) threads)" sh -c "$bin scan --format json $work/gz/AWSLogs > $work/scan.json"
if command -v jq > /dev/null; then
  printf '%s' "$codes" > "$work/codes.json"
  printf '%s' "$filter" > "$work/filter.jq"
  measure "zcat | jq one-liner" sh -c "xargs zcat < $work/list | jq -r --argjson codes \"\$(cat $work/codes.json)\" -f $work/filter.jq | sort | uniq -c > $work/jq.txt"
  python3 - "$work/scan.json" "$work/jq.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
mine = sum(f["count"] for f in doc["failures"])
theirs = sum(int(l.split(None, 1)[0]) for l in open(sys.argv[2]) if l.strip())
print(f"   failures: scan {mine}, jq {theirs}: {'equal' if mine == theirs else 'DIFFERENT'}")
PY
fi

echo "== .json (plain): MB/s"
find "$work/plain/AWSLogs" -name '*.json' -print0 | xargs -0 cat > /dev/null
measure "scan ($(nproc) threads)" sh -c "$bin scan --format json $work/plain/AWSLogs > /dev/null"
measure "scan --threads 1" sh -c "$bin scan --format json --threads 1 $work/plain/AWSLogs > /dev/null"

echo "== peak memory as the corpus grows 10x"
"$gen" "$work/small" --mb $((MB / 10)) --seed 2 > /dev/null
/usr/bin/time -f "scan $((MB / 10)) MiB: peak RSS %M KiB, wall %e s" "$bin" scan --format json "$work/small/AWSLogs" > /dev/null || true
/usr/bin/time -f "scan $MB MiB: peak RSS %M KiB, wall %e s" "$bin" scan --format json "$work/gz/AWSLogs" > /dev/null || true

echo "== 2 GiB single-line file (one {\"Records\":[...]} object)"
python3 - "$work/one-line.json" <<'PY'
import sys
rec = b'{"eventTime":"2026-11-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"},"requestParameters":{"bucketName":"b","key":"k"}}'
n = (2 << 30) // (len(rec) + 1)
with open(sys.argv[1], "wb") as f:
    f.write(b'{"Records":[')
    chunk = b",".join([rec] * 10000)
    for i in range(n // 10000):
        if i: f.write(b",")
        f.write(chunk)
    f.write(b"]}")
PY
/usr/bin/time -f "2 GiB one line: peak RSS %M KiB, wall %e s" "$bin" scan --format json "$work/one-line.json" > "$work/one.json" || true
python3 -c "import json; d=json.load(open('$work/one.json')); print('   records', d['records'], 'skipped', d['skipped_files'])"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
