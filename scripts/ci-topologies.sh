#!/usr/bin/env bash
# The topology scenarios of the Docker test suite, run with emul placed as a user places it
# (issue 12): the suite itself runs emul as root on the host (mode (a)); this script runs the same
# scenarios with emul
#   container  in an unprivileged container that has only the Docker socket (mode (c)): what Docker
#              Desktop, rootless and remote engines look like to emul. Uses the top-level
#              docker-compose.yml exactly as a user does, with the image scripts/build-images.sh makes;
#   nonroot    as a non-root member of the `docker` group on the host (mode (b)), the binary given.
#
#  1. capabilities: workload containers get none, the ENI agents NET_ADMIN only; in a container, emul's
#     own container is not privileged and has no host network or PID namespace and no capability;
#  2. wechat: through the ALB on the host's loopback, a task reads its ECS metadata, fetches a secret
#     with the credentials from 169.254.170.2 at the AWS endpoint emul serves in the VPC, and reaches
#     RDS; the AWS CLI on the host reaches the endpoint; `emul status` and `emul verify`; (nonroot)
#     `emul tunnel` to RDS;
#  3. a rolling deployment of the frontend under load through the ALB: zero failed requests;
#  4. prod-infra: service discovery names resolve in a task, and `emul verify`;
#  5. `emul verify` on the other three seed fixtures;
#  6. down (in a container: `docker-compose down`, on which emul takes the topology down): nothing left.
#
# Usage: scripts/ci-topologies.sh container
#        scripts/ci-topologies.sh nonroot PATH/TO/emul     (as root, which creates the user)
# Needs docker-compose (container), the AWS CLI, python3 with boto3, curl, and the emul/ images
# (scripts/build-images.sh). Env: EMUL_CI_USER (nonroot; default emul-ci). Stops by itself; cleans
# up on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:?usage: scripts/ci-topologies.sh container | nonroot PATH/TO/emul}
COMPOSE=(docker-compose -p emul-ci-container -f "$ROOT/docker-compose.yml")
# compose's own HTTP timeout (60 s) is shorter than a `down -t 120` may need
# on a busy engine; the grace below bounds it.
export COMPOSE_HTTP_TIMEOUT=300
# emul's container of the fixture being run (its log is printed on failure,
# even once compose lost track of it).
EMUL_ID=
ALB=https://127.0.0.1:8443
AWS=(aws --endpoint-url http://127.0.0.1:4566 --region us-east-1 --output json)
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
USER_NAME=${EMUL_CI_USER:-emul-ci}
WORK=""

step() { printf '\n== %s: %s\n' "$MODE" "$*"; }
fail() { echo "ci-topologies ($MODE): $*" >&2; exit 1; }

FIXTURES=(wechat prod-infra fckdoomscroll rayman social-flow)
# The fixtures' database volumes outlive `down` (as `emul down` without --volumes keeps data);
# emul's state (the secrets, so the passwords) lives in emul-data, which this script removes too.
purge_volumes() {
    local f
    for f in "${FIXTURES[@]}"; do
        docker volume ls -q --filter "label=io.emul.project=$f" | xargs -r docker volume rm >/dev/null
    done
}
cleanup() {
    local status=$?
    if [[ $MODE == container ]]; then
        if ((status != 0)); then
            echo "--- emul's container log (last 80 lines)" >&2
            [[ -n $EMUL_ID ]] && docker logs --tail 80 "$EMUL_ID" >&2 2>&1
            echo "--- what is left of ${CURRENT:-the project}" >&2
            docker ps -a --filter "label=io.emul.project=${CURRENT:-none}" \
                --format '{{.Names}} {{.Status}}' >&2 2>&1 || true
            docker ps -a --filter "id=$EMUL_ID" --format '{{.Names}} {{.Status}}' >&2 2>&1 || true
        fi
        "${COMPOSE[@]}" down --volumes -t 120 >/dev/null 2>&1 || true
    elif [[ -n $WORK ]]; then
        local f
        if ((status != 0)); then tail -40 "$WORK/up.log" >&2 2>/dev/null || true; fi
        for f in "${FIXTURES[@]}"; do as_user ./emul down --topology "$f.yaml" >/dev/null 2>&1 || true; done
        rm -rf "$WORK"
    fi
    purge_volumes || true
    exit "$status"
}
trap cleanup EXIT

case $MODE in
    container)
        command -v docker-compose >/dev/null || fail "docker-compose is not installed"
        docker image inspect emul/emul:latest >/dev/null 2>&1 || fail "no emul/emul image: run scripts/build-images.sh --only emul"
        ;;
    nonroot)
        BIN=$(readlink -f "${2:?usage: scripts/ci-topologies.sh nonroot PATH/TO/emul}")
        [[ $(id -u) == 0 ]] || fail "run as root (it creates $USER_NAME)"
        id "$USER_NAME" >/dev/null 2>&1 || useradd --create-home --groups docker "$USER_NAME"
        id -nG "$USER_NAME" | grep -qw docker || usermod -aG docker "$USER_NAME"
        WORK=$(mktemp -d)
        chmod 755 "$WORK"
        cp "$ROOT"/fixtures/topologies/*.yaml "$BIN" "$WORK/"
        chown -R "$USER_NAME" "$WORK"
        ;;
    *) fail "the mode is container or nonroot" ;;
esac
as_user() { runuser -u "$USER_NAME" -- env -C "$WORK" HOME="$WORK" "$@"; }

# Brings FIXTURE up and waits for "emul ready" (up --wait: data stores, ECS services and target
# groups); `emul_log` then prints what `up` printed.
up() {
    local fixture=$1 started
    started=$(date +%s)
    CURRENT=$fixture
    if [[ $MODE == nonroot ]]; then
        as_user ./emul up -d --wait --pull never --timeout 300 --topology "$fixture.yaml" >"$WORK/up.log" 2>&1 \
            || fail "emul up of $fixture failed"
        echo "$fixture ready in $(( $(date +%s) - started )) s"
        return 0
    fi
    EMUL_FIXTURE=$fixture "${COMPOSE[@]}" up -d --no-build >/dev/null
    local id; id=$("${COMPOSE[@]}" ps -q emul)
    EMUL_ID=$id
    for _ in $(seq 1 300); do
        if docker logs "$id" 2>&1 | grep -q '^emul ready: '; then
            echo "$fixture ready in $(( $(date +%s) - started )) s"
            return 0
        fi
        [[ $(docker inspect -f '{{.State.Running}}' "$id") == true ]] || fail "emul exited while bringing $fixture up"
        sleep 1
    done
    fail "$fixture not ready in 300 s"
}
down() {
    if [[ $MODE == nonroot ]]; then as_user ./emul down --topology "$CURRENT.yaml" >/dev/null
    else "${COMPOSE[@]}" down -t 120 >/dev/null; fi
}
in_emul() {
    if [[ $MODE == nonroot ]]; then as_user ./emul "$@" --topology "$CURRENT.yaml"
    else "${COMPOSE[@]}" exec -T emul emul "$@"; fi
}
emul_log() {
    if [[ $MODE == nonroot ]]; then cat "$WORK/up.log"
    else docker logs "$("${COMPOSE[@]}" ps -q emul)" 2>&1; fi
}
https_json() { curl -sk --max-time 15 "$ALB$1"; }

[[ $MODE == container ]] && "${COMPOSE[@]}" down --volumes -t 120 >/dev/null 2>&1
purge_volumes

step "up (wechat)"
up wechat

if [[ $MODE == container ]]; then
    step "the container has the Docker socket and nothing else of the host"
    id=$("${COMPOSE[@]}" ps -q emul)
    shape=$(docker inspect -f 'privileged={{.HostConfig.Privileged}} network={{.HostConfig.NetworkMode}} pid={{.HostConfig.PidMode}} cap_add={{.HostConfig.CapAdd}}' "$id")
    echo "$shape"
    [[ $shape == 'privileged=false network=emul-ci-container_default pid= cap_add=[]' ]] \
        || fail "emul's container is not an unprivileged one"
    docker inspect -f '{{range $n, $_ := .NetworkSettings.Networks}}{{$n}}={{.IPAddress}} {{end}}' "$id"
else
    step "the daemon runs as $USER_NAME"
    pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$WORK/.emul/wechat/daemon.json")
    owner=$(ps -o user= -p "$pid")
    [[ $owner == "$USER_NAME" ]] || fail "the daemon runs as $owner, not $USER_NAME"
    echo "daemon pid $pid runs as $owner"
fi
for c in $(docker ps -q --filter label=io.emul.project=wechat); do
    kind=$(docker inspect -f '{{index .Config.Labels "io.emul.kind"}}' "$c")
    caps=$(docker inspect -f '{{.HostConfig.CapAdd}} {{.HostConfig.Privileged}}' "$c")
    if [[ $kind == pause ]]; then want='[NET_ADMIN] false'; else want='[] false'; fi
    [[ $caps == "$want" ]] || fail "container $c ($kind) has capabilities $caps, want $want"
done
echo "workloads: no added capability; ENI agents: NET_ADMIN only"

step "through the ALB on the host's loopback: metadata, a secret, RDS"
who=$(https_json /whoami)
secret=$(https_json '/aws/secret?id=wechat/database')
# `emul up` printed the endpoint names ("  rds wechat-db   <name>:5432 (<ip>)").
db_host=$(emul_log | sed -n 's/^  rds wechat-db *\([^ ]*\):5432 .*/\1/p' | tail -1)
[[ -n $db_host ]] || fail "emul up printed no RDS endpoint"
rds=$(https_json "/connect?host=$db_host&port=5432&timeout_ms=5000")
python3 - "$who" "$secret" "$rds" <<'PY'
import json, sys
who, secret, rds = (json.loads(a) for a in sys.argv[1:])
assert (who.get("task_arn") or "").startswith("arn:aws:ecs:"), f"the task found no metadata: {who}"
assert who["peer_ip"].startswith("10.0."), f"the task's peer is not the ALB's ENI: {who}"
assert secret.get("ok") is True and secret.get("name") == "wechat/database", f"the task could not read its secret: {secret}"
assert secret.get("endpoint_url", "").startswith("http://10.0.0."), f"the task's AWS endpoint is not emul's VPC address: {secret}"
assert rds.get("connected") is True, f"the task could not reach RDS: {rds}"
print("task", who["task_arn"], "answered from", who["peer_ip"], "| secret read through", secret["endpoint_url"], "| RDS at", rds.get("remote_addr"))
PY
"${AWS[@]}" ecs describe-services --cluster wechat-cluster --services wechat-frontend-service \
    --query 'services[0].[serviceName,runningCount,desiredCount]' --output text
