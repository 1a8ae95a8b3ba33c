#!/usr/bin/env bash
# The one command that runs every test of the project, exactly as CI does.
#
#   scripts/test.sh            # format + lint checks, images, all tests, then emul as a non-root
#                              # user and emul in a container (docker-compose.yml)
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

# emul as a non-root member of the docker group (it needs no root; the
# test suite does, to look into namespaces and to build images).
step "emul as a non-root docker-group user (scripts/ci-nonroot.sh)"
if [ "$(id -u)" = 0 ]; then
  scripts/ci-nonroot.sh "${CARGO_TARGET_DIR:-target}/debug/emul"
else
  echo "skipped: creating the test user needs root"
fi

# emul in an unprivileged container with only the Docker socket, through the
# top-level docker-compose.yml (what Docker Desktop and remote engines are to emul).
step "emul in a container (scripts/ci-container.sh)"
scripts/ci-container.sh
