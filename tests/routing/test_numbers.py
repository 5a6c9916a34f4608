"""Numbers typed by a person or sent as button data: only ASCII digits count. "²" and other
digits `str.isdigit()` accepts used to reach `int()` and end the update with a traceback."""

from __future__ import annotations

import pytest
from aiogram.types import Update

from bot.language import texts
from handlers.numbers import whole_number
from tests.i18n import EN
from tests.routing.test_one_call import callback
from tests.routing.test_routing import GROUP, Harness, group_message, harness, message

__all__ = ["harness"]

ODD_DIGITS = ["²", "١٢", "٣", "Ⅻ", "𝟗", "1²", "-1", " 1"]


@pytest.mark.parametrize("text", ODD_DIGITS)
def test_only_ascii_digits_make_a_number(text: str) -> None:
    assert whole_number(text) is None


def test_plain_numbers_and_their_bound() -> None:
    assert whole_number("0") == 0 and whole_number("42") == 42
    assert whole_number("9" * 18) == int("9" * 18) and whole_number("9" * 19) is None


@pytest.mark.parametrize("digit", ["²", "٣"])
async def test_grouplimit_with_odd_digits_gets_the_usage(harness: Harness, digit: str) -> None:
    await harness.feed(group_message(f"/grouplimit {digit}"))
    assert harness.replies() == [texts.group_limit_usage(EN)]


@pytest.mark.parametrize("harness", [{"admin_ids": "111"}], indirect=True)
@pytest.mark.parametrize("command", ["grant", "setlimit"])
async def test_operator_commands_with_odd_digits_get_the_usage(
    harness: Harness, command: str
) -> None:
    await harness.feed(message(f"/{command} 1 ²"))
    await harness.feed(message(f"/{command} ² 3"))  # a user id of odd digits is nobody
    assert harness.replies() == [
        texts.admin_usage(EN, command),
        texts.admin_unknown_user(EN, "²"),
    ]


async def test_forged_redraw_data_with_odd_digits_is_unknown(harness: Harness) -> None:
    for n, data in enumerate(["redraw:²", "redraw:٣", "redraw:1²"]):
        query = callback(data, 800 + n, chat=GROUP)
        await harness.dp.feed_update(harness.bot, Update(update_id=800 + n, callback_query=query))
    answers = [
        r.text for r in harness.session.requests if type(r).__name__ == "AnswerCallbackQuery"
    ]
    assert answers == [texts.redraw_unknown(EN)] * 3
    assert harness.creates == []
