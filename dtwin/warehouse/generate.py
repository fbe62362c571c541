"""Deterministic raw-data generator: daily plant files with controlled chaos and ground truth.

Layout written under ``out``::

    raw/YYYY-MM-DD/sensor_logs.json        one JSON object per line inside a JSON array
    raw/YYYY-MM-DD/production_batches.csv
    raw/YYYY-MM-DD/qc_checks.csv
    raw/YYYY-MM-DD/operator_logs.csv
    ground_truth/YYYY-MM-DD/truth.json     clean daily aggregates per machine, product, factory
    ground_truth/chaos.json                the parameters and how much chaos was injected

Batches run between 00:10 and 23:50 UTC and sensor readings are stamped mid-slot (every 15
minutes at hh:07:30, hh:22:30, ...), so a clock drift of up to 7 minutes never moves a record
to another day or slot: the true day and slot can always be recovered.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dtwin.cli_params import SEED_MAX
from dtwin.errors import WarehouseError
from dtwin.progress import progress_bar
from dtwin.warehouse.catalog import DEGRADING_MACHINE, MACHINES, PRODUCTS, Machine
from dtwin.warehouse.chaos import ChaosRates
from dtwin.warehouse.timezones import format_timestamp

SLOT_MINUTES = 15
SLOTS_PER_DAY = 96
FIRST_START_MIN = 10  # first batch of a day starts at 00:10 UTC
LAST_END_MIN = 1430  # the last batch ends by 23:50 UTC
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
SENSOR_FIELDS = ("temperature_c", "pressure_bar", "power_kw", "energy_kwh", "efficiency")
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
SHIFT_NOTES = (
    "handover ok",
    'handover, all "green"',
    "checked crucible, minor slag",
    "no issues",
    'lubricated gearbox; noted "squeak"',
)


@dataclass
class GeneratedData:
    """What :func:`generate_raw` wrote."""

    out: Path
    start: date
    days: int
    seed: int
    rows: dict[str, int]  # source rows written per file kind (malformed lines included)
    chaos: dict[str, int]  # how many of each chaos kind were injected
    files: int = 0


@dataclass
class _Chaos:
    """Applies the chaos rates with one random generator."""

    rng: np.random.Generator
    rates: ChaosRates
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def machine(self, machine_id: str) -> str:
        if self.rng.random() >= self.rates.machine_variants:
            return machine_id
        self.counts["machine_variants"] += 1
        variants = _machine_variants(machine_id)
        return variants[int(self.rng.integers(len(variants)))]

    def product(self, product_id: str) -> str:
        product = next(p for p in PRODUCTS if p.product_id == product_id)
        if self.rng.random() >= self.rates.product_variants:
            return product.name
        self.counts["product_variants"] += 1
        variants = _product_variants(product.name, product.aliases)
        return variants[int(self.rng.integers(len(variants)))]

    def drift(self) -> timedelta:
        if self.rng.random() >= self.rates.timestamp_drift:
            return timedelta(0)
        self.counts["drifted_timestamps"] += 1
        limit = int(self.rates.drift_minutes * 60)
        return timedelta(seconds=int(self.rng.integers(-limit, limit + 1)))

    def stamp(self, utc: datetime, drift: timedelta) -> str:
        offset = 0
        if self.rng.random() < self.rates.mixed_timezones:
            offset = self.rates.local_offset_minutes
            self.counts["local_timestamps"] += 1
        return format_timestamp(utc + drift, offset)

    def delivery_day(self, day: int, last_day: int) -> int:
        if day >= last_day or self.rng.random() >= self.rates.late_rows:
            return day
        self.counts["late_rows"] += 1
        return min(day + int(self.rng.integers(1, 4)), last_day)

    def copies(self) -> int:
        if self.rng.random() < self.rates.duplicates:
            self.counts["duplicates"] += 1
            return 2
        return 1

    def null(self, value: float) -> float | None:
        if self.rng.random() < self.rates.sensor_nulls:
            self.counts["sensor_nulls"] += 1
            return None
        return value

    def malformed(self) -> bool:
        if self.rng.random() < self.rates.malformed_rows:
            self.counts["malformed_rows"] += 1
            return True
        return False


def _machine_variants(machine_id: str) -> list[str]:
    letters, digits = machine_id.split("-")
    out = []
    for word in (letters.lower(), letters.title(), letters):
        for sep in ("", "-", "_", " "):
            for num in (str(int(digits)), digits):
                text = f"{word}{sep}{num}"
                if text != machine_id:
                    out.append(text)
    return out


def _product_variants(name: str, aliases: tuple[str, ...]) -> list[str]:
    words = name.split()
    return [
        name.lower(),
        name.upper(),
        "_".join(w.upper() for w in words),
        "-".join(w.lower() for w in words),
        "".join(words),
        f"{name}s",
        f" {name} ",
        *aliases,
    ]


def _csv_line(values: list[Any]) -> str:
    cells = []
    for value in values:
        text = "" if value is None else str(value)
        if any(ch in text for ch in ',"\n\r'):
            text = '"' + text.replace('"', '""') + '"'
        cells.append(text)
    return ",".join(cells)


def _round(value: float, digits: int) -> float:
    return float(round(float(value), digits))


def generate_raw(
    out: str | Path,
    days: int = 30,
    start: date | str = "2026-01-01",
    seed: int = 0,
    chaos: ChaosRates | dict[str, Any] | None = None,
    *,
    overwrite: bool = False,
    progress: bool = False,
    **rates: Any,
) -> GeneratedData:
    """Write ``days`` days of chaotic raw files and their ground truth under ``out``.

    Parameters
    ----------
    chaos, rates
        A :class:`ChaosRates`, a mapping of rates, and/or single rates as keywords
        (``sensor_nulls=0.1``); keywords win.
    overwrite
        Replace an existing ``raw/`` and ``ground_truth/`` under ``out``.
    """
    rates_model = _rates(chaos, rates)
    start_date = _start_date(start)
    _check_days(days, start_date)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= SEED_MAX:
        raise WarehouseError(f"seed: {seed!r} is not a whole number in 0..{SEED_MAX}")
    out = Path(out)
    raw_dir, truth_dir = out / "raw", out / "ground_truth"
    _clear(raw_dir, truth_dir, overwrite=overwrite)

    chaos_state = _Chaos(np.random.default_rng(seed), rates_model)
    deliveries: dict[tuple[int, str], list[str]] = defaultdict(list)
    firmware = {m.machine_id: m.firmware for m in MACHINES}
    last = days - 1
    for day in progress_bar(range(days), desc="generate", progress=progress, unit="day"):
        day_start = datetime.combine(start_date + timedelta(days=day), datetime.min.time())
        truth = _generate_day(day, last, day_start, chaos_state, deliveries, firmware)
        path = truth_dir / day_start.strftime("%Y-%m-%d") / "truth.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    rows, files = _write_deliveries(raw_dir, start_date, days, deliveries)

    counts = dict(sorted(chaos_state.counts.items()))
    meta = {
        "start": start_date.isoformat(),
        "days": days,
        "seed": seed,
        "rates": rates_model.model_dump(),
        "injected": counts,
        "source_rows": dict(rows),
        "degrading_machine": DEGRADING_MACHINE,
    }
    (truth_dir / "chaos.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return GeneratedData(out, start_date, days, seed, dict(rows), counts, files)


def _clear(*folders: Path, overwrite: bool) -> None:
    """Remove earlier output folders when ``overwrite``; refuse to write over them otherwise."""
    for folder in folders:
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise WarehouseError(
                    f"{folder} already holds data; choose an empty folder or pass overwrite=True"
                )
            shutil.rmtree(folder)


def _write_deliveries(
    raw_dir: Path, start_date: date, days: int, deliveries: dict[tuple[int, str], list[str]]
) -> tuple[dict[str, int], int]:
    """Write each day's delivered rows under ``raw/YYYY-MM-DD/``; returns rows per kind, files."""
    rows: dict[str, int] = defaultdict(int)
    files = 0
    for day in range(days):
        folder = raw_dir / (start_date + timedelta(days=day)).isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for kind, name in FILE_NAMES.items():
            lines = deliveries.get((day, kind), [])
            rows[kind] += len(lines)
            if kind == "sensor_logs":
                body = ",\n".join(lines)
                text = "[\n" + body + ("\n" if lines else "") + "]\n"
            else:
                text = "\n".join([",".join(CSV_COLUMNS[kind]), *lines]) + "\n"
            (folder / name).write_text(text, encoding="utf-8")
            files += 1
    return rows, files


