"""The raw files of a plant history and their ground truth: layout, rows, chaos, writing.

Layout written under ``out``::

    raw/YYYY-MM-DD/sensor_logs.json        one JSON object per line inside a JSON array
    raw/YYYY-MM-DD/production_batches.csv
    raw/YYYY-MM-DD/qc_checks.csv
    raw/YYYY-MM-DD/operator_logs.csv
    ground_truth/YYYY-MM-DD/truth.json     clean daily aggregates per machine, product, factory
    ground_truth/chaos.json                the parameters and how much chaos was injected

:class:`RawWriter` is what every generator writes through (the hand-written smelter plant of
:mod:`.generate`, the simulated factory of ``dtwin.twin.plantdata``): it applies the chaos
(:mod:`.inject`), queues each row for its (maybe late) delivery day and writes a day's files
as soon as no later day can add to them.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from dtwin.cli_params import SEED_MAX
from dtwin.errors import WarehouseError
from dtwin.warehouse.catalog import PlantCatalog, check_sensor_interval, machine_key
from dtwin.warehouse.chaos import ChaosRates
from dtwin.warehouse.inject import SENSOR_DIGITS, SENSOR_FIELDS, Chaos, SensorDay, sensor_lines
from dtwin.warehouse.sensortext import joined

SLOT_MINUTES = 15  # the default sensor interval
FIRMWARE_EVERY_DAYS = 45
# The days a plant history may cover (generated, or named by a raw/YYYY-MM-DD folder).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)
MAX_DAYS = 3660

BATCH_COLUMNS = (
    "batch_id",
    "machine_id",
    "product",
    "start_time",
    "end_time",
    "units_produced",
    "operator",
)
QC_COLUMNS = (
    "qc_id",
    "batch_id",
    "checked_at",
    "inspected_units",
    "defective_units",
    "inspector",
    "result",
)
OPERATOR_COLUMNS = ("log_id", "timestamp", "machine_id", "operator", "event", "detail")
SENSOR_KEYS = ("machine", "ts", *SENSOR_FIELDS)

FILE_NAMES: dict[str, str] = {
    "sensor_logs": "sensor_logs.json",
    "production_batches": "production_batches.csv",
    "qc_checks": "qc_checks.csv",
    "operator_logs": "operator_logs.csv",
}
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "production_batches": BATCH_COLUMNS,
    "qc_checks": QC_COLUMNS,
    "operator_logs": OPERATOR_COLUMNS,
}

OPERATORS = ("Ana Silva", "Ben Okafor", "Chen Wei", "Dara Novak", "Eli Cohen", "Femi Adeyemi")
INSPECTORS = ("QA-Kim", "QA-Lopez", "QA-Meyer")

__all__ = ["SENSOR_FIELDS", "RawWriter", "GeneratedData"]


@dataclass
class GeneratedData:
    """What a generator wrote."""

    out: Path
    start: date
    days: int
    seed: int
    rows: dict[str, int]  # source rows written per file kind (malformed lines included)
    chaos: dict[str, int]  # how many of each chaos kind were injected
    files: int = 0
    sensor_interval_min: int = SLOT_MINUTES


_NEEDS_QUOTES = re.compile('[,"\n\r]')


def csv_line(values: list[Any]) -> str:
    cells = []
    for value in values:
        text = "" if value is None else str(value)
        if _NEEDS_QUOTES.search(text):
            text = '"' + text.replace('"', '""') + '"'
        cells.append(text)
    return ",".join(cells)


def rates_of(chaos: ChaosRates | dict[str, Any] | None, rates: dict[str, Any]) -> ChaosRates:
    """A ChaosRates from a model, a mapping and/or single keyword rates (keywords win)."""
    if isinstance(chaos, ChaosRates):
        base = chaos.model_dump()
    elif chaos is None:
        base = {}
    elif isinstance(chaos, dict):
        base = dict(chaos)
    else:
        raise WarehouseError(f"chaos: expected ChaosRates or a mapping, got {type(chaos).__name__}")
    base.update(rates)
    return ChaosRates.from_mapping(base)


def start_date(start: date | str) -> date:
    if isinstance(start, datetime):
        day = start.date()
    elif isinstance(start, date):
        day = start
    else:
        try:
            day = date.fromisoformat(str(start))
        except ValueError as exc:
            raise WarehouseError(f"start: {start!r} is not a date like 2026-01-01") from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise WarehouseError(f"start: {day} is outside the supported days {FIRST_DAY}..{LAST_DAY}")
    return day


def check_days(days: object, start: date) -> None:
    """Refuse a day count that is not whole, or that runs past LAST_DAY (before any write)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise WarehouseError(f"days: {days!r} is not a whole number of days in 1..{MAX_DAYS}")
    if (LAST_DAY - start).days + 1 < days:
        last = (LAST_DAY - start).days + 1
        raise WarehouseError(
            f"days: {days} days from {start} would run past {LAST_DAY}, the last supported "
            f"day; at most {last} from that start"
        )


