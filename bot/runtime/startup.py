"""Starting up against a world that may not be ready: Telegram unreachable for a while (no
network yet, DNS down, a proxy not up) is waited for; a token Telegram refuses stops the bot
with one line; any other failure says which step failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0
MAX_WAIT = 60.0


class StartupError(Exception):
    """A step of starting up failed; `what` names the step for the one line the operator reads."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"{what} failed: {type(cause).__name__}: {cause}")
        self.what = what


class TokenRefused(Exception):
    """Telegram answered 401 to getMe: BOT_TOKEN cannot work, and retrying will not help."""


@contextlib.contextmanager
def step(what: str) -> Iterator[None]:
    """Name the step that fails, so the operator reads one line saying what went wrong."""
    try:
        yield
    except (StartupError, TokenRefused):
        raise
    except Exception as exc:
        raise StartupError(what, exc) from exc


def api_host(api_url: str | None) -> str:
    """Where the Bot API is, without the token (which rides in every request path)."""
    parts = urlsplit(api_url or "https://api.telegram.org")
    return f"{parts.scheme}://{parts.netloc}"


async def wait_for_telegram(
    bot: Bot, *, api_url: str | None, stop: asyncio.Event, first: float = FIRST_WAIT
) -> User | None:
    """getMe until Telegram answers, waiting 1 s, 2 s, 4 s … (at most a minute) in between and
    logging one line per attempt. None when a stop was requested meanwhile."""
    where = api_host(api_url)
    wait = first
    attempt = 1
    while not stop.is_set():
        try:
            return await bot.me()
        except TelegramUnauthorizedError as exc:
            raise TokenRefused(str(exc)) from exc
        except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        except TelegramRetryAfter as exc:
            reason = f"flood control, retry after {exc.retry_after} s"
            wait = max(wait, float(exc.retry_after))
        log.warning(
            "Telegram at %s did not answer (attempt %s: %s); trying again in %.0f s",
            where,
            attempt,
            reason,
            wait,
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await stop.wait()
        wait = min(wait * 2, MAX_WAIT)
        attempt += 1
    return None
