"""Self-tests of the fake upstream services, through real HTTP.

The end-to-end tests trust these fakes to answer like Telegram and GPTunnel do; these tests pin
that behaviour down (shapes, error texts, long polling, fault injection). The fake Telegram's
own self-tests are in ``test_fake_telegram*.py``.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.fakes import FakeGPTunnel

KEY = "gpt-test-key"


@pytest.fixture
async def gpt() -> AsyncIterator[FakeGPTunnel]:
    async with FakeGPTunnel(KEY, default_duration=0.15) as fake:
        yield fake


@pytest.fixture
async def gpt_http(gpt: FakeGPTunnel) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": KEY}
    async with httpx.AsyncClient(base_url=gpt.base_url, headers=headers) as client:
        yield client


# ------------------------------------------------------------------------------ FakeGPTunnel


async def test_task_lifecycle_and_file(gpt: FakeGPTunnel, gpt_http: httpx.AsyncClient) -> None:
    gpt.rule("wide", image_size=(320, 180))
    created = (
        await gpt_http.post(
            "/v1/media/create", json={"model": "yandex-art", "prompt": "a wide cat"}
        )
    ).json()
    assert created["code"] == 0 and created["status"] == "idle" and created["url"] is None
    task_id = created["id"]
    assert len(task_id) == 24 and int(task_id, 16) >= 0
    statuses: list[dict[str, Any]] = []
    while not statuses or statuses[-1]["status"] != "done":
        resp = await gpt_http.post("/v1/media/result", json={"task_id": task_id})
        statuses.append(resp.json())
        await asyncio.sleep(0.05)
    assert {"idle", "processing", "done"} >= {s["status"] for s in statuses}
    assert "processing" in {s["status"] for s in statuses}
    url = statuses[-1]["url"]
    assert url == f"{gpt.base_url}/files/{task_id}_yandex-art_result.webp"
    by_get = (await gpt_http.get("/v1/media/result", params={"task_id": task_id})).json()
    assert by_get["url"] == url
    assert gpt.result_polls(task_id) == len(statuses) + 1

    file = await gpt_http.get(url)
    assert file.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(file.content)) as img:
        assert (img.format, img.size) == ("WEBP", (320, 180))
    gpt.expire(task_id)
    assert (await gpt_http.get(url)).status_code == 404
    assert gpt.downloads == [f"{task_id}_yandex-art_result.webp"]
    assert set(gpt.auth_headers_seen) == {KEY}


async def test_api_error_codes(gpt: FakeGPTunnel, gpt_http: httpx.AsyncClient) -> None:
    async def create(body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        resp = await gpt_http.post("/v1/media/create", json=body, **kw)
        assert resp.status_code == 200  # the media API reports errors in the body
        result: dict[str, Any] = resp.json()
        return result

    art = {"model": "yandex-art"}
    assert (await create({**art, "prompt": "x"}, headers={"Authorization": f"Bearer {KEY}"})) == {
        "code": 2,
        "error": "invalid token",
    }
    assert (await create(art))["code"] == 3
    assert (await create({"model": "dall-e-9", "prompt": "x"}))["code"] == 3
    assert (await create({**art, "prompt": "x" * 501}))["code"] == 3
    gpt.rule("nsfw", create_code=1002)
    assert (await create({**art, "prompt": "NSFW please"}))["code"] == 1002
    gpt.rule("broken", final_status="failed", duration=0)
    failed = await create({**art, "prompt": "broken thing"})
    poll = await gpt_http.post("/v1/media/result", json={"task_id": failed["id"]})
    assert (poll.json()["status"], poll.json()["url"]) == ("failed", None)
    gpt.rule("instant", done_on_create=True)
    assert (await create({**art, "prompt": "instant cat"}))["status"] == "done"
    unknown = await gpt_http.post("/v1/media/result", json={"task_id": "0" * 24})
    assert unknown.json() == {"code": 4, "error": "record not found"}
    gpt.set_balance(0)
    assert (await create({**art, "prompt": "cat"}))["code"] == 5
    bad_balance = await gpt_http.get("/v1/balance", headers={"Authorization": "nope"})
    assert bad_balance.status_code == 401
    assert bad_balance.json()["error"]["type"] == "unauthorized_request_error"
    assert (await gpt_http.get("/v1/balance")).json()["balance"] == 0


async def test_transport_faults(gpt: FakeGPTunnel, gpt_http: httpx.AsyncClient) -> None:
    body = {"model": "yandex-art", "prompt": "cat"}
    gpt.fail_next("create", http_status=502)
    gpt.fail_next("create", code=6)
    gpt.fail_next("create", drop=True)
    gpt.fail_next("create", delay=0.15)
    gateway = await gpt_http.post("/v1/media/create", json=body)
    assert gateway.status_code == 502 and "Bad Gateway" in gateway.text
    assert (await gpt_http.post("/v1/media/create", json=body)).json()["code"] == 6
    with pytest.raises(httpx.RemoteProtocolError):
        await gpt_http.post("/v1/media/create", json=body)
    with pytest.raises(httpx.ReadTimeout):
        await gpt_http.post("/v1/media/create", json=body, timeout=0.05)
    assert gpt.tasks == {}
    assert (await gpt_http.post("/v1/media/create", json=body)).json()["code"] == 0
    # A delayed answer is still an answer: the timed-out create lands upstream too.
    await asyncio.sleep(0.15)
    assert len(gpt.tasks) == 2

    gpt.reset_max_in_flight()
    gpt.fail_next("balance", delay=0.1, times=3)
    answers = await asyncio.gather(*(gpt_http.get("/v1/balance") for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert gpt.max_in_flight >= 3
