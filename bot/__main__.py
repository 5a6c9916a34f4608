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

    secrets = [settings.bot_token.get_secret_value(), settings.gptunnel_api_key.get_secret_value()]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    setup_logging(secrets, level=settings.log_level_number, fmt=settings.log_format)
    # SIGTERM and SIGINT end the run gracefully (see bot.runtime.serve): that is a clean exit.
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))
    except Exception:
        # Through logging, not the interpreter's own print: the filter blanks the token out of
        # URLs in the traceback (the Bot API carries it in every request path).
        logging.getLogger("bot").exception("the bot stopped on an error")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
