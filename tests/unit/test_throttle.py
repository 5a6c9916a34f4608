"""The throttle: per-person and per-group allowances, one notice per window, then silence;
and the middleware, which refuses before any service is asked."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Update

from bot.language import texts
from bot.runtime.throttle import Buckets, Throttle, Verdict
from tests.i18n import EN
from tests.routing.test_one_call import callback, count_calls
from tests.routing.test_routing import Harness, group_message, harness, message

__all__ = ["harness"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    buckets = Buckets(per_minute=6)  # a token every 10 s
    assert [buckets.take("k", 0.0) for _ in range(7)] == [True] * 6 + [False]
    assert not buckets.take("k", 9.0)
    assert buckets.take("k", 10.5)
    assert not buckets.take("k", 11.0)
    assert buckets.take("other", 11.0)  # every key has its own


def test_a_person_past_the_allowance_gets_one_notice_then_silence() -> None:
    clock = Clock()
    throttle = Throttle(person_per_minute=3, chat_per_minute=0, notice_every=60, clock=clock)
    verdicts = [throttle.check(1, None) for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.NOTICE] + [Verdict.SILENT] * 2
    assert throttle.check(2, None) is Verdict.PASS  # someone else is not held back
    clock.now += 20  # one token back (3 a minute), still within the notice's window
    assert throttle.check(1, None) is Verdict.PASS
    assert throttle.check(1, None) is Verdict.SILENT
    clock.now += 60  # a new window: one more notice when they flood again
    assert [throttle.check(1, None) for _ in range(4)] == [Verdict.PASS] * 3 + [Verdict.NOTICE]


def test_a_group_has_an_allowance_of_its_own_across_its_members() -> None:
    clock = Clock()
    throttle = Throttle(person_per_minute=10, chat_per_minute=4, clock=clock)
    verdicts = [throttle.check(person, -100) for person in range(1, 8)]
    assert verdicts == [Verdict.PASS] * 4 + [Verdict.NOTICE] + [Verdict.SILENT] * 2
    assert throttle.check(1, None) is Verdict.PASS  # the same person in private
    assert throttle.check(1, -200) is Verdict.PASS  # and in another group


def test_zero_turns_a_limit_off() -> None:
    throttle = Throttle(person_per_minute=0, chat_per_minute=0)
    assert {throttle.check(1, -100) for _ in range(1000)} == {Verdict.PASS}


# --- the middleware, in the real dispatcher ---------------------------------------------

_updates = itertools.count(70_000)


async def feed(harness: Harness, **update: Any) -> None:
    await harness.dp.feed_update(harness.bot, Update(update_id=next(_updates), **update))
    await harness.parts.local_replies.settle()


@pytest.mark.parametrize(
    "harness", [{"throttle_user_per_minute": 3, "throttle_group_per_minute": 0}], indirect=True
)
async def test_a_flood_is_answered_once_and_asks_no_service(harness: Harness) -> None:
    calls = count_calls(harness)
    for _ in range(6):
        await feed(harness, message=message("/quota"))
    assert calls == ["quotas.of_person"] * 3  # the other three never reached a service
    assert harness.replies()[3:] == [texts.slow_down(EN)]
    throttled = harness.parts.metrics.registry.get_sample_value("drawbot_updates_throttled_total")
    assert throttled == 3


@pytest.mark.parametrize(
    "harness", [{"throttle_user_per_minute": 1, "throttle_group_per_minute": 0}], indirect=True
)
async def test_button_presses_count_and_get_a_short_answer(harness: Harness) -> None:
    await feed(harness, callback_query=callback("lang:en", 1))
    await feed(harness, callback_query=callback("lang:en", 2))
    await feed(harness, callback_query=callback("lang:en", 3))
    answers = [r.text for r in harness.session.of(AnswerCallbackQuery)]
    assert answers == [texts.lang_set(EN), texts.slow_down(EN)]  # the third: silence


@pytest.mark.parametrize(
    "harness", [{"throttle_user_per_minute": 1, "throttle_group_per_minute": 1}], indirect=True
)
async def test_group_chatter_is_not_counted(harness: Harness) -> None:
    for n in range(5):
        await feed(harness, message=group_message(f"just talking {n}"))
    await feed(harness, message=group_message("/grouplimit"))
    assert [r.text for r in harness.session.of(SendMessage)] == [
        texts.group_limit_show(EN, None, 0)
    ]
