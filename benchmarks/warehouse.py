"""Benchmark: generate + ingest 30 and 365 days of plant data; print timings and accuracy.

Bars (issue 6): 30 days generated and ingested in <= 30 s, 365 days in <= 5 min, max relative
error of gold vs truth <= 0.5%, and a re-ingest that changes no table.

Run: ``python benchmarks/warehouse.py [--days 30 365] [--seed 0]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from dtwin.warehouse import generate_raw, ingest, validate

BARS_S = {30: 30.0, 365: 300.0}


def table_digest(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and content hash of every base table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema IN ('bronze', 'silver', 'gold')"
        ).fetchall()
        return {
            f"{s}.{n}": con.execute(
                f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{s}"."{n}" t'
            ).fetchone()
            for s, n in names
        }
    finally:
        con.close()


def run(days: int, seed: int) -> dict[str, float]:
    """Time one generate + ingest + validate + re-ingest cycle."""
    with tempfile.TemporaryDirectory(prefix=f"dtwin-bench-{days}-") as tmp:
        out, db = Path(tmp) / "plant", Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        generated = generate_raw(out, days=days, seed=seed)
        t1 = time.perf_counter()
        result = ingest(out, db)
        t2 = time.perf_counter()
        report = validate(db, out)
        before = table_digest(db)
        t3 = time.perf_counter()
        again = ingest(out, db)
        t4 = time.perf_counter()
        unchanged = table_digest(db) == before and again.rows_loaded == 0
        return {
            "days": days,
            "rows": sum(generated.rows.values()),
            "generate_s": t1 - t0,
            "ingest_s": t2 - t1,
            "total_s": t2 - t0,
            "reingest_s": t4 - t3,
            "reingest_unchanged": unchanged,
            "quarantined": result.rows_quarantined,
            "max_rel_error": report.max_rel_error,
            "db_mb": db.stat().st_size / 1e6,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{'days':>5} {'rows':>8} {'gen s':>7} {'ingest s':>9} {'total s':>8} {'bar s':>6} "
        f"{'re-ingest s':>11} {'unchanged':>9} {'quarantined':>11} {'max rel err':>11} {'DB MB':>6}"
    )
    for days in args.days:
        r = run(days, args.seed)
        bar = BARS_S.get(days)
        verdict = "" if bar is None else ("ok" if r["total_s"] <= bar else "SLOW")
        print(
            f"{days:>5} {r['rows']:>8} {r['generate_s']:>7.2f} {r['ingest_s']:>9.2f} "
            f"{r['total_s']:>8.2f} {bar or '-':>6} {r['reingest_s']:>11.2f} "
            f"{str(r['reingest_unchanged']):>9} {r['quarantined']:>11} "
            f"{r['max_rel_error']:>11.5f} {r['db_mb']:>6.1f} {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
