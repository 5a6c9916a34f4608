"""One storage suite, every backend: the `db` fixture is an SQLite file, then a PostgreSQL
schema (the PostgreSQL fixtures are in tests/postgres.py, shared by every folder)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage import Database, TaskStore, open_database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await open_database(database_url)
    yield database
    await database.close()


@pytest.fixture
def tasks(db: Database) -> TaskStore:
    return TaskStore.over(db)
