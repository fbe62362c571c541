"""Plain-data fixtures for the widget tests (no dtwin part needed, no browser)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest


@dataclass(frozen=True)
class FakeStation:
    name: str
    x: float
    y: float
    machines: int
    kind: str = "process"


@dataclass(frozen=True)
class FakeLayout:
    stations: list[FakeStation]
    conveyors: list[tuple[str, str]]


@dataclass(frozen=True)
class FakeMachine:
    station: str
    machine: int
    state: str
    health: float


@dataclass(frozen=True)
class FakeSnapshot:
    time: float
    machines: list[FakeMachine]
    queues: dict[str, int]
    kpis: dict[str, float] = field(default_factory=dict)


@pytest.fixture
def layout() -> FakeLayout:
    return FakeLayout(
        stations=[
            FakeStation("cut", 0, 0, 2),
            FakeStation("press", 10, 0, 3),
            FakeStation("inspect", 20, 5, 1, "inspection"),
        ],
        conveyors=[("cut", "press"), ("press", "inspect")],
    )


def snapshot(t: float, states: dict[str, list[str]], queues: dict[str, int]) -> FakeSnapshot:
    machines = [
        FakeMachine(st, i, s, 1.0 - 0.2 * i) for st, ss in states.items() for i, s in enumerate(ss)
    ]
    return FakeSnapshot(
        t, machines, queues, {"oee": 0.5 + t / 100, "wip": float(sum(queues.values()))}
    )


@pytest.fixture
def snapshots() -> list[FakeSnapshot]:
    return [
        snapshot(0.0, {"cut": ["idle", "idle"], "press": ["idle"] * 3, "inspect": ["idle"]}, {}),
        snapshot(
            1.0,
            {
                "cut": ["running", "down"],
                "press": ["blocked", "starved", "running"],
                "inspect": ["maintenance"],
            },
            {"press": 4, "inspect": 1},
        ),
    ]


@pytest.fixture
def schedule_frame() -> pd.DataFrame:
    """Two jobs on two machines; job 1 is late."""
    return pd.DataFrame(
        {
            "job": [0, 0, 1, 1],
            "op": [0, 1, 0, 1],
            "machine": [0, 1, 1, 0],
            "start": [0.0, 3.0, 0.0, 3.0],
            "end": [3.0, 5.0, 3.0, 7.0],
            "due_date": [6.0, 6.0, 6.0, 6.0],
            "late": [False, False, True, True],
        }
    )


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
