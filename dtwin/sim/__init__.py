"""SimPy factory twin: config, engine, KPIs, scenarios, playback and layout.

Names are imported lazily so that ``import dtwin.sim`` stays light (SimPy, pandas and
matplotlib load on first use); ``dir(dtwin.sim)`` and ``help`` list them all.

Config
    FactoryConfig, Limits, load_factory, parse_factory, to_factory, with_overrides, check_run,
    factory_from_schedule, DEMO_FACTORY
Engine
    Simulation (``run_until``, ``snapshot``, ``view``, ``subscribe``), MachineState,
    STATE_LABELS, SNAPSHOT_STATES, EventRecord, PlantView, StationView, MachineView
Commands and the camera's facts (the twin's interface to the plant)
    Simulation.request_maintenance, Simulation.subscribe_inspections,
    Simulation.subscribe_releases, MaintenanceRequest, InspectionFact, ReleaseFact,
    MAINTENANCE_MODES (``Simulation(..., maintenance="external")``)
Runs and results
    compute_kpis, machine_frame, LOSS_COLUMNS (the OEE losses), KPI_LABELS, kpi_label,
    simulate, replicate, summarize, Replications, SimResult,
    Snapshot, MachineSnapshot,
    write_events
The MES event log (``dtwin simulate --events-out``; format in ``data/README.md``)
    mes_log, mes_frame, write_mes_log, check_mes_path
A warm start from a plant's state (the twin's synchronised state; times of the plant's log)
    PlantState, MachineAt, OpenPart, check_state, simulation_from, WarmStart, remaining_time
Scenarios and analysis
    run_scenarios, summarize_scenarios, default_scenarios, machine_scenarios,
    scenario_factory, parse_overrides, bottleneck, active_shares, station_loads,
    unstable_stations, load_warning, check_load
Playback
    record_snapshots, series, health_series, state_shares
Layout and plots
    factory_layout, Layout, StationLayout, plot_state_shares, plot_scenarios, plot_lead_times
"""

from __future__ import annotations

from dtwin.lazy import lazy_front

_EXPORTS = {
    "FactoryConfig": "dtwin.sim.config",
    "Limits": "dtwin.sim.config",
    "load_factory": "dtwin.sim.config",
    "parse_factory": "dtwin.sim.config",
    "with_overrides": "dtwin.sim.config",
    "check_run": "dtwin.sim.config",
    "to_factory": "dtwin.sim.config",
    "compute_kpis": "dtwin.sim.kpis",
    "kpi_label": "dtwin.sim.kpis",
    "KPI_LABELS": "dtwin.sim.kpis",
    "LOSS_COLUMNS": "dtwin.sim.kpis",
    "machine_frame": "dtwin.sim.kpis",
    "factory_from_schedule": "dtwin.sim.jobs",
    "DEMO_FACTORY": "dtwin.paths",
    "Simulation": "dtwin.sim.engine",
    "EventRecord": "dtwin.sim.engine",
    "MaintenanceRequest": "dtwin.sim.commands",
    "InspectionFact": "dtwin.sim.commands",
    "ReleaseFact": "dtwin.sim.commands",
    "MAINTENANCE_MODES": "dtwin.sim.commands",
    "MachineState": "dtwin.sim.states",
    "STATE_LABELS": "dtwin.sim.states",
    "SNAPSHOT_STATES": "dtwin.sim.states",
    "PlantView": "dtwin.sim.view",
    "StationView": "dtwin.sim.view",
    "MachineView": "dtwin.sim.view",
    "simulate": "dtwin.sim.runner",
    "replicate": "dtwin.sim.runner",
    "summarize": "dtwin.sim.runner",
    "write_events": "dtwin.sim.runner",
    "mes_log": "dtwin.sim.meslog",
    "mes_frame": "dtwin.sim.meslog",
    "write_mes_log": "dtwin.sim.meslog",
    "check_mes_path": "dtwin.sim.meslog",
    "PlantState": "dtwin.sim.plantstate",
    "MachineAt": "dtwin.sim.plantstate",
    "OpenPart": "dtwin.sim.plantstate",
    "check_state": "dtwin.sim.plantstate",
    "simulation_from": "dtwin.sim.warmstart",
    "WarmStart": "dtwin.sim.warmstart",
    "remaining_time": "dtwin.sim.residual",
    "Replications": "dtwin.sim.runner",
    "SimResult": "dtwin.sim.results",
    "Snapshot": "dtwin.sim.results",
    "MachineSnapshot": "dtwin.sim.results",
    "Layout": "dtwin.sim.results",
    "StationLayout": "dtwin.sim.results",
    "run_scenarios": "dtwin.sim.scenarios",
    "summarize_scenarios": "dtwin.sim.scenarios",
    "default_scenarios": "dtwin.sim.scenarios",
    "machine_scenarios": "dtwin.sim.scenarios",
    "scenario_factory": "dtwin.sim.scenarios",
    "parse_overrides": "dtwin.sim.scenarios",
    "bottleneck": "dtwin.sim.scenarios",
    "active_shares": "dtwin.sim.scenarios",
    "station_loads": "dtwin.sim.analysis",
    "unstable_stations": "dtwin.sim.analysis",
    "load_warning": "dtwin.sim.analysis",
    "check_load": "dtwin.sim.analysis",
    "record_snapshots": "dtwin.sim.playback",
    "series": "dtwin.sim.playback",
    "health_series": "dtwin.sim.playback",
    "state_shares": "dtwin.sim.playback",
    "factory_layout": "dtwin.sim.layout",
    "plot_state_shares": "dtwin.sim.plots",
    "plot_scenarios": "dtwin.sim.plots",
    "plot_lead_times": "dtwin.sim.plots",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)
