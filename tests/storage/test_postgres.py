"""What only the PostgreSQL adapter has: migrations under a lock, its types, the pool, and the
conversion of the shared SQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from storage import TaskStore, open_database
from storage.port import Row, Step
from storage.postgres import PostgresDatabase
from storage.postgres.schema import MIGRATIONS
from storage.postgres.sql import lock_key, numbered
from tests.storage.helpers import created


def test_placeholders_are_numbered_outside_quotes_and_comments() -> None:
    sql = "SELECT ?, '?', 'it''s ?', \"odd?name\", ? -- why?\nFROM t WHERE a = ?"
    assert numbered(sql) == (
        "SELECT $1, '?', 'it''s ?', \"odd?name\", $2 -- why?\nFROM t WHERE a = $3"
    )
    assert numbered("SELECT 1") == "SELECT 1"


def test_lock_keys_are_stable_signed_64_bit_and_distinct() -> None:
    keys = {lock_key(f"user:{n}") for n in range(1000)} | {
        lock_key(f"chat:{n}") for n in range(1000)
    }
    assert len(keys) == 2000
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert lock_key("user:1") == lock_key("user:1") == -6_912_721_707_698_846_010


@pytest.mark.postgresql
async def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    databases = [PostgresDatabase(postgres_url) for _ in range(5)]
    await asyncio.gather(*(database.connect() for database in databases))
    try:
        rows = await databases[0].fetchall("SELECT version FROM schema_migrations ORDER BY 1")
        assert [row[0] for row in rows] == list(range(1, len(MIGRATIONS) + 1))
        # Each one works, and they share the tables.
        first = await created(TaskStore.over(databases[0]))
        again = await TaskStore.over(databases[4]).steps.get(first.id)
        assert again == first
    finally:
        await asyncio.gather(*(database.close() for database in databases))
    # The migration lock went with its connection: the next start is not kept waiting.
    later = await asyncio.wait_for(open_database(postgres_url), timeout=10)
    await later.close()


@pytest.mark.postgresql
async def test_the_schema_is_in_postgres_types_in_the_tests_own_schema(postgres_url: str) -> None:
    database = await open_database(postgres_url)
    try:
        schema = postgres_url.rpartition("search_path=")[2]
        rows = await database.fetchall(
            "SELECT table_name, column_name, data_type, is_identity "
            "FROM information_schema.columns WHERE table_schema = ?",
            (schema,),
        )
        columns = {(r["table_name"], r["column_name"]): r for r in rows}
        assert columns["tasks", "id"]["data_type"] == "bigint"
        assert columns["tasks", "id"]["is_identity"] == "YES"
        assert columns["tasks", "user_id"]["data_type"] == "bigint"
        assert columns["tasks", "chat_id"]["data_type"] == "bigint"
        assert columns["tasks", "next_at"]["data_type"] == "double precision"
        assert columns["originals", "data"]["data_type"] == "bytea"
        assert columns["users", "first_seen"]["data_type"] == "double precision"
        indexes = await database.fetchall(
            "SELECT indexname FROM pg_indexes WHERE schemaname = ?", (schema,)
        )
        assert {
            "tasks_open",
            "tasks_quota",
            "tasks_chat_quota",
            "tasks_durations",
            "tasks_user",
            "users_username_lower",
            "originals_age",
        } <= {r[0] for r in indexes}
    finally:
        await database.close()


@pytest.mark.postgresql
async def test_the_pool_has_the_size_asked_for(postgres_url: str) -> None:
    database = await open_database(postgres_url, pool_size=3)
    assert isinstance(database, PostgresDatabase)
    try:
        assert database.pool.get_max_size() == 3
        # More work at once than connections: it waits its turn, it does not fail.
        answers = await asyncio.gather(
            *(database.fetchone("SELECT pg_sleep(0.01)") for _ in range(12))
        )
        assert len(answers) == 12
        assert database.pool.get_size() <= 3
    finally:
        await database.close()


@pytest.mark.postgresql
async def test_a_statement_cut_short_leaves_the_pool_usable(postgres_url: str) -> None:
    database = await open_database(postgres_url, pool_size=1)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(database.fetchone("SELECT pg_sleep(5)"), timeout=0.2)
        assert await asyncio.wait_for(database.ping(), timeout=5)
    finally:
        await database.close()


@pytest.mark.postgresql
async def test_a_bad_password_is_never_in_the_error(postgres_server: str) -> None:
    parts = urlsplit(postgres_server)
    host = parts.netloc.rpartition("@")[2]
    url = urlunsplit(parts._replace(netloc=f"nobody-here:hunter2-secret@{host}"))
    database = PostgresDatabase(url)
    assert "hunter2" not in repr(database)
    with pytest.raises((asyncpg.PostgresError, OSError)) as info:
        await database.connect()
    assert "hunter2" not in str(info.value)


@pytest.mark.postgresql
async def test_a_statement_is_one_round_trip(postgres_url: str, postgres_server: str) -> None:
    # asyncpg's own reset (RESET ALL; UNLISTEN *; …) would run after every statement, as a
    # second trip: the last statement the server saw from the pool must be the bot's own.
    database = await open_database(postgres_url, pool_size=1)
    admin = await asyncpg.connect(postgres_server)
    try:
        await database.fetchone("SELECT 1 AS one_trip_marker")
        rows = await admin.fetch(
            "SELECT query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND query LIKE '%one_trip_marker%'"
        )
        assert [r["query"] for r in rows] == ["SELECT 1 AS one_trip_marker"]
    finally:
        await admin.close()
        await database.close()


@pytest.mark.postgresql
async def test_a_script_cancelled_while_waiting_for_its_lock_leaves_nothing_behind(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    def slow() -> Generator[Step, list[Row], int]:
        yield Step("SELECT pg_sleep(0.3)")
        return 1

    database = await open_database(postgres_url, pool_size=2)
    try:
        holder = asyncio.create_task(database.run_script(slow(), serialize_on=["x"]))
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(database.run_script(slow(), serialize_on=["x"]), 0.05)
        assert await holder == 1
        # The lock is free, the pool works, and nothing complained of a transaction left open.
        assert await asyncio.wait_for(database.run_script(slow(), serialize_on=["x"]), 5) == 1
        assert all([await database.ping() for _ in range(4)])
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await database.close()
