"""`python -m bot`: read settings, then run until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from pydantic import ValidationError

from bot.ops.logs import setup_logging
from bot.settings import Settings, describe_error


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_error(exc), file=sys.stderr)
        return 2
    # The services and handlers are imported only once the settings are known to be good.
    from bot.app import run
    from bot.runtime.startup import StartupError, TokenRefused

    secrets = [settings.bot_token.get_secret_value(), settings.gptunnel_api_key.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(secrets, level=settings.log_level_number, fmt=settings.log_format)
    # SIGTERM and SIGINT end the run gracefully (see bot.runtime.serve): that is a clean exit.
    log = logging.getLogger("bot")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except TokenRefused:
        log.error("Telegram refused BOT_TOKEN (401 Unauthorized): check the token @BotFather gave")
        return 2
    except Exception as exc:
        # One line for the operator; the traceback only when they ask for it. Through logging,
        # not the interpreter's print: the filter blanks the token out of URLs in tracebacks.
        what = str(exc) if isinstance(exc, StartupError) else f"{type(exc).__name__}: {exc}"
        log.error("the bot stopped: %s", what)
        log.debug("what failed, in full", exc_info=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
