"""Bringing a finished image into the chat, and telling people when there is none."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import DeleteMessage, EditMessageText, SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, ReplyParameters
from aiogram.utils.chat_action import ChatActionSender
from aiolimiter import AsyncLimiter

from bot import image_buttons, texts
from bot.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError
from bot.i18n import Translator, build_i18n
from bot.images import BadImage, prepare_photo
from bot.metrics import Metrics
from bot.superseded import Superseded
from bot.telegram_out import Dropped, Priority, Sender
from storage import OriginalRepository, Task, TaskStore

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
# Progress edits of one status message: at most one per this many seconds.
PROGRESS_EVERY = 5.0
# Originals are kept past GPTunnel's 48-hour link, then pruned.
ORIGINAL_KEEP = 72 * 3600.0
PRUNE_EVERY = 600.0
# Status messages waiting for a slot beyond this many are not worth queueing.
STATUS_BACKLOG = 200
# Telegram shows a chat action for about five seconds.
ACTION_REFRESH = 4.5


def _chat_gone(exc: TelegramAPIError) -> bool:
    """The user blocked the bot, left, or the chat no longer exists: nobody to deliver to."""
    if isinstance(exc, TelegramForbiddenError):
        return True
    text = str(exc).lower()
    return isinstance(exc, TelegramBadRequest) and (
        "chat not found" in text or "user is deactivated" in text or "peer_id_invalid" in text
    )


class Delivery:
    def __init__(
        self,
        *,
        bot: Bot,
        sender: Sender,
        tasks: TaskStore,
        gptunnel: GPTunnelClient,
        superseded: Superseded | None = None,
        max_attempts: int = 5,
        retry_delay: float = 2.0,
        max_parallel: int = 8,
        action_refresh: float = ACTION_REFRESH,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
        translator: Translator | None = None,
        originals: OriginalRepository | None = None,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._bot = bot
        # Texts in the language the task was asked in (no Telegram update here to read it from).
        self._t = translator or Translator(build_i18n())
        self._send = sender
        self._tasks = tasks
        self._gptunnel = gptunnel
        self._superseded = superseded or Superseded()
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._clock = clock
        # Each delivery holds an image in memory: cap how many are under way at once.
        self._slots = asyncio.Semaphore(max_parallel)
        # "uploading photo…" is cosmetic: it gets a small budget of its own and is skipped,
        # never queued, when that budget is spent.
        self._actions = AsyncLimiter(10, 1.0)
        self._last_action: dict[int, float] = {}
        self._action_refresh = action_refresh
        self._background: set[asyncio.Task[None]] = set()
        self._originals = originals
        self._pruned_at = 0.0
        # Progress edits: when each task's status was last edited, and the edit under way.
        self._progress_every = progress_every
        self._progress_at: dict[int, float] = {}
        self._progress_text: dict[int, str] = {}
        self._editing: dict[int, asyncio.Task[None]] = {}

    async def show_working(self, task: Task) -> None:
        """Keep Telegram's "uploading photo" up in the chat while the picture is made."""
        now = time.monotonic()
        last = self._last_action.get(task.chat_id)
        if last is not None and now - last < self._action_refresh:
            return
        if not self._actions.has_capacity():
            return
        await self._actions.acquire()
        if len(self._last_action) > 10_000:
            self._last_action = {
                chat: at
                for chat, at in self._last_action.items()
                if now - at < self._action_refresh
            }
        self._last_action[task.chat_id] = now
        with contextlib.suppress(TelegramAPIError):
            await self._bot.send_chat_action(
                task.chat_id, ChatAction.UPLOAD_PHOTO, message_thread_id=task.thread_id
            )

    def show_progress(
        self, task: Task, *, position: int | None, estimate: float | None, now: float
    ) -> None:
        """Edit the status into where the task stands: at most every few seconds, dropped if
        it would arrive late, and never once the picture is on its way."""
        if task.status_message_id is None or task.id in self._superseded:
            return
        started = time.monotonic()
        if started - self._progress_at.get(task.id, float("-inf")) < self._progress_every:
            return
        if len(self._progress_at) > 50_000:
            self._progress_at.clear()  # tasks ended by /cancel leave entries behind
            self._progress_text.clear()
        elapsed = now - (task.submitted_at or task.created_at)
        if elapsed < self._progress_every or self._send.queued >= STATUS_BACKLOG:
            return  # the fresh "drawing…" says enough; under a backlog, photos come first
        text = texts.progress(
            self._t(task.locale), position=position, elapsed=elapsed, estimate=estimate
        )
        if self._progress_text.get(task.id) == text or task.id in self._editing:
            return
        self._progress_at[task.id] = started
        self._progress_text[task.id] = text
        job = asyncio.create_task(self._edit_progress(task, text, started))
        self._editing[task.id] = job
        job.add_done_callback(functools.partial(self._edited, task.id))

    def _edited(self, task_id: int, _job: asyncio.Task[None]) -> None:
        self._editing.pop(task_id, None)

    async def _edit_progress(self, task: Task, text: str, queued_at: float) -> None:
        assert task.status_message_id is not None

        def stale() -> bool:
            # A newer edit is due by now, or the picture got there first.
            late = time.monotonic() - queued_at > self._progress_every
            return late or task.id in self._superseded

        with contextlib.suppress(TelegramAPIError, Dropped):
            await self._send(
                EditMessageText(chat_id=task.chat_id, message_id=task.status_message_id, text=text),
                priority=Priority.STATUS,
                stale=stale,
            )

    def _forget_progress(self, task_id: int) -> None:
        self._progress_at.pop(task_id, None)
        self._progress_text.pop(task_id, None)

    def post_status_soon(self, task: Task) -> None:
        """Send the status in the background, so the prompt's update can be let go at once.
        With a long queue to Telegram it is skipped: the photo itself comes first anyway."""
        if self._send.queued >= STATUS_BACKLOG:
            return
        job = asyncio.create_task(self.post_status(task), name=f"status-{task.id}")
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    async def close(self) -> None:
        jobs = list(self._background)
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)

    async def post_status(self, task: Task) -> None:
        """The "drawing…" reply. Low priority: under load it waits, and if the photo or a
        failure notice gets there first it is dropped, or removed once it lands."""
        try:
            status = await self._send(
                SendMessage(
                    chat_id=task.chat_id,
                    text=texts.working(self._t(task.locale)),
                    reply_parameters=self._reply_to(task),
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
        if not await self._tasks.steps.set_status_message(task.id, status.message_id):
            # The task ended while the status was in flight: nobody else will clear it.
            with contextlib.suppress(TelegramAPIError):
                await self._send(DeleteMessage(chat_id=task.chat_id, message_id=status.message_id))

    async def deliver(self, task: Task) -> None:
        assert task.result_url is not None
        self._superseded.mark(task.id)
        self._forget_progress(task.id)
        editing = self._editing.get(task.id)
        if editing is not None:
            # An edit already on the wire lands before the photo, never after it.
            await asyncio.gather(editing, return_exceptions=True)
        async with self._slots:
            await self._deliver(task, task.result_url)

    async def _deliver(self, task: Task, url: str) -> None:
        stem = f"picture-{task.id}"
        try:
            async with ChatActionSender(
                bot=self._bot,
                chat_id=task.chat_id,
                action=ChatAction.UPLOAD_PHOTO,
                message_thread_id=task.thread_id,
            ):
                raw = await self._gptunnel.download(url, max_bytes=MAX_DOWNLOAD_BYTES)
                await self._keep_original(task, raw, url)
                prepared = await asyncio.to_thread(prepare_photo, raw, stem)
                del raw
                await self._send_image(task, prepared.data, prepared.filename, prepared.as_document)
        except GPTunnelError as exc:
            if exc.kind is ErrorKind.TRANSIENT:
                await self._retry(task, f"download: {exc}", Failure.DOWNLOAD_FAILED)
            else:
                log.warning("task %s: image download failed: %s", task.id, exc)
                await self.fail(task, Failure.DOWNLOAD_FAILED)
            return
        except BadImage as exc:
            log.warning("task %s: the image cannot be read: %s", task.id, exc)
            await self.fail(task, Failure.DOWNLOAD_FAILED)
            return
        except ClientDecodeError as exc:
            await self._retry(task, f"telegram answer unreadable: {exc}", Failure.DELIVERY_FAILED)
            return
        except TelegramAPIError as exc:
            if _chat_gone(exc):
                log.info("task %s: chat %s is gone (%s)", task.id, task.chat_id, exc)
                await self.fail(task, Failure.CHAT_UNAVAILABLE)
            elif isinstance(exc, TelegramNetworkError | TelegramServerError | TelegramRetryAfter):
                await self._retry(task, f"telegram: {exc}", Failure.DELIVERY_FAILED)
            else:
                log.warning("task %s: Telegram refused the image: %s", task.id, exc)
                await self.fail(task, Failure.DELIVERY_FAILED)
            return
        if await self._tasks.steps.mark_delivered(task.id, self._clock()):
            log.info("task %s delivered to chat %s", task.id, task.chat_id)
            self._metrics.delivered(task.model, self._clock() - (task.ready_at or self._clock()))
        await self._remove_status(task)

    async def _keep_original(self, task: Task, raw: bytes, url: str) -> None:
        """Keep the full-quality file for the "original file" button (GPTunnel's link dies)."""
        if self._originals is None:
            return
        now = self._clock()
        suffix = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
        ext = suffix if suffix.isalnum() and len(suffix) <= 5 else "webp"
        await self._originals.save(task.id, raw, f"picture-{task.id}.{ext}", now)
        if now - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = now
            await self._originals.prune(now - ORIGINAL_KEEP)

    async def send_original(self, task: Task, reply_to: int) -> bool:
        """The kept original as a document, replying to the picture; False if it is gone."""
        if self._originals is None:
            return False
        original = await self._originals.get(task.id)
        if original is None:
            return False
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
        return True

    async def _send_image(self, task: Task, data: bytes, filename: str, as_document: bool) -> None:
        reply = self._reply_to(task)
        caption = texts.caption(task.prompt)
        buttons = image_buttons.keyboard(self._t(task.locale), task.id)
        if not as_document:
            try:
                await self._send(
                    SendPhoto(
                        chat_id=task.chat_id,
                        photo=BufferedInputFile(data, filename),
                        caption=caption,
                        reply_parameters=reply,
                        message_thread_id=task.thread_id,
                        reply_markup=buttons,
                    ),
                    priority=Priority.PHOTO,
                )
                return
            except TelegramBadRequest as exc:
                if _chat_gone(exc):
                    raise
                # Telegram would not take it as a photo; the file itself usually goes through.
                log.info("task %s: photo refused (%s), sending as a document", task.id, exc)
        await self._send(
            SendDocument(
                chat_id=task.chat_id,
                document=BufferedInputFile(data, filename),
                caption=caption,
                reply_parameters=reply,
                message_thread_id=task.thread_id,
                reply_markup=buttons,
            ),
            priority=Priority.PHOTO,
        )

    async def _retry(self, task: Task, what: str, failure: Failure) -> None:
        attempts = task.attempts + 1
        if attempts >= self._max_attempts:
            log.warning("task %s: giving up after %s attempts (%s)", task.id, attempts, what)
            await self.fail(task, failure)
            return
        delay = self._retry_delay * 2 ** (attempts - 1)
        log.info("task %s: %s; retry %s in %.1f s", task.id, what, attempts, delay)
        now = self._clock()
        await self._tasks.steps.retry_delivery(
            task.id, next_at=now + delay, attempts=attempts, now=now
        )

    async def fail(self, task: Task, failure: Failure) -> None:
        """End the task, give its quota back, and tell the user why."""
        self._superseded.mark(task.id)
        self._forget_progress(task.id)
        failed = await self._tasks.steps.mark_failed(task.id, failure.value, self._clock())
        if failed is None:
            return  # already ended elsewhere: never tell twice
        log.info("task %s failed: %s (quota refunded)", task.id, failure.value)
        self._metrics.failed(failure.value, task.model)
        await self.report_failure(failed, failure)

    async def report_failure(self, task: Task, failure: Failure) -> None:
        text = texts.failure(self._t(task.locale), failure)
        if not text:
            return
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
                    if _chat_gone(exc):
                        return
            await self._send(
                SendMessage(
                    chat_id=task.chat_id,
                    text=text,
                    reply_parameters=self._reply_to(task),
                    message_thread_id=task.thread_id,
                )
            )
        except TelegramAPIError as exc:
            log.info("task %s: could not tell the user about the failure: %s", task.id, exc)

    async def _remove_status(self, task: Task) -> None:
        # Read it afresh: the status message may have landed after this task was loaded.
        current = await self._tasks.steps.get(task.id)
        status_id = current.status_message_id if current else task.status_message_id
        if status_id is None:
            return
        try:
            await self._send(DeleteMessage(chat_id=task.chat_id, message_id=status_id))
        except TelegramAPIError as exc:
            # Deleting can fail in groups (rights, age); an edit still clears the status.
            if isinstance(exc, TelegramNotFound | TelegramForbiddenError) or (
                "not found" in str(exc).lower()
            ):
                return
            try:
                await self._send(
                    EditMessageText(
                        chat_id=task.chat_id,
                        message_id=status_id,
                        text=texts.status_done(self._t(task.locale)),
                    ),
                    priority=Priority.STATUS,
                )
            except (TelegramAPIError, Dropped):
                log.info("task %s: status message %s left as is", task.id, status_id)

    @staticmethod
    def _reply_to(task: Task) -> ReplyParameters | None:
        if task.message_id is None:
            return None
        # The prompt may be deleted by the time the image is ready: send it anyway.
        return ReplyParameters(message_id=task.message_id, allow_sending_without_reply=True)
