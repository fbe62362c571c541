"""ControlRoom on a real closed-loop twin: what the panels show is what the TwinLoop holds."""

from __future__ import annotations

import html
import re
import threading

import pytest

from dtwin.errors import ConfigError
from dtwin.paths import CLOSED_LOOP_FACTORY, DEFECT_MODEL_DIR
from dtwin.sim import load_factory, to_factory
from dtwin.twin import KPI_NAMES, AgentSettings, TwinLoop, open_model, run_twin
from dtwin.twin.feed import feed_row, format_kpi, format_time, is_routine
from widgets.colors import STATE_COLORS, UNKNOWN_COLOR, health_color
from widgets.control_room import SPEEDS, TICK_MS, ControlRoom

# small pools keep the twin quick; replanning every 30 min makes reschedules likely early on
SETTINGS = AgentSettings(pool_per_class=4, replan_min=30)


def texts(markup: str, css: str) -> list[str]:
    """The text inside every element of class ``css`` in ``markup`` (tags removed)."""
    pattern = rf"<(\w+) class='[^']*\b{re.escape(css)}\b[^']*'[^>]*>(.*?)</\1>"
    found = re.findall(pattern, markup, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", body)) for _, body in found]


@pytest.fixture(scope="module")
def config():
    return load_factory(CLOSED_LOOP_FACTORY)


@pytest.fixture(scope="module")
def model():
    return open_model(DEFECT_MODEL_DIR)


def room_config(room):
    return room.twin.config


def make_room(config, model, loop="closed", hours=24.0, **kwargs) -> ControlRoom:
    made = []

    def make_twin():
        made.append(
            TwinLoop(config, loop, seed=0, model=model if loop == "closed" else None,
                     settings=SETTINGS)
        )  # fmt: skip
        return made[-1]

    room = ControlRoom(config, make_twin, hours=hours, **kwargs)
    room.made = made
    return room


@pytest.fixture
def room(config, model) -> ControlRoom:
    room = make_room(config, model)
    room.start(wait=True).result()
    return room


def test_nothing_is_measured_before_the_first_step(room):
    assert "press play" in room.status.value and not room.play.disabled
    assert "t = 0 min (0.0 h)" in room.clock.value
    assert texts(room.health_panel.table.value, "dtwin-health-estimate") == ["—"]
    assert texts(room.health_panel.table.value, "dtwin-health-truth") == ["1.00"]
    for name in KPI_NAMES:
        (shown,) = texts(room.running_kpis.value, f"dtwin-running-{name}")
        assert shown == ("— (no costs in this factory)" if name == "cost_per_good_unit" else "—")
    assert "dtwin-feed-row" not in room.feed_panel.body.value
    assert texts(room.kpi_panel.value, "dtwin-kpi-cell") == ["not run"] * 2 * len(KPI_NAMES)
    assert "(none yet)" in room.alerts_panel.value


def test_each_step_shows_the_twins_state(room):
    twin = room.twin
    notable = []
    twin.bus.subscribe(lambda e: notable.append(e) if not is_routine(e) else None, name="t")
    for _ in range(8):
        room.step(60)
    assert twin.now == 480.0 and room.steps == 8
    assert f"t = {format_time(480)}" in html.unescape(room.clock.value)

    # the floor: each machine in the colour of the twin's status, then of its estimate
    for record in twin.state.machines.values():
        status = "idle" if record.status == "off_shift" else record.status
        assert room.floor.color_of(record.station, record.slot) == STATE_COLORS[status]
    room.floor.color_toggle.value = "health"
    weld = twin.state.machines["weld-1"]
    assert weld.health_mean is not None
    assert room.floor.color_of("weld", 0) == health_color(weld.health_mean)
    assert room.floor.color_of("cut", 0) == UNKNOWN_COLOR  # no estimate: grey, not "healthy"

    # health: the estimate and the simulator's truth, both as the twin loop holds them now
    truth = twin.sim.view().station("weld").machines[0].health
    table = room.health_panel.table.value
    estimate = f"{weld.health_mean:.2f} ± {weld.health_std:.2f}"
    assert texts(table, "dtwin-health-estimate") == [estimate]
    assert texts(table, "dtwin-health-truth") == [f"{truth:.2f}"]
    history = room.health_panel.history["weld-1"]
    assert len(history) == 9 and history[-1] == (480.0, weld.health_mean, weld.health_std, truth)
    mean_line = room.health_panel.marks["weld-1"][1]
    assert mean_line.visible and mean_line.y[-1] == pytest.approx(weld.health_mean)

    # the feed: newest notable event first, as the bus delivered them
    rows = texts(room.feed_panel.body.value, "dtwin-feed-row")
    newest = feed_row(notable[-1])
    assert len(rows) == room.feed_size and rows[0] == newest.when + newest.source + newest.text
    head = texts(room.feed_panel.body.value, "dtwin-feed-head")[0]
    assert f"of {len(notable):,} notable events" in head

    # running KPIs: the loop's own figures, and the twin's counters
    kpis = twin.kpis()
    assert room_config(room).costs is None  # the closed-loop demo has no cost model
    for name in KPI_NAMES:
        shown = texts(room.running_kpis.value, f"dtwin-running-{name}")
        if name == "cost_per_good_unit":  # no costs: a 0 would read as measured
            assert shown == ["— (no costs in this factory)"], shown
        else:
            assert shown == [format_kpi(name, kpis[name])], name
    state = twin.state
    assert f"{state.released:,} parts released, {state.exited:,} shipped" in html.unescape(
        room.running_kpis.value
    )


def test_routine_events_on_request(room):
    room.step(30)
    room.feed_panel.routine.value = True
    rows = texts(room.feed_panel.body.value, "dtwin-feed-row")
    assert any(" started part " in r for r in rows)
    room.feed_panel.routine.value = False
    assert not any(
        " started part " in r for r in texts(room.feed_panel.body.value, "dtwin-feed-row")
    )


def test_alerts_panel_lists_the_agents_alerts(room):
    room.step(24 * 60)
    alerts = room.twin.alerts.alerts
    assert alerts, "a day of the worn welder raises alerts"
    rows = texts(room.alerts_panel.value, "dtwin-alert-row")
    assert len(rows) == min(len(alerts), room.alerts_panel.shown)
    last = alerts[-1]
    assert rows[0] == last.severity + format_time(last.time) + last.message
    warnings = sum(a.severity == "warning" for a in alerts)
    assert f"{warnings} warning" in room.alerts_panel.value


def test_plan_panel_shows_the_current_plan_and_marks_a_reschedule(room):
    twin = room.twin
    while twin.now < room.horizon:
        room.step(10)
        plan = twin.planning.current
        if plan is not None and plan.schedule.moved is not None:
            break
    else:
        pytest.fail("no reschedule within the run")
    assert room.plan_panel.plan_id == plan.id
    frame = room.plan_panel.gantt.frame
    assert len(frame) == len(plan.schedule.operations)
    assert int(frame["moved"].sum()) == len(plan.schedule.moved) == plan.moved
    assert room.plan_panel.gantt.downtimes == [
        (d.machine, d.start, d.end) for d in plan.instance.unavailability
    ]
    summary = html.unescape(room.plan_panel.summary.value)
    assert f"reschedule</b> after {plan.reason}: {plan.moved} operations moved" in summary
    assert f"makespan {plan.schedule.makespan:,} min" in summary
    shown = min(len(twin.planning.plans), room.plan_panel.shown)
    recent = twin.planning.plans[-shown:]
    marked = room.plan_panel.history.value.count("dtwin-reschedule")
    assert marked == sum(p.schedule.moved is not None for p in recent) >= 1


def test_play_ticks_step_and_late_ticks_are_dropped(room):
    room._last_step_end = 0.0
    room.play.value += 1  # what the Play widget in the page sends
    assert room.twin.now == SPEEDS[room.speed.value]
    room.play.value += 1  # arrives while the last step has only just ended: dropped
    assert room.twin.now == SPEEDS[room.speed.value] and room.skipped_ticks == 1
    room._last_step_end -= TICK_MS / 1000
    room.play.value = 0  # the stop button: no step backwards, no step at all
    assert room.twin.now == SPEEDS[room.speed.value]
    room.speed.value = "8 h per s"
    room._last_step_end = 0.0
    room.play.value += 1
    assert room.twin.now == SPEEDS["2 h per s"] + SPEEDS["8 h per s"] == 300


def test_the_run_stops_at_its_horizon(room):
    room.play.playing = True
    assert "playing at" in room.status.value
    room.step(10**6)
    assert room.twin.now == room.horizon == 24 * 60
    assert not room.play.playing and "end of the run" in room.status.value
    room.step()
    assert room.twin.now == room.horizon


def test_pausing_says_where(room):
    room.step(90)
    room.play.playing = True
    room.play.playing = False
    assert "paused at 90 min (1.5 h)" in room.status.value


def test_reset_builds_a_fresh_twin(room):
    old = room.twin
    room.step(300)
    room.reset(wait=True).result()
    assert room.twin is not old and room.twin is room.made[-1] and len(room.made) == 2
    assert room.twin.now == 0.0 and room.steps == 0
    assert "dtwin-feed-row" not in room.feed_panel.body.value
    assert len(room.health_panel.history["weld-1"]) == 1
    assert "no plan yet" in room.plan_panel.summary.value
    assert "t = 0 min" in room.clock.value


def test_a_twin_that_cannot_start_says_why(config):
    def broken():
        raise ConfigError("loop 'closed': the inspection station(s) inspect need a defect model")

    room = ControlRoom(config, broken)
    future = room.start(wait=True)
    assert isinstance(future.exception(), ConfigError)
    assert room.message.text.startswith("loop 'closed': the inspection station(s) inspect")
    assert room.message.kind == "error" and room.play.disabled and room.step_button.disabled
    assert "could not start" in room.status.value
    room.step()  # nothing to step: no error
    assert room.twin is None


def test_the_open_loop_says_which_agents_it_lacks(config, model):
    room = make_room(config, model, loop="open")
    room.start(wait=True).result()
    room.step(600)
    assert "no alert agent in the open loop" in room.alerts_panel.value
    assert "no scheduling agent in the open loop" in room.plan_panel.summary.value
    assert texts(room.health_panel.table.value, "dtwin-health-estimate") == ["—"]
    assert "open loop has no health agent" in room.health_panel.table.value
    room.floor.color_toggle.value = "health"
    assert room.floor.color_of("weld", 0) == UNKNOWN_COLOR


def test_background_start_and_open_vs_closed_comparison(config, model):
    release = threading.Event()
    reports = {}

    def compare(loop):
        release.wait(timeout=60)
        reports[loop] = run_twin(
            config, days=0.25, warmup_days=0.0, replications=2, seed=0, loop=loop,
            model=model if loop == "closed" else None, settings=SETTINGS, progress=False,
        )  # fmt: skip
        return reports[loop]

    room = make_room(config, model, compare=compare)
    assert texts(room.kpi_panel.value, "dtwin-kpi-cell") == ["—"] * 2 * len(KPI_NAMES)
    future = room.start()  # on a background thread, as in Voila
    assert future.result(timeout=60) is room.twin and not room.play.disabled
    room.step(60)  # the twin steps while the comparison runs
    assert texts(room.kpi_panel.value, "dtwin-kpi-cell") == ["running…"] * 2 * len(KPI_NAMES)
    release.set()
    room.comparison.result(timeout=120)
    cells = texts(room.kpi_panel.value, "dtwin-kpi-cell")
    expected = [
        format_kpi(name, reports[loop]["kpis"][name], reports[loop]["kpis"][f"{name}_ci95"])
        for name in KPI_NAMES
        for loop in ("open", "closed")
    ]
    assert cells == expected and "—" not in cells
    assert "2 replications × 0.25 days each after 0 days of warm-up" in room.kpi_panel.value


def test_a_failed_comparison_is_shown_in_its_column(config, model):
    def compare(loop):
        if loop == "closed":
            raise ConfigError("--model missing.onnx: file not found")
        return {"kpis": {name: 1.0 for name in KPI_NAMES}, "replications": 2, "days": 1.0,
                "warmup_days": 0.0, "seed": 0}  # fmt: skip

    room = make_room(config, model, compare=compare)
    room.start(wait=True)
    room.comparison.result(timeout=60)
    cells = texts(room.kpi_panel.value, "dtwin-kpi-cell")
    assert cells[1::2] == ["failed: --model missing.onnx: file not found"] * len(KPI_NAMES)
    assert cells[0] == format_kpi("good_units_per_day", 1.0)
    assert room.message.text == ""  # the room itself runs on


def test_playing_reports_the_speed_reached(room):
    room.play.playing = True
    for _ in range(3):
        room.step()
    assert re.search(r"measured over the last steps: \d+\.\d h per s", room.status.value)


def test_selecting_a_machine_shows_the_twins_view_of_it(room):
    room.step(480)
    room.floor.select("weld", 0)
    info = html.unescape(room.floor.selection_info.value)
    weld = room.twin.state.machines["weld-1"]
    assert "weld-1" in info and weld.status in info
    assert f"{weld.health_mean:.2f} ± {weld.health_std:.2f}" in info
    assert f"{room.twin.state.queues['weld']} parts" in info
    room.floor.select("cut", 0)
    assert "<b>—</b>" in room.floor.selection_info.value  # the twin has no estimate of cut-1


def test_stations_with_several_machines_are_coloured_slot_by_slot(model):
    from dtwin.sim import DEMO_FACTORY

    demo = load_factory(DEMO_FACTORY)
    room = make_room(demo, model, hours=4)
    room.start(wait=True)
    room.step(120)
    records = list(room.twin.state.machines.values())
    assert any(r.slot == 1 for r in records)
    for record in records:
        status = "idle" if record.status == "off_shift" else record.status
        assert room.floor.color_of(record.station, record.slot) == STATE_COLORS[status], record.id
    assert len(room.health_panel.history) == len(room.worn) > 1


def test_a_factory_without_camera_or_wear_warns_and_shows_no_health(config):
    data = config.model_dump(mode="json", exclude_none=True)
    data["stations"] = [s for s in data["stations"] if s["name"] != "inspect"]
    data["products"][0]["routing"].remove("inspect")
    for station in data["stations"]:
        station.pop("health", None)
    plain = to_factory(data)
    room = ControlRoom(plain, lambda: TwinLoop(plain, "closed", seed=0, settings=SETTINGS))
    room.start(wait=True)
    assert room.message.kind == "warning" and "no inspection station" in room.message.text
    assert "no machine in this factory wears" in room.health_panel.table.value
    assert room.health_panel.figure.layout.display == "none"
    room.step(60)
    assert room.twin.now == 60.0


def test_the_room_shows_each_machines_predicted_rul():
    """A twin with the RUL policy: the panel lists each watched machine's RUL and interval."""
    from dtwin.sim import parse_factory
    from dtwin.twin.rul_policy import MaintenanceSettings
    from tests.dtwin.sim.test_sensors import press
    from tests.dtwin.twin.test_rul_policy import VibrationRul

    config = parse_factory(press())
    plan = MaintenanceSettings("rul", margin=8.0, model=VibrationRul(), lookahead=None)
    room = ControlRoom(config, lambda: TwinLoop(config, "open", seed=0, maintenance=plan))
    room.start(wait=True).result()
    assert room.rul_panel.layout.display == "none"  # nothing predicted yet
    room.step(120)
    latest = room.twin.rul.latest["press-1"]
    assert room.rul_panel.layout.display is None
    assert "Remaining useful life" in room.rul_panel.value
    assert f"{latest.rul:.0f} [{latest.lo:.0f}, {latest.hi:.0f}]" in room.rul_panel.value
