"""The bot's own HTTP server: /healthz and /metrics, and in webhook mode Telegram's updates."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.ops.health import Health
from bot.ops.metrics import Metrics
from bot.ops.open_tasks import OpenTaskCount
from storage import TaskQueue

log = logging.getLogger(__name__)


class HttpServer:
    def __init__(
        self, *, health: Health, metrics: Metrics, tasks: TaskQueue, host: str, port: int
    ) -> None:
        self._health = health
        self._metrics = metrics
        self._open_tasks = OpenTaskCount(tasks.count_open)
        self._host = host
        self._port = port
        self.web_app = web.Application()
        self.web_app.router.add_get("/healthz", self._healthz)
        self.web_app.router.add_get("/metrics", self._metrics_page)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The port actually bound (PORT=0 picks a free one)."""
        if self._runner is None or not self._runner.addresses:
            return self._port
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        # No access log: Telegram's POSTs and Prometheus' scrapes would drown the events.
        self._runner = web.AppRunner(self.web_app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self._host, self._port)
        await self._site.start()
        log.info("HTTP server listening on %s:%s", self._host, self.port)

    async def stop_listening(self) -> None:
        """New connections are refused (Telegram keeps its updates and retries later)."""
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()

    async def close(self) -> None:
        await self.stop_listening()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self._health.check()
        body = {"status": "ok" if report.ok else "unhealthy", **report.details}
        return web.json_response(body, status=200 if report.ok else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        open_tasks: int | None = None
        try:
            open_tasks = await self._open_tasks.get()
        except Exception:
            log.warning("metrics: open tasks could not be counted", exc_info=True)
        body = self._metrics.render(open_tasks)
        return web.Response(body=body, headers={"Content-Type": self._metrics.content_type})
