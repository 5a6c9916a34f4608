"""Wiring: settings → storage, GPTunnel client, Bot, Dispatcher, background loop; run and stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot import webhook
from bot.admin import AdminService
from bot.alerts import AdminAlerts
from bot.commands_menu import register_commands
from bot.delivery import Delivery
from bot.generation import GenerationService
from bot.gptunnel import GPTunnelClient
from bot.health import Health
from bot.http_server import HttpServer
from bot.i18n import Translator, build_i18n
from bot.language import LanguageMiddleware, LanguageService
from bot.logs import redact_also
from bot.metrics import Metrics
from bot.middlewares import LogContext, UpdatesInFlight
from bot.poller import Poller
from bot.scheduler import PollScheduler
from bot.settings import Settings
from bot.telegram_out import Sender
from bot.telegram_session import TelegramSession
from handlers import build_router
from storage import (
    AlertRepository,
    ChatRepository,
    Database,
    MetaRepository,
    OriginalRepository,
    StatsRepository,
    TaskStore,
    UserRepository,
    open_database,
)

log = logging.getLogger(__name__)

# The background loop looks at storage at least this often, even with nothing to do; the
# health check calls it stuck after missing a few of those looks.
POLLER_IDLE_WAIT = 30.0
HEALTH_MAX_TICK_AGE = 3 * POLLER_IDLE_WAIT
HANDLER_CONCURRENCY = 256


@dataclass
class App:
    settings: Settings
    db: Database
    bot: Bot
    dispatcher: Dispatcher
    gptunnel: GPTunnelClient
    generation: GenerationService
    delivery: Delivery
    poller: Poller
    sender: Sender
    translator: Translator
    metrics: Metrics = field(default_factory=Metrics)
    inflight: UpdatesInFlight = field(default_factory=UpdatesInFlight)
    http: HttpServer | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)

    def request_stop(self) -> None:
        """Stop taking updates and shut down gracefully (what SIGTERM and SIGINT do)."""
        self.stop_requested.set()


def build_bot(settings: Settings) -> Bot:
    session = (
        TelegramSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        if settings.telegram_api_url
        else TelegramSession()
    )
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_dispatcher(
    *,
    settings: Settings,
    generation: GenerationService,
    sender: Sender,
    delivery: Delivery,
    languages: LanguageService,
    translator: Translator,
    admin: AdminService,
    inflight: UpdatesInFlight | None = None,
) -> Dispatcher:
    # Services reach handlers as workflow data: a handler parameter named like the key.
    dispatcher = Dispatcher(
        # No conversation states anywhere: skip FSM's per-update storage look-ups.
        disable_fsm=True,
        settings=settings,
        generation=generation,
        sender=sender,
        delivery=delivery,
        languages=languages,
        admin=admin,
    )
    if inflight is not None:
        dispatcher.update.outer_middleware(inflight)
    dispatcher.update.outer_middleware(LogContext())
    # Every handler gets `i18n` set to the asker's language (stored /lang, else Telegram's).
    LanguageMiddleware(translator.i18n, languages).setup(dispatcher)
    dispatcher.include_router(build_router())
    return dispatcher


async def create_app(settings: Settings) -> App:
    db = await open_database(settings.database_url, pool_size=settings.database_pool_size)
    tasks = TaskStore.over(db)
    users = UserRepository(db)
    metrics = Metrics()
    gptunnel = GPTunnelClient(
        settings.gptunnel_base_url,
        settings.gptunnel_api_key.get_secret_value(),
        poll_rps=settings.gptunnel_max_rps,
        max_connections=settings.gptunnel_max_connections,
        metrics=metrics,
    )
    bot = build_bot(settings)
    sender = Sender(bot, metrics=metrics)
    translator = Translator(build_i18n())
    languages = LanguageService(users)
    delivery = Delivery(
        bot=bot,
        sender=sender,
        tasks=tasks,
        gptunnel=gptunnel,
        retry_delay=min(settings.poll_interval, 2.0),
        metrics=metrics,
        translator=translator,
        originals=OriginalRepository(db),
        progress_every=settings.progress_interval,
    )
    generation = GenerationService(
        settings=settings,
        tasks=tasks,
        users=users,
        gptunnel=gptunnel,
        delivery=delivery,
        scheduler=PollScheduler(min_gap=settings.poll_interval),
        metrics=metrics,
        chats=ChatRepository(db),
        on_upstream_error=AdminAlerts(
            settings=settings,
            alerts=AlertRepository(db),
            languages=languages,
            sender=sender,
            translator=translator,
        ),
    )
    admin = AdminService(
        settings=settings, users=users, stats=StatsRepository(db), gptunnel=gptunnel
    )
    await generation.learn()
    poller = Poller(
        tasks=tasks,
        generation=generation,
        delivery=delivery,
        idle_wait=POLLER_IDLE_WAIT,
        metrics=metrics,
    )
    inflight = UpdatesInFlight()
    dispatcher = build_dispatcher(
        settings=settings,
        generation=generation,
        sender=sender,
        delivery=delivery,
        languages=languages,
        translator=translator,
        admin=admin,
        inflight=inflight,
    )
    app = App(
        settings=settings,
        db=db,
        bot=bot,
        dispatcher=dispatcher,
        gptunnel=gptunnel,
        generation=generation,
        delivery=delivery,
        poller=poller,
        sender=sender,
        metrics=metrics,
        inflight=inflight,
        translator=translator,
    )
    # One HTTP server: Telegram's updates in webhook mode, else only health and metrics.
    port = settings.webhook_port if settings.uses_webhook else settings.health_port
    if port is not None:
        host = settings.webhook_host
        health = Health(db=db, poller=poller, max_tick_age=HEALTH_MAX_TICK_AGE)
        app.http = HttpServer(health=health, metrics=metrics, tasks=tasks, host=host, port=port)
    if settings.uses_webhook:
        assert app.http is not None
        app.webhook_secret = await webhook.webhook_secret(settings, MetaRepository(db))
        redact_also(app.webhook_secret)
        webhook.add_route(
            app.http.web_app,
            dispatcher=dispatcher,
            bot=bot,
            path=settings.webhook_path,
            secret=app.webhook_secret,
        )
    return app


async def _bounded(what: str, step: Awaitable[object], timeout: float) -> None:
    try:
        await asyncio.wait_for(step, timeout=max(timeout, 0.01))
    except TimeoutError:
        log.warning("shutdown: %s did not finish in time", what)
    except Exception:
        log.exception("shutdown: %s failed", what)


async def close_app(app: App) -> None:
    """Stop taking updates, let the work under way finish within SHUTDOWN_TIMEOUT, leave the
    rest in storage for the next start, and close every connection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + app.settings.shutdown_timeout

    def left() -> float:
        return max(deadline - loop.time(), 0.0)

    if app.http is not None:
        await _bounded("closing the HTTP port", app.http.stop_listening(), left())
    # Prompts being taken in and the loop's steps finish side by side, on one deadline.
    unfinished, _ = await asyncio.gather(
        app.inflight.drain(left()), app.poller.stop(timeout=left())
    )
    if unfinished:
        log.warning("shutdown: %s updates were cut short", unfinished)
        app.inflight.cancel()
    await _bounded("stopping status replies", app.delivery.close(), left())
    await _bounded("stopping the Telegram sender", app.sender.close(), left())
    await _bounded("closing the GPTunnel client", app.gptunnel.aclose(), left())
    if app.http is not None:
        await _bounded("stopping the HTTP server", app.http.close(), left())
    await _bounded("closing the Telegram session", app.bot.session.close(), left())
    # The database closes last, whatever is left of the budget: WAL keeps every commit anyway.
    await _bounded("closing the database", app.db.close(), max(left(), 1.0))


