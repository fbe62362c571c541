"""Read instances (standard / Taillard job-shop text, JSON) and read/write schedules as JSON.

Standard text: first line ``jobs machines``, then one line per job of ``machine duration``
pairs, machines numbered from 0. Taillard text: a header ``jobs machines [...]``, then the
``jobs x machines`` processing times, then the machine order (numbered from 1), optionally
introduced by lines such as ``Times`` and ``Machines``. Lines starting with ``#`` are comments.

Every reader refuses what CP-SAT or memory could not take, naming the file, line and value:
the ranges are those of :mod:`dtwin.schedule.instance` (e.g. durations in ``1..10**9``, at
most 10,000 jobs), numbers are plain decimal integers, and a leading UTF-8 byte-order mark
(as Windows editors write) is ignored.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dtwin.config import format_validation_error, read_text
from dtwin.errors import DataError, ScheduleError
from dtwin.paths import JOBSHOP_DIR
from dtwin.schedule.instance import (
    MAX_DURATION,
    MAX_JOBS,
    MAX_MACHINES,
    MAX_TIME,
    MAX_WEIGHT,
    Downtime,
    Instance,
    Job,
    Operation,
    Option,
)
from dtwin.schedule.solution import Schedule, ScheduledOp

_WORD = re.compile(r"[A-Za-z]")
_INT = re.compile(r"[+-]?[0-9]+")  # int() alone would take "1_000", "١٢" and " 3 "
_MAX_DIGITS = 30  # longer tokens are out of every range; shown cut short
MAX_FILE_BYTES = 64 * 2**20  # an instance file larger than this is not a job shop we can solve


def shipped_instances() -> list[str]:
    """File names of the instances shipped in ``data/jobshop/``."""
    if not JOBSHOP_DIR.is_dir():
        return []
    return sorted(p.name for p in JOBSHOP_DIR.iterdir() if p.suffix in (".txt", ".json"))


def find_instance(name_or_path: str | Path) -> Path:
    """A path as given, or a shipped instance by name (``ft06`` or ``ft06.txt``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in (
        JOBSHOP_DIR / path.name,
        *(JOBSHOP_DIR / f"{path.name}{s}" for s in (".txt", ".json")),
    ):
        if candidate.is_file():
            return candidate
    shipped = [Path(n).stem for n in shipped_instances()]
    raise DataError(
        f"{name_or_path}: file not found, and not a shipped instance "
        f"(shipped: {', '.join(shipped) or 'none'})"
    )


def load_instance(path: str | Path) -> Instance:
    """Read an instance from a standard or Taillard text file, or a ``.json`` file."""
    return parse_instance(_read(path), str(path))


def _read(path: str | Path) -> str:
    """The text of an instance or schedule file, refused early when it is far too large."""
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path}: {size:,} bytes is too large for an instance or schedule file; "
            f"valid: at most {MAX_FILE_BYTES:,} bytes"
        )
    return read_text(path, DataError)


def parse_instance(text: str, filename: str) -> Instance:
    """Parse instance text by its file name: JSON for ``.json``, else standard/Taillard text."""
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the first line
    name = Path(filename).stem
    if Path(filename).suffix.lower() == ".json":
        return parse_json_instance(text, source=filename, name=name)
    return parse_text_instance(text, source=filename, name=name)


