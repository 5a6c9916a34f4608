"""What only the SQLite adapter has: the file itself, WAL, PRAGMA user_version and its
upgrades in place, and the one-trip transaction that intake throughput rests on."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from storage import TaskStore, UserRepository
from storage.sqlite import SqliteDatabase
from storage.sqlite.schema import MIGRATIONS
from tests.storage.helpers import DAY, T0, created


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "state" / "bot.sqlite3")
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def tasks(db: SqliteDatabase) -> TaskStore:
    return TaskStore.over(db)


async def test_connect_creates_the_file_and_sets_user_version(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "bot.sqlite3"
    database = SqliteDatabase(path)
    await database.connect()
    try:
        row = await database.fetchone("PRAGMA user_version")
        assert row is not None
        assert row[0] == len(MIGRATIONS) >= 1
        mode = await database.fetchone("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
    finally:
        await database.close()
    assert path.exists()
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"tasks", "users"} <= names


async def test_one_trip_transaction_rolls_back_on_error(
    db: SqliteDatabase, tasks: TaskStore
) -> None:
    await created(tasks)

    def wipe_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM tasks")
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await db.in_one_trip(wipe_then_fail)
    assert await tasks.queue.count_open() == 1
    # The connection is usable afterwards: no transaction was left open.
    assert (
        await db.in_one_trip(
            lambda conn: conn.execute("SELECT COUNT(*) FROM tasks").fetchall()[0][0]
        )
        == 1
    )


async def test_a_failed_one_trip_commit_leaves_no_transaction_open(db: SqliteDatabase) -> None:
    # A deferred foreign key is checked at COMMIT: the commit itself fails.
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )

    def orphan(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO child VALUES (99)")

    with pytest.raises(sqlite3.IntegrityError):
        await db.in_one_trip(orphan)
    await db.in_one_trip(lambda conn: conn.execute("INSERT INTO parent VALUES (1)"))
    row = await db.fetchone("SELECT (SELECT COUNT(*) FROM child), (SELECT COUNT(*) FROM parent)")
    assert row is not None and tuple(row) == (0, 1)


async def test_one_trip_transaction_commits_and_returns(
    db: SqliteDatabase, tasks: TaskStore
) -> None:
    await created(tasks)
    deleted = await db.in_one_trip(lambda conn: conn.execute("DELETE FROM tasks").rowcount)
    assert deleted == 1
    assert await tasks.queue.count_open() == 0


async def test_one_trip_transactions_do_not_interleave(db: SqliteDatabase) -> None:
    # Read-then-write from many coroutines at once: each sees the previous one's write.
    await db.execute("CREATE TABLE counter (n INTEGER)")
    await db.execute("INSERT INTO counter VALUES (0)")

    def bump(conn: sqlite3.Connection) -> int:
        n = int(conn.execute("SELECT n FROM counter").fetchall()[0][0])
        conn.execute("UPDATE counter SET n = ?", (n + 1,))
        return n

    seen = await asyncio.gather(*(db.in_one_trip(bump) for _ in range(50)))
    assert sorted(seen) == list(range(50))
    row = await db.fetchone("SELECT n FROM counter")
    assert row is not None and row[0] == 50


async def test_intake_is_one_trip(db: SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole check-and-insert goes to the database thread once, whatever it holds.
    trips = 0
    one_trip = db.in_one_trip

    async def counted(work):  # type: ignore[no-untyped-def]
        nonlocal trips
        trips += 1
        return await one_trip(work)

    monkeypatch.setattr(db, "in_one_trip", counted)
    await created(TaskStore.over(db))
    assert trips == 1


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)), ids=lambda v: f"from-v{v}")
async def test_an_older_file_upgrades_in_place(tmp_path: Path, version: int) -> None:
    # A file at an older schema version, with a task in flight, as a deployment has it.
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as raw:
        for script in MIGRATIONS[:version]:
            raw.executescript(script)
        raw.execute(f"PRAGMA user_version = {version}")
        raw.execute(
            "INSERT INTO tasks (user_id, chat_id, prompt, model, state, quota_day, created_at, "
            "updated_at, next_at, deadline) VALUES (1, 1, 'p', 'm', 'submitted', ?, 0, 0, 0, 9)",
            (DAY,),
        )
        raw.execute(
            "INSERT INTO users (user_id, username, first_seen, last_seen) VALUES (7, 'Alice', 0, 0)"
        )
        raw.commit()
    database = SqliteDatabase(path)
    await database.connect()
    try:
        task = await TaskStore.over(database).steps.get(1)
        assert task is not None and task.locale == "en"  # older tasks speak the default
        assert [t.id for t in await TaskStore.over(database).queue.due(T0, 10)] == [1]
        users = UserRepository(database)
        assert await users.chosen_locale(1) is None
        assert await users.find_by_username("alice") == 7
        version_row = await database.fetchone("PRAGMA user_version")
        assert version_row is not None and version_row[0] == len(MIGRATIONS)
        plan = await database.fetchall(
            "EXPLAIN QUERY PLAN SELECT user_id FROM users WHERE lower(username) = lower(?)",
            ("alice",),
        )
        assert any("users_username_lower" in str(tuple(step)) for step in plan)
    finally:
        await database.close()
