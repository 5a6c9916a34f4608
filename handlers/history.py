"""A person's own prompts: /history with a "draw again" button per prompt, and /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.drawing.draw import Drawing
from bot.drawing.my_tasks import MyTasks
from bot.drawing.outcomes import UnknownTask
from bot.language import texts
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.drawing import outcome_text, person_of, presser_request
from handlers.filters import DataStartsWith
from handlers.numbers import whole_number
from handlers.replies import answer_callback, reply

REDRAW_PREFIX = "redraw:"
BUTTONS_PER_ROW = 5


async def on_history(message: Message, replies: Replies, my_tasks: MyTasks, i18n: I18n) -> None:
    _ = i18n.gettext
    person = person_of(message)
    if person is None:
        return
    tasks = await my_tasks.history(person.id)
    if not tasks:
        await reply(replies, message, texts.history_empty(_))
        return
    text = texts.history(_, [(task.state.value, task.prompt) for task in tasks])
    buttons = [
        InlineKeyboardButton(
            text=texts.redraw_button(_, number), callback_data=f"{REDRAW_PREFIX}{task.id}"
        )
        for number, task in enumerate(tasks, start=1)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    await reply(replies, message, text, markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_redraw(
    query: CallbackQuery, sender: Sender, replies: Replies, drawing: Drawing, i18n: I18n
) -> None:
    _ = i18n.gettext
    raw_id = (query.data or "")[len(REDRAW_PREFIX) :]
    message = query.message if isinstance(query.message, Message) else None
    # Button data comes from the client: anything but a plausible row id is simply unknown.
    task_id = whole_number(raw_id)
    if task_id is None or message is None:
        # A message too old to answer in, or forged data: nothing is charged.
        await answer_callback(sender, query, texts.redraw_unknown(_))
        return
    outcome = await drawing.redraw(presser_request(query, message, i18n), task_id)
    if isinstance(outcome, UnknownTask):
        # Someone else's list: nothing is charged.
        await answer_callback(sender, query, texts.redraw_unknown(_))
        return
    await answer_callback(sender, query, texts.redraw_started(_))
    text = outcome_text(outcome, i18n, private=message.chat.type == "private")
    if text is not None:
        await reply(replies, message, text, droppable=True)


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
    router.callback_query.register(on_redraw, DataStartsWith(REDRAW_PREFIX))
    return router
