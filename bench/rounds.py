#!/usr/bin/env python3
"""Reporting rounds (issue 17): a round for every owner over the synthetic city.

On the synthetic city (`platina synth`, made by bench/run.py's Backend), this starts the release
server and, as the reform office would:

1. drafts a round asking every bureau and section about every record kind, and times its preview;
2. opens it: the response time, the requests and items it created, then the time until every
   request's owner has the notification of it (`round.request_opened`, fanned out by the job
   runner) and the fan-out queue is empty;
3. drives an editor's inbox with oha: `GET /me/round-requests` and the editor's largest request
   (`GET /round-requests/{id}`), the editor scoped to one bureau and created through the API;
   also the round's largest request as the office opens it;
4. closes the round (the response time) and drives its report with oha, frozen and `live=true`,
   beside the dashboard of the same fiscal year in the same run (target: report p95 ≤ 100 ms,
   as fast as the dashboard); the first live view, which computes what oha's requests then
   reuse, is timed on its own.

One editor per bureau is created before opening, so that every request has someone to notify.
Every figure carries the load average before and after it: the machine may be shared. Results go
to bench/results/<time>-rounds.json; the "Reporting rounds" section of docs/performance.md is
written by hand from them.

    python3 bench/rounds.py [--backends sqlite,postgres] [--scale 0.1] [--seconds 10] [--reuse]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the synthetic city, the server, oha and the helpers)

RECORD_KINDS = ["proposal_assignment", "policy_issue", "kpi", "reform", "digital_system"]
# 基準日 at the end of the synthetic city's fiscal year, so every kind has its records.
AS_OF = f"{bench.FISCAL_YEAR + 1}-03-31"
OPENED_EVENT = "round.request_opened"
FAN_OUT_JOB = "event.fan_out"
EDITOR_PASSWORD = "rounds-bench-password"


def request(method, path, token=None, body=None, headers=None):
    """One call: (status, parsed body, headers, seconds)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(bench.BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=1800) as response:
            text = response.read().decode()
            seconds = time.perf_counter() - started
            return response.status, (json.loads(text) if text else None), response.headers, seconds
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, text, err.headers, time.perf_counter() - started


def expect(status, wanted, what, answer):
    if status != wanted:
        raise RuntimeError(f"{what}: {status} {answer}")


def query(backend, sql):
    """Rows of `sql` read straight from the database (the benchmark's own view of the queue)."""
    if backend.name == "sqlite":
        db = sqlite3.connect(str(backend.path), timeout=60)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()
    out = bench.run(["psql", backend.url, "-tAF", "\t", "-c", sql]).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def scalar(backend, sql):
    return int(query(backend, sql)[0][0])


def seconds_between(start, end):
    parse = datetime.datetime.fromisoformat
    return (parse(str(end)) - parse(str(start))).total_seconds()


def percentiles(values):
    if not values:
        return {}
    ordered = sorted(values)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


class Writer:
    """Records consultations one after another while a step runs, to show how long the step
    keeps other writes waiting (opening and closing each hold one write transaction)."""

    def __init__(self, token, proposal_id):
        self.token, self.proposal_id = token, proposal_id
        self.latencies = []
        self.failures = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        body = {"held_on": "2025-12-01", "participants": "負荷試験", "note": "照会の計測中の書き込み"}
        while not self.stopping.is_set():
            status, _, _, seconds = request("POST", f"/api/v1/proposals/{self.proposal_id}/consultations",
                                            self.token, body)
            self.latencies.append(seconds)
            if status != 201:
                self.failures[str(status)] = self.failures.get(str(status), 0) + 1
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()

    def summary(self):
        return {"writes": len(self.latencies), "failed": self.failures,
                "max_ms": round(max(self.latencies, default=0) * 1000, 1),
                **{k: v for k, v in percentiles(self.latencies).items() if k != "max_ms"}}


def timed_step(result, name, action, writer=None):
    """Runs `action` (answering (status, body, headers, seconds)) and files its time and load,
    and with `writer` (token, proposal id) the latency of writes made meanwhile."""
    before = bench.load_average()
    if writer:
        with Writer(*writer) as meanwhile:
            status, body, headers, seconds = action()
        concurrent = meanwhile.summary()
    else:
        status, body, headers, seconds = action()
    result[name] = {"status": status, "ms": round(seconds * 1000, 1),
                    "load_average": {"before": before, "after": bench.load_average()}}
    if writer:
        result[name]["writes_meanwhile"] = concurrent
    bench.log(f"{name}: {json.dumps(result[name], ensure_ascii=False)}")
    return status, body, headers


def load_run(result, name, target, seconds, token, **extra):
    before = bench.load_average()
    measured = bench.oha(target, seconds, token)
    measured.update(extra)
    measured["load_average"] = {"before": before, "after": bench.load_average()}
    result[name] = measured
    bench.log(f"{name}: {json.dumps(measured, ensure_ascii=False)}")
    return measured


