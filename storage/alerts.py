"""When each kind of operator alert was last sent, so one incident makes one message."""

from __future__ import annotations

from storage.port import Database


class AlertRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, kind: str, now: float, every: float) -> bool:
        """True for the one caller allowed to alert now; false within `every` of the last."""
        row = await self._db.fetchone(
            "INSERT INTO admin_alerts (kind, sent_at) VALUES (?, ?) "
            "ON CONFLICT (kind) DO UPDATE SET sent_at = excluded.sent_at "
            "WHERE admin_alerts.sent_at <= ? RETURNING kind",
            (kind, now, now - every),
        )
        return row is not None
