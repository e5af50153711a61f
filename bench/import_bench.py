"""The import benchmark (`make bench`, or `python3 bench/run.py --import-only`): `platina import` of
100,000 deterministic Japanese reform rows (bench/peer/reforms.py), release build, on SQLite and on
PostgreSQL, beside the database's own bulk insert of the same rows into the same schema, measured
in the same run:

- SQLite: one transaction of `executemany` (Python's sqlite3 module, no PyPI package) into a copy of
  the same freshly loaded Platina database, so the reforms table has its indexes and the FTS5
  trigram triggers that keep the search index;
- PostgreSQL: `COPY … FROM STDIN` (psql's \\copy) in one transaction into a second database made
  the same way, so the reforms table has its indexes and the pg_trgm GIN index.

The baseline writes the rows and their sections, tags and effects. It does not write what Platina
writes besides (an audit event per record, the dashboard tallies, the job's outcome) nor check
anything: it is the floor, the target is import ≥ 0.25 × its rows/s.
"""

import csv
import datetime
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peer"))
import reforms  # noqa: E402  (the generator the peer benchmark uses too)

TARGET_RATIO = 0.25


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] import: {message}", file=sys.stderr, flush=True)


def organisation(db_path):
    """(bureau id, name, [section names]) as the generator takes it, and {(bureau, name): section id}."""
    db = sqlite3.connect(db_path)
    bureaus = db.execute("SELECT id, name FROM bureaus ORDER BY id").fetchall()
    names = {}
    for section_id, bureau_id, name in db.execute(
        "SELECT s.id, s.bureau_id, n.name FROM sections s JOIN section_names n ON n.section_id = s.id "
        "ORDER BY s.id, n.effective_from"
    ):
        names.setdefault((bureau_id, section_id), name)
    db.close()
    org = [(b, name, [n for (bureau, _), n in sorted(names.items()) if bureau == b]) for b, name in bureaus]
    section_ids = {(bureau, n): s for (bureau, s), n in names.items()}
    return org, section_ids


def search_form(text):
    """Close to Platina's search form (NFKC, lower case): the baseline stores text of the same size."""
    return unicodedata.normalize("NFKC", text).lower()


def baseline_rows(rows, section_ids, first_id, now):
    """The rows of reforms, reform_sections, reform_tags and reform_effects the generated rows make."""
    reform_rows, sections, tags, effects = [], [], [], []
    for offset, r in enumerate(rows):
        rid = first_id + offset
        texts = [r["title"], r["problem"], r["action"], r["effect"], r["period"], *r["tags"],
                 *[e["basis"] for e in r["effects"]]]
        reform_rows.append((rid, r["fiscal_year"], r["bureau_id"], r["report_number"], r["classification"],
                            None, r["title"], r["problem"], r["action"], r["effect"], r["period"], None, None,
                            r["status"], bool(r["featured"]), search_form("\n".join(texts)), None, 1, now, now))
        for name in [n for n in r["sections"].split("、") if n]:
            sections.append((rid, section_ids[(r["bureau_id"], name)]))
        for tag in r["tags"]:
            tags.append((rid, tag, search_form(tag)))
        for position, e in enumerate(r["effects"]):
            effects.append((rid, position, e["kind"], float(e["value"]), e["unit"], e["basis"]))
    return reform_rows, sections, tags, effects


REFORM_COLUMNS = ("id, fiscal_year, bureau_id, report_number, classification, source_proposal_id, title, "
                  "problem, action, effect, period_text, period_start, period_end, status, featured, "
                  "search_text, created_by_user_id, version, created_at, updated_at")


def sqlite_baseline(db_path, rows, section_ids):
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    first_id = (db.execute("SELECT coalesce(max(id), 0) FROM reforms").fetchone()[0]) + 1
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    started = time.monotonic()
    reform_rows, sections, tags, effects = baseline_rows(rows, section_ids, first_id, now)
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO reforms ({REFORM_COLUMNS}) VALUES ({', '.join('?' * 20)})", reform_rows)
    db.executemany("INSERT INTO reform_sections (reform_id, section_id) VALUES (?, ?)", sections)
    db.executemany("INSERT INTO reform_tags (reform_id, tag, tag_key) VALUES (?, ?, ?)", tags)
    db.executemany("INSERT INTO reform_effects (reform_id, position, kind, value, unit, basis) "
                   "VALUES (?, ?, ?, ?, ?, ?)", effects)
    db.execute("COMMIT")
    seconds = time.monotonic() - started
    db.close()
    return seconds


def copy_text(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else ("t" if v is True else "f" if v is False else v) for v in row])
    return out.getvalue()


def postgres_baseline(url, work, rows, section_ids):
    first_id = int(subprocess.run(["psql", url, "-Atc", "SELECT coalesce(max(id), 0) + 1 FROM reforms"],
                                  check=True, text=True, capture_output=True).stdout.strip())
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    started = time.monotonic()
    reform_rows, sections, tags, effects = baseline_rows(rows, section_ids, first_id, now)
    files = {}
    for name, data in (("reforms", reform_rows), ("sections", sections), ("tags", tags), ("effects", effects)):
        files[name] = work / f"copy-{name}.csv"
        files[name].write_text(copy_text(data), encoding="utf-8")
    script = work / "copy.sql"
    # Empty fields are NULL in COPY's CSV format; no generated text is empty.
    script.write_text(
        f"\\copy reforms ({REFORM_COLUMNS}) FROM '{files['reforms']}' WITH (FORMAT csv)\n"
        f"\\copy reform_sections (reform_id, section_id) FROM '{files['sections']}' WITH (FORMAT csv)\n"
        f"\\copy reform_tags (reform_id, tag, tag_key) FROM '{files['tags']}' WITH (FORMAT csv)\n"
        f"\\copy reform_effects (reform_id, position, kind, value, unit, basis) FROM '{files['effects']}' "
        "WITH (FORMAT csv)\n"
        "SELECT setval(pg_get_serial_sequence('reforms', 'id'), (SELECT max(id) FROM reforms));\n")
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-1", "-f", str(script)],
                   check=True, text=True, capture_output=True)
    seconds = time.monotonic() - started
    for f in [*files.values(), script]:
        f.unlink()
    return seconds


