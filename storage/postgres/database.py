"""The PostgreSQL adapter: an asyncpg pool, its migrations, and scripts under advisory locks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.port import Dialect, Executor, Params, Row, Script, Unlisten
from storage.postgres.schema import MIGRATIONS
from storage.postgres.sql import lock_key, numbered
from storage.urls import redacted

T = TypeVar("T")

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record]"
Pooled: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"


class _LoneStatements:
    """Each statement on a connection of `pool`, its own transaction (READ COMMITTED)."""

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self.pool.acquire() as conn:
            return _rowcount(await conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(numbered(sql), [tuple(row) for row in rows])


class PostgresDatabase(_LoneStatements):
    """READ COMMITTED, every lone statement its own transaction; a pool of `pool_size`
    connections shared by every coroutine of the process."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self._url = url
        self._pool_size = pool_size
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        # Connections of `urgent`'s own: its statements never wait for a busy pool. Four are
        # open from the start and up to eight under a burst: with two, a 1000-prompt burst
        # kept up to 136 answered creates waiting to be stored; with these, about ten.
        self._urgent_pool: asyncpg.Pool[asyncpg.Record] | None = None
        self.urgent: Executor = _Urgent(self)

    def __repr__(self) -> str:
        return f"PostgresDatabase({redacted(self._url)!r}, pool_size={self._pool_size})"

    async def connect(self) -> None:
        await _migrate(self._url)
        self._pool = await asyncpg.create_pool(
            self._url,
            min_size=1,
            max_size=self._pool_size,
            # asyncpg's own reset runs RESET ALL, UNLISTEN *, pg_advisory_unlock_all() … at
            # every release: one more round trip for every statement. Nothing here leaves
            # session state behind (the advisory locks are transaction-scoped; the migration's
            # lock has its own connection), and asyncpg still rolls back an open transaction.
            reset=_nothing_to_reset,
        )
        self._urgent_pool = await asyncpg.create_pool(
            self._url, min_size=4, max_size=8, reset=_nothing_to_reset
        )

    async def close(self) -> None:
        if self._urgent_pool is not None:
            urgent, self._urgent_pool = self._urgent_pool, None
            await urgent.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    async def ping(self) -> bool:
        row = await self.fetchone("SELECT 1")
        return row is not None

    async def listen(self, channel: str, on_notify: Callable[[], None]) -> Unlisten:
        """LISTEN on a connection of its own (a pooled one would be handed to others). If that
        connection dies, callers still find their work by looking at the tables now and then."""
        conn: Connection = await asyncpg.connect(self._url)
        schema = await conn.fetchval("SELECT current_schema()")
        name = f"drawbot_{channel}:{schema}"

        def heard(*_: object) -> None:
            on_notify()

        await conn.add_listener(name, heard)

        async def unlisten() -> None:
            if not conn.is_closed():
                await conn.close()

        return unlisten

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield _Transaction(conn)

    async def run_script(self, script: Script[T], *, serialize_on: Sequence[str] = ()) -> T:
        """BEGIN and every lock in one trip, then one trip per statement, then COMMIT.

        The locks are transaction-scoped advisory locks, taken in the order given and held to
        the COMMIT: a second script naming one of them waits for the first to commit, and
        then each of its statements (READ COMMITTED: a fresh snapshot per statement) sees
        everything the first one wrote."""
        begin = "BEGIN" + "".join(
            f"; SELECT pg_advisory_xact_lock({lock_key(name)})" for name in serialize_on
        )
        async with self.pool.acquire() as conn:
            try:
                # No parameters: asyncpg sends it as one simple query, all statements at once.
                await conn.execute(begin)
                result = await _drive(script, conn)
                await conn.execute("COMMIT")
            except BaseException as exc:
                # A failed COMMIT ends the transaction itself.
                if isinstance(exc, asyncio.CancelledError) or not await _rolled_back(conn):
                    # A statement cut short (a cancelled wait for a lock, say) leaves the
                    # connection busy: drop it. The server rolls back and frees the locks; the
                    # pool opens another connection when one is needed.
                    conn.terminate()
                raise
            return result


class _Urgent(_LoneStatements):
    """Lone statements over connections of their own, never waiting for the shared pool."""

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._db._urgent_pool is None:
            raise RuntimeError("database is not connected")
        return self._db._urgent_pool


class _Transaction:
    def __init__(self, conn: Pooled) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _rowcount(await self._conn.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(numbered(sql), [tuple(row) for row in rows])


async def _drive(script: Script[T], conn: Pooled) -> T:
    """Run a transaction script over one connection, statement by statement."""
    try:
        step = next(script)
        while True:
            sql, params = step.sql, step.params
            if step.before is not None:
                # One statement, one round trip: `WITH _before AS (write) statement`.
                sql = f"WITH _before AS ({step.before.sql}) {sql}"
                params = (*step.before.params, *params)
            rows: list[Row] = list(await conn.fetch(numbered(sql), *params))
            step = script.send(rows)
    except StopIteration as done:
        result: T = done.value
        return result


async def _rolled_back(conn: Pooled) -> bool:
    """ROLLBACK if a transaction is open; False if the connection would not take it."""
    if not conn.is_in_transaction():
        return True
    try:
        await conn.execute("ROLLBACK")
    except Exception:
        return False
    return True


async def _nothing_to_reset(conn: Connection) -> None:
    return None


def _rowcount(status: str) -> int:
    """Rows changed, from a command tag such as `UPDATE 3` or `INSERT 0 1`."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


# One lock per schema, so bots in different schemas of one database never wait for each other.
_MIGRATION_LOCK = (
    "SELECT pg_advisory_lock(hashtextextended('gptunnel-draw-bot:migrate:' "
    "|| COALESCE(current_schema(), ''), 0))"
)


async def _migrate(url: str) -> None:
    """Every migration the database has not had, under a session-level advisory lock on a
    connection of its own: processes starting together take turns, and each one after the
    first finds nothing left to do."""
    conn: Connection = await asyncpg.connect(url)
    try:
        await conn.execute(_MIGRATION_LOCK)  # released when this connection closes
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        version: Any = await conn.fetchval(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
        )
        for number, script in enumerate(MIGRATIONS[int(version) :], start=int(version) + 1):
            async with conn.transaction():
                await conn.execute(script)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    number,
                    time.time(),
                )
    finally:
        await conn.close()
