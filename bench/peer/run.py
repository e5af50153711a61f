#!/usr/bin/env python3
"""`make bench-peer`: Platina side by side with Directus, the low-code data API a city's IT team
could pick instead, on the same reform rows.

1. Prepare (once per row count and seed; --reuse keeps it):
   - Platina on SQLite: `platina demo load`, then the generated rows (bench/peer/reforms.py) as
     CSV through `platina import --kind reforms`.
   - Platina on PostgreSQL: the same database restored with `platina export --all` and
     `platina import --all`.
   - Directus 12.4.0 (bench/peer/install.sh) on SQLite, bootstrapped fresh, bound to 127.0.0.1:
     a `reforms` collection with the same fields made through its REST API, and the same rows
     (with Platina's ids and timestamps) inserted through it in batches. A copy of its database
     gets the composite index the tuned run uses, added by hand.
2. Measure, in rounds (two by default), the servers one after another in each round: Platina on
   SQLite, Directus as shipped, Platina on PostgreSQL, Directus tuned (that index and its
   response cache in memory). Each runs B0 (its trivial endpoint), W1 (a list of 50 of one bureau
   and one status, newest first, with the total), W2 (the same with a substring search) and W3
   (one record by id, from a fixed seeded list of ids) under oha at each connection count, with
   the server's VmRSS before and after and VmHWM (reset first) of each.
3. B1: the statements Platina runs for W1, W2 and W3, read off PostgreSQL's statement log for one
   request each, run directly on PostgreSQL (pgbench) and SQLite (Python's sqlite3) at the same
   concurrency.
Results go to bench/results/<time>-peer.json and the table in docs/performance.md.

    python3 bench/peer/run.py [--rows 100000] [--seconds 10] [--rounds 2] [--connections 16,4]
                              [--reuse] [--prepare-only] [--table-only]
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import reforms  # noqa: E402  (the generator beside this file)

# PLATINA_PEER_SLOT=N keeps a second run apart from the first (its own folder, ports and database).
SLOT = int(os.environ.get("PLATINA_PEER_SLOT", "0"))
WORK = ROOT / "bench" / "work" / ("peer" if SLOT == 0 else f"peer{SLOT}")
RESULTS = ROOT / "bench" / "results"
# PLATINA_BENCH_BINARY=target/debug/platina tries the pipeline without a release build; its
# figures mean nothing.
BINARY = Path(os.environ.get("PLATINA_BENCH_BINARY", ROOT / "target" / "release" / "platina")).resolve()
DIRECTUS = HERE / "directus"
NODE_PACKAGES = HERE / "runtime" / "node_modules" / "node" / "node_modules"
PLATINA_PORT, DIRECTUS_PORT = 18281 + 10 * SLOT, 18255 + 10 * SLOT
PLATINA, PEER = f"http://127.0.0.1:{PLATINA_PORT}", f"http://127.0.0.1:{DIRECTUS_PORT}"
EMAIL, PASSWORD = "admin@platina.example", "platina-demo"
PEER_EMAIL, PEER_PASSWORD = "admin@example.com", "peer-bench-password"
# The peer's static token: it exists only in this throwaway instance on 127.0.0.1.
PEER_TOKEN = "platina-bench-peer-static-token"
POSTGRES_ADMIN = os.environ.get(
    "PLATINA_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PG_DATABASE = "platina_peer" if SLOT == 0 else f"platina_peer{SLOT}"
# W1 and W2: the bureau the generator gives most rows (found after loading) and this status.
STATUS = "in_progress"
WORD = "電子化"
W3_IDS = 1000
IMPORT_FILE_ROWS = 100_000
SERVERS = ["platina-sqlite", "directus", "platina-postgres", "directus-tuned"]
WORKLOADS = ["b0", "w1", "w2", "w3"]
LABELS = {
    "b0": "B0 trivial endpoint",
    "w1": "W1 list of 50, one bureau and one status, newest first",
    "w2": "W2 the same with a substring search",
    "w3": "W3 one record by id",
}


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def postgres_url(database):
    parts = urllib.parse.urlsplit(POSTGRES_ADMIN)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def request(url, token=None, body=None, method=None):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=data, method=method or ("POST" if body is not None else "GET"))
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=600) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method or 'GET'} {url}: {e.code} {e.read()[:2000].decode(errors='replace')}") from e
    return json.loads(raw) if raw.strip() else None


# -------------------------------------------------------------------------------------------
# Platina


def platina_env(url):
    env = dict(os.environ)
    env.update(
        PLATINA__DATABASE__URL=url,
        PLATINA__DEMO__ENABLED="true",
        PLATINA__DEMO__LOAD_DATASET="false",
        PLATINA__SERVER__BIND=f"127.0.0.1:{PLATINA_PORT}",
        PLATINA__SERVER__WEB_DIST="/nonexistent",
        PLATINA__LOG__FILTER="warn",
    )
    return env


SQLITE_PATH = WORK / "platina.db"
SQLITE_URL = f"sqlite://{SQLITE_PATH}?mode=rwc"
PG_URL = postgres_url(PG_DATABASE)


def platina_login():
    return request(PLATINA + "/api/v1/auth/login", body={"email": EMAIL, "password": PASSWORD})["access_token"]


def iso(stored):
    """A timestamp as SQLite holds it, in the ISO 8601 form the peer's API takes."""
    moment = datetime.datetime.fromisoformat(str(stored).replace("Z", "+00:00"))
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def organisation_of(path):
    """(bureau id, name, [section names]) of the demo organisation, in id order."""
    db = sqlite3.connect(path)
    bureaus = db.execute("SELECT id, name FROM bureaus ORDER BY id").fetchall()
    names = {}
    for section_id, bureau_id, name in db.execute(
        "SELECT s.id, s.bureau_id, n.name FROM sections s JOIN section_names n ON n.section_id = s.id "
        "ORDER BY s.id, n.effective_from"
    ):
        names.setdefault((bureau_id, section_id), name)
    db.close()
    return [(b, name, [n for (bureau, _), n in sorted(names.items()) if bureau == b]) for b, name in bureaus]


