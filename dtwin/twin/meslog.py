"""Reading a plant's MES event log (CSV or Parquet) with strict validation.

The format is ``dtwin.event_schema.MES_LOG_SCHEMA`` (documented in ``data/README.md``). Every
field is read as text first and checked once here, so that a problem names the file, the CSV
line (the header is line 1) or Parquet row, the field and the value; all problems are counted
and the first few are shown in one :class:`~dtwin.errors.DataError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import DataError
from dtwin.event_schema import (
    MES_EVENTS,
    MES_LOG_COLUMNS,
    MES_LOG_SCHEMA,
    MES_LOG_SUFFIXES,
    MES_PART_EVENTS,
)

#: problems shown in one error message (all are counted)
MAX_SHOWN = 5

__all__ = ["MAX_SHOWN", "read_mes_log"]


def read_mes_log(path: str | Path) -> pd.DataFrame:
    """The MES event log at ``path`` as a typed DataFrame (``MES_LOG_SCHEMA``), in file order.

    Columns beyond the schema's are ignored. A part event whose ``product`` is empty takes
    the product from the part's other events.

    Raises
    ------
    DataError
        For a missing or unreadable file, missing columns, or bad rows: unknown events,
        times that are not finite minutes >= 0, a part's times going backwards, a part event
        without a part, an event without a station, a machine event without a machine, a
        machine seen at two stations.
    """
    path = Path(path)
    raw, unit, first = _read_text(path)
    missing = [c for c in MES_LOG_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; an MES event log has the "
            f"columns {', '.join(MES_LOG_COLUMNS)} (data/README.md)"
        )
    raw = raw[list(MES_LOG_COLUMNS)].apply(lambda col: col.str.strip())
    times = pd.to_numeric(raw["time_min"].mask(raw["time_min"] == ""), errors="coerce")
    problems = _row_problems(raw, times.to_numpy(dtype=float))
    if problems:
        raise DataError(_summary(path, problems, unit, first))
    return _typed(raw, times)


def _read_text(path: Path) -> tuple[pd.DataFrame, str, int]:
    """Every cell as stripped text ('' = empty); the location word and the first row's number."""
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "no such file"
        raise DataError(f"{path}: {what} (expected an MES event log, .csv or .parquet)")
    suffix = path.suffix.lower()
    if suffix not in MES_LOG_SUFFIXES:
        raise DataError(
            f"{path}: unknown file type {suffix or '(none)'!r}; an MES event log is "
            f"{' or '.join(MES_LOG_SUFFIXES)}"
        )
    try:
        if suffix == ".csv":
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",  # a spreadsheet's export starts with a BOM
            )
            return frame, "line", 2
        frame = pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        kind = "CSV" if suffix == ".csv" else "Parquet"
        raise DataError(
            f"{path}: not a readable {kind} file: {' '.join(str(exc).split())}"
        ) from exc
    frame.columns = [str(c) for c in frame.columns]
    return frame.apply(lambda col: col.astype("string").fillna("")), "row", 1


def _row_problems(raw: pd.DataFrame, times: np.ndarray) -> list[tuple[int, str]]:
    """``(row, message)`` for every bad field, in row order."""
    event = raw["event"]
    is_part = event.isin(MES_PART_EVENTS).to_numpy()
    known = event.isin(MES_EVENTS).to_numpy()
    empty = {name: (raw[name] == "").to_numpy() for name in ("part", "station", "machine")}
    problems: list[tuple[int, str]] = []
    for i in np.flatnonzero(~known):
        problems.append((i, f"event {event.iat[i]!r} is unknown"))
    bad_time = ~np.isfinite(times) | (times < 0)
    for i in np.flatnonzero(bad_time):
        shown = raw["time_min"].iat[i]
        problems.append((i, f"time_min {shown!r} is not a finite number of minutes >= 0"))
    for i in np.flatnonzero(is_part & empty["part"]):
        problems.append((i, f"part is empty for a {event.iat[i]!r} event (a part event)"))
    for i in np.flatnonzero(empty["station"]):
        problems.append((i, f"station is empty for a {event.iat[i]!r} event"))
    needs_machine = known & (event != "release").to_numpy() & empty["machine"]
    for i in np.flatnonzero(needs_machine):
        problems.append((i, f"machine is empty for a {event.iat[i]!r} event"))
    ok_part = is_part & ~empty["part"] & ~bad_time
    problems += _backwards(raw["part"], times, ok_part)
    problems += _two_stations(raw, ~empty["machine"] & ~empty["station"])
    return sorted(problems, key=lambda p: p[0])


def _backwards(part: pd.Series, times: np.ndarray, rows: np.ndarray) -> list[tuple[int, str]]:
    """Rows where a part's time is before that of its previous event (in file order)."""
    index = np.flatnonzero(rows)
    frame = pd.DataFrame({"part": part.to_numpy()[index], "time": times[index], "row": index})
    before = frame.groupby("part", sort=False)["time"].cummax().groupby(frame["part"]).shift()
    bad = frame[frame["time"] < before]
    return [
        (
            int(r.row),
            f"time_min {r.time:g} of part {r.part!r} is before an earlier event of it "
            f"(at {b:g}); a part's events must be in time order",
        )
        for r, b in zip(bad.itertuples(), before[bad.index], strict=True)
    ]


def _two_stations(raw: pd.DataFrame, rows: np.ndarray) -> list[tuple[int, str]]:
    """Rows that put a machine at another station than its first row did."""
    frame = raw.loc[rows, ["machine", "station"]]
    home = frame.groupby("machine", sort=False)["station"].transform("first")
    bad = frame[frame["station"] != home]
    return [
        (int(i), f"machine {m!r} at station {s!r} but at {h!r} before")
        for i, m, s, h in zip(
            bad.index, bad["machine"], bad["station"], home[bad.index], strict=True
        )
    ]


def _summary(path: Path, problems: list[tuple[int, str]], unit: str, first: int) -> str:
    shown = "; ".join(f"{unit} {row + first}: {text}" for row, text in problems[:MAX_SHOWN])
    count = len(problems)
    head = f"{count} problem{'s' if count > 1 else ''} in the MES event log"
    more = f" (the first {MAX_SHOWN} shown)" if count > MAX_SHOWN else ""
    hint = ""
    if any("is unknown" in text for _, text in problems[:MAX_SHOWN]):
        hint = f" (valid events: {', '.join(MES_EVENTS)})"
    return f"{path}: {head}{more}: {shown}{hint}"


def _typed(raw: pd.DataFrame, times: pd.Series) -> pd.DataFrame:
    """The checked text as the schema's dtypes; a part's empty products filled from its others."""
    frame = pd.DataFrame(
        {
            name: times.astype(dtype) if name == "time_min" else _text(raw[name], dtype)
            for name, (dtype, _) in MES_LOG_SCHEMA.items()
        }
    )
    part_rows = frame["part"].notna()
    if part_rows.any():
        known = frame.loc[part_rows].groupby("part")["product"].transform("first")
        frame.loc[part_rows, "product"] = frame.loc[part_rows, "product"].fillna(known)
    return frame.reset_index(drop=True)


def _text(column: pd.Series, dtype: str) -> pd.Series:
    return column.astype(dtype).mask(column == "")
