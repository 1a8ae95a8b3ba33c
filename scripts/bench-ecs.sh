#!/usr/bin/env bash
# Times ECS under `emul up`: CreateService (desired 5, behind the ALB's target
# group) → all 5 tasks RUNNING → all 5 targets healthy in DescribeTargetHealth,
# next to a plain-Docker baseline in the same run (5 `docker run` of the same
# image on one network, polled until each answers /health), and reads the
# daemon's resident memory with the wechat seed up and with the 5 extra tasks.
#
#   scripts/bench-ecs.sh [ROUNDS]        (default 3)
#
# Needs the images from scripts/build-images.sh, curl and jq. Uses a release
# build of emul ($CARGO_TARGET_DIR/release/emul, built if missing; EMUL_BIN
# overrides). The target group's health check is set to interval 5 s (timeout 2 s), healthy
# threshold 2; a newly registered target is healthy after its first passing
# check (as on AWS), so "healthy" is RUNNING + the first check. Cleans up
# everything it made on exit.
set -euo pipefail
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
EMUL=${EMUL_BIN:-$TARGET/release/emul}
[ -x "$EMUL" ] || (cd "$ROOT" && cargo build -q --release -p emul)
WORK=$(mktemp -d)
TOPO=$WORK/wechat-bench-ecs.yaml
PORT=${BENCH_PORT:-14597}
API=http://127.0.0.1:$PORT
BASE_NET=emul-bench-ecs-baseline

# The wechat fixture: its own name, CIDR and listener ports, Single-AZ.
sed -e 's/^name: wechat$/name: emul-bench-ecs/' -e 's/10\.0\./10.94./g' \
    -e 's/^    multi_az: true$/    multi_az: false/' \
    -e 's/^      - port: 80$/      - port: 80\n        host_port: 18597/' \
    -e 's/^      - port: 443$/      - port: 443\n        host_port: 18598/' \
    "$ROOT/fixtures/topologies/wechat.yaml" > "$TOPO"

cleanup() {
  "$EMUL" down --volumes --topology "$TOPO" >/dev/null 2>&1 || true
  docker rm -f $(docker ps -aq --filter label=io.emul.bench=ecs) >/dev/null 2>&1 || true
  docker network rm "$BASE_NET" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
ecs() { curl -sf "$API/" -H 'Content-Type: application/x-amz-json-1.1' \
          -H "X-Amz-Target: AmazonEC2ContainerServiceV20141113.$1" -d "$2"; }
elbv2() { curl -sf "$API/" -H 'Content-Type: application/x-www-form-urlencoded' \
          -d "Version=2015-12-01&$1"; }
until_true() { # what limit_s command...
  local what=$1 limit=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench-ecs: timed out waiting for $what" >&2; exit 1; }
    sleep 0.05
  done
}
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$(jq .pid "$WORK/.emul/emul-bench-ecs/daemon.json")/status"; }
running() { # service count
  [ "$(ecs DescribeServices "{\"cluster\":\"wechat-cluster\",\"services\":[\"$1\"]}" \
       | jq '.services[0].runningCount')" = "$2" ]
}
healthy_targets() { # tg-arn count
  [ "$(elbv2 "Action=DescribeTargetHealth&TargetGroupArn=$1" | grep -o '<State>healthy</State>' | wc -l)" = "$2" ]
}

"$EMUL" up -d --wait --pull never --port "$PORT" --topology "$TOPO" >/dev/null
until_true "the seed's services" 180 running wechat-frontend-service 2
until_true "the seed's services" 180 running wechat-backend-service 2
TG=$(elbv2 "Action=DescribeTargetGroups&Names.member.1=wechat-frontend" \
     | sed -n 's|.*<TargetGroupArn>\(.*\)</TargetGroupArn>.*|\1|p' | head -1)
elbv2 "Action=ModifyTargetGroup&TargetGroupArn=$TG&HealthCheckIntervalSeconds=5&HealthCheckTimeoutSeconds=2&HealthyThresholdCount=2" >/dev/null
until_true "the seed's targets" 120 healthy_targets "$TG" 2
sleep 2
RSS_SEED=$(rss_mib)

printf '%-6s %-44s %8s\n' round measurement seconds
declare -a E_RUN E_HEALTHY B_READY
for r in $(seq 1 "$ROUNDS"); do
  t0=$(now)
  ecs CreateService "{\"cluster\":\"wechat-cluster\",\"serviceName\":\"bench$r\",
    \"taskDefinition\":\"wechat-frontend-task\",\"desiredCount\":5,\"launchType\":\"FARGATE\",
    \"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"private-1a\",\"private-1b\"],\"securityGroups\":[\"ecs-sg\"]}},
    \"loadBalancers\":[{\"targetGroupArn\":\"$TG\",\"containerName\":\"frontend\",\"containerPort\":8080}]}" >/dev/null
  until_true "bench$r running" 180 running "bench$r" 5; t1=$(now)
  until_true "bench$r healthy" 180 healthy_targets "$TG" 7; t2=$(now)
  E_RUN+=("$(secs "$t0" "$t1")"); E_HEALTHY+=("$(secs "$t0" "$t2")")
  [ "$r" = 1 ] && { sleep 2; RSS_BENCH=$(rss_mib); }
  ecs UpdateService "{\"cluster\":\"wechat-cluster\",\"service\":\"bench$r\",\"desiredCount\":0}" >/dev/null
  ecs DeleteService "{\"cluster\":\"wechat-cluster\",\"service\":\"bench$r\",\"force\":true}" >/dev/null
  until_true "bench$r gone" 400 healthy_targets "$TG" 2

  # Baseline: the same image, 5 containers, one network, no ENIs, no ALB.
  docker network create --subnet 10.95.0.0/24 --label io.emul.bench=ecs "$BASE_NET" >/dev/null
  t0=$(now)
  for i in 1 2 3 4 5; do
    docker run -d --label io.emul.bench=ecs --network "$BASE_NET" --ip "10.95.0.1$i" \
      -e PORT=8080 emul/testapp:latest >/dev/null &
  done
  wait
  for i in 1 2 3 4 5; do
    until_true "baseline $i" 60 curl -sf -o /dev/null "http://10.95.0.1$i:8080/health"
  done
  t1=$(now); B_READY+=("$(secs "$t0" "$t1")")
  docker rm -f $(docker ps -aq --filter label=io.emul.bench=ecs) >/dev/null
  docker network rm "$BASE_NET" >/dev/null

  printf '%-6s %-44s %8s\n' "$r" "emul CreateService(5) -> 5 RUNNING" "${E_RUN[-1]}"
  printf '%-6s %-44s %8s\n' "$r" "emul CreateService(5) -> 5 targets healthy" "${E_HEALTHY[-1]}"
  printf '%-6s %-44s %8s\n' "$r" "docker run x5 -> 5 answer /health" "${B_READY[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
er=$(median "${E_RUN[@]}"); eh=$(median "${E_HEALTHY[@]}"); br=$(median "${B_READY[@]}")
echo
echo "median of $ROUNDS rounds:"
printf '  to RUNNING:  emul %6.2fs   docker run %6.2fs   emul/docker %.2f\n' "$er" "$br" "$(echo "$er / $br" | bc -l)"
printf '  to healthy:  emul %6.2fs   (a new target is healthy after its first passing check)\n' "$eh"
echo "daemon VmRSS: wechat up ${RSS_SEED} MiB; with 5 more tasks ${RSS_BENCH} MiB"
