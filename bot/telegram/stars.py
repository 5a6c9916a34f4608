"""Telegram Stars on the wire: the invoice for a credit pack (currency XTR, no payment
provider, one price), and refundStarPayment with what Telegram's answer means."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.methods import RefundStarPayment, SendInvoice
from aiogram.types import LabeledPrice

from bot.language import payment_texts
from bot.language.catalogues import Gettext
from bot.payments.packs import StarPack
from bot.payments.purchases import RefundAnswer
from bot.telegram.sender import Sender

log = logging.getLogger(__name__)

STARS = "XTR"


def invoice(_: Gettext, pack: StarPack, *, chat_id: int) -> SendInvoice:
    title = payment_texts.invoice_title(_, pack)
    return SendInvoice(
        chat_id=chat_id,
        title=title,
        description=payment_texts.invoice_description(_, pack),
        payload=pack.payload,
        currency=STARS,
        prices=[LabeledPrice(label=title, amount=pack.stars)],
    )


class StarRefunder:
    """refundStarPayment through the one Sender."""

    def __init__(self, sender: Sender) -> None:
        self._send = sender

    async def __call__(self, user_id: int, charge_id: str) -> RefundAnswer:
        try:
            await self._send(
                RefundStarPayment(user_id=user_id, telegram_payment_charge_id=charge_id)
            )
        except TelegramBadRequest as exc:
            # Refunded before (say, by a /refund the bot did not live to record): the Stars
            # are back with the buyer either way.
            if "CHARGE_ALREADY_REFUNDED" in exc.message:
                return RefundAnswer(ok=True, already=True)
            return RefundAnswer(ok=False, reason=exc.message)
        except TelegramAPIError as exc:
            log.warning("refundStarPayment for %s failed: %s", charge_id, exc)
            return RefundAnswer(ok=False, reason=str(exc))
        return RefundAnswer(ok=True)
