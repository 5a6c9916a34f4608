"""People who have written to the bot: kept for look-ups by id or @username."""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database

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

    async def chosen_locale(self, user_id: int) -> str | None:
        row = await self._db.fetchone(
            "SELECT chosen_locale FROM users WHERE user_id = ?", (user_id,)
        )
        return None if row is None else row["chosen_locale"]

    async def choose_locale(self, user_id: int, locale: str, now: float) -> None:
        await self._upsert(user_id, "chosen_locale", locale, now)

    async def set_banned(self, user_id: int, banned: bool, now: float) -> None:
        await self._upsert(user_id, "banned", int(banned), now)

    async def set_daily_limit(self, user_id: int, limit: int, now: float) -> None:
        await self._upsert(user_id, "daily_limit", limit, now)

    async def daily_limit(self, user_id: int) -> int | None:
        row = await self._db.fetchone("SELECT daily_limit FROM users WHERE user_id = ?", (user_id,))
        return None if row is None or row["daily_limit"] is None else int(row["daily_limit"])

    async def grant(self, user_id: int, quota_day: str, extra: int) -> int:
        """Add extra pictures for one day; returns the day's extra in total."""
        row = await self._db.fetchone(
            "INSERT INTO grants (user_id, quota_day, extra) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, quota_day) DO UPDATE "
            "SET extra = grants.extra + excluded.extra RETURNING extra",
            (user_id, quota_day, extra),
        )
        return int(row[0]) if row else extra

    async def granted(self, user_id: int, quota_day: str) -> int:
        row = await self._db.fetchone(
            "SELECT extra FROM grants WHERE user_id = ? AND quota_day = ?", (user_id, quota_day)
        )
        return int(row[0]) if row else 0

    async def find_by_username(self, username: str) -> int | None:
        row = await self._db.fetchone(
            # lower() on both sides, and an index on lower(username): the same in both
            # dialects (Telegram's usernames are ASCII, where lower() is NOCASE).
            "SELECT user_id FROM users WHERE lower(username) = lower(?) "
            "ORDER BY last_seen DESC LIMIT 1",
            (username,),
        )
        return None if row is None else int(row[0])

    async def banned(self, user_id: int) -> bool:
        row = await self._db.fetchone("SELECT banned FROM users WHERE user_id = ?", (user_id,))
        return row is not None and bool(row[0])

    async def _upsert(self, user_id: int, column: str, value: object, now: float) -> None:
        # The operator may act on someone who has not written yet: the row is made then.
        assert column in {"chosen_locale", "banned", "daily_limit"}
        await self._db.execute(
            f"INSERT INTO users (user_id, first_seen, last_seen, {column}) VALUES (?, ?, ?, ?) "
            f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}",
            (user_id, now, now, value),
        )
