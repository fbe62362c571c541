"""Factory data warehouse: chaotic raw data with ground truth, DuckDB bronze/silver/gold.

Public names are imported lazily so ``import dtwin.warehouse`` stays light.
"""

from __future__ import annotations

from dtwin.lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "ChaosRates": "dtwin.warehouse.chaos",
    "generate_raw": "dtwin.warehouse.generate",
    "ingest": "dtwin.warehouse.loading",
    "IngestResult": "dtwin.warehouse.loading",
    "validate": "dtwin.warehouse.validation",
    "ValidationReport": "dtwin.warehouse.validation",
    "quality_report": "dtwin.warehouse.validation",
    "kpi_daily": "dtwin.warehouse.kpi",
    "build_demo_warehouse": "dtwin.warehouse.kpi",
    "demo_warehouse": "dtwin.warehouse.kpi",
    "kpi_trends": "dtwin.warehouse.kpi",
    "plot_kpi_trends": "dtwin.warehouse.kpi",
    "read_truth": "dtwin.warehouse.validation",
    "read_quarantine": "dtwin.warehouse.validation",
    "read_rejected": "dtwin.warehouse.validation",
    "rejected_counts": "dtwin.warehouse.validation",
    "load_event_log": "dtwin.warehouse.events",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
