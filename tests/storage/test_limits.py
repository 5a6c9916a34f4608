"""The bounds TaskIntake.create checks inside its one transaction: bans, /setlimit and
/grant, a group's own limit, MAX_ACTIVE_TASKS; each holds under a burst, on every backend,
and between two processes sharing one database."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from storage import (
    Banned,
    ChatRepository,
    Created,
    Database,
    Duplicate,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    TaskStore,
    TooManyActive,
    UserRepository,
    open_database,
)
from tests.storage.helpers import DAY, T0, new_task

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
        *(tasks.intake.create(in_group(1 + i % 5, f"g{i}"), limits=limits) for i in range(20))
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


async def test_cancel_waiting_only_touches_new(tasks: TaskStore) -> None:
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
    assert [t.id for t in cancelled] == [waiting.task.id]
    assert all(t.state == "failed" and not t.charged for t in cancelled)
    # What GPTunnel is drawing goes on, charged: the operator pays for it either way.
    assert await tasks.history.count_drawing(1) == 2
    assert await tasks.history.count_drawing(2) == 0
    assert await tasks.steps.mark_ready(running.task.id, "http://late", now=T0)
    assert await tasks.intake.used(1, DAY) == 2
    # A cancelled task can no longer be started upstream.
    assert await tasks.steps.claim_submit(waiting.task.id, T0) is None


async def test_setlimit_and_grant_hold_under_a_burst(db: Database, tasks: TaskStore) -> None:
    users = UserRepository(db)
    await users.set_daily_limit(1, 1, T0)
    await users.grant(1, DAY, 2)
    outcomes = await asyncio.gather(
        *(
            tasks.intake.create(new_task(source_key=f"s{i}"), limits=Limits(daily=10))
            for i in range(20)
        )
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 3
    assert all(o == OverQuota(3, 3) for o in outcomes if not isinstance(o, Created))
    assert await tasks.intake.used(1, DAY) == 3


async def test_personal_and_group_limits_hold_together_under_a_burst(tasks: TaskStore) -> None:
    # Five members, five prompts each, at once: one each (personal), five in all (group).
    limits = Limits(daily=1, group_daily=5, is_group=True)
    outcomes = await asyncio.gather(
        *(
            tasks.intake.create(in_group(member, f"m{member}:{i}"), limits=limits)
            for member in range(1, 6)
            for i in range(5)
        )
    )
    made = [o for o in outcomes if isinstance(o, Created)]
    assert sorted(o.task.user_id for o in made) == [1, 2, 3, 4, 5]
    assert await tasks.intake.used_in_chat(GROUP, DAY) == 5


async def test_operators_bursting_in_a_group_are_all_taken(tasks: TaskStore) -> None:
    limits = Limits(daily=1, max_active=1, group_daily=1, is_group=True, exempt=True)
    outcomes = await asyncio.gather(
        *(tasks.intake.create(in_group(1 + i % 2, f"op{i}"), limits=limits) for i in range(20))
    )
    assert all(isinstance(o, Created) for o in outcomes)
    assert await tasks.intake.used_in_chat(GROUP, DAY) == 20


async def test_one_message_taken_in_by_many_at_once_is_one_task(tasks: TaskStore) -> None:
    # The same key from different people (who lock different rows): one task, the rest
    # duplicates of it, and never an error.
    outcomes = await asyncio.gather(
        *(
            tasks.intake.create(new_task(user_id=user, source_key="shared"), limit=None)
            for user in range(1, 21)
        )
    )
    made = [o for o in outcomes if isinstance(o, Created)]
    dups = [o for o in outcomes if isinstance(o, Duplicate)]
    assert len(made) == 1 and len(dups) == 19
    assert {d.task.id for d in dups} == {made[0].task.id}


async def test_bounds_hold_between_two_processes(database_url: str, tasks: TaskStore) -> None:
    # A second process on the same database (a second pool, or a second connection to the
    # file): the group's limit, a person's limit and the active cap hold across both.
    other = await open_database(database_url)
    try:
        stores = (tasks, TaskStore.over(other))
        group = Limits(daily=2, group_daily=3, is_group=True)
        outcomes = await asyncio.gather(
            *(
                stores[i % 2].intake.create(in_group(1 + i % 5, f"two{i}"), limits=group)
                for i in range(20)
            )
        )
        assert sum(isinstance(o, Created) for o in outcomes) == 3
        personal = Limits(daily=2)
        outcomes = await asyncio.gather(
            *(
                stores[i % 2].intake.create(
                    new_task(user_id=9, source_key=f"p{i}"), limits=personal
                )
                for i in range(20)
            )
        )
        assert sum(isinstance(o, Created) for o in outcomes) == 2
        capped = Limits(daily=None, max_active=2)
        outcomes = await asyncio.gather(
            *(
                stores[i % 2].intake.create(new_task(user_id=8, source_key=f"c{i}"), limits=capped)
                for i in range(20)
            )
        )
        assert sum(isinstance(o, Created) for o in outcomes) == 2
    finally:
        await other.close()
