"""Tabular failure records: reading the CSV, the kind of every column, the 0/1 target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dtwin.errors import DataError

MAX_CATEGORIES = 20  # text columns with more distinct values are identifiers, not categories
NUMERIC_SHARE = 0.9  # a column whose cells are numbers this often is numeric; the rest are errors


def read_failure_table(path: str | Path) -> pd.DataFrame:
    """A CSV with a header row, every cell kept as text (types are decided per column later)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if not path.read_text(errors="replace").strip():
        raise DataError(f"{path}: the file is empty")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        reason = (str(exc).strip().splitlines() or ["unreadable"])[0]
        raise DataError(f"{path}: not a readable CSV table ({reason})") from None
    if frame.empty:
        raise DataError(f"{path}: the table holds a header but no rows")
    return frame


def target_values(frame: pd.DataFrame, target: str, source: str | Path) -> np.ndarray:
    """The target column as 0/1 integers; any other value is refused, naming it."""
    if target not in frame.columns:
        raise DataError(
            f"{source}: no target column {target!r} (columns: {', '.join(map(str, frame.columns))})"
        )
    text = frame[target].astype(str).str.strip()
    ok = text.isin(["0", "1", "0.0", "1.0", "True", "False", "true", "false"])
    if not ok.all():
        row = int(np.argmax(~ok.to_numpy()))
        raise DataError(
            f"{source}: row {row + 2}: target {target!r} is {frame[target].iloc[row]!r} "
            "(valid: 0 or 1)"
        )
    return text.isin(["1", "1.0", "True", "true"]).to_numpy(int)


def column_kinds(frame: pd.DataFrame, source: str | Path) -> dict[str, str]:
    """``numeric``, ``categorical`` or ``identifier`` for every column.

    Numeric: nearly every cell is a number (a stray text cell is then an error, named);
    identifier: a text column with more than 20 distinct values or an integer column counting
    the rows (1, 2, 3, ...); categorical: the other text columns (a quality letter).
    """
    kinds = {}
    for column in frame.columns:
        text = frame[column].astype(str).str.strip()
        numbers = pd.to_numeric(text.where(text.ne("")), errors="coerce")
        parsed = numbers.notna() | text.eq("")
        if parsed.mean() >= NUMERIC_SHARE:
            if not parsed.all():
                row = int(np.argmax(~parsed.to_numpy()))
                raise DataError(
                    f"{source}: row {row + 2}: column {column!r}: "
                    f"{frame[column].iloc[row]!r} is not a number"
                )
            kinds[column] = "identifier" if _counts_rows(numbers) else "numeric"
        elif text.nunique() > MAX_CATEGORIES:
            kinds[column] = "identifier"
        else:
            kinds[column] = "categorical"
    return kinds


def _counts_rows(numbers: pd.Series) -> bool:
    values = numbers.to_numpy(float)
    if len(values) < 3 or np.isnan(values).any():
        return False
    steps = np.diff(values)
    return bool(np.all(steps == 1.0))
