#!/usr/bin/env python3
"""`make bench`: Platina at national scale, on SQLite and then on PostgreSQL.

For each backend it makes a synthetic city (`platina synth` over the demo organisation), starts the
release server and drives it with oha. Every workload is set beside two baselines measured in the
same run: B0, a trivial endpoint of the same server (`/healthz`, the framework's ceiling on this
machine), and B1, the statements the server runs for the workload, run directly on the database
(PostgreSQL through pgbench and psql, SQLite through Python's sqlite3 module and the sqlite3 shell).
Results go to bench/results/<time>-<backend>.json and the table in docs/performance.md.

    python3 bench/run.py [--backends sqlite,postgres] [--scale 1.0] [--seconds 15] [--reuse]
                         [--workloads as_of_list,ndjson_export,csv_export]

PLATINA_BENCH_BINARY names another server binary than target/release/platina (a build of another
branch, say); each result records the load average before and after each workload, since the
machine may be shared.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
BINARY = Path(os.environ.get("PLATINA_BENCH_BINARY", ROOT / "target" / "release" / "platina")).resolve()
PORT = 18181
BASE = f"http://127.0.0.1:{PORT}"
EMAIL, PASSWORD = "admin@platina.example", "platina-demo"
FISCAL_YEAR = 2025
THEME = "職員の困りごと"
WORD = "電子化"
CONCURRENCY = 4
POSTGRES_ADMIN = os.environ.get(
    "PLATINA_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PROPOSAL_COLUMNS = (
    '"id", "fiscal_year", "number", "theme", "scene", "viewpoint", "title", "pain_point", '
    '"proposed_solution", "implementation_status", "outcome_period_text", "outcome_text", '
    '"continues_proposal_id", "created_by_user_id", "stage", "search_text", "version", '
    '"created_at", "updated_at"'
)


# Every workload `measure` knows, in the order it runs them; `--workloads` picks some.
WORKLOADS = ("b0_healthz", "proposal_list", "dashboard_as_of", "as_of_list", "ndjson_export", "csv_export",
             "writes_with_audit", "list_with_logins", "workers")


# The rate of writes_with_audit's measured phase; None means half of the measured maximum.
WRITE_RATE = None


def load_average():
    """The 1, 5 and 15 minute load averages: the machine is shared, so every figure carries them."""
    return [round(x, 2) for x in os.getloadavg()]


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def postgres_url(database):
    parts = urllib.parse.urlsplit(POSTGRES_ADMIN)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def run(command, **kwargs):
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def call(path, token=None, body=None):
    request = urllib.request.Request(BASE + path, method="POST" if body is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        request.add_header("Content-Type", "application/json")
        data = json.dumps(body).encode()
    with urllib.request.urlopen(request, data, timeout=600) as answer:
        return json.load(answer)


def login():
    return call("/api/v1/auth/login", body={"email": EMAIL, "password": PASSWORD})["access_token"]


class Backend:
    def __init__(self, name, scale):
        self.name = name
        self.scale = scale
        if name == "sqlite":
            self.path = WORK / "platina.db"
            self.url = f"sqlite://{self.path}?mode=rwc"
        else:
            self.database = "platina_bench"
            self.url = postgres_url(self.database)

    def environment(self):
        env = dict(os.environ)
        env.update(
            PLATINA__DATABASE__URL=self.url,
            PLATINA__DEMO__ENABLED="true",
            PLATINA__SERVER__BIND=f"127.0.0.1:{PORT}",
            PLATINA__SERVER__WEB_DIST="/nonexistent",
            PLATINA__LOG__FILTER="warn",
        )
        return env

    def marker(self):
        return WORK / f"{self.name}.synth.json"

    def prepare(self, spec, reuse):
        """A fresh database with the demo organisation and the synthetic city."""
        if reuse and self.marker().exists() and json.loads(self.marker().read_text()) == spec:
            log(f"{self.name}: reusing the synthetic city in {self.url}")
            return None
        if self.name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            run(["psql", POSTGRES_ADMIN, "-qc", f"DROP DATABASE IF EXISTS {self.database}"])
            run(["psql", POSTGRES_ADMIN, "-qc", f"CREATE DATABASE {self.database}"])
        env = self.environment()
        run([str(BINARY), "demo", "load"], env=env)
        log(f"{self.name}: synth {spec}")
        started = time.monotonic()
        made = subprocess.run(
            [str(BINARY), "synth"] + [f"--{k.replace('_', '-')}={v}" for k, v in spec.items()],
            env=env, check=True, text=True, stdout=subprocess.PIPE,
        )
        seconds = time.monotonic() - started
        self.marker().write_text(json.dumps(spec))
        log(f"{self.name}: {made.stdout.strip()}")
        return {"seconds": round(seconds, 1), "output": made.stdout.strip()}

    def pending_jobs(self):
        """Fan-out, mail and webhook jobs queued or running (not the recurring sweeps, which wait
        for their hour); 0 for a build that has no job runner."""
        sql = ("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running') AND kind IN "
               "('event.fan_out', 'mail.send', 'webhook.fan_out', 'webhook.deliver')")
        command = ["sqlite3", str(self.path), sql] if self.name == "sqlite" else ["psql", self.url, "-tAc", sql]
        answer = subprocess.run(command, text=True, capture_output=True)
        return int(answer.stdout.strip()) if answer.returncode == 0 and answer.stdout.strip() else 0

    def wait_for_jobs(self, limit_seconds=120):
        """Until the runner has caught up, so that one run's backlog is not measured in the next."""
        started = time.monotonic()
        while (pending := self.pending_jobs()) and time.monotonic() - started < limit_seconds:
            time.sleep(0.5)
        waited = round(time.monotonic() - started, 1)
        log(f"{self.name}: job backlog {'cleared' if not pending else f'still {pending}'} after {waited} s")
        return waited

    def size_bytes(self):
        if self.name == "sqlite":
            return sum(Path(f"{self.path}{s}").stat().st_size
                       for s in ("", "-wal") if Path(f"{self.path}{s}").exists())
        out = run(["psql", self.url, "-tAc", f"SELECT pg_database_size('{self.database}')"])
        return int(out.stdout.strip())


