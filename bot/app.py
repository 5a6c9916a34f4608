"""Wiring: the one place that builds every part and connects them. Nothing imports this module
but the entry point (and tests).

Longer than other modules on purpose: every constructor call of the bot is here, in the order
the parts depend on each other, so that no other module needs to know how the rest is built.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.delivery.chat_action import WorkingSign
from bot.delivery.ending import Ending
from bot.delivery.originals import Originals
from bot.delivery.photos import PhotoDelivery
from bot.delivery.progress import ProgressEdits
from bot.delivery.status import StatusMessages
from bot.delivery.superseded import Superseded
from bot.drawing.chat_moves import ChatMoves
from bot.drawing.draw import Drawing
from bot.drawing.intake import Intake
from bot.drawing.my_tasks import MyTasks
from bot.drawing.quotas import Quotas
from bot.drawing.references import FromPictures, ReferenceUrls
from bot.gptunnel import GPTunnelClient
from bot.language.catalogues import Translator, build_i18n
from bot.language.choice import LanguageMiddleware, LanguageService
from bot.models.choices import ModelChoices
from bot.ops.admin import AdminService
from bot.ops.alerts import AdminAlerts
from bot.ops.health import Health
from bot.ops.http_server import HttpServer
from bot.ops.logs import redact_also
from bot.ops.metrics import Metrics
from bot.ops.reference_links import ReferenceLinks
from bot.payments.purchases import Purchases
from bot.payments.shop import Shop
from bot.pipeline.loop import Poller
from bot.pipeline.polling import PollStep
from bot.pipeline.retention import Retention
from bot.pipeline.scheduler import PollScheduler
from bot.pipeline.submission import Submitter
from bot.pipeline.upstream import UpstreamErrors
from bot.runtime.assembly import App
from bot.runtime.handover import Handover, Kickoff, OriginalsHandOver, OutboxPump
from bot.runtime.leadership import Leadership
from bot.runtime.middlewares import LogContext, UpdatesInFlight
from bot.runtime.serve import serve
from bot.runtime.startup import step
from bot.runtime.throttle import Throttle, ThrottleMiddleware
from bot.settings import Settings
from bot.telegram import webhook
from bot.telegram.files import TelegramFiles
from bot.telegram.outbox import Outbox, Replies
from bot.telegram.sender import Sender
from bot.telegram.session import TelegramSession
from bot.telegram.stars import StarRefunder
from handlers import build_router
from storage import (
    AlertRepository,
    ChatMigrationRepository,
    ChatRepository,
    ChoiceRepository,
    Database,
    Dialect,
    LeaseRepository,
    MetaRepository,
    OriginalRepository,
    OutboxRepository,
    PaymentRepository,
    ReferenceRepository,
    StatsRepository,
    TaskStore,
    UserRepository,
    open_database,
)

# The background loop looks at storage at least this often, even with nothing to do; the
# health check calls it stuck after missing a few of those looks.
POLLER_IDLE_WAIT = 30.0
# Seconds a process trusts its copy of a /lang choice when others share the database.
LANGUAGE_CACHE = 5.0
HEALTH_MAX_TICK_AGE = 3 * POLLER_IDLE_WAIT

__all__ = ["App", "Parts", "build_dispatcher", "build_parts", "create_app", "run", "serve"]


@dataclass(frozen=True)
class Parts:
    """The services and the background machinery, built over one database and one bot."""

    settings: Settings
    sender: Sender
    replies: Replies
    metrics: Metrics
    translator: Translator
    languages: LanguageService
    drawing: Drawing
    pictures: FromPictures
    my_tasks: MyTasks
    quotas: Quotas
    chat_moves: ChatMoves
    models: ModelChoices
    shop: Shop
    purchases: Purchases
    originals: Originals
    admin: AdminService
    status: StatusMessages
    poller: Poller
    leadership: Leadership
    pump: OutboxPump
    local_replies: Outbox
    submitter: Submitter
    scheduler: PollScheduler
    tasks: TaskStore


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


def build_parts(
    settings: Settings, *, db: Database, bot: Bot, gptunnel: GPTunnelClient, metrics: Metrics
) -> Parts:
    tasks = TaskStore.over(db)
    users = UserRepository(db)
    # Told by the Sender of a group's upgrade (a 400 on a send), as by the service message.
    chat_moves = ChatMoves(ChatMigrationRepository(db))
    sender = Sender(bot, metrics=metrics, on_migrate=chat_moves.move)
    # Several processes may share a PostgreSQL database; only the lease holder sends.
    shared = db.dialect is Dialect.POSTGRESQL
    leadership = Leadership(LeaseRepository(db) if shared else None, timeout=settings.lease_timeout)
    held = metrics.lease_held.labels(leadership.holder)
    held.set(int(leadership.is_leader))  # alone on SQLite: 1 for good; shared: 0 until it leads
    leadership.on_change(lambda leading: held.set(int(leading)))
    outbox = OutboxRepository(db)
    local_replies = Outbox(sender, metrics=metrics)
    replies: Replies = (
        Handover(local=local_replies, outbox=outbox, leadership=leadership)
        if shared
        else local_replies
    )
    translator = Translator(build_i18n())
    # Another process may take a /lang in: cache it briefly when the database is shared.
    languages = LanguageService(users, cache_for=LANGUAGE_CACHE if shared else None)
    superseded = Superseded()
    progress = ProgressEdits(
        sender=sender,
        translator=translator,
        superseded=superseded,
        every=settings.progress_interval,
    )
    ending = Ending(
        tasks=tasks.steps,
        sender=sender,
        replies=replies,
        translator=translator,
        superseded=superseded,
        progress=progress,
        metrics=metrics,
    )
    status = StatusMessages(
        sender=sender, tasks=tasks.steps, translator=translator, superseded=superseded
    )
    originals = Originals(
        originals=OriginalRepository(db),
        tasks=tasks.steps,
        sender=sender,
        cooldown=settings.original_cooldown,
        hand_over=OriginalsHandOver(outbox=outbox, leadership=leadership) if shared else None,
    )
    photos = PhotoDelivery(
        bot=bot,
        sender=sender,
        tasks=tasks.steps,
        gptunnel=gptunnel,
        translator=translator,
        superseded=superseded,
        progress=progress,
        status=status,
        originals=originals,
        ending=ending,
        metrics=metrics,
        catalogue=settings.models,
        retry_delay=min(settings.poll_interval, 2.0),
        editable=settings.references_on,
    )
    scheduler = PollScheduler(min_gap=settings.poll_interval)
    upstream = UpstreamErrors(
        AdminAlerts(
            settings=settings,
            alerts=AlertRepository(db),
            languages=languages,
            sender=sender,
            translator=translator,
        )
    )
    # Pictures to draw from: kept in the database, fetched by GPTunnel through this bot.
    references = ReferenceRepository(db)
    submitter = Submitter(
        tasks=tasks.steps,
        gptunnel=gptunnel,
        scheduler=scheduler,
        ending=ending,
        upstream=upstream,
        metrics=metrics,
        retry_base=settings.poll_interval,
        pictures=ReferenceUrls(references, settings.public_base_url, settings.models),
    )
    poll_step = PollStep(
        tasks=tasks.steps,
        queue=tasks.queue,
        gptunnel=gptunnel,
        scheduler=scheduler,
        ending=ending,
        upstream=upstream,
        metrics=metrics,
        retry_base=settings.poll_interval,
    )
    poller = Poller(
        queue=tasks.queue,
        tasks=tasks.steps,
        submitter=submitter,
        poll_step=poll_step,
        photos=photos,
        working=WorkingSign(bot=bot),
        progress=progress,
        ending=ending,
        idle_wait=POLLER_IDLE_WAIT,
        metrics=metrics,
        retention=Retention(
            tasks=tasks.retention,
            keep_days=settings.task_retention_days,
            references=references,
        ),
    )
    wallet = PaymentRepository(db)
    quotas = Quotas(
        settings=settings,
        tasks=tasks.intake,
        users=users,
        chats=ChatRepository(db),
        wallet=wallet,
    )
    models = ModelChoices(
        catalogue=settings.models,
        default_model=settings.default_model,
        choices=ChoiceRepository(db),
    )
    intake = Intake(settings=settings, tasks=tasks.intake, metrics=metrics)
    kickoff = Kickoff(status=status, loop=poller, leadership=leadership, outbox=outbox)
    drawing = Drawing(
        intake=intake,
        tasks=tasks.steps,
        starter=kickoff,
        catalogue=settings.models,
        default_model=settings.default_model,
        max_prompt_length=settings.max_prompt_length,
    )
    pictures = FromPictures(
        intake=intake,
        tasks=tasks.steps,
        references=references,
        originals=OriginalRepository(db),
        fetcher=TelegramFiles(bot),
        starter=kickoff,
        catalogue=settings.models,
        default_model=settings.default_model,
        max_prompt_length=settings.max_prompt_length,
        public_url=settings.public_base_url,
        ttl=settings.reference_ttl,
    )
    return Parts(
        settings=settings,
        sender=sender,
        replies=replies,
        metrics=metrics,
        translator=translator,
        languages=languages,
        drawing=drawing,
        pictures=pictures,
        # Queued, not awaited: /cancel answers without waiting for the chat's pace.
        my_tasks=MyTasks(tasks=tasks.history, notify=ending.notify_later),
        quotas=quotas,
        chat_moves=chat_moves,
        models=models,
        shop=Shop(settings=settings, users=users, wallet=wallet),
        purchases=Purchases(wallet=wallet, refunds=StarRefunder(sender)),
        originals=originals,
        admin=AdminService(
            settings=settings,
            users=users,
            stats=StatsRepository(db),
            quotas=quotas,
            gptunnel=gptunnel,
            wallet=wallet,
        ),
        status=status,
        poller=poller,
        leadership=leadership,
        pump=OutboxPump(
            outbox=outbox,
            replies=local_replies,
            status=status,
            originals=originals,
            tasks=tasks.steps,
        ),
        local_replies=local_replies,
        submitter=submitter,
        scheduler=scheduler,
        tasks=tasks,
    )


def build_dispatcher(parts: Parts, inflight: UpdatesInFlight | None = None) -> Dispatcher:
    # Services reach handlers as workflow data: a handler parameter named like the key.
    dispatcher = Dispatcher(
        # No conversation states anywhere: skip FSM's per-update storage look-ups.
        disable_fsm=True,
        settings=parts.settings,
        sender=parts.sender,
        replies=parts.replies,
        drawing=parts.drawing,
        pictures=parts.pictures,
        my_tasks=parts.my_tasks,
        quotas=parts.quotas,
        chat_moves=parts.chat_moves,
        models=parts.models,
        shop=parts.shop,
        purchases=parts.purchases,
        originals=parts.originals,
        languages=parts.languages,
        admin=parts.admin,
    )
    if inflight is not None:
        dispatcher.update.outer_middleware(inflight)
    dispatcher.update.outer_middleware(LogContext())
    # Before anything that costs: the language look-up, filters, handlers.
    settings = parts.settings
    throttle = Throttle(
        person_per_minute=settings.throttle_user_per_minute,
        chat_per_minute=settings.throttle_group_per_minute,
    )
    dispatcher.update.outer_middleware(
        ThrottleMiddleware(
            throttle,
            replies=parts.replies,
            sender=parts.sender,
            translator=parts.translator,
            metrics=parts.metrics,
        )
    )
    # Every handler gets `i18n` set to the asker's language (stored /lang, else Telegram's).
    LanguageMiddleware(parts.translator.i18n, parts.languages).setup(dispatcher)
    dispatcher.include_router(build_router())
    return dispatcher


async def create_app(settings: Settings) -> App:
    with step("opening the database"):
        db = await open_database(settings.database_url, pool_size=settings.database_pool_size)
    metrics = Metrics()
    gptunnel = GPTunnelClient(
        settings.gptunnel_base_url,
        settings.gptunnel_api_key.get_secret_value(),
        poll_rps=settings.gptunnel_max_rps,
        max_connections=settings.gptunnel_max_connections,
        metrics=metrics,
    )
    bot = build_bot(settings)
    parts = build_parts(settings, db=db, bot=bot, gptunnel=gptunnel, metrics=metrics)

    async def learn() -> None:
        # What finished tasks took, so restarts and takeovers keep what was learned.
        await parts.scheduler.load(list(settings.models.ids), parts.tasks.queue.recent_durations)

    inflight = UpdatesInFlight()
    dispatcher = build_dispatcher(parts, inflight)
    app = App(
        settings=settings,
        db=db,
        bot=bot,
        dispatcher=dispatcher,
        gptunnel=gptunnel,
        poller=parts.poller,
        leadership=parts.leadership,
        pump=parts.pump,
        status=parts.status,
        sender=parts.sender,
        replies=parts.local_replies,
        originals=parts.originals,
        learn=learn,
        metrics=metrics,
        inflight=inflight,
        translator=parts.translator,
    )
    # One HTTP server: Telegram's updates in webhook mode, health and metrics, and the
    # pictures GPTunnel fetches to draw from (settings.http_port says when there is one).
    port = settings.http_port
    if port is not None:
        health = Health(
            db=db,
            poller=parts.poller,
            lease=parts.leadership,
            max_tick_age=HEALTH_MAX_TICK_AGE,
        )
        app.http = HttpServer(
            health=health,
            metrics=metrics,
            tasks=parts.tasks.queue,
            host=settings.webhook_host,
            port=port,
        )
    if settings.references_on and app.http is not None:
        ReferenceLinks(ReferenceRepository(db)).add_routes(app.http.web_app)
    if settings.uses_webhook:
        assert app.http is not None
        with step("reading the webhook secret"):
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


async def run(settings: Settings, *, handle_signals: bool = True) -> None:
    """Long polling or a webhook, plus the background loop, until a signal or cancellation."""
    app = await create_app(settings)
    # aiogram's Bot API models are a huge, permanent object graph: without this, every full
    # garbage collection walks all of it (~80 ms each, measured), again and again under load.
    gc.collect()
    gc.freeze()
    await serve(app, handle_signals=handle_signals)
