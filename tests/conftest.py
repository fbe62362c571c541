"""Fixtures shared by every test tier."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory) -> None:
    """Pre-generated image pools go to a folder of this test session, not the user's cache
    (subprocesses such as Voila kernels and papermill inherit it)."""
    import os

    os.environ["DTWIN_CACHE_DIR"] = str(tmp_path_factory.mktemp("dtwin-cache"))
