"""The twin's loop on the closed-loop factory: two simulated days per run, a 20-image pool."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pytest

from dtwin.errors import ConfigError
from dtwin.twin import AgentSettings, TwinLoop, open_model, read_events, replay, twin_summary
from dtwin.twin import events as ev
from tests.dtwin.twin.conftest import FakeClassifier

SETTINGS = AgentSettings(pool_per_class=4)
MINUTES = 2 * 1440.0  # the welder's true health crosses 0.7 on the second day
ALARM = FakeClassifier(("good", "crack"), lambda image: "crack")  # flags every part


def _run(path, loop="closed", seed=1, model=None, minutes=MINUTES, prepare=None, **kwargs):
    """One replication with its event log in an in-memory DuckDB; ``prepare(twin)`` first."""
    kwargs.setdefault("settings", SETTINGS)
    twin = TwinLoop(path, loop, seed, model=model, events_db=duckdb.connect(), **kwargs)
    if prepare is not None:
        prepare(twin)
    return twin.run_until(minutes)


def _rows(twin, table="twin_events", before=None):
    """The rows of ``table`` (those before minute ``before`` when given), in order."""
    order = "seq" if table == "twin_events" else "seq, handler"
    where = "" if before is None else f"WHERE time < {float(before)}"
    sql = f"SELECT * FROM {table} {where} ORDER BY {order}"  # noqa: S608
    return twin.log.con.execute(sql).fetchall()


def _true_health(twin, station="weld"):
    """The simulator's hidden health, read here only to show that the twin does not."""
    st = next(s for s in twin.sim.view().stations if s.name == station)
    return st.machines[0].health


@pytest.fixture(scope="module")
def closed(closed_loop_path, shipped_model):
    return _run(closed_loop_path, model=shipped_model)


@pytest.fixture(scope="module")
def closed_again(closed_loop_path, shipped_model):
    return _run(closed_loop_path, model=shipped_model)


@pytest.fixture(scope="module")
def closed_other_seed(closed_loop_path, shipped_model):
    return _run(closed_loop_path, seed=2, model=shipped_model)


@pytest.fixture(scope="module")
def open_run(closed_loop_path):
    return _run(closed_loop_path, "open")


@pytest.fixture(scope="module")
def oracle_run(closed_loop_path):
    return _run(closed_loop_path, "oracle")


# -- the three loops ------------------------------------------------------------------------


def test_closed_loop_classifies_images_and_requests_maintenance(closed):
    stats, state = closed.loop_stats(), closed.state
    assert stats["images_classified"] > 500
    assert stats["images_classified"] == state.machines["inspect-1"].inspected
    assert stats["model_images"] == 20  # the pool, each image once
    assert 0.0 <= stats["detection_accuracy"] <= 1.0
    assert stats["maintenance_requests"] >= 1
    assert all(d.accepted and d.machine == "weld-1" for d in closed.maintenance.decisions)
    assert all(d.health_mean < d.threshold == 0.7 for d in closed.maintenance.decisions)
    assert closed.kpis()["maintenance_count"] >= 1
    assert state.machines["weld-1"].maintenances >= 1
    assert state.machines["weld-1"].health_mean is not None
    assert state.machines["cut-1"].health_mean is None  # no wear model: never estimated
    assert stats["plans"] >= 1 and state.schedule_id is not None
    assert stats["dead_letters"] == 0 and closed.warnings == []
    assert stats["events"] == closed.bus.seq + 1 == len(_rows(closed))


def test_closed_loop_events_come_from_the_agents(closed):
    kinds = {}
    for *_, kind, payload in _rows(closed):
        kinds.setdefault(kind, set()).add(json.loads(payload)["source"])
    assert kinds["part_inspected"] == {"inspection_agent"}
    assert kinds["health_estimate_changed"] == {"health_agent"}
    assert kinds["schedule_changed"] == {"scheduling_agent"}
    assert kinds["maintenance_requested"] == {"sim"}  # the plant reports the accepted command


def test_open_loop_makes_no_requests_and_no_images(open_run):
    stats = open_run.loop_stats()
    assert stats["images_classified"] == stats["model_images"] == 0
    assert stats["detection_accuracy"] is None
    assert stats["maintenance_requests"] == stats["alerts"] == stats["plans"] == 0
    assert open_run.kpis()["maintenance_count"] == 0  # its health_threshold policy never acts
    assert open_run.inspection is open_run.health is open_run.maintenance is None
    kinds = {r[3] for r in _rows(open_run)}
    assert not kinds & {"part_inspected", "health_estimate_changed", "maintenance_requested",
                        "maintenance_started"}  # fmt: skip
    assert _true_health(open_run) < 0.7  # the welder wore past its threshold all the same


