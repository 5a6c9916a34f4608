"""Everything a running bot is made of, as `bot.app` assembled it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher

from bot.delivery.originals import Originals
from bot.delivery.status import StatusMessages
from bot.gptunnel import GPTunnelClient
from bot.language.catalogues import Translator
from bot.ops.http_server import HttpServer
from bot.ops.metrics import Metrics
from bot.pipeline.loop import Poller
from bot.runtime.handover import OutboxPump
from bot.runtime.leadership import Leadership
from bot.runtime.middlewares import UpdatesInFlight
from bot.settings import Settings
from bot.telegram.outbox import Outbox
from bot.telegram.sender import Sender
from storage import Database


@dataclass
class App:
    settings: Settings
    db: Database
    bot: Bot
    dispatcher: Dispatcher
    gptunnel: GPTunnelClient
    poller: Poller
    leadership: Leadership
    pump: OutboxPump
    status: StatusMessages
    sender: Sender
    replies: Outbox
    originals: Originals
    translator: Translator
    # Seeds the poll scheduler from storage: each time this process starts to lead.
    learn: Callable[[], Awaitable[None]]
    metrics: Metrics = field(default_factory=Metrics)
    inflight: UpdatesInFlight = field(default_factory=UpdatesInFlight)
    http: HttpServer | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)

    def request_stop(self) -> None:
        """Stop taking updates and shut down gracefully (what SIGTERM and SIGINT do)."""
        self.stop_requested.set()