def timed_import(binary, env, csv_path):
    """Seconds, peak RSS (bytes) and the last line of `platina import`."""
    started = time.monotonic()
    child = subprocess.Popen([str(binary), "import", "--kind", "reforms", str(csv_path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # VmHWM of the running import, read until it exits. The child's ru_maxrss is not used: it
    # counts the pages the child shared with this Python process (which holds the generated rows)
    # between fork and exec, and read 440-460 MiB whatever the import itself held.
    peak = [0]

    def watch():
        while child.poll() is None:
            try:
                status_text = Path(f"/proc/{child.pid}/status").read_text()
                kib = int(re.search(r"VmHWM:\s+(\d+) kB", status_text).group(1))
                peak[0] = max(peak[0], kib * 1024)
            except (OSError, AttributeError):
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out = child.stdout.read()
    child.wait()
    watcher.join()
    seconds = time.monotonic() - started
    if child.returncode != 0:
        raise RuntimeError(f"platina import failed ({child.returncode}): {out[-2000:]}")
    return seconds, peak[0], out.strip().splitlines()[-1] if out.strip() else ""


def platina_env(url, port):
    env = dict(os.environ)
    env.update(PLATINA__DATABASE__URL=url, PLATINA__DEMO__ENABLED="true", PLATINA__DEMO__LOAD_DATASET="false",
               PLATINA__SERVER__BIND=f"127.0.0.1:{port}", PLATINA__LOG__FILTER="warn")
    return env


def fresh_postgres(admin_url, url_of, name):
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run(["psql", admin_url, "-qc",
                    f"CREATE DATABASE {name} ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8' "
                    "TEMPLATE template0"], check=True, capture_output=True)
    return url_of(name)


def measure(binary, work, backends, rows_wanted, admin_url, url_of, port, seed=1):
    """Runs the import benchmark; {backend: figures}."""
    work.mkdir(parents=True, exist_ok=True)
    sqlite_path = work / "import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    subprocess.run([str(binary), "demo", "load"], env=platina_env(f"sqlite://{sqlite_path}?mode=rwc", port),
                   check=True, capture_output=True)
    org, section_ids = organisation(sqlite_path)
    rows = reforms.generate(rows_wanted, org, seed)
    csv_path = work / "import-reforms.csv"
    reforms.write_csv(rows, csv_path)
    log(f"{rows_wanted} rows, {csv_path.stat().st_size / 1e6:.0f} MB of CSV")
    results = {}
    for backend in backends:
        if backend == "sqlite":
            baseline_db = work / "import-baseline.db"
            subprocess.run(["sqlite3", str(sqlite_path), f"VACUUM INTO '{baseline_db}'"], check=True)
            base_seconds = sqlite_baseline(baseline_db, rows, section_ids)
            baseline_db.unlink()
            seconds, rss, last = timed_import(binary, platina_env(f"sqlite://{sqlite_path}?mode=rwc", port),
                                              csv_path)
        elif backend == "postgres":
            url = fresh_postgres(admin_url, url_of, "platina_import_baseline")
            subprocess.run([str(binary), "demo", "load"], env=platina_env(url, port), check=True,
                           capture_output=True)
            base_seconds = postgres_baseline(url, work, rows, section_ids)
            url = fresh_postgres(admin_url, url_of, "platina_import_bench")
            subprocess.run([str(binary), "demo", "load"], env=platina_env(url, port), check=True,
                           capture_output=True)
            seconds, rss, last = timed_import(binary, platina_env(url, port), csv_path)
        else:
            continue
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        figures = {
            "rows": rows_wanted,
            "csv_bytes": csv_path.stat().st_size,
            "import_seconds": round(seconds, 1),
            "import_rows_per_second": round(rows_wanted / seconds),
            "baseline_seconds": round(base_seconds, 1),
            "baseline_rows_per_second": round(rows_wanted / base_seconds),
            "ratio": round(base_seconds / seconds, 2),
            "target_ratio": TARGET_RATIO,
            "peak_rss_bytes": rss,
            "loadavg": " ".join(load),
            "last_line": last,
        }
        log(f"{backend}: {json.dumps(figures, ensure_ascii=False)}")
        results[backend] = figures
    csv_path.unlink()
    return results


def markdown(results, when):
    lines = [f"Measured {when} (`python3 bench/run.py --import-only`, release build, 2 cores shared "
             "with other work; load average at the end of each run in the table).", "",
             "| database | rows | platina import | rows/s | bulk insert baseline | rows/s | ratio (target ≥ 0.25) "
             "| peak RSS | load avg |",
             "|---|---|---|---|---|---|---|---|---|"]
    for backend, r in results.items():
        met = "met" if r["ratio"] >= r["target_ratio"] else "**missed**"
        lines.append(f"| {backend} | {r['rows']:,} | {r['import_seconds']} s | {r['import_rows_per_second']:,} "
                     f"| {r['baseline_seconds']} s | {r['baseline_rows_per_second']:,} | {r['ratio']} × ({met}) "
                     f"| {r['peak_rss_bytes'] / 1048576:.0f} MiB | {r['loadavg']} |")
    return "\n".join(lines)
