"""A create call cut short by shutdown: back to `new` if nothing left, else left `submitting`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot

from bot.delivery import Delivery
from bot.generation import GenerationService, Person
from bot.gptunnel import GPTunnelClient
from bot.telegram_out import Sender
from storage import Database, TaskState, TaskStore, UserRepository
from tests.e2e.conftest import API_KEY, Env


@dataclass
class Services:
    generation: GenerationService
    tasks: TaskStore


@pytest.fixture
async def services(env: Env) -> AsyncIterator[Services]:
    settings = env.settings()
    db = Database(settings.database_path)
    await db.connect()
    tasks = TaskStore.over(db)
    # One connection: a second create waits for it inside the client, unsent.
    client = GPTunnelClient(env.gptunnel.base_url, API_KEY, intake_connections=1)
    bot = Bot("42:TEST")
    delivery = Delivery(bot=bot, sender=Sender(bot), tasks=tasks, gptunnel=client)
    generation = GenerationService(
        settings=settings, tasks=tasks, users=UserRepository(db), gptunnel=client, delivery=delivery
    )
    yield Services(generation, tasks)
    await client.aclose()
    await bot.session.close()
    await db.close()


async def new_task(services: Services, n: int) -> int:
    outcome = await services.generation.request(
        Person(id=700 + n), chat_id=700 + n, message_id=n, thread_id=None, prompt=f"prompt {n}"
    )
    return outcome.task.id  # type: ignore[union-attr]


async def test_cancelled_before_sending_goes_back_to_new_else_stays_submitting(
    env: Env, services: Services
) -> None:
    gpt = env.gptunnel
    gpt.fail_next("create", delay=10.0)  # the first create holds the only connection
    first, second = await new_task(services, 1), await new_task(services, 2)
    sent = asyncio.create_task(services.generation.submit(first))
    await env.telegram.wait_until(lambda: len(gpt.creates) == 1)  # it reached GPTunnel
    waiting = asyncio.create_task(services.generation.submit(second))
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
