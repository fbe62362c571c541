"""The warehouse of the invented plant: simulated raw data, ingested and validated.

Run: ``python benchmarks/invented_warehouse.py [--days 14] [--seed 7] [--sensor-interval-min 15]``.

The invented plant of ``benchmarks/invented_plant.py`` (the done-when plant of issue 17, not
a shipped file) is simulated for ``--days`` days into the warehouse's raw files
(``dtwin data generate --factory``, default chaos), ingested, and gold is checked against the
simulation's truth. Printed: the rows, the maximum relative error of gold (bar: 0.5%), whether
gold's machine ids equal the plant's, and the wall time of each phase.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import yaml
from invented_plant import INVENTED_PLANT

from dtwin.sim import parse_factory
from dtwin.twin import generate_plant_data, machine_ids
from dtwin.warehouse import check_against_truth, ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sensor-interval-min", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        factory = folder / "plant.yaml"
        factory.write_text(yaml.safe_dump(INVENTED_PLANT), encoding="utf-8")
        t0 = time.perf_counter()
        generated = generate_plant_data(
            folder / "data",
            factory,
            days=args.days,
            seed=args.seed,
            sensor_interval_min=args.sensor_interval_min,
        )
        t1 = time.perf_counter()
        db = folder / "plant.duckdb"
        ingest(folder / "data", db)
        t2 = time.perf_counter()
        report = check_against_truth(db, folder / "data")
        t3 = time.perf_counter()
        with duckdb.connect(str(db), read_only=True) as con:
            gold = sorted(
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT machine_id FROM gold.dim_machine "
                    "WHERE machine_type <> 'unknown'"
                ).fetchall()
            )
    plant = sorted(m for _, ms in machine_ids(parse_factory(INVENTED_PLANT)).stations for m in ms)
    print(
        f"invented plant, {args.days} days, seed {args.seed}, sensors every "
        f"{args.sensor_interval_min} min: {sum(generated.rows.values()):,} raw rows"
    )
    print(
        f"  gold vs the simulation's truth: max relative error {report.max_rel_error:.4%} "
        f"(bar 0.5%: {'met' if report.max_rel_error <= 0.005 else 'NOT met'}); "
        f"passed: {report.passed}"
    )
    print(f"  gold's machine ids == the plant's: {gold == plant} ({', '.join(gold)})")
    print(f"  generate {t1 - t0:.1f} s, ingest {t2 - t1:.1f} s, validate {t3 - t2:.1f} s")


if __name__ == "__main__":
    main()
