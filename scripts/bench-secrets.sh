#!/usr/bin/env bash
# Benchmark: emul vs moto for Secrets Manager GetSecretValue / PutSecretValue.
#
# Builds emul and the SDK bench client (sdk-tests/src/bin/bench_secrets.rs) in
# release mode, starts `emul serve` and `moto_server` on loopback, runs the
# same client with the same requests against each, prints throughput and
# p50/p99 latency for both and the emul/moto ratios, then stops both servers.
#
# Usage: scripts/bench-secrets.sh [COUNT] [CONCURRENCY...]
#   COUNT         requests per operation and run (default 2000)
#   CONCURRENCY   requests in flight (default: 1 8)
# Needs: cargo, and moto's server (`pip install 'moto[server]'`).
# Figures only: nothing here asserts on timing.
set -euo pipefail

COUNT="${1:-2000}"
shift || true
CONCURRENCIES=("$@")
if [ "${#CONCURRENCIES[@]}" -eq 0 ]; then CONCURRENCIES=(1 8); fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cd "$ROOT"

command -v moto_server >/dev/null || { echo "moto_server not found: pip install 'moto[server]'" >&2; exit 1; }

echo "==> building emul and bench_secrets (release)" >&2
cargo build --release --quiet -p emul --bin emul
cargo build --release --quiet -p sdk-tests --bin bench_secrets
EMUL="$TARGET/release/emul"
BENCH="$TARGET/release/bench_secrets"

WORK="$(mktemp -d -t emul-bench.XXXXXX)"
EMUL_PID=""
MOTO_PID=""
cleanup() {
  [ -n "$EMUL_PID" ] && kill "$EMUL_PID" 2>/dev/null && wait "$EMUL_PID" 2>/dev/null || true
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# emul: let the OS pick the port and read it from the ready line.
"$EMUL" serve --bind 127.0.0.1 --port 0 --state-dir "$WORK/emul-state" >"$WORK/emul.out" 2>"$WORK/emul.err" &
EMUL_PID=$!
for _ in $(seq 1 300); do
  grep -q '^emul ready: ' "$WORK/emul.out" 2>/dev/null && break
  sleep 0.1
done
EMUL_URL="$(sed -n 's/^emul ready: //p' "$WORK/emul.out")"
[ -n "$EMUL_URL" ] || { echo "emul did not start:" >&2; cat "$WORK/emul.err" >&2; exit 1; }

# moto: pick a free loopback port, start it, wait until it answers.
MOTO_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$MOTO_PORT") 2>/dev/null && break
  sleep 0.1
done

echo "==> emul $EMUL_URL (pid $EMUL_PID), moto $MOTO_URL (pid $MOTO_PID)" >&2
echo "machine: $(nproc) cores, $(uname -sr); count=$COUNT per operation" >&2

RESULTS="$WORK/results"
for c in "${CONCURRENCIES[@]}"; do
  "$BENCH" --endpoint "$EMUL_URL" --label emul --count "$COUNT" --concurrency "$c" | tee -a "$RESULTS" | grep -v '^RESULT'
  "$BENCH" --endpoint "$MOTO_URL" --label moto --count "$COUNT" --concurrency "$c" | tee -a "$RESULTS" | grep -v '^RESULT'
done

echo
echo "emul/moto (throughput ratio; latency ratio = moto p50 / emul p50):"
awk '/^RESULT/ {
  key = $3 " c=" $4
  ops[$2, key] = $5; p50[$2, key] = $6; p99[$2, key] = $7; keys[key] = 1
}
END {
  for (k in keys) {
    if (ops["moto", k] > 0 && p50["emul", k] > 0)
      printf "  %-22s throughput x%.1f   p50 x%.1f   p99 x%.1f\n", k, ops["emul", k] / ops["moto", k], p50["moto", k] / p50["emul", k], p99["moto", k] / p99["emul", k]
  }
}' "$RESULTS" | sort
