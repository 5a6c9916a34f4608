"""The texts of issue 13's payments: /buy and its invoice, the checkout's refusals, the
thanks for a payment, /paysupport and /terms (the operator's own words when set), /refund."""

from __future__ import annotations

from html import escape

from bot.language.catalogues import Gettext
from bot.payments.packs import StarPack
from bot.payments.purchases import (
    AlreadyRefunded,
    Credited,
    Refunded,
    RefundOutcome,
    RefundRefused,
    RefundUnknown,
    Unrecognised,
)
from bot.payments.shop import BuyMenu, Decline

DECLINE_KEYS = {
    Decline.PACK_GONE: "checkout-pack-gone",
    Decline.BANNED: "checkout-banned",
    Decline.UNAVAILABLE: "checkout-unavailable",
}


def buy_menu(_: Gettext, menu: BuyMenu) -> str:
    return _("buy-menu").format(purchased=menu.purchased)


def buy_button(_: Gettext, pack: StarPack) -> str:
    return _("buy-button").format(credits=pack.credits, stars=pack.stars)


def buy_private_only(_: Gettext, bot_username: str) -> str:
    return _("buy-private-only").format(username=escape(bot_username))


def buy_pack_gone(_: Gettext) -> str:
    return _("buy-pack-gone")


def invoice_sent(_: Gettext) -> str:
    return _("invoice-sent")


def invoice_title(_: Gettext, pack: StarPack) -> str:
    return _("invoice-title").format(credits=pack.credits)


def invoice_description(_: Gettext, pack: StarPack) -> str:
    return _("invoice-description").format(credits=pack.credits)


def declined(_: Gettext, reason: Decline) -> str:
    """Plain text: Telegram shows it in the payment form."""
    return _(DECLINE_KEYS[reason])


def payment(_: Gettext, outcome: Credited | Unrecognised) -> str:
    if isinstance(outcome, Unrecognised):
        return _("payment-unrecognised").format(charge=escape(outcome.charge_id))
    return _("payment-received").format(credits=outcome.credits, balance=outcome.balance)


def operator_text(own: str) -> str:
    """The operator's own /paysupport or /terms: plain text, `\\n` for a line break."""
    return escape(own.replace("\\n", "\n"), quote=False)


def paysupport(_: Gettext, own: str = "") -> str:
    return operator_text(own) if own.strip() else _("paysupport")


def terms(_: Gettext, own: str = "") -> str:
    return operator_text(own) if own.strip() else _("terms")


def refund(_: Gettext, outcome: RefundOutcome) -> str:
    if isinstance(outcome, RefundUnknown):
        return _("refund-unknown").format(charge=escape(outcome.charge_id))
    if isinstance(outcome, RefundRefused):
        return _("refund-refused").format(
            charge=escape(outcome.charge_id), reason=escape(outcome.reason)
        )
    if isinstance(outcome, AlreadyRefunded):
        return _("refund-already").format(
            charge=escape(outcome.payment.charge_id), taken=outcome.payment.taken_back or 0
        )
    assert isinstance(outcome, Refunded)
    paid = outcome.payment
    values = {
        "stars": paid.stars,
        "user": paid.user_id,
        "charge": escape(paid.charge_id),
        "taken": outcome.taken,
        "credits": paid.credits,
    }
    if outcome.spent:
        return _("refund-done-spent").format(spent=outcome.spent, **values)
    return _("refund-done").format(**values)
