"""The GPTunnel media API client: create, poll, download, balance; every failure raised as a
`GPTunnelError` (see errors.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from bot.gptunnel.budget import PollBudget
from bot.gptunnel.errors import ErrorKind, GPTunnelError, kind_for_code, kind_for_http
from bot.gptunnel.media import MediaTask, cost_of
from bot.gptunnel.trace import SendTrace
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

# Redirects followed to reach a finished picture; a chain longer than this is refused.
MAX_REDIRECTS = 3


async def _only_http(request: httpx.Request) -> None:
    # Every hop of a download, redirects included: ftp://, file://… are never fetched, and
    # retrying will not change where the link leads.
    if request.url.scheme not in ("http", "https"):
        raise GPTunnelError(ErrorKind.REJECTED, "image link leads off http(s)")


def _error_text(body: dict[str, Any]) -> str:
    # Undocumented: seen as `error`, `message`, or an object holding `message`.
    for key in ("error", "message", "detail"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("error")
        if value:
            return str(value)[:300]
    return "no error text"


class GPTunnelClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        poll_rps: float = 25.0,
        max_connections: int = 10,
        intake_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._api_key = api_key
        self._metrics = metrics or Metrics()
        # httpx's own transport (httpcore) reports each step of a request through `trace`.
        self._traceable = transport is None
        headers = {"Authorization": api_key, "Accept": "application/json"}
        timeouts = httpx.Timeout(timeout, connect=10.0)

        def client(connections: int, **extra: object) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                timeout=timeouts,
                limits=httpx.Limits(
                    max_connections=connections, max_keepalive_connections=connections
                ),
                transport=transport,
                follow_redirects=True,
                **extra,  # type: ignore[arg-type]
            )

        # Intake has a pool of its own: a new prompt never waits behind polling.
        self._client = client(intake_connections, base_url=base_url.rstrip("/"), headers=headers)
        # Every poll shares one request budget and a capped pool, however many tasks are open.
        self._poll_client = client(max_connections, base_url=base_url.rstrip("/"), headers=headers)
        # Evenly spaced, and never more than poll_rps in any window of a little over a second.
        self._poll_budget = PollBudget(poll_rps)
        # Image links point at a file host: the API key must never travel there. A file host
        # that keeps redirecting is not serving a picture.
        self._files = client(
            max_connections,
            max_redirects=MAX_REDIRECTS,
            event_hooks={"request": [_only_http]},
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._poll_client.aclose()
        await self._files.aclose()

    def send_trace(self) -> SendTrace:
        return SendTrace(self._traceable)

    async def create(
        self,
        model: str,
        prompt: str,
        *,
        ar: str | None = None,
        images: Sequence[str] = (),
        trace: SendTrace | None = None,
    ) -> MediaTask:
        """Start a task. `ar` and `images` go only when given: models that do not take them
        refuse the keys themselves (see ModelInfo.create_options for what a model takes)."""
        request: dict[str, Any] = {"model": model, "prompt": prompt}
        if ar is not None:
            request["ar"] = ar
        if images:
            request["images"] = list(images)
        with self._counted("create"):
            body = await self._call("POST", "/v1/media/create", json=request, trace=trace)
            return self._task(body, None)

    async def result(self, task_id: str) -> MediaTask:
        with self._counted("result"):
            await self._poll_budget.acquire()
            body = await self._call(
                "POST", "/v1/media/result", json={"task_id": task_id}, client=self._poll_client
            )
            return self._task(body, task_id)

    async def balance(self) -> float:
        with self._counted("balance"):
            body = await self._call("GET", "/v1/balance", check_code=False)
        try:
            return float(body["balance"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GPTunnelError(ErrorKind.FATAL, "balance missing from answer") from exc

    async def download(self, url: str, *, max_bytes: int) -> bytes:
        """The finished image, read whole but never past max_bytes."""
        with self._counted("download"):
            return await self._download(url, max_bytes=max_bytes)

    @contextlib.contextmanager
    def _counted(self, endpoint: str) -> Iterator[None]:
        """One count per call: outcome `ok`, or the error kind that ended it."""
        try:
            yield
        except GPTunnelError as exc:
            self._metrics.gptunnel_requests.labels(endpoint, exc.kind.value).inc()
            raise
        self._metrics.gptunnel_requests.labels(endpoint, "ok").inc()

    async def _download(self, url: str, *, max_bytes: int) -> bytes:
        try:
            async with self._files.stream("GET", url) as resp:
                if resp.status_code != 200:
                    raise GPTunnelError(
                        kind_for_http(resp.status_code),
                        "image download refused",
                        http_status=resp.status_code,
                    )
                declared = resp.headers.get("content-length", "")
                if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
                    raise GPTunnelError(ErrorKind.REJECTED, "image larger than allowed")
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise GPTunnelError(ErrorKind.REJECTED, "image larger than allowed")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TooManyRedirects as exc:
            raise GPTunnelError(ErrorKind.REJECTED, "image link redirects too often") from exc
        except httpx.UnsupportedProtocol as exc:
            raise GPTunnelError(ErrorKind.REJECTED, "image link leads off http(s)") from exc
        except httpx.TransportError as exc:
            raise GPTunnelError(
                ErrorKind.TRANSIENT, f"download failed: {type(exc).__name__}"
            ) from exc

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        check_code: bool = True,
        trace: SendTrace | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> dict[str, Any]:
        extensions = {"trace": trace} if trace is not None else None
        try:
            resp = await (client or self._client).request(
                method, path, json=json, extensions=extensions
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left: always safe to try again.
            raise GPTunnelError(
                ErrorKind.TRANSIENT, f"cannot connect: {type(exc).__name__}", never_sent=True
            ) from exc
        except httpx.TransportError as exc:
            raise GPTunnelError(
                ErrorKind.TRANSIENT, f"no answer: {type(exc).__name__}", may_have_reached=True
            ) from exc
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code != 200:
            text = _error_text(body) if isinstance(body, dict) else resp.reason_phrase
            raise GPTunnelError(
                kind_for_http(resp.status_code), self._scrub(text), http_status=resp.status_code
            )
        if not isinstance(body, dict):
            raise GPTunnelError(ErrorKind.TRANSIENT, "answer is not a JSON object", http_status=200)
        if check_code:
            code = body.get("code", 0)
            if not isinstance(code, int):
                try:
                    code = int(code)
                except (TypeError, ValueError):
                    code = 99
            if code != 0:
                raise GPTunnelError(kind_for_code(code), self._scrub(_error_text(body)), code=code)
        return body

    def _scrub(self, text: str) -> str:
        # Upstream error texts may echo the key back ("invalid token: …").
        return text.replace(self._api_key, "***") if self._api_key else text

    @staticmethod
    def _task(body: dict[str, Any], known_id: str | None) -> MediaTask:
        task_id = body.get("id") or body.get("task_id") or known_id
        if not task_id:
            raise GPTunnelError(ErrorKind.FATAL, "answer carries no task id", http_status=200)
        url = body.get("url")
        return MediaTask(
            id=str(task_id),
            status=str(body.get("status") or ""),
            url=str(url) if url else None,
            cost=cost_of(body.get("cost")),
        )
