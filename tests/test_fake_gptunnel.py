"""Self-tests of the fake GPTunnel's newer controls, through real HTTP (httpx).

Model parameters and schema issues, reference images fetched before a task can finish, ``cost``,
every request recorded whole, result downloads that misbehave, a chosen port, and creates whose
answer is lost after the task was made. Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from PIL import Image

from tests.fakes.gptunnel import (
    BASIC_ASPECT_RATIOS,
    CROSS_ORIGIN,
    WIDE_ASPECT_RATIOS,
    Download,
    FakeGPTunnel,
    ModelSpec,
)

KEY = "gpt-test-key"


def png(size: tuple[int, int] = (32, 24)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buf, "PNG")
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Refs:
    """A local web server holding reference images (and things that are not)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.seen: list[str] = []
        self.gate = asyncio.Event()  # /gate.png answers once this is set
        self.gate_reached = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/cat.png", self._cat)
        app.router.add_get("/page.html", self._page)
        app.router.add_get("/hop", self._hop)
        app.router.add_get("/away", self._away)
        app.router.add_get("/gate.png", self._gate)
        app.router.add_get("/hang.png", self._hang)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _cat(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        return web.Response(body=png(), content_type="image/png")

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        return web.Response(text="<html><body>hello</body></html>", content_type="text/html")

    async def _hop(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        return web.Response(status=302, headers={"Location": "/cat.png"})

    async def _away(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        return web.Response(status=302, headers={"Location": "http://example.com/cat.png"})

    async def _gate(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        self.gate_reached.set()
        await self.gate.wait()
        return web.Response(body=png(), content_type="image/png")

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(request.path)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@pytest.fixture
async def refs() -> AsyncIterator[Refs]:
    server = Refs()
    await server.start()
    yield server
    server.gate.set()
    await server.stop()


@pytest.fixture
async def gpt() -> AsyncIterator[FakeGPTunnel]:
    async with FakeGPTunnel(KEY, default_duration=0.15) as fake:
        yield fake


@pytest.fixture
async def http(gpt: FakeGPTunnel) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gpt.base_url, headers={"Authorization": KEY}) as client:
        yield client


async def create(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    resp = await http.post("/v1/media/create", json=body)
    assert resp.status_code == 200  # the media API reports its errors in the body
    answer: dict[str, Any] = resp.json()
    return answer


async def poll(http: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await http.post("/v1/media/result", json={"task_id": task_id})).json()
    return answer


async def poll_until(
    http: httpx.AsyncClient, task_id: str, final: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(400):
        answer = await poll(http, task_id)
        if final(answer):
            return answer
        await asyncio.sleep(0.02)
    raise AssertionError(f"task {task_id} never got there: {answer}")


def finished(answer: dict[str, Any]) -> bool:
    return answer["status"] in ("done", "failed")


def issue_paths(answer: dict[str, Any]) -> list[list[Any]]:
    assert answer["code"] == 3, answer
    return [issue["path"] for issue in answer["issues"]]


# ------------------------------------------------------------------ per-model parameters


async def test_model_table_follows_the_docs(gpt: FakeGPTunnel) -> None:
    art = gpt.models["yandex-art"]
    assert (art.ar, art.max_images) == (None, 0)
    for model in ("gpt-image-1-low", "gpt-image-1-high"):
        assert gpt.models[model] == ModelSpec(ar=BASIC_ASPECT_RATIOS, max_images=None)
    for model in ("google-imagen-3", "flux-dev"):
        assert gpt.models[model] == ModelSpec(ar=WIDE_ASPECT_RATIOS, max_images=0)
    assert gpt.models["seedream-3"] == ModelSpec(
        ar=BASIC_ASPECT_RATIOS, max_images=1, images_replace_ar=True
    )
    # Models without a docs page keep the older, permissive behaviour.
    assert gpt.models["qwen-image"] == ModelSpec()


async def test_unknown_model_lists_every_model_id(
    gpt: FakeGPTunnel, http: httpx.AsyncClient
) -> None:
    answer = await create(http, model="dall-e-9", prompt="a cat")
    assert issue_paths(answer) == [["model"]]
    assert answer["issues"][0]["expected"] == list(gpt.models)
    assert "yandex-art" in answer["issues"][0]["expected"]
    empty = (await http.post("/v1/media/create", content=b"")).json()
    assert ["model"] in issue_paths(empty) and ["prompt"] in issue_paths(empty)
    model_issue = next(i for i in empty["issues"] if i["path"] == ["model"])
    assert set(model_issue["expected"]) == set(gpt.models)
    assert gpt.tasks == {}


async def test_the_model_table_is_per_instance() -> None:
    table = {"only-model": ModelSpec(ar=("1:1",), max_images=0)}
    async with (
        FakeGPTunnel(KEY, models=table) as fake,
        httpx.AsyncClient(base_url=fake.base_url, headers={"Authorization": KEY}) as client,
    ):
        refused = await create(client, model="yandex-art", prompt="cat")
        assert refused["issues"][0]["expected"] == ["only-model"]
        assert (await create(client, model="only-model", prompt="cat", ar="1:1"))["code"] == 0
        assert issue_paths(await create(client, model="only-model", prompt="c", ar="4:3")) == [
            ["ar"]
        ]
        fake.models["yandex-art"] = ModelSpec(ar=None, max_images=0)  # overridable any time
        assert (await create(client, model="yandex-art", prompt="cat"))["code"] == 0
    async with FakeGPTunnel(KEY, models={"flux-dev", "yandex-art"}) as named:
        assert set(named.models) == {"flux-dev", "yandex-art"}
        assert named.models["flux-dev"].ar == WIDE_ASPECT_RATIOS


@pytest.mark.parametrize(
    ("model", "ar", "accepted"),
    [
        ("yandex-art", "1:1", False),  # yandex-art takes no ar at all
        ("gpt-image-1-low", "16:9", True),
        ("gpt-image-1-high", "3:4", True),
        ("gpt-image-1-high", "21:9", False),
        ("google-imagen-3", "21:9", True),
        ("google-imagen-3", "9:21", True),
        ("flux-dev", "9:21", True),
        ("flux-dev", "5:4", False),
        ("seedream-3", "4:3", True),
        ("seedream-3", "21:9", False),
        ("qwen-image", "21:9", True),  # undocumented models: as before, any of the seven
        ("qwen-image", "2:1", False),
    ],
)
async def test_aspect_ratio_per_model(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, model: str, ar: str, accepted: bool
) -> None:
    answer = await create(http, model=model, prompt="a cat", ar=ar)
    if accepted:
        assert answer["code"] == 0
        assert gpt.tasks[answer["id"]].ar == ar
    else:
        assert issue_paths(answer) == [["ar"]]
        assert gpt.tasks == {}
        if gpt.models[model].ar is not None:
            assert answer["issues"][0]["expected"] == list(gpt.models[model].ar or ())


async def test_reference_images_per_model(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, refs: Refs
) -> None:
    cat = refs.url("/cat.png")
    for model in ("yandex-art", "google-imagen-3", "flux-dev"):
        assert issue_paths(await create(http, model=model, prompt="x", images=[cat])) == [
            ["images"]
        ]
    two = await create(http, model="seedream-3", prompt="x", images=[cat, cat])
    assert issue_paths(two) == [["images"]] and two["issues"][0]["maximum"] == 1
    assert issue_paths(await create(http, model="gpt-image-1-low", prompt="x", images=cat)) == [
        ["images"]
    ]
    assert gpt.tasks == {}

    several = await create(http, model="gpt-image-1-high", prompt="x", images=[cat, cat, cat])
    assert several["code"] == 0
    assert gpt.tasks[several["id"]].images == [cat, cat, cat]
    # seedream-3 with its one image ignores ar, even one it would otherwise refuse.
    edit = await create(http, model="seedream-3", prompt="x", images=[cat], ar="21:9")
    assert edit["code"] == 0
    task = gpt.tasks[edit["id"]]
    assert (task.ar, task.images, task.ar_ignored) == ("21:9", [cat], True)
    plain = gpt.tasks[(await create(http, model="seedream-3", prompt="x", ar="1:1"))["id"]]
    assert (plain.ar, plain.images, plain.ar_ignored) == ("1:1", None, False)


async def test_prompt_issues(http: httpx.AsyncClient) -> None:
    assert issue_paths(await create(http, model="yandex-art", prompt="x" * 501)) == [["prompt"]]
    assert issue_paths(await create(http, model="yandex-art", prompt="  ")) == [["prompt"]]
    assert (await create(http, model="flux-dev", prompt="x" * 501))["code"] == 0


# ------------------------------------------------------------------ reference images


async def test_reference_images_are_fetched_before_the_task_is_done(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, refs: Refs
) -> None:
    gpt.rule("slow refs", duration=0)  # due at once, but the fetches come first
    gate, cat, hop = refs.url("/gate.png"), refs.url("/cat.png"), refs.url("/hop")
    answer = await create(
        http, model="gpt-image-1-high", prompt="slow refs", images=[cat, hop, gate]
    )
    task = gpt.tasks[answer["id"]]
    await asyncio.wait_for(refs.gate_reached.wait(), 10)  # fetched in the background
    assert task.references_pending
    assert (await poll(http, task.id))["status"] == "processing"
    refs.gate.set()
    await gpt.wait_references(task.id)
    done = await poll(http, task.id)
    assert done["status"] == "done" and done["url"]
    assert task.reference_fetches == [
        (cat, 200, "image/png"),
        (hop, 302, None),
        (cat, 200, "image/png"),
        (gate, 200, "image/png"),
    ]
    assert gpt.reference_fetches == task.reference_fetches
    assert refs.seen == ["/cat.png", "/hop", "/cat.png", "/gate.png"]


async def test_stopping_the_fake_cuts_a_fetch_short(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, refs: Refs
) -> None:
    answer = await create(http, model="gpt-image-1-low", prompt="x", images=[refs.url("/gate.png")])
    await asyncio.wait_for(refs.gate_reached.wait(), 10)
    await gpt.stop()
    task = gpt.tasks[answer["id"]]
    assert (task.status(), task.reference_error) == ("failed", "interrupted: the fake stopped")


@pytest.mark.parametrize(
    ("where", "outcome"),
    [
        ("/page.html", "HTTP 200 but not an image"),
        ("/missing.png", 404),
        ("/away", "refused: host 'example.com' is not local"),
        ("https://example.com/cat.png", "refused: host 'example.com' is not local"),
        ("ftp://127.0.0.1/cat.png", "refused: scheme 'ftp'"),
        ("closed-port", "ClientConnectorError"),
    ],
)
async def test_a_bad_reference_image_fails_the_task(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, refs: Refs, where: str, outcome: int | str
) -> None:
    if where == "closed-port":
        url = f"http://127.0.0.1:{free_port()}/cat.png"
    elif where.startswith("/"):
        url = refs.url(where)
    else:
        url = where
    answer = await create(http, model="gpt-image-1-low", prompt="edit", images=[url])
    assert answer["code"] == 0  # accepted, then failed upstream
    await gpt.wait_references(answer["id"])
    failed = await poll_until(http, answer["id"], finished)
    assert (failed["status"], failed["url"]) == ("failed", None)
    last = gpt.reference_fetches[-1]
    assert last[1] == outcome if isinstance(outcome, int) else str(last[1]).startswith(outcome)
    assert gpt.tasks[answer["id"]].reference_error
    if where == "/away":  # the redirect was read, its foreign target never fetched
        assert [f[0] for f in gpt.reference_fetches] == [url, "http://example.com/cat.png"]


async def test_a_reference_image_that_never_comes_times_out(refs: Refs) -> None:
    async with (
        FakeGPTunnel(KEY, default_duration=0, reference_timeout=0.2) as fake,
        httpx.AsyncClient(base_url=fake.base_url, headers={"Authorization": KEY}) as client,
    ):
        hang = refs.url("/hang.png")
        answer = await create(client, model="gpt-image-1-low", prompt="x", images=[hang])
        await fake.wait_references(answer["id"])
        assert (await poll(client, answer["id"]))["status"] == "failed"
        assert fake.reference_fetches == [(hang, "TimeoutError", None)]


async def test_done_on_create_fetches_its_references_first(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, refs: Refs
) -> None:
    gpt.rule("instant", done_on_create=True)
    ok = await create(
        http, model="gpt-image-1-low", prompt="instant", images=[refs.url("/cat.png")]
    )
    assert ok["status"] == "done" and ok["url"]
    assert gpt.tasks[ok["id"]].reference_fetches == [(refs.url("/cat.png"), 200, "image/png")]
    bad = await create(
        http, model="gpt-image-1-low", prompt="instant", images=[refs.url("/page.html")]
    )
    assert (bad["status"], bad["url"]) == ("failed", None)


# ------------------------------------------------------------------ cost


async def test_cost_once_done(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    art = await create(http, model="yandex-art", prompt="a cat")
    assert "cost" not in art  # not done yet
    done = await poll_until(http, art["id"], finished)
    assert done["cost"] == 1.5  # the default price of yandex-art
    flux = await create(http, model="flux-dev", prompt="a cat")
    assert "cost" not in await poll_until(http, flux["id"], finished)  # no price set

    gpt.set_price("flux-dev", "2.40")  # the string form, as some answers carry it
    gpt.rule("instant", done_on_create=True)
    instant = await create(http, model="flux-dev", prompt="instant cat")
    assert (instant["status"], instant["cost"]) == ("done", "2.40")
    gpt.cost_as_string = True
    assert (await poll(http, art["id"]))["cost"] == "1.5"

    gpt.rule("broken", final_status="failed", duration=0)
    failed = await create(http, model="yandex-art", prompt="broken")
    assert "cost" not in await poll_until(http, failed["id"], finished)
    gpt.set_price("yandex-art", None)
    later = await create(http, model="yandex-art", prompt="instant again")
    assert "cost" not in later


async def test_prices_per_instance() -> None:
    async with (
        FakeGPTunnel(KEY, prices={"flux-dev": 4}, cost_as_string=True) as fake,
        httpx.AsyncClient(base_url=fake.base_url, headers={"Authorization": KEY}) as client,
    ):
        fake.rule("", done_on_create=True)
        assert (await create(client, model="flux-dev", prompt="x"))["cost"] == "4"
        assert "cost" not in await create(client, model="yandex-art", prompt="x")


# ------------------------------------------------------------------ every request recorded


async def test_every_request_is_recorded_whole(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    secret = "123456:TELEGRAM-secret"
    await http.post(
        "/v1/media/create?trace=on",
        json={"model": "yandex-art", "prompt": "a cat"},
        headers={"X-Request-Id": "r-1"},
    )
    await http.get("/v1/balance", params={"q": secret})
    await http.post("/v1/media/result", content=f"task={secret}".encode())
    await http.get(f"/v1/{secret.replace(':', '%3A')}")
    first = gpt.request_log[0]
    assert (first.method, first.path, first.query_string) == (
        "POST",
        "/v1/media/create",
        "trace=on",
    )
    assert first.raw_path == "/v1/media/create?trace=on"
    assert first.header("authorization") == KEY and first.header("x-request-id") == "r-1"
    assert json.loads(first.body) == {"model": "yandex-art", "prompt": "a cat"}
    assert not first.contains(secret)
    leaking = gpt.requests_containing(secret)
    assert [r.path for r in leaking] == ["/v1/balance", "/v1/media/result", f"/v1/{secret}"]
    assert len(gpt.request_log) == len(gpt.requests) == 4  # the older record still kept
    assert gpt.requests_containing(KEY) == gpt.request_log


# ------------------------------------------------------------------ downloads that misbehave


async def finished_task(gpt: FakeGPTunnel, http: httpx.AsyncClient, prompt: str = "cat") -> str:
    answer = await create(http, model="yandex-art", prompt=prompt)
    done = await poll_until(http, answer["id"], finished)
    assert done["status"] == "done"
    return str(answer["id"])


async def test_a_chain_of_redirects(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    task_id = await finished_task(gpt, http)
    gpt.set_download(task_id, Download(redirects=3))
    url = gpt.file_url(task_id)
    file = await http.get(url, follow_redirects=True)
    assert file.status_code == 200 and file.headers["content-type"] == "image/webp"
    assert [str(r.url) for r in file.history] == [url, f"{url}?hop=1", f"{url}?hop=2"]
    assert [d.answer for d in gpt.download_log] == [302, 302, 302, 200]
    assert all(d.authorized and d.task_id == task_id for d in gpt.download_log)
    assert gpt.tasks[task_id].downloads == 1
    async with httpx.AsyncClient() as bare:  # no key this time: recorded as such
        assert (await bare.get(url, follow_redirects=True)).status_code == 200
    assert [d.authorization for d in gpt.download_log[4:]] == [None] * 4


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/result.webp", "file:///etc/passwd"])
async def test_a_redirect_to_another_scheme(
    gpt: FakeGPTunnel, http: httpx.AsyncClient, target: str
) -> None:
    task_id = await finished_task(gpt, http)
    gpt.set_download(task_id, Download(redirects=1, redirect_to=target))
    hop = await http.get(gpt.file_url(task_id), follow_redirects=False)
    assert hop.status_code == 302
    last = await http.get(hop.headers["location"], follow_redirects=False)
    assert (last.status_code, last.headers["location"]) == (302, target)
    with pytest.raises(httpx.UnsupportedProtocol):
        await http.get(gpt.file_url(task_id), follow_redirects=True)
    assert gpt.tasks[task_id].downloads == 0


async def test_a_redirect_to_another_origin(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    gpt.rule("moved", download=Download(redirect_to=CROSS_ORIGIN))
    task_id = await finished_task(gpt, http, "moved cat")
    file = await http.get(gpt.file_url(task_id), follow_redirects=True)
    assert file.status_code == 200
    assert str(file.url).startswith(gpt.other_base_url) and gpt.other_base_url != gpt.base_url
    # httpx drops the key when the origin changes: the fake tells which request carried it.
    assert [(d.answer, d.authorized) for d in gpt.download_log] == [(302, True), (200, False)]
    elsewhere = f"http://localhost:{gpt.port}/files/x.webp"
    gpt.set_download(task_id, Download(redirect_to=elsewhere))
    hop = await http.get(gpt.file_url(task_id))
    assert hop.headers["location"] == elsewhere


async def test_a_page_instead_of_the_image(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    gpt.rule("cdn", download=Download.html_page())
    task_id = await finished_task(gpt, http, "cdn cat")
    page = await http.get(gpt.file_url(task_id))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.content.startswith(b"<!DOCTYPE html>")


async def test_bodies_larger_than_allowed(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    size = 3 * 2**20
    task_id = await finished_task(gpt, http)
    url = gpt.file_url(task_id)

    gpt.set_download(task_id, Download(size=size))
    honest = await http.get(url)
    assert int(honest.headers["content-length"]) == len(honest.content) == size
    assert honest.content[:4] == b"RIFF" and honest.content[8:12] == b"WEBP"  # a WebP, padded

    gpt.set_download(task_id, Download(size=size, content_length="chunked"))
    chunked = await http.get(url)
    assert "content-length" not in chunked.headers
    assert chunked.headers["transfer-encoding"] == "chunked" and len(chunked.content) == size

    gpt.set_download(task_id, Download(size=size, content_length="close"))
    unframed = await http.get(url)
    assert "content-length" not in unframed.headers and len(unframed.content) == size

    gpt.set_download(task_id, Download(size=size, content_length=1000))
    async with http.stream("GET", url) as lying:
        assert lying.headers["content-length"] == "1000"
        assert len(await lying.aread()) == 1000  # HTTP framing ends the body there

    gpt.set_download(task_id, Download(content_length=size))  # claims more than it sends
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(url)
    assert all(d.answer == 200 for d in gpt.download_log)
    assert gpt.tasks[task_id].downloads == 5


async def test_file_faults_still_apply_and_are_recorded(
    gpt: FakeGPTunnel, http: httpx.AsyncClient
) -> None:
    task_id = await finished_task(gpt, http)
    gpt.fail_next("file", http_status=503)
    gpt.fail_next("file", drop=True)
    assert (await http.get(gpt.file_url(task_id))).status_code == 503
    with pytest.raises(httpx.RemoteProtocolError):
        await http.get(gpt.file_url(task_id))
    assert [d.answer for d in gpt.download_log] == [503, "dropped"]


# ------------------------------------------------------------------ chosen port


async def test_start_on_a_chosen_port_and_again_after_stop() -> None:
    port = free_port()
    fake = FakeGPTunnel(KEY)
    assert await fake.start(port=port) == f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=fake.base_url, headers={"Authorization": KEY}) as client:
        task = await create(client, model="yandex-art", prompt="cat")
        await fake.stop()
        with pytest.raises(httpx.ConnectError):
            await client.get("/v1/balance")
        assert fake.port == port
        await fake.start(port=port)
        try:
            assert (await client.get("/v1/balance")).status_code == 200
            again = await poll_until(client, task["id"], finished)  # tasks survive a restart
            assert again["url"].startswith(f"http://127.0.0.1:{port}/")
        finally:
            await fake.stop()
    await fake.stop()  # stopping twice is harmless


# ------------------------------------------------------------------ lost create answers


async def test_a_create_whose_answer_is_dropped(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    gpt.lose_next_create_answer()
    with pytest.raises(httpx.RemoteProtocolError):
        await create(http, model="yandex-art", prompt="lost cat")
    (task,) = gpt.tasks_for_prompt("lost cat")  # it exists upstream all the same
    assert gpt.creates[-1]["id"] == task.id and gpt.creates[-1]["fault"]
    assert (await poll_until(http, task.id, finished))["status"] == "done"
    again = await create(http, model="yandex-art", prompt="lost cat")  # a retry makes another
    assert [t.id for t in gpt.tasks_for_prompt("lost cat")] == [task.id, again["id"]]
    assert gpt.tasks_for_prompt("lost") == []  # exact prompts only


async def test_a_create_whose_answer_comes_too_late(
    gpt: FakeGPTunnel, http: httpx.AsyncClient
) -> None:
    gpt.lose_next_create_answer(delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await http.post(
            "/v1/media/create", json={"model": "yandex-art", "prompt": "slow"}, timeout=0.1
        )
    assert len(gpt.tasks_for_prompt("slow")) == 1  # made before the client gave up

    # Without ``after`` a delay holds the request first: nothing exists while it waits.
    gpt.fail_next("create", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await http.post(
            "/v1/media/create", json={"model": "yandex-art", "prompt": "held"}, timeout=0.1
        )
    assert gpt.tasks_for_prompt("held") == []


async def test_after_faults_on_other_answers(gpt: FakeGPTunnel, http: httpx.AsyncClient) -> None:
    gpt.fail_next("create", http_status=502, after=True)
    gateway = await http.post("/v1/media/create", json={"model": "yandex-art", "prompt": "gw"})
    assert gateway.status_code == 502
    (task,) = gpt.tasks_for_prompt("gw")
    gpt.fail_next("result", code=1, after=True)
    assert (await poll(http, task.id))["code"] == 1
    assert task.polls == 1  # the poll was counted before its answer was replaced
