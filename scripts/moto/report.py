"""Summarise a moto-conformance run: the per-suite table, the failing tests, the grouped causes.

Usage: report.py RUN_DIR SUITE... [--causes N] [--check] [--known TSV] [--expect FILE]
                 [--check-regressions] [--write-passing FILE]
Reads RUN_DIR/summary-<suite>.json (written by emul_plugin.py), writes RUN_DIR/failures-<suite>.txt
(one failing test a line: outcome, test id, first line of its error) and RUN_DIR/causes-<suite>.txt
(the failures grouped by AWS error code and operation, or by normalised message), prints the table.
With --check, exits 1 when a suite is below its threshold or did not finish.

--known: failures with a known reason (scripts/moto/follows-aws.tsv): each failing test is counted
as "aws" (emul answers as AWS does, ADR 0015), "absent" (a service or feature emul does not
emulate), "moto" (needs moto's own server), NLB/GWLB (ELBv2, excepted by the issue), or "open";
the open ones go to RUN_DIR/open-<suite>.txt. --expect: the tests that passed before (one id a
line); a listed test that does not pass now is a regression (--check-regressions exits 1 on one).
--write-passing: writes every passed test id of the run's suites to FILE.
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


def load_known(path):
    """Rows (suite, id regex, error regex, class, why) of the known-failures table."""
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            suite, test, error, klass, why = line.rstrip("\n").split("\t")
            rows.append((suite, re.compile(test), re.compile(error), klass, why))
    return rows


def classify(known, suite, nodeid, test):
    """The class of a failing test: its row's when both the id and the error match, else open."""
    if test.get("nlb_gwlb"):
        return "nlb"
    short = nodeid.split(f"tests/test_{suite}/", 1)[-1]
    for s, test_re, error_re, klass, _ in known:
        if s == suite and test_re.search(short) and error_re.search(test.get("error") or ""):
            return klass
    return "open"


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("suites", nargs="+")
    parser.add_argument("--causes", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--known")
    parser.add_argument("--expect")
    parser.add_argument("--check-regressions", action="store_true")
    parser.add_argument("--write-passing")
    opts = parser.parse_args(argv)
    run_dir, suites, top, check = opts.run_dir, opts.suites, opts.causes, opts.check
    known = load_known(opts.known) if opts.known else None
    expected = set()
    if opts.expect:
        with open(opts.expect) as f:
            expected = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    passed_now, regressions = set(), []
    classes = {}

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
        passed_here = {n for n, t in data["tests"].items() if t["outcome"] == "passed"}
        passed_now |= passed_here
        regressions += sorted(n for n in expected if n.startswith(f"tests/test_{suite}/")
                              and n not in passed_here)
        if known is not None:
            counts = defaultdict(int)
            with open(os.path.join(run_dir, f"open-{suite}.txt"), "w") as f:
                for nodeid, t in failing:
                    klass = classify(known, suite, nodeid, t)
                    counts[klass] += 1
                    if klass == "open":
                        f.write(f"{nodeid}\t{t['error']}\n")
            classes[suite] = counts
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
    if known is not None:
        print()
        print("the failures by reason (--known): aws = emul answers as AWS does (ADR 0015), absent = a")
        print("service or feature emul does not emulate, moto = needs moto's own server, open = the rest")
        head = f"{'suite':<15}{'passed':>7}{'aws':>6}{'absent':>7}{'moto':>6}{'nlb':>5}{'open':>6}" \
               f"{'passed+aws':>12}{'of':>5}{'bar':>6}"
        print(head)
        print("-" * len(head))
        for suite, data, _ in rows:
            if data is None or suite not in classes:
                continue
            k, c = classes[suite], data["counts"]
            n = data.get("nlb_gwlb_counts", {}) if suite == "elbv2" else {}
            nlb_total = sum(n.get(x, 0) for x in ("passed", "failed", "error", "notrun"))
            total = c["passed"] + c["failed"] + c["error"] + c["notrun"] - nlb_total
            print(f"{suite:<15}{c['passed']:>7}{k['aws']:>6}{k['absent']:>7}{k['moto']:>6}"
                  f"{k['nlb']:>5}{k['open']:>6}{c['passed'] + k['aws']:>12}{total:>5}"
                  f"{'>=' + str(THRESHOLD[suite]):>6}")
        print(f"(ELBv2's NLB/GWLB tests are excepted, as the issue says; the open failures are in "
              f"{run_dir}/open-<suite>.txt)")
    if opts.expect:
        print()
        if regressions:
            print(f"REGRESSIONS: {len(regressions)} test(s) of {opts.expect} no longer pass:")
            for n in regressions:
                print(f"  {n}")
        else:
            print(f"no regressions: every test of {opts.expect} in these suites passes")
        new = sorted(n for n in passed_now - expected)
        if new:
            print(f"{len(new)} test(s) pass that {opts.expect} does not list (add them with --write-passing):")
            for n in new:
                print(f"  {n}")
    if opts.write_passing:
        keep = {n for n in expected if not any(n.startswith(f"tests/test_{s}/") for s in suites)}
        with open(opts.write_passing, "w") as f:
            f.write("# moto tests that pass on emul (scripts/moto-conformance.sh --write-passing);\n")
            f.write("# CI fails when one of them no longer passes (--regressions).\n")
            for n in sorted(keep | passed_now):
                f.write(n + "\n")
        print(f"wrote {opts.write_passing}")
    if opts.check_regressions and regressions:
        return 1
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
