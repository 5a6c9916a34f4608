"""What happens to a task the moment intake accepts it: the "drawing…" reply goes out in the
background and the background loop takes the task at once."""

from __future__ import annotations

from typing import Protocol

from bot.delivery.status import StatusMessages
from storage import Task


class _Loop(Protocol):
    def take_now(self, task: Task) -> None: ...


class Kickoff:
    def __init__(self, *, status: StatusMessages, loop: _Loop) -> None:
        self._status = status
        self._loop = loop

    def start(self, task: Task) -> None:
        self._status.post_soon(task)
        self._loop.take_now(task)
