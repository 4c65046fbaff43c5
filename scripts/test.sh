#!/usr/bin/env bash
# 一条命令：安装测试依赖并运行全部测试。默认用 SQLite；设置 DATABASE_URL 可在 PostgreSQL 上运行：
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh
# 其余参数原样交给 pytest（如 -k roster、-m "not browser"）。
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test scripts/setup.sh

export DJANGO_SETTINGS_MODULE=laomo.test_settings
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== Django checks and migrations (${DATABASE_URL:-sqlite})"
.venv/bin/laomo check
.venv/bin/laomo makemigrations --check --dry-run
echo "== pytest"
exec .venv/bin/pytest "$@"