def test_oracle_loop_maintains_on_true_health(oracle_run):
    stats = oracle_run.loop_stats()
    assert stats["images_classified"] == stats["maintenance_requests"] == 0
    assert oracle_run.kpis()["maintenance_count"] >= 1
    kinds = [r[3] for r in _rows(oracle_run)]
    assert kinds.count("maintenance_started") >= 1
    assert "maintenance_requested" not in kinds  # the simulator's own policy, no command
    assert oracle_run.state.machines["weld-1"].maintenances >= 1


# -- determinism and the log ----------------------------------------------------------------


def test_same_seed_gives_identical_event_log_and_final_state(closed, closed_again):
    rows = _rows(closed)
    assert len(rows) > 10_000
    assert rows == _rows(closed_again)
    assert closed.result()["final_state"] == closed_again.result()["final_state"]
    assert closed.result() == closed_again.result()


def test_different_seed_differs(closed, closed_other_seed):
    assert _rows(closed) != _rows(closed_other_seed)
    assert closed.result()["final_state"] != closed_other_seed.result()["final_state"]


def test_replay_of_the_log_equals_the_final_state(closed):
    con = closed.log.con
    assert twin_summary(replay(con)) == closed.result()["final_state"]
    assert len(read_events(con)) == closed.bus.seq + 1
    assert replay(con).to_json() == closed.state.to_json()


def test_result_is_plain_json(closed):
    result = closed.result()
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert set(result) == {"replication", "kpis", "loop", "final_state", "warnings"}
    assert set(result["final_state"]) == {"time", "events", "machines", "queues", "counters",
                                          "schedule", "alerts"}  # fmt: skip


def test_run_until_steps_and_flushes_the_log(closed_loop_path, shipped_model):
    twin = TwinLoop(closed_loop_path, "closed", 3, model=shipped_model, settings=SETTINGS,
                    events_db=duckdb.connect())  # fmt: skip
    for t in (60.0, 120.0, 240.0):
        twin.run_until(t)
        assert twin.now == t and twin.state.time <= t
        assert len(_rows(twin)) == twin.bus.seq + 1  # every event written, none waiting
    assert twin.state.released > 0


# -- failures in handlers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def alarmed(closed_loop_path):
    """Six hours with a classifier that flags every part: estimates, requests and alerts
    come early."""
    return _run(closed_loop_path, model=ALARM, minutes=360.0)


@dataclass
class Faulty:
    twin: TwinLoop
    notified: list


@pytest.fixture(scope="module")
def faulty(closed_loop_path):
    """:func:`alarmed` with a handler that fails on every verdict and a notifier that fails on
    every alert."""
    notified = []

    def notify(alert):
        notified.append(alert)
        raise RuntimeError("mail server down")

    def always_fails(event):
        raise ValueError(f"cannot store part {event.part}")

    def prepare(twin):
        twin.bus.subscribe(always_fails, ev.PartInspected, name="always_fails")

    twin = _run(closed_loop_path, model=ALARM, minutes=360.0, notify=notify, prepare=prepare)
    return Faulty(twin, notified)


def test_failing_handlers_end_in_the_dead_letter_table(faulty):
    twin = faulty.twin
    letters = _rows(twin, "twin_dead_letters")
    by_handler = {}
    for _, _, handler, error_type, _error, attempts, _ in letters:
        by_handler.setdefault(handler, []).append((error_type, attempts))
    inspected = twin.loop_stats()["images_classified"]
    alerts = twin.loop_stats()["alerts"]
    assert inspected > 50 and alerts >= 2
    assert by_handler["always_fails"] == [("ValueError", 3)] * inspected  # 1 call + 2 retries
    assert by_handler["notifier"] == [("RuntimeError", 3)] * alerts
    assert len(letters) == len(twin.bus.dead_letters) == twin.loop_stats()["dead_letters"]
    assert len(faulty.notified) == 3 * alerts
    first = json.loads(next(r[6] for r in letters if r[2] == "always_fails"))
    assert first["type"] == "part_inspected"


def test_failing_handlers_do_not_change_the_run(faulty, alarmed):
    # the same events, in the same order, as the run without the failing handlers
    assert _rows(faulty.twin) == _rows(alarmed)
    assert faulty.twin.result()["final_state"] == alarmed.result()["final_state"]
    assert faulty.twin.result()["kpis"] == alarmed.result()["kpis"]
    assert len(faulty.twin.alerts.alerts) == len(alarmed.alerts.alerts)


