"""Running an assembled bot: long polling or a webhook, the background loop beside it, until a
signal or a stop request; then the graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal

from bot.runtime.assembly import App
from bot.runtime.shutdown import close_app
from bot.runtime.startup import step, wait_for_telegram
from bot.telegram import webhook
from bot.telegram.commands_menu import register_commands

log = logging.getLogger(__name__)

HANDLER_CONCURRENCY = 256


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
    """Run until a stop is requested (or polling stops); always closes the app."""
    signals = _install_signals(app) if handle_signals else []
    try:
        me = await wait_for_telegram(
            app.bot, api_url=app.settings.telegram_api_url, stop=app.stop_requested
        )
        if me is None:
            return  # stopped before Telegram ever answered: nothing was started
        if app.http is not None:
            # Every process serves its port: webhook updates, /healthz, /metrics.
            with step(f"listening on port {app.http.port}"):
                await app.http.start()
        if app.leadership.shared:
            log.info("bot @%s up; the lease holder runs the background loop", me.username)
        await app.leadership.run(functools.partial(_lead, app, me.username), app.stop_requested)
    finally:
        await asyncio.shield(close_app(app))
        loop = asyncio.get_running_loop()
        for sig in signals:
            loop.remove_signal_handler(sig)
        log.info("bot stopped")


async def _lead(app: App, username: str | None, lost: asyncio.Event) -> None:
    """While this process holds the lease (always, alone on SQLite): the background loop, the
    outbox of the other processes, and long polling or the webhook's registration."""
    await app.learn()
    with step("starting the background loop"):
        await app.poller.start()
    shared = app.leadership.shared
    unlisten = (
        [
            await app.db.listen("tasks", app.poller.wake),
            await app.db.listen("outbox", app.pump.wake),
        ]
        if shared
        else []
    )
    pump = (
        asyncio.create_task(app.pump.run(app.leadership.epoch), name="outbox-pump")
        if shared
        else None
    )
    try:
        await register_commands(app.sender, app.translator, payments=app.settings.payments_on)
        if app.settings.uses_webhook:
            await _register_webhook(app, username)
            await _first(app.stop_requested, lost)
        else:
            await _serve_polling(app, username, lost)
    finally:
        if pump is not None:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
        for stop_listening in unlisten:
            with contextlib.suppress(Exception):
                await stop_listening()
        if lost.is_set():
            # Another process may take over any moment now: stop acting for the lease at once.
            log.warning("lease lost: stopping the background loop")
            await app.poller.stop()


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _register_webhook(app: App, username: str | None) -> None:
    settings = app.settings
    assert settings.webhook_url is not None and app.webhook_secret is not None
    await webhook.register(
        app.bot,
        url=settings.webhook_url,
        secret=app.webhook_secret,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
    log.info("bot @%s started (webhook %s)", username, settings.webhook_url)


async def _serve_polling(app: App, username: str | None, lost: asyncio.Event) -> None:
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
    done = asyncio.create_task(_first(app.stop_requested, lost), name="stop-or-lost")
    try:
        await asyncio.wait({polling, done}, return_when=asyncio.FIRST_COMPLETED)
        while not polling.done():
            try:
                await app.dispatcher.stop_polling()
            except RuntimeError:  # not started yet: it will be in a moment
                await asyncio.sleep(0.01)
        await polling  # its errors, if any, belong to the caller
        if not lost.is_set():
            app.request_stop()  # polling ended on its own: the bot stops with it
    finally:
        done.cancel()
        if not polling.done():
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