def check_seed(seed: object) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= SEED_MAX:
        raise WarehouseError(f"seed: {seed!r} is not a whole number in 0..{SEED_MAX}")
    return seed


def clear(*folders: Path, overwrite: bool) -> None:
    """Remove earlier output folders when ``overwrite``; refuse to write over them otherwise."""
    for folder in folders:
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise WarehouseError(
                    f"{folder} already holds data; choose an empty folder or pass overwrite=True"
                )
            shutil.rmtree(folder)


class RawWriter:
    """Turns a generator's clean rows into chaotic raw files and its clean figures into truth.

    Call the row methods for day ``d`` (any order the generator likes, deterministic), then
    :meth:`close_day` with the day's truth; :meth:`finish` writes ``chaos.json``.
    """

    def __init__(
        self,
        out: Path,
        start: date,
        days: int,
        seed: int,
        rates: ChaosRates,
        catalog: PlantCatalog,
        interval_min: int = SLOT_MINUTES,
    ) -> None:
        self.out, self.start, self.days, self.seed = out, start, days, seed
        self.raw_dir, self.truth_dir = out / "raw", out / "ground_truth"
        self.rates, self.catalog = rates, catalog
        self.interval_min = check_sensor_interval(interval_min, "sensor_interval_min")
        self.rng = np.random.default_rng(seed)
        self.chaos = Chaos(self.rng, rates)
        self.last = days - 1
        self.firmware = {m.machine_id: m.firmware for m in catalog.machines}
        self.products = {p.product_id: p for p in catalog.products}
        self.deliveries: dict[tuple[int, str], list[str]] = defaultdict(list)
        # sensor lines per delivery day, in chunks as built (see :mod:`.sensortext`)
        self.sensor_chunks: dict[int, list[pa.Array]] = defaultdict(list)
        self.rows: dict[str, int] = defaultdict(int)
        self.files = 0
        self._log_no: dict[int, int] = defaultdict(int)

    @classmethod
    def create(
        cls,
        out: str | Path,
        *,
        days: int,
        start: date | str,
        seed: int,
        chaos: ChaosRates | dict[str, Any] | None,
        rates: dict[str, Any],
        catalog: PlantCatalog,
        interval_min: int = SLOT_MINUTES,
        overwrite: bool = False,
    ) -> RawWriter:
        """Check every parameter, then clear ``out`` (see :func:`clear`) and open a writer."""
        rates_model = rates_of(chaos, rates)
        first = start_date(start)
        check_days(days, first)
        check_seed(seed)
        check_sensor_interval(interval_min, "sensor_interval_min")
        out = Path(out)
        clear(out / "raw", out / "ground_truth", overwrite=overwrite)
        return cls(out, first, days, seed, rates_model, catalog, interval_min)

    def day_start(self, day: int) -> datetime:
        return datetime.combine(self.start + timedelta(days=day), datetime.min.time())

    def emit(self, day: int, kind: str, line: str, bad: str | None = None) -> None:
        """Queue a row for its (maybe late) delivery day, and maybe a malformed copy today."""
        self.deliveries[(self.chaos.delivery_day(day, self.last), kind)].append(line)
        if bad is not None and self.chaos.malformed():
            self.deliveries[(day, kind)].append(bad)

    def log(self, day: int, machine_id: str, at: datetime, event: str, detail: str) -> None:
        """Queue one operator-log row."""
        self._log_no[day] += 1
        ch = self.chaos
        values = [
            f"L{self.day_start(day):%Y%m%d}-{self._log_no[day]:04d}",
            ch.stamp(at, ch.drift()),
            ch.machine(machine_id),
            OPERATORS[int(self.rng.integers(len(OPERATORS)))],
            event,
            detail,
        ]
        self.emit(day, "operator_logs", csv_line(values), csv_line(values[:4]))

    def batch_id(self, day: int, machine_id: str, number: int) -> str:
        return f"B{self.day_start(day):%Y%m%d}-{machine_key(machine_id).upper()}-{number:03d}"

    def batch(
        self,
        day: int,
        machine_id: str,
        product_id: str,
        number: int,
        span: tuple[datetime, datetime],
        units: int,
        defective: int,
    ) -> None:
        """Queue a batch's production row and its QC check (each maybe duplicated)."""
        ch, rng = self.chaos, self.rng
        begin, end = span
        batch_id = self.batch_id(day, machine_id, number)
        product = self.products[product_id]
        operator = OPERATORS[int(rng.integers(len(OPERATORS)))]
        for _ in range(ch.copies()):
            drift = ch.drift(end)
            values = [
                batch_id,
                ch.machine(machine_id),
                ch.product(product.name, product.aliases),
                ch.stamp(begin, drift),
                ch.stamp(end, drift),
                units,
                operator,
            ]
            bad = values[:5] + ["n/a", operator]
            self.emit(day, "production_batches", csv_line(values), csv_line(bad))
        checked = end + timedelta(minutes=int(rng.integers(5, 41)))
        result = "fail" if defective > 0.05 * units else "pass"
        for _ in range(ch.copies()):
            values = [
                f"QC-{batch_id}",
                batch_id,
                ch.stamp(checked, ch.drift()),
                units,
                defective,
                INSPECTORS[int(rng.integers(len(INSPECTORS)))],
                result,
            ]
            self.emit(day, "qc_checks", csv_line(values), csv_line([*values, "EXTRA"]))

    def sensors(
        self, day: int, machine_ids: list[str], values: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Queue a day of readings (field -> machines x slots); returns each machine's true
        energy of the day (the sum of the values as written)."""
        rounded = {
            f: np.round(np.asarray(values[f], float), SENSOR_DIGITS[f]) for f in SENSOR_FIELDS
        }
        readings = SensorDay(machine_ids, self.day_start(day), self.interval_min, rounded)
        deliver, lines = sensor_lines(self.chaos, readings, day, self.last)
        if deliver.size and (deliver == day).all():
            self.sensor_chunks[day].append(lines)
        else:
            for target in np.unique(deliver).tolist():
                chosen = pa.array(np.flatnonzero(deliver == target))
                self.sensor_chunks[target].append(lines.take(chosen))
        return np.round(rounded["energy_kwh"].sum(axis=1), 4)

    def update_firmware(self, day: int) -> None:
        """Every FIRMWARE_EVERY_DAYS days, mid-cycle, one machine (in turn) gets new firmware."""
        if day % FIRMWARE_EVERY_DAYS != FIRMWARE_EVERY_DAYS // 2:
            return
        machines = self.catalog.machine_ids
        target = machines[(day // FIRMWARE_EVERY_DAYS) % len(machines)]
        major, _, minor = self.firmware[target].rpartition(".")
        version = f"{major}.{int(minor) + 1}" if major and minor.isdigit() else f"{minor}.1"
        self.firmware[target] = version
        at = self.day_start(day) + timedelta(hours=12)
        self.log(day, target, at, "firmware_update", f"firmware {version}")

    def close_day(self, day: int, truth: dict[str, Any]) -> None:
        """Write the day's truth and its raw files (no later day delivers into them)."""
        day_start = self.day_start(day)
        truth = {"date": day_start.date().isoformat(), **truth, "firmware": dict(self.firmware)}
        path = self.truth_dir / day_start.strftime("%Y-%m-%d") / "truth.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        folder = self.raw_dir / day_start.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for kind, name in FILE_NAMES.items():
            if kind == "sensor_logs":
                chunks = self.sensor_chunks.pop(day, [])
                rows = sum(len(c) for c in chunks)
                text = "[\n" + joined(chunks, ",\n") + ("\n" if rows else "") + "]\n"
            else:
                lines = self.deliveries.pop((day, kind), [])
                rows = len(lines)
                text = "\n".join([",".join(CSV_COLUMNS[kind]), *lines]) + "\n"
            self.rows[kind] += rows
            (folder / name).write_text(text, encoding="utf-8")
            self.files += 1

    def finish(self, meta: dict[str, Any]) -> GeneratedData:
        """Write ``ground_truth/chaos.json``; returns what was written."""
        counts = dict(sorted(self.chaos.counts.items()))
        info = {
            "start": self.start.isoformat(),
            "days": self.days,
            "seed": self.seed,
            "sensor_interval_min": self.interval_min,
            "rates": self.rates.model_dump(),
            "injected": counts,
            "source_rows": dict(self.rows),
            **meta,
        }
        self.truth_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(info, indent=1) + "\n"
        (self.truth_dir / "chaos.json").write_text(text, encoding="utf-8")
        return GeneratedData(
            self.out, self.start, self.days, self.seed, dict(self.rows), counts, self.files,
            self.interval_min,
        )  # fmt: skip


def daily_truth(
    machines: dict[str, dict[str, float]], products: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """A day's truth from its per-machine and per-product figures (factory = their sum)."""
    factory = {
        key: sum(m[key] for m in machines.values())
        for key in ("batches", "units", "defective", "energy_kwh")
    }
    factory["energy_kwh"] = float(round(factory["energy_kwh"], 4))
    return {"machines": machines, "products": products, "factory": factory}
