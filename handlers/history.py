"""A person's own prompts: /history with a "draw again" button per prompt, and /cancel.

In a group /history lists only what the person asked in that group: everyone there reads the
list. An anonymous admin (writing as the group) gets the group's own list; its buttons work for
whoever may act for the group, Telegram's administrators of it (asked with getChatMember),
and draw for the group, as the anonymous admin did.
"""

from __future__ import annotations

from dataclasses import replace

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.drawing.draw import Drawing
from bot.drawing.my_tasks import MyTasks
from bot.drawing.outcomes import UnknownTask
from bot.drawing.requests import Person
from bot.language import texts
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.chat_admins import is_admin
from handlers.drawing import outcome_text, person_of, presser_request
from handlers.filters import DataStartsWith, data_prefix
from handlers.replies import answer_callback, reply

BUTTONS_PER_ROW = 5
# Row ids are 64-bit: a larger number from the client would not even bind.
MAX_ROW_ID = 2**63


class RedrawButton(CallbackData, prefix="redraw"):
    task_id: int
    for_chat: bool  # the group's own list (an anonymous admin's): its admins may press


async def on_history(message: Message, replies: Replies, my_tasks: MyTasks, i18n: I18n) -> None:
    _ = i18n.gettext
    person = person_of(message)
    if person is None:
        return
    in_group = message.chat.type != "private"
    tasks = await my_tasks.history(person.id, in_chat=message.chat.id if in_group else None)
    if not tasks:
        await reply(replies, message, texts.history_empty(_))
        return
    text = texts.history(_, [(task.state.value, task.prompt) for task in tasks])
    for_chat = message.sender_chat is not None
    buttons = [
        InlineKeyboardButton(
            text=texts.redraw_button(_, number),
            callback_data=RedrawButton(task_id=task.id, for_chat=for_chat).pack(),
        )
        for number, task in enumerate(tasks, start=1)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    await reply(replies, message, text, markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_redraw(
    query: CallbackQuery,
    callback_data: RedrawButton,
    bot: Bot,
    sender: Sender,
    replies: Replies,
    drawing: Drawing,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not 0 < callback_data.task_id < MAX_ROW_ID:
        # A message too old to answer in, or forged data: nothing is charged.
        await answer_callback(sender, query, texts.redraw_unknown(_))
        return
    request = presser_request(query, message, i18n)
    if callback_data.for_chat:
        chat = message.chat
        if chat.type == "private" or not await is_admin(bot, chat.id, query.from_user.id):
            await answer_callback(sender, query, texts.redraw_unknown(_))
            return
        request = replace(request, person=Person(id=chat.id, username=chat.username))
    outcome = await drawing.redraw(request, callback_data.task_id)
    if isinstance(outcome, UnknownTask):
        # Someone else's list: nothing is charged.
        await answer_callback(sender, query, texts.redraw_unknown(_))
        return
    await answer_callback(sender, query, texts.redraw_started(_))
    text = outcome_text(outcome, i18n, private=message.chat.type == "private")
    if text is not None:
        await reply(replies, message, text, droppable=True)


async def on_unreadable_redraw(query: CallbackQuery, sender: Sender, i18n: I18n) -> None:
    """Button data that is not a RedrawButton at all (forged, or from an older version)."""
    await answer_callback(sender, query, texts.redraw_unknown(i18n.gettext))


async def on_cancel(message: Message, replies: Replies, my_tasks: MyTasks, i18n: I18n) -> None:
    person = person_of(message)
    if person is None:
        return
    outcome = await my_tasks.cancel(person.id)
    text = texts.cancelled(i18n.gettext, outcome.stopped, outcome.drawing)
    await reply(replies, message, text)


def make_router() -> Router:
    router = Router(name="history")
    router.message.register(on_history, Command("history"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_redraw, RedrawButton.filter())
    router.callback_query.register(on_unreadable_redraw, DataStartsWith(data_prefix(RedrawButton)))
    return router