status=$(in_emul status)
echo "$status" | head -12
echo "$status" | grep -E "^rds/wechat-db " | grep -q accepting || fail "RDS not accepting per emul status"
in_emul verify | tail -3

if [[ $MODE == nonroot ]]; then
    step "emul tunnel to RDS"
    as_user sh -c './emul tunnel --topology wechat.yaml wechat-db --port 26101 >tunnel.log 2>&1 & echo $! >tunnel.pid'
    for _ in $(seq 1 50); do grep -q "emul tunnel: 127.0.0.1:26101" "$WORK/tunnel.log" && break; sleep 0.2; done
    cat "$WORK/tunnel.log"
    timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/26101' || fail "the tunnel did not connect"
    kill "$(cat "$WORK/tunnel.pid")"
fi

step "rolling deployment of the frontend under load through the ALB"
python3 - <<'PY'
import json, ssl, threading, time, urllib.request
import boto3
ecs = boto3.client("ecs", endpoint_url="http://127.0.0.1:4566", region_name="us-east-1")
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ok, failed, tasks, stop = 0, [], set(), threading.Event()
def load():
    global ok
    while not stop.is_set():
        try:
            with urllib.request.urlopen("https://127.0.0.1:8443/whoami", context=ctx, timeout=10) as r:
                tasks.add(json.load(r)["task_arn"]); ok += 1
        except Exception as e:  # any non-2xx or connection error is a failed request
            failed.append(repr(e))
