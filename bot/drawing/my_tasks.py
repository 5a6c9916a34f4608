"""A person's own prompts: the latest ones (/history) and stopping those not drawn yet (/cancel)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from bot.drawing.failures import Failure
from storage import Task, TaskHistory

log = logging.getLogger(__name__)

HISTORY_SIZE = 10

# Tells the person why a task ended (delivery's failure notice).
Notify = Callable[[Task, Failure], Awaitable[None]]


class MyTasks:
    def __init__(
        self, *, tasks: TaskHistory, notify: Notify, clock: Callable[[], float] = time.time
    ) -> None:
        self._tasks = tasks
        self._notify = notify
        self._clock = clock

    async def history(self, person_id: int) -> list[Task]:
        return await self._tasks.recent(person_id, HISTORY_SIZE)

    async def cancel(self, person_id: int) -> int:
        """Stop every waiting task of this person, refunded; returns how many."""
        cancelled = await self._tasks.cancel_waiting(
            person_id, Failure.CANCELLED.value, self._clock()
        )
        for task in cancelled:
            log.info("task %s cancelled by its user (quota refunded)", task.id)
            await self._notify(task, Failure.CANCELLED)
        return len(cancelled)
