#!/usr/bin/env bash
# Benchmark the ALB data plane: requests/s and p50/p99 latency with the same
# load generator (wrk) against the same upstream, three ways:
#   direct  - straight to the upstream HTTP server
#   alb     - through emul's ALB listener (rule match, target pick, X-Forwarded-*, pooled upstream)
#   nginx   - through nginx (Debian) configured as a keep-alive reverse proxy to the upstream
# The upstream and the ALB run in one release-built process
# (emulator/tests/alb_bench_server.rs); nginx runs from a generated config.
#
# Usage: scripts/bench-alb.sh [DURATION_S=10] [CONNECTIONS=32] [THREADS=2]
# Needs: wrk and nginx (`apt-get install -y wrk nginx`).
set -euo pipefail

DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
THREADS="${3:-2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
BENCH_PID=""
NGINX_PID=""

cleanup() {
    touch "$WORK/stop"
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    if [ -n "$BENCH_PID" ]; then
        for _ in $(seq 1 30); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.1; done
        kill "$BENCH_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk nginx cargo; do
    command -v "$tool" >/dev/null || { echo "bench-alb: $tool not found (apt-get install -y wrk nginx)" >&2; exit 2; }
done

echo "building the bench server (release)..." >&2
BIN="$(cd "$ROOT" && cargo test --release -p emul --test alb_bench_server --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*alb_bench_server[^"]*"' | tail -1 | cut -d'"' -f4)"
[ -x "$BIN" ] || { echo "bench-alb: could not build the bench server" >&2; exit 1; }

EMUL_BENCH_URLS="$WORK/urls" EMUL_BENCH_STOP="$WORK/stop" \
    "$BIN" --ignored --exact alb_bench_server >"$WORK/server.log" 2>&1 &
BENCH_PID=$!
for _ in $(seq 1 300); do [ -s "$WORK/urls" ] && break; sleep 0.1; done
[ -s "$WORK/urls" ] || { echo "bench-alb: server did not start"; cat "$WORK/server.log"; exit 1; } >&2
UPSTREAM="$(grep '^UPSTREAM=' "$WORK/urls" | cut -d= -f2)"
ALB="$(grep '^ALB=' "$WORK/urls" | cut -d= -f2)"
UP_HOSTPORT="${UPSTREAM#http://}"

NGINX_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    upstream app { server $UP_HOSTPORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Port \$server_port;
        }
    }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
NGINX="http://127.0.0.1:$NGINX_PORT"
for _ in $(seq 1 50); do curl -sf "$NGINX/" >/dev/null 2>&1 && break; sleep 0.1; done

# wrk latency → milliseconds.
to_ms() {
    python3 -c '
import re,sys
v=sys.argv[1]; m=re.match(r"([0-9.]+)(us|ms|s)$", v)
n=float(m.group(1)); u=m.group(2)
print("%.3f" % (n/1000 if u=="us" else n*1000 if u=="s" else n))' "$1"
}

declare -A RPS P50 P99
for name in direct alb nginx; do
    case "$name" in direct) url="$UPSTREAM/";; alb) url="$ALB/";; nginx) url="$NGINX/";; esac
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null   # warm-up
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")"
    errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
    [ -n "$errors" ] && echo "bench-alb: $name: $errors" >&2
    RPS[$name]="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
    P50[$name]="$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")"
    P99[$name]="$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")"
done

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, GET / (5-byte body), loopback, $(nproc) cores"
printf '| path | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n'
for name in direct alb nginx; do
    printf '| %s | %.0f | %s | %s |\n' "$name" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}"
done
python3 - "${RPS[direct]}" "${RPS[alb]}" "${RPS[nginx]}" "${P50[alb]}" "${P50[nginx]}" "${P99[alb]}" "${P99[nginx]}" <<'PY'
import sys
d,a,n,a50,n50,a99,n99=map(float,sys.argv[1:])
print(f"\nratios: alb/direct throughput {a/d:.2f}, alb/nginx throughput {a/n:.2f}, "
      f"alb/nginx p50 {a50/n50:.2f}, alb/nginx p99 {a99/n99:.2f}")
PY
