"""Replies to people, queued per chat: whoever posts one returns at once, without waiting for
Telegram's pace in that chat.

A group may be answered about once every few seconds (20 messages a minute). A handler that
awaited its reply held one of the 256 update slots for as long, so a few hundred commands in
one group made every other chat wait. `Replies.post` only queues: one worker per chat with
replies waiting sends them in order through the paced `Sender`.

Each chat's queue is bounded: a reply marked `droppable` (a refusal, a hint, a "slow down")
is dropped once `per_chat` replies wait in that chat, and any reply past `hard_limit`; each
drop is counted (`drawbot_replies_dropped_total`). Answers to button presses do not come
here: they are not paced, and Telegram wants them at once.

`Replies` is the one interface handlers and services see, so that another kind of outbox
(one kept in the database, sent by whichever process talks to Telegram) can stand in.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod

from bot.ops.metrics import Metrics
from bot.telegram.sender import Dropped, Priority, Sender

log = logging.getLogger(__name__)

# Replies waiting in one chat beyond which droppable ones are dropped (a private chat drains
# about one a second, a group one every few seconds).
PER_CHAT = 10
# Beyond this many waiting in one chat, every reply is dropped: memory stays bounded.
HARD_LIMIT = 100


class Replies(Protocol):
    async def post(
        self,
        method: TelegramMethod[Any],
        *,
        priority: Priority = Priority.ANSWER,
        droppable: bool = False,
    ) -> bool:
        """Queue a message for its chat and return at once; False when it was dropped."""
        ...


@dataclass(frozen=True, slots=True)
class _Queued:
    method: TelegramMethod[Any]
    priority: Priority


class Outbox:
    """`Replies` in this process: a bounded FIFO per chat, drained through the Sender."""

    def __init__(
        self,
        sender: Sender,
        *,
        metrics: Metrics,
        per_chat: int = PER_CHAT,
        hard_limit: int = HARD_LIMIT,
    ) -> None:
        self._sender = sender
        self._metrics = metrics
        self._per_chat = per_chat
        self._hard_limit = max(hard_limit, per_chat)
        self._queues: dict[Any, deque[_Queued]] = {}
        self._workers: dict[Any, asyncio.Task[None]] = {}
        self.dropped = 0

    async def post(
        self,
        method: TelegramMethod[Any],
        *,
        priority: Priority = Priority.ANSWER,
        droppable: bool = False,
    ) -> bool:
        chat_id = getattr(method, "chat_id", None)
        queue = self._queues.get(chat_id)
        waiting = len(queue) if queue is not None else 0
        if waiting >= self._hard_limit or (droppable and waiting >= self._per_chat):
            self.dropped += 1
            self._metrics.replies_dropped.inc()
            log.debug("reply to chat %s dropped: %s already waiting", chat_id, waiting)
            return False
        if queue is None:
            queue = self._queues[chat_id] = deque()
        queue.append(_Queued(method, priority))
        if chat_id not in self._workers:
            worker = asyncio.create_task(self._drain(chat_id, queue), name=f"replies-{chat_id}")
            self._workers[chat_id] = worker
        return True

    def waiting(self, chat_id: int | str) -> int:
        queue = self._queues.get(chat_id)
        return len(queue) if queue is not None else 0

    async def settle(self) -> None:
        """Wait until every queued reply has gone out (tests, and nothing else)."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def close(self, timeout: float = 0.0) -> None:
        """Send what can be sent within `timeout`, then drop the rest (a shutdown)."""
        workers = list(self._workers.values())
        if workers and timeout > 0:
            await asyncio.wait(workers, timeout=timeout)
        left = sum(len(queue) for queue in self._queues.values())
        for worker in self._workers.values():
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if left:
            log.warning("shutdown: %s queued replies were not sent", left)

    async def _drain(self, chat_id: Any, queue: deque[_Queued]) -> None:
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._sender(item.method, priority=item.priority)
                except Dropped:
                    pass
                except TelegramAPIError as exc:
                    log.info("could not reply in chat %s: %s", chat_id, exc)
                except Exception:
                    log.exception("reply to chat %s failed", chat_id)
        finally:
            self._workers.pop(chat_id, None)
            if self._queues.get(chat_id) is queue:
                del self._queues[chat_id]
