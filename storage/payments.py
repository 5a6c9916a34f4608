"""Payments in Telegram Stars and the purchased credits they bought.

A payment is keyed by Telegram's `telegram_payment_charge_id`: recording it and adding its
credits are one transaction, and a charge id already recorded adds nothing. So the same
payment delivered twice (Telegram redelivers; a webhook may deliver twice; the bot may have
been killed before Telegram heard it was handled) is credited once, on both backends.

Purchased credits are a balance on the person's row (`users.purchased_credits`): the intake
spends them after the day's credits, in its own transaction, and the tasks_refund_paid trigger
gives a failed task's share back (see storage.intake). Every change that reads the balance to
decide runs under the person's lock, as the intake does.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.port import Database, Row, Script, Step


@dataclass(frozen=True, slots=True)
class PaymentMade:
    """A successful payment as Telegram reported it, and the credits it bought."""

    charge_id: str
    user_id: int
    chat_id: int
    payload: str
    credits: int
    stars: int
    currency: str
    provider_charge_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPayment:
    charge_id: str
    user_id: int
    credits: int
    stars: int
    created_at: float
    refunded_at: float | None
    taken_back: int | None

    @classmethod
    def from_row(cls, row: Row) -> StoredPayment:
        return cls(
            charge_id=str(row["charge_id"]),
            user_id=int(row["user_id"]),
            credits=int(row["credits"]),
            stars=int(row["stars"]),
            created_at=float(row["created_at"]),
            refunded_at=None if row["refunded_at"] is None else float(row["refunded_at"]),
            taken_back=None if row["taken_back"] is None else int(row["taken_back"]),
        )


@dataclass(frozen=True, slots=True)
class Recorded:
    new: bool  # False: this charge id was recorded before, and nothing was added now
    balance: int  # the payer's purchased credits afterwards


@dataclass(frozen=True, slots=True)
class TakenBack:
    payment: StoredPayment
    taken: int  # purchased credits taken back now (at most the payment's)
    balance: int  # what the person has left


@dataclass(frozen=True, slots=True)
class AlreadyTakenBack:
    payment: StoredPayment


@dataclass(frozen=True, slots=True)
class StarFigures:
    today: int  # Stars received since the start of the day
    total: int
    refunded: int  # of the total, Stars given back


class PaymentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, payment: PaymentMade, now: float) -> Recorded:
        """Record a payment and add its credits, once per charge id."""
        return await self._db.run_script(
            _record(payment, now), serialize_on=[f"user:{payment.user_id}"]
        )

    async def get(self, charge_id: str) -> StoredPayment | None:
        row = await self._db.fetchone("SELECT * FROM payments WHERE charge_id = ?", (charge_id,))
        return StoredPayment.from_row(row) if row else None

    async def take_back(
        self, payment: StoredPayment, now: float
    ) -> TakenBack | AlreadyTakenBack | None:
        """Mark a payment refunded and take back its credits, as many as are left unspent;
        once. None: no such payment."""
        return await self._db.run_script(
            _take_back(payment.charge_id, now), serialize_on=[f"user:{payment.user_id}"]
        )

    async def balance(self, user_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT purchased_credits FROM users WHERE user_id = ?", (user_id,)
        )
        return int(row[0]) if row else 0

    async def stars(self, *, day_start: float) -> StarFigures:
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(CASE WHEN created_at >= ? THEN stars ELSE 0 END), 0), "
            "COALESCE(SUM(stars), 0), "
            "COALESCE(SUM(CASE WHEN refunded_at IS NOT NULL THEN stars ELSE 0 END), 0) "
            "FROM payments",
            (day_start,),
        )
        if row is None:
            return StarFigures(0, 0, 0)
        return StarFigures(int(row[0]), int(row[1]), int(row[2]))


def _record(p: PaymentMade, now: float) -> Script[Recorded]:
    inserted = yield Step(
        "INSERT INTO payments (charge_id, user_id, chat_id, payload, credits, stars, currency, "
        "provider_charge_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (charge_id) DO NOTHING RETURNING charge_id",
        (
            p.charge_id,
            p.user_id,
            p.chat_id,
            p.payload,
            p.credits,
            p.stars,
            p.currency,
            p.provider_charge_id,
            now,
        ),
    )
    if inserted and p.credits > 0:
        # The buyer may never have written a prompt: their row is made now.
        rows = yield Step(
            "INSERT INTO users (user_id, first_seen, last_seen, purchased_credits) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "purchased_credits = users.purchased_credits + excluded.purchased_credits "
            "RETURNING purchased_credits",
            (p.user_id, now, now, p.credits),
        )
        return Recorded(new=True, balance=int(rows[0][0]))
    rows = yield Step("SELECT purchased_credits FROM users WHERE user_id = ?", (p.user_id,))
    return Recorded(new=bool(inserted), balance=int(rows[0][0]) if rows else 0)


def _take_back(charge_id: str, now: float) -> Script[TakenBack | AlreadyTakenBack | None]:
    rows = yield Step("SELECT * FROM payments WHERE charge_id = ?", (charge_id,))
    if not rows:
        return None
    payment = StoredPayment.from_row(rows[0])
    if payment.refunded_at is not None:
        return AlreadyTakenBack(payment)
    held = yield Step("SELECT purchased_credits FROM users WHERE user_id = ?", (payment.user_id,))
    balance = int(held[0][0]) if held else 0
    # Which pack's credits were spent cannot be told apart: what is left is taken, up to
    # this payment's credits, and the rest were used.
    taken = min(balance, payment.credits)
    yield Step(
        "UPDATE payments SET refunded_at = ?, taken_back = ? "
        "WHERE charge_id = ? AND refunded_at IS NULL",
        (now, taken, charge_id),
    )
    if taken:
        yield Step(
            "UPDATE users SET purchased_credits = purchased_credits - ? WHERE user_id = ?",
            (taken, payment.user_id),
        )
    refunded = StoredPayment(
        payment.charge_id,
        payment.user_id,
        payment.credits,
        payment.stars,
        payment.created_at,
        now,
        taken,
    )
    return TakenBack(refunded, taken, balance - taken)
