"""Dispatcher middlewares for running in production: updates in flight, and whom logs are about."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User

from bot.ops.logs import log_context

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdatesInFlight(BaseMiddleware):
    """Knows which updates are being handled, so shutdown can let them finish.

    aiogram runs each update as its own task (polling and webhook alike) and does not wait for
    them when it stops; a prompt half-way into storage and GPTunnel deserves the chance to end.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            if task is not None:
                self._tasks.discard(task)

    @property
    def count(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` for the updates under way; returns how many did not finish."""
        await asyncio.sleep(0)  # updates accepted just now get to start and be counted
        pending = {t for t in self._tasks if t is not asyncio.current_task()}
        if not pending:
            return 0
        _done, still = await asyncio.wait(pending, timeout=max(timeout, 0.0))
        return len(still)

    def cancel(self) -> None:
        """Past the shutdown deadline: what is left would run against closed connections."""
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()


class LogContext(BaseMiddleware):
    """Every log line written while an update is handled names its user and chat."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        with log_context(
            user_id=user.id if isinstance(user, User) else None,
            chat_id=chat.id if isinstance(chat, Chat) else None,
        ):
            return await handler(event, data)
