#!/usr/bin/env bash
# kill9.sh — proves that every order the server acknowledged survives a crash.
#
# 1. takes target/release/wuye (or $WUYE_BIN; builds the release binary when missing);
# 2. seeds a fresh SQLite database in a temp dir: `wuye bench seed --orders N`;
# 3. starts `wuye serve` on 127.0.0.1:$PORT;
# 4. runs `wuye bench run --workload W1 --ack-log acks.txt` (residents creating
#    orders; the client appends each order answered 2xx to acks.txt, one write per line);
# 5. after --kill-after seconds sends the server SIGKILL (kill -9), restarts it at
#    once, and lets the load run on against the new process until --duration ends;
# 6. signs in as bench-admin and fetches every acknowledged order id through the API
#    (GET /api/v1/orders/ID, one keep-alive curl), checking its number too.
#
# Prints the counts and exits 1 when any acknowledged order is missing (or nothing
# was acknowledged), 0 otherwise.
#
# Usage: bench/kill9.sh [--orders 10000] [--duration 20] [--kill-after 8]
#                       [--connections 32] [--port 18091] [--keep]
#   --keep   keep the temp dir (database, logs, acks.txt) for inspection
# Needs: bash, curl, jq. Loopback traffic only; bounded by --duration.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${WUYE_BIN:-$ROOT/target/release/wuye}
ORDERS=10000
DURATION=20
KILL_AFTER=8
CONNS=32
PORT=18091
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --orders) ORDERS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --kill-after) KILL_AFTER=$2; shift 2 ;;
        --connections) CONNS=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "未知参数 / unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ "$KILL_AFTER" -ge "$DURATION" ]; then
    echo "--kill-after 应小于 --duration / --kill-after must be less than --duration" >&2
    exit 2
fi
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "缺少 / missing: $tool" >&2; exit 2; }
done
if [ ! -x "$BIN" ]; then
    echo "构建 / building $BIN …"
    (cd "$ROOT" && cargo build --release -p wuye)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wuye-kill9.XXXXXX")
BASE="http://127.0.0.1:$PORT"
SERVER=""
BENCH=""
cleanup() {
    [ -n "$BENCH" ] && kill "$BENCH" 2>/dev/null || true
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ "$KEEP" = 1 ]; then echo "保留 / kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The server and the load generator use the same database; no DATABASE_URL from outside.
unset DATABASE_URL WUYE_DATABASE_URL
wuye() { "$BIN" --data-dir "$WORK/data" "$@"; }

# The server and the load generator are started as the binary itself, not
# through the `wuye` function: `func &` forks a shell that runs the binary as
# its child, so `$!` would be that shell, and kill -9 would kill the shell and
# leave the server running (an earlier version of this script did exactly
# that: the "restarted" server failed to bind and the old one answered).
start_server() {
    if curl -fs "$BASE/healthz" >/dev/null 2>&1; then
        echo "端口已被占用 / something already answers on $BASE" >&2
        exit 1
    fi
    "$BIN" --data-dir "$WORK/data" serve --addr "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do
        if curl -fs "$BASE/healthz" >/dev/null 2>&1; then return 0; fi
        if ! kill -0 "$SERVER" 2>/dev/null; then
            echo "服务未能启动 / the server did not start:" >&2
            tail -20 "$WORK/server.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "服务 60 秒内未就绪 / the server was not ready within 60 s" >&2
    exit 1
}

echo "== 生成数据 / seeding $ORDERS orders into $WORK/data (SQLite)"
wuye bench seed --orders "$ORDERS" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; exit 1; }
echo "== 启动服务 / starting the server on $BASE"
start_server
FIRST_PID=$SERVER

echo "== W1：$CONNS 个连接，$DURATION 秒，第 $KILL_AFTER 秒 kill -9 / W1 with $CONNS connections for $DURATION s, kill -9 at $KILL_AFTER s"
"$BIN" --data-dir "$WORK/data" bench run --url "$BASE" --workload W1 --connections "$CONNS" \
    --duration "$DURATION" --warmup 0 --no-ceilings --json --ack-log "$WORK/acks.txt" \
    >"$WORK/run.json" 2>"$WORK/run.err" &
BENCH=$!
sleep "$KILL_AFTER"
ACKED_AT_KILL=$(wc -l <"$WORK/acks.txt" 2>/dev/null || echo 0)
kill -9 "$FIRST_PID"
wait "$FIRST_PID" 2>/dev/null || true
SERVER=""
if kill -0 "$FIRST_PID" 2>/dev/null; then
    echo "失败：服务未被杀掉 / FAILED: the server survived kill -9" >&2
    exit 1
