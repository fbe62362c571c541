"""Staging: a batch of raw files as one Arrow table of numbered source rows, read in place.

Every file is split into numbered lines by the raw reader (:mod:`dtwin.warehouse.rawlines`:
any line ending, UTF-8 decoded per line). A line that is not text keeps its original bytes in
``raw_hex`` and its reason in ``problem``; a whole-file problem (an unknown file name, a wrong
CSV header) is the problem of every row of the file, so nothing delivered goes uncounted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dtwin.warehouse.rawfiles import CSV_COLUMNS
from dtwin.warehouse.rawlines import clean_lines, split_lines
from dtwin.warehouse.sourcefiles import KIND_OF_FILE, SourceFile

if TYPE_CHECKING:
    import pyarrow as pa
    from duckdb import DuckDBPyConnection


def stage_rows(con: DuckDBPyConnection, files: list[SourceFile]) -> None:
    """Read the files into ``_stage_rows``: one row per source row, with any problem found.

    It is an Arrow table registered with the connection, read in place (copying millions of
    lines into a temp table first costs more than every scan of it); the bronze loader
    unregisters it.
    """
    import pyarrow as pa

    batches = [file_rows(item) for item in files]
    con.register("_stage_rows", pa.Table.from_batches(batches, schema=_stage_schema()))


def _stage_schema() -> pa.Schema:
    """The columns of the staged rows (pyarrow is imported when a load needs it)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [("source_file", text), ("kind", text), ("file_date", pa.date32()),
         ("line", pa.int32()), ("raw", text), ("raw_hex", text), ("problem", text)]
    )  # fmt: skip


@dataclass(frozen=True)
class _Lines:
    """A file's lines: numbers and text; the bytes in hex and the problem of a line that is not
    clean text (None for a file that is clean throughout)."""

    numbers: list[int] | None  # None: 1, 2, 3, ... (a clean file)
    texts: list[str]
    hexes: list[str | None] | None = None
    problems: list[str | None] | None = None


def _read(item: SourceFile) -> _Lines:
    """The file's lines: one decode and split for a clean UTF-8 file, else line by line."""
    data = item.path.read_bytes()
    texts = clean_lines(data)
    if texts is not None:
        return _Lines(None, texts)
    lines = split_lines(data)
    return _Lines(
        [ln.line for ln in lines],
        [ln.text for ln in lines],
        [ln.raw_hex for ln in lines],
        [ln.problem for ln in lines],
    )


def file_rows(item: SourceFile) -> pa.RecordBatch:
    """The source rows of one file: every non-blank line except a correct CSV header and the
    brackets of a JSON array, as a batch of (source_file, kind, file_date, line, raw, raw_hex,
    problem).

    Whole-file problems (an unknown file name, a wrong CSV header) are the problem of every
    row of the file, the header line included, so the rows stay counted and visible.
    """
    import pyarrow as pa

    read = _read(item)
    if item.kind == "sensor_logs" and read.problems is None:
        return _clean_sensor_rows(item, read.texts)
    texts = read.texts
    if item.kind == "sensor_logs":
        keep = [i for i, t in enumerate(texts) if (s := t.strip()) and s != "[" and s != "]"]
    else:
        keep = [i for i, t in enumerate(texts) if t.strip()]
    file_problem = None
    header = ",".join(CSV_COLUMNS.get(item.kind, ()))
    if item.kind == "unknown":
        file_problem = f"unknown file name; expected one of: {', '.join(sorted(KIND_OF_FILE))}"
    elif header and keep:
        first = keep[0]
        line_ok = read.problems is None or read.problems[first] is None
        if line_ok and texts[first].strip() == header:
            keep = keep[1:]
        else:
            file_problem = _header_problem(texts[first], header)
    numbers = [i + 1 for i in keep] if read.numbers is None else [read.numbers[i] for i in keep]
    if item.from_line:
        pairs = [(i, n) for i, n in zip(keep, numbers, strict=True) if n > item.from_line]
        keep, numbers = [i for i, _ in pairs], [n for _, n in pairs]
    kept = [texts[i] for i in keep]
    problems = _problems(read, keep, kept, file_problem, header, item.kind)
    hexes = None if read.hexes is None else [read.hexes[i] for i in keep]
    n = len(keep)
    text = pa.string()
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(pa.scalar(item.source_file, text), n),
            pa.repeat(pa.scalar(item.kind, text), n),
            pa.repeat(pa.scalar(item.file_date, pa.date32()), n),
            pa.array(numbers, pa.int32()),
            pa.array(kept, text),
            pa.nulls(n, text) if hexes is None else pa.array(hexes, text),
            pa.nulls(n, text) if problems is None else pa.array(problems, text),
        ],
        schema=_stage_schema(),
    )


def _clean_sensor_rows(item: SourceFile, texts: list[str]) -> pa.RecordBatch:
    """:func:`file_rows` of a sensor file that is clean text throughout, by columns.

    It has no header and no line problems, so its rows are its lines except the blank ones
    and the array's brackets: a line that starts with ``{`` and ends with ``}`` or ``},``
    (each line as the plant writes it) is kept without a look at it in Python.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.string()
    lines = pa.array(texts, text)
    plain = pc.and_(
        pc.starts_with(lines, "{"), pc.or_(pc.ends_with(lines, "}"), pc.ends_with(lines, "},"))
    )
    keep = plain.to_numpy(zero_copy_only=False).copy()
    for i in np.flatnonzero(~keep).tolist():
        stripped = texts[i].strip()
        keep[i] = bool(stripped) and stripped != "[" and stripped != "]"
    rows = np.flatnonzero(keep)
    if item.from_line:
        rows = rows[rows + 1 > item.from_line]
    n = rows.size
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(pa.scalar(item.source_file, text), n),
            pa.repeat(pa.scalar(item.kind, text), n),
            pa.repeat(pa.scalar(item.file_date, pa.date32()), n),
            pa.array(rows + 1, pa.int32()),
            lines.take(pa.array(rows)),
            pa.nulls(n, text),
            pa.nulls(n, text),
        ],
        schema=_stage_schema(),
    )


def _problems(
    read: _Lines,
    keep: list[int],
    kept: list[str],
    file_problem: str | None,
    header: str,
    kind: str,
) -> list[str | None] | None:
    """Each kept line's problem (None: no line of the file has one).

    An unknown file's rows all carry its problem; otherwise a line's own problem (not text)
    comes first, then the file's (a wrong header), then a repeated header line.
    """
    if kind == "unknown" or (file_problem and read.problems is None):
        return [file_problem] * len(keep)
    own = [None] * len(keep) if read.problems is None else [read.problems[i] for i in keep]
    if file_problem:
        return [p or file_problem for p in own]
    line_problems: list[str | None] = own
    if header:
        repeat = "line repeats the file header (files joined together?)"
        line_problems = [
            p or (repeat if t.lstrip("\ufeff").strip() == header else None)
            for p, t in zip(line_problems, kept, strict=True)
        ]
    return line_problems if any(p is not None for p in line_problems) else None


def _header_problem(found: str, expected: str) -> str:
    found = found.strip()
    hint = ""
    for name, sep in (("';'", ";"), ("tabs", "\t"), ("'|'", "|")):
        if sep in found and "," not in found:
            hint = f" (fields separated by {name}; expected ',')"
            break
    else:
        if found.count(",") == expected.count(",") and expected.split(",")[0] not in found:
            hint = " (the header line is missing? the first line looks like data)"
    return f"file header {found} is not the expected {expected}{hint}"
