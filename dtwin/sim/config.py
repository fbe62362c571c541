"""The factory config: pydantic models, loading, cross-checks and dotted overrides.

Time unit: minutes. Validation happens here once; the engine trusts the result. Every error
is a :class:`~dtwin.errors.ConfigError` naming the file, the field (list items by their
``name``) and what would be valid. The ranges below keep every config finite: no field admits
NaN or infinity, no count can exhaust memory, no release or failure stream can fire without
end (``data/factories/README.md`` lists them); the engine's budgets (:class:`Limits`) catch
whatever a valid config still makes run away.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from dtwin.config import apply_overrides, format_validation_error, load_mapping
from dtwin.errors import ConfigError
from dtwin.event_schema import station_machine_ids
from dtwin.sim.distributions import DIST_NAMES, MAX_TIME, Distribution
from dtwin.sim.sensor_config import Costs, SensorConfig

MAX_MACHINES = 1000  # per station
MAX_TOTAL_MACHINES = 10_000  # over all stations (each machine is a SimPy process)
MAX_BATCH = 10_000  # parts per arrival
MAX_JOB_QUANTITY = 100_000  # parts per job-list entry
MAX_JOB_PARTS = 1_000_000  # parts over the whole job list
# the shortest mean time between two arrivals of a product, between failures of a machine, or
# between two periodic services: a stream that fires more often than 1000 times a minute is a
# typo (``arrival: 0``), not a factory
MIN_MEAN_INTERVAL = 0.001
MAX_DAYS = 3660.0  # measured days (and warm-up days) of one run: ten years
MAX_REPLICATIONS = 1000
DEFAULT_MAX_EVENTS = 20_000_000  # a minute or two of engine time; the demo needs ~8,500 a day
DEFAULT_MAX_WIP = 100_000  # parts in the factory at once


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _frequent(dist: Distribution | None, what: str) -> Distribution | None:
    """Refuse a distribution whose mean interval is too short to be a real stream."""
    if dist is not None and not dist.mean_value >= MIN_MEAN_INTERVAL:
        raise ValueError(
            f"mean {what} {dist.mean_value:g} min is too short (the stream would fire without "
            f"end); valid: a distribution with mean >= {MIN_MEAN_INTERVAL:g} min"
        )
    return dist


class Failure(_Model):
    """Breakdowns: time to failure (in operating minutes) and repair time."""

    ttf: Distribution
    repair: Distribution

    @field_validator("ttf")
    @classmethod
    def _ttf(cls, value: Distribution) -> Distribution:
        return _frequent(value, "time to failure")


class Health(_Model):
    """Wear: health falls by ``wear_per_op`` per operation (1 = new, 0 = worn out).

    The failure hazard is multiplied by ``1 + failure_factor * (1 - health)`` and the defect
    probability grows by ``defect_factor * (1 - health)``; a repair restores the fraction
    ``repair_restores`` of the lost health, preventive maintenance restores all of it.
    """

    wear_per_op: float = Field(default=0.001, ge=0, le=1)
    failure_factor: float = Field(default=2.0, ge=0, le=1000)
    defect_factor: float = Field(default=0.05, ge=0, le=1)
    repair_restores: float = Field(default=0.0, ge=0, le=1)
    # wear-out: each life wears at wear_per_op times a gamma draw (mean 1, this coefficient of
    # variation) and the machine breaks down when its health reaches 0; the repair (health's
    # ``repair``, else the station's failure repair) replaces the worn part (health 1)
    wear_cv: float | None = Field(default=None, gt=0, le=10)
    repair: Distribution | None = None


class MaintenancePolicy(_Model):
    """Preventive maintenance: ``none``, ``periodic`` (every ``interval`` minutes) or
    ``health_threshold`` (when health drops below ``threshold``), taking ``duration``."""

    policy: Literal["none", "periodic", "health_threshold"] = "none"
    interval: float | None = Field(default=None, ge=MIN_MEAN_INTERVAL, le=MAX_TIME)
    threshold: float | None = Field(default=None, gt=0, lt=1)
    duration: Distribution | None = None

    @_model_validator(mode="after")
    def _complete(self) -> MaintenancePolicy:
        if self.policy == "periodic" and self.interval is None:
            raise ValueError("policy 'periodic' needs 'interval' (minutes between services)")
        if self.policy == "health_threshold" and self.threshold is None:
            raise ValueError("policy 'health_threshold' needs 'threshold' (health in (0, 1))")
        if self.policy != "none" and self.duration is None:
            raise ValueError(f"policy {self.policy!r} needs 'duration' (a distribution)")
        return self


class Maintenance(MaintenancePolicy):
    """Factory-wide maintenance: default policy and the number of technicians (null = any)."""

    technicians: int | None = Field(default=None, ge=1, le=MAX_MACHINES)


class Energy(_Model):
    """Power draw in kW per machine state (one field per ``dtwin.sim.states.POWERED_STATES``)."""

    running: float = Field(default=0.0, ge=0, le=1e6)
    idle: float = Field(default=0.0, ge=0, le=1e6)
    blocked: float = Field(default=0.0, ge=0, le=1e6)
    starved: float = Field(default=0.0, ge=0, le=1e6)
    down: float = Field(default=0.0, ge=0, le=1e6)
    maintenance: float = Field(default=0.0, ge=0, le=1e6)


class Position(_Model):
    """Floor position of a station (metres); ``[x, y]`` or ``[x, y, z]`` also accepted."""

    x: float
    y: float
    z: float = 0.0

    @_model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) in (2, 3):
            return dict(zip(("x", "y", "z"), value, strict=False))
        return value


class Station(_Model):
    """A group of identical parallel machines fed by one input buffer."""

    name: str = Field(min_length=1)
    machines: int = Field(default=1, ge=1, le=MAX_MACHINES)
    process_time: Distribution
    buffer: int | None = Field(default=None, ge=0)
    kind: Literal["process", "inspection"] = "process"
    detection_rate: float = Field(default=1.0, ge=0, le=1)
    defect_rate: float = Field(default=0.0, ge=0, le=1)
    failure: Failure | None = None
    health: Health | None = None
    maintenance: MaintenancePolicy | None = None
    sensors: SensorConfig | None = None
    energy: Energy = Field(default_factory=Energy)
    position: Position | None = None
    line: str | None = None
    dispatch: Literal["fifo", "priority", "sequence"] = "fifo"
    machine_ids: list[str] | None = None
    # master data for the warehouse (ignored by the simulator)
    firmware: str | None = Field(default=None, min_length=1, max_length=40)

    @field_validator("machine_ids")
    @classmethod
    def _ids(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        blank = [i for i, m in enumerate(value) if not m.strip()]
        if blank:
            raise ValueError(f"machine ids must not be blank (positions {blank})")
        twice = sorted({m for m in value if value.count(m) > 1})
        if twice:
            raise ValueError(f"machine ids must be unique; used twice: {', '.join(twice)}")
        return value

    @_model_validator(mode="after")
    def _wear_out(self) -> Station:
        h = self.health
        if h is not None and h.wear_cv is not None:
            if not h.wear_per_op > 0:
                raise ValueError("health.wear_cv needs health.wear_per_op > 0 (wear-out failures)")
            if h.repair is None and self.failure is None:
                raise ValueError(
                    "health.wear_cv needs a repair time for wear-out failures: give "
                    "health.repair (a distribution) or a failure block"
                )
        return self


class Product(_Model):
    """A product: its routing (station names in order) and how it is released."""

    name: str = Field(min_length=1)
    routing: list[str] = Field(min_length=1)
    arrival: Distribution | None = None
    batch_size: int = Field(default=1, ge=1, le=MAX_BATCH)
    process_times: dict[str, Distribution] = Field(default_factory=dict)
    # master data for the warehouse (ignored by the simulator): display name and spellings
    label: str | None = Field(default=None, min_length=1)
    aliases: list[str] | None = None

    @field_validator("arrival")
    @classmethod
    def _arrival(cls, value: Distribution | None) -> Distribution | None:
        return _frequent(value, "inter-arrival time")


class Job(_Model):
    """One entry of a job list: ``quantity`` parts of ``product`` released at ``release``.

    ``priorities`` (one per routing step, e.g. the planned starts of a schedule) order the
    parts in the buffers of stations with ``dispatch: priority``.
    """

    product: str
    release: float = Field(ge=0, le=MAX_TIME)
    quantity: int = Field(default=1, ge=1, le=MAX_JOB_QUANTITY)
    name: str | None = None
    priorities: list[float] | None = None


class Shift(_Model):
    """A working window in hours of the day, e.g. ``{start: 6, end: 14}``."""

    start: float = Field(ge=0, lt=24)
    end: float = Field(gt=0, le=24)

    @_model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class Limits(_Model):
    """Run-away budgets: a run that needs more SimPy events, or holds more parts at once,
    stops with a :class:`~dtwin.errors.SimulationError` saying how to raise the budget."""

    max_events: int = Field(default=DEFAULT_MAX_EVENTS, ge=1, le=10**12)
    max_wip: int = Field(default=DEFAULT_MAX_WIP, ge=1, le=10**8)


class FactoryConfig(_Model):
    """A whole factory: products, stations and the optional parts of the model."""

    name: str = "factory"
    time_unit: Literal["minutes"] = "minutes"
    products: list[Product] = Field(min_length=1)
    stations: list[Station] = Field(min_length=1)
    jobs: list[Job] = Field(default_factory=list)
    maintenance: Maintenance = Field(default_factory=Maintenance)
    shifts: list[Shift] | None = None
    conveyors: list[tuple[str, str]] | None = None
    limits: Limits = Field(default_factory=Limits)
    costs: Costs | None = None  # None: every cost 0
    # the plant data's sensor interval (minutes; the warehouse checks it divides a day)
    sensor_interval_min: int | None = Field(default=None, ge=1, le=1440)

    @field_validator("shifts")
    @classmethod
    def _nonempty(cls, value: list[Shift] | None) -> list[Shift] | None:
        if value is not None and not value:
            raise ValueError("give at least one shift, or leave 'shifts' out for 24/7")
        return value

    def station(self, name: str) -> Station:
        """The station called ``name``."""
        for st in self.stations:
            if st.name == name:
                return st
        raise ConfigError(f"unknown station {name!r}; choices: {self.station_names()}")

    def station_names(self) -> str:
        """Comma-separated station names, for messages."""
        return ", ".join(st.name for st in self.stations)


def load_factory(path: str | Path, overrides: dict[str, Any] | None = None) -> FactoryConfig:
    """Load and check a factory YAML/JSON file, applying dotted ``overrides`` first."""
    return parse_factory(load_mapping(path), source=str(path), overrides=overrides)


def parse_factory(
    data: dict[str, Any], source: str = "<factory>", overrides: dict[str, Any] | None = None
) -> FactoryConfig:
    """Validate a factory mapping (after dotted ``overrides``) and cross-check it."""
    if overrides:
        if isinstance(data, dict) and "limits" not in data:
            data = {**data, "limits": {}}  # so that --set limits.max_events=N always works
        try:
            data = apply_overrides(data, overrides)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from exc
    try:
        config = FactoryConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc, data)}") from exc
    check_factory(config, source)
    return config


def to_factory(config: FactoryConfig | dict[str, Any] | str | Path) -> FactoryConfig:
    """Accept a config object, a mapping or a path and return a checked FactoryConfig."""
    if isinstance(config, FactoryConfig):
        check_factory(config)
        return config
    if isinstance(config, dict):
        return parse_factory(config)
    return load_factory(config)


def with_overrides(config: FactoryConfig, overrides: dict[str, Any]) -> FactoryConfig:
    """Return a copy of ``config`` with dotted-path overrides applied and re-checked."""
    data = config.model_dump(mode="json", exclude_none=True)
    return parse_factory(data, source="overrides", overrides=overrides)


def check_run(days: float, warmup_days: float = 0.0, replications: int = 1) -> None:
    """Refuse a run length or a replication count outside the documented ranges."""
    problems = []
    # written so that NaN fails every comparison and is refused with the rest
    if not (_is_number(days) and 0 < days <= MAX_DAYS):
        problems.append(f"days: must be > 0 and <= {MAX_DAYS:g} (got {days!r})")
    if not (_is_number(warmup_days) and 0 <= warmup_days <= MAX_DAYS):
        problems.append(f"warmup_days: must be >= 0 and <= {MAX_DAYS:g} (got {warmup_days!r})")
    whole = isinstance(replications, int) and not isinstance(replications, bool)
    if not (whole and 1 <= replications <= MAX_REPLICATIONS):
        problems.append(
            f"replications: must be an integer in 1..{MAX_REPLICATIONS} (got {replications!r})"
        )
    if problems:
        raise ConfigError("; ".join(problems))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_factory(config: FactoryConfig, source: str = "<factory>") -> None:
    """Cross-field checks pydantic cannot do alone; raises ConfigError naming the field."""
    problems = _reference_problems(config)
    if problems:
        raise ConfigError(f"{source}: {problems[0]}")


def _reference_problems(cfg: FactoryConfig) -> list[str]:
    names = [st.name for st in cfg.stations]
    choices = ", ".join(names)
    out: list[str] = []
    for name in {n for n in names if names.count(n) > 1}:
        out.append(f"stations.{name}: duplicate station name")
    products = [p.name for p in cfg.products]
    for name in {n for n in products if products.count(n) > 1}:
        out.append(f"products.{name}: duplicate product name")
    released = {job.product for job in cfg.jobs}
    for prod in cfg.products:
        for i, st in enumerate(prod.routing):
            if st not in names:
                out.append(
                    f"products.{prod.name}.routing[{i}]: unknown station {st!r}; choices: {choices}"
                )
        for st in prod.process_times:
            if st not in prod.routing:
                out.append(
                    f"products.{prod.name}.process_times.{st}: station not in this product's "
                    f"routing; choices: {', '.join(prod.routing)}"
                )
        if prod.arrival is None and prod.name not in released:
            out.append(
                f"products.{prod.name}.arrival: missing; give an inter-arrival distribution "
                f"({', '.join(DIST_NAMES)}) or release the product through 'jobs'"
            )
    out.extend(_machine_id_problems(cfg))
    out.extend(_size_problems(cfg))
    for i, job in enumerate(cfg.jobs):
        if job.product not in products:
            out.append(
                f"jobs[{i}].product: unknown product {job.product!r}; choices: "
                f"{', '.join(products)}"
            )
        elif job.priorities is not None:
            steps = len(cfg.products[products.index(job.product)].routing)
            if len(job.priorities) != steps:
                out.append(
                    f"jobs[{i}].priorities: {len(job.priorities)} values for a routing of "
                    f"{steps} steps; give one per step"
                )
    for st in cfg.stations:
        if st.dispatch != "sequence":
            continue
        for prod in cfg.products:
            if st.name in prod.routing and prod.arrival is not None:
                out.append(
                    f"stations.{st.name}.dispatch: 'sequence' needs every part to come from "
                    f"'jobs' with 'priorities', but product {prod.name!r} has an arrival; "
                    f"valid: fifo, priority"
                )
        for i, job in enumerate(cfg.jobs):
            prod = next((p for p in cfg.products if p.name == job.product), None)
            if prod and st.name in prod.routing and job.priorities is None:
                out.append(f"jobs[{i}].priorities: needed by station {st.name!r} (sequence)")
    for i, (a, b) in enumerate(cfg.conveyors or []):
        for end in (a, b):
            if end not in names:
                out.append(f"conveyors[{i}]: unknown station {end!r}; choices: {choices}")
    if not out:
        out.extend(_deadlock_problems(cfg))
    return out


def _machine_id_problems(cfg: FactoryConfig) -> list[str]:
    """A station's ``machine_ids`` must name each of its machines, and ids are unique."""
    out: list[str] = []
    owner: dict[str, str] = {}
    for st in cfg.stations:
        if st.machine_ids is not None and len(st.machine_ids) != st.machines:
            out.append(
                f"stations.{st.name}.machine_ids: {len(st.machine_ids)} ids for "
                f"{st.machines} machines; give one id per machine"
            )
        for m in station_machine_ids(st.name, st.machines, st.machine_ids):
            if m in owner and owner[m] != st.name:
                out.append(
                    f"stations.{st.name}.machine_ids: {m!r} is a machine of station "
                    f"{owner[m]!r} too; machine ids are unique across the factory"
                )
            owner.setdefault(m, st.name)
    return out