threads = [threading.Thread(target=load) for _ in range(4)]
for t in threads: t.start()
time.sleep(2)
cluster, service = "wechat-cluster", "wechat-frontend-service"
# AWS's default deregistration delay (300 s) would keep the old tasks draining for five minutes.
elbv2 = boto3.client("elbv2", endpoint_url="http://127.0.0.1:4566", region_name="us-east-1")
tg = elbv2.describe_target_groups(Names=["wechat-frontend"])["TargetGroups"][0]["TargetGroupArn"]
elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
before = set(ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"])
ecs.update_service(cluster=cluster, service=service, forceNewDeployment=True)
deadline = time.time() + 240
while time.time() < deadline:
    s = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    now = set(ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"])
    if len(s["deployments"]) == 1 and s["deployments"][0].get("rolloutState") == "COMPLETED" and not (now & before) and s["runningCount"] == s["desiredCount"]:
        break
    time.sleep(1)
else:
    stop.set(); raise SystemExit(f"the deployment did not complete in 240 s: {s['deployments']}")
time.sleep(2)
stop.set()
for t in threads: t.join()
print(f"{ok} requests, {len(failed)} failed; {len(tasks)} tasks answered; old tasks {len(before)} all replaced")
assert not failed, f"failed requests during the deployment: {failed[:5]}"
assert tasks - before, "no request reached a new task"
PY
down

step "prod-infra: service discovery in a task, verify"
up prod-infra
for name in ai-service redis qdrant; do
    r=$(https_json "/resolve?name=$name.prod-infra-production.local")
    echo "$name: $r"
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r.get("addresses"), r' "$r" \
        || fail "$name.prod-infra-production.local did not resolve in the task"
done
in_emul verify | tail -2
down

for fixture in fckdoomscroll rayman social-flow; do
    step "$fixture: verify"
    up "$fixture"
    in_emul verify | tail -2
    down
done

step "down removed everything"
left=$(docker ps -aq --filter label=io.emul.project | wc -l)
nets=$(docker network ls -q --filter label=io.emul.project | wc -l)
[[ $left == 0 && $nets == 0 ]] || fail "$left containers and $nets networks left"
echo "$MODE run: all good"
