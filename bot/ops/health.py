"""Is the bot well? The database answers and the background loop is alive and ticking."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class _Pingable(Protocol):
    async def ping(self) -> bool: ...


class _Lease(Protocol):
    @property
    def shared(self) -> bool: ...

    @property
    def is_leader(self) -> bool: ...


class _Alone:
    shared = False
    is_leader = True


class _Loop(Protocol):
    @property
    def running(self) -> bool: ...

    @property
    def last_tick(self) -> float: ...


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    details: dict[str, Any]


class Health:
    def __init__(
        self,
        *,
        db: _Pingable,
        poller: _Loop,
        max_tick_age: float,
        lease: _Lease | None = None,
        db_timeout: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._poller = poller
        # Several processes: only the lease holder runs the background loop; the others stand
        # by (healthy, and ready to take over), so the loop is checked only where it runs.
        self._lease: _Lease = lease or _Alone()
        # The loop ticks at least every idle wait; a few missed ticks mean it is stuck.
        self._max_tick_age = max_tick_age
        self._db_timeout = db_timeout
        self._clock = clock

    async def check(self) -> HealthReport:
        try:
            db_ok = await asyncio.wait_for(self._db.ping(), timeout=self._db_timeout)
        except Exception:
            db_ok = False  # a closed, locked or broken database: the bot cannot work
        details: dict[str, Any] = {"database": "ok" if db_ok else "failing"}
        poller_ok = True
        if self._lease.is_leader:
            age = self._clock() - self._poller.last_tick
            poller_ok = self._poller.running and age <= self._max_tick_age
            running = self._poller.running
            details["poller"] = "ok" if poller_ok else ("stalled" if running else "stopped")
            details["last_tick_age"] = round(age, 1) if self._poller.last_tick else None
        else:
            details["poller"] = "standby"
        if self._lease.shared:
            details["lease"] = "held" if self._lease.is_leader else "standby"
        return HealthReport(ok=db_ok and poller_ok, details=details)
