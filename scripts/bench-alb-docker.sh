#!/usr/bin/env bash
# The ALB on Docker, as `emul up` runs it: requests/s and p50/p99 through the
# ALB listener (published on 127.0.0.1) vs. straight to the task's address, same
# run, same load generator (wrk), same task (the test app's GET /health, a tiny
# body). The ALB's upstream connections are the sockets its ENI's agent opened
# and handed over (docs/decisions/0011): this measures what that costs.
#
# Usage: scripts/bench-alb-docker.sh [EMUL_BIN=target/release/emul] [DURATION_S=10] [CONNECTIONS=32]
#        EMUL_BENCH_MODE=container scripts/bench-alb-docker.sh - [DURATION_S] [CONNECTIONS]
# The second form runs emul in a container (the emul/emul image, as docker-compose.yml does: only
# the Docker socket, the listener published on 127.0.0.1), mode (c) of docs/decisions/0011.
# Needs: a Docker engine, the images (scripts/build-images.sh), wrk
# (`apt-get install -y wrk`). Run it as the user who should run emul (root or
# a member of the docker group). Stops by itself; `emul down` runs on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE="${EMUL_BENCH_MODE:-host}"
BIN="$(readlink -f "${1:-$ROOT/target/release/emul}")"
DURATION="${2:-10}"
CONNECTIONS="${3:-32}"
WORK="$(mktemp -d)"
PORT_API=26200
PORT_HTTP=26201

command -v wrk >/dev/null || { echo "bench-alb-docker: wrk not found (apt-get install -y wrk)" >&2; exit 2; }
case $MODE in
    host) [ -x "$BIN" ] || { echo "bench-alb-docker: $BIN is not an emul binary (cargo build --release)" >&2; exit 2; } ;;
    container) docker image inspect emul/emul:latest >/dev/null 2>&1 \
        || { echo "bench-alb-docker: no emul/emul image (scripts/build-images.sh --only emul)" >&2; exit 2; } ;;
    *) echo "bench-alb-docker: EMUL_BENCH_MODE is host or container" >&2; exit 2 ;;
esac
CONTAINER=emul-bench-alb-emul
VOLUME=emul-bench-alb-agents

cat >"$WORK/t.yaml" <<YAML
name: emul-bench-alb
region: us-east-1
vpc:
  cidr_block: 10.197.0.0/16
  subnets:
    - { name: public-a,  cidr_block: 10.197.1.0/24,  availability_zone: us-east-1a, public: true }
    - { name: public-b,  cidr_block: 10.197.2.0/24,  availability_zone: us-east-1b, public: true }
    - { name: private-a, cidr_block: 10.197.10.0/24, availability_zone: us-east-1a }
security_groups:
  - name: alb-sg
    ingress:
      - { protocol: tcp, port: 80, cidr_blocks: [0.0.0.0/0] }
  - name: app-sg
    ingress:
      - { protocol: tcp, port: 8080, security_groups: [alb-sg] }
      # The baseline: the host straight to the task.
      - { protocol: tcp, port: 8080, cidr_blocks: [0.0.0.0/0] }
ecs_cluster:
  name: bench
  services:
    - name: app
      desired_count: 1
      subnets: [private-a]
      security_groups: [app-sg]
      load_balancers:
        - { target_group: app-tg, container_name: app, container_port: 8080 }
      task_definition:
        cpu: 1024
        memory: 2048
        container_definitions:
          - name: app
            image: emul/testapp:latest
            port_mappings: [{ container_port: 8080 }]
            environment: { PORT: "8080" }
target_groups:
  - name: app-tg
    port: 8080
    target_type: ip
    health_check: { path: /health, interval: 5, timeout: 2, healthy_threshold: 2 }
load_balancers:
  - name: bench-alb
    subnets: [public-a, public-b]
    security_groups: [alb-sg]
    listeners:
      - port: 80
        protocol: HTTP
        host_port: $PORT_HTTP
        default_action:
          forward: { target_group: app-tg }
