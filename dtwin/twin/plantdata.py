"""A plant's raw data from its simulation: the warehouse files of a factory YAML.

``dtwin data generate OUT --factory F.yaml`` runs :class:`dtwin.sim.Simulation` for the days
asked and turns what happened into the warehouse's raw files (through the warehouse's own
writer, so the chaos and the layout are those of every generator) and its ground truth:

- **batches**: the parts one machine finished of one product within one production window
  (``batch_window_min``, an hour by default, aligned to midnight UTC); a product change starts
  a new batch. A batch runs from the start of its first part to the finish of its last.
- **QC checks**: one per batch; its defective units are the parts that machine made
  defective (a process station's defect draw) or scrapped (an inspection station).
- **operator logs**: shift notes, breakdowns and repairs, maintenance, firmware updates.
- **sensor readings**: per machine and slot (``sensor_interval_min``) the mean power of the
  states it was in (the station's ``energy`` kW per state; none off shift), the energy as its
  integral, temperature and pressure driven by the running share and the health (tracked
  from the events with the station's wear rules), efficiency by the health.

The ground truth (per machine, product and factory and day) is the simulation's own count.
``OUT/plant.yaml`` is the factory with the sensor interval, so ingest finds the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dtwin.config import load_mapping
from dtwin.errors import ConfigError
from dtwin.event_schema import station_machine_ids
from dtwin.progress import progress_bar
from dtwin.sim import STATE_LABELS, FactoryConfig, Simulation, check_run, parse_factory
from dtwin.warehouse import RawWriter, catalog_from_factory, daily_truth, write_plant_copy

MINUTES_PER_DAY = 1440
DEFAULT_SENSOR_INTERVAL_MIN = 15
DEFAULT_BATCH_WINDOW_MIN = 60
SHIFT_HOURS = (6, 14, 22)
SHIFT_NOTES = ("handover ok", "no issues", 'handover, all "green"', "checked tooling")
_STATE_OF = {f"state:{label}": i for i, label in enumerate(STATE_LABELS)}
_ENDS = frozenset(("finish", "exit", "scrap"))
_MACHINE_LOGS = {
    "failure": "breakdown",
    "repaired": "repaired",
    "maintenance_start": "maintenance_start",
    "maintenance_end": "maintenance_end",
}


@dataclass
class _MachineTrack:
    """What one machine did since the last day was closed."""

    machine_id: str
    kw: np.ndarray  # power per state (MachineState order; off shift draws nothing)
    wear: float
    restores: float
    state: int
    health: float = 1.0
    health_start: float = 1.0  # the health when the current day began
    started: float | None = None
    ops: list[tuple[float, float, str, bool]] = field(default_factory=list)
    changes: list[tuple[float, int]] = field(default_factory=list)
    health_marks: list[tuple[float, float]] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)


class _Recorder:
    """An observer of the simulation: every operation, state change and machine event."""

    def __init__(self, sim: Simulation, config: FactoryConfig) -> None:
        self.sim = sim
        self.products: dict[int, str] = {}
        self.tracks: dict[tuple[str, int], _MachineTrack] = {}
        firsts = {p.routing[0] for p in config.products}
        later = {s for p in config.products for s in p.routing[1:]}
        for st in config.stations:
            waiting = "starved" if st.name in later or st.name not in firsts else "idle"
            energy = st.energy.model_dump()
            kw = np.array([float(energy.get(label, 0.0)) for label in STATE_LABELS])
            health = st.health
            for k, machine_id in enumerate(
                station_machine_ids(st.name, st.machines, st.machine_ids)
            ):
                self.tracks[(st.name, k)] = _MachineTrack(
                    machine_id,
                    kw,
                    health.wear_per_op if health else 0.0,
                    health.repair_restores if health else 0.0,
                    STATE_LABELS.index(waiting),
                )
        self.defects = {name: 0 for name in sim.stations}
        sim.subscribe_releases(lambda fact: self.products.__setitem__(fact.part, fact.product))
        sim.subscribe(self, states=True)

    def __call__(self, record: tuple[float, int, str, int, str]) -> None:
        t, entity, station, index, event = record
        track = self.tracks.get((station, index))
        if track is None:
            return  # a release (machine -1)
        if event in _STATE_OF:
            track.changes.append((t, _STATE_OF[event]))
        elif event == "start":
            track.started = t
        elif event in _ENDS:
            made = self.sim.stations[station].defects
            bad = made > self.defects[station] or event == "scrap"
            self.defects[station] = made
            product = self.products[entity] if event == "finish" else self.products.pop(entity)
            start = t if track.started is None else track.started
            track.ops.append((start, t, product, bad))
            track.started = None
            if track.wear:
                track.health = max(0.0, track.health - track.wear)
                track.health_marks.append((t, track.health))
        elif event in _MACHINE_LOGS:
            track.events.append((t, event))
            if event == "repaired" and track.restores:
                track.health += track.restores * (1.0 - track.health)
            elif event == "maintenance_end":
                track.health = 1.0
            track.health_marks.append((t, track.health))


def generate_plant_data(
    out: str | Path,
    factory: str | Path,
    days: int = 30,
    start: date | str = "2026-01-01",
    seed: int = 0,
    chaos: Any = None,
    *,
    sensor_interval_min: int | None = None,
    batch_window_min: int = DEFAULT_BATCH_WINDOW_MIN,
    overwrite: bool = False,
    progress: bool = False,
    **rates: Any,
) -> Any:
    """Simulate ``factory`` for ``days`` days and write its chaotic raw files and truth.

    Returns the warehouse's ``GeneratedData``. The same seed writes the same bytes.
    """
    source = str(factory)
    mapping = load_mapping(factory)
    config = parse_factory(mapping, source=source)
    interval = sensor_interval_min
    if interval is None:
        interval = mapping.get("sensor_interval_min")
    if interval is None:
        interval = DEFAULT_SENSOR_INTERVAL_MIN
    catalog = catalog_from_factory({**mapping, "sensor_interval_min": interval}, source)
    _check_window(batch_window_min)
    writer = RawWriter.create(
        out, days=days, start=start, seed=seed, chaos=chaos, rates=rates, catalog=catalog,
        interval_min=interval, overwrite=overwrite,
    )  # fmt: skip
    check_run(float(days))
    sim = Simulation(config, seed=seed, log_events=False)
    recorder = _Recorder(sim, config)
    plant = _PlantDays(writer, recorder, batch_window_min)
    for day in progress_bar(range(days), desc="simulate", progress=progress, unit="day"):
        sim.run_until(float((day + 1) * MINUTES_PER_DAY))
        plant.close(day)
    write_plant_copy(writer.out, mapping, interval)
    return writer.finish({"factory": source, "batch_window_min": batch_window_min})


def _check_window(minutes: object) -> None:
    whole = isinstance(minutes, int) and not isinstance(minutes, bool)
    if not (whole and 1 <= minutes <= MINUTES_PER_DAY and MINUTES_PER_DAY % minutes == 0):
        raise ConfigError(
            f"batch_window_min: {minutes!r} does not divide a day; valid: a divisor of 1440 "
            "such as 15, 60, 240 or 480"
        )


class _PlantDays:
    """Turns each simulated day into the writer's rows and the day's truth."""

    def __init__(self, writer: RawWriter, recorder: _Recorder, window: int) -> None:
        self.writer, self.recorder, self.window = writer, recorder, window
        self.rng = writer.rng

    def at(self, t: float) -> datetime:
        """The UTC time of simulated minute ``t`` (minute 0 is the first day's midnight)."""
        return self.writer.day_start(0) + timedelta(minutes=t)

    def close(self, day: int) -> None:
        """Emit day ``day`` (minutes [day * 1440, (day + 1) * 1440)) and write its files."""
        writer = self.writer
        writer.update_firmware(day)
        lo, hi = day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY
        machines: dict[str, dict[str, float]] = {}
        products = {
            p.product_id: {"batches": 0, "units": 0, "defective": 0}
            for p in writer.catalog.products
        }
        tracks = list(self.recorder.tracks.values())
        for track in tracks:
            self._logs(day, track, hi)
            machines[track.machine_id] = self._batches(day, track, hi, products)
        energy = self._sensors(day, tracks, lo, hi)
        for track, kwh in zip(tracks, energy.tolist(), strict=True):
            machines[track.machine_id]["energy_kwh"] = kwh
        writer.close_day(day, daily_truth(machines, products))

    def _logs(self, day: int, track: _MachineTrack, hi: float) -> None:
        """Shift notes and the machine's breakdowns, repairs and services of the day."""
        writer, start = self.writer, self.writer.day_start(day)
        for hour in SHIFT_HOURS:
            note = SHIFT_NOTES[int(self.rng.integers(len(SHIFT_NOTES)))]
            writer.log(day, track.machine_id, start + timedelta(hours=hour), "shift_start", note)
        keep = []
        for t, event in track.events:
            if t >= hi:
                keep.append((t, event))
                continue
            detail = "technician called"
            if event == "failure":
                detail = f"stopped, fault code E{int(self.rng.integers(100, 999))}"
            writer.log(day, track.machine_id, self.at(t), _MACHINE_LOGS[event], detail)
        track.events = keep

    def _batches(
        self, day: int, track: _MachineTrack, hi: float, products: dict[str, dict[str, float]]
    ) -> dict[str, float]:
        """Group the machine's finished parts of the day into batches and queue them."""
        done = [op for op in track.ops if op[1] < hi]
        track.ops = [op for op in track.ops if op[1] >= hi]
        groups: list[list[tuple[float, float, str, bool]]] = []
        for op in done:
            window = int(op[1] // self.window)
            last = groups[-1][-1] if groups else None
            if last is not None and int(last[1] // self.window) == window and last[2] == op[2]:
                groups[-1].append(op)
            else:
                groups.append([op])
        totals = {"batches": 0, "units": 0, "defective": 0}
        day_end = self.writer.day_start(day) + timedelta(days=1)
        for number, group in enumerate(groups, 1):
            units, defective = len(group), sum(op[3] for op in group)
            span = _span(self.at(group[0][0]), self.at(group[-1][1]), day_end)
            product = group[0][2]
            self.writer.batch(day, track.machine_id, product, number, span, units, defective)
            for figures in (totals, products[product]):
                figures["batches"] += 1
                figures["units"] += units
                figures["defective"] += defective
        return totals

    def _sensors(self, day: int, tracks: list[_MachineTrack], lo: float, hi: float) -> np.ndarray:
        """Each machine's readings of the day from its state shares and health."""
        interval = self.writer.interval_min
        edges = lo + interval * np.arange(MINUTES_PER_DAY // interval + 1, dtype=float)
        shares = np.stack([_state_shares(track, edges, hi) for track in tracks])
        health = np.stack([_health_at(track, (edges[:-1] + edges[1:]) / 2, hi) for track in tracks])
        kw = np.stack([track.kw for track in tracks])
        power = (shares * kw[:, None, :]).sum(axis=-1)
        running = shares[:, :, 0]
        rng, size = self.rng, running.shape
        values = {
            "temperature_c": 30 + 50 * running + 20 * (1 - health) + rng.normal(0, 0.8, size),
            "pressure_bar": 1.2 + 0.3 * running + rng.normal(0, 0.02, size),
            "power_kw": power,
            "energy_kwh": power * interval / 60,
            "efficiency": 0.93 * (0.7 + 0.3 * health) * rng.normal(1.0, 0.01, size),
        }
        ids = [track.machine_id for track in tracks]
        return self.writer.sensors(day, ids, values)


def _span(begin: datetime, end: datetime, day_end: datetime) -> tuple[datetime, datetime]:
    """Whole seconds, at least one apart, ending on the batch's day."""
    first = begin.replace(microsecond=0)
    last = end.replace(microsecond=0) + (timedelta(seconds=1) if end.microsecond else timedelta())
    last = min(max(last, first + timedelta(seconds=1)), day_end - timedelta(seconds=1))
    return min(first, last - timedelta(seconds=1)), last


def _state_shares(track: _MachineTrack, edges: np.ndarray, hi: float) -> np.ndarray:
    """Share of each slot (between ``edges``) spent in each state: (slots, states)."""
    changes = [c for c in track.changes if c[0] < hi]
    track.changes = [c for c in track.changes if c[0] >= hi]
    times = np.array([edges[0], *[t for t, _ in changes], edges[-1]])
    states = np.array([track.state, *[s for _, s in changes]], dtype=int)
    times = np.clip(times, edges[0], edges[-1])
    lengths = np.diff(times)
    out = np.empty((edges.size - 1, len(STATE_LABELS)))
    for s in range(len(STATE_LABELS)):
        cum = np.concatenate([[0.0], np.cumsum(np.where(states == s, lengths, 0.0))])
        out[:, s] = np.diff(np.interp(edges, times, cum))
    if changes:
        track.state = changes[-1][1]
    return out / np.diff(edges)[:, None]


def _health_at(track: _MachineTrack, at: np.ndarray, hi: float) -> np.ndarray:
    """The machine's health at the times ``at`` (the last value before each)."""
    marks = [m for m in track.health_marks if m[0] < hi]
    track.health_marks = [m for m in track.health_marks if m[0] >= hi]
    before = track.health_start
    if not marks:
        return np.full(at.size, before)
    times = np.array([m[0] for m in marks])
    values = np.array([before, *[m[1] for m in marks]])
    track.health_start = marks[-1][1]
    return values[np.searchsorted(times, at, side="right")]
