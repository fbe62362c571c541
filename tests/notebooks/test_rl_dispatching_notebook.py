"""The learned-dispatching notebook: defaults are the full profile; a smoke run records its
figures, every one of them with a tolerance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks.notebook_checks import parameter_defaults, pipeline_step, run_smoke_step

NOTEBOOK = "09_rl_dispatching.ipynb"
ARTEFACTS = ("training_curve.png", "policy_vs_rules.png", "dynamic_breakdown.png")


def test_notebook_defaults_are_the_full_profile(project_root: Path):
    defaults = parameter_defaults(project_root / "notebooks" / NOTEBOOK)
    full = pipeline_step(project_root, NOTEBOOK)["parameters"]["full"]
    assert {name: defaults[name] for name in full} == full


@pytest.mark.notebooks
def test_smoke_run_records_the_dispatching_figures(tmp_path: Path, project_root: Path):
    out = tmp_path / "run"
    metrics = run_smoke_step(project_root, "rl_dispatching", out)
    tolerances = pipeline_step(project_root, NOTEBOOK)["tolerances"]
    assert set(metrics) <= set(tolerances), "a figure without tolerance"
    assert "policy_mean_gap_pct" in metrics and "cpsat_0.5s_mean_gap_pct" in metrics
    assert metrics["ta01_policy_makespan"] >= 1231  # ta01's proven optimum
    assert 0 <= metrics["policy_wins_vs_best_rule_per_instance"] <= 2
    assert metrics["dynamic_policy_makespan_breakdown"] > 0
    for name in ARTEFACTS:
        assert (out / "artifacts" / "rl_dispatching" / name).is_file(), name
