#!/usr/bin/env python3
"""Fan-out: how fast a committed change reaches the people and systems that hear of it.

On the synthetic city (`platina synth`, made by bench/run.py's Backend), this starts the release
server, registers webhook endpoints that point at local receivers (each verifies every signature
as a Standard Webhooks library would), creates subscribers who follow the same proposals, and
then records consultations on those proposals as fast as the server takes them. Each
consultation is one `proposal.consulted` event; the job runner turns it into one in-app
notification per subscriber and one delivery per endpoint.

Reported per backend: the events' write rate and its latency percentiles; the fan-out's
throughput (events fully delivered per second, from the first commit to the last delivery); and
the time from each event's commit to its webhook deliveries and to its notifications (p50, p95,
p99). Results go to bench/results/<time>-fanout.json and the table in docs/performance.md.

    python3 bench/fanout.py [--backends sqlite,postgres] [--events 10000] [--subscribers 100]
                            [--endpoints 5] [--proposals 100] [--scale 0.1] [--reuse]
"""

import argparse
import base64
import concurrent.futures
import datetime
import hashlib
import hmac
import http.server
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the synthetic city, the server and the helpers)

EVENT_KIND = "proposal.consulted"
WRITERS = 4


def request(method, path, token=None, body=None, headers=None):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(bench.BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as err:
        text = err.read().decode()
        return err.code, text


class Receiver:
    """A webhook endpoint: verifies each delivery's signature and notes when it arrived."""

    def __init__(self):
        self.secret = None
        self.lock = threading.Lock()
        self.arrivals = {}  # webhook-id -> (event timestamp, arrival time)
        self.duplicates = 0
        self.bad_signatures = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.time()
                ok = receiver.verify(self.headers, body)
                self.send_response(204 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if ok:
                    receiver.note(self.headers["webhook-id"], json.loads(body), arrived)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, headers, body):
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if "," in s]
        if any(hmac.compare_digest(expected, s) for s in offered):
            return True
        with self.lock:
            self.bad_signatures += 1
        return False

    def note(self, webhook_id, payload, arrived):
        occurred = datetime.datetime.fromisoformat(payload["timestamp"]).timestamp()
        with self.lock:
            if webhook_id in self.arrivals:
                self.duplicates += 1
            else:
                self.arrivals[webhook_id] = (occurred, arrived)

    def count(self):
        with self.lock:
            return len(self.arrivals)

    def stop(self):
        self.server.shutdown()


def percentiles(values):
    if not values:
        return {}
    ordered = sorted(values)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


def notification_lags(backend):
    """Seconds from each event's commit to each of its notifications, read from the database."""
    if backend.name == "sqlite":
        import sqlite3

        db = sqlite3.connect(str(backend.path))
        rows = db.execute(
            "SELECT e.occurred_at, n.created_at FROM notifications n JOIN events e ON e.id = n.event_id "
            "WHERE e.kind = ?", (EVENT_KIND,)).fetchall()
        db.close()
        parse = datetime.datetime.fromisoformat
        return [parse(n).timestamp() - parse(e).timestamp() for e, n in rows]
    out = bench.run(["psql", backend.url, "-tAc",
                     "SELECT extract(epoch FROM n.created_at - e.occurred_at) FROM notifications n "
                     f"JOIN events e ON e.id = n.event_id WHERE e.kind = '{EVENT_KIND}'"])
    return [float(line) for line in out.stdout.split()]


def count_notifications(backend):
    sql = ("SELECT count(*) FROM notifications n JOIN events e ON e.id = n.event_id "
           f"WHERE e.kind = '{EVENT_KIND}'")
    if backend.name == "sqlite":
        import sqlite3

        db = sqlite3.connect(str(backend.path), timeout=60)
        n = db.execute(sql).fetchone()[0]
        db.close()
        return n
    return int(bench.run(["psql", backend.url, "-tAc", sql]).stdout.strip())


