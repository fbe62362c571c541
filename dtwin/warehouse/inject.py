"""Applying the chaos rates to clean rows: one record at a time, or a day of sensor readings
at once (masks drawn per array, lines formatted column-wise by :mod:`.sensortext`).

Every draw comes from one ``numpy.random.Generator`` in a fixed order, so the same seed
writes the same bytes. A clock drift never moves a row to another day (it is clipped at the
day's edges) and never moves a sensor reading to another slot (it stays below half a slot),
so the true day and slot can always be recovered.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from dtwin.warehouse.catalog import machine_variants, product_variants
from dtwin.warehouse.chaos import ChaosRates
from dtwin.warehouse.sensortext import number_text, object_lines, pick, stamp_text
from dtwin.warehouse.timezones import format_offset, format_timestamp

SENSOR_FIELDS = ("temperature_c", "pressure_bar", "power_kw", "energy_kwh", "efficiency")
SENSOR_DIGITS = {
    "temperature_c": 2,
    "pressure_bar": 3,
    "power_kw": 3,
    "energy_kwh": 4,
    "efficiency": 4,
}
_LINE_KEYS = ("machine", "ts", *SENSOR_FIELDS)
_QUOTED = {"ts"}  # the machine cell is JSON already (json.dumps), the stamp is plain text
_DAY = timedelta(days=1)
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


@dataclass
class Chaos:
    """Applies the chaos rates with one random generator; ``counts`` says what it injected."""

    rng: np.random.Generator
    rates: ChaosRates
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _variants: dict[str, list[str]] = field(default_factory=dict)
    _spellings: dict[tuple[str, ...], tuple[list[str], np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )

    def variants(self, machine_id: str) -> list[str]:
        if machine_id not in self._variants:
            self._variants[machine_id] = machine_variants(machine_id)
        return self._variants[machine_id]

    def spellings(self, machine_ids: tuple[str, ...]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """JSON texts of the machines, then of each machine's variants; for each machine the
        index of its first variant and how many it has."""
        if machine_ids not in self._spellings:
            texts = [json.dumps(m) for m in machine_ids]
            first, count = [], []
            for m in machine_ids:
                variants = self.variants(m)
                first.append(len(texts))
                count.append(len(variants))
                texts += [json.dumps(v) for v in variants]
            self._spellings[machine_ids] = (texts, np.asarray(first), np.asarray(count))
        return self._spellings[machine_ids]

    def machine(self, machine_id: str) -> str:
        if self.rng.random() >= self.rates.machine_variants:
            return machine_id
        self.counts["machine_variants"] += 1
        variants = self.variants(machine_id)
        return variants[int(self.rng.integers(len(variants)))]

    def product(self, name: str, aliases: tuple[str, ...]) -> str:
        if self.rng.random() >= self.rates.product_variants:
            return name
        self.counts["product_variants"] += 1
        variants = product_variants(name, aliases)
        return variants[int(self.rng.integers(len(variants)))]

    def drift(self, at: datetime | None = None) -> timedelta:
        """A clock drift (maybe none); with ``at``, clipped so that ``at`` keeps its day."""
        if self.rng.random() >= self.rates.timestamp_drift:
            return timedelta(0)
        self.counts["drifted_timestamps"] += 1
        limit = int(self.rates.drift_minutes * 60)
        drift = timedelta(seconds=int(self.rng.integers(-limit, limit + 1)))
        if at is not None:
            day = datetime.combine(at.date(), datetime.min.time())
            drift = min(max(drift, day - at), day + _DAY - timedelta(seconds=1) - at)
        return drift

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

    def malformed(self) -> bool:
        if self.rng.random() < self.rates.malformed_rows:
            self.counts["malformed_rows"] += 1
            return True
        return False


@dataclass(frozen=True)
class SensorDay:
    """A day of clean readings: one row per machine, one column per slot."""

    machine_ids: list[str]
    day_start: datetime
    slot_minutes: int
    values: dict[str, np.ndarray]  # field -> (machines, slots), already rounded


def sensor_lines(
    ch: Chaos, readings: SensorDay, day: int, last: int
) -> tuple[np.ndarray, pa.Array]:
    """The chaotic JSON lines of a day of readings and the day each one is delivered on.

    Copies of a reading sit next to each other, a malformed copy right after its line.
    """
    rng, rates = ch.rng, ch.rates
    n_machines, slots = readings.values["energy_kwh"].shape
    stamps = _slot_stamps(readings, slots)
    row_machine = np.repeat(np.arange(n_machines), slots)
    copies = np.where(rng.random(row_machine.size) < rates.duplicates, 2, 1)
    ch.counts["duplicates"] += int((copies == 2).sum())
    src = np.repeat(np.arange(row_machine.size), copies)
    n = src.size
    names = _machine_names(ch, readings.machine_ids, row_machine[src])
    ts = _drifted_stamps(ch, stamps[src], readings.slot_minutes, n)
    cells = _value_cells(ch, readings, src, n)
    deliver = np.full(n, day)
    if day < last:
        late = rng.random(n) < rates.late_rows
        ch.counts["late_rows"] += int(late.sum())
        deliver[late] = np.minimum(day + rng.integers(1, 4, size=int(late.sum())), last)
    bad = rng.random(n) < rates.malformed_rows
    ch.counts["malformed_rows"] += int(bad.sum())
    row_cells = [names, ts, *cells]
    lines = object_lines(_LINE_KEYS, row_cells, _QUOTED)
    if not bad.any():
        return deliver, lines
    # a malformed copy: the power reading as a word
    wrong = np.flatnonzero(bad)
    bad_cells = [c.take(pa.array(wrong)) for c in row_cells]
    bad_cells[_LINE_KEYS.index("power_kw")] = pa.array(['"high"'] * wrong.size, pa.string())
    bad_lines = object_lines(_LINE_KEYS, bad_cells, _QUOTED)
    before = np.concatenate([[0], np.cumsum(bad)[:-1]])  # malformed copies before each row
    at = np.arange(n) + before
    order = np.empty(n + wrong.size, dtype=np.int64)
    order[at] = np.arange(n)
    order[at[wrong] + 1] = n + np.arange(wrong.size)
    days = np.concatenate([deliver, np.full(wrong.size, day)])[order]
    return days, pa.concat_arrays([lines, bad_lines]).take(pa.array(order))


def _slot_stamps(readings: SensorDay, slots: int) -> np.ndarray:
    """Seconds since 1970 of each reading (mid-slot), machine-major."""
    start = int((np.datetime64(readings.day_start, "s") - _EPOCH).astype(np.int64))
    step = readings.slot_minutes * 60
    one_day = start + step // 2 + step * np.arange(slots, dtype=np.int64)
    return np.tile(one_day, len(readings.machine_ids))


def _machine_names(ch: Chaos, machine_ids: list[str], machine_of_row: np.ndarray) -> pa.Array:
    """Each row's machine spelling as a JSON string (a variant on machine_variants rows)."""
    rng = ch.rng
    n = machine_of_row.size
    varied = rng.random(n) < ch.rates.machine_variants
    pick_at = rng.random(n)
    ch.counts["machine_variants"] += int(varied.sum())
    texts, first, count = ch.spellings(tuple(machine_ids))
    index = machine_of_row.astype(np.int64)
    rows = np.flatnonzero(varied)
    of = index[rows]
    index[rows] = first[of] + (pick_at[rows] * count[of]).astype(np.int64)
    return pick(texts, index)


