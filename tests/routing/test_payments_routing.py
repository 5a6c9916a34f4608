"""/buy, invoices, the checkout, payments, /paysupport, /terms and /refund through aiogram's
dispatcher: nothing sold without STAR_PACKS, forged pack buttons refused, a payment delivered
twice credited once, the checkout's refusals in the buyer's language."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram.methods import AnswerPreCheckoutQuery, SendInvoice, SendMessage
from aiogram.types import Update

from bot.language import payment_texts, texts
from bot.payments.shop import Decline
from tests.i18n import EN, RU
from tests.routing.test_models_routing import press
from tests.routing.test_routing import USER, Harness, group_message, harness, message

__all__ = ["harness"]

ON = {"star_packs": "10:50,50:200"}
_updates = itertools.count(1)


def last_text(harness: Harness) -> str:
    return harness.session.of(SendMessage)[-1].text


async def checkout(harness: Harness, payload: str, total: int, user: dict[str, Any] = USER) -> Any:
    query_id = f"pc{next(_updates)}"
    query = {
        "id": query_id,
        "from": user,
        "currency": "XTR",
        "total_amount": total,
        "invoice_payload": payload,
    }
    update = Update(update_id=60_000 + next(_updates), pre_checkout_query=query)
    await harness.dp.feed_update(harness.bot, update)
    answers = [
        a for a in harness.session.of(AnswerPreCheckoutQuery) if a.pre_checkout_query_id == query_id
    ]
    assert len(answers) == 1
    return answers[0]


def paid(charge: str, payload: str = "pack:10:50", total: int = 50) -> dict[str, Any]:
    return message(
        successful_payment={
            "currency": "XTR",
            "total_amount": total,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": f"p-{charge}",
        }
    )


async def test_without_packs_there_is_no_buy(harness: Harness) -> None:
    await harness.feed(message("/buy"))
    assert last_text(harness) == texts.unknown_command(EN)
    sent = len(harness.session.of(SendMessage))
    await harness.feed(group_message("/buy"))
    assert len(harness.session.of(SendMessage)) == sent  # silence in a group, as for any
    await harness.feed(message("/help"))
    assert "/buy" not in last_text(harness)


@pytest.mark.parametrize("harness", [ON], indirect=True)
async def test_buy_shows_the_packs_and_a_button_sends_a_stars_invoice(harness: Harness) -> None:
    await harness.feed(message("/buy"))
    menu = harness.session.of(SendMessage)[-1]
    assert menu.text.startswith("⭐ Credits for Telegram Stars.") and "You have: 0." in menu.text
    markup = menu.reply_markup
    assert markup is not None
    assert [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row] == [  # type: ignore[union-attr]
        ("10 credits for 50 ⭐", "buy:10:50"),
        ("50 credits for 200 ⭐", "buy:50:200"),
    ]
    answer = await press(harness, "buy:50:200")
    assert answer.text == payment_texts.invoice_sent(EN)
    [invoice] = harness.session.of(SendInvoice)
    assert (invoice.currency, invoice.payload, invoice.provider_token) == (
        "XTR",
        "pack:50:200",
        None,
    )
    assert [(p.label, p.amount) for p in invoice.prices] == [("50 credits", 200)]
    assert invoice.chat_id == USER["id"]
    await harness.feed(message("/help"))
    assert "/buy adds credits" in last_text(harness)


@pytest.mark.parametrize("harness", [ON], indirect=True)
@pytest.mark.parametrize("data", ["buy:10:1", "buy:11:50", "buy:0:0"])
async def test_a_forged_pack_button_sends_no_invoice(harness: Harness, data: str) -> None:
    answer = await press(harness, data)
    assert answer.text == payment_texts.buy_pack_gone(EN)
    assert harness.session.of(SendInvoice) == []


@pytest.mark.parametrize("harness", [ON], indirect=True)
async def test_buy_in_a_group_points_to_the_private_chat(harness: Harness) -> None:
    await harness.feed(group_message("/buy"))
    assert last_text(harness) == payment_texts.buy_private_only(EN, "draw_test_bot")
    assert harness.session.of(SendInvoice) == []


@pytest.mark.parametrize("harness", [ON], indirect=True)
async def test_the_checkout_answers_yes_or_no_with_the_reason_in_the_buyers_language(
    harness: Harness,
) -> None:
    yes = await checkout(harness, "pack:10:50", 50)
    assert (yes.ok, yes.error_message) == (True, None)
    russian = {**USER, "id": 333, "language_code": "ru"}
    gone = await checkout(harness, "pack:7:30", 30, user=russian)
    assert (gone.ok, gone.error_message) == (False, payment_texts.declined(RU, Decline.PACK_GONE))
    await harness.parts.admin.set_banned("333", True)
    banned = await checkout(harness, "pack:10:50", 50, user=russian)
    assert (banned.ok, banned.error_message) == (False, payment_texts.declined(RU, Decline.BANNED))


async def test_a_checkout_after_the_packs_were_withdrawn_is_declined(harness: Harness) -> None:
    gone = await checkout(harness, "pack:10:50", 50)
    assert (gone.ok, gone.error_message) == (False, payment_texts.declined(EN, Decline.PACK_GONE))


async def test_a_payment_delivered_twice_is_credited_once(harness: Harness) -> None:
    # Works with or without STAR_PACKS now: the payment went through and is honoured.
    await harness.feed(paid("charge-A"))
    await harness.feed(paid("charge-A"))
    thanks = "⭐ Thank you! Credits added: 10. Purchased credits now: 10."
    assert harness.session.texts()[-2:] == [thanks, thanks]
    rows = await harness.db.fetchall("SELECT charge_id, user_id, credits, stars FROM payments")
    assert [tuple(r) for r in rows] == [("charge-A", USER["id"], 10, 50)]
    await harness.feed(message("/quota"))
    assert "Purchased credits: 10" in last_text(harness)


async def test_paysupport_and_terms_in_both_languages(harness: Harness) -> None:
    await harness.feed(message("/paysupport"))
    assert last_text(harness) == payment_texts.paysupport(EN)
    russian = {**USER, "id": 444, "language_code": "ru"}
    await harness.feed(message("/terms", user=russian, chat={"id": 444, "type": "private"}))
    assert last_text(harness) == payment_texts.terms(RU)


@pytest.mark.parametrize(
    "harness",
    [{"paysupport_text_en": "Write to @help_desk <3", "paysupport_text_ru": "Пишите @help"}],
    indirect=True,
)
async def test_the_operator_sets_the_support_text_per_language(harness: Harness) -> None:
    await harness.feed(message("/paysupport"))
    assert last_text(harness) == "Write to @help_desk &lt;3"
    russian = {**USER, "id": 555, "language_code": "ru"}
    await harness.feed(message("/paysupport", user=russian, chat={"id": 555, "type": "private"}))
    assert last_text(harness) == "Пишите @help"


@pytest.mark.parametrize("harness", [{"admin_ids": "999"}], indirect=True)
async def test_refund_is_the_operators(harness: Harness) -> None:
    operator = {"id": 999, "is_bot": False, "first_name": "Op", "language_code": "en"}
    in_private = {"id": 999, "type": "private"}
    await harness.feed(paid("charge-B"))
    harness.session.charges.add("charge-B")
    await harness.feed(message("/refund charge-B"))  # USER is no operator
    assert last_text(harness) == texts.unknown_command(EN)
    await harness.feed(message("/refund", user=operator, chat=in_private))
    assert last_text(harness) == texts.admin_usage(EN, "refund")
    await harness.feed(message("/refund nope", user=operator, chat=in_private))
    assert last_text(harness) == "No payment <code>nope</code> is recorded."
    await harness.feed(message("/refund charge-B", user=operator, chat=in_private))
    assert last_text(harness) == (
        f"↩️ Refunded 50 ⭐ to user {USER['id']} (payment <code>charge-B</code>). "
        "Credits taken back: 10 of 10."
    )
    await harness.feed(message("/refund charge-B", user=operator, chat=in_private))
    assert last_text(harness).startswith("Payment <code>charge-B</code> was refunded already")
