"""A group upgraded to a supergroup (issue 9): its rows follow it, once, on both backends."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from storage import (
    ChatMigrationRepository,
    ChatRepository,
    ChoiceRepository,
    Database,
    Limits,
    OutboxRepository,
    PaymentMade,
    PaymentRepository,
    TaskStore,
)
from storage.references import NewReference, ReferenceRepository
from tests.storage.helpers import DAY, T0, created, delivered_task, new_task, state_of

OLD, NEW = -4001, -1001000004001


async def group_task(tasks: TaskStore, user_id: int, key: str, chat_id: int = OLD) -> int:
    new = replace(new_task(user_id=user_id, source_key=key), chat_id=chat_id)
    outcome = await tasks.intake.create(new, limits=Limits(daily=None, is_group=True))
    return int(outcome.task.id)  # type: ignore[union-attr]


async def test_everything_under_the_old_id_follows_once(db: Database, tasks: TaskStore) -> None:
    open_id = await group_task(tasks, 1, "a")
    assert await tasks.steps.set_status_message(open_id, 55)
    done = await delivered_task(tasks)
    await db.execute("UPDATE tasks SET chat_id = ? WHERE id = ?", (OLD, done.id))
    elsewhere = await group_task(tasks, 2, "b", chat_id=-777)
    await ChatRepository(db).set_daily_limit(OLD, 3)
    await ChoiceRepository(db).set_chat_model(OLD, "flux-dev")
    await PaymentRepository(db).record(PaymentMade("c-1", 1, OLD, "pack:10:50", 10, 50, "XTR"), T0)
    outbox = OutboxRepository(db)
    await outbox.put(kind="method", chat_id=OLD, payload="{}", priority=1, now=T0)
    waiting = NewReference(
        "tok", 1, OLD, "as a watercolour", None, "image/png", b"png", T0, T0 + 900
    )
    await ReferenceRepository(db).keep(waiting)
    assert await tasks.intake.used_in_chat(OLD, DAY) == 2

    migrations = ChatMigrationRepository(db)
    assert await migrations.move(OLD, NEW, T0 + 1) is True
    assert await migrations.moved_to(OLD) == NEW

    # The group's count, its limit and model, its history, its payments and parcels.
    assert await tasks.intake.used_in_chat(NEW, DAY) == 2
    assert await tasks.intake.used_in_chat(OLD, DAY) == 0
    assert await ChatRepository(db).daily_limit(NEW) == 3
    assert await ChatRepository(db).daily_limit(OLD) is None
    assert (await ChoiceRepository(db).remembered(1, NEW)).chat_model == "flux-dev"
    history = await tasks.history.recent(1, 10, chat_id=NEW)
    assert {task.id for task in history} == {open_id, done.id}
    row = await db.fetchone("SELECT chat_id FROM payments WHERE charge_id = 'c-1'")
    assert row is not None and int(row[0]) == NEW
    [parcel] = await outbox.claim(1, 10)
    assert parcel.chat_id == NEW
    # A picture waiting for its model to be picked is the new chat's too.
    row = await db.fetchone("SELECT chat_id FROM reference_images WHERE token = 'tok'")
    assert row is not None and int(row[0]) == NEW
    # The open task's prompt and status were messages of the old chat; history keeps its own.
    moved = await tasks.steps.get(open_id)
    assert moved is not None and (moved.message_id, moved.status_message_id) == (None, None)
    kept = await tasks.steps.get(done.id)
    assert kept is not None and kept.message_id == 7
    assert (await tasks.steps.get(elsewhere)).chat_id == -777  # type: ignore[union-attr]

    # Seen again (the service message after the 400): nothing more changes.
    assert await migrations.move(OLD, NEW, T0 + 2) is False
    assert await tasks.intake.used_in_chat(NEW, DAY) == 2
    assert await ChatRepository(db).daily_limit(NEW) == 3
    assert await state_of(tasks, open_id) == moved.state


async def test_a_late_sighting_merges_with_what_the_new_chat_already_has(
    db: Database, tasks: TaskStore
) -> None:
    await group_task(tasks, 1, "a")
    await ChatRepository(db).set_daily_limit(OLD, 3)
    await ChoiceRepository(db).set_chat_model(OLD, "flux-dev")
    # The supergroup was used before the bot heard of the upgrade: its own rows exist.
    await group_task(tasks, 2, "b", chat_id=NEW)
    await ChatRepository(db).set_daily_limit(NEW, 5)

    assert await ChatMigrationRepository(db).move(OLD, NEW, T0) is True
    assert await tasks.intake.used_in_chat(NEW, DAY) == 2  # the counts add up
    assert await ChatRepository(db).daily_limit(NEW) == 5  # set later, by its admins
    assert (await ChoiceRepository(db).remembered(1, NEW)).chat_model == "flux-dev"
    assert await ChatRepository(db).daily_limit(OLD) is None


async def test_a_prompt_taken_in_under_the_old_id_afterwards_is_swept_up(
    db: Database, tasks: TaskStore
) -> None:
    migrations = ChatMigrationRepository(db)
    assert await migrations.move(OLD, NEW, T0)
    late = await group_task(tasks, 1, "late")
    # Any later sighting moves it, to the chat first recorded.
    assert await migrations.move(OLD, -1009, T0 + 1) is False
    assert (await tasks.steps.get(late)).chat_id == NEW  # type: ignore[union-attr]


async def test_sightings_at_once_apply_it_once(db: Database, tasks: TaskStore) -> None:
    await created(tasks)
    migrations = ChatMigrationRepository(db)
    applied = await asyncio.gather(*(migrations.move(OLD, NEW, T0) for _ in range(5)))
    assert sorted(applied) == [False] * 4 + [True]
