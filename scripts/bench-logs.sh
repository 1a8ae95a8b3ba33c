#!/usr/bin/env bash
# Benchmark: CloudWatch Logs PutLogEvents throughput through emul, against a
# baseline in the same run: the same batches appended to a local file with
# one fsync per batch (sdk-tests/src/bin/bench_logs.rs does both).
#
# Builds emul and the bench client in release mode, starts `emul serve` on a
# fresh state directory, runs the client at each concurrency, prints events/s
# and MB/s for both and the emul/baseline ratios, then stops emul.
#
# Usage: scripts/bench-logs.sh [BATCHES] [BATCH_EVENTS] [EVENT_BYTES] [CONCURRENCY...]
#   BATCHES       PutLogEvents calls per in-flight worker (default 200)
#   BATCH_EVENTS  events per call (default 500)
#   EVENT_BYTES   message size (default 120)
#   CONCURRENCY   calls in flight, one stream each (default: 1 4)
# Figures only: nothing here asserts on timing.
set -euo pipefail

BATCHES="${1:-200}"
EVENTS="${2:-500}"
BYTES="${3:-120}"
shift 3 || shift $# || true
CONCURRENCIES=("$@")
if [ "${#CONCURRENCIES[@]}" -eq 0 ]; then CONCURRENCIES=(1 4); fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"

echo "==> building emul and bench_logs (release)" >&2
cargo build --release --quiet -p emul --bin emul
cargo build --release --quiet -p sdk-tests --bin bench_logs
EMUL="$TARGET/release/emul"
BENCH="$TARGET/release/bench_logs"

WORK="$(mktemp -d -t emul-bench-logs.XXXXXX)"
EMUL_PID=""
cleanup() {
  [ -n "$EMUL_PID" ] && kill "$EMUL_PID" 2>/dev/null && wait "$EMUL_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The state directory and the baseline's files share one file system.
"$EMUL" serve --bind 127.0.0.1 --port 0 --state-dir "$WORK/emul-state" >"$WORK/emul.out" 2>"$WORK/emul.err" &
EMUL_PID=$!
for _ in $(seq 1 300); do
  grep -q '^emul ready: ' "$WORK/emul.out" 2>/dev/null && break
  sleep 0.1
done
EMUL_URL="$(sed -n 's/^emul ready: //p' "$WORK/emul.out")"
[ -n "$EMUL_URL" ] || { echo "emul did not start:" >&2; cat "$WORK/emul.err" >&2; exit 1; }

echo "==> emul $EMUL_URL (pid $EMUL_PID)" >&2
echo "machine: $(nproc) cores, $(uname -sr); $BATCHES batches x $EVENTS events x $BYTES bytes per worker" >&2

RESULTS="$WORK/results"
for c in "${CONCURRENCIES[@]}"; do
  "$BENCH" --endpoint "$EMUL_URL" --batches "$BATCHES" --batch-events "$EVENTS" \
    --event-bytes "$BYTES" --concurrency "$c" --baseline-dir "$WORK" | tee -a "$RESULTS" | grep -v '^RESULT'
done

echo
echo "emul / file+fsync (events/s ratio):"
awk '/^RESULT/ { eps[$2, $3] = $4; mbs[$2, $3] = $5; cs[$3] = 1 }
END {
  for (c in cs) {
    if (eps["file+fsync", c] > 0)
      printf "  c=%s: emul %.0f events/s (%.2f MB/s) = %.2fx the file+fsync baseline (%.0f events/s)\n",
        c, eps["emul", c], mbs["emul", c], eps["emul", c] / eps["file+fsync", c], eps["file+fsync", c]
  }
}' "$RESULTS"
