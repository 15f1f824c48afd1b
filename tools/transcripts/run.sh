#!/usr/bin/env bash
# Regenerates the real-client transcript corpus in crates/explain/tests/transcripts/
# (see README.md beside this script).
#
#   bash tools/transcripts/run.sh                      # everything: build, then all runs
#   bash tools/transcripts/run.sh --only rust,go-v2    # some clients (manifest lines merged)
#   bash tools/transcripts/run.sh --cases hop-limit    # some cases
#   bash tools/transcripts/run.sh --install-system     # first apt-get the Debian clients
#   bash tools/transcripts/run.sh --jobs 3             # runs in parallel (default 3)
#
# Every client runs inside a fresh network namespace whose only interface is loopback
# (unshare --net); the driver checks that before the first run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/crates/explain/tests/transcripts"
build="$here/.build"
venv="$repo/.venv-transcripts"

install_system=0
partial=0
driver_args=()
for arg in "$@"; do
  case "$arg" in
    --install-system) install_system=1 ;;
    --only | --only=* | --cases | --cases=*) partial=1; driver_args+=("$arg") ;;
    *) driver_args+=("$arg") ;;
  esac
done

debian_packages=(awscli golang-go golang-github-aws-aws-sdk-go-dev
  golang-github-aws-aws-sdk-go-v2-dev golang-github-aws-smithy-go-dev squid tinyproxy privoxy
  ruby-aws-sdk-core ruby-aws-sdk-s3)
if [ "$install_system" = 1 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${debian_packages[@]}"
fi
for need in /usr/bin/aws /usr/bin/go /usr/share/gocode/src/github.com/aws/aws-sdk-go \
  /usr/share/gocode/src/github.com/aws/aws-sdk-go-v2 /usr/share/gocode/src/github.com/aws/smithy-go \
  /usr/sbin/squid /usr/bin/tinyproxy /usr/sbin/privoxy /usr/bin/ruby \
  /usr/lib/ruby/vendor_ruby/aws-sdk-s3.rb; do
  if [ ! -e "$need" ]; then
    echo "missing $need; run: apt-get install -y ${debian_packages[*]} (or pass --install-system)" >&2
    exit 2
  fi
done

echo "== Python clients (botocore, AWS CLI v1) in $venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"

echo "== JavaScript SDK v3 in $here/js/node_modules, v2 in $here/js-v2/node_modules"
(cd "$here/js" && npm install --no-audit --no-fund --silent)
(cd "$here/js-v2" && npm install --no-audit --no-fund --silent)

echo "== Go SDK v1 and v2 programs (Debian's sources, GOPATH mode, offline)"
mkdir -p "$build/gopath"
for v in v1 v2; do
  (cd "$here/go" && GO111MODULE=off GOFLAGS= GOPATH="/usr/share/gocode:$build/gopath" \
    GOCACHE="$build/gocache" go build -o "$build/go-$v-app" "./$v")
done

echo "== Rust SDK program (its own target dir; minutes on a cold build)"
# EC2 and S3 are opt-in: TRANSCRIPTS_RUST_FEATURES=ec2,s3 (aws-sdk-ec2 is a very long build).
cargo build --quiet --manifest-path "$here/rust/Cargo.toml" --target-dir "$here/rust/target" \
  --features "${TRANSCRIPTS_RUST_FEATURES:-}"

echo "== authdoctor (for emulate imds)"
cargo build --quiet -p authdoctor --manifest-path "$repo/Cargo.toml"
authdoctor="${CARGO_TARGET_DIR:-$repo/target}/debug/authdoctor"

# A full run replaces the corpus; a partial one (--only/--cases) merges into it.
if [ "$partial" = 0 ]; then
  rm -rf "$out"
fi
mkdir -p "$out"

if [ "$(id -u)" = 0 ]; then
  netns=(unshare --net --)
else
  netns=(unshare --map-root-user --net --)
fi
"${netns[@]}" python3 "$here/driver.py" --authdoctor "$authdoctor" --out "$out" "${driver_args[@]}"
