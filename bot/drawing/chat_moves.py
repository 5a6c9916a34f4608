"""A basic group upgraded to a supergroup: the group's drawing follows it (its open tasks, its
daily count and /grouplimit, its model, its history).

Telegram tells of an upgrade up to three times: a 400 with `migrate_to_chat_id` on a send
(the Sender reports it here), and a service message in each chat (the group router does).
Whichever comes first moves the rows; the others find it done (storage.chat_migrations)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from storage import ChatMigrationRepository

log = logging.getLogger(__name__)


class ChatMoves:
    def __init__(
        self, migrations: ChatMigrationRepository, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._migrations = migrations
        self._clock = clock

    async def move(self, old_chat_id: int, new_chat_id: int) -> bool:
        """True if this sighting moved the group (the first one does)."""
        if old_chat_id == new_chat_id:
            return False
        moved = await self._migrations.move(old_chat_id, new_chat_id, self._clock())
        if moved:
            log.info(
                "group %s is now supergroup %s: its tasks and settings moved",
                old_chat_id,
                new_chat_id,
            )
        return moved
