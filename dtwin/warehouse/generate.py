"""Deterministic raw-data generator: the hand-written smelter plant, daily files with
controlled chaos and ground truth (layout and writing in :mod:`.rawfiles`).

The plant's machines and products come from its catalogue (default: the shipped
``data/factories/smelter.yaml``); each machine makes its first product. Batches run between
00:10 and 23:50 UTC and sensor readings are stamped mid-slot (by default every 15 minutes at
hh:07:30, hh:22:30, ...), so a clock drift of up to 7 minutes never moves a record to another day or
slot: the true day and slot can always be recovered. ``dtwin.twin.plantdata`` writes the same
files by simulating a factory instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dtwin.warehouse.catalog import Machine
from dtwin.warehouse.chaos import ChaosRates
from dtwin.warehouse.rawfiles import (
    CSV_COLUMNS,
    FILE_NAMES,
    FIRST_DAY,
    LAST_DAY,
    MAX_DAYS,
    SENSOR_FIELDS,
    SENSOR_KEYS,
    SLOT_MINUTES,
    GeneratedData,
    RawWriter,
    daily_truth,
)

__all__ = [
    "CSV_COLUMNS",
    "FILE_NAMES",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_DAYS",
    "SENSOR_FIELDS",
    "SENSOR_KEYS",
    "SLOT_MINUTES",
    "GeneratedData",
    "generate_raw",
]

FIRST_START_MIN = 10  # first batch of a day starts at 00:10 UTC
LAST_END_MIN = 1430  # the last batch ends by 23:50 UTC
DEGRADING_SLOT = 1  # the second machine of the plant wears (SMELTER-02 in the demo)
SHIFT_NOTES = (
    "handover ok",
    'handover, all "green"',
    "checked crucible, minor slag",
    "no issues",
    'lubricated gearbox; noted "squeak"',
)


def generate_raw(
    out: str | Path,
    days: int = 30,
    start: date | str = "2026-01-01",
    seed: int = 0,
    chaos: ChaosRates | dict[str, Any] | None = None,
    *,
    overwrite: bool = False,
    progress: bool = False,
    sensor_interval_min: int = SLOT_MINUTES,
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
    sensor_interval_min
        Minutes between two readings of a machine: a divisor of 1440 (1, 5, 10, 15, 30, 60).

    The plant is the shipped smelter (``data/factories/smelter.yaml``); ``OUT/plant.yaml`` is
    a copy of it with the sensor interval, from which ingest takes the catalogue.
    """
    from dtwin.config import load_mapping
    from dtwin.paths import SMELTER_FACTORY
    from dtwin.progress import progress_bar
    from dtwin.warehouse.plant import catalog_from_factory, write_plant_copy

    factory = load_mapping(SMELTER_FACTORY)
    factory["sensor_interval_min"] = sensor_interval_min
    catalog = catalog_from_factory(factory, str(SMELTER_FACTORY))
    writer = RawWriter.create(
        out, days=days, start=start, seed=seed, chaos=chaos, rates=rates, catalog=catalog,
        interval_min=sensor_interval_min, overwrite=overwrite,
    )  # fmt: skip
    plant = _Plant(writer.interval_min)
    degrading = catalog.machines[min(DEGRADING_SLOT, len(catalog.machines) - 1)].machine_id
    for day in progress_bar(range(days), desc="generate", progress=progress, unit="day"):
        writer.update_firmware(day)
        plant_day = _PlantDay(writer, day, degrading, plant)
        for machine in catalog.machines:
            plant_day.run_machine(machine)
        writer.close_day(day, daily_truth(plant_day.machines, plant_day.products))
    write_plant_copy(writer.out, factory, writer.interval_min)
    return writer.finish({"degrading_machine": degrading})


@dataclass(frozen=True)
class _Plant:
    """The sensor slots of the hand-written plant."""

    interval: int

    @property
    def slots(self) -> int:
        return 1440 // self.interval