def _rates(chaos: ChaosRates | dict[str, Any] | None, rates: dict[str, Any]) -> ChaosRates:
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


def _start_date(start: date | str) -> date:
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


def _check_days(days: object, start: date) -> None:
    """Refuse a day count that is not whole, or that runs past LAST_DAY (before any write)."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise WarehouseError(f"days: {days!r} is not a whole number of days in 1..{MAX_DAYS}")
    if (LAST_DAY - start).days + 1 < days:
        last = (LAST_DAY - start).days + 1
        raise WarehouseError(
            f"days: {days} days from {start} would run past {LAST_DAY}, the last supported "
            f"day; at most {last} from that start"
        )


def _degradation(machine: Machine, day: int, rate: float) -> float:
    if machine.machine_id != DEGRADING_MACHINE:
        return 0.0
    return min(rate * day, 0.6)


def _generate_day(
    day: int,
    last: int,
    day_start: datetime,
    ch: _Chaos,
    deliveries: dict[tuple[int, str], list[str]],
    firmware: dict[str, str],
) -> dict[str, Any]:
    """Simulate one day of the plant, queue its (chaotic) rows and return its clean truth."""
    plant_day = _PlantDay(day, last, day_start, ch, deliveries, firmware)
    plant_day.update_firmware()
    for machine in MACHINES:
        plant_day.run_machine(machine)
    return plant_day.truth()


class _PlantDay:
    """One day of the plant: its rows go to ``deliveries``, its clean figures to the truth.

    Every random draw comes from ``ch.rng`` in a fixed order (firmware, then per machine: shift
    notes, batches, sensors), so the same seed writes the same bytes.
    """

    def __init__(
        self,
        day: int,
        last: int,
        day_start: datetime,
        ch: _Chaos,
        deliveries: dict[tuple[int, str], list[str]],
        firmware: dict[str, str],
    ) -> None:
        self.day, self.last, self.day_start = day, last, day_start
        self.ch, self.rng = ch, ch.rng
        self.deliveries, self.firmware = deliveries, firmware
        self.stamp = day_start.strftime("%Y%m%d")
        self.log_no = 0
        self.machines: dict[str, dict[str, float]] = {}
        self.products: dict[str, dict[str, float]] = {
            p.product_id: {"batches": 0, "units": 0, "defective": 0} for p in PRODUCTS
        }

    def emit(self, kind: str, line: str, bad: str | None = None) -> None:
        """Queue a row for its (maybe late) delivery day, and maybe a malformed copy today."""
        self.deliveries[(self.ch.delivery_day(self.day, self.last), kind)].append(line)
        if bad is not None and self.ch.malformed():
            self.deliveries[(self.day, kind)].append(bad)

    def log(self, machine: Machine, at: datetime, event: str, detail: str) -> None:
        """Queue one operator-log row."""
        self.log_no += 1
        ch = self.ch
        values = [
            f"L{self.stamp}-{self.log_no:04d}",
            ch.stamp(at, ch.drift()),
            ch.machine(machine.machine_id),
            OPERATORS[int(self.rng.integers(len(OPERATORS)))],
            event,
            detail,
        ]
        self.emit("operator_logs", _csv_line(values), _csv_line(values[:4]))

    def update_firmware(self) -> None:
        """Every FIRMWARE_EVERY_DAYS days, mid-cycle, one machine (in turn) gets new firmware."""
        if self.day % FIRMWARE_EVERY_DAYS != FIRMWARE_EVERY_DAYS // 2:
            return
        target = MACHINES[(self.day // FIRMWARE_EVERY_DAYS) % len(MACHINES)]
        major, minor = self.firmware[target.machine_id].split(".")
        self.firmware[target.machine_id] = f"{major}.{int(minor) + 1}"
        self.log(
            target,
            self.day_start + timedelta(hours=12),
            "firmware_update",
            f"firmware {self.firmware[target.machine_id]}",
        )

    def run_machine(self, machine: Machine) -> None:
        """A machine's day: shift notes, batches with breakdowns between them, sensor readings."""
        wear = _degradation(machine, self.day, self.ch.rates.degradation)
        for hour in (6, 14, 22):
            note = SHIFT_NOTES[int(self.rng.integers(len(SHIFT_NOTES)))]
            self.log(machine, self.day_start + timedelta(hours=hour), "shift_start", note)
        running = np.zeros(1440, dtype=bool)
        number, units, defective = self._batches(machine, wear, running)
        energy = _sensor_rows(machine, wear, running, self.day_start, self.ch, self.emit)
        self.machines[machine.machine_id] = {
            "batches": number,
            "units": units,
            "defective": defective,
            "energy_kwh": energy,
        }

    def _batches(self, machine: Machine, wear: float, running: np.ndarray) -> tuple[int, int, int]:
        """Run batches from FIRST_START_MIN until one would end after LAST_END_MIN.

        Marks the running minutes in ``running``; returns batches, units and defective units.
        """
        rng = self.rng
        minute, number = FIRST_START_MIN, 0
        units_total = defective_total = 0
        while True:
            if rng.random() < 0.05 * (1 + 3 * wear):
                down = int(rng.integers(30, 121))
                self.log(
                    machine,
                    self.day_start + timedelta(minutes=minute),
                    "breakdown",
                    f"stopped for {down} min, fault code E{int(rng.integers(100, 999))}",
                )
                minute += down
            duration = int(rng.integers(45, 111))
            if minute + duration > LAST_END_MIN:
                return number, units_total, defective_total
            number += 1
            running[minute : minute + duration] = True
            units = int(duration * 60 / (machine.cycle_s * (1 + wear)) * rng.uniform(0.92, 0.99))
            defective = int(rng.binomial(units, min(0.5, machine.defect_p * (1 + 6 * wear))))
            begin = self.day_start + timedelta(minutes=minute)
            self._emit_batch(machine, number, begin, duration, units, defective)
            units_total += units
            defective_total += defective
            product = self.products[machine.product_id]
            product["batches"] += 1
            product["units"] += units
            product["defective"] += defective
            minute += duration + int(rng.integers(5, 16))

    def _emit_batch(
        self,
        machine: Machine,
        number: int,
        begin: datetime,
        duration: int,
        units: int,
        defective: int,
    ) -> None:
        """Queue a batch's production row and its QC check (each maybe duplicated)."""
        ch, rng = self.ch, self.rng
        end = begin + timedelta(minutes=duration)
        short = machine.machine_id[0] + machine.machine_id.split("-")[1]
        batch_id = f"B{self.stamp}-{short}-{number:03d}"
        operator = OPERATORS[int(rng.integers(len(OPERATORS)))]
        for _ in range(ch.copies()):
            drift = ch.drift()
            values = [
                batch_id,
                ch.machine(machine.machine_id),
                ch.product(machine.product_id),
                ch.stamp(begin, drift),
                ch.stamp(end, drift),
                units,
                operator,
            ]
            bad = values[:5] + ["n/a", operator]
            self.emit("production_batches", _csv_line(values), _csv_line(bad))
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
            self.emit("qc_checks", _csv_line(values), _csv_line([*values, "EXTRA"]))

    def truth(self) -> dict[str, Any]:
        """The day's clean figures per machine, product and factory, and the firmware in use."""
        factory = {
            key: sum(m[key] for m in self.machines.values())
            for key in ("batches", "units", "defective", "energy_kwh")
        }
        factory["energy_kwh"] = _round(factory["energy_kwh"], 4)
        return {
            "date": self.day_start.date().isoformat(),
            "machines": self.machines,
            "products": self.products,
            "factory": factory,
            "firmware": dict(self.firmware),
        }


