#!/usr/bin/env bash
# Conformance: run moto's own test suites for Secrets Manager, ECS and ELBv2 against emul.
#
# moto 5.2.5's tests (tests/ of its sdist, fetched from PyPI at run time) run in moto's server
# mode (TEST_SERVER_MODE=true): every boto3 client a test makes, EC2 and STS included, talks to
# one endpoint. A pytest plugin (scripts/moto/emul_plugin.py) starts a fresh `emul serve` on that
# endpoint, with a fresh state directory, before each test and stops it after. A test that runs
# longer than --timeout seconds fails. Prints passed/failed/errors/skipped per suite next to
# moto's own result and the issue's bar, and writes the failing tests with the first line of
# their error, grouped by cause, under the cache dir.
#
# Usage: scripts/moto-conformance.sh [--suite secretsmanager|ecs|elbv2]... [--bin PATH]
#            [--backend emul|moto] [--timeout SECS] [--causes N] [--check] [--regressions]
#            [--write-passing] [-- PYTEST_ARGS...]
#   --suite     run this suite only (repeatable; default: all three)
#   --bin       the emul binary (default: $EMUL_BIN, else ${CARGO_TARGET_DIR:-target}/debug/emul)
#   --backend   moto: run the same tests against moto_server itself, to calibrate the runner
#   --timeout   per-test limit in seconds (default 60)
#   --causes N  also print the N most frequent failure causes per suite (default 8; 0: none)
#   --check     exit 1 when a suite is below the issue's bar (145 / 120 / 140 passed)
#   --regressions  exit 1 when a test listed in scripts/moto/passing.txt does not pass (CI)
#   --write-passing  rewrite scripts/moto/passing.txt with the tests that passed (run suites only)
# Failures are also counted by reason with scripts/moto/follows-aws.tsv (emul answers as AWS does,
# a service emul does not emulate, moto-only, open); see docs/conformance.md.
#   after --, arguments go to pytest as they are (e.g. -k create_secret, -x)
# Needs python3 (with venv) and access to PyPI on first use; nothing is built here.
# Cache (outside the repo): ${XDG_CACHE_HOME:-$HOME/.cache}/emul/moto-5.2.5/ holds the venv,
# the tests, and results/<UTC time>-<backend>/ (summary-*.json, failures-*.txt, causes-*.txt,
# pytest-*.log, logs/ with the server log of each failing test); results/latest and
# results/latest-<backend> point at the last run.
set -euo pipefail

MOTO_VERSION=5.2.5
MOTO_SDIST_SHA256=391857257d5dac144334013c2c10e599def5f0562f553e979160140bd7bd9cf6
ALL_SUITES=(secretsmanager ecs elbv2)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EMUL_BIN="${EMUL_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/emul}"
BACKEND=emul
TEST_TIMEOUT=60
CAUSES=8
CHECK=()
EXTRA_REPORT=()
SUITES=()
PYTEST_EXTRA=()

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --suite) SUITES+=("${2:?--suite needs a value}"); shift 2 ;;
        --bin) EMUL_BIN="${2:?--bin needs a path}"; shift 2 ;;
        --backend) BACKEND="${2:?--backend needs emul or moto}"; shift 2 ;;
        --timeout) TEST_TIMEOUT="${2:?}"; shift 2 ;;
        --causes) CAUSES="${2:?}"; shift 2 ;;
        --check) CHECK=(--check); shift ;;
        --regressions) EXTRA_REPORT+=(--check-regressions); shift ;;
        --write-passing) EXTRA_REPORT+=(--write-passing "$ROOT/scripts/moto/passing.txt"); shift ;;
        -h|--help) usage 0 ;;
        --) shift; PYTEST_EXTRA=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=("${ALL_SUITES[@]}")
for s in "${SUITES[@]}"; do
    case " ${ALL_SUITES[*]} " in *" $s "*) ;; *) echo "unknown suite: $s" >&2; exit 2 ;; esac
done
case "$BACKEND" in
    emul) [ -x "$EMUL_BIN" ] || { echo "emul binary not found: $EMUL_BIN (cargo build, or --bin/EMUL_BIN)" >&2; exit 1; }
          EMUL_BIN="$(cd "$(dirname "$EMUL_BIN")" && pwd)/$(basename "$EMUL_BIN")" ;;
    moto) ;;
    *) echo "unknown backend: $BACKEND" >&2; exit 2 ;;
esac

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/emul/moto-$MOTO_VERSION"
VENV="$CACHE/venv"
TESTS_ROOT="$CACHE/src"          # holds tests/ only: moto itself comes from the venv
mkdir -p "$CACHE"

# 1. The venv, from the pinned requirements; reinstalled when they change.
REQS="$ROOT/scripts/moto/requirements.txt"
REQS_SUM="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$REQS_SUM" ]; then
    echo "==> installing moto $MOTO_VERSION, pytest into $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
    echo "$REQS_SUM" > "$VENV/.requirements.sha256"
fi