fi
echo "   已 kill -9 服务（pid $FIRST_PID），此前已确认 $ACKED_AT_KILL 单 / killed pid $FIRST_PID with $ACKED_AT_KILL orders acknowledged so far"
start_server
if [ "$(grep -c 'cannot listen' "$WORK/server.log")" -ne 0 ]; then
    echo "失败：重启的服务未能监听 / FAILED: the restarted server could not listen" >&2
    exit 1
fi
echo "   服务已重启 / restarted as pid $SERVER"
if ! wait "$BENCH"; then
    BENCH=""
    echo "压测异常退出 / the load generator failed:" >&2
    tail -20 "$WORK/run.err" >&2
    exit 1
fi
BENCH=""

echo "== 核对 / checking every acknowledged order through the API"
TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"login":"bench-admin","password":"bench2026"}' | jq -r .token)
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || { echo "bench-admin 无法登录 / bench-admin cannot sign in" >&2; exit 1; }
ACKED=$(wc -l <"$WORK/acks.txt")
UNIQUE=$(cut -f1 "$WORK/acks.txt" | sort -u | wc -l)
# One curl, one keep-alive connection, in the order of acks.txt. Each answer is
# the compact JSON body on one line, then the status on the next.
{
    echo "header = \"Authorization: Bearer $TOKEN\""
    echo 'silent'
    echo 'write-out = "\n%{http_code}\n"'
    while IFS=$'\t' read -r id _number; do
        echo "url = \"$BASE/api/v1/orders/$id\""
    done <"$WORK/acks.txt"
} >"$WORK/curl.cfg"
curl -K "$WORK/curl.cfg" | paste - - \
    | jq -R -r 'split("\t") as [$body, $code] | [$code, ($body | fromjson? | .order.number // "-")] | @tsv' \
    >"$WORK/answers.tsv" || true
# acks.txt line: id, number; answers.tsv line: status, number now stored under that id.
paste "$WORK/acks.txt" "$WORK/answers.tsv" | awk -F'\t' '
    $3 == "200" && $4 == $2 { found++; next }
    $3 == "200"             { wrong++; if (wrong <= 10) print "   编号不符 / another order under id " $1 ": acked " $2 ", now " $4 > "/dev/stderr"; next }
                            { missing++; if (missing <= 10) print "   缺失 / missing: " $1 " " $2 " (HTTP " $3 ")" > "/dev/stderr" }
    END { printf "%d %d %d\n", found, missing, wrong }' >"$WORK/verdict.txt"
read -r FOUND MISSING WRONG <"$WORK/verdict.txt"
AFTER_RESTART=$((ACKED - ACKED_AT_KILL))
ERRORS=$(jq '.workloads[0].errors' "$WORK/run.json")
ERR_KINDS=$(jq -c '.workloads[0].errors_by_kind' "$WORK/run.json")

echo "== 结果 / result"
printf '   %-44s %s\n' "已确认的工单 / orders acknowledged (2xx):" "$ACKED ($UNIQUE distinct)"
printf '   %-44s %s\n' "  其中 kill -9 之前 / before the kill:" "$ACKED_AT_KILL"
printf '   %-44s %s\n' "  其中重启之后 / after the restart:" "$AFTER_RESTART"
printf '   %-44s %s\n' "重启后查到 / found after the restart:" "$FOUND"
printf '   %-44s %s\n' "缺失 / missing:" "$MISSING"
printf '   %-44s %s\n' "编号不符 / another order under the id:" "$WRONG"
printf '   %-44s %s\n' "压测端错误 / client-side errors:" "$ERRORS $ERR_KINDS"
if [ "$ACKED" -eq 0 ] || [ "$ACKED_AT_KILL" -eq 0 ]; then
    echo "失败：kill 之前没有任何确认 / FAILED: nothing was acknowledged before the kill" >&2
    exit 1
fi
if [ "$MISSING" -ne 0 ] || [ "$WRONG" -ne 0 ] || [ "$UNIQUE" -ne "$ACKED" ] || [ "$FOUND" -ne "$ACKED" ]; then
    echo "失败：有已确认的工单丢失 / FAILED: acknowledged orders are missing" >&2
    exit 1
fi
echo "通过：全部 $ACKED 张已确认工单在 kill -9 后仍在 / PASSED: all $ACKED acknowledged orders survived kill -9"