class Server:
    def __init__(self, backend):
        self.process = subprocess.Popen(
            [str(BINARY), "serve"], env=backend.environment(),
            stdout=subprocess.DEVNULL, stderr=open(WORK / f"{backend.name}.server.log", "w"),
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(BASE + "/readyz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not become ready")

    def status(self, field):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def reset_peak(self):
        # Writing 5 to clear_refs resets VmHWM, so each workload reports its own peak.
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def oha(target, seconds, token=None, rate=None, method=None, body=None, connections=CONCURRENCY):
    command = ["oha", "--no-tui", "--output-format", "json", "-w", "-z", f"{seconds}s",
               "-c", str(connections)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if rate:
        command += ["-q", str(rate)]
    if method:
        command += ["-m", method]
    if body is not None:
        command += ["-d", json.dumps(body, ensure_ascii=False), "-T", "application/json"]
    if isinstance(target, Path):
        command += ["--urls-from-file", str(target)]
    else:
        command.append(target)
    data = json.loads(run(command).stdout)
    statuses = {str(k): v for k, v in data.get("statusCodeDistribution", {}).items()}
    percentiles = data["latencyPercentiles"]
    return {
        "requests": sum(statuses.values()),
        "statuses": statuses,
        "errors": data.get("errorDistribution", {}),
        "throughput_rps": round(data["summary"]["requestsPerSec"], 1),
        "median_ms": round(percentiles["p50"] * 1000, 2),
        "p95_ms": round(percentiles["p95"] * 1000, 2),
        "p99_ms": round(percentiles["p99"] * 1000, 2),
    }


def summarize(latencies_s, seconds):
    ordered = sorted(latencies_s)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "requests": len(ordered),
        "throughput_rps": round(len(ordered) / seconds, 1),
        "median_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


def sqlite_direct(path, statements_of, seconds, threads=CONCURRENCY, writes=False):
    """Runs the statements for one request over and over on `threads` connections."""
    latencies = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(n):
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        mine = []
        i = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            if writes:
                connection.execute("BEGIN IMMEDIATE")
            for sql, parameters in statements_of(n, i):
                connection.execute(sql, parameters).fetchall()
            if writes:
                connection.execute("COMMIT")
            mine.append(time.perf_counter() - started)
            i += 1
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return summarize(latencies, time.monotonic() - started)


def pgbench(url, script, seconds, clients=CONCURRENCY):
    """pgbench over a script of the request's statements; latency percentiles from its log."""
    directory = WORK / "pgbench"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    (directory / "request.sql").write_text(script)
    run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
         "-l", "--log-prefix", str(directory / "log"), "-f", str(directory / "request.sql"), url])
    latencies = []
    for file in directory.glob("log*"):
        for line in file.read_text().splitlines():
            fields = line.split()
            latencies.append(int(fields[2]) / 1e6)
    return summarize(latencies, seconds)


def pg_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def list_statements(page_ids, user_id, backend):
    """The statements a filtered, searched list of 50 proposals runs (read off the PostgreSQL log;
    on SQLite the search goes through the trigram index instead of LIKE, as the server does)."""
    if backend == "sqlite":
        where = ('"proposals"."fiscal_year" = ? AND "proposals"."theme" = ? AND "proposals"."id" IN '
                 '(SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ?)')
        parameters = [FISCAL_YEAR, THEME, f'"{WORD}"']
    else:
        where = f'"proposals"."fiscal_year" = ? AND "proposals"."theme" = ? AND "proposals"."search_text" LIKE ? ESCAPE \'\\\''
        parameters = [FISCAL_YEAR, THEME, f"%{WORD}%"]
    placeholders = ", ".join("?" for _ in page_ids)
    return [
        ('SELECT * FROM "users" WHERE "users"."id" = ? LIMIT 1', [user_id]),
        (f'SELECT COUNT(*) FROM (SELECT {PROPOSAL_COLUMNS} FROM "proposals" WHERE {where}) AS "sub_query"', parameters),
        (f'SELECT {PROPOSAL_COLUMNS} FROM "proposals" WHERE {where} ORDER BY "proposals"."id" ASC LIMIT 50 OFFSET 0', parameters),
        (f'SELECT * FROM "proposal_assignments" WHERE "proposal_id" IN ({placeholders}) ORDER BY "id" ASC', list(page_ids)),
        ('SELECT "id", "bureau_id", "version", "created_at", "updated_at" FROM "sections" ORDER BY "id" ASC', []),
        ('SELECT * FROM "section_names" ORDER BY "section_id" ASC, "effective_from" ASC', []),
        ('SELECT * FROM "bureaus" ORDER BY "sort_order" ASC, "id" ASC', []),
    ]


