"""The task table on every backend: quota charging, duplicates, bursts, the state machine and
the background loop's queue."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from storage import (
    Banned,
    Created,
    Database,
    Duplicate,
    OverQuota,
    TaskState,
    TaskStore,
    UserRepository,
)
from storage.users import UserSeen
from tests.storage.helpers import (
    DAY,
    OPEN_MAKERS,
    T0,
    created,
    delivered_task,
    failed_task,
    new_task,
    ready_task,
    state_of,
    submitted_task,
    submitting_task,
)

# --- create and quota ---------------------------------------------------------------------------


async def test_create_charges_quota_and_counts_used(tasks: TaskStore) -> None:
    first = await tasks.intake.create(new_task(), limit=3)
    second = await tasks.intake.create(new_task(), limit=3)
    assert isinstance(first, Created)
    assert isinstance(second, Created)
    assert (first.used, second.used) == (1, 2)
    assert first.task.id != second.task.id
    assert await tasks.intake.used(1, DAY) == 2


async def test_created_task_fields(tasks: TaskStore) -> None:
    new = new_task(source_key="1000:7", prompt="Жигули <b>")
    task = await created(tasks, new)
    assert task.state is TaskState.NEW
    assert task.charged is True
    assert task.source_key == "1000:7"
    assert task.prompt == "Жигули <b>"
    assert task.model == "yandex-art"
    assert task.quota_day == DAY
    assert task.next_at == T0
    assert task.created_at == T0
    assert task.deadline == T0 + 600
    assert task.upstream_id is None
    assert task.attempts == 0
    assert await tasks.steps.get(task.id) == task


async def test_get_unknown_task_is_none(tasks: TaskStore) -> None:
    assert await tasks.steps.get(12345) is None


async def test_over_quota_at_the_limit(tasks: TaskStore) -> None:
    for _ in range(2):
        await created(tasks, limit=2)
    outcome = await tasks.intake.create(new_task(), limit=2)
    assert outcome == OverQuota(used=2, limit=2)
    assert await tasks.intake.used(1, DAY) == 2
    assert await tasks.queue.count_open() == 2


async def test_limit_zero_refuses_everything(tasks: TaskStore) -> None:
    assert await tasks.intake.create(new_task(), limit=0) == OverQuota(used=0, limit=0)
    assert await tasks.queue.count_open() == 0


async def test_no_limit_is_unlimited(tasks: TaskStore) -> None:
    for expected in range(1, 26):
        outcome = await tasks.intake.create(new_task(), limit=None)
        assert isinstance(outcome, Created)
        assert outcome.used == expected
    assert await tasks.intake.used(1, DAY) == 25


async def test_quota_is_per_user(tasks: TaskStore) -> None:
    await created(tasks, new_task(user_id=1), limit=1)
    assert isinstance(await tasks.intake.create(new_task(user_id=1), limit=1), OverQuota)
    outcome = await tasks.intake.create(new_task(user_id=2), limit=1)
    assert isinstance(outcome, Created)
    assert outcome.used == 1


async def test_quota_days_are_separate(tasks: TaskStore) -> None:
    await created(tasks, new_task(quota_day="2024-04-30"), limit=2)
    await created(tasks, new_task(quota_day="2024-04-30"), limit=2)
    assert isinstance(
        await tasks.intake.create(new_task(quota_day="2024-04-30"), limit=2), OverQuota
    )

    outcome = await tasks.intake.create(new_task(quota_day=DAY), limit=2)
    assert isinstance(outcome, Created)
    assert outcome.used == 1
    assert await tasks.intake.used(1, DAY) == 1
    assert await tasks.intake.used(1, "2024-04-30") == 2


async def test_duplicate_source_key_returns_the_original_and_charges_nothing(
    tasks: TaskStore,
) -> None:
    original = await created(tasks, new_task(source_key="1001:7", prompt="first"), limit=5)
    again = await tasks.intake.create(new_task(source_key="1001:7", prompt="second"), limit=5)
    assert again == Duplicate(original)
    assert again.task.prompt == "first"
    assert await tasks.intake.used(1, DAY) == 1
    assert await tasks.queue.count_open() == 1


async def test_duplicate_wins_over_over_quota(tasks: TaskStore) -> None:
    original = await created(tasks, new_task(source_key="k"), limit=1)
    assert await tasks.intake.create(new_task(source_key="k"), limit=1) == Duplicate(original)


async def test_duplicate_of_a_failed_task_is_still_a_duplicate(tasks: TaskStore) -> None:
    original = await created(tasks, new_task(source_key="k"))
    await tasks.steps.mark_failed(original.id, "timeout", T0 + 1)
    outcome = await tasks.intake.create(new_task(source_key="k"), limit=5)
    assert isinstance(outcome, Duplicate)
    assert outcome.task.state is TaskState.FAILED
    assert await tasks.intake.used(1, DAY) == 0


async def test_tasks_without_source_key_are_never_duplicates(tasks: TaskStore) -> None:
    await created(tasks, new_task(source_key=None))
    assert isinstance(await tasks.intake.create(new_task(source_key=None), limit=None), Created)


async def test_concurrent_burst_never_overspends(tasks: TaskStore) -> None:
    outcomes = await asyncio.gather(
        *(tasks.intake.create(new_task(source_key=f"burst:{i}"), limit=2) for i in range(20))
    )
    made = [o for o in outcomes if isinstance(o, Created)]
    refused = [o for o in outcomes if isinstance(o, OverQuota)]
    assert len(made) == 2
    assert len(refused) == 18
    assert sorted(o.used for o in made) == [1, 2]
    assert all(o.used == 2 for o in refused)
    assert await tasks.intake.used(1, DAY) == 2
    assert await tasks.queue.count_open() == 2


async def test_concurrent_duplicates_create_one_task(tasks: TaskStore) -> None:
    outcomes = await asyncio.gather(
        *(tasks.intake.create(new_task(source_key="same"), limit=10) for _ in range(10))
    )
    made = [o for o in outcomes if isinstance(o, Created)]
    dups = [o for o in outcomes if isinstance(o, Duplicate)]
    assert len(made) == 1
    assert len(dups) == 9
    assert all(d.task.id == made[0].task.id for d in dups)
    assert await tasks.intake.used(1, DAY) == 1


# --- state machine ---------------------------------------------------------------------------


async def test_claim_submit_succeeds_only_once(tasks: TaskStore) -> None:
    task = await created(tasks)
    claimed = await tasks.steps.claim_submit(task.id, T0 + 1)
    assert claimed is not None
    assert claimed.state is TaskState.SUBMITTING
    assert claimed.updated_at == T0 + 1
    assert await tasks.steps.claim_submit(task.id, T0 + 2) is None
    assert await state_of(tasks, task.id) is TaskState.SUBMITTING


async def test_concurrent_claims_have_one_winner(tasks: TaskStore) -> None:
    task = await created(tasks)
    results = await asyncio.gather(*(tasks.steps.claim_submit(task.id, T0 + 1) for _ in range(10)))
    assert sum(r is not None for r in results) == 1


async def test_claim_submit_unknown_task_is_none(tasks: TaskStore) -> None:
    assert await tasks.steps.claim_submit(999, T0) is None


async def test_release_submit_puts_it_back_to_new(tasks: TaskStore) -> None:
    task = await created(tasks)
    await tasks.steps.claim_submit(task.id, T0 + 1)
    await tasks.steps.release_submit(task.id, next_at=T0 + 30, attempts=1, now=T0 + 2)
    again = await tasks.steps.get(task.id)
    assert again is not None
    assert again.state is TaskState.NEW
    assert again.next_at == T0 + 30
    assert again.attempts == 1
    assert again.charged is True
    # It can be claimed again.
    assert await tasks.steps.claim_submit(task.id, T0 + 31) is not None


async def test_release_submit_does_not_touch_other_states(tasks: TaskStore) -> None:
    task = await created(tasks)
    await tasks.steps.claim_submit(task.id, T0 + 1)
    assert await tasks.steps.mark_submitted(task.id, "up-1", next_at=T0 + 5, now=T0 + 2)
    await tasks.steps.release_submit(task.id, next_at=T0 + 30, attempts=1, now=T0 + 3)
    assert await state_of(tasks, task.id) is TaskState.SUBMITTED


async def test_mark_submitted_only_from_submitting(tasks: TaskStore) -> None:
    task = await created(tasks)
    assert await tasks.steps.mark_submitted(task.id, "up-1", next_at=T0 + 5, now=T0 + 1) is None
    assert await state_of(tasks, task.id) is TaskState.NEW

    await tasks.steps.claim_submit(task.id, T0 + 1)
    marked = await tasks.steps.mark_submitted(task.id, "up-1", next_at=T0 + 5, now=T0 + 2)
    submitted = await tasks.steps.get(task.id)
    assert submitted is not None
    assert marked == submitted  # the row as written, handed back without a second read
    assert submitted.state is TaskState.SUBMITTED
    assert submitted.upstream_id == "up-1"
    assert submitted.next_at == T0 + 5
    assert submitted.attempts == 0
    # Not twice.
    assert await tasks.steps.mark_submitted(task.id, "up-2", next_at=T0 + 6, now=T0 + 3) is None
    again = await tasks.steps.get(task.id)
    assert again is not None
    assert again.upstream_id == "up-1"


async def test_mark_ready_from_submitted(tasks: TaskStore) -> None:
    task = await submitted_task(tasks)
    await tasks.steps.record_poll(task.id, next_at=T0 + 8, attempts=0, now=T0 + 5)
    assert (
        await tasks.steps.mark_ready(task.id, "https://files.test/x.webp", now=T0 + 10) is not None
    )
    ready = await tasks.steps.get(task.id)
    assert ready is not None
    assert ready.state is TaskState.READY
    assert ready.result_url == "https://files.test/x.webp"
    assert ready.ready_at == T0 + 10
    assert ready.next_at == T0 + 10
    assert ready.upstream_id == f"up-{task.id}"
    assert ready.polls == 2
    assert await tasks.steps.mark_ready(task.id, "https://files.test/y.webp", now=T0 + 11) is None


async def test_mark_ready_from_submitting_fills_upstream_id(tasks: TaskStore) -> None:
    # Some models answer "done" with a URL on create already.
    task = await created(tasks)
    await tasks.steps.claim_submit(task.id, T0 + 1)
    assert await tasks.steps.mark_ready(task.id, "https://f/x", upstream_id="up-9", now=T0 + 2)
    ready = await tasks.steps.get(task.id)
    assert ready is not None
    assert ready.state is TaskState.READY
    assert ready.upstream_id == "up-9"


async def test_mark_ready_not_from_new(tasks: TaskStore) -> None:
    task = await created(tasks)
    assert await tasks.steps.mark_ready(task.id, "https://f/x", now=T0 + 2) is None
    assert await state_of(tasks, task.id) is TaskState.NEW


async def test_record_poll_counts_polls(tasks: TaskStore) -> None:
    task = await submitted_task(tasks)
    await tasks.steps.record_poll(task.id, next_at=T0 + 20, attempts=2, now=T0 + 6)
    await tasks.steps.record_poll(task.id, next_at=T0 + 30, attempts=3, now=T0 + 7)
    polled = await tasks.steps.get(task.id)
    assert polled is not None
    assert polled.polls == 2
    assert polled.next_at == T0 + 30
    assert polled.attempts == 3


async def test_mark_delivered_only_from_ready(tasks: TaskStore) -> None:
    task = await submitted_task(tasks)
    assert await tasks.steps.mark_delivered(task.id, T0 + 9) is False
    assert await state_of(tasks, task.id) is TaskState.SUBMITTED

    assert await tasks.steps.mark_ready(task.id, "https://f/x", now=T0 + 10)
    assert await tasks.steps.mark_delivered(task.id, T0 + 11) is True
    done = await tasks.steps.get(task.id)
    assert done is not None
    assert done.state is TaskState.DELIVERED
    assert done.finished_at == T0 + 11
    assert done.charged is True
    assert await tasks.steps.mark_delivered(task.id, T0 + 12) is False


async def test_mark_delivered_not_from_new(tasks: TaskStore) -> None:
    task = await created(tasks)
    assert await tasks.steps.mark_delivered(task.id, T0 + 1) is False


async def test_retry_delivery_only_in_ready(tasks: TaskStore) -> None:
    task = await ready_task(tasks)
    await tasks.steps.retry_delivery(task.id, next_at=T0 + 50, attempts=2, now=T0 + 20)
    again = await tasks.steps.get(task.id)
    assert again is not None
    assert (again.state, again.next_at, again.attempts) == (TaskState.READY, T0 + 50, 2)


@pytest.mark.parametrize("state", list(OPEN_MAKERS), ids=str)
async def test_mark_failed_from_any_open_state_refunds(tasks: TaskStore, state: TaskState) -> None:
    task = await OPEN_MAKERS[state](tasks)
    assert await state_of(tasks, task.id) is state
    assert await tasks.intake.used(1, DAY) == 1

    failed = await tasks.steps.mark_failed(task.id, "timeout", T0 + 100)
    assert failed is not None
    assert failed.id == task.id
    assert failed.state is TaskState.FAILED
    assert failed.charged is False
    assert failed.failure == "timeout"
    assert failed.finished_at == T0 + 100
    assert await tasks.intake.used(1, DAY) == 0
    assert await tasks.queue.count_open() == 0


async def test_refund_frees_quota_for_a_new_task(tasks: TaskStore) -> None:
    task = await created(tasks, limit=1)
    assert isinstance(await tasks.intake.create(new_task(), limit=1), OverQuota)
    await tasks.steps.mark_failed(task.id, "moderation", T0 + 1)
    outcome = await tasks.intake.create(new_task(), limit=1)
    assert isinstance(outcome, Created)
    assert outcome.used == 1


@pytest.mark.parametrize("make", [delivered_task, failed_task], ids=["delivered", "failed"])
async def test_terminal_task_never_moves_again(tasks: TaskStore, make) -> None:
    task = await make(tasks)
    before = await tasks.steps.get(task.id)
    assert before is not None
    used_before = await tasks.intake.used(1, DAY)

    assert await tasks.steps.mark_failed(task.id, "timeout", T0 + 200) is None
    assert await tasks.steps.claim_submit(task.id, T0 + 200) is None
    await tasks.steps.release_submit(task.id, next_at=T0 + 300, attempts=9, now=T0 + 200)
    assert (
        await tasks.steps.mark_submitted(task.id, "other", next_at=T0 + 300, now=T0 + 200) is None
    )
    await tasks.steps.record_poll(task.id, next_at=T0 + 300, attempts=9, now=T0 + 200)
    assert await tasks.steps.mark_ready(task.id, "https://f/other", now=T0 + 200) is None
    await tasks.steps.retry_delivery(task.id, next_at=T0 + 300, attempts=9, now=T0 + 200)
    assert await tasks.steps.mark_delivered(task.id, T0 + 200) is False
    await tasks.steps.retry_later(task.id, T0 + 300)
    assert await tasks.steps.resume_interrupted("interrupted", T0 + 200) == ([], [])
    assert await tasks.steps.resubmit(task.id, next_at=T0 + 300, now=T0 + 200) is False

    assert await tasks.steps.get(task.id) == before
    assert await tasks.intake.used(1, DAY) == used_before
    assert await tasks.queue.due(T0 + 10_000, 10) == []


async def test_delivered_task_stays_charged(tasks: TaskStore) -> None:
    await delivered_task(tasks)
    assert await tasks.intake.used(1, DAY) == 1


async def test_resume_interrupted_sends_submitting_once_more_then_fails_it(
    tasks: TaskStore,
) -> None:
    fresh = await created(tasks)
    stuck_a = await submitting_task(tasks)
    stuck_b = await submitting_task(tasks)
    polling = await submitted_task(tasks)
    ready = await ready_task(tasks)
    delivered = await delivered_task(tasks)
    assert await tasks.intake.used(1, DAY) == 6

    resumed, failed = await tasks.steps.resume_interrupted("interrupted", T0 + 100)
    assert failed == []
    assert sorted(t.id for t in resumed) == sorted([stuck_a.id, stuck_b.id])
    assert all(t.state is TaskState.NEW and t.resubmitted and t.charged for t in resumed)
    assert all(t.next_at == T0 + 100 for t in resumed)
    assert await tasks.intake.used(1, DAY) == 6  # still charged: they go on
    assert await state_of(tasks, fresh.id) is TaskState.NEW
    assert await state_of(tasks, polling.id) is TaskState.SUBMITTED
    assert await state_of(tasks, ready.id) is TaskState.READY
    assert await state_of(tasks, delivered.id) is TaskState.DELIVERED
    assert await tasks.steps.resume_interrupted("interrupted", T0 + 101) == ([], [])

    # Cut off a second time: never a third create; ended and refunded.
    assert await tasks.steps.claim_submit(stuck_a.id, T0 + 102) is not None
    resumed, failed = await tasks.steps.resume_interrupted("interrupted", T0 + 103)
    assert resumed == [] and [t.id for t in failed] == [stuck_a.id]
    assert failed[0].state is TaskState.FAILED and not failed[0].charged
    assert failed[0].failure == "interrupted"
    assert await tasks.intake.used(1, DAY) == 5


async def test_resubmit_after_a_lost_answer_happens_once(tasks: TaskStore) -> None:
    task = await submitting_task(tasks)
    assert await tasks.steps.resubmit(task.id, next_at=T0 + 50, now=T0 + 10) is True
    again = await tasks.steps.get(task.id)
    assert again is not None and again.state is TaskState.NEW and again.resubmitted
    assert again.next_at == T0 + 50
    assert await tasks.steps.claim_submit(task.id, T0 + 60) is not None
    assert await tasks.steps.resubmit(task.id, next_at=T0 + 90, now=T0 + 70) is False
    assert await state_of(tasks, task.id) is TaskState.SUBMITTING


# --- scheduling --------------------------------------------------------------------------------


async def test_due_returns_only_due_open_tasks_in_next_at_order(tasks: TaskStore) -> None:
    late_new = await created(tasks, new_task(created_at=T0 + 30))
    early_new = await created(tasks, new_task(created_at=T0 + 10))
    future_new = await created(tasks, new_task(created_at=T0 + 1000))
    submitting = await created(tasks, new_task(created_at=T0))
    await tasks.steps.claim_submit(submitting.id, T0 + 1)
    polling = await submitted_task(tasks, new_task(created_at=T0))  # next_at T0 + 5
    ready = await ready_task(tasks, new_task(created_at=T0))  # next_at moved to T0 + 20:
    await tasks.steps.retry_delivery(ready.id, next_at=T0 + 20, attempts=1, now=T0 + 11)
    await delivered_task(tasks)
    await failed_task(tasks)

    due = await tasks.queue.due(T0 + 30, limit=10)
    assert [t.id for t in due] == [polling.id, early_new.id, ready.id, late_new.id]
    assert submitting.id not in {t.id for t in due}
    assert future_new.id not in {t.id for t in due}
    assert {t.state for t in due} <= {TaskState.NEW, TaskState.SUBMITTED, TaskState.READY}


async def test_due_includes_next_at_equal_to_now(tasks: TaskStore) -> None:
    task = await created(tasks, new_task(created_at=T0 + 50))
    assert [t.id for t in await tasks.queue.due(T0 + 50, limit=5)] == [task.id]
    assert await tasks.queue.due(T0 + 49.999, limit=5) == []


async def test_due_honours_limit(tasks: TaskStore) -> None:
    ids = [(await created(tasks, new_task(created_at=T0 + i))).id for i in range(5)]
    assert [t.id for t in await tasks.queue.due(T0 + 100, limit=3)] == ids[:3]


async def test_due_honours_exclude(tasks: TaskStore) -> None:
    ids = [(await created(tasks, new_task(created_at=T0 + i))).id for i in range(5)]
    due = await tasks.queue.due(T0 + 100, limit=3, exclude=frozenset({ids[0], ids[2]}))
    assert [t.id for t in due] == [ids[1], ids[3], ids[4]]
    due = await tasks.queue.due(T0 + 100, limit=10, exclude=frozenset(ids))
    assert due == []


async def test_next_due_at(tasks: TaskStore) -> None:
    assert await tasks.queue.next_due_at() is None
    a = await created(tasks, new_task(created_at=T0 + 40))
    b = await created(tasks, new_task(created_at=T0 + 20))
    assert await tasks.queue.next_due_at() == T0 + 20
    assert await tasks.queue.next_due_at(exclude=frozenset({b.id})) == T0 + 40
    assert await tasks.queue.next_due_at(exclude=frozenset({a.id, b.id})) is None
    # A task being submitted or finished does not count.
    await tasks.steps.claim_submit(b.id, T0 + 21)
    assert await tasks.queue.next_due_at() == T0 + 40
    await tasks.steps.mark_failed(a.id, "timeout", T0 + 41)
    assert await tasks.queue.next_due_at() is None


async def test_retry_later_moves_next_at_and_counts_attempts(tasks: TaskStore) -> None:
    task = await created(tasks)
    await tasks.steps.retry_later(task.id, T0 + 77)
    await tasks.steps.retry_later(task.id, T0 + 88)
    again = await tasks.steps.get(task.id)
    assert again is not None
    assert again.next_at == T0 + 88
    assert again.attempts == 2
    assert again.state is TaskState.NEW
    assert await tasks.queue.due(T0 + 87, limit=5) == []
    assert [t.id for t in await tasks.queue.due(T0 + 88, limit=5)] == [task.id]


async def test_retry_later_leaves_submitting_alone(tasks: TaskStore) -> None:
    task = await submitting_task(tasks)
    before = await tasks.steps.get(task.id)
    await tasks.steps.retry_later(task.id, T0 + 500)
    assert await tasks.steps.get(task.id) == before


async def test_count_open(tasks: TaskStore) -> None:
    assert await tasks.queue.count_open() == 0
    await created(tasks)
    await submitting_task(tasks)
    await submitted_task(tasks)
    await ready_task(tasks)
    assert await tasks.queue.count_open() == 4
    await delivered_task(tasks)
    await failed_task(tasks)
    assert await tasks.queue.count_open() == 4


async def test_set_status_message(tasks: TaskStore) -> None:
    task = await created(tasks)
    await tasks.steps.set_status_message(task.id, 555)
    again = await tasks.steps.get(task.id)
    assert again == replace(task, status_message_id=555)


async def test_queue_position_counts_earlier_tasks_still_waiting_upstream(
    tasks: TaskStore,
) -> None:
    ids = []
    for user in (1, 2, 3):
        task = await created(tasks, new_task(user_id=user))
        assert await tasks.steps.claim_submit(task.id, T0)
        assert await tasks.steps.mark_submitted(task.id, f"up-{user}", next_at=T0 + 5, now=T0)
        ids.append(task.id)
    await tasks.steps.record_poll(
        ids[0], next_at=T0 + 9, attempts=0, now=T0 + 1, upstream_status="idle"
    )
    await tasks.steps.record_poll(
        ids[1], next_at=T0 + 9, attempts=0, now=T0 + 1, upstream_status="processing"
    )
    await tasks.steps.record_poll(
        ids[2], next_at=T0 + 9, attempts=0, now=T0 + 1, upstream_status="idle"
    )
    third = await tasks.steps.get(ids[2])
    assert third is not None and third.upstream_status == "idle"
    assert await tasks.queue.queue_position(third) == 2  # only the first is ahead, still idle
    first = await tasks.steps.get(ids[0])
    assert first is not None and await tasks.queue.queue_position(first) == 1
    # A poll without a status keeps the last one seen.
    await tasks.steps.record_poll(ids[0], next_at=T0 + 9, attempts=1, now=T0 + 2)
    again = await tasks.steps.get(ids[0])
    assert again is not None and again.upstream_status == "idle"


async def test_intake_records_the_person_in_the_same_write(db: Database, tasks: TaskStore) -> None:
    alice = UserSeen(1, "alice", "Alice", "en")
    made = await tasks.intake.create(new_task(source_key="a"), limit=1, user=alice)
    assert isinstance(made, Created)
    # Refused, the person is still recorded (a new name, a later time).
    renamed = UserSeen(1, "alice2", "Alice", "en")
    later = replace(new_task(source_key="b"), created_at=T0 + 60)
    assert await tasks.intake.create(later, limit=1, user=renamed) == OverQuota(1, 1)
    row = await db.fetchone("SELECT username, first_seen, last_seen FROM users WHERE user_id = 1")
    assert row is not None and tuple(row) == ("alice2", T0, T0 + 60)
    # What the operator set is not what the person's own updates touch.
    await UserRepository(db).set_banned(1, True, T0)
    again = replace(new_task(source_key="c"), created_at=T0 + 120)
    assert await tasks.intake.create(again, limit=None, user=alice) == Banned()
    # A first prompt from someone new: recorded, and the bounds see an ordinary person.
    bob = UserSeen(2, None, "Bob", None)
    assert isinstance(await tasks.intake.create(new_task(user_id=2), limit=1, user=bob), Created)
    assert await UserRepository(db).find_by_username("ALICE") == 1  # renamed back


async def test_delivered_remembers_the_pictures_message(tasks: TaskStore) -> None:
    task = await ready_task(tasks)
    assert await tasks.steps.mark_delivered(task.id, T0 + 11, picture_message_id=77)
    delivered = await tasks.steps.get(task.id)
    assert delivered is not None and delivered.picture_message_id == 77


async def test_history_in_one_chat_leaves_the_others_out(tasks: TaskStore) -> None:
    private = await created(tasks, new_task(source_key="p", prompt="private"))
    in_group = await created(
        tasks, replace(new_task(source_key="g", prompt="group"), chat_id=-100500)
    )
    assert [t.id for t in await tasks.history.recent(1, 10)] == [in_group.id, private.id]
    assert [t.id for t in await tasks.history.recent(1, 10, chat_id=-100500)] == [in_group.id]
    assert await tasks.history.recent(2, 10, chat_id=-100500) == []
