"""The "drawing…" reply to a prompt: posted in the background at low priority, and removed
(or left saying "done") once the picture is there."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramNotFound
from aiogram.methods import DeleteMessage, EditMessageText, SendMessage

from bot.delivery.progress import STATUS_BACKLOG
from bot.delivery.reply import reply_to
from bot.delivery.superseded import Superseded
from bot.language import texts
from bot.language.catalogues import Translator
from bot.telegram.sender import Dropped, Priority, Sender
from storage import Task, TaskSteps

log = logging.getLogger(__name__)


class StatusMessages:
    def __init__(
        self,
        *,
        sender: Sender,
        tasks: TaskSteps,
        translator: Translator,
        superseded: Superseded,
    ) -> None:
        self._send = sender
        self._tasks = tasks
        self._t = translator
        self._superseded = superseded
        self._background: set[asyncio.Task[None]] = set()

    def post_soon(self, task: Task) -> None:
        """Send the status in the background, so the prompt's update can be let go at once.
        With a long queue to Telegram it is skipped: the photo itself comes first anyway."""
        if self._send.queued >= STATUS_BACKLOG:
            return
        job = asyncio.create_task(self.post(task), name=f"status-{task.id}")
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait until every status under way has gone out (tests, and nothing else)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self) -> None:
        jobs = list(self._background)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)

    async def post(self, task: Task) -> None:
        """Low priority: under load it waits, and if the photo or a failure notice gets there
        first it is dropped, or removed once it lands."""
        try:
            status = await self._send(
                SendMessage(
                    chat_id=task.chat_id,
                    text=texts.working(self._t(task.locale)),
                    reply_parameters=reply_to(task),
                    message_thread_id=task.thread_id,
                ),
                priority=Priority.STATUS,
                stale=self._superseded.check(task.id),
            )
        except Dropped:
            return
        except TelegramAPIError as exc:
            log.info("task %s: no status message (%s)", task.id, exc)
            return
        if not await self._tasks.set_status_message(task.id, status.message_id):
            # The task ended while the status was in flight: nobody else will clear it.
            with contextlib.suppress(TelegramAPIError):
                await self._send(DeleteMessage(chat_id=task.chat_id, message_id=status.message_id))

    async def remove(self, task: Task) -> None:
        # Read it afresh: the status message may have landed after this task was loaded.
        current = await self._tasks.get(task.id)
        status_id = current.status_message_id if current else task.status_message_id
        if status_id is None:
            return
        # Its chat afresh too: a group upgraded meanwhile has the status in the supergroup.
        chat_id = current.chat_id if current else task.chat_id
        try:
            await self._send(DeleteMessage(chat_id=chat_id, message_id=status_id))
        except TelegramAPIError as exc:
            # Deleting can fail in groups (rights, age); an edit still clears the status.
            if isinstance(exc, TelegramNotFound | TelegramForbiddenError) or (
                "not found" in str(exc).lower()
            ):
                return
            try:
                await self._send(
                    EditMessageText(
                        chat_id=chat_id,
                        message_id=status_id,
                        text=texts.status_done(self._t(task.locale)),
                    ),
                    priority=Priority.STATUS,
                )
            except (TelegramAPIError, Dropped):
                log.info("task %s: status message %s left as is", task.id, status_id)
