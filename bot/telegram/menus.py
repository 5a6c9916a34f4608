"""The keyboards of /model, /ar and /buy, and the typed data their buttons carry. Button
data comes from the client and may be forged: handlers check every value against the
catalogue or the packs on sale before acting on it."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.language import model_texts, payment_texts
from bot.language.catalogues import Gettext
from bot.models.catalogue import ModelInfo
from bot.payments.packs import StarPack

RATIOS_PER_ROW = 4


class ModelButton(CallbackData, prefix="model"):
    model: str  # a catalogue id (no ":" in ids; 40 characters at most)


class RatioButton(CallbackData, prefix="ar"):
    # "16:9" as 16 and 9 (":" separates callback data's fields); 0 and 0: the model's default.
    width: int
    height: int

    @property
    def ratio(self) -> str | None:
        return None if (self.width, self.height) == (0, 0) else f"{self.width}:{self.height}"

    @classmethod
    def of(cls, ratio: str | None) -> RatioButton:
        width, _, height = (ratio or "0:0").partition(":")
        return cls(width=int(width), height=int(height))


class BuyButton(CallbackData, prefix="buy"):
    credits: int
    stars: int


def model_keyboard(
    _: Gettext, models: Sequence[ModelInfo], current: ModelInfo
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=model_texts.model_button(_, model, current=model.id == current.id),
                    callback_data=ModelButton(model=model.id).pack(),
                )
            ]
            for model in models
        ]
    )


def ratio_keyboard(_: Gettext, model: ModelInfo, current: str | None) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=f"✅ {ratio}" if ratio == current else ratio,
            callback_data=RatioButton.of(ratio).pack(),
        )
        for ratio in model.ratios
    ]
    rows = [buttons[i : i + RATIOS_PER_ROW] for i in range(0, len(buttons), RATIOS_PER_ROW)]
    default = model_texts.ratio_button_default(_)
    rows.append(
        [
            InlineKeyboardButton(
                text=f"✅ {default}" if current is None else default,
                callback_data=RatioButton.of(None).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def buy_keyboard(_: Gettext, packs: Sequence[StarPack]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=payment_texts.buy_button(_, pack),
                    callback_data=BuyButton(credits=pack.credits, stars=pack.stars).pack(),
                )
            ]
            for pack in packs
        ]
    )
