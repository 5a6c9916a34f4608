"""Killing `python -m bot` at the moment a create call is under way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import Env


async def cut_off_twice(env: Env, bot_process: Callable[..., Any], ask: Callable[[], Any]) -> None:
    """`ask` once; then two processes in turn die (`kill -9`) while its create is under way
    (GPTunnel has made the task and is slow to answer). The next process finds it cut off a
    second time."""
    tg, gpt = env.telegram, env.gptunnel
    gpt.lose_next_create_answer(delay=5.0, times=2)
    for _ in range(2):
        made = len(gpt.creates) + 1  # the restart may send it before start() returns
        process = bot_process()
        await process.start()
        if not env.rows():
            ask()
        await tg.wait_until(lambda: len(gpt.creates) == made, timeout=20)  # noqa: B023
        await process.kill9()
