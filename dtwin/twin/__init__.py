"""The digital twin: machine ids, typed events, the factory state, the event bus and its log.

The twin is the only part that joins several engines; it imports them through their fronts
only. Names are imported lazily so that ``import dtwin.twin`` stays light (DuckDB and SimPy
load on first use); ``dir(dtwin.twin)`` and ``help`` list them all.

Machine ids
    MachineIds, machine_ids, default_id, UnknownMachineError
Events
    TwinEvent, EVENT_TYPES, SEVERITIES, from_payload, PartReleased, PartStarted, PartFinished,
    PartInspected, PartScrapped, PartExited, MachineStateChanged, MachineDown, MachineRepaired,
    HealthEstimateChanged, MaintenanceRequested, MaintenanceStarted, MaintenanceDone,
    ScheduleChanged, AlertRaised
State
    FactoryState, MachineRecord, PartRecord
Bus
    EventBus, DeadLetter, BusOverflow
Event log
    EventLog, replay, read_events, connect
The plant and its camera
    PlantAdapter, ImagePool, Camera, Photo, shared_pool, pool_cache_dir
Agents
    InspectionAgent, HealthAgent, MaintenanceAgent, PlanningAgent, AlertAgent, HealthBelow,
    ScrapShareOver, default_rules, error_rates, wear_models, health_thresholds, WearModel,
    flagged_share, health_from_flagged
A plant's warehouse data by simulating it (``dtwin data generate --factory``)
    generate_plant_data
Alerts on forecasts
    OutputBelowTarget, DueDateAtRisk, DriftOver, forecast_alerts, ForecastAlertRow,
    forecast_alert_rows, plant_forecast_rules, log_forecast_alerts
From an MES event log
    read_mes_log, discover, Discovery, calibrate, Calibration, write_factory, fit_distribution
Synchronisation, forecasts and validation (``dtwin twin forecast`` / ``validate``)
    state_at, lead_times, forecast_from_log, forecast_state, naive_exits, validate_twin,
    window_metrics, twin_log
Maintenance policies (``dtwin twin run --maintenance-policy``), chosen on a training seed
    MaintenanceSettings, ChoiceSettings, training_seed, training_histories, train_rul_model,
    choose_parameter, policy_costs, with_value, settle
The loop
    TwinLoop, AgentSettings, LOOPS, twin_summary, open_model, run_twin, KPI_NAMES, run_kpis,
    summarize_kpis
Feed rows (for apps)
    format_time, FeedRow, feed_row, is_routine, ROUTINE_KINDS, EventFeed, HealthRow,
    worn_machines, health_rows, FloorMachine, FloorSnapshot, floor_snapshot, PlanRow, plan_rows,
    plan_gantt, KPI_LABELS, format_kpi, KpiRow, kpi_comparison, RulRow, rul_rows
"""

from __future__ import annotations

from dtwin.lazy import lazy_front

