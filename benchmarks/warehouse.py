"""Benchmark: generate + ingest 30 and 365 days of plant data; print timings and accuracy.

Bars (issue 6): 30 days generated and ingested in <= 30 s, 365 days in <= 5 min, max relative
error of gold vs truth <= 0.5%, and a re-ingest that changes no table.

``--damaged-day`` (issue 14) instead generates one day, damages its production_batches.csv
(CR-only line endings, a cp1252 dash in one row, a batch dated 2099), ingests it and prints the
rows delivered against the rows loaded, quarantined and rejected: they must add up.

``--machines N`` (issue 17) instead simulates a generated factory of N machines (stations of
5 machines, two products on two lines, process times of 40-60 min so that the simulation is
not the bottleneck, batches per 4-hour window) for ``--days`` and a quarter of it, with a
sensor reading per machine every ``--sensor-interval-min`` minutes, and prints the wall time
of generate and of ingest (split into bronze and silver + gold), the CPU seconds of each
of the three (all threads; on a shared machine the figure that depends least on the load),
wall and CPU seconds per million rows at both sizes, the peak RSS of each phase (each runs in
its own process), gold's largest relative error against the truth and the load average.
Bar: 50 machines, 365 days, 5 min in <= 180 s, peak < 4 GB.

Run: ``python benchmarks/warehouse.py [--days 30 365] [--seed 0] [--damaged-day]`` or
``python benchmarks/warehouse.py --machines 50 --days 365 --sensor-interval-min 5``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dtwin.warehouse import check_against_truth, generate_raw, ingest

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
        report = check_against_truth(db, out)
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


def delivered_rows(path: Path) -> int:
    """Data rows of a raw file counted independently: any line ending, headers and brackets off."""
    lines = [x for x in re.split(rb"\r\n|\r|\n", path.read_bytes()) if x.strip()]
    if path.suffix == ".json":
        return sum(1 for x in lines if x.strip() not in (b"[", b"]"))
    return max(len(lines) - 1, 0)


def damage(path: Path) -> None:
    """CR-only endings, a cp1252 en dash in the second row, and a batch dated 2099."""
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    future = lines[1].split(",")
    future[0], future[3], future[4] = (
        "B20990301-X-001",
        "2099-03-01T10:00:00Z",
        "2099-03-01T11:00:00Z",
    )
    lines.append(",".join(future))
    cells = lines[2].split(",")
    lines[2] = ",".join([*cells[:-1], "Ana \u2013 Silva"])
    path.write_bytes("\r".join(lines).encode("cp1252") + b"\r")


def damaged_day(seed: int) -> list[tuple[str, int, int, int, int, int]]:
    """Per kind: delivered, bronze (loaded), quarantined, rejected, kept in silver."""
    with tempfile.TemporaryDirectory(prefix="dtwin-damaged-") as tmp:
        out, db = Path(tmp) / "plant", Path(tmp) / "warehouse.duckdb"
        generate_raw(out, days=1, seed=seed)
        day = next((out / "raw").iterdir())
        damage(day / "production_batches.csv")
        delivered = {p.stem: delivered_rows(p) for p in day.iterdir()}
        ingest(out, db)
        con = duckdb.connect(str(db), read_only=True)
        try:
            silver = {
                "production_batches": "silver.production_batches",
                "qc_checks": "silver.qc_checks",
                "operator_logs": "silver.operator_logs",
                "sensor_logs": "silver.sensor_readings",
            }
            rows = []
            for kind, table in silver.items():
                bronze, quarantined = con.execute(
                    "SELECT sum(bronze_rows), sum(quarantined_rows) FROM bronze.ingested_files "
                    "WHERE kind = ?",
                    [kind],
                ).fetchone()
                rejected = con.execute(
                    "SELECT count(*) FROM silver.rejected WHERE kind = ?", [kind]
                ).fetchone()[0]
                kept = con.execute(
                    f"SELECT count(*) + coalesce(sum(duplicates_removed), 0) FROM {table}"
                ).fetchone()[0]
                rows.append((kind, delivered[kind], bronze, quarantined, rejected, kept))
            return rows
        finally:
            con.close()


def print_damaged_day(seed: int) -> None:
    rows = damaged_day(seed)
    print(f"{'kind':<19} {'delivered':>9} {'loaded':>7} {'quarantined':>11} {'rejected':>8} ok")
    totals = [0, 0, 0, 0]
    for kind, delivered, bronze, quarantined, rejected, kept in rows:
        loaded = bronze - rejected  # in silver (duplicates included): what gold is built from
        ok = delivered == loaded + quarantined + rejected and kept == loaded
        print(f"{kind:<19} {delivered:>9} {loaded:>7} {quarantined:>11} {rejected:>8} {ok}")
        for i, n in enumerate((delivered, loaded, quarantined, rejected)):
            totals[i] += n
    ok = totals[0] == sum(totals[1:])
    print(f"{'all':<19} {totals[0]:>9} {totals[1]:>7} {totals[2]:>11} {totals[3]:>8} {ok}")


SCALE_BAR_S = 180.0
SCALE_BAR_GB = 4.0


def scale_factory(machines: int, per_station: int = 5) -> dict:
    """Stations of ``per_station`` machines on two lines, one product each, ~83% loaded."""
    names = [f"st{i + 1:02d}" for i in range(max(1, machines // per_station))]
    half = max(1, len(names) // 2)
    stations = [
        {
            "name": name,
            "machines": per_station,
            "process_time": {"dist": "uniform", "low": 40, "high": 60},
            "defect_rate": 0.01,
            "energy": {"running": 30, "idle": 5, "blocked": 5, "starved": 4, "down": 1},
        }
        for name in names
    ]
    lines = [names[:half], names[half:] or names[:half]]
    products = [
        {"name": name, "routing": line, "arrival": {"dist": "exponential", "mean": 12.0}}
        for name, line in zip(("alpha", "beta"), lines, strict=True)
    ]
    return {"name": f"scale-{machines}", "products": products, "stations": stations}


def scale_phase(
    phase: str, folder: Path, machines: int, days: int, interval: int, seed: int
) -> dict:
    """One phase of a scale run in this process (the parent runs each phase in its own
    process, so each peak RSS is that phase's own): ``generate``, ``ingest`` or ``validate``
    (gold against the truth, after the timed phases)."""
    out, db = folder / "plant", folder / "warehouse.duckdb"
    t0 = time.perf_counter()
    if phase == "generate":
        import yaml

        from dtwin.twin.plantdata import generate_plant_data

        factory = folder / "factory.yaml"
        factory.write_text(yaml.safe_dump(scale_factory(machines)))
        generated = generate_plant_data(
            out, factory, days=days, seed=seed, sensor_interval_min=interval, batch_window_min=240
        )
        figures = {
            "rows": sum(generated.rows.values()),
            "sensor_rows": generated.rows["sensor_logs"],
        }
    elif phase == "validate":
        report = check_against_truth(db, out)
        figures = {"max_rel_error": report.max_rel_error, "passed": report.passed}
    else:
        marks = []
        c0 = time.process_time()
        result = ingest(
            out,
            db,
            on_group_loaded=lambda _: marks.append((time.perf_counter(), time.process_time())),
        )
        bronze_s, bronze_cpu = (marks[-1][0] - t0, marks[-1][1] - c0) if marks else (0.0, 0.0)
        figures = {
            "bronze_s": bronze_s,
            "silver_gold_s": time.perf_counter() - t0 - bronze_s,
            "bronze_cpu_s": bronze_cpu,  # all threads of the process
            "silver_gold_cpu_s": time.process_time() - c0 - bronze_cpu,
            "rows_loaded": result.rows_loaded,
            "quarantined": result.rows_quarantined,
            "rejected": result.rows_rejected,
            "db_mb": db.stat().st_size / 1e6,
        }
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **figures,
        "seconds": time.perf_counter() - t0,
        "cpu_s": usage.ru_utime + usage.ru_stime,  # all threads (DuckDB's too), imports included
        "peak_rss_gb": usage.ru_maxrss / 2**20,
    }


def scale_run(machines: int, days: int, interval: int, seed: int) -> dict[str, float]:
    """Generate, then ingest, each in a child process; their figures together."""
    runs = {}
    with tempfile.TemporaryDirectory(prefix=f"dtwin-scale-{days}-") as tmp:
        for phase in ("generate", "ingest", "validate"):
            command = [sys.executable, __file__, "--scale-phase", phase, tmp, str(machines),
                       str(days), str(interval), str(seed)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode:
                raise SystemExit(f"{phase} failed:\n{done.stderr[-3000:]}")
            runs[phase] = json.loads(done.stdout.strip().splitlines()[-1])
    gen, ing = runs["generate"], runs["ingest"]
    return {
        "load": os.getloadavg()[0],
        "gen_cpu_s": gen["cpu_s"],
        "bronze_cpu_s": ing["bronze_cpu_s"],
        "silver_gold_cpu_s": ing["silver_gold_cpu_s"],
        "max_rel_error": runs["validate"]["max_rel_error"],
        "days": days,
        "rows": gen["rows"],
        "sensor_rows": gen["sensor_rows"],
        "generate_s": gen["seconds"],
        "ingest_s": ing["seconds"],
        "bronze_s": ing["bronze_s"],
        "silver_gold_s": ing["silver_gold_s"],
        "cpu_s": gen["cpu_s"] + ing["cpu_s"],
        "generate_gb": gen["peak_rss_gb"],
        "ingest_gb": ing["peak_rss_gb"],
        "peak_rss_gb": max(gen["peak_rss_gb"], ing["peak_rss_gb"]),
        "rejected": ing["rejected"],
        "quarantined": ing["quarantined"],
    }


def print_scale(machines: int, days: int, interval: int, seed: int) -> None:
    """The scale bar at a quarter of ``days`` and at ``days``: wall time, CPU seconds (all
    threads) per phase, both per million rows, peak memory, and the check against truth."""
    sizes = sorted({max(1, days // 4), days})
    # on a shared machine the wall times depend on the load; the CPU seconds much less
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(
        f"{'days':>5} {'rows':>9} {'gen s':>6} {'bronze s':>8} {'silver+gold s':>13} "
        f"{'total s':>7} {'s/M rows':>8} | {'gen cpu':>7} {'bronze cpu':>10} "
        f"{'silver+gold cpu':>15} {'cpu s':>6} {'cpu s/M rows':>12} | {'gen GB':>6} "
        f"{'ingest GB':>9} {'max rel err':>11} {'load':>5}",
        flush=True,
    )
    for size in sizes:
        r = scale_run(machines, size, interval, seed)
        total = r["generate_s"] + r["ingest_s"]
        cpu = r["gen_cpu_s"] + r["bronze_cpu_s"] + r["silver_gold_cpu_s"]
        millions = r["rows"] / 1e6
        verdict = ""
        if size == days:
            ok = total <= SCALE_BAR_S and r["peak_rss_gb"] < SCALE_BAR_GB
            verdict = "ok" if ok else f"OVER (bar {SCALE_BAR_S:g} s, {SCALE_BAR_GB:g} GB)"
        print(
            f"{size:>5} {r['rows']:>9} {r['generate_s']:>6.1f} {r['bronze_s']:>8.1f} "
            f"{r['silver_gold_s']:>13.1f} {total:>7.1f} {total / millions:>8.1f} | "
            f"{r['gen_cpu_s']:>7.1f} {r['bronze_cpu_s']:>10.1f} {r['silver_gold_cpu_s']:>15.1f} "
            f"{cpu:>6.1f} {cpu / millions:>12.2f} | {r['generate_gb']:>6.2f} "
            f"{r['ingest_gb']:>9.2f} {r['max_rel_error']:>11.5f} {r['load']:>5.1f} {verdict}",
            flush=True,
        )


def main() -> None:
    if sys.argv[1:2] == ["--scale-phase"]:
        phase, folder = sys.argv[2], Path(sys.argv[3])
        machines, days, interval, seed = map(int, sys.argv[4:8])
        print(json.dumps(scale_phase(phase, folder, machines, days, interval, seed)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--damaged-day", action="store_true", help="the issue-14 accounting")
    parser.add_argument("--machines", type=int, help="the issue-17 scale run (a factory)")
    parser.add_argument("--sensor-interval-min", type=int, default=5)
    args = parser.parse_args()
    if args.damaged_day:
        print_damaged_day(args.seed)
        return
    if args.machines:
        print_scale(args.machines, max(args.days), args.sensor_interval_min, args.seed)
        return
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
