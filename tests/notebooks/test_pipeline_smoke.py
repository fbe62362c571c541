"""The notebook tier: the whole pipeline under papermill with the ``smoke`` profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dtwin.cli import main

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, project_root: Path) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("smoke-run")
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--profile",
            "smoke",
            "--out",
            str(out),
            "--pipeline",
            str(project_root / "notebooks" / "pipeline.yaml"),
        ],
    )
    return out, result


def test_every_notebook_runs_with_smoke_parameters(smoke_run):
    out, result = smoke_run
    assert result.exit_code == 0, result.output[-3000:]
    data = json.loads((out / "metrics.json").read_text())
    assert data["run"]["status"] == "ok"
    assert data["run"]["not_run"] == []
    for step, metrics in data["metrics"].items():
        assert metrics, f"notebook {step} recorded no metrics"


def test_smoke_run_compares_clean_with_itself(smoke_run, project_root: Path):
    """Same seeds, same figures: a second run of the environment step shows no regression."""
    out, _ = smoke_run
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--profile",
            "smoke",
            "--only",
            "environment",
            "--out",
            str(out.parent / "again"),
            "--compare",
            str(out),
            "--pipeline",
            str(project_root / "notebooks" / "pipeline.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output[-3000:]
    assert "0 regressions" in result.output
