"""`python -m bot`: read settings, then run until stopped.

`python -m bot copy-data --from URL --to URL [--force]` copies the database instead (moving
from SQLite to PostgreSQL, or back); it needs none of the bot's settings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.ops.logs import setup_logging
from bot.settings import Settings, describe_error


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["copy-data"]:
        # Before the settings: copying needs no BOT_TOKEN, only the two URLs.
        return copy_data_main(args[1:])
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
    from storage.urls import password_of

    secrets.append(password_of(settings.database_url) or "")
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


def copy_data_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot copy-data",
        description="Copy every table of the bot's database into another (SQLite or "
        "PostgreSQL, either way). Stop the bot first.",
    )
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="sqlite:///path or postgresql://user:password@host:5432/db",
    )
    parser.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="the same shapes; its schema is created or brought up to date",
    )
    parser.add_argument(
        "--force", action="store_true", help="the target holds rows: delete every one of them first"
    )
    options = parser.parse_args(argv)

    from storage.copy_data import TargetNotEmpty
    from storage.urls import password_of, redacted

    secrets = [p for p in (password_of(options.source), password_of(options.target)) if p]

    def say(text: str, *, error: bool = False) -> None:
        for secret in secrets:
            text = text.replace(secret, "***")
        print(text, file=sys.stderr if error else sys.stdout)

    try:
        copied = asyncio.run(_copy(options.source, options.target, force=options.force))
    except TargetNotEmpty as exc:
        say(f"copy-data: {exc}; nothing was copied. Add --force to delete them first.", error=True)
        return 1
    except Exception as exc:
        say(f"copy-data: failed, nothing was copied: {type(exc).__name__}: {exc}", error=True)
        return 1
    say(f"copied {redacted(options.source)} -> {redacted(options.target)}")
    for table, count in copied.items():
        say(f"  {table}: {count}")
    return 0


async def _copy(source_url: str, target_url: str, *, force: bool) -> dict[str, int]:
    from storage import open_database
    from storage.copy_data import copy_data
    from storage.urls import same_database

    if same_database(source_url, target_url):
        raise ValueError("--from and --to are the same database")
    source = await open_database(source_url, pool_size=2)
    try:
        target = await open_database(target_url, pool_size=2)
        try:
            return await copy_data(source, target, force=force)
        finally:
            await target.close()
    finally:
        await source.close()


if __name__ == "__main__":
    sys.exit(main())
