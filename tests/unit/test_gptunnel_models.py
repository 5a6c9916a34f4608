"""The client sends what the catalogue says each model takes, and the fake GPTunnel (which
holds the documented parameters) takes every such request; `cost` is read as a number or a
string."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.gptunnel import ErrorKind, GPTunnelClient, GPTunnelError
from bot.gptunnel.media import cost_of
from bot.models.builtin import BUILTIN
from bot.models.catalogue import ModelInfo
from tests.fakes import FakeGPTunnel

KEY = "test-key-for-models"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGPTunnel]:
    async with FakeGPTunnel(KEY, default_duration=0.0) as server:
        yield server


@pytest.fixture
async def client(fake: FakeGPTunnel) -> AsyncIterator[GPTunnelClient]:
    gptunnel = GPTunnelClient(fake.base_url, KEY)
    yield gptunnel
    await gptunnel.aclose()


@pytest.mark.parametrize("model", BUILTIN.models, ids=lambda m: m.id)
async def test_every_ratio_of_every_model_is_taken(
    fake: FakeGPTunnel, client: GPTunnelClient, model: ModelInfo
) -> None:
    for ratio in (None, *model.ratios):
        options = model.create_options(ratio)
        await client.create(model.id, "a fox", ar=options.ar, images=options.images)
    sent = [(c["model"], c["ar"]) for c in fake.creates]
    assert sent == [(model.id, None)] + [(model.id, r) for r in model.ratios]
    assert all(c["code"] == 0 for c in fake.creates)
    # No `ar` key at all when none is asked for (yandex-art refuses the key itself).
    assert "ar" not in (fake.creates[0]["body"] or {})


async def test_what_a_model_does_not_take_is_refused_upstream(client: GPTunnelClient) -> None:
    with pytest.raises(GPTunnelError) as refused:
        await client.create("yandex-art", "a fox", ar="16:9")
    assert refused.value.kind is ErrorKind.REJECTED
    with pytest.raises(GPTunnelError):
        await client.create("flux-dev", "a fox", images=["http://127.0.0.1:9/x.png"])


@pytest.mark.parametrize("as_string", [False, True])
async def test_the_cost_of_a_finished_task_is_read(
    fake: FakeGPTunnel, client: GPTunnelClient, as_string: bool
) -> None:
    fake.cost_as_string = as_string
    fake.set_price("flux-dev", 4.5)
    started = await client.create("flux-dev", "a fox")
    assert started.cost == 4.5  # done at once (duration 0): the create's answer says it too
    await asyncio.sleep(0.01)
    done = await client.result(started.id)
    assert done.cost == 4.5
    fake.set_price("flux-dev", None)
    unpriced = await client.create("flux-dev", "a fox")
    await asyncio.sleep(0.01)
    assert (await client.result(unpriced.id)).cost is None


@pytest.mark.parametrize(
    ("value", "cost"),
    [
        (1.5, 1.5),
        (2, 2.0),
        ("1.25", 1.25),
        (" 3,5 ", 3.5),
        ("free", None),
        ("", None),
        (None, None),
        (True, None),
        (-1, None),
        ("nan", None),
        ({"rub": 1}, None),
    ],
)
def test_cost_is_a_number_or_a_numeric_string(value: object, cost: float | None) -> None:
    assert cost_of(value) == cost
