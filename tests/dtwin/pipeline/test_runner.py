import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.errors import ConfigError
from dtwin.pipeline.runner import run_pipeline


def test_run_writes_notebooks_artifacts_and_metrics(tiny_pipeline: Path, tmp_path: Path):
    out = tmp_path / "run"
    result = run_pipeline(tiny_pipeline, profile="full", out_dir=out, progress=False)
    assert result.ok
    assert [s.name for s in result.steps] == ["a", "b", "c"]
    assert {p.name for p in out.glob("*.ipynb")} == {"a.ipynb", "b.ipynb", "c.ipynb"}
    assert (out / "artifacts" / "a" / "out.txt").read_text() == "hello"
    data = json.loads((out / "metrics.json").read_text())
    assert data["metrics"]["a"] == {"value": 20, "label": "a"}  # full profile: scale 2
    assert data["metrics"]["b"]["value"] == 3  # b has no 'full' parameters: notebook defaults
    # notebooks run in their own folder, as JupyterLab and Voila do
    assert data["metrics"]["b"]["cwd"] == str(tiny_pipeline.parent)
    assert data["run"]["status"] == "ok"
    assert data["run"]["profile"] == "full"
    executed = nbformat.read(out / "a.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters == {"scale": 2}


def test_only_runs_the_named_steps(tiny_pipeline: Path, tmp_path: Path):
    result = run_pipeline(
        tiny_pipeline, profile="smoke", out_dir=tmp_path / "r", only=["b"], progress=False
    )
    assert [s.name for s in result.steps] == ["b"]
    with pytest.raises(ConfigError, match="no pipeline step named 'zz'; choices: a, b, c"):
        run_pipeline(tiny_pipeline, out_dir=tmp_path / "r2", only=["zz"], progress=False)


def test_failing_notebook_keeps_partial_run_and_exits_1(failing_pipeline: Path, tmp_path: Path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["run", "--pipeline", str(failing_pipeline), "--profile", "smoke", "--out", str(out)]
    )
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1
    assert "bad.ipynb" in lines[0] and "cell 1" in lines[0]
    assert "ValueError: broken input n=1" in lines[0]
    assert "Traceback" not in result.output
    assert (out / "ok.ipynb").exists() and (out / "bad.ipynb").exists()
    assert not (out / "after.ipynb").exists()
    data = json.loads((out / "metrics.json").read_text())
    assert data["run"]["status"] == "failed"
    assert data["run"]["not_run"] == ["after"]
    assert data["metrics"]["ok"] == {"n": 1}


def test_compare_detects_a_changed_metric(tiny_pipeline: Path, tmp_path: Path):
    runner = CliRunner()
    ref = tmp_path / "ref"
    args = ["run", "--pipeline", str(tiny_pipeline), "--profile", "smoke"]
    first = runner.invoke(main, [*args, "--out", str(ref)])
    assert first.exit_code == 0, first.output
    same = runner.invoke(main, [*args, "--out", str(tmp_path / "same"), "--compare", str(ref)])
    assert same.exit_code == 0, same.output
    assert "0 regressions" in same.output
    # deliberately change a reference metric beyond its 5% tolerance
    data = json.loads((ref / "metrics.json").read_text())
    data["metrics"]["a"]["value"] = 12
    (ref / "metrics.json").write_text(json.dumps(data))
    changed = runner.invoke(main, [*args, "--out", str(tmp_path / "new"), "--compare", str(ref)])
    assert changed.exit_code == 1
    assert "REGRESSION a.value: 12 -> 10" in changed.output
    assert "1 regressions" in changed.output


def test_compare_needs_a_run_folder(tiny_pipeline: Path, tmp_path: Path):
    result = CliRunner().invoke(
        main, ["run", "--pipeline", str(tiny_pipeline), "--compare", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no metrics.json here" in result.output


def test_parallel_run_on_local_dask_cluster(tiny_pipeline: Path, tmp_path: Path):
    out = tmp_path / "par"
    result = run_pipeline(tiny_pipeline, profile="smoke", out_dir=out, workers=2, progress=False)
    assert result.ok
    assert result.metrics == {
        "a": {"value": 10, "label": "a"},
        "b": {"value": 3, "cwd": str(tiny_pipeline.parent)},
        "c": {"x": 1},
    }
