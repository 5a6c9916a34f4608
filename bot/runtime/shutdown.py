"""A graceful stop: no new updates, the work under way finished within SHUTDOWN_TIMEOUT, the
rest left in storage for the next start, every connection closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from bot.runtime.assembly import App

log = logging.getLogger(__name__)


async def _bounded(what: str, step: Awaitable[object], timeout: float) -> None:
    try:
        await asyncio.wait_for(step, timeout=max(timeout, 0.01))
    except TimeoutError:
        log.warning("shutdown: %s did not finish in time", what)
    except Exception:
        log.exception("shutdown: %s failed", what)


async def close_app(app: App) -> None:
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
    await _bounded("stopping status replies", app.status.close(), left())
    # Replies still queued get half of what is left; the rest of the stop needs some too.
    await _bounded("sending queued replies", app.replies.close(left() / 2), left())
    await _bounded("sending original files", app.originals.close(left() / 2), left())
    await _bounded("stopping the Telegram sender", app.sender.close(), left())
    # Only now, with nothing more to send, may another process take over the shared work.
    await _bounded("handing over the lease", app.leadership.release(), max(left(), 1.0))
    await _bounded("closing the GPTunnel client", app.gptunnel.aclose(), left())
    if app.http is not None:
        await _bounded("stopping the HTTP server", app.http.close(), left())
    await _bounded("closing the Telegram session", app.bot.session.close(), left())
    # The database closes last, whatever is left of the budget: WAL keeps every commit anyway.
    await _bounded("closing the database", app.db.close(), max(left(), 1.0))
