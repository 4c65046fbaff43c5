#!/usr/bin/env bash
# Shared by run.sh and test.sh: a virtual environment in .venv with Laomo installed (editable),
# and the front-end packages from the npm registry in node_modules.
#   EXTRAS=test scripts/setup.sh   also installs the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "需要 Python 3.11（可用环境变量 PYTHON 指定解释器）" >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "需要 Node.js 和 npm（用于安装前端资源：Bootstrap、htmx、ECharts）" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
target="."
if [ -n "${EXTRAS:-}" ]; then target=".[${EXTRAS}]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"

if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.laomo-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.laomo-lock
fi
