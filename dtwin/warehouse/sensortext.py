"""Sensor readings as JSON text, a day at a time: numbers, stamps and lines built column-wise.

A day of a large plant holds tens of thousands of readings; formatting each value with
``repr`` and each line with ``%`` cost more than the simulation. Here every column is turned
into text by pyarrow's kernels and a line is the join of its cells, with the very same bytes
as ``repr``: a value rounded to ``d`` decimals (|x| < 1e9) prints as its integer part, a
point and the decimals without trailing zeros (``12.5``, ``-0.0``, ``3.0``); other values
(not finite, huge) fall back to ``repr`` itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SAFE_ABS = 1e9  # below this, x * 10**4 is an exact integer and repr never uses an exponent
_TEXT = pa.string()


@lru_cache(maxsize=8)
def _decimals(digits: int) -> pa.StringArray:
    """The point and decimals of every fraction 0 .. 10**digits - 1 without trailing zeros
    (for 4 digits: 5 -> ``.0005``, 5000 -> ``.5``, 0 -> ``.0``)."""
    return pa.array([f".{f:0{digits}d}".rstrip("0").ljust(2, "0") for f in range(10**digits)])


def number_text(values: np.ndarray, digits: int, null: np.ndarray) -> pa.StringArray:
    """``repr`` of each value (already rounded to ``digits`` decimals); ``null`` where
    ``null`` is true."""
    values = np.asarray(values, dtype=float)
    safe = np.isfinite(values) & (np.abs(values) < _SAFE_ABS)
    scale = 10**digits
    scaled = np.rint(np.abs(np.where(safe, values, 0.0)) * scale).astype(np.int64)
    whole = scaled // scale
    negative = np.signbit(values) & safe
    text = pc.binary_join_element_wise(
        pc.cast(pa.array(np.where(negative, -whole, whole)), _TEXT),
        _decimals(digits).take(pa.array(scaled % scale)),
        "",
    )
    odd = ~safe | (negative & (whole == 0))  # -0.5 has no minus in its whole part
    if odd.any():
        others = pa.array([repr(v) for v in values[odd].tolist()], _TEXT)
        text = pc.replace_with_mask(text, pa.array(odd), others)
    if null.any():
        text = pc.if_else(pa.array(null), "null", text)
    return text


def stamp_text(seconds: np.ndarray, local: np.ndarray, offset_suffix: str) -> pa.StringArray:
    """ISO timestamps of seconds since 1970 with ``Z``, or ``offset_suffix`` where local."""
    spaced = pc.cast(pa.array(seconds, pa.timestamp("s")), _TEXT)  # 2026-01-05 09:30:00
    text = pc.replace_substring(spaced, " ", "T", max_replacements=1)
    suffix = pc.if_else(pa.array(local), offset_suffix, "Z")
    return pc.binary_join_element_wise(text, suffix, "")


def pick(texts: list[str], index: np.ndarray) -> pa.StringArray:
    """``texts[i]`` for every ``i`` of ``index``."""
    return pa.array(texts, _TEXT).take(pa.array(index, pa.int64()))


def object_lines(keys: tuple[str, ...], cells: list[pa.StringArray], quoted: set[str]) -> pa.Array:
    """One JSON object per row, ``{"key":cell,...}``; the cells of ``quoted`` keys are put in
    double quotes (their text needs no escaping), the others are JSON already."""
    parts: list[object] = []
    text = "{"
    for i, (key, cell) in enumerate(zip(keys, cells, strict=True)):
        text += ("," if i else "") + f'"{key}":' + ('"' if key in quoted else "")
        parts += [text, cell]
        text = '"' if key in quoted else ""
    parts.append(text + "}")
    return pc.binary_join_element_wise(*parts, "")


def joined(chunks: list[pa.Array], separator: str) -> str:
    """The lines of all chunks joined with ``separator``."""
    if not chunks:
        return ""
    lines = pa.concat_arrays([c.cast(_TEXT) for c in chunks])
    offsets = pa.array([0, len(lines)], pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, lines), separator)[0].as_py()