def measure(backend, args):
    receivers = [Receiver() for _ in range(args.endpoints)]
    server = bench.Server(backend)
    try:
        admin = bench.login()
        for receiver in receivers:
            status, made = request("POST", "/api/v1/admin/webhooks", admin,
                                   {"url": receiver.url, "description": "fan-out benchmark",
                                    "event_kinds": [EVENT_KIND]})
            assert status == 201, (status, made)
            receiver.secret = made["secret"]
        status, page = request("GET", f"/api/v1/proposals?fiscal_year={bench.FISCAL_YEAR}&per_page={args.proposals}",
                               admin)
        proposals = [p["id"] for p in page["items"]]
        stamp = int(time.time())

        def subscriber(n):
            email = f"fanout-{stamp}-{n}@bench.example.jp"
            status, made = request("POST", "/api/v1/users", admin,
                                   {"email": email, "display_name": f"購読者 {n}", "role": "viewer",
                                    "password": "fanout-bench-password", "section_ids": [], "bureau_ids": []})
            assert status == 201, (status, made)
            status, signed = request("POST", "/api/v1/auth/login", None,
                                     {"email": email, "password": "fanout-bench-password"})
            token = signed["access_token"]
            for pid in proposals:
                status, _ = request("PUT", f"/api/v1/me/subscriptions/proposal/{pid}", token)
                assert status in (200, 201, 204), status
            return token

        bench.log(f"{backend.name}: {args.subscribers} subscribers follow {len(proposals)} proposals")
        with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(subscriber, range(args.subscribers)))

        bench.log(f"{backend.name}: {args.events} consultations, {WRITERS} writers")
        latencies = []
        lock = threading.Lock()
        body = {"held_on": "2025-12-01", "participants": "負荷試験", "note": "ファンアウト計測"}
        started = time.time()

        def writer(w):
            mine = []
            for i in range(w, args.events, WRITERS):
                t0 = time.perf_counter()
                status, answer = request("POST", f"/api/v1/proposals/{proposals[i % len(proposals)]}/consultations",
                                         admin, body)
                mine.append(time.perf_counter() - t0)
                assert status == 201, (status, answer)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        written = time.time()
        wanted_deliveries = args.events
        wanted_notifications = args.events * args.subscribers
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            delivered = min(r.count() for r in receivers)
            notified = count_notifications(backend)
            if delivered >= wanted_deliveries and notified >= wanted_notifications:
                break
            time.sleep(0.5)
        finished = time.time()
        last_delivery = max((a for r in receivers for _, a in r.arrivals.values()), default=finished)
        delivered = [r.count() for r in receivers]
        notified = count_notifications(backend)
        webhook_lags = [a - o for r in receivers for o, a in r.arrivals.values()]
        result = {
            "events": args.events,
            "subscribers": args.subscribers,
            "endpoints": args.endpoints,
            "writes": {
                "seconds": round(written - started, 1),
                "rate_per_s": round(args.events / (written - started), 1),
                **percentiles(latencies),
            },
            "deliveries_per_endpoint": delivered,
            "duplicate_deliveries": sum(r.duplicates for r in receivers),
            "bad_signatures": sum(r.bad_signatures for r in receivers),
            "notifications": notified,
            "complete": min(delivered) >= wanted_deliveries and notified >= wanted_notifications,
            "fan_out_seconds": round(max(last_delivery, finished if notified < wanted_notifications else 0) - started, 1),
            "webhook_commit_to_delivery": percentiles(webhook_lags),
            "notification_commit_to_row": percentiles(notification_lags(backend)),
            "peak_rss_bytes": server.status("VmHWM"),
        }
        result["events_fanned_out_per_s"] = round(args.events / max(result["fan_out_seconds"], 0.001), 1)
        return result
    finally:
        server.stop()
        for receiver in receivers:
            receiver.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--proposals", type=int, default=100, help="the proposals the subscribers follow")
    parser.add_argument("--scale", type=float, default=0.1, help="the synthetic city; 1.0 = 100,000 proposals")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for the fan-out to finish")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not bench.BINARY.exists():
        sys.exit("fanout: build the release binary first (make bench does)")
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
    results = {"when": stamp, "spec": spec, "binary": str(bench.BINARY),
               "machine": {"cpus": os.cpu_count(), "system": platform.platform(),
                           "load_average_at_start": bench.load_average()},
               "backends": {}}
    for name in args.backends.split(","):
        backend = bench.Backend(name, args.scale)
        backend.prepare(spec, args.reuse)
        results["backends"][name] = measure(backend, args)
        bench.log(f"{name}: {json.dumps(results['backends'][name], ensure_ascii=False)}")
    results["machine"]["load_average_at_end"] = bench.load_average()
    out = bench.RESULTS / f"{stamp}-fanout.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(out)


if __name__ == "__main__":
    main()
