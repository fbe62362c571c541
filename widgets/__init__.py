"""Reusable ipywidgets components built on dtwin (3D floor, Gantt, KPI charts, defect viewer).

Imports are lazy so that ``import widgets`` stays cheap; ``from widgets import GanttChart`` loads
bqplot only then.
"""

from __future__ import annotations

from dtwin.lazy import lazy_getattr

_EXPORTS = {
    "GanttChart": "widgets.gantt",
    "KPIPanel": "widgets.kpi",
    "TimeSeriesChart": "widgets.kpi",
    "OEEChart": "widgets.kpi",
    "HealthChart": "widgets.kpi",
    "FactoryView3D": "widgets.factory3d",
    "DefectViewer": "widgets.defects",
    "MachineBarChart": "widgets.kpi",
    "MessageBox": "widgets.messages",
    "SetAsidePanel": "widgets.set_aside",
    "ForecastAlertsPanel": "widgets.forecast_alerts",
    "set_aside": "widgets.set_aside",
    "show_errors": "widgets.messages",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