def parse_text_instance(text: str, source: str = "<text>", name: str = "instance") -> Instance:
    """Parse the standard or the Taillard job-shop text format (detected from the layout)."""
    rows, has_words = _number_rows(text.removeprefix("\ufeff"), source)
    if not rows:
        raise DataError(f"{source}: empty file; expected a first line 'jobs machines'")
    head_line, head = rows[0]
    if len(head) < 2:
        raise DataError(f"{source}, line {head_line}: expected 'jobs machines', got {head}")
    n, m = head[0], head[1]
    if n < 1 or m < 1:
        raise DataError(
            f"{source}, line {head_line}: jobs and machines must be >= 1, got {n} and {m}"
        )
    if n > MAX_JOBS or m > MAX_MACHINES:
        raise DataError(
            f"{source}, line {head_line}: {n} jobs x {m} machines is too large; valid: "
            f"1..{MAX_JOBS} jobs and 1..{MAX_MACHINES} machines"
        )
    body = rows[1:]
    # Taillard: rows of m numbers (times, then machines); standard: rows of 2m numbers
    taillard_layout = len(body) == 2 * n and all(len(r) == m for _, r in body)
    taillard = taillard_layout or (has_words and not any(len(r) == 2 * m for _, r in body))
    read = _taillard_jobs if taillard else _standard_jobs
    jobs = read(body, n, m, source)
    try:
        return Instance(name, m, tuple(jobs))
    except ScheduleError as exc:
        raise ScheduleError(f"{source}: {exc}", exc.violations) from None


def _number_rows(text: str, source: str) -> tuple[list[tuple[int, list[int]]], bool]:
    """(line number, integers) per line that holds numbers; True when titles were seen."""
    rows: list[tuple[int, list[int]]] = []
    has_words = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if _WORD.match(line):
            has_words = True  # Taillard section titles ("Times", "Nb of jobs, ...")
            continue
        rows.append((lineno, [_integer(tok, source, lineno) for tok in line.split()]))
    return rows, has_words


def _integer(token: str, source: str, lineno: int) -> int:
    if not _INT.fullmatch(token):
        shown = token if len(token) <= _MAX_DIGITS else f"{token[:_MAX_DIGITS]}..."
        raise DataError(f"{source}, line {lineno}: {shown!r} is not an integer")
    if len(token.lstrip("+-")) > _MAX_DIGITS:
        raise DataError(
            f"{source}, line {lineno}: {token[:_MAX_DIGITS]}... ({len(token)} digits) is out of "
            f"range; valid: durations 1..{MAX_DURATION}, machine numbers 0..{MAX_MACHINES - 1}"
        )
    return int(token)


def _standard_jobs(body: list[tuple[int, list[int]]], n: int, m: int, source: str) -> list[Job]:
    if len(body) != n:
        raise DataError(
            f"{source}: the header announces {n} jobs but {len(body)} job lines "
            "follow (truncated file or wrong header?)"
        )
    jobs = []
    for j, (lineno, nums) in enumerate(body):
        if len(nums) != 2 * m:
            raise DataError(
                f"{source}, line {lineno}: job {j} needs {2 * m} numbers "
                f"({m} machine/duration pairs), got {len(nums)}"
            )
        ops = []
        for k in range(m):
            machine, duration = nums[2 * k], nums[2 * k + 1]
            _check_op(source, lineno, j, k, machine, duration, m)
            ops.append(Operation((Option(machine, duration),)))
        jobs.append(Job(tuple(ops)))
    return jobs


def _taillard_jobs(body: list[tuple[int, list[int]]], n: int, m: int, source: str) -> list[Job]:
    if len(body) != 2 * n:
        raise DataError(
            f"{source}: a Taillard file with {n} jobs needs {n} lines of times and "
            f"{n} lines of machines, got {len(body)} lines (truncated file?)"
        )
    for lineno, nums in body:
        if len(nums) != m:
            raise DataError(
                f"{source}, line {lineno}: expected {m} numbers (one per machine), got {len(nums)}"
            )
    jobs = []
    for j in range(n):
        times_line, times = body[j]
        mach_line, machines = body[n + j]
        if sorted(machines) != list(range(1, m + 1)):
            raise DataError(
                f"{source}, line {mach_line}: job {j} must visit machines 1..{m} "
                f"once each (Taillard numbers machines from 1), got {machines}"
            )
        ops = []
        for k, (machine1, duration) in enumerate(zip(machines, times, strict=True)):
            _check_op(source, times_line, j, k, machine1 - 1, duration, m)
            ops.append(Operation((Option(machine1 - 1, duration),)))
        jobs.append(Job(tuple(ops)))
    return jobs


