"""Telegram's "uploading photo…" in the chat while a picture is being made."""

from __future__ import annotations

import contextlib
import time

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiolimiter import AsyncLimiter

from storage import Task

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
