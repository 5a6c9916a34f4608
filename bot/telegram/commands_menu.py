"""The command menus Telegram shows: one for private chats, one for groups, in each language."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SetMyCommands
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)

from bot.language import texts
from bot.language.catalogues import DEFAULT_LOCALE, LOCALES, Translator
from bot.telegram.sender import Sender

log = logging.getLogger(__name__)


async def register_commands(
    sender: Sender, translator: Translator, *, payments: bool = False
) -> None:
    """setMyCommands for both scopes and every locale; a refusal is logged, never fatal.
    /buy and /paysupport are in the menus only while credits are sold (`payments`)."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), texts.menu(texts.PRIVATE_COMMANDS, payments=payments)),
        (BotCommandScopeAllGroupChats(), texts.menu(texts.GROUP_COMMANDS, payments=payments)),
    )
    for scope, names in scopes:
        for locale in LOCALES:
            _ = translator(locale)
            commands = [
                BotCommand(command=name, description=texts.command_description(_, name))
                for name in names
            ]
            # The default locale goes without a language code: it is what everyone else sees.
            language_code = None if locale == DEFAULT_LOCALE else locale
            try:
                await sender(
                    SetMyCommands(commands=commands, scope=scope, language_code=language_code)
                )
            except TelegramAPIError as exc:
                log.warning(
                    "could not register the %s commands for %s: %s", scope.type, locale, exc
                )
