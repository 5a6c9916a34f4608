"""Selling credits: the packs on offer (/buy), and the checkout's answer, which Telegram needs
within 10 seconds (pre_checkout_query): yes while the pack is still sold and the buyer is not
banned, otherwise no with the reason."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.payments.packs import StarPack, pack_of_payload
from bot.settings import Settings
from storage import PaymentRepository, UserRepository

log = logging.getLogger(__name__)

STARS = "XTR"


class Decline(StrEnum):
    PACK_GONE = "pack_gone"  # no longer on sale (STAR_PACKS changed), or not ours at all
    BANNED = "banned"
    UNAVAILABLE = "unavailable"  # the bot could not check (its database failed)


@dataclass(frozen=True, slots=True)
class BuyMenu:
    packs: tuple[StarPack, ...]
    purchased: int  # the buyer's purchased credits now


class Shop:
    def __init__(
        self, *, settings: Settings, users: UserRepository, wallet: PaymentRepository
    ) -> None:
        self._settings = settings
        self._users = users
        self._wallet = wallet

    async def menu(self, user_id: int) -> BuyMenu:
        return BuyMenu(self._settings.star_packs, await self._wallet.balance(user_id))

    def offer(self, credits: int, stars: int) -> StarPack | None:
        """The pack a button named, if it is still sold (button data comes from the client)."""
        return self._settings.pack(credits, stars)

    async def pre_checkout(
        self, user_id: int, *, payload: str, total_amount: int, currency: str
    ) -> Decline | None:
        """None: the payment may go ahead. Never raises: Telegram must get an answer."""
        pack = pack_of_payload(payload)
        if (
            pack is None
            or currency != STARS
            or total_amount != pack.stars
            or self._settings.pack(pack.credits, pack.stars) is None
        ):
            log.info("checkout of %r by user %s declined: not on sale", payload, user_id)
            return Decline.PACK_GONE
        try:
            banned = await self._users.banned(user_id)
        except Exception:
            log.exception("checkout of %r by user %s could not be checked", payload, user_id)
            return Decline.UNAVAILABLE
        if banned:
            log.info("checkout by banned user %s declined", user_id)
            return Decline.BANNED
        return None
