"""The learned-dispatching notebook: defaults are the full profile; a smoke run records its
figures, every one of them with a tolerance."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main

NOTEBOOK = "09_rl_dispatching.ipynb"
ARTEFACTS = ("training_curve.png", "policy_vs_rules.png", "dynamic_breakdown.png")


def _step(root: Path) -> dict:
    spec = yaml.safe_load((root / "notebooks" / "pipeline.yaml").read_text())
    return next(s for s in spec["steps"] if s["notebook"] == NOTEBOOK)


def _defaults(path: Path) -> dict:
    """Name -> value of every assignment in the cell tagged ``parameters``."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
    }


def test_notebook_defaults_are_the_full_profile(project_root: Path):
    defaults = _defaults(project_root / "notebooks" / NOTEBOOK)
    full = _step(project_root)["parameters"]["full"]
    assert {name: defaults[name] for name in full} == full


@pytest.mark.notebooks
def test_smoke_run_records_the_dispatching_figures(tmp_path: Path, project_root: Path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--profile",
            "smoke",
            "--only",
            "rl_dispatching",
            "--out",
            str(out),
            "--pipeline",
            str(project_root / "notebooks" / "pipeline.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output[-3000:]
    metrics = json.loads((out / "metrics" / "rl_dispatching.json").read_text())
    assert set(metrics) <= set(_step(project_root)["tolerances"]), "a figure without tolerance"
    assert "policy_mean_gap_pct" in metrics and "cpsat_0.5s_mean_gap_pct" in metrics
    assert metrics["ta01_policy_makespan"] >= 1231  # ta01's proven optimum
    assert 0 <= metrics["policy_wins_vs_best_rule_per_instance"] <= 2
    assert metrics["dynamic_policy_makespan_breakdown"] > 0
    for name in ARTEFACTS:
        assert (out / "artifacts" / "rl_dispatching" / name).is_file(), name