def _sensor_rows(
    machine: Machine,
    wear: float,
    running: np.ndarray,
    day_start: datetime,
    ch: _Chaos,
    emit: Any,
) -> float:
    """Queue the machine's 96 sensor readings of the day; return the day's true energy."""
    rng = ch.rng
    share = running.reshape(SLOTS_PER_DAY, SLOT_MINUTES).mean(axis=1)
    noise = rng.normal(1.0, 0.02, SLOTS_PER_DAY)
    power = (
        machine.idle_kw + (machine.run_kw * (1 + 0.4 * wear) - machine.idle_kw) * share
    ) * noise
    energy = np.round(power * SLOT_MINUTES / 60, 4)
    if machine.machine_type == "smelter":
        temperature = 900 + 300 * share + 80 * wear + rng.normal(0, 4, SLOTS_PER_DAY)
    else:
        temperature = 30 + 12 * share + 15 * wear + rng.normal(0, 0.8, SLOTS_PER_DAY)
    pressure = 1.2 + 0.3 * share + rng.normal(0, 0.02, SLOTS_PER_DAY)
    efficiency = 0.93 / (1 + wear) * rng.normal(1.0, 0.01, SLOTS_PER_DAY)
    half_slot = timedelta(minutes=SLOT_MINUTES / 2)
    for slot in range(SLOTS_PER_DAY):
        at = day_start + timedelta(minutes=slot * SLOT_MINUTES) + half_slot
        for _ in range(ch.copies()):
            record = {
                "machine": ch.machine(machine.machine_id),
                "ts": ch.stamp(at, ch.drift()),
                "temperature_c": ch.null(_round(temperature[slot], 2)),
                "pressure_bar": ch.null(_round(pressure[slot], 3)),
                "power_kw": ch.null(_round(power[slot], 3)),
                "energy_kwh": ch.null(float(energy[slot])),
                "efficiency": ch.null(_round(efficiency[slot], 4)),
            }
            line = json.dumps(record, separators=(",", ":"))
            bad = json.dumps({**record, "power_kw": "high"}, separators=(",", ":"))
            emit("sensor_logs", line, bad)
    return _round(energy.sum(), 4)
