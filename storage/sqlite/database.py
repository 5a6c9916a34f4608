"""The SQLite adapter: one aiosqlite connection, its migrations, and serialised transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiosqlite

from storage.port import Dialect, Executor, Params, Row, Script, Unlisten
from storage.sqlite.schema import MIGRATIONS

T = TypeVar("T")


class SqliteDatabase:
    dialect = Dialect.SQLITE

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        # One connection is shared by every coroutine: without this lock two coroutines'
        # statements would interleave inside each other's transactions.
        self._lock = asyncio.Lock()
        self._urgent = _Urgent(self._path)
        self.urgent: Executor = self._urgent

    def __repr__(self) -> str:
        return f"SqliteDatabase({str(self._path)!r})"

    @property
    def path(self) -> Path:
        return self._path

    async def connect(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        # WAL survives kill -9 of the process with every committed transaction intact.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
        self._conn = conn
        await self.in_one_trip(_migrate)
        self._urgent.open()  # after the migrations: it must see the final schema

    async def close(self) -> None:
        self._urgent.close()
        if self._conn is not None:
            conn, self._conn = self._conn, None
            async with self._lock:
                await conn.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def listen(self, channel: str, on_notify: Callable[[], None]) -> Unlisten:
        async def unlisten() -> None:
            return None

        return unlisten  # one process per file: nobody else writes to wake it

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """BEGIN IMMEDIATE … COMMIT, holding the write lock so checks and writes are atomic."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Transaction(conn)
                await conn.commit()
            except BaseException:
                # A failed COMMIT too: never leave a transaction open for the next caller.
                await conn.rollback()
                raise

    async def in_one_trip(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """BEGIN IMMEDIATE, `work`, COMMIT (ROLLBACK if it raises), all in one trip to the
        database thread.

        `transaction()` costs a trip per statement, and every other coroutine's statements wait
        on the lock meanwhile: a check-then-insert of five statements held the whole database
        for five round trips through the event loop, which under a crowd of prompts was what
        capped intake. Here the lock is held for one. `work` runs on aiosqlite's own thread with
        its sqlite3 connection (aiosqlite has no public call for that; `_execute` is what each of
        its own methods uses), so it must be quick, plain sqlite3 code.
        """
        conn = self.conn

        def run() -> T:
            raw: sqlite3.Connection = conn._conn
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
                raw.commit()
            except BaseException:
                # A failed COMMIT too: never leave a transaction open for the next caller.
                raw.rollback()
                raise
            return result

        async with self._lock:
            return await conn._execute(run)  # type: ignore[no-untyped-call,no-any-return]

    async def run_script(self, script: Script[T], *, serialize_on: Sequence[str] = ()) -> T:
        """The whole script in one trip (see in_one_trip). BEGIN IMMEDIATE already queues
        every writer behind this one, so `serialize_on` needs no lock of its own here."""
        return await self.in_one_trip(lambda raw: _drive(script, raw))

    # Every call below is one statement and one trip to aiosqlite's thread: a lone statement
    # is atomic on its own in autocommit mode, so it needs no BEGIN/COMMIT round trips.

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """A query, or a write with RETURNING (committed once its rows are read)."""
        async with self._lock:
            return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write; returns the number of rows changed."""
        async with self._lock:
            cur = await self.conn.execute(sql, tuple(params))
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def ping(self) -> bool:
        row = await self.fetchone("SELECT 1")
        return row is not None


class _Urgent:
    """Lone statements on a second connection, run right on the event loop's thread.

    Under a crowd of prompts every hop through the event loop's queue costs a whole turn of
    the loop, and an aiosqlite call takes two or three: the answer of a create waited that
    long to be stored, a window in which a crash makes the create go out again. Here the
    statement runs the moment its coroutine resumes. It waits only for SQLite's write lock,
    which the other connection holds for one short transaction at a time (WAL: readers never
    block it), so it is quick; use it for single-row writes only."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw: sqlite3.Connection | None = None

    def open(self) -> None:
        raw = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        raw.row_factory = sqlite3.Row
        raw.execute("PRAGMA busy_timeout=5000")
        raw.execute("PRAGMA foreign_keys=ON")
        self._raw = raw

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            raw.close()

    @property
    def raw(self) -> sqlite3.Connection:
        if self._raw is None:
            raise RuntimeError("database is not connected")
        return self._raw

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self.raw.execute(sql, tuple(params)).fetchall()

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self.raw.execute(sql, tuple(params)).rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        raise NotImplementedError("urgent writes are single statements")


class _Transaction:
    """The statements of one open transaction; the database's lock is already held."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        cur = await self._conn.execute(sql, tuple(params))
        return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, (tuple(row) for row in rows))


def _drive(script: Script[T], raw: sqlite3.Connection) -> T:
    """Run a transaction script on the database thread, statement by statement."""
    try:
        step = next(script)
        while True:
            if step.before is not None:
                raw.execute(step.before.sql, tuple(step.before.params))
            # fetchall, not fetchone: every statement runs to its end before the COMMIT.
            rows: list[Row] = raw.execute(step.sql, tuple(step.params)).fetchall()
            step = script.send(rows)
    except StopIteration as done:
        result: T = done.value
        return result


def _migrate(raw: sqlite3.Connection) -> None:
    """Every migration the file has not had, in the connect's one transaction."""
    version = int(raw.execute("PRAGMA user_version").fetchone()[0])
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in _statements(script):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> list[str]:
    """The statements of a migration, whole: a trigger's body holds semicolons of its own, so
    pieces are joined until SQLite calls the statement complete."""
    statements: list[str] = []
    pending = ""
    for part in script.split(";"):
        pending = f"{pending};{part}" if pending else part
        if sqlite3.complete_statement(pending + ";"):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
