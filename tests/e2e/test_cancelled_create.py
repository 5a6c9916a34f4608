"""A create call cut short by shutdown: back to `new` if nothing left, else left `submitting`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.app import Parts, build_parts
from bot.gptunnel import GPTunnelClient
from bot.ops.metrics import Metrics
from storage import Created, NewTask, TaskState
from storage.sqlite import SqliteDatabase
from tests.e2e.conftest import API_KEY, Env


@pytest.fixture
async def services(env: Env) -> AsyncIterator[Parts]:
    settings = env.settings()
    db = SqliteDatabase(settings.database_path)
    await db.connect()
    # One connection: a second create waits for it inside the client, unsent.
    client = GPTunnelClient(env.gptunnel.base_url, API_KEY, intake_connections=1)
    bot = Bot("42:TEST_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
    yield build_parts(settings, db=db, bot=bot, gptunnel=client, metrics=Metrics())
    await client.aclose()
    await bot.session.close()
    await db.close()


async def new_task(services: Parts, n: int) -> int:
    new = NewTask(
        None, 700 + n, 700 + n, n, None, f"prompt {n}", "yandex-art", "2026-01-01", 0.0, 1e12
    )
    outcome = await services.tasks.intake.create(new)
    assert isinstance(outcome, Created)
    return outcome.task.id


async def test_cancelled_before_sending_goes_back_to_new_else_stays_submitting(
    env: Env, services: Parts
) -> None:
    gpt = env.gptunnel
    gpt.fail_next("create", delay=10.0)  # the first create holds the only connection
    first, second = await new_task(services, 1), await new_task(services, 2)
    sent = asyncio.create_task(services.submitter.submit(first))
    await env.telegram.wait_until(lambda: len(gpt.creates) == 1)  # it reached GPTunnel
    waiting = asyncio.create_task(services.submitter.submit(second))
    await asyncio.sleep(0.2)  # claimed, and queued for the connection
    assert (await services.tasks.steps.get(second)).state is TaskState.SUBMITTING  # type: ignore[union-attr]

    for worker in (sent, waiting):
        worker.cancel()
    await asyncio.gather(sent, waiting, return_exceptions=True)

    reached = await services.tasks.steps.get(first)
    unsent = await services.tasks.steps.get(second)
    assert reached is not None and reached.state is TaskState.SUBMITTING  # may exist upstream
    assert unsent is not None and unsent.state is TaskState.NEW  # provably never left
    assert unsent.charged and unsent.failure is None
    assert len(gpt.creates) == 1
