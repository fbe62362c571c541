"""Factory data warehouse: chaotic raw data with ground truth, DuckDB bronze/silver/gold.

Public names are imported lazily so ``import dtwin.warehouse`` stays light.

Raw data
    ``generate_raw`` (the hand-written smelter plant), ``GeneratedData``, ``ChaosRates``;
    ``RawWriter`` and ``daily_truth`` (what every generator writes through; the simulated
    factory of ``dtwin data generate --factory`` is ``dtwin.twin.plantdata``).
The plant's master data
    ``PlantCatalog``, ``load_catalog``, ``catalog_from_factory`` (from a factory YAML),
    ``default_catalog`` (``data/factories/smelter.yaml``), ``write_plant_copy``,
    ``canonical_machine_id``, ``canonical_product_id``.
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
Forecasts (``dtwin data forecast``)
    ``daily_series``, ``forecast_series``, ``forecast_metric``, ``backtest``,
    ``ForecastResult``, ``BacktestReport``.
Events
    ``load_event_log``.
The plant dashboard (read once, cut by day)
    ``load_plant_board``, ``PlantBoard``, ``machine_status``, ``degradation_flags``,
    ``flows_on``, ``quality_on``, ``PLANT_QUALITY_CHECKS``.
"""

from dtwin.lazy import lazy_front as _lazy_front

_EXPORTS: dict[str, str] = {
    "ChaosRates": "dtwin.warehouse.chaos",
    "RawWriter": "dtwin.warehouse.rawfiles",
    "daily_truth": "dtwin.warehouse.rawfiles",
    "PlantCatalog": "dtwin.warehouse.catalog",
    "canonical_machine_id": "dtwin.warehouse.catalog",
    "canonical_product_id": "dtwin.warehouse.catalog",
    "load_catalog": "dtwin.warehouse.plant",
    "catalog_from_factory": "dtwin.warehouse.plant",
    "default_catalog": "dtwin.warehouse.plant",
    "write_plant_copy": "dtwin.warehouse.plant",
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
    "PlantBoard": "dtwin.warehouse.plantboard",
    "load_plant_board": "dtwin.warehouse.plantboard",
    "degradation_flags": "dtwin.warehouse.plantboard",
    "machine_status": "dtwin.warehouse.plantboard",
    "flows_on": "dtwin.warehouse.plantboard",
    "quality_on": "dtwin.warehouse.plantboard",
    "PLANT_QUALITY_CHECKS": "dtwin.warehouse.plantboard",
    "daily_series": "dtwin.warehouse.forecasting",
    "forecast_series": "dtwin.warehouse.forecasting",
    "forecast_metric": "dtwin.warehouse.forecasting",
    "backtest": "dtwin.warehouse.forecasting",
    "ForecastResult": "dtwin.warehouse.forecasting",
    "BacktestReport": "dtwin.warehouse.forecasting",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
