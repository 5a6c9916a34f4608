"""The scenarios of issue #3, each printing its figures next to its target."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.harness import free_port, metric, percentile, push_prompts, report, rig, wait_until

Prepare = Callable[[Path], Awaitable[None]] | None


async def burst(users: int = 1000, duration: float = 4.0, db: str = "sqlite") -> dict[str, float]:
    """Everyone prompts at once; tasks take ~4 s; Telegram enforces its flood limits."""
    port = free_port()
    async with rig(duration=duration, spread=0.25, db=db, env={"HEALTH_PORT": str(port)}) as r:
        tg = r.telegram
        start = time.monotonic()
        push_prompts(tg, range(1, users + 1))
        await wait_until(lambda: len(tg.photos()) >= users, timeout=600, what="every photo")
        elapsed = max(p.at for p in tg.photos()) - start
        messages = r.messages_sent()
        floor = messages / 30
        figures = {
            "delivered": float(len(tg.photos())),
            "telegram_429": float(tg.count_429),
            "seconds": elapsed,
            "messages": float(messages),
            "ratio": elapsed / floor,
            "peak_rss_mb": r.peak_rss_mb(),
            # A crash would resend these creates: GPTunnel had answered, the id was not stored.
            "create_window_peak": await metric(port, "drawbot_gptunnel_create_unrecorded_peak"),
        }
    report(
        f"burst: {users} users at once, tasks ~{duration:.0f} s ({db})",
        [
            ("images delivered", f"{int(figures['delivered'])} of {users}", f"{users} of {users}"),
            ("429 answers from Telegram", int(figures["telegram_429"]), "0"),
            ("messages the bot sent (posts and edits)", int(messages), ""),
            ("time to deliver all, s", figures["seconds"], ""),
            ("that time ÷ (messages / 30 per s)", figures["ratio"], "≤ 1.25"),
            (
                "most tasks at once between a create's answer and its id stored",
                int(figures["create_window_peak"]),
                "a handful",
            ),
        ],
    )
    return figures


async def intake(
    open_tasks: int = 1000,
    more: int = 500,
    rps: float = 25.0,
    prepare: Prepare = None,
    db: str = "sqlite",
) -> dict[str, float]:
    """Many tasks open and being polled; how fast do new prompts reach GPTunnel?"""
    env = {"GPTUNNEL_MAX_RPS": str(rps)}
    async with rig(duration=3600, env=env, prepare=prepare, db=db) as r:
        tg, gpt = r.telegram, r.gptunnel
        push_prompts(tg, range(1, open_tasks + 1), "open task")
        await wait_until(lambda: len(gpt.creates) >= open_tasks, timeout=300, what="open tasks")
        # Polling is now in full swing: count /result requests over a quiet window.
        await asyncio.sleep(3.0)
        before = len(gpt.results)
        window_start = time.monotonic()
        await asyncio.sleep(10.0)
        polls = len(gpt.results) - before
        poll_rate = polls / (time.monotonic() - window_start)
        worst = _worst_second([t for t, _ in gpt.results if t >= window_start])

        start = time.monotonic()
        push_prompts(tg, range(open_tasks + 1, open_tasks + more + 1), "new prompt")
        await wait_until(
            lambda: len(gpt.creates) >= open_tasks + more, timeout=300, what="new prompts"
        )
        last = max(c["time"] for c in gpt.creates[open_tasks:])
        figures = {
            "intake_per_s": more / (last - start),
            "poll_rps": poll_rate,
            "poll_rps_worst_second": float(worst),
            "peak_rss_mb": r.peak_rss_mb(),
        }
    report(
        f"intake: {open_tasks} tasks open, {more} more prompts arrive ({db})",
        [
            ("prompts accepted (create sent) per second", figures["intake_per_s"], "≥ 300/s"),
            (f"/result requests per second, {open_tasks} open (10 s mean)", poll_rate, f"≤ {rps}"),
            ("/result requests in the busiest one-second window", int(worst), f"≤ {rps}"),
        ],
    )
    return figures


def _worst_second(times: list[float]) -> int:
    times = sorted(times)
    worst = 0
    lo = 0
    for hi, t in enumerate(times):
        while times[lo] <= t - 1.0:
            lo += 1
        worst = max(worst, hi - lo + 1)
    return worst


async def latency(
    tasks: int = 20,
    duration: float = 8.0,
    spread: float = 0.4,
    prepare: Prepare = None,
    db: str = "sqlite",
) -> dict[str, float]:
    """From "ready upstream" to the photo in the chat, once the bot has learned the model."""
    async with rig(duration=duration, spread=spread, prepare=prepare, db=db) as r:
        tg, gpt = r.telegram, r.gptunnel
        # Round one teaches the scheduler how long this model takes (kept in storage).
        push_prompts(tg, range(1, tasks + 1), "warm-up")
        await wait_until(lambda: len(tg.photos()) >= tasks, timeout=300, what="warm-up")
        await asyncio.sleep(1.0)
        first_id = len(gpt.creates)
        push_prompts(tg, range(1, tasks + 1), "measured")
        await wait_until(lambda: len(tg.photos()) >= 2 * tasks, timeout=300, what="photos")
        measured = [c["id"] for c in gpt.creates[first_id:]]
        delays: list[float] = []
        polls: list[int] = []
        for task_id in measured:
            task = gpt.tasks[task_id]
            # The caption is the prompt, then a line naming the model.
            photo = next(
                p for p in tg.photos() if (p.plain_text or "").split("\n")[0] == task.prompt
            )
            delays.append(photo.at - (task.created_mono + task.duration))
            polls.append(gpt.result_polls(task_id))
        figures = {
            "median_s": percentile(delays, 0.5),
            "p95_s": percentile(delays, 0.95),
            "polls_mean": sum(polls) / len(polls),
            "polls_max": float(max(polls)),
        }
    report(
        f"latency: {tasks} tasks of {duration:.0f} s ± {spread:.0%}, after a warm-up round ({db})",
        [
            ("delay ready upstream → photo sent, median, s", figures["median_s"], "≤ 1.0"),
            ("delay ready upstream → photo sent, p95, s", figures["p95_s"], "≤ 2.0"),
            ("/result polls per task, mean", figures["polls_mean"], "≤ 5"),
            ("/result polls per task, max", int(figures["polls_max"]), ""),
        ],
    )
    return figures


async def memory(open_tasks: int = 5000, db: str = "sqlite") -> dict[str, float]:
    """Peak resident memory of the bot with thousands of tasks open."""
    async with rig(duration=3600, enforce_limits=False, db=db) as r:
        tg, gpt = r.telegram, r.gptunnel
        push_prompts(tg, range(1, open_tasks + 1), "held open")
        await wait_until(lambda: len(gpt.creates) >= open_tasks, timeout=600, what="open tasks")
        await asyncio.sleep(5.0)  # polling and status messages under way
        figures = {"peak_rss_mb": r.peak_rss_mb(), "rss_mb": r.rss_mb()}
    report(
        f"memory: {open_tasks} tasks open ({db})",
        [("peak RSS of the bot, MB", figures["peak_rss_mb"], "≤ 150")],
    )
    return figures
