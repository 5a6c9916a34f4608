"""Which process does the work that spends the bot token's and the GPTunnel key's budgets.

Telegram's flood limits and GPTunnel's request budget are per token, not per process, so the
background loop, the sender and long polling run in one process at a time: the one holding
the lease. It renews the lease every third of LEASE_TIMEOUT; a process killed stops renewing
and another takes over once the lease has run out. A holder that cannot renew (the database
unreachable, the process stalled) stops acting for it before the lease can run out, so two
processes never act as leader at once. With SQLite there is one process: it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

from storage import Lease, LeaseRepository

log = logging.getLogger(__name__)

LEASE_NAME = "leader"
# A holder stops this long before its lease runs out on the database's clock: renewals in
# flight and clocks ticking at slightly different rates never let two processes lead at once.
SAFETY = 0.2  # of the timeout

Lead = Callable[[asyncio.Event], Awaitable[None]]


def holder_name() -> str:
    """This process, as other processes see it in the lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leadership:
    def __init__(
        self,
        leases: LeaseRepository | None,
        *,
        timeout: float,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # None: one process owns the database (SQLite), so it leads for good.
        self._leases = leases
        self._timeout = timeout
        self.holder = holder or holder_name()
        self._clock = clock
        self._lease: Lease | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._on_change: list[Callable[[bool], None]] = []

    @property
    def shared(self) -> bool:
        """Other processes may share the database (and so the work)."""
        return self._leases is not None

    @property
    def is_leader(self) -> bool:
        return self._leases is None or self._lease is not None

    @property
    def epoch(self) -> int:
        """This process's turn as leader (0 when it is the only process)."""
        return 0 if self._lease is None else self._lease.epoch

    def on_change(self, listener: Callable[[bool], None]) -> None:
        """Hear when this process starts (True) or stops (False) leading."""
        self._on_change.append(listener)

    async def run(self, lead: Lead, stop: asyncio.Event) -> None:
        """Until `stop`: wait for the lease, then `lead(lost)` until the lease is lost (`lost`
        is set) or `stop`; then stand by again. `lead` must return soon after either."""
        if self._leases is None:
            await lead(asyncio.Event())  # never lost
            return
        while not stop.is_set():
            lease = await self._try_acquire(self._leases)
            if lease is None:
                await _sleep_unless(stop, self._timeout / 3)
                continue
            await self._hold(self._leases, lease, lead, stop)

    async def _try_acquire(self, leases: LeaseRepository) -> Lease | None:
        try:
            return await leases.acquire(LEASE_NAME, self.holder, self._timeout)
        except Exception as exc:
            log.warning("could not ask for the lease: %s: %s", type(exc).__name__, exc)
            return None

    async def _hold(
        self, leases: LeaseRepository, lease: Lease, lead: Lead, stop: asyncio.Event
    ) -> None:
        self._lease = lease
        lost = asyncio.Event()
        log.info("this process now leads (turn %s)", lease.epoch)
        self._tell(True)
        self._keeper = asyncio.create_task(self._keep(leases, lease, lost), name="lease-keeper")
        try:
            await lead(lost)
        finally:
            if lost.is_set() or not stop.is_set():
                await self._let_go(lease, hand_over=False)
            # Stopping on purpose: the lease is kept, and renewed, until release() once the
            # work under way has finished; then it is handed over at once.

    async def release(self) -> None:
        """Hand the lease over now (after a graceful stop has let the work finish), rather
        than let another process wait for it to run out."""
        if self._lease is not None:
            await self._let_go(self._lease, hand_over=True)

    async def _let_go(self, lease: Lease, *, hand_over: bool) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
        self._lease = None
        self._tell(False)
        if hand_over and self._leases is not None:
            with contextlib.suppress(Exception):
                await self._leases.release(LEASE_NAME, self.holder, lease.epoch)
        log.info("this process no longer leads (turn %s)", lease.epoch)

    async def _keep(self, leases: LeaseRepository, lease: Lease, lost: asyncio.Event) -> None:
        """Renew every third of the timeout; give up the moment the turn is gone or would run
        out before a renewal lands."""
        valid_until = self._clock() + self._timeout * (1 - SAFETY)
        while True:
            await asyncio.sleep(self._timeout / 3)
            asked_at = self._clock()
            try:
                renewed = await asyncio.wait_for(
                    leases.renew(LEASE_NAME, self.holder, lease.epoch, self._timeout),
                    timeout=max(valid_until - asked_at, 0.01),
                )
            except Exception as exc:
                if self._clock() >= valid_until:
                    log.error("the lease could not be renewed in time (%s): stepping down", exc)
                    lost.set()
                    return
                log.warning("renewing the lease failed (%s): trying again", exc)
                continue
            if renewed is None:
                log.error("the lease passed to another process: stepping down")
                lost.set()
                return
            valid_until = asked_at + self._timeout * (1 - SAFETY)

    def _tell(self, leading: bool) -> None:
        for listener in self._on_change:
            listener(leading)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
