"""Payments that went through: each credited exactly once (storage keys it by Telegram's
charge id), and the operator's refunds, which give the Stars back and take back the credits
not yet spent."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.payments.packs import pack_of_payload
from bot.payments.shop import STARS
from storage import AlreadyTakenBack, PaymentMade, PaymentRepository, StoredPayment

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Receipt:
    """A `successful_payment` as Telegram delivered it."""

    charge_id: str  # telegram_payment_charge_id: unique per payment
    user_id: int  # who paid: the credits are theirs
    chat_id: int
    payload: str
    total_amount: int
    currency: str
    provider_charge_id: str | None = None


@dataclass(frozen=True, slots=True)
class Credited:
    credits: int
    balance: int  # purchased credits now
    new: bool  # False: the same payment delivered again; nothing was added this time


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """Paid, but for nothing the bot sells: recorded with no credits, for the operator."""

    charge_id: str


@dataclass(frozen=True, slots=True)
class RefundAnswer:
    """What Telegram said to refundStarPayment."""

    ok: bool  # the Stars are back with the buyer (now, or `already` before)
    already: bool = False
    reason: str = ""  # Telegram's words when not ok


class StarRefunds(Protocol):
    async def __call__(self, user_id: int, charge_id: str) -> RefundAnswer: ...


@dataclass(frozen=True, slots=True)
class Refunded:
    payment: StoredPayment
    taken: int  # credits taken back
    spent: int  # of the payment's credits, those already used (not taken back)


@dataclass(frozen=True, slots=True)
class RefundUnknown:
    charge_id: str


@dataclass(frozen=True, slots=True)
class AlreadyRefunded:
    payment: StoredPayment


@dataclass(frozen=True, slots=True)
class RefundRefused:
    charge_id: str
    reason: str


RefundOutcome = Refunded | RefundUnknown | AlreadyRefunded | RefundRefused


class Purchases:
    def __init__(
        self,
        *,
        wallet: PaymentRepository,
        refunds: StarRefunds,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._wallet = wallet
        self._refunds = refunds
        self._clock = clock

    async def credit(self, receipt: Receipt) -> Credited | Unrecognised:
        """Add what the payment bought, once however often it is delivered. The pack comes
        from the payload: what was sold, even if STAR_PACKS changed since."""
        pack = pack_of_payload(receipt.payload)
        known = (
            pack is not None and receipt.currency == STARS and receipt.total_amount == pack.stars
        )
        recorded = await self._wallet.record(
            PaymentMade(
                charge_id=receipt.charge_id,
                user_id=receipt.user_id,
                chat_id=receipt.chat_id,
                payload=receipt.payload,
                credits=pack.credits if known and pack is not None else 0,
                stars=receipt.total_amount,
                currency=receipt.currency,
                provider_charge_id=receipt.provider_charge_id,
            ),
            self._clock(),
        )
        if not known or pack is None:
            log.error(
                "payment %s by user %s is for nothing on sale (%r, %s %s): recorded, no credits",
                receipt.charge_id,
                receipt.user_id,
                receipt.payload,
                receipt.total_amount,
                receipt.currency,
            )
            return Unrecognised(receipt.charge_id)
        if recorded.new:
            log.info(
                "payment %s: user %s bought %s credits for %s Stars (now %s)",
                receipt.charge_id,
                receipt.user_id,
                pack.credits,
                pack.stars,
                recorded.balance,
            )
        else:
            log.info("payment %s delivered again: already credited", receipt.charge_id)
        return Credited(pack.credits, recorded.balance, recorded.new)

    async def refund(self, charge_id: str) -> RefundOutcome:
        """Give the Stars back (refundStarPayment), then take back the payment's credits that
        are left. Telegram first: if the bot stops in between, running /refund again finds
        Telegram saying "already refunded" and takes the credits back then."""
        payment = await self._wallet.get(charge_id)
        if payment is None:
            return RefundUnknown(charge_id)
        if payment.refunded_at is not None:
            return AlreadyRefunded(payment)
        answer = await self._refunds(payment.user_id, charge_id)
        if not answer.ok:
            log.warning("refund of %s refused by Telegram: %s", charge_id, answer.reason)
            return RefundRefused(charge_id, answer.reason)
        taken = await self._wallet.take_back(payment, self._clock())
        if taken is None:
            return RefundUnknown(charge_id)
        if isinstance(taken, AlreadyTakenBack):  # another /refund of it finished first
            return AlreadyRefunded(taken.payment)
        log.info(
            "payment %s refunded (%s Stars to user %s): %s of %s credits taken back%s",
            charge_id,
            payment.stars,
            payment.user_id,
            taken.taken,
            payment.credits,
            " (Telegram had refunded it already)" if answer.already else "",
        )
        return Refunded(taken.payment, taken.taken, payment.credits - taken.taken)
