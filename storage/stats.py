"""Read-only figures for the operator's /stats.

Daily figures come from the tasks still kept (TASK_RETENTION_DAYS, at least a week); totals add
the counts of tasks pruned since (`pruned_tasks`). Durations are those of the kept tasks."""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database


@dataclass(frozen=True, slots=True)
class ModelSpend:
    """What GPTunnel said a model's pictures cost (roubles), for tasks that said."""

    model: str
    today: float
    total: float


@dataclass(frozen=True, slots=True)
class Figures:
    users_today: int
    users_week: int
    images_today: int
    images_total: int
    failures: dict[str, int]
    durations: list[float]  # seconds from prompt to delivery, delivered tasks, ascending
    open_now: int


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def figures(self, *, day_start: float, week_start: float) -> Figures:
        async def one(sql: str, params: tuple[float, ...] = ()) -> int:
            row = await self._db.fetchone(sql, params)
            return int(row[0]) if row and row[0] is not None else 0

        active = "SELECT COUNT(DISTINCT user_id) FROM tasks WHERE created_at >= ?"
        delivered = "SELECT COUNT(*) FROM tasks WHERE state = 'delivered'"
        failures = await self._db.fetchall(
            "SELECT failure, COUNT(*) FROM tasks WHERE state = 'failed' GROUP BY failure"
        )
        durations = await self._db.fetchall(
            "SELECT finished_at - created_at FROM tasks "
            "WHERE state = 'delivered' AND finished_at IS NOT NULL ORDER BY 1"
        )
        pruned = await self._db.fetchall("SELECT state, reason, tasks FROM pruned_tasks")
        pruned_delivered = sum(int(row[2]) for row in pruned if row[0] == "delivered")
        failure_counts = {str(row[0]): int(row[1]) for row in failures}
        for row in pruned:
            if row[0] == "failed":
                reason = str(row[1]) if row[1] else "None"
                failure_counts[reason] = failure_counts.get(reason, 0) + int(row[2])
        return Figures(
            users_today=await one(active, (day_start,)),
            users_week=await one(active, (week_start,)),
            images_today=await one(delivered + " AND finished_at >= ?", (day_start,)),
            images_total=await one(delivered) + pruned_delivered,
            failures=failure_counts,
            durations=[float(row[0]) for row in durations],
            open_now=await one(
                "SELECT COUNT(*) FROM tasks "
                "WHERE state IN ('new', 'submitting', 'submitted', 'ready')"
            ),
        )

    async def spend(self, *, day_start: float) -> list[ModelSpend]:
        """GPTunnel's `cost` of the pictures made today and in all, per model."""
        rows = await self._db.fetchall(
            "SELECT model, "
            "COALESCE(SUM(CASE WHEN ready_at >= ? THEN upstream_cost ELSE 0 END), 0), "
            "SUM(upstream_cost) FROM tasks WHERE upstream_cost IS NOT NULL "
            "GROUP BY model ORDER BY model",
            (day_start,),
        )
        return [ModelSpend(str(r[0]), float(r[1]), float(r[2])) for r in rows]
