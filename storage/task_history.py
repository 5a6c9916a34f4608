"""A person's own tasks: the latest ones (/history) and stopping those still waiting (/cancel)."""

from __future__ import annotations

from storage.port import Database
from storage.task import Task


class TaskHistory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, user_id: int, limit: int) -> list[Task]:
        rows = await self._db.fetchall(
            "SELECT * FROM tasks WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit)
        )
        return [Task.from_row(row) for row in rows]

    async def cancel_waiting(self, user_id: int, reason: str, now: float) -> list[Task]:
        """new or submitted → failed, refunded, in one write; the loop skips failed tasks."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            "updated_at = ? WHERE user_id = ? AND state IN ('new', 'submitted') RETURNING *",
            (reason, now, now, user_id),
        )
        return [Task.from_row(row) for row in rows]
