"""Every Voila app also runs headless under papermill on its embedded defaults."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted((ROOT / "apps").glob("*.ipynb"))

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("app", APPS, ids=[p.stem for p in APPS])
def test_app_runs_on_embedded_defaults(app: Path, tmp_path: Path):
    out = tmp_path / app.name
    papermill.execute_notebook(
        str(app), str(out), cwd=str(app.parent), kernel_name="python3", progress_bar=False
    )
    assert out.exists()
