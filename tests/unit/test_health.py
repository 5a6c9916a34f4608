"""Health: the database must answer and the background loop must have ticked recently."""

from __future__ import annotations

import asyncio

from bot.ops.health import Health


class Db:
    def __init__(self, *, ok: bool = True, error: bool = False, hang: bool = False) -> None:
        self.ok, self.error, self.hang = ok, error, hang

    async def ping(self) -> bool:
        if self.hang:
            await asyncio.sleep(60)
        if self.error:
            raise RuntimeError("database is not connected")
        return self.ok


class Loop:
    def __init__(self, *, running: bool = True, last_tick: float = 1000.0) -> None:
        self.running = running
        self.last_tick = last_tick


def health(db: Db, loop: Loop, now: float = 1010.0) -> Health:
    return Health(db=db, poller=loop, max_tick_age=90.0, db_timeout=0.05, clock=lambda: now)


async def test_healthy_when_both_answer() -> None:
    report = await health(Db(), Loop()).check()
    assert report.ok
    assert report.details == {"database": "ok", "poller": "ok", "last_tick_age": 10.0}


async def test_a_stopped_loop_is_unhealthy() -> None:
    report = await health(Db(), Loop(running=False)).check()
    assert not report.ok and report.details["poller"] == "stopped"


async def test_a_loop_that_has_not_ticked_for_long_is_stalled() -> None:
    report = await health(Db(), Loop(last_tick=1000.0), now=1091.0).check()
    assert not report.ok and report.details["poller"] == "stalled"
    assert (await health(Db(), Loop(last_tick=1000.0), now=1089.0).check()).ok


async def test_a_failing_or_hanging_database_is_unhealthy() -> None:
    for db in (Db(error=True), Db(hang=True), Db(ok=False)):
        report = await health(db, Loop()).check()
        assert not report.ok and report.details["database"] == "failing"


class Lease:
    def __init__(self, *, leader: bool) -> None:
        self.shared = True
        self.is_leader = leader


async def test_a_standby_process_is_healthy_without_a_loop_and_says_so() -> None:
    stopped = Loop(running=False)  # a standby runs no background loop
    check = Health(db=Db(), poller=stopped, max_tick_age=90.0, lease=Lease(leader=False))
    report = await check.check()
    assert report.ok
    assert report.details == {"database": "ok", "poller": "standby", "lease": "standby"}


async def test_the_lease_holder_is_checked_like_a_lone_process() -> None:
    held = Lease(leader=True)
    good = Health(db=Db(), poller=Loop(), max_tick_age=90.0, lease=held, clock=lambda: 1010.0)
    assert (await good.check()).details["lease"] == "held"
    bad = Health(db=Db(), poller=Loop(running=False), max_tick_age=90.0, lease=held)
    assert not (await bad.check()).ok
