"""The one way out to Telegram: paces sends and survives flood waits and network blips."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiolimiter import AsyncLimiter

from bot.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")


class Sender:
    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 30.0,
        max_flood_waits: int = 5,
        max_network_retries: int = 3,
        network_backoff: float = 1.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._bot = bot
        # Telegram allows about 30 messages a second per bot before it answers 429.
        self._limiter = AsyncLimiter(per_second, 1.0)
        self._max_flood_waits = max_flood_waits
        self._max_network_retries = max_network_retries
        self._network_backoff = network_backoff
        self._paused_until = 0.0
        self.flood_waits = 0

    async def __call__(self, method: TelegramMethod[T]) -> T:
        flood_waits = 0
        network_errors = 0
        while True:
            await self._wait_pause()
            async with self._limiter:
                try:
                    return await self._bot(method)
                except TelegramRetryAfter as exc:
                    flood_waits += 1
                    self.flood_waits += 1
                    self._metrics.telegram_429.inc()
                    log.warning(
                        "Telegram flood control on %s: retry after %s s",
                        type(method).__name__,
                        exc.retry_after,
                    )
                    if flood_waits > self._max_flood_waits:
                        raise
                    # Everything waits: a 429 means the bot as a whole is going too fast.
                    self._paused_until = max(self._paused_until, time.monotonic() + exc.retry_after)
                except (TelegramNetworkError, TelegramServerError) as exc:
                    network_errors += 1
                    if network_errors > self._max_network_retries:
                        raise
                    log.warning(
                        "Telegram %s on %s, retrying", type(exc).__name__, type(method).__name__
                    )
                    await asyncio.sleep(self._network_backoff * 2 ** (network_errors - 1))

    async def _wait_pause(self) -> None:
        delay = self._paused_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
