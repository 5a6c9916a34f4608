"""Floods answered before any work: a per-person and a per-chat allowance of updates.

A script (or a few accounts) can send far more than the bot can answer: a group is answered
20 times a minute at most, and every prompt costs a database transaction. This middleware runs
first on every update, before the language look-up, the filters and the handlers, with no
database query and no service call. Each person, and each group, has a token bucket of
`per_minute` updates that refills at that rate; an update past it gets one short "slow down"
notice per `notice_every` seconds (for that person or that chat), and after it silence.

Only what is addressed to the bot is counted: everything in a private chat, commands and
@mentions in groups, and button presses. Group chatter is left alone (it starts nothing), and
so are payments, which must never be lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Message, ReplyParameters, TelegramObject, Update

from bot.language import texts
from bot.language.catalogues import Translator, locale_for
from bot.ops.metrics import Metrics
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

NOTICE_EVERY = 60.0
# Beyond this many remembered keys, the idle ones (full buckets, notices long past) go.
MAX_KEYS = 20_000


class Verdict(Enum):
    PASS = "pass"
    NOTICE = "notice"  # refused; tell them once
    SILENT = "silent"  # refused; told already


class Buckets:
    """Token buckets by key: `per_minute` tokens at most, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: float) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._state: dict[Any, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: Any, now: float) -> bool:
        tokens, at = self._state.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - at) * self._rate)
        allowed = tokens >= 1.0
        self._state[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._state) > MAX_KEYS:
            self._forget_full(now)
        return allowed

    def _forget_full(self, now: float) -> None:
        # A full bucket is the same as none at all.
        refill = self._capacity / self._rate if self._rate else float("inf")
        self._state = {k: v for k, v in self._state.items() if now - v[1] < refill}


class Throttle:
    """The rule: a person's allowance, then (in a group) the group's; 0 turns one off."""

    def __init__(
        self,
        *,
        person_per_minute: float,
        chat_per_minute: float,
        notice_every: float = NOTICE_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._people = Buckets(person_per_minute) if person_per_minute > 0 else None
        self._chats = Buckets(chat_per_minute) if chat_per_minute > 0 else None
        self._notice_every = notice_every
        self._noticed: dict[tuple[str, int], float] = {}
        self._clock = clock

    def check(self, person: int, group: int | None) -> Verdict:
        now = self._clock()
        if self._people is not None and not self._people.take(person, now):
            return self._refused(("person", person), now)
        if group is not None and self._chats is not None and not self._chats.take(group, now):
            return self._refused(("chat", group), now)
        return Verdict.PASS

    def _refused(self, key: tuple[str, int], now: float) -> Verdict:
        if now < self._noticed.get(key, float("-inf")):
            return Verdict.SILENT
        if len(self._noticed) > MAX_KEYS:
            self._noticed = {k: until for k, until in self._noticed.items() if until > now}
        self._noticed[key] = now + self._notice_every
        return Verdict.NOTICE


def _addressed_message(message: Message) -> bool:
    if message.successful_payment is not None or message.refunded_payment is not None:
        return False  # a payment is never refused
    if message.chat.type == "private":
        return True
    text = (message.text or message.caption or "").lstrip()
    return text.startswith(("/", "@"))


class ThrottleMiddleware(BaseMiddleware):
    """An outer middleware on updates: the Throttle applied, and its notice sent."""

    def __init__(
        self,
        throttle: Throttle,
        *,
        replies: Replies,
        sender: Sender,
        translator: Translator,
        metrics: Metrics,
    ) -> None:
        self._throttle = throttle
        self._replies = replies
        self._sender = sender
        self._t = translator
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and not await self._passes(event):
            return None
        return await handler(event, data)

    async def _passes(self, update: Update) -> bool:
        if update.message is not None and _addressed_message(update.message):
            return await self._message_passes(update.message)
        if update.callback_query is not None:
            return await self._press_passes(update.callback_query)
        return True

    async def _message_passes(self, message: Message) -> bool:
        sender_chat, user = message.sender_chat, message.from_user
        person = sender_chat.id if sender_chat else (user.id if user else message.chat.id)
        group = None if message.chat.type == "private" else message.chat.id
        verdict = self._throttle.check(person, group)
        if verdict is Verdict.PASS:
            return True
        self._metrics.updates_throttled.inc()
        if verdict is Verdict.NOTICE:
            _ = self._t(locale_for(user.language_code if user else None))
            await self._replies.post(
                SendMessage(
                    chat_id=message.chat.id,
                    text=texts.slow_down(_),
                    message_thread_id=message.message_thread_id
                    if message.is_topic_message
                    else None,
                    reply_parameters=ReplyParameters(
                        message_id=message.message_id, allow_sending_without_reply=True
                    ),
                ),
                droppable=True,
            )
        return False

    async def _press_passes(self, query: CallbackQuery) -> bool:
        chat = query.message.chat if query.message is not None else None
        group = chat.id if chat is not None and chat.type != "private" else None
        verdict = self._throttle.check(query.from_user.id, group)
        if verdict is Verdict.PASS:
            return True
        self._metrics.updates_throttled.inc()
        if verdict is Verdict.NOTICE:
            # Not paced: an answer to a press is one call, and it stops the spinner.
            text = texts.slow_down(self._t(locale_for(query.from_user.language_code)))
            try:
                await self._sender(AnswerCallbackQuery(callback_query_id=query.id, text=text))
            except TelegramAPIError as exc:
                log.info("could not answer callback query %s: %s", query.id, exc)
        return False
