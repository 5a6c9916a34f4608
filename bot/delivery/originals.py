"""The full-quality file behind the "original file" button: kept when the picture arrives
(GPTunnel's link dies after 48 hours), sent as a document when asked, pruned after a while."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.telegram.sender import Priority, Sender
from storage import OriginalRepository, Task, TaskSteps

# Originals are kept past GPTunnel's 48-hour link, then pruned.
ORIGINAL_KEEP = 72 * 3600.0
PRUNE_EVERY = 600.0


class Sent(StrEnum):
    SENT = "sent"
    GONE = "gone"  # pruned, or never kept
    UNKNOWN = "unknown"  # no such picture in this chat


class Originals:
    def __init__(
        self,
        *,
        originals: OriginalRepository,
        tasks: TaskSteps,
        sender: Sender,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._originals = originals
        self._tasks = tasks
        self._send = sender
        self._clock = clock
        self._pruned_at = 0.0

    async def keep(self, task: Task, raw: bytes, url: str) -> None:
        now = self._clock()
        suffix = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
        ext = suffix if suffix.isalnum() and len(suffix) <= 5 else "webp"
        await self._originals.save(task.id, raw, f"picture-{task.id}.{ext}", now)
        if now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            await self._originals.prune(now - ORIGINAL_KEEP)

    async def send(self, task_id: int, *, chat_id: int, reply_to: int) -> Sent:
        """The kept original of the picture pressed under (`reply_to`), as a document replying
        to it. Any other message, though in the same chat, names no picture: the button's data
        comes from the client."""
        task = await self._tasks.get(task_id)
        if task is None or task.chat_id != chat_id or task.picture_message_id != reply_to:
            return Sent.UNKNOWN
        original = await self._originals.get(task.id)
        if original is None:
            return Sent.GONE
        try:
            await self._send(
                SendDocument(
                    chat_id=task.chat_id,
                    document=BufferedInputFile(original.data, original.filename),
                    reply_parameters=ReplyParameters(
                        message_id=reply_to, allow_sending_without_reply=True
                    ),
                    message_thread_id=task.thread_id,
                ),
                priority=Priority.PHOTO,
            )
        except TelegramAPIError:
            return Sent.GONE
        return Sent.SENT