def _check_op(
    source: str, lineno: int, j: int, k: int, machine: int, duration: int, m: int
) -> None:
    if not 0 <= machine < m:
        raise DataError(
            f"{source}, line {lineno}: job {j} op {k}: unknown machine {machine} "
            f"(valid: 0..{m - 1})"
        )
    if duration <= 0:
        raise DataError(
            f"{source}, line {lineno}: job {j} op {k}: duration must be > 0, got {duration}"
        )
    if duration > MAX_DURATION:
        raise DataError(
            f"{source}, line {lineno}: job {j} op {k}: duration {duration} is out of range "
            f"(valid: 1..{MAX_DURATION}; CP-SAT needs 64-bit-safe times)"
        )


# ---------------------------------------------------------------- JSON instances


class _OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    machine: int = Field(ge=0, lt=MAX_MACHINES)
    duration: int = Field(gt=0, le=MAX_DURATION)


class _OperationIn(BaseModel):
    """Either ``{machine, duration}`` or ``{options: [{machine, duration}, ...]}``."""

    model_config = ConfigDict(extra="forbid")
    machine: int | None = Field(default=None, ge=0, lt=MAX_MACHINES)
    duration: int | None = Field(default=None, gt=0, le=MAX_DURATION)
    options: list[_OptionIn] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> _OperationIn:
        single = self.machine is not None and self.duration is not None
        if single == (self.options is not None):
            raise ValueError("give either machine and duration, or a non-empty options list")
        return self

    def to_operation(self) -> Operation:
        if self.options is not None:
            return Operation(tuple(Option(o.machine, o.duration) for o in self.options))
        return Operation((Option(int(self.machine or 0), int(self.duration or 0)),))


class _JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    release: int = Field(default=0, ge=0, le=MAX_TIME)
    due: int | None = Field(default=None, ge=0, le=MAX_TIME)
    deadline: int | None = Field(default=None, ge=0, le=MAX_TIME)
    weight: int = Field(default=1, ge=0, le=MAX_WEIGHT)
    operations: list[_OperationIn] = Field(min_length=1)


class _DowntimeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    machine: int = Field(ge=0, lt=MAX_MACHINES)
    start: int = Field(ge=0, le=MAX_TIME)
    end: int = Field(gt=0, le=MAX_TIME)


class _InstanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    machines: int = Field(ge=1, le=MAX_MACHINES)
    jobs: list[_JobIn] = Field(min_length=1, max_length=MAX_JOBS)
    setups: dict[int, list[list[Annotated[int, Field(ge=0, le=MAX_DURATION)]]]] = Field(
        default_factory=dict
    )
    unavailability: list[_DowntimeIn] = Field(default_factory=list)


