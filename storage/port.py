"""The storage port: what the repositories ask of a database, whichever one it is.

Two adapters implement it, `storage.sqlite` (one file, aiosqlite) and `storage.postgres` (a
server, an asyncpg pool); `storage.factory.open_database` picks one from DATABASE_URL. The
repositories import only this module, and write their SQL in the subset both dialects accept,
with `?` placeholders (see docs/database.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar, overload

T = TypeVar("T")


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class Row(Protocol):
    """A result row as both drivers hand it over (sqlite3.Row, asyncpg.Record): by column name
    or by position, and `dict(row)` by its keys. Not a `Mapping`: iterating either one gives
    the values, not the keys."""

    @overload
    def __getitem__(self, key: str, /) -> Any: ...
    @overload
    def __getitem__(self, key: int, /) -> Any: ...
    def keys(self) -> Iterable[str]: ...


Params = Sequence[Any]
Unlisten = Callable[[], Awaitable[None]]


class Executor(Protocol):
    """Runs statements: the database itself (each statement on its own, atomic), or one open
    transaction. SQL uses `?` placeholders."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """A query, or a write with RETURNING."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """One write for each row of parameters (bulk copies)."""
        ...


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a transaction script.

    `before` is a write (INSERT, UPDATE or DELETE, no RETURNING) to make first, one that this
    statement's result does not depend on. SQLite runs it as a statement of its own (its
    script is one trip to its thread anyway); PostgreSQL sends both as one statement, the
    write as a data-modifying WITH, saving a round trip. Its changes are not visible to the
    statement itself on PostgreSQL (one snapshot), hence the rule."""

    sql: str
    params: Params = ()
    before: Step | None = None


# A transaction script: a generator that yields each statement and is sent back its rows, then
# returns its result. It holds the decisions between statements as plain Python, so each
# adapter runs it its own way: SQLite in one trip to its thread, PostgreSQL over one pooled
# connection.
Script = Generator[Step, list[Row], T]


class Database(Executor, Protocol):
    """A connected database of either dialect; see Executor for the statements."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def urgent(self) -> Executor:
        """Lone statements that go before everything else waiting for the database (SQLite: a
        second connection, used on the event loop's thread; PostgreSQL: connections of their
        own). For the write
        that stores a create's answer: until it lands, a crash would send that create again."""
        ...

    async def connect(self) -> None:
        """Open it and bring its schema up to date (every migration it has not had)."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """BEGIN … COMMIT, or ROLLBACK when the block raises (a failed COMMIT too)."""
        ...

    async def listen(self, channel: str, on_notify: Callable[[], None]) -> Unlisten:
        """Call `on_notify` whenever another process writes to `channel` (`tasks`: a new task;
        `outbox`: a reply handed over). SQLite has no other process: it never calls. Returns
        the call that stops listening."""
        ...

    async def run_script(self, script: Script[T], *, serialize_on: Sequence[str] = ()) -> T:
        """Run `script` as one transaction, holding the named locks (`serialize_on`, taken in
        the order given) from its start to its end, so whoever holds one of them waits here.
        SQLite serialises every writer anyway; PostgreSQL takes an advisory lock for each."""
        ...
