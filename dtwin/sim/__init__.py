"""SimPy factory twin: config, engine, KPIs, scenarios and layout.

Names are imported lazily so that ``import dtwin.sim`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FactoryConfig": "dtwin.sim.config",
    "load_factory": "dtwin.sim.config",
    "parse_factory": "dtwin.sim.config",
    "with_overrides": "dtwin.sim.config",
    "Simulation": "dtwin.sim.engine",
    "simulate": "dtwin.sim.runner",
    "replicate": "dtwin.sim.runner",
    "summarize": "dtwin.sim.runner",
    "write_events": "dtwin.sim.runner",
    "Replications": "dtwin.sim.runner",
    "SimResult": "dtwin.sim.results",
    "Snapshot": "dtwin.sim.results",
    "MachineSnapshot": "dtwin.sim.results",
    "Layout": "dtwin.sim.results",
    "StationLayout": "dtwin.sim.results",
    "factory_layout": "dtwin.sim.layout",
    "run_scenarios": "dtwin.sim.scenarios",
    "summarize_scenarios": "dtwin.sim.scenarios",
    "bottleneck": "dtwin.sim.scenarios",
    "default_scenarios": "dtwin.sim.scenarios",
    "station_loads": "dtwin.sim.analysis",
    "factory_from_schedule": "dtwin.sim.jobs",
    "DEMO_FACTORY": "dtwin.sim.paths",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dtwin.sim' has no attribute {name!r}")
