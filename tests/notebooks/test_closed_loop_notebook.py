"""The closed-loop notebook: its defaults are the full profile; a smoke run records its figures."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from dtwin.cli import main

NOTEBOOK = "06_closed_loop.ipynb"
ARTEFACTS = ("closed_loop_kpis.png", "health_trace.png", "closed_loop_events.duckdb")


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
def test_smoke_run_records_the_twin_figures(tmp_path: Path, project_root: Path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--profile",
            "smoke",
            "--only",
            "closed_loop",
            "--out",
            str(out),
            "--pipeline",
            str(project_root / "notebooks" / "pipeline.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output[-3000:]
    metrics = json.loads((out / "metrics" / "closed_loop.json").read_text())
    assert set(metrics) == set(_step(project_root)["tolerances"]), "a figure without tolerance"
    assert metrics["replay_identical"] is True
    assert metrics["images_classified"] > 0
    assert metrics["maintenance_count_open"] == 0
    assert 0.0 <= metrics["estimate_mae"] <= 1.0
    for name in ARTEFACTS:
        assert (out / "artifacts" / "closed_loop" / name).is_file(), name