def make_editors(admin):
    """One editor per bureau, created through the API (kept from an earlier run on a reused
    city, so each request notifies the same people every run): (bureau id -> email)."""
    status, bureaus, _, _ = request("GET", "/api/v1/bureaus", admin)
    expect(status, 200, "bureaus", bureaus)
    editors = {}
    for bureau in bureaus:
        email = f"rounds-b{bureau['id']}@bench.example.jp"
        status, made, _, _ = request("POST", "/api/v1/users", admin, {
            "email": email, "display_name": f"照会担当 {bureau['id']}", "role": "editor",
            "password": EDITOR_PASSWORD, "section_ids": [], "bureau_ids": [bureau["id"]]})
        if status != 409:
            expect(status, 201, "editor", made)
        editors[bureau["id"]] = email
    return editors


def sign_in(email):
    status, signed, _, _ = request("POST", "/api/v1/auth/login", None,
                                   {"email": email, "password": EDITOR_PASSWORD})
    expect(status, 200, "sign-in", signed)
    return signed["access_token"]


def requests_of_round(admin, round_id):
    found = []
    page = 1
    while True:
        status, answer, _, _ = request("GET", f"/api/v1/rounds/{round_id}/requests?per_page=100&page={page}", admin)
        expect(status, 200, "requests", answer)
        found += answer["items"]
        if not answer["items"] or len(found) >= answer["total"]:
            return found
        page += 1


def wait_for_notifications(backend, first_event_id, requests_opened, timeout):
    """Polls the database until every opened request's event has its notifications and no
    fan-out job is waiting; answers the seconds it took from the call and what it found."""
    events = (f"SELECT id FROM events WHERE kind = '{OPENED_EVENT}' AND id > {first_event_id}")
    deadline = time.monotonic() + timeout
    while True:
        notified = scalar(backend, f"SELECT count(DISTINCT event_id) FROM notifications WHERE event_id IN ({events})")
        waiting = scalar(backend, f"SELECT count(*) FROM jobs WHERE kind = '{FAN_OUT_JOB}' "
                                  "AND state IN ('queued', 'running')")
        if (notified >= requests_opened and waiting == 0) or time.monotonic() > deadline:
            return notified, waiting
        time.sleep(0.2)