def _size_problems(cfg: FactoryConfig) -> list[str]:
    """Totals that each field's range alone does not bound (memory of the engine)."""
    out = []
    machines = sum(st.machines for st in cfg.stations)
    if machines > MAX_TOTAL_MACHINES:
        out.append(
            f"stations: {machines} machines in all is too many; valid: at most "
            f"{MAX_TOTAL_MACHINES} over all stations"
        )
    job_parts = sum(job.quantity for job in cfg.jobs)
    if job_parts > MAX_JOB_PARTS:
        out.append(
            f"jobs: {job_parts} parts in all is too many; valid: at most {MAX_JOB_PARTS} "
            f"(a longer plan runs in several parts)"
        )
    return out


def _deadlock_problems(cfg: FactoryConfig) -> list[str]:
    """A zero-capacity buffer on a routing cycle deadlocks (every machine on it blocks)."""
    succ: dict[str, set[str]] = {st.name: set() for st in cfg.stations}
    for prod in cfg.products:
        for a, b in zip(prod.routing, prod.routing[1:], strict=False):
            succ[a].add(b)
    out = []
    for st in cfg.stations:
        if st.buffer == 0:
            cycle = _cycle_through(st.name, succ)
            if cycle:
                out.append(
                    f"stations.{st.name}.buffer: capacity 0 deadlocks on the routing cycle "
                    f"{' -> '.join(cycle)}; valid: null (unbounded) or an integer >= 1"
                )
    return out


def _cycle_through(start: str, succ: dict[str, set[str]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(succ[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None
