#!/usr/bin/env bash
# The README's quick start from an empty image store (issue 12): removes the
# emul/ images the wechat fixture needs, then runs the README's one command,
# which builds emul, builds the images the engine lacks from emul's recipes
# (a progress line per image) and brings wechat up; a request through the ALB
# must reach a task; then `down`. CI runs it (as root: the recipes use
# debootstrap) before the test suite, which finds the images built.
#
# Usage: scripts/ci-quickstart.sh   (from anywhere; uses the checkout it is in)
set -euo pipefail
cd "$(dirname "$0")/.."

TOPOLOGY=fixtures/topologies/wechat.yaml
emul() { cargo run --release --quiet -- "$@"; }
# `down` keeps the project's state (.emul/ beside the topology); the clone is
# left as it was found.
cleanup() {
    emul down --topology "$TOPOLOGY" --volumes >/dev/null 2>&1 || true
    rm -rf fixtures/topologies/.emul
}
trap cleanup EXIT

echo "== quick start: an empty image store for the fixture"
for image in emul/agent:latest emul/postgres:15 emul/redis:7 emul/testapp:latest; do
    docker rmi -f "$image" >/dev/null 2>&1 || true
done

echo "== quick start: the README's command"
# The README's quick start, verbatim but for the timeout.
cargo run --release -- up -d --wait --timeout 1200 --topology "$TOPOLOGY"

url=$(emul env --topology "$TOPOLOGY" | sed -n 's/^export EMUL_ALB_WECHAT_ALB_443=//p')
body=$(curl -sk --max-time 10 "$url/whoami")
python3 - "$body" <<'PY'
import json, sys
w = json.loads(sys.argv[1])
assert (w.get("task_arn") or "").startswith("arn:aws:ecs:"), w
print("quick start: a task answered through the ALB:", w["task_arn"])
PY
emul down --topology "$TOPOLOGY" --volumes
