"""Telegram Stars end to end: /buy, the invoice, the checkout answered, a payment credited
once (delivered twice, and across a kill -9 between the deliveries), purchased credits spent
after the day's, an operator's refund, a banned buyer's checkout refused."""

from __future__ import annotations

from typing import Any

from bot.language import payment_texts, texts
from bot.payments.shop import Decline
from tests.e2e.conftest import USER, Env
from tests.e2e.test_models import ask, buttons, press
from tests.fakes import FakeTelegram
from tests.i18n import EN, RU

ADMIN = 9001
PACKS = "10:50,50:200"
THANKS = "⭐ Thank you! Credits added: 10. Purchased credits now: 10."


def purchased(env: Env, user: int = USER) -> int:
    rows = env.rows("SELECT purchased_credits FROM users WHERE user_id = ?", (user,))
    return int(rows[0][0]) if rows else 0


def thanks(tg: FakeTelegram) -> list[str]:
    return [s.text or "" for s in tg.sent_to(USER) if (s.text or "").startswith("⭐ Thank you")]


async def test_buying_a_pack_credits_it_once_when_the_payment_arrives_twice(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running(star_packs=PACKS, daily_limit=1):
        menu = await ask(tg, "/buy")
        assert buttons(menu) == ["buy:10:50", "buy:50:200"]
        assert await press(tg, menu, "buy:10:50") == payment_texts.invoice_sent(EN)
        await tg.wait_until(lambda: bool(tg.invoices(USER)))  # queued like any reply
        [invoice] = tg.invoices(USER)
        assert invoice.message["invoice"]["currency"] == "XTR"
        assert invoice.message["invoice"]["total_amount"] == 50
        tg.push_pre_checkout_query(USER, payload="pack:10:50", total_amount=50)
        await tg.wait_until(lambda: len(tg.pre_checkout_answers) == 1)
        charge = tg.push_successful_payment(USER, USER, payload="pack:10:50", total_amount=50)
        await tg.wait_until(lambda: len(thanks(tg)) == 1)
        tg.push_successful_payment(
            USER, USER, payload="pack:10:50", total_amount=50, charge_id=charge
        )
        await tg.wait_until(lambda: len(thanks(tg)) == 2)
        # Purchased credits come after the day's one: 1 + 2 for a 3-credit picture.
        photo = await ask(tg, "a fox --model seedream-3")
        quota = await ask(tg, "/quota")
    assert [a.ok for a in tg.pre_checkout_answers] == [True]
    assert tg.failed_payments == []
    assert thanks(tg) == [THANKS, THANKS]
    assert photo.is_photo
    assert env.rows("SELECT charge_id, user_id, credits, stars FROM payments")[0][:] == (
        charge,
        USER,
        10,
        50,
    )
    task = env.rows()[-1]
    assert (task["credits"], task["paid_credits"]) == (3, 2)
    assert purchased(env) == 8
    assert "Purchased credits: 8" in (quota.text or "")


async def test_a_payment_delivered_again_after_a_kill_9_is_credited_once(
    env: Env, bot_process: Any
) -> None:
    tg = env.telegram
    first = bot_process(star_packs=PACKS)
    await first.start()
    charge = tg.push_successful_payment(USER, USER, payload="pack:50:200", total_amount=200)
    await tg.wait_until(lambda: len(thanks(tg)) == 1, timeout=20)
    await first.kill9()
    # Telegram hands the same payment over again (its update was never confirmed, or it is
    # simply delivered twice): the new process must not credit it a second time.
    tg.push_successful_payment(
        USER, USER, payload="pack:50:200", total_amount=200, charge_id=charge
    )
    second = bot_process(star_packs=PACKS)
    await second.start()
    await tg.wait_until(lambda: len(thanks(tg)) >= 2, timeout=20)
    assert await second.terminate() == 0
    assert set(thanks(tg)) == {"⭐ Thank you! Credits added: 50. Purchased credits now: 50."}
    assert len(env.rows("SELECT * FROM payments")) == 1
    assert purchased(env) == 50


async def test_an_operators_refund_takes_back_the_credits_left(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running(star_packs=PACKS, daily_limit=0, admin_ids=ADMIN):
        # DAILY_LIMIT=0 means no limit: spend purchased credits by limiting USER to 0.
        await ask(tg, f"/setlimit {USER} 0", user=ADMIN)
        charge = tg.push_successful_payment(USER, USER, payload="pack:10:50", total_amount=50)
        await tg.wait_until(lambda: len(thanks(tg)) == 1)
        await ask(tg, "a fox --model seedream-3")  # 3 purchased credits
        refunded = await ask(tg, f"/refund {charge}", user=ADMIN)
        again = await ask(tg, f"/refund {charge}", user=ADMIN)
        unknown = await ask(tg, "/refund no-such-charge", user=ADMIN)
        stats = await ask(tg, "/stats", user=ADMIN)
        refused = await ask(tg, "a fox")
    # As people read them (the charge id is set as code).
    assert refunded.plain_text == (
        f"↩️ Refunded 50 ⭐ to user {USER} (payment {charge}). "
        "Credits taken back: 7 of 10; 3 had already been used."
    )
    assert (again.plain_text or "").startswith(f"Payment {charge} was refunded already")
    assert unknown.plain_text == "No payment no-such-charge is recorded."
    assert [(r.user_id, r.charge_id, r.total_amount) for r in tg.refunds] == [(USER, charge, 50)]
    assert purchased(env) == 0
    assert "Stars received today: 50 ⭐, in total: 50 ⭐ (refunded: 50 ⭐)" in (stats.text or "")
    assert (refused.text or "").startswith("🧮 Not enough credits.")


async def test_a_banned_buyers_checkout_is_refused_in_their_language(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running(star_packs=PACKS, admin_ids=ADMIN):
        assert (await ask(tg, "/lang", language_code="ru")).text is not None
        await ask(tg, f"/ban {USER}", user=ADMIN)
        tg.push_pre_checkout_query(USER, payload="pack:10:50", total_amount=50)
        tg.push_pre_checkout_query(USER + 1, payload="pack:99:1", total_amount=1)
        await tg.wait_until(lambda: len(tg.pre_checkout_answers) == 2)
    by_user = {a.user_id: a for a in tg.pre_checkout_answers}
    assert not by_user[USER].ok
    assert by_user[USER].error_message == payment_texts.declined(RU, Decline.BANNED)
    assert not by_user[USER + 1].ok
    assert by_user[USER + 1].error_message == payment_texts.declined(EN, Decline.PACK_GONE)
    assert {f.reason for f in tg.failed_payments} == {"declined"}
    assert env.rows("SELECT * FROM payments") == []


async def test_without_packs_nothing_is_sold(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    async with bot_running():
        buy = await ask(tg, "/buy")
        helped = await ask(tg, "/help")
        support = await ask(tg, "/paysupport")
        tg.push_pre_checkout_query(USER, payload="pack:10:50", total_amount=50)
        await tg.wait_until(lambda: len(tg.pre_checkout_answers) == 1)
    assert buy.text == texts.unknown_command(EN)
    assert "/buy" not in (helped.text or "")
    assert support.text == payment_texts.paysupport(EN)  # for anyone who bought before
    assert not tg.pre_checkout_answers[0].ok
    assert tg.invoices() == []
