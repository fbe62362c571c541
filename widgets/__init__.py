"""Reusable ipywidgets components built on dtwin (3D floor, Gantt, KPI charts, defect viewer).

Imports are lazy so that ``import widgets`` stays cheap; ``from widgets import GanttChart`` loads
bqplot only then.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "GanttChart": "widgets.gantt",
    "KPIPanel": "widgets.kpi",
    "TimeSeriesChart": "widgets.kpi",
    "OEEChart": "widgets.kpi",
    "HealthChart": "widgets.kpi",
    "FactoryView3D": "widgets.factory3d",
    "DefectViewer": "widgets.defects",
    "MessageBox": "widgets.messages",
    "show_errors": "widgets.messages",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'widgets' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
