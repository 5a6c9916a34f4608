"""Credits for Telegram Stars: /buy and its packs (only while STAR_PACKS sells some), the
invoice, the checkout's answer, the thanks for a payment, /paysupport and /terms.

The checkout and the payment itself are handled whatever STAR_PACKS says now: an invoice sent
before the operator changed it may still be paid, and a payment that went through is always
credited.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import BaseFilter, Command
from aiogram.methods import AnswerPreCheckoutQuery
from aiogram.types import CallbackQuery, Message, PreCheckoutQuery
from aiogram.utils.i18n import I18n

from bot.language import payment_texts
from bot.payments.purchases import Purchases, Receipt
from bot.payments.shop import Shop
from bot.settings import Settings
from bot.telegram import menus, stars
from bot.telegram.menus import BuyButton
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.filters import ChatTypeIs, PressedIn
from handlers.replies import answer_callback, reply

log = logging.getLogger(__name__)


class PaymentsOn(BaseFilter):
    """Credits are sold (STAR_PACKS holds a pack); otherwise /buy is an unknown command."""

    async def __call__(self, event: Any, settings: Settings) -> bool:
        return settings.payments_on


class HasPayment(BaseFilter):
    async def __call__(self, message: Message) -> bool:
        return message.successful_payment is not None


async def on_buy(message: Message, replies: Replies, shop: Shop, i18n: I18n) -> None:
    if message.from_user is None or message.sender_chat is not None:
        return
    _ = i18n.gettext
    menu = await shop.menu(message.from_user.id)
    markup = menus.buy_keyboard(_, menu.packs)
    await reply(replies, message, payment_texts.buy_menu(_, menu), markup=markup)


async def on_buy_in_group(message: Message, bot: Bot, replies: Replies, i18n: I18n) -> None:
    me = await bot.me()
    await reply(replies, message, payment_texts.buy_private_only(i18n.gettext, me.username or ""))


async def on_buy_button(
    query: CallbackQuery,
    callback_data: BuyButton,
    sender: Sender,
    replies: Replies,
    shop: Shop,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    pack = shop.offer(callback_data.credits, callback_data.stars)
    if pack is None or query.message is None:  # forged, or no longer sold
        await answer_callback(sender, query, payment_texts.buy_pack_gone(_))
        return
    # Queued like any reply: it is a message, paced per chat (and sent by the lease holder).
    await replies.post(stars.invoice(_, pack, chat_id=query.message.chat.id))
    await answer_callback(sender, query, payment_texts.invoice_sent(_))


async def on_pre_checkout(query: PreCheckoutQuery, sender: Sender, shop: Shop, i18n: I18n) -> None:
    # Telegram waits 10 seconds for this answer, then fails the payment.
    declined = await shop.pre_checkout(
        query.from_user.id,
        payload=query.invoice_payload,
        total_amount=query.total_amount,
        currency=query.currency,
    )
    answer = AnswerPreCheckoutQuery(
        pre_checkout_query_id=query.id,
        ok=declined is None,
        error_message=None if declined is None else payment_texts.declined(i18n.gettext, declined),
    )
    try:
        await sender(answer)
    except TelegramAPIError as exc:
        log.warning("could not answer the checkout %s: %s", query.id, exc)


async def on_payment(message: Message, replies: Replies, purchases: Purchases, i18n: I18n) -> None:
    paid = message.successful_payment
    if paid is None or message.from_user is None:
        return
    outcome = await purchases.credit(
        Receipt(
            charge_id=paid.telegram_payment_charge_id,
            user_id=message.from_user.id,
            chat_id=message.chat.id,
            payload=paid.invoice_payload,
            total_amount=paid.total_amount,
            currency=paid.currency,
            provider_charge_id=paid.provider_payment_charge_id,
        )
    )
    # Also when delivered again: the bot may have stopped before its thanks went out.
    await reply(replies, message, payment_texts.payment(i18n.gettext, outcome))


async def on_paysupport(message: Message, replies: Replies, settings: Settings, i18n: I18n) -> None:
    own = settings.operator_text("paysupport", i18n.current_locale)
    await reply(replies, message, payment_texts.paysupport(i18n.gettext, own))


async def on_terms(message: Message, replies: Replies, settings: Settings, i18n: I18n) -> None:
    own = settings.operator_text("terms", i18n.current_locale)
    await reply(replies, message, payment_texts.terms(i18n.gettext, own))


def make_router() -> Router:
    router = Router(name="payments")
    # Whatever STAR_PACKS says now (see the module's docstring).
    router.pre_checkout_query.register(on_pre_checkout)
    router.message.register(on_payment, HasPayment())
    router.message.register(on_paysupport, Command("paysupport"))
    router.message.register(on_terms, Command("terms"))
    private = Router(name="payments-private")
    private.message.filter(ChatTypeIs(ChatType.PRIVATE), PaymentsOn())
    private.callback_query.filter(PressedIn(ChatType.PRIVATE), PaymentsOn())
    private.message.register(on_buy, Command("buy"))
    private.callback_query.register(on_buy_button, BuyButton.filter())
    group = Router(name="payments-group")
    group.message.filter(ChatTypeIs(ChatType.GROUP, ChatType.SUPERGROUP), PaymentsOn())
    group.message.register(on_buy_in_group, Command("buy"))
    router.include_routers(private, group)
    return router
