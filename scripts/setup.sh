#!/usr/bin/env bash
# Set up the project on a fresh Debian/Ubuntu machine: a virtual environment with the package and,
# with --test, the system packages the test suite needs (Chromium for browser tests, a CJK font so
# Chinese labels render in screenshots). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[ "${1:-}" = "--test" ] && with_test=1

apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: please install these system packages yourself: $*" >&2
    return 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

if [ "$with_test" = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-zenhei fontconfig)
  # A second, independent SPARQL store for the `kg load` tests (tests/test_load.py).
  command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$with_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e '.[pandas]'
fi
echo "setup: ready (.venv/bin/kg)"
