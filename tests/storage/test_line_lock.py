"""SQLite's one connection is taken in turns; a create's answer is stored ahead of the queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.sqlite.database import SqliteDatabase
from storage.sqlite.line_lock import LineLock


async def _take(lock: LineLock, name: str, order: list[str], *, urgent: bool = False) -> None:
    async with lock.hold(urgent=urgent):
        order.append(name)
        await asyncio.sleep(0)


async def test_urgent_waiters_go_before_ordinary_ones_in_arrival_order() -> None:
    lock, order = LineLock(), []
    async with lock.hold():
        waiters = [asyncio.create_task(_take(lock, f"o{i}", order)) for i in range(3)]
        waiters += [asyncio.create_task(_take(lock, f"u{i}", order, urgent=True)) for i in range(2)]
        await asyncio.sleep(0)
        assert lock.locked
    await asyncio.gather(*waiters)
    assert order == ["u0", "u1", "o0", "o1", "o2"]
    assert not lock.locked


async def test_a_cancelled_waiter_neither_takes_nor_blocks_the_lock() -> None:
    lock, order = LineLock(), []
    async with lock.hold():
        gone = asyncio.create_task(_take(lock, "gone", order, urgent=True))
        kept = asyncio.create_task(_take(lock, "kept", order))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
    await kept
    assert order == ["kept"] and gone.cancelled()
    assert not lock.locked


async def test_a_waiter_cancelled_as_it_was_handed_the_lock_passes_it_on() -> None:
    lock, order = LineLock(), []
    holding = lock.hold()
    await holding.__aenter__()
    handed = asyncio.create_task(_take(lock, "handed", order))
    after = asyncio.create_task(_take(lock, "after", order))
    await asyncio.sleep(0)
    await holding.__aexit__(None, None, None)  # hands the lock to `handed`, which has not run
    handed.cancel()
    await asyncio.gather(handed, return_exceptions=True)
    await after
    assert order == ["after"] and handed.cancelled()
    assert not lock.locked


async def test_urgent_statements_are_stored_before_a_crowd_of_ordinary_ones(
    tmp_path: Path,
) -> None:
    db = SqliteDatabase(tmp_path / "line.sqlite3")
    await db.connect()
    try:
        await db.execute("CREATE TABLE seen (what TEXT)")
        crowd = [
            asyncio.create_task(db.execute("INSERT INTO seen VALUES (?)", (f"crowd{i}",)))
            for i in range(50)
        ]
        await asyncio.sleep(0)  # the crowd is queued for the connection
        await db.urgent.execute("INSERT INTO seen VALUES ('urgent')")
        await asyncio.gather(*crowd)
        rows = await db.fetchall("SELECT what FROM seen ORDER BY rowid")
        position = [row[0] for row in rows].index("urgent")
        assert position <= 1, f"waited behind {position} ordinary statements"
    finally:
        await db.close()
