"""The one way out to Telegram: keeps its flood limits, puts photos first, survives 429s.

Telegram allows about 30 messages a second per bot, about one a second in one chat and 20 a
minute in one group, and answers 429 with `retry_after` beyond that. Every message the bot
posts or edits goes through `Sender`: a per-chat limiter, then one global gate that hands out
slots by priority (photos before answers before status chatter). A status message that has
gone stale while waiting is dropped rather than sent late.

A basic group upgraded to a supergroup answers 400 with `migrate_to_chat_id`: the Sender
reports the move (`on_migrate`: the chat's rows follow it), and a new message is sent again to
the new chat, once, without its reply (the replied message is in the old chat). An edit or a
deletion is not: message ids belong to their chat, so the same id in the new chat is another
message. Later new messages for the old id go straight to the new one.

A text or caption Telegram cannot parse ("can't parse entities") is sent again once, as plain
text without its markup: a picture is never lost to a stray tag in its caption.
"""

from __future__ import annotations

import asyncio
import heapq
import html
import itertools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    CopyMessage,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    ForwardMessage,
    SendChatAction,
    SendDocument,
    SendInvoice,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiolimiter import AsyncLimiter

from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

T = TypeVar("T")

# Methods that post a new message.
_POSTS = (
    SendMessage,
    SendPhoto,
    SendDocument,
    SendMediaGroup,
    SendInvoice,
    CopyMessage,
    ForwardMessage,
)
# What Telegram's flood limits count: posting or editing a message. Chat actions, deletions
# and callback answers are not paced.
_COUNTED = (
    *_POSTS,
    EditMessageText,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
)
# What makes a new message (or shows an action): after an upgrade it can simply go to the new
# chat. Edits and deletions name a message of the old chat, and cannot.
_NEW_MESSAGES = (*_POSTS, SendChatAction)
# Upgraded groups remembered by one process; beyond this many the oldest half is forgotten
# (a forgotten one costs one more 400, nothing else).
_MOVES_KEPT = 10_000

# Told of a group's upgrade: (old chat id, new chat id).
OnMigrate = Callable[[int, int], Awaitable[object]]


class Priority(IntEnum):
    PHOTO = 0  # what people are waiting for
    ANSWER = 1  # replies to commands, refusals, failure notices
    STATUS = 2  # "drawing…" and progress: chatter that can go stale


class Dropped(Exception):
    """A send skipped because it went stale while it waited for its turn."""


@dataclass(frozen=True, slots=True)
class Limits:
    per_second: float = 26.0  # below 30, so bursts and jitter stay under Telegram's line
    burst: int = 2
    private_per_second: float = 1.0
    private_burst: int = 2
    group_per_minute: float = 15.0  # plus a burst of 5: never over 20 in any minute
    group_burst: int = 5


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)
    stale: Callable[[], bool] | None = field(compare=False)


class _ChatPace:
    __slots__ = ("limiters", "paused_until", "used_at")

    def __init__(self, limiters: list[AsyncLimiter]) -> None:
        self.limiters = limiters
        self.paused_until = 0.0
        self.used_at = time.monotonic()


