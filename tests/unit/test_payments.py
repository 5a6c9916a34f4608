"""Selling credits, on a real SQLite file: the checkout's answer, a payment credited once,
and refunds (Telegram first, then the credits left)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.payments.packs import StarPack
from bot.payments.purchases import (
    AlreadyRefunded,
    Credited,
    Purchases,
    Receipt,
    RefundAnswer,
    Refunded,
    RefundRefused,
    RefundUnknown,
    Unrecognised,
)
from bot.payments.shop import Decline, Shop
from bot.settings import Settings
from storage import Database, PaymentRepository, UserRepository, open_database

T0 = 1_714_550_400.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    yield database
    await database.close()


def settings(packs: str = "10:50,50:200") -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token="42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        gptunnel_api_key="test-key",
        star_packs=packs,
    )


class Refunds:
    """Stands in for refundStarPayment: answers as scripted, records every call."""

    def __init__(self, *answers: RefundAnswer) -> None:
        self.answers = list(answers) or [RefundAnswer(ok=True)]
        self.calls: list[tuple[int, str]] = []

    async def __call__(self, user_id: int, charge_id: str) -> RefundAnswer:
        self.calls.append((user_id, charge_id))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def receipt(charge: str = "ch-1", *, payload: str = "pack:10:50", **kw: Any) -> Receipt:
    values: dict[str, Any] = {"total_amount": 50, "currency": "XTR", **kw}
    return Receipt(charge, 7, 7, payload, **values)


# --- the checkout --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "total", "currency", "answer"),
    [
        ("pack:10:50", 50, "XTR", None),
        ("pack:50:200", 200, "XTR", None),
        ("pack:10:40", 40, "XTR", Decline.PACK_GONE),  # not (or no longer) on sale
        ("pack:10:50", 49, "XTR", Decline.PACK_GONE),  # not what the pack costs
        ("pack:10:50", 50, "USD", Decline.PACK_GONE),
        ("somebody else's", 50, "XTR", Decline.PACK_GONE),
    ],
)
async def test_the_checkout_says_yes_only_to_a_pack_on_sale(
    db: Database, payload: str, total: int, currency: str, answer: Decline | None
) -> None:
    shop = Shop(settings=settings(), users=UserRepository(db), wallet=PaymentRepository(db))
    said = await shop.pre_checkout(7, payload=payload, total_amount=total, currency=currency)
    assert said is answer


async def test_a_banned_buyer_is_declined(db: Database) -> None:
    users = UserRepository(db)
    await users.set_banned(7, True, T0)
    shop = Shop(settings=settings(), users=users, wallet=PaymentRepository(db))
    said = await shop.pre_checkout(7, payload="pack:10:50", total_amount=50, currency="XTR")
    assert said is Decline.BANNED


async def test_the_checkout_answers_even_when_the_database_fails(db: Database) -> None:
    await db.close()  # every read now fails
    shop = Shop(settings=settings(), users=UserRepository(db), wallet=PaymentRepository(db))
    said = await shop.pre_checkout(7, payload="pack:10:50", total_amount=50, currency="XTR")
    assert said is Decline.UNAVAILABLE


async def test_packs_on_offer(db: Database) -> None:
    shop = Shop(settings=settings(), users=UserRepository(db), wallet=PaymentRepository(db))
    assert shop.offer(10, 50) == StarPack(10, 50)
    assert shop.offer(10, 1) is None  # forged button data
    menu = await shop.menu(7)
    assert (menu.packs, menu.purchased) == ((StarPack(10, 50), StarPack(50, 200)), 0)


# --- payments ------------------------------------------------------------------------------


async def test_a_payment_is_credited_once(db: Database) -> None:
    purchases = Purchases(wallet=PaymentRepository(db), refunds=Refunds(), clock=lambda: T0)
    assert await purchases.credit(receipt()) == Credited(10, 10, new=True)
    assert await purchases.credit(receipt()) == Credited(10, 10, new=False)
    assert await purchases.credit(receipt("ch-2")) == Credited(10, 20, new=True)


async def test_a_pack_removed_since_the_invoice_is_still_credited(db: Database) -> None:
    # The payload says what was sold; STAR_PACKS is not asked.
    purchases = Purchases(wallet=PaymentRepository(db), refunds=Refunds(), clock=lambda: T0)
    paid = receipt(payload="pack:3:15", total_amount=15)
    assert await purchases.credit(paid) == Credited(3, 3, new=True)


@pytest.mark.parametrize(
    "paid",
    [
        receipt(payload="nonsense"),
        receipt(total_amount=49),
        receipt(currency="USD"),
    ],
)
async def test_a_payment_for_nothing_on_sale_is_recorded_without_credits(
    db: Database, paid: Receipt
) -> None:
    wallet = PaymentRepository(db)
    purchases = Purchases(wallet=wallet, refunds=Refunds(), clock=lambda: T0)
    assert await purchases.credit(paid) == Unrecognised("ch-1")
    stored = await wallet.get("ch-1")
    assert stored is not None and stored.credits == 0
    assert await wallet.balance(7) == 0


# --- refunds -------------------------------------------------------------------------------


async def test_a_refund_gives_the_stars_back_then_takes_the_credits_left(db: Database) -> None:
    wallet = PaymentRepository(db)
    refunds = Refunds()
    purchases = Purchases(wallet=wallet, refunds=refunds, clock=lambda: T0)
    await purchases.credit(receipt())
    done = await purchases.refund("ch-1")
    assert isinstance(done, Refunded) and (done.taken, done.spent) == (10, 0)
    assert refunds.calls == [(7, "ch-1")]
    # Again: the bot's own record says so; Telegram is not asked twice.
    again = await purchases.refund("ch-1")
    assert isinstance(again, AlreadyRefunded) and again.payment.taken_back == 10
    assert refunds.calls == [(7, "ch-1")]
    assert await wallet.balance(7) == 0


async def test_unknown_and_refused_refunds_change_nothing(db: Database) -> None:
    wallet = PaymentRepository(db)
    refunds = Refunds(RefundAnswer(ok=False, reason="CHARGE_NOT_FOUND"))
    purchases = Purchases(wallet=wallet, refunds=refunds, clock=lambda: T0)
    assert await purchases.refund("nope") == RefundUnknown("nope")
    assert refunds.calls == []
    await purchases.credit(receipt())
    assert await purchases.refund("ch-1") == RefundRefused("ch-1", "CHARGE_NOT_FOUND")
    assert await wallet.balance(7) == 10
    stored = await wallet.get("ch-1")
    assert stored is not None and stored.refunded_at is None


async def test_telegram_having_refunded_already_still_takes_the_credits_back(
    db: Database,
) -> None:
    # The bot stopped between Telegram's refund and its own record: /refund again finishes it.
    wallet = PaymentRepository(db)
    refunds = Refunds(RefundAnswer(ok=True, already=True))
    purchases = Purchases(wallet=wallet, refunds=refunds, clock=lambda: T0)
    await purchases.credit(receipt())
    done = await purchases.refund("ch-1")
    assert isinstance(done, Refunded) and done.taken == 10
    assert await wallet.balance(7) == 0