def dashboard_statements(as_of, tag_keys):
    statements = [
        ('SELECT "figure", "key", CAST(SUM(delta) AS BIGINT) FROM "dashboard_tallies" WHERE "fiscal_year" = ? '
         'AND "bureau_id" = 0 AND "day" <= ? GROUP BY "figure", "key"', [FISCAL_YEAR, as_of]),
        ('SELECT CAST(SUM(delta) AS BIGINT) FROM "stale_tallies" WHERE "fiscal_year" = ? AND "bureau_id" = 0 '
         'AND "since" < ? AND "day" <= ?', [FISCAL_YEAR, "2025-10-01", as_of]),
    ]
    for key in tag_keys:
        statements.append(('SELECT "tag" FROM "reform_tags" WHERE "tag_key" = ? ORDER BY "tag_key", "id" LIMIT 1', [key]))
    return statements


def write_statements(proposal_id, backend):
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    lock = 'SELECT "id" FROM "proposals" WHERE "id" = ?' + (" FOR UPDATE" if backend == "postgres" else "")
    events = 'SELECT * FROM "stage_events" WHERE "proposal_id" = ? ORDER BY "id"'
    return [
        (lock, [proposal_id]),
        ('SELECT * FROM "proposals" WHERE "id" = ?', [proposal_id]),
        (events, [proposal_id]),
        ('SELECT * FROM "consultations" WHERE "proposal_id" = ?', [proposal_id]),
        ('INSERT INTO "consultations" ("proposal_id", "held_on", "participants", "note", "recorded_at", "actor_label") '
         'VALUES (?, ?, ?, ?, ?, ?)', [proposal_id, "2025-12-01", "負荷試験", "ベンチマーク", now, "bench"]),
        (events, [proposal_id]),
        ('SELECT * FROM "consultations" WHERE "proposal_id" = ?', [proposal_id]),
        ('INSERT INTO "audit_events" ("occurred_at", "actor_kind", "actor_id", "actor_label", "action", "entity_type", '
         '"entity_id", "before", "after") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
         [now, "user", 1, "bench", "proposal.consultation", "proposal", str(proposal_id), None, '{"held_on":"2025-12-01"}']),
    ]


def as_pgbench(statements, transaction=False):
    lines = ["BEGIN;"] if transaction else []
    for sql, parameters in statements:
        for p in parameters:
            sql = sql.replace("?", pg_literal(p), 1)
        lines.append(sql + ";")
    if transaction:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def timed(command, **kwargs):
    started = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.monotonic() - started


def measure(backend, seconds, scale, selected=WORKLOADS):
    results = {}
    server = Server(backend)
    try:
        if list(selected) == ["workers"]:
            results.update(measure_workers(server, backend, seconds))
            return results
        token = login()
        me = call("/api/v1/me", token)
        user_id = me["id"]
        synthetic = call(f"/api/v1/proposals?fiscal_year={FISCAL_YEAR}&per_page=1&page=1", token)
        total_proposals = synthetic["total"]

        load_before = {}

        def wanted(name):
            if name not in selected:
                return False
            load_before[name] = load_average()
            return True

        def workload(name, result, baseline=None, **extra):
            result.update(extra)
            if baseline is not None:
                result["b1"] = baseline
            result["load_average"] = {"before": load_before.get(name), "after": load_average()}
            results[name] = result
            log(f"{backend.name} {name}: {json.dumps(result, ensure_ascii=False)}")

        # B0: the framework's ceiling.
        if wanted("b0_healthz"):
            server.reset_peak()
            b0 = oha(BASE + "/healthz", seconds)
            b0["peak_rss_bytes"] = server.status("VmHWM")
            workload("b0_healthz", b0)

        # W1: a filtered, searched list of 50 proposals.
        query = urllib.parse.urlencode({"fiscal_year": FISCAL_YEAR, "theme": THEME, "q": WORD, "per_page": 50})
        list_url = f"{BASE}/api/v1/proposals?{query}"
        if wanted("proposal_list") or wanted("list_with_logins"):
            measure_list(backend, server, seconds, token, user_id, query, list_url, workload)

        # W2: the dashboard of the fiscal year as of a different day each request.
        days = [datetime.date(FISCAL_YEAR, 4, 1) + datetime.timedelta(days=d) for d in range(0, 365, 7)]
        if wanted("dashboard_as_of"):
            measure_dashboard(backend, server, seconds, days, workload)

        # W2b: the lists the dashboard's figures link to, as of those days.
        if wanted("as_of_list"):
            measure_as_of_lists(backend, server, seconds, days, workload)

        # W3: NDJSON and CSV exports of every proposal of the year, against the database's dump.
        for export_format in ("ndjson", "csv"):
            if wanted(f"{export_format}_export"):
                measure_export(backend, server, export_format, total_proposals, workload)

        # W4: authenticated writes with audit (a consultation on a random synthetic proposal).
        if wanted("writes_with_audit"):
            measure_writes(backend, server, seconds, total_proposals, workload)

        # W5: 50 sign-ins per second alongside the list traffic of W1.
        if wanted("list_with_logins") and "proposal_list" in results:
            measure_list_with_logins(server, seconds, list_url, results, workload)

        # Issue 13: requests during heavy uploads and exports; memory.
        if "workers" in selected:
            results.update(measure_workers(server, backend, seconds))
    finally:
        server.stop()
    return results