# -- the twin and the hidden truth ----------------------------------------------------------


@dataclass(frozen=True)
class BlindPhoto:
    """A photo as the twin may see it: the pool image, without the part's true state."""

    index: int

    @property
    def ref(self) -> str:
        return f"pool:{self.index}"


class PixelsOnly:
    """The camera's pool without its labels: the images alone."""

    def __init__(self, pool):
        self.images = pool.images

    def __len__(self) -> int:
        return len(self.images)


def test_twin_never_reads_the_hidden_truth(closed_loop_path, shipped_model, closed):
    seen = []

    def prepare(twin):
        twin.inspection.pool = PixelsOnly(twin.inspection.pool)  # no labels to peek at
        inspect = twin.inspection.inspect

        def blind(time, part, machine, photo):
            seen.append(photo)
            return inspect(time, part, machine, BlindPhoto(photo.index))

        twin.inspection.inspect = blind

    blind_run = _run(closed_loop_path, model=shipped_model, minutes=1440.0, prepare=prepare)
    assert len(seen) > 250
    # the agents got no truth, and their events are those of the first day with it at hand
    assert _rows(blind_run) == _rows(closed, before=1440.0)
    agents = [blind_run.inspection, blind_run.health, blind_run.maintenance,
              blind_run.planning, blind_run.alerts]  # fmt: skip
    for agent in agents:
        held = [v for v in vars(agent).values() if v is blind_run.sim or v is blind_run.adapter]
        assert held == [], type(agent).__name__


def test_estimates_follow_the_classifier_not_the_plant(closed_loop_path, alarmed):
    settings = AgentSettings(pool_per_class=4, plan=False)
    blind = _run(closed_loop_path, model=FakeClassifier(("good", "crack")), settings=settings)
    assert _true_health(blind) < 0.7  # the welder wore ...
    assert blind.state.machines["weld-1"].health_mean > 0.95  # ... but no image showed it
    assert blind.loop_stats()["maintenance_requests"] == 0
    assert _true_health(alarmed) > 0.8  # a healthy welder, every part flagged ...
    means = [json.loads(r[4])["mean"] for r in _rows(alarmed) if r[3] == "health_estimate_changed"]
    assert min(means) < 0.1
    first = alarmed.maintenance.decisions[0]  # ... is sent to maintenance all the same
    assert first.accepted and first.health_mean < 0.7
    assert alarmed.state.machines["weld-1"].maintenances >= 1


# -- wiring ---------------------------------------------------------------------------------


SIMPLE = {
    "name": "simple",
    "products": [{"name": "p", "routing": ["press"], "arrival": 5}],
    "stations": [{"name": "press", "process_time": {"dist": "fixed", "value": 2}}],
}


def test_closed_loop_without_camera_or_threshold_runs_with_warnings():
    twin = TwinLoop(SIMPLE, "closed", settings=SETTINGS).run_until(60.0)
    assert twin.inspection is None and twin.loop_stats()["images_classified"] == 0
    assert any("no inspection station" in w for w in twin.warnings)
    assert any("no station has a health_threshold" in w for w in twin.warnings)
    assert twin.result()["warnings"] == twin.warnings
    assert twin.log is None


def test_closed_loop_without_model_names_the_inspection_station(closed_loop_path):
    with pytest.raises(ConfigError, match=r"loop 'closed': the inspection station\(s\) inspect"):
        TwinLoop(closed_loop_path, "closed")


def test_unknown_loop_is_refused():
    with pytest.raises(ConfigError, match="loop: 'half' is not valid; choices: open, closed"):
        TwinLoop(SIMPLE, "half")


def test_open_model_passes_objects_and_opens_paths(shipped_model):
    fake = FakeClassifier()
    assert open_model(fake) is fake and open_model(None) is None
    path = shipped_model.path
    for given in (path, path.parent, str(path.parent)):
        assert open_model(given).classes == shipped_model.classes


def test_settings_reach_the_agents(closed_loop_path):
    settings = AgentSettings(pool_per_class=4, health_window=50.0, prior_parts=5.0,
                             min_observations=7, plan=False, retries=0)  # fmt: skip
    twin = TwinLoop(closed_loop_path, "closed", 1, model=FakeClassifier(), settings=settings)
    assert twin.planning is None and twin.bus.retries == 0
    assert twin.maintenance.min_observations == 7
    assert twin.health.keep == pytest.approx(1 - 1 / 50)
    assert twin.health.prior_parts == 5.0
    assert len(twin.inspection.pool) == 20
