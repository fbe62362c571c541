from __future__ import annotations

import functools
import json
import re

import pytest
from click.testing import CliRunner

from dtwin.cli import main
from dtwin.paths import DEFECT_MODEL_DIR
from dtwin.twin import KPI_NAMES, AgentSettings


def _twin(*args):
    return CliRunner().invoke(main, ["twin", *map(str, args)])


@pytest.fixture(scope="module", autouse=True)
def small_cli_pool():
    """The CLI runs its agents' defaults; a 4-image-per-class pool keeps these runs short."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "dtwin.twin.runner.AgentSettings", functools.partial(AgentSettings, pool_per_class=4)
        )
        yield


@pytest.fixture(scope="module")
def closed_run(closed_loop_path, tmp_path_factory):
    """``dtwin twin run`` of the closed loop with the default model, its event log and report."""
    db = tmp_path_factory.mktemp("cli") / "events.duckdb"
    args = ["--days", "0.5", "--warmup-days", "0.25", "--replications", "1", "--seed", "2"]
    result = _twin("run", closed_loop_path, *args, "--events-db", db, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), db


def test_run_json_has_kpis_loop_and_final_state(closed_run, closed_loop_path):
    report, db = closed_run
    assert {"kpis", "loop", "final_state", "per_replication", "warnings"} <= set(report)
    assert set(report["kpis"]) == {*KPI_NAMES, *(f"{k}_ci95" for k in KPI_NAMES)}
    assert report["mode"] == "closed" and report["seed"] == 2 and report["replications"] == 1
    assert report["model"] == str(DEFECT_MODEL_DIR)  # the shipped model by default
    assert report["config"] == str(closed_loop_path) and report["events_db"] == str(db)
    assert report["loop"]["images_classified"] > 100
    assert report["loop"]["model_images"] == 20  # the small pool of the fixture above
    assert [m["id"] for m in report["final_state"]["machines"]] == [
        "cut-1", "weld-1", "paint-1", "inspect-1", "pack-1",
    ]  # fmt: skip
    assert report["final_state"]["counters"]["released"] > 100


def test_replay_json_is_the_runs_final_state(closed_run):
    report, db = closed_run
    result = _twin("replay", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"final_state": report["final_state"]}


def test_replay_text_lists_machines_with_their_health(closed_run):
    report, db = closed_run
    result = _twin("replay", db)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    final = report["final_state"]
    assert lines[0] == f"{db}: replication 0, {final['events']} events, t={final['time']:g} min"
    weld = next(line for line in lines if line.strip().startswith("weld-1"))
    assert re.search(r"health \d\.\d\d ± \d\.\d\d$", weld), weld
    cut = next(line for line in lines if line.strip().startswith("cut-1"))
    assert cut.endswith("health —")


def test_run_text_shows_figures_with_their_ci(closed_loop_path):
    args = ["--days", "0.25", "--warmup-days", "0", "--replications", "2", "--loop", "open"]
    result = _twin("run", closed_loop_path, *args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{closed_loop_path}: loop open, 2 replication(s) of 0.25 day(s), seed 0"
    for name in KPI_NAMES:
        line = next(line for line in lines if line.split()[0] == name)
        assert "±" in line, line
    good = next(line for line in lines if line.split()[0] == "good_units_per_day")
    assert re.fullmatch(r"\s+good_units_per_day\s+[\d.]+\s+± [\d.]+", good), good
    assert "images classified 0, detection accuracy —" in result.output


def test_run_json_of_the_open_loop_has_no_model(closed_loop_path):
    args = ["--days", "0.1", "--warmup-days", "0", "--replications", "1", "--loop", "open"]
    result = _twin("run", closed_loop_path, *args, "--set", "stations.cut.machines=2", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] is None and report["events_db"] is None
    assert report["overrides"] == ["stations.cut.machines=2"]
    assert [m["id"] for m in report["final_state"]["machines"]][:2] == ["cut-1", "cut-2"]


def test_warnings_go_to_stderr_and_into_the_report(tmp_path):
    from dtwin.paths import FACTORIES_DIR

    args = ["--days", "0.05", "--warmup-days", "0", "--replications", "1", "--json"]
    result = _twin("run", FACTORIES_DIR / "minimal.yaml", *args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    warned = [line.removeprefix("warning: ") for line in result.stderr.splitlines()]
    assert warned == report["warnings"] and len(warned) == 2
    assert any("no inspection station" in w for w in warned)
    assert report["model"] is None  # nothing to inspect: no model is opened


def test_twin_help_lists_run_and_replay():
    result = _twin("--help")
    assert result.exit_code == 0
    assert "run" in result.output and "replay" in result.output
