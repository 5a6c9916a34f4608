"""Tasks whose "drawing…" status no longer matters: the photo is on its way, or they ended."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable


class Superseded:
    def __init__(self, capacity: int = 50_000) -> None:
        # Bounded: only recent tasks can still have a status message waiting to go out.
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def mark(self, task_id: int) -> None:
        self._ids[task_id] = None
        self._ids.move_to_end(task_id)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._ids

    def check(self, task_id: int) -> Callable[[], bool]:
        return lambda: task_id in self._ids