def measure_list(backend, server, seconds, token, user_id, query, list_url, workload):
    page = call(f"/api/v1/proposals?{query}", token)
    page_ids = [item["id"] for item in page["items"]]
    statements = list_statements(page_ids, user_id, backend.name)
    token = login()
    server.reset_peak()
    listing = oha(list_url, seconds, token)
    listing["peak_rss_bytes"] = server.status("VmHWM")
    listing["rows_matching"] = page["total"]
    if backend.name == "sqlite":
        b1 = sqlite_direct(str(backend.path), lambda n, i: statements, seconds)
    else:
        b1 = pgbench(backend.url, as_pgbench(statements), seconds)
    workload("proposal_list", listing, b1)


def measure_dashboard(backend, server, seconds, days, workload):
    token = login()
    urls = WORK / "dashboard.urls"
    urls.write_text("".join(f"{BASE}/api/v1/dashboard?fiscal_year={FISCAL_YEAR}&as_of={d}\n" for d in days))
    sample = call(f"/api/v1/dashboard?fiscal_year={FISCAL_YEAR}&as_of={FISCAL_YEAR + 1}-03-31", token)
    tag_keys = [t["key"] for t in sample["reforms"]["by_tag"]]
    statements = dashboard_statements(f"{FISCAL_YEAR}-12-31", tag_keys)
    token = login()
    server.reset_peak()
    dashboard = oha(urls, seconds, token)
    dashboard["peak_rss_bytes"] = server.status("VmHWM")
    if backend.name == "sqlite":
        b1 = sqlite_direct(str(backend.path), lambda n, i: statements, seconds)
    else:
        b1 = pgbench(backend.url, as_pgbench(statements), seconds)
    workload("dashboard_as_of", dashboard, b1,
             proposals=sample["proposals"]["total"]["count"], reforms=sample["reforms"]["total"]["count"])


def as_of_list_paths(days, themes, bureaus):
    """The lists the city dashboard's proposal figures link to, a page of 50 each, as of each day:
    a theme at a stage, a stage, not yet presented, an implementation status, a bureau, and the
    stale proposals (the dashboard's own links, so the mix is what staff click)."""
    statuses = ["none", "under_consideration", "planned", "done"]
    paths = []
    for i, day in enumerate(days):
        base = {"fiscal_year": FISCAL_YEAR, "as_of": day, "per_page": 50}
        for extra in (
            {"theme": themes[i % len(themes)], "stage": 1 + i % 4},
            {"stage": 1 + (i + 1) % 4},
            {"stage": 0},
            {"implementation_status": statuses[i % len(statuses)]},
            {"bureau_id": bureaus[i % len(bureaus)]},
            {"stale_days": 30},
        ):
            paths.append("/api/v1/proposals?" + urllib.parse.urlencode({**base, **extra}))
    return paths


def measure_as_of_lists(backend, server, seconds, days, workload):
    token = login()
    sample = call(f"/api/v1/dashboard?fiscal_year={FISCAL_YEAR}&as_of={FISCAL_YEAR + 1}-03-31", token)
    themes = [row["theme"] for row in sample["proposals"]["by_stage_theme"]]
    bureaus = [int(b["key"]) for b in sample["proposals"]["by_bureau"] if b["figure"]["count"] > 0]
    paths = as_of_list_paths(days, themes, bureaus)
    # Each list once, to report what they hold and to check every answer is a 200.
    totals = [call(path, token)["total"] for path in paths]
    urls = WORK / "as_of_lists.urls"
    urls.write_text("".join(f"{BASE}{path}\n" for path in paths))
    token = login()
    server.reset_peak()
    lists = oha(urls, seconds, token)
    lists["peak_rss_bytes"] = server.status("VmHWM")
    workload("as_of_list", lists, lists_count=len(paths), rows_matching_median=statistics.median(totals),
             rows_matching_max=max(totals), example=paths[0])


