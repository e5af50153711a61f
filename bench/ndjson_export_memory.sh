#!/usr/bin/env bash
# Streams the NDJSON export of ROWS synthetic reforms from a server on SQLite and samples the
# server's resident memory every 0.1 s, to show that an export of any length holds one batch.
#   bench/ndjson_export_memory.sh target/release/platina [ROWS]
set -euo pipefail
binary="$(realpath "$1")"
rows="${2:-100000}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export PLATINA__DEMO__ENABLED=true PLATINA__DATABASE__URL="sqlite://$work/bench.db?mode=rwc"
export PLATINA__SERVER__BIND=127.0.0.1:18089 PLATINA__SERVER__WEB_DIST=/nonexistent PLATINA__LOG__FILTER=warn
"$binary" demo load >/dev/null
# Copies of the first demo reform, numbered past the report's, in one statement.
sqlite3 "$work/bench.db" "
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
  INSERT INTO reforms (fiscal_year, bureau_id, report_number, classification, title, problem, action,
                       effect, period_text, period_start, period_end, status, featured, search_text,
                       version, created_at, updated_at)
  SELECT r.fiscal_year, r.bureau_id, NULL, r.classification, r.title || ' #' || n.i, r.problem, r.action,
         r.effect, r.period_text, r.period_start, r.period_end, r.status, r.featured, r.search_text,
         1, r.created_at, r.updated_at
  FROM n, (SELECT * FROM reforms ORDER BY id LIMIT 1) r;"
"$binary" serve >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18089/readyz >/dev/null && break; sleep 0.1; done
token="$(curl -sf -H 'Content-Type: application/json' \
  -d '{"email":"admin@platina.example","password":"platina-demo"}' \
  http://127.0.0.1:18089/api/v1/auth/login | sed -E 's/.*"access_token":"([^"]+)".*/\1/')"
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
before="$(rss)"
peak="$before"
start="$(date +%s.%N)"
curl -sf -H "Authorization: Bearer $token" -o "$work/out.ndjson" \
  "http://127.0.0.1:18089/api/v1/reforms/export?format=ndjson" &
download=$!
while kill -0 "$download" 2>/dev/null; do
  now="$(rss)"; (( now > peak )) && peak="$now"; sleep 0.1
done
wait "$download"
end="$(date +%s.%N)"
lines="$(wc -l < "$work/out.ndjson")"
bytes="$(stat -c %s "$work/out.ndjson")"
echo "rows=$lines bytes=$bytes seconds=$(echo "$end - $start" | bc) rss_before_kib=$before rss_peak_kib=$peak"
