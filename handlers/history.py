"""A person's own prompts: /history with a "draw again" button per prompt, and /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot import texts
from bot.delivery import Delivery
from bot.generation import GenerationService
from bot.telegram_out import Sender
from handlers.drawing import draw_for_presser, person_of
from handlers.filters import DataStartsWith
from handlers.replies import answer_callback, reply

REDRAW_PREFIX = "redraw:"
BUTTONS_PER_ROW = 5
# SQLite integers are 64-bit; a longer number would not even bind.
MAX_ID_DIGITS = 18


async def on_history(
    message: Message, sender: Sender, generation: GenerationService, i18n: I18n
) -> None:
    _ = i18n.gettext
    person = person_of(message)
    if person is None:
        return
    tasks = await generation.history(person.id)
    if not tasks:
        await reply(sender, message, texts.history_empty(_))
        return
    text = texts.history(_, [(task.state.value, task.prompt) for task in tasks])
    buttons = [
        InlineKeyboardButton(
            text=texts.redraw_button(_, number), callback_data=f"{REDRAW_PREFIX}{task.id}"
        )
        for number, task in enumerate(tasks, start=1)
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    await reply(sender, message, text, markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_redraw(
    query: CallbackQuery,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    raw_id = (query.data or "")[len(REDRAW_PREFIX) :]
    message = query.message if isinstance(query.message, Message) else None
    # Button data comes from the client: anything but a plausible row id is simply unknown.
    valid = raw_id.isdigit() and len(raw_id) <= MAX_ID_DIGITS
    prompt = await generation.prompt_of(query.from_user.id, int(raw_id)) if valid else None
    if prompt is None or message is None:
        # Someone else's list, or a message too old to answer in: nothing is charged.
        await answer_callback(sender, query, texts.redraw_unknown(_))
        return
    await answer_callback(sender, query, texts.redraw_started(_))
    await draw_for_presser(
        query,
        message,
        prompt,
        sender=sender,
        generation=generation,
        delivery=delivery,
        i18n=i18n,
    )


async def on_cancel(
    message: Message, sender: Sender, generation: GenerationService, i18n: I18n
) -> None:
    person = person_of(message)
    if person is None:
        return
    count = await generation.cancel(person.id)
    await reply(sender, message, texts.cancelled(i18n.gettext, count))


def make_router() -> Router:
    router = Router(name="history")
    router.message.register(on_history, Command("history"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_redraw, DataStartsWith(REDRAW_PREFIX))
    return router
