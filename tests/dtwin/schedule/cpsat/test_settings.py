"""SolverSettings: explicit search settings instead of module globals switched from outside."""

from __future__ import annotations

import pytest

from dtwin.errors import ScheduleError
from dtwin.schedule import Phase, SolverSettings, check, solve, solve_textbook
from dtwin.schedule.cpsat import settings as settings_module


def test_default_phases_depend_on_instance_size():
    settings = SolverSettings()
    assert settings.phases_for(settings.small_operations) == settings_module.SMALL_PHASES
    assert settings.phases_for(settings.small_operations + 1) == settings_module.PHASES


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Phase(0.0), id="share-zero"),
        pytest.param(lambda: Phase(1.5), id="share-above-one"),
        pytest.param(lambda: Phase(float("nan")), id="share-nan"),
        pytest.param(lambda: SolverSettings(phases=()), id="no-phases"),
        pytest.param(lambda: SolverSettings(small_phases=((0.5, {}),)), id="tuple-not-phase"),
    ],
)
def test_bad_settings_are_refused(make):
    with pytest.raises(ScheduleError):
        make()


def test_cpu_time_and_custom_phases_change_no_module_global(ft06):
    before = (settings_module.PHASES, settings_module.SMALL_PHASES)
    one = (Phase(1.0, {"use_lns_only": True}, hint=False),)
    sched = solve(ft06, time_limit=2.0, settings=SolverSettings(one, one, cpu_time=True))
    check(ft06, sched)
    check(ft06, solve_textbook(ft06, time_limit=2.0, cpu_time=True))
    assert before == (settings_module.PHASES, settings_module.SMALL_PHASES)
