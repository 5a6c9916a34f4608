"""Leases: which process does a piece of shared work now (say, the background loop and the
sender for all of them), for how long, and which turn (`epoch`) it is.

Time is the database's own clock, so processes on hosts whose clocks differ still agree on
when a lease has run out.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database, Dialect, Row

_NOW = {
    Dialect.SQLITE: "((julianday('now') - 2440587.5) * 86400.0)",
    Dialect.POSTGRESQL: "extract(epoch FROM clock_timestamp())::double precision",
}


@dataclass(frozen=True, slots=True)
class Lease:
    holder: str
    epoch: int  # grows by one each time the lease changes hands
    expires_at: float  # the database's clock


class LeaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        now = _NOW[db.dialect]
        self._acquire = (
            "INSERT INTO leases (name, holder, epoch, expires_at) "
            f"VALUES (?, ?, 1, {now} + ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
            "epoch = leases.epoch + 1, expires_at = excluded.expires_at "
            f"WHERE leases.expires_at < {now} "
            "RETURNING holder, epoch, expires_at"
        )
        self._renew = (
            f"UPDATE leases SET expires_at = {now} + ? "
            "WHERE name = ? AND holder = ? AND epoch = ? "
            "RETURNING holder, epoch, expires_at"
        )

    async def acquire(self, name: str, holder: str, ttl: float) -> Lease | None:
        """The lease, if nobody holds it now (it was never taken, released, or ran out)."""
        row = await self._db.fetchone(self._acquire, (name, holder, ttl))
        return None if row is None else _lease(row)

    async def renew(self, name: str, holder: str, epoch: int, ttl: float) -> Lease | None:
        """Another `ttl` seconds for the holder of this turn; None if the turn has passed to
        someone else (the caller must stop acting for it)."""
        row = await self._db.fetchone(self._renew, (ttl, name, holder, epoch))
        return None if row is None else _lease(row)

    async def release(self, name: str, holder: str, epoch: int) -> None:
        """Give it up now, so another process need not wait for it to run out."""
        await self._db.execute(
            "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND epoch = ?",
            (name, holder, epoch),
        )

    async def current(self, name: str) -> Lease | None:
        row = await self._db.fetchone(
            "SELECT holder, epoch, expires_at FROM leases WHERE name = ?", (name,)
        )
        return None if row is None else _lease(row)


def _lease(row: Row) -> Lease:
    return Lease(str(row["holder"]), int(row["epoch"]), float(row["expires_at"]))