class Sender:
    def __init__(
        self,
        bot: Bot,
        *,
        limits: Limits | None = None,
        max_flood_waits: int = 5,
        max_network_retries: int = 3,
        network_backoff: float = 1.0,
        metrics: Metrics | None = None,
        on_migrate: OnMigrate | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._on_migrate = on_migrate
        self._moved: dict[int | str, int] = {}
        self._bot = bot
        self._limits = limits or Limits()
        self._global = AsyncLimiter(
            self._limits.burst, self._limits.burst / self._limits.per_second
        )
        self._max_flood_waits = max_flood_waits
        self._max_network_retries = max_network_retries
        self._network_backoff = network_backoff
        self._chats: dict[int | str, _ChatPace] = {}
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._has_waiters = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.flood_waits = 0  # 429 answers Telegram still gave us
        self.dropped = 0

    async def __call__(
        self,
        method: TelegramMethod[T],
        *,
        priority: Priority = Priority.ANSWER,
        stale: Callable[[], bool] | None = None,
    ) -> T:
        counted = isinstance(method, _COUNTED)
        chat_id: Any = getattr(method, "chat_id", None)
        if chat_id in self._moved and _makes_a_message(method):
            chat_id = self._moved[chat_id]
            method = _to_new_chat(method, chat_id)
        flood_waits = 0
        network_errors = 0
        followed = False
        plain = False
        while True:
            if counted:
                await self._take_slot(chat_id, priority, stale)
            try:
                return await self._bot(method)
            except TelegramRetryAfter as exc:
                flood_waits += 1
                self.flood_waits += 1
                self._metrics.telegram_429.inc()
                log.warning(
                    "Telegram flood control on %s in chat %s: retry after %s s",
                    type(method).__name__,
                    chat_id,
                    exc.retry_after,
                )
                if flood_waits > self._max_flood_waits:
                    raise
                await self._pause(chat_id, exc.retry_after)
            except TelegramBadRequest as exc:
                unmarked = None if plain else _without_markup(method, exc)
                if unmarked is None:
                    raise
                log.warning(
                    "%s to chat %s: %s; sent as plain text", type(method).__name__, chat_id, exc
                )
                plain = True
                method = unmarked
            except TelegramMigrateToChat as exc:
                new_chat_id = exc.migrate_to_chat_id
                await self._migrated(chat_id, new_chat_id)
                if followed or not _makes_a_message(method):
                    raise
                followed = True
                chat_id = new_chat_id
                method = _to_new_chat(method, new_chat_id)
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
                # ClientDecodeError: a proxy answered with an HTML error page, not the Bot API.
                network_errors += 1
                if network_errors > self._max_network_retries:
                    raise
                log.warning(
                    "Telegram %s on %s, retrying", type(exc).__name__, type(method).__name__
                )
                await asyncio.sleep(self._network_backoff * 2 ** (network_errors - 1))

    def moved_to(self, chat_id: int | str) -> int | None:
        """The supergroup a basic group became, if this process has met its upgrade."""
        return self._moved.get(chat_id)

    async def _migrated(self, old_chat_id: int | str | None, new_chat_id: int) -> None:
        if old_chat_id is None:
            return
        log.info("chat %s was upgraded to supergroup %s", old_chat_id, new_chat_id)
        if len(self._moved) >= _MOVES_KEPT:
            for old in list(self._moved)[: _MOVES_KEPT // 2]:
                del self._moved[old]
        self._moved[old_chat_id] = new_chat_id
        if self._on_migrate is None or not isinstance(old_chat_id, int):
            return
        try:
            await self._on_migrate(old_chat_id, new_chat_id)
        except Exception:
            # The message still goes to the new chat; the service message moves the rows later.
            log.exception("chat %s: its upgrade could not be recorded", old_chat_id)

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
            self._pump = None
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()
        self._waiters.clear()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def _take_slot(
        self, chat_id: int | str | None, priority: Priority, stale: Callable[[], bool] | None
    ) -> None:
        if chat_id is not None:
            pace = self._pace(chat_id)
            delay = pace.paused_until - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            for limiter in pace.limiters:
                await limiter.acquire()
        if stale is not None and stale():
            self.dropped += 1
            raise Dropped
        await self._global_slot(priority, stale)

    async def _global_slot(self, priority: Priority, stale: Callable[[], bool] | None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, _Waiter(priority, next(self._seq), future, stale))
        self._has_waiters.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run_pump(), name="telegram-sender")
        await future

    async def _run_pump(self) -> None:
        """Hands each global slot to the most urgent waiter that still wants it."""
        while True:
            if not self._waiters:
                self._has_waiters.clear()
                await self._has_waiters.wait()
                continue
            await self._global.acquire()
            while self._waiters:
                waiter = heapq.heappop(self._waiters)
                if waiter.future.done():
                    continue  # its sender gave up (cancelled)
                if waiter.stale is not None and waiter.stale():
                    self.dropped += 1
                    waiter.future.set_exception(Dropped())
                    continue
                waiter.future.set_result(None)
                break

    async def _pause(self, chat_id: int | str | None, seconds: float) -> None:
        if chat_id is None:
            await asyncio.sleep(seconds)
            return
        pace = self._pace(chat_id)
        pace.paused_until = max(pace.paused_until, time.monotonic() + seconds)

    def _pace(self, chat_id: int | str) -> _ChatPace:
        pace = self._chats.get(chat_id)
        now = time.monotonic()
        if pace is None:
            if len(self._chats) > 10_000:
                # Forget chats idle for a minute: their buckets have drained anyway.
                self._chats = {c: p for c, p in self._chats.items() if now - p.used_at < 60}
            limits = self._limits
            if isinstance(chat_id, int) and chat_id < 0:
                limiters = [
                    AsyncLimiter(1, 1.0),
                    AsyncLimiter(
                        limits.group_burst, limits.group_burst * 60 / limits.group_per_minute
                    ),
                ]
            else:
                limiters = [
                    AsyncLimiter(
                        limits.private_burst, limits.private_burst / limits.private_per_second
                    )
                ]
            pace = self._chats[chat_id] = _ChatPace(limiters)
        pace.used_at = now
        return pace


def _makes_a_message(method: object) -> bool:
    # A function, not an inline isinstance: narrowing would lose the method's result type.
    return isinstance(method, _NEW_MESSAGES)


def _to_new_chat(method: TelegramMethod[T], chat_id: int) -> TelegramMethod[T]:
    """The same new message for the supergroup, no longer a reply: the replied message is in
    the old chat, and the same id in the new one is another message."""
    update: dict[str, Any] = {"chat_id": chat_id}
    for field_name in ("reply_parameters", "reply_to_message_id"):
        if getattr(method, field_name, None) is not None:
            update[field_name] = None
    return method.model_copy(update=update)


_TAG = re.compile(r"<[^>]*>")


def _without_markup(method: TelegramMethod[T], exc: TelegramBadRequest) -> TelegramMethod[T] | None:
    """The same call with its text or caption as plain text, if Telegram could not parse its
    markup (HTML: the bot's parse mode); None for any other refusal."""
    if "can't parse entities" not in str(exc).lower():
        return None
    fields = type(method).model_fields
    if "parse_mode" not in fields:
        return None
    update: dict[str, Any] = {"parse_mode": None}
    for name in ("text", "caption"):
        value = getattr(method, name, None) if name in fields else None
        if isinstance(value, str):
            update[name] = html.unescape(_TAG.sub("", value))
    return method.model_copy(update=update)
