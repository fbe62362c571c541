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


def test_baseline_written_by_the_pipeline_compares_clean_and_catches_a_change(
    tiny_pipeline: Path, tmp_path: Path
):
    runner = CliRunner()
    args = ["run", "--pipeline", str(tiny_pipeline), "--profile", "smoke"]
    first = runner.invoke(main, [*args, "--out", str(tmp_path / "ref"), "--write-baseline"])
    assert first.exit_code == 0, first.output
    baseline = tiny_pipeline.parent / "baselines" / "smoke"
    data = json.loads((baseline / "metrics.json").read_text())
    assert data["run"]["pipeline_file"] == "pipeline.yaml"  # no machine-specific path
    assert data["run"]["made_by"] == "dtwin run --profile smoke --write-baseline"
    assert set(data["metrics"]) == {"a", "b", "c"}
    # a second run of the same code compares clean
    same = runner.invoke(main, [*args, "--out", str(tmp_path / "same"), "--compare", str(baseline)])
    assert same.exit_code == 0, same.output
    assert "0 regressions, 0 steps missing" in same.output
    # deliberately change a baseline metric beyond its 5% tolerance
    data["metrics"]["a"]["value"] = 12
    (baseline / "metrics.json").write_text(json.dumps(data))
    changed = runner.invoke(
        main, [*args, "--out", str(tmp_path / "new"), "--compare", str(baseline)]
    )
    assert changed.exit_code == 1
    assert "REGRESSION a.value: value 10, reference 12, delta -2; tolerance rel 0.05" in (
        changed.output
    )
    assert "1 regressions" in changed.output
    # --only compares only what it ran: b's change is not seen, a and c are skipped
    only = runner.invoke(
        main,
        [*args, "--only", "b", "--out", str(tmp_path / "only"), "--compare", str(baseline)],
    )
    assert only.exit_code == 0, only.output
    assert "skipped (not run now, --only): a, c" in only.output


def test_reference_of_another_profile_or_pipeline_is_refused_before_the_run(
    tiny_pipeline: Path, tmp_path: Path
):
    ref = tmp_path / "ref"
    ref.mkdir()
    run = {"profile": "full", "pipeline_sha256": "0" * 64, "status": "ok", "steps": {}}
    (ref / "metrics.json").write_text(json.dumps({"run": run, "metrics": {}}))
    out = tmp_path / "out"
    args = ["run", "--pipeline", str(tiny_pipeline), "--out", str(out), "--compare", str(ref)]
    other_profile = CliRunner().invoke(main, [*args, "--profile", "smoke"])
    assert other_profile.exit_code == 2
    assert other_profile.output.count("\n") == 1, other_profile.output
    assert "a run of profile 'full', this run is 'smoke'" in other_profile.output
    other_file = CliRunner().invoke(main, [*args, "--profile", "full"])
    assert other_file.exit_code == 2
    assert "made with another pipeline file" in other_file.output
    assert not out.exists()


def test_write_baseline_needs_every_step(tiny_pipeline: Path, tmp_path: Path):
    result = CliRunner().invoke(
        main, ["run", "--pipeline", str(tiny_pipeline), "--only", "a", "--write-baseline"]
    )
    assert result.exit_code == 2
    assert "cannot be combined with --only" in result.output
    assert not (tiny_pipeline.parent / "baselines").exists()


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
