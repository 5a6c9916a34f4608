"""Moving one task along its state machine: each step fires only from the state it expects
(`WHERE state = ...`), so two workers can never both take the same step."""

from __future__ import annotations

from storage.port import Database
from storage.task import OPEN_SQL, Task


class TaskSteps:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, task_id: int) -> Task | None:
        row = await self._db.fetchone("SELECT * FROM tasks WHERE id = ?", (task_id,))
        return Task.from_row(row) if row else None

    async def set_status_message(self, task_id: int, message_id: int) -> bool:
        """Remember the status message, unless the task has already ended (then whoever
        ended it could not see this message, and the caller must clear it)."""
        changed = await self._db.execute(
            f"UPDATE tasks SET status_message_id = ? WHERE id = ? AND state IN {OPEN_SQL}",
            (message_id, task_id),
        )
        return changed == 1

    async def claim_submit(self, task_id: int, now: float) -> Task | None:
        """new → submitting; only one caller wins, and it alone may call create upstream."""
        rows = await self._db.fetchall(
            "UPDATE tasks SET state = 'submitting', updated_at = ? "
            "WHERE id = ? AND state = 'new' RETURNING *",
            (now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def release_submit(
        self, task_id: int, *, next_at: float, attempts: int, now: float
    ) -> None:
        """submitting → new after an answer proving nothing was created upstream."""
        await self._db.execute(
            "UPDATE tasks SET state = 'new', next_at = ?, attempts = ?, updated_at = ? "
            "WHERE id = ? AND state = 'submitting'",
            (next_at, attempts, now, task_id),
        )

    async def mark_submitted(
        self, task_id: int, upstream_id: str, *, next_at: float, now: float
    ) -> Task | None:
        """submitting → submitted; the task as it now stands, or None if it was not submitting."""
        rows = await self._db.urgent.fetchall(
            "UPDATE tasks SET state = 'submitted', upstream_id = ?, next_at = ?, attempts = 0, "
            "submitted_at = ?, updated_at = ? WHERE id = ? AND state = 'submitting' RETURNING *",
            (upstream_id, next_at, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def record_poll(
        self,
        task_id: int,
        *,
        next_at: float,
        attempts: int,
        now: float,
        upstream_status: str | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE tasks SET polls = polls + 1, next_at = ?, attempts = ?, last_poll_at = ?, "
            "upstream_status = COALESCE(?, upstream_status), updated_at = ? "
            "WHERE id = ? AND state = 'submitted'",
            (next_at, attempts, now, upstream_status, now, task_id),
        )

    async def mark_ready(
        self,
        task_id: int,
        url: str,
        *,
        upstream_id: str | None = None,
        cost: float | None = None,
        now: float,
    ) -> Task | None:
        """The picture exists upstream (and cost GPTunnel `cost` roubles, when it said). It
        finished somewhere between the last poll that said no and this one: the midpoint is
        what the poll scheduler learns from."""
        rows = await self._db.urgent.fetchall(
            "UPDATE tasks SET state = 'ready', result_url = ?, "
            "upstream_id = COALESCE(upstream_id, ?), ready_at = ?, next_at = ?, "
            "upstream_cost = COALESCE(?, upstream_cost), "
            "attempts = 0, "
            "polls = polls + CASE WHEN state = 'submitted' THEN 1 ELSE 0 END, "
            "submitted_at = COALESCE(submitted_at, ?), "
            "upstream_done_at = (COALESCE(last_poll_at, submitted_at, ?) + ?) / 2, "
            "updated_at = ? WHERE id = ? AND state IN ('submitting', 'submitted') "
            "RETURNING *",
            (url, upstream_id, now, now, cost, now, now, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def retry_delivery(
        self, task_id: int, *, next_at: float, attempts: int, now: float
    ) -> None:
        await self._db.execute(
            "UPDATE tasks SET next_at = ?, attempts = ?, updated_at = ? "
            "WHERE id = ? AND state = 'ready'",
            (next_at, attempts, now, task_id),
        )

    async def mark_delivered(
        self, task_id: int, now: float, *, picture_message_id: int | None = None
    ) -> bool:
        changed = await self._db.execute(
            "UPDATE tasks SET state = 'delivered', finished_at = ?, updated_at = ?, "
            "picture_message_id = ? WHERE id = ? AND state = 'ready'",
            (now, now, picture_message_id, task_id),
        )
        return changed == 1

    async def mark_failed(self, task_id: int, reason: str, now: float) -> Task | None:
        """Any open state → failed, giving the quota back in the same write."""
        rows = await self._db.fetchall(
            f"UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            f"updated_at = ? WHERE id = ? AND state IN {OPEN_SQL} RETURNING *",
            (reason, now, now, task_id),
        )
        return Task.from_row(rows[0]) if rows else None

    async def resume_interrupted(self, reason: str, now: float) -> tuple[list[Task], list[Task]]:
        """At start-up: create calls a crash cut off may or may not have reached GPTunnel. Each
        is sent once more (→ new); one that already was is ended instead (→ failed, refunded).
        Returns (resumed, failed)."""
        failed = await self._db.fetchall(
            "UPDATE tasks SET state = 'failed', failure = ?, charged = 0, finished_at = ?, "
            "updated_at = ? WHERE state = 'submitting' AND resubmitted = 1 RETURNING *",
            (reason, now, now),
        )
        resumed = await self._db.fetchall(
            "UPDATE tasks SET state = 'new', resubmitted = 1, next_at = ?, updated_at = ? "
            "WHERE state = 'submitting' RETURNING *",
            (now, now),
        )
        return [Task.from_row(r) for r in resumed], [Task.from_row(r) for r in failed]

    async def resubmit(self, task_id: int, *, next_at: float, now: float) -> bool:
        """submitting → new after a create whose answer was lost: once per task only."""
        changed = await self._db.execute(
            "UPDATE tasks SET state = 'new', resubmitted = 1, next_at = ?, updated_at = ? "
            "WHERE id = ? AND state = 'submitting' AND resubmitted = 0",
            (next_at, now, task_id),
        )
        return changed == 1

    async def retry_later(self, task_id: int, next_at: float) -> None:
        """After an unexpected error in a step: try the same step again later."""
        await self._db.execute(
            "UPDATE tasks SET next_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND state IN ('new', 'submitted', 'ready')",
            (next_at, task_id),
        )
