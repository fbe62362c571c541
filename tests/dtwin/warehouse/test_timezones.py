"""Fixed-offset timestamp maths, checked in both directions and against the SQL twin."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from dtwin.errors import DataError
from dtwin.warehouse.timezones import (
    OFFSET_SQL,
    UTC_SQL,
    VALID_TS_SQL,
    format_offset,
    format_timestamp,
    local_to_utc,
    parse_timestamp,
    sql,
    utc_to_local,
)

CASES = [
    # text as written, UTC it means, offset in minutes
    ("2026-01-05T10:30:00+01:00", datetime(2026, 1, 5, 9, 30), 60),
    ("2026-01-05T04:30:00-05:00", datetime(2026, 1, 5, 9, 30), -300),
    ("2026-01-05T15:00:00+05:30", datetime(2026, 1, 5, 9, 30), 330),
    ("2026-01-01T00:30:00+01:00", datetime(2025, 12, 31, 23, 30), 60),  # crosses midnight back
    ("2025-12-31T20:00:00-05:00", datetime(2026, 1, 1, 1, 0), -300),  # crosses midnight forward
    ("2026-01-05T09:30:00Z", datetime(2026, 1, 5, 9, 30), 0),
]
IDS = ["plus1h", "minus5h", "plus5h30", "back-over-midnight", "forward-over-midnight", "utc"]


@pytest.mark.parametrize(("text", "utc", "offset"), CASES, ids=IDS)
def test_local_text_to_utc(text: str, utc: datetime, offset: int) -> None:
    assert parse_timestamp(text) == (utc, offset)


@pytest.mark.parametrize(("text", "utc", "offset"), CASES, ids=IDS)
def test_utc_to_local_text(text: str, utc: datetime, offset: int) -> None:
    assert format_timestamp(utc, offset) == text
    assert local_to_utc(utc_to_local(utc, offset), offset) == utc


@pytest.mark.parametrize(("text", "utc", "offset"), CASES, ids=IDS)
def test_sql_agrees_with_python(text: str, utc: datetime, offset: int) -> None:
    con = duckdb.connect()
    got_utc, got_offset, valid = con.execute(
        f"SELECT {sql(UTC_SQL, '?')}, {sql(OFFSET_SQL, '?')}, {sql(VALID_TS_SQL, '?')}",
        [text] * (UTC_SQL.count("{col}") + OFFSET_SQL.count("{col}") + VALID_TS_SQL.count("{col}")),
    ).fetchone()
    assert (got_utc, got_offset, valid) == (utc, offset, True)


def test_offset_suffixes() -> None:
    assert [format_offset(m) for m in (0, 60, -300, 330)] == ["Z", "+01:00", "-05:00", "+05:30"]


@pytest.mark.parametrize(
    "text",
    ["2026-01-05 09:30", "2026-02-30T10:00:00Z", "2026-01-05T09:30:00+0100", "yesterday", ""],
    ids=["no-seconds", "no-such-day", "offset-without-colon", "words", "empty"],
)
def test_bad_timestamps_are_refused(text: str) -> None:
    with pytest.raises(DataError, match="sensor_logs.json line 7"):
        parse_timestamp(text, where="sensor_logs.json line 7")
    con = duckdb.connect()
    valid = con.execute(
        f"SELECT {sql(VALID_TS_SQL, '?')}", [text] * VALID_TS_SQL.count("{col}")
    ).fetchone()[0]
    assert not valid
