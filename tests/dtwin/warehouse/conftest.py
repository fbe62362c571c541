"""Fixtures for the warehouse tests: one small generated plant history, ingested once."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from dtwin.warehouse.generate import GeneratedData, generate_raw
from dtwin.warehouse.loading import IngestResult, ingest

# 24 days: long enough for the first firmware update (day 22) and a visible degradation.
DAYS = 24


@dataclass(frozen=True)
class Warehouse:
    """A generated folder and the database ingested from it."""

    out: Path
    db: Path
    generated: GeneratedData
    ingested: IngestResult


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """24 days, default chaos plus more malformed lines, ingested into a fresh database."""
    out = tmp_path_factory.mktemp("plant")
    generated = generate_raw(out, days=DAYS, seed=7, malformed_rows=0.003)
    db = out / "warehouse.duckdb"
    return Warehouse(out, db, generated, ingest(out, db))


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-day generated folder, the pristine source for tests that change files."""
    out = tmp_path_factory.mktemp("small")
    generate_raw(out, days=3, seed=3)
    return out


@pytest.fixture
def raw_copy(small_raw: Path, tmp_path: Path) -> Path:
    """A private copy of the 3-day folder that a test may modify."""
    target = tmp_path / "plant"
    shutil.copytree(small_raw, target)
    return target
