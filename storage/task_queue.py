"""What the background loop asks of the task table: which steps are due, when the next one
is, how many are open, and how long tasks of a model have been taking."""

from __future__ import annotations

from storage.port import Database
from storage.task import DUE_STATES, OPEN_SQL, Task, TaskState


class TaskQueue:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(
        self,
        now: float,
        limit: int,
        exclude: frozenset[int] = frozenset(),
        states: tuple[str, ...] = ("new", "submitted", "ready"),
    ) -> list[Task]:
        """Open tasks whose next step is due, soonest first (`states` from DUE_STATES)."""
        wanted = [str(TaskState(state)) for state in states if TaskState(state) in DUE_STATES]
        marks = ", ".join("?" for _ in wanted)
        rows = await self._db.fetchall(
            f"SELECT * FROM tasks WHERE state IN ({marks}) AND next_at <= ? "
            "ORDER BY next_at LIMIT ?",
            (*wanted, now, limit + len(exclude)),
        )
        tasks = [Task.from_row(row) for row in rows]
        return [task for task in tasks if task.id not in exclude][:limit]

    async def next_due_at(self, exclude: frozenset[int] = frozenset()) -> float | None:
        rows = await self._db.fetchall(
            "SELECT id, next_at FROM tasks WHERE state IN ('new', 'submitted', 'ready') "
            "ORDER BY next_at LIMIT ?",
            (len(exclude) + 1,),
        )
        for row in rows:
            if row["id"] not in exclude:
                return float(row["next_at"])
        return None

    async def count_open(self) -> int:
        row = await self._db.fetchone(f"SELECT COUNT(*) FROM tasks WHERE state IN {OPEN_SQL}")
        return int(row[0]) if row else 0

    async def queue_position(self, task: Task) -> int:
        """1 + how many of the bot's tasks of the same model wait upstream ahead of this one."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE state = 'submitted' AND model = ? "
            "AND upstream_status = 'idle' AND id < ?",
            (task.model, task.id),
        )
        return 1 + (int(row[0]) if row else 0)

    async def recent_durations(self, model: str, limit: int) -> list[float]:
        """How long the newest finished tasks of a model took upstream, newest first."""
        rows = await self._db.fetchall(
            "SELECT upstream_done_at - submitted_at FROM tasks "
            "WHERE model = ? AND upstream_done_at IS NOT NULL AND submitted_at IS NOT NULL "
            "ORDER BY id DESC LIMIT ?",
            (model, limit),
        )
        return [max(float(row[0]), 0.0) for row in rows]
