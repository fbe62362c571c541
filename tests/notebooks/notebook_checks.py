"""Helpers for the tests of one notebook: its pipeline step, its parameter defaults, a smoke run."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import yaml
from click.testing import CliRunner

from dtwin.cli import main


def pipeline_step(root: Path, notebook: str) -> dict:
    """The step of ``notebooks/pipeline.yaml`` that runs ``notebook``."""
    spec = yaml.safe_load((root / "notebooks" / "pipeline.yaml").read_text())
    return next(s for s in spec["steps"] if s["notebook"] == notebook)


def parameter_defaults(path: Path) -> dict:
    """Name -> value of every assignment in the cell tagged ``parameters``."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
    }


def run_smoke_step(root: Path, step: str, out: Path) -> dict:
    """``dtwin run --profile smoke --only STEP --out OUT``; returns the step's recorded metrics."""
    pipeline = root / "notebooks" / "pipeline.yaml"
    args = ["run", "--profile", "smoke", "--only", step, "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--pipeline", str(pipeline)])
    assert result.exit_code == 0, result.output[-3000:]
    return json.loads((out / "metrics" / f"{step}.json").read_text())
