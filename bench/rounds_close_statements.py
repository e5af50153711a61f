#!/usr/bin/env python3
"""Where a round's close spends its time on PostgreSQL: the statements it runs, from the server log.

Run after `bench/rounds.py` on the same synthetic city (it leaves its round closed). This reopens
that round, logs every statement of the bench database (`log_min_duration_statement = 0`, set on
the database only and reset afterwards), closes the round again and sums the logged durations by
statement shape. The close's response time less the database's share is the server's own work
(decoding rows, computing and serialising the report).

    python3 bench/rounds_close_statements.py [--log /var/log/postgresql/postgresql-15-main.log]
"""

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rounds  # noqa: E402
import run as bench  # noqa: E402


def statements_since(log, offset, database):
    """(milliseconds, statement) of each logged statement phase of `database` after `offset`."""
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    found = []
    for entry in re.split(r"\n(?=\d{4}-\d\d-\d\d )", text):
        if f"@{database}" not in entry:
            continue
        m = re.search(r"duration: ([\d.]+) ms\s+(?:statement|execute [^:]*|parse [^:]*|bind [^:]*):\s*(.*)",
                      entry, re.S)
        if m:
            found.append((float(m.group(1)), " ".join(m.group(2).split())))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log", default="/var/log/postgresql/postgresql-15-main.log",
                        help="the PostgreSQL server log (stderr, with the default log_line_prefix)")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    backend = bench.Backend("postgres", 0)
    round_id = int(bench.run(["psql", backend.url, "-tAc",
                              "SELECT max(id) FROM rounds WHERE state = 'closed'"]).stdout)
    setting = f"ALTER DATABASE {backend.database} SET log_min_duration_statement = 0"
    bench.run(["psql", bench.POSTGRES_ADMIN, "-qc", setting])
    server = bench.Server(backend)  # connects after the setting, so every statement is logged
    try:
        admin = bench.login()
        _, _, headers, _ = rounds.request("GET", f"/api/v1/rounds/{round_id}", admin)
        status, answer, _, _ = rounds.request("POST", f"/api/v1/rounds/{round_id}/reopen", admin,
                                              {"reason": "計測のため再開"}, {"If-Match": headers["ETag"]})
        rounds.expect(status, 200, "reopen", answer)
        time.sleep(3)  # the reopening's own jobs run first
        offset = Path(args.log).stat().st_size
        _, _, headers, _ = rounds.request("GET", f"/api/v1/rounds/{round_id}", admin)
        status, answer, _, seconds = rounds.request("POST", f"/api/v1/rounds/{round_id}/close", admin,
                                                    headers={"If-Match": headers["ETag"]})
        rounds.expect(status, 200, "close", answer)
        time.sleep(1)
    finally:
        server.stop()
        bench.run(["psql", bench.POSTGRES_ADMIN, "-qc",
                   f"ALTER DATABASE {backend.database} RESET log_min_duration_statement"])
    found = statements_since(args.log, offset, backend.database)
    in_database = sum(ms for ms, _ in found)
    print(f"close of round {round_id}: {seconds * 1000:.0f} ms; {len(found)} statement phases logged, "
          f"{in_database:.0f} ms in the database (the job runner's polls included)")
    shapes = {}
    for ms, sql in found:
        shape = re.sub(r"\$\d+", "?", sql)[:120]
        count, total = shapes.get(shape, (0, 0.0))
        shapes[shape] = (count + 1, total + ms)
    for shape, (count, total) in sorted(shapes.items(), key=lambda kv: -kv[1][1])[:args.top]:
        print(f"{total:9.1f} ms {count:5d}×  {shape}")


if __name__ == "__main__":
    main()
