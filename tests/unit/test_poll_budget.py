"""The poll budget: evenly spaced, and never more than the budget in any window a little over
a second long, so arrivals that jitter still fit GPTunnel's one-second count."""

from __future__ import annotations

import asyncio
import time

from bot.gptunnel.budget import WINDOW, PollBudget


async def test_never_more_than_the_budget_in_any_window() -> None:
    budget = PollBudget(20)
    sent: list[float] = []

    async def poll() -> None:
        await budget.acquire()
        sent.append(time.monotonic())

    await asyncio.gather(*(poll() for _ in range(30)))
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t - start < WINDOW) <= 20


async def test_a_fractional_budget_still_lets_one_through() -> None:
    budget = PollBudget(0.5)
    await asyncio.wait_for(budget.acquire(), timeout=1)
