"""The reply outbox: posting never waits for Telegram's pace, each chat's queue is bounded, and
what it drops is counted."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.methods import SendMessage

from bot.ops.metrics import Metrics
from bot.telegram.outbox import Outbox
from bot.telegram.sender import Limits, Sender
from tests.routing.recording import RecordingSession
from tests.unit.test_sender import UpgradedSession


def make(
    per_chat: int = 3, hard_limit: int = 5, limits: Limits | None = None
) -> tuple[Outbox, Sender, RecordingSession, Metrics]:
    session = RecordingSession()
    metrics = Metrics()
    sender = Sender(
        Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session),
        limits=limits,
        metrics=metrics,
    )
    outbox = Outbox(sender, metrics=metrics, per_chat=per_chat, hard_limit=hard_limit)
    return outbox, sender, session, metrics


def text(chat: int, body: str) -> SendMessage:
    return SendMessage(chat_id=chat, text=body)


def dropped_metric(metrics: Metrics) -> float:
    value = metrics.registry.get_sample_value("drawbot_replies_dropped_total")
    return value or 0.0


async def test_post_returns_before_the_chat_pace_allows_the_send() -> None:
    # A chat paced to one message a minute: the first goes, the rest must wait their turn.
    slow = Limits(private_per_second=1 / 60, private_burst=1)
    outbox, sender, session, _ = make(limits=slow)
    for n in range(3):
        assert await outbox.post(text(1, f"reply {n}"))
    # Had a post waited for its send, all three would be out by now: only one is.
    await asyncio.sleep(0.05)
    assert session.texts() == ["reply 0"]
    assert outbox.waiting(1) == 1  # and one more in the worker's hands, waiting for its slot
    await outbox.close()
    await sender.close()


async def test_droppable_replies_past_the_bound_are_dropped_and_counted() -> None:
    slow = Limits(private_per_second=1 / 60, private_burst=1)
    outbox, sender, _session, metrics = make(per_chat=3, hard_limit=5, limits=slow)
    await outbox.post(text(1, "first"))  # taken by the chat's worker at once
    await asyncio.sleep(0.01)
    accepted = [await outbox.post(text(1, f"refusal {n}"), droppable=True) for n in range(5)]
    assert accepted == [True, True, True, False, False]
    # An answer someone asked for still gets in, up to the hard limit.
    assert await outbox.post(text(1, "your quota"))
    assert await outbox.post(text(1, "your history"))
    assert not await outbox.post(text(1, "one too many"))
    # Another chat's queue is its own.
    assert await outbox.post(text(2, "elsewhere"), droppable=True)
    assert outbox.dropped == 3
    assert dropped_metric(metrics) == 3
    await outbox.close()
    await sender.close()


async def test_replies_of_one_chat_go_out_in_order() -> None:
    outbox, sender, session, _ = make(per_chat=10, hard_limit=10)
    for n in range(5):
        await outbox.post(text(1, f"reply {n}"))
    await outbox.settle()
    assert session.texts() == [f"reply {n}" for n in range(5)]
    assert outbox.waiting(1) == 0
    await sender.close()


async def test_close_sends_what_it_can_then_drops_the_rest() -> None:
    slow = Limits(private_per_second=1 / 60, private_burst=1)
    outbox, sender, session, _ = make(limits=slow)
    for n in range(3):
        await outbox.post(text(1, f"reply {n}"))
    await outbox.close(timeout=0.1)
    assert session.texts() == ["reply 0"]
    await sender.close()


async def test_replies_queued_for_a_group_upgraded_meanwhile_reach_the_supergroup() -> None:
    session = UpgradedSession(-40, -10040)
    metrics = Metrics()
    sender = Sender(Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", session=session), metrics=metrics)
    outbox = Outbox(sender, metrics=metrics)
    for n in range(3):
        assert await outbox.post(text(-40, f"reply {n}"))
    await outbox.settle()
    delivered = [(r.chat_id, r.text) for r in session.of(SendMessage) if r.chat_id == -10040]
    assert delivered == [(-10040, f"reply {n}") for n in range(3)]
    assert len(session.of(SendMessage)) == 4  # one 400 taught the sender; the rest went straight
    await sender.close()
