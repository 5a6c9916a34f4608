"""Live progress in the status message: the place in GPTunnel's queue, then the time so far
and how long pictures usually take. At most one edit every few seconds per task, dropped if
it would arrive late, and never once the picture is on its way."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import EditMessageText

from bot.delivery.superseded import Superseded
from bot.language import texts
from bot.language.catalogues import Translator
from bot.telegram.sender import Dropped, Priority, Sender
from storage import Task

# Progress edits of one status message: at most one per this many seconds.
PROGRESS_EVERY = 5.0
# Status messages waiting for a slot beyond this many are not worth queueing.
STATUS_BACKLOG = 200


class ProgressEdits:
    def __init__(
        self,
        *,
        sender: Sender,
        translator: Translator,
        superseded: Superseded,
        every: float = PROGRESS_EVERY,
    ) -> None:
        self._send = sender
        self._t = translator
        self._superseded = superseded
        self._every = every
        # When each task's status was last edited, with what, and the edit under way.
        self._at: dict[int, float] = {}
        self._text: dict[int, str] = {}
        self._editing: dict[int, asyncio.Task[None]] = {}

    def show(self, task: Task, *, position: int | None, estimate: float | None, now: float) -> None:
        """Edit the status into where the task stands, in the background."""
        if task.status_message_id is None or task.id in self._superseded:
            return
        started = time.monotonic()
        if started - self._at.get(task.id, float("-inf")) < self._every:
            return
        if len(self._at) > 50_000:
            self._at.clear()  # tasks ended by /cancel leave entries behind
            self._text.clear()
        elapsed = now - (task.submitted_at or task.created_at)
        if elapsed < self._every or self._send.queued >= STATUS_BACKLOG:
            return  # the fresh "drawing…" says enough; under a backlog, photos come first
        text = texts.progress(
            self._t(task.locale), position=position, elapsed=elapsed, estimate=estimate
        )
        if self._text.get(task.id) == text or task.id in self._editing:
            return
        self._at[task.id] = started
        self._text[task.id] = text
        job = asyncio.create_task(self._edit(task, text, started))
        self._editing[task.id] = job
        job.add_done_callback(functools.partial(self._edited, task.id))

    async def settle(self, task_id: int) -> None:
        """Before the picture: an edit already on the wire lands first, never after it."""
        self.forget(task_id)
        editing = self._editing.get(task_id)
        if editing is not None:
            await asyncio.gather(editing, return_exceptions=True)

    def forget(self, task_id: int) -> None:
        self._at.pop(task_id, None)
        self._text.pop(task_id, None)

    def _edited(self, task_id: int, _job: asyncio.Task[None]) -> None:
        self._editing.pop(task_id, None)

    async def _edit(self, task: Task, text: str, queued_at: float) -> None:
        assert task.status_message_id is not None

        def stale() -> bool:
            # A newer edit is due by now, or the picture got there first.
            late = time.monotonic() - queued_at > self._every
            return late or task.id in self._superseded

        with contextlib.suppress(TelegramAPIError, Dropped):
            await self._send(
                EditMessageText(chat_id=task.chat_id, message_id=task.status_message_id, text=text),
                priority=Priority.STATUS,
                stale=stale,
            )
