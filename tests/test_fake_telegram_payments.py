"""Self-tests of the fake Telegram's payments in Telegram Stars: invoices and invoice links with
Telegram's checks, the checkout (pre-checkout queries answered, declined or left unanswered),
successful payments (and their redelivery) and refunds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.types import LabeledPrice

from tests.fakes import FakeTelegram
from tests.fakes.telegram.payments import QUERY_INVALID
from tests.fakes.telegram_selftest import TOKEN, aiogram_bot, call, http_client

BUYER = 77
STARS = [{"label": "10 pictures", "amount": 50}]
INVOICE = {
    "title": "10 pictures",
    "description": "Ten more pictures today",
    "payload": "pack:10",
    "currency": "XTR",
    "prices": STARS,
}


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        fake.push_message(BUYER, BUYER, "/buy", first_name="Ann", username="ann")
        yield fake


@pytest.fixture
async def tg_http(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(tg) as client:
        yield client


async def test_send_invoice_in_stars(tg: FakeTelegram) -> None:
    bot = aiogram_bot(tg.base_url)
    try:
        msg = await bot.send_invoice(
            BUYER,
            title="10 pictures",
            description="Ten more pictures today",
            payload="pack:10",
            currency="XTR",
            prices=[LabeledPrice(label="10 pictures", amount=50)],
        )
    finally:
        await bot.session.close()
    assert msg.invoice is not None
    assert (msg.invoice.title, msg.invoice.description) == (
        "10 pictures",
        "Ten more pictures today",
    )
    assert (msg.invoice.currency, msg.invoice.total_amount) == ("XTR", 50)
    assert msg.invoice.start_parameter == ""
    [sent] = tg.invoices(BUYER)
    assert sent is tg.sent[-1] and sent.method == "sendInvoice"
    assert sent.message["invoice"]["total_amount"] == 50
    assert sent.params["payload"] == "pack:10"


async def test_invoices_count_towards_flood_limits(tg: FakeTelegram) -> None:
    tg.enforce_limits = True
    tg.private_burst = 1
    bot = aiogram_bot(tg.base_url)
    try:
        await bot.send_invoice(BUYER, **{**INVOICE, "prices": [LabeledPrice(**STARS[0])]})
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(BUYER, "and a message right after")
    finally:
        await bot.session.close()
    assert tg.count_429 == 1


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"provider_token": "284685063:TEST:abc"}, "PAYMENT_PROVIDER_INVALID"),
        ({"prices": STARS + STARS}, "STARS_INVOICE_INVALID"),
        ({"max_tip_amount": 5, "suggested_tip_amounts": [5]}, "STARS_INVOICE_INVALID"),
        ({"prices": [{"label": "free", "amount": 0}]}, "total price must be positive"),
        ({"prices": [{"label": "too much", "amount": 10_001}]}, "CURRENCY_TOTAL_AMOUNT_INVALID"),
        ({"prices": []}, "there must be at least one price"),
        ({"prices": "[{"}, "can't parse prices JSON object"),
        ({"prices": [{"label": "", "amount": 5}]}, "can't parse labeled price: "),
        ({"currency": "USD"}, "PAYMENT_PROVIDER_INVALID"),
        ({"currency": "stars"}, "CURRENCY_INVALID"),
        ({"title": ""}, 'parameter "title" is required'),
        ({"title": "x" * 33}, "TITLE_INVALID"),
        ({"description": "x" * 256}, "DESCRIPTION_INVALID"),
        ({"payload": "я" * 65}, "INVOICE_PAYLOAD_INVALID"),  # 130 bytes
        (
            {"reply_markup": {"inline_keyboard": [[{"text": "Buy", "callback_data": "b"}]]}},
            "REPLY_MARKUP_BUY_EMPTY",
        ),
    ],
)
async def test_invoice_errors(
    tg: FakeTelegram, tg_http: httpx.AsyncClient, change: dict[str, Any], description: str
) -> None:
    status, body = await call(tg_http, "sendInvoice", chat_id=BUYER, **{**INVOICE, **change})
    assert status == 400
    assert body["description"].startswith(f"Bad Request: {description}")
    assert tg.sent == []


async def test_invoice_edges_that_are_fine(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    ok = [
        {"provider_token": ""},
        {"title": "x" * 32, "description": "y" * 255, "payload": "z" * 128},
        {"prices": [{"label": "max", "amount": 10_000}]},
        {"reply_markup": {"inline_keyboard": [[{"text": "Pay 50 ⭐", "pay": True}]]}},
        {"currency": "EUR", "provider_token": "284685063:TEST:abc"},
    ]
    for change in ok:
        status, body = await call(tg_http, "sendInvoice", chat_id=BUYER, **{**INVOICE, **change})
        assert status == 200, (change, body)
    assert len(tg.invoices()) == len(ok)


async def test_create_invoice_link(tg: FakeTelegram) -> None:
    bot = aiogram_bot(tg.base_url)
    try:
        link = await bot.create_invoice_link(
            **{**INVOICE, "prices": [LabeledPrice(label="10 pictures", amount=50)]}
        )
        with pytest.raises(TelegramBadRequest, match="STARS_INVOICE_INVALID"):
            await bot.create_invoice_link(
                **{**INVOICE, "prices": [LabeledPrice(**STARS[0]), LabeledPrice(**STARS[0])]}
            )
    finally:
        await bot.session.close()
    assert link.startswith("https://t.me/$") and len(link) > len("https://t.me/$") + 10
    [record] = tg.invoice_links
    assert (record["link"], record["payload"], record["total_amount"]) == (link, "pack:10", 50)
    assert tg.sent == []


async def test_pre_checkout_answered(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    query_id = tg.push_pre_checkout_query(BUYER, payload="pack:10", total_amount=50)
    _, body = await call(tg_http, "getUpdates")
    query = body["result"][-1]["pre_checkout_query"]
    assert query == {
        "id": query_id,
        "from": {
            "id": BUYER,
            "is_bot": False,
            "first_name": "Ann",
            "username": "ann",
            "language_code": "en",
        },
        "currency": "XTR",
        "total_amount": 50,
        "invoice_payload": "pack:10",
    }
    bot = aiogram_bot(tg.base_url)
    try:
        assert await bot.answer_pre_checkout_query(query_id, ok=True) is True
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_pre_checkout_query(query_id, ok=True)  # answered already
        with pytest.raises(TelegramBadRequest, match="query is too old"):
            await bot.answer_pre_checkout_query("123", ok=True)  # unknown
    finally:
        await bot.session.close()
    [answer] = tg.pre_checkout_answers
    assert (answer.query_id, answer.user_id, answer.payload, answer.ok) == (
        query_id,
        BUYER,
        "pack:10",
        True,
    )
    assert answer.seconds >= 0
    assert tg.failed_payments == []
    assert tg.errors[-1][3] == f"Bad Request: {QUERY_INVALID}"


async def test_pre_checkout_declined(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    query_id = tg.push_pre_checkout_query(BUYER, payload="pack:10", total_amount=50)
    status, body = await call(
        tg_http, "answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=False
    )
    assert (status, body["description"]) == (
        400,
        'Bad Request: parameter "error_message" is required',
    )
    status, _ = await call(
        tg_http,
        "answerPreCheckoutQuery",
        pre_checkout_query_id=query_id,
        ok=False,
        error_message="Sold out today",
    )
    assert status == 200
    [failed] = tg.failed_payments
    assert (failed.query_id, failed.reason, failed.error_message) == (
        query_id,
        "declined",
        "Sold out today",
    )
    assert [a.ok for a in tg.pre_checkout_answers] == [False]


async def test_unanswered_pre_checkout_is_a_failed_payment(
    tg: FakeTelegram, tg_http: httpx.AsyncClient
) -> None:
    tg.pre_checkout_timeout = 0.05  # Telegram's 10 s, shortened
    query_id = tg.push_pre_checkout_query(BUYER, payload="pack:10", total_amount=50)
    await tg.wait_until(lambda: bool(tg.failed_payments))
    [failed] = tg.failed_payments
    assert (failed.query_id, failed.user_id, failed.reason) == (query_id, BUYER, "timeout")
    status, body = await call(
        tg_http, "answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=True
    )
    assert (status, body["description"]) == (400, f"Bad Request: {QUERY_INVALID}")
    assert tg.pre_checkout_answers == []


async def test_successful_payment_redelivery_and_refunds(tg: FakeTelegram) -> None:
    charge = tg.push_successful_payment(BUYER, BUYER, payload="pack:10", total_amount=50)
    again = tg.push_successful_payment(
        BUYER, BUYER, payload="pack:10", total_amount=50, charge_id=charge
    )
    assert again == charge
    with pytest.raises(ValueError, match="different payment"):
        tg.push_successful_payment(BUYER, 78, payload="pack:10", total_amount=50, charge_id=charge)
    other = tg.push_successful_payment(BUYER, BUYER, payload="pack:20", total_amount=90)
    bot = aiogram_bot(tg.base_url)
    try:
        updates = await bot.get_updates(timeout=0)
        payments = [
            (u.message.message_id, u.message.successful_payment)
            for u in updates
            if u.message and u.message.successful_payment
        ]
        assert len(payments) == 3
        (first_id, first), (second_id, second), (_, third) = payments
        assert first_id != second_id  # redelivered as a new message
        assert first == second
        assert (first.currency, first.total_amount, first.invoice_payload) == ("XTR", 50, "pack:10")
        assert first.telegram_payment_charge_id == charge
        assert first.provider_payment_charge_id
        assert third.telegram_payment_charge_id == other != charge

        assert await bot.refund_star_payment(BUYER, charge) is True
        with pytest.raises(TelegramBadRequest, match="CHARGE_ALREADY_REFUNDED"):
            await bot.refund_star_payment(BUYER, charge)
        with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
            await bot.refund_star_payment(78, other)  # not this user's payment
        with pytest.raises(TelegramBadRequest, match="CHARGE_NOT_FOUND"):
            await bot.refund_star_payment(BUYER, "stxp-no-such-charge")
    finally:
        await bot.session.close()
    [refund] = tg.refunds
    assert (refund.user_id, refund.charge_id, refund.total_amount) == (BUYER, charge, 50)
    assert tg.payments[charge].refunded and not tg.payments[other].refunded
