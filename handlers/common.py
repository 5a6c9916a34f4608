"""Commands that work the same in every chat: /start, /help, /quota, /lang."""

from __future__ import annotations

import time
from functools import partial

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.drawing.quotas import Quotas
from bot.language import texts
from bot.language.catalogues import LOCALES
from bot.language.choice import LanguageService
from bot.settings import Settings
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.drawing import person_of
from handlers.filters import DataStartsWith, data_prefix
from handlers.replies import answer_callback, reply


class LangButton(CallbackData, prefix="lang"):
    locale: str


async def on_help(
    message: Message, bot: Bot, replies: Replies, quotas: Quotas, settings: Settings, i18n: I18n
) -> None:
    person = person_of(message)
    if person is None:
        return
    me = await bot.me()
    status = await quotas.of_person(person.id)
    text = texts.help_text(
        i18n.gettext,
        me.username or "",
        status,
        time.time(),
        payments=settings.payments_on,
        pictures=settings.references_on,
    )
    await reply(replies, message, text)


async def on_quota(
    message: Message, replies: Replies, quotas: Quotas, settings: Settings, i18n: I18n
) -> None:
    person = person_of(message)
    if person is None:
        return
    status = await quotas.of_person(person.id)
    prices = [(model.title, model.credits) for model in settings.models]
    await reply(replies, message, texts.quota(i18n.gettext, status, time.time(), prices))


def _language_buttons(i18n: I18n) -> InlineKeyboardMarkup:
    # Each language is named in itself, so anyone can find their own.
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.language_name(partial(i18n.gettext, locale=locale)),
                    callback_data=LangButton(locale=locale).pack(),
                )
                for locale in LOCALES
            ]
        ]
    )


async def on_lang(
    message: Message,
    command: CommandObject,
    replies: Replies,
    languages: LanguageService,
    i18n: I18n,
) -> None:
    person = person_of(message)
    if person is None:
        return
    wanted = (command.args or "").strip().lower()
    if wanted in LOCALES:
        await languages.choose(person.id, wanted)
        with i18n.use_locale(wanted):
            await reply(replies, message, texts.lang_set(i18n.gettext))
        return
    current = texts.lang_current(i18n.gettext)
    await reply(replies, message, current, markup=_language_buttons(i18n))


async def on_lang_button(
    query: CallbackQuery,
    callback_data: LangButton,
    sender: Sender,
    languages: LanguageService,
    i18n: I18n,
) -> None:
    wanted = callback_data.locale
    if not await languages.choose(query.from_user.id, wanted):
        await answer_callback(sender, query)
        return
    with i18n.use_locale(wanted):
        await answer_callback(sender, query, texts.lang_set(i18n.gettext))


async def on_unreadable_lang(query: CallbackQuery, sender: Sender) -> None:
    await answer_callback(sender, query)


def make_router() -> Router:
    router = Router(name="common")
    router.message.register(on_help, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_quota, Command("quota"))
    router.message.register(on_lang, Command("lang"))
    router.callback_query.register(on_lang_button, LangButton.filter())
    # Anything else under that prefix (forged): just stop the spinner.
    router.callback_query.register(on_unreadable_lang, DataStartsWith(data_prefix(LangButton)))
    return router
