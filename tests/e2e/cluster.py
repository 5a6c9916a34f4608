"""Several `python -m bot` processes on one PostgreSQL schema, against the fakes: the test plays
the reverse proxy in front of them (webhook mode) or simply watches them (long polling)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from tests.e2e.conftest import _SETTING_NAMES, REPO, Env
from tests.e2e.serving import SECRET_HEADER, free_port

SECRET = "cluster-webhook-secret"
WEBHOOK_URL = "https://bot.example.invalid/telegram/webhook"


@dataclass
class Member:
    """One bot process of the cluster."""

    index: int
    port: int  # its HTTP server: the webhook (webhook mode) or /healthz and /metrics
    log_path: Path
    proc: asyncio.subprocess.Process | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Cluster:
    env: Env
    database_url: str
    webhook: bool
    overrides: dict[str, Any]
    members: list[Member] = field(default_factory=list)
    _next: int = 0

    def values(self, member: Member) -> dict[str, str]:
        values: dict[str, Any] = {"database_url": self.database_url, "lease_timeout": 3}
        if self.webhook:
            values |= {
                "webhook_url": WEBHOOK_URL,
                "webhook_secret": SECRET,
                "webhook_host": "127.0.0.1",
                "webhook_port": member.port,
            }
        else:
            values |= {"health_port": member.port, "webhook_host": "127.0.0.1"}
        return self.env.values(**(values | self.overrides))

    async def start(self, count: int) -> None:
        for _ in range(count):
            index = len(self.members)
            member = Member(index, free_port(), self.env.tmp_path / f"bot-{index}.log")
            self.members.append(member)
            await self.launch(member)
        await asyncio.gather(*(self.wait_healthy(m) for m in self.members))

    async def launch(self, member: Member) -> None:
        environ = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
        environ.update(self.values(member))
        environ["PYTHONPATH"] = str(REPO)
        with member.log_path.open("ab") as log:
            member.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.env.tmp_path,
                env=environ,
                stdout=log,
                stderr=log,
            )

    async def health(self, member: Member) -> dict[str, Any] | None:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{member.port}/healthz") as resp,
            ):
                body: dict[str, Any] = await resp.json()
                return body
        except (aiohttp.ClientError, ValueError):
            return None

    async def wait_healthy(self, member: Member, timeout: float = 30) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while (await self.health(member)) is None:
            assert member.alive, member.log()
            assert asyncio.get_running_loop().time() < deadline, member.log()
            await asyncio.sleep(0.05)

    async def leader(self, timeout: float = 30) -> Member:
        """The one process holding the lease, once there is one."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            holders = [
                m
                for m in self.members
                if m.alive and ((await self.health(m)) or {}).get("lease") == "held"
            ]
            if holders:
                assert len(holders) == 1, "two processes hold the lease"
                return holders[0]
            assert asyncio.get_running_loop().time() < deadline, "nobody took the lease"
            await asyncio.sleep(0.05)

    async def post(self, update: dict[str, Any], member: Member | None = None) -> int:
        """Hand an update to a process as the reverse proxy would: round robin by default,
        skipping dead ones (the proxy's health check)."""
        if member is None:
            alive = [m for m in self.members if m.alive]
            member = alive[self._next % len(alive)]
            self._next += 1
        url = f"http://127.0.0.1:{member.port}/telegram/webhook"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as resp,
        ):
            return resp.status

    async def kill9(self, member: Member) -> None:
        assert member.proc is not None
        member.proc.send_signal(signal.SIGKILL)
        await member.proc.wait()

    async def stop(self) -> None:
        for member in self.members:
            if member.alive:
                assert member.proc is not None
                member.proc.send_signal(signal.SIGTERM)
        for member in self.members:
            if member.proc is not None:
                try:
                    await asyncio.wait_for(member.proc.wait(), timeout=20)
                except TimeoutError:
                    member.proc.kill()
                    await member.proc.wait()

    async def rows(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(sql, *params))
        finally:
            await conn.close()


@asynccontextmanager
async def cluster(
    env: Env, database_url: str, *, webhook: bool = True, **overrides: Any
) -> AsyncIterator[Cluster]:
    group = Cluster(env, database_url, webhook, overrides)
    try:
        yield group
    finally:
        await group.stop()