_EXPORTS = {
    "MachineIds": "dtwin.twin.ids",
    "machine_ids": "dtwin.twin.ids",
    "default_id": "dtwin.twin.ids",
    "UnknownMachineError": "dtwin.twin.ids",
    "TwinEvent": "dtwin.twin.events",
    "EVENT_TYPES": "dtwin.twin.events",
    "SEVERITIES": "dtwin.twin.events",
    "from_payload": "dtwin.twin.events",
    "PartReleased": "dtwin.twin.events",
    "PartStarted": "dtwin.twin.events",
    "PartFinished": "dtwin.twin.events",
    "PartInspected": "dtwin.twin.events",
    "PartScrapped": "dtwin.twin.events",
    "PartExited": "dtwin.twin.events",
    "MachineStateChanged": "dtwin.twin.events",
    "MachineDown": "dtwin.twin.events",
    "MachineRepaired": "dtwin.twin.events",
    "HealthEstimateChanged": "dtwin.twin.events",
    "MaintenanceRequested": "dtwin.twin.events",
    "MaintenanceStarted": "dtwin.twin.events",
    "MaintenanceDone": "dtwin.twin.events",
    "ScheduleChanged": "dtwin.twin.events",
    "AlertRaised": "dtwin.twin.events",
    "FactoryState": "dtwin.twin.state",
    "MachineRecord": "dtwin.twin.state",
    "PartRecord": "dtwin.twin.state",
    "EventBus": "dtwin.twin.bus",
    "DeadLetter": "dtwin.twin.bus",
    "BusOverflow": "dtwin.twin.bus",
    "EventLog": "dtwin.twin.log",
    "replay": "dtwin.twin.log",
    "read_events": "dtwin.twin.log",
    "connect": "dtwin.twin.log",
    "PlantAdapter": "dtwin.twin.plant",
    "ImagePool": "dtwin.twin.camera",
    "Camera": "dtwin.twin.camera",
    "Photo": "dtwin.twin.camera",
    "shared_pool": "dtwin.twin.camera",
    "pool_cache_dir": "dtwin.twin.camera",
    "read_mes_log": "dtwin.twin.meslog",
    "discover": "dtwin.twin.discovery",
    "Discovery": "dtwin.twin.discovery",
    "calibrate": "dtwin.twin.calibration",
    "Calibration": "dtwin.twin.calibration",
    "write_factory": "dtwin.twin.calibration",
    "fit_distribution": "dtwin.twin.fitting",
    "state_at": "dtwin.twin.sync",
    "lead_times": "dtwin.twin.sync",
    "forecast_from_log": "dtwin.twin.forecast",
    "forecast_state": "dtwin.twin.forecast",
    "naive_exits": "dtwin.twin.forecast",
    "validate_twin": "dtwin.twin.validate",
    "window_metrics": "dtwin.twin.validate",
    "twin_log": "dtwin.twin.validate",
    "InspectionAgent": "dtwin.twin.agents",
    "HealthAgent": "dtwin.twin.agents",
    "MaintenanceAgent": "dtwin.twin.agents",
    "PlanningAgent": "dtwin.twin.agents",
    "AlertAgent": "dtwin.twin.agents",
    "HealthBelow": "dtwin.twin.agents",
    "ScrapShareOver": "dtwin.twin.agents",
    "OutputBelowTarget": "dtwin.twin.agents",
    "DueDateAtRisk": "dtwin.twin.agents",
    "DriftOver": "dtwin.twin.agents",
    "forecast_alerts": "dtwin.twin.agents",
    "ForecastAlertRow": "dtwin.twin.forecast_rows",
    "forecast_alert_rows": "dtwin.twin.forecast_rows",
    "plant_forecast_rules": "dtwin.twin.forecast_rows",
    "log_forecast_alerts": "dtwin.twin.forecast_rows",
    "generate_plant_data": "dtwin.twin.plantdata",
    "default_rules": "dtwin.twin.agents",
    "error_rates": "dtwin.twin.agents",
    "wear_models": "dtwin.twin.agents",
    "WearModel": "dtwin.twin.agents",
    "flagged_share": "dtwin.twin.agents",
    "health_from_flagged": "dtwin.twin.agents",
    "health_thresholds": "dtwin.twin.agents",
    "MaintenanceSettings": "dtwin.twin.rul_policy",
    "ChoiceSettings": "dtwin.twin.policy_choice",
    "training_seed": "dtwin.twin.policy_choice",
    "training_histories": "dtwin.twin.policy_choice",
    "train_rul_model": "dtwin.twin.policy_choice",
    "choose_parameter": "dtwin.twin.policy_choice",
    "policy_costs": "dtwin.twin.policy_choice",
    "with_value": "dtwin.twin.policy_choice",
    "settle": "dtwin.twin.policy_choice",
    "TwinLoop": "dtwin.twin.loop",
    "AgentSettings": "dtwin.twin.loop",
    "LOOPS": "dtwin.twin.loop",
    "twin_summary": "dtwin.twin.loop",
    "open_model": "dtwin.twin.loop",
    "run_twin": "dtwin.twin.runner",
    "KPI_NAMES": "dtwin.twin.kpis",
    "run_kpis": "dtwin.twin.kpis",
    "summarize_kpis": "dtwin.twin.kpis",
    "format_time": "dtwin.twin.feed",
    "FeedRow": "dtwin.twin.feed",
    "feed_row": "dtwin.twin.feed",
    "is_routine": "dtwin.twin.feed",
    "ROUTINE_KINDS": "dtwin.twin.feed",
    "EventFeed": "dtwin.twin.feed",
    "HealthRow": "dtwin.twin.feed",
    "worn_machines": "dtwin.twin.feed",
    "health_rows": "dtwin.twin.feed",
    "RulRow": "dtwin.twin.feed",
    "rul_rows": "dtwin.twin.feed",
    "FloorMachine": "dtwin.twin.feed",
    "FloorSnapshot": "dtwin.twin.feed",
    "floor_snapshot": "dtwin.twin.feed",
    "PlanRow": "dtwin.twin.feed",
    "plan_rows": "dtwin.twin.feed",
    "plan_gantt": "dtwin.twin.feed",
    "KPI_LABELS": "dtwin.twin.feed",
    "format_kpi": "dtwin.twin.feed",
    "KpiRow": "dtwin.twin.feed",
    "kpi_comparison": "dtwin.twin.feed",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)
