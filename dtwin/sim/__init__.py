"""SimPy factory twin: config, engine, KPIs, scenarios and layout.

Names are imported lazily so that ``import dtwin.sim`` stays light.
"""

from __future__ import annotations

from dtwin.lazy import lazy_getattr

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
    "unstable_stations": "dtwin.sim.analysis",
    "load_warning": "dtwin.sim.analysis",
    "check_load": "dtwin.sim.analysis",
    "Limits": "dtwin.sim.config",
    "check_run": "dtwin.sim.config",
    "factory_from_schedule": "dtwin.sim.jobs",
    "DEMO_FACTORY": "dtwin.paths",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
