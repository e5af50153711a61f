#!/usr/bin/env bash
# Runs the Playwright tests against a real server started from the given binary.
#   web/scripts/e2e.sh target/debug/platina
# Needs web/dist (npm run build) and /usr/bin/chromium; exits with Playwright's status.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PLATINA_BINARY" >&2
  exit 2
fi

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$web_dir/.." && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

if [[ ! -x "$binary" ]]; then
  echo "e2e: $binary is not an executable file" >&2
  exit 2
fi
if [[ ! -f "$web_dir/dist/index.html" ]]; then
  echo "e2e: $web_dir/dist/index.html is missing; run 'npm run build' in web/ first" >&2
  exit 2
fi

tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/platina-e2e.XXXXXX")"
server_log="$tmp_dir/server.log"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
base_url="http://127.0.0.1:$port"

echo "e2e: starting $binary on $base_url (log: $server_log)"
# The browser tests build their own records, so the demo dataset stays out of their database.
PLATINA__DEMO__LOAD_DATASET=false \
PLATINA__SERVER__BIND="127.0.0.1:$port" \
PLATINA__DATABASE__URL="sqlite://$tmp_dir/e2e.db?mode=rwc" \
PLATINA__SERVER__WEB_DIST="$web_dir/dist" \
  "$binary" --config "$repo_dir/config/demo.toml" serve >"$server_log" 2>&1 &
server_pid=$!

ready=""
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: the server exited before it was ready; its log:" >&2
    cat "$server_log" >&2
    exit 1
  fi
  if curl -fsS -o /dev/null --max-time 2 "$base_url/readyz" 2>/dev/null; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "e2e: $base_url/readyz did not answer within 60 s; the server log:" >&2
  cat "$server_log" >&2
  exit 1
fi
echo "e2e: server ready"

status=0
(cd "$web_dir" && PLATINA_E2E_URL="$base_url" npx playwright test) || status=$?
if [[ $status -ne 0 ]]; then
  echo "e2e: playwright failed ($status); the last lines of the server log:" >&2
  tail -n 50 "$server_log" >&2
fi
exit "$status"