def measure_export(backend, server, export_format, total_proposals, workload):
    token = login()
    export_url = f"{BASE}/api/v1/proposals/export?format={export_format}&fiscal_year={FISCAL_YEAR}"
    runs = []
    peaks = []
    before_rss = server.status("VmRSS")
    for _ in range(3):
        server.reset_peak()
        out = run(["curl", "-sf", "-o", "/dev/null", "-w", "%{time_total} %{size_download}",
                   "-H", f"Authorization: Bearer {token}", export_url]).stdout.split()
        runs.append((float(out[0]), int(out[1])))
        peaks.append(server.status("VmHWM"))
    export_seconds = statistics.median(t for t, _ in runs)
    select = f"SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE fiscal_year = {FISCAL_YEAR} ORDER BY id"
    if backend.name == "sqlite":
        mode = "-json" if export_format == "ndjson" else "-csv"
        copy = [timed(["sqlite3", mode, str(backend.path), select]) for _ in range(3)]
        b1_tool = f"sqlite3 {mode}"
    else:
        options = "" if export_format == "ndjson" else " WITH (FORMAT csv)"
        copy = [timed(["psql", backend.url, "-qc", f"\\copy ({select}) TO STDOUT{options}"]) for _ in range(3)]
        b1_tool = "psql \\copy … TO STDOUT" + options
    copy_seconds = statistics.median(copy)
    workload(f"{export_format}_export", {
        "rows": total_proposals,
        "format": export_format,
        "seconds": round(export_seconds, 2),
        "rows_per_second": round(total_proposals / export_seconds),
        "bytes": runs[0][1],
        "rss_before_bytes": before_rss,
        "peak_rss_bytes": max(peaks),
    }, {"tool": b1_tool, "seconds": round(copy_seconds, 2),
        "rows_per_second": round(total_proposals / copy_seconds)})


