"""A fake GPTunnel media API for black-box tests of the bot.

Follows /work/shared/gptunnel-api.md: bare-key ``Authorization``, HTTP 200 with a non-zero
``code`` for API errors (``code: 3`` with ``issues`` for what a model does not take), tasks that
go ``idle`` → ``processing`` → ``done`` (with a ``cost`` when a price is set) and a result URL
serving a real WebP file that can expire. Reference ``images`` are fetched (from 127.0.0.1 only)
before a task can finish. Knobs script slow tasks, failed tasks, API error codes, transport
faults (HTTP errors, delays, dropped connections, answers lost after the work was done) and
result downloads that misbehave (redirect chains, foreign schemes and hosts, HTML, huge bodies).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import socket
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from aiohttp import web

from tests.fakes.gptunnel.downloads import (
    Chunked,
    FileAnswer,
    framed,
    redirect_for,
    send_chunked,
)
from tests.fakes.gptunnel.models import ModelSpec, create_issues, model_table
from tests.fakes.gptunnel.references import fetch_all
from tests.fakes.gptunnel.responses import (
    JSON,
    Fault,
    api_error,
    http_error,
    webp,
)
from tests.fakes.gptunnel.state import (
    Download,
    DownloadRecord,
    RecordedRequest,
    ReferenceFetch,
    Rule,
    Task,
)

Endpoint = Literal["create", "result", "file", "balance"]

# Reported as ``cost`` of a finished task, per model (roubles); unlisted models report none.
DEFAULT_PRICES: dict[str, float | str] = {"yandex-art": 1.5}


@dataclass
class _Counters:
    in_flight: int = 0
    max_in_flight: int = 0


class FakeGPTunnel:
    """A fake GPTunnel media API server.

    Records: ``creates``, ``results``, ``downloads``, ``requests``, ``auth_headers_seen``,
    ``in_flight`` / ``max_in_flight``; ``request_log`` (every request whole),
    ``download_log`` (every result-file request), ``reference_fetches`` (every GET of a
    reference image); ``tasks`` maps id → ``Task``.
    Configuration that may be changed at any time: ``models`` (id → ``ModelSpec``), ``prices``
    (id → cost), ``cost_as_string``, ``balance``, ``price``, ``max_prompt_length``.
    """

    def __init__(
        self,
        api_key: str,
        *,
        default_duration: float = 0.3,
        spread: float = 0.0,
        seed: int = 0,
        models: Mapping[str, ModelSpec] | set[str] | frozenset[str] | None = None,
        image_size: tuple[int, int] = (256, 256),
        balance: float = 1000.0,
        price: float = 0.0,
        max_prompt_length: dict[str, int] | None = None,
        prices: Mapping[str, float | str] | None = None,
        cost_as_string: bool = False,
        reference_timeout: float = 5.0,
        max_reference_bytes: int = 20 * 2**20,
    ) -> None:
        self.api_key = api_key
        self.default_duration = default_duration
        self.spread = spread
        # Model id → what it takes at create; a set of ids gets each its documented spec.
        self.models: dict[str, ModelSpec] = model_table(models)
        self.image_size = image_size
        self.balance = balance
        self.price = price  # charged per created task; balance below it → code 5
        # YandexART refuses prompts over 500 characters; assumed to surface as code 3.
        self.max_prompt_length = (
            {"yandex-art": 500} if max_prompt_length is None else dict(max_prompt_length)
        )
        # Reported as ``cost`` once a task is done (not charged: ``price`` is); a str as is.
        self.prices: dict[str, float | str] = dict(DEFAULT_PRICES if prices is None else prices)
        self.cost_as_string = cost_as_string  # report numeric prices as strings ("1.5")
        self.reference_timeout = reference_timeout  # per reference-image GET, seconds
        self.max_reference_bytes = max_reference_bytes  # a larger reference image fails
        self.base_url = ""

        self.tasks: dict[str, Task] = {}
        self.creates: list[JSON] = []
        self.results: list[tuple[float, str]] = []
        self.downloads: list[str] = []
        self.requests: list[tuple[float, str]] = []
        self.auth_headers_seen: list[str | None] = []
        self.request_log: list[RecordedRequest] = []
        self.download_log: list[DownloadRecord] = []
        self.reference_fetches: list[ReferenceFetch] = []

        self._rules: list[Rule] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._files: dict[str, bytes] = {}
        self._by_file: dict[str, str] = {}
        self._rng = random.Random(seed)
        self._counters = _Counters()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._fetching: dict[str, asyncio.Task[None]] = {}
        self._port: int | None = None
        self._other_port: int | None = None

    # ---------------------------------------------------------------- server lifecycle

    async def start(self, port: int | None = None) -> str:
        """Listen on 127.0.0.1:``port`` (None: a free port), plus a second free port (the
        "other origin"); returns the base URL. Works again after ``stop()``."""
        if self._runner is not None:
            raise RuntimeError("the fake GPTunnel is already running")
        app = web.Application(middlewares=[self._track])
        app.router.add_post("/v1/media/create", self._create)
        app.router.add_route("GET", "/v1/media/result", self._result)
        app.router.add_route("POST", "/v1/media/result", self._result)
        app.router.add_get("/v1/balance", self._balance)
        app.router.add_get("/files/{name}", self._file)
        app.router.add_get("/direct/{name}", self._file)
        app.router.add_route("*", "/v1/{tail:.*}", self._unknown)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        socks: list[socket.socket] = []
        try:
            socks.append(_listening_socket(port or 0))
            socks.append(_listening_socket(0))  # the "other origin"
            for sock in socks:
                await web.SockSite(runner, sock).start()
        except BaseException:
            for sock in socks:
                sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self._session = aiohttp.ClientSession()
        self._port, self._other_port = (sock.getsockname()[1] for sock in socks)
        self.base_url = f"http://127.0.0.1:{self._port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop listening; reference fetches under way are cut (their tasks fail)."""
        fetching = list(self._fetching.values())
        for fetch in fetching:
            fetch.cancel()
        await asyncio.gather(*fetching, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
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

    @property
    def port(self) -> int | None:
        """The port of ``base_url`` (kept after ``stop()``, to start again on it)."""
        return self._port

    @property
    def other_base_url(self) -> str:
        """The same server on its second port: another origin for cross-origin redirects."""
        return f"http://127.0.0.1:{self._other_port}"

    # ---------------------------------------------------------------- test controls

    def rule(
        self,
        prompt_contains: str,
        *,
        duration: float | None = None,
        create_code: int | None = None,
        result_code: int | None = None,
        final_status: str | None = None,
        done_on_create: bool = False,
        image_size: tuple[int, int] | None = None,
        download: Download | None = None,
    ) -> None:
        """Script tasks whose prompt contains ``prompt_contains``; the first matching rule wins.

        ``create_code`` refuses the create with that code; ``result_code`` makes every poll
        answer that code; ``final_status`` (e.g. "failed") replaces "done" at the end;
        ``download`` is how the finished file is served.
        """
        self._rules.append(
            Rule(
                prompt_contains,
                duration,
                create_code,
                result_code,
                final_status,
                done_on_create,
                image_size,
                download,
            )
        )

    def fail_next(
        self,
        endpoint: Endpoint,
        *,
        http_status: int | None = None,
        code: int | None = None,
        error: str = "",
        delay: float = 0.0,
        times: int = 1,
        drop: bool = False,
        body: str | None = None,
        retry_after: int | None = None,
        after: bool = False,
    ) -> None:
        """Script the next ``times`` calls of an endpoint.

        ``delay`` sleeps first (then answers normally unless something else is set);
        ``drop`` closes the connection without an answer; ``http_status`` answers a real HTTP
        error (502/503/504 as a proxy's HTML page, others as JSON); ``code`` answers HTTP 200
        with that API error code; ``body`` replaces the body of an HTTP error.
        ``after``: the endpoint does its work first (a create creates its task, a poll is
        counted) and only then does the fault hit the answer.
        """
        if endpoint not in ("create", "result", "file", "balance"):
            raise ValueError(f"unknown endpoint {endpoint!r}")
        self._faults.setdefault(endpoint, deque()).append(
            Fault(http_status, code, error, delay, drop, times, body, retry_after, after)
        )

    def lose_next_create_answer(self, *, delay: float | None = None, times: int = 1) -> None:
        """The next creates make their task, then drop the connection (``delay`` None) or
        answer only after ``delay`` seconds (so the client times out first)."""
        self.fail_next("create", drop=delay is None, delay=delay or 0.0, times=times, after=True)

    def set_balance(self, value: float) -> None:
        self.balance = value

    def set_price(self, model: str, price: float | str | None) -> None:
        """The ``cost`` reported for tasks of ``model`` created from now on (None: no cost)."""
        if price is None:
            self.prices.pop(model, None)
        else:
            self.prices[model] = price

    def set_download(self, task_id: str, download: Download | None) -> None:
        """How this task's file is served from now on (None: normally)."""
        self.tasks[task_id].download = download

    def mark_done(self, task_id: str) -> None:
        """Finish a task now (status "done" with a URL on the next poll)."""
        self.tasks[task_id].forced_status = "done"

    def mark_failed(self, task_id: str, status: str = "failed") -> None:
        self.tasks[task_id].forced_status = status

    def expire(self, task_id: str) -> None:
        """The task's file disappears (its 48-hour link ran out): downloads get 404."""
        self.tasks[task_id].expired = True

    def result_polls(self, task_id: str) -> int:
        return sum(1 for _, tid in self.results if tid == task_id)

    def file_url(self, task_id: str) -> str:
        return f"{self.base_url}/files/{self.tasks[task_id].file_name}"

    def tasks_for_prompt(self, prompt: str) -> list[Task]:
        """Every task created upstream with exactly this prompt, oldest first."""
        return [task for task in self.tasks.values() if task.prompt == prompt]

    def requests_containing(self, needle: str) -> list[RecordedRequest]:
        """Every recorded request that carries ``needle`` anywhere (also URL-decoded)."""
        return [req for req in self.request_log if req.contains(needle)]

    async def wait_references(self, task_id: str) -> None:
        """Wait until the task's reference images are fetched (at once if none are pending)."""
        fetch = self._fetching.get(task_id)
        if fetch is not None:
            await asyncio.shield(fetch)

    @property
    def in_flight(self) -> int:
        return self._counters.in_flight

    @property
    def max_in_flight(self) -> int:
        return self._counters.max_in_flight

    def reset_max_in_flight(self) -> None:
        self._counters.max_in_flight = self._counters.in_flight

    # ---------------------------------------------------------------- HTTP layer

    @web.middleware
    async def _track(self, request: web.Request, handler: Any) -> web.StreamResponse:
        # Every request is recorded and counted while it is open (for connection caps).
        now = time.monotonic()
        self.requests.append((now, request.path))
        raw = b""
        try:
            raw = await request.read()
        finally:
            self.request_log.append(_recorded(request, now, raw))
        counters = self._counters
        counters.in_flight += 1
        counters.max_in_flight = max(counters.max_in_flight, counters.in_flight)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            counters.in_flight -= 1

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization")
        self.auth_headers_seen.append(header)
        return header == self.api_key

    def _take_fault(self, endpoint: str) -> Fault | None:
        queue = self._faults.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    async def _apply(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        """Play a fault out; a response means "answer this", None "answer normally"."""
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            # Close the socket without a response: the client sees a disconnect.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if fault.http_status is not None:
            return http_error(fault)
        if fault.code is not None:
            return api_error(fault.code, fault.error)
        return None

    async def _json_body(self, request: web.Request) -> JSON | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _match_rule(self, prompt: str) -> Rule | None:
        folded = prompt.casefold()
        for rule in self._rules:
            if rule.prompt_contains.casefold() in folded:
                return rule
        return None

    def _task_view(self, task: Task) -> JSON:
        status = task.status()
        view: JSON = {
            "code": 0,
            "id": task.id,
            "model": task.model,
            "prompt": task.prompt,
            "created_at": task.created_at,
            "status": status,
            "url": f"{self.base_url}/files/{task.file_name}" if status == "done" else None,
        }
        if status == "done" and task.cost is not None:
            cost = task.cost
            view["cost"] = str(cost) if self.cost_as_string and not isinstance(cost, str) else cost
        return view

    async def _create(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        body = await self._json_body(request)
        record: JSON = {"time": now, "id": None, "code": None, "fault": False, "body": body}
        if body is not None:
            record.update({k: body.get(k) for k in ("model", "prompt", "ar", "images")})
        self.creates.append(record)
        fault = self._take_fault("create")
        if fault is not None:
            record["fault"] = True
            if not fault.after:
                faulted = await self._apply(fault, request)
                if faulted is not None:
                    return faulted
        response = await self._create_task(request, body, record, now)
        if fault is not None and fault.after:
            return await self._apply(fault, request) or response
        return response

    async def _create_task(
        self, request: web.Request, body: JSON | None, record: JSON, now: float
    ) -> web.StreamResponse:
        if not self._authorized(request):
            record["code"] = 2
            return api_error(2)
        issues = create_issues(body, self.models, self.max_prompt_length)
        if issues:
            record["code"] = 3
            return api_error(3, issues=issues)
        assert body is not None
        model, prompt = str(body["model"]), str(body["prompt"])
        rule = self._match_rule(prompt)
        if rule is not None and rule.create_code:
            record["code"] = rule.create_code
            return api_error(rule.create_code)
        if self.balance <= 0 or self.balance < self.price:
            record["code"] = 5
            return api_error(5)
        self.balance -= self.price
        duration = self.default_duration
        if rule is not None and rule.duration is not None:
            duration = rule.duration
        elif self.spread:
            duration *= 1 + self._rng.uniform(-self.spread, self.spread)
        images: list[str] | None = body.get("images")
        spec = self.models[model]
        # Ids look like MongoDB ObjectIds: 24 hex digits starting with the creation time.
        task_id = f"{int(time.time()):08x}{secrets.token_hex(8)}"
        task = Task(
            id=task_id,
            model=model,
            prompt=prompt,
            ar=body.get("ar"),
            images=images,
            created_at=int(time.time()),
            created_mono=now,
            duration=max(0.0, duration),
            final_status=(rule.final_status if rule and rule.final_status else "done"),
            result_code=rule.result_code if rule else None,
            image_size=(rule.image_size if rule and rule.image_size else self.image_size),
            ar_ignored=bool(spec.images_replace_ar and images and body.get("ar") is not None),
            cost=self.prices.get(model),
            download=rule.download if rule else None,
        )
        self.tasks[task_id] = task
        self._by_file[task.file_name] = task_id
        record.update({"id": task_id, "code": 0})
        if images:
            task.references_pending = True
            fetch = asyncio.create_task(self._fetch_references(task))
            self._fetching[task_id] = fetch
            fetch.add_done_callback(lambda done: self._fetch_ended(task, done))
        if rule is not None and rule.done_on_create:
            # Done at once means its references were fetched before the answer.
            await self.wait_references(task_id)
            task.forced_status = "failed" if task.reference_error else "done"
        return web.json_response(self._task_view(task))

    async def _fetch_references(self, task: Task) -> None:
        """GET the task's reference images; any failure fails the task."""

        def record(fetch: ReferenceFetch) -> None:
            task.reference_fetches.append(fetch)
            self.reference_fetches.append(fetch)

        assert self._session is not None and task.images
        task.reference_error = await fetch_all(
            self._session,
            task.images,
            timeout=self.reference_timeout,
            max_bytes=self.max_reference_bytes,
            record=record,
        )
        task.references_pending = False

    def _fetch_ended(self, task: Task, fetch: asyncio.Task[None]) -> None:
        self._fetching.pop(task.id, None)
        if task.references_pending:  # cut short by stop() (perhaps before it began), or a bug
            task.references_pending = False
            crash = None if fetch.cancelled() else fetch.exception()
            task.reference_error = (
                f"fetching crashed: {crash!r}" if crash else "interrupted: the fake stopped"
            )

    async def _result(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        task_id: Any = request.query.get("task_id")
        if request.method == "POST":
            body = await self._json_body(request)
            task_id = body.get("task_id") if body is not None else None
        self.results.append((now, str(task_id) if task_id is not None else ""))
        fault = self._take_fault("result")
        if fault is not None and not fault.after:
            faulted = await self._apply(fault, request)
            if faulted is not None:
                return faulted
        response = self._poll(request, task_id)
        if fault is not None and fault.after:
            return await self._apply(fault, request) or response
        return response

    def _poll(self, request: web.Request, task_id: Any) -> web.StreamResponse:
        if not self._authorized(request):
            return api_error(2)
        if not isinstance(task_id, str) or not task_id:
            return api_error(3)
        task = self.tasks.get(task_id)
        if task is None:
            return api_error(4)
        task.polls += 1
        if task.result_code:
            return api_error(task.result_code)
        return web.json_response(self._task_view(task))

    async def _file(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        name = request.match_info["name"]
        task = self.tasks.get(self._by_file.get(name, ""))
        answer: int | str = "dropped"
        try:
            fault = self._take_fault("file")
            if fault is not None and not fault.after:
                faulted = await self._apply(fault, request)
                if faulted is not None:
                    answer = faulted.status
                    return faulted
            served = self._serve_file(request, name, task)
            if fault is not None and fault.after:
                faulted = await self._apply(fault, request)
                if faulted is not None:
                    answer = faulted.status
                    return faulted
            if isinstance(served, web.StreamResponse):
                answer = served.status
                return served
            answer = 200
            if isinstance(served, Chunked):
                return await send_chunked(request, served)
            # Framed by hand: a Content-Length that lies, or none and the body ends at close.
            if request.transport is not None:
                request.transport.write(served)
                request.transport.close()
            raise asyncio.CancelledError
        finally:
            self.download_log.append(
                DownloadRecord(
                    time=now,
                    task_id=task.id if task is not None else None,
                    url=str(request.url),
                    authorization=request.headers.get("Authorization"),
                    answer=answer,
                )
            )

    def _serve_file(self, request: web.Request, name: str, task: Task | None) -> FileAnswer:
        if task is None or task.expired or task.status() != "done":
            return web.Response(status=404, text="Not Found")
        spec = task.download or Download()
        hop = redirect_for(spec, request, name, self.other_base_url)
        if hop is not None:
            return hop
        data = spec.body
        if data is None:
            data = self._files.get(task.id)
            if data is None:
                data = self._files[task.id] = webp(task.id, task.image_size)
        if spec.size is not None and spec.size > len(data):
            data += bytes(spec.size - len(data))
        content_type = spec.content_type or "image/webp"
        if request.method != "GET":  # HEAD probes are not downloads
            return web.Response(body=data, headers={"Content-Type": content_type})
        task.downloads += 1
        self.downloads.append(name)
        return framed(spec, data, content_type)

    async def _balance(self, request: web.Request) -> web.StreamResponse:
        fault = self._take_fault("balance")
        if fault is not None and not fault.after:
            faulted = await self._apply(fault, request)
            if faulted is not None:
                return faulted
        if not self._authorized(request):
            response = web.json_response(
                {"error": {"message": "Unauthorized", "type": "unauthorized_request_error"}},
                status=401,
            )
        else:
            response = web.json_response(
                {"orgId": "org", "object": "balance", "balance": self.balance, "creditLimit": 15000}
            )
        if fault is not None and fault.after:
            return await self._apply(fault, request) or response
        return response

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        return api_error(99)


def _listening_socket(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:port that can be bound again right after it is closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def _recorded(request: web.Request, now: float, raw: bytes) -> RecordedRequest:
    return RecordedRequest(
        time=now,
        method=request.method,
        path=request.path,
        raw_path=request.raw_path,
        query_string=request.query_string,
        headers=tuple((k, v) for k, v in request.headers.items()),
        body=raw.decode("utf-8", errors="replace"),
    )
