"""GPTunnel's request budget for polls: GPTUNNEL_MAX_RPS in any one-second window, as GPTunnel
counts them, that is when they arrive.

Polls leave evenly spaced (aiolimiter's leaky bucket, one at a time), but they arrive with the
network's and the machine's jitter: two that left 40 ms apart may arrive 20 ms apart. So on
top of the spacing, no more than the budget leaves within any window a little longer than a
second (`WINDOW`): arrivals then fit in any one-second window unless the jitter exceeds the
difference.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

from aiolimiter import AsyncLimiter

WINDOW = 1.1


class PollBudget:
    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._spacing = AsyncLimiter(1, 1 / per_second)
        self._limit = max(math.floor(per_second), 1)
        self._sent: deque[float] = deque()
        self._turn = asyncio.Lock()
        self._clock = clock

    async def acquire(self) -> None:
        await self._spacing.acquire()
        async with self._turn:
            while len(self._sent) >= self._limit:
                wait = self._sent[0] + WINDOW - self._clock()
                if wait <= 0:
                    self._sent.popleft()
                else:
                    await asyncio.sleep(wait)
            self._sent.append(self._clock())
