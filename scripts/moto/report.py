"""Summarise a moto-conformance run: the per-suite table, the failing tests, the grouped causes.

Usage: report.py RUN_DIR SUITE... [--causes N] [--check]
Reads RUN_DIR/summary-<suite>.json (written by emul_plugin.py), writes RUN_DIR/failures-<suite>.txt
(one failing test a line: outcome, test id, first line of its error) and RUN_DIR/causes-<suite>.txt
(the failures grouped by AWS error code and operation, or by normalised message), prints the table.
With --check, exits 1 when a suite is below its threshold or did not finish.
"""

import argparse
import json
import os
import re
import sys
from collections import defaultdict

# moto 5.2.5 against its own server, and the bars the issue sets for emul.
MOTO_OWN = {"secretsmanager": "155/158", "ecs": "148/148", "elbv2": "191/191"}
THRESHOLD = {"secretsmanager": 145, "ecs": 120, "elbv2": 140}

CLIENT_ERROR = re.compile(r"An error occurred \(([^)]+)\) when calling the (\w+) operation(?:.*?: (.*))?")


def _blur(text, quotes=True):
    text = re.sub(r"arn:aws:[^\s'\"]+", "ARN", text)
    if quotes:
        text = re.sub(r"'[^']*'", "'…'", text)  # names and values inside AWS error messages
    text = re.sub(r"\b[0-9a-f]{6,}\b|\d+", "N", text)
    return text


def cause(message):
    """A grouping key: 'Operation: Code: message' for AWS errors (services and operations emul does
    not serve get one key each), else the message with quoted values and numbers blurred."""
    m = CLIENT_ERROR.search(message)
    if m:
        code, op, text = m.group(1), m.group(2), m.group(3) or ""
        if code in ("InvalidAction", "UnknownOperationException", "UnknownServiceException",
                    "NotImplemented"):
            return f"{op}: not served by emul ({code})"
        return f"{op}: {code}: {_blur(text)[:90]}"
    if "Could not connect to the endpoint URL" in message:
        return "connection refused (" + message.split('"')[1].split("/")[2] + ")" if '"' in message \
            else "connection refused"
    if message.startswith("Failed: Timeout"):
        return "test timed out"
    return _blur(message, quotes=False)[:140]


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("suites", nargs="+")
    parser.add_argument("--causes", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    opts = parser.parse_args(argv)
    run_dir, suites, top, check = opts.run_dir, opts.suites, opts.causes, opts.check

    rows, ok = [], True
    for suite in suites:
        path = os.path.join(run_dir, f"summary-{suite}.json")
        if not os.path.exists(path):
            rows.append((suite, None, None))
            ok = False
            continue
        with open(path) as f:
            data = json.load(f)
        failing = sorted((n, t) for n, t in data["tests"].items()
                         if t["outcome"] in ("failed", "error", "notrun", "running"))
        with open(os.path.join(run_dir, f"failures-{suite}.txt"), "w") as f:
            for nodeid, t in failing:
                tag = " [nlb/gwlb]" if t["nlb_gwlb"] else ""
                f.write(f"{t['outcome']}\t{nodeid}{tag}\t{t['error']}\n")
        groups = defaultdict(list)
        for nodeid, t in failing:
            groups[cause(t["error"]) if t["error"] else t["outcome"]].append(nodeid)
        ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        with open(os.path.join(run_dir, f"causes-{suite}.txt"), "w") as f:
            for key, ids in ranked:
                f.write(f"{len(ids):4d}  {key}\n")
                for nodeid in ids:
                    f.write(f"        {nodeid}\n")
        rows.append((suite, data, ranked))
        c = data["counts"]
        if c["passed"] < THRESHOLD.get(suite, 0) or c["notrun"]:
            ok = False

    head = f"{'suite':<15}{'passed':>7}{'failed':>7}{'errors':>7}{'skipped':>8}{'total':>7}" \
           f"{'moto':>10}{'bar':>6}"
    print(head)
    print("-" * len(head))
    for suite, data, _ in rows:
        if data is None:
            print(f"{suite:<15}  did not finish (no summary)")
            continue
        c = data["counts"]
        total = c["passed"] + c["failed"] + c["error"] + c["notrun"]  # skipped tests are not counted
        print(f"{suite:<15}{c['passed']:>7}{c['failed']:>7}{c['error'] + c['notrun']:>7}"
              f"{c['skipped']:>8}{total:>7}{MOTO_OWN.get(suite, '-'):>10}"
              f"{'>=' + str(THRESHOLD[suite]) if suite in THRESHOLD else '-':>6}")
        if suite == "elbv2":
            n = data["nlb_gwlb_counts"]
            nt = n["passed"] + n["failed"] + n["error"] + n["notrun"]
            print(f"  elbv2 without NLB/GWLB tests: {c['passed'] - n['passed']}/{total - nt} passed; "
                  f"NLB/GWLB tests: {n['passed']}/{nt} passed")
    print("total = passed + failed + errors; tests moto skips in server mode are not counted")
    if top:
        for suite, data, ranked in rows:
            if data is None:
                continue
            print(f"\n{suite}: top failure causes (all in {run_dir}/causes-{suite}.txt)")
            for key, ids in ranked[:top]:
                print(f"  {len(ids):4d}  {key}")
    return 0 if ok or not check else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
