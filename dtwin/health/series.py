"""Run-to-failure sensor histories: the NASA C-MAPSS text format and a plain long table.

Every loader returns one *history frame*: columns ``unit`` (int), ``cycle`` (int, increasing
within a unit), optional operating settings (``setting_*``) and sensor columns (float), one row per
unit and cycle. Train files run to failure (a unit's last cycle is its failure); test files stop
early and a separate truth file gives each test unit's remaining useful life.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import DataError

CMAPSS_SETTINGS = [f"setting_{i}" for i in range(1, 4)]
CMAPSS_SENSORS = [f"s_{i}" for i in range(1, 22)]
CMAPSS_COLUMNS = ["unit", "cycle", *CMAPSS_SETTINGS, *CMAPSS_SENSORS]
TIME_COLUMNS = ("cycle", "time")
FORMATS = ("cmapss", "table")


def read_cmapss(path: str | Path) -> pd.DataFrame:
    """A C-MAPSS ``train_FD00x.txt``/``test_FD00x.txt`` file (26 space-separated columns)."""
    path = Path(path)
    lines = [(n, line.split()) for n, line in enumerate(_read_text(path).splitlines(), 1)]
    lines = [(n, tokens) for n, tokens in lines if tokens]
    if not lines:
        raise DataError(f"{path}: the file holds no rows (expected 26 numbers per line)")
    for n, tokens in lines:
        if len(tokens) != len(CMAPSS_COLUMNS):
            raise DataError(
                f"{path}: line {n} has {len(tokens)} columns, expected {len(CMAPSS_COLUMNS)} "
                "(unit, cycle, 3 settings, 21 sensors)"
            )
    raw = pd.DataFrame([tokens for _, tokens in lines], columns=CMAPSS_COLUMNS)
    raw.index = [n for n, _ in lines]
    return check_histories(_numeric(raw, path, "line"), path)


def write_cmapss(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a history frame with the 26 C-MAPSS columns in the C-MAPSS text layout."""
    path = Path(path)
    missing = [c for c in CMAPSS_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: cannot write C-MAPSS text, columns missing: {missing}")
    rows = frame[CMAPSS_COLUMNS]
    text = "\n".join(
        " ".join([str(int(r[0])), str(int(r[1])), *(f"{v:.4f}" for v in r[2:])])
        for r in rows.itertuples(index=False, name=None)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    return path


def read_rul_truth(path: str | Path) -> np.ndarray:
    """A C-MAPSS ``RUL_FD00x.txt`` file: one true RUL (cycles) per test unit, in unit order."""
    path = Path(path)
    values = []
    for n, line in enumerate(_read_text(path).splitlines(), 1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 1:
            raise DataError(f"{path}: line {n} has {len(tokens)} values, expected one RUL")
        try:
            value = float(tokens[0])
        except ValueError:
            raise DataError(f"{path}: line {n}: {tokens[0]!r} is not a number") from None
        if not np.isfinite(value) or value < 0:
            raise DataError(f"{path}: line {n}: RUL {tokens[0]!r} must be a number >= 0")
        values.append(value)
    if not values:
        raise DataError(f"{path}: the file holds no RUL values")
    return np.asarray(values)


def read_table(path: str | Path) -> pd.DataFrame:
    """A long table (CSV or Parquet): ``unit``, ``cycle`` or ``time``, then sensor columns.

    Columns named ``setting*`` are operating settings; every other column is a sensor.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        try:
            raw = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
    else:
        _read_text(path)  # the same message for a missing or empty file as the text formats
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise DataError(f"{path}: not a readable CSV table ({one_reason(exc)})") from None
    if raw.empty:
        raise DataError(f"{path}: the table holds no rows")
    time = next((c for c in TIME_COLUMNS if c in raw.columns), None)
    if "unit" not in raw.columns or time is None:
        raise DataError(
            f"{path}: columns {list(raw.columns)[:6]} lack 'unit' and 'cycle' (or 'time')"
        )
    raw = raw.rename(columns={time: "cycle"})
    if len(raw.columns) < 3:
        raise DataError(f"{path}: no sensor columns beside 'unit' and '{time}'")
    raw.index = np.arange(len(raw)) + 2  # the CSV line of each row (line 1 is the header)
    return check_histories(_numeric(raw, path, "row"), path)


def read_histories(path: str | Path, fmt: str = "cmapss") -> pd.DataFrame:
    """Read ``path`` as ``fmt`` (``cmapss`` or ``table``)."""
    if fmt == "cmapss":
        return read_cmapss(path)
    if fmt == "table":
        return read_table(path)
    raise DataError(f"{path}: unknown format {fmt!r} (valid: {', '.join(FORMATS)})")


def check_histories(frame: pd.DataFrame, source: str | Path) -> pd.DataFrame:
    """``frame`` with integer unit/cycle, sorted, every cycle strictly increasing per unit."""
    for column in ("unit", "cycle"):
        values = frame[column].to_numpy(float)
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            where = frame.index[np.argmax(bad)]
            raise DataError(f"{source}: row {where}: {column} {values[bad][0]:g} is not an integer")
    frame = frame.astype({"unit": int, "cycle": int})
    sensors = [c for c in frame.columns if c not in ("unit", "cycle")]
    finite = np.isfinite(frame[sensors].to_numpy(float))
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise DataError(f"{source}: row {frame.index[row]}: column {sensors[col]} is not finite")
    frame = frame.sort_values(["unit", "cycle"], kind="stable").reset_index(drop=True)
    repeated = frame.duplicated(["unit", "cycle"])
    if repeated.any():
        row = frame[repeated].iloc[0]
        unit, cycle = int(row["unit"]), int(row["cycle"])
        raise DataError(f"{source}: unit {unit} has cycle {cycle} twice")
    return frame


def sensor_columns(frame: pd.DataFrame) -> list[str]:
    """The sensor columns of a history frame (neither unit, cycle nor a setting)."""
    return [c for c in frame.columns if c not in ("unit", "cycle") and not is_setting(c)]


def setting_columns(frame: pd.DataFrame) -> list[str]:
    """The operating-setting columns of a history frame."""
    return [c for c in frame.columns if is_setting(c)]


def is_setting(column: str) -> bool:
    """Columns named ``setting...`` hold operating settings, not sensor readings."""
    return str(column).lower().startswith("setting")


def one_reason(exc: BaseException) -> str:
    """The first line of an exception's message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    text = path.read_text(errors="replace")
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    return text


def _numeric(raw: pd.DataFrame, path: Path, where: str) -> pd.DataFrame:
    """Every cell of ``raw`` as a float; the first cell that is not a number is named."""
    out = {}
    for column in raw.columns:
        values = raw[column]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() & values.notna()
        if values.dtype == object:
            bad |= values.astype(str).str.strip().eq("")
        if bad.any():
            index = bad.idxmax()
            raise DataError(
                f"{path}: {where} {index}: column {column}: {values[index]!r} is not a number"
            )
        out[column] = numbers.astype(float)
    return pd.DataFrame(out, index=raw.index)
