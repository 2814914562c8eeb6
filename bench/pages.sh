#!/usr/bin/env bash
# pages.sh — server-side render time and transfer size of the main pages, and the
# dashboard queries, against a running server seeded by `wuye bench seed`
# (BENCHMARKS.md, "Pages and dashboards"). One request at a time, so the times
# are render times, not queueing.
#
# Usage: bench/pages.sh [--url http://127.0.0.1:18095] [--requests 50]
# Needs: bash, curl, jq, sort, awk. Loopback only.
set -euo pipefail

BASE=http://127.0.0.1:18095
N=50
while [ $# -gt 0 ]; do
    case "$1" in
        --url) BASE=$2; shift 2 ;;
        --requests) N=$2; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "未知参数 / unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$BASE" in
    http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
    *) echo "仅限本机 / loopback only: $BASE" >&2; exit 2 ;;
esac

login() {
    curl -fs -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"bench2026\"}" | jq -r .token
}
RESIDENT=$(login bench-r1)
AGENT=$(login bench-a1)
TECH=$(login bench-t1)
ADMIN=$(login bench-admin)
ORDER=$(curl -fs "$BASE/api/v1/orders?queue=all&limit=1" -H "authorization: Bearer $AGENT" | jq -r '.items[0].id // .orders[0].id // .[0].id')
MINE=$(curl -fs "$BASE/api/v1/orders?limit=1" -H "authorization: Bearer $RESIDENT" | jq -r '.items[0].id // .orders[0].id // .[0].id')
TODAY=$(date +%F)
YEAR_AGO=$(date -d '-365 days' +%F)
# A month half a year back: what a click on the dashboard's 12-month chart opens.
PAST_FROM=$(date -d '-200 days' +%F)
PAST_TO=$(date -d '-170 days' +%F)

# p50 / p95 / max of N timed GETs, and the bytes of the last answer.
measure() {
    local name=$1 token=$2 path=$3
    local times
    times=$(for _ in $(seq 1 "$N"); do
        curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' \
            -H "cookie: wuye_session=$token" -H "authorization: Bearer $token" \
            -H 'accept-encoding: gzip, br' "$BASE$path"
    done)
    local bad
    bad=$(echo "$times" | awk '$1 != 200' | wc -l)
    echo "$times" | awk -v name="$name" -v path="$path" -v bad="$bad" '
        { t[NR] = $2 * 1000; bytes = $3 }
        END {
            n = asort(t)
            printf "%-28s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  %8d bytes  non-200 %d  %s\n",
                name, t[int(n * 0.5 + 0.5)], t[int(n * 0.95 + 0.5)], t[n], bytes, bad, path
        }'
}

echo "每项 $N 次，串行 / $N requests each, one at a time — $BASE"
measure "resident home /r" "$RESIDENT" "/r"
measure "resident order" "$RESIDENT" "/r/orders/$MINE"
measure "desk queue (team)" "$AGENT" "/desk"
measure "desk queue (all)" "$AGENT" "/desk?queue=all"
measure "desk search 漏水" "$AGENT" "/desk?queue=all&q=%E6%BC%8F%E6%B0%B4"
measure "desk order" "$AGENT" "/desk/orders/$ORDER"
measure "desk, a month half a year back" "$AGENT" "/desk?queue=all&from=$PAST_FROM&to=$PAST_TO"
measure "technician tasks /t" "$TECH" "/t"
measure "dashboard page (month)" "$ADMIN" "/dashboard"
measure "API dashboard, month" "$ADMIN" "/api/v1/kpi/dashboard?period=month&date=$TODAY"
measure "API dashboard, 12 months" "$ADMIN" "/api/v1/kpi/dashboard?period=custom&date=$YEAR_AGO&to=$TODAY"

# What a resident's phone downloads for the home page: the HTML and every
# stylesheet and script it references (compressed as served).
html_bytes=$(curl -s -o /dev/null -w '%{size_download}' -H 'accept-encoding: gzip, br' \
    -H "cookie: wuye_session=$RESIDENT" "$BASE/r")
total=$html_bytes
for asset in $(curl -s -H "cookie: wuye_session=$RESIDENT" "$BASE/r" \
        | grep -o '\(href\|src\)="/[^"]*\.\(css\|js\)[^"]*"' | cut -d'"' -f2); do
    b=$(curl -s -o /dev/null -w '%{size_download}' -H 'accept-encoding: gzip, br' "$BASE$asset")
    echo "  $asset: $b bytes"
    total=$((total + b))
done
echo "resident home, everything transferred (HTML $html_bytes + assets): $total bytes ($((total / 1024)) KB)"