def _drifted_stamps(ch: Chaos, stamps: np.ndarray, slot_minutes: int, n: int) -> pa.Array:
    """Timestamps with drift (below half a slot) and some in local time, as text."""
    rng, rates = ch.rng, ch.rates
    drifted = rng.random(n) < rates.timestamp_drift
    limit = min(int(rates.drift_minutes * 60), slot_minutes * 30 - 1)
    drift = rng.integers(-limit, limit + 1, size=n) if limit > 0 else np.zeros(n, np.int64)
    ch.counts["drifted_timestamps"] += int(drifted.sum())
    local = rng.random(n) < rates.mixed_timezones
    ch.counts["local_timestamps"] += int(local.sum())
    offset = rates.local_offset_minutes
    seconds = stamps + np.where(drifted, drift, 0) + np.where(local, offset * 60, 0)
    return stamp_text(seconds, local, format_offset(offset))


def _value_cells(ch: Chaos, readings: SensorDay, src: np.ndarray, n: int) -> list[pa.Array]:
    """Each field's values as JSON text per row, ``null`` where the chaos blanked them."""
    nulls = ch.rng.random((len(SENSOR_FIELDS), n)) < ch.rates.sensor_nulls
    ch.counts["sensor_nulls"] += int(nulls.sum())
    return [
        number_text(readings.values[name].reshape(-1)[src], SENSOR_DIGITS[name], nulls[k])
        for k, name in enumerate(SENSOR_FIELDS)
    ]
