"""Column-wise sensor text: the same bytes as repr() and the per-line reader."""

from __future__ import annotations

import numpy as np
import pytest

from dtwin.warehouse.rawlines import clean_lines, split_lines
from dtwin.warehouse.sensortext import joined, number_text, object_lines, stamp_text

EDGES = [0.0, -0.0, 0.0001, -0.0001, 0.5, -0.5, -1.5, 1.0, 10.0, 123456789.1234, 999999999.9999,
         -1e9, 1e12, 1e16, 1e20, float("nan"), float("inf"), -float("inf")]  # fmt: skip


@pytest.mark.parametrize("digits", [2, 3, 4])
def test_number_text_is_repr(digits: int) -> None:
    rng = np.random.default_rng(digits)
    values = np.round(
        np.concatenate([rng.normal(0, 50, 5000), rng.normal(0, 0.01, 500), EDGES]), digits
    )
    null = rng.random(values.size) < 0.1
    expected = [
        "null" if n else repr(v) for v, n in zip(values.tolist(), null.tolist(), strict=True)
    ]
    assert number_text(values, digits, null).to_pylist() == expected


def test_stamps_and_lines() -> None:
    seconds = np.array([1767225750, 0, 1767225750 + 3600])
    local = np.array([False, False, True])
    stamps = stamp_text(seconds, local, "+01:00").to_pylist()
    assert stamps == ["2026-01-01T00:02:30Z", "1970-01-01T00:00:00Z", "2026-01-01T01:02:30+01:00"]
    lines = object_lines(
        ("machine", "ts"),
        [stamp_text(seconds, local, "Z"), stamp_text(seconds, local, "Z")],
        {"ts"},
    )
    assert lines.to_pylist()[0] == '{"machine":2026-01-01T00:02:30Z,"ts":"2026-01-01T00:02:30Z"}'
    assert joined([lines[:1], lines[1:]], ",\n").count(",\n") == 2
    assert joined([], ",\n") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"a\nb\n",  # LF
        b"a\r\nb\r\n\r\n",  # CRLF with a blank line
        b"a\rb",  # lone CR, no final break
        b"\xef\xbb\xbfa,\xc3\xa9\n\n  \nlast",  # BOM, accents, blank lines
        b"",
        b"\n",
    ],
    ids=["lf", "crlf", "cr", "bom-utf8", "empty", "one-break"],
)
def test_clean_lines_split_as_the_line_reader(data: bytes) -> None:
    assert clean_lines(data) == [line.text for line in split_lines(data)]


@pytest.mark.parametrize(
    "data",
    [b"a\n\xff\n", b"a\x00b\n", "a\nb\n".encode("utf-16")],
    ids=["not-utf8", "nul", "utf16"],
)
def test_clean_lines_leaves_damaged_files_to_the_line_reader(data: bytes) -> None:
    assert clean_lines(data) is None