class _PlantDay:
    """One day of the hand-written plant: rows go to the writer, clean figures to the truth.

    Every random draw comes from ``writer.rng`` in a fixed order (firmware, then per machine:
    shift notes, batches, sensors), so the same seed writes the same bytes.
    """

    def __init__(self, writer: RawWriter, day: int, degrading: str, plant: _Plant) -> None:
        self.writer, self.day, self.degrading, self.plant = writer, day, degrading, plant
        self.rng = writer.rng
        self.day_start = writer.day_start(day)
        self.machines: dict[str, dict[str, float]] = {}
        self.products: dict[str, dict[str, float]] = {
            p.product_id: {"batches": 0, "units": 0, "defective": 0}
            for p in writer.catalog.products
        }

    def wear(self, machine: Machine) -> float:
        if machine.machine_id != self.degrading:
            return 0.0
        return min(self.writer.rates.degradation * self.day, 0.6)

    def run_machine(self, machine: Machine) -> None:
        """A machine's day: shift notes, batches with breakdowns between them, sensor readings."""
        wear = self.wear(machine)
        for hour in (6, 14, 22):
            note = SHIFT_NOTES[int(self.rng.integers(len(SHIFT_NOTES)))]
            at = self.day_start + timedelta(hours=hour)
            self.writer.log(self.day, machine.machine_id, at, "shift_start", note)
        running = np.zeros(1440, dtype=bool)
        number, units, defective = self._batches(machine, wear, running)
        energy = self._sensors(machine, wear, running)
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
        rng, product_id = self.rng, machine.product_id
        minute, number = FIRST_START_MIN, 0
        units_total = defective_total = 0
        while product_id is not None:
            if rng.random() < 0.05 * (1 + 3 * wear):
                down = int(rng.integers(30, 121))
                self.writer.log(
                    self.day,
                    machine.machine_id,
                    self.day_start + timedelta(minutes=minute),
                    "breakdown",
                    f"stopped for {down} min, fault code E{int(rng.integers(100, 999))}",
                )
                minute += down
            duration = int(rng.integers(45, 111))
            if minute + duration > LAST_END_MIN:
                break
            number += 1
            running[minute : minute + duration] = True
            cycle = machine.cycle_s(product_id)[0]
            units = int(duration * 60 / (cycle * (1 + wear)) * rng.uniform(0.92, 0.99))
            defective = int(rng.binomial(units, min(0.5, machine.defect_p * (1 + 6 * wear))))
            begin = self.day_start + timedelta(minutes=minute)
            span = (begin, begin + timedelta(minutes=duration))
            self.writer.batch(
                self.day, machine.machine_id, product_id, number, span, units, defective
            )
            units_total += units
            defective_total += defective
            product = self.products[product_id]
            product["batches"] += 1
            product["units"] += units
            product["defective"] += defective
            minute += duration + int(rng.integers(5, 16))
        return number, units_total, defective_total

    def _sensors(self, machine: Machine, wear: float, running: np.ndarray) -> float:
        """Queue the machine's sensor readings of the day; return the day's true energy."""
        rng, slots, interval = self.rng, self.plant.slots, self.plant.interval
        share = running.reshape(slots, interval).mean(axis=1)
        noise = rng.normal(1.0, 0.02, slots)
        run_kw = machine.run_kw * (1 + 0.4 * wear)
        power = (machine.idle_kw + (run_kw - machine.idle_kw) * share) * noise
        if machine.machine_type == "smelter":
            temperature = 900 + 300 * share + 80 * wear + rng.normal(0, 4, slots)
        else:
            temperature = 30 + 12 * share + 15 * wear + rng.normal(0, 0.8, slots)
        values = {
            "temperature_c": temperature,
            "pressure_bar": 1.2 + 0.3 * share + rng.normal(0, 0.02, slots),
            "power_kw": power,
            "energy_kwh": power * interval / 60,
            "efficiency": 0.93 / (1 + wear) * rng.normal(1.0, 0.01, slots),
        }
        one_row = {k: v[np.newaxis, :] for k, v in values.items()}
        return float(self.writer.sensors(self.day, [machine.machine_id], one_row)[0])
