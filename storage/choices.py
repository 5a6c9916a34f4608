"""What people and groups chose with /model and /ar: a person's model and aspect ratio, and a
group's own model (set by its administrators)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database


@dataclass(frozen=True, slots=True)
class Remembered:
    model: str | None  # the person's /model (used in private chats)
    ar: str | None  # the person's /ar
    chat_model: str | None  # the group's /model (None: in a private chat, or never set)


NOTHING_CHOSEN = Remembered(None, None, None)


class ChoiceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remembered(self, user_id: int, chat_id: int | None) -> Remembered:
        """Everything a prompt's model and ratio may come from, in one statement."""
        row = await self._db.fetchone(
            "SELECT (SELECT model FROM users WHERE user_id = ?) AS model, "
            "(SELECT ar FROM users WHERE user_id = ?) AS ar, "
            "(SELECT model FROM chat_models WHERE chat_id = ?) AS chat_model",
            (user_id, user_id, chat_id),
        )
        if row is None:
            return Remembered(None, None, None)
        return Remembered(row["model"], row["ar"], row["chat_model"])

    async def set_model(self, user_id: int, model: str, now: float) -> None:
        await self._upsert(user_id, "model", model, now)

    async def set_ratio(self, user_id: int, ar: str | None, now: float) -> None:
        await self._upsert(user_id, "ar", ar, now)

    async def set_chat_model(self, chat_id: int, model: str) -> None:
        await self._db.execute(
            "INSERT INTO chat_models (chat_id, model) VALUES (?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET model = excluded.model",
            (chat_id, model),
        )

    async def _upsert(self, user_id: int, column: str, value: str | None, now: float) -> None:
        # A person's row may not exist yet (a /model before any prompt): it is made then.
        assert column in {"model", "ar"}
        await self._db.execute(
            f"INSERT INTO users (user_id, first_seen, last_seen, {column}) VALUES (?, ?, ?, ?) "
            f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}",
            (user_id, now, now, value),
        )
