"""The full-quality file behind the "original file" button: kept when the picture arrives
(GPTunnel's link dies after 48 hours), sent as a document when asked, pruned after a while.

A press is answered at once and the file goes out afterwards, in the background: an upload
can take seconds, and the button's spinner (and the update) must not wait for it. The first
upload's `file_id` is kept, and every later send of that original names it instead of
uploading the bytes again. Each person may ask for one original per `cooldown` seconds; a
press within it is told so and sends nothing (originals are free, so this is their only cap).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile, ReplyParameters

from bot.telegram.sender import Priority, Sender
from storage import OriginalRef, OriginalRepository, Task, TaskSteps

log = logging.getLogger(__name__)

# Originals are kept past GPTunnel's 48-hour link, then pruned.
ORIGINAL_KEEP = 72 * 3600.0
PRUNE_EVERY = 600.0
# Uploads under way at once: each holds a whole file in memory.
MAX_UPLOADS = 4


class Sent(StrEnum):
    QUEUED = "queued"  # it goes out in a moment
    GONE = "gone"  # pruned, or never kept
    UNKNOWN = "unknown"  # not pressed under this picture
    TOO_SOON = "too_soon"  # this person asked for one less than `cooldown` ago


# Hands a press over to the process that sends; True when it did.
HandOver = Callable[[Task, int], Awaitable[bool]]


class _Turns:
    """The sends of one original, one after another."""

    __slots__ = ("lock", "waiting")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.waiting = 0


class Originals:
    def __init__(
        self,
        *,
        originals: OriginalRepository,
        tasks: TaskSteps,
        sender: Sender,
        cooldown: float = 10.0,
        clock: Callable[[], float] = time.time,
        hand_over: HandOver | None = None,
    ) -> None:
        self._originals = originals
        self._tasks = tasks
        self._send = sender
        # Several processes: one that does not send to Telegram hands the send to the one
        # that does (it then calls `deliver`); None, or it answers False: send here.
        self._hand_over = hand_over
        self._cooldown = cooldown
        self._clock = clock
        self._pruned_at = 0.0
        self._asked_at: dict[int, float] = {}  # person -> their last original
        self._uploads = asyncio.Semaphore(MAX_UPLOADS)
        self._per_task: dict[int, _Turns] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def keep(self, task: Task, raw: bytes, url: str) -> None:
        now = self._clock()
        suffix = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
        ext = suffix if suffix.isalnum() and len(suffix) <= 5 else "webp"
        await self._originals.save(task.id, raw, f"picture-{task.id}.{ext}", now)
        if now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            await self._originals.prune(now - ORIGINAL_KEEP)

    async def send(self, task_id: int, *, chat_id: int, reply_to: int, person_id: int) -> Sent:
        """Queue the kept original of the picture pressed under (`reply_to`), as a document
        replying to it; returns at once. Any other message, though in the same chat, names no
        picture: the button's data comes from the client."""
        now = self._clock()
        before = self._asked_at.get(person_id)
        if before is not None and now - before < self._cooldown:
            return Sent.TOO_SOON
        # Taken before the first await, so presses that arrive together see it too.
        self._remember(person_id, now)
        found = await self._find(task_id, chat_id=chat_id, reply_to=reply_to)
        if isinstance(found, Sent):
            # Nothing goes out: no wait either.
            if self._asked_at.get(person_id) == now:
                self._asked_at.pop(person_id)
                if before is not None:
                    self._asked_at[person_id] = before
            return found
        task, original = found
        if self._hand_over is not None and await self._hand_over(task, reply_to):
            return Sent.QUEUED
        self._start(task, original, reply_to)
        return Sent.QUEUED

    async def deliver(self, task_id: int, reply_to: int) -> None:
        """Send an original another process took the press for (checked there)."""
        task = await self._tasks.get(task_id)
        original = await self._originals.find(task_id) if task is not None else None
        if task is not None and original is not None:
            self._start(task, original, reply_to)

    def _start(self, task: Task, original: OriginalRef, reply_to: int) -> None:
        job = asyncio.create_task(self._deliver(task, original, reply_to), name=f"orig-{task.id}")
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait until every original under way has gone out (tests, and nothing else)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self, timeout: float = 0.0) -> None:
        """Let the sends under way finish within `timeout`, then cut the rest (a shutdown)."""
        jobs = list(self._background)
        if jobs and timeout > 0:
            await asyncio.wait(jobs, timeout=timeout)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)

    async def _find(
        self, task_id: int, *, chat_id: int, reply_to: int
    ) -> tuple[Task, OriginalRef] | Sent:
        task = await self._tasks.get(task_id)
        if task is None or task.chat_id != chat_id or task.picture_message_id != reply_to:
            return Sent.UNKNOWN
        original = await self._originals.find(task.id)
        return Sent.GONE if original is None else (task, original)

    def _remember(self, person_id: int, now: float) -> None:
        if len(self._asked_at) > 10_000:
            self._asked_at = {
                p: at for p, at in self._asked_at.items() if now - at < self._cooldown
            }
        self._asked_at[person_id] = now

    async def _deliver(self, task: Task, original: OriginalRef, reply_to: int) -> None:
        # One send per original at a time: a second press waits, then reuses its file_id.
        turn = self._per_task.setdefault(task.id, _Turns())
        turn.waiting += 1
        try:
            async with turn.lock:
                current = await self._originals.find(task.id) or original
                if current.file_id is not None and await self._send_by_id(
                    task, current.file_id, reply_to
                ):
                    return
                await self._upload(task, reply_to)
        except TelegramAPIError as exc:
            log.info("task %s: original not sent: %s", task.id, exc)
        except Exception:
            log.exception("task %s: original not sent", task.id)
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                self._per_task.pop(task.id, None)

    async def _send_by_id(self, task: Task, file_id: str, reply_to: int) -> bool:
        """False when Telegram no longer knows the file_id (another token, say)."""
        try:
            await self._send(self._document(task, file_id, reply_to), priority=Priority.PHOTO)
        except TelegramBadRequest as exc:
            log.info("task %s: original's file_id refused (%s); uploading it", task.id, exc)
            await self._originals.set_file_id(task.id, None)
            return False
        return True

    async def _upload(self, task: Task, reply_to: int) -> None:
        async with self._uploads:
            kept = await self._originals.get(task.id)
            if kept is None:
                return  # pruned meanwhile
            message = await self._send(
                self._document(task, BufferedInputFile(kept.data, kept.filename), reply_to),
                priority=Priority.PHOTO,
            )
        if message.document is not None:
            await self._originals.set_file_id(task.id, message.document.file_id)

    @staticmethod
    def _document(task: Task, document: str | BufferedInputFile, reply_to: int) -> SendDocument:
        return SendDocument(
            chat_id=task.chat_id,
            document=document,
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True),
            message_thread_id=task.thread_id,
        )
