"""Ending a task without a picture: the charge given back, and the person told why."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramMigrateToChat
from aiogram.methods import EditMessageText, SendMessage

from bot.delivery.progress import ProgressEdits
from bot.delivery.reply import reply_to
from bot.delivery.superseded import Superseded
from bot.drawing.failures import Failure
from bot.language import texts
from bot.language.catalogues import Translator
from bot.ops.metrics import Metrics
from bot.telegram.errors import chat_gone
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from storage import Task, TaskSteps

log = logging.getLogger(__name__)


class Ending:
    def __init__(
        self,
        *,
        tasks: TaskSteps,
        sender: Sender,
        replies: Replies,
        translator: Translator,
        superseded: Superseded,
        progress: ProgressEdits,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tasks = tasks
        self._send = sender
        self._replies = replies
        # Texts in the language the task was asked in (no Telegram update here to read it from).
        self._t = translator
        self._superseded = superseded
        self._progress = progress
        self._metrics = metrics
        self._clock = clock

    async def fail(self, task: Task, failure: Failure, *, link: str | None = None) -> None:
        """End the task, give its quota back, and tell the user why (with `link`, where the
        picture itself can still be fetched)."""
        self._superseded.mark(task.id)
        self._progress.forget(task.id)
        failed = await self._tasks.mark_failed(task.id, failure.value, self._clock())
        if failed is None:
            return  # already ended elsewhere: never tell twice
        log.info("task %s failed: %s (quota refunded)", task.id, failure.value)
        self._metrics.failed(failure.value, task.model)
        await self.notify(failed, failure, link=link)

    async def notify_later(self, task: Task, failure: Failure) -> None:
        """The same notice, queued behind the chat's other replies, for a caller that must
        not wait for Telegram's pace (a handler). The status message becomes the notice; if
        it is gone by then, /cancel's own answer has said it anyway."""
        text = texts.failure(self._t(task.locale), failure)
        if not text:
            return
        if task.status_message_id is not None:
            await self._replies.post(
                EditMessageText(chat_id=task.chat_id, message_id=task.status_message_id, text=text)
            )
            return
        await self._replies.post(
            SendMessage(
                chat_id=task.chat_id,
                text=text,
                reply_parameters=reply_to(task),
                message_thread_id=task.thread_id,
            )
        )

    async def notify(self, task: Task, failure: Failure, *, link: str | None = None) -> None:
        """Tell the person why their task ended (it is already marked so in storage)."""
        _ = self._t(task.locale)
        text = texts.failure(_, failure)
        if not text:
            return
        if link is not None:
            text = f"{text}\n{texts.picture_link(_, link)}"
        try:
            if task.status_message_id is not None:
                try:
                    # The status message becomes the answer: no stale "drawing…" is left behind.
                    await self._send(
                        EditMessageText(
                            chat_id=task.chat_id, message_id=task.status_message_id, text=text
                        )
                    )
                    return
                except TelegramBadRequest as exc:
                    if chat_gone(exc) or "message is not modified" in str(exc):
                        return  # nobody to tell, or the status says it already
                    # Else it is gone (deleted, too old to edit): a new message says it.
                except TelegramMigrateToChat:
                    # The status is in the old group; the notice goes to the supergroup.
                    pass
            await self._send(
                SendMessage(
                    chat_id=task.chat_id,
                    text=text,
                    reply_parameters=reply_to(task),
                    message_thread_id=task.thread_id,
                )
            )
        except TelegramAPIError as exc:
            log.info("task %s: could not tell the user about the failure: %s", task.id, exc)