# 2. moto's tests, from its sdist (checked against a pinned sha256).
if [ ! -f "$TESTS_ROOT/.complete" ]; then
    echo "==> fetching moto-$MOTO_VERSION.tar.gz (sdist) for its tests" >&2
    DL="$(mktemp -d "$CACHE/dl.XXXXXX")"
    "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
        --dest "$DL" "moto==$MOTO_VERSION"
    echo "$MOTO_SDIST_SHA256  $DL/moto-$MOTO_VERSION.tar.gz" | sha256sum --check --quiet
    rm -rf "$TESTS_ROOT" && mkdir -p "$TESTS_ROOT"
    tar -xzf "$DL/moto-$MOTO_VERSION.tar.gz" -C "$TESTS_ROOT" --strip-components=1 \
        "moto-$MOTO_VERSION/tests" "moto-$MOTO_VERSION/setup.cfg"
    rm -rf "$DL"
    touch "$TESTS_ROOT/.complete"
fi

# 3. One pytest process per suite; the plugin gives every test its own server.
RUN="$CACHE/results/$(date -u +%Y%m%dT%H%M%SZ)-$BACKEND"
mkdir -p "$RUN"
ln -sfn "$RUN" "$CACHE/results/latest"
ln -sfn "$RUN" "$CACHE/results/latest-$BACKEND"
{
    echo "backend: $BACKEND"
    [ "$BACKEND" = emul ] && echo "emul: $EMUL_BIN ($(stat -c %y "$EMUL_BIN"))"
    echo "moto: $MOTO_VERSION; $("$VENV/bin/python" -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)')"
    echo "started: $(date -u +%FT%TZ)"
} > "$RUN/info.txt"

# Pin the binary for the whole run: a rebuild during the run must not mix two versions.
# Per-test state directories live under $RUN/tmp, removed at exit with the pinned binary.
mkdir -p "$RUN/tmp"
trap 'rm -rf "$RUN/tmp" "$RUN/emul"' EXIT
trap 'exit 130' INT TERM
if [ "$BACKEND" = emul ]; then
    ln "$EMUL_BIN" "$RUN/emul" 2>/dev/null || cp "$EMUL_BIN" "$RUN/emul"
    EMUL_BIN="$RUN/emul"
fi

START=$(date +%s)
left() { "$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"]["notrun"])' "$1" 2>/dev/null || echo -1; }
for suite in "${SUITES[@]}"; do
    echo "==> $suite ($BACKEND)" >&2
    s0=$(date +%s)
    summary="$RUN/summary-$suite.json"
    # pytest can die mid-suite (an INTERNALERROR while rendering a timed-out test's traceback was
    # seen): start it again on the tests not yet run, as long as each attempt makes progress.
    before=-1
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        (
            cd "$TESTS_ROOT"
            env EMUL_BIN="$EMUL_BIN" MOTO_SERVER_BIN="$VENV/bin/moto_server" \
                CONFORMANCE_BACKEND="$BACKEND" \
                CONFORMANCE_SUMMARY="$summary" CONFORMANCE_LOGDIR="$RUN/logs/$suite" \
                CONFORMANCE_TMPDIR="$RUN/tmp" \
                TEST_SERVER_MODE=true PYTHONPATH="$ROOT/scripts/moto" PYTHONDONTWRITEBYTECODE=1 \
                timeout -k 30 1800 "$VENV/bin/pytest" "tests/test_$suite" \
                    -p emul_plugin -p no:cacheprovider --timeout "$TEST_TIMEOUT" -q -rN --color=no \
                    -o verbosity_assertions=2 \
                    ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"}
        ) >> "$RUN/pytest-$suite.log" 2>&1 || true
        now=$(left "$summary")
        if [ "$now" -le 0 ] || [ "$now" = "$before" ]; then break; fi
        echo "    pytest stopped with $now tests not run (attempt $attempt); resuming" >&2
        echo "==== resuming: $now tests not run ====" >> "$RUN/pytest-$suite.log"
        before=$now
    done
    "$VENV/bin/python" -c 'import json, sys; c = json.load(open(sys.argv[1]))["counts"]
print("    " + ", ".join(f"{v} {k}" for k, v in c.items()) + f" [{sys.argv[2]}s]")' \
        "$summary" "$(( $(date +%s) - s0 ))" >&2 || echo "    no summary: see $RUN/pytest-$suite.log" >&2
done
echo "finished: $(date -u +%FT%TZ), $(( $(date +%s) - START ))s" >> "$RUN/info.txt"

echo
rc=0
KNOWN=()
[ "$BACKEND" = emul ] && KNOWN=(--known "$ROOT/scripts/moto/follows-aws.tsv" --expect "$ROOT/scripts/moto/passing.txt")
"$VENV/bin/python" "$ROOT/scripts/moto/report.py" "$RUN" "${SUITES[@]}" --causes "$CAUSES" \
    ${CHECK[@]+"${CHECK[@]}"} ${KNOWN[@]+"${KNOWN[@]}"} ${EXTRA_REPORT[@]+"${EXTRA_REPORT[@]}"} || rc=$?
echo
echo "run: $RUN ($(( $(date +%s) - START ))s); failing tests: $RUN/failures-<suite>.txt"
exit "$rc"