async def run(settings: Settings, *, handle_signals: bool = True) -> None:
    """Long polling or a webhook, plus the background loop, until a signal or cancellation."""
    app = await create_app(settings)
    # aiogram's Bot API models are a huge, permanent object graph: without this, every full
    # garbage collection walks all of it (~80 ms each, measured), again and again under load.
    gc.collect()
    gc.freeze()
    await serve(app, handle_signals=handle_signals)


def _install_signals(app: App) -> list[signal.Signals]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        log.info("received %s: shutting down", sig.name)
        app.request_stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    return installed


async def serve(app: App, *, handle_signals: bool = True) -> None:
    """Run an assembled app until a stop is requested (or polling stops); always closes it."""
    signals = _install_signals(app) if handle_signals else []
    try:
        await app.poller.start()
        me = await app.bot.me()
        await register_commands(app.sender, app.translator)
        if app.http is not None:
            await app.http.start()
        if app.settings.uses_webhook:
            await _serve_webhook(app, me.username)
        else:
            await _serve_polling(app, me.username)
    finally:
        await asyncio.shield(close_app(app))
        loop = asyncio.get_running_loop()
        for sig in signals:
            loop.remove_signal_handler(sig)
        log.info("bot stopped")


async def _serve_webhook(app: App, username: str | None) -> None:
    settings = app.settings
    assert settings.webhook_url is not None and app.webhook_secret is not None
    await webhook.register(
        app.bot,
        url=settings.webhook_url,
        secret=app.webhook_secret,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
    log.info("bot @%s started (webhook %s)", username, settings.webhook_url)
    await app.stop_requested.wait()


async def _serve_polling(app: App, username: str | None) -> None:
    info = await app.bot.get_webhook_info()
    if info.url:
        # Telegram refuses getUpdates while a webhook is set (say, after webhook mode).
        log.info("removing the webhook left from webhook mode; pending updates are kept")
        await app.bot.delete_webhook(drop_pending_updates=False)
    log.info("bot @%s started (long polling)", username)
    polling = asyncio.create_task(
        app.dispatcher.start_polling(
            app.bot,
            handle_signals=False,
            close_bot_session=False,
            # Bounded: a flood of prompts waits in Telegram's queue, not in our memory.
            tasks_concurrency_limit=HANDLER_CONCURRENCY,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        ),
        name="polling",
    )
    stop = asyncio.create_task(app.stop_requested.wait(), name="stop-requested")
    try:
        await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
        while not polling.done():
            try:
                await app.dispatcher.stop_polling()
            except RuntimeError:  # not started yet: it will be in a moment
                await asyncio.sleep(0.01)
        await polling  # its errors, if any, belong to the caller
    finally:
        stop.cancel()
        if not polling.done():
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
