#!/usr/bin/env bash
# The one command that runs every test of the project, exactly as CI does.
#
#   scripts/test.sh            # format + lint checks, images, all tests, moto's suites
#                              # (no regression allowed), then the topology scenarios with
#                              # emul as a non-root user and in a container
#   scripts/test.sh --no-lint  # skip fmt/clippy (faster local loop)
#
# Docker-backed tests (named `docker_*`) run one at a time in their own
# nextest group (see .config/nextest.toml). The images they need are built
# from Debian packages by scripts/build-images.sh, which skips any image whose
# recipe has not changed, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

lint=1
for arg in "$@"; do
  case "$arg" in
    --no-lint) lint=0 ;;
    *) echo "usage: scripts/test.sh [--no-lint]" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }

if [ "$lint" = 1 ]; then
  step "cargo fmt --check"
  cargo fmt --all --check
  step "cargo clippy -D warnings"
  cargo clippy --workspace --all-targets -- -D warnings
fi

step "images (scripts/build-images.sh)"
scripts/build-images.sh

step "cargo nextest run --workspace"
cargo nextest run --workspace --profile ci

# moto's own test suites against the emul just built (about three minutes;
# PyPI on first use): every test of scripts/moto/passing.txt must still
# pass. A regression is checked once more before it fails the run, so one
# flaky test does not.
step "moto conformance (scripts/moto-conformance.sh --regressions)"
conformance=(scripts/moto-conformance.sh --bin "${CARGO_TARGET_DIR:-target}/debug/emul" --regressions --causes 0)
if ! "${conformance[@]}"; then
  echo "conformance: a listed test did not pass; running the suites once more"
  "${conformance[@]}"
fi

# The suite's topology scenarios again with emul placed as users place it:
# as a non-root member of the docker group (the suite itself runs as root, to
# look into namespaces and to build images), and in an unprivileged container
# with only the Docker socket, through the top-level docker-compose.yml.
step "emul as a non-root docker-group user (scripts/ci-topologies.sh nonroot)"
if [ "$(id -u)" = 0 ]; then
  scripts/ci-topologies.sh nonroot "${CARGO_TARGET_DIR:-target}/debug/emul"
else
  echo "skipped: creating the test user needs root"
fi
step "emul in a container (scripts/ci-topologies.sh container)"
scripts/ci-topologies.sh container
