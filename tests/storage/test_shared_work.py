"""Leases and the outbox, on both backends: what lets several bot processes share one database."""

from __future__ import annotations

import asyncio

from storage import (
    Database,
    Dialect,
    LeaseRepository,
    NewTask,
    OutboxRepository,
    TaskStore,
    open_database,
)

NAME = "leader"


async def test_one_holder_at_a_time_and_turns_count_up(db: Database) -> None:
    leases = LeaseRepository(db)
    first = await leases.acquire(NAME, "a", ttl=30)
    assert first is not None and first.holder == "a" and first.epoch == 1
    assert await leases.acquire(NAME, "b", ttl=30) is None  # a holds it
    assert await leases.acquire(NAME, "a", ttl=30) is None  # not even twice by the same one
    renewed = await leases.renew(NAME, "a", first.epoch, ttl=30)
    assert renewed is not None and renewed.expires_at >= first.expires_at
    await leases.release(NAME, "a", first.epoch)
    second = await leases.acquire(NAME, "b", ttl=30)
    assert second is not None and second.holder == "b" and second.epoch == 2
    # The old turn can no longer be renewed or released: b's turn is safe from a.
    assert await leases.renew(NAME, "a", first.epoch, ttl=30) is None
    await leases.release(NAME, "a", first.epoch)
    assert (await leases.current(NAME)) == second


async def test_a_lease_that_ran_out_is_taken_over(db: Database) -> None:
    leases = LeaseRepository(db)
    old = await leases.acquire(NAME, "a", ttl=0.2)
    assert old is not None
    await asyncio.sleep(0.3)  # a stopped renewing (killed)
    new = await leases.acquire(NAME, "b", ttl=30)
    assert new is not None and new.epoch == old.epoch + 1
    assert await leases.renew(NAME, "a", old.epoch, ttl=30) is None


async def test_many_at_once_one_wins(database_url: str) -> None:
    databases = [await open_database(database_url) for _ in range(2)]
    try:
        tries = [
            LeaseRepository(databases[n % 2]).acquire(NAME, f"p{n}", ttl=30) for n in range(10)
        ]
        won = [lease for lease in await asyncio.gather(*tries) if lease is not None]
        assert len(won) == 1
    finally:
        for database in databases:
            await database.close()


async def test_outbox_hands_over_in_order_and_forgets_what_was_sent(db: Database) -> None:
    outbox = OutboxRepository(db)
    for n in range(3):
        await outbox.put(kind="method", chat_id=n, payload=f'{{"n": {n}}}', priority=1, now=n)
    await outbox.put(kind="status", chat_id=5, task_id=77, priority=2, droppable=True, now=9)
    claimed = await outbox.claim(epoch=1, limit=10)
    assert [p.chat_id for p in claimed] == [0, 1, 2, 5]
    assert claimed[3].kind == "status" and claimed[3].task_id == 77 and claimed[3].droppable
    assert await outbox.claim(epoch=1, limit=10) == []  # this turn has them all
    for parcel in claimed[:2]:
        await outbox.done(parcel.id)
    # The sender died with two unsent: the next turn takes them again.
    again = await outbox.claim(epoch=2, limit=10)
    assert [p.id for p in again] == [p.id for p in claimed[2:]]
    assert await outbox.waiting() == 2


async def test_another_process_hears_of_new_tasks_and_parcels(database_url: str) -> None:
    writer, listener = await open_database(database_url), await open_database(database_url)
    heard: dict[str, asyncio.Event] = {"tasks": asyncio.Event(), "outbox": asyncio.Event()}
    stops = [await listener.listen(name, event.set) for name, event in heard.items()]
    try:
        new = NewTask(None, 1, 1, 1, None, "a fox", "yandex-art", "2026-01-01", 0.0, 1e12)
        await TaskStore.over(writer).intake.create(new)
        await OutboxRepository(writer).put(kind="method", chat_id=1, priority=1, now=0)
        if listener.dialect is Dialect.SQLITE:
            # One process per file: there is nobody to tell, and nothing is heard.
            await asyncio.sleep(0.1)
            assert not any(event.is_set() for event in heard.values())
        else:
            await asyncio.wait_for(
                asyncio.gather(*(event.wait() for event in heard.values())), timeout=10
            )
    finally:
        for stop in stops:
            await stop()
        await writer.close()
        await listener.close()
