"""People who have written to the bot: kept for look-ups by id or @username."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database

UPSERT_USER = """
    INSERT INTO users (user_id, username, first_name, language_code, first_seen, last_seen)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        username = excluded.username,
        first_name = excluded.first_name,
        language_code = excluded.language_code,
        last_seen = excluded.last_seen
"""


@dataclass(frozen=True, slots=True)
class UserSeen:
    user_id: int
    username: str | None
    first_name: str | None
    language_code: str | None

    def params(self, now: float) -> tuple[object, ...]:
        return (self.user_id, self.username, self.first_name, self.language_code, now, now)


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(
        self,
        user_id: int,
        *,
        username: str | None,
        first_name: str | None,
        language_code: str | None,
        now: float,
    ) -> None:
        seen = UserSeen(user_id, username, first_name, language_code)
        await self._db.execute(UPSERT_USER, seen.params(now))
