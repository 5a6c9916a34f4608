"""The bounds TaskIntake.create checks inside its one transaction: bans, /setlimit and
/grant, a group's own limit, MAX_ACTIVE_TASKS; each holds under a burst."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from storage import (
    AlertRepository,
    Banned,
    ChatRepository,
    Created,
    Database,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    TaskStore,
    TooManyActive,
    UserRepository,
)
from storage.sqlite.schema import MIGRATIONS
from tests.unit.test_storage import DAY, T0, new_task


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def tasks(db: Database) -> TaskStore:
    return TaskStore.over(db)


GROUP = -100500


def in_group(user_id: int, key: str) -> NewTask:
    return replace(new_task(user_id=user_id, source_key=key), chat_id=GROUP)


async def test_active_cap_holds_under_a_burst(tasks: TaskStore) -> None:
    limits = Limits(daily=None, max_active=2)
    outcomes = await asyncio.gather(
        *(tasks.intake.create(new_task(source_key=f"b{i}"), limits=limits) for i in range(20))
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 2
    assert all(o == TooManyActive(2, 2) for o in outcomes if not isinstance(o, Created))
    # An ended task frees its place.
    first = next(o for o in outcomes if isinstance(o, Created))
    await tasks.steps.mark_failed(first.task.id, "timeout", T0)
    assert isinstance(
        await tasks.intake.create(new_task(source_key="later"), limits=limits), Created
    )


async def test_operators_are_exempt_from_every_bound(tasks: TaskStore) -> None:
    limits = Limits(daily=1, max_active=1, group_daily=1, is_group=True, exempt=True)
    for i in range(3):
        assert isinstance(await tasks.intake.create(in_group(1, f"k{i}"), limits=limits), Created)


async def test_group_limit_holds_across_members(db: Database, tasks: TaskStore) -> None:
    limits = Limits(daily=10, group_daily=3, is_group=True)
    outcomes = await asyncio.gather(
        *(tasks.intake.create(in_group(1 + i % 4, f"g{i}"), limits=limits) for i in range(12))
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 3
    assert all(o == GroupOverQuota(3, 3) for o in outcomes if not isinstance(o, Created))
    # The group's own setting wins over GROUP_DAILY_LIMIT; 0 removes the limit.
    await ChatRepository(db).set_daily_limit(GROUP, 0)
    assert isinstance(await tasks.intake.create(in_group(9, "free"), limits=limits), Created)
    await ChatRepository(db).set_daily_limit(GROUP, 4)
    assert await tasks.intake.create(in_group(9, "spent"), limits=limits) == GroupOverQuota(4, 4)


async def test_group_limit_is_not_applied_in_private(tasks: TaskStore) -> None:
    limits = Limits(daily=10, group_daily=1, is_group=False)
    for i in range(3):
        assert isinstance(
            await tasks.intake.create(new_task(source_key=f"p{i}"), limits=limits), Created
        )


async def test_setlimit_and_grant_change_the_personal_limit(db: Database, tasks: TaskStore) -> None:
    users = UserRepository(db)
    limits = Limits(daily=1)
    assert isinstance(await tasks.intake.create(new_task(source_key="a"), limits=limits), Created)
    assert await tasks.intake.create(new_task(source_key="b"), limits=limits) == OverQuota(1, 1)
    assert await users.grant(1, DAY, 2) == 2
    assert isinstance(await tasks.intake.create(new_task(source_key="c"), limits=limits), Created)
    assert isinstance(await tasks.intake.create(new_task(source_key="d"), limits=limits), Created)
    assert await tasks.intake.create(new_task(source_key="e"), limits=limits) == OverQuota(3, 3)
    # A grant is for its day only; /setlimit is for good.
    other_day = replace(new_task(source_key="f"), quota_day="2024-05-02")
    assert isinstance(await tasks.intake.create(other_day, limits=limits), Created)
    assert await tasks.intake.create(
        replace(other_day, source_key="g"), limits=limits
    ) == OverQuota(1, 1)
    await users.set_daily_limit(1, 5, T0)
    assert isinstance(
        await tasks.intake.create(replace(other_day, source_key="h"), limits=limits), Created
    )


async def test_banned_user_starts_nothing(db: Database, tasks: TaskStore) -> None:
    users = UserRepository(db)
    await users.set_banned(1, True, T0)  # never seen before: the row is made
    assert (
        await tasks.intake.create(new_task(source_key="x"), limits=Limits(daily=None)) == Banned()
    )
    assert await tasks.queue.count_open() == 0
    await users.set_banned(1, False, T0)
    assert isinstance(
        await tasks.intake.create(new_task(source_key="y"), limits=Limits(daily=None)), Created
    )


async def test_find_by_username_ignores_case(db: Database) -> None:
    users = UserRepository(db)
    await users.seen(7, username="Alice", first_name="A", language_code="en", now=T0)
    assert await users.find_by_username("alice") == 7
    assert await users.find_by_username("bob") is None


async def test_alert_claim_once_per_window(db: Database) -> None:
    alerts = AlertRepository(db)
    claims = await asyncio.gather(*(alerts.claim("balance", T0, 3600) for _ in range(10)))
    assert claims.count(True) == 1
    assert not await alerts.claim("balance", T0 + 3599, 3600)
    assert await alerts.claim("key", T0 + 10, 3600)  # each kind on its own
    assert await alerts.claim("balance", T0 + 3600, 3600)


async def test_cancel_waiting_only_touches_new_and_submitted(tasks: TaskStore) -> None:
    waiting = await tasks.intake.create(new_task(source_key="w"), limit=None)
    running = await tasks.intake.create(new_task(source_key="r"), limit=None)
    ready = await tasks.intake.create(new_task(source_key="d"), limit=None)
    other = await tasks.intake.create(new_task(user_id=2, source_key="o"), limit=None)
    assert isinstance(waiting, Created) and isinstance(running, Created)
    assert isinstance(ready, Created) and isinstance(other, Created)
    await tasks.steps.claim_submit(running.task.id, T0)
    await tasks.steps.mark_submitted(running.task.id, "u1", next_at=T0, now=T0)
    await tasks.steps.claim_submit(ready.task.id, T0)
    await tasks.steps.mark_ready(ready.task.id, "http://x", upstream_id="u2", now=T0)
    cancelled = await tasks.history.cancel_waiting(1, "cancelled", T0)
    assert sorted(t.id for t in cancelled) == [waiting.task.id, running.task.id]
    assert all(t.state == "failed" and not t.charged for t in cancelled)
    # A cancelled task can no longer move on, even if its poll was under way.
    assert not await tasks.steps.mark_ready(running.task.id, "http://late", now=T0)
    assert await tasks.intake.used(1, DAY) == 1


async def test_a_database_from_before_issue_4_upgrades_in_place(tmp_path: Path) -> None:
    # A file at the previous schema version, with a task in flight, as a deployment has it.
    path = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(path)) as raw:
        for script in MIGRATIONS[:-1]:
            raw.executescript(script)
        raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
        raw.execute(
            "INSERT INTO tasks (user_id, chat_id, prompt, model, state, quota_day, created_at, "
            "updated_at, next_at, deadline) VALUES (1, 1, 'p', 'm', 'submitted', ?, 0, 0, 0, 9)",
            (DAY,),
        )
        raw.commit()
    database = Database(path)
    await database.connect()
    try:
        task = await TaskStore.over(database).steps.get(1)
        assert task is not None and task.locale == "en"  # older tasks speak the default
        assert await UserRepository(database).chosen_locale(1) is None
        version = await database.fetchone("PRAGMA user_version")
        assert version is not None and version[0] == len(MIGRATIONS)
    finally:
        await database.close()
