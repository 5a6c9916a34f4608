"""The Database port on every backend: connect and migrate, reopen, close, transactions and
scripts that roll back, placeholders."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from pathlib import Path

import pytest

from storage import (
    Database,
    Dialect,
    Duplicate,
    TaskStore,
    UserRepository,
    database_for,
    open_database,
)
from storage.port import Row, Step
from storage.postgres import PostgresDatabase
from storage.sqlite import SqliteDatabase
from tests.storage.helpers import DAY, T0, created, new_task


async def test_connect_migrates_and_answers(db: Database, database_url: str) -> None:
    assert db.dialect is Dialect(database_url.partition(":")[0])
    assert await db.ping() is True
    for table in ("users", "tasks", "grants", "chat_limits", "admin_alerts", "meta", "originals"):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
        assert row is not None and row[0] == 0


async def test_reopening_keeps_rows_and_does_not_migrate_again(database_url: str) -> None:
    first = await open_database(database_url)
    task = await created(TaskStore.over(first), new_task(source_key="1:7"))
    await UserRepository(first).seen(1, username="u", first_name="U", language_code="en", now=T0)
    await first.close()

    second = await open_database(database_url)  # re-migrating would fail: the tables exist
    try:
        repo = TaskStore.over(second)
        assert await repo.steps.get(task.id) == task
        assert await repo.intake.used(1, DAY) == 1
        row = await second.fetchone("SELECT username FROM users WHERE user_id = 1")
        assert row is not None and row["username"] == "u"
        # A duplicate is still recognised after the restart.
        assert isinstance(await repo.intake.create(new_task(source_key="1:7"), limit=10), Duplicate)
        # And new tasks carry on numbering after the old ones.
        assert (await created(repo)).id > task.id
    finally:
        await second.close()


async def test_closed_database_refuses_queries(database_url: str) -> None:
    database = await open_database(database_url)
    await database.close()
    with pytest.raises(RuntimeError):
        await database.fetchone("SELECT 1")
    await database.close()  # closing twice is harmless


async def test_failed_transaction_rolls_back(db: Database, tasks: TaskStore) -> None:
    await created(tasks)
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            assert await tx.execute("DELETE FROM tasks") == 1
            raise ZeroDivisionError
    assert await tasks.queue.count_open() == 1


async def test_transaction_commits_what_it_did(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("a", "1"))
        await tx.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)", [("b", "2"), ("c", "3")]
        )
        row = await tx.fetchone("SELECT COUNT(*) FROM meta")
        assert row is not None and row[0] == 3
    rows = await db.fetchall("SELECT key, value FROM meta ORDER BY key")
    assert [(r["key"], r["value"]) for r in rows] == [("a", "1"), ("b", "2"), ("c", "3")]


def _count_then_fail() -> Generator[Step, list[Row], int]:
    yield Step("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "v"))
    rows = yield Step("SELECT COUNT(*) FROM meta")
    raise ZeroDivisionError(rows[0][0])


def _count() -> Generator[Step, list[Row], int]:
    yield Step("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "v"))
    rows = yield Step("SELECT COUNT(*) FROM meta")
    return int(rows[0][0])


async def test_a_script_commits_or_rolls_back_as_a_whole(db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        await db.run_script(_count_then_fail(), serialize_on=["user:1", "chat:-1"])
    assert await db.fetchall("SELECT * FROM meta") == []
    # The connection is usable afterwards: no transaction was left open.
    assert await db.run_script(_count(), serialize_on=["user:1"]) == 1
    assert len(await db.fetchall("SELECT * FROM meta")) == 1


async def test_a_failing_statement_rolls_the_script_back(db: Database) -> None:
    def twice() -> Generator[Step, list[Row], None]:
        yield Step("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "v"))
        yield Step("INSERT INTO meta (key, value) VALUES (?, ?)", ("k", "again"))

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await db.run_script(twice())
    assert await db.fetchall("SELECT * FROM meta") == []
    assert await db.ping()


async def test_scripts_on_one_lock_take_turns(db: Database) -> None:
    # Read, then write what was read plus one: without the lock two would read the same value.
    await db.execute("INSERT INTO meta (key, value) VALUES ('n', '0')")

    def bump() -> Generator[Step, list[Row], int]:
        rows = yield Step("SELECT value FROM meta WHERE key = 'n'")
        n = int(rows[0][0])
        yield Step("UPDATE meta SET value = ? WHERE key = 'n'", (str(n + 1),))
        return n

    seen = await asyncio.gather(*(db.run_script(bump(), serialize_on=["n"]) for _ in range(30)))
    assert sorted(seen) == list(range(30))
    row = await db.fetchone("SELECT value FROM meta WHERE key = 'n'")
    assert row is not None and row[0] == "30"


async def test_a_failed_commit_leaves_no_transaction_open(db: Database) -> None:
    # A deferred foreign key is checked at COMMIT: the commit itself fails.
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )

    def orphan() -> Generator[Step, list[Row], None]:
        yield Step("INSERT INTO child VALUES (99)")

    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await db.run_script(orphan(), serialize_on=["x"])
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO child VALUES (98)")
    # Both were rolled back, and the next transaction starts cleanly.
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO parent VALUES (1)")
    row = await db.fetchone("SELECT (SELECT COUNT(*) FROM child), (SELECT COUNT(*) FROM parent)")
    assert row is not None and tuple(row) == (0, 1)


async def test_a_question_mark_in_quotes_is_not_a_placeholder(db: Database) -> None:
    row = await db.fetchone("SELECT '?' AS mark, 'it''s ?' AS quoted, ? AS given", ("x",))
    assert row is not None
    assert (row["mark"], row["quoted"], row["given"]) == ("?", "it's ?", "x")
    assert dict(row) == {"mark": "?", "quoted": "it's ?", "given": "x"}


async def test_execute_counts_the_rows_it_changed(db: Database) -> None:
    await db.executemany(
        "INSERT INTO chat_limits (chat_id, daily_limit) VALUES (?, ?)", [(1, 1), (2, 2), (3, 3)]
    )
    assert await db.execute("UPDATE chat_limits SET daily_limit = 0 WHERE chat_id > ?", (1,)) == 2
    assert await db.execute("DELETE FROM chat_limits WHERE chat_id = ?", (99,)) == 0


def test_the_factory_picks_the_adapter_from_the_url(tmp_path: Path) -> None:
    assert isinstance(database_for(f"sqlite:///{tmp_path}/a.db"), SqliteDatabase)
    pg = database_for("postgresql://bot:s3cret@db.example:5432/bot", pool_size=3)
    assert isinstance(pg, PostgresDatabase)
    assert isinstance(database_for("postgres://bot@db.example/bot"), PostgresDatabase)
    assert "s3cret" not in repr(pg) and "***" in repr(pg)
    with pytest.raises(ValueError, match="must be") as info:
        database_for("mysql://bot:s3cret@db/bot")
    assert "s3cret" not in str(info.value)
