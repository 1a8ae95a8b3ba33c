#!/usr/bin/env bash
# emul run by a non-root member of the `docker` group (issue 12, mode (b)):
# the wechat seed comes up, a request through the ALB reaches a task (the ALB's
# upstream socket is opened by its ENI agent), the task reads its own ECS
# metadata (169.254.170.2, DNAT-ed by its agent to emul), `emul status` probes the
# data stores, `emul verify` proves every security-group pair, `emul tunnel`
# reaches RDS, and `down` removes it all.
#
# Usage (as root, which creates the user): scripts/ci-nonroot.sh PATH/TO/emul
# Env: EMUL_CI_USER (default emul-ci). Stops by itself; cleans up on failure.
set -euo pipefail

BIN=$(readlink -f "${1:?usage: scripts/ci-nonroot.sh PATH/TO/emul}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
USER_NAME=${EMUL_CI_USER:-emul-ci}
PROJECT=emul-ci-nonroot
API_PORT=26100

[ "$(id -u)" = 0 ] || { echo "ci-nonroot: run as root (it creates $USER_NAME)" >&2; exit 2; }
id "$USER_NAME" >/dev/null 2>&1 || useradd --create-home --groups docker "$USER_NAME"
id -nG "$USER_NAME" | grep -qw docker || usermod -aG docker "$USER_NAME"

WORK=$(mktemp -d)
chmod 755 "$WORK"
sed -e "s/^name: wechat$/name: $PROJECT/" -e 's/10\.0\./10.199./g' \
    "$ROOT/fixtures/topologies/wechat.yaml" >"$WORK/t.yaml"
cp "$BIN" "$WORK/emul"
chown -R "$USER_NAME" "$WORK"

as_user() { runuser -u "$USER_NAME" -- env -C "$WORK" HOME="$WORK" "$@"; }
emul() { as_user ./emul "$@"; }
cleanup() {
    emul down --topology t.yaml --volumes >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== non-root: %s\n' "$*"; }

step "emul up -d --wait as $(id -un "$USER_NAME") (uid $(id -u "$USER_NAME"))"
emul up -d --wait --pull never --timeout 300 --port "$API_PORT" --topology t.yaml
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$WORK/.emul/$PROJECT/daemon.json")
owner=$(ps -o user= -p "$pid")
[ "$owner" = "$USER_NAME" ] || { echo "the daemon runs as $owner, not $USER_NAME" >&2; exit 1; }
echo "daemon pid $pid runs as $owner"

step "a request through the ALB reaches a task that reads its ECS metadata"
url=$(emul env --topology t.yaml | sed -n "s/^export EMUL_ALB_WECHAT_ALB_443=//p")
[ -n "$url" ] || { echo "no HTTPS listener URL in emul env" >&2; exit 1; }
body=$(curl -sk --max-time 10 "$url/whoami")
echo "$body"
python3 - "$body" <<'PY'
import json, sys
w = json.loads(sys.argv[1])
assert (w.get("task_arn") or "").startswith("arn:aws:ecs:"), "the task found no metadata"
assert w["peer_ip"].startswith("10.199."), "the task's peer is not the ALB's ENI"
print("task", w["task_arn"], "answered; its peer is", w["peer_ip"])
PY

step "emul status (data stores probed through their agents)"
status=$(emul status --topology t.yaml)
echo "$status" | head -12
echo "$status" | grep -E "^rds/wechat-db " | grep -q accepting || { echo "RDS not accepting per emul status" >&2; exit 1; }

step "emul verify"
emul verify --topology t.yaml | tail -3

step "emul tunnel to RDS"
as_user sh -c './emul tunnel --topology t.yaml wechat-db --port 26101 >tunnel.log 2>&1 & echo $! >tunnel.pid'
for _ in $(seq 1 50); do grep -q "emul tunnel: 127.0.0.1:26101" "$WORK/tunnel.log" && break; sleep 0.2; done
cat "$WORK/tunnel.log"
timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/26101' || { echo "tunnel did not connect" >&2; exit 1; }
kill "$(cat "$WORK/tunnel.pid")"

step "emul down"
emul down --topology t.yaml --volumes
left=$(docker ps -aq --filter "label=io.emul.project=$PROJECT" | wc -l)
[ "$left" = 0 ] || { echo "$left containers left" >&2; exit 1; }
echo "non-root run: all good"
