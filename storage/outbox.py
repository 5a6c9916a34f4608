"""The outbox: what a process that does not send to Telegram itself hands to the one that does
(replies to commands, the "drawing…" status of a prompt it took in). Rows are claimed by the
sender's turn (`epoch`), removed once sent; rows claimed by an earlier turn whose process died
are claimed again, so nothing handed over is lost (a reply may, rarely, go out twice)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database, Row


@dataclass(frozen=True, slots=True)
class Parcel:
    id: int
    kind: str  # "method": a Bot API call as JSON in `payload`; "status": a task's "drawing…"
    chat_id: int | None
    task_id: int | None
    payload: str | None
    priority: int
    droppable: bool
    created_at: float


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(
        self,
        *,
        kind: str,
        chat_id: int | None,
        task_id: int | None = None,
        payload: str | None = None,
        priority: int,
        droppable: bool = False,
        now: float,
    ) -> None:
        await self._db.execute(
            "INSERT INTO outbox (kind, chat_id, task_id, payload, priority, droppable, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, chat_id, task_id, payload, priority, int(droppable), now),
        )

    async def claim(self, epoch: int, limit: int) -> list[Parcel]:
        """The oldest parcels nobody is sending, or that an earlier turn took and never sent."""
        rows = await self._db.fetchall(
            "UPDATE outbox SET claimed_by = ? WHERE id IN ("
            "SELECT id FROM outbox WHERE claimed_by IS NULL OR claimed_by < ? "
            "ORDER BY id LIMIT ?) RETURNING *",
            (epoch, epoch, limit),
        )
        return sorted((_parcel(row) for row in rows), key=lambda parcel: parcel.id)

    async def done(self, parcel_id: int) -> None:
        await self._db.execute("DELETE FROM outbox WHERE id = ?", (parcel_id,))

    async def waiting(self) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM outbox")
        return int(row[0]) if row else 0


def _parcel(row: Row) -> Parcel:
    return Parcel(
        id=int(row["id"]),
        kind=str(row["kind"]),
        chat_id=None if row["chat_id"] is None else int(row["chat_id"]),
        task_id=None if row["task_id"] is None else int(row["task_id"]),
        payload=None if row["payload"] is None else str(row["payload"]),
        priority=int(row["priority"]),
        droppable=bool(row["droppable"]),
        created_at=float(row["created_at"]),
    )
