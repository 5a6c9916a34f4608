"""The open-task count behind /metrics, kept a few seconds.

Anyone who can reach the port may scrape /metrics as often as they like, and each count is a
query on the task table. Scrapes within `ttl` of a count share it (concurrent ones too)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

TTL = 5.0


class OpenTaskCount:
    def __init__(
        self,
        count: Callable[[], Awaitable[int]],
        *,
        ttl: float = TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._count = count
        self._ttl = ttl
        self._clock = clock
        self._value: int | None = None
        self._at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self) -> int:
        async with self._lock:
            if self._value is None or self._clock() - self._at >= self._ttl:
                self._value = await self._count()
                self._at = self._clock()
            return self._value
