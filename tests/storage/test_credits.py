"""Credits (issue 13), on every backend: pictures charged their model's credits inside the
intake's one transaction, the day's credits spent before purchased ones, exact under bursts
(also from two processes), refunds giving back exactly what was charged; Stars payments
recorded and credited once per charge id, refunds taking back what is left; the choices of
/model and /ar; GPTunnel's cost per task."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from storage import (
    AlreadyTakenBack,
    Choice,
    ChoiceRepository,
    Created,
    Database,
    GroupOverQuota,
    Limits,
    NewTask,
    OverQuota,
    PaymentMade,
    PaymentRepository,
    Remembered,
    StatsRepository,
    TakenBack,
    TaskStore,
    UserRepository,
    open_database,
)
from tests.storage.helpers import DAY, T0, new_task

GROUP = -100500


def costing(credits: int, key: str, *, user_id: int = 1, ar: str | None = None) -> NewTask:
    return replace(
        new_task(user_id=user_id, source_key=key), credits=credits, model="flux-dev", ar=ar
    )


def payment(charge: str = "charge-1", *, user_id: int = 1, credits: int = 10) -> PaymentMade:
    return PaymentMade(charge, user_id, user_id, f"pack:{credits}:50", credits, 50, "XTR", "p-1")


async def buy(db: Database, credits: int, *, user_id: int = 1, charge: str = "charge-1") -> None:
    recorded = await PaymentRepository(db).record(
        payment(charge, user_id=user_id, credits=credits), T0
    )
    assert recorded.new


# --- charging in credits -----------------------------------------------------------------


async def test_a_picture_costs_its_models_credits(tasks: TaskStore) -> None:
    limits = Limits(daily=5)
    first = await tasks.intake.create(costing(2, "a", ar="16:9"), limits=limits)
    assert isinstance(first, Created)
    assert (first.task.credits, first.task.paid_credits, first.task.ar) == (2, 0, "16:9")
    assert first.used == 2
    assert isinstance(await tasks.intake.create(costing(2, "b"), limits=limits), Created)
    # 4 of 5 used: a 2-credit picture does not fit, a 1-credit one does.
    assert await tasks.intake.create(costing(2, "c"), limits=limits) == OverQuota(
        4, 5, needed=2, purchased=0
    )
    assert isinstance(await tasks.intake.create(costing(1, "d"), limits=limits), Created)
    assert await tasks.intake.used(1, DAY) == 5


async def test_three_credits_with_two_left_is_refused_and_starts_nothing(tasks: TaskStore) -> None:
    limits = Limits(daily=2)
    assert await tasks.intake.create(costing(3, "x"), limits=limits) == OverQuota(
        0, 2, needed=3, purchased=0
    )
    assert await tasks.queue.count_open() == 0


async def test_purchased_credits_are_spent_after_the_days(db: Database, tasks: TaskStore) -> None:
    await buy(db, 5)
    limits = Limits(daily=2)
    made = await tasks.intake.create(costing(3, "a"), limits=limits)
    assert isinstance(made, Created)
    # Both of today's credits, then one purchased.
    assert (made.task.credits, made.task.paid_credits, made.used) == (3, 1, 2)
    assert await PaymentRepository(db).balance(1) == 4
    assert await tasks.intake.used(1, DAY) == 2
    made = await tasks.intake.create(costing(3, "b"), limits=limits)
    assert isinstance(made, Created) and made.task.paid_credits == 3
    assert await tasks.intake.create(costing(3, "c"), limits=limits) == OverQuota(
        2, 2, needed=3, purchased=1
    )
    # Purchased credits outlive the day; the day's credits renew.
    tomorrow = replace(costing(3, "d"), quota_day="2024-05-02")
    made = await tasks.intake.create(tomorrow, limits=limits)
    assert isinstance(made, Created) and made.task.paid_credits == 1
    assert await PaymentRepository(db).balance(1) == 0


async def test_every_way_a_charge_is_cleared_gives_back_exactly_what_was_charged(
    db: Database, tasks: TaskStore
) -> None:
    await buy(db, 10)
    limits = Limits(daily=1)
    made = [await tasks.intake.create(costing(3, f"t{i}"), limits=limits) for i in range(3)]
    assert all(isinstance(m, Created) for m in made)
    failing, cancelled, interrupted = (m.task for m in made if isinstance(m, Created))
    assert (failing.paid_credits, cancelled.paid_credits, interrupted.paid_credits) == (2, 3, 3)
    wallet = PaymentRepository(db)
    assert await wallet.balance(1) == 2
    await tasks.steps.mark_failed(failing.id, "timeout", T0 + 1)
    assert await wallet.balance(1) == 4
    assert await tasks.intake.used(1, DAY) == 0  # the day's credit is back too
    await tasks.steps.claim_submit(interrupted.id, T0 + 1)
    await tasks.history.cancel_waiting(1, "cancelled", T0 + 2)
    assert await wallet.balance(1) == 7
    await tasks.steps.resume_interrupted("interrupted", T0 + 3)  # sent once more
    await tasks.steps.claim_submit(interrupted.id, T0 + 3)
    assert len((await tasks.steps.resume_interrupted("interrupted", T0 + 3))[1]) == 1
    assert await wallet.balance(1) == 10
    # A charge cleared once is never given back twice.
    await tasks.steps.mark_failed(failing.id, "timeout", T0 + 4)
    assert await wallet.balance(1) == 10


async def test_a_delivered_picture_keeps_its_charge(db: Database, tasks: TaskStore) -> None:
    await buy(db, 4)
    made = await tasks.intake.create(costing(4, "a"), limits=Limits(daily=0))
    assert isinstance(made, Created)
    task = made.task
    await tasks.steps.claim_submit(task.id, T0)
    await tasks.steps.mark_submitted(task.id, "u1", next_at=T0, now=T0)
    await tasks.steps.mark_ready(task.id, "http://x", now=T0)
    await tasks.steps.mark_delivered(task.id, T0)
    assert await tasks.steps.mark_failed(task.id, "timeout", T0) is None
    assert await PaymentRepository(db).balance(1) == 0


async def test_unlimited_people_pay_nothing_from_purchases(db: Database, tasks: TaskStore) -> None:
    await buy(db, 3)
    for limits in (Limits(daily=None), Limits(daily=1, exempt=True)):
        made = await tasks.intake.create(costing(5, f"free{limits.exempt}"), limits=limits)
        assert isinstance(made, Created) and made.task.paid_credits == 0
    assert await PaymentRepository(db).balance(1) == 3


async def test_a_groups_limit_counts_credits(tasks: TaskStore) -> None:
    limits = Limits(daily=100, group_daily=5, is_group=True)
    in_group = [replace(costing(2, f"g{i}", user_id=1 + i), chat_id=GROUP) for i in range(3)]
    assert isinstance(await tasks.intake.create(in_group[0], limits=limits), Created)
    assert isinstance(await tasks.intake.create(in_group[1], limits=limits), Created)
    assert await tasks.intake.create(in_group[2], limits=limits) == GroupOverQuota(4, 5, needed=2)
    assert await tasks.intake.used_in_chat(GROUP, DAY) == 4


# --- bursts --------------------------------------------------------------------------------


async def test_credits_hold_under_a_burst(tasks: TaskStore) -> None:
    limits = Limits(daily=10)
    outcomes = await asyncio.gather(
        *(tasks.intake.create(costing(3, f"b{i}"), limits=limits) for i in range(20))
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 3
    assert await tasks.intake.used(1, DAY) == 9


async def test_purchased_credits_hold_under_a_burst(db: Database, tasks: TaskStore) -> None:
    await buy(db, 5)
    limits = Limits(daily=2)
    outcomes = await asyncio.gather(
        *(tasks.intake.create(costing(3, f"p{i}"), limits=limits) for i in range(20))
    )
    made = [o for o in outcomes if isinstance(o, Created)]
    # 2 of today's + 1 purchased, then 3 purchased; 1 purchased credit is left.
    assert sorted(o.task.paid_credits for o in made) == [1, 3]
    assert await PaymentRepository(db).balance(1) == 1
    assert all(o == OverQuota(2, 2, needed=3, purchased=1) for o in outcomes if o not in made)


async def test_group_credits_hold_under_a_burst(tasks: TaskStore) -> None:
    limits = Limits(daily=100, group_daily=7, is_group=True)
    outcomes = await asyncio.gather(
        *(
            tasks.intake.create(
                replace(costing(2, f"m{i}", user_id=1 + i % 5), chat_id=GROUP), limits=limits
            )
            for i in range(20)
        )
    )
    assert sum(isinstance(o, Created) for o in outcomes) == 3
    assert await tasks.intake.used_in_chat(GROUP, DAY) == 6


async def test_credits_hold_between_two_processes(database_url: str, db: Database) -> None:
    other = await open_database(database_url)
    try:
        await buy(db, 6)
        stores = (TaskStore.over(db), TaskStore.over(other))
        limits = Limits(daily=3)
        outcomes = await asyncio.gather(
            *(stores[i % 2].intake.create(costing(3, f"two{i}"), limits=limits) for i in range(20))
        )
        assert sum(isinstance(o, Created) for o in outcomes) == 3  # 3 today + 6 purchased
        assert await PaymentRepository(other).balance(1) == 0
    finally:
        await other.close()


# --- payments ------------------------------------------------------------------------------


async def test_a_payment_is_credited_once_however_often_it_arrives(db: Database) -> None:
    wallet = PaymentRepository(db)
    first = await wallet.record(payment(credits=10), T0)
    again = await wallet.record(payment(credits=10), T0 + 5)
    assert (first.new, first.balance) == (True, 10)
    assert (again.new, again.balance) == (False, 10)
    stored = await wallet.get("charge-1")
    assert stored is not None
    assert (stored.user_id, stored.credits, stored.stars, stored.created_at) == (1, 10, 50, T0)
    assert stored.refunded_at is None
    # Another payment adds up.
    assert (await wallet.record(payment("charge-2", credits=5), T0)).balance == 15


async def test_a_payment_delivered_many_times_at_once_is_credited_once(
    database_url: str, db: Database
) -> None:
    other = await open_database(database_url)
    try:
        wallets = (PaymentRepository(db), PaymentRepository(other))
        recorded = await asyncio.gather(
            *(wallets[i % 2].record(payment(credits=10), T0) for i in range(20))
        )
        assert sum(r.new for r in recorded) == 1
        assert await wallets[0].balance(1) == 10
        rows = await db.fetchall("SELECT * FROM payments")
        assert len(rows) == 1
    finally:
        await other.close()


async def test_a_payment_for_someone_never_seen_makes_their_row(db: Database) -> None:
    assert (await PaymentRepository(db).record(payment(user_id=77, credits=3), T0)).balance == 3
    users = UserRepository(db)
    assert await users.daily_limit(77) is None  # a plain row, nothing else set


async def test_a_refund_takes_back_what_is_left_once(db: Database, tasks: TaskStore) -> None:
    wallet = PaymentRepository(db)
    await buy(db, 10)
    made = await tasks.intake.create(costing(3, "spent"), limits=Limits(daily=0))
    assert isinstance(made, Created) and made.task.paid_credits == 3
    stored = await wallet.get("charge-1")
    assert stored is not None
    taken = await wallet.take_back(stored, T0 + 9)
    assert isinstance(taken, TakenBack)
    assert (taken.taken, taken.balance, taken.payment.refunded_at) == (7, 0, T0 + 9)
    assert await wallet.balance(1) == 0
    again = await wallet.take_back(stored, T0 + 10)
    assert isinstance(again, AlreadyTakenBack) and again.payment.taken_back == 7
    gone = replace(stored, charge_id="no-such-charge")
    assert await wallet.take_back(gone, T0) is None


async def test_a_refund_never_takes_more_than_the_payment(db: Database) -> None:
    wallet = PaymentRepository(db)
    await buy(db, 10, charge="a")
    await buy(db, 5, charge="b")
    stored = await wallet.get("b")
    assert stored is not None
    taken = await wallet.take_back(stored, T0)
    assert isinstance(taken, TakenBack) and (taken.taken, taken.balance) == (5, 10)


async def test_stars_received_today_and_in_total(db: Database) -> None:
    wallet = PaymentRepository(db)
    await wallet.record(payment("old", credits=10), T0 - 86_400)
    await wallet.record(payment("new", credits=10), T0 + 60)
    refunded = await wallet.get("old")
    assert refunded is not None
    await wallet.take_back(refunded, T0 + 61)
    figures = await wallet.stars(day_start=T0)
    assert (figures.today, figures.total, figures.refunded) == (50, 100, 50)


# --- choices and GPTunnel's cost -----------------------------------------------------------


async def test_choices_are_remembered_per_person_and_per_group(db: Database) -> None:
    choices = ChoiceRepository(db)
    assert await choices.remembered(1, GROUP) == Remembered(None, None, None)
    await choices.set_model(1, "flux-dev", T0)
    await choices.set_ratio(1, "16:9", T0)
    await choices.set_chat_model(GROUP, "seedream-3")
    assert await choices.remembered(1, GROUP) == Remembered("flux-dev", "16:9", "seedream-3")
    assert await choices.remembered(1, None) == Remembered("flux-dev", "16:9", None)
    assert await choices.remembered(2, GROUP) == Remembered(None, None, "seedream-3")
    await choices.set_ratio(1, None, T0)
    await choices.set_chat_model(GROUP, "yandex-art")
    assert await choices.remembered(1, GROUP) == Remembered("flux-dev", None, "yandex-art")


async def test_gptunnels_cost_is_recorded_per_task_and_summed_per_model(
    db: Database, tasks: TaskStore
) -> None:
    async def ready(key: str, model: str, cost: float | None, at: float) -> None:
        made = await tasks.intake.create(replace(costing(1, key), model=model), limit=None)
        assert isinstance(made, Created)
        await tasks.steps.claim_submit(made.task.id, at)
        await tasks.steps.mark_submitted(made.task.id, f"u-{key}", next_at=at, now=at)
        marked = await tasks.steps.mark_ready(made.task.id, "http://x", cost=cost, now=at)
        assert marked is not None and marked.upstream_cost == cost

    await ready("a", "yandex-art", 1.5, T0 - 86_400)
    await ready("b", "yandex-art", 2.0, T0 + 1)
    await ready("c", "flux-dev", 4.25, T0 + 2)
    await ready("d", "flux-dev", None, T0 + 3)  # GPTunnel said nothing
    spend = await StatsRepository(db).spend(day_start=T0)
    assert [(s.model, s.today, s.total) for s in spend] == [
        ("flux-dev", 4.25, 4.25),
        ("yandex-art", 2.0, 3.5),
    ]


async def test_the_intake_chooses_the_model_from_what_was_chosen_before(
    db: Database, tasks: TaskStore
) -> None:
    choices = ChoiceRepository(db)
    await choices.set_model(1, "flux-dev", T0)
    await choices.set_ratio(1, "21:9", T0)
    await choices.set_chat_model(GROUP, "seedream-3")
    seen: list[Remembered] = []

    def choose(remembered: Remembered) -> Choice | str:
        seen.append(remembered)
        if remembered.chat_model is not None:
            return Choice(remembered.chat_model, None, 3)
        return Choice(remembered.model or "none", remembered.ar, 2)

    private = await tasks.intake.create(new_task(source_key="p"), limit=10, choose=choose)
    in_group = replace(new_task(source_key="g"), chat_id=GROUP)
    group = await tasks.intake.create(in_group, limit=10, choose=choose)
    assert isinstance(private, Created) and isinstance(group, Created)
    assert (private.task.model, private.task.ar, private.task.credits) == ("flux-dev", "21:9", 2)
    assert (group.task.model, group.task.ar, group.task.credits) == ("seedream-3", None, 3)
    assert seen == [
        Remembered("flux-dev", "21:9", None),
        Remembered("flux-dev", "21:9", "seedream-3"),
    ]
    # A refusal from the chooser is the outcome, and nothing is written.
    refused = await tasks.intake.create(
        new_task(source_key="r"), limit=10, choose=lambda _remembered: "no such model"
    )
    assert refused == "no such model"
    assert await tasks.intake.used(1, DAY) == 5
