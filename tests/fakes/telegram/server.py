"""The HTTP server core: lifecycle (start/stop), the ``/bot<token>/<method>`` dispatch with its
token check, error answers and records, and fault injection (``fail_next``, ``delay``,
``stall_upload``).

Each mixin declares the Bot API methods it implements in ``_API`` (method name -> attribute);
the server collects them along the class hierarchy.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self

from aiohttp import web

from tests.fakes.telegram.files import DOCUMENT_MAX_BYTES
from tests.fakes.telegram.protocol import (
    ApiError,
    Handler,
    default_description,
    read_params,
)
from tests.fakes.telegram.state import TelegramState


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for start(port=...))."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_url(port: int) -> str:
    """The base URL of a fake listening on ``port`` (it may not be listening yet)."""
    return f"http://127.0.0.1:{port}"


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int
    body: str | None


class ServerMixin(TelegramState):
    """Serves the Bot API over HTTP on 127.0.0.1."""

    _API: ClassVar[dict[str, str]] = {}

    def _init_state(self) -> None:
        super()._init_state()
        self.count_429 = 0
        self.count_409 = 0
        self.port: int | None = None  # where it listens (or last listened)
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._upload_stalls: dict[str, float] = {}
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = {}
        for klass in reversed(type(self).__mro__):
            for method, attr in vars(klass).get("_API", {}).items():
                self._handlers[method] = getattr(self, attr)
        # Telegram method names are case-insensitive.
        self._by_lower.update({name.lower(): name for name in self._handlers})

    # ---------------------------------------------------------------- lifecycle

    async def start(self, port: int | None = None) -> str:
        """Listen on 127.0.0.1:``port`` (a free port when None); returns the base URL.

        A stopped fake may start again, on the same port or another, keeping its state.
        """
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running")
        app = web.Application(client_max_size=DOCUMENT_MAX_BYTES * 2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)  # see files.py
        self._stopping = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or 0)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        self.base_url = base_url(self.port)
        return self.base_url

    async def stop(self) -> None:
        """Stop listening (the port refuses connections); pending long polls answer at once."""
        self._stopping = True
        self._notify()
        await self._on_stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def api_server(self) -> Any:
        """aiogram's ``TelegramAPIServer`` pointing at this fake (after start())."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    # ---------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
        body: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` fail with ``status``.

        429 answers carry ``parameters.retry_after`` (default 1 s); ``body`` replaces the JSON
        body entirely (e.g. an HTML page from a proxy).
        """
        name = self._canonical(method)
        if status == 429 and retry_after is None:
            retry_after = 1
        if not description:
            description = default_description(status, retry_after)
        self._faults.setdefault(name, deque()).append(
            _Fault(status, description, retry_after, times, body)
        )

    def stall_upload(self, method: str, seconds: float) -> None:
        """Hold calls of `method` before reading their body (a slow upload); 0 removes it."""
        canonical = self._canonical(method)
        if seconds > 0:
            self._upload_stalls[canonical] = seconds
        else:
            self._upload_stalls.pop(canonical, None)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` only after ``seconds`` (0 removes the delay)."""
        self._delays[self._canonical(method)] = seconds

    def _canonical(self, method: str) -> str:
        name = self._by_lower.get(method.lower())
        if name is None:
            raise ValueError(f"FakeTelegram does not implement {method!r}")
        return name

    # ---------------------------------------------------------------- dispatch

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        requested = request.match_info["method"]
        name = self._by_lower.get(requested.lower())
        stall = self._upload_stalls.get(name or "", 0.0)
        if stall > 0:
            # Before the body is read: a client that dies now never delivered its request.
            await asyncio.sleep(stall)
        try:
            params = await read_params(request)
        except ApiError as err:
            self.requests.append((now, name or requested, {}))
            return self._error(name or requested, err)
        self.requests.append((now, name or requested, params.record()))
        self._notify()
        if request.match_info["token"] != self.token:
            return self._error(requested, ApiError(401, "Unauthorized"))
        if name is None:
            return self._error(requested, ApiError(404, "Not Found"))
        pause = self._delays.get(name, 0.0)
        if pause > 0:
            await asyncio.sleep(pause)
        queue = self._faults.get(name)
        if queue:
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.popleft()
            if fault.body is not None:
                self._record_error(name, fault.status, fault.description)
                return web.Response(status=fault.status, text=fault.body, content_type="text/html")
            return self._error(name, ApiError(fault.status, fault.description, fault.retry_after))
        params.method = name
        try:
            result = await self._handlers[name](params)
        except ApiError as err:
            return self._error(name, err)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    def _record_error(self, method: str, status: int, description: str) -> None:
        if status == 429:
            self.count_429 += 1
        elif status == 409:
            self.count_409 += 1
        self.errors.append((time.monotonic(), method, status, description))
        self._notify()

    def _error(self, method: str, err: ApiError) -> web.Response:
        self._record_error(method, err.status, err.description)
        return web.json_response(err.body(), status=err.status)
