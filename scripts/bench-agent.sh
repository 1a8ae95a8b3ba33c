#!/usr/bin/env bash
# Ruleset apply per ENI: through the ENI agent (`PUT /ruleset` on <eni-ip>:7411, what emul does
# since issue 12 step 1) vs the old path (the host's nft run inside the ENI's namespace; measured
# here with `nsenter -n`, which spawns one process more than emul's in-process setns thread did).
# One emul/agent container on a scratch network 10.170.0.0/24; a wechat task ENI's full table and
# one set update, 100 runs each after 5 warm-ups; prints median, p90 and min per path.
#
# Usage: scripts/bench-agent.sh [RUNS]
# Needs: root (nsenter into the container's namespace), the host's nft, python3, emul/agent:latest
# (scripts/build-images.sh --only agent).
set -euo pipefail
runs=${1:-100}
net=emul-bench-agent ctr=emul-bench-agent-eni ip=10.170.0.10 token=bench-token
cleanup() { docker rm -f "$ctr" >/dev/null 2>&1 || :; docker network rm "$net" >/dev/null 2>&1 || :; }
trap cleanup EXIT
cleanup
docker network create --label io.emul.test=bench-agent --subnet 10.170.0.0/24 "$net" >/dev/null
docker run -d --name "$ctr" --label io.emul.test=bench-agent --network "$net" --ip "$ip" --cap-add NET_ADMIN \
  -e "EMUL_AGENT_TOKEN=$token" -e "EMUL_AGENT_LISTEN=$ip:7411" emul/agent:latest >/dev/null
pid=$(docker inspect -f '{{.State.Pid}}' "$ctr")
python3 - "$pid" "$ip" "$token" "$runs" "$(command -v nft)" <<'EOF'
import http.client, statistics, subprocess, sys, time
pid, ip, token, runs, nft = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
full = """add table inet emul
delete table inet emul
table inet emul {
  comment "emul eni=eni/ecs/wechat-backend-service/0 ip=10.170.0.10 groups=ecs-sg"
  set sg0 { type ipv4_addr; comment "alb-sg"; elements = { 10.170.0.20, 10.170.0.21 }; }
  set sg1 { type ipv4_addr; comment "ecs-sg"; elements = { 10.170.0.10, 10.170.0.11, 10.170.0.12, 10.170.0.13 }; }
  set sg2 { type ipv4_addr; comment "rds-sg"; elements = { 10.170.0.30, 10.170.0.31 }; }
  set sg3 { type ipv4_addr; comment "redis-sg"; elements = { 10.170.0.40, 10.170.0.41 }; }
  chain input {
    type filter hook input priority filter; policy drop;
    iif lo accept
    ct state established,related accept
    ip saddr 10.170.0.1 tcp dport 7411 accept comment "emul control"
    ip saddr @sg0 tcp dport 8080 accept comment "ecs-sg ingress #1"
  }
  chain output {
    type filter hook output priority filter; policy drop;
    oif lo accept
    ct state established,related accept
    ip daddr 10.170.0.1 udp dport 53 accept comment "VPC resolver"
    ip daddr 10.170.0.1 tcp dport 53 accept comment "VPC resolver"
    ip daddr @sg2 tcp dport 5432 accept comment "ecs-sg egress #1"
    ip daddr @sg3 tcp dport 6379 accept comment "ecs-sg egress #2"
    meta nfproto ipv4 tcp dport 443 accept comment "ecs-sg egress #3"
  }
}
"""
update = "flush set inet emul sg1\nadd element inet emul sg1 { 10.170.0.10, 10.170.0.11, 10.170.0.12, 10.170.0.13, 10.170.0.14 }\n"
def agent(script):
    c = http.client.HTTPConnection(ip, 7411)
    c.request("PUT", "/ruleset", body=script, headers={"Authorization": "Bearer " + token})
    r = c.getresponse(); r.read(); c.close()
    assert r.status == 204, (r.status, r.reason)
def host(script):
    subprocess.run(["nsenter", "-t", pid, "-n", nft, "-f", "-"], input=script.encode(), check=True)
deadline = time.time() + 5
while True:
    try:
        agent(full); break
    except OSError:
        if time.time() > deadline: raise
        time.sleep(0.05)
for name, script in [("full table", full), ("set update", update)]:
    for label, fn in [("agent PUT /ruleset", agent), ("host nsenter + nft", host)]:
        for _ in range(5): fn(script)
        t = []
        for _ in range(runs):
            s = time.perf_counter(); fn(script); t.append((time.perf_counter() - s) * 1000)
        t.sort()
        print(f"{name:10}  {label:20}  median {statistics.median(t):5.1f} ms  p90 {t[int(runs * 0.9) - 1]:5.1f} ms  min {t[0]:5.1f} ms")
EOF
