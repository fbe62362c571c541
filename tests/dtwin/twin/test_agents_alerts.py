from __future__ import annotations

import json

import pytest

from dtwin.twin import events as ev
from dtwin.twin.agents import AlertAgent, HealthBelow, ScrapShareOver, default_rules
from dtwin.twin.agents.alerts import REARM_HEALTH
from dtwin.twin.bus import EventBus
from dtwin.twin.log import EventLog
from dtwin.twin.state import FactoryState


def _health(bus, machine, mean, t):
    bus.publish(ev.HealthEstimateChanged(time=t, source="health_agent", machine=machine,
                                         mean=mean, std=0.02))  # fmt: skip


def _agent(rules, notify=None, ids=None):
    bus = EventBus(retries=1)
    state = None
    if ids is not None:
        state = FactoryState(ids)
        bus.subscribe(state.apply, name="factory_state")
    return bus, AlertAgent(bus, rules, notify), state


def test_health_rule_fires_on_the_edge_and_rearms_above_the_margin(ids):
    bus, agent, state = _agent([HealthBelow(0.6)], ids=ids)
    means = [0.9, 0.59, 0.5, 0.3, 0.62, 0.64, 0.55, 0.6 + REARM_HEALTH, 0.58, 0.1]
    for t, mean in enumerate(means):
        _health(bus, "a-1", mean, float(t))
    # fires at 0.59; 0.62 and 0.64 are above the level but inside the margin: no re-arm;
    # 0.65 re-arms, so 0.58 fires again
    assert [a.time for a in agent.alerts] == [1.0, 8.0]
    first = agent.alerts[0]
    assert (first.rule, first.severity, first.machine) == ("health_below", "warning", "a-1")
    assert first.message == "a-1: health estimate 0.59 ± 0.02 is below 0.6"
    assert [a["time"] for a in state.alerts] == [1.0, 8.0]  # published, so in the state


def test_health_rule_is_kept_per_machine(ids):
    bus, agent, _ = _agent([HealthBelow(0.6)], ids=ids)
    _health(bus, "a-1", 0.5, 1.0)
    _health(bus, "a-2", 0.5, 2.0)
    _health(bus, "a-1", 0.4, 3.0)
    _health(bus, "a-2", 0.4, 4.0)
    assert [(a.machine, a.time) for a in agent.alerts] == [("a-1", 1.0), ("a-2", 2.0)]


def test_two_levels_fire_apart(ids):
    rules = [HealthBelow(0.7), HealthBelow(0.4, "critical", "health_critical")]
    bus, agent, _ = _agent(rules, ids=ids)
    for t, mean in enumerate([0.65, 0.5, 0.35, 0.3]):
        _health(bus, "a-1", mean, float(t))
    assert [(a.rule, a.severity, a.time) for a in agent.alerts] == [
        ("health_below", "warning", 0.0),
        ("health_critical", "critical", 2.0),
    ]


def _leave(bus, t, part, scrapped):
    kind = ev.PartScrapped if scrapped else ev.PartExited
    bus.publish(kind(time=t, source="sim", part=part, machine="b-1"))


def test_scrap_share_rule_judges_the_window():
    rule = ScrapShareOver(0.2, window_min=60.0, min_parts=5)
    bus, agent, _ = _agent([rule])
    # four parts, all scrapped: too few to judge
    for k in range(4):
        _leave(bus, float(k), k, True)
    assert agent.alerts == []
    _leave(bus, 4.0, 4, False)  # 4 of 5 scrapped: over 20%
    assert [a.time for a in agent.alerts] == [4.0]
    assert agent.alerts[0].machine is None and agent.alerts[0].rule == "scrap_share_over"
    message = agent.alerts[0].message
    assert message == "scrap share 80% of 5 parts in the last 60 min is over 20%"
    _leave(bus, 5.0, 5, True)  # still over: no second alert
    assert len(agent.alerts) == 1


