"""A basic group upgraded to a supergroup: everything kept under the old chat id moves to the
new one, in one transaction, and the move is recorded so that seeing it again (Telegram tells
it up to three times: a 400 on a send and a service message in each chat) changes nothing
more."""

from __future__ import annotations

from storage.port import Database, Script, Step
from storage.task import OPEN_SQL


class ChatMigrationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def move(self, old_chat_id: int, new_chat_id: int, now: float) -> bool:
        """Move the old chat's tasks (open ones and history: the group's daily count is
        counted from them), its /grouplimit and chosen model, its payments, what waits for it
        in the outbox and the pictures kept to draw from. True the first time; later calls
        only sweep up rows written under the old id in between (a prompt from the old group
        taken in meanwhile)."""
        # The same lock names as intake's: no prompt of either chat is counted mid-move.
        locks = sorted({f"chat:{old_chat_id}", f"chat:{new_chat_id}"})
        return await self._db.run_script(_move(old_chat_id, new_chat_id, now), serialize_on=locks)

    async def moved_to(self, old_chat_id: int) -> int | None:
        row = await self._db.fetchone(
            "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = ?", (old_chat_id,)
        )
        return None if row is None else int(row[0])


def _move(old: int, new: int, now: float) -> Script[bool]:
    recorded = yield Step(
        "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (old_chat_id) DO NOTHING RETURNING new_chat_id",
        (old, new, now),
    )
    if not recorded:
        # Seen before: the first sighting's target stands (Telegram names only one anyway).
        [known] = yield Step(
            "SELECT new_chat_id FROM chat_migrations WHERE old_chat_id = ?", (old,)
        )
        new = int(known[0])
    # An open task's prompt and "drawing…" are messages of the old chat: in the new one
    # there is nothing to reply to or edit (its message ids are its own, and may collide).
    yield Step(
        "UPDATE tasks SET message_id = NULL, status_message_id = NULL "
        f"WHERE chat_id = ? AND state IN {OPEN_SQL}",
        (old,),
    )
    yield Step("UPDATE tasks SET chat_id = ? WHERE chat_id = ?", (new, old))
    # A setting the new chat already has was made later, by its admins: it stays.
    for table, column in (("chat_limits", "daily_limit"), ("chat_models", "model")):
        yield Step(
            f"INSERT INTO {table} (chat_id, {column}) "
            f"SELECT ?, {column} FROM {table} WHERE chat_id = ? "
            "ON CONFLICT (chat_id) DO NOTHING",
            (new, old),
        )
        yield Step(f"DELETE FROM {table} WHERE chat_id = ?", (old,))
    yield Step("UPDATE payments SET chat_id = ? WHERE chat_id = ?", (new, old))
    yield Step("UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (new, old))
    # A picture waiting for its model to be picked (or for its task) belongs to the chat too.
    yield Step("UPDATE reference_images SET chat_id = ? WHERE chat_id = ?", (new, old))
    return bool(recorded)
