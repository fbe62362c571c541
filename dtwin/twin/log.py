"""The event log in DuckDB: every event on the bus, and every dead letter, per replication.

Tables (created when missing):

``twin_replications``  replication, machines (the id mapping as JSON)
``twin_events``        replication, seq, time, type, payload (the event as JSON)
``twin_dead_letters``  replication, seq, handler, error_type, error, attempts, event (JSON)

:class:`EventLog` is a bus subscriber that batches its inserts (parameterised SQL, one
statement per batch); :func:`replay` rebuilds a :class:`~dtwin.twin.state.FactoryState`
from the log alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from dtwin.errors import DataError, one_line
from dtwin.twin.bus import DeadLetter, EventBus
from dtwin.twin.events import TwinEvent, from_payload
from dtwin.twin.ids import MachineIds
from dtwin.twin.state import FactoryState

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS twin_replications "
    "(replication INTEGER PRIMARY KEY, machines JSON NOT NULL)",
    "CREATE TABLE IF NOT EXISTS twin_events (replication INTEGER NOT NULL, seq BIGINT NOT NULL, "
    "time DOUBLE NOT NULL, type VARCHAR NOT NULL, payload JSON NOT NULL)",
    "CREATE TABLE IF NOT EXISTS twin_dead_letters (replication INTEGER NOT NULL, "
    "seq BIGINT NOT NULL, handler VARCHAR NOT NULL, error_type VARCHAR NOT NULL, "
    "error VARCHAR NOT NULL, attempts INTEGER NOT NULL, event JSON NOT NULL)",
)
# rows travel as one Arrow table per batch: ~6x faster than UNNEST of parameter lists
INSERT_EVENTS = (
    "INSERT INTO twin_events SELECT replication, seq, time, type, payload::JSON FROM batch_rows"
)
INSERT_DEAD = "INSERT INTO twin_dead_letters VALUES (?, ?, ?, ?, ?, ?, ?)"


def connect(db: str | Path | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection to ``db`` (a file, ``:memory:`` or an open connection) with the tables."""
    con = db if isinstance(db, duckdb.DuckDBPyConnection) else duckdb.connect(str(db))
    for statement in SCHEMA:
        con.execute(statement)
    return con


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def _dumps(payload: dict[str, Any]) -> str:
    return _ENCODER.encode(payload)


class EventLog:
    """Appends the bus's events of one replication to DuckDB, ``batch`` rows at a time.

    Call :meth:`flush` (or :meth:`close`, or use it as a context manager) before reading
    the tables: rows still in the batch are not written yet.
    """

    def __init__(
        self,
        db: str | Path | duckdb.DuckDBPyConnection,
        ids: MachineIds,
        replication: int = 0,
        batch: int = 10_000,
    ) -> None:
        self.con = connect(db)
        self.replication = int(replication)
        self.batch = max(1, int(batch))
        self._rows: list[tuple[int, float, str, str]] = []
        self._dead: list[tuple[Any, ...]] = []
        self._bus: EventBus | None = None
        taken = self.con.execute(
            "SELECT count(*) FROM twin_replications WHERE replication = ?", [self.replication]
        ).fetchone()
        if taken and taken[0]:
            raise DataError(
                f"the event log already holds replication {self.replication}; "
                f"log each replication once (use another replication or a fresh file)"
            )
        self.con.execute(
            "INSERT INTO twin_replications VALUES (?, ?)",
            [self.replication, json.dumps(ids.to_json())],
        )

    def attach(self, bus: EventBus) -> EventLog:
        """Log every event and dead letter of ``bus`` from now on (subscribe it first)."""
        self._bus = bus
        bus.subscribe(self._on_event, name="event_log")
        bus.on_dead_letter(self._on_dead_letter)
        return self

    def _on_event(self, event: TwinEvent) -> None:
        seq = self._bus.seq if self._bus is not None else len(self._rows)
        self.append(seq, event)

    def append(self, seq: int, event: TwinEvent) -> None:
        """Queue one event row; writes the batch when it is full."""
        self._rows.append((seq, float(event.time), event.kind, _dumps(event.to_payload())))
        if len(self._rows) >= self.batch:
            self.flush()

    def _on_dead_letter(self, letter: DeadLetter) -> None:
        self._dead.append(
            (self.replication, letter.seq, letter.handler, letter.error_type, letter.error,
             letter.attempts, _dumps(letter.event.to_payload()))
        )  # fmt: skip
        if len(self._dead) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the rows still in the batch (events first, then their dead letters)."""
        if self._rows:
            self._flush_events()
        if self._dead:
            self.con.executemany(INSERT_DEAD, self._dead)
            self._dead.clear()

    def _flush_events(self) -> None:
        import pyarrow as pa

        seqs, times, types, payloads = (list(c) for c in zip(*self._rows, strict=True))
        batch_rows = pa.table(
            {
                "replication": pa.array([self.replication] * len(seqs), pa.int32()),
                "seq": pa.array(seqs, pa.int64()),
                "time": pa.array(times, pa.float64()),
                "type": pa.array(types, pa.string()),
                "payload": pa.array(payloads, pa.string()),
            }
        )
        self.con.register("batch_rows", batch_rows)
        try:
            self.con.execute(INSERT_EVENTS)
        finally:
            self.con.unregister("batch_rows")
        self._rows.clear()

    def close(self) -> None:
        """Flush; the connection stays open for whoever opened it."""
        self.flush()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_events(
    db: str | Path | duckdb.DuckDBPyConnection, replication: int = 0
) -> list[TwinEvent]:
    """The logged events of ``replication``, in sequence order."""
    con = _open(db)
    try:
        rows = con.execute(
            "SELECT payload FROM twin_events WHERE replication = ? ORDER BY seq", [replication]
        ).fetchall()
    finally:
        if con is not db:
            con.close()
    return [from_payload(json.loads(payload)) for (payload,) in rows]


def replay(db: str | Path | duckdb.DuckDBPyConnection, replication: int = 0) -> FactoryState:
    """The factory state rebuilt from the log of ``replication`` alone."""
    con = _open(db)
    try:
        return _replay(con, replication)
    finally:
        if con is not db:
            con.close()


def _replay(con: duckdb.DuckDBPyConnection, replication: int) -> FactoryState:
    found = con.execute(
        "SELECT machines FROM twin_replications WHERE replication = ?", [replication]
    ).fetchone()
    if found is None:
        logged = [r for (r,) in con.execute(
            "SELECT replication FROM twin_replications ORDER BY 1").fetchall()]  # fmt: skip
        raise DataError(f"the event log has no replication {replication}; it has {logged}")
    state = FactoryState(MachineIds.from_json(json.loads(found[0])))
    for event in read_events(con, replication):
        state.apply(event)
    return state


def _open(db: str | Path | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db
    if str(db) != ":memory:" and not Path(db).is_file():
        raise DataError(f"event log {db}: no such file")
    try:
        con = duckdb.connect(str(db), read_only=True)
        tables = {
            t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    except duckdb.Error as exc:
        raise DataError(f"event log {db}: not a DuckDB file ({one_line(exc)})") from exc
    if not {"twin_replications", "twin_events"} <= tables:
        raise DataError(f"event log {db}: not a twin event log (no twin_events table)")
    return con
