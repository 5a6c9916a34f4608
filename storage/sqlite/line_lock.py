"""A lock with a fast lane: the one connection's turn goes to urgent callers first."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class LineLock:
    """Like `asyncio.Lock`, but an `urgent` waiter is served before every ordinary one (first
    come, first served within each lane). Under a crowd of prompts hundreds of coroutines wait
    for SQLite's one connection; a create's answer must not wait behind them to be stored."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @property
    def locked(self) -> bool:
        return self._held

    @asynccontextmanager
    async def hold(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._ordinary).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed the lock just as it was cancelled: pass it on
            raise

    def _release(self) -> None:
        """Hand the lock straight to the next live waiter, or free it."""
        for lane in (self._urgent, self._ordinary):
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._held = False
