"""Load simulation event logs (from dtwin.sim) into the warehouse next to the plant data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dtwin.errors import DataError
from dtwin.event_schema import SIM_EVENT_COLUMNS as EVENT_COLUMNS
from dtwin.event_schema import missing_sim_event_columns


def load_event_log(db_path: str | Path, events_df: pd.DataFrame, run_id: str | None = None) -> str:
    """Append a dtwin.sim event log (time, entity, station, machine, event) to the warehouse.

    The columns and units are those of ``dtwin.event_schema`` (time in simulated minutes).
    Rows go to ``gold.fact_sim_event``; returns the run id they were stored under (a new one
    unless given). The view ``gold.sim_station_events`` counts events per run, station and kind.
    """
    from dtwin.warehouse.gold import create_gold
    from dtwin.warehouse.loading import connect

    frame = _typed_events(events_df)
    run_id = run_id or uuid.uuid4().hex[:12]
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        create_gold(con)
        con.register("_sim_events", frame)
        con.execute(
            "INSERT INTO gold.fact_sim_event SELECT ?, time_min, entity, station, "
            "CAST(machine AS INTEGER), event, ? FROM _sim_events",
            [run_id, datetime.now(UTC).replace(tzinfo=None)],
        )
        con.execute(
            "CREATE OR REPLACE VIEW gold.sim_station_events AS "
            "SELECT run_id, station, event, count(*) AS events, min(time_min) AS first_min, "
            "max(time_min) AS last_min FROM gold.fact_sim_event GROUP BY ALL ORDER BY ALL"
        )
        con.execute("COMMIT")
        con.unregister("_sim_events")
    finally:
        con.close()
    return run_id


def _typed_events(events_df: pd.DataFrame) -> pd.DataFrame:
    """The schema's columns of ``events_df``, checked and typed for ``gold.fact_sim_event``."""
    if not isinstance(events_df, pd.DataFrame):
        raise DataError(f"events_df: expected a pandas DataFrame, got {type(events_df).__name__}")
    missing = missing_sim_event_columns(events_df.columns)
    if missing:
        raise DataError(
            f"events_df: missing column(s) {', '.join(missing)}; an event log needs "
            f"{', '.join(EVENT_COLUMNS)}"
        )
    frame = events_df.loc[:, list(EVENT_COLUMNS)].copy()
    times = pd.to_numeric(frame["time"], errors="coerce")
    bad = times.isna() & frame["time"].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(f"events_df row {row}: time {frame['time'].iloc[row]!r} is not a number")
    machines = pd.to_numeric(frame["machine"], errors="coerce")
    bad = machines.isna() & frame["machine"].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"events_df row {row}: machine {frame['machine'].iloc[row]!r} is not a machine "
            "number (0, 1, ...) or empty"
        )
    frame = pd.DataFrame(
        {
            "time_min": times.astype(float),
            "entity": frame["entity"].astype("string"),
            "station": frame["station"].astype("string"),
            "machine": machines.astype("Int64"),
            "event": frame["event"].astype("string"),
        }
    )
    return frame
