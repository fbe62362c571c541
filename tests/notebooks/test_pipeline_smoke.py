"""The notebook tier: the whole pipeline under papermill with the ``smoke`` profile.

One smoke run serves every test here: it must succeed, record figures, keep its progress bars
in their final state, and match the shipped baseline (``notebooks/baselines/smoke``) within the
pipeline file's tolerances — the regression check of ``make test``. Refresh the baseline with
``make baseline`` after a change that moves a figure on purpose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import PipelineError
from dtwin.pipeline.baseline import baseline_dir
from dtwin.pipeline.compare import compare_runs, load_reference, load_run_metrics
from dtwin.pipeline.runner import pipeline_sha256
from dtwin.pipeline.spec import load_spec

pytestmark = pytest.mark.notebooks

# a tqdm bar as text: "name:  40%|####      | 2/5 [00:01<00:02, ...]"
_BAR = re.compile(r"(\d+)%\|[^|]*\|\s*(\d+)/(\d+)")


def _spec_path(root: Path) -> Path:
    return root / "notebooks" / "pipeline.yaml"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, project_root: Path) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("smoke-run")
    spec = str(_spec_path(project_root))
    result = CliRunner().invoke(
        main, ["run", "--profile", "smoke", "--out", str(out), "--pipeline", spec]
    )
    return out, result


@pytest.fixture(scope="module")
def baseline(project_root: Path):
    """The shipped smoke baseline, checked against this pipeline file (profile, sha256)."""
    spec_path = _spec_path(project_root)
    try:
        return load_reference(baseline_dir(spec_path, "smoke"), "smoke", pipeline_sha256(spec_path))
    except PipelineError as error:
        pytest.fail(f"{error}", pytrace=False)


def test_every_notebook_runs_with_smoke_parameters(smoke_run):
    out, result = smoke_run
    assert result.exit_code == 0, result.output[-3000:]
    data = json.loads((out / "metrics.json").read_text())
    assert data["run"]["status"] == "ok"
    assert data["run"]["not_run"] == []
    for step, metrics in data["metrics"].items():
        assert metrics, f"notebook {step} recorded no metrics"


def test_smoke_run_matches_the_shipped_baseline(smoke_run, baseline, project_root: Path):
    """The regression check: this commit's smoke run against the baseline of an earlier run."""
    out, result = smoke_run
    assert result.exit_code == 0, result.output[-3000:]
    spec, _ = load_spec(_spec_path(project_root))
    comparison = compare_runs(load_run_metrics(out), baseline, spec)
    assert comparison.ok, "\n".join(comparison.report())
    assert sum(c.checked for c in comparison.changes) >= 50  # a real comparison


def test_progress_bars_are_saved_in_their_final_state(smoke_run):
    """No "0%| | 0/N" widgets in the executed copies: text bars folded into their last state."""
    out, _ = smoke_run
    finished = 0
    for path in sorted(out.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                plain = data.get("text/plain", "")
                assert not _BAR.search(plain), f"{path.name}: a progress widget: {plain!r}"
                if output.get("output_type") != "stream":
                    continue
                text = output["text"]
                assert "\r" not in text, f"{path.name}: unfolded progress updates"
                for done, count, total in _BAR.findall(text):
                    if done == "100":
                        finished += 1
                        assert count == total, text
    assert finished > 0, "no finished progress bar in any executed notebook"


def test_smoke_run_compares_clean_with_itself(smoke_run, project_root: Path):
    """Same seeds, same figures: a second run of the environment step shows no regression;
    --only compares only that step and names the others as skipped."""
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
            str(_spec_path(project_root)),
        ],
    )
    assert result.exit_code == 0, result.output[-3000:]
    assert "0 regressions, 0 steps missing" in result.output
    assert "skipped (not run now, --only): " in result.output


BROKEN_TRAINING = '''\
"""Injected by the test: a deliberately broken change (training labels scrambled)."""
import dataclasses
import random

import dtwin.vision.training as _training

_train = _training.train


def _scrambled(data, config, progress=True):
    labels = list(data.labels)
    random.Random(0).shuffle(labels)
    return _train(dataclasses.replace(data, labels=labels), config, progress)


_training.train = _scrambled
'''


def test_a_broken_training_is_caught_by_the_baseline(
    baseline, project_root: Path, tmp_path: Path, monkeypatch
):
    """The smoke figures can catch a real regression: a bug that scrambles the training labels
    (injected into the notebook's kernel) drops the defect model to chance, and the compare
    with the shipped baseline fails on it."""
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(BROKEN_TRAINING)
    monkeypatch.setenv("PYTHONPATH", f"{inject}:{project_root}")
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--profile",
            "smoke",
            "--only",
            "train_defect_model",
            "--out",
            str(tmp_path / "broken"),
            "--compare",
            str(baseline.path),
            "--pipeline",
            str(_spec_path(project_root)),
        ],
    )
    assert result.exit_code == 1, result.output[-3000:]
    assert "REGRESSION train_defect_model.test_accuracy" in result.output, result.output[-3000:]
