"""The poll scheduler: silent while a task surely is not ready, close polls where tasks of
its model usually finish, backing off once it is late."""

from __future__ import annotations

import pytest

from bot.pipeline.scheduler import FALLBACK_GROWTH, LATE_GROWTH, PollScheduler, quantile

MODEL = "yandex-art"


def learned(samples: list[float], min_gap: float = 0.2, max_gap: float = 30.0) -> PollScheduler:
    scheduler = PollScheduler(min_gap=min_gap, max_gap=max_gap)
    for value in samples:
        scheduler.observe(MODEL, value)
    return scheduler


def spread(low: float, high: float, n: int = 41) -> list[float]:
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def test_quantile_interpolates() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert quantile([0.0, 10.0], 0.25) == 2.5
    with pytest.raises(ValueError):
        quantile([], 0.5)


def test_without_history_polls_at_the_shortest_gap_then_widens() -> None:
    scheduler = PollScheduler(min_gap=1.0, max_gap=4.0)
    first = scheduler.next_poll(MODEL, age=0, last_gap=None)
    assert first == 1.0
    second = scheduler.next_poll(MODEL, age=1, last_gap=first)
    assert second == pytest.approx(FALLBACK_GROWTH)
    assert scheduler.next_poll(MODEL, age=50, last_gap=10.0) == 4.0  # capped


def test_too_few_samples_count_as_no_history() -> None:
    scheduler = learned([5.0, 6.0, 7.0], min_gap=1.0)
    assert scheduler.window(MODEL) is None
    assert scheduler.next_poll(MODEL, age=0, last_gap=None) == 1.0


def test_no_polls_while_the_task_surely_is_not_ready() -> None:
    scheduler = learned(spread(4.8, 11.2))
    window = scheduler.window(MODEL)
    assert window is not None and 4.8 < window.early < 5.3 and 10.7 < window.late < 11.2
    first = scheduler.next_poll(MODEL, age=0, last_gap=None)
    assert first > window.early  # nothing asked before the earliest usual finish
    # Submitted 2 s ago: still waits for the window, not a fixed timer.
    assert scheduler.next_poll(MODEL, age=2.0, last_gap=2.0) == pytest.approx(first - 2.0)


def test_polls_are_close_and_even_inside_the_window() -> None:
    scheduler = learned(spread(4.8, 11.2))
    window = scheduler.window(MODEL)
    assert window is not None
    age, polls = 0.0, 0
    gaps = []
    while age < window.late:
        wait = scheduler.next_poll(MODEL, age=age, last_gap=gaps[-1] if gaps else None)
        gaps.append(wait)
        age += wait
        polls += 1
    # About six polls cover the span, a steady gap apart: a fixed 1 s timer needs ~11.
    assert polls <= 7
    inside = gaps[1:]
    assert max(inside) - min(inside) < 1e-9
    assert inside[0] == pytest.approx((window.late - window.early) / 6)


def test_the_shortest_gap_is_respected() -> None:
    scheduler = learned(spread(4.0, 4.5), min_gap=1.0)
    age = scheduler.next_poll(MODEL, age=0, last_gap=None)
    assert scheduler.next_poll(MODEL, age=age, last_gap=age) >= 1.0


def test_late_tasks_back_off_up_to_the_cap() -> None:
    scheduler = learned(spread(4.8, 11.2), max_gap=10.0)
    gap = scheduler.next_poll(MODEL, age=7.0, last_gap=1.0)
    late = scheduler.next_poll(MODEL, age=20.0, last_gap=gap)
    assert late == pytest.approx(gap * LATE_GROWTH)
    later = scheduler.next_poll(MODEL, age=40.0, last_gap=late)
    assert later == pytest.approx(late * LATE_GROWTH)
    assert scheduler.next_poll(MODEL, age=300.0, last_gap=9.0) == 10.0


async def test_load_seeds_from_storage_newest_first() -> None:
    calls: list[tuple[str, int]] = []

    async def fetch(model: str, limit: int) -> list[float]:
        calls.append((model, limit))
        return spread(8.0, 2.0, 21)  # newest first

    scheduler = PollScheduler(min_gap=0.2)
    await scheduler.load([MODEL], fetch)
    assert calls == [(MODEL, 200)]
    window = scheduler.window(MODEL)
    assert window is not None and window.early == pytest.approx(2.3) and window.late < 8.0


def test_models_are_learned_separately() -> None:
    scheduler = learned(spread(4.8, 11.2))
    assert scheduler.window("flux-dev") is None
    for value in spread(30, 40):
        scheduler.observe("flux-dev", value)
    slow, fast = scheduler.window("flux-dev"), scheduler.window(MODEL)
    assert slow is not None and fast is not None and slow.early > fast.late
