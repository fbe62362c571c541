"""Factory data warehouse: chaotic raw data with ground truth, DuckDB bronze/silver/gold.

Public names are imported lazily so ``import dtwin.warehouse`` stays light.

Raw data
    ``generate_raw``, ``GeneratedData``, ``ChaosRates``.
Loading
    ``ingest`` (``fresh=True`` starts from an empty warehouse), ``IngestResult``,
    ``remove_database``.
Checking against the truth
    ``check_against_truth`` (what ``dtwin data validate`` runs), ``ValidationReport``,
    ``quality_report``, ``read_truth``, ``read_quarantine``, ``read_rejected``,
    ``rejected_counts``.
KPIs
    ``kpi_daily``, ``filter_kpis``, ``kpi_totals``, ``mean_oee``, ``kpi_by_day``,
    ``kpi_by_machine``, ``kpi_trends``, ``plot_kpi_trends``, ``build_demo_warehouse``,
    ``demo_warehouse``.
Events
    ``load_event_log``.
"""

from dtwin.lazy import lazy_front as _lazy_front

_EXPORTS: dict[str, str] = {
    "ChaosRates": "dtwin.warehouse.chaos",
    "generate_raw": "dtwin.warehouse.generate",
    "GeneratedData": "dtwin.warehouse.generate",
    "ingest": "dtwin.warehouse.loading",
    "IngestResult": "dtwin.warehouse.loading",
    "remove_database": "dtwin.warehouse.loading",
    "check_against_truth": "dtwin.warehouse.validation",
    "ValidationReport": "dtwin.warehouse.validation",
    "quality_report": "dtwin.warehouse.validation",
    "read_truth": "dtwin.warehouse.validation",
    "read_quarantine": "dtwin.warehouse.validation",
    "read_rejected": "dtwin.warehouse.validation",
    "rejected_counts": "dtwin.warehouse.validation",
    "kpi_daily": "dtwin.warehouse.kpis",
    "filter_kpis": "dtwin.warehouse.kpis",
    "kpi_totals": "dtwin.warehouse.kpis",
    "mean_oee": "dtwin.warehouse.kpis",
    "kpi_by_day": "dtwin.warehouse.kpis",
    "kpi_by_machine": "dtwin.warehouse.kpis",
    "kpi_trends": "dtwin.warehouse.kpis",
    "plot_kpi_trends": "dtwin.warehouse.kpis",
    "build_demo_warehouse": "dtwin.warehouse.kpis",
    "demo_warehouse": "dtwin.warehouse.kpis",
    "load_event_log": "dtwin.warehouse.events",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
