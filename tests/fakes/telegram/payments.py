"""Payments in Telegram Stars (currency ``XTR``): sendInvoice and createInvoiceLink with
Telegram's checks, the checkout as users go through it (``push_pre_checkout_query``,
answerPreCheckoutQuery within 10 s, ``push_successful_payment``) and refundStarPayment.

Records: ``pre_checkout_answers``, ``failed_payments``, ``payments`` (by charge id), ``refunds``,
``invoice_links``; invoices sent are in ``sent`` like every other message.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import Params, bad, required
from tests.fakes.telegram.records import (
    JSON,
    FailedPayment,
    Payment,
    PreCheckoutAnswer,
    Refund,
    Sent,
)
from tests.fakes.telegram.state import TelegramState

STARS = "XTR"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class _Checkout:
    query: JSON
    pushed_at: float
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class PaymentsMixin(TelegramState):
    """Invoices, checkouts, successful payments and refunds in Telegram Stars."""

    _API: ClassVar[dict[str, str]] = {
        "sendInvoice": "_send_invoice",
        "createInvoiceLink": "_create_invoice_link",
        "answerPreCheckoutQuery": "_answer_pre_checkout_query",
        "refundStarPayment": "_refund_star_payment",
    }

    pre_checkout_timeout = 10.0  # seconds Telegram waits for answerPreCheckoutQuery
    stars_max_amount = 10_000  # the most Stars one invoice may ask (Telegram's currencies.json)

    def _init_state(self) -> None:
        super()._init_state()
        self.pre_checkout_answers: list[PreCheckoutAnswer] = []
        self.failed_payments: list[FailedPayment] = []
        self.payments: dict[str, Payment] = {}
        self.refunds: list[Refund] = []
        self.invoice_links: list[JSON] = []
        self._checkouts: dict[str, _Checkout] = {}

    async def _on_stop(self) -> None:
        await super()._on_stop()
        for checkout in self._checkouts.values():
            if checkout.timer is not None:
                checkout.timer.cancel()
                checkout.timer = None

    # ---------------------------------------------------------------- controls and views

    def invoices(self, chat_id: int | None = None) -> list[Sent]:
        """Invoices the bot sent (each ``Sent.message["invoice"]``), optionally to one chat."""
        return [s for s in self.sent if s.method == "sendInvoice" and chat_id in (None, s.chat_id)]

    def push_pre_checkout_query(
        self, user_id: int, *, payload: str, total_amount: int, currency: str = STARS
    ) -> str:
        """A user confirms a payment; the bot must answer within 10 s. Returns the query id."""
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        query_id = str(secrets.randbits(63))
        query: JSON = {
            "id": query_id,
            "from": dict(user),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        }
        checkout = self._checkouts[query_id] = _Checkout(query, time.monotonic())
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop: expiry is noticed when the bot answers
        else:
            checkout.timer = loop.call_later(
                self.pre_checkout_timeout, self._checkout_expired, query_id
            )
        self.push_update({"pre_checkout_query": query})
        return query_id

    def push_successful_payment(
        self,
        chat_id: int,
        user_id: int,
        *,
        payload: str,
        total_amount: int,
        charge_id: str | None = None,
        currency: str = STARS,
    ) -> str:
        """A payment went through: a successful_payment message; returns the charge id.

        The same ``charge_id`` again delivers the same payment again (Telegram redelivers).
        """
        if charge_id is None:
            charge_id = "stxp" + secrets.token_urlsafe(48)
        payment = self.payments.get(charge_id)
        if payment is None:
            provider_id = f"{user_id}_{len(self.payments) + 1}"
            payment = self.payments[charge_id] = Payment(
                charge_id, user_id, chat_id, payload, total_amount, currency, provider_id
            )
        elif (payment.user_id, payment.payload, payment.total_amount) != (
            user_id,
            payload,
            total_amount,
        ):
            raise ValueError(f"charge {charge_id} was a different payment: {payment}")
        user = self._users.get(user_id, {})
        self.push_message(
            chat_id,
            user_id,
            first_name=user.get("first_name", "User"),
            username=user.get("username"),
            language_code=user.get("language_code", "en"),
            extra={
                "successful_payment": {
                    "currency": payment.currency,
                    "total_amount": payment.total_amount,
                    "invoice_payload": payment.payload,
                    "telegram_payment_charge_id": payment.charge_id,
                    "provider_payment_charge_id": payment.provider_charge_id,
                }
            },
        )
        return charge_id

    def _checkout_expired(self, query_id: str) -> None:
        checkout = self._checkouts.pop(query_id, None)
        if checkout is None:
            return
        query = checkout.query
        self.failed_payments.append(
            FailedPayment(
                query_id,
                query["from"]["id"],
                query["invoice_payload"],
                query["total_amount"],
                query["currency"],
                "timeout",
            )
        )
        self._notify()

    # ---------------------------------------------------------------- methods

    async def _send_invoice(self, p: Params) -> Any:
        invoice = self._invoice_params(p)
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        self._check_invoice(p, invoice)
        buttons = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if buttons is not None and not (buttons and buttons[0] and buttons[0][0].get("pay")):
            raise bad("REPLY_MARKUP_BUY_EMPTY")  # the first button must be the Pay button
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        msg["invoice"] = {
            "title": invoice["title"],
            "description": invoice["description"],
            "start_parameter": p.str_("start_parameter") or "",
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
        }
        return self._record_sent("sendInvoice", chat, msg, p, reply_id, reply_markup=markup)

    async def _create_invoice_link(self, p: Params) -> Any:
        invoice = self._invoice_params(p)
        self._check_invoice(p, invoice)
        link = "https://t.me/$" + secrets.token_urlsafe(24)
        self.invoice_links.append({**invoice, "link": link, "params": p.record()})
        return link

    async def _answer_pre_checkout_query(self, p: Params) -> Any:
        ok = p.bool_("ok")
        error_message = p.str_("error_message")
        if not ok and not error_message:
            raise required("error_message")
        query_id = p.str_("pre_checkout_query_id") or ""
        checkout = self._checkouts.get(query_id)
        now = time.monotonic()
        if checkout is not None and now - checkout.pushed_at > self.pre_checkout_timeout:
            self._checkout_expired(query_id)  # its timer has not run yet
            checkout = None
        if checkout is None:
            raise bad(QUERY_INVALID)  # unknown, answered already, or too late
        del self._checkouts[query_id]
        if checkout.timer is not None:
            checkout.timer.cancel()
        query = checkout.query
        user_id, payload = query["from"]["id"], query["invoice_payload"]
        self.pre_checkout_answers.append(
            PreCheckoutAnswer(
                query_id, user_id, payload, ok, error_message, now - checkout.pushed_at
            )
        )
        if not ok:
            self.failed_payments.append(
                FailedPayment(
                    query_id,
                    user_id,
                    payload,
                    query["total_amount"],
                    query["currency"],
                    "declined",
                    error_message,
                )
            )
        return True

    async def _refund_star_payment(self, p: Params) -> Any:
        user_id = p.int_("user_id")
        if user_id is None or user_id <= 0:
            raise bad("invalid user_id specified")
        charge_id = p.str_("telegram_payment_charge_id")
        if not charge_id:
            raise required("telegram_payment_charge_id")
        payment = self.payments.get(charge_id)
        if payment is None or payment.user_id != user_id:
            raise bad("CHARGE_NOT_FOUND")
        if payment.refunded:
            raise bad("CHARGE_ALREADY_REFUNDED")
        payment.refunded = True
        self.refunds.append(Refund(user_id, charge_id, payment.total_amount, time.monotonic()))
        return True

    # ---------------------------------------------------------------- invoice checks

    def _invoice_params(self, p: Params) -> JSON:
        """What the Bot API server itself checks before anything else (required fields, the
        prices array)."""
        for name in ("title", "description", "payload", "currency", "prices"):
            if not p.has(name):
                raise required(name)
        prices = p.values["prices"]
        if isinstance(prices, str):
            try:
                prices = json.loads(prices)
            except ValueError:
                raise bad("can't parse prices JSON object") from None
        if not isinstance(prices, list):
            raise bad("expected an Array of labeled prices")
        for price in prices:
            if not isinstance(price, dict):
                raise bad("can't parse labeled price: LabeledPrice must be an Object")
            if not price.get("label"):
                raise bad("can't parse labeled price: LabeledPrice label must be non-empty")
            amount = price.get("amount")
            if isinstance(amount, bool) or not isinstance(amount, int | str):
                raise bad('can\'t parse labeled price: Field "amount" must be a valid Number')
            try:
                price["amount"] = int(amount)
            except ValueError:
                raise bad(
                    'can\'t parse labeled price: Field "amount" must be a valid Number'
                ) from None
        if not prices:
            raise bad("there must be at least one price")
        return {
            "title": p.str_("title") or "",
            "description": p.str_("description") or "",
            "payload": p.str_("payload") or "",
            "currency": p.str_("currency") or "",
            "prices": prices,
            "total_amount": sum(price["amount"] for price in prices),
        }

    def _check_invoice(self, p: Params, invoice: JSON) -> None:
        """What tdlib and Telegram's servers check of an invoice, with their words."""
        total = invoice["total_amount"]
        if total <= 0:
            raise bad("total price must be positive")
        currency = invoice["currency"]
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise bad("CURRENCY_INVALID")
        provider_token = p.str_("provider_token") or ""
        tips = (p.int_("max_tip_amount") or 0) > 0 or p.has("suggested_tip_amounts")
        if currency == STARS:
            if provider_token:
                raise bad("PAYMENT_PROVIDER_INVALID")  # Stars take no payment provider
            if len(invoice["prices"]) != 1 or tips:
                raise bad("STARS_INVOICE_INVALID")  # exactly one price, no tips
            if total > self.stars_max_amount:
                raise bad("CURRENCY_TOTAL_AMOUNT_INVALID")
        elif not provider_token:
            raise bad("PAYMENT_PROVIDER_INVALID")
        if not 1 <= len(invoice["title"]) <= 32:
            raise bad("TITLE_INVALID")
        if not 1 <= len(invoice["description"]) <= 255:
            raise bad("DESCRIPTION_INVALID")
        if not 1 <= len(invoice["payload"].encode()) <= 128:
            raise bad("INVOICE_PAYLOAD_INVALID")