def parse_json_instance(text: str, source: str = "<json>", name: str = "instance") -> Instance:
    """Parse an instance from JSON text (see ``data/jobshop/demo.json`` for the layout)."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}, line {exc.lineno}: not valid JSON: {exc.msg}") from None
    return instance_from_dict(data, source, name)


def instance_from_dict(data: Any, source: str = "<json>", name: str = "instance") -> Instance:
    """Build an :class:`Instance` from a JSON-like mapping; errors name the field."""
    try:
        parsed = _InstanceIn.model_validate(data)
    except ValidationError as exc:
        raise DataError(f"{source}: {format_validation_error(exc)}") from None
    jobs = tuple(
        Job(
            tuple(op.to_operation() for op in job.operations),
            release=job.release,
            due=job.due,
            deadline=job.deadline,
            weight=job.weight,
            name=job.name,
        )
        for job in parsed.jobs
    )
    try:
        return Instance(
            parsed.name or name,
            parsed.machines,
            jobs,
            {m: tuple(tuple(r) for r in rows) for m, rows in parsed.setups.items()},
            tuple(Downtime(w.machine, w.start, w.end) for w in parsed.unavailability),
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{source}: {exc}", exc.violations) from None


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """The JSON form of an instance (inverse of :func:`instance_from_dict`)."""
    jobs = []
    for job in instance.jobs:
        entry: dict[str, Any] = {
            "operations": [
                {"machine": op.options[0].machine, "duration": op.options[0].duration}
                if len(op.options) == 1
                else {
                    "options": [{"machine": o.machine, "duration": o.duration} for o in op.options]
                }
                for op in job.operations
            ]
        }
        if job.name:
            entry["name"] = job.name
        if job.release:
            entry["release"] = job.release
        for key in ("due", "deadline"):
            if getattr(job, key) is not None:
                entry[key] = getattr(job, key)
        if job.weight != 1:
            entry["weight"] = job.weight
        jobs.append(entry)
    out: dict[str, Any] = {"name": instance.name, "machines": instance.num_machines, "jobs": jobs}
    if instance.setups:
        out["setups"] = {str(m): [list(r) for r in rows] for m, rows in instance.setups.items()}
    if instance.unavailability:
        out["unavailability"] = [
            {"machine": w.machine, "start": w.start, "end": w.end} for w in instance.unavailability
        ]
    return out


def write_instance(instance: Instance, path: str | Path) -> Path:
    """Write an instance as JSON."""
    path = Path(path)
    path.write_text(json.dumps(instance_to_dict(instance), indent=1) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- JSON schedules


def schedule_to_dict(schedule: Schedule, instance_name: str = "") -> dict[str, Any]:
    """The JSON object the CLI prints: instance, objective, value, bound, status, operations."""
    return {
        "instance": instance_name,
        "objective": schedule.objective,
        "value": _finite(schedule.value),
        "lower_bound": _finite(schedule.lower_bound),
        "status": schedule.status,
        "solve_seconds": round(schedule.solve_seconds, 3),
        "method": schedule.method,
        "operations": [
            {"job": o.job, "op": o.op, "machine": o.machine, "start": o.start, "end": o.end}
            for o in sorted(schedule.operations, key=lambda o: (o.job, o.op))
        ],
    }


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a figure without a finite value is null."""
    return value if value is None or math.isfinite(value) else None


def write_schedule(schedule: Schedule, path: str | Path, instance_name: str = "") -> Path:
    """Write a schedule as the JSON object of :func:`schedule_to_dict`."""
    path = Path(path)
    text = json.dumps(schedule_to_dict(schedule, instance_name), indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


class _ScheduledOpIn(BaseModel):
    job: int
    op: int
    machine: int
    start: int
    end: int


class _ScheduleIn(BaseModel):
    objective: str = "makespan"
    value: float = 0.0
    lower_bound: float | None = None
    status: str = "UNKNOWN"
    solve_seconds: float = 0.0
    method: str = ""
    operations: list[_ScheduledOpIn]


def schedule_from_dict(data: Any, source: str = "<json>") -> Schedule:
    """Build a :class:`Schedule` from its JSON object; errors name the field."""
    try:
        parsed = _ScheduleIn.model_validate(data)
    except ValidationError as exc:
        raise DataError(f"{source}: {format_validation_error(exc)}") from None
    ops = [ScheduledOp(o.job, o.op, o.machine, o.start, o.end) for o in parsed.operations]
    return Schedule(
        ops,
        parsed.objective,
        parsed.value,
        parsed.lower_bound,
        parsed.status,
        parsed.solve_seconds,
        parsed.method,
    )


def load_schedule(path: str | Path) -> Schedule:
    """Read a schedule JSON file written by :func:`write_schedule` or ``dtwin schedule solve``."""
    text = _read(path).removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}, line {exc.lineno}: not valid JSON: {exc.msg}") from None
    return schedule_from_dict(data, str(path))


def from_job_shop_lib(jsl_instance: Any) -> Instance:
    """Convert a ``job_shop_lib.JobShopInstance`` (benchmarks, tests) without importing it."""
    jobs = tuple(
        Job(
            tuple(
                Operation(tuple(Option(int(m), int(op.duration)) for m in op.machines))
                for op in job
            )
        )
        for job in jsl_instance.jobs
    )
    return Instance(jsl_instance.name, int(jsl_instance.num_machines), jobs)
