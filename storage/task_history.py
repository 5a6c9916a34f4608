"""A person's own tasks: the latest ones (/history) and stopping those still waiting (/cancel)."""

from __future__ import annotations

from storage.port import Database
from storage.task import Task


class TaskHistory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, user_id: int, limit: int, *, chat_id: int | None = None) -> list[Task]:
        """Newest first; with `chat_id`, only those asked in that chat."""
        if chat_id is None:
            rows = await self._db.fetchall(
                "SELECT * FROM tasks WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit)
            )
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM tasks WHERE user_id = ? AND chat_id = ? ORDER BY id DESC LIMIT ?",
                (user_id, chat_id, limit),
            )
        return [Task.from_row(row) for row in rows]

    async def cancel_waiting(self, user_id: int, reason: str, now: float) -> list[Task]:
        """new → failed, refunded, in one write. Only `new`: a task past it may already be
        drawing at GPTunnel, which bills the operator whatever happens here, so it is not
        refunded; `WHERE state = 'new'` races claim_submit fairly (one of the two wins)."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            "updated_at = ? WHERE user_id = ? AND state = 'new' RETURNING *",
            (reason, now, now, user_id),
        )
        return [Task.from_row(row) for row in rows]

    async def count_drawing(self, user_id: int) -> int:
        """Tasks of this person that reached (or may have reached) GPTunnel and are not done."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE user_id = ? "
            "AND state IN ('submitting', 'submitted', 'ready')",
            (user_id,),
        )
        return int(row[0]) if row else 0
