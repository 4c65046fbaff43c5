#!/usr/bin/env bash
# 一条命令：安装到 .venv、迁移数据库（默认 SQLite，var/laomo.sqlite3）、载入演示数据，
# 打印演示账号，并在 http://127.0.0.1:8000 启动。
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

.venv/bin/laomo check --fail-level ERROR
.venv/bin/laomo migrate --noinput
.venv/bin/laomo collectstatic --noinput --verbosity 0
.venv/bin/laomo seed-demo
echo
echo "Laomo 已启动：http://${LAOMO_ADDR:-127.0.0.1:8000} （Ctrl+C 停止）"
exec .venv/bin/laomo runserver "${LAOMO_ADDR:-127.0.0.1:8000}"