def measure(backend, args):
    result = {}
    server = bench.Server(backend)
    try:
        admin = bench.login()
        stamp = int(time.time())
        editors = make_editors(admin)
        bench.log(f"{backend.name}: {len(editors)} editors, one per bureau")

        # 1. A draft asking everyone about everything, and its preview.
        due_on = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        status, draft, _, _ = request("POST", "/api/v1/rounds", admin, {
            "title": f"ベンチマーク照会 {stamp}", "as_of": AS_OF, "due_on": due_on,
            "record_kinds": RECORD_KINDS, "bureau_ids": [], "section_ids": []})
        expect(status, 201, "draft", draft)
        round_id = draft["id"]
        status, some, _, _ = request("GET", f"/api/v1/proposals?fiscal_year={bench.FISCAL_YEAR}&per_page=1", admin)
        writer = (bench.login(), some["items"][0]["id"])
        status, preview, _ = timed_step(result, "preview", lambda: request(
            "GET", f"/api/v1/rounds/{round_id}/preview", admin))
        expect(status, 200, "preview", preview)
        result["preview"].update(requests=preview["requests"], items=preview["items"])

        # 2. Opening, then the notifications.
        first_event_id = scalar(backend, "SELECT coalesce(max(id), 0) FROM events")
        requested_at = datetime.datetime.now(datetime.timezone.utc)
        started = time.monotonic()
        status, opened, _ = timed_step(result, "open", lambda: request(
            "POST", f"/api/v1/rounds/{round_id}/open", admin,
            headers={"If-Match": f"\"{draft['version']}\""}), writer)
        expect(status, 200, "open", opened)
        requests_made = scalar(backend, f"SELECT count(*) FROM round_requests WHERE round_id = {round_id}")
        items_made = scalar(backend, "SELECT count(*) FROM round_request_items i JOIN round_requests r "
                                     f"ON r.id = i.request_id WHERE r.round_id = {round_id}")
        result["open"].update(requests=requests_made, items=items_made,
                              matches_preview=requests_made == preview["requests"] and items_made == preview["items"])
        notified, waiting = wait_for_notifications(backend, first_event_id, requests_made, args.timeout)
        done = time.monotonic()
        events = f"SELECT id FROM events WHERE kind = '{OPENED_EVENT}' AND id > {first_event_id}"
        lags = [seconds_between(occurred, created) for occurred, created in query(
            backend, "SELECT e.occurred_at, n.created_at FROM notifications n JOIN events e ON e.id = n.event_id "
                     f"WHERE e.id IN ({events})")]
        result["notify"] = {
            "seconds_from_open_request": round(done - started, 2),
            "seconds_after_open_response": round(done - started - result["open"]["ms"] / 1000, 2),
            "events": scalar(backend, f"SELECT count(*) FROM ({events}) e"),
            "events_notified": notified,
            "notifications": len(lags),
            "fan_out_jobs_waiting": waiting,
            "complete": notified >= requests_made and waiting == 0,
            "event_commit_to_notification": percentiles(lags),
            "requested_at": requested_at.isoformat(),
        }
        bench.log(f"notify: {json.dumps(result['notify'], ensure_ascii=False)}")

        # 3. An editor's inbox: the bureau with the most records asked, its largest request.
        items_by_bureau = {}
        for owner in preview["owners"]:
            items_by_bureau[owner["bureau_id"]] = items_by_bureau.get(owner["bureau_id"], 0) + owner["items"]
        bureau_id = max(items_by_bureau, key=items_by_bureau.get)
        everyone = requests_of_round(admin, round_id)
        largest_of_bureau = max((r for r in everyone if r["bureau_id"] == bureau_id), key=lambda r: r["item_count"])
        largest = max(everyone, key=lambda r: r["item_count"])
        editor = sign_in(editors[bureau_id])
        status, inbox, _, _ = request("GET", "/api/v1/me/round-requests?per_page=50", editor)
        expect(status, 200, "inbox", inbox)
        status, detail, _, _ = request("GET", f"/api/v1/round-requests/{largest_of_bureau['id']}", editor)
        expect(status, 200, "request", detail)
        seconds = args.seconds
        load_run(result, "inbox_page", f"{bench.BASE}/api/v1/me/round-requests?per_page=50", seconds, editor,
                 bureau_id=bureau_id, requests_in_inbox=inbox["total"], rows_on_page=len(inbox["items"]))
        load_run(result, "request_page_editor", f"{bench.BASE}/api/v1/round-requests/{largest_of_bureau['id']}",
                 seconds, editor, items=len(detail["items"]))
        load_run(result, "request_page_largest", f"{bench.BASE}/api/v1/round-requests/{largest['id']}",
                 seconds, bench.login(), items=largest["item_count"], owner_kind=largest["owner_kind"])

        # 4. Closing, then the report beside the dashboard.
        status, current, headers, _ = request("GET", f"/api/v1/rounds/{round_id}", admin)
        status, closed, _ = timed_step(result, "close", lambda: request(
            "POST", f"/api/v1/rounds/{round_id}/close", admin, headers={"If-Match": headers["ETag"]}), writer)
        expect(status, 200, "close", closed)
        status, report, _, _ = request("GET", f"/api/v1/rounds/{round_id}/report", admin)
        expect(status, 200, "report", report)
        # The first live view after the close is computed in the request; oha's then reuse it
        # while nothing is written (round_report::LiveReports).
        status, live, _, live_seconds = request("GET", f"/api/v1/rounds/{round_id}/report?live=true", admin)
        expect(status, 200, "live report", live)
        result["report_live_first_ms"] = round(live_seconds * 1000, 1)
        result["report_bytes"] = len(json.dumps(report["report"], ensure_ascii=False).encode())
        token = bench.login()
        load_run(result, "dashboard", f"{bench.BASE}/api/v1/dashboard?fiscal_year={bench.FISCAL_YEAR}", seconds, token)
        load_run(result, "report", f"{bench.BASE}/api/v1/rounds/{round_id}/report", seconds, token)
        load_run(result, "report_live", f"{bench.BASE}/api/v1/rounds/{round_id}/report?live=true", seconds, token,
                 corrections=len(live.get("corrections") or []))
        result["report_target_met"] = result["report"]["p95_ms"] <= 100
        result["live_report_target_met"] = result["report_live"]["p95_ms"] <= 100
        result["round_id"] = round_id
        result["peak_rss_bytes"] = server.status("VmHWM")
        return result
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--scale", type=float, default=0.1, help="the synthetic city; 1.0 = 100,000 proposals")
    parser.add_argument("--seconds", type=int, default=10, help="each oha run")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for the notifications")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not bench.BINARY.exists():
        sys.exit("rounds: build the release binary first (make bench does)")
    if not shutil.which("oha"):
        sys.exit("rounds: oha is not installed (make bench installs it; see docs/performance.md)")
    bench.WORK.mkdir(parents=True, exist_ok=True)
    spec = {
        "fiscal_year": bench.FISCAL_YEAR,
        "proposals": int(100_000 * args.scale),
        "stage_events": int(1_000_000 * args.scale),
        "reforms": int(200_000 * args.scale),
        "audit_events": int(2_000_000 * args.scale),
        "seed": 1,
    }
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = {"when": stamp, "spec": spec, "scale": args.scale, "binary": str(bench.BINARY),
               "machine": {"cpus": os.cpu_count(), "system": platform.platform(),
                           "load_average_at_start": bench.load_average()},
               "backends": {}}
    for name in args.backends.split(","):
        backend = bench.Backend(name, args.scale)
        made = backend.prepare(spec, args.reuse)
        results["backends"][name] = measure(backend, args)
        if made:
            results["backends"][name]["synth"] = made
        bench.log(f"{name}: {json.dumps(results['backends'][name], ensure_ascii=False)}")
    results["machine"]["load_average_at_end"] = bench.load_average()
    out = bench.RESULTS / f"{stamp}-rounds.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
