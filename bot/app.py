"""Wiring: settings → storage, GPTunnel client, Bot, Dispatcher, background loop; run and stop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.admin import AdminService
from bot.alerts import AdminAlerts
from bot.commands_menu import register_commands
from bot.delivery import Delivery
from bot.generation import GenerationService
from bot.gptunnel import GPTunnelClient
from bot.i18n import Translator, build_i18n
from bot.language import LanguageMiddleware, LanguageService
from bot.poller import Poller
from bot.scheduler import PollScheduler
from bot.settings import Settings
from bot.telegram_out import Sender
from handlers import build_router
from storage import (
    AlertRepository,
    ChatRepository,
    Database,
    StatsRepository,
    TaskRepository,
    UserRepository,
)

log = logging.getLogger(__name__)

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


def build_bot(settings: Settings) -> Bot:
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        if settings.telegram_api_url
        else AiohttpSession()
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
) -> Dispatcher:
    # Services reach handlers as workflow data: a handler parameter named like the key.
    dispatcher = Dispatcher(
        settings=settings,
        generation=generation,
        sender=sender,
        delivery=delivery,
        languages=languages,
        admin=admin,
    )
    # Every handler gets `i18n` set to the asker's language (stored /lang, else Telegram's).
    LanguageMiddleware(translator.i18n, languages).setup(dispatcher)
    dispatcher.include_router(build_router())
    return dispatcher


async def create_app(settings: Settings) -> App:
    db = Database(settings.database_path)
    await db.connect()
    tasks = TaskRepository(db)
    users = UserRepository(db)
    gptunnel = GPTunnelClient(
        settings.gptunnel_base_url,
        settings.gptunnel_api_key.get_secret_value(),
        poll_rps=settings.gptunnel_max_rps,
        max_connections=settings.gptunnel_max_connections,
    )
    bot = build_bot(settings)
    sender = Sender(bot)
    translator = Translator(build_i18n())
    languages = LanguageService(users)
    delivery = Delivery(
        bot=bot,
        sender=sender,
        tasks=tasks,
        gptunnel=gptunnel,
        retry_delay=min(settings.poll_interval, 2.0),
        translator=translator,
    )
    generation = GenerationService(
        settings=settings,
        tasks=tasks,
        users=users,
        gptunnel=gptunnel,
        delivery=delivery,
        scheduler=PollScheduler(min_gap=settings.poll_interval),
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
    poller = Poller(tasks=tasks, generation=generation, delivery=delivery)
    dispatcher = build_dispatcher(
        settings=settings,
        generation=generation,
        sender=sender,
        delivery=delivery,
        languages=languages,
        translator=translator,
        admin=admin,
    )
    return App(
        settings=settings,
        db=db,
        bot=bot,
        dispatcher=dispatcher,
        gptunnel=gptunnel,
        generation=generation,
        delivery=delivery,
        poller=poller,
        sender=sender,
        translator=translator,
    )


async def close_app(app: App) -> None:
    await app.poller.stop()
    await app.delivery.close()
    await app.sender.close()
    await app.gptunnel.aclose()
    await app.bot.session.close()
    await app.db.close()


async def run(settings: Settings, *, handle_signals: bool = True) -> None:
    """Long polling plus the background loop, until a signal or cancellation."""
    await serve(await create_app(settings), handle_signals=handle_signals)


async def serve(app: App, *, handle_signals: bool = True) -> None:
    """Run an assembled app until polling stops; always closes it."""
    try:
        await app.poller.start()
        me = await app.bot.me()
        await register_commands(app.sender, app.translator)
        log.info("bot @%s started (long polling)", me.username)
        await app.dispatcher.start_polling(
            app.bot,
            handle_signals=handle_signals,
            close_bot_session=False,
            # Bounded: a flood of prompts waits in Telegram's queue, not in our memory.
            tasks_concurrency_limit=HANDLER_CONCURRENCY,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
        )
    finally:
        await asyncio.shield(close_app(app))
        log.info("bot stopped")
