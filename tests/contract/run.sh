#!/usr/bin/env bash
# Contract test: schemathesis drives the real server with every check it has, as an admin and as a
# viewer, on a fresh SQLite database and (when PLATINA_TEST_POSTGRES_URL is set) a fresh PostgreSQL
# database, and fails on any failure. Per-operation adjustments and their reasons are in
# tests/contract/schemathesis.toml; tests/contract/hooks.py gives each write a fresh Idempotency-Key.
#   tests/contract/run.sh target/debug/platina
# CONTRACT_MAX_EXAMPLES (default 5) bounds the cases per operation and phase; CONTRACT_SEED fixes
# the generator (default: a fixed seed, so CI runs the same cases every time). CONTRACT_DATABASES
# (default "sqlite postgres") picks the databases.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PLATINA_BINARY" >&2
  exit 2
fi
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
max_examples="${CONTRACT_MAX_EXAMPLES:-5}"
seed="${CONTRACT_SEED:-20261204}"
venv="$repo_dir/.venv"

if [[ ! -x "$venv/bin/schemathesis" ]] || ! "$venv/bin/pip" freeze 2>/dev/null | grep -qxF -f <(grep -v '^#' "$repo_dir/requirements-test.txt"); then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$repo_dir/requirements-test.txt"
fi

tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/platina-contract.XXXXXX")"
server_pid=""
postgres_db=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  if [[ -n "$postgres_db" ]]; then
    psql "$PLATINA_TEST_POSTGRES_URL" -q -c "DROP DATABASE IF EXISTS \"$postgres_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start_server NAME DATABASE_URL: demo mode (the demo accounts and the city's data), on a free port.
base_url=""
start_server() {
  local name="$1" url="$2" port
  port="$(free_port)"
  base_url="http://127.0.0.1:$port"
  PLATINA__DEMO__LOAD_DATASET=true \
  PLATINA__SERVER__BIND="127.0.0.1:$port" \
  PLATINA__SERVER__WEB_DIST="$tmp_dir/no-web-app" \
  PLATINA__DATABASE__URL="$url" \
  PLATINA__LOG__FILTER=warn \
    "$binary" --config "$repo_dir/config/demo.toml" serve >"$tmp_dir/$name.log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null --max-time 2 "$base_url/readyz" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "contract: the $name server did not become ready; its log:" >&2
      cat "$tmp_dir/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

token_for() {
  curl -fsS -X POST "$base_url/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"platina-demo\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

failed=0
summaries=()
# run_schemathesis DATABASE ROLE TOKEN
run_schemathesis() {
  local database="$1" role="$2" token="$3" report="$tmp_dir/$1-$2" status=0
  echo "contract: schemathesis on $database as $role ($base_url)"
  (cd "$repo_dir/tests/contract" &&
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$repo_dir/tests/contract" \
    "$venv/bin/schemathesis" --config-file schemathesis.toml run "$base_url/api/openapi.json" \
      --max-examples "$max_examples" --seed "$seed" --generation-allow-x00 true \
      --header "Authorization: Bearer $token" --no-color \
      --report json,ndjson --report-json-path "$report.json" \
      --report-ndjson-path "$report.ndjson") || status=$?
  summaries+=("$("$venv/bin/python" - "$report" "$database" "$role" <<'PY'
import json, sys
report = json.load(open(sys.argv[1] + ".json"))
names, runs = set(), 0
for line in open(sys.argv[1] + ".ndjson"):
    event = json.loads(line).get("ScenarioFinished")
    for results in (event or {}).get("recorder", {}).get("checks", {}).values():
        runs += len(results)
        names.update(r["name"] for r in results)
cases = report["test_cases"]
failures = sum(f["count"] for f in report["failures"])
print(f"{sys.argv[2]:<8} {sys.argv[3]:<6} operations {report['operations']['tested']}/"
      f"{report['operations']['selected']}, cases {cases['generated']}, checks {len(names)} kinds "
      f"/ {runs} run, failures {failures}, errors {cases['errored']}, {report['running_time']:.0f} s")
PY
)")
  if ((status != 0)); then
    failed=$((failed + 1))
    echo "contract: schemathesis on $database as $role failed ($status); server log: $tmp_dir/$database.log" >&2
    tail -n 30 "$tmp_dir/$database.log" >&2 || true
  fi
}

run_database() {
  local database="$1" url="$2"
  start_server "$database" "$url"
  local admin viewer
  admin="$(token_for admin@platina.example)"
  viewer="$(token_for viewer@platina.example)"
  run_schemathesis "$database" admin "$admin"
  run_schemathesis "$database" viewer "$viewer"
  stop_server
}

started=$SECONDS
databases=" ${CONTRACT_DATABASES:-sqlite postgres} "
if [[ "$databases" == *" sqlite "* ]]; then
  run_database sqlite "sqlite://$tmp_dir/contract.db?mode=rwc"
fi
if [[ "$databases" != *" postgres "* ]]; then
  :
elif [[ -n "${PLATINA_TEST_POSTGRES_URL:-}" ]]; then
  postgres_db="platina_contract_$(python3 -c 'import uuid;print(uuid.uuid4().hex)')"
  psql "$PLATINA_TEST_POSTGRES_URL" -q -c "CREATE DATABASE \"$postgres_db\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0" >/dev/null
  run_database postgres "$(python3 - "$PLATINA_TEST_POSTGRES_URL" "$postgres_db" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
PY
)"
else
  echo "contract: PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped"
fi

echo
echo "contract: schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}'), max $max_examples examples, seed $seed, $((SECONDS - started)) s"
printf '  %s\n' "${summaries[@]}"
runs=${#summaries[@]}
echo "contract: $((runs - failed)) passed, $failed failed"
exit $((failed > 0))
