"""Fixtures for the scheduling tests: shipped instances and small hand-made ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from dtwin.schedule import Downtime, Instance, Job, Operation, Option, load_instance

DATA = Path(__file__).resolve().parents[3] / "data" / "jobshop"


def _plain_job(*pairs: tuple[int, int], **kwargs: int) -> Job:
    """A job whose operations each have one machine: ``plain_job((0, 3), (1, 2))``."""
    return Job(tuple(Operation((Option(m, d),)) for m, d in pairs), **kwargs)


@pytest.fixture(scope="session")
def ft06() -> Instance:
    return load_instance(DATA / "ft06.txt")


@pytest.fixture(scope="session")
def la01() -> Instance:
    return load_instance(DATA / "la01.txt")


@pytest.fixture(scope="session")
def demo() -> Instance:
    """Flexible, with releases, due dates, a deadline, setups and a downtime window."""
    return load_instance(DATA / "demo.json")


@pytest.fixture()
def tiny() -> Instance:
    """Two jobs on two machines with a release, due dates, a setup matrix and a downtime."""
    return Instance(
        "tiny",
        2,
        (
            _plain_job((0, 3), (1, 2), due=5, weight=2),
            _plain_job((1, 2), (0, 4), release=1, due=8),
        ),
        setups={0: ((0, 2), (1, 0))},
        unavailability=(Downtime(1, 10, 12),),
    )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def plain_job():
    """Factory of one-machine-per-operation jobs: ``plain_job((0, 3), (1, 2), due=5)``."""
    return _plain_job
