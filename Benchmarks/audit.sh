#!/usr/bin/env bash
# The audit log's durable append rate on SQLite (docs/performance.md): a release build of marina,
# `marina bench-audit` with several numbers of concurrent writers, each awaiting its record's
# commit before writing the next (group commit), then a full chain verification.
#   usage: Benchmarks/audit.sh [RECORDS]        (default 200000)
#   env:   MARINA_BIN=path                       use this marina binary instead of building one
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
records=${1:-200000}
export PATH="/opt/swift/usr/bin:$PATH"
bin=${MARINA_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && swift build -c release --product marina --scratch-path .build-release >/dev/null)
  bin="$root/.build-release/release/marina"
fi
work=$(mktemp -d /tmp/marina-audit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
for writers in 256 1024 2048 4096; do
  "$bin" bench-audit --data "$work" --records "$records" --writers "$writers"
done
