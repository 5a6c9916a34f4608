"""Small named values the bot keeps for itself across restarts (say, a generated secret)."""

from __future__ import annotations

from collections.abc import Callable

from storage.port import Database


class MetaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def get_or_create(self, key: str, make: Callable[[], str]) -> str:
        """The stored value, or `make()` stored now; two starts at once agree on one value."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, make()),
            )
            row = await tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
            assert row is not None
            return str(row["value"])
