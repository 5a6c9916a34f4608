"""The real bot against fake Telegram and GPTunnel servers on 127.0.0.1, with a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, create_app, serve
from bot.language import texts
from bot.settings import Settings
from tests.fakes import FakeGPTunnel, FakeTelegram

TOKEN = "4242:E2E-secret-token-AAAAbbbbCCCC_xxxxx"
API_KEY = "gpt-e2e-secret-key-0123456789"
REPO = Path(__file__).resolve().parents[2]

USER = 5001
OTHER = 5002
GROUP = -100777


def shown_caption(prompt: str, model: str = "YandexART", ratio: str | None = None) -> str:
    """A picture's caption as people see it: the prompt, then the model that drew it."""
    return f"{prompt}\n{texts.drawn_by(model, ratio)}"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def gptunnel() -> AsyncIterator[FakeGPTunnel]:
    async with FakeGPTunnel(API_KEY, default_duration=0.2) as fake:
        yield fake


@dataclass
class Env:
    tmp_path: Path
    telegram: FakeTelegram
    gptunnel: FakeGPTunnel

    @property
    def db_file(self) -> Path:
        return self.tmp_path / "state" / "bot.sqlite3"

    def values(self, **overrides: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "BOT_TOKEN": TOKEN,
            "GPTUNNEL_API_KEY": API_KEY,
            "GPTUNNEL_BASE_URL": self.gptunnel.base_url,
            "TELEGRAM_API_URL": self.telegram.base_url,
            "DATABASE_URL": f"sqlite:///{self.db_file}",
            "DAILY_LIMIT": 5,
            "POLL_INTERVAL": 0.05,
            "TASK_TIMEOUT": 30,
        }
        values.update({k.upper(): v for k, v in overrides.items()})
        return {k: str(v) for k, v in values.items()}

    def settings(self, **overrides: Any) -> Settings:
        values = {k.lower(): v for k, v in self.values(**overrides).items()}
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    def rows(
        self, sql: str = "SELECT * FROM tasks ORDER BY id", params: tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        with closing(sqlite3.connect(self.db_file)) as conn:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, params))

    def charged(self, user_id: int) -> int:
        row = self.rows(
            "SELECT COUNT(*) AS n FROM tasks WHERE user_id = ? AND charged = 1", (user_id,)
        )
        return int(row[0]["n"])

    async def wait_rows(
        self, cond: Callable[[list[sqlite3.Row]], bool], timeout: float = 10.0
    ) -> list[sqlite3.Row]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            rows = self.rows() if self.db_file.exists() else []
            try:
                if cond(rows):
                    return rows
            except IndexError:
                pass  # no task row yet
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"task rows never matched: {[dict(r) for r in rows]}")
            await asyncio.sleep(0.02)


@pytest.fixture
def env(tmp_path: Path, telegram: FakeTelegram, gptunnel: FakeGPTunnel) -> Env:
    return Env(tmp_path, telegram, gptunnel)


@asynccontextmanager
async def running(env: Env, **overrides: Any) -> AsyncIterator[App]:
    """The bot's own polling loop and background loop, in this process."""
    app = await create_app(env.settings(**overrides))
    server = asyncio.create_task(serve(app, handle_signals=False))
    try:
        await env.telegram.wait_until(lambda: bool(env.telegram.calls("getUpdates")), timeout=10)
        yield app
    finally:
        if not server.done():
            await app.dispatcher.stop_polling()
        done, _ = await asyncio.wait({server}, timeout=15)
        if not done:
            stacks = []
            for task in asyncio.all_tasks():
                frames = task.get_stack(limit=8)
                where = " <- ".join(f"{f.f_code.co_filename}:{f.f_lineno}" for f in frames)
                stacks.append(f"{task.get_name()}: {where}")
            server.cancel()
            raise AssertionError("the bot did not stop:\n" + "\n".join(stacks))
        server.result()


@pytest.fixture
def bot_running(env: Env) -> Callable[..., Any]:
    return lambda **overrides: running(env, **overrides)


class BotProcess:
    """`python -m bot` in its own process, as a deployment runs it."""

    def __init__(self, env: Env, log_path: Path, **overrides: Any) -> None:
        self._env = env
        self._overrides = overrides
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, *, wait_for_polling: bool = True) -> None:
        environ = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
        environ.update(self._env.values(**self._overrides))
        environ["PYTHONPATH"] = str(REPO)
        calls_before = len(self._env.telegram.calls("getUpdates"))
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self._env.tmp_path,
                env=environ,
                stdout=log,
                stderr=log,
            )
        if not wait_for_polling:
            return
        await self._env.telegram.wait_until(
            lambda: len(self._env.telegram.calls("getUpdates")) > calls_before, timeout=20
        )

    async def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), timeout=20)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# Every setting the bot reads: none may leak in from the environment running the tests.
_SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)


@pytest.fixture
async def bot_process(env: Env, tmp_path: Path) -> AsyncIterator[Callable[..., BotProcess]]:
    made: list[BotProcess] = []

    def make(**overrides: Any) -> BotProcess:
        proc = BotProcess(env, tmp_path / "bot.log", **overrides)
        made.append(proc)
        return proc

    yield make
    for proc in made:
        if proc.proc is not None and proc.proc.returncode is None:
            proc.proc.kill()
            await proc.proc.wait()
