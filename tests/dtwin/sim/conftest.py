"""Fixtures for dtwin.sim tests: the issue's minimal factory, the demo, small builders."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from dtwin.paths import DEMO_FACTORY

MINIMAL_YAML = """\
time_unit: minutes
products:
  - name: part
    routing: [press, paint]                 # station names, in order
    arrival: {dist: exponential, mean: 1.0} # inter-arrival time
stations:
  - name: press
    machines: 2                             # identical parallel machines
    process_time: {dist: exponential, mean: 1.5}
    buffer: null                            # input buffer capacity; null = unbounded
  - name: paint
    machines: 1
    process_time: {dist: exponential, mean: 0.6}
    buffer: null
"""


@pytest.fixture
def minimal_path(tmp_path: Path) -> Path:
    """The minimal YAML of the issue, exactly as written, in a file."""
    path = tmp_path / "minimal.yaml"
    path.write_text(MINIMAL_YAML, encoding="utf-8")
    return path


@pytest.fixture
def minimal_data() -> dict[str, Any]:
    """The minimal factory of the issue as a mapping (a fresh copy per test)."""
    return yaml.safe_load(MINIMAL_YAML)


@pytest.fixture
def demo_path() -> Path:
    """The shipped demo factory."""
    return DEMO_FACTORY


@pytest.fixture
def line():
    """Builder of one-product serial lines."""
    return make_line


@pytest.fixture
def station():
    """Builder of stations."""
    return make_station


@pytest.fixture
def erlang_c():
    """Mean time in system of M/M/c, as a function (lam, mean, c)."""
    return erlang_c_time_in_system


def make_line(*stations: dict[str, Any], mean_iat: float = 1.0, **extra: Any) -> dict[str, Any]:
    """A one-product serial line through ``stations`` with Poisson arrivals."""
    return {
        "products": [
            {
                "name": "p",
                "routing": [s["name"] for s in stations],
                "arrival": {"dist": "exponential", "mean": mean_iat},
            }
        ],
        "stations": list(stations),
        **extra,
    }


def make_station(
    name: str, mean: float, machines: int = 1, dist: str = "exponential", **extra: Any
):
    """A station with exponential (or fixed) process times of the given mean."""
    pt = {"dist": dist, "mean": mean} if dist != "fixed" else {"dist": "fixed", "value": mean}
    return {"name": name, "machines": machines, "process_time": pt, **extra}


def erlang_c_time_in_system(lam: float, mean: float, c: int) -> float:
    """Mean time in system of an M/M/c queue (Erlang C)."""
    a = lam * mean
    rho = a / c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    return tail / (head + tail) / (c / mean - lam) + mean
