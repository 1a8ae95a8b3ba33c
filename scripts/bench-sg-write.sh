#!/usr/bin/env bash
# What a security-group write through the EC2 API costs on a running
# project: AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress on
# the wechat seed (every ENI's ruleset reinstalled before the answer), next
# to DescribeSecurityGroups (a read of the same model, the baseline) in the
# same run. Prints median and p90 per call and the write/read ratio.
#
#   scripts/bench-sg-write.sh [CYCLES]        (default 30)
#
# Needs the images from scripts/build-images.sh. Uses
# $CARGO_TARGET_DIR/debug/emul (built if missing; EMUL_BIN overrides).
# Cleans up everything it made on exit.
set -euo pipefail
CYCLES=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
EMUL=${EMUL_BIN:-$TARGET/debug/emul}
[ -x "$EMUL" ] || (cd "$ROOT" && cargo build -q -p emul)
WORK=$(mktemp -d)
TOPO=$WORK/wechat.yaml
PORT=${BENCH_PORT:-26300}

# The wechat fixture under its own name and CIDR, listeners on free ports.
sed -e 's/^name: wechat$/name: emul-bench-sg/' -e 's/10\.0\./10.142./g' \
    -e 's/^    multi_az: true$/    multi_az: false/' \
    "$ROOT/fixtures/topologies/wechat.yaml" > "$TOPO"

cleanup() {
  "$EMUL" down --volumes --topology "$TOPO" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$EMUL" up -d --wait --pull never --timeout 300 --port "$PORT" --registry-port 0 \
  --topology "$TOPO" >/dev/null

python3 - "$PORT" "$CYCLES" <<'EOF'
import http.client, re, statistics, sys, time, urllib.parse
port, cycles = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)

def call(action, **params):
    body = urllib.parse.urlencode({"Action": action, "Version": "2016-11-15", **params})
    started = time.perf_counter()
    conn.request("POST", "/", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    text = r.read().decode()
    took = time.perf_counter() - started
    assert r.status == 200, (action, r.status, text)
    return took, text

_, groups = call("DescribeSecurityGroups", **{"Filter.1.Name": "group-name",
                                               "Filter.1.Value.1": "rds-sg"})
sg = re.search(r"<groupId>(sg-[0-9a-f]+)</groupId>", groups).group(1)
enis = len(re.findall("<networkInterfaceId>", call("DescribeNetworkInterfaces")[1]))
rule = {"GroupId": sg, "IpPermissions.1.IpProtocol": "tcp",
        "IpPermissions.1.FromPort": "5432", "IpPermissions.1.ToPort": "5432",
        "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0"}
times = {"DescribeSecurityGroups": [], "AuthorizeSecurityGroupIngress": [],
         "RevokeSecurityGroupIngress": []}
for i in range(cycles + 3):
    for action in times:
        took, _ = call(action, **({"GroupId.1": sg} if action.startswith("Describe") else rule))
        if i >= 3:  # warm-up
            times[action].append(took)

def ms(xs, q):
    xs = sorted(xs)
    return 1000 * xs[min(len(xs) - 1, int(q * len(xs)))]

base = statistics.median(times["DescribeSecurityGroups"])
print(f"{enis} ENIs, {cycles} cycles")
print(f"{'call':32} {'median ms':>10} {'p90 ms':>8} {'x read':>8}")
for action, xs in times.items():
    print(f"{action:32} {ms(xs, 0.5):10.2f} {ms(xs, 0.9):8.2f} "
          f"{statistics.median(xs) / base:8.1f}")
EOF
