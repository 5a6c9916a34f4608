"""The buttons under each picture: what they carry, and the keyboard that holds them."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.language import model_texts, picture_texts, texts
from bot.language.catalogues import Gettext
from bot.models.catalogue import ModelInfo


class ImageAction(StrEnum):
    AGAIN = "again"  # same prompt, a new picture, charged to whoever presses
    ORIGINAL = "orig"  # the full-quality file as a document
    EDIT = "edit"  # asks what to change, then draws from this picture (with a public URL)


class ImageButton(CallbackData, prefix="img"):
    action: ImageAction
    task_id: int


class PictureModelButton(CallbackData, prefix="pic"):
    """A model offered for a waiting picture (`waiting`: its id; only its sender may use it)."""

    waiting: int
    model: str


def keyboard(_: Gettext, task_id: int, *, edit: bool = False) -> InlineKeyboardMarkup:
    """`edit`: GPTunnel can fetch pictures from this bot, so they may be edited."""
    row = [
        InlineKeyboardButton(
            text=texts.button_again(_),
            callback_data=ImageButton(action=ImageAction.AGAIN, task_id=task_id).pack(),
        ),
        InlineKeyboardButton(
            text=texts.button_original(_),
            callback_data=ImageButton(action=ImageAction.ORIGINAL, task_id=task_id).pack(),
        ),
    ]
    if edit:
        row.append(
            InlineKeyboardButton(
                text=picture_texts.button_edit(_),
                callback_data=ImageButton(action=ImageAction.EDIT, task_id=task_id).pack(),
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[row])


def picture_models_keyboard(
    _: Gettext, waiting: int, models: Sequence[ModelInfo]
) -> InlineKeyboardMarkup:
    """One button per model that takes a picture, each with its price."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=model_texts.model_button(_, model, current=False),
                    callback_data=PictureModelButton(waiting=waiting, model=model.id).pack(),
                )
            ]
            for model in models
        ]
    )
