"""Finished tasks kept for a while, then pruned, a batch at a time; what they counted is kept.

A task ends delivered or failed and stays in the table for TASK_RETENTION_DAYS: /history,
the quota of its day, a repeated update's duplicate check and /stats's daily figures read it.
After that it is deleted, and folded first into `pruned_tasks` (how many ended which way), so
/stats's totals stay whole. The delete hands back exactly the rows it removed (`RETURNING`),
so two processes pruning at once never count a task twice.
"""

from __future__ import annotations

from collections import Counter

from storage.port import Database, Script, Step


class TaskRetention:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def prune(self, finished_before: float, limit: int) -> int:
        """Delete up to `limit` tasks finished before then, oldest first, counting them in
        the totals in the same transaction; returns how many."""
        return await self._db.run_script(_prune(finished_before, limit))

    async def totals(self) -> dict[tuple[str, str], int]:
        """(state, failure reason or "") → tasks pruned so far."""
        rows = await self._db.fetchall("SELECT state, reason, tasks FROM pruned_tasks")
        return {(str(row[0]), str(row[1])): int(row[2]) for row in rows}


def _prune(finished_before: float, limit: int) -> Script[int]:
    deleted = yield Step(
        "DELETE FROM tasks WHERE id IN ("
        "SELECT id FROM tasks WHERE finished_at < ? ORDER BY finished_at LIMIT ?"
        ") RETURNING state, failure",
        (finished_before, limit),
    )
    counts = Counter((str(row[0]), "" if row[1] is None else str(row[1])) for row in deleted)
    if counts:
        values = ", ".join("(?, ?, ?)" for _ in counts)
        params = [value for (state, reason), n in counts.items() for value in (state, reason, n)]
        yield Step(
            f"INSERT INTO pruned_tasks (state, reason, tasks) VALUES {values} "
            "ON CONFLICT (state, reason) DO UPDATE SET tasks = pruned_tasks.tasks + excluded.tasks",
            params,
        )
    return len(deleted)
