#!/usr/bin/env bash
# figures.sh — the numbers of BENCHMARKS.md ("wuye bench"), one configuration per call:
#
# 1. seeds a fresh database with `wuye bench seed --orders N` (SQLite in a temp dir,
#    or a fresh PostgreSQL database when --postgres URL-of-the-server is given);
# 2. starts `wuye serve` on 127.0.0.1:$PORT;
# 3. runs `wuye bench run --workload all` (W1–W5 and the ceilings);
# 4. times the pages and dashboards (bench/pages.sh);
# 5. reads the server's peak resident memory (VmHWM in /proc) and the database size;
# 6. writes seed.txt, run.txt, pages.txt and summary.txt into --out DIR and prints
#    the summary.
#
# Usage: bench/figures.sh --orders 10000 --out /tmp/fig-10k-sqlite
#        bench/figures.sh --orders 10000 --postgres postgres://postgres@127.0.0.1:5432 --out DIR
#        [--connections 32] [--duration 20] [--port 18095] [--keep]
# Needs: bash, curl, jq; psql for --postgres. Loopback traffic only; each workload
# is bounded by --duration.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${WUYE_BIN:-$ROOT/target/release/wuye}
ORDERS=10000
CONNS=32
DURATION=20
PORT=18095
PG=""
OUT=""
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --orders) ORDERS=$2; shift 2 ;;
        --connections) CONNS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --postgres) PG=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "未知参数 / unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$OUT" ] || { echo "需要 --out 目录 / --out DIR is required" >&2; exit 2; }
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "缺少 / missing: $tool" >&2; exit 2; }
done
if [ ! -x "$BIN" ]; then
    echo "构建 / building $BIN …"
    (cd "$ROOT" && cargo build --release -p wuye)
fi
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wuye-figures.XXXXXX")
BASE="http://127.0.0.1:$PORT"
SERVER=""
DB_NAME=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -n "$DB_NAME" ] && [ "$KEEP" = 0 ]; then
        psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null 2>&1 || true
    fi
    if [ "$KEEP" = 1 ]; then echo "保留 / kept: $WORK ${DB_NAME:+(database $DB_NAME)}"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

unset DATABASE_URL WUYE_DATABASE_URL
if [ -n "$PG" ]; then
    DB_NAME="wuye_fig_$$"
    psql "$PG/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
    export DATABASE_URL="$PG/$DB_NAME"
    BACKEND=PostgreSQL
else
    BACKEND=SQLite
fi
wuye() { "$BIN" --data-dir "$WORK/data" "$@"; }

echo "== 生成数据 / seeding $ORDERS orders ($BACKEND)"
wuye bench seed --orders "$ORDERS" >"$OUT/seed.txt" 2>"$WORK/seed.err" || { cat "$WORK/seed.err" >&2; exit 1; }
cat "$OUT/seed.txt"

# Started directly (not through the function) so that $! is the server itself.
"$BIN" --data-dir "$WORK/data" serve --addr "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
done
echo "== 压测 / load: all workloads, $CONNS connections, $DURATION s each"
wuye bench run --url "$BASE" --workload all --connections "$CONNS" --duration "$DURATION" \
    >"$OUT/run.txt" 2>"$WORK/run.err"
echo "== 页面 / pages and dashboards, one request at a time"
"$ROOT/bench/pages.sh" --url "$BASE" --requests 30 >"$OUT/pages.txt" 2>&1 || cat "$OUT/pages.txt" >&2
PEAK_KB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
if [ -n "$PG" ]; then
    DB_BYTES=$(psql "$DATABASE_URL" -Atc "SELECT pg_database_size(current_database())")
else
    DB_BYTES=$(du -cb "$WORK"/data/wuye.db* | tail -1 | cut -f1)
fi
{
    echo "backend: $BACKEND; orders: $ORDERS; connections: $CONNS; duration: $DURATION s"
    echo "server peak RSS (VmHWM): $((PEAK_KB / 1024)) MB"
    echo "database size: $((DB_BYTES / 1048576)) MB"
    echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/summary.txt"
cat "$OUT/run.txt" "$OUT/pages.txt" "$OUT/summary.txt"
