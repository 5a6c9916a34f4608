"""Telegram's "uploading photo…" in the chat while a picture is being made."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiolimiter import AsyncLimiter

from storage import Task

log = logging.getLogger(__name__)

# Telegram shows a chat action for about five seconds.
ACTION_REFRESH = 4.5


class WorkingSign:
    def __init__(self, *, bot: Bot, refresh: float = ACTION_REFRESH) -> None:
        self._bot = bot
        # Cosmetic: it gets a small budget of its own and is skipped, never queued, when that
        # budget is spent.
        self._budget = AsyncLimiter(10, 1.0)
        self._last: dict[int, float] = {}
        self._refresh = refresh

    async def show(self, task: Task) -> None:
        now = time.monotonic()
        last = self._last.get(task.chat_id)
        if last is not None and now - last < self._refresh:
            return
        if not self._budget.has_capacity():
            return
        await self._budget.acquire()
        if len(self._last) > 10_000:
            self._last = {chat: at for chat, at in self._last.items() if now - at < self._refresh}
        self._last[task.chat_id] = now
        with contextlib.suppress(TelegramAPIError):
            await self._bot.send_chat_action(
                task.chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=task.thread_id
            )


@contextlib.asynccontextmanager
async def uploading_photo(
    bot: Bot, chat_id: int, thread_id: int | None, *, every: float = ACTION_REFRESH
) -> AsyncIterator[None]:
    """ "Uploading photo…" shown for as long as the block runs.

    aiogram's ChatActionSender let an error of its background call escape unretrieved (a
    group upgraded to a supergroup, a bot kicked out): this one stops showing, quietly, and
    the send that follows meets the same answer and deals with it."""

    async def show() -> None:
        while True:
            try:
                await bot.send_chat_action(
                    chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=thread_id
                )
            except TelegramAPIError as exc:
                log.debug("no chat action in chat %s: %s", chat_id, exc)
                return
            await asyncio.sleep(every)

    shower = asyncio.create_task(show(), name=f"uploading-{chat_id}")
    try:
        yield
    finally:
        shower.cancel()
        await asyncio.gather(shower, return_exceptions=True)
