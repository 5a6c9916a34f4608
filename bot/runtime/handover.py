"""How the processes sharing a database share Telegram: only the lease holder sends (so the
per-token flood limits hold for the bot as a whole). Another process hands what it would
send to the holder through the outbox table: replies (`Handover`, the same `Replies` the
handlers use) and the "drawing…" status of a prompt it took in (`Kickoff`); the holder's
`OutboxPump` sends them. While a process holds the lease it sends its own directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiogram.methods import TelegramMethod

from bot.delivery.status import StatusMessages
from bot.runtime.leadership import Leadership
from bot.telegram.outbox import Replies
from bot.telegram.parcels import pack, unpack
from bot.telegram.sender import Priority
from storage import OutboxRepository, Parcel, Task, TaskSteps
from storage.task import OPEN_STATES

log = logging.getLogger(__name__)

# The holder looks at the outbox at least this often, even when no notification came.
PUMP_INTERVAL = 1.0
PUMP_BATCH = 100
STATUS = "status"
METHOD = "method"
ORIGINAL = "original"


class Handover:
    """`Replies` for every process: the local queue while this one holds the lease, else the
    outbox for the one that does."""

    def __init__(
        self,
        *,
        local: Replies,
        outbox: OutboxRepository,
        leadership: Leadership,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._local = local
        self._outbox = outbox
        self._leadership = leadership
        self._clock = clock

    async def post(
        self,
        method: TelegramMethod[Any],
        *,
        priority: Priority = Priority.ANSWER,
        droppable: bool = False,
    ) -> bool:
        if self._leadership.is_leader:
            return await self._local.post(method, priority=priority, droppable=droppable)
        await self._outbox.put(
            kind=METHOD,
            chat_id=getattr(method, "chat_id", None),
            payload=pack(method),
            priority=int(priority),
            droppable=droppable,
            now=self._clock(),
        )
        return True


class _Loop(Protocol):
    def take_now(self, task: Task) -> None: ...


class Kickoff:
    """What happens to a task the moment intake accepts it: the "drawing…" reply goes out in
    the background and the background loop takes the task at once. In a process that does
    not hold the lease, the status goes to the outbox; the holder hears of the new task from
    the database (and finds it on its next look anyway)."""

    def __init__(
        self,
        *,
        status: StatusMessages,
        loop: _Loop,
        leadership: Leadership,
        outbox: OutboxRepository,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._status = status
        self._loop = loop
        self._leadership = leadership
        self._outbox = outbox
        self._clock = clock

    async def start(self, task: Task) -> None:
        if self._leadership.is_leader:
            self._status.post_soon(task)
            self._loop.take_now(task)
            return
        await self._outbox.put(
            kind=STATUS,
            chat_id=task.chat_id,
            task_id=task.id,
            priority=int(Priority.STATUS),
            droppable=True,
            now=self._clock(),
        )


class OriginalsHandOver:
    """ "Original file" pressed in a process that does not send: the holder sends it (from the
    database's copy, with its file_id)."""

    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        leadership: Leadership,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._leadership = leadership
        self._clock = clock

    async def __call__(self, task: Task, reply_to: int) -> bool:
        if self._leadership.is_leader:
            return False
        await self._outbox.put(
            kind=ORIGINAL,
            chat_id=task.chat_id,
            task_id=task.id,
            payload=str(reply_to),
            priority=int(Priority.PHOTO),
            now=self._clock(),
        )
        return True


class _Originals(Protocol):
    async def deliver(self, task_id: int, reply_to: int) -> None: ...


class OutboxPump:
    """In the lease holder: sends what the other processes handed over, oldest first."""

    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        replies: Replies,
        status: StatusMessages,
        originals: _Originals,
        tasks: TaskSteps,
        interval: float = PUMP_INTERVAL,
    ) -> None:
        self._outbox = outbox
        self._replies = replies
        self._status = status
        self._originals = originals
        self._tasks = tasks
        self._interval = interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, epoch: int) -> None:
        """Until cancelled: everything in the outbox goes to this process's own queues."""
        while True:
            self._wake.clear()
            try:
                parcels = await self._outbox.claim(epoch, PUMP_BATCH)
            except Exception as exc:
                log.warning("outbox: could not look (%s); trying again", exc)
                parcels = []
            for parcel in parcels:
                try:
                    await self._send(parcel)
                except Exception:
                    # One bad parcel must not hold up the rest: it is given up, not retried.
                    log.exception("outbox: parcel %s could not be sent", parcel.id)
                with contextlib.suppress(Exception):
                    await self._outbox.done(parcel.id)
            if len(parcels) < PUMP_BATCH:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval):
                        await self._wake.wait()

    async def _send(self, parcel: Parcel) -> None:
        if parcel.kind == STATUS and parcel.task_id is not None:
            task = await self._tasks.get(parcel.task_id)
            if task is not None and task.state in OPEN_STATES:
                self._status.post_soon(task)
            return
        if parcel.payload is None:
            return
        if parcel.kind == ORIGINAL and parcel.task_id is not None:
            await self._originals.deliver(parcel.task_id, int(parcel.payload))
            return
        try:
            method = unpack(parcel.payload)
        except ValueError as exc:
            log.warning("outbox: parcel %s is not a Bot API call (%s); dropped", parcel.id, exc)
            return
        await self._replies.post(
            method, priority=Priority(parcel.priority), droppable=parcel.droppable
        )
