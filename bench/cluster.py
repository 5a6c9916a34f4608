"""Several bot processes on one PostgreSQL in webhook mode, the bench as their reverse proxy:
a burst spread over all of them, and the lease holder killed with SIGKILL half-way."""

from __future__ import annotations

import asyncio
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness import (
    API_KEY,
    TOKEN,
    bot_environment,
    free_port,
    postgres_schema,
    push_prompts,
    report,
    start_bot,
    stop_bot,
    wait_until,
)
from tests.fakes import FakeGPTunnel, FakeTelegram

SECRET = "bench-cluster-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
LEASE_TIMEOUT = 5.0
COUNTED = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}


async def _lease(session: aiohttp.ClientSession, port: int) -> str | None:
    try:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
            body: dict[str, Any] = await resp.json()
            return str(body.get("lease"))
    except (aiohttp.ClientError, ValueError):
        return None


async def failover(users: int = 1000, processes: int = 3) -> dict[str, float]:
    telegram = FakeTelegram(TOKEN, enforce_limits=True)
    gptunnel = FakeGPTunnel(API_KEY, default_duration=4.0, spread=0.25, seed=7)
    await telegram.start()
    await gptunnel.start()
    ports = [free_port() for _ in range(processes)]
    procs: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory(prefix="drawbot-bench-") as tmp:
            workdir = Path(tmp)
            async with postgres_schema() as url, aiohttp.ClientSession() as session:
                for n, port in enumerate(ports):
                    env = {
                        "WEBHOOK_URL": "https://bench.invalid/telegram/webhook",
                        "WEBHOOK_SECRET": SECRET,
                        "WEBHOOK_HOST": "127.0.0.1",
                        "WEBHOOK_PORT": str(port),
                        "LEASE_TIMEOUT": str(LEASE_TIMEOUT),
                    }
                    environ = bot_environment(telegram, gptunnel, url, env)
                    procs.append(await start_bot(environ, workdir, f"bot-{n}.log"))
                leases: list[str | None] = []

                async def look() -> None:
                    leases[:] = [await _lease(session, port) for port in ports]

                async def one_leader() -> bool:
                    await look()
                    return leases.count("held") == 1 and None not in leases

                await _until(one_leader, 60, "the processes and one lease holder")
                leader = leases.index("held")

                start = time.monotonic()
                push_prompts(telegram, range(1, users + 1))
                updates = telegram.take_updates()
                alive = list(range(processes))
                for n, update in enumerate(updates):
                    port = ports[alive[n % len(alive)]]
                    url_ = f"http://127.0.0.1:{port}/telegram/webhook"
                    async with session.post(url_, json=update, headers={HEADER: SECRET}) as resp:
                        assert resp.status == 200, await resp.text()
                await wait_until(
                    lambda: len(telegram.photos()) >= users // 2, timeout=600, what="half"
                )
                procs[leader].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
                await procs[leader].wait()
                alive.remove(leader)

                async def taken_over() -> bool:
                    held = [await _lease(session, ports[n]) for n in alive]
                    return "held" in held

                await _until(taken_over, 120, "a takeover")
                takeover = time.monotonic() - killed_at
                delivered = lambda: len({p.chat_id for p in telegram.photos()})  # noqa: E731
                await wait_until(lambda: delivered() >= users, timeout=900, what="every photo")
                elapsed = max(p.at for p in telegram.photos()) - start
                await asyncio.sleep(2.0)
            photos = Counter(p.chat_id for p in telegram.photos())
            posts = sum(1 for s in telegram.sent if s.method in COUNTED)
            messages = posts + len(telegram.edits)
            figures = {
                "delivered": float(len(photos)),
                "telegram_429": float(telegram.count_429),
                "ratio": elapsed / (messages / 30),
                # Nothing can be sent between the kill and the takeover: the same ratio without
                # that gap is what compares with one process's.
                "ratio_serving": (elapsed - takeover) / (messages / 30),
                "takeover_s": takeover,
                "duplicates": float(sum(n - 1 for n in photos.values())),
                "lease_timeout": LEASE_TIMEOUT,
            }
    finally:
        for proc in procs:
            await stop_bot(proc)
        await telegram.stop()
        await gptunnel.stop()
    report(
        f"cluster: {processes} processes on PostgreSQL, {users} users, the leader killed half-way",
        [
            ("images delivered (distinct people)", f"{int(figures['delivered'])} of {users}", ""),
            ("429 answers from Telegram", int(figures["telegram_429"]), "0"),
            ("time to deliver all ÷ (messages / 30 per s)", figures["ratio"], "≤ 1.25"),
            ("the same, less the time from the kill to the takeover", figures["ratio_serving"], ""),
            ("seconds from the kill to the takeover", figures["takeover_s"], f"≤ {LEASE_TIMEOUT}+"),
            ("duplicate photos (the window no Bot API closes)", int(figures["duplicates"]), ""),
        ],
    )
    return figures


async def _until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)
