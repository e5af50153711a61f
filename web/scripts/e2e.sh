#!/usr/bin/env bash
# Runs the Playwright tests against a real server started from the given binary.
#   web/scripts/e2e.sh target/debug/platina
#   web/scripts/e2e.sh target/debug/platina e2e/admin-operations.spec.ts   # one spec (any
#                                                # further arguments go to `playwright test`)
# Needs web/dist (npm run build) and /usr/bin/chromium; exits with Playwright's status.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PLATINA_BINARY [PLAYWRIGHT_ARGS...]" >&2
  exit 2
fi

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$web_dir/.." && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift

if [[ ! -x "$binary" ]]; then
  echo "e2e: $binary is not an executable file" >&2
  exit 2
fi
if [[ ! -f "$web_dir/dist/index.html" ]]; then
  echo "e2e: $web_dir/dist/index.html is missing; run 'npm run build' in web/ first" >&2
  exit 2
fi

tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/platina-e2e.XXXXXX")"
server_pids=()

cleanup() {
  for pid in "${server_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start_server NAME LOAD_DATASET [SETTING=VALUE...]: starts the binary on a free port with its own
# SQLite database and any further settings in its environment, waits until /readyz answers and
# sets started_url.
started_url=""
start_server() {
  local name="$1" load_dataset="$2"
  shift 2
  local port log pid
  port="$(free_port)"
  log="$tmp_dir/$name.log"
  started_url="http://127.0.0.1:$port"
  echo "e2e: starting $binary ($name) on $started_url (log: $log)"
  PLATINA__DEMO__LOAD_DATASET="$load_dataset" \
  PLATINA__SERVER__BIND="127.0.0.1:$port" \
  PLATINA__DATABASE__URL="sqlite://$tmp_dir/$name.db?mode=rwc" \
  PLATINA__SERVER__WEB_DIST="$web_dir/dist" \
    env "$@" "$binary" --config "$repo_dir/config/demo.toml" serve >"$log" 2>&1 &
  pid=$!
  server_pids+=("$pid")

  local deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "e2e: the $name server exited before it was ready; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    if curl -fsS -o /dev/null --max-time 2 "$started_url/readyz" 2>/dev/null; then
      echo "e2e: $name server ready"
      return 0
    fi
    sleep 0.5
  done
  echo "e2e: $started_url/readyz did not answer within 90 s; the $name server log:" >&2
  cat "$log" >&2
  exit 1
}

# The browser tests build their own records, so the demo dataset stays out of their database...
start_server e2e false
base_url="$started_url"
# ...except the dashboard's, which checks the figures of the city's public report (data/demo):
# a second server with the demo dataset loaded, reached through PLATINA_E2E_DEMO_URL.
start_server demo true
demo_url="$started_url"

# The notification spec adds a proposal of its own; a server of its own keeps it out of the
# counts the proposal spec checks.
start_server notify false
notify_url="$started_url"

# The admin screens' spec sends mail, fails jobs and registers webhooks: a server of its own, whose
# job runner looks for work every 100 ms so that each step shows within the spec's time.
start_server admin false PLATINA__JOBS__POLL_INTERVAL_MS=100
admin_url="$started_url"

# The round spec opens a round over every record of its scope; a server of its own keeps the
# other specs' records out of its requests.
start_server rounds false
rounds_url="$started_url"

status=0
(cd "$web_dir" && PLATINA_E2E_URL="$base_url" PLATINA_E2E_DEMO_URL="$demo_url" PLATINA_E2E_NOTIFY_URL="$notify_url" \
  PLATINA_E2E_ADMIN_URL="$admin_url" PLATINA_E2E_ROUNDS_URL="$rounds_url" npx playwright test "$@") || status=$?
if [[ $status -ne 0 ]]; then
  for log in "$tmp_dir"/*.log; do
    echo "e2e: playwright failed ($status); the last lines of $(basename "$log"):" >&2
    tail -n 50 "$log" >&2
  done
fi
exit "$status"
