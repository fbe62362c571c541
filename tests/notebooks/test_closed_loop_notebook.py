"""The closed-loop notebook: its defaults are the full profile; a smoke run records its figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks.notebook_checks import parameter_defaults, pipeline_step, run_smoke_step

NOTEBOOK = "06_closed_loop.ipynb"
ARTEFACTS = ("closed_loop_kpis.png", "health_trace.png", "closed_loop_events.duckdb")


def test_notebook_defaults_are_the_full_profile(project_root: Path):
    defaults = parameter_defaults(project_root / "notebooks" / NOTEBOOK)
    full = pipeline_step(project_root, NOTEBOOK)["parameters"]["full"]
    assert {name: defaults[name] for name in full} == full


@pytest.mark.notebooks
def test_smoke_run_records_the_twin_figures(tmp_path: Path, project_root: Path):
    out = tmp_path / "run"
    metrics = run_smoke_step(project_root, "closed_loop", out)
    tolerances = pipeline_step(project_root, NOTEBOOK)["tolerances"]
    assert set(metrics) == set(tolerances), "a figure without tolerance"
    assert metrics["replay_identical"] is True
    assert metrics["images_classified"] > 0
    assert metrics["maintenance_count_open"] == 0
    assert 0.0 <= metrics["estimate_mae"] <= 1.0
    for name in ARTEFACTS:
        assert (out / "artifacts" / "closed_loop" / name).is_file(), name