YAML

cleanup() {
    if [ "$MODE" = container ]; then
        # SIGTERM: the daemon takes the topology down before it exits.
        docker stop -t 120 "$CONTAINER" >/dev/null 2>&1 || true
        docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
        docker volume rm "$VOLUME" >/dev/null 2>&1 || true
    else
        "$BIN" down --topology "$WORK/t.yaml" --volumes >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$MODE" = container ]; then
    echo "emul up in a container (emul/emul, Docker socket only)..." >&2
    chmod 755 "$WORK"
    docker run -d --name "$CONTAINER" --label io.emul.test=1 \
        -v /var/run/docker.sock:/var/run/docker.sock -v "$WORK:/work:ro" -v "$VOLUME:/run/emul-agents" \
        -e EMUL_CONTAINER=self -e EMUL_AGENT_VOLUME="$VOLUME" -e EMUL_STATE_DIR=/var/lib/emul/state \
        -p "127.0.0.1:$PORT_API:$PORT_API" -p "127.0.0.1:$PORT_HTTP:$PORT_HTTP" \
        emul/emul:latest up --wait --pull never --timeout 180 --port "$PORT_API" --topology /work/t.yaml >/dev/null
    for _ in $(seq 1 240); do
        docker logs "$CONTAINER" 2>&1 | grep -q '^emul ready: ' && break
        [ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] \
            || { docker logs "$CONTAINER" >&2; echo "bench-alb-docker: emul exited" >&2; exit 1; }
        sleep 1
    done
    docker logs "$CONTAINER" 2>&1 | grep -q '^emul ready: ' || { echo "bench-alb-docker: not ready in 240 s" >&2; exit 1; }
else
    echo "emul up ($BIN as $(id -un))..." >&2
    "$BIN" up -d --wait --pull never --timeout 180 --port "$PORT_API" --topology "$WORK/t.yaml" >&2
fi
# The task's address is its ENI's (the agent container the app joined).
ENI="$(docker ps -q --filter label=io.emul.project=emul-bench-alb \
    --filter label=io.emul.ecs.service=app --filter label=io.emul.kind=pause | head -1)"
TASK_IP="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$ENI")"
[ -n "$TASK_IP" ] || { echo "bench-alb-docker: no task address" >&2; exit 1; }

run() { # name url -> "rps p50_ms p99_ms"
    wrk -t2 -c1 -d1s "$2" >/dev/null 2>&1 || true # warm the pool
    local out
    out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2")"
    local rps p50 p99
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
    p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
    echo "$1 $rps $p50 $p99"
}

to_ms() { # wrk's 1.23ms / 456.00us / 1.2s -> ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

direct="$(run direct "http://$TASK_IP:8080/health")"
alb="$(run alb "http://127.0.0.1:$PORT_HTTP/health")"
lines=("$direct" "$alb")
if [ "$MODE" = container ]; then
    # The same listener at the container's own address: what emul costs without the engine's
    # port publishing (docker-proxy relays every published loopback connection).
    EMUL_IP="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$CONTAINER" | tr ' ' '\n' | grep -v '^10\.197\.' | grep . | head -1)"
    lines+=("$(run alb-unpublished "http://$EMUL_IP:$PORT_HTTP/health")")
fi
printf '%-16s %12s %10s %10s\n' path "requests/s" "p50 ms" "p99 ms"
for line in "${lines[@]}"; do
    read -r name rps p50 p99 <<<"$line"
    printf '%-16s %12s %10s %10s\n' "$name" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")"
done
read -r _ drps _ _ <<<"$direct"
read -r _ arps _ _ <<<"$alb"
awk -v a="$arps" -v d="$drps" 'BEGIN { printf "alb / direct: %.2fx requests/s (%d connections, %ss, task %s, emul on the %s)\n", a / d, '"$CONNECTIONS"', '"$DURATION"', "'"$TASK_IP"'", "'"$MODE"'" }'
