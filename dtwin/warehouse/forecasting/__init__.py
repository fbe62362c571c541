"""Statistical forecasts of gold's daily KPIs, with conformal intervals and backtests.

Series
    ``daily_series`` (output, good_output, defect_rate or energy_kwh per machine or
    plant-wide, read from gold), ``machine_ids``, ``METRICS``.
Forecasts
    ``forecast_series`` (the backtest's best model, conformal intervals per horizon),
    ``forecast_metric`` (both in one call), ``ForecastResult``.
Backtests
    ``backtest`` (rolling origin: MASE against seasonal naive, MAE, coverage, width),
    ``BacktestReport``, ``MODELS`` (the candidates).
"""

from dtwin.lazy import lazy_front as _lazy_front

_EXPORTS: dict[str, str] = {
    "daily_series": "dtwin.warehouse.forecasting.series",
    "machine_ids": "dtwin.warehouse.forecasting.series",
    "METRICS": "dtwin.warehouse.forecasting.series",
    "forecast_series": "dtwin.warehouse.forecasting.forecast",
    "forecast_metric": "dtwin.warehouse.forecasting.forecast",
    "ForecastResult": "dtwin.warehouse.forecasting.forecast",
    "backtest": "dtwin.warehouse.forecasting.rolling",
    "BacktestReport": "dtwin.warehouse.forecasting.rolling",
    "MODELS": "dtwin.warehouse.forecasting.models",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = _lazy_front(__name__, _EXPORTS)
