"""The twin's agents: small handlers on the event bus, one role each.

InspectionAgent (the defect model's verdict on each photographed part), HealthAgent (a health
estimate per machine from those verdicts), MaintenanceAgent (maintenance when the estimate
crosses the station's threshold), PlanningAgent (a plan of the parts in the factory,
rescheduled on breakdowns and maintenance) and AlertAgent (rules that raise alerts, on events
and on forecasts).
"""

from __future__ import annotations

from dtwin.twin.agents.alerts import AlertAgent, HealthBelow, ScrapShareOver, default_rules
from dtwin.twin.agents.forecast_alerts import (
    DriftOver,
    DueDateAtRisk,
    OutputBelowTarget,
    forecast_alerts,
)
from dtwin.twin.agents.health import (
    HealthAgent,
    WearModel,
    flagged_share,
    health_from_flagged,
    wear_models,
)
from dtwin.twin.agents.inspection import InspectionAgent, check_model, error_rates, flagged
from dtwin.twin.agents.maintenance import Decision, MaintenanceAgent, health_thresholds
from dtwin.twin.agents.planning import Plan, PlanningAgent

__all__ = [
    "AlertAgent",
    "Decision",
    "DriftOver",
    "DueDateAtRisk",
    "HealthAgent",
    "HealthBelow",
    "InspectionAgent",
    "MaintenanceAgent",
    "OutputBelowTarget",
    "Plan",
    "PlanningAgent",
    "ScrapShareOver",
    "WearModel",
    "check_model",
    "default_rules",
    "error_rates",
    "flagged",
    "forecast_alerts",
    "flagged_share",
    "health_from_flagged",
    "health_thresholds",
    "wear_models",
]