def prepare_platina(rows_wanted, seed):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    env = platina_env(SQLITE_URL)
    run([str(BINARY), "demo", "load"], env=env)
    organisation = organisation_of(SQLITE_PATH)
    rows = reforms.generate(rows_wanted, organisation, seed)
    # One import takes at most 100,000 rows (crates/api/src/tabular), so the rows go in as one file
    # while they fit in one: the import's own time is part of what the run measures.
    files = []
    for start in range(0, len(rows), IMPORT_FILE_ROWS):
        path = WORK / f"reforms-{start // IMPORT_FILE_ROWS + 1}.csv"
        reforms.write_csv(rows[start:start + IMPORT_FILE_ROWS], path)
        files.append(path)
    started = time.monotonic()
    for path in files:
        log(f"platina import --kind reforms {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
        made = subprocess.run([str(BINARY), "import", "--kind", "reforms", str(path)], env=env,
                              check=True, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        log(made.stdout.strip().splitlines()[-1])
    import_seconds = time.monotonic() - started
    # The rows as Platina stored them: its ids and timestamps go to the peer too.
    db = sqlite3.connect(SQLITE_PATH)
    stored = {(y, n): (i, c, u) for i, y, n, c, u in db.execute(
        "SELECT id, fiscal_year, report_number, created_at, updated_at FROM reforms")}
    db.close()
    for r in rows:
        r["id"], created, updated = stored[(r["fiscal_year"], r["report_number"])]
        r["created_at"], r["updated_at"] = iso(created), iso(updated)
    demo = demo_reforms(set(r["id"] for r in rows))

    backup = WORK / "platina-backup.json"
    run([str(BINARY), "export", "--all", str(backup)], env=env)
    run(["psql", POSTGRES_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {PG_DATABASE}"])
    run(["psql", POSTGRES_ADMIN, "-qc", f"CREATE DATABASE {PG_DATABASE}"])
    started = time.monotonic()
    run([str(BINARY), "import", "--all", str(backup)], env=platina_env(PG_URL))
    restore_seconds = time.monotonic() - started
    backup.unlink()
    return rows, demo, {"import_seconds": round(import_seconds, 1),
                        "postgres_restore_seconds": round(restore_seconds, 1),
                        "csv_bytes": sum(p.stat().st_size for p in files)}


def demo_reforms(generated):
    """The demo dataset's reforms as Platina holds them, for the peer: without them the peer's
    totals would fall short of Platina's by the demo reforms a filter also matches."""
    db = sqlite3.connect(SQLITE_PATH)
    names = dict(db.execute("SELECT id, name FROM bureaus"))
    section_names = {}
    for section_id, name in db.execute("SELECT section_id, name FROM section_names ORDER BY effective_from"):
        section_names.setdefault(section_id, name)
    demo = []
    for (i, year, number, bureau_id, classification, title, problem, action, effect, period, status, featured,
         created, updated) in db.execute(
            "SELECT id, fiscal_year, report_number, bureau_id, classification, title, problem, action, effect, "
            "period_text, status, featured, created_at, updated_at FROM reforms ORDER BY id"):
        if i in generated:
            continue
        sections = [section_names[s] for (s,) in db.execute(
            "SELECT section_id FROM reform_sections WHERE reform_id = ? ORDER BY section_id", (i,))]
        demo.append({
            "id": i, "fiscal_year": year, "report_number": number, "bureau_id": bureau_id,
            "bureau": names[bureau_id], "sections": "、".join(sections), "classification": classification,
            "title": title, "problem": problem, "action": action, "effect": effect, "period": period,
            "status": status, "featured": bool(featured),
            "tags": [t for (t,) in db.execute("SELECT tag FROM reform_tags WHERE reform_id = ? ORDER BY id", (i,))],
            "effects": [{"kind": k, "value": v, "unit": u, "basis": b} for k, v, u, b in db.execute(
                "SELECT kind, value, unit, basis FROM reform_effects WHERE reform_id = ? ORDER BY position", (i,))],
            "created_at": iso(created), "updated_at": iso(updated),
        })
    db.close()
    return demo


class Server:
    """A server process; memory is read from /proc for it and every process it started."""

    def __init__(self, name, command, env, ready_url, cwd=None):
        self.name = name
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                         stderr=open(WORK / f"{name}.log", "a"), start_new_session=True)
        for _ in range(1200):
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}; see {WORK / (name + '.log')}")
            try:
                urllib.request.urlopen(ready_url, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not become ready")

    def pids(self):
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    children = (task / "children").read_text().split()
                    frontier.extend(int(c) for c in children)
            except OSError:
                pass
        return found

    def memory(self, field):
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field + ":"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def reset_peak(self):
        for pid in self.pids():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_platina(backend):
    url = SQLITE_URL if backend == "sqlite" else PG_URL
    return Server(f"platina-{backend}", [str(BINARY), "serve"], platina_env(url), PLATINA + "/readyz")


# -------------------------------------------------------------------------------------------
# Directus


def node_binary():
    found = sorted(NODE_PACKAGES.glob("node-*-*/bin/node"))
    if not found:
        sys.exit("bench-peer: Node 22 is not installed; run bench/peer/install.sh (make bench-peer does)")
    return str(found[0])


def directus_env(database, mode):
    """The peer's settings: `shipped` is its defaults but for where it listens and stores; `tuned`
    adds its response cache and turns off its pressure limiter (which answers 503 while its event
    loop is busy); `load` is shipped without the limiter and with room for batches of rows."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "HOST": "127.0.0.1",
        "PORT": str(DIRECTUS_PORT),
        "PUBLIC_URL": PEER,
        "DB_CLIENT": "sqlite3",
        "DB_FILENAME": str(database),
        "KEY": "platina-bench-peer-key",
        "SECRET": "platina-bench-peer-secret-of-32-chars-or-more",
        "ADMIN_EMAIL": PEER_EMAIL,
        "ADMIN_PASSWORD": PEER_PASSWORD,
        "ADMIN_TOKEN": PEER_TOKEN,
        "LOG_LEVEL": "warn",
        "TELEMETRY": "false",
        "STORAGE_LOCATIONS": "local",
        "STORAGE_LOCAL_ROOT": str(WORK / "directus-uploads"),
        "EXTENSIONS_PATH": str(WORK / "directus-extensions"),
    }
    if mode == "load":
        env.update(MAX_PAYLOAD_SIZE="20mb", PRESSURE_LIMITER_ENABLED="false")
    if mode == "tuned":
        # Its response cache, kept in the server's memory, as its documentation recommends.
        env.update(CACHE_ENABLED="true", CACHE_STORE="memory", CACHE_TTL="30m", CACHE_AUTO_PURGE="true",
                   CACHE_STATUS_HEADER="X-Peer-Cache",
                   # Hands out the cached schema as is instead of a thawed copy per request.
                   CACHE_SCHEMA_FREEZE_ENABLED="true", PRESSURE_LIMITER_ENABLED="false")
    return env


def start_directus(name, database, mode):
    command = [node_binary(), str(DIRECTUS / "node_modules" / "directus" / "cli.js"), "start"]
    # In its own package's folder, where it looks for extensions installed as packages (none).
    server = Server(name, command, directus_env(database, mode), PEER + "/server/ping", cwd=DIRECTUS)
    # Just started, it may still call itself under pressure; wait until it answers a real request.
    for _ in range(600):
        try:
            request(PEER + "/users/me", PEER_TOKEN)
            return server
        except RuntimeError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not answer")


PEER_SHIPPED_DB = WORK / "directus.db"
PEER_TUNED_DB = WORK / "directus-tuned.db"
PEER_FIELDS = [
    ("fiscal_year", "integer", None), ("report_number", "integer", None), ("bureau_id", "integer", None),
    ("bureau", "string", None), ("sections", "text", None), ("classification", "string", None),
    ("title", "text", None), ("problem", "text", None), ("action", "text", None), ("effect", "text", None),
    ("period", "string", None), ("status", "string", None), ("featured", "boolean", None),
    ("tags", "json", "cast-json"), ("effects", "json", "cast-json"),
    ("created_at", "timestamp", None), ("updated_at", "timestamp", None),
]


def prepare_directus(rows):
    for path in (PEER_SHIPPED_DB, PEER_TUNED_DB):
        path.unlink(missing_ok=True)
    for directory in ("directus-uploads", "directus-extensions"):
        (WORK / directory).mkdir(exist_ok=True)
    env = directus_env(PEER_SHIPPED_DB, "load")
    run([node_binary(), str(DIRECTUS / "node_modules" / "directus" / "cli.js"), "bootstrap"], env=env, cwd=DIRECTUS)
    server = start_directus("directus-load", PEER_SHIPPED_DB, "load")
    try:
        fields = [{"field": "id", "type": "integer",
                   "schema": {"is_primary_key": True, "has_auto_increment": True}, "meta": {"hidden": False}}]
        for name, kind, special in PEER_FIELDS:
            field = {"field": name, "type": kind, "schema": {}, "meta": {}}
            if special:
                field["meta"]["special"] = [special]
            fields.append(field)
        request(PEER + "/collections", PEER_TOKEN, {"collection": "reforms", "schema": {}, "meta": {}, "fields": fields})
        started = time.monotonic()
        batch = 500
        for start in range(0, len(rows), batch):
            items = [{k: r[k] for k in ["id"] + [f[0] for f in PEER_FIELDS]} for r in rows[start:start + batch]]
            request(PEER + "/items/reforms", PEER_TOKEN, items)
            if start % 20_000 == 0:
                log(f"directus: {start + len(items):,} of {len(rows):,} rows")
        load_seconds = time.monotonic() - started
    finally:
        server.stop()
    shutil.copyfile(PEER_SHIPPED_DB, PEER_TUNED_DB)
    db = sqlite3.connect(PEER_TUNED_DB)
    # The composite index a DBA would add for the list: the filters, then the order.
    db.execute("CREATE INDEX reforms_bureau_status_updated ON reforms (bureau_id, status, updated_at, id)")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return {"load_seconds": round(load_seconds, 1)}


# -------------------------------------------------------------------------------------------
# The workloads


def workload_urls(server, bureau_id, ids):
    """{workload: (target, headers)} for one server; the target is a URL or a file of URLs."""
    if server.startswith("platina"):
        token = platina_login()
        headers = [f"Authorization: Bearer {token}"]
        base = PLATINA + "/api/v1/reforms"
        listing = {"bureau_id": bureau_id, "status": STATUS, "sort": "-updated_at", "per_page": 50}
        w1 = f"{base}?{urllib.parse.urlencode(listing)}"
        w2 = f"{base}?{urllib.parse.urlencode({**listing, 'q': WORD})}"
        b0 = PLATINA + "/healthz"
        w3 = [f"{base}/{i}" for i in ids]
    else:
        headers = [f"Authorization: Bearer {PEER_TOKEN}"]
        base = PEER + "/items/reforms"
        listing = {"filter[bureau_id][_eq]": bureau_id, "filter[status][_eq]": STATUS,
                   "sort": "-updated_at,-id", "limit": 50, "meta": "filter_count"}
        w1 = f"{base}?{urllib.parse.urlencode(listing)}"
        w2 = f"{base}?{urllib.parse.urlencode({**listing, 'search': WORD})}"
        b0 = PEER + "/server/ping"
        w3 = [f"{base}/{i}" for i in ids]
    urls = WORK / f"{server}-w3.urls"
    urls.write_text("".join(u + "\n" for u in w3))
    return {"b0": (b0, []), "w1": (w1, headers), "w2": (w2, headers), "w3": (urls, headers)}


def first_page(server, target, headers):
    """(total, ids of the page) of a list URL, to check both servers answer the same rows."""
    token = headers[0].split(" ", 2)[2]
    for attempt in range(300):
        try:
            answer = request(target, token)
            break
        except RuntimeError as e:
            # The peer as shipped answers 503 while its event loop is busy (its pressure limiter).
            if ": 503 " not in str(e) or attempt == 299:
                raise
            time.sleep(0.1)
    if server.startswith("platina"):
        return answer["total"], [item["id"] for item in answer["items"]]
    return answer["meta"]["filter_count"], [item["id"] for item in answer["data"]]


def oha(target, headers, seconds, connections):
    command = ["oha", "--no-tui", "--output-format", "json", "-w", "-z", f"{seconds}s", "-c", str(connections)]
    for h in headers:
        command += ["-H", h]
    command += ["--urls-from-file", str(target)] if isinstance(target, Path) else [target]
    data = json.loads(run(command).stdout)
    statuses = {str(k): v for k, v in data.get("statusCodeDistribution", {}).items()}
    p = data["latencyPercentiles"]
    answered = sum(statuses.values())
    succeeded = sum(v for k, v in statuses.items() if k.startswith("2"))
    # Throughput counts only the requests answered 2xx: a 503 from a limiter is not a list served.
    return {
        "requests": answered,
        "statuses": statuses,
        "errors": data.get("errorDistribution", {}),
        "throughput_rps": round(data["summary"]["requestsPerSec"] * succeeded / answered, 1) if answered else 0.0,
        "answered_rps": round(data["summary"]["requestsPerSec"], 1),
        "median_ms": round((p["p50"] or 0) * 1000, 2),
        "p95_ms": round((p["p95"] or 0) * 1000, 2),
        "p99_ms": round((p["p99"] or 0) * 1000, 2),
    }


def measure_server(name, bureau_id, ids, seconds, connection_counts):
    if name.startswith("platina"):
        server = start_platina(name.split("-")[1])
    else:
        tuned = name == "directus-tuned"
        server = start_directus(name, PEER_TUNED_DB if tuned else PEER_SHIPPED_DB, "tuned" if tuned else "shipped")
    result = {"rss_at_start_bytes": server.memory("VmRSS"), "workloads": {}}
    try:
        targets = workload_urls(name, bureau_id, ids)
        result["pages"] = {w: first_page(name, *targets[w]) for w in ("w1", "w2")}
        if name == "directus-tuned":
            # The second asking of the same list must come from the response cache.
            req = urllib.request.Request(targets["w1"][0], headers={"Authorization": f"Bearer {PEER_TOKEN}"})
            with urllib.request.urlopen(req, timeout=600) as answer:
                result["w1_cache_status"] = answer.headers.get("X-Peer-Cache")
        # Warm-up, not recorded: the first requests fill caches (the peer's response cache too).
        for w in WORKLOADS:
            oha(*targets[w], 2, 4)
        for connections in connection_counts:
            for w in WORKLOADS:
                if name.startswith("platina"):
                    targets = workload_urls(name, bureau_id, ids)  # a fresh token: they last 15 min
                before = server.memory("VmRSS")
                server.reset_peak()
                measured = oha(*targets[w], seconds, connections)
                measured.update(rss_before_bytes=before, rss_after_bytes=server.memory("VmRSS"),
                                peak_rss_bytes=server.memory("VmHWM"))
                result["workloads"][f"{w}@{connections}"] = measured
                log(f"{name} {w} c={connections}: {measured['throughput_rps']}/s p95 {measured['p95_ms']} ms "
                    f"rss {measured['rss_after_bytes'] / 1048576:.0f} MiB {measured['statuses']} {measured['errors'] or ''}")
    finally:
        server.stop()
    return result


# -------------------------------------------------------------------------------------------
# B1: Platina's own statements, run directly on each database


def postgres_log_file():
    current = run(["psql", POSTGRES_ADMIN, "-tAc", "SELECT pg_current_logfile()"]).stdout.strip()
    if current:
        data = run(["psql", POSTGRES_ADMIN, "-tAc", "SHOW data_directory"]).stdout.strip()
        return Path(current) if current.startswith("/") else Path(data) / current
    version = run(["psql", POSTGRES_ADMIN, "-tAc", "SHOW server_version_num"]).stdout.strip()
    # Debian's clusters write their stderr here when the logging collector is off.
    return Path(f"/var/log/postgresql/postgresql-{int(version) // 10000}-main.log")


LOGGED = re.compile(r"LOG:\s+(?:execute [^:]*|statement):\s(.*)$")
PARAMETERS = re.compile(r"DETAIL:\s+[Pp]arameters: (.*)$")
PARAMETER = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")


def capture_statements(bureau_id, ids):
    """The statements Platina on PostgreSQL runs for one request of W1, W2 and W3, with their
    parameters, read off the server's log with log_statement = all for its database only."""
    log_file = postgres_log_file()
    if not os.access(log_file, os.R_OK):
        return None, f"PostgreSQL's log ({log_file}) cannot be read"
    run(["psql", POSTGRES_ADMIN, "-qc", f"ALTER DATABASE {PG_DATABASE} SET log_statement = 'all'"])
    captured = {}
    try:
        server = start_platina("postgres")
        try:
            targets = workload_urls("platina-postgres", bureau_id, ids)
            for w in ("w1", "w2", "w3"):
                target, headers = targets[w]
                url = f"{PLATINA}/api/v1/reforms/{ids[0]}" if w == "w3" else target
                time.sleep(0.5)
                offset = log_file.stat().st_size
                request(url, headers[0].split(" ", 2)[2])
                time.sleep(1.0)  # the log is written asynchronously
                with open(log_file, "rb") as f:
                    f.seek(offset)
                    lines = f.read().decode(errors="replace").splitlines()
                captured[w] = parse_statements(lines)
        finally:
            server.stop()
    finally:
        run(["psql", POSTGRES_ADMIN, "-qc", f"ALTER DATABASE {PG_DATABASE} RESET log_statement"])
    return captured, None


def parse_statements(lines):
    statements = []
    marker = f"@{PG_DATABASE} "
    for line in lines:
        if marker not in line:
            continue
        logged = LOGGED.search(line)
        if logged:
            statements.append([logged.group(1), {}])
            continue
        parameters = PARAMETERS.search(line)
        if parameters and statements:
            statements[-1][1] = {int(n): (None if v == "NULL" else text.replace("''", "'"))
                                 for n, v, text in PARAMETER.findall(parameters.group(1))}
    # Transaction control and the pool's health checks are not the request's work.
    return [(sql, params) for sql, params in statements
            if sql.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")]


def pg_literal(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def as_pgbench(statements):
    lines = []
    for sql, params in statements:
        lines.append(re.sub(r"\$(\d+)", lambda m: pg_literal(params.get(int(m.group(1)))), sql) + ";")
    return "\n".join(lines) + "\n"


def as_sqlite(statements):
    """PostgreSQL's statements for SQLite: numbered parameters and whole numbers as integers."""
    converted = []
    for sql, params in statements:
        def value(v):
            return int(v) if v is not None and re.fullmatch(r"-?\d+", v) else v
        count = max(params) if params else 0
        sql = re.sub(r"\$(\d+)", r"?\1", sql).replace("ESCAPE E'\\\\'", "ESCAPE '\\'")
        # PostgreSQL's dialect puts the second SELECT of a UNION in parentheses; SQLite's grammar
        # takes it bare.
        sql = re.sub(r"UNION ALL \((SELECT .*)\)$", r"UNION ALL \1", sql, flags=re.S)
        converted.append((sql, [value(params.get(n)) for n in range(1, count + 1)]))
    return converted


def summarize(latencies_s, seconds):
    ordered = sorted(latencies_s)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"requests": len(ordered), "throughput_rps": round(len(ordered) / seconds, 1),
            "median_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def sqlite_direct(statements, seconds, threads):
    latencies, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        connection = sqlite3.connect(str(SQLITE_PATH), timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            for sql, parameters in statements:
                connection.execute(sql, parameters).fetchall()
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return summarize(latencies, time.monotonic() - started)


def pgbench(script, seconds, clients):
    directory = WORK / "pgbench"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    (directory / "request.sql").write_text(script)
    run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds), "-l",
         "--log-prefix", str(directory / "log"), "-f", str(directory / "request.sql"), PG_URL])
    latencies = []
    for file in directory.glob("log*"):
        for line in file.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1e6)
    return summarize(latencies, seconds)


def measure_b1(captured, seconds, connection_counts):
    results = {}
    for w, statements in captured.items():
        lite = as_sqlite(statements)
        for backend in ("sqlite", "postgres"):
            for connections in connection_counts:
                if backend == "sqlite":
                    measured = sqlite_direct(lite, seconds, connections)
                else:
                    measured = pgbench(as_pgbench(statements), seconds, connections)
                results[f"{backend}:{w}@{connections}"] = measured
                log(f"B1 {backend} {w} c={connections}: {measured['throughput_rps']}/s p95 {measured['p95_ms']} ms")
    return results


# -------------------------------------------------------------------------------------------
# The table


def mib(n):
    return f"{n / 1048576:.0f} MiB"


def over_rounds(run_result, server, key, field):
    return [r[server]["workloads"][key][field] for r in run_result["rounds"]
            if server in r and key in r[server]["workloads"]]


def span(values, unit="", digits=0):
    if not values:
        return "–"
    low, high = min(values), max(values)
    text = f"{low:,.{digits}f}" if low == high else f"{low:,.{digits}f}–{high:,.{digits}f}"
    return text + unit


def mean(values):
    return statistics.fmean(values) if values else None


def verdicts(run_result, key, platina="platina-sqlite"):
    """The issue's targets for a list (W1, W2) at one concurrency, on the means of the rounds."""
    def m(server, field):
        return mean(over_rounds(run_result, server, key, field))
    peer = "directus-tuned"
    backend = platina.split("-")[1]
    b1 = run_result.get("b1", {}).get(f"{backend}:{key}")
    throughput, peer_throughput = m(platina, "throughput_rps"), m(peer, "throughput_rps")
    p95, peer_p95 = m(platina, "p95_ms"), m(peer, "p95_ms")
    rss, peer_rss = m(platina, "peak_rss_bytes"), m(peer, "peak_rss_bytes")
    if None in (throughput, peer_throughput, p95, peer_p95, rss, peer_rss):
        return None
    return {
        "throughput_vs_peer": round(throughput / peer_throughput, 3),
        "p95_vs_peer": round(p95 / peer_p95, 3),
        "vs_b1": round(throughput / b1["throughput_rps"], 3) if b1 else None,
        "rss_vs_peer": round(rss / peer_rss, 3),
        "met": {
            "throughput ≥ 10 × peer": throughput >= 10 * peer_throughput,
            "p95 ≤ peer / 10": p95 <= peer_p95 / 10,
            "≥ 0.5 × B1": (throughput >= 0.5 * b1["throughput_rps"]) if b1 else None,
            "RSS ≤ peer / 10": rss <= peer_rss / 10,
        },
    }


def markdown(run_result):
    connection_counts = run_result["connections"]
    servers = [s for s in SERVERS if any(s in r for r in run_result["rounds"])]
    heading = {"platina-sqlite": "Platina (SQLite)", "platina-postgres": "Platina (PostgreSQL)",
               "directus": "Directus as shipped", "directus-tuned": "Directus tuned (index + cache)"}
    lines = ["| Workload | Connections | " + " | ".join(heading[s] for s in servers)
             + " | B1 SQLite | B1 PostgreSQL | Platina SQLite ÷ tuned peer (throughput, p95) | ÷ B1 |",
             "|---|---|" + "---|" * len(servers) + "---|---|---|---|"]
    b1 = run_result.get("b1", {})
    for w in WORKLOADS:
        for c in connection_counts:
            key = f"{w}@{c}"
            cells = []
            for s in servers:
                t = over_rounds(run_result, s, key, "throughput_rps")
                p = over_rounds(run_result, s, key, "p95_ms")
                cells.append(f"{span(t, '/s')}, p95 {span(p, ' ms', 1)}" if t else "–")
            b1_cells = []
            for backend in ("sqlite", "postgres"):
                r = b1.get(f"{backend}:{key}")
                b1_cells.append(f"{r['throughput_rps']:,.0f}/s, p95 {r['p95_ms']} ms" if r else "")
            ratio, vs_b1 = "", ""
            platina_t = mean(over_rounds(run_result, "platina-sqlite", key, "throughput_rps"))
            peer_t = mean(over_rounds(run_result, "directus-tuned", key, "throughput_rps"))
            platina_p = mean(over_rounds(run_result, "platina-sqlite", key, "p95_ms"))
            peer_p = mean(over_rounds(run_result, "directus-tuned", key, "p95_ms"))
            if platina_t and peer_t and peer_p:
                ratio = f"{platina_t / peer_t:.2f} ×, {platina_p / peer_p:.2f} ×"
            if platina_t and b1.get(f"sqlite:{key}"):
                vs_b1 = f"{platina_t / b1[f'sqlite:{key}']['throughput_rps']:.2f}"
            lines.append(f"| {LABELS[w]} | {c} | " + " | ".join(cells) + " | " + " | ".join(b1_cells)
                         + f" | {ratio} | {vs_b1} |")
    memory = []
    for s in servers:
        start = [r[s]["rss_at_start_bytes"] for r in run_result["rounds"] if s in r]
        peaks = [w["peak_rss_bytes"] for r in run_result["rounds"] if s in r for w in r[s]["workloads"].values()]
        afters = [w["rss_after_bytes"] for r in run_result["rounds"] if s in r for w in r[s]["workloads"].values()]
        memory.append(f"{span([v / 1048576 for v in start], ' MiB')} at start; after the workloads "
                      f"{span([v / 1048576 for v in afters], ' MiB')}; peak {mib(max(peaks))}")
    lines.append("| Server memory (VmRSS; VmHWM peak) | | " + " | ".join(memory) + " | | | | |")
    lines += ["", "Targets for the lists (Platina on SQLite against the tuned peer, means of the rounds):", "",
              "| Workload | Connections | Throughput ÷ peer (≥ 10) | p95 ÷ peer (≤ 0.1) | ÷ B1 (≥ 0.5) | Peak RSS ÷ peer (≤ 0.1) | Met |",
              "|---|---|---|---|---|---|---|"]
    for w in ("w1", "w2"):
        for c in connection_counts:
            v = verdicts(run_result, f"{w}@{c}")
            if v is None:
                continue
            met = all(x for x in v["met"].values() if x is not None)
            lines.append(f"| {LABELS[w]} | {c} | {v['throughput_vs_peer']} | {v['p95_vs_peer']} | "
                         f"{v['vs_b1'] if v['vs_b1'] is not None else '–'} | {v['rss_vs_peer']} | "
                         f"{'yes' if met else '**no**'} |")
    return "\n".join(lines)


def update_document(run_result):
    document = ROOT / "docs" / "performance.md"
    text = document.read_text()
    # A run of Platina alone keeps the side-by-side table and fills its own.
    alone = not any(s.startswith("directus") for r in run_result["rounds"] for s in r)
    begin, end = ("<!-- platina-alone:begin -->", "<!-- platina-alone:end -->") if alone else (
        "<!-- peer:begin -->", "<!-- peer:end -->")
    source = (f"Latest run: `bench/results/{run_result['when']}-peer.json`, {run_result['rows']:,} rows, "
              f"{run_result['seconds_per_run']} s per load run, {len(run_result['rounds'])} rounds"
              + (f". {run_result['note']}" if run_result.get("note") else "") + ".")
    table = f"{begin}\n{source}\n\n{markdown(run_result)}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + table + text[text.index(end) + len(end):]
    else:
        text += "\n" + table + "\n"
    document.write_text(text)


# -------------------------------------------------------------------------------------------


def finish(result, servers, ids, save):
    """B1, the verdicts and the table, once every server has been measured."""
    rounds, bureau_id, connection_counts = result["rounds"], result["w1_bureau_id"], result["connections"]
    captured, why = capture_statements(bureau_id, ids)
    b1 = measure_b1(captured, result["seconds_per_run"], connection_counts) if captured else {}
    # Every server must have answered the same rows, or the comparison means nothing.
    pages = {name: rounds[0][name]["pages"] for name in servers}
    reference = next(iter(pages.values()))
    result.update({
        "complete": True,
        "same_rows_on_every_server": all(p == reference for p in pages.values()),
        "pages": pages,
        "b1": b1,
        "b1_statements": {w: [sql for sql, _ in s] for w, s in (captured or {}).items()},
        "b1_missing": why,
        "verdicts": {f"{w}@{c}": verdicts(result, f"{w}@{c}") for w in ("w1", "w2") for c in connection_counts},
    })
    save()
    if not result["same_rows_on_every_server"]:
        log(f"the servers answered different rows: {json.dumps(pages)}")
    update_document(result)
    print(markdown(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="reform rows loaded into both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", default="16,4")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--reuse", action="store_true", help="keep the data prepared with the same rows and seed")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--note", default="", help="a remark written with the results and above the table")
    parser.add_argument("--table-only", action="store_true",
                        help="rewrite the table in docs/performance.md from the latest results")
    parser.add_argument("--finish", action="store_true",
                        help="complete the latest run cut short after its servers were measured: B1 and the table")
    args = parser.parse_args()
    if args.finish:
        latest = sorted(RESULTS.glob("*-peer.json"))
        if not latest:
            sys.exit("bench-peer: no results yet")
        result = json.loads(latest[-1].read_text())
        if result["complete"]:
            sys.exit(f"bench-peer: {latest[-1].name} is complete already")
        servers = [s for s in SERVERS if s in result["rounds"][0]]
        rows = json.loads((WORK / "rows.json").read_text())
        ids = random.Random(result["seed"]).sample([r["id"] for r in rows], k=min(W3_IDS, len(rows)))

        def save():
            latest[-1].write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

        finish(result, servers, ids, save)
        return
    if args.table_only:
        latest = sorted(RESULTS.glob("*-peer.json"))
        if not latest:
            sys.exit("bench-peer: no results yet")
        result = json.loads(latest[-1].read_text())
        update_document(result)
        print(markdown(result))
        return
    for tool in ("psql",) if args.prepare_only else ("oha", "psql", "pgbench"):
        if shutil.which(tool) is None:
            sys.exit(f"bench-peer: {tool} is not installed (see docs/performance.md)")
    if not BINARY.exists():
        sys.exit("bench-peer: build the release binary first (make bench-peer does)")
    servers = [s for s in SERVERS if s in args.servers.split(",")]
    # Without a peer among the servers, Platina is measured alone: Directus is neither needed nor
    # loaded (a quick look at Platina's own figures; the comparison needs the peer).
    with_peer = any(s.startswith("directus") for s in servers)
    if with_peer:
        node_binary()
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    connection_counts = [int(c) for c in args.connections.split(",")]
    spec = {"rows": args.rows, "seed": args.seed}
    marker = WORK / "prepared.json"
    rows_file = WORK / "rows.json"
    reusable = marker.exists() and json.loads(marker.read_text())["spec"] == spec and (
        not with_peer or json.loads(marker.read_text()).get("directus") is not None)
    if args.reuse and reusable:
        prepared = json.loads(marker.read_text())
        rows = json.loads(rows_file.read_text())
        log(f"reusing the {args.rows:,} rows prepared before")
    else:
        marker.unlink(missing_ok=True)
        log(f"preparing {args.rows:,} rows (seed {args.seed})")
        rows, demo, platina_made = prepare_platina(args.rows, args.seed)
        log(f"platina: {platina_made}")
        # The peer gets the demo dataset's reforms too, so both hold the same records.
        peer_made = None
        if with_peer:
            peer_made = prepare_directus(demo + rows)
            peer_made["demo_reforms"] = len(demo)
            log(f"directus: {peer_made}")
        prepared = {"spec": spec, "platina": platina_made, "directus": peer_made, "platina_binary": str(BINARY)}
        rows_file.write_text(json.dumps(rows, ensure_ascii=False))
        marker.write_text(json.dumps(prepared))
    if args.prepare_only:
        return

    # W1's bureau: the one with the most rows, so the list filters something sizeable.
    counts = {}
    for r in rows:
        counts[r["bureau_id"]] = counts.get(r["bureau_id"], 0) + 1
    bureau_id = max(counts, key=lambda b: (counts[b], -b))
    ids = random.Random(args.seed).sample([r["id"] for r in rows], k=min(W3_IDS, len(rows)))

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    rounds = []
    result = {
        "when": stamp,
        "complete": False,
        "note": args.note,
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(),
                    "load_average_at_start": os.getloadavg(), "oha": run(["oha", "--version"]).stdout.strip(),
                    "node": run([node_binary(), "--version"]).stdout.strip() if with_peer else None,
                    "directus": json.loads((DIRECTUS / "node_modules" / "directus" / "package.json").read_text())[
                        "version"] if with_peer else None,
                    "platina_binary": str(BINARY.relative_to(ROOT) if BINARY.is_relative_to(ROOT) else BINARY)},
        "rows": args.rows,
        "seed": args.seed,
        "prepared": prepared,
        "w1_bureau_id": bureau_id,
        "w1_status": STATUS,
        "w2_word": WORD,
        "w3_ids": len(ids),
        "seconds_per_run": args.seconds,
        "connections": connection_counts,
        "rounds": rounds,
    }
    output = RESULTS / f"{stamp}-peer.json"

    def save():
        output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

    # Saved after every server, so a run cut short still leaves what it measured.
    for number in range(1, args.rounds + 1):
        results = {}
        rounds.append(results)
        for name in servers:
            log(f"round {number}: {name}")
            results[name] = measure_server(name, bureau_id, ids, args.seconds, connection_counts)
            save()

    finish(result, servers, ids, save)


if __name__ == "__main__":
    main()
