"""GPTunnelClient against httpx.MockTransport: requests, answers and the error taxonomy."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.gptunnel import (
    ErrorKind,
    GPTunnelClient,
    GPTunnelError,
    MediaTask,
    Progress,
    kind_for_code,
    progress_of,
)

API_KEY = "sk-test-SECRET-0123456789abcdef"
BASE = "https://api.test"
TASK_ID = "687fc3298a5526000178d77d"
IMAGE_URL = f"https://files.test/{TASK_ID}_yandex-art_result.webp"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that records requests and answers with a scripted function."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[[Handler], tuple[GPTunnelClient, Recorder]]]:
    clients: list[GPTunnelClient] = []

    def make(answer: Handler) -> tuple[GPTunnelClient, Recorder]:
        recorder = Recorder(answer)
        client = GPTunnelClient(BASE, API_KEY, transport=httpx.MockTransport(recorder))
        clients.append(client)
        return client, recorder

    yield make
    for client in clients:
        await client.aclose()


def ok_task(status: str = "idle", url: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "code": 0,
        "id": TASK_ID,
        "model": "yandex-art",
        "prompt": "Жигули",
        "created_at": 1753203497,
        "status": status,
        "url": url,
        **extra,
    }


def json_answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def assert_no_key(exc: BaseException) -> None:
    assert API_KEY not in str(exc)
    assert API_KEY not in repr(exc)


# --- requests ------------------------------------------------------------------------------


async def test_create_sends_model_and_prompt_with_bare_key(make_client) -> None:
    client, rec = make_client(json_answer(ok_task()))
    task = await client.create("yandex-art", "Жигули")

    assert len(rec.requests) == 1
    request = rec.requests[0]
    assert request.method == "POST"
    assert request.url == httpx.URL(f"{BASE}/v1/media/create")
    assert request.headers["Authorization"] == API_KEY
    assert "bearer" not in request.headers["Authorization"].lower()
    assert request.headers["Content-Type"].startswith("application/json")
    assert json.loads(request.content) == {"model": "yandex-art", "prompt": "Жигули"}

    assert task == MediaTask(id=TASK_ID, status="idle", url=None)
    assert task.progress is Progress.RUNNING


async def test_base_url_trailing_slash_is_ignored() -> None:
    rec = Recorder(json_answer(ok_task()))
    client = GPTunnelClient(BASE + "/", API_KEY, transport=httpx.MockTransport(rec))
    try:
        await client.create("yandex-art", "cat")
    finally:
        await client.aclose()
    assert rec.requests[0].url.path == "/v1/media/create"


async def test_result_sends_task_id(make_client) -> None:
    client, rec = make_client(json_answer(ok_task("done", IMAGE_URL)))
    task = await client.result(TASK_ID)

    request = rec.requests[0]
    assert request.method == "POST"
    assert request.url == httpx.URL(f"{BASE}/v1/media/result")
    assert request.headers["Authorization"] == API_KEY
    assert json.loads(request.content) == {"task_id": TASK_ID}
    assert task == MediaTask(id=TASK_ID, status="done", url=IMAGE_URL)
    assert task.progress is Progress.DONE


async def test_result_without_id_in_answer_keeps_the_known_id(make_client) -> None:
    client, _ = make_client(json_answer({"code": 0, "status": "processing", "url": None}))
    task = await client.result(TASK_ID)
    assert task.id == TASK_ID
    assert task.progress is Progress.RUNNING


async def test_create_done_at_once_with_url(make_client) -> None:
    client, _ = make_client(json_answer(ok_task("done", IMAGE_URL)))
    task = await client.create("seedream-4", "cat")
    assert task.progress is Progress.DONE
    assert task.url == IMAGE_URL


async def test_create_answer_without_id_is_fatal(make_client) -> None:
    client, _ = make_client(json_answer({"code": 0, "status": "idle"}))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert info.value.kind is ErrorKind.FATAL


async def test_redirect_to_another_host_does_not_carry_the_key(make_client) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.test":
            return httpx.Response(
                307, headers={"Location": "https://elsewhere.test/v1/media/create"}
            )
        return httpx.Response(200, json=ok_task())

    client, rec = make_client(answer)
    await client.create("yandex-art", "cat")
    assert [r.url.host for r in rec.requests] == ["api.test", "elsewhere.test"]
    assert "authorization" not in rec.requests[1].headers


# --- error codes inside HTTP 200 -------------------------------------------------------------

CODE_KINDS = [
    (1, ErrorKind.TRANSIENT),
    (2, ErrorKind.UNAVAILABLE),
    (3, ErrorKind.REJECTED),
    (4, ErrorKind.NOT_FOUND),
    (5, ErrorKind.UNAVAILABLE),
    (6, ErrorKind.TRANSIENT),
    (7, ErrorKind.UNAVAILABLE),
    (99, ErrorKind.FATAL),
    (500, ErrorKind.TRANSIENT),
    (1001, ErrorKind.MODERATION),
    (1002, ErrorKind.MODERATION),
    (8, ErrorKind.FATAL),
    (42, ErrorKind.FATAL),
    (-1, ErrorKind.FATAL),
]


@pytest.mark.parametrize(("code", "kind"), CODE_KINDS)
def test_kind_for_code(code: int, kind: ErrorKind) -> None:
    assert kind_for_code(code) is kind


@pytest.mark.parametrize(("code", "kind"), CODE_KINDS)
async def test_error_code_in_http_200_on_create(make_client, code: int, kind: ErrorKind) -> None:
    client, _ = make_client(json_answer({"code": code, "error": f"problem {code}"}))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    exc = info.value
    assert exc.kind is kind
    assert exc.code == code
    assert f"problem {code}" in str(exc)
    assert exc.may_have_reached is False
    assert_no_key(exc)


@pytest.mark.parametrize(("code", "kind"), CODE_KINDS)
async def test_error_code_in_http_200_on_result(make_client, code: int, kind: ErrorKind) -> None:
    client, _ = make_client(json_answer({"code": code, "message": "nope"}))
    with pytest.raises(GPTunnelError) as info:
        await client.result(TASK_ID)
    assert info.value.kind is kind
    assert info.value.code == code


async def test_code_zero_is_success(make_client) -> None:
    client, _ = make_client(json_answer(ok_task()))
    task = await client.create("yandex-art", "cat")
    assert task.id == TASK_ID


async def test_missing_code_is_success(make_client) -> None:
    body = ok_task()
    del body["code"]
    client, _ = make_client(json_answer(body))
    assert (await client.create("yandex-art", "cat")).id == TASK_ID


async def test_code_as_string_is_understood(make_client) -> None:
    client, _ = make_client(json_answer({"code": "1001", "error": "sensitive"}))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert info.value.kind is ErrorKind.MODERATION
    assert info.value.code == 1001


async def test_unparsable_code_is_fatal(make_client) -> None:
    client, _ = make_client(json_answer({"code": "weird", "error": "?"}))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert info.value.kind is ErrorKind.FATAL


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"code": 3, "error": "prompt is required"}, "prompt is required"),
        ({"code": 3, "message": "prompt is required"}, "prompt is required"),
        (
            {"code": 3, "error": {"message": "prompt is required", "type": "x"}},
            "prompt is required",
        ),
        ({"code": 3, "error": {"error": "prompt is required"}}, "prompt is required"),
        ({"code": 3}, "no error text"),
    ],
)
async def test_error_text_is_read_defensively(make_client, body: dict[str, Any], text: str) -> None:
    client, _ = make_client(json_answer(body))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert info.value.kind is ErrorKind.REJECTED
    assert text in str(info.value)


async def test_long_error_text_is_cut(make_client) -> None:
    client, _ = make_client(json_answer({"code": 1, "error": "x" * 5000}))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert len(str(info.value)) < 400


# --- HTTP statuses and broken answers --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (500, ErrorKind.TRANSIENT),
        (502, ErrorKind.TRANSIENT),
        (503, ErrorKind.TRANSIENT),
        (504, ErrorKind.TRANSIENT),
        (429, ErrorKind.TRANSIENT),
        (401, ErrorKind.UNAVAILABLE),
        (402, ErrorKind.UNAVAILABLE),
        (403, ErrorKind.UNAVAILABLE),
        (404, ErrorKind.NOT_FOUND),
        (400, ErrorKind.REJECTED),
    ],
)
async def test_http_error_status(make_client, status: int, kind: ErrorKind) -> None:
    client, _ = make_client(lambda request: httpx.Response(status, text="<html>proxy</html>"))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    exc = info.value
    assert exc.kind is kind
    assert exc.http_status == status
    assert exc.code is None
    assert f"HTTP {status}" in str(exc)
    assert_no_key(exc)


async def test_http_error_with_openai_style_body(make_client) -> None:
    body = {"error": {"message": "Unauthorized", "type": "unauthorized_request_error"}}
    client, _ = make_client(json_answer(body, status=401))
    with pytest.raises(GPTunnelError) as info:
        await client.result(TASK_ID)
    assert info.value.kind is ErrorKind.UNAVAILABLE
    assert "Unauthorized" in str(info.value)


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: httpx.Response(200, text="<html>not json</html>"),
        lambda request: httpx.Response(200, content=b""),
        lambda request: httpx.Response(200, json=[1, 2, 3]),
        lambda request: httpx.Response(200, json="done"),
        lambda request: httpx.Response(200, json=None),
    ],
    ids=["html", "empty", "list", "string", "null"],
)
async def test_answer_that_is_not_a_json_object_is_transient(make_client, answer: Handler) -> None:
    client, _ = make_client(answer)
    with pytest.raises(GPTunnelError) as info:
        await client.result(TASK_ID)
    assert info.value.kind is ErrorKind.TRANSIENT
    assert_no_key(info.value)


# --- transport failures ----------------------------------------------------------------------


def raising(exc_type: type[httpx.TransportError]) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type(f"failed talking to {request.url}", request=request)

    return answer


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_connect_failure_is_transient_and_never_reached(make_client, exc_type) -> None:
    client, _ = make_client(raising(exc_type))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    exc = info.value
    assert exc.kind is ErrorKind.TRANSIENT
    assert exc.may_have_reached is False
    assert_no_key(exc)


@pytest.mark.parametrize(
    "exc_type", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError]
)
async def test_failure_after_sending_is_transient_and_may_have_reached(
    make_client, exc_type
) -> None:
    client, _ = make_client(raising(exc_type))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    exc = info.value
    assert exc.kind is ErrorKind.TRANSIENT
    assert exc.may_have_reached is True
    assert_no_key(exc)


# --- statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "progress"),
    [
        ("done", Progress.DONE),
        ("DONE", Progress.DONE),
        (" done ", Progress.DONE),
        ("idle", Progress.RUNNING),
        ("processing", Progress.RUNNING),
        ("running", Progress.RUNNING),
        ("queued", Progress.RUNNING),
        ("something-new", Progress.RUNNING),
        ("", Progress.RUNNING),
        (None, Progress.RUNNING),
        ("failed", Progress.FAILED),
        ("error", Progress.FAILED),
        ("fail", Progress.FAILED),
        ("canceled", Progress.FAILED),
        ("cancelled", Progress.FAILED),
        ("Failed", Progress.FAILED),
    ],
)
def test_progress_of(status: str | None, progress: Progress) -> None:
    assert progress_of(status) is progress


def test_done_without_url_is_still_running() -> None:
    assert MediaTask(id=TASK_ID, status="done", url=None).progress is Progress.RUNNING
    assert MediaTask(id=TASK_ID, status="done", url="").progress is Progress.RUNNING
    assert MediaTask(id=TASK_ID, status="done", url=IMAGE_URL).progress is Progress.DONE


def test_failed_without_url_is_failed() -> None:
    assert MediaTask(id=TASK_ID, status="failed", url=None).progress is Progress.FAILED


async def test_result_done_with_null_url_is_running(make_client) -> None:
    client, _ = make_client(json_answer(ok_task("done", None)))
    task = await client.result(TASK_ID)
    assert task.url is None
    assert task.progress is Progress.RUNNING


# --- download ----------------------------------------------------------------------------------


async def test_download_returns_bytes_without_the_api_key(make_client) -> None:
    payload = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(range(256)) * 10
    client, rec = make_client(lambda request: httpx.Response(200, content=payload))
    data = await client.download(IMAGE_URL, max_bytes=1_000_000)

    assert data == payload
    assert len(rec.requests) == 1
    request = rec.requests[0]
    assert request.method == "GET"
    assert request.url == httpx.URL(IMAGE_URL)
    assert "authorization" not in request.headers
    assert API_KEY not in str(request.headers)
    assert API_KEY not in str(request.url)


async def test_download_on_the_api_host_still_sends_no_key(make_client) -> None:
    client, rec = make_client(lambda request: httpx.Response(200, content=b"img"))
    await client.download(f"{BASE}/files/{TASK_ID}.webp", max_bytes=100)
    assert "authorization" not in rec.requests[0].headers


async def test_download_exactly_max_bytes_is_allowed(make_client) -> None:
    client, _ = make_client(lambda request: httpx.Response(200, content=b"x" * 1000))
    assert len(await client.download(IMAGE_URL, max_bytes=1000)) == 1000


async def test_download_refuses_more_than_max_bytes(make_client) -> None:
    client, _ = make_client(lambda request: httpx.Response(200, content=b"x" * 1001))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=1000)
    assert info.value.kind is ErrorKind.REJECTED


async def test_download_refuses_a_large_streamed_body(make_client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"y" * 1024

    client, _ = make_client(lambda request: httpx.Response(200, content=chunks()))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=10 * 1024)
    assert info.value.kind is ErrorKind.REJECTED


@pytest.mark.parametrize(
    ("status", "kind"),
    [(404, ErrorKind.NOT_FOUND), (403, ErrorKind.UNAVAILABLE), (503, ErrorKind.TRANSIENT)],
)
async def test_download_http_error(make_client, status: int, kind: ErrorKind) -> None:
    client, _ = make_client(lambda request: httpx.Response(status, text="gone"))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=1000)
    assert info.value.kind is kind
    assert info.value.http_status == status


async def test_download_transport_error_is_transient(make_client) -> None:
    client, _ = make_client(raising(httpx.ConnectError))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=1000)
    assert info.value.kind is ErrorKind.TRANSIENT
    assert_no_key(info.value)


async def test_download_follows_redirect_without_the_key(make_client) -> None:
    final = "https://cdn.test/final.webp"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url == httpx.URL(IMAGE_URL):
            return httpx.Response(302, headers={"Location": final})
        return httpx.Response(200, content=b"image")

    client, rec = make_client(answer)
    assert await client.download(IMAGE_URL, max_bytes=100) == b"image"
    assert [str(r.url) for r in rec.requests] == [IMAGE_URL, final]
    assert all("authorization" not in r.headers for r in rec.requests)


# --- balance -----------------------------------------------------------------------------------


async def test_balance_is_parsed(make_client) -> None:
    body = {"orgId": "org", "object": "balance", "balance": 1234.5, "creditLimit": 15000}
    client, rec = make_client(json_answer(body))
    assert await client.balance() == 1234.5
    request = rec.requests[0]
    assert request.method == "GET"
    assert request.url == httpx.URL(f"{BASE}/v1/balance")
    assert request.headers["Authorization"] == API_KEY


async def test_balance_as_string_is_parsed(make_client) -> None:
    client, _ = make_client(json_answer({"balance": "17.25"}))
    assert await client.balance() == 17.25


@pytest.mark.parametrize("body", [{"object": "balance"}, {"balance": None}, {"balance": "lots"}])
async def test_balance_missing_is_fatal(make_client, body: dict[str, Any]) -> None:
    client, _ = make_client(json_answer(body))
    with pytest.raises(GPTunnelError) as info:
        await client.balance()
    assert info.value.kind is ErrorKind.FATAL


async def test_balance_with_bad_key_is_unavailable(make_client) -> None:
    body = {"error": {"message": "Unauthorized", "type": "unauthorized_request_error"}}
    client, _ = make_client(json_answer(body, status=401))
    with pytest.raises(GPTunnelError) as info:
        await client.balance()
    assert info.value.kind is ErrorKind.UNAVAILABLE
    assert info.value.http_status == 401
    assert_no_key(info.value)


# --- the key never shows in an error -----------------------------------------------------------


def test_error_str_names_kind_and_code() -> None:
    exc = GPTunnelError(ErrorKind.MODERATION, "sensitive", code=1001)
    assert str(exc) == "moderation (code 1001): sensitive"
    exc = GPTunnelError(ErrorKind.TRANSIENT, "bad gateway", http_status=502)
    assert str(exc) == "transient (HTTP 502): bad gateway"


@pytest.mark.parametrize("status", [200, 401])
async def test_key_echoed_by_upstream_is_not_in_the_error(make_client, status: int) -> None:
    body = {"code": 2, "error": f"invalid token: {API_KEY}"}
    client, _ = make_client(json_answer(body, status=status))
    with pytest.raises(GPTunnelError) as info:
        await client.create("yandex-art", "cat")
    assert info.value.kind is ErrorKind.UNAVAILABLE
    assert_no_key(info.value)


# --- where a download may lead ----------------------------------------------------------------


def redirecting(hops: int, final: str = "https://cdn.test/final.webp") -> Handler:
    """A chain of `hops` redirects, then the picture (or wherever `final` points)."""

    def answer(request: httpx.Request) -> httpx.Response:
        step = int(request.url.params.get("hop", "0"))
        if str(request.url) != final and step < hops:
            nxt = f"https://cdn.test/hop?hop={step + 1}" if step + 1 < hops else final
            return httpx.Response(302, headers={"Location": nxt})
        return httpx.Response(200, content=b"image")

    return answer


async def test_download_follows_three_redirects(make_client) -> None:
    client, rec = make_client(redirecting(3))
    assert await client.download(IMAGE_URL, max_bytes=100) == b"image"
    assert len(rec.requests) == 4
    assert all("authorization" not in r.headers for r in rec.requests)


async def test_download_refuses_a_fourth_redirect(make_client) -> None:
    client, rec = make_client(redirecting(4))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=100)
    assert info.value.kind is ErrorKind.REJECTED  # not retried: it will not get shorter
    assert len(rec.requests) == 4


@pytest.mark.parametrize("target", ["ftp://files.test/x.webp", "file:///etc/passwd"])
async def test_download_never_leaves_http(make_client, target: str) -> None:
    client, rec = make_client(redirecting(1, final=target))
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=100)
    assert info.value.kind is ErrorKind.REJECTED
    assert [r.url.scheme for r in rec.requests] == ["https"]
    with pytest.raises(GPTunnelError) as direct:
        await client.download(target, max_bytes=100)
    assert direct.value.kind is ErrorKind.REJECTED


async def test_download_refuses_a_declared_size_before_reading(make_client) -> None:
    client, _ = make_client(
        lambda request: httpx.Response(200, headers={"Content-Length": "5000"}, content=b"x" * 5000)
    )
    with pytest.raises(GPTunnelError) as info:
        await client.download(IMAGE_URL, max_bytes=1000)
    assert info.value.kind is ErrorKind.REJECTED
