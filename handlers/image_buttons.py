"""The buttons under each picture: "again" and "original file". In a group, whoever presses
acts for themselves: "again" is charged to the presser, like any prompt of theirs."""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot import texts
from bot.delivery import Delivery
from bot.generation import GenerationService
from bot.image_buttons import ImageAction, ImageButton
from bot.telegram_out import Sender
from handlers.drawing import draw_for_presser
from handlers.replies import answer_callback

# SQLite integers are 64-bit: a larger number from the client would not even bind.
MAX_ROW_ID = 2**63


async def on_image_button(
    query: CallbackQuery,
    callback_data: ImageButton,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    # The button must sit under this task's own picture: forged data reveals nothing.
    plausible = 0 < callback_data.task_id < MAX_ROW_ID
    task = (
        await generation.task_in_chat(callback_data.task_id, message.chat.id)
        if message is not None and plausible
        else None
    )
    if task is None or message is None:
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    if callback_data.action is ImageAction.ORIGINAL:
        try:
            sent = await delivery.send_original(task, reply_to=message.message_id)
        except TelegramAPIError:
            sent = False
        await answer_callback(sender, query, None if sent else texts.original_gone(_))
        return
    await answer_callback(sender, query, texts.again_started(_))
    await draw_for_presser(
        query,
        message,
        task.prompt,
        sender=sender,
        generation=generation,
        delivery=delivery,
        i18n=i18n,
    )


def make_router() -> Router:
    router = Router(name="image_buttons")
    router.callback_query.register(on_image_button, ImageButton.filter())
    return router
