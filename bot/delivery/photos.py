"""Bringing a finished picture into the chat: download it (before GPTunnel's link dies), keep
the original, make it a photo Telegram accepts, send it as a reply, and record it delivered."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendDocument, SendPhoto
from aiogram.types import BufferedInputFile, Message

from bot.delivery.chat_action import uploading_photo
from bot.delivery.ending import Ending
from bot.delivery.originals import Originals
from bot.delivery.progress import ProgressEdits
from bot.delivery.reply import reply_to
from bot.delivery.status import StatusMessages
from bot.delivery.superseded import Superseded
from bot.drawing.failures import Failure
from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError
from bot.language import texts
from bot.language.catalogues import Translator
from bot.models.catalogue import Catalogue
from bot.ops.metrics import Metrics
from bot.telegram import buttons
from bot.telegram.errors import chat_gone
from bot.telegram.photos import BadImage, prepare_photo
from bot.telegram.sender import Priority, Sender
from storage import Task, TaskSteps

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


class PhotoDelivery:
    def __init__(
        self,
        *,
        bot: Bot,
        sender: Sender,
        tasks: TaskSteps,
        gptunnel: GPTunnelClient,
        translator: Translator,
        superseded: Superseded,
        progress: ProgressEdits,
        status: StatusMessages,
        originals: Originals | None,
        ending: Ending,
        metrics: Metrics,
        catalogue: Catalogue,
        max_attempts: int = 5,
        retry_delay: float = 2.0,
        max_parallel: int = 8,
        editable: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bot = bot
        self._send = sender
        self._tasks = tasks
        self._gptunnel = gptunnel
        self._t = translator
        self._superseded = superseded
        self._progress = progress
        self._status = status
        self._originals = originals
        self._ending = ending
        self._metrics = metrics
        self._catalogue = catalogue
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        # Pictures get an Edit button only where GPTunnel can fetch them back (PUBLIC_URL).
        self._editable = editable
        self._clock = clock
        # Each delivery holds an image in memory: cap how many are under way at once.
        self._slots = asyncio.Semaphore(max_parallel)

    async def deliver(self, task: Task) -> None:
        assert task.result_url is not None
        self._superseded.mark(task.id)
        await self._progress.settle(task.id)
        async with self._slots:
            await self._deliver(task, task.result_url)

    async def _deliver(self, task: Task, url: str) -> None:
        try:
            # A group known to be upgraded is shown it in the supergroup.
            chat_id = self._send.moved_to(task.chat_id) or task.chat_id
            async with uploading_photo(self._bot, chat_id, task.thread_id):
                raw = await self._gptunnel.download(url, max_bytes=MAX_DOWNLOAD_BYTES)
                if self._originals is not None:
                    await self._originals.keep(task, raw, url)
                prepared = await asyncio.to_thread(prepare_photo, raw, f"picture-{task.id}")
                del raw
                sent = await self._send_image(
                    task, prepared.data, prepared.filename, prepared.as_document
                )
        except GPTunnelError as exc:
            if exc.kind is ErrorKind.TRANSIENT:
                await self._retry(task, f"download: {exc}", Failure.DOWNLOAD_FAILED)
            else:
                log.warning("task %s: image download failed: %s", task.id, exc)
                await self._ending.fail(task, Failure.DOWNLOAD_FAILED)
            return
        except BadImage as exc:
            log.warning("task %s: the image cannot be read: %s", task.id, exc)
            await self._ending.fail(task, Failure.DOWNLOAD_FAILED)
            return
        except ClientDecodeError as exc:
            await self._retry(task, f"telegram answer unreadable: {exc}", Failure.DELIVERY_FAILED)
            return
        except TelegramAPIError as exc:
            if chat_gone(exc):
                log.info("task %s: chat %s is gone (%s)", task.id, task.chat_id, exc)
                await self._ending.fail(task, Failure.CHAT_UNAVAILABLE)
            elif isinstance(exc, TelegramNetworkError | TelegramServerError | TelegramRetryAfter):
                await self._retry(task, f"telegram: {exc}", Failure.DELIVERY_FAILED)
            else:
                log.warning("task %s: Telegram refused the image: %s", task.id, exc)
                # Refused as a photo and as a file: the person still gets the picture, by its
                # link (GPTunnel keeps it two days), and is not charged for the trouble.
                link = url if isinstance(exc, TelegramBadRequest) else None
                await self._ending.fail(task, Failure.DELIVERY_FAILED, link=link)
            return
        # The picture's own message: its buttons are honoured under it and nowhere else.
        if await self._tasks.mark_delivered(
            task.id, self._clock(), picture_message_id=sent.message_id
        ):
            log.info("task %s delivered to chat %s", task.id, task.chat_id)
            self._metrics.delivered(task.model, self._clock() - (task.ready_at or self._clock()))
        await self._status.remove(task)

    async def _send_image(
        self, task: Task, data: bytes, filename: str, as_document: bool
    ) -> Message:
        reply = reply_to(task)
        # The caption says which model drew it (its id, once it has left the catalogue).
        drawn_by = texts.drawn_by(self._catalogue.title_of(task.model), task.ar)
        caption = texts.caption(task.prompt, drawn_by)
        keyboard = buttons.keyboard(self._t(task.locale), task.id, edit=self._editable)
        if not as_document:
            try:
                return await self._send(
                    SendPhoto(
                        chat_id=task.chat_id,
                        photo=BufferedInputFile(data, filename),
                        caption=caption,
                        reply_parameters=reply,
                        message_thread_id=task.thread_id,
                        reply_markup=keyboard,
                    ),
                    priority=Priority.PHOTO,
                )
            except TelegramBadRequest as exc:
                if chat_gone(exc):
                    raise
                # Telegram would not take it as a photo; the file itself usually goes through.
                log.info("task %s: photo refused (%s), sending as a document", task.id, exc)
        return await self._send(
            SendDocument(
                chat_id=task.chat_id,
                document=BufferedInputFile(data, filename),
                caption=caption,
                reply_parameters=reply,
                message_thread_id=task.thread_id,
                reply_markup=keyboard,
            ),
            priority=Priority.PHOTO,
        )

    async def _retry(self, task: Task, what: str, failure: Failure) -> None:
        attempts = task.attempts + 1
        if attempts >= self._max_attempts:
            log.warning("task %s: giving up after %s attempts (%s)", task.id, attempts, what)
            await self._ending.fail(task, failure)
            return
        delay = self._retry_delay * 2 ** (attempts - 1)
        log.info("task %s: %s; retry %s in %.1f s", task.id, what, attempts, delay)
        now = self._clock()
        await self._tasks.retry_delivery(task.id, next_at=now + delay, attempts=attempts, now=now)