def measure_writes(backend, server, seconds, total_proposals, workload):
    token = login()
    first = call(f"/api/v1/proposals?fiscal_year={FISCAL_YEAR}&per_page=1&page=1", token)["items"][0]["id"]
    ids = list(range(first, first + total_proposals, max(1, total_proposals // 5000)))
    urls = WORK / "writes.urls"
    urls.write_text("".join(f"{BASE}/api/v1/proposals/{i}/consultations\n" for i in ids))
    body = {"held_on": "2025-12-01", "participants": "負荷試験", "note": "ベンチマーク"}
    token = login()
    server.reset_peak()
    ceiling = oha(urls, seconds, token, method="POST", body=body)
    backlog_seconds = backend.wait_for_jobs()
    half = WRITE_RATE or max(1, int(ceiling["throughput_rps"] / 2))
    token = login()
    writes = oha(urls, seconds, token, rate=half, method="POST", body=body)
    writes["peak_rss_bytes"] = server.status("VmHWM")
    writes["max_rate_rps"] = ceiling["throughput_rps"]
    writes["max_rate_p99_ms"] = ceiling["p99_ms"]
    writes["max_rate_backlog_seconds"] = backlog_seconds
    writes["rate_rps"] = half
    writes["rate_chosen"] = "given (--write-rate)" if WRITE_RATE else "half the maximum rate"
    if backend.name == "sqlite":
        b1 = sqlite_direct(str(backend.path), lambda n, i: write_statements(ids[(n * 7919 + i) % len(ids)], "sqlite"),
                           seconds, writes=True)
    else:
        b1 = pgbench(backend.url, as_pgbench(write_statements(ids[len(ids) // 2], "postgres"), transaction=True),
                     seconds)
    workload("writes_with_audit", writes, b1)


def measure_list_with_logins(server, seconds, list_url, results, workload):
    token = login()
    signins = {}

    def sign_in():
        signins.update(oha(BASE + "/api/v1/auth/login", seconds + 2, rate=50, method="POST",
                           body={"email": EMAIL, "password": PASSWORD}, connections=8))

    thread = threading.Thread(target=sign_in)
    thread.start()
    time.sleep(1)
    server.reset_peak()
    loaded = oha(list_url, seconds, token)
    loaded["peak_rss_bytes"] = server.status("VmHWM")
    thread.join()
    loaded["logins"] = signins
    loaded["list_alone_p95_ms"] = results["proposal_list"]["p95_ms"]
    workload("list_with_logins", loaded)


def bomb_workbook(rows=400_000):
    """An XLSX of about half a megabyte that unpacks to about 100 MB of rows (the issue's bomb)."""
    import io
    import zipfile
    package = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in package.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                        '<row><c t="inlineStr"><is><t>年度</t></is></c><c t="inlineStr"><is><t>局・区</t></is></c>'
                        '<c t="inlineStr"><is><t>取組名</t></is></c></row>'.encode())
            row = ('<row><c><v>2025</v></c><c t="inlineStr"><is><t>門司区役所</t></is></c><c t="inlineStr"><is><t>'
                   + "取組の名前" * 10 + "</t></is></c></row>").encode()
            for _ in range(rows):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def upload(path, token, query, name, data, content_type="application/octet-stream"):
    """POST /imports with curl; (status, seconds, body)."""
    path.write_bytes(data)
    out = subprocess.run(
        ["curl", "-s", "-o", str(path) + ".answer", "-w", "%{http_code} %{time_total}",
         "-H", f"Authorization: Bearer {token}", "-F", f"file=@{path};filename={name};type={content_type}",
         f"{BASE}/api/v1/imports?{query}"],
        check=True, text=True, capture_output=True).stdout.split()
    return int(out[0]), float(out[1]), Path(str(path) + ".answer").read_text()


def me_while(token, seconds, background):
    """oha on /api/v1/me for `seconds` while `background(stop)` runs in two threads."""
    stop = threading.Event()
    counts = []

    def loop(n):
        done = 0
        while not stop.is_set():
            background(n)
            done += 1
        counts.append(done)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    time.sleep(1)
    try:
        me = oha(BASE + "/api/v1/me", seconds, token, connections=2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    me["background_runs"] = sum(counts)
    return me


def rss_sampler(server, stop, peaks):
    while not stop.is_set():
        peaks.append(server.status("VmRSS"))
        time.sleep(0.1)


def measure_workers(server, backend, seconds):
    """Issue 13's figures: /me during two XLSX-bomb uploads and two large XLSX exports, and the
    server's resident memory idle, under 50 sign-ins/s, after a 100,000-row import and a minute
    later."""
    results = {}
    token = login()
    work = WORK / "uploads"
    work.mkdir(exist_ok=True)
    # Memory first, from the server as started (one sign-in done).
    time.sleep(5)
    memory = {"idle_rss_bytes": server.status("VmRSS")}
    stop, samples = threading.Event(), []
    sampler = threading.Thread(target=rss_sampler, args=(server, stop, samples))
    sampler.start()
    server.reset_peak()
    signins = oha(BASE + "/api/v1/auth/login", seconds, rate=50, method="POST",
                  body={"email": EMAIL, "password": PASSWORD}, connections=8)
    stop.set()
    sampler.join()
    memory["signins"] = signins
    memory["signin_peak_rss_bytes"] = max(max(samples), server.status("VmHWM"))
    time.sleep(5)
    memory["after_signins_rss_bytes"] = server.status("VmRSS")

    # 100,000 rows of reforms spread over the city's bureaus, checked as a dry run: reading,
    # validating and matching every row and keeping the per-row outcome (what takes memory),
    # without writing 100,000 records.
    listed = call("/api/v1/bureaus", token)
    bureaus = [b["name"] for b in (listed["items"] if isinstance(listed, dict) else listed)]
    lines = ["年度,局・区,取組名,課題,取組,効果"]
    for i in range(100_000):
        lines.append(f"2025,{bureaus[i % len(bureaus)]},ベンチマークの取組 {i},紙の申請書を手で転記していた,"
                     f"申請をオンライン化した,年間{i % 500}時間の削減")
    data = ("\n".join(lines) + "\n").encode()
    stop, samples = threading.Event(), []
    sampler = threading.Thread(target=rss_sampler, args=(server, stop, samples))
    sampler.start()
    started = time.monotonic()
    status, _, answer = upload(work / "import.csv", token, "kind=reforms&dry_run=true", "import.csv", data, "text/csv")
    job = json.loads(answer)
    while job.get("state") == "running":
        time.sleep(0.5)
        job = call(f"/api/v1/imports/{job['id']}", token)
    stop.set()
    sampler.join()
    memory["import"] = {"rows": 100_000, "bytes": len(data), "status": status, "state": job.get("state"),
                        "seconds": round(time.monotonic() - started, 1), "summary": job.get("summary")}
    memory["import_peak_rss_bytes"] = max(samples)
    memory["after_import_rss_bytes"] = server.status("VmRSS")
    time.sleep(60)
    memory["minute_after_import_rss_bytes"] = server.status("VmRSS")
    results["memory"] = memory
    log(f"{backend.name} memory: {json.dumps(memory)}")
    bomb = bomb_workbook()
    work = WORK / "uploads"
    work.mkdir(exist_ok=True)
    answers = []

    def bomb_upload(n):
        answers.append(upload(work / f"bomb{n}.xlsx", token, "kind=reforms&dry_run=true", "bomb.xlsx", bomb)[0])

    me_bombs = me_while(token, seconds, bomb_upload)
    me_bombs["bomb_bytes"] = len(bomb)
    me_bombs["upload_statuses"] = sorted(set(answers))
    results["me_during_bomb_uploads"] = me_bombs
    log(f"{backend.name} me_during_bomb_uploads: {json.dumps(me_bombs)}")

    export = f"{BASE}/api/v1/proposals/export?format=xlsx&fiscal_year={FISCAL_YEAR}&theme={urllib.parse.quote(THEME)}"
    rows = call(f"/api/v1/proposals?fiscal_year={FISCAL_YEAR}&theme={urllib.parse.quote(THEME)}&per_page=1", token)["total"]

    def xlsx_export(n):
        run(["curl", "-sf", "-o", "/dev/null", "-H", f"Authorization: Bearer {token}", export])

    me_exports = me_while(token, seconds, xlsx_export)
    me_exports["export_rows"] = rows
    results["me_during_xlsx_exports"] = me_exports
    log(f"{backend.name} me_during_xlsx_exports: {json.dumps(me_exports)}")

    return results


TARGETS = {
    "proposal_list": "p95 ≤ 50 ms and throughput ≥ 0.5 × B1",
    "dashboard_as_of": "p95 ≤ 100 ms",
    "as_of_list": "p95 ≤ 100 ms",
    "ndjson_export": "≥ 0.5 × the database's own dump, memory flat",
    "csv_export": "≥ 0.5 × the database's own dump, memory flat",
    "writes_with_audit": "p99 ≤ 100 ms at half the maximum rate",
    "list_with_logins": "50 sign-ins/s served; list p95 ≤ 2 × the list alone",
}


def verdict(name, r):
    if name == "proposal_list":
        return r["p95_ms"] <= 50 and r["throughput_rps"] >= 0.5 * r["b1"]["throughput_rps"]
    if name in ("dashboard_as_of", "as_of_list"):
        return r["p95_ms"] <= 100
    if name in ("ndjson_export", "csv_export"):
        flat = r["peak_rss_bytes"] - r["rss_before_bytes"] < 64 * 1024 * 1024
        return flat and r["rows_per_second"] >= 0.5 * r["b1"]["rows_per_second"]
    if name == "writes_with_audit":
        return r["p99_ms"] <= 100
    if name == "list_with_logins":
        # The sign-ins must have kept up with the 50 per second offered, or the list had it easy.
        kept_up = r["logins"]["throughput_rps"] >= 0.98 * 50
        return kept_up and r["p95_ms"] <= 2 * r["list_alone_p95_ms"]
    return None


def mib(n):
    return f"{n / 1048576:.0f} MiB"


def markdown(runs):
    lines = [
        "| Backend | Workload | Median | p95 | p99 | Throughput | Peak RSS | × B0 | × B1 | Target | Met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run_result in runs:
        backend = run_result["backend"]
        w = run_result["workloads"]
        b0 = w.get("b0_healthz")
        if b0:
            lines.append(f"| {backend} | B0 `/healthz` | {b0['median_ms']} ms | {b0['p95_ms']} ms | {b0['p99_ms']} ms | "
                         f"{b0['throughput_rps']:.0f}/s | {mib(b0['peak_rss_bytes'])} | 1 | | | |")
        for name in TARGETS:
            r = w.get(name)
            if r is None:
                continue
            met = "yes" if verdict(name, r) else "**no**"
            if name in ("ndjson_export", "csv_export"):
                lines.append(
                    f"| {backend} | {'NDJSON' if name == 'ndjson_export' else 'CSV'} export, {r['rows']:,} rows | {r['seconds']} s | | | {r['rows_per_second']:,} rows/s | "
                    f"{mib(r['peak_rss_bytes'])} (before {mib(r['rss_before_bytes'])}) | | "
                    f"{r['rows_per_second'] / r['b1']['rows_per_second']:.2f} ({r['b1']['tool']}: {r['b1']['rows_per_second']:,} rows/s) | "
                    f"{TARGETS[name]} | {met} |")
                continue
            if name == "proposal_list":
                label = "Proposal list, searched, 50/page"
            elif name == "dashboard_as_of":
                label = "Dashboard as of a day"
            elif name == "as_of_list":
                label = f"Lists the dashboard links to, as of a day, 50/page ({r['lists_count']} lists)"
            elif name == "writes_with_audit":
                label = f"Writes with audit at {r['rate_rps']}/s (max {r['max_rate_rps']}/s)"
            else:
                label = (f"List with 50 sign-ins/s offered, {r['logins']['throughput_rps']}/s served "
                         f"(sign-in p95 {r['logins']['p95_ms']} ms; list alone: p95 {r['list_alone_p95_ms']} ms)")
            b1 = r.get("b1")
            b1_text = f"{r['throughput_rps'] / b1['throughput_rps']:.2f} (B1 {b1['throughput_rps']:.0f}/s, p95 {b1['p95_ms']} ms)" if b1 else ""
            lines.append(
                f"| {backend} | {label} | {r['median_ms']} ms | {r['p95_ms']} ms | {r['p99_ms']} ms | "
                f"{r['throughput_rps']:.0f}/s | {mib(r['peak_rss_bytes'])} | "
                f"{(r['throughput_rps'] / b0['throughput_rps']) if b0 else float('nan'):.3f} | "
                f"{b1_text} | {TARGETS[name]} | {met} |")
    return "\n".join(lines)


def workers_markdown(runs):
    lines = [
        "| Backend | /me p99 during two XLSX-bomb uploads | /me p99 during two XLSX exports | RSS idle | RSS peak, 50 sign-ins/s | RSS after, 100,000-row import | a minute later |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        w = r["workloads"]
        if "memory" not in w:
            continue
        bombs, exports, m = w["me_during_bomb_uploads"], w["me_during_xlsx_exports"], w["memory"]
        lines.append(
            f"| {r['backend']} | {bombs['p99_ms']} ms ({bombs['background_runs']} uploads, {bombs['bomb_bytes'] // 1024} KB each) "
            f"| {exports['p99_ms']} ms ({exports['background_runs']} exports of {exports['export_rows']:,} rows) "
            f"| {mib(m['idle_rss_bytes'])} | {mib(m['signin_peak_rss_bytes'])} ({m['signins']['throughput_rps']}/s served) "
            f"| {mib(m['after_import_rss_bytes'])} (peak {mib(m['import_peak_rss_bytes'])}, {m['import']['seconds']} s) "
            f"| {mib(m['minute_after_import_rss_bytes'])} |")
    return "\n".join(lines)


def replace_between(text, begin, end, body):
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        return text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    return text + "\n" + block + "\n"


def update_document(runs):
    document = ROOT / "docs" / "performance.md"
    text = document.read_text() if document.exists() else ""
    if any("memory" in r["workloads"] for r in runs):
        text = replace_between(text, "<!-- bench-workers:begin -->", "<!-- bench-workers:end -->", workers_markdown(runs))
    if not any(name in r["workloads"] for r in runs for name in TARGETS):
        document.write_text(text)
        return
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    table = f"{begin}\n{markdown(runs)}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + table + text[text.index(end) + len(end):]
    else:
        text += "\n" + table + "\n"
    document.write_text(text)


def import_benchmark(args):
    """`platina import` of 100,000 reform rows beside the database's own bulk insert (bench/import_bench.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import import_bench
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = import_bench.measure(BINARY, WORK / "import", args.backends.split(","), args.import_rows,
                                   POSTGRES_ADMIN, postgres_url, PORT)
    (RESULTS / f"{stamp}-import.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    document = ROOT / "docs" / "performance.md"
    text = document.read_text() if document.exists() else ""
    table = import_bench.markdown(results, stamp)
    document.write_text(replace_between(text, "<!-- bench-import:begin -->", "<!-- bench-import:end -->", table))
    print(table)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 proposals")
    parser.add_argument("--seconds", type=int, default=15, help="length of each load run")
    parser.add_argument("--reuse", action="store_true", help="keep a synthetic city made with the same spec")
    parser.add_argument("--workers-only", action="store_true",
                        help="only /me during XLSX bombs and exports, and the memory figures")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"a comma-separated choice of {', '.join(WORKLOADS)}")
    parser.add_argument("--prepare-only", action="store_true", help="make the synthetic cities and stop")
    parser.add_argument("--import-only", action="store_true",
                        help="only the import benchmark (bench/import_bench.py) and its table")
    parser.add_argument("--no-import", action="store_true", help="skip the import benchmark")
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the import benchmark")
    parser.add_argument("--table-only", action="store_true",
                        help="rewrite the table in docs/performance.md from the latest results")
    parser.add_argument("--write-rate", type=int, default=None,
                        help="run writes_with_audit's measured phase at this rate instead of half the maximum, "
                             "so that two builds are compared at the same load")
    args = parser.parse_args()
    global WRITE_RATE
    WRITE_RATE = args.write_rate
    selected = ["workers"] if args.workers_only else [w for w in args.workloads.split(",") if w]
    unknown = [w for w in selected if w not in WORKLOADS]
    if unknown:
        sys.exit(f"bench: unknown workloads {unknown}; choose from {', '.join(WORKLOADS)}")
    if args.table_only:
        runs = []
        for name in args.backends.split(","):
            latest = sorted(RESULTS.glob(f"*-{name}.json"))
            if latest:
                runs.append(json.loads(latest[-1].read_text()))
        update_document(runs)
        print(markdown(runs))
        return
    for tool in ("oha", "psql", "pgbench", "sqlite3", "curl"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed (see docs/performance.md)")
    if not BINARY.exists():
        sys.exit("bench: build the release binary first (make bench does)")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.no_import:
        import_benchmark(args)
        if args.import_only:
            return
    spec = {
        "fiscal_year": FISCAL_YEAR,
        "proposals": int(100_000 * args.scale),
        "stage_events": int(1_000_000 * args.scale),
        "reforms": int(200_000 * args.scale),
        "audit_events": int(2_000_000 * args.scale),
        "seed": 1,
    }
    runs = []
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for name in args.backends.split(","):
        backend = Backend(name, args.scale)
        made = backend.prepare(spec, args.reuse)
        if args.prepare_only:
            continue
        load_at_start = load_average()
        workloads = measure(backend, args.seconds, args.scale, selected)
        result = {
            "backend": name,
            "when": stamp,
            "machine": {"cpus": os.cpu_count(), "system": platform.platform(),
                        "oha": run(["oha", "--version"]).stdout.strip(),
                        "load_average_at_start": load_at_start, "load_average_at_end": load_average()},
            "binary": str(BINARY),
            "selected_workloads": selected,
            "spec": spec,
            "synth": made,
            "database_bytes": backend.size_bytes(),
            "seconds_per_run": args.seconds,
            "concurrency": CONCURRENCY,
            "workloads": workloads,
            "verdicts": {k: verdict(k, v) for k, v in workloads.items() if k in TARGETS},
        }
        (RESULTS / f"{stamp}-{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        runs.append(result)
    if runs:
        update_document(runs)
        print(workers_markdown(runs))


if __name__ == "__main__":
    main()
