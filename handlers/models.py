"""/model and /ar with their buttons. In a private chat /model sets the person's own model; in
a group it shows the group's, which only the group's administrators change (by command or
button). /ar sets the person's aspect ratio, among those of the model they use there."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.methods import EditMessageText
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.drawing.options import normalised_ratio
from bot.language import model_texts
from bot.models.choices import ModelChoices, ModelMenu, ModelSet, RatioMenu, RatioRefused
from bot.telegram import menus
from bot.telegram.menus import ModelButton, RatioButton
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.chat_admins import is_admin
from handlers.drawing import person_of
from handlers.filters import ChatTypeIs, PressedIn
from handlers.replies import answer_callback, reply

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


def _group_of(message: Message) -> int | None:
    return None if message.chat.type == ChatType.PRIVATE else message.chat.id


def _menu_markup(i18n: I18n, menu: ModelMenu) -> InlineKeyboardMarkup:
    return menus.model_keyboard(i18n.gettext, menu.models, menu.current)


async def _show_again(
    replies: Replies, message: Message, text: str, markup: InlineKeyboardMarkup
) -> None:
    """The menu under the pressed button, brought up to date (its ✅ moved). Queued, and
    dropped when the chat has replies waiting: the button's answer said it anyway."""
    await replies.post(
        EditMessageText(
            chat_id=message.chat.id,
            message_id=message.message_id,
            text=text,
            reply_markup=markup,
        ),
        droppable=True,
    )


# --- /model --------------------------------------------------------------------------------


async def on_model(
    message: Message,
    command: CommandObject,
    bot: Bot,
    replies: Replies,
    models: ModelChoices,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    person = person_of(message)
    if person is None:
        return
    group = _group_of(message)
    wanted = (command.args or "").strip()
    if not wanted:
        menu = await models.model_menu(person.id, group)
        await reply(
            replies, message, model_texts.model_menu(_, menu), markup=_menu_markup(i18n, menu)
        )
        return
    written_as = message.sender_chat.id if message.sender_chat is not None else None
    if group is not None and not await is_admin(bot, group, person.id, sender_chat_id=written_as):
        await reply(replies, message, model_texts.model_not_admin(_))
        return
    outcome = await models.choose_model(person.id, group, wanted)
    if isinstance(outcome, ModelSet):
        await reply(replies, message, model_texts.model_set(_, outcome))
    else:
        await reply(replies, message, model_texts.model_unknown(_, outcome))


async def on_model_button(
    query: CallbackQuery,
    callback_data: ModelButton,
    bot: Bot,
    sender: Sender,
    replies: Replies,
    models: ModelChoices,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    chat = query.message.chat if query.message is not None else None
    group = chat.id if chat is not None and chat.type in GROUPS else None
    presser = query.from_user.id
    if group is not None and not await is_admin(bot, group, presser, sender_chat_id=None):
        await answer_callback(sender, query, model_texts.model_not_admin(_))
        return
    outcome = await models.choose_model(presser, group, callback_data.model)
    if not isinstance(outcome, ModelSet):  # forged data, or a model the operator removed
        await answer_callback(sender, query, model_texts.model_unknown(_, outcome)[:200])
        return
    await answer_callback(sender, query, model_texts.model_set(_, outcome, html=False))
    if message is not None:
        menu = ModelMenu(models.catalogue.models, outcome.model, outcome.for_group)
        await _show_again(
            replies, message, model_texts.model_menu(_, menu), _menu_markup(i18n, menu)
        )


# --- /ar -----------------------------------------------------------------------------------


def _ratio_reply(i18n: I18n, menu: RatioMenu) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = i18n.gettext
    text = model_texts.ratio_menu(_, menu)
    if not menu.model.takes_ratio:
        return text, None
    return text, menus.ratio_keyboard(_, menu.model, menu.current)


async def on_ar(
    message: Message, command: CommandObject, replies: Replies, models: ModelChoices, i18n: I18n
) -> None:
    _ = i18n.gettext
    person = person_of(message)
    if person is None:
        return
    group = _group_of(message)
    wanted = (command.args or "").strip()
    if not wanted:
        text, markup = _ratio_reply(i18n, await models.ratio_menu(person.id, group))
        await reply(replies, message, text, markup=markup)
        return
    outcome = await models.choose_ratio(person.id, group, normalised_ratio(wanted) or wanted)
    if isinstance(outcome, RatioRefused):
        await reply(replies, message, model_texts.ratio_refused(_, outcome))
    else:
        await reply(replies, message, model_texts.ratio_set(_, outcome))


async def on_ratio_button(
    query: CallbackQuery,
    callback_data: RatioButton,
    sender: Sender,
    replies: Replies,
    models: ModelChoices,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    chat = query.message.chat if query.message is not None else None
    group = chat.id if chat is not None and chat.type in GROUPS else None
    # The presser's own ratio, whoever's /ar the buttons answered.
    outcome = await models.choose_ratio(query.from_user.id, group, callback_data.ratio)
    if isinstance(outcome, RatioRefused):  # forged, or the model changed since
        await answer_callback(
            sender, query, model_texts.ratio_refused(_, outcome, html=False)[:200]
        )
        return
    await answer_callback(sender, query, model_texts.ratio_set(_, outcome, html=False))
    if message is not None:
        menu = RatioMenu(outcome.model, outcome.ratio, models.catalogue.taking_ratios())
        text, markup = _ratio_reply(i18n, menu)
        if markup is not None:
            await _show_again(replies, message, text, markup)


def make_router() -> Router:
    router = Router(name="models")
    # /ar works alike everywhere (a person's own ratio); /model differs, on two routers.
    router.message.register(on_ar, Command("ar"))
    router.callback_query.register(on_ratio_button, RatioButton.filter())
    private = Router(name="models-private")
    private.message.filter(ChatTypeIs(ChatType.PRIVATE))
    private.callback_query.filter(PressedIn(ChatType.PRIVATE))
    private.message.register(on_model, Command("model"))
    private.callback_query.register(on_model_button, ModelButton.filter())
    group = Router(name="models-group")
    group.message.filter(ChatTypeIs(*GROUPS))
    group.callback_query.filter(PressedIn(*GROUPS))
    group.message.register(on_model, Command("model"))
    group.callback_query.register(on_model_button, ModelButton.filter())
    router.include_routers(private, group)
    return router
