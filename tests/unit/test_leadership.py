"""One process leads at a time (on PostgreSQL; alone on SQLite it always leads): it takes the
lease, renews it, hands it over when it stops, and steps down the moment it can no longer be
sure it holds it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.runtime.leadership import Leadership
from storage import Database, LeaseRepository, open_database


@pytest.fixture
async def shared(postgres_url: str) -> AsyncIterator[Database]:
    # Several processes share a database only on PostgreSQL.
    database = await open_database(postgres_url)
    yield database
    await database.close()


class Run:
    """A Leadership running `lead` in the background, with what it went through."""

    def __init__(self, leadership: Leadership) -> None:
        self.leadership = leadership
        self.stop = asyncio.Event()
        self.leading = asyncio.Event()
        self.turns: list[int] = []
        self.lost_turns: list[int] = []
        self.lost = asyncio.Event()
        self.task = asyncio.create_task(leadership.run(self._lead, self.stop))

    async def _lead(self, lost: asyncio.Event) -> None:
        self.turns.append(self.leadership.epoch)
        self.leading.set()
        stopping = asyncio.create_task(self.stop.wait())
        losing = asyncio.create_task(lost.wait())
        await asyncio.wait({stopping, losing}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopping, losing):
            waiter.cancel()
        if lost.is_set():
            self.lost_turns.append(self.leadership.epoch)
            self.lost.set()
        self.leading.clear()

    async def end(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=10)
        await self.leadership.release()  # as the graceful stop does once work has finished


async def test_alone_on_sqlite_it_always_leads() -> None:
    leadership = Leadership(None, timeout=15)
    run = Run(leadership)
    await asyncio.wait_for(run.leading.wait(), timeout=5)
    assert leadership.is_leader and not leadership.shared and leadership.epoch == 0
    await run.end()


async def test_one_leads_the_other_stands_by_then_takes_over(shared: Database) -> None:
    leases = LeaseRepository(shared)
    first = Run(Leadership(leases, timeout=1.5, holder="first"))
    await asyncio.wait_for(first.leading.wait(), timeout=5)
    second = Run(Leadership(leases, timeout=1.5, holder="second"))
    await asyncio.sleep(1.0)  # several renewals and several tries by the second
    assert first.leadership.is_leader and not second.leadership.is_leader
    first.stop.set()
    await asyncio.wait_for(first.task, timeout=10)
    await asyncio.sleep(1.0)  # the stopping leader finishes its work: it still holds the lease
    assert first.leadership.is_leader and not second.leading.is_set()
    await first.leadership.release()  # the work is done: hand over at once
    await asyncio.wait_for(second.leading.wait(), timeout=5)
    assert second.turns == [first.turns[0] + 1]
    await second.end()


async def test_a_holder_whose_turn_was_taken_steps_down(shared: Database) -> None:
    leases = LeaseRepository(shared)
    run = Run(Leadership(leases, timeout=1.5, holder="slow"))
    await asyncio.wait_for(run.leading.wait(), timeout=5)
    # As if it had stalled past its lease: the lease ran out and another process took it.
    await shared.execute("UPDATE leases SET expires_at = 0")
    assert await leases.acquire("leader", "usurper", ttl=60) is not None
    await asyncio.wait_for(run.lost.wait(), timeout=10)
    assert not run.leadership.is_leader
    await run.end()


class Unreachable(LeaseRepository):
    """The database stops answering renewals."""

    fail = False

    async def renew(self, name: str, holder: str, epoch: int, ttl: float) -> None:  # type: ignore[override]
        if self.fail:
            raise ConnectionError("database unreachable")
        return await super().renew(name, holder, epoch, ttl)  # type: ignore[return-value]


async def test_a_holder_that_cannot_renew_steps_down_before_its_lease_runs_out(
    shared: Database,
) -> None:
    leases = Unreachable(shared)
    run = Run(Leadership(leases, timeout=1.5, holder="cut-off"))
    await asyncio.wait_for(run.leading.wait(), timeout=5)
    leases.fail = True
    await asyncio.wait_for(run.lost.wait(), timeout=10)
    # It stood down while its lease was still valid on the database's clock: nobody else could
    # have taken over yet, so two leaders never overlap.
    lease = await LeaseRepository(shared).current("leader")
    row = await shared.fetchone("SELECT extract(epoch FROM clock_timestamp())::float8")
    assert lease is not None and row is not None and lease.expires_at > float(row[0])
    await run.end()
