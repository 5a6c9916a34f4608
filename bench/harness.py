"""Starts the fakes in this process and `python -m bot` in its own, and reads figures off them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes import FakeGPTunnel, FakeTelegram

TOKEN = "4242:BENCH-token-not-a-secret_xxxxxxxxxx"
API_KEY = "bench-key-not-a-secret"
REPO = Path(__file__).resolve().parents[1]
COUNTED = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}


@dataclass
class Rig:
    telegram: FakeTelegram
    gptunnel: FakeGPTunnel
    proc: asyncio.subprocess.Process
    workdir: Path

    def messages_sent(self) -> int:
        """Posts and edits Telegram accepted: what its flood limits count."""
        posts = sum(1 for s in self.telegram.sent if s.method in COUNTED)
        return posts + len(self.telegram.edits)

    def peak_rss_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return _status_kb(self.proc.pid, "VmRSS") / 1024


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A fresh schema on BENCH_DATABASE_URL (or the test PostgreSQL), dropped afterwards."""
    import asyncpg

    from tests.postgres import with_search_path

    server = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES
    schema = f"bench_{os.getpid()}_{int(time.time())}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        yield with_search_path(server, schema)
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


@asynccontextmanager
async def database(kind: str, workdir: Path) -> AsyncIterator[str]:
    """DATABASE_URL for a bench run: an SQLite file in `workdir`, or a PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    async with postgres_schema() as url:
        yield url


@asynccontextmanager
async def rig(
    *,
    duration: float,
    spread: float = 0.0,
    enforce_limits: bool = True,
    env: dict[str, str] | None = None,
    db: str = "sqlite",
    prepare: Callable[[Path], Awaitable[None]] | None = None,
) -> AsyncIterator[Rig]:
    """The fakes, and `python -m bot` against them on `db` ("sqlite" or "postgresql").
    `prepare` gets the SQLite file's path before the bot starts (to fill it)."""
    telegram = FakeTelegram(TOKEN, enforce_limits=enforce_limits)
    gptunnel = FakeGPTunnel(API_KEY, default_duration=duration, spread=spread, seed=7)
    await telegram.start()
    await gptunnel.start()
    try:
        with tempfile.TemporaryDirectory(prefix="drawbot-bench-") as tmp:
            workdir = Path(tmp)
            async with database(db, workdir) as database_url:
                if prepare is not None:
                    assert db == "sqlite", "prepare fills an SQLite file"
                    await prepare(workdir / "bench.sqlite3")
                environ = bot_environment(telegram, gptunnel, database_url, env)
                proc = await start_bot(environ, workdir, "bot.log")
                try:
                    await telegram.wait_until(
                        lambda: bool(telegram.calls("getUpdates")), timeout=30
                    )
                    yield Rig(telegram, gptunnel, proc, workdir)
                finally:
                    await stop_bot(proc)
    finally:
        await telegram.stop()
        await gptunnel.stop()


def bot_environment(
    telegram: FakeTelegram,
    gptunnel: FakeGPTunnel,
    database_url: str,
    env: dict[str, str] | None = None,
) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "GPTUNNEL_"))}
    environ.update(
        {
            "BOT_TOKEN": TOKEN,
            "GPTUNNEL_API_KEY": API_KEY,
            "GPTUNNEL_BASE_URL": gptunnel.base_url,
            "TELEGRAM_API_URL": telegram.base_url,
            "DATABASE_URL": database_url,
            "DAILY_LIMIT": "0",
            "PYTHONPATH": str(REPO),
            **(env or {}),
        }
    )
    return environ


async def start_bot(
    environ: dict[str, str], workdir: Path, log_name: str
) -> asyncio.subprocess.Process:
    with (workdir / log_name).open("wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=workdir, env=environ, stdout=log, stderr=log
        )


async def stop_bot(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def metric(port: int, name: str) -> float:
    """One sample from the bot's /metrics (HEALTH_PORT=port)."""
    from prometheus_client.parser import text_string_to_metric_families

    url = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        text = await resp.text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    raise LookupError(name)


async def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


def push_prompts(telegram: FakeTelegram, users: range, text: str = "bench picture") -> None:
    for user in users:
        telegram.push_message(user, user, f"{text} {user}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def report(title: str, rows: list[tuple[str, Any, str]]) -> None:
    print(f"\n== {title}")
    for name, value, target in rows:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"  {name:<58} {shown:>10}   target {target}")
