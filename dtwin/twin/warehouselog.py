"""The warehouse's silver tables as an MES event log (``dtwin twin log-from-warehouse``).

A warehouse knows its plant by **lots**, not single parts: a production batch is a run of
units of one product on one machine, its QC check says how many were defective, and the
operator logs say when a machine broke down, was repaired or serviced. This module writes
that history in the MES event-log format the twin reads (``dtwin.event_schema``):

- each batch is one lot (``part`` = the batch id, ``product``, ``station`` = the machine's type
  in the catalogue, ``machine`` = its id): ``release`` and ``start`` at the batch start,
  ``exit`` at its end, or ``scrap`` when its QC check found every unit defective; the
  ``quantity`` and ``defective`` columns carry the units (columns beyond the schema, which
  readers may ignore). Lots are not traced from machine to machine — the warehouse has no
  lineage — so each lot's route is its one station, and a lot's process time is the batch's;
- ``breakdown`` -> ``failure``, ``repaired`` -> ``repaired`` (or, where a breakdown has no
  repair logged before the machine's next breakdown, at the minutes its detail names:
  "stopped for N min"), ``maintenance_start`` / ``maintenance_end`` as they are.

Times are minutes since midnight UTC of the first day in the warehouse (``origin``).
Rows the warehouse set aside (quarantined or implausible) never reach silver, so they are
not in the log either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dtwin.errors import DataError
from dtwin.event_schema import MES_LOG_COLUMNS

__all__ = ["WarehouseLog", "log_from_warehouse"]

_STOPPED = re.compile(r"stopped for\s+(\d+(?:\.\d+)?)\s*min")
_MACHINE_EVENTS = {
    "breakdown": "failure",
    "repaired": "repaired",
    "maintenance_start": "maintenance_start",
    "maintenance_end": "maintenance_end",
}
_REQUIRED = ("silver.production_batches", "silver.operator_logs", "silver.machine_catalog")


@dataclass(frozen=True)
class WarehouseLog:
    """The log, its time origin (UTC), and what went into it."""

    frame: pd.DataFrame
    origin: pd.Timestamp
    lots: int
    machine_events: int
    repairs_from_detail: int

    def summary(self) -> dict[str, Any]:
        return {
            "rows": len(self.frame),
            "lots": self.lots,
            "machine_events": self.machine_events,
            "repairs_from_detail": self.repairs_from_detail,
            "origin_utc": self.origin.isoformat(),
            "time_unit": "minutes since origin_utc",
        }


def log_from_warehouse(db: str | Path) -> WarehouseLog:
    """The MES event log of the warehouse at ``db`` (see the module's docstring)."""
    import duckdb

    path = Path(db)
    if not path.is_file():
        raise DataError(f"{path}: no such warehouse file")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise DataError(f"{path}: not a DuckDB warehouse ({exc})") from exc
    try:
        _check_tables(con, path)
        batches = _batches(con)
        logs = con.execute(
            "SELECT o.ts_utc, o.machine_id, c.machine_type AS station, o.event, o.detail "
            "FROM silver.operator_logs o JOIN silver.machine_catalog c USING (machine_id) "
            "WHERE o.event IN ('breakdown', 'repaired', 'maintenance_start', "
            "'maintenance_end') ORDER BY o.ts_utc, o.log_id"
        ).df()
    finally:
        con.close()
    if batches.empty:
        raise DataError(f"{path}: silver.production_batches is empty; ingest the raw data first")
    first = [batches["start_utc"].min(), *([logs["ts_utc"].min()] if len(logs) else [])]
    origin = pd.Timestamp(min(first)).normalize()
    machine_rows, synthetic = _machine_rows(logs, origin)
    frame = pd.concat([_lot_rows(batches, origin), machine_rows], ignore_index=True)
    frame = frame.sort_values(["time_min", "_order"], kind="stable").drop(columns="_order")
    return WarehouseLog(
        frame.reset_index(drop=True), origin, len(batches), len(machine_rows), synthetic
    )


def _check_tables(con: Any, path: Path) -> None:
    present = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }
    missing = [t for t in _REQUIRED if t not in present]
    if missing:
        raise DataError(
            f"{path}: missing table(s) {', '.join(missing)}; build the warehouse with "
            "`dtwin data ingest` first"
        )


def _batches(con: Any) -> pd.DataFrame:
    return con.execute(
        """
        SELECT b.batch_id, b.machine_id, c.machine_type AS station, b.product_id,
               b.start_utc, b.end_utc, b.units, q.defective_units
        FROM silver.production_batches b
        JOIN silver.machine_catalog c USING (machine_id)
        LEFT JOIN (SELECT batch_id, max(defective_units) AS defective_units
                   FROM silver.qc_checks GROUP BY batch_id) q USING (batch_id)
        WHERE b.product_id IS NOT NULL
        ORDER BY b.start_utc, b.batch_id
        """
    ).df()


def _minutes(ts: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    return ((pd.to_datetime(ts) - origin).dt.total_seconds() / 60.0).to_numpy(dtype=float)


def _lot_rows(b: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    begin, end = _minutes(b["start_utc"], origin), _minutes(b["end_utc"], origin)
    defective = b["defective_units"].fillna(0).astype(int).to_numpy()
    units = b["units"].astype(int).to_numpy()
    last = np.where((units > 0) & (defective >= units), "scrap", "exit")
    n = len(b)
    pieces = []
    for k, (event, t) in enumerate((("release", begin), ("start", begin), (None, end))):
        pieces.append(
            pd.DataFrame(
                {
                    "time_min": t,
                    "event": last if event is None else np.full(n, event),
                    "part": b["batch_id"].to_numpy(),
                    "product": b["product_id"].to_numpy(),
                    "station": b["station"].to_numpy(),
                    "machine": b["machine_id"].to_numpy() if event != "release" else None,
                    "quantity": units,
                    "defective": defective,
                    "_order": np.arange(n) * 3 + k,
                }
            )
        )
    columns = [*MES_LOG_COLUMNS, "quantity", "defective", "_order"]
    return pd.concat(pieces, ignore_index=True)[columns]


def _machine_rows(logs: pd.DataFrame, origin: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """Machine events; a breakdown without a logged repair gets one from its detail."""
    rows, synthetic = [], 0
    times = _minutes(logs["ts_utc"], origin) if len(logs) else np.array([])
    for machine, idx in logs.groupby("machine_id", sort=False).groups.items():
        mine = logs.loc[idx]
        t = times[logs.index.get_indexer(idx)]
        events = mine["event"].tolist()
        for i, (event, detail) in enumerate(zip(events, mine["detail"].tolist(), strict=True)):
            station = mine["station"].iloc[i]
            rows.append((t[i], _MACHINE_EVENTS[event], station, machine))
            if event != "breakdown":
                continue
            later = events[i + 1 :]
            nxt = next((e for e in later if e in ("repaired", "breakdown")), None)
            stopped = _STOPPED.search(str(detail or ""))
            if nxt != "repaired" and stopped:
                rows.append((t[i] + float(stopped.group(1)), "repaired", station, machine))
                synthetic += 1
    frame = pd.DataFrame(rows, columns=["time_min", "event", "station", "machine"])
    frame["part"] = None
    frame["product"] = None
    frame["quantity"] = None
    frame["defective"] = None
    frame["_order"] = np.arange(len(frame)) + 10**9
    return frame[[*MES_LOG_COLUMNS, "quantity", "defective", "_order"]], synthetic