def test_scrap_share_rule_forgets_parts_older_than_the_window():
    rule = ScrapShareOver(0.2, window_min=60.0, min_parts=5)
    bus, agent, _ = _agent([rule])
    for k in range(5):
        _leave(bus, float(k), k, True)  # fires at t=4
    # 100 min later the scrapped parts are out of the window: ten good parts re-arm it
    for k in range(10):
        _leave(bus, 100.0 + k, 10 + k, False)
    assert len(agent.alerts) == 1
    # then a run of scrap: 1 of 11, 2 of 12 (17%) are not over; 3 of 13 (23%) fires again
    for k in range(4):
        _leave(bus, 120.0 + k, 30 + k, True)
    assert [a.time for a in agent.alerts] == [4.0, 122.0]


def test_scrap_share_rearms_only_under_half_the_limit():
    rule = ScrapShareOver(0.2, window_min=1000.0, min_parts=5)
    bus, agent, _ = _agent([rule])
    flags = [True] * 2 + [False] * 3  # part 4: 2 of 5 = 40%, fires
    flags += [False] * 5  # part 9: 2 of 10 = 20%, no longer over but not under 10%
    flags += [True]  # part 10: 3 of 11 = 27%, over again but not re-armed
    flags += [False] * 19  # part 29: 3 of 30 = 10%, re-armed
    flags += [True] * 6  # parts 30-32: 13% to 18%; part 33: 7 of 34 = 21%, fires
    for k, flag in enumerate(flags):
        _leave(bus, float(k), k, flag)
    assert [a.time for a in agent.alerts] == [4.0, 33.0]


def test_notify_hook_gets_every_alert(ids):
    got: list[ev.AlertRaised] = []
    bus, agent, _ = _agent([HealthBelow(0.6)], notify=got.append, ids=ids)
    _health(bus, "a-1", 0.5, 1.0)
    _health(bus, "a-2", 0.5, 2.0)
    assert got == agent.alerts and len(got) == 2
    assert all(isinstance(a, ev.AlertRaised) for a in got)


def test_notifier_that_raises_is_dead_lettered_and_the_loop_goes_on(ids):
    calls = []

    def broken(alert):
        calls.append(alert)
        raise ConnectionError("chat hook unreachable")

    bus, agent, state = _agent([HealthBelow(0.6)], notify=broken, ids=ids)
    log = EventLog(":memory:", ids).attach(bus)
    _health(bus, "a-1", 0.5, 1.0)
    _health(bus, "a-2", 0.5, 2.0)
    _health(bus, "a-1", 0.9, 3.0)  # later events are still processed
    log.flush()
    assert len(agent.alerts) == 2 and len(state.alerts) == 2
    assert len(calls) == 4  # each alert: the call and one retry
    assert [(d.handler, d.error_type, d.attempts) for d in bus.dead_letters] == [
        ("notifier", "ConnectionError", 2),
        ("notifier", "ConnectionError", 2),
    ]
    assert bus.dead_letters[0].event == agent.alerts[0]
    rows = log.con.execute(
        "SELECT handler, error_type, error, attempts, event FROM twin_dead_letters ORDER BY seq"
    ).fetchall()
    letter = ("notifier", "ConnectionError", "chat hook unreachable", 2)
    assert [r[:4] for r in rows] == [letter, letter]
    assert json.loads(rows[1][4])["machine"] == "a-2"
    assert state.machines["a-1"].health_mean == 0.9


def test_default_rules_follow_the_thresholds():
    warn, critical, scrap = default_rules({"weld-1": 0.7, "saw-1": 0.5})
    assert warn == HealthBelow(pytest.approx(0.8))
    assert critical == HealthBelow(pytest.approx(0.5), "critical", "health_critical")
    assert scrap == ScrapShareOver(0.15, window_min=120.0, min_parts=20)
    assert default_rules({})[0].level == pytest.approx(0.6)
    assert default_rules({"m": 0.9})[0].level == 0.95  # never above 0.95
    assert default_rules({"m": 0.0})[1].level == 0.05  # never below 0.05


def test_agent_subscribes_only_what_its_rules_need():
    bus, seen = EventBus(), []
    AlertAgent(bus, [ScrapShareOver(0.1, min_parts=1)], notify=seen.append)
    _health(bus, "a-1", 0.0, 1.0)  # no health rule: nobody listens
    assert seen == []
