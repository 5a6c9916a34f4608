"""The one place that picks a storage adapter: from DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from storage.port import Database, Dialect
from storage.postgres import PostgresDatabase
from storage.sqlite import SqliteDatabase
from storage.urls import dialect_of, sqlite_path


def database_for(target: str | Path, *, pool_size: int = 10) -> Database:
    """The adapter for a URL (`sqlite:///…`, `postgresql://…`), or for an SQLite file's path;
    not yet connected. `pool_size` is PostgreSQL's number of connections."""
    if isinstance(target, Path):
        return SqliteDatabase(target)
    if dialect_of(target) is Dialect.SQLITE:
        return SqliteDatabase(sqlite_path(target))
    return PostgresDatabase(target, pool_size=pool_size)


async def open_database(url: str, *, pool_size: int = 10) -> Database:
    """The adapter for `url`, connected, its schema migrated."""
    database = database_for(url, pool_size=pool_size)
    await database.connect()
    return database
