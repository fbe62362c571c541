from __future__ import annotations

import json
import math

import duckdb
import pytest

from dtwin.errors import ConfigError, VisionError
from dtwin.paths import DEFECT_MODEL_DIR
from dtwin.twin import KPI_NAMES, AgentSettings, replay, run_twin, summarize_kpis, twin_summary
from tests.dtwin.twin.conftest import FakeClassifier

SMALL = AgentSettings(pool_per_class=4)
# two hours and a half of warm-up and six measured hours per replication
RUN = {"days": 0.25, "warmup_days": 0.1, "seed": 4, "settings": SMALL}


@pytest.fixture(scope="module")
def merged(closed_loop_path, tmp_path_factory):
    """Two closed-loop replications with their event logs merged into one file."""
    db = tmp_path_factory.mktemp("runner") / "events.duckdb"
    db.with_name("events.duckdb.rep0.part").write_text("left over from a killed run")
    report = run_twin(closed_loop_path, replications=2, model=DEFECT_MODEL_DIR, events_db=db,
                      **RUN)  # fmt: skip
    return report, db


def test_replications_are_merged_into_one_events_db(merged):
    report, db = merged
    with duckdb.connect(str(db), read_only=True) as con:
        reps = con.execute("SELECT replication, machines FROM twin_replications ORDER BY 1")
        reps = reps.fetchall()
        counts = con.execute(
            "SELECT replication, count(*), min(seq), max(seq) FROM twin_events "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [r for r, _ in reps] == [0, 1]
    stations = [s for s, _ in json.loads(reps[0][1])]
    assert stations == ["cut", "weld", "paint", "inspect", "pack"]
    assert [c[0] for c in counts] == [0, 1]
    for _, n, first, last in counts:
        assert n > 1000 and first == 0 and last == n - 1  # every event of each, in order
    assert sum(n for _, n, _, _ in counts) == report["loop"]["events"]
    assert sorted(p.name for p in db.parent.iterdir()) == ["events.duckdb"]  # parts removed


def test_final_state_is_replication_zero_and_replays_from_the_file(merged):
    report, db = merged
    assert twin_summary(replay(db, 0)) == report["final_state"]
    assert twin_summary(replay(db, 1)) != report["final_state"]


def test_report_holds_every_kpi_with_its_ci(merged):
    report, _ = merged
    kpis = report["kpis"]
    assert set(kpis) == {*KPI_NAMES, *(f"{k}_ci95" for k in KPI_NAMES)}
    for name in KPI_NAMES:
        assert isinstance(kpis[name], float) and math.isfinite(kpis[name]), name
        assert kpis[f"{name}_ci95"] is None or kpis[f"{name}_ci95"] >= 0, name
    assert kpis["good_units_per_day"] > 100 and 0 < kpis["oee"] < 1


def test_report_per_replication_and_summed_loop(merged):
    report, _ = merged
    assert report["mode"] == "closed" and report["replications"] == 2 and report["seed"] == 4
    assert (report["days"], report["warmup_days"]) == (0.25, 0.1)
    per = report["per_replication"]
    assert len(per) == 2 and [r["replication"] for r in per] == [0, 1]
    for name in KPI_NAMES:
        mean = sum(r[name] for r in per) / 2
        assert report["kpis"][name] == pytest.approx(mean), name
    loop = report["loop"]
    assert loop["images_classified"] > 100
    assert loop["model_images"] == 2 * 20  # each replication classifies the pool once
    assert 0 <= loop["detection_accuracy"] <= 1
    assert loop["dead_letters"] == 0
    assert report["warnings"] == []
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_existing_events_db_is_refused_before_any_replication(closed_loop_path, tmp_path):
    db = tmp_path / "events.duckdb"
    db.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"--events-db .*events.duckdb: the file exists"):
        run_twin(closed_loop_path, loop="open", events_db=db, replications=1, days=0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.duckdb"]


def test_events_db_in_a_missing_folder_is_refused(closed_loop_path, tmp_path):
    db = tmp_path / "nowhere" / "events.duckdb"
    with pytest.raises(ConfigError, match=r"folder .*nowhere does not exist"):
        run_twin(closed_loop_path, loop="open", events_db=db, replications=1, days=0.1)


def test_bad_model_is_refused_before_the_events_db_is_made(closed_loop_path, tmp_path):
    db = tmp_path / "events.duckdb"
    with pytest.raises(VisionError, match="does not exist"):
        run_twin(closed_loop_path, model=tmp_path / "no-model", events_db=db, days=0.1)
    assert not db.exists()


def test_processes_backend_gives_the_serial_report(closed_loop_path):
    run = {**RUN, "days": 0.2, "warmup_days": 0.0}
    kwargs = {"replications": 2, "model": DEFECT_MODEL_DIR, **run}
    serial = run_twin(closed_loop_path, backend="serial", **kwargs)
    processes = run_twin(closed_loop_path, backend="processes", workers=2, **kwargs)
    assert processes["kpis"] == serial["kpis"]
    assert processes["per_replication"] == serial["per_replication"]
    assert processes["loop"] == serial["loop"]
    assert processes["final_state"] == serial["final_state"]
    assert serial["per_replication"][0] != serial["per_replication"][1]


def test_replication_zero_does_not_depend_on_how_many_run(closed_loop_path):
    one = run_twin(closed_loop_path, loop="open", replications=1, days=0.25, warmup_days=0)
    two = run_twin(closed_loop_path, loop="open", replications=2, days=0.25, warmup_days=0)
    assert one["per_replication"][0] == two["per_replication"][0]
    assert one["final_state"] == two["final_state"]
    assert all(v is None for k, v in one["kpis"].items() if k.endswith("_ci95"))
    assert two["kpis"]["good_units_per_day_ci95"] > 0


def test_an_object_model_runs_on_the_serial_backend(closed_loop_path):
    report = run_twin(closed_loop_path, replications=1, model=FakeClassifier(), days=0.1,
                      warmup_days=0, settings=SMALL)  # fmt: skip
    assert report["loop"]["images_classified"] > 0
    assert report["loop"]["maintenance_requests"] == 0  # every part good: no estimate drops


def test_summarize_kpis_mean_and_half_width():
    rows = [dict.fromkeys(KPI_NAMES, 1.0), dict.fromkeys(KPI_NAMES, 3.0)]
    rows[1]["lead_time_mean_min"] = math.nan  # a replication where nothing shipped
    out = summarize_kpis(rows)
    assert out["oee"] == 2.0
    assert out["oee_ci95"] == pytest.approx(12.706 * math.sqrt(2) / math.sqrt(2), rel=1e-3)
    assert out["lead_time_mean_min"] == 1.0
    one = summarize_kpis(rows[:1])
    assert one["oee"] == 1.0 and one["oee_ci95"] is None
