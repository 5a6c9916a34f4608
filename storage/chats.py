"""Per-chat settings: a group's own daily limit."""

from __future__ import annotations

from storage.port import Database


class ChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def daily_limit(self, chat_id: int) -> int | None:
        """The group's own limit as set with /grouplimit (0: none); None when never set."""
        row = await self._db.fetchone(
            "SELECT daily_limit FROM chat_limits WHERE chat_id = ?", (chat_id,)
        )
        return None if row is None else int(row[0])

    async def set_daily_limit(self, chat_id: int, limit: int) -> None:
        await self._db.execute(
            "INSERT INTO chat_limits (chat_id, daily_limit) VALUES (?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET daily_limit = excluded.daily_limit",
            (chat_id, limit),
        )
