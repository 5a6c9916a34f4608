"""The buttons under each picture: what they carry, and the keyboard that holds them."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.language import texts
from bot.language.catalogues import Gettext


class ImageAction(StrEnum):
    AGAIN = "again"  # same prompt, a new picture, charged to whoever presses
    ORIGINAL = "orig"  # the full-quality file as a document


class ImageButton(CallbackData, prefix="img"):
    action: ImageAction
    task_id: int


def keyboard(_: Gettext, task_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts.button_again(_),
                    callback_data=ImageButton(action=ImageAction.AGAIN, task_id=task_id).pack(),
                ),
                InlineKeyboardButton(
                    text=texts.button_original(_),
                    callback_data=ImageButton(action=ImageAction.ORIGINAL, task_id=task_id).pack(),
                ),
            ]
        ]
    )
