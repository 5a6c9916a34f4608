"""A person's own prompts: the latest ones (/history) and stopping those not drawn yet (/cancel).

Only a prompt that has not reached GPTunnel yet (`new`) can be stopped and refunded. One that
GPTunnel is already drawing goes on and is billed to the operator whatever the bot does, so
it is neither stopped nor refunded: otherwise "prompt, wait, /cancel" would draw past every
limit for free. /cancel says how many of those are still coming."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.drawing.failures import Failure
from storage import Task, TaskHistory

log = logging.getLogger(__name__)

HISTORY_SIZE = 10

# Tells the person why a task ended (delivery's failure notice).
Notify = Callable[[Task, Failure], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Cancelled:
    stopped: int  # not yet sent to GPTunnel: stopped, refunded
    drawing: int  # already with GPTunnel: the picture still comes, the charge stands


class MyTasks:
    def __init__(
        self, *, tasks: TaskHistory, notify: Notify, clock: Callable[[], float] = time.time
    ) -> None:
        self._tasks = tasks
        self._notify = notify
        self._clock = clock

    async def history(self, person_id: int, *, in_chat: int | None = None) -> list[Task]:
        """The person's latest prompts; `in_chat`: only those asked in that chat (a group,
        where everyone reads the list, must not see what was asked elsewhere)."""
        return await self._tasks.recent(person_id, HISTORY_SIZE, chat_id=in_chat)

    async def cancel(self, person_id: int) -> Cancelled:
        """Stop every task of this person not yet sent upstream, refunded; count the rest."""
        cancelled = await self._tasks.cancel_waiting(
            person_id, Failure.CANCELLED.value, self._clock()
        )
        for task in cancelled:
            log.info("task %s cancelled by its user (quota refunded)", task.id)
            await self._notify(task, Failure.CANCELLED)
        drawing = await self._tasks.count_drawing(person_id)
        return Cancelled(stopped=len(cancelled), drawing=drawing)
