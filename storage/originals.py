"""The full-quality image of each delivered task, kept for the "original file" button.

Kept in the database (with SQLite, one file to back up, one volume in Docker) and pruned after
ORIGINAL_KEEP seconds; GPTunnel's own link dies after 48 hours, so the bot must keep its copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database


@dataclass(frozen=True, slots=True)
class Original:
    task_id: int
    data: bytes
    filename: str
    created_at: float


@dataclass(frozen=True, slots=True)
class OriginalRef:
    """What is known of a kept original without reading the file itself."""

    task_id: int
    filename: str
    file_id: str | None  # Telegram's, once it has been sent: send that, not the bytes


class OriginalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, task_id: int, data: bytes, filename: str, now: float) -> None:
        await self._db.execute(
            "INSERT INTO originals (task_id, data, filename, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (task_id) DO UPDATE SET data = excluded.data, "
            "filename = excluded.filename, created_at = excluded.created_at, file_id = NULL",
            (task_id, data, filename, now),
        )

    async def get(self, task_id: int) -> Original | None:
        row = await self._db.fetchone(
            "SELECT task_id, data, filename, created_at FROM originals WHERE task_id = ?",
            (task_id,),
        )
        if row is None:
            return None
        return Original(int(row[0]), bytes(row[1]), str(row[2]), float(row[3]))

    async def find(self, task_id: int) -> OriginalRef | None:
        row = await self._db.fetchone(
            "SELECT task_id, filename, file_id FROM originals WHERE task_id = ?", (task_id,)
        )
        if row is None:
            return None
        return OriginalRef(int(row[0]), str(row[1]), None if row[2] is None else str(row[2]))

    async def set_file_id(self, task_id: int, file_id: str | None) -> None:
        await self._db.execute(
            "UPDATE originals SET file_id = ? WHERE task_id = ?", (file_id, task_id)
        )

    async def prune(self, older_than: float) -> int:
        return await self._db.execute("DELETE FROM originals WHERE created_at < ?", (older_than,))
